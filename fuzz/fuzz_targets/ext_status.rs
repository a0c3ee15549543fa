#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{ext_status, lines::decode};

fuzz_target!(|data: &[u8]| {
    if let Ok(status) = ext_status::parse(data) {
        let _ = status.effective_status();
        let _ = status.ext_error_code();
        let _ = status.host_status_code_pre_snapshot();
        let _ = status.host_status_code_do_snapshot();
        let _ = status.snapshot.as_ref().map(|s| s.command_start_time());
        let _ = status.code.value().map(ext_status::agent_error_code_name);
    }
    let _ = ext_status::parse_heartbeat(data);
    let _ = ext_status::parse_status_timestamp(&decode(data));
});
