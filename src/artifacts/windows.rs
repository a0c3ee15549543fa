//! Windows guests: event logs, the guest agent's own logs, registry hives and `vssadmin` output.

use snaptriage_parsers::waappagent_log;

use super::{
    Artifact, ArtifactKind, Clock, Folder, LineLog, LineParser, Name, Os, PathPattern, Reading, SourceFamily,
};
use crate::ingest::state;

/// A Windows event log export (`*.evtx`).
pub static EVTX: Artifact = Artifact {
    kind: ArtifactKind::Evtx,
    name: "evtx",
    identifies_os: Some(Os::Windows),
    clock: Clock::Utc,
    family: Some(SourceFamily::WindowsEventLogs),
    reading: Reading::EventLog,
    patterns: &[PathPattern::anywhere(&[Name::Glob("*.evtx")])],
    samples: &[
        "Windows/System32/winevt/Logs/Microsoft-Windows-Windows Defender%4Operational.evtx",
        "C/Logs/Application.evtx",
    ],
};

/// The Windows guest agent's own logs (`WaAppAgent.log`, `TransparentInstaller.log`, …).
pub static WAAPPAGENT_LOG: Artifact = Artifact {
    kind: ArtifactKind::WaAppAgentLog,
    name: "waappagent-log",
    identifies_os: Some(Os::Windows),
    // Two timestamp styles over the agent's releases, local time without a zone among them.
    clock: Clock::PerStamp,
    family: Some(SourceFamily::WindowsAgentLogs),
    reading: Reading::LineLog(LineLog { parser: LineParser::Dated(waappagent_log::stream), concludes: None }),
    patterns: &[PathPattern {
        names: &[Name::Glob("*.log"), Name::Glob("*.log.*")],
        folders: &[Folder::EndsWith("windowsazure/logs")],
        except: &[Name::Glob("waagent.log*"), Name::Glob("vssadmin*.log"), Name::Glob("heartbeat.log")],
    }],
    samples: &[
        "C/WindowsAzure/Logs/WaAppAgent.log",
        "WindowsAzure\\Logs\\TransparentInstaller.log",
        "WindowsAzure/Logs/WaAppAgent.log.1",
    ],
};

/// A registry hive file (`Windows/System32/config/SOFTWARE`, `SYSTEM`).
pub static REGISTRY_HIVE: Artifact = Artifact {
    kind: ArtifactKind::RegistryHive,
    name: "registry-hive",
    identifies_os: Some(Os::Windows),
    clock: Clock::Untimed,
    family: Some(SourceFamily::WindowsState),
    reading: Reading::Document(state::registry_hive),
    patterns: &[PathPattern::within(
        &[Name::Glob("software"), Name::Glob("system")],
        &[Folder::EndsWith("system32/config")],
    )],
    samples: &["Windows/System32/config/SOFTWARE", "C/Windows/System32/config/SYSTEM"],
};

/// Text output of `vssadmin list writers`.
pub static VSS_WRITERS: Artifact = Artifact {
    kind: ArtifactKind::VssWriters,
    name: "vss-writers",
    identifies_os: Some(Os::Windows),
    clock: Clock::Untimed,
    family: Some(SourceFamily::WindowsState),
    reading: Reading::Document(state::vss_writers),
    patterns: &[PathPattern::anywhere(&[Name::Glob("vssadmin*.txt"), Name::Glob("vssadmin*.log")])],
    samples: &["vssadmin_list_writers.txt", "C/vssadmin.log"],
};
