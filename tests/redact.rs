//! `--redact`: no secret or identifying value survives in any output format, placeholders are stable, the
//! report says it was redacted, and every string of the report is walked.
//!
//! The leak scanners here are written independently of the library's detectors, so a detector that stops
//! matching is caught by a different reading of the same format.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regex::Regex;
use serde_json::Value;

fn snaptriage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snaptriage")).args(args).output().expect("runs")
}

/// Standard output of a run that must succeed (exit 0 or 1: findings are fine).
fn stdout_of(args: &[&str]) -> String {
    let out = snaptriage(args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn samples(os: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(os);
    let mut all: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("samples dir").map(|e| e.unwrap().path()).collect();
    all.sort();
    assert!(all.len() > 10, "samples under {}", dir.display());
    all
}

/// Every rendering of one bundle: (name, text, whether it must say it is redacted in the text itself).
fn renderings(bundle: &Path, redact: bool) -> Vec<(String, String)> {
    let b = bundle.to_str().unwrap();
    let flag = if redact { vec!["--redact"] } else { vec![] };
    let mut out = Vec::new();
    for format in ["json", "table", "markdown", "html"] {
        let mut args = vec!["analyze", b, "--format", format];
        args.extend(&flag);
        out.push((format.to_string(), stdout_of(&args)));
    }
    for format in ["csv", "jsonl"] {
        let mut args = vec!["timeline", b, "--all", "--format", format];
        args.extend(&flag);
        out.push((format!("timeline-{format}"), stdout_of(&args)));
    }
    out
}

/// Secret- or identity-shaped values left in `text`, each with what it looks like.
fn leaks(text: &str) -> Vec<String> {
    // HTML writes placeholders escaped.
    let text = &text.replace("&lt;", "<").replace("&gt;", ">");
    let mut found = Vec::new();
    // Private IPv4: four dotted numbers not inside a longer dotted run.
    let dotted = Regex::new(r"[0-9.]*[0-9]").unwrap();
    for m in dotted.find_iter(text) {
        let parts: Vec<&str> = m.as_str().split('.').collect();
        if parts.len() != 4 || m.as_str().starts_with('.') {
            continue;
        }
        if let Ok(ip) = m.as_str().parse::<Ipv4Addr>() {
            let o = ip.octets();
            let private = o[0] == 10
                || (o[0] == 172 && o[1] & 0xf0 == 16)
                || (o[0] == 192 && o[1] == 168)
                || (o[0] == 100 && o[1] & 0xc0 == 64);
            if private {
                found.push(format!("private IPv4 {ip}"));
            }
        }
    }
    let checks: &[(&str, &str)] = &[
        ("GUID", r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        ("SAS signature", r"(?i)[?&]sig=[^<]"),
        ("SAS query", r"(?i)[?&]s[vpe]=\d"),
        ("account key", r"(?i)accountkey=[^<]"),
        ("storage account", r"(?i)[a-z0-9]\.(blob|table|queue|file)\.core\.windows\.net"),
        ("home folder", r"/home/[^<\s]"),
        ("Windows profile", r"(?i)\\users\\+[^<\\\s]"),
        ("JWT", r"eyJ[A-Za-z0-9_-]{8,}\.eyJ"),
        ("bearer token", r"(?i)bearer [^<\s]"),
        ("e-mail", r"(?i)[a-z0-9._-]+@[a-z0-9-]+\.[a-z0-9.-]*[a-z]{2}"),
        ("domain SID", r"S-1-5-21-\d"),
        ("88-char key", r"[A-Za-z0-9+/]{86}=="),
    ];
    for (what, pattern) in checks {
        for m in Regex::new(pattern).unwrap().find_iter(text) {
            let v = m.as_str();
            let benign = (*what == "GUID" && v.bytes().all(|b| b == b'0' || b == b'-'))
                || (*what == "Windows profile"
                    && [r"\users\public", r"\users\default"].iter().any(|k| {
                        text[m.start()..].to_ascii_lowercase().replace("\\\\", "\\").starts_with(k)
                    }));
            if !benign {
                found.push(format!("{what} {v}"));
            }
        }
    }
    found
}

fn says_redacted(name: &str, text: &str) -> bool {
    match name {
        "json" => serde_json::from_str::<Value>(text).unwrap()["redaction"]["summary"].is_string(),
        "timeline-csv" | "timeline-jsonl" => true, // said on standard error, checked below
        _ => text.contains("Redacted: "),
    }
}

fn assert_samples_clean(os: &str) {
    for bundle in samples(os) {
        for (name, text) in renderings(&bundle, true) {
            let left = leaks(&text);
            assert!(left.is_empty(), "{} {name}: {left:?}", bundle.display());
            assert!(says_redacted(&name, &text), "{} {name} does not say it is redacted", bundle.display());
        }
    }
}

#[test]
fn no_secret_shaped_value_survives_in_linux_samples() {
    assert_samples_clean("linux");
}

#[test]
fn no_secret_shaped_value_survives_in_windows_samples() {
    assert_samples_clean("windows");
}

fn sample(os: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(os).join(name)
}

/// `value` is in the plain output and gone from the redacted one, where `placeholder` stands instead.
fn assert_replaced(bundle: &Path, args: &[&str], value: &str, placeholder: &str) {
    let plain: Vec<&str> = args.iter().copied().chain([bundle.to_str().unwrap()]).collect();
    let redacted: Vec<&str> = plain.iter().copied().chain(["--redact"]).collect();
    let before = stdout_of(&plain);
    let after = stdout_of(&redacted);
    assert!(before.contains(value), "{value} not in the plain output of {}", bundle.display());
    assert!(!after.to_ascii_lowercase().contains(&value.to_ascii_lowercase()), "{value} survives --redact");
    assert!(after.contains(placeholder), "{placeholder} missing from the redacted output");
}

#[test]
fn values_known_to_be_in_the_samples_are_replaced() {
    let mount = sample("linux", "linux-mount-unopenable.zip");
    // The syslog header names the host; the NFS server's address is private.
    assert_replaced(&mount, &["analyze", "--format", "json"], "nfs-client-03", "<host-1>");
    assert_replaced(&mount, &["analyze", "--format", "json"], "10.0.2.10", "<ip-");
    let limit = sample("linux", "linux-snapshot-limit-reached.zip");
    assert_replaced(
        &limit,
        &["timeline", "--all", "--format", "jsonl"],
        "fileserverlegacydisksgwg7.blob.core.windows.net/vhds/fileserver-legacy-osdisk.vhd",
        "<storage-account-1>.blob.core.windows.net/vhds/<host-1>-osdisk.vhd",
    );
    let firewall = sample("linux", "linux-wireserver-unreachable.zip");
    assert_replaced(
        &firewall,
        &["timeline", "--all", "--format", "csv"],
        "PWD=/home/secops",
        "PWD=/home/<user-1>",
    );
    assert_replaced(&firewall, &["timeline", "--all", "--format", "csv"], "SRC=10.4.0.5", "SRC=<ip-");
    let healthy = sample("windows", "windows-healthy.zip");
    assert_replaced(
        &healthy,
        &["timeline", "--all", "--format", "jsonl"],
        r"WEB-PROD-03\\jdoe",
        r"Detection User=<host-",
    );
    assert_replaced(
        &healthy,
        &["timeline", "--all", "--format", "jsonl"],
        r"C:\\Users\\jdoe",
        r"C:\\Users\\<user-1>",
    );
}

#[test]
fn platform_addresses_codes_and_versions_stay() {
    let bundle = sample("linux", "linux-wireserver-unreachable.zip");
    let redacted = stdout_of(&["analyze", bundle.to_str().unwrap(), "--format", "json", "--redact"]);
    let report: Value = serde_json::from_str(&redacted).unwrap();
    assert!(redacted.contains("168.63.129.16"));
    assert_eq!(report["findings"][0]["id"], "wireserver-unreachable");
    assert!(report["findings"][0]["error_codes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "ExtensionSnapshotFailedNoNetwork"));
    let plain: Value =
        serde_json::from_str(&stdout_of(&["analyze", bundle.to_str().unwrap(), "--format", "json"])).unwrap();
    assert_eq!(report["facts"]["agent_version"], plain["facts"]["agent_version"]);
    assert_eq!(report["findings"][0]["first_seen"], plain["findings"][0]["first_seen"]);
    assert!(plain.get("redaction").is_none(), "an unredacted report has no redaction section");
}

#[test]
fn the_same_value_keeps_one_placeholder_and_runs_agree() {
    // One heartbeat id throughout the extension-failed sample's agent log.
    let bundle = sample("linux", "linux-extension-failed.zip");
    let args = ["timeline", bundle.to_str().unwrap(), "--all", "--format", "jsonl", "--redact"];
    let first = stdout_of(&args);
    let ids: BTreeSet<&str> = Regex::new(r"HeartbeatId: ([^;]+);")
        .unwrap()
        .captures_iter(&first)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(ids.iter().all(|id| id.starts_with("<guid-")), "{ids:?}");
    assert_eq!(first, stdout_of(&args), "placeholders differ between runs");
}

/// A bundle whose agent log and configuration hold one of every kind of secret.
fn secrets_bundle() -> PathBuf {
    let key = format!("{}Q==", "k3Y".repeat(28) + "x");
    assert_eq!(key.len(), 88);
    let jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    let mut log = common::wireserver_outage_log();
    let lines = [
        "2024-03-15T20:41:00.000000Z ERROR ExtHandler ExtHandler Error fetching the goal state: [HttpError] GET https://md-hdd-x7q2.blob.core.windows.net/vhds/osdisk.vhd?sv=2018-03-28&sr=b&se=2024-03-16T00%3A00%3A00Z&sp=rw&sig=Jq8%2Bz3kN1vH%2FpLw%3D -- IOError timed out -- 6 attempts made from 10.1.2.3".to_string(),
        format!("2024-03-15T20:42:00.000000Z ERROR ExtHandler ExtHandler Error fetching the goal state: [ProtocolError] GET http://168.63.129.16/machine/ storage DefaultEndpointsProtocol=https;AccountName=custstore01;AccountKey={key};EndpointSuffix=core.windows.net -- IOError timed out -- 6 attempts made"),
        format!("2024-03-15T20:43:00.000000Z ERROR ExtHandler ExtHandler Error fetching the goal state: /subscriptions/7d3e4c21-90ab-4cde-8f01-23456789abcd/resourceGroups/rg-payments/providers/Microsoft.Compute/virtualMachines/paygw-vm-3 user=alice.w Authorization: Bearer {jwt} -- IOError timed out -- 6 attempts made"),
        "2024-03-15T20:44:00.000000Z INFO ExtHandler ExtHandler Wrote /home/alice.w/.profile on paygw-vm-3.abcd1234.bx.internal.cloudapp.net, mail dba.team@contoso-payments.example, peer 192.168.10.20 fd00:1:2::3".to_string(),
    ];
    for l in &lines {
        log.push_str(l);
        log.push('\n');
    }
    let conf = "Extensions.Enabled=y\nHttpProxy.Host=172.20.5.6\nHttpProxy.Port=3128\n";
    let dir = std::env::temp_dir().join(format!("snaptriage-redact-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("secrets.zip");
    std::fs::write(
        &path,
        common::zip_bundle(&[("var/log/waagent.log", log.as_bytes()), ("etc/waagent.conf", conf.as_bytes())]),
    )
    .unwrap();
    path
}

#[test]
fn every_kind_of_secret_in_a_built_bundle_is_replaced_in_every_format() {
    let bundle = secrets_bundle();
    let values = [
        "Jq8%2Bz3kN1vH",
        "sv=2018-03-28",
        "md-hdd-x7q2",
        "custstore01",
        "k3Yk3Yk3Y",
        "eyJhbGciOiJSUzI1NiIs",
        "7d3e4c21-90ab-4cde-8f01-23456789abcd",
        "rg-payments",
        "paygw-vm-3",
        "alice.w",
        "dba.team@",
        "10.1.2.3",
        "192.168.10.20",
        "172.20.5.6",
        "fd00:1:2::3",
    ];
    let plain: String = renderings(&bundle, false).into_iter().map(|(_, t)| t).collect();
    for v in values {
        assert!(plain.contains(v), "{v} is not in the plain output, so the test proves nothing");
    }
    let vm = Regex::new(r"virtualMachines/(<host-\d+>)").unwrap();
    for (name, text) in renderings(&bundle, true) {
        for v in values {
            assert!(!text.contains(v), "{v} survives in {name}");
        }
        assert!(leaks(&text).is_empty(), "{name}: {:?}", leaks(&text));
        assert!(text.contains("168.63.129.16"), "{name} lost the WireServer address");
        if name.starts_with("timeline") {
            for p in [
                "<sas-",
                "<storage-account-",
                "<key-",
                "<token-",
                "<subscription-",
                "<resource-group-",
                "<host-",
                "<user-",
                "<email-",
                "<ip-",
            ] {
                assert!(text.contains(p), "{p} missing from {name}");
            }
            // The VM named by the resource id is the host of the internal DNS name.
            let host = &vm.captures(&text).unwrap_or_else(|| panic!("no VM placeholder in {name}"))[1];
            assert!(text.contains(&format!("{host}.abcd1234.bx.internal.cloudapp.net")), "{name}");
        }
    }
    let json: Value = serde_json::from_str(&stdout_of(&[
        "analyze",
        bundle.to_str().unwrap(),
        "--format",
        "json",
        "--redact",
    ]))
    .unwrap();
    assert_eq!(json["facts"]["config"]["HttpProxy.Host"], "<ip-1>");
    assert!(json["redaction"]["replaced"]["ip"].as_u64().unwrap() >= 1);
    let out = snaptriage(&["timeline", bundle.to_str().unwrap(), "--redact"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("timeline redacted:"));
}

/// JSON paths of the report whose strings are not `String` fields (enums, fixed names, timestamps): the
/// walk has nothing to rewrite there.
const NOT_FREE_TEXT: &[&str] = &[
    "bundle.collected_at",
    "facts.extensions[].source",
    "facts.sources[].basis",
    "facts.identity[].kind",
    "findings[].severity",
    "findings[].confidence",
    "findings[].first_seen",
    "findings[].last_seen",
    "findings[].evidence[].timestamp",
    "runs[].started",
    "runs[].ended",
    "runs[].outcome",
    "runs[].phases[].at",
    "runs[].evidence[].timestamp",
    "job.time",
    "job.answer",
    "coverage.lost[].kind",
    "coverage.lost[].status",
    "coverage.sources[].family",
    "coverage.sources[].label",
    "inventory[].kind",
    "inventory[].status",
];

/// Every key path a report may have. A field added to the report fails this test until it is added here,
/// and, when it holds text, to the walk in `src/redact/walk.rs`.
const KNOWN_KEYS: &[&str] = &[
    "schema_version",
    "tool",
    "tool.name",
    "tool.version",
    "bundle",
    "bundle.path",
    "bundle.sha256",
    "bundle.os",
    "bundle.collected_at",
    "facts",
    "facts.agent_version",
    "facts.daemon_version",
    "facts.agent_auto_update",
    "facts.os",
    "facts.time_zone",
    "facts.extensions",
    "facts.extensions[].name",
    "facts.extensions[].version",
    "facts.extensions[].status",
    "facts.extensions[].code",
    "facts.extensions[].message",
    "facts.extensions[].timestamp",
    "facts.extensions[].source",
    "facts.config",
    "facts.config.*",
    "facts.sources",
    "facts.sources[].path",
    "facts.sources[].basis",
    "facts.sources[].zone",
    "facts.sources[].from",
    "facts.sources[].offset",
    "facts.identity",
    "facts.identity[].kind",
    "facts.identity[].source",
    "facts.identity[].sources",
    "facts.identity[].value",
    "facts.sources[].instead_of",
    "facts.sources[].runs",
    "facts.sources[].agreeing",
    "facts.sources[].observed",
    "facts.sources[].first",
    "facts.sources[].last",
    "facts.vss_writers",
    "facts.vss_writers[].name",
    "facts.vss_writers[].state",
    "facts.vss_writers[].last_error",
    "facts.defender_exclusions",
    "facts.defender_exclusions[]",
    "facts.registry",
    "facts.registry.*",
    "findings",
    "findings[].id",
    "findings[].severity",
    "findings[].confidence",
    "findings[].error_codes",
    "findings[].error_codes[]",
    "findings[].title",
    "findings[].summary",
    "findings[].window",
    "findings[].first_seen",
    "findings[].last_seen",
    "findings[].evidence",
    "findings[].evidence[].path",
    "findings[].evidence[].line",
    "findings[].evidence[].record_id",
    "findings[].evidence[].timestamp",
    "findings[].evidence[].text",
    "findings[].evidence_total",
    "findings[].remediation",
    "findings[].remediation[]",
    "findings[].caused_by",
    "runs",
    "runs[].id",
    "runs[].seq",
    "runs[].task_id",
    "runs[].started",
    "runs[].ended",
    "runs[].outcome",
    "runs[].code",
    "runs[].error_name",
    "runs[].message",
    "runs[].phases",
    "runs[].phases[].name",
    "runs[].phases[].at",
    "runs[].phases[].ok",
    "runs[].evidence",
    "runs[].evidence[].path",
    "runs[].evidence[].line",
    "runs[].evidence[].record_id",
    "runs[].evidence[].timestamp",
    "runs[].evidence[].text",
    "runs[].root_cause",
    "runs[].root_cause.finding",
    "runs[].root_cause.why",
    "runs[].contributing",
    "runs[].contributing[]",
    "job",
    "job.error_code",
    "job.time",
    "job.answer",
    "job.run",
    "job.findings",
    "job.findings[]",
    "job.verdict",
    "job.check_outside",
    "job.check_outside[]",
    "undecided",
    "undecided[].finding",
    "undecided[].reason",
    "coverage",
    "coverage.members",
    "coverage.members.total",
    "coverage.members.parsed",
    "coverage.members.partial",
    "coverage.members.failed",
    "coverage.members.skipped",
    "coverage.analysed",
    "coverage.lost",
    "coverage.lost[].path",
    "coverage.lost[].kind",
    "coverage.lost[].status",
    "coverage.lost[].detail",
    "coverage.sources",
    "coverage.sources[].family",
    "coverage.sources[].label",
    "coverage.sources[].present",
    "coverage.sources[].files",
    "coverage.sources[].read",
    "coverage.sources[].first",
    "coverage.sources[].last",
    "coverage.summary",
    "inventory",
    "inventory[].path",
    "inventory[].kind",
    "inventory[].bytes",
    "inventory[].status",
    "inventory[].detail",
    "stats",
    "stats.members",
    "stats.records",
    "stats.signals",
    "stats.elapsed_ms",
];

/// Every key path of `v` (arrays as `[]`, the free-form maps as `.*`), and each string leaf with its path.
fn shape(v: &Value, path: &str, keys: &mut BTreeSet<String>, strings: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            let free_form = path == "facts.config" || path == "facts.registry";
            for (k, child) in map {
                let p = match (path.is_empty(), free_form) {
                    (_, true) => format!("{path}.*"),
                    (true, false) => k.clone(),
                    (false, false) => format!("{path}.{k}"),
                };
                if free_form {
                    strings.push((format!("{p} (key)"), k.clone()));
                }
                keys.insert(p.clone());
                shape(child, &p, keys, strings);
            }
        }
        Value::Array(items) => {
            for item in items {
                let p = format!("{path}[]");
                if !item.is_object() {
                    keys.insert(p.clone());
                }
                shape(item, &p, keys, strings);
            }
        }
        Value::String(s) => strings.push((path.to_string(), s.clone())),
        _ => {}
    }
}

#[test]
fn the_walk_reaches_every_string_of_the_report() {
    const MARK: &str = "\u{1}walked";
    let mut seen = BTreeSet::new();
    for bundle in samples("linux").into_iter().chain(samples("windows")) {
        let mut report = snaptriage::analyze_path(&bundle, &snaptriage::Options::default()).unwrap().report;
        let mut keys = BTreeSet::new();
        shape(&serde_json::to_value(&report).unwrap(), "", &mut keys, &mut Vec::new());
        let unknown: Vec<&String> = keys.iter().filter(|k| !KNOWN_KEYS.contains(&k.as_str())).collect();
        assert!(unknown.is_empty(), "report fields the redaction walk does not know: {unknown:?}");
        seen.extend(keys);

        snaptriage::redact::walk::report_strings(&mut report, &mut |s: &mut String| *s = MARK.to_string());
        let mut strings = Vec::new();
        shape(&serde_json::to_value(&report).unwrap(), "", &mut BTreeSet::new(), &mut strings);
        let missed: BTreeMap<&str, &str> = strings
            .iter()
            .filter(|(p, s)| s != MARK && !NOT_FREE_TEXT.contains(&p.as_str()))
            .map(|(p, s)| (p.as_str(), s.as_str()))
            .collect();
        assert!(missed.is_empty(), "{}: strings the walk does not reach: {missed:?}", bundle.display());
    }
    // The samples exercise most of the report, so the check above is not vacuous.
    assert!(seen.len() * 10 >= KNOWN_KEYS.len() * 8, "only {} of {} keys seen", seen.len(), KNOWN_KEYS.len());
}
