#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{generic_log, lines::decode};
use snaptriage_parsers_fuzz::check_line_records;

fuzz_target!(|data: &[u8]| {
    let text = decode(data);
    check_line_records(&text, generic_log::parse(&text));
});
