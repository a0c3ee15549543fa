#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{lines::decode, waappagent_log};
use snaptriage_parsers_fuzz::check_line_records;

fuzz_target!(|data: &[u8]| {
    let text = decode(data);
    check_line_records(&text, waappagent_log::parse(&text));
    for event in waappagent_log::parse_installer_events(&text) {
        assert!(event.line >= 1);
    }
});
