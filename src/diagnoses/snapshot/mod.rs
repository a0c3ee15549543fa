//! The backup extension's runs: limits, time-outs, overlapping runs, and failures no specific finding explains.

mod failed;
mod limit;
mod overlap;
#[cfg(test)]
mod tests;
mod timeout;

pub use failed::VmSnapshotFailed;
pub use limit::SnapshotLimitReached;
pub use overlap::BackupOverlap;
pub use timeout::SnapshotTimeout;

use super::{Context, Signal};
use crate::catalog::Catalog;
use crate::facts::ExtensionStatusFact;

fn backup_statuses<'c>(cx: &'c Context<'_>) -> impl Iterator<Item = &'c ExtensionStatusFact> + 'c {
    cx.facts.extension_statuses.iter().filter(|s| s.is_backup_extension())
}

/// True when `s` is in error with one of `finding`'s error names or status codes (the catalog lists them).
fn status_has(s: &ExtensionStatusFact, finding: &str) -> bool {
    let codes = Catalog::get().codes_of(finding);
    s.status == "error"
        && (s.ext_error.as_deref().is_some_and(|e| codes.has_error_name(e))
            || s.code.is_some_and(|c| codes.has_status_code(c)))
}

/// Extension log lines naming one of `finding`'s error names.
fn coded_lines<'c>(cx: &'c Context<'_>, finding: &str) -> Vec<&'c Signal> {
    let codes = Catalog::get().codes_of(finding);
    cx.any_of(&["snap.status-code", "snap.ext-error"])
        .filter(|s| s.capture("ext_code").is_some_and(|c| codes.has_error_name(c)))
        .collect()
}
