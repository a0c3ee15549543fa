#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::lines::{count_lines, decode};
use snaptriage_parsers::network_config::{self, NetworkFileKind};
use snaptriage_parsers_fuzz::selector;

fuzz_target!(|data: &[u8]| {
    let (which, body) = selector(data);
    let kind = match which % 3 {
        0 => NetworkFileKind::Ifcfg,
        1 => NetworkFileKind::Netplan,
        _ => NetworkFileKind::Interfaces,
    };
    let text = decode(body);
    for found in network_config::parse(kind, "ifcfg-eth0", &text) {
        // Every finding points at a line of the file.
        assert!((1..=count_lines(&text)).contains(&found.line), "{found:?}");
    }
});
