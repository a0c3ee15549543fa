#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{lines::decode, vmsnapshot_log};
use snaptriage_parsers_fuzz::check_line_records;

fuzz_target!(|data: &[u8]| {
    let text = decode(data);
    for r in check_line_records(&text, vmsnapshot_log::parse(&text)) {
        let _ = vmsnapshot_log::embedded_stamp(r.message);
        let _ = vmsnapshot_log::parse_status_report(r.message);
        let _ = vmsnapshot_log::step_marker(r.message);
    }
    for name in vmsnapshot_log::status_code_names(&text) {
        let _ = vmsnapshot_log::ext_error_by_name(name);
    }
    let _ = vmsnapshot_log::telemetry_pairs(&text).count();
});
