//! The Linux backup extension (VMSnapshotLinux): its logs and its options file.

use snaptriage_parsers::{shell_log, vmsnapshot_log};

use super::backup::LINUX_HANDLER_FOLDER;
use super::{
    Artifact, ArtifactKind, Clock, Folder, LineLog, LineParser, Name, Os, PathPattern, Reading, SourceFamily,
};
use crate::ingest::state;

/// The folder the Linux backup extension logs to.
const LOG_FOLDER: &[Folder] = &[Folder::Below("var/log/azure"), Folder::Contains(LINUX_HANDLER_FOLDER)];

/// The backup extension's run log names (what [`VMSNAPSHOT_LOG`] claims in [`LOG_FOLDER`]).
pub(super) const RUN_LOG_NAMES: &[Name] =
    &[Name::Glob("extension.log*"), Name::Glob("host_based_extension.log*")];

/// The freeze helper's log names (what [`VMSNAPSHOT_SHELL_LOG`] claims in [`LOG_FOLDER`]).
pub(super) const SHELL_LOG_NAMES: &[Name] = &[Name::Glob("shell.log*")];

/// VMSnapshotLinux `extension.log` / `host_based_extension.log`.
pub static VMSNAPSHOT_LOG: Artifact = Artifact {
    kind: ArtifactKind::VmSnapshotLog,
    name: "vmsnapshot-log",
    identifies_os: Some(Os::Linux),
    // The Python 2 layout writes local time, the Python 3 one UTC; local lines may embed a UTC stamp.
    clock: Clock::PerStamp,
    family: Some(SourceFamily::BackupExtensionLogs),
    reading: Reading::LineLog(LineLog { parser: LineParser::Dated(vmsnapshot_log::stream), concludes: None }),
    patterns: &[PathPattern::within(RUN_LOG_NAMES, LOG_FOLDER)],
    samples: &[
        "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log",
        "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log.1",
        "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/host_based_extension.log",
    ],
};

/// VMSnapshotLinux `shell.log` (the freeze helper).
pub static VMSNAPSHOT_SHELL_LOG: Artifact = Artifact {
    kind: ArtifactKind::VmSnapshotShellLog,
    name: "vmsnapshot-shell-log",
    identifies_os: Some(Os::Linux),
    clock: Clock::PerStamp,
    family: Some(SourceFamily::BackupExtensionLogs),
    reading: Reading::LineLog(LineLog { parser: LineParser::Dated(shell_log::stream), concludes: None }),
    patterns: &[PathPattern::within(SHELL_LOG_NAMES, LOG_FOLDER)],
    samples: &["var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/shell.log"],
};

/// `/etc/azure/vmbackup.conf` (VMSnapshotLinux options).
pub static VMBACKUP_CONF: Artifact = Artifact {
    kind: ArtifactKind::VmBackupConf,
    name: "vmbackup-conf",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::BackupExtensionLogs),
    reading: Reading::Document(state::vmbackup_conf),
    patterns: &[PathPattern::anywhere(&[Name::Glob("vmbackup.conf")])],
    samples: &["etc/azure/vmbackup.conf"],
};
