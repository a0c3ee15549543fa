//! A large inflated tar (the inside of a `.tar.gz` bundle) kept in an anonymous temporary file instead of
//! memory, so that opening a bundle costs a fixed amount of memory whatever its size.
//!
//! A tar has no index: its members can be found only by reading it from the start, and a gzip stream
//! cannot be entered in the middle. So a `.tar.gz` is inflated once, under the limits; up to
//! [`Limits::spill_above_bytes`](super::Limits) it stays in memory, past that it goes on to a file of
//! our own naming in the system's temporary folder (never a path taken from the archive), removed from
//! the folder as soon as it is open (on Windows, when it is dropped). Members are then read from it by
//! offset, in parallel.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::read::{stream_limited, MemberError, Meter, ReadBudget};
use super::Limits;

/// An unnamed temporary file holding inflated bytes.
#[derive(Debug)]
pub(super) struct SpillFile {
    file: File,
    /// The file's path while it still has one (Windows keeps it until the file is closed).
    path: Option<PathBuf>,
}

impl SpillFile {
    /// Creates an empty spill file in the system's temporary folder.
    fn create() -> io::Result<SpillFile> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir();
        let name =
            format!("snaptriage-{}-{}.spill", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = dir.join(name);
        let file = OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
        // Where the system allows it, the file loses its name at once: nothing is left behind, even on a crash.
        let path = if cfg!(unix) && std::fs::remove_file(&path).is_ok() { None } else { Some(path) };
        Ok(SpillFile { file, path })
    }

    /// Reads at `offset`, without moving any shared position (readers run in parallel).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::read_at(&self.file, buf, offset)
        }
        #[cfg(windows)]
        {
            std::os::windows::fs::FileExt::seek_read(&self.file, buf, offset)
        }
    }
}

impl Drop for SpillFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Reads `range` of a spill file.
pub(super) struct SpillReader {
    file: Arc<SpillFile>,
    at: u64,
    end: u64,
}

impl SpillReader {
    pub(super) fn new(file: Arc<SpillFile>, range: std::ops::Range<u64>) -> SpillReader {
        SpillReader { file, at: range.start, end: range.end.max(range.start) }
    }
}

impl Read for SpillReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = usize::try_from(self.end - self.at).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// Inflated bytes: in memory, or in a spill file of `len` bytes whose first bytes are `head`.
pub(super) enum Inflated {
    Memory(Vec<u8>),
    Spilled {
        file: Arc<SpillFile>,
        len: u64,
        /// The first bytes (up to 4 KiB), to tell a tar from other data.
        head: Vec<u8>,
    },
}

impl Inflated {
    /// The first bytes of the data.
    pub(super) fn head(&self) -> &[u8] {
        match self {
            Inflated::Memory(data) => data,
            Inflated::Spilled { head, .. } => head,
        }
    }

    pub(super) fn len(&self) -> u64 {
        match self {
            Inflated::Memory(data) => data.len() as u64,
            Inflated::Spilled { len, .. } => *len,
        }
    }
}

/// Bytes of the start of spilled data kept in memory.
const HEAD_BYTES: usize = 4096;

/// Decompresses a gzip stream (all concatenated members) under the limits, in memory up to
/// `limits.spill_above_bytes` and in a spill file past that. Returns the bytes and, when the stream breaks
/// part-way, why (what came before is kept).
pub(super) fn gunzip_spilling(
    compressed: &[u8],
    limits: &Limits,
    budget: &ReadBudget,
) -> Result<(Inflated, Option<String>), MemberError> {
    let open = |meter: &Meter, consume: &mut dyn FnMut(&mut dyn Read)| {
        consume(&mut flate2::read::MultiGzDecoder::new(meter.wrap(compressed)));
        Ok(())
    };
    let mut memory = Vec::new();
    let mut spilled: Option<(SpillFile, Vec<u8>)> = None;
    let mut write_error: Option<io::Error> = None;
    let end = stream_limited(&open, compressed.len() as u64, limits, budget, &mut |chunk| {
        let result = match &mut spilled {
            Some((file, _)) => file.file.write_all(chunk),
            None if (memory.len() + chunk.len()) as u64 <= limits.spill_above_bytes => {
                memory.extend_from_slice(chunk);
                Ok(())
            }
            None => SpillFile::create().and_then(|mut file| {
                file.file.write_all(&memory)?;
                file.file.write_all(chunk)?;
                let mut head = std::mem::take(&mut memory);
                head.extend_from_slice(chunk);
                head.truncate(HEAD_BYTES);
                spilled = Some((file, head));
                Ok(())
            }),
        };
        match result {
            Ok(()) => true,
            Err(e) => {
                write_error = Some(e);
                false
            }
        }
    })?;
    if let Some(e) = write_error {
        return Err(MemberError::Corrupt(format!(
            "cannot keep the inflated archive in a temporary file in {}: {e}",
            std::env::temp_dir().display()
        )));
    }
    if end.bytes == 0 && !compressed.is_empty() && end.truncated.is_none() {
        return Err(MemberError::Corrupt("gzip stream holds no data".into()));
    }
    let inflated = match spilled {
        Some((file, head)) => Inflated::Spilled { file: Arc::new(file), len: end.bytes, head },
        None => Inflated::Memory(memory),
    };
    Ok((inflated, end.truncated))
}
