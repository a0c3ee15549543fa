//! The guest OS itself: system logs, OS identity, time zone, network configuration, and the log collector's
//! own results.

use snaptriage_parsers::network_config::NetworkFileKind;
use snaptriage_parsers::{generic_log, syslog};

use super::{
    Artifact, ArtifactKind, Clock, Folder, LineLog, LineParser, Name, Os, PathPattern, Reading, SourceFamily,
};
use crate::facts::Fact;
use crate::ingest::{state, SourceScan};

/// The system log's names and their rotations (`syslog.2.gz`, `messages-20240301`).
const SYSLOG_NAMES: &[Name] = &[
    Name::Glob("syslog"),
    Name::Glob("syslog.*"),
    Name::Glob("syslog-*"),
    Name::Glob("messages"),
    Name::Glob("messages.*"),
    Name::Glob("messages-*"),
    Name::Glob("kern.log"),
    Name::Glob("kern.log.*"),
    Name::Glob("kern.log-*"),
];

/// The kernel ring buffer's saved copies.
const DMESG_NAMES: &[Name] = &[Name::Glob("dmesg"), Name::Glob("dmesg.*"), Name::Glob("dmesg-*")];

/// `/var/log` itself, not an extension's folder below `/var/log/azure` that happens to end the same way.
const IN_VAR_LOG: &[Folder] = &[Folder::EndsWith("var/log"), Folder::NotContaining("var/log/azure/")];

/// `/var/log/syslog*`, `messages*`, `kern.log*` (also at the top of a bundle of system logs only).
pub static SYSLOG: Artifact = Artifact {
    kind: ArtifactKind::Syslog,
    name: "syslog",
    identifies_os: Some(Os::Linux),
    clock: Clock::LocalWithoutYear,
    family: Some(SourceFamily::SystemLogs),
    reading: Reading::LineLog(LineLog { parser: LineParser::YearLess(syslog::stream), concludes: None }),
    patterns: &[
        PathPattern::within(SYSLOG_NAMES, IN_VAR_LOG),
        PathPattern::within(SYSLOG_NAMES, &[Folder::Top]),
    ],
    samples: &[
        "var/log/syslog",
        "var/log/syslog.2.gz",
        "var/log/messages-20240301",
        "var/log/kern.log.1",
        "messages",
    ],
};

/// `/var/log/dmesg*`.
pub static DMESG: Artifact = Artifact {
    kind: ArtifactKind::Dmesg,
    name: "dmesg",
    identifies_os: None,
    clock: Clock::LocalWithoutYear,
    family: Some(SourceFamily::SystemLogs),
    reading: Reading::LineLog(LineLog { parser: LineParser::YearLess(syslog::stream), concludes: None }),
    patterns: &[
        PathPattern::within(DMESG_NAMES, IN_VAR_LOG),
        PathPattern::within(DMESG_NAMES, &[Folder::Top]),
    ],
    samples: &["var/log/dmesg", "var/log/dmesg.0"],
};

/// The log collector's own `results.txt` (at the top of its zip, or in its `logcollector` folder).
pub static COLLECTOR_RESULTS: Artifact = Artifact {
    kind: ArtifactKind::CollectorResults,
    name: "collector-results",
    identifies_os: None,
    clock: Clock::PerStamp,
    family: Some(SourceFamily::VmConfiguration),
    reading: Reading::LineLog(LineLog {
        parser: LineParser::Dated(generic_log::stream),
        concludes: Some(collected_at),
    }),
    patterns: &[
        PathPattern::within(&[Name::Glob("results.txt")], &[Folder::Top]),
        PathPattern::within(&[Name::Glob("results.txt")], &[Folder::EndsWith("logcollector")]),
    ],
    samples: &["results.txt", "var/lib/waagent/logcollector/results.txt"],
};

/// The collector's last UTC line is when the bundle was collected.
fn collected_at(scan: &SourceScan, facts: &mut Vec<Fact>) {
    if let Some((_, last)) = scan.utc_span {
        facts.push(Fact::CollectedAt(last.and_utc()));
    }
}

/// `/etc/os-release` and friends (`/etc/redhat-release`, `/etc/lsb-release`).
pub static OS_RELEASE: Artifact = Artifact {
    kind: ArtifactKind::OsRelease,
    name: "os-release",
    identifies_os: Some(Os::Linux),
    clock: Clock::Untimed,
    family: Some(SourceFamily::VmConfiguration),
    reading: Reading::Document(state::os_release),
    patterns: &[PathPattern::within(&[Name::Glob("*-release")], &[Folder::Named("etc")])],
    samples: &["etc/os-release", "logs/etc/redhat-release"],
};

/// `/etc/timezone` (an IANA zone name).
pub static TIME_ZONE: Artifact = Artifact {
    kind: ArtifactKind::TimeZone,
    name: "timezone",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::VmConfiguration),
    reading: Reading::Document(state::time_zone),
    patterns: &[PathPattern::within(&[Name::Glob("timezone")], &[Folder::Named("etc")])],
    samples: &["etc/timezone"],
};

/// Network interface configuration (ifcfg, netplan, interfaces).
pub static NETWORK_CONFIG: Artifact = Artifact {
    kind: ArtifactKind::NetworkConfig,
    name: "network-config",
    identifies_os: None,
    clock: Clock::Untimed,
    family: Some(SourceFamily::VmConfiguration),
    reading: Reading::Document(state::network_config),
    patterns: &[
        PathPattern::within(&[Name::Glob("ifcfg-*")], &[Folder::EndsWith("network-scripts")]),
        PathPattern::within(&[Name::Glob("ifcfg-*")], &[Folder::EndsWith("sysconfig/network")]),
        PathPattern::within(&[Name::Glob("*.yaml"), Name::Glob("*.yml")], &[Folder::EndsWith("etc/netplan")]),
        PathPattern::within(&[Name::Glob("interfaces")], &[Folder::EndsWith("etc/network")]),
        PathPattern::within(&[Name::Glob("*.cfg")], &[Folder::EndsWith("etc/network/interfaces.d")]),
    ],
    samples: &[
        "etc/sysconfig/network-scripts/ifcfg-eth0",
        "etc/sysconfig/network/ifcfg-eth0",
        "etc/netplan/50-cloud-init.yaml",
        "etc/network/interfaces",
        "etc/network/interfaces.d/50-cloud-init.cfg",
    ],
};

/// Which of the network configuration formats a file of [`NETWORK_CONFIG`] holds, by its name as written.
pub fn network_format(file: &str) -> NetworkFileKind {
    if file.starts_with("ifcfg-") {
        NetworkFileKind::Ifcfg
    } else if file.ends_with(".yaml") || file.ends_with(".yml") {
        NetworkFileKind::Netplan
    } else {
        NetworkFileKind::Interfaces
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_files_are_told_apart_by_name() {
        assert_eq!(network_format("ifcfg-eth0"), NetworkFileKind::Ifcfg);
        assert_eq!(network_format("50-cloud-init.yaml"), NetworkFileKind::Netplan);
        assert_eq!(network_format("01-netcfg.yml"), NetworkFileKind::Netplan);
        assert_eq!(network_format("interfaces"), NetworkFileKind::Interfaces);
        assert_eq!(network_format("50-cloud-init.cfg"), NetworkFileKind::Interfaces);
    }
}
