//! The Linux guest agent's message catalog (`src/signals/builtin/agent.toml`): every template, rendered in
//! every log layout its agent versions wrote, still fires its signature; routine look-alikes raise no failure
//! signal; `docs/agent-messages.md` is what the catalog generates (`SNAPTRIAGE_BLESS=1` rewrites it).

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use snaptriage::intake::ArtifactKind;
use snaptriage::signals::{builtin_signatures, MatchScratch, SignatureSet};
use snaptriage::{analyze_bytes, Options};
use snaptriage_parsers::waagent_log;

/// Signals meaning something failed (a routine message must produce none of them).
const FAILURE_SIGNALS: &[&str] = &[
    "agent.crash",
    "agent.restart-limit",
    "agent.update-failed",
    "agent.goal-state-broken",
    "agent.protocol-not-ready",
    "agent.cert-failure",
    "config.extensions-disabled",
    "config.extension-policy",
    "wire.failure",
    "wire.unreachable",
    "wire.throttled",
    "wire.goal-state-failure",
    "wire.sustained",
    "wire.status-upload-failure",
    "goal-state.server-error",
    "goal-state.invalid",
    "hostplugin.failure",
    "settings.undecryptable",
    "dhcp.failure",
    "ext.failure",
    "ext.nonzero-exit",
    "ext.timeout",
    "ext.status-invalid",
    "ext.stuck",
];

use common::eras::{agent_catalog, is_agent_message, journald, overlaps, range, within, ERAS};

/// One rendered case: which signature, template, era and the record text the engine would match.
struct Case {
    signature: String,
    era: String,
    raw: String,
}

/// Parses `text` as waagent.log and returns its single record's text (as `ingest` matches it).
fn record_text(text: &str) -> String {
    let recs: Vec<_> = waagent_log::parse(text).collect();
    assert_eq!(recs.len(), 1, "expected one record from {text:?}, got {}", recs.len());
    recs[0].raw.to_string()
}

// ------------------------------------------------------------------------------------------------ helpers

fn builtin_set() -> SignatureSet {
    SignatureSet::new(builtin_signatures().unwrap())
}

/// The ids and signals the built-in set produces for one record.
fn matches(set: &SignatureSet, raw: &str) -> Vec<(String, String)> {
    let mut scratch = MatchScratch::default();
    set.match_text(ArtifactKind::WaagentLog, raw, &mut scratch)
        .into_iter()
        .map(|m| {
            let s = &set.signatures()[m.signature];
            (s.id.clone(), s.signal.to_string())
        })
        .collect()
}

/// Every template of the catalog rendered in every era of its versions, plus the journald copy of each.
fn rendered_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for sig in agent_catalog().into_iter().filter(is_agent_message) {
        let sig_range = range(sig.versions.as_deref().unwrap());
        for t in &sig.templates {
            let t_range = t.versions.as_deref().map(range).unwrap_or_else(|| sig_range.clone());
            let level = t.level.as_deref().unwrap();
            for era in ERAS {
                if !overlaps(&t_range, &range(era.versions)) {
                    continue;
                }
                let line = era.line(level, &t.text);
                cases.push(Case {
                    signature: sig.id.clone(),
                    era: era.name.to_string(),
                    raw: record_text(&line),
                });
                cases.push(Case {
                    signature: sig.id.clone(),
                    era: format!("{} (journald)", era.name),
                    raw: record_text(&journald(&line)),
                });
            }
        }
    }
    cases
}

// ------------------------------------------------------------------------------------------------ tests

#[test]
fn every_agent_signature_is_catalogued() {
    let sigs = agent_catalog();
    assert!(sigs.len() >= 40, "{}", sigs.len());
    for s in &sigs {
        let family = s.family.as_deref().unwrap_or_else(|| panic!("{}: no family", s.id));
        assert!(!family.trim().is_empty(), "{}: empty family", s.id);
        let versions = s.versions.as_deref().unwrap_or_else(|| panic!("{}: no versions", s.id));
        assert!(!s.templates.is_empty(), "{}: no template", s.id);
        for t in &s.templates {
            let level = t.level.as_deref().unwrap_or_else(|| panic!("{}: template without level", s.id));
            assert!(["INFO", "WARNING", "ERROR", "VERBOSE"].contains(&level), "{}: level {level}", s.id);
            assert!(!t.text.trim().is_empty(), "{}: empty template", s.id);
        }
        if !is_agent_message(s) {
            continue;
        }
        let sig_range = range(versions);
        for t in &s.templates {
            let t_range = t.versions.as_deref().map(range).unwrap_or_else(|| sig_range.clone());
            if let Some(v) = &t.versions {
                assert!(within(&t_range, &sig_range), "{}: template versions {v} outside {versions}", s.id);
            }
            assert!(
                ERAS.iter().any(|e| overlaps(&t_range, &range(e.versions))),
                "{}: template renders in no era",
                s.id
            );
        }
    }
}

/// Templates of messages from other sources kept in the catalogue match as records of their own source.
#[test]
fn other_source_templates_fire_on_their_source() {
    let set = builtin_set();
    for s in agent_catalog().into_iter().filter(|s| !is_agent_message(s)) {
        for t in &s.templates {
            let mut scratch = MatchScratch::default();
            let hit = set
                .match_text(s.sources[0], &t.text, &mut scratch)
                .into_iter()
                .any(|m| set.signatures()[m.signature].id == s.id);
            assert!(hit, "{}: template {:?} does not match", s.id, t.text);
        }
    }
}

#[test]
fn every_template_fires_its_signature_in_every_era() {
    let set = builtin_set();
    let signal_of: std::collections::HashMap<String, String> =
        agent_catalog().into_iter().map(|s| (s.id.clone(), s.signal.to_string())).collect();
    let mut failures = Vec::new();
    let cases = rendered_cases();
    for c in &cases {
        let got = matches(&set, &c.raw);
        let want = &signal_of[&c.signature];
        if !got.iter().any(|(id, signal)| *id == c.signature && signal == want) {
            failures.push(format!("{} [{}] -> {want}: got {got:?}\n    {:?}", c.signature, c.era, c.raw));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn catalog_counts() {
    let sigs = agent_catalog();
    let families: BTreeSet<&str> = sigs.iter().filter_map(|s| s.family.as_deref()).collect();
    let templates: usize = sigs.iter().map(|s| s.templates.len()).sum();
    let cases = rendered_cases();
    println!(
        "agent catalog: {} families, {} signatures, {} templates, {} rendered era cases ({} routine look-alike cases)",
        families.len(),
        sigs.len(),
        templates,
        cases.len(),
        routine_cases().len()
    );
    assert!(families.len() >= 15);
}

/// Routine messages the agent writes that resemble failures: (text, level, versions).
const ROUTINE: &[(&str, &str, &str)] = &[
    ("Certificate with thumbprint 0A1B2C3D4E5F60718293A4B5C6D7E8F901234567 has no matching private key.", "INFO", "2.2.41 - 2.7.3.0"),
    ("Found NO matching cert/thumbprint for private key!", "WARNING", "2.2.41 - 2.13.1.1"),
    ("Command: [pidof dhclient], return code: [1], result: []", "ERROR", "2.1.0 - 2.2.42"),
    ("Dhcp client is not running.", "WARNING", "2.1.0 -"),
    ("Error retrieving hostname: [Errno 2] No such file or directory: 'hostname'", "WARNING", "2.9.0.4 -"),
    ("[HTTP Retry] Attempt 2 of 6 will delay 1 seconds: [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError timed out", "VERBOSE", "2.2.15 -"),
    ("Fetching the goal state failed: [ResourceGoneError] [HTTP Failed] [410: Gone] b'The page you requested was removed.'", "WARNING", "2.2.47 -"),
    ("Error fetching the goal state: [ProtocolError] [ResourceGoneError] [HTTP Failed] [410: Gone] b''", "ERROR", "2.8.0.11 -"),
    ("Fetching the goal state recovered from previous errors. Fetched incarnation_12 (certificates: [])", "INFO", "2.8.0.11 -"),
    ("Fetch goal state from WireServer completed", "INFO", "2.13.1.1 -"),
    ("Fetching full goal state from the WireServer [incarnation 12]", "INFO", "2.8.0.11 -"),
    ("HostGAPlugin 1.0.8.115 does not support the vmSettings API. Will not use FastTrack.", "INFO", "2.8.0.11 -"),
    ("HostGAPlugin version: 1.0.8.143", "INFO", "2.6.0.2 -"),
    ("Fetched new vmSettings [HostGAPlugin correlation ID: 0e7bd5d6-3f8b-4e0e-9d6c-2b1f3a4c5d6e eTag: 1234567890 source: FastTrack]", "INFO", "2.5.0.2 -"),
    ("A new goal state was received, but not all the extensions in the previous goal state have completed: [('Microsoft.Azure.RecoveryServices.VMSnapshotLinux', 'transitioning')]", "INFO", "2.5.0.2 -"),
    ("All extensions in the goal state have reached a terminal state: [('Microsoft.Azure.RecoveryServices.VMSnapshotLinux', 'success')]", "INFO", "2.5.0.2 -"),
    ("Test for route to 168.63.129.16", "INFO", "2.2.9 -"),
    ("Route to 168.63.129.16 exists", "INFO", "2.2.9 -"),
    ("Wire server endpoint:168.63.129.16", "INFO", "2.1.0 -"),
    ("Checking for dhcp lease cache", "INFO", "2.2.9 -"),
    ("Downloaded certificate {'thumbprint': '0A1B2C3D4E5F60718293A4B5C6D7E8F901234567', 'hasPrivateKey': True}", "INFO", "2.9.0.4 -"),
    ("[PERIODIC] Attempts to retrieve VM size information from IMDS are failing: [HttpError] [HTTP Failed] GET http://169.254.169.254/metadata/instance/compute -- IOError timed out -- 6 attempts made", "WARNING", "2.9.0.4 -"),
    ("Goal State Period: 6 sec. This indicates how often the agent checks for new goal states and reports status.", "INFO", "2.5.0.2 -"),
    ("Clean protocol and wireserver endpoint", "INFO", "2.2.53 -"),
    ("Status Blob type 'None' is not valid, assuming BlockBlob", "INFO", "2.2.53 -"),
    ("[HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent [DEBUG HeartbeatCounter: 4;HeartbeatId: 6E49977D-8796-46D0-9A5F-B6571D6B542A;DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]", "INFO", "2.2.47 - 2.12.0.4"),
    ("Event: name=WALinuxAgent, op=HeartBeat, message=HeartbeatCounter: 4;HeartbeatId: 6E49977D;UpdateGSErrors: 0;AutoUpdate: 1, duration=0", "INFO", "2.2.47 -"),
    ("Initial goal state completed, switched the goal state period to 6", "INFO", "2.5.0.2 -"),
];

fn routine_cases() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (text, level, versions) in ROUTINE {
        let r = range(versions);
        for era in ERAS.iter().filter(|e| overlaps(&r, &range(e.versions))) {
            let line = era.line(level, text);
            out.push((era.name.to_string(), record_text(&line)));
            out.push((format!("{} (journald)", era.name), record_text(&journald(&line))));
        }
    }
    out
}

#[test]
fn routine_look_alikes_raise_no_failure_signal() {
    let set = builtin_set();
    let mut failures = Vec::new();
    for (era, raw) in routine_cases() {
        let bad: Vec<_> = matches(&set, &raw)
            .into_iter()
            .filter(|(_, sig)| FAILURE_SIGNALS.contains(&sig.as_str()))
            .collect();
        if !bad.is_empty() {
            failures.push(format!("[{era}] {raw:?}: {bad:?}"));
        }
    }
    assert!(failures.is_empty(), "routine messages raised failure signals:\n{}", failures.join("\n"));
}

#[test]
fn captures_are_named_for_the_diagnoses() {
    let set = builtin_set();
    let caps = |raw: &str, id: &str| {
        let mut scratch = MatchScratch::default();
        set.match_text(ArtifactKind::WaagentLog, raw, &mut scratch)
            .into_iter()
            .find(|m| set.signatures()[m.signature].id == id)
            .unwrap_or_else(|| panic!("{id} did not match {raw:?}"))
            .captures
    };
    let c = caps(
        "2023-10-27T07:57:10.702114Z ERROR ExtHandler ExtHandler Error fetching the goal state: [ProtocolError] [Wireserver Exception] [HttpError] [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError [Errno 113] No route to host -- 6 attempts made",
        "wire.unreachable",
    );
    assert_eq!(c.get("errno").map(String::as_str), Some("113"));
    let c = caps(
        "2023-10-27T07:57:10.702114Z ERROR ExtHandler ExtHandler Error fetching the goal state: [ProtocolError] [Wireserver Exception] [HttpError] [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError timed out -- 6 attempts made",
        "wire.http-failed",
    );
    assert_eq!(c.get("attempts").map(String::as_str), Some("6"));
    assert_eq!(c.get("url").map(String::as_str), Some("http://168.63.129.16/machine/?comp=goalstate"));
    let c = caps(
        "2023-10-27T07:57:10.702114Z ERROR ExtHandler ExtHandler Error fetching the goal state: [ProtocolError] [Wireserver Failed] URI http://168.63.129.16/machine/?comp=goalstate  [HTTP Failed] Status Code 403",
        "goal-state.http-status",
    );
    assert_eq!(c.get("http_status").map(String::as_str), Some("403"));
    assert_eq!(c.get("doc").map(|d| d.to_ascii_lowercase()), Some("goalstate".to_string()));
    let c = caps(
        "2023-10-27T07:57:10.702114Z VERBOSE ExtHandler ExtHandler [HTTP Retry] Attempt 3 of 26 will delay 1 seconds: [HTTP Retry] GET http://168.63.129.16/machine/?comp=goalstate -- Status Code 429",
        "wire.throttled",
    );
    assert_eq!(c.get("http_status").map(String::as_str), Some("429"));
    let c = caps(
        "2018/03/05 14:31:57.742721 INFO Retry detect protocols: retry=332",
        "agent.protocol-detection-failed",
    );
    assert_eq!(c.get("attempts").map(String::as_str), Some("332"));
    let c = caps("2024-03-15T08:00:01.200000Z INFO Daemon Daemon OS: ubuntu 22.04", "agent.os");
    assert_eq!(
        (c.get("os_name").map(String::as_str), c.get("os_version").map(String::as_str)),
        (Some("ubuntu"), Some("22.04"))
    );
    let c =
        caps("2016/02/17 07:54:53 Azure Linux Agent Version: WALinuxAgent-2.0.18", "agent.daemon-version");
    assert_eq!(c.get("version").map(String::as_str), Some("2.0.18"));
}

// ------------------------------------------------------------------------------------------------ whole engine

/// A waagent.log of `lines` (each `(level, message)`) repeated every `step` minutes for `span` minutes,
/// on top of a healthy start-up.
fn repeated_log(lines: &[(&str, &str)], span: u32, step: u32) -> String {
    let mut s = String::new();
    s.push_str("2024-03-15T08:00:01.100000Z INFO Daemon Daemon Azure Linux Agent Version: 2.9.1.1\n");
    s.push_str("2024-03-15T08:00:01.200000Z INFO Daemon Daemon OS: ubuntu 22.04\n");
    s.push_str("2024-03-15T08:00:02.000000Z INFO ExtHandler ExtHandler Azure Linux Agent (Goal State Agent version 2.10.0.8)\n");
    let mut m = 0;
    while m <= span {
        for (i, (level, msg)) in lines.iter().enumerate() {
            s.push_str(&format!(
                "2024-03-15T{:02}:{:02}:{:02}.000000Z {level} ExtHandler ExtHandler {msg}\n",
                9 + m / 60,
                m % 60,
                i
            ));
        }
        m += step;
    }
    s
}

fn analyze_log(log: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let bundle = common::zip_bundle(&[("var/log/waagent.log", log.as_bytes())]);
    let opts = Options { keep_timeline: true, ..Options::default() };
    let a = analyze_bytes("agent-messages.zip", bundle, &opts).unwrap();
    let signals = a.timeline.iter().flat_map(|t| t.signals.iter().cloned()).collect();
    let findings = a.report.findings.iter().map(|f| f.id.clone()).collect();
    (signals, findings)
}

fn templates_of(id: &str) -> Vec<(String, String)> {
    let sig = agent_catalog().into_iter().find(|s| s.id == id).unwrap();
    sig.templates.iter().map(|t| (t.level.clone().unwrap(), t.text.clone())).collect()
}

#[test]
fn engine_turns_sustained_wire_failures_into_wireserver_unreachable() {
    let t = templates_of("wire.http-failed");
    let lines: Vec<(&str, &str)> = t.iter().take(2).map(|(l, m)| (l.as_str(), m.as_str())).collect();
    let (signals, findings) = analyze_log(&repeated_log(&lines, 30, 5));
    assert!(signals.contains("wire.failure"), "{signals:?}");
    assert!(signals.contains("wire.goal-state-failure"), "{signals:?}");
    assert!(findings.contains("wireserver-unreachable"), "{findings:?}");
}

#[test]
fn engine_turns_unreachable_errnos_into_wire_signals() {
    let t = templates_of("wire.unreachable");
    let lines: Vec<(&str, &str)> = t.iter().skip(4).take(1).map(|(l, m)| (l.as_str(), m.as_str())).collect();
    let (signals, findings) = analyze_log(&repeated_log(&lines, 30, 5));
    assert!(signals.contains("wire.unreachable"), "{signals:?}");
    assert!(signals.contains("wire.failure"), "{signals:?}");
    assert!(findings.contains("wireserver-unreachable"), "{findings:?}");
}

#[test]
fn engine_reports_extensions_disabled_by_config() {
    let lines = [(
        "WARNING",
        "Extension 'Microsoft.Azure.RecoveryServices.VMSnapshotLinux' will not be processed since extension processing is disabled. To enable extension processing, set Extensions.Enabled=y in '/etc/waagent.conf'",
    )];
    let (signals, findings) = analyze_log(&repeated_log(&lines, 30, 10));
    assert!(signals.contains("config.extensions-disabled"), "{signals:?}");
    assert!(findings.contains("agent-config-blocks-extensions"), "{findings:?}");
}

#[test]
fn engine_reports_goal_state_processing_exceptions() {
    let t = templates_of("agent.extension-processing-exception");
    let lines: Vec<(&str, &str)> = t.iter().map(|(l, m)| (l.as_str(), m.as_str())).collect();
    let (signals, findings) = analyze_log(&repeated_log(&lines, 30, 5));
    assert!(signals.contains("agent.goal-state-broken"), "{signals:?}");
    assert!(findings.contains("agent-goal-state-failing"), "{findings:?}");
}

#[test]
fn engine_reports_a_failed_non_backup_extension() {
    let t = templates_of("ext.event-failure");
    let lines: Vec<(&str, &str)> = t.iter().map(|(l, m)| (l.as_str(), m.as_str())).collect();
    let (signals, findings) = analyze_log(&repeated_log(&lines, 30, 10));
    assert!(signals.contains("ext.failure"), "{signals:?}");
    assert!(findings.contains("extension-failed"), "{findings:?}");
}

#[test]
fn engine_tags_the_new_signals() {
    // Finding-level checks for these belong to the diagnoses; here only that the engine tags them.
    for (id, signal) in [
        ("wire.throttled", "wire.throttled"),
        ("goal-state.http-status", "goal-state.server-error"),
        ("goal-state.malformed", "goal-state.invalid"),
        ("hostplugin.channel-error", "hostplugin.failure"),
        ("agent.protocol-detection-failed", "agent.protocol-not-ready"),
        ("agent.transport-cert-failed", "agent.cert-failure"),
        ("settings.certificates-undecryptable", "settings.undecryptable"),
        ("dhcp.no-route", "dhcp.route-missing"),
        ("agent.distro-summary", "agent.os"),
    ] {
        let t = templates_of(id);
        let (level, msg) = t.last().unwrap();
        let (signals, _) = analyze_log(&repeated_log(&[(level.as_str(), msg.as_str())], 30, 10));
        assert!(signals.contains(signal), "{id}: {signals:?}");
    }
}

// ------------------------------------------------------------------------------------------------ the doc table

fn cell(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace('\n', "⏎").replace('`', "'")
}

fn generated_doc() -> String {
    let mut out = String::new();
    out.push_str("# Linux guest agent messages\n\n");
    out.push_str(
        "Generated from `src/signals/builtin/agent.toml` by `tests/agent_messages.rs` — do not edit by hand. \
         Each row is one message template: the family it belongs to, the signature that matches it, the signal \
         that signature feeds the diagnoses, the agent versions (WALinuxAgent tags) whose code writes it, its \
         log level and its text with realistic values. The wording and the version ranges were read from the \
         agent's source at each tag.\n\n",
    );
    out.push_str(
        "To add a message or a version: find the logger call in the agent's source for the tags concerned, add a \
         `[[signature.template]]` (text with realistic values, `level`, and `versions` when narrower than the \
         signature's) to the matching signature in `agent.toml` — or a new `[[signature]]` with `family`, \
         `versions` and at least one template — widen the signature's `versions` if needed, then run \
         `SNAPTRIAGE_BLESS=1 cargo test --test agent_messages` to regenerate this file. The test renders every \
         template in each log layout its versions wrote (2.0, 2.1–2.2.26, 2.2.31–2.2.45, 2.2.46, 2.2.47+, and \
         journald copies) and fails if the signature no longer fires.\n\n",
    );
    out.push_str("| family | signature | signal | versions | level | template |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    let mut sigs = agent_catalog();
    sigs.sort_by(|a, b| a.family.cmp(&b.family).then(a.id.cmp(&b.id)));
    for s in &sigs {
        for t in &s.templates {
            out.push_str(&format!(
                "| {} | `{}` | `{}` | {} | {} | {} |\n",
                cell(s.family.as_deref().unwrap_or("")),
                s.id,
                s.signal,
                cell(t.versions.as_deref().or(s.versions.as_deref()).unwrap_or("")),
                t.level.as_deref().unwrap_or(""),
                cell(&t.text)
            ));
        }
    }
    out
}

#[test]
fn doc_table_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/agent-messages.md");
    let want = generated_doc();
    if std::env::var("SNAPTRIAGE_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/agent-messages.md is stale: run `SNAPTRIAGE_BLESS=1 cargo test --test agent_messages`"
    );
}
