//! A large inflated tar (the inside of a `.tar.gz` bundle) kept in an anonymous temporary file instead of
//! memory, so that opening a bundle costs a fixed amount of memory whatever its size.
//!
//! A tar has no index: its members can be found only by reading it from the start, and a gzip stream
//! cannot be entered in the middle. So a `.tar.gz` is inflated once, under the limits; up to
//! [`Limits::spill_above_bytes`](super::Limits) it stays in memory, past that it goes on to a file of
//! our own naming in the system's temporary folder (never a path taken from the archive), removed from
//! the folder as soon as it is open (on Windows, when it is dropped). Members are then read from it by
//! offset, in parallel, as ranges of a [`Blob`].

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::blob::{Blob, BlobFile};
use super::read::{stream_limited, MemberError, Meter, ReadBudget};
use super::Limits;

/// Creates an empty unnamed file in the system's temporary folder, to be filled and then read by offset.
fn create_spill_file() -> io::Result<BlobFile> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir();
    let name = format!("snaptriage-{}-{}.spill", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let path = dir.join(name);
    let file = OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
    // Where the system allows it, the file loses its name at once: nothing is left behind, even on a crash.
    let path = if cfg!(unix) && std::fs::remove_file(&path).is_ok() { None } else { Some(path) };
    Ok(BlobFile::new(file, 0, path))
}

/// Decompresses a gzip stream (all concatenated members) read from `compressed` under the limits, in memory
/// up to `limits.spill_above_bytes` and in a spill file past that. Returns the bytes and, when the stream breaks
/// part-way, why (what came before is kept).
pub(super) fn gunzip_spilling(
    compressed: &Blob,
    limits: &Limits,
    budget: &ReadBudget,
) -> Result<(Blob, Option<String>), MemberError> {
    let open = |meter: &Meter, consume: &mut dyn FnMut(&mut dyn Read)| {
        consume(&mut flate2::read::MultiGzDecoder::new(meter.wrap(compressed.buffered(0..compressed.len()))));
        Ok(())
    };
    let mut memory = Vec::new();
    let mut spilled: Option<BlobFile> = None;
    let mut write_error: Option<io::Error> = None;
    let end = stream_limited(&open, compressed.len(), limits, budget, &mut |chunk| {
        let result = match &mut spilled {
            Some(file) => file.append(chunk),
            None if (memory.len() + chunk.len()) as u64 <= limits.spill_above_bytes => {
                memory.extend_from_slice(chunk);
                Ok(())
            }
            None => create_spill_file().and_then(|mut file| {
                file.append(&std::mem::take(&mut memory))?;
                file.append(chunk)?;
                spilled = Some(file);
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
    if end.bytes == 0 && compressed.len() > 0 && end.truncated.is_none() {
        return Err(MemberError::Corrupt("gzip stream holds no data".into()));
    }
    let inflated = match spilled {
        Some(file) => Blob::File(Arc::new(file)),
        None => Blob::memory(memory),
    };
    Ok((inflated, end.truncated))
}
