//! Helpers shared by the unit tests of several modules.

use crate::lines::{count_lines, decode};
use crate::record::LogRecord;
use crate::time::SourceTime;
use chrono::NaiveDateTime;
use proptest::prelude::*;

/// `2024-01-14 22:16:48` or `2024-01-14 22:16:48.796446` as a date-time.
pub(crate) fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

/// A UTC time, as the structured parsers return it.
pub(crate) fn utc_time(s: &str) -> SourceTime {
    SourceTime::Utc(dt(s))
}

/// A record time in UTC.
pub(crate) fn utc(s: &str) -> Option<SourceTime> {
    Some(utc_time(s))
}

/// A record time in the VM's local time.
pub(crate) fn local(s: &str) -> Option<SourceTime> {
    Some(SourceTime::Local(dt(s)))
}

/// Collects a line parser's records after checking what every line parser promises: the records tile
/// the text (each starts on the line after the previous one ends, each spans at least one line, and their
/// `lines` sum to the text's line count), and each record's `raw` lies within the text and its `message`
/// within `raw` (or, when empty, just past it).
pub(crate) fn tiled<'a>(
    text: &'a str,
    records: impl IntoIterator<Item = LogRecord<'a>>,
) -> Vec<LogRecord<'a>> {
    let records: Vec<_> = records.into_iter().collect();
    let mut next_line = 1u32;
    for r in &records {
        assert_eq!(r.line, next_line, "record starts on the wrong line: {r:?}");
        assert!(r.lines >= 1, "empty record: {r:?}");
        next_line = next_line.saturating_add(r.lines);
        assert!(within(r.raw, text), "raw outside the text: {r:?}");
        // An empty message may sit just past a raw whose trailing line breaks were trimmed.
        let message_ok = within(r.message, r.raw) || (r.message.is_empty() && within(r.message, text));
        assert!(message_ok, "message outside raw: {r:?}");
    }
    let sum: u32 = records.iter().map(|r| r.lines).sum();
    assert_eq!(sum, count_lines(text), "records do not cover every line of {text:?}");
    records
}

/// True when `part` is a sub-slice of `whole` (by address: it borrows from it).
fn within(part: &str, whole: &str) -> bool {
    let whole_range = whole.as_ptr() as usize..=whole.as_ptr() as usize + whole.len();
    let start = part.as_ptr() as usize;
    whole_range.contains(&start) && whole_range.contains(&(start + part.len()))
}

/// Reads a corpus file, or says it is skipping (the shared corpus is not present on every machine).
pub(crate) fn corpus_text(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(path);
    if text.is_err() {
        println!("skipping: {path} not found");
    }
    text.ok()
}

/// Text made of pieces of real input (`fragments`), printable junk and arbitrary strings, so generated
/// cases reach a parser's deeper paths as well as its rejections.
pub(crate) fn fragment_text(fragments: &'static [&'static str]) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(fragments).prop_map(String::from),
        1 => "[ -~]{0,12}",
        1 => any::<String>(),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|parts| parts.concat())
}

/// Arbitrary bytes decoded the way members are (BOM, UTF-16, lossy UTF-8).
pub(crate) fn decoded_bytes() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), 0..512).prop_map(|bytes| decode(&bytes).into_owned())
}

/// The decoded files of a corpus directory whose names pass `keep`, as (path, text) in name order; `None`
/// (after saying so) when the directory is absent.
pub(crate) fn corpus_files(dir: &str, keep: impl Fn(&str) -> bool) -> Option<Vec<(String, String)>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        println!("skipping: {dir} not found");
        return None;
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(&keep))
        .collect();
    paths.sort();
    let files = paths.into_iter().map(|p| {
        let bytes = std::fs::read(&p).unwrap();
        (p.display().to_string(), decode(&bytes).into_owned())
    });
    Some(files.collect())
}

/// The only record of a text that must parse as one, after the [`tiled`] checks.
pub(crate) fn single<'a>(text: &'a str, records: impl IntoIterator<Item = LogRecord<'a>>) -> LogRecord<'a> {
    let mut records = tiled(text, records);
    assert_eq!(records.len(), 1, "{text:?} gave {records:#?}");
    records.remove(0)
}
