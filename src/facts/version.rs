//! Agent versions: dotted numbers compared numerically, and where each was seen.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use crate::model::Evidence;

/// Which agent process reported a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AgentRole {
    /// The daemon (the distribution's package).
    Daemon,
    /// The agent that processes extensions (auto-updated).
    GoalState,
}

/// A version sighting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentVersion {
    /// Dotted version text (`2.9.1.1`).
    pub version: String,
    /// Who reported it.
    pub role: AgentRole,
    /// When (UTC), if known.
    pub seen_at: Option<DateTime<Utc>>,
    /// `AutoUpdate: 0|1` from a heartbeat, if given.
    pub auto_update: Option<bool>,
    /// Where.
    pub evidence: Evidence,
}

/// Compares dotted versions numerically (`2.2.10` > `2.2.9`); missing parts count as 0.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| s.split('.').map(|p| p.parse::<u64>().unwrap_or(0)).collect::<Vec<_>>();
    let (pa, pb) = (parts(a), parts(b));
    for i in 0..pa.len().max(pb.len()) {
        let o = pa.get(i).unwrap_or(&0).cmp(pb.get(i).unwrap_or(&0));
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_comparison() {
        assert_eq!(compare_versions("2.2.10", "2.2.9"), Ordering::Greater);
        assert_eq!(compare_versions("2.2.10", "2.2.10.0"), Ordering::Equal);
        assert_eq!(compare_versions("2.10.0.8", "2.9.1.1"), Ordering::Greater);
        assert_eq!(compare_versions("2.2.6", "2.2.10"), Ordering::Less);
    }
}
