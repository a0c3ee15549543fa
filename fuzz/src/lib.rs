//! What every fuzz target checks, on top of "does not panic".
#![forbid(unsafe_code)]

use snaptriage_parsers::lines::count_lines;
use snaptriage_parsers::LogRecord;

/// Checks the promises every line-oriented parser makes and returns the records: they tile the text
/// (each starts on the line after the previous one ends and spans at least one line, and their `lines`
/// sum to the text's line count), and each record's `raw` lies within the text and its `message` within
/// `raw` (or, when empty, just past it).
pub fn check_line_records<'a>(
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
    assert_eq!(sum, count_lines(text), "records do not cover every line");
    records
}

/// True when `part` is a sub-slice of `whole` (by address, so it borrows from it).
fn within(part: &str, whole: &str) -> bool {
    let (start, end) = (whole.as_ptr() as usize, whole.as_ptr() as usize + whole.len());
    let part_start = part.as_ptr() as usize;
    (start..=end).contains(&part_start) && part_start + part.len() <= end
}

/// Splits fuzz input into a small selector byte and the rest.
pub fn selector(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&first, rest)) => (first, rest),
        None => (0, data),
    }
}
