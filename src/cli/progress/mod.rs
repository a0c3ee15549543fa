//! The progress bar on standard error: whether a run gets one ([`should_draw`]), and the thread that draws
//! it ([`Bar`]). The bar never touches standard output and is gone before a report is printed.

mod bar;
mod forced;

pub use bar::{Bar, Source};

/// `--progress`: when to draw a progress bar on standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ProgressMode {
    /// When standard error is a terminal and the input is large (see [`should_draw`]).
    #[default]
    Auto,
    /// Whatever the input, and even when standard error is not a terminal.
    Always,
    /// Never.
    Never,
}

/// Decoded bytes, as listed by intake, from which one bundle takes long enough to be worth a bar.
pub const LARGE_BUNDLE_BYTES: u64 = 64 << 20;

/// Bundles from which a batch is worth a bar.
pub const SEVERAL_BUNDLES: usize = 4;

/// What a run has to read, as far as it is known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// One bundle; its decoded bytes are 0 until intake has listed its members.
    Bundle {
        /// The bytes its members are expected to hold.
        listed_bytes: u64,
    },
    /// Many bundles, analysed one per worker.
    Batch {
        /// How many.
        bundles: usize,
    },
}

/// Whether to draw a bar now. Under `auto` a bar is drawn only on a terminal and for a large input: a
/// bundle listing over [`LARGE_BUNDLE_BYTES`], or a batch of at least [`SEVERAL_BUNDLES`]. A bundle not
/// listed yet is not large yet; the caller asks again as the listing arrives.
pub fn should_draw(mode: ProgressMode, stderr_is_terminal: bool, work: Workload) -> bool {
    match mode {
        ProgressMode::Never => false,
        ProgressMode::Always => true,
        ProgressMode::Auto => {
            stderr_is_terminal
                && match work {
                    Workload::Bundle { listed_bytes } => listed_bytes > LARGE_BUNDLE_BYTES,
                    Workload::Batch { bundles } => bundles >= SEVERAL_BUNDLES,
                }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LARGE: Workload = Workload::Bundle { listed_bytes: LARGE_BUNDLE_BYTES + 1 };
    const SMALL: Workload = Workload::Bundle { listed_bytes: LARGE_BUNDLE_BYTES };

    #[test]
    fn auto_draws_for_a_large_bundle_on_a_terminal_only() {
        assert!(should_draw(ProgressMode::Auto, true, LARGE));
        assert!(!should_draw(ProgressMode::Auto, false, LARGE));
        assert!(!should_draw(ProgressMode::Auto, true, SMALL));
    }

    #[test]
    fn auto_waits_for_the_listing_of_a_bundle() {
        assert!(!should_draw(ProgressMode::Auto, true, Workload::Bundle { listed_bytes: 0 }));
    }

    #[test]
    fn auto_draws_for_a_batch_of_several_bundles_on_a_terminal_only() {
        let several = Workload::Batch { bundles: SEVERAL_BUNDLES };
        assert!(should_draw(ProgressMode::Auto, true, several));
        assert!(!should_draw(ProgressMode::Auto, false, several));
        assert!(!should_draw(ProgressMode::Auto, true, Workload::Batch { bundles: SEVERAL_BUNDLES - 1 }));
    }

    #[test]
    fn always_and_never_ignore_the_terminal_and_the_size() {
        for terminal in [false, true] {
            for work in [SMALL, LARGE, Workload::Batch { bundles: 1 }, Workload::Bundle { listed_bytes: 0 }] {
                assert!(should_draw(ProgressMode::Always, terminal, work), "{work:?}");
                assert!(!should_draw(ProgressMode::Never, terminal, work), "{work:?}");
            }
        }
    }
}
