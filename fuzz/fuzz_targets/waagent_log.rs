#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{lines::decode, waagent_log};
use snaptriage_parsers_fuzz::check_line_records;

fuzz_target!(|data: &[u8]| {
    let text = decode(data);
    for r in check_line_records(&text, waagent_log::parse(&text)) {
        // waagent records never end in the blank lines they span.
        assert!(r.raw.ends_with(r.message), "{r:?}");
        let _ = waagent_log::parse_event(r.message);
        let _ = waagent_log::command_output(r.message);
        if let Some(prefix) = r.prefix {
            let _ = waagent_log::extension_prefix(prefix);
        }
    }
});
