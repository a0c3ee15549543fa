#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::waagent_status;

fuzz_target!(|data: &[u8]| {
    let _ = waagent_status::parse(data);
});
