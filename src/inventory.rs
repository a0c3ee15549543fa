//! The inventory: what became of every member of a bundle.

use serde::Serialize;

/// Outcome of one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    /// Read and analysed in full.
    Parsed,
    /// Read in part (truncated, corrupt past some point); what was read was analysed.
    Partial,
    /// Deliberately not read (no parser for it, link, over a limit that is not an error).
    Skipped,
    /// Could not be read or parsed (at all, or past its time budget: the detail then says how far it got,
    /// and the records before that point were analysed).
    Failed,
}

impl MemberStatus {
    /// Lower-case name as in the JSON report.
    pub fn as_str(&self) -> &'static str {
        match self {
            MemberStatus::Parsed => "parsed",
            MemberStatus::Partial => "partial",
            MemberStatus::Skipped => "skipped",
            MemberStatus::Failed => "failed",
        }
    }
}

/// One row of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventoryEntry {
    /// Logical member path in the bundle (`outer.zip!/inner` for nested members).
    pub path: String,
    /// Artifact kind name (`waagent-log`, `ext-status`, …, `unknown`).
    pub kind: &'static str,
    /// Uncompressed bytes (declared by the archive when the member was not read).
    pub bytes: u64,
    /// What became of it.
    pub status: MemberStatus,
    /// Why, for anything but a clean parse; a short summary otherwise (records read, time basis).
    pub detail: String,
}
