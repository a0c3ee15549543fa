#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{lines::decode, syslog};
use snaptriage_parsers_fuzz::check_line_records;

fuzz_target!(|data: &[u8]| {
    // The first four bytes choose the year of the last line, so extreme years are explored too.
    let (year, body) = match data.split_first_chunk::<4>() {
        Some((year, body)) => (i32::from_le_bytes(*year), body),
        None => (2024, data),
    };
    let text = decode(body);
    for r in check_line_records(&text, syslog::parse(&text, year)) {
        assert!(r.raw.ends_with(r.message), "{r:?}");
    }
});
