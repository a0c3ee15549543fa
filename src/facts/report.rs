//! The `facts` section of the report.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Facts;
use crate::timeline::{rfc3339, TimeBasis};

/// One extension's latest state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionSummary {
    /// Handler name.
    pub name: String,
    /// Handler version.
    pub version: Option<String>,
    /// Real outcome of its latest status.
    pub status: String,
    /// Status code.
    pub code: Option<i64>,
    /// Message (clipped).
    pub message: String,
    /// When, RFC 3339 UTC.
    pub timestamp: Option<String>,
    /// `agent-log` when the state was read from the agent's log (no status file in the bundle); absent
    /// for status files and status reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
}

/// A VSS writer's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VssWriterSummary {
    /// Writer name.
    pub name: String,
    /// State (`[1] Stable`).
    pub state: String,
    /// Last error.
    pub last_error: String,
}

/// How one source's timestamps were put on the UTC timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceClock {
    /// Member path.
    pub path: String,
    /// The basis.
    #[serde(flatten)]
    pub basis: TimeBasis,
    /// First timestamp, UTC.
    pub first: Option<String>,
    /// Last timestamp, UTC.
    pub last: Option<String>,
}

/// The report's `facts`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FactsReport {
    /// The version of the agent that runs extensions (newest seen).
    pub agent_version: Option<String>,
    /// The daemon's (package) version.
    pub daemon_version: Option<String>,
    /// Whether the agent updates itself, when the bundle says.
    pub agent_auto_update: Option<bool>,
    /// Operating system.
    pub os: Option<String>,
    /// How local timestamps were read (`Europe/Berlin from etc/timezone`, `+02:00 inferred`, `assumed UTC`).
    pub time_zone: Option<String>,
    /// Latest state of each extension.
    pub extensions: Vec<ExtensionSummary>,
    /// Backup-relevant settings of /etc/waagent.conf and /etc/azure/vmbackup.conf as written.
    pub config: BTreeMap<String, String>,
    /// Per-source time basis and span.
    pub sources: Vec<SourceClock>,
    /// VSS writers (`vssadmin list writers`), when the bundle has them.
    pub vss_writers: Vec<VssWriterSummary>,
    /// Paths Microsoft Defender excludes (registry and configuration-change events), when known.
    pub defender_exclusions: Vec<String>,
    /// Names of the VM (host names, its Azure name, the goal state's container id), each value once with
    /// how many members give it; per kind, the most given first.
    pub identity: Vec<super::identity::IdentityName>,
    /// Backup-relevant registry values (`key\\name` → value), when the bundle has hives.
    pub registry: BTreeMap<String, String>,
}

/// waagent.conf keys that matter to backups.
const WAAGENT_KEYS: &[&str] = &[
    "Extensions.Enabled",
    "Provisioning.Agent",
    "Provisioning.Enabled",
    "AutoUpdate.Enabled",
    "AutoUpdate.UpdateToLatestVersion",
    "OS.EnableFirewall",
    "HttpProxy.Host",
    "HttpProxy.Port",
    "Protocol.EndpointDiscovery",
    "Logs.Verbose",
];

impl FactsReport {
    /// Builds the section from merged facts and the per-source clocks.
    pub fn build(
        facts: &Facts,
        zone_label: Option<String>,
        sources: Vec<SourceClock>,
        defender_exclusions: Vec<String>,
    ) -> Self {
        let agent = facts.goal_state_agent();
        let daemon = facts
            .agent_versions
            .iter()
            .filter(|v| v.role == super::version::AgentRole::Daemon)
            .max_by(|a, b| a.seen_at.cmp(&b.seen_at));
        let auto_update = facts.agent_versions.iter().rev().find_map(|v| v.auto_update);
        let mut extensions: Vec<ExtensionSummary> = facts
            .latest_statuses()
            .into_iter()
            .map(|s| ExtensionSummary {
                name: s.handler.clone(),
                version: s.handler_version.clone(),
                status: s.status.clone(),
                code: s.code,
                message: super::clip(&s.message, 300),
                timestamp: s.time.map(rfc3339),
                source: None,
            })
            .collect();
        extensions.extend(facts.log_extension_summaries());
        extensions.sort_by_key(|e| e.name.to_ascii_lowercase());
        let mut config = BTreeMap::new();
        if let Some(conf) = &facts.waagent_conf {
            for key in WAAGENT_KEYS {
                if let Some(v) = conf.config.value(key) {
                    config.insert((*key).to_string(), v.to_string());
                }
            }
        }
        if let Some(conf) = &facts.vmbackup_conf {
            for e in &conf.config.entries {
                let section = e.section.as_deref().unwrap_or("");
                config.insert(format!("vmbackup.conf:{section}.{}", e.key), e.value.clone());
            }
        }
        FactsReport {
            agent_version: agent
                .map(|v| v.version.clone())
                .or_else(|| facts.agent_statuses.iter().filter_map(|s| s.version.clone()).next_back()),
            daemon_version: daemon.map(|v| v.version.clone()),
            agent_auto_update: auto_update,
            os: facts.os_name().map(str::to_string),
            time_zone: zone_label,
            extensions,
            config,
            sources,
            vss_writers: facts
                .vss_writers
                .iter()
                .map(|w| VssWriterSummary {
                    name: w.name.clone(),
                    state: w.state.clone(),
                    last_error: w.last_error.clone(),
                })
                .collect(),
            defender_exclusions,
            identity: super::identity::summarise(&facts.identities),
            registry: facts
                .registry
                .iter()
                .map(|r| (format!("{}\\{}", r.key, r.name), r.value.clone()))
                .collect(),
        }
    }
}
