//! The stream's promise: any split of the input into blocks gives exactly the records of the whole.

use super::*;
use crate::lines::{clipped_lines, decode};
use crate::{generic_log, shell_log, syslog, vmsnapshot_log, waagent_log, waappagent_log};
use proptest::prelude::*;

/// A record's fields, owned, for comparison.
type Owned =
    (u32, u32, Option<SourceTime>, Level, LineFormat, Option<String>, Option<String>, String, String);

fn owned(r: &LogRecord<'_>) -> Owned {
    (
        r.line,
        r.lines,
        r.time,
        r.level,
        r.format,
        r.thread.map(str::to_string),
        r.prefix.map(str::to_string),
        r.message.to_string(),
        r.raw.to_string(),
    )
}

/// Which parser a case exercises.
#[derive(Debug, Clone, Copy)]
enum Parser {
    Waagent,
    VmSnapshot,
    Shell,
    WaAppAgent,
    Generic,
    Syslog,
}

const PARSERS: [Parser; 6] =
    [Parser::Waagent, Parser::VmSnapshot, Parser::Shell, Parser::WaAppAgent, Parser::Generic, Parser::Syslog];

fn whole(parser: Parser, text: &str) -> Vec<Owned> {
    match parser {
        Parser::Waagent => waagent_log::parse(text).map(|r| owned(&r)).collect(),
        Parser::VmSnapshot => vmsnapshot_log::parse(text).map(|r| owned(&r)).collect(),
        Parser::Shell => shell_log::parse(text).map(|r| owned(&r)).collect(),
        Parser::WaAppAgent => waappagent_log::parse(text).map(|r| owned(&r)).collect(),
        Parser::Generic => generic_log::parse(text).map(|r| owned(&r)).collect(),
        Parser::Syslog => syslog::parse(text, 2024).map(|r| owned(&r)).collect(),
    }
}

fn streamed(parser: Parser, bytes: &[u8], cuts: &[usize]) -> (Vec<Owned>, TextDamage) {
    let mut stream = match parser {
        Parser::Waagent => waagent_log::stream(),
        Parser::VmSnapshot => vmsnapshot_log::stream(),
        Parser::Shell => shell_log::stream(),
        Parser::WaAppAgent => waappagent_log::stream(),
        Parser::Generic => generic_log::stream(),
        Parser::Syslog => {
            let mut count = syslog::Rollovers::default();
            for block in blocks(bytes, cuts) {
                count.push(block);
            }
            syslog::stream(2024, count.finish())
        }
    };
    let mut out = Vec::new();
    for block in blocks(bytes, cuts) {
        stream.push(block, &mut |r| out.push(owned(&r)));
    }
    stream.finish(&mut |r| out.push(owned(&r)));
    (out, stream.damage())
}

/// `bytes` cut at the given offsets (sorted, clamped).
fn blocks<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for p in points.into_iter().chain([bytes.len()]) {
        out.push(&bytes[at..p]);
        at = p;
    }
    out
}

/// Lines of every layout the parsers know, continuation lines, and damage.
const PIECES: &[&str] = &[
    "2023-10-27T07:57:10.702114Z INFO ExtHandler ExtHandler Fetched goal state",
    "2021-05-28T01:17:40.683072Z WARNING Daemon Daemon Unable to reach 168.63.129.16",
    "2018/03/05 14:31:57.742721 ERROR Event: name=x, op=Enable, message=failed",
    "2016/02/17 07:54:53 ERROR:msg",
    "2021/03/30 19:45:31 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9188.0] Enable",
    "2024-01-14 22:16:48.796446 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9210.0]freeze",
    "2017/11/14 03:06:52 [VMSnapshotLinux-1.0]   2017-11-14 03:06:52 Thawing: /mnt",
    "2019-11-23 21:11:18.333008  Info  backup logger line ",
    "Mon Nov 18 00:05:10 UTC 2019- shell line",
    "Jul  6 13:18:04 host waagent[123]: syslog line",
    "Dec 31 23:59:59 host kernel: [ 1.0] year end",
    "Jan  1 00:00:01 host systemd[1]: new year",
    "<13>Feb 29 10:00:00 host app: leap",
    "[00000006] [11/14/2019 05:52:13.44] [INFO]  WaAppAgent line",
    "[00000010] 2021-01-12T16:35:45Z [ERROR] agent error",
    "2024-03-01 10:00:00,123 generic log line",
    "Traceback (most recent call last):",
    "  File \"x.py\", line 1, in <module>",
    "",
    "   ",
    "\u{FEFF}bom in the middle",
    "caf\u{E9} \u{1F600} multibyte",
];

/// Builds an input from piece indices, line endings and damage bytes.
fn input(parts: &[(usize, u8)]) -> Vec<u8> {
    let mut out = Vec::new();
    for &(piece, end) in parts {
        out.extend_from_slice(PIECES[piece % PIECES.len()].as_bytes());
        match end % 8 {
            0..=2 => out.push(b'\n'),
            3 => out.extend_from_slice(b"\r\n"),
            4 => out.extend_from_slice(b"\xFF\n"),
            5 => out.extend_from_slice(b"\0\0\n"),
            6 => out.extend_from_slice(b"\xE2\x82"),
            _ => {}
        }
    }
    out
}

fn check(bytes: &[u8], cuts: &[usize]) {
    let text = decode(bytes);
    for parser in PARSERS {
        let expected = whole(parser, &text);
        let (got, damage) = streamed(parser, bytes, cuts);
        assert_eq!(got, expected, "{parser:?} split at {cuts:?}");
        assert_eq!((damage.clipped_lines, damage.first_clipped), clipped_lines(&text), "{parser:?}");
        assert_eq!(damage.nuls, memchr::memchr_iter(0, text.as_bytes()).count() as u64);
        let body = text.trim_end_matches('\0');
        assert_eq!(damage.ends_mid_line, !body.is_empty() && !body.ends_with('\n'), "{parser:?}");
        if matches!(text, std::borrow::Cow::Owned(_)) && !damage.utf16 {
            assert_eq!(damage.replaced, count_replacements(&text));
        } else {
            assert_eq!(damage.replaced, 0);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_split_gives_the_records_of_the_whole(
        parts in proptest::collection::vec((0usize..64, any::<u8>()), 0..40),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
        bom in 0u8..4,
    ) {
        let mut bytes = match bom {
            0 => b"\xEF\xBB\xBF".to_vec(),
            1 => b"\xEF\xBB".to_vec(),
            _ => Vec::new(),
        };
        bytes.extend(input(&parts));
        check(&bytes, &cuts);
    }

    #[test]
    fn utf16_splits_give_the_records_of_the_whole(
        parts in proptest::collection::vec((0usize..64, any::<u8>()), 0..20),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        big_endian in any::<bool>(),
        odd in any::<bool>(),
    ) {
        let text = String::from_utf8_lossy(&input(&parts)).into_owned();
        let mut bytes = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        for unit in text.encode_utf16() {
            bytes.extend(if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
        }
        // A lone surrogate and an odd trailing byte.
        bytes.extend(if big_endian { [0xD8, 0x00] } else { [0x00, 0xD8] });
        if odd {
            bytes.push(b'x');
        }
        check(&bytes, &cuts);
    }
}

#[test]
fn one_byte_blocks_and_tiny_inputs() {
    let bytes = input(&[(0, 0), (16, 0), (17, 3), (1, 7), (9, 4), (13, 5)]);
    let cuts: Vec<usize> = (0..bytes.len()).collect();
    check(&bytes, &cuts);
    for tiny in
        [&b""[..], b"\n", b"\xEF", b"\xEF\xBB", b"\xEF\xBB\xBF", b"\xFF\xFE", b"\xFE", b"a", b"\r", b"\r\n\r"]
    {
        check(tiny, &[0, 1, 2]);
    }
}

#[test]
fn long_lines_are_clipped_and_long_records_cut_the_same_way() {
    let long = format!("{}\u{E9}{}", "a".repeat(MAX_LINE_BYTES - 1), "b".repeat(300_000));
    let header = PIECES[0];
    let mut text = format!("{header}\n{long}\r\n{header} after\n{long}");
    let bytes = text.clone().into_bytes();
    check(&bytes, &[5, 70, MAX_LINE_BYTES / 2, MAX_LINE_BYTES + 3, bytes.len() - 10]);
    check(&bytes, &[MAX_LINE_BYTES + 75, MAX_LINE_BYTES + 76, MAX_LINE_BYTES + 77]);
    // A record of many short continuation lines is cut at MAX_RECORD_BYTES.
    text = format!("{header}\n");
    while text.len() < MAX_RECORD_BYTES + 200_000 {
        text.push_str("  continuation line of an endless traceback\n");
    }
    let bytes = text.into_bytes();
    let (records, _) = streamed(Parser::Waagent, &bytes, &[1000, 3_000_000, 4_200_000]);
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.8.len() <= MAX_RECORD_BYTES));
    check(&bytes, &[1000, 3_000_000, 4_200_000]);
}

#[test]
fn bytes_done_tracks_delivered_records() {
    let bytes = input(&[(0, 0), (1, 0), (16, 0)]);
    let mut stream = waagent_log::stream();
    let mut n = 0;
    stream.push(&bytes, &mut |_| n += 1);
    // The last record stays open: more continuation lines may follow.
    assert_eq!(n, 1);
    let first_len = PIECES[0].len() as u64 + 1;
    assert_eq!(stream.bytes_done(), first_len);
    stream.finish(&mut |_| n += 1);
    assert_eq!(n, 2);
}
