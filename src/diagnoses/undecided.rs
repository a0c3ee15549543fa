//! Undecided diagnoses: a diagnosis that found nothing while it could not read what it needs cannot say the
//! problem is absent, and the report says so.

use super::{Diagnosis, Guest};
use crate::inventory::{InventoryEntry, MemberStatus};
use crate::model::Undecided;

/// Unreadable members named in one reason; the rest are counted.
const NAMED_MEMBERS: usize = 3;

/// Why `diagnosis`, having found nothing in a bundle of `guest`, is undecided: for each kind it needs
/// ([`Diagnosis::inputs`]) whose every member failed to parse, those members and why
/// (`System.evtx unreadable: <why>`); for each kind it needs on this guest that the bundle lacks, that it is
/// absent. `None` when it had all it needs.
pub fn undecided(
    diagnosis: &dyn Diagnosis,
    inventory: &[InventoryEntry],
    guest: Option<Guest>,
) -> Option<Undecided> {
    let mut reasons: Vec<String> = Vec::new();
    for input in diagnosis.inputs() {
        let kind = input.kind.name();
        let members: Vec<&InventoryEntry> = inventory.iter().filter(|e| e.kind == kind).collect();
        if members.is_empty() {
            if guest == Some(input.guest) {
                reasons.push(format!("no `{kind}` member in the bundle"));
            }
            continue;
        }
        if members.iter().all(|e| e.status == MemberStatus::Failed) {
            reasons.push(unreadable(&members));
        }
    }
    if reasons.is_empty() {
        return None;
    }
    Some(Undecided { finding: diagnosis.id().to_string(), reason: reasons.join("; ") })
}

/// `System.evtx unreadable: <why>` for each member (the first few), then how many more.
fn unreadable(members: &[&InventoryEntry]) -> String {
    let mut parts: Vec<String> = members
        .iter()
        .take(NAMED_MEMBERS)
        .map(|e| {
            let name = e.path.rsplit(['/', '\\']).next().unwrap_or(&e.path);
            let why = e.detail.lines().next().unwrap_or("").trim();
            if why.is_empty() {
                format!("{name} unreadable")
            } else {
                format!("{name} unreadable: {why}")
            }
        })
        .collect();
    if members.len() > NAMED_MEMBERS {
        parts.push(format!("and {} more", members.len() - NAMED_MEMBERS));
    }
    parts.join("; ")
}
