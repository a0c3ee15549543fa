#![no_main]

use libfuzzer_sys::fuzz_target;
use snaptriage_parsers::evtx_log::{self, EvtxLimits, EvtxOutcome};

fuzz_target!(|data: &[u8]| {
    // Keep every record so rendering runs too; keep none so only the BinXML peek runs.
    for keep_all in [true, false] {
        let keep = move |_: &str, _: u32| keep_all;
        let scan = evtx_log::read_evtx(data, &keep, &EvtxLimits::default());
        assert!(scan.errors.len() <= 20);
        assert_eq!(scan.records_kept, scan.events.len() as u64);
        if scan.records_seen > 0 {
            assert!(!matches!(scan.outcome, EvtxOutcome::Failed(_)));
        }
        for event in &scan.events {
            let text = evtx_log::event_text(event);
            assert!(!text.contains('\n'));
            let _ = (event.field("Path"), event.positional(0), event.binary_text());
        }
    }
});
