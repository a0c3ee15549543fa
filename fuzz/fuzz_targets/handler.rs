#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{handler, lines::decode};

fuzz_target!(|data: &[u8]| {
    let _ = handler::parse_handler_state(data);
    let _ = handler::parse_handler_status(data);
    let _ = handler::parse_handler_environment(data);
    let _ = handler::parse_handler_manifest(data);
    let _ = handler::parse_mrseq(data);
    let _ = handler::parse_settings(data);
    let name = decode(data);
    let _ = handler::parse_handler_dir_name(&name);
    let _ = handler::parse_seq_file_name(&name);
});
