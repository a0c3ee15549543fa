//! Running the diagnoses in their dependency order and assembling each one's draft into a finding.

use chrono::{DateTime, Utc};

use super::{in_dependency_order, Context, Diagnosis, Draft, Guest, SourceInfo};
use crate::catalog::Catalog;
use crate::facts::Facts;
use crate::inventory::InventoryEntry;
use crate::model::{sort_findings, Evidence, Finding, Severity, Signal, Undecided};

/// Most evidence items a finding carries (the oldest half and the newest half are kept).
const MAX_EVIDENCE: usize = 24;

/// Runs every diagnosis after those whose decisions it reads: the findings, worded from the catalog, and
/// the diagnoses that found nothing while what they need could not be read.
pub(crate) fn run_all(
    signals: &[Signal],
    facts: &Facts,
    sources: &[SourceInfo],
    reference: Option<DateTime<Utc>>,
    os: &str,
    inventory: &[InventoryEntry],
    rules: Vec<Box<dyn Diagnosis>>,
) -> (Vec<Finding>, Vec<Undecided>) {
    let catalog = Catalog::get();
    let guest = Guest::from_os(os);
    let mut cx = Context::new(signals, facts, sources, reference, guest == Some(Guest::Windows));
    let mut findings = Vec::new();
    let mut undecided = Vec::new();
    for d in in_dependency_order(rules) {
        match cx.decide(d.as_ref()) {
            Some(draft) => {
                let finding = finish(d.id(), d.rule(), draft, catalog);
                cx.record(d.id(), finding.severity);
                findings.push(finding);
            }
            None => undecided.extend(super::undecided(d.as_ref(), inventory, guest)),
        }
    }
    super::consequences::attach(&mut findings);
    sort_findings(&mut findings);
    undecided.sort_by(|a, b| a.finding.cmp(&b.finding));
    (findings, undecided)
}

/// A draft made a finding: its evidence sorted, deduplicated and capped, its wording from the catalog.
fn finish(id: &str, rule: &str, draft: Draft, catalog: &Catalog) -> Finding {
    let spec = catalog.finding(id);
    let mut evidence = draft.evidence;
    evidence.sort_by(|a, b| {
        (a.timestamp.is_none(), &a.timestamp, &a.path, a.line, &a.text).cmp(&(
            b.timestamp.is_none(),
            &b.timestamp,
            &b.path,
            b.line,
            &b.text,
        ))
    });
    evidence.dedup();
    let first_seen = evidence.iter().filter_map(|e| e.timestamp).min();
    let last_seen = evidence.iter().filter_map(|e| e.timestamp).max();
    let total = evidence.len();
    let evidence = cap(evidence);
    Finding {
        id: id.to_string(),
        severity: draft.severity.or(spec.map(|s| s.severity)).unwrap_or(Severity::Error),
        confidence: draft.confidence,
        error_codes: draft.error_codes.or_else(|| spec.map(|s| s.error_codes.clone())).unwrap_or_default(),
        title: spec.map(|s| s.title.clone()).unwrap_or_else(|| id.to_string()),
        summary: draft.summary,
        window: Some(rule.to_string()),
        first_seen,
        last_seen,
        evidence,
        evidence_total: total,
        remediation: spec.map(|s| s.remediation.clone()).unwrap_or_default(),
        caused_by: None,
    }
}

/// At most [`MAX_EVIDENCE`] items: the oldest half and the newest half.
fn cap(evidence: Vec<Evidence>) -> Vec<Evidence> {
    if evidence.len() <= MAX_EVIDENCE {
        return evidence;
    }
    let half = MAX_EVIDENCE / 2;
    let tail = evidence.len() - half;
    evidence.into_iter().enumerate().filter(|(i, _)| *i < half || *i >= tail).map(|(_, e)| e).collect()
}
