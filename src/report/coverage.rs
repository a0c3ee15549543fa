//! What a report is based on: how many members were read, which were lost and why, and which families of
//! sources the bundle holds with the time they span. Every rendering states it, so "no problem found" is
//! never said without what was examined.

use std::fmt::Write as _;

use serde::Serialize;

use crate::artifacts::backup::is_backup_path;
use crate::artifacts::{ArtifactKind, Reading, SourceFamily};
use crate::facts::SourceClock;
use crate::inventory::{InventoryEntry, MemberStatus};

/// Lost members named in the one-line summary (the JSON lists them all).
const LOST_NAMED: usize = 3;

/// Member counts by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemberCounts {
    /// Inventory rows.
    pub total: usize,
    /// Read in full.
    pub parsed: usize,
    /// Read in part.
    pub partial: usize,
    /// Could not be read.
    pub failed: usize,
    /// Not read (nothing reads them, or a limit).
    pub skipped: usize,
}

/// A member that was not read in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostMember {
    /// Member path (empty for the bundle's own container).
    pub path: String,
    /// Artifact kind name.
    pub kind: &'static str,
    /// `partial`, `failed` or `skipped`.
    pub status: MemberStatus,
    /// Why.
    pub detail: String,
}

/// One family of sources (e.g. the Linux agent's log) and how much of it the bundle holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FamilyCoverage {
    /// Stable id (`linux-agent-log`, `windows-event-logs`, …).
    pub family: &'static str,
    /// Human name.
    pub label: &'static str,
    /// The bundle holds at least one such file.
    pub present: bool,
    /// Files of this family in the bundle.
    pub files: usize,
    /// Of them, read in full or in part.
    pub read: usize,
    /// Earliest timestamp read from them, RFC 3339 UTC.
    pub first: Option<String>,
    /// Latest timestamp read from them, RFC 3339 UTC.
    pub last: Option<String>,
}

/// The report's `coverage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Members by status.
    pub members: MemberCounts,
    /// Members snaptriage has a reader for that were read, in full or in part. Zero means nothing in the
    /// bundle could be analysed.
    pub analysed: usize,
    /// Members not read in full (failed, partial, or skipped although snaptriage reads their kind), and why.
    pub lost: Vec<LostMember>,
    /// Every family of sources, present or not.
    pub sources: Vec<FamilyCoverage>,
    /// All of the above in one sentence.
    pub summary: String,
}

/// A family: its id, label, which registry family it shows, and the OSes whose summary names it even when
/// absent. (Which artifact kinds belong to a family is said by each kind's registry entry.)
struct Family {
    id: &'static str,
    label: &'static str,
    family: SourceFamily,
    /// Shown even when absent, for bundles of this OS (`linux`, `windows`, or both when unknown).
    key_for: &'static [&'static str],
}

const FAMILIES: &[Family] = &[
    Family {
        id: "linux-agent-log",
        label: "Linux agent log",
        family: SourceFamily::LinuxAgentLog,
        key_for: &["linux"],
    },
    Family {
        id: "agent-state",
        label: "agent configuration and goal states",
        family: SourceFamily::AgentState,
        key_for: &[],
    },
    Family {
        id: "windows-agent-logs",
        label: "Windows agent logs",
        family: SourceFamily::WindowsAgentLogs,
        key_for: &["windows"],
    },
    Family {
        id: "windows-event-logs",
        label: "Windows event logs",
        family: SourceFamily::WindowsEventLogs,
        key_for: &["windows"],
    },
    Family {
        id: "backup-extension-logs",
        label: "backup extension logs",
        family: SourceFamily::BackupExtensionLogs,
        key_for: &["linux", "windows"],
    },
    Family {
        id: "extension-state",
        label: "extension status and settings",
        family: SourceFamily::ExtensionState,
        key_for: &[],
    },
    Family {
        id: "other-extension-logs",
        label: "other extension logs",
        family: SourceFamily::OtherExtensionLogs,
        key_for: &[],
    },
    Family { id: "system-logs", label: "system logs", family: SourceFamily::SystemLogs, key_for: &[] },
    Family {
        id: "windows-state",
        label: "registry hives and VSS writers",
        family: SourceFamily::WindowsState,
        key_for: &[],
    },
    Family {
        id: "vm-configuration",
        label: "OS and network configuration",
        family: SourceFamily::VmConfiguration,
        key_for: &[],
    },
];

/// The family an inventory row belongs to, if any (archives and unknown files belong to none). Another
/// extension's log kept in the backup extension's folder counts as the backup extension's.
fn family_of(entry: &InventoryEntry) -> Option<&'static str> {
    let family = ArtifactKind::from_name(entry.kind)?.spec().family?;
    let family = match family {
        SourceFamily::OtherExtensionLogs if is_backup_path(&entry.path) => SourceFamily::BackupExtensionLogs,
        other => other,
    };
    FAMILIES.iter().find(|f| f.family == family).map(|f| f.id)
}

/// True for a member of a kind snaptriage reads (archives are opened, not read; unknown files are not read).
fn analysable_kind(kind: &str) -> bool {
    ArtifactKind::from_name(kind)
        .is_none_or(|k| !matches!(k.spec().reading, Reading::Archive | Reading::Ignored))
}

fn read(status: MemberStatus) -> bool {
    matches!(status, MemberStatus::Parsed | MemberStatus::Partial)
}

impl Coverage {
    /// Builds the coverage of a report from its inventory and per-source clocks; `os` picks which absent
    /// families the summary mentions.
    pub fn build(inventory: &[InventoryEntry], clocks: &[SourceClock], os: &str) -> Coverage {
        let count = |s: MemberStatus| inventory.iter().filter(|e| e.status == s).count();
        let members = MemberCounts {
            total: inventory.len(),
            parsed: count(MemberStatus::Parsed),
            partial: count(MemberStatus::Partial),
            failed: count(MemberStatus::Failed),
            skipped: count(MemberStatus::Skipped),
        };
        let analysed = inventory.iter().filter(|e| analysable_kind(e.kind) && read(e.status)).count();
        let lost = inventory
            .iter()
            .filter(|e| match e.status {
                MemberStatus::Parsed => false,
                MemberStatus::Partial | MemberStatus::Failed => true,
                MemberStatus::Skipped => analysable_kind(e.kind),
            })
            .map(|e| LostMember {
                path: e.path.clone(),
                kind: e.kind,
                status: e.status,
                detail: e.detail.clone(),
            })
            .collect();
        let sources = FAMILIES.iter().map(|f| family(f, inventory, clocks)).collect();
        let mut coverage = Coverage { members, analysed, lost, sources, summary: String::new() };
        coverage.summary = coverage.sentence(os);
        coverage
    }

    /// True when no member of the bundle could be analysed: the report then says nothing about the VM.
    pub fn nothing_analysed(&self) -> bool {
        self.analysed == 0
    }

    fn sentence(&self, os: &str) -> String {
        let m = &self.members;
        let mut out = format!("read {} of {} members", m.parsed + m.partial, m.total);
        let mut lost: Vec<String> = Vec::new();
        for (status, n) in [(MemberStatus::Partial, m.partial), (MemberStatus::Failed, m.failed)] {
            if n == 0 {
                continue;
            }
            let named: Vec<String> = self
                .lost
                .iter()
                .filter(|l| l.status == status)
                .take(LOST_NAMED)
                .map(|l| format!("{} — {}", shown_path(&l.path), one_line(&l.detail)))
                .collect();
            let more = if n > LOST_NAMED { format!("; and {} more", n - LOST_NAMED) } else { String::new() };
            lost.push(format!("{n} {}: {}{more}", status.as_str(), named.join("; ")));
        }
        if m.skipped > 0 {
            lost.push(format!("{} skipped", m.skipped));
        }
        if !lost.is_empty() {
            let _ = write!(out, " ({})", lost.join("; "));
        }
        let key = |f: &FamilyCoverage| {
            FAMILIES.iter().any(|d| d.id == f.family && d.key_for.iter().any(|o| os == "unknown" || *o == os))
        };
        for f in self.sources.iter().filter(|f| f.present || key(f)) {
            let _ = write!(out, "; {}: {}", f.label, family_phrase(f));
        }
        out
    }
}

fn family(f: &Family, inventory: &[InventoryEntry], clocks: &[SourceClock]) -> FamilyCoverage {
    let rows: Vec<&InventoryEntry> = inventory.iter().filter(|e| family_of(e) == Some(f.id)).collect();
    let times: Vec<&SourceClock> = clocks.iter().filter(|c| rows.iter().any(|r| r.path == c.path)).collect();
    FamilyCoverage {
        family: f.id,
        label: f.label,
        present: !rows.is_empty(),
        files: rows.len(),
        read: rows.iter().filter(|r| read(r.status)).count(),
        first: times.iter().filter_map(|c| c.first.clone()).min(),
        last: times.iter().filter_map(|c| c.last.clone()).max(),
    }
}

fn family_phrase(f: &FamilyCoverage) -> String {
    if !f.present {
        return "none present".into();
    }
    let files = if f.files == 1 { "1 file".to_string() } else { format!("{} files", f.files) };
    let unread = f.files - f.read;
    let mut out = match (unread, f.read) {
        (0, _) => files,
        (_, 0) => format!("{files}, none readable"),
        (n, _) => format!("{files} ({n} unreadable)"),
    };
    if let (Some(a), Some(b)) = (&f.first, &f.last) {
        let _ = write!(out, ", {} → {}", short_time(a), short_time(b));
    }
    out
}

fn shown_path(path: &str) -> &str {
    if path.is_empty() {
        "the bundle's archive"
    } else {
        path
    }
}

fn one_line(text: &str) -> String {
    text.split(['\n', '\r']).next().unwrap_or("").to_string()
}

/// `2024-03-15T17:10:47.429804Z` → `2024-03-15 17:10`.
fn short_time(t: &str) -> String {
    t.get(..16).map(|s| s.replace('T', " ")).unwrap_or_else(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(path: &str, kind: &'static str, status: MemberStatus, detail: &str) -> InventoryEntry {
        InventoryEntry { path: path.into(), kind, bytes: 10, status, detail: detail.into() }
    }

    #[test]
    fn says_what_was_read_what_was_lost_and_which_sources_are_there() {
        let inv = vec![
            row("var/log/waagent.log", "waagent-log", MemberStatus::Parsed, "100 records"),
            row(
                "var/log/waagent.log.1.gz",
                "waagent-log",
                MemberStatus::Failed,
                "gzip: corrupt deflate stream",
            ),
            row("notes.txt", "unknown", MemberStatus::Skipped, "not used by any analysis"),
        ];
        let c = Coverage::build(&inv, &[], "linux");
        assert_eq!(c.analysed, 1);
        assert_eq!(c.lost.len(), 1);
        assert_eq!(
            c.summary,
            "read 1 of 3 members (1 failed: var/log/waagent.log.1.gz — gzip: corrupt deflate stream; 1 skipped); \
             Linux agent log: 2 files (1 unreadable); backup extension logs: none present"
        );
        let nothing = Coverage::build(&inv[2..], &[], "unknown");
        assert!(nothing.nothing_analysed());
        assert!(nothing.summary.contains("Windows event logs: none present"), "{}", nothing.summary);
    }
}
