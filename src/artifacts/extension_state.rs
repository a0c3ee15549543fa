//! What the agents keep per extension handler: status, settings and handler files (Linux
//! `/var/lib/waagent/<Handler>-<ver>/`, Windows `Packages/Plugins/<Handler>/<ver>/`), heartbeats and the
//! Windows agent's aggregate status.

use snaptriage_parsers::handler;

use super::{Artifact, ArtifactKind, Clock, Folder, Name, Os, PathPattern, Reading, SourceFamily};
use crate::ingest::state;

/// An extension handler's `status/N.status` (Windows: `Status/N.status`).
pub static EXT_STATUS: Artifact = Artifact {
    kind: ArtifactKind::ExtStatus,
    name: "ext-status",
    identifies_os: None,
    clock: Clock::Utc,
    family: Some(SourceFamily::ExtensionState),
    reading: Reading::Document(state::ext_status),
    patterns: &[PathPattern::within(&[Name::Glob("*.status")], &[Folder::Named("status")])],
    samples: &[
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/12.status",
        "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0/Status/12.status",
    ],
};

/// An extension handler's `config/N.settings` (Windows: `RuntimeSettings/N.settings`).
pub static EXT_SETTINGS: Artifact = Artifact {
    kind: ArtifactKind::ExtSettings,
    name: "ext-settings",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::ExtensionState),
    reading: Reading::Document(state::ext_settings),
    patterns: &[
        PathPattern::within(&[Name::Glob("*.settings")], &[Folder::Named("runtimesettings")]),
        PathPattern::within(&[Name::Glob("*.settings")], &[Folder::Named("config")]),
    ],
    samples: &[
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config/12.settings",
        "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0/RuntimeSettings/12.settings",
    ],
};

/// An extension handler's `config/HandlerState`.
pub static HANDLER_STATE: Artifact = Artifact {
    kind: ArtifactKind::HandlerState,
    name: "handler-state",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::ExtensionState),
    reading: Reading::Document(state::handler_state),
    patterns: &[PathPattern::within(&[Name::Glob("handlerstate")], &[Folder::Named("config")])],
    samples: &[
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config/HandlerState",
    ],
};

/// An extension handler's `config/HandlerStatus`.
pub static HANDLER_STATUS: Artifact = Artifact {
    kind: ArtifactKind::HandlerStatus,
    name: "handler-status",
    identifies_os: None,
    clock: Clock::Utc,
    family: Some(SourceFamily::ExtensionState),
    reading: Reading::Document(state::handler_status),
    patterns: &[PathPattern::within(&[Name::Glob("handlerstatus")], &[Folder::Named("config")])],
    samples: &[
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config/HandlerStatus",
    ],
};

/// An extension handler's `HandlerEnvironment.json`.
pub static HANDLER_ENVIRONMENT: Artifact = Artifact {
    kind: ArtifactKind::HandlerEnvironment,
    name: "handler-environment",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::ExtensionState),
    reading: Reading::Document(state::handler_environment),
    patterns: &[PathPattern::anywhere(&[Name::Glob("handlerenvironment.json")])],
    samples: &[
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/HandlerEnvironment.json",
    ],
};

/// An extension handler's `HandlerManifest.json` (the agent's own package carries one too, not read).
pub static HANDLER_MANIFEST: Artifact = Artifact {
    kind: ArtifactKind::HandlerManifest,
    name: "handler-manifest",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::ExtensionState),
    reading: Reading::Document(state::handler_manifest),
    patterns: &[PathPattern::within(
        &[Name::Glob("handlermanifest.json")],
        &[Folder::NotContaining("walinuxagent-")],
    )],
    samples: &[
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/HandlerManifest.json",
    ],
};

/// An extension handler's `mrseq` (most recent sequence number processed).
pub static MRSEQ: Artifact = Artifact {
    kind: ArtifactKind::Mrseq,
    name: "mrseq",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::ExtensionState),
    reading: Reading::Document(state::mrseq),
    patterns: &[PathPattern::anywhere(&[Name::Glob("mrseq")])],
    samples: &["var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/mrseq"],
};

/// The Windows agent's `AggregateStatus/aggregatestatus*.json`.
pub static AGGREGATE_STATUS: Artifact = Artifact {
    kind: ArtifactKind::AggregateStatus,
    name: "aggregate-status",
    identifies_os: Some(Os::Windows),
    clock: Clock::Utc,
    family: Some(SourceFamily::ExtensionState),
    reading: Reading::Document(state::agent_status),
    patterns: &[PathPattern::anywhere(&[Name::Glob("aggregatestatus*.json")])],
    samples: &["WindowsAzure/Logs/AggregateStatus/aggregatestatus_20240315.json"],
};

/// An extension's `HeartBeat.Json`, or a `heartbeat.log` outside `/var/log` (there it is an extension log).
pub static HEARTBEAT: Artifact = Artifact {
    kind: ArtifactKind::Heartbeat,
    name: "heartbeat",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::ExtensionState),
    reading: Reading::Document(state::heartbeat),
    patterns: &[
        PathPattern::anywhere(&[Name::Glob("heartbeat.json")]),
        PathPattern::within(&[Name::Glob("heartbeat.log")], &[Folder::NotContaining("var/log")]),
    ],
    samples: &[
        "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0/Status/HeartBeat.Json",
        "var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/heartbeat.log",
    ],
};

/// Handler name and version from a member path: Linux `.../<Handler>-<ver>/status/N.status`, Windows
/// `.../Plugins/<Handler>/<ver>/Status/N.status`.
pub fn handler_of(path: &str) -> (Option<String>, Option<String>) {
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty() && *p != "!").collect();
    let n = parts.len();
    if n < 3 {
        return (None, None);
    }
    let dir = parts[n - 3].trim_end_matches(".zip");
    if let Some((name, version)) = handler::parse_handler_dir_name(dir) {
        return (Some(name.to_string()), Some(version.to_string()));
    }
    if n >= 4 && parts[n - 3].split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        return (Some(parts[n - 4].to_string()), Some(parts[n - 3].to_string()));
    }
    (None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_from_linux_and_windows_paths() {
        assert_eq!(
            handler_of(
                "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/3.status"
            ),
            (Some("Microsoft.Azure.RecoveryServices.VMSnapshotLinux".into()), Some("1.0.9225.0".into()))
        );
        assert_eq!(
            handler_of(
                "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0/Status/2.status"
            ),
            (Some("Microsoft.Azure.RecoveryServices.VMSnapshot".into()), Some("1.0.75.0".into()))
        );
        assert_eq!(handler_of("status/1.status"), (None, None));
    }
}
