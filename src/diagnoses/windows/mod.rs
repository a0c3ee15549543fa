//! Windows guests: the backup extension's process (IaaSBcdrExtension.exe) crashing or being blocked, and the
//! Windows services it needs (VSS, COM+/MSDTC, Windows Installer, TLS, .NET) failing — each tied in time to
//! the snapshot failures it explains. This module finds those failures and ties signals to them.

mod crash;
pub mod facts;
mod prerequisites;
mod security;
mod services;
#[cfg(test)]
mod tests;

pub use crash::VmSnapshotCrash;
pub use prerequisites::{DotnetMissing, VcRedistInstallFailed};
pub use security::{AntivirusInterference, AppControlBlock};
pub use services::{BitlockerLocked, ComMsdtcFailure, TlsChannelFailure, VssFailure};

use chrono::{DateTime, Duration, Utc};

use super::{Context, Signal};

/// The backup extension's executable on Windows.
pub use crate::artifacts::backup::WINDOWS_PROCESS as BACKUP_EXE;

/// When the backup extension failed: its status files in error, and failure lines of its logs.
pub fn backup_failure_times(cx: &Context<'_>) -> Vec<DateTime<Utc>> {
    let mut times: Vec<DateTime<Utc>> = cx
        .facts
        .extension_statuses
        .iter()
        .filter(|s| s.is_backup_extension() && s.status == "error")
        .filter_map(|s| s.time)
        .collect();
    times.extend(
        cx.any_of(&["snap.failure", "snap.final-status"])
            .filter(|s| &*s.name == "snap.failure" || s.capture("status") == Some("error"))
            .filter_map(|s| s.time),
    );
    times.sort();
    times.dedup();
    times
}

/// The failure a signal at `t` explains when it happens at most `before` ahead of it (or `after` past it).
fn failure_near(
    failures: &[DateTime<Utc>],
    t: DateTime<Utc>,
    before: Duration,
    after: Duration,
) -> Option<DateTime<Utc>> {
    failures.iter().copied().find(|f| *f >= t - after && *f - t <= before)
}

fn app_is_backup(s: &Signal) -> bool {
    s.capture("app").is_some_and(|a| a.trim().to_ascii_lowercase().ends_with(BACKUP_EXE))
}

/// Signals tied to failures: (tied, untied), and the failures they tie to.
fn split_by_failures<'s>(
    signals: Vec<&'s Signal>,
    failures: &[DateTime<Utc>],
    before: Duration,
    after: Duration,
) -> (Vec<&'s Signal>, Vec<&'s Signal>) {
    signals
        .into_iter()
        .partition(|s| s.time.is_some_and(|t| failure_near(failures, t, before, after).is_some()))
}

fn failing_statuses(cx: &Context<'_>) -> Vec<crate::model::Evidence> {
    cx.facts
        .extension_statuses
        .iter()
        .filter(|s| s.is_backup_extension() && s.status == "error")
        .take(3)
        .map(|s| s.evidence())
        .collect()
}

/// True when a path names the backup extension's files or folders.
fn is_backup_path(path: &str) -> bool {
    crate::artifacts::backup::mentions_backup(path)
}
