//! The one place that knows where bundles keep things: maps a member's path to the artifact it holds.
//!
//! Bundles differ in their prefix (`logs.zip` strips the leading `/`, support tools add a folder, Windows zips
//! carry drive-less paths with either separator), so every rule matches on the path's *suffix*, case-insensitively.

use serde::Serialize;

/// The logical artifact a bundle member holds, independent of where the bundle layout put it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    /// `/var/log/waagent.log` and its rotations.
    WaagentLog,
    /// `/etc/waagent.conf`.
    WaagentConf,
    /// `/etc/azure/vmbackup.conf` (VMSnapshotLinux options).
    VmBackupConf,
    /// `GoalState.N.xml` or a history folder's `GoalState.xml`.
    GoalState,
    /// `ExtensionsConfig.N.xml` or a history folder's `ExtensionsConfig.xml`.
    ExtensionsConfig,
    /// `HostingEnvironmentConfig.xml`.
    HostingEnvironmentConfig,
    /// `SharedConfig.xml`.
    SharedConfig,
    /// `waagent_status*.json`: the agent's aggregate status.
    WaagentStatus,
    /// An extension handler's `status/N.status`.
    ExtStatus,
    /// An extension handler's `config/N.settings`.
    ExtSettings,
    /// An extension handler's `config/HandlerState`.
    HandlerState,
    /// An extension handler's `config/HandlerStatus`.
    HandlerStatus,
    /// An extension handler's `HandlerEnvironment.json`.
    HandlerEnvironment,
    /// An extension handler's `HandlerManifest.json`.
    HandlerManifest,
    /// An extension handler's `mrseq` (most recent sequence number processed).
    Mrseq,
    /// VMSnapshotLinux `extension.log` / `host_based_extension.log`.
    VmSnapshotLog,
    /// VMSnapshotLinux `shell.log`.
    VmSnapshotShellLog,
    /// Any other log under `/var/log/azure/`.
    ExtensionLog,
    /// `/var/log/syslog*`, `messages*`, `kern.log*`.
    Syslog,
    /// `/var/log/dmesg*`.
    Dmesg,
    /// The log collector's own `results.txt`.
    CollectorResults,
    /// `/etc/os-release` and friends.
    OsRelease,
    /// `/etc/timezone` (an IANA zone name).
    TimeZone,
    /// Network interface configuration (ifcfg, netplan, interfaces).
    NetworkConfig,
    /// A Windows event log export (`*.evtx`).
    Evtx,
    /// The Windows guest agent's own logs (`WaAppAgent.log`, `TransparentInstaller.log`, …).
    WaAppAgentLog,
    /// A Windows extension's log under `WindowsAzure/Logs/Plugins/<ext>/<ver>/`.
    PluginLog,
    /// The Windows agent's `AggregateStatus/aggregatestatus*.json`.
    AggregateStatus,
    /// An extension's `HeartBeat.Json` / `heartbeat.log`.
    Heartbeat,
    /// A registry hive file (`Windows/System32/config/SOFTWARE`, `SYSTEM`).
    RegistryHive,
    /// Text output of `vssadmin list writers`.
    VssWriters,
    /// An archive inside the bundle (zip, tar, tar.gz), opened in place.
    Archive,
    /// Nothing snaptriage reads.
    Unknown,
}

impl ArtifactKind {
    /// The kebab-case name used in reports and signature files.
    pub fn name(&self) -> &'static str {
        match self {
            ArtifactKind::WaagentLog => "waagent-log",
            ArtifactKind::WaagentConf => "waagent-conf",
            ArtifactKind::VmBackupConf => "vmbackup-conf",
            ArtifactKind::GoalState => "goal-state",
            ArtifactKind::ExtensionsConfig => "extensions-config",
            ArtifactKind::HostingEnvironmentConfig => "hosting-environment-config",
            ArtifactKind::SharedConfig => "shared-config",
            ArtifactKind::WaagentStatus => "waagent-status",
            ArtifactKind::ExtStatus => "ext-status",
            ArtifactKind::ExtSettings => "ext-settings",
            ArtifactKind::HandlerState => "handler-state",
            ArtifactKind::HandlerStatus => "handler-status",
            ArtifactKind::HandlerEnvironment => "handler-environment",
            ArtifactKind::HandlerManifest => "handler-manifest",
            ArtifactKind::Mrseq => "mrseq",
            ArtifactKind::VmSnapshotLog => "vmsnapshot-log",
            ArtifactKind::VmSnapshotShellLog => "vmsnapshot-shell-log",
            ArtifactKind::ExtensionLog => "extension-log",
            ArtifactKind::Syslog => "syslog",
            ArtifactKind::Dmesg => "dmesg",
            ArtifactKind::CollectorResults => "collector-results",
            ArtifactKind::OsRelease => "os-release",
            ArtifactKind::TimeZone => "timezone",
            ArtifactKind::NetworkConfig => "network-config",
            ArtifactKind::Evtx => "evtx",
            ArtifactKind::WaAppAgentLog => "waappagent-log",
            ArtifactKind::PluginLog => "plugin-log",
            ArtifactKind::AggregateStatus => "aggregate-status",
            ArtifactKind::Heartbeat => "heartbeat",
            ArtifactKind::RegistryHive => "registry-hive",
            ArtifactKind::VssWriters => "vss-writers",
            ArtifactKind::Archive => "archive",
            ArtifactKind::Unknown => "unknown",
        }
    }

    /// Every kind, for listings and name lookups.
    pub const ALL: &'static [ArtifactKind] = &[
        ArtifactKind::WaagentLog,
        ArtifactKind::WaagentConf,
        ArtifactKind::VmBackupConf,
        ArtifactKind::GoalState,
        ArtifactKind::ExtensionsConfig,
        ArtifactKind::HostingEnvironmentConfig,
        ArtifactKind::SharedConfig,
        ArtifactKind::WaagentStatus,
        ArtifactKind::ExtStatus,
        ArtifactKind::ExtSettings,
        ArtifactKind::HandlerState,
        ArtifactKind::HandlerStatus,
        ArtifactKind::HandlerEnvironment,
        ArtifactKind::HandlerManifest,
        ArtifactKind::Mrseq,
        ArtifactKind::VmSnapshotLog,
        ArtifactKind::VmSnapshotShellLog,
        ArtifactKind::ExtensionLog,
        ArtifactKind::Syslog,
        ArtifactKind::Dmesg,
        ArtifactKind::CollectorResults,
        ArtifactKind::OsRelease,
        ArtifactKind::TimeZone,
        ArtifactKind::NetworkConfig,
        ArtifactKind::Evtx,
        ArtifactKind::WaAppAgentLog,
        ArtifactKind::PluginLog,
        ArtifactKind::AggregateStatus,
        ArtifactKind::Heartbeat,
        ArtifactKind::RegistryHive,
        ArtifactKind::VssWriters,
        ArtifactKind::Archive,
        ArtifactKind::Unknown,
    ];

    /// Looks a kind up by its report name.
    pub fn from_name(name: &str) -> Option<ArtifactKind> {
        ArtifactKind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// True for kinds parsed as line-oriented logs (the ones signatures run over line by line).
    pub fn is_line_log(&self) -> bool {
        matches!(
            self,
            ArtifactKind::WaagentLog
                | ArtifactKind::VmSnapshotLog
                | ArtifactKind::VmSnapshotShellLog
                | ArtifactKind::ExtensionLog
                | ArtifactKind::Syslog
                | ArtifactKind::Dmesg
                | ArtifactKind::CollectorResults
                | ArtifactKind::WaAppAgentLog
                | ArtifactKind::PluginLog
        )
    }

    /// True for artifacts only Windows guests have.
    pub fn is_windows(&self) -> bool {
        matches!(
            self,
            ArtifactKind::Evtx
                | ArtifactKind::WaAppAgentLog
                | ArtifactKind::PluginLog
                | ArtifactKind::AggregateStatus
                | ArtifactKind::RegistryHive
                | ArtifactKind::VssWriters
        )
    }
}

/// The backup extension's handler name on Linux.
pub const VMSNAPSHOT_LINUX: &str = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux";

/// How a member was classified: its kind and whether its bytes are gzip-compressed (a rotated `.gz` log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    /// The artifact.
    pub kind: ArtifactKind,
    /// The member is a `.gz` of that artifact and must be decompressed when read.
    pub gzipped: bool,
}

/// Classifies a logical member path (`/`-separated, any prefix, any case).
pub fn classify(path: &str) -> Classification {
    let lower = path.replace('\\', "/").to_ascii_lowercase();
    let lower = lower.trim_end_matches('/');
    if is_archive_name(lower) {
        return Classification { kind: ArtifactKind::Archive, gzipped: false };
    }
    if let Some(inner) = lower.strip_suffix(".gz") {
        let kind = classify_plain(inner);
        // Only rotated logs are expected gzipped; a gzipped XML or status file is still read.
        return Classification { kind, gzipped: kind != ArtifactKind::Unknown };
    }
    Classification { kind: classify_plain(lower), gzipped: false }
}

/// True for names of archives snaptriage opens in place.
pub fn is_archive_name(lower: &str) -> bool {
    lower.ends_with(".zip")
        || lower.ends_with(".tar")
        || lower.ends_with(".tar.gz")
        || lower.ends_with(".tgz")
}

fn classify_plain(p: &str) -> ArtifactKind {
    let (dir, file) = match p.rfind('/') {
        Some(i) => (&p[..i], &p[i + 1..]),
        None => ("", p),
    };
    let parent = dir.rsplit('/').next().unwrap_or("");

    if file.starts_with("waagent.log") {
        return ArtifactKind::WaagentLog;
    }
    if file == "waagent.conf" {
        return ArtifactKind::WaagentConf;
    }
    if file == "vmbackup.conf" {
        return ArtifactKind::VmBackupConf;
    }
    if file == "results.txt" && (dir.is_empty() || dir.ends_with("logcollector")) {
        return ArtifactKind::CollectorResults;
    }
    if file == "timezone" && parent == "etc" {
        return ArtifactKind::TimeZone;
    }
    if (file == "os-release" || file.ends_with("-release")) && parent == "etc" {
        return ArtifactKind::OsRelease;
    }
    if is_network_config(dir, file) {
        return ArtifactKind::NetworkConfig;
    }
    if let Some(kind) = classify_windows(dir, parent, file) {
        return kind;
    }
    if let Some(kind) = classify_var_lib_waagent(dir, parent, file) {
        return kind;
    }
    if let Some(kind) = classify_var_log(dir, file) {
        return kind;
    }
    ArtifactKind::Unknown
}

fn is_network_config(dir: &str, file: &str) -> bool {
    (file.starts_with("ifcfg-") && dir.ends_with("network-scripts"))
        || (file.starts_with("ifcfg-") && dir.ends_with("sysconfig/network"))
        || (dir.ends_with("etc/netplan") && (file.ends_with(".yaml") || file.ends_with(".yml")))
        || (dir.ends_with("etc/network") && file == "interfaces")
        || (dir.ends_with("etc/network/interfaces.d") && file.ends_with(".cfg"))
}

fn classify_windows(dir: &str, parent: &str, file: &str) -> Option<ArtifactKind> {
    if file.ends_with(".evtx") {
        return Some(ArtifactKind::Evtx);
    }
    if (file == "software" || file == "system") && dir.ends_with("system32/config") {
        return Some(ArtifactKind::RegistryHive);
    }
    if file.starts_with("vssadmin") && (file.ends_with(".txt") || file.ends_with(".log")) {
        return Some(ArtifactKind::VssWriters);
    }
    if file.starts_with("aggregatestatus") && file.ends_with(".json") {
        return Some(ArtifactKind::AggregateStatus);
    }
    if file == "heartbeat.json" || (file == "heartbeat.log" && !dir.contains("var/log")) {
        return Some(ArtifactKind::Heartbeat);
    }
    if parent == "runtimesettings" && file.ends_with(".settings") {
        return Some(ArtifactKind::ExtSettings);
    }
    let plugin_logs =
        dir.contains("windowsazure/logs/plugins/") || dir.ends_with("windowsazure/logs/plugins");
    if plugin_logs && (file.ends_with(".log") || file.contains(".log.") || file.ends_with(".txt")) {
        return Some(ArtifactKind::PluginLog);
    }
    if dir.ends_with("windowsazure/logs") && (file.ends_with(".log") || file.contains(".log.")) {
        return Some(ArtifactKind::WaAppAgentLog);
    }
    None
}

fn classify_var_lib_waagent(dir: &str, parent: &str, file: &str) -> Option<ArtifactKind> {
    let numbered_xml = |stem: &str| {
        file.strip_prefix(stem)
            .and_then(|r| r.strip_suffix(".xml"))
            .is_some_and(|mid| mid.is_empty() || mid.strip_prefix('.').is_some_and(is_all_digits))
    };
    if numbered_xml("goalstate") {
        return Some(ArtifactKind::GoalState);
    }
    if numbered_xml("extensionsconfig") {
        return Some(ArtifactKind::ExtensionsConfig);
    }
    if file == "hostingenvironmentconfig.xml" {
        return Some(ArtifactKind::HostingEnvironmentConfig);
    }
    if file == "sharedconfig.xml" {
        return Some(ArtifactKind::SharedConfig);
    }
    if file.starts_with("waagent_status") && file.ends_with(".json") {
        return Some(ArtifactKind::WaagentStatus);
    }
    if parent == "status" && file.ends_with(".status") {
        return Some(ArtifactKind::ExtStatus);
    }
    if parent == "config" && file.ends_with(".settings") {
        return Some(ArtifactKind::ExtSettings);
    }
    if parent == "config" && file == "handlerstate" {
        return Some(ArtifactKind::HandlerState);
    }
    if parent == "config" && file == "handlerstatus" {
        return Some(ArtifactKind::HandlerStatus);
    }
    if file == "handlerenvironment.json" {
        return Some(ArtifactKind::HandlerEnvironment);
    }
    if file == "handlermanifest.json" && !dir.contains("walinuxagent-") {
        return Some(ArtifactKind::HandlerManifest);
    }
    if file == "mrseq" {
        return Some(ArtifactKind::Mrseq);
    }
    None
}

fn classify_var_log(dir: &str, file: &str) -> Option<ArtifactKind> {
    let vmsnapshot_dir = VMSNAPSHOT_LINUX.to_ascii_lowercase();
    if dir.contains("var/log/azure/") || dir.ends_with("var/log/azure") {
        if dir.contains(&vmsnapshot_dir) {
            if file.starts_with("extension.log") || file.starts_with("host_based_extension.log") {
                return Some(ArtifactKind::VmSnapshotLog);
            }
            if file.starts_with("shell.log") {
                return Some(ArtifactKind::VmSnapshotShellLog);
            }
        }
        if file.ends_with(".log") || file.contains(".log.") || file.ends_with(".txt") {
            return Some(ArtifactKind::ExtensionLog);
        }
        return None;
    }
    let in_var_log = dir.ends_with("var/log") || dir.is_empty();
    if in_var_log {
        let rotated = |stem: &str| {
            file == stem || file.starts_with(&format!("{stem}.")) || file.starts_with(&format!("{stem}-"))
        };
        if rotated("syslog") || rotated("messages") || rotated("kern.log") {
            return Some(ArtifactKind::Syslog);
        }
        if rotated("dmesg") {
            return Some(ArtifactKind::Dmesg);
        }
    }
    None
}

fn is_all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(p: &str) -> ArtifactKind {
        classify(p).kind
    }

    #[test]
    fn waagent_log_is_found_under_any_prefix_and_rotation() {
        for p in [
            "var/log/waagent.log",
            "logs/var/log/waagent.log",
            "/var/log/waagent.log",
            "var/log/waagent.log.1",
            "C:\\bundle\\var\\log\\WAAGENT.LOG",
        ] {
            assert_eq!(classify(p), Classification { kind: ArtifactKind::WaagentLog, gzipped: false }, "{p}");
        }
        for p in ["var/log/waagent.log.3.gz", "var/log/waagent.log-2024-03-15-1710500000.gz"] {
            assert_eq!(classify(p), Classification { kind: ArtifactKind::WaagentLog, gzipped: true }, "{p}");
        }
    }

    #[test]
    fn var_lib_waagent_files() {
        assert_eq!(kind("var/lib/waagent/GoalState.12.xml"), ArtifactKind::GoalState);
        assert_eq!(
            kind("var/lib/waagent/history/2024-03-15T17-10-47__3/GoalState.xml"),
            ArtifactKind::GoalState
        );
        assert_eq!(kind("var/lib/waagent/ExtensionsConfig.3.xml"), ArtifactKind::ExtensionsConfig);
        assert_eq!(kind("var/lib/waagent/GoalState.x.xml"), ArtifactKind::Unknown);
        assert_eq!(kind("var/lib/waagent/waagent_status.7.json"), ArtifactKind::WaagentStatus);
        let ext = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0";
        assert_eq!(kind(&format!("{ext}/status/12.status")), ArtifactKind::ExtStatus);
        assert_eq!(kind(&format!("{ext}/config/12.settings")), ArtifactKind::ExtSettings);
        assert_eq!(kind(&format!("{ext}/config/HandlerState")), ArtifactKind::HandlerState);
        assert_eq!(kind(&format!("{ext}/config/HandlerStatus")), ArtifactKind::HandlerStatus);
        assert_eq!(kind(&format!("{ext}/HandlerEnvironment.json")), ArtifactKind::HandlerEnvironment);
        assert_eq!(kind(&format!("{ext}/mrseq")), ArtifactKind::Mrseq);
        assert_eq!(kind("var/lib/waagent/history/2024-03-15T17-10-47__3.zip"), ArtifactKind::Archive);
    }

    #[test]
    fn extension_logs_and_system_logs() {
        let d = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux";
        assert_eq!(kind(&format!("{d}/extension.log")), ArtifactKind::VmSnapshotLog);
        assert_eq!(kind(&format!("{d}/extension.log.1")), ArtifactKind::VmSnapshotLog);
        assert_eq!(kind(&format!("{d}/shell.log")), ArtifactKind::VmSnapshotShellLog);
        assert_eq!(kind(&format!("{d}/CommandExecution.log")), ArtifactKind::ExtensionLog);
        assert_eq!(kind("var/log/azure/custom-script/handler.log"), ArtifactKind::ExtensionLog);
        assert_eq!(kind("var/log/syslog.2.gz"), ArtifactKind::Syslog);
        assert_eq!(kind("var/log/messages-20240301"), ArtifactKind::Syslog);
        assert_eq!(kind("var/log/dmesg.0"), ArtifactKind::Dmesg);
        assert_eq!(kind("var/log/auth.log"), ArtifactKind::Unknown);
        assert_eq!(kind("results.txt"), ArtifactKind::CollectorResults);
        assert_eq!(kind("etc/waagent.conf"), ArtifactKind::WaagentConf);
        assert_eq!(kind("etc/azure/vmbackup.conf"), ArtifactKind::VmBackupConf);
        assert_eq!(kind("etc/sysconfig/network-scripts/ifcfg-eth0"), ArtifactKind::NetworkConfig);
        assert_eq!(kind("etc/netplan/50-cloud-init.yaml"), ArtifactKind::NetworkConfig);
        assert_eq!(kind("etc/timezone"), ArtifactKind::TimeZone);
        assert_eq!(kind("etc/os-release"), ArtifactKind::OsRelease);
    }

    #[test]
    fn windows_artifacts_by_suffix_with_either_separator() {
        assert_eq!(kind("C/WindowsAzure/Logs/WaAppAgent.log"), ArtifactKind::WaAppAgentLog);
        assert_eq!(kind("WindowsAzure\\Logs\\TransparentInstaller.log"), ArtifactKind::WaAppAgentLog);
        let plugin = "WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0";
        assert_eq!(kind(&format!("{plugin}/IaaSBcdrExtension0.log")), ArtifactKind::PluginLog);
        assert_eq!(
            kind("WindowsAzure/Logs/AggregateStatus/aggregatestatus_20240315.json"),
            ArtifactKind::AggregateStatus
        );
        let pkg = "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0";
        assert_eq!(kind(&format!("{pkg}/Status/12.status")), ArtifactKind::ExtStatus);
        assert_eq!(kind(&format!("{pkg}/RuntimeSettings/12.settings")), ArtifactKind::ExtSettings);
        assert_eq!(kind(&format!("{pkg}/Status/HeartBeat.Json")), ArtifactKind::Heartbeat);
        assert_eq!(
            kind("Windows/System32/winevt/Logs/Microsoft-Windows-Windows Defender%4Operational.evtx"),
            ArtifactKind::Evtx
        );
        assert_eq!(kind("Windows/System32/config/SOFTWARE"), ArtifactKind::RegistryHive);
        assert_eq!(kind("Windows/System32/config/SAM"), ArtifactKind::Unknown);
        assert_eq!(kind("vssadmin_list_writers.txt"), ArtifactKind::VssWriters);
    }

    #[test]
    fn archives_are_opened_in_place() {
        for p in ["logs.zip", "a/b.tar.gz", "x.TGZ", "y.tar"] {
            assert_eq!(kind(p), ArtifactKind::Archive, "{p}");
        }
    }
}
