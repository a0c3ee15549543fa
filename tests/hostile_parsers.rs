//! Never a false all-clear: hostile member contents. Each defence is checked through `analyze_bytes` on a
//! small zip built here (no panic, a sensible inventory status with its reason, the good records around
//! the damage still read) and, where it says more, through the parser's own API.

mod common;

use std::time::{Duration, Instant};

use common::{healthy_waagent_log, wireserver_outage_log, zip_bundle};
use snaptriage::inventory::{InventoryEntry, MemberStatus};
use snaptriage::{analyze_bytes, Analysis, Options};
use snaptriage_parsers::lines::{count_lines, decode, MAX_LINE_BYTES};
use snaptriage_parsers::{ext_status, extensions_config, goal_state, waagent_log, SourceTime};

const WAAGENT: &str = "var/log/waagent.log";
const STATUS: &str =
    "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/3.status";
const HEARTBEAT: &str =
    "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/Status/HeartBeat.Json";
const HANDLER_STATE: &str =
    "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config/HandlerState";
const EVTX: &str = "Windows/System32/winevt/Logs/Application.evtx";

fn analyze_with(files: &[(&str, &[u8])], opts: &Options) -> Analysis {
    analyze_bytes("bundle.zip", zip_bundle(files), opts).expect("the bundle is analysable")
}

fn analyze(files: &[(&str, &[u8])]) -> Analysis {
    analyze_with(files, &Options::default())
}

fn entry<'a>(a: &'a Analysis, path: &str) -> &'a InventoryEntry {
    a.report.inventory.iter().find(|e| e.path == path).unwrap_or_else(|| panic!("{path} not in inventory"))
}

fn finding_ids(a: &Analysis) -> Vec<&str> {
    a.report.findings.iter().map(|f| f.id.as_str()).collect()
}

/// Records the inventory detail says were read (`N records; ...`).
fn records_in(detail: &str) -> u64 {
    detail.split(' ').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no count in {detail:?}"))
}

/// Header lines of a healthy log plus the wireserver outage: records every test can count on.
fn good_log() -> String {
    wireserver_outage_log()
}

// ---------------------------------------------------------------------------------------------------------
// Text damage.
// ---------------------------------------------------------------------------------------------------------

#[test]
fn invalid_utf8_in_a_waagent_log_is_replaced_and_every_record_read() {
    let good = good_log();
    let mut bytes = Vec::new();
    for (i, line) in good.lines().enumerate() {
        bytes.extend_from_slice(line.as_bytes());
        if i % 3 == 0 {
            // Latin-1 and stray continuation bytes, as a mis-encoded path or a binary blob leaves them.
            bytes.extend_from_slice(b" caf\xe9 \xff\xfe\x80");
        }
        bytes.push(b'\n');
    }
    let text = decode(&bytes);
    let records: Vec<_> = waagent_log::parse(&text).collect();
    assert_eq!(records.len(), good.lines().count());
    assert!(records.iter().all(|r| r.time.is_some()));
    assert!(records[0].message.ends_with("caf\u{FFFD} \u{FFFD}\u{FFFD}\u{FFFD}"), "{:?}", records[0].message);

    let a = analyze(&[(WAAGENT, &bytes)]);
    let e = entry(&a, WAAGENT);
    assert_eq!(e.status, MemberStatus::Parsed, "{e:?}");
    assert_eq!(records_in(&e.detail), records.len() as u64);
    assert!(e.detail.contains("invalid UTF-8: "), "{}", e.detail);
    assert!(finding_ids(&a).contains(&"wireserver-unreachable"), "{:?}", finding_ids(&a));
}

#[test]
fn nul_runs_mid_file_are_skipped_and_the_records_around_them_read() {
    let good = good_log();
    let lines: Vec<&str> = good.lines().collect();
    let (before, after) = lines.split_at(lines.len() / 2);
    // A crash leaves the unwritten tail of the page as NULs; the next boot's first line follows them
    // directly, with no line break in between.
    let mut bytes = before.join("\n").into_bytes();
    bytes.extend_from_slice(b"\n");
    bytes.extend(std::iter::repeat_n(0u8, 8192));
    bytes.extend_from_slice(after.join("\n").as_bytes());
    bytes.extend_from_slice(b"\n");
    let text = decode(&bytes);
    let records: Vec<_> = waagent_log::parse(&text).collect();
    assert_eq!(records.len(), lines.len(), "every header line, the one behind the NULs too");
    let behind = &records[before.len()];
    assert_eq!(behind.time, waagent_log::parse(after[0]).next().unwrap().time);
    assert!(records.iter().all(|r| r.time.is_some()));

    let a = analyze(&[(WAAGENT, &bytes)]);
    let e = entry(&a, WAAGENT);
    assert_eq!(e.status, MemberStatus::Parsed, "{e:?}");
    assert_eq!(records_in(&e.detail), lines.len() as u64);
    assert!(e.detail.contains("8192 NUL bytes"), "{}", e.detail);
    assert!(finding_ids(&a).contains(&"wireserver-unreachable"));
}

/// One 64 MiB line between good records. The limit logic is the same for a 1 GB line (it only depends on
/// [`MAX_LINE_BYTES`], 1 MiB): the parser sees and a record holds at most `MAX_LINE_BYTES` of any line, the
/// rest is only scanned for its line break; 64 MiB keeps the test fast.
#[test]
fn a_64_mib_line_is_clipped_to_the_line_limit_and_the_records_after_it_read() {
    let good = good_log();
    let lines: Vec<&str> = good.lines().collect();
    let mut text = String::with_capacity(64 << 20 | 1 << 16);
    for l in &lines[..4] {
        text.push_str(l);
        text.push('\n');
    }
    // A header whose message runs on for 64 MiB.
    text.push_str("2024-03-15T08:30:00.000000Z ERROR ExtHandler ExtHandler Event: ");
    text.extend(std::iter::repeat_n('A', 64 << 20));
    text.push('\n');
    for l in &lines[4..] {
        text.push_str(l);
        text.push('\n');
    }
    let started = Instant::now();
    let records: Vec<_> = waagent_log::parse(&text).collect();
    assert_eq!(records.len(), lines.len() + 1);
    assert!(records.iter().all(|r| r.raw.len() <= MAX_LINE_BYTES), "a record holds more than the line limit");
    let long = &records[4];
    assert_eq!(
        (long.raw.len(), long.lines, long.level),
        (MAX_LINE_BYTES, 1, snaptriage_parsers::Level::Error)
    );
    assert_eq!(records.iter().map(|r| r.lines).sum::<u32>(), count_lines(&text));
    assert!(records[5..].iter().zip(&lines[4..]).all(|(r, l)| r.raw == *l), "records after the long line");

    let bytes = text.into_bytes();
    // The repeated `A`s deflate 1000:1, which intake refuses as a zip bomb; lift that limit here.
    let limits = snaptriage::intake::Limits { max_ratio: u64::MAX, ..Default::default() };
    let opts = Options { limits, ..Options::default() };
    let a = analyze_with(&[(WAAGENT, &bytes), ("etc/waagent.conf", b"Extensions.Enabled=y\n")], &opts);
    let e = entry(&a, WAAGENT);
    assert_eq!(e.status, MemberStatus::Partial, "{e:?}");
    assert_eq!(records_in(&e.detail), lines.len() as u64 + 1);
    assert!(
        e.detail.contains("1 lines longer than 1 MiB clipped to their first 1 MiB (the first at line 5)"),
        "{}",
        e.detail
    );
    assert!(finding_ids(&a).contains(&"wireserver-unreachable"));
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
}

#[test]
fn crlf_line_endings_give_the_same_records_and_findings_as_lf() {
    let lf = good_log();
    let crlf = lf.replace('\n', "\r\n");
    let key = |text: &str| -> Vec<_> {
        waagent_log::parse(text)
            .map(|r| {
                (
                    r.line,
                    r.lines,
                    r.time,
                    r.level,
                    r.thread.map(str::to_string),
                    r.prefix.map(str::to_string),
                    r.message.to_string(),
                )
            })
            .collect()
    };
    assert_eq!(key(&lf), key(&crlf));
    let (a, b) = (analyze(&[(WAAGENT, lf.as_bytes())]), analyze(&[(WAAGENT, crlf.as_bytes())]));
    assert_eq!(entry(&a, WAAGENT).detail, entry(&b, WAAGENT).detail);
    assert_eq!(entry(&b, WAAGENT).status, MemberStatus::Parsed);
    assert_eq!(finding_ids(&a), finding_ids(&b));
    let evidence = |x: &Analysis| -> Vec<(Option<u32>, String)> {
        x.report.findings.iter().flat_map(|f| f.evidence.iter().map(|e| (e.line, e.text.clone()))).collect()
    };
    assert_eq!(evidence(&a), evidence(&b));
}

#[test]
fn a_log_cut_mid_record_keeps_its_last_record_and_is_partial() {
    let good = good_log();
    let cut_at = good.trim_end().len() - 40;
    let cut = &good[..cut_at];
    let records: Vec<_> = waagent_log::parse(cut).collect();
    assert_eq!(records.len(), good.lines().count(), "the cut record is still a record");
    let last = records.last().unwrap();
    assert!(last.time.is_some() && good.lines().last().unwrap().starts_with(last.raw), "{last:?}");

    let a = analyze(&[(WAAGENT, cut.as_bytes())]);
    let e = entry(&a, WAAGENT);
    assert_eq!(e.status, MemberStatus::Partial, "{e:?}");
    assert!(e.detail.contains("ends mid-line"), "{}", e.detail);
    assert_eq!(records_in(&e.detail), records.len() as u64);
    assert!(finding_ids(&a).contains(&"wireserver-unreachable"));
    assert!(
        a.report.coverage.summary.contains("partial") || a.report.coverage.summary.contains("1 "),
        "{}",
        a.report.coverage.summary
    );
}

// ---------------------------------------------------------------------------------------------------------
// XML: entity expansion, deep nesting.
// ---------------------------------------------------------------------------------------------------------

/// "Billion laughs": ten levels of entities each expanding to ten of the one below.
fn billion_laughs(root: &str, inner: &str) -> String {
    let mut doc = format!("<?xml version=\"1.0\"?>\n<!DOCTYPE {root} [\n<!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
        let body: String = (0..10).map(|_| format!("&{prev};")).collect();
        doc.push_str(&format!("<!ENTITY lol{i} \"{body}\">\n"));
    }
    doc.push_str(&format!("]>\n<{root}>{inner}</{root}>\n"));
    doc
}

fn deep(root: &str, depth: usize) -> String {
    format!("<{root}>{}{}</{root}>", "<a>".repeat(depth), "</a>".repeat(depth))
}

#[test]
fn xml_entity_expansion_is_never_expanded_and_deep_nesting_is_refused() {
    let started = Instant::now();
    // Custom entities stay as written (quick-xml does not expand DTD entities): bounded, no blow-up.
    let gs = billion_laughs("GoalState", "<Version>2012-11-30</Version><Incarnation>7</Incarnation><Machine><ExpectedState>&lol9;</ExpectedState></Machine>");
    match goal_state::parse(gs.as_bytes()) {
        Ok(goal_state::GoalStateFile::GoalState(state)) => assert_eq!(state.incarnation, Some(7)),
        Ok(other) => panic!("{other:?}"),
        Err(e) => assert!(!e.message.is_empty()),
    }
    let ec = billion_laughs(
        "Extensions",
        "<Plugins><Plugin name=\"&lol9;\" version=\"1.0\" state=\"enabled\"/></Plugins>",
    );
    match extensions_config::parse(ec.as_bytes()) {
        Ok(config) => {
            let name = config.plugins[0].name.as_deref().unwrap_or("");
            assert!(name.len() < 100, "an entity was expanded: {} bytes", name.len());
        }
        Err(e) => assert!(!e.message.is_empty()),
    }
    let he = billion_laughs("HostingEnvironmentConfig", "<Deployment name=\"&lol9;\"/>");
    let _ = goal_state::parse_hosting_environment(he.as_bytes());
    for (root, parse) in [
        (
            "GoalState",
            (|b| goal_state::parse(b).map(|_| ())) as fn(&[u8]) -> Result<(), snaptriage_parsers::ParseError>,
        ),
        ("Extensions", |b| extensions_config::parse(b).map(|_| ())),
        ("HostingEnvironmentConfig", |b| goal_state::parse_hosting_environment(b).map(|_| ())),
    ] {
        let err = parse(deep(root, 10_000).as_bytes()).expect_err(root);
        assert!(err.message.contains("nested too deeply"), "{root}: {err}");
    }

    let (gs_deep, ec_deep, he_deep) =
        (deep("GoalState", 10_000), deep("Extensions", 10_000), deep("HostingEnvironmentConfig", 10_000));
    let a = analyze(&[
        ("var/lib/waagent/GoalState.7.xml", gs.as_bytes()),
        ("var/lib/waagent/ExtensionsConfig.7.xml", ec.as_bytes()),
        ("var/lib/waagent/HostingEnvironmentConfig.xml", he.as_bytes()),
        ("var/lib/waagent/GoalState.8.xml", gs_deep.as_bytes()),
        ("var/lib/waagent/ExtensionsConfig.8.xml", ec_deep.as_bytes()),
        ("nested/HostingEnvironmentConfig.xml", he_deep.as_bytes()),
        (WAAGENT, healthy_waagent_log().as_bytes()),
    ]);
    for path in ["var/lib/waagent/GoalState.8.xml", "var/lib/waagent/ExtensionsConfig.8.xml"] {
        let e = entry(&a, path);
        assert_eq!(e.status, MemberStatus::Failed, "{e:?}");
        assert!(e.detail.contains("nested too deeply"), "{e:?}");
    }
    for path in [
        "var/lib/waagent/GoalState.7.xml",
        "var/lib/waagent/ExtensionsConfig.7.xml",
        "var/lib/waagent/HostingEnvironmentConfig.xml",
    ] {
        let e = entry(&a, path);
        assert!(e.status == MemberStatus::Parsed || !e.detail.is_empty(), "{e:?}");
        assert!(e.detail.len() < 1000, "{e:?}");
    }
    assert_eq!(entry(&a, WAAGENT).status, MemberStatus::Parsed);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------------------------
// JSON: huge numbers, deep nesting.
// ---------------------------------------------------------------------------------------------------------

fn status_with_code(code: &str) -> String {
    format!(
        r#"[{{"version":1.0,"timestampUTC":"2024-03-15T19:30:00Z","status":{{"name":"VMSnapshot","operation":"Enable","status":"error","code":{code},"formattedMessage":{{"lang":"en-US","message":"x"}}}}}}]"#
    )
}

#[test]
fn json_huge_numbers_and_deep_nesting_fail_cleanly_with_a_reason() {
    let digits = "9".repeat(500);
    for code in ["1e999999", digits.as_str(), "-1e999999"] {
        let text = status_with_code(code);
        match ext_status::parse(text.as_bytes()) {
            Ok(status) => assert_eq!(status.code.value(), None, "{code}"),
            Err(e) => assert!(!e.message.is_empty()),
        }
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    for text in [&deep, &deep_obj] {
        let err = ext_status::parse(text.as_bytes()).expect_err("too deep");
        assert!(err.message.contains("recursion limit"), "{err}");
        let err = ext_status::parse_heartbeat(text.as_bytes()).expect_err("too deep");
        assert!(err.message.contains("recursion limit"), "{err}");
    }

    let (inf, big) = (status_with_code("1e999999"), status_with_code(&digits));
    let heartbeat =
        format!(r#"[{{"version":1.0,"heartbeat":{{"status":"ready","code":{digits},"Message":"ok"}}}}]"#);
    let a = analyze(&[
        (STATUS, inf.as_bytes()),
        (
            "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/4.status",
            big.as_bytes(),
        ),
        (
            "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/5.status",
            deep.as_bytes(),
        ),
        (HEARTBEAT, deep_obj.as_bytes()),
        (
            "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.93.0/Status/HeartBeat.Json",
            heartbeat.as_bytes(),
        ),
        (HANDLER_STATE, deep.as_bytes()),
        (WAAGENT, healthy_waagent_log().as_bytes()),
    ]);
    for path in [
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/5.status",
        HEARTBEAT,
    ] {
        let e = entry(&a, path);
        assert_eq!(e.status, MemberStatus::Failed, "{e:?}");
        assert!(e.detail.contains("recursion limit"), "{e:?}");
    }
    for path in [
        STATUS,
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/4.status",
    ] {
        let e = entry(&a, path);
        assert!(matches!(e.status, MemberStatus::Parsed | MemberStatus::Failed), "{e:?}");
        assert!(!e.detail.is_empty() && e.detail.len() < 1000, "{e:?}");
    }
    // A handler state file holds one word: 20,000 brackets are no state, and say so briefly.
    let hs = entry(&a, HANDLER_STATE);
    assert_eq!(hs.status, MemberStatus::Failed, "{hs:?}");
    assert!(hs.detail.len() < 200, "{hs:?}");
    assert_eq!(entry(&a, WAAGENT).status, MemberStatus::Parsed);
}

// ---------------------------------------------------------------------------------------------------------
// EVTX: corrupt chunks, FILETIME overflow.
// ---------------------------------------------------------------------------------------------------------

fn events(n: usize) -> Vec<snaptriage_fixtures::evtx::EventSpec> {
    use chrono::TimeZone;
    let t0 = chrono::Utc.with_ymd_and_hms(2024, 3, 14, 21, 30, 2).unwrap();
    (0..n)
        .map(|i| {
            snaptriage_fixtures::evtx::EventSpec::new(
                "Application Error",
                1000,
                "Application",
                "VM01",
                t0 + chrono::TimeDelta::seconds(i as i64),
            )
            .positional(vec![
                "IaaSBcdrExtension.exe",
                "1.0.0.0",
                "5215d570",
                "ntdll.dll",
                "c0000005",
            ])
        })
        .collect()
}

const CHUNK: usize = 65_536;
const FILE_HEADER: usize = 4096;

#[test]
fn corrupt_evtx_chunks_are_read_around() {
    use snaptriage_parsers::evtx_log::{read_evtx, EvtxLimits, EvtxOutcome};
    let clean = snaptriage_fixtures::evtx::write_evtx(&events(3_000));
    let chunks = (clean.len() - FILE_HEADER) / CHUNK;
    assert!(chunks >= 3, "{chunks}");
    let keep = |_: &str, _: u32| true;
    let all = read_evtx(&clean, &keep, &EvtxLimits::default());
    assert_eq!((all.records_seen, &all.outcome), (3_000, &EvtxOutcome::Complete));

    // Flip every byte of a 4 KiB stretch in the middle of chunk 1's records.
    let mut bytes = clean.clone();
    let at = FILE_HEADER + CHUNK + CHUNK / 2;
    bytes[at..at + 4096].iter_mut().for_each(|b| *b ^= 0xA5);
    // And wreck chunk 2's header outright.
    let c2 = FILE_HEADER + 2 * CHUNK;
    bytes[c2..c2 + 128].iter_mut().for_each(|b| *b = b.wrapping_mul(31).wrapping_add(7));
    let scan = read_evtx(&bytes, &keep, &EvtxLimits::default());
    assert!(matches!(scan.outcome, EvtxOutcome::Partial(_)), "{:?}", scan.outcome);
    assert!(scan.errors_total >= 1);
    let ids: Vec<u64> = scan.events.iter().map(|e| e.record_id).collect();
    let in_chunk_0 = all.events.iter().take_while(|e| e.record_id <= ids[0].max(1)).count();
    assert!(in_chunk_0 >= 1 && ids.starts_with(&[1, 2, 3]), "records of the clean chunk 0 are read");
    assert!(ids.iter().any(|&i| i > 2_900), "records past the damage are read: last {:?}", ids.last());
    assert!(scan.records_seen > 2_000, "{}", scan.records_seen);

    let a = analyze(&[(EVTX, &bytes)]);
    let e = entry(&a, EVTX);
    assert_eq!(e.status, MemberStatus::Partial, "{e:?}");
    assert!(e.detail.contains("problem"), "{e:?}");
}

// ---------------------------------------------------------------------------------------------------------
// Timestamps out of range.
// ---------------------------------------------------------------------------------------------------------

#[test]
fn timestamps_out_of_range_keep_their_records_with_no_time() {
    let good = healthy_waagent_log();
    let bad = [
        "0000-01-01T00:00:00.000000Z ERROR ExtHandler ExtHandler year zero",
        "9999-12-31T23:59:59.999999Z ERROR ExtHandler ExtHandler year 9999",
        "2024-13-01T00:00:00.000000Z ERROR ExtHandler ExtHandler month 13",
        "2024-02-30T00:00:00.000000Z ERROR ExtHandler ExtHandler February 30",
        "2024/02/30 10:00:00.000000 ERROR Daemon February 30, local",
        "0000/00/00 00:00:00 ERROR:the 2.0 layout, all zeros",
    ];
    let mut text = good.clone();
    for b in bad {
        text.push_str(b);
        text.push('\n');
    }
    text.push_str("2024-03-15T20:00:00.000000Z INFO ExtHandler ExtHandler after\n");
    let records: Vec<_> = waagent_log::parse(&text).collect();
    assert_eq!(records.len(), good.lines().count() + bad.len() + 1);
    let tail = &records[good.lines().count()..];
    for (r, b) in tail.iter().zip(bad) {
        assert_eq!((r.raw, r.time, r.level), (b, None, snaptriage_parsers::Level::Error), "{b}");
    }
    assert!(tail.last().unwrap().time.is_some());

    let a = analyze(&[(WAAGENT, text.as_bytes())]);
    let e = entry(&a, WAAGENT);
    assert_eq!(e.status, MemberStatus::Parsed, "{e:?}");
    assert_eq!(records_in(&e.detail), records.len() as u64);
    let clock = a.report.facts.sources.iter().find(|s| s.path == WAAGENT).expect("a clock for the log");
    let (first, last) = (clock.first.as_deref().unwrap(), clock.last.as_deref().unwrap());
    assert!(first.starts_with("2024-03-15") && last.starts_with("2024-03-15T20:00"), "{first} → {last}");
}

/// An EVTX whose record 2 has `filetime` in its header and an impossible `SystemTime` text.
fn evtx_with_bad_time(filetime: u64) -> Vec<u8> {
    let mut bytes = snaptriage_fixtures::evtx::write_evtx(&events(4));
    let rec = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == [0x2a, 0x2a, 0, 0])
        .map(|(i, _)| i)
        .nth(1)
        .unwrap();
    bytes[rec + 16..rec + 24].copy_from_slice(&filetime.to_le_bytes());
    let stamp: Vec<u8> = "2024-03-14T21:30:03".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let bogus: Vec<u8> = "0000-13-45T99:99:99".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let at = bytes.windows(stamp.len()).position(|w| w == stamp).expect("record 2's SystemTime");
    bytes[at..at + bogus.len()].copy_from_slice(&bogus);
    bytes
}

#[test]
fn evtx_times_out_of_range_keep_the_record_with_no_time() {
    use snaptriage_parsers::evtx_log::{read_evtx, EvtxLimits};
    // FILETIME 0 is 1601-01-01 and 441.5e15 is in the year 2999: both outside the plausible years, so with
    // the impossible SystemTime the record is kept with no time.
    for filetime in [0, 441_500_000_000_000_000] {
        let bytes = evtx_with_bad_time(filetime);
        let scan = read_evtx(&bytes, &|_, _| true, &EvtxLimits::default());
        let times: Vec<(u64, Option<SourceTime>)> =
            scan.events.iter().map(|e| (e.record_id, e.time)).collect();
        assert_eq!(times.len(), 4, "{filetime:#x}: {times:?} {:?}", scan.errors);
        assert_eq!(times[1], (2, None));
        assert!(times.iter().filter(|(id, _)| *id != 2).all(|(_, t)| t.is_some()));
        let a = analyze(&[(EVTX, &bytes)]);
        let e = entry(&a, EVTX);
        assert!(matches!(e.status, MemberStatus::Parsed | MemberStatus::Partial), "{e:?}");
        assert!(e.detail.contains("4 records"), "{e:?}");
    }
    // A FILETIME past what the `evtx` crate can represent makes the crate refuse the record's header:
    // that record is reported as a problem with its reason, the others are kept, nothing panics.
    let bytes = evtx_with_bad_time(u64::MAX);
    let scan = read_evtx(&bytes, &|_, _| true, &EvtxLimits::default());
    let ids: Vec<u64> = scan.events.iter().map(|e| e.record_id).collect();
    assert_eq!(ids, [1, 3, 4]);
    assert!(scan.errors.iter().any(|e| e.contains("out of range")), "{:?}", scan.errors);
    let a = analyze(&[(EVTX, &bytes)]);
    let e = entry(&a, EVTX);
    assert_eq!(e.status, MemberStatus::Partial, "{e:?}");
    assert!(e.detail.contains("2 problem(s)") && e.detail.contains("3 records"), "{e:?}");
}

// ---------------------------------------------------------------------------------------------------------
// The per-member watchdog.
// ---------------------------------------------------------------------------------------------------------

/// `time budget of N s spent after M of K bytes / R records`: (N, M, K, R).
fn budget_parts(detail: &str) -> (String, u64, u64, u64) {
    let rest = detail.strip_prefix("time budget of ").unwrap_or_else(|| panic!("{detail}"));
    let (n, rest) = rest.split_once(" s spent after ").unwrap();
    let (m, rest) = rest.split_once(" of ").unwrap();
    let (k, rest) = rest.split_once(" bytes / ").unwrap();
    let r = rest.split(' ').next().unwrap();
    (n.to_string(), m.parse().unwrap(), k.parse().unwrap(), r.parse().unwrap())
}

#[test]
fn a_member_over_its_time_budget_fails_saying_how_far_it_got_and_the_run_goes_on() {
    // ~200,000 records (about 25 MB): far more than a 2 ms budget lets a debug build read.
    let mut log = healthy_waagent_log();
    for i in 0..200_000u32 {
        log.push_str(&format!(
            "2024-03-15T20:{:02}:{:02}.000000Z INFO ExtHandler ExtHandler [PERIODIC] routine line {i}\n",
            (i / 60) % 60,
            i % 60
        ));
    }
    let opts = Options { member_budget: Some(Duration::from_millis(2)), ..Options::default() };
    let evtx = snaptriage_fixtures::evtx::write_evtx(&events(3_000));
    let conf: &[u8] = b"Extensions.Enabled=y\n";
    let a = analyze_with(&[(WAAGENT, log.as_bytes()), (EVTX, &evtx), ("etc/waagent.conf", conf)], &opts);
    assert_eq!(a.report.inventory.len(), 3, "every member accounted for");
    let e = entry(&a, WAAGENT);
    assert_eq!(e.status, MemberStatus::Failed, "{e:?}");
    let (n, m, k, r) = budget_parts(&e.detail);
    assert_eq!((n.as_str(), k), ("0.002", log.len() as u64), "{}", e.detail);
    assert!(m < k && r < 200_000, "{}", e.detail);
    assert!(e.detail.contains("(the records before were analysed)"), "{}", e.detail);

    // The event log is stopped by the same budget, and says so in the same words.
    let ev = entry(&a, EVTX);
    assert_eq!(ev.status, MemberStatus::Failed, "{ev:?}");
    let (n, m, k, r) = budget_parts(&ev.detail);
    assert_eq!((n.as_str(), k), ("0.002", evtx.len() as u64), "{}", ev.detail);
    assert!(m < k && r < 3_000, "{}", ev.detail);

    // A small member read within the budget is untouched, and the default budget reads everything.
    assert_eq!(entry(&a, "etc/waagent.conf").status, MemberStatus::Parsed);
    let full = analyze(&[(EVTX, &evtx)]);
    assert_eq!(entry(&full, EVTX).status, MemberStatus::Parsed, "{:?}", entry(&full, EVTX));
    assert!(!a.report.coverage.summary.is_empty());
}
