//! Progress of one analysis, for a caller that shows it (a progress bar, a batch dashboard): bytes read so
//! far against an estimate of the bundle's total, updated from every thread as members are read.

use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes read so far and the expected total; shared with the analysis through [`crate::Options::progress`].
#[derive(Debug, Default)]
pub struct Progress {
    read: AtomicU64,
    expected: AtomicU64,
    members: AtomicU64,
    members_done: AtomicU64,
}

impl Progress {
    /// A fresh counter.
    pub fn new() -> Self {
        Progress::default()
    }

    /// Decoded bytes read so far.
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// Estimated decoded bytes of the whole bundle (known once its members are listed; 0 before).
    pub fn expected(&self) -> u64 {
        self.expected.load(Ordering::Relaxed)
    }

    /// Members to read, and members done.
    pub fn members(&self) -> (u64, u64) {
        (self.members.load(Ordering::Relaxed), self.members_done.load(Ordering::Relaxed))
    }

    pub(crate) fn plan(&self, members: u64, expected: u64) {
        self.members.store(members, Ordering::Relaxed);
        self.expected.store(expected, Ordering::Relaxed);
    }

    pub(crate) fn advance(&self, bytes: u64) {
        self.read.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn member_done(&self) {
        self.members_done.fetch_add(1, Ordering::Relaxed);
    }
}
