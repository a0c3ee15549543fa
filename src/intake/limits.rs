//! Bounds that keep a hostile or broken bundle from exhausting memory or time.

/// Intake limits. The defaults fit real support bundles (the Linux collector caps itself at 150 MiB) with a wide
/// margin, and stop zip bombs and runaway nesting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Archives nested inside archives are opened to this depth (the bundle itself is depth 0).
    pub max_depth: u8,
    /// Largest uncompressed member read.
    pub max_member_bytes: u64,
    /// Largest total of uncompressed bytes read from one bundle.
    pub max_total_bytes: u64,
    /// Most members listed in one bundle (nested members included).
    pub max_members: usize,
    /// Largest compression ratio accepted for a member whose output passes `ratio_floor_bytes`.
    pub max_ratio: u64,
    /// Output size below which the compression ratio is not checked (small, highly repetitive logs are normal).
    pub ratio_floor_bytes: u64,
    /// An inflated `.tar.gz` bundle larger than this is kept in a temporary file instead of memory.
    pub spill_above_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 3,
            max_member_bytes: 2 << 30,
            max_total_bytes: 16 << 30,
            max_members: 200_000,
            max_ratio: 1_000,
            ratio_floor_bytes: 64 << 20,
            spill_above_bytes: 64 << 20,
        }
    }
}
