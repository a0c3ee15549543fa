#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{lines::decode, waagent_conf};

fuzz_target!(|data: &[u8]| {
    let text = decode(data);
    let config = waagent_conf::parse(&text);
    for entry in &config.entries {
        let _ = config.get(&entry.key);
        let _ = config.switch(&entry.key);
        let _ = config.int(&entry.key);
        if let Some(section) = &entry.section {
            let _ = config.get_in(section, &entry.key);
        }
        let _ = waagent_conf::switch_value(&entry.value);
    }
});
