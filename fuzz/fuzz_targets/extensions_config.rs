#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::{extensions_config, lines::decode};

fuzz_target!(|data: &[u8]| {
    if let Ok(config) = extensions_config::parse(data) {
        for plugin in config.plugins.iter().filter_map(|p| p.name.as_deref()) {
            let _ = config.plugin(plugin);
            let _ = config.settings_for(plugin);
        }
    }
    let _ = extensions_config::url_host(&decode(data));
    if let Some(ticks) = data.first_chunk::<8>() {
        let _ = extensions_config::ticks_to_utc(u64::from_le_bytes(*ticks));
    }
});
