//! Facts derived from signals and other facts once everything is on the UTC timeline.

use crate::model::{Evidence, Signal, Timestamp};

use super::version::AgentRole;
use super::{AgentVersion, Facts};

/// Defender's excluded paths: the registry's `Exclusions\\Paths` value names, and paths that 5007
/// configuration-change events added under `Exclusions\\Paths`.
pub fn defender_exclusions(signals: &[Signal], facts: &Facts) -> Vec<String> {
    let mut out: Vec<String> = facts
        .registry
        .iter()
        .filter(|r| r.key.to_ascii_lowercase().ends_with("windows defender\\exclusions\\paths"))
        .map(|r| r.name.clone())
        .collect();
    for s in signals.iter().filter(|s| &*s.name == "win.av-config") {
        if let Some(path) = s.capture("new").and_then(|v| v.split_once("Exclusions\\Paths\\")).map(|(_, p)| p)
        {
            let path = path.split(" = ").next().unwrap_or(path).trim().to_string();
            if !path.is_empty() && !out.contains(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Agent version sightings from version signals and agent status reports, oldest first.
pub fn agent_versions(signals: &[Signal], facts: &Facts) -> Vec<AgentVersion> {
    let mut out = Vec::new();
    for r in facts.registry.iter().filter(|r| r.name.eq_ignore_ascii_case("GuestAgentVersion")) {
        out.push(AgentVersion {
            version: r.value.trim().to_string(),
            role: AgentRole::GoalState,
            seen_at: None,
            auto_update: None,
            evidence: r.evidence(),
        });
    }
    for s in &facts.agent_statuses {
        let Some(version) = &s.version else { continue };
        out.push(AgentVersion {
            version: version.clone(),
            role: AgentRole::GoalState,
            seen_at: s.time,
            auto_update: None,
            evidence: Evidence {
                path: s.path.clone(),
                line: None,
                record_id: None,
                timestamp: s.time.map(Timestamp),
                text: format!("agent status: version {version} {}", s.status.clone().unwrap_or_default()),
            },
        });
    }
    for s in signals.iter().filter(|s| &*s.name == "agent.version") {
        let (version, role) = match (s.capture("version"), s.capture("gsversion"), s.capture("gaversion")) {
            (Some(v), _, _) if s.signature.as_ref() == "agent.daemon-version" => (v, AgentRole::Daemon),
            (Some(v), _, _) | (None, Some(v), _) | (None, None, Some(v)) => (v, AgentRole::GoalState),
            _ => continue,
        };
        out.push(AgentVersion {
            version: version.to_string(),
            role,
            seen_at: s.time,
            auto_update: s.capture("autoupdate").map(|a| a != "0"),
            evidence: s.evidence(),
        });
    }
    out.sort_by_key(|v| (v.seen_at.is_none(), v.seen_at));
    out
}
