//! Facts: what the bundle says about the VM (OS, agent versions, configuration, extension states, zone),
//! gathered from structured artifacts and from signal captures, independent of any one diagnosis.

pub mod derive;
mod from_logs;
pub mod identity;
mod report;
pub mod version;

pub use from_logs::{ExtensionLogFact, LogVersionFact};

pub use report::{ExtensionSummary, FactsReport, SourceClock};
pub use version::AgentVersion;

use chrono::{DateTime, Utc};
use snaptriage_parsers::waagent_conf::Config;

use crate::model::Evidence;

/// A configuration file and where it came from.
#[derive(Debug, Clone)]
pub struct ConfFile {
    /// Member path.
    pub path: String,
    /// Parsed content.
    pub config: Config,
}

impl ConfFile {
    /// Evidence for one key of the file, when present.
    pub fn evidence(&self, key: &str) -> Option<Evidence> {
        let entry = self.config.get(key)?;
        Some(Evidence {
            path: self.path.clone(),
            line: Some(entry.line),
            record_id: None,
            timestamp: None,
            text: format!("{}={}", entry.key, entry.value),
        })
    }
}

/// One extension status file, decoded to what it really says.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionStatusFact {
    /// Member path.
    pub path: String,
    /// Handler name (`Microsoft.Azure.RecoveryServices.VMSnapshotLinux`).
    pub handler: String,
    /// Handler version, from the folder name.
    pub handler_version: Option<String>,
    /// Sequence number (file name).
    pub seq: Option<u64>,
    /// Operation (`Enable`, …).
    pub operation: Option<String>,
    /// The top-level `status` as written.
    pub reported_status: String,
    /// The real outcome (`success`, `error`, `transitioning`, `warning`).
    pub status: String,
    /// Status code.
    pub code: Option<i64>,
    /// Message (first 1 KiB).
    pub message: String,
    /// The backup extension's error-code name when known (`FailedRetryableFsFreezeFailed`).
    pub ext_error: Option<String>,
    /// `timestampUTC`.
    pub time: Option<DateTime<Utc>>,
    /// Backup task id, when the extension wrote one.
    pub task_id: Option<String>,
    /// Telemetry key/value pairs.
    pub telemetry: Vec<(String, String)>,
}

impl ExtensionStatusFact {
    /// True for the backup extension (Linux or Windows).
    pub fn is_backup_extension(&self) -> bool {
        is_backup_extension(&self.handler)
    }

    /// Evidence pointing at the file.
    pub fn evidence(&self) -> Evidence {
        let mut text =
            format!("status={} code={}", self.status, self.code.map(|c| c.to_string()).unwrap_or_default());
        if self.reported_status != self.status {
            text.push_str(&format!(" (file says {})", self.reported_status));
        }
        if let Some(e) = &self.ext_error {
            text.push_str(&format!(" error={e}"));
        }
        if !self.message.is_empty() {
            text.push_str(": ");
            text.push_str(&clip(&self.message, 400));
        }
        Evidence {
            path: self.path.clone(),
            line: None,
            record_id: None,
            timestamp: self.time.map(crate::model::Timestamp),
            text,
        }
    }
}

/// True for the VMSnapshot backup extension's handler names.
pub fn is_backup_extension(handler: &str) -> bool {
    crate::artifacts::backup::is_backup_handler(handler)
}

/// An extension handler's state file or goal-state entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerFact {
    /// Member path.
    pub path: String,
    /// Handler name.
    pub handler: String,
    /// Handler version.
    pub version: Option<String>,
    /// `HandlerState` text or goal-state plugin state (`enabled`, `uninstall`, …).
    pub state: String,
    /// Where the state came from.
    pub origin: HandlerOrigin,
    /// Goal-state incarnation, for goal-state entries.
    pub incarnation: Option<u64>,
}

/// Which file a [`HandlerFact`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerOrigin {
    /// `config/HandlerState` written by the agent.
    HandlerStateFile,
    /// `ExtensionsConfig` plugin entry (the platform's wish).
    GoalState,
    /// An agent status report.
    AgentStatus,
    /// The agent's own log (target state, commands, event echoes), when no file says more.
    AgentLog,
}

/// A network interface's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkFact {
    /// Member path.
    pub path: String,
    /// Line of the decisive setting.
    pub line: u32,
    /// Interface name when known.
    pub interface: Option<String>,
    /// Whether DHCP is on.
    pub dhcp: bool,
    /// The setting as written.
    pub text: String,
}

/// An agent status report (waagent_status.json): version and readiness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentStatusFact {
    /// Member path.
    pub path: String,
    /// Reported agent version.
    pub version: Option<String>,
    /// Ready / NotReady.
    pub status: Option<String>,
    /// Message.
    pub message: Option<String>,
    /// When.
    pub time: Option<DateTime<Utc>>,
}

/// One writer of `vssadmin list writers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VssWriterFact {
    /// Member path.
    pub path: String,
    /// Line of the writer's name.
    pub line: u32,
    /// Writer name.
    pub name: String,
    /// State as written (`[1] Stable`).
    pub state: String,
    /// True when the state is Stable.
    pub stable: bool,
    /// Last error as written (`No error`).
    pub last_error: String,
}

/// A registry value read from a hive in the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryFact {
    /// Member path of the hive.
    pub path: String,
    /// Key path inside the hive.
    pub key: String,
    /// Value name.
    pub name: String,
    /// Value data rendered as text.
    pub value: String,
}

impl RegistryFact {
    /// Evidence for this value.
    pub fn evidence(&self) -> Evidence {
        Evidence {
            path: self.path.clone(),
            line: None,
            record_id: None,
            timestamp: None,
            text: format!("{}\\{} = {}", self.key, self.name, self.value),
        }
    }
}

/// Protected-settings presence for an extension's settings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsFact {
    /// Member path.
    pub path: String,
    /// Handler name.
    pub handler: String,
    /// Sequence number.
    pub seq: Option<u64>,
    /// Whether protected settings are present.
    pub has_protected: bool,
}

/// Everything learned, merged across members.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// `PRETTY_NAME` (or NAME VERSION) from os-release.
    pub os: Option<String>,
    /// The zone the bundle names, and where.
    pub time_zone: Option<(String, String)>,
    /// When the bundle was collected.
    pub collected_at: Option<DateTime<Utc>>,
    /// `/etc/waagent.conf`.
    pub waagent_conf: Option<ConfFile>,
    /// `/etc/azure/vmbackup.conf`.
    pub vmbackup_conf: Option<ConfFile>,
    /// Extension status files.
    pub extension_statuses: Vec<ExtensionStatusFact>,
    /// Handler states and goal-state plugin entries.
    pub handlers: Vec<HandlerFact>,
    /// Network configuration.
    pub network: Vec<NetworkFact>,
    /// Agent status reports.
    pub agent_statuses: Vec<AgentStatusFact>,
    /// Extension settings files.
    pub settings: Vec<SettingsFact>,
    /// Agent versions seen (logs and status), oldest sighting first.
    pub agent_versions: Vec<AgentVersion>,
    /// VSS writers (`vssadmin list writers`).
    pub vss_writers: Vec<VssWriterFact>,
    /// Registry values of interest.
    pub registry: Vec<RegistryFact>,
    /// The distribution the agent's log names (`ubuntu 22.04`), used when no os-release says better.
    pub log_os: Option<String>,
    /// Agent versions read straight from agent-log lines, times as written (see [`Facts::place_log_facts`]).
    pub log_versions: Vec<LogVersionFact>,
    /// Extension handler activity read from the agent's log, oldest first once placed on the timeline.
    pub log_extensions: Vec<ExtensionLogFact>,
    /// Names of the VM, one per source that gives one.
    pub identities: Vec<identity::IdentityFact>,
}

/// One contribution to the facts from one member.
#[derive(Debug, Clone)]
pub enum Fact {
    /// OS name.
    Os(String),
    /// Named zone and where.
    TimeZone(String, String),
    /// Collection time from the collector's log.
    CollectedAt(DateTime<Utc>),
    /// waagent.conf.
    WaagentConf(ConfFile),
    /// vmbackup.conf.
    VmBackupConf(ConfFile),
    /// An extension status file.
    ExtensionStatus(ExtensionStatusFact),
    /// A handler state.
    Handler(HandlerFact),
    /// A NIC configuration.
    Network(NetworkFact),
    /// An agent status report.
    AgentStatus(AgentStatusFact),
    /// Extension settings.
    Settings(SettingsFact),
    /// A VSS writer.
    VssWriter(VssWriterFact),
    /// A registry value.
    Registry(RegistryFact),
    /// The distribution an agent-log line names.
    LogOs(String),
    /// An agent version an agent-log line names.
    LogVersion(LogVersionFact),
    /// Extension handler activity an agent-log line reports.
    ExtensionLog(ExtensionLogFact),
    /// A name of the VM.
    Identity(identity::IdentityFact),
}

impl Facts {
    /// Merges contributions, in member order (deterministic).
    pub fn absorb(&mut self, fact: Fact) {
        match fact {
            Fact::Os(s) => {
                self.os.get_or_insert(s);
            }
            Fact::TimeZone(z, p) => {
                self.time_zone.get_or_insert((z, p));
            }
            Fact::CollectedAt(t) => {
                self.collected_at = Some(self.collected_at.map_or(t, |c| c.max(t)));
            }
            Fact::WaagentConf(c) => {
                self.waagent_conf.get_or_insert(c);
            }
            Fact::VmBackupConf(c) => {
                self.vmbackup_conf.get_or_insert(c);
            }
            Fact::ExtensionStatus(s) => self.extension_statuses.push(s),
            Fact::Handler(h) => self.handlers.push(h),
            Fact::Network(n) => self.network.push(n),
            Fact::AgentStatus(a) => self.agent_statuses.push(a),
            Fact::Settings(s) => self.settings.push(s),
            Fact::VssWriter(w) => self.vss_writers.push(w),
            Fact::Registry(r) => self.registry.push(r),
            Fact::LogOs(o) => {
                self.log_os.get_or_insert(o);
            }
            Fact::LogVersion(v) => self.log_versions.push(v),
            Fact::ExtensionLog(e) => self.log_extensions.push(e),
            Fact::Identity(i) => self.identities.push(i),
        }
    }

    /// The newest status file per handler (highest sequence number, then newest time).
    pub fn latest_statuses(&self) -> Vec<&ExtensionStatusFact> {
        let mut by_handler: std::collections::BTreeMap<String, &ExtensionStatusFact> = Default::default();
        for s in &self.extension_statuses {
            let key = s.handler.to_ascii_lowercase();
            let newer = match by_handler.get(&key) {
                None => true,
                Some(cur) => (s.seq, s.time, &s.path) > (cur.seq, cur.time, &cur.path),
            };
            if newer {
                by_handler.insert(key, s);
            }
        }
        by_handler.into_values().collect()
    }

    /// The goal-state agent's version: the newest version the agent that runs extensions reported.
    pub fn goal_state_agent(&self) -> Option<&AgentVersion> {
        self.agent_versions
            .iter()
            .filter(|v| v.role == version::AgentRole::GoalState)
            .max_by(|a, b| a.seen_at.cmp(&b.seen_at))
    }
}

/// Shortens text to `max` characters with an ellipsis.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max).collect();
    s.push('…');
    s
}
