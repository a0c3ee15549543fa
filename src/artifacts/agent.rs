//! The Linux guest agent: its log, its configuration and the state it keeps under `/var/lib/waagent`.

use snaptriage_parsers::waagent_log;

use super::{
    Artifact, ArtifactKind, Clock, LineLog, LineParser, Name, Os, PathPattern, Reading, SourceFamily,
};
use crate::ingest::state;

/// `/var/log/waagent.log` and its rotations, wherever the bundle put them.
pub static WAAGENT_LOG: Artifact = Artifact {
    kind: ArtifactKind::WaagentLog,
    name: "waagent-log",
    identifies_os: Some(Os::Linux),
    // Agents before 2.2.46 wrote local time without a zone, later ones UTC; a file may hold both eras.
    clock: Clock::PerStamp,
    family: Some(SourceFamily::LinuxAgentLog),
    reading: Reading::LineLog(LineLog { parser: LineParser::Dated(waagent_log::stream), concludes: None }),
    patterns: &[PathPattern::anywhere(&[Name::Glob("waagent.log*")])],
    samples: &[
        "var/log/waagent.log",
        "logs/var/log/waagent.log",
        "var/log/waagent.log.1",
        "var/log/waagent.log-2024-03-15-1710500000",
        "C:\\bundle\\var\\log\\WAAGENT.LOG",
    ],
};

/// `/etc/waagent.conf`.
pub static WAAGENT_CONF: Artifact = Artifact {
    kind: ArtifactKind::WaagentConf,
    name: "waagent-conf",
    identifies_os: Some(Os::Linux),
    clock: Clock::Untimed,
    family: Some(SourceFamily::AgentState),
    reading: Reading::Document(state::waagent_conf),
    patterns: &[PathPattern::anywhere(&[Name::Glob("waagent.conf")])],
    samples: &["etc/waagent.conf"],
};

/// `GoalState.N.xml`, or a history folder's `GoalState.xml`.
pub static GOAL_STATE: Artifact = Artifact {
    kind: ArtifactKind::GoalState,
    name: "goal-state",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::AgentState),
    reading: Reading::Document(state::goal_state),
    patterns: &[PathPattern::anywhere(&[Name::Numbered("goalstate", ".xml")])],
    samples: &[
        "var/lib/waagent/GoalState.12.xml",
        "var/lib/waagent/history/2024-03-15T17-10-47__3/GoalState.xml",
    ],
};

/// `ExtensionsConfig.N.xml`, or a history folder's `ExtensionsConfig.xml`.
pub static EXTENSIONS_CONFIG: Artifact = Artifact {
    kind: ArtifactKind::ExtensionsConfig,
    name: "extensions-config",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::AgentState),
    reading: Reading::Document(state::extensions_config),
    patterns: &[PathPattern::anywhere(&[Name::Numbered("extensionsconfig", ".xml")])],
    samples: &[
        "var/lib/waagent/ExtensionsConfig.3.xml",
        "var/lib/waagent/history/2024-03-15T17-10-47__3/ExtensionsConfig.xml",
    ],
};

/// `HostingEnvironmentConfig.xml`.
pub static HOSTING_ENVIRONMENT_CONFIG: Artifact = Artifact {
    kind: ArtifactKind::HostingEnvironmentConfig,
    name: "hosting-environment-config",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::AgentState),
    reading: Reading::Document(state::hosting_environment),
    patterns: &[PathPattern::anywhere(&[Name::Glob("hostingenvironmentconfig.xml")])],
    samples: &["var/lib/waagent/HostingEnvironmentConfig.xml"],
};

/// `SharedConfig.xml`.
pub static SHARED_CONFIG: Artifact = Artifact {
    kind: ArtifactKind::SharedConfig,
    name: "shared-config",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::AgentState),
    reading: Reading::Document(state::shared_config),
    patterns: &[PathPattern::anywhere(&[Name::Glob("sharedconfig.xml")])],
    samples: &["var/lib/waagent/SharedConfig.xml"],
};

/// `waagent_status*.json`: the agent's aggregate status.
pub static WAAGENT_STATUS: Artifact = Artifact {
    kind: ArtifactKind::WaagentStatus,
    name: "waagent-status",
    identifies_os: None,
    clock: Clock::Utc,
    family: Some(SourceFamily::AgentState),
    reading: Reading::Document(state::agent_status),
    patterns: &[PathPattern::anywhere(&[Name::Glob("waagent_status*.json")])],
    samples: &["var/lib/waagent/waagent_status.7.json", "var/lib/waagent/history/x/waagent_status.json"],
};
