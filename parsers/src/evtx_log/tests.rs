use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;
use snaptriage_fixtures::evtx::{write_evtx, EventData, EventSpec};

use evtx::EvtxParser;

use super::*;
use crate::test_support::utc_time;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/evtx");
const FILE_HEADER: usize = 4096;
const CHUNK: usize = 65_536;
const CHUNK_HEADER: usize = 512;

fn keep_all(_: &str, _: u32) -> bool {
    true
}

fn no_limits() -> EvtxLimits {
    EvtxLimits::default()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 14, 21, 30, 2).unwrap() + TimeDelta::microseconds(123_456)
}

/// The Windows events a backup triage looks for, one of each payload layout.
fn samples() -> Vec<EventSpec> {
    let app_error = EventSpec {
        qualifiers: Some(0),
        level: 2,
        task: 100,
        ..EventSpec::new("Application Error", 1000, "Application", "CITADEL-DC01.C137.local", t0())
    }
    .positional(vec![
        "IaaSBcdrExtension.exe",
        "1.0.0.0",
        "5215d570",
        "KERNELBASE.dll",
        "",
        "00000000",
        "e0434352",
    ]);
    let app_error_named =
        EventSpec { level: 2, ..EventSpec::new("Application Error", 1000, "Application", "vm", t0()) }.named(
            vec![
                ("AppName", "WindowsAzureGuestAgent.exe"),
                ("AppVersion", "2.7.41491.1102"),
                ("ExceptionCode", "e0434352"),
            ],
        );
    let scm = EventSpec {
        provider_guid: Some("{555908d1-a6d7-4695-8e1e-26931d2012f4}".into()),
        event_source_name: Some("Service Control Manager".into()),
        qualifiers: Some(49152),
        level: 2,
        keywords: 0x8080_0000_0000_0000,
        execution: Some((644, 2624)),
        binary: Some("WdNisSvc\0".encode_utf16().flat_map(u16::to_le_bytes).collect()),
        ..EventSpec::new("Service Control Manager", 7031, "System", "DESKTOP-23PS6ES", t0())
    }
    .named(vec![
        ("param1", "Windows Azure Guest Agent"),
        ("param2", "1"),
        ("param3", "60000"),
        ("param4", "1"),
        ("param5", "Restart the service"),
    ]);
    let defender = EventSpec {
        provider_guid: Some("{11cd958a-c507-4ef3-b3f2-5fd9dfbd2c78}".into()),
        level: 3,
        execution: Some((2056, 2312)),
        user_id: Some("S-1-5-18".into()),
        ..EventSpec::new(
            "Microsoft-Windows-Windows Defender",
            1116,
            "Microsoft-Windows-Windows Defender/Operational",
            "web01",
            t0(),
        )
    }
    .named(vec![
        ("Threat Name", "Trojan:JS/X"),
        ("Unused", ""),
        ("Path", "file:_C:\\Packages\\Plugins\\jörg & <co>\\IaaSBcdrExtension.exe"),
    ]);
    let mut applocker = EventSpec::new(
        "Microsoft-Windows-AppLocker",
        8004,
        "Microsoft-Windows-AppLocker/EXE and DLL",
        "web01",
        t0() + TimeDelta::seconds(1),
    );
    applocker.level = 2;
    applocker.data = EventData::UserData {
        element: "RuleAndFileData".into(),
        namespace: Some("http://schemas.microsoft.com/schemas/event/Microsoft.Windows/1.0.0.0".into()),
        fields: vec![
            ("PolicyName".into(), "EXE".into()),
            ("FilePath".into(), "%SYSTEM32%\\..\\PACKAGES\\IAASBCDREXTENSION.EXE".into()),
        ],
    };
    let dotnet = EventSpec { level: 2, ..EventSpec::new(".NET Runtime", 1026, "Application", "h", t0()) }
        .positional(vec![
            "Application: WindowsAzureGuestAgent.exe\r\nFramework Version: v4.0.30319\n\tat X()",
        ]);
    let vss = EventSpec {
        binary: Some(b"- Code: WRTWRTIC00004930- Call: WRTWRTIC00004916".to_vec()),
        ..EventSpec::new("VSS", 8193, "Application", "h", t0())
    }
    .positional(vec!["CoCreateInstance", "0x8007045b, A system shutdown is in progress.\n", ""]);
    let bare = EventSpec::new("EventLog", 6005, "System", "h", t0());
    vec![app_error, app_error_named, scm, defender, applocker, dotnet, vss, bare]
}

fn sample_file() -> &'static [u8] {
    static FILE: OnceLock<Vec<u8>> = OnceLock::new();
    FILE.get_or_init(|| write_evtx(&samples()))
}

/// `n` events cycling through the samples, one second apart.
fn many(n: usize) -> Vec<EventSpec> {
    let base = samples();
    (0..n)
        .map(|i| EventSpec { time: t0() + TimeDelta::seconds(i as i64), ..base[i % base.len()].clone() })
        .collect()
}

fn named(pairs: &[(&str, &str)]) -> Vec<(Option<String>, String)> {
    pairs.iter().map(|(k, v)| (Some(k.to_string()), v.to_string())).collect()
}

fn positional(values: &[&str]) -> Vec<(Option<String>, String)> {
    values.iter().map(|v| (None, v.to_string())).collect()
}

fn ids(scan: &EvtxScan) -> Vec<(String, u32)> {
    scan.events.iter().map(|e| (e.provider.clone(), e.event_id)).collect()
}

#[test]
fn every_system_value_and_payload_layout_is_read() {
    let scan = read_evtx(sample_file(), &keep_all, &no_limits());
    assert_eq!(scan.outcome, EvtxOutcome::Complete);
    assert_eq!((scan.records_seen, scan.records_kept, scan.chunks, scan.errors_total), (8, 8, 1, 0));
    let e = &scan.events[0];
    assert_eq!(
        *e,
        WinEvent {
            record_id: 1,
            time: Some(utc_time("2024-03-14 21:30:02.123456")),
            provider: "Application Error".into(),
            event_source_name: None,
            event_id: 1000,
            qualifiers: Some(0),
            level: Some(2),
            channel: Some("Application".into()),
            computer: Some("CITADEL-DC01.C137.local".into()),
            data: positional(&[
                "IaaSBcdrExtension.exe",
                "1.0.0.0",
                "5215d570",
                "KERNELBASE.dll",
                "",
                "00000000",
                "e0434352"
            ]),
            binary: None,
        }
    );
    let scm = &scan.events[2];
    assert_eq!(
        (scm.record_id, scm.event_source_name.as_deref(), scm.qualifiers, scm.binary.as_deref()),
        (3, Some("Service Control Manager"), Some(49152), Some("570064004E00690073005300760063000000"))
    );
    assert_eq!(scm.binary_text().as_deref(), Some("WdNisSvc"));
    assert_eq!(scm.field("PARAM1"), Some("Windows Azure Guest Agent"));
    let defender = &scan.events[3];
    assert_eq!(
        defender.field("path"),
        Some("file:_C:\\Packages\\Plugins\\jörg & <co>\\IaaSBcdrExtension.exe")
    );
    assert_eq!(defender.field("Unused"), Some(""));
    assert_eq!(defender.level, Some(3));
    let applocker = &scan.events[4];
    assert_eq!(
        applocker.data,
        named(&[("PolicyName", "EXE"), ("FilePath", "%SYSTEM32%\\..\\PACKAGES\\IAASBCDREXTENSION.EXE")])
    );
    assert_eq!(applocker.time, Some(utc_time("2024-03-14 21:30:03.123456")));
    let bare = &scan.events[7];
    assert_eq!((bare.data.len(), bare.binary.as_ref(), bare.level), (0, None, Some(4)));
}

#[test]
fn positional_reads_both_application_error_layouts() {
    let scan = read_evtx(sample_file(), &|p, id| p == "Application Error" && id == 1000, &no_limits());
    let apps: Vec<_> = scan.events.iter().map(|e| e.positional(0)).collect();
    assert_eq!(apps, [Some("IaaSBcdrExtension.exe"), Some("WindowsAzureGuestAgent.exe")]);
    assert_eq!(scan.events[1].field("appname"), Some("WindowsAzureGuestAgent.exe"));
    assert_eq!(scan.events[0].field("AppName"), None, "positional values have no names");
    assert_eq!(scan.events[0].positional(7), None);
}

#[test]
fn event_text_is_one_line_of_named_and_numbered_values() {
    let scan = read_evtx(sample_file(), &keep_all, &no_limits());
    let texts: Vec<String> = scan.events.iter().map(event_text).collect();
    assert_eq!(
        texts[0],
        "Application Error 1000 level=error | #0=IaaSBcdrExtension.exe | #1=1.0.0.0 | #2=5215d570 | \
         #3=KERNELBASE.dll | #4= | #5=00000000 | #6=e0434352"
    );
    assert_eq!(
        texts[1],
        "Application Error 1000 level=error | AppName=WindowsAzureGuestAgent.exe | AppVersion=2.7.41491.1102 | \
         ExceptionCode=e0434352"
    );
    // The event source name equals the provider, so it is left out; the binary is its UTF-16 text.
    assert_eq!(
        texts[2],
        "Service Control Manager 7031 level=error | param1=Windows Azure Guest Agent | param2=1 | \
         param3=60000 | param4=1 | param5=Restart the service | Binary=WdNisSvc"
    );
    assert_eq!(
        texts[4],
        "Microsoft-Windows-AppLocker 8004 level=error | PolicyName=EXE | \
         FilePath=%SYSTEM32%\\..\\PACKAGES\\IAASBCDREXTENSION.EXE"
    );
    assert_eq!(
        texts[5],
        ".NET Runtime 1026 level=error | \
         #0=Application: WindowsAzureGuestAgent.exe Framework Version: v4.0.30319 at X()"
    );
    assert_eq!(
        texts[6],
        "VSS 8193 level=info | #0=CoCreateInstance | #1=0x8007045b, A system shutdown is in progress. | #2= | \
         Binary=- Code: WRTWRTIC00004930- Call: WRTWRTIC00004916"
    );
    assert_eq!(texts[7], "EventLog 6005 level=info");
    assert!(texts.iter().all(|t| !t.contains('\n')));
}

#[test]
fn source_name_shows_when_it_differs_from_the_provider() {
    let spec = EventSpec {
        event_source_name: Some("EventSystem".into()),
        level: 0,
        ..EventSpec::new("Microsoft-Windows-EventSystem", 4609, "Application", "h", t0())
    };
    let scan = read_evtx(&write_evtx(&[spec]), &keep_all, &no_limits());
    assert_eq!(event_text(&scan.events[0]), "Microsoft-Windows-EventSystem 4609 level=info (EventSystem)");
    assert_eq!(level_word(None), "none");
    assert_eq!([1, 5].map(|l| level_word(Some(l))), ["critical", "verbose"]);
}

#[test]
fn filter_decides_before_rendering() {
    let calls = Mutex::new(Vec::new());
    let keep = |provider: &str, id: u32| {
        calls.lock().unwrap().push((provider.to_string(), id));
        provider == "Microsoft-Windows-Windows Defender" && id == 1116
    };
    let scanner = scan(sample_file(), &Predicate(&keep), &no_limits(), Mode::Decode);
    assert_eq!((scanner.records_seen, scanner.stats.decoded), (8, 1), "only the kept record is decoded");
    assert_eq!(scanner.stats.rendered, 0, "nothing is rendered to XML");
    assert_eq!(calls.lock().unwrap().len(), 8, "keep is asked once per record");
    assert_eq!(calls.lock().unwrap()[5], (".NET Runtime".to_string(), 1026));
    let scan = scanner.finish();
    assert_eq!(ids(&scan), [("Microsoft-Windows-Windows Defender".to_string(), 1116)]);
    assert_eq!((scan.records_kept, scan.outcome), (1, EvtxOutcome::Complete));
}

#[test]
fn deadline_in_the_past_stops_at_once_saying_how_far_it_got() {
    let limits = EvtxLimits { deadline: Some(Instant::now() - Duration::from_millis(1)), max_records: None };
    let scan = read_evtx(sample_file(), &keep_all, &limits);
    assert_eq!(scan.outcome, EvtxOutcome::DeadlinePassed { at_byte: FILE_HEADER as u64, records: 0 });
    assert_eq!((scan.records_seen, scan.events.len()), (0, 0));
    let later = EvtxLimits { deadline: Some(Instant::now() + Duration::from_secs(600)), max_records: None };
    assert_eq!(read_evtx(sample_file(), &keep_all, &later).outcome, EvtxOutcome::Complete);
}

#[test]
fn record_limit_stops_cleanly() {
    let limits = EvtxLimits { deadline: None, max_records: Some(3) };
    let scan = read_evtx(sample_file(), &keep_all, &limits);
    assert_eq!(scan.outcome, EvtxOutcome::Partial("stopped at the limit of 3 records".into()));
    assert_eq!(scan.events.iter().map(|e| e.record_id).collect::<Vec<_>>(), [1, 2, 3]);
    let exact = EvtxLimits { deadline: None, max_records: Some(8) };
    // Reaching the limit on the last record still stops before looking for more.
    assert!(matches!(read_evtx(sample_file(), &keep_all, &exact).outcome, EvtxOutcome::Partial(_)));
}

#[test]
fn multi_chunk_logs_are_read_in_order() {
    let bytes = write_evtx(&many(3_000));
    let chunks = (bytes.len() - FILE_HEADER) / CHUNK;
    assert!(chunks >= 3, "{chunks}");
    let scan = read_evtx(&bytes, &|_, id| id == 7031, &no_limits());
    assert_eq!(scan.outcome, EvtxOutcome::Complete);
    assert_eq!((scan.records_seen, scan.chunks), (3_000, chunks as u64));
    let record_ids: Vec<u64> = scan.events.iter().map(|e| e.record_id).collect();
    assert_eq!(record_ids.len(), 375);
    assert!(record_ids.windows(2).all(|w| w[1] == w[0] + 8), "{record_ids:?}");
}

#[test]
fn empty_log_is_complete() {
    let scan = read_evtx(&write_evtx(&[]), &keep_all, &no_limits());
    assert_eq!((scan.outcome, scan.records_seen, scan.chunks), (EvtxOutcome::Complete, 0, 0));
}

#[test]
fn other_files_fail_with_a_reason() {
    let mut zeros = vec![0u8; FILE_HEADER + CHUNK];
    for bytes in [&b""[..], b"MZ\x90\0 this is a PE file", &zeros, &sample_file()[..100]] {
        let scan = read_evtx(bytes, &keep_all, &no_limits());
        match &scan.outcome {
            EvtxOutcome::Failed(reason) => {
                assert!(reason.starts_with("not a readable EVTX file: "), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(scan.records_seen, 0);
    }
    // A valid header whose only chunk is unreadable: nothing could be read.
    zeros[..FILE_HEADER].copy_from_slice(&sample_file()[..FILE_HEADER]);
    zeros[FILE_HEADER..FILE_HEADER + 8].copy_from_slice(b"ElfChnkX");
    let scan = read_evtx(&zeros, &keep_all, &no_limits());
    match &scan.outcome {
        EvtxOutcome::Failed(reason) => {
            assert!(reason.starts_with("no readable chunk: Failed to parse chunk number 0"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

/// Offset of chunk `n`'s header in the file.
fn chunk_at(n: usize) -> usize {
    FILE_HEADER + n * CHUNK
}

#[test]
fn a_chunk_with_a_bad_magic_is_carved_for_its_records() {
    let mut bytes = write_evtx(&many(3_000));
    let first = u64::from_le_bytes(bytes[chunk_at(1) + 24..chunk_at(1) + 32].try_into().unwrap());
    let last = u64::from_le_bytes(bytes[chunk_at(1) + 32..chunk_at(1) + 40].try_into().unwrap());
    let in_chunk_1 = last - first + 1;
    bytes[chunk_at(1)..chunk_at(1) + 8].copy_from_slice(b"BADMAGIC");
    let scan = read_evtx(&bytes, &keep_all, &no_limits());
    assert_eq!(scan.records_seen, 3_000);
    assert!(scan.events.iter().map(|e| e.record_id).eq(1..=3_000), "every record, in order");
    assert_eq!(scan.errors.len(), 1, "{:?}", scan.errors);
    let error = &scan.errors[0];
    assert!(error.starts_with("Failed to parse chunk number 1: "), "{error}");
    assert!(error.ends_with(&format!(" ({in_chunk_1} records recovered by carving)")), "{error}");
    match &scan.outcome {
        EvtxOutcome::Partial(reason) => {
            assert!(reason.starts_with("1 problem(s), the first: Failed to parse chunk number 1"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // With the whole chunk header wiped, the records are still found.
    bytes[chunk_at(1)..chunk_at(1) + CHUNK_HEADER].fill(0);
    bytes[chunk_at(1)] = b'X';
    let scan = read_evtx(&bytes, &|_, id| id == 1000, &no_limits());
    assert_eq!(scan.records_seen, 3_000);
    assert_eq!(scan.records_kept, 750);
}

#[test]
fn a_crc_mismatch_is_reported_and_its_records_still_read() {
    let mut bytes = sample_file().to_vec();
    // Change one letter of a value inside the first record: the data CRC no longer matches.
    let needle: Vec<u8> = "IaaSBcdrExtension.exe".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let at = bytes.windows(needle.len()).position(|w| w == needle).unwrap();
    bytes[at] = b'J';
    let scan = read_evtx(&bytes, &keep_all, &no_limits());
    assert_eq!(scan.records_seen, 8);
    assert_eq!(scan.events[0].positional(0), Some("JaaSBcdrExtension.exe"));
    assert_eq!(scan.errors, ["chunk 0: record data CRC32 mismatch (records read anyway)"]);
    assert!(matches!(scan.outcome, EvtxOutcome::Partial(_)));
    // A damaged chunk header is reported the same way.
    let mut bytes = sample_file().to_vec();
    bytes[chunk_at(0) + 200] ^= 0xff;
    let scan = read_evtx(&bytes, &keep_all, &no_limits());
    assert_eq!(scan.errors, ["chunk 0: header CRC32 mismatch (records read anyway)"]);
    assert_eq!(scan.records_seen, 8);
}

#[test]
fn a_zero_size_record_is_reported_and_the_walk_resyncs() {
    let mut bytes = sample_file().to_vec();
    let first = chunk_at(0) + CHUNK_HEADER;
    let first_size = u32::from_le_bytes(bytes[first + 4..first + 8].try_into().unwrap()) as usize;
    let second = first + first_size;
    assert_eq!(&bytes[second..second + 4], b"\x2a\x2a\0\0");
    bytes[second + 4..second + 8].copy_from_slice(&0u32.to_le_bytes());
    let scan = read_evtx(&bytes, &keep_all, &no_limits());
    let ids: Vec<u64> = scan.events.iter().map(|e| e.record_id).collect();
    assert_eq!(ids, [1, 3, 4, 5, 6, 7, 8]);
    assert!(
        scan.errors.iter().any(|e| e.contains("record data size") && e.starts_with("chunk 0: ")),
        "{:?}",
        scan.errors
    );
    assert!(matches!(scan.outcome, EvtxOutcome::Partial(_)));
}

#[test]
fn binary_text_reads_utf16_and_ascii_only() {
    let event = |hex: &str| WinEvent {
        record_id: 1,
        time: Some(utc_time("2024-01-01 00:00:00")),
        provider: String::new(),
        event_source_name: None,
        event_id: 1,
        qualifiers: None,
        level: None,
        channel: None,
        computer: None,
        data: Vec::new(),
        binary: Some(hex.to_string()),
    };
    assert_eq!(event("530070006F006F006C00650072000000").binary_text().as_deref(), Some("Spooler"));
    assert_eq!(event("2D20436F64653A").binary_text().as_deref(), Some("- Code:"));
    for not_text in ["00000000", "FF00", "0102", "ABC", "zz", ""] {
        assert_eq!(event(not_text).binary_text(), None, "{not_text}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// The corpus of real logs (skipped when absent).
// ---------------------------------------------------------------------------------------------------------

fn corpus(name: &str) -> Option<Vec<u8>> {
    let path = format!("{CORPUS}/{name}");
    let bytes = std::fs::read(&path);
    if bytes.is_err() {
        println!("skipping: {path} not found");
    }
    bytes.ok()
}

/// Every corpus file, its record count (as `evtx_dump` 0.15.1 counts them) and its outcome kind.
const CORPUS_FILES: &[(&str, u64, &str)] = &[
    ("hayabusa-DeepBlueCLI-many-events-application.evtx", 2216, "complete"),
    ("mdecrevoisier-ID1116-1117-Defender_threat_detected.evtx", 6, "complete"),
    ("mdecrevoisier-ID5007-Defender_threat_exclusion_native.evtx", 4, "complete"),
    ("museum-APTSim-Server2022-Application.evtx", 115, "complete"),
    ("museum-APTSim-Server2022-Microsoft-Windows-CodeIntegrity%4Operational.evtx", 17, "complete"),
    ("museum-APTSim-Server2022-Microsoft-Windows-Windows_Defender%4Operational.evtx", 26, "complete"),
    ("museum-APTSim-Server2022-System.evtx", 681, "complete"),
    ("museum-BelkasoftCTF-Win10-Microsoft-Windows-Dhcp-Client%4Admin.evtx", 12, "complete"),
    ("museum-BelkasoftCTF-Win10-System.evtx", 1766, "complete"),
    ("museum-RathbunVM-Win11-Application.evtx", 613, "complete"),
    ("museum-StolenSzechuan-Win2012R2-Application.evtx", 733, "complete"),
    // Its header and chunk flags say "no CRC32" (0x4): every record reads, but none can be verified.
    ("omer-Application_no_crc32.evtx", 17, "partial"),
    ("omer-sample-with-zero-data-size-event.evtx", 449, "partial"),
    ("omer-sample_with_a_bad_chunk_magic.evtx", 301, "partial"),
    ("omer-system.evtx", 1881, "complete"),
];

fn kind(outcome: &EvtxOutcome) -> &'static str {
    match outcome {
        EvtxOutcome::Complete => "complete",
        EvtxOutcome::Partial(_) | EvtxOutcome::DeadlinePassed { .. } => "partial",
        EvtxOutcome::Failed(_) => "failed",
    }
}

#[test]
fn corpus_files_give_their_record_counts_and_outcomes() {
    for &(name, records, outcome) in CORPUS_FILES {
        let Some(bytes) = corpus(name) else { return };
        let scanner = scan(&bytes, &Predicate(&|_, _| false), &no_limits(), Mode::Decode);
        assert_eq!(scanner.stats.unpeeked, 0, "{name}: the provider and id of every record were peeked");
        assert_eq!((scanner.stats.decoded, scanner.stats.rendered), (0, 0), "{name}");
        let scan = scanner.finish();
        assert_eq!((scan.records_seen, kind(&scan.outcome)), (records, outcome), "{name}: {:?}", scan.errors);
        assert_eq!(scan.records_kept, 0);
    }
}

#[test]
fn files_without_checksums_are_read_but_reported_unverified() {
    let Some(bytes) = corpus("omer-Application_no_crc32.evtx") else { return };
    let scan = read_evtx(&bytes, &keep_all, &no_limits());
    assert_eq!(scan.events.len(), 17);
    assert_eq!(
        scan.errors,
        [
            "file header: flagged NO_CRC32, no checksums stored (records read, not verified)",
            "chunk 0: flagged NO_CRC32, no checksums stored (records read, not verified)"
        ]
    );
}

#[test]
fn corpus_dirty_files_name_each_problem() {
    let Some(bytes) = corpus("omer-sample-with-zero-data-size-event.evtx") else { return };
    let scan = read_evtx(&bytes, &keep_all, &no_limits());
    assert_eq!(
        scan.errors,
        [
            "chunk 0: record data CRC32 mismatch (records read anyway)",
            "chunk 0: Failed to read the record at offset 0x820 of chunk 0 (file offset 0x1820): \
             Invalid EVTX record data size, should be equals or greater than 28, found `0`"
        ]
    );
    let Some(bytes) = corpus("omer-sample_with_a_bad_chunk_magic.evtx") else { return };
    let scan = read_evtx(&bytes, &keep_all, &no_limits());
    assert_eq!((scan.chunks, scan.errors_total), (4, 6));
    let bad_magic: Vec<&String> =
        scan.errors.iter().filter(|e| e.contains("Invalid EVTX chunk header magic")).collect();
    assert_eq!(bad_magic.len(), 2);
    assert!(bad_magic.iter().any(|e| e.starts_with("Failed to parse chunk number 6: ")));
    assert!(bad_magic.iter().any(|e| e.starts_with("Failed to parse chunk number 10: ")));
}

#[test]
fn corpus_peeked_provider_and_id_match_the_rendering() {
    for &(name, _, _) in CORPUS_FILES {
        let Some(bytes) = corpus(name) else { return };
        let asked = Mutex::new(Vec::new());
        let keep = |p: &str, id: u32| {
            asked.lock().unwrap().push((p.to_string(), id));
            true
        };
        let scan = read_evtx(&bytes, &keep, &no_limits());
        // Chunks are read in parallel, so keep is asked in no particular order.
        let mut asked = asked.into_inner().unwrap();
        let mut read = ids(&scan);
        asked.sort();
        read.sort();
        assert_eq!(asked, read, "{name}");
        assert_eq!(scan.records_kept, scan.records_seen, "{name}: {:?}", scan.errors);
    }
}

fn crashes(name: &str) -> Option<Vec<(u32, String)>> {
    let bytes = corpus(name)?;
    let keep = |p: &str, id: u32| {
        (p == "Application Error" && id == 1000) || (p == "Windows Error Reporting" && id == 1001)
    };
    let scan = read_evtx(&bytes, &keep, &no_limits());
    // Application Error names the application first; a WER APPCRASH report names it in P1.
    let apps = scan.events.iter().filter_map(|e| match e.event_id {
        1000 => Some((1000, e.positional(0)?.to_string())),
        _ if e.positional(2) == Some("APPCRASH") => Some((1001, e.positional(5)?.to_string())),
        _ => None,
    });
    Some(apps.collect())
}

#[test]
fn corpus_application_crashes_name_the_application() {
    let Some(apps) = crashes("museum-StolenSzechuan-Win2012R2-Application.evtx") else { return };
    assert_eq!(
        apps,
        [(1000, "spoolsv.exe".into()), (1001, "spoolsv.exe".into()), (1001, "spoolsv.exe".into())]
    );
    let Some(apps) = crashes("hayabusa-DeepBlueCLI-many-events-application.evtx") else { return };
    assert_eq!(
        apps,
        [(1000, "rundll32.exe".into()), (1001, "rundll32.exe".into()), (1001, "rundll32.exe".into())]
    );
    let Some(bytes) = corpus("hayabusa-DeepBlueCLI-many-events-application.evtx") else { return };
    let scan = read_evtx(&bytes, &|p, id| p == "Windows Error Reporting" && id == 1001, &no_limits());
    assert_eq!(scan.records_kept, 44);
    let crash = scan.events.iter().find(|e| e.positional(2) == Some("APPCRASH")).unwrap();
    assert_eq!(
        (crash.positional(8), crash.positional(11), crash.level, crash.qualifiers),
        (Some("KERNELBASE.dll"), Some("c0000005"), Some(4), Some(0))
    );
}

#[test]
fn corpus_defender_detections_give_their_paths() {
    let Some(bytes) = corpus("museum-APTSim-Server2022-Microsoft-Windows-Windows_Defender%4Operational.evtx")
    else {
        return;
    };
    let keep = |p: &str, id: u32| p == "Microsoft-Windows-Windows Defender" && (id == 1116 || id == 1117);
    let scan = read_evtx(&bytes, &keep, &no_limits());
    assert_eq!(scan.records_kept, 10);
    let first = &scan.events[0];
    assert_eq!(
        (first.record_id, first.event_id, first.field("Path"), first.field("threat name")),
        (
            13,
            1116,
            Some("file:_C:\\Temp\\APTSimulator-master\\APTSimulator-master\\download\\cactus.js"),
            Some("Trojan:JS/SharpShooter.A")
        )
    );
    assert_eq!(first.time, Some(utc_time("2023-10-18 02:50:46.9552005")));
    assert_eq!(first.channel.as_deref(), Some("Microsoft-Windows-Windows Defender/Operational"));
    // A detection inside an archive names the container and the member.
    assert_eq!(
        scan.events[1].field("Path"),
        Some(
            "containerfile:_C:\\Temp\\APTSimulator-master\\APTSimulator-master\\toolset\\b.jsp; \
             file:_C:\\Temp\\APTSimulator-master\\APTSimulator-master\\toolset\\b.jsp->(SCRIPT0065)"
        )
    );
    let Some(bytes) = corpus("mdecrevoisier-ID1116-1117-Defender_threat_detected.evtx") else { return };
    let scan = read_evtx(&bytes, &keep, &no_limits());
    let paths: Vec<(u32, &str)> =
        scan.events.iter().map(|e| (e.event_id, e.field("Path").unwrap_or("-"))).collect();
    let docs = "file:_C:\\Users\\admmig\\Documents\\";
    assert_eq!(
        paths,
        [
            (1116, format!("{docs}mimidrv.sys").as_str()),
            (1116, &format!("{docs}mimikatz.exe")),
            (1116, &format!("{docs}mimidrv.sys; {docs}mimilib.dll")),
            (1116, &format!("{docs}mimikatz.exe")),
            (1117, &format!("{docs}mimikatz.exe")),
            (1116, &format!("{docs}mimikatz.exe")),
        ]
    );
}

#[test]
fn corpus_service_control_manager_events_decode_their_binary() {
    let Some(bytes) = corpus("museum-BelkasoftCTF-Win10-System.evtx") else { return };
    let scan = read_evtx(&bytes, &|p, id| p == "Service Control Manager" && id == 7031, &no_limits());
    assert_eq!(scan.records_kept, 1);
    let e = &scan.events[0];
    assert_eq!(
        event_text(e),
        "Service Control Manager 7031 level=error | \
         param1=Windows Defender Antivirus Network Inspection Service | param2=1 | param3=60000 | param4=1 | \
         param5=Restart the service | Binary=WdNisSvc"
    );
    assert_eq!(
        (e.record_id, e.qualifiers, e.computer.as_deref()),
        (300, Some(49152), Some("DESKTOP-23PS6ES"))
    );
}

/// Times reading the largest corpus file with the filter against rendering every record:
/// `cargo test --release -p snaptriage-parsers evtx_filter_timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn evtx_filter_timing() {
    let Some(bytes) = corpus("hayabusa-DeepBlueCLI-many-events-application.evtx") else { return };
    let crashes = |p: &str, id: u32| {
        (p == "Application Error" && id == 1000) || (p == "Windows Error Reporting" && id == 1001)
    };
    let time = |keep: &(dyn Fn(&str, u32) -> bool + Sync)| {
        let runs = 20;
        let start = Instant::now();
        let mut kept = 0;
        for _ in 0..runs {
            kept = read_evtx(&bytes, keep, &no_limits()).records_kept;
        }
        (start.elapsed() / runs, kept)
    };
    let (filtered, kept) = time(&crashes);
    let (all, rendered) = time(&keep_all);
    let (none, _) = time(&|_, _| false);
    println!(
        "filtered (peek, render {kept}): {filtered:?}; render all {rendered}: {all:?}; peek only: {none:?}"
    );
    assert!(filtered < all);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let scan = read_evtx(&bytes, &keep_all, &no_limits());
        prop_assert!(matches!(scan.outcome, EvtxOutcome::Failed(_)), "{:?}", scan.outcome);
    }

    #[test]
    fn damaged_logs_never_panic(
        flips in proptest::collection::vec((0..FILE_HEADER + CHUNK, any::<u8>()), 1..24),
    ) {
        let mut bytes = sample_file().to_vec();
        let len = bytes.len();
        for (at, byte) in flips {
            // Bias damage towards the records, where the parsing is.
            let at = if at % 4 == 0 { at % len } else { chunk_at(0) + CHUNK_HEADER + at % 4096 };
            bytes[at] = byte;
        }
        let scan = read_evtx(&bytes, &keep_all, &no_limits());
        prop_assert!(scan.errors.len() <= MAX_ERRORS);
        for e in &scan.events {
            let _ = (event_text(e), e.binary_text());
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Decoding without rendering, filtering on values, parallel chunks.
// ---------------------------------------------------------------------------------------------------------

/// Values whose reading goes through every rule of the rendering: escapes, line ends, control and
/// non-characters, tabs and line ends in attribute values, empty and blank values.
fn awkward() -> Vec<EventSpec> {
    let text = EventSpec {
        level: 3,
        binary: Some(b"  \r\n".to_vec()),
        ..EventSpec::new("Odd & <Provider>\t\"quoted\"", 4242, " Application\r\n", "  ", t0())
    }
    .named(vec![
        ("Lines", "one\r\ntwo\rthree\n\nfour\r\r\nfive"),
        ("Controls", "a\u{1}b\u{1f}c\u{fffe}d\u{ffff}e\u{fffd}f\ttab"),
        ("Escapes", "<tag attr=\"v\" other='w'> & &amp; ]]>"),
        ("Blank", "   "),
        ("Empty", ""),
        ("Unicode", "jörg 日本 😀"),
    ]);
    let mut user = EventSpec::new(
        "Microsoft-Windows-AppLocker",
        8003,
        "Microsoft-Windows-AppLocker/MSI and Script",
        "h",
        t0(),
    );
    user.data = EventData::UserData {
        element: "RuleAndFileData".into(),
        namespace: None,
        fields: vec![("FilePath".into(), "a\r\nb".into()), ("Empty".into(), String::new())],
    };
    let no_time = EventSpec {
        provider_guid: Some("{00000000-0000-0000-0000-000000000000}".into()),
        ..EventSpec::new("P", 1, "C", "h", t0())
    };
    vec![text, user, no_time]
}

/// The fixture files and the corpus files present, by name.
fn test_files() -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        ("samples".to_string(), sample_file().to_vec()),
        ("awkward".to_string(), write_evtx(&awkward())),
        ("many".to_string(), write_evtx(&many(3_000))),
    ];
    for &(name, _, _) in CORPUS_FILES {
        if let Ok(bytes) = std::fs::read(format!("{CORPUS}/{name}")) {
            files.push((name.to_string(), bytes));
        }
    }
    files
}

#[test]
fn decoded_events_equal_the_rendered_ones() {
    for (name, bytes) in test_files() {
        let decoded = scan(&bytes, &Predicate(&keep_all), &no_limits(), Mode::Decode);
        let rendered = scan(&bytes, &Predicate(&keep_all), &no_limits(), Mode::Render);
        assert_eq!(rendered.stats.decoded, 0, "{name}");
        // Files whose chunks are all intact are decoded entirely, without the crate's rendering.
        if !name.starts_with("omer-") {
            assert_eq!((decoded.stats.rendered, decoded.stats.fallbacks), (0, 0), "{name}");
            assert_eq!(decoded.stats.decoded, decoded.records_seen, "{name}");
        }
        let (decoded, rendered) = (decoded.finish(), rendered.finish());
        for (d, r) in decoded.events.iter().zip(&rendered.events) {
            assert_eq!(d, r, "{name}");
            assert_eq!(event_text(d), event_text(r), "{name}");
        }
        assert_eq!(decoded, rendered, "{name}");
    }
}

#[test]
fn awkward_values_read_as_the_rendering_gives_them() {
    let scan = read_evtx(&write_evtx(&awkward()), &keep_all, &no_limits());
    let e = &scan.events[0];
    assert_eq!(
        e.provider, "Odd & <Provider> \"quoted\"",
        "attribute values: tabs and line ends become spaces"
    );
    assert_eq!(
        (e.channel.as_deref(), e.computer.as_deref(), e.binary.as_deref()),
        (Some("Application"), None, Some("20200D0A"))
    );
    assert_eq!(
        e.field("Lines"),
        Some("one\ntwo\nthree\n\nfour\n\nfive"),
        "line ends read as the XML reader gives them"
    );
    assert_eq!(e.field("Controls"), Some("a_b_c_d_e\u{fffd}f\ttab"));
    assert_eq!(e.field("Escapes"), Some("<tag attr=\"v\" other='w'> & &amp; ]]>"));
    assert_eq!((e.field("Blank"), e.field("Empty")), (Some("   "), Some("")));
    assert_eq!(scan.events[1].data, named(&[("FilePath", "a\nb"), ("Empty", "")]));
}

#[test]
fn substitution_literals_filter_records_before_they_become_events() {
    let crash = |app: &str, named_layout: bool| {
        let spec =
            EventSpec { level: 2, ..EventSpec::new("Application Error", 1000, "Application", "vm", t0()) };
        if named_layout {
            spec.named(vec![("AppName", app), ("AppVersion", "1.0")])
        } else {
            spec.positional(vec![app, "1.0"])
        }
    };
    let bytes = write_evtx(&[
        crash("chrome.exe", false),
        crash("IaaSBcdrExtension.exe", false),
        crash("svchost.exe", true),
        crash("WindowsAzureGuestAgent.exe", true),
        EventSpec::new("VSS", 8224, "Application", "vm", t0() + TimeDelta::hours(1)),
    ]);
    let backup_programs = EventRule {
        providers: vec!["application error".into()],
        event_ids: vec![1000],
        any: vec![
            "IaaSBcdrExtension.exe".into(),
            "WaAppAgent.exe".into(),
            "windowsazureguestagent.EXE".into(),
        ],
        ..EventRule::default()
    };
    let filter = EventFilter::new([backup_programs.clone()]);
    let scanner = scan(&bytes, &filter, &no_limits(), Mode::Decode);
    assert_eq!((scanner.records_seen, scanner.stats.decoded), (5, 4), "the VSS record is not even decoded");
    assert_eq!(scanner.stats.rendered, 0, "nothing is rendered to XML");
    let kept = scanner.finish();
    let apps: Vec<_> = kept.events.iter().map(|e| e.positional(0).unwrap()).collect();
    assert_eq!(
        apps,
        ["IaaSBcdrExtension.exe", "WindowsAzureGuestAgent.exe"],
        "the other programs are not returned"
    );
    assert_eq!(kept.span, Some((SourceTime::Utc(t0().naive_utc()), SourceTime::Utc(t0().naive_utc()))));
    // The crate's path applies the same filter.
    let rendered = scan(&bytes, &filter, &no_limits(), Mode::Render);
    assert_eq!((rendered.stats.rendered, rendered.finish().events), (4, kept.events.clone()));
    // `all` needs every literal; a rule without literals keeps every record it names; several rules
    // keep what any of them keeps.
    let all =
        EventRule { all: vec!["#0=".into(), "iaasbcdr".into()], any: Vec::new(), ..backup_programs.clone() };
    let ids = |filter: &EventFilter| -> Vec<u64> {
        read_evtx_filtered(&bytes, filter, &no_limits()).events.iter().map(|e| e.record_id).collect()
    };
    assert_eq!(ids(&EventFilter::new([all.clone()])), [2]);
    let any_crash = EventRule { any: Vec::new(), ..backup_programs.clone() };
    assert_eq!(ids(&EventFilter::new([any_crash])), [1, 2, 3, 4]);
    let vss = EventRule { providers: vec!["VSS".into()], ..EventRule::default() };
    assert_eq!(ids(&EventFilter::new([all, vss])), [2, 5]);
    assert_eq!(ids(&EventFilter::new([])), Vec::<u64>::new());
    assert_eq!(ids(&EventFilter::keep_all()), [1, 2, 3, 4, 5]);
}

#[test]
fn corpus_substitution_values_filter_template_records() {
    let Some(bytes) = corpus("museum-StolenSzechuan-Win2012R2-Application.evtx") else { return };
    let crashes = |programs: &[&str]| EventRule {
        providers: vec!["Application Error".into()],
        event_ids: vec![1000],
        any: programs.iter().map(|p| p.to_string()).collect(),
        ..EventRule::default()
    };
    let scanner = scan(
        &bytes,
        &EventFilter::new([crashes(&["IaaSBcdrExtension.exe", "WaAppAgent.exe"])]),
        &no_limits(),
        Mode::Decode,
    );
    assert_eq!((scanner.stats.decoded, scanner.stats.rendered), (1, 0));
    assert_eq!(scanner.finish().events, []);
    let scan = read_evtx_filtered(&bytes, &EventFilter::new([crashes(&["SPOOLSV.exe"])]), &no_limits());
    assert_eq!(scan.events.iter().map(|e| e.positional(0)).collect::<Vec<_>>(), [Some("spoolsv.exe")]);
}

#[test]
fn parallel_chunks_keep_file_order() {
    let bytes = write_evtx(&many(6_000));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
    let parallel = pool.install(|| read_evtx(&bytes, &keep_all, &no_limits()));
    assert!(parallel.chunks >= 6, "{}", parallel.chunks);
    assert!(parallel.events.iter().map(|e| e.record_id).eq(1..=6_000), "every record, in order");
    // With a record limit, chunks are read one after the other: the same events.
    let limits = EvtxLimits { deadline: None, max_records: Some(u64::MAX) };
    let one_by_one = read_evtx(&bytes, &keep_all, &limits);
    assert_eq!(parallel, one_by_one);
    let filtered = pool.install(|| read_evtx(&bytes, &|_, id| id == 7031, &no_limits()));
    assert!(filtered.events.windows(2).all(|w| w[0].record_id < w[1].record_id));
    assert_eq!(filtered.events.len(), 750);
}

/// One chunk as listed, compared across the two listings: its number and bytes, or its error's text.
#[derive(Debug, PartialEq)]
enum ListedAs {
    Chunk(Option<u64>, Vec<u8>),
    Refused(String),
}

/// The file's chunks as the crate lists them.
fn crate_chunks(bytes: &[u8]) -> Vec<ListedAs> {
    let Ok(mut parser) = EvtxParser::from_read_seek(std::io::Cursor::new(bytes)) else { return Vec::new() };
    parser
        .chunks()
        .map(|c| match c {
            Ok(c) => ListedAs::Chunk(c.number, c.data),
            Err(e) => ListedAs::Refused(error_chain(&e)),
        })
        .collect()
}

/// The same, as `chunks::list_chunks` lists them.
fn listed_chunks(bytes: &[u8]) -> Vec<ListedAs> {
    if EvtxParser::from_read_seek(std::io::Cursor::new(bytes)).is_err() {
        return Vec::new();
    }
    chunks::list_chunks(bytes)
        .into_iter()
        .map(|c| match c.data {
            Ok(d) => ListedAs::Chunk(Some(c.number), d.to_vec()),
            Err(e) => ListedAs::Refused(error_chain(&e)),
        })
        .collect()
}

#[test]
fn chunks_are_listed_as_the_crate_lists_them() {
    let variants = stream_variants();
    let chunks = (variants[0].len() - FILE_HEADER) / CHUNK;
    for bytes in variants {
        assert_eq!(listed_chunks(bytes), crate_chunks(bytes));
    }
    // A log that has wrapped around: its oldest chunk last in the file.
    let wrapped = &variants[1];
    let order: Vec<u64> = chunks::list_chunks(wrapped).iter().map(|c| c.number).collect();
    assert_eq!(order.first(), Some(&(chunks as u64 - 1)), "the oldest chunk comes first");
    let scan = read_evtx(wrapped, &keep_all, &no_limits());
    assert!(scan.events.iter().map(|e| e.record_id).eq(1..=3_000), "records in log order");
}

/// Variants of a many-record log, in this order: intact, wrapped around (its oldest chunk last), a chunk
/// with a bad magic, a zeroed chunk, cut in the middle of a chunk; then an empty log, a file that is not one,
/// and the test files.
fn stream_variants() -> &'static [Vec<u8>] {
    static VARIANTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    VARIANTS.get_or_init(stream_variants_made)
}

fn stream_variants_made() -> Vec<Vec<u8>> {
    let clean = write_evtx(&many(3_000));
    let mut wrapped = clean[..FILE_HEADER].to_vec();
    wrapped.extend_from_slice(&clean[chunk_at(1)..]);
    wrapped.extend_from_slice(&clean[chunk_at(0)..chunk_at(1)]);
    let mut bad_magic = clean.clone();
    bad_magic[chunk_at(1)..chunk_at(1) + 8].copy_from_slice(b"BADMAGIC");
    let mut zeroed = clean.clone();
    zeroed[chunk_at(1)..chunk_at(2)].fill(0);
    let cut = clean[..clean.len() - CHUNK / 2].to_vec();
    let mut out = vec![clean, wrapped, bad_magic, zeroed, cut, write_evtx(&[]), b"MZ\x90\0".to_vec()];
    out.extend(test_files().into_iter().map(|(_, b)| b));
    out
}

/// Pushes `bytes` to a reader in blocks ending at `cuts` (positions taken modulo the length).
fn streamed(bytes: &[u8], filter: &EventFilter, cuts: &[usize]) -> EvtxScan {
    let mut reader = EvtxReader::new(filter, no_limits());
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut at = 0;
    for cut in cuts.into_iter().chain([bytes.len()]) {
        reader.push(&bytes[at..cut]);
        at = cut;
    }
    reader.finish()
}

#[test]
fn streamed_files_read_as_whole_ones_at_window_and_chunk_edges() {
    let filter = EventFilter::keep_all();
    for bytes in stream_variants() {
        let whole = read_evtx_filtered(bytes, &filter, &no_limits());
        let edges =
            [FILE_HEADER - 1, FILE_HEADER, FILE_HEADER + 1, chunk_at(1), chunk_at(1) + 7, chunk_at(64) + 1];
        assert_eq!(streamed(bytes, &filter, &edges), whole);
        // One byte at a time through the header and the first chunk.
        let bytewise: Vec<usize> = (0..FILE_HEADER + CHUNK + 3).collect();
        assert_eq!(streamed(bytes, &filter, &bytewise), whole);
    }
}

#[test]
fn streamed_windows_hold_files_larger_than_one() {
    // More than one window of chunks (64): the reads of every window are merged in order.
    let bytes = write_evtx(&many(4_000));
    assert!((bytes.len() - FILE_HEADER) / CHUNK > 64, "{}", bytes.len());
    let filter = EventFilter::keep_all();
    let whole = read_evtx_filtered(&bytes, &filter, &no_limits());
    assert_eq!(whole.records_seen, 4_000);
    let blocks: Vec<usize> = (0..bytes.len()).step_by(300_000).skip(1).collect();
    assert_eq!(streamed(&bytes, &filter, &blocks), whole);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_split_of_a_file_reads_as_the_whole(
        which in 0usize..7,
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let bytes = &stream_variants()[which];
        let filter = EventFilter::keep_all();
        prop_assert_eq!(streamed(bytes, &filter, &cuts), read_evtx_filtered(bytes, &filter, &no_limits()));
    }
}

#[test]
fn a_rendered_record_without_a_usable_event_id_says_why() {
    use std::error::Error as _;
    let event = |xml: &str| render::event_from_xml(xml, 7, None).map(|e| e.event_id);
    let ok = r#"<Event><System><Provider Name="P"/><EventID>1000</EventID></System></Event>"#;
    assert_eq!(event(ok).ok(), Some(1000));
    let missing = event("<Event><System/></Event>").unwrap_err();
    assert_eq!(missing.to_string(), "record has no System/EventID");
    let word = event("<Event><System><EventID>x1</EventID></System></Event>").unwrap_err();
    assert_eq!(word.to_string(), "EventID is not a number: \"x1\"");
    let broken = event("<Event><System>").unwrap_err();
    assert!(broken.to_string().starts_with("rendered XML unreadable: "), "{broken}");
    assert!(broken.source().is_some(), "the XML error is kept as the cause");
}
