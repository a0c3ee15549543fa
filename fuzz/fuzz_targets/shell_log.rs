#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{lines::decode, shell_log};
use snaptriage_parsers_fuzz::check_line_records;

fuzz_target!(|data: &[u8]| {
    let text = decode(data);
    check_line_records(&text, shell_log::parse(&text));
});
