//! `vmsnapshot-stuck-deleting`: the backup extension's removal keeps failing or repeating.

use snaptriage_parsers::handler::parse_handler_dir_name;

use super::extension_of;
use crate::diagnoses::{evidence_of, Context, Diagnosis, Draft, Input, Signal};
use crate::facts::{is_backup_extension, HandlerOrigin};
use crate::intake::ArtifactKind;
use crate::model::Confidence;
use crate::report::words::{count, plural};

/// True when a line names an uninstall or disable *command* of a handler (`handle.sh uninstall`, `Disable
/// extension`), not merely the word "disabled" ("extension processing is disabled").
fn names_removal_command(text: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?i)(?:\.(?:sh|py)\s+-?(?:uninstall|disable)\b|\b(?:uninstall|disable) (?:extension|command)\b)")
            .expect("removal regex")
    });
    re.is_match(text)
}

/// Removals of the handler directory beyond this count (without an upgrade) mean the removal keeps repeating.
const REPEATED_REMOVALS: usize = 2;

/// `vmsnapshot-stuck-deleting`.
pub struct StuckDeleting;

impl Diagnosis for StuckDeleting {
    fn id(&self) -> &'static str {
        "vmsnapshot-stuck-deleting"
    }

    fn rule(&self) -> &'static str {
        "The backup extension's uninstall or disable fails, or the goal state asks to uninstall it while its \
         handler directory keeps being removed (2+ times) or it is still targeted for uninstall again and again."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["ext.failure", "ext.nonzero-exit", "ext.handler-removed", "ext.target-state"]
    }

    fn inputs(&self) -> &'static [Input] {
        const { &[Input::linux(ArtifactKind::WaagentLog)] }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let removal_failures: Vec<&Signal> = cx
            .any_of(&["ext.failure", "ext.nonzero-exit", "ext.timeout"])
            .filter(|s| extension_of(s).is_some_and(|n| is_backup_extension(&n)) || s.is_backup_extension())
            .filter(|s| {
                let op = s.capture("op").unwrap_or("");
                op.eq_ignore_ascii_case("uninstall")
                    || op.eq_ignore_ascii_case("disable")
                    || names_removal_command(&s.text)
            })
            .collect();
        let removals: Vec<&Signal> = cx
            .named("ext.handler-removed")
            .filter(|s| s.capture("dir").is_some_and(is_backup_extension_dir))
            .collect();
        let uninstall_targets: Vec<&Signal> = cx
            .named("ext.target-state")
            .filter(|s| s.capture("name").is_some_and(is_backup_extension))
            .filter(|s| s.capture("state").is_some_and(|st| st.eq_ignore_ascii_case("uninstall")))
            .collect();
        let goal_uninstall: Vec<_> = cx
            .facts
            .handlers
            .iter()
            .filter(|h| {
                h.origin == HandlerOrigin::GoalState
                    && is_backup_extension(&h.handler)
                    && h.state == "uninstall"
            })
            .collect();
        let repeated = removals.len() >= REPEATED_REMOVALS || uninstall_targets.len() >= REPEATED_REMOVALS;
        let holds = !removal_failures.is_empty()
            || (!goal_uninstall.is_empty() && repeated)
            || (removals.len() > REPEATED_REMOVALS);
        if !holds {
            return None;
        }
        let mut evidence =
            evidence_of(removal_failures.iter().chain(&removals).chain(&uninstall_targets).copied());
        evidence.extend(goal_uninstall.iter().map(|h| crate::model::Evidence {
            path: h.path.clone(),
            line: None,
            record_id: None,
            timestamp: None,
            text: format!(
                "goal state (incarnation {}) asks: {} {} state={}",
                h.incarnation.map(|i| i.to_string()).unwrap_or_default(),
                h.handler,
                h.version.clone().unwrap_or_default(),
                h.state
            ),
        }));
        let summary = format!(
            "The backup extension is being removed and the removal does not complete: {} failed uninstall/disable \
             {}, {}{}.",
            removal_failures.len(),
            plural(removal_failures.len(), "operation"),
            count(removals.len(), "handler-directory removal"),
            if goal_uninstall.is_empty() { "" } else { ", goal state asks for uninstall" }
        );
        let confidence = if removal_failures.is_empty() { Confidence::Medium } else { Confidence::High };
        Some(Draft { severity: None, confidence, summary, evidence, error_codes: None })
    }
}

fn is_backup_extension_dir(dir: &str) -> bool {
    dir.rsplit('/')
        .find(|p| !p.is_empty())
        .and_then(parse_handler_dir_name)
        .is_some_and(|(n, _)| is_backup_extension(n))
}
