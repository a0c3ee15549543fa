//! Extensions' own logs: Linux `/var/log/azure/<extension>/`, Windows `WindowsAzure/Logs/Plugins/<ext>/<ver>/`.
//! (The backup extension's Linux logs have kinds of their own, see [`super::backup_logs`].)

use snaptriage_parsers::generic_log;

use super::backup::LINUX_HANDLER_FOLDER;
use super::{
    Artifact, ArtifactKind, Clock, Folder, LineLog, LineParser, Name, Os, PathPattern, Reading, SourceFamily,
};

/// What an extension's log file may be called.
pub(super) const LOG_NAMES: &[Name] = &[Name::Glob("*.log"), Name::Glob("*.log.*"), Name::Glob("*.txt")];

/// Log names that are other artifacts wherever they are: the agent's log, `vssadmin` output.
const OTHER_ARTIFACTS: &[Name] =
    &[Name::Glob("waagent.log*"), Name::Glob("vssadmin*.txt"), Name::Glob("vssadmin*.log")];

/// In the backup extension's folder, also its run and freeze-helper logs (its own kinds).
const OTHER_ARTIFACTS_IN_BACKUP_FOLDER: &[Name] = &[
    Name::Glob("waagent.log*"),
    Name::Glob("vssadmin*.txt"),
    Name::Glob("vssadmin*.log"),
    Name::Glob("extension.log*"),
    Name::Glob("host_based_extension.log*"),
    Name::Glob("shell.log*"),
];

/// Any other log under `/var/log/azure/`.
pub static EXTENSION_LOG: Artifact = Artifact {
    kind: ArtifactKind::ExtensionLog,
    name: "extension-log",
    identifies_os: None,
    clock: Clock::PerStamp,
    family: Some(SourceFamily::OtherExtensionLogs),
    reading: Reading::LineLog(LineLog { parser: LineParser::Dated(generic_log::stream), concludes: None }),
    patterns: &[
        PathPattern {
            names: LOG_NAMES,
            folders: &[Folder::Below("var/log/azure"), Folder::NotContaining(LINUX_HANDLER_FOLDER)],
            except: OTHER_ARTIFACTS,
        },
        PathPattern {
            names: LOG_NAMES,
            folders: &[Folder::Below("var/log/azure"), Folder::Contains(LINUX_HANDLER_FOLDER)],
            except: OTHER_ARTIFACTS_IN_BACKUP_FOLDER,
        },
    ],
    samples: &[
        "var/log/azure/custom-script/handler.log",
        "var/log/azure/Microsoft.Azure.Extensions.CustomScript/2.1.10/CommandExecution.log.1",
        "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/CommandExecution.log",
        "var/log/azure/run-command/stdout.txt",
    ],
};

/// A Windows extension's log under `WindowsAzure/Logs/Plugins/<ext>/<ver>/`.
pub static PLUGIN_LOG: Artifact = Artifact {
    kind: ArtifactKind::PluginLog,
    name: "plugin-log",
    identifies_os: Some(Os::Windows),
    clock: Clock::PerStamp,
    family: Some(SourceFamily::OtherExtensionLogs),
    reading: Reading::LineLog(LineLog { parser: LineParser::Dated(generic_log::stream), concludes: None }),
    patterns: &[PathPattern {
        names: LOG_NAMES,
        folders: &[Folder::Below("windowsazure/logs/plugins")],
        except: &[
            Name::Glob("waagent.log*"),
            Name::Glob("vssadmin*.txt"),
            Name::Glob("vssadmin*.log"),
            Name::Glob("heartbeat.log"),
        ],
    }],
    samples: &[
        "WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0/IaaSBcdrExtension0.log",
        "C/WindowsAzure/Logs/Plugins/Microsoft.Compute.CustomScriptExtension/1.10.15/CustomScriptHandler.log",
    ],
};
