#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{lines::decode, vssadmin};

fuzz_target!(|data: &[u8]| {
    for writer in vssadmin::parse(&decode(data)).into_iter().chain(vssadmin::parse_bytes(data)) {
        assert!(writer.line >= 1);
        let _ = (writer.is_failed(), writer.last_error_kind());
    }
});
