//! The artifact registry: every kind of file snaptriage reads, with where bundles keep it, which OS it tells
//! of, how its records are timed, which family of sources it belongs to and how it is read.
//!
//! One entry per kind, declared in the file of its family ([`agent`], [`backup_logs`], [`extension_state`],
//! [`extension_logs`], [`system`], [`windows`], [`containers`]); [`REGISTRY`] lists them all. Intake classifies
//! member paths with it, ingest picks each member's reader from it, and the engine asks it which OS a bundle's
//! artifacts tell of: nothing else knows paths.

pub mod agent;
pub mod backup;
pub mod backup_logs;
pub mod containers;
pub mod extension_logs;
pub mod extension_state;
pub mod pattern;
pub mod system;
pub mod windows;

use serde::Serialize;
use snaptriage_parsers::stream::RecordStream;

use crate::facts::Fact;
use crate::ingest::{DocumentReader, SourceScan};
pub use pattern::{Folder, MemberPath, Name, PathPattern};

/// The logical artifact a bundle member holds, independent of where the bundle layout put it.
///
/// Each kind has one [`Artifact`] entry (see [`ArtifactKind::spec`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// The kind's registry entry. The match is exhaustive, so a kind without an entry does not compile.
    pub fn spec(self) -> &'static Artifact {
        use ArtifactKind as K;
        match self {
            K::WaagentLog => &agent::WAAGENT_LOG,
            K::WaagentConf => &agent::WAAGENT_CONF,
            K::GoalState => &agent::GOAL_STATE,
            K::ExtensionsConfig => &agent::EXTENSIONS_CONFIG,
            K::HostingEnvironmentConfig => &agent::HOSTING_ENVIRONMENT_CONFIG,
            K::SharedConfig => &agent::SHARED_CONFIG,
            K::WaagentStatus => &agent::WAAGENT_STATUS,
            K::VmBackupConf => &backup_logs::VMBACKUP_CONF,
            K::VmSnapshotLog => &backup_logs::VMSNAPSHOT_LOG,
            K::VmSnapshotShellLog => &backup_logs::VMSNAPSHOT_SHELL_LOG,
            K::ExtStatus => &extension_state::EXT_STATUS,
            K::ExtSettings => &extension_state::EXT_SETTINGS,
            K::HandlerState => &extension_state::HANDLER_STATE,
            K::HandlerStatus => &extension_state::HANDLER_STATUS,
            K::HandlerEnvironment => &extension_state::HANDLER_ENVIRONMENT,
            K::HandlerManifest => &extension_state::HANDLER_MANIFEST,
            K::Mrseq => &extension_state::MRSEQ,
            K::AggregateStatus => &extension_state::AGGREGATE_STATUS,
            K::Heartbeat => &extension_state::HEARTBEAT,
            K::ExtensionLog => &extension_logs::EXTENSION_LOG,
            K::PluginLog => &extension_logs::PLUGIN_LOG,
            K::Syslog => &system::SYSLOG,
            K::Dmesg => &system::DMESG,
            K::CollectorResults => &system::COLLECTOR_RESULTS,
            K::OsRelease => &system::OS_RELEASE,
            K::TimeZone => &system::TIME_ZONE,
            K::NetworkConfig => &system::NETWORK_CONFIG,
            K::Evtx => &windows::EVTX,
            K::WaAppAgentLog => &windows::WAAPPAGENT_LOG,
            K::RegistryHive => &windows::REGISTRY_HIVE,
            K::VssWriters => &windows::VSS_WRITERS,
            K::Archive => &containers::ARCHIVE,
            K::Unknown => &containers::UNKNOWN,
        }
    }

    /// The kebab-case name used in reports and signature files.
    pub fn name(&self) -> &'static str {
        self.spec().name
    }

    /// Every kind, in registry order.
    pub fn all() -> impl Iterator<Item = ArtifactKind> {
        REGISTRY.iter().map(|a| a.kind)
    }

    /// Looks a kind up by its report name.
    pub fn from_name(name: &str) -> Option<ArtifactKind> {
        ArtifactKind::all().find(|k| k.name() == name)
    }

    /// True for kinds parsed as line-oriented logs (the ones signatures run over line by line).
    pub fn is_line_log(&self) -> bool {
        matches!(self.spec().reading, Reading::LineLog(_))
    }

    /// True for event logs, whose signatures name providers and event ids.
    pub fn is_event_log(&self) -> bool {
        matches!(self.spec().reading, Reading::EventLog)
    }

    /// True for artifacts only Windows guests have.
    pub fn is_windows(&self) -> bool {
        self.spec().identifies_os == Some(Os::Windows)
    }
}

/// Serialised as its report name.
impl Serialize for ArtifactKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// One kind of artifact: where it is found and how it is read.
#[derive(Debug)]
pub struct Artifact {
    /// The kind.
    pub kind: ArtifactKind,
    /// Its name in reports and signature files (`waagent-log`).
    pub name: &'static str,
    /// The guest OS a bundle holding it comes from, when its presence alone is taken as evidence of that OS.
    pub identifies_os: Option<Os>,
    /// How its records are timed.
    pub clock: Clock,
    /// The family of sources the report's coverage counts it in.
    pub family: Option<SourceFamily>,
    /// How it is read.
    pub reading: Reading,
    /// Where bundles keep it; a path fitting any of these is this artifact (or its `.gz`, see [`classify`]).
    pub patterns: &'static [PathPattern],
    /// Paths it is found under in real bundles (checked by the tests against every entry's patterns).
    pub samples: &'static [&'static str],
}

/// A guest OS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// Linux.
    Linux,
    /// Windows.
    Windows,
}

/// How an artifact's records are timed. Each stamp is converted to UTC by what it carries; this says what a
/// kind's stamps are, and puts the year-less ones last in the reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// UTC, or stamps that carry their zone.
    Utc,
    /// Told stamp by stamp: layouts of several eras, some in UTC or with a zone, some in local time without
    /// one (the bundle's zone converts those).
    PerStamp,
    /// Local time without zone or year: the year comes from the bundle's other sources, so these are read last.
    LocalWithoutYear,
    /// No record times (configuration, identity).
    Untimed,
}

/// The family of sources an artifact belongs to in the report's coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFamily {
    /// The Linux agent's log.
    LinuxAgentLog,
    /// The agent's configuration and goal states.
    AgentState,
    /// The Windows agent's logs.
    WindowsAgentLogs,
    /// Windows event logs.
    WindowsEventLogs,
    /// The backup extension's logs and configuration.
    BackupExtensionLogs,
    /// Extension status, settings and handler files.
    ExtensionState,
    /// Other extensions' logs (the backup extension's own plugin logs count as backup extension logs).
    OtherExtensionLogs,
    /// syslog and dmesg.
    SystemLogs,
    /// Registry hives and VSS writers.
    WindowsState,
    /// OS identity, zone, network configuration, the collector's results.
    VmConfiguration,
}

/// How an artifact is read.
#[derive(Debug, Clone, Copy)]
pub enum Reading {
    /// Streamed line by line through a log parser; signatures run over its records.
    LineLog(LineLog),
    /// Parsed whole into facts by its reader; signatures that name its kind run over its text.
    Document(DocumentReader),
    /// A Windows event log, filtered by the event-log signatures before any record is rendered.
    EventLog,
    /// An archive, opened in place by intake.
    Archive,
    /// Not read.
    Ignored,
}

/// How a line log is read.
#[derive(Debug, Clone, Copy)]
pub struct LineLog {
    /// Its parser.
    pub parser: LineParser,
    /// What the whole read states beyond its records (e.g. when the bundle was collected).
    pub concludes: Option<fn(&SourceScan, &mut Vec<Fact>)>,
}

/// A line-log parser.
#[derive(Debug, Clone, Copy)]
pub enum LineParser {
    /// A parser whose records carry full dates.
    Dated(fn() -> RecordStream),
    /// A parser of year-less records, given the year of the last record and the year rollovers in the file
    /// (without them, the generic parser reads the file).
    YearLess(fn(i32, i32) -> RecordStream),
}

/// Every artifact, in precedence order: [`classify`] takes the first entry whose patterns fit a path. Entries
/// are written not to overlap (the tests check every sample path fits one entry only); the order only settles
/// contrived paths that fit two.
pub static REGISTRY: &[&Artifact] = &[
    &containers::ARCHIVE,
    &agent::WAAGENT_LOG,
    &agent::WAAGENT_CONF,
    &backup_logs::VMBACKUP_CONF,
    &system::COLLECTOR_RESULTS,
    &system::TIME_ZONE,
    &system::OS_RELEASE,
    &system::NETWORK_CONFIG,
    &windows::EVTX,
    &windows::REGISTRY_HIVE,
    &windows::VSS_WRITERS,
    &extension_state::AGGREGATE_STATUS,
    &extension_state::HEARTBEAT,
    &extension_state::EXT_SETTINGS,
    &extension_logs::PLUGIN_LOG,
    &windows::WAAPPAGENT_LOG,
    &agent::GOAL_STATE,
    &agent::EXTENSIONS_CONFIG,
    &agent::HOSTING_ENVIRONMENT_CONFIG,
    &agent::SHARED_CONFIG,
    &agent::WAAGENT_STATUS,
    &extension_state::EXT_STATUS,
    &extension_state::HANDLER_STATE,
    &extension_state::HANDLER_STATUS,
    &extension_state::HANDLER_ENVIRONMENT,
    &extension_state::HANDLER_MANIFEST,
    &extension_state::MRSEQ,
    &backup_logs::VMSNAPSHOT_LOG,
    &backup_logs::VMSNAPSHOT_SHELL_LOG,
    &extension_logs::EXTENSION_LOG,
    &system::SYSLOG,
    &system::DMESG,
    &containers::UNKNOWN,
];

/// How a member was classified: its kind and whether its bytes are gzip-compressed (a rotated `.gz` log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    /// The artifact.
    pub kind: ArtifactKind,
    /// The member is a `.gz` of that artifact and must be decompressed when read.
    pub gzipped: bool,
}

/// Classifies a logical member path (`/`- or `\`-separated, any prefix, any case).
///
/// Archives are recognised by their whole name (`logs.tar.gz`); any other artifact may also come as a `.gz`
/// of itself (`waagent.log.3.gz`, even a gzipped status file), recognised by the name without `.gz`.
pub fn classify(path: &str) -> Classification {
    let lower = pattern::normalise(path);
    if containers::ARCHIVE.claims(&MemberPath::split(&lower)) {
        return Classification { kind: ArtifactKind::Archive, gzipped: false };
    }
    match lower.strip_suffix(".gz") {
        Some(inner) => {
            let kind = kind_of(&MemberPath::split(inner));
            Classification { kind, gzipped: kind != ArtifactKind::Unknown }
        }
        None => Classification { kind: kind_of(&MemberPath::split(&lower)), gzipped: false },
    }
}

/// The first non-archive entry claiming a path, else [`ArtifactKind::Unknown`].
fn kind_of(path: &MemberPath<'_>) -> ArtifactKind {
    REGISTRY
        .iter()
        .filter(|a| !matches!(a.reading, Reading::Archive))
        .find(|a| a.claims(path))
        .map_or(ArtifactKind::Unknown, |a| a.kind)
}

impl Artifact {
    /// True when one of the entry's patterns fits a normalised path.
    pub fn claims(&self, path: &MemberPath<'_>) -> bool {
        self.patterns.iter().any(|p| p.fits(path))
    }
}

/// Every entry that claims a path (normally one at most; more means the table is ambiguous for it).
pub fn claimants(path: &str) -> Vec<ArtifactKind> {
    let lower = pattern::normalise(path);
    let split = MemberPath::split(&lower);
    let inner = lower.strip_suffix(".gz").map(MemberPath::split);
    REGISTRY
        .iter()
        .filter(|a| match (&a.reading, inner) {
            (Reading::Archive, _) | (_, None) => a.claims(&split),
            (_, Some(inner)) => a.claims(&inner),
        })
        .map(|a| a.kind)
        .collect()
}

#[cfg(test)]
mod tests;
