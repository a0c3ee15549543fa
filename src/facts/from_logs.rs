//! Facts read straight from agent-log lines: versions, the distribution, extension handler activity. Their
//! times are written in the log's clock, so they are placed on the UTC timeline once the bundle's clock is
//! known ([`Facts::place_log_facts`]); a status file or status report always says more than the log.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use snaptriage_parsers::SourceTime;

use super::report::ExtensionSummary;
use super::version::{AgentRole, AgentVersion};
use super::Facts;
use crate::model::Signal;
use crate::model::{Evidence, Timestamp};
use crate::timeline::rfc3339;

/// An agent version an agent-log line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogVersionFact {
    /// Member path.
    pub path: String,
    /// Line.
    pub line: u32,
    /// Dotted version.
    pub version: String,
    /// Daemon or goal-state agent.
    pub role: AgentRole,
    /// When, as written.
    pub time: Option<SourceTime>,
    /// `AutoUpdate: 0|1` of a heartbeat.
    pub auto_update: Option<bool>,
    /// The line (clipped).
    pub text: String,
}

/// One line of extension handler activity in the agent's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionLogFact {
    /// Member path.
    pub path: String,
    /// Line.
    pub line: u32,
    /// Handler name.
    pub handler: String,
    /// Handler version, when the line (or an earlier line of the same handler) names it.
    pub version: Option<String>,
    /// Operation, when known.
    pub op: Option<String>,
    /// `success`, `error` or `transitioning`; `None` for a line that only names the handler (its target
    /// state).
    pub status: Option<String>,
    /// Exit or error code.
    pub code: Option<i64>,
    /// The telling text (clipped).
    pub message: String,
    /// When, as written.
    pub time: Option<SourceTime>,
    /// When, UTC (set by [`Facts::place_log_facts`]).
    pub at: Option<DateTime<Utc>>,
}

impl Facts {
    /// Puts what the agent's log said on the UTC timeline: log-read agent versions join
    /// [`Facts::agent_versions`] (a line a version signature already read is not counted twice), log-read
    /// extension activity gets its UTC time, and the distribution falls back to the `agent.os` signal's
    /// captures, then to the log's own `OS:` / `Distro:` line.
    pub fn place_log_facts(
        &mut self,
        signals: &[Signal],
        to_utc: impl Fn(&str, SourceTime) -> DateTime<Utc>,
    ) {
        let seen: HashSet<(String, Option<u32>, String)> = self
            .agent_versions
            .iter()
            .map(|v| (v.evidence.path.clone(), v.evidence.line, v.version.clone()))
            .collect();
        for v in &self.log_versions {
            if seen.contains(&(v.path.clone(), Some(v.line), v.version.clone())) {
                continue;
            }
            let seen_at = v.time.map(|t| to_utc(&v.path, t));
            self.agent_versions.push(AgentVersion {
                version: v.version.clone(),
                role: v.role,
                seen_at,
                auto_update: v.auto_update,
                evidence: Evidence {
                    path: v.path.clone(),
                    line: Some(v.line),
                    record_id: None,
                    timestamp: seen_at.map(Timestamp),
                    text: v.text.clone(),
                },
            });
        }
        self.agent_versions.sort_by_key(|v| (v.seen_at.is_none(), v.seen_at));
        for e in &mut self.log_extensions {
            e.at = e.time.map(|t| to_utc(&e.path, t));
        }
        self.log_extensions.sort_by_key(|e| (e.at.is_none(), e.at));
        let from_signal = signals.iter().filter(|s| &*s.name == "agent.os").find_map(|s| {
            let name = s.capture("os_name")?.trim();
            let version = s.capture("os_version").unwrap_or("").trim();
            (!name.is_empty()).then(|| format!("{name} {version}").trim_end().to_string())
        });
        if let Some(os) = from_signal {
            self.log_os = Some(os);
        }
    }

    /// The operating system: os-release's name, else the distribution the agent's log names.
    pub fn os_name(&self) -> Option<&str> {
        self.os.as_deref().or(self.log_os.as_deref())
    }

    /// The latest state the agent's log shows for each extension that has no status file or status report
    /// in the bundle (those always say more), marked as read from the log.
    pub fn log_extension_summaries(&self) -> Vec<ExtensionSummary> {
        let has_status: HashSet<String> =
            self.extension_statuses.iter().map(|s| s.handler.to_ascii_lowercase()).collect();
        let mut latest: BTreeMap<String, ExtensionSummary> = BTreeMap::new();
        for e in &self.log_extensions {
            let key = e.handler.to_ascii_lowercase();
            if has_status.contains(&key) {
                continue;
            }
            let entry = latest.entry(key).or_insert_with(|| ExtensionSummary {
                name: e.handler.clone(),
                version: None,
                status: "unknown".into(),
                code: None,
                message: String::new(),
                timestamp: None,
                source: Some("agent-log"),
            });
            if e.version.is_some() {
                entry.version = e.version.clone();
            }
            match &e.status {
                Some(status) => {
                    entry.status = status.clone();
                    entry.code = e.code;
                    entry.message = super::clip(&e.message, 300);
                    entry.timestamp = e.at.map(rfc3339);
                }
                None if entry.status == "unknown" => {
                    entry.message = super::clip(&e.message, 300);
                    entry.timestamp = e.at.map(rfc3339);
                }
                None => {}
            }
        }
        latest.into_values().collect()
    }
}
