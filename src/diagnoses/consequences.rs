//! Attaching a finding to the finding that causes it (`caused_by`), from the catalog's cause list
//! (`src/catalog/consequences.toml`): both must be in the bundle and their evidence must overlap in time.

use std::sync::OnceLock;

use chrono::Duration;
use serde::Deserialize;

use crate::model::Finding;

/// A cause's evidence explains a consequence's from this long before it to this long after it.
const SLACK_HOURS: i64 = 6;

/// One cause and what it explains.
#[derive(Debug, Clone, Deserialize)]
pub struct Cause {
    /// The cause's finding id.
    pub finding: String,
    /// The finding ids it explains.
    pub explains: Vec<String>,
    /// Why.
    pub why: String,
}

#[derive(Deserialize)]
struct CauseFile {
    cause: Vec<Cause>,
}

/// The embedded cause list (its validity is pinned by a test).
pub fn causes() -> &'static [Cause] {
    static CAUSES: OnceLock<Vec<Cause>> = OnceLock::new();
    CAUSES.get_or_init(|| {
        toml::from_str::<CauseFile>(include_str!("../catalog/consequences.toml"))
            .map(|f| f.cause)
            .unwrap_or_default()
    })
}

/// Sets `caused_by` on each finding another finding of the bundle explains: the most severe such cause.
pub(crate) fn attach(findings: &mut [Finding]) {
    let picks: Vec<Option<String>> = findings
        .iter()
        .map(|effect| {
            findings
                .iter()
                .filter(|cause| {
                    cause.id != effect.id && explains(&cause.id, &effect.id) && overlap(cause, effect)
                })
                .min_by_key(|cause| (cause.severity, cause.first_seen))
                .map(|cause| cause.id.clone())
        })
        .collect();
    for (finding, cause) in findings.iter_mut().zip(picks) {
        finding.caused_by = cause;
    }
}

fn explains(cause: &str, effect: &str) -> bool {
    causes().iter().any(|c| c.finding == cause && c.explains.iter().any(|e| e == effect))
}

/// True when the two findings' evidence spans meet (with slack); an undated finding meets any.
fn overlap(cause: &Finding, effect: &Finding) -> bool {
    match (cause.first_seen.zip(cause.last_seen), effect.first_seen.zip(effect.last_seen)) {
        (Some((c0, c1)), Some((e0, e1))) => {
            let slack = Duration::hours(SLACK_HOURS);
            e1.0 >= c0.0 - slack && e0.0 <= c1.0 + slack
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::model::{Confidence, Severity, Timestamp};

    fn finding(id: &str, from: &str, to: &str) -> Finding {
        let at = |t: &str| Some(Timestamp(format!("2024-03-15T{t}:00Z").parse().unwrap()));
        Finding {
            id: id.into(),
            severity: Severity::Error,
            confidence: Confidence::High,
            error_codes: vec![],
            title: id.into(),
            summary: String::new(),
            window: None,
            first_seen: at(from),
            last_seen: at(to),
            evidence: vec![],
            evidence_total: 0,
            remediation: vec![],
            caused_by: None,
        }
    }

    #[test]
    fn the_cause_list_names_known_findings_and_has_no_cycle() {
        let strict: CauseFile = toml::from_str(include_str!("../catalog/consequences.toml")).unwrap();
        assert_eq!(strict.cause.len(), causes().len());
        let catalog = Catalog::get();
        for c in causes() {
            assert!(catalog.finding(&c.finding).is_some(), "unknown cause {}", c.finding);
            for e in &c.explains {
                assert!(catalog.finding(e).is_some(), "{} explains unknown {e}", c.finding);
                assert!(!explains(e, &c.finding), "{} and {e} explain each other", c.finding);
            }
        }
    }

    #[test]
    fn a_consequence_is_attached_to_its_cause_only_when_they_meet_in_time() {
        let mut findings = vec![
            finding("dhcp-disabled", "10:00", "12:00"),
            finding("wireserver-unreachable", "10:05", "20:00"),
        ];
        attach(&mut findings);
        assert_eq!(findings[1].caused_by.as_deref(), Some("dhcp-disabled"));
        assert_eq!(findings[0].caused_by, None, "a cause is not its consequence's consequence");

        let mut apart = vec![
            finding("dhcp-disabled", "00:00", "01:00"),
            finding("wireserver-unreachable", "08:00", "09:00"),
        ];
        attach(&mut apart);
        assert_eq!(apart[1].caused_by, None, "seven hours apart: independent");

        let mut unrelated = vec![
            finding("fsfreeze-failed", "10:00", "12:00"),
            finding("wireserver-unreachable", "10:05", "20:00"),
        ];
        attach(&mut unrelated);
        assert!(unrelated.iter().all(|f| f.caused_by.is_none()));
    }
}
