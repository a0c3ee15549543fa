#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::registry;

fuzz_target!(|data: &[u8]| {
    // Inputs that do not start like a hive are rejected up front; give the fuzzer a head start.
    let mut bytes = b"regf".to_vec();
    bytes.extend_from_slice(data);
    for input in [data, bytes.as_slice()] {
        if let Ok(values) =
            registry::read_hive(input, &["", "CurrentControlSet\\Services", "Microsoft\\Windows Azure"])
        {
            let _ = registry::current_control_set(&values);
            for value in &values {
                let _ = value.data.to_text();
            }
        }
    }
});
