//! Bundle intake: opens a bundle (zip, tar, tar.gz, single `.gz`, plain file or directory), walks its members —
//! archives nested inside it too, to a depth limit — and reads members on demand.
//!
//! Nothing is ever extracted to disk: member names are logical paths only. A bundle file is never held whole
//! in memory: zip and tar members are ranges of the file, read by offset; a `.tar.gz` or `.gz` is inflated from
//! it once (into a temporary file when large). Archives nested inside the bundle are read into memory, under
//! the member limits, and listed there.

pub mod limits;
pub mod path;

mod blob;
mod container;
mod read;
mod sniff;
mod spill;
mod zipscan;

use std::collections::HashSet;
use std::path::Path;

use blob::Blob;

pub use crate::artifacts::{classify, ArtifactKind, Classification};
use crate::inventory::InventoryEntry;
pub use container::Member;
pub use limits::Limits;
pub use read::{MemberBytes, MemberError, ReadBudget, StreamEnd};

/// Why a bundle could not be opened at all.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The path could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The bundle path.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The bundle is an archive that cannot be opened.
    #[error("{path}: not a readable {format} archive: {reason}")]
    Corrupt {
        /// The bundle path.
        path: String,
        /// zip, tar or gzip.
        format: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// The bundle exceeds a limit before anything could be read.
    #[error("{path}: {reason}")]
    TooLarge {
        /// The bundle path.
        path: String,
        /// Which limit.
        reason: String,
    },
}

/// The members of a bundle, plus inventory rows for the containers and for entries that were not members
/// (nested archives, links, entries past a limit).
#[derive(Debug, Default)]
pub struct Listing {
    /// Every file member, nested ones included, in archive order.
    pub members: Vec<Member>,
    /// Rows for archives, skipped entries and container failures.
    pub notes: Vec<InventoryEntry>,
    /// SHA-256 of the bundle file, hex (`None` for a directory).
    pub sha256: Option<String>,
}

impl Listing {
    /// Bytes of bundle data the members hold in memory, each buffer counted once: 0 when every member is
    /// read from the bundle file or a temporary file.
    pub fn bytes_in_memory(&self) -> u64 {
        let mut seen = HashSet::new();
        self.members
            .iter()
            .filter_map(Member::blob)
            .filter(|blob| seen.insert(blob.identity()))
            .map(Blob::bytes_in_memory)
            .sum()
    }
}

/// Opens a bundle from the file system: a directory is walked, a file is sniffed from its first bytes and its
/// members read from it by offset (it is never read into memory whole).
pub fn open(path: &Path, limits: &Limits) -> Result<Listing, IntakeError> {
    let shown = path.display().to_string();
    let io = |source| IntakeError::Io { path: shown.clone(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Ok(container::walk_directory(path, limits));
    }
    if meta.len() > limits.max_total_bytes {
        return Err(IntakeError::TooLarge {
            path: shown,
            reason: format!("{} bytes is over the {}-byte bundle limit", meta.len(), limits.max_total_bytes),
        });
    }
    let data = Blob::open(path).map_err(io)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| shown.clone());
    open_blob(&shown, &name, data, limits)
}

/// Opens a bundle held in memory. `shown` names it in errors; `file_name` names a single-file bundle's member.
pub fn open_bytes(
    shown: &str,
    file_name: &str,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Result<Listing, IntakeError> {
    open_blob(shown, file_name, Blob::memory(bytes), limits)
}

fn open_blob(shown: &str, file_name: &str, data: Blob, limits: &Limits) -> Result<Listing, IntakeError> {
    let sha256 = data.sha256_hex().map_err(|source| IntakeError::Io { path: shown.to_string(), source })?;
    let mut listing = container::open_top_level(shown, file_name, data, limits)?;
    listing.sha256 = Some(sha256);
    Ok(listing)
}
