#![no_main]

//! Whole-bundle intake and analysis: arbitrary bytes offered as `bundle.zip` (zip, tar, gzip, a plain log or
//! anything else — intake recognises the content, not the name). The engine must never panic, and any
//! report it produces must account for every member it listed.

use libfuzzer_sys::fuzz_target;
use snaptriage::{analyze_bytes, Options};

fuzz_target!(|data: &[u8]| {
    if let Ok(analysis) = analyze_bytes("bundle.zip", data.to_vec(), &Options::default()) {
        let report = analysis.report;
        assert_eq!(
            report.inventory.len(),
            report.stats.members,
            "inventory does not account for every member"
        );
        for entry in &report.inventory {
            if entry.status != snaptriage::inventory::MemberStatus::Parsed {
                assert!(!entry.detail.is_empty(), "{entry:?} has no reason");
            }
        }
    }
});
