//! Bytes read by offset: the bundle file on disk, an inflated archive in a temporary file, or a buffer in
//! memory. Every container member that lies in one of them is a range of it, read with positional reads
//! (no shared file position), so members are read in parallel and nothing is held in memory beyond what a
//! reader asks for.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Size of the blocks a whole blob is read in (hashing, scanning).
const BLOCK_BYTES: usize = 1 << 20;

/// Size of the blocks a member's bytes are read ahead in.
const READ_AHEAD_BYTES: usize = 256 << 10;

/// Bytes shared by every member of one container.
#[derive(Debug, Clone)]
pub(crate) enum Blob {
    /// A buffer in memory (a bundle handed over as bytes, a nested archive, a small inflated tar).
    Memory(Arc<Vec<u8>>),
    /// A file on disk, read by offset.
    File(Arc<BlobFile>),
}

/// A file read by offset. Its length is taken when it is opened: a file that shrinks afterwards makes reads
/// past its new end fail, never return short data silently.
#[derive(Debug)]
pub(crate) struct BlobFile {
    file: File,
    len: u64,
    /// A temporary file's path while the system keeps it (Windows, until the file is closed): removed on drop.
    remove_on_drop: Option<PathBuf>,
}

impl BlobFile {
    /// A file of `len` bytes; `remove_on_drop` names a temporary file to delete once it is no longer read.
    pub(crate) fn new(file: File, len: u64, remove_on_drop: Option<PathBuf>) -> BlobFile {
        BlobFile { file, len, remove_on_drop }
    }

    /// Appends bytes to a file still being filled (a spill file, before anything reads it).
    pub(crate) fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        use std::io::Write;
        self.file.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

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

impl Drop for BlobFile {
    fn drop(&mut self) {
        if let Some(path) = self.remove_on_drop.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Blob {
    /// Opens the file at `path` for positional reading.
    pub(crate) fn open(path: &Path) -> io::Result<Blob> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Blob::File(Arc::new(BlobFile::new(file, len, None))))
    }

    /// A blob over bytes in memory.
    pub(crate) fn memory(bytes: Vec<u8>) -> Blob {
        Blob::Memory(Arc::new(bytes))
    }

    /// Its length in bytes (for a file, as it was when opened).
    pub(crate) fn len(&self) -> u64 {
        match self {
            Blob::Memory(bytes) => bytes.len() as u64,
            Blob::File(file) => file.len,
        }
    }

    /// Bytes of it held in memory.
    pub(crate) fn bytes_in_memory(&self) -> u64 {
        match self {
            Blob::Memory(bytes) => bytes.len() as u64,
            Blob::File(_) => 0,
        }
    }

    /// Identifies the buffer or file behind the blob (clones share it).
    pub(crate) fn identity(&self) -> usize {
        match self {
            Blob::Memory(bytes) => Arc::as_ptr(bytes) as usize,
            Blob::File(file) => Arc::as_ptr(file) as usize,
        }
    }

    /// Reads at `offset`, as many bytes as are there up to `buf.len()`; 0 at or past the end.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        match self {
            Blob::Memory(bytes) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(bytes.len());
                let n = buf.len().min(bytes.len() - start);
                buf[..n].copy_from_slice(&bytes[start..start + n]);
                Ok(n)
            }
            Blob::File(file) => file.read_at(buf, offset),
        }
    }

    /// A reader over `range` of the blob (clipped to its end).
    pub(crate) fn reader(&self, range: Range<u64>) -> BlobReader {
        let end = range.end.min(self.len()).max(range.start);
        BlobReader { blob: self.clone(), start: range.start, end, at: range.start }
    }

    /// A reader over the whole blob.
    pub(crate) fn whole(&self) -> BlobReader {
        self.reader(0..self.len())
    }

    /// A reader over `range` that reads ahead in large blocks: decoders ask for a few KiB at a time, and each
    /// read of a file is a system call.
    pub(crate) fn buffered(&self, range: Range<u64>) -> BufReader<BlobReader> {
        let reader = self.reader(range);
        let capacity = usize::try_from(reader.len()).unwrap_or(usize::MAX).min(READ_AHEAD_BYTES);
        BufReader::with_capacity(capacity, reader)
    }

    /// The first `n` bytes (fewer when the blob is shorter).
    pub(crate) fn head(&self, n: usize) -> io::Result<Cow<'_, [u8]>> {
        match self {
            Blob::Memory(bytes) => Ok(Cow::Borrowed(&bytes[..bytes.len().min(n)])),
            Blob::File(_) => {
                let mut out = Vec::with_capacity(n.min(BLOCK_BYTES));
                self.whole().take(n as u64).read_to_end(&mut out)?;
                Ok(Cow::Owned(out))
            }
        }
    }

    /// All of its bytes in memory: borrowed for a buffer, read whole for a file.
    pub(crate) fn to_memory(&self) -> io::Result<Arc<Vec<u8>>> {
        match self {
            Blob::Memory(bytes) => Ok(bytes.clone()),
            Blob::File(file) => {
                let mut out = Vec::with_capacity(usize::try_from(file.len).unwrap_or(0));
                self.whole().read_to_end(&mut out)?;
                Ok(Arc::new(out))
            }
        }
    }

    /// Hands every byte to `visit`, in blocks of [`BLOCK_BYTES`].
    pub(crate) fn for_each_block(&self, visit: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        match self {
            Blob::Memory(bytes) => bytes.chunks(BLOCK_BYTES).for_each(visit),
            Blob::File(_) => {
                let mut reader = self.whole();
                let mut block = vec![0u8; BLOCK_BYTES];
                loop {
                    let n = reader.read(&mut block)?;
                    if n == 0 {
                        break;
                    }
                    visit(&block[..n]);
                }
            }
        }
        Ok(())
    }

    /// The SHA-256 of its bytes, in lower-case hex, read once in blocks.
    pub(crate) fn sha256_hex(&self) -> io::Result<String> {
        use sha2::Digest;
        use std::fmt::Write;
        let mut hasher = sha2::Sha256::new();
        self.for_each_block(&mut |block| hasher.update(block))?;
        Ok(hasher.finalize().iter().fold(String::with_capacity(64), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        }))
    }
}

/// Reads one range of a blob as if it were a file of its own: positions are relative to the range's start.
/// Each clone keeps its own position.
#[derive(Debug, Clone)]
pub(crate) struct BlobReader {
    blob: Blob,
    start: u64,
    end: u64,
    /// Absolute position in the blob.
    at: u64,
}

impl BlobReader {
    /// Length of the range.
    pub(crate) fn len(&self) -> u64 {
        self.end - self.start
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = usize::try_from(self.end.saturating_sub(self.at)).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        if want == 0 {
            return Ok(0);
        }
        let n = self.blob.read_at(&mut buf[..want], self.at)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the bundle file ends at byte {}, short of the {} bytes it had when opened",
                    self.at,
                    self.blob.len()
                ),
            ));
        }
        self.at += n as u64;
        Ok(n)
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let base = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len().checked_add_signed(d),
            SeekFrom::Current(d) => (self.at - self.start).checked_add_signed(d),
        };
        let Some(relative) = base else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "seek before the start of the data"));
        };
        self.at = self.start.saturating_add(relative);
        Ok(relative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_and_seek_relative_to_their_start_and_clones_move_alone() {
        let blob = Blob::memory((0u8..100).collect());
        let mut a = blob.reader(10..20);
        let mut b = a.clone();
        let mut buf = [0u8; 4];
        a.read_exact(&mut buf).unwrap();
        assert_eq!(buf, [10, 11, 12, 13]);
        b.seek(SeekFrom::End(-2)).unwrap();
        let mut rest = Vec::new();
        b.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, [18, 19]);
        a.read_exact(&mut buf).unwrap();
        assert_eq!(buf, [14, 15, 16, 17]);
        assert!(a.seek(SeekFrom::Current(-100)).is_err());
        assert_eq!(blob.reader(90..200).len(), 10);
    }

    #[test]
    fn a_file_that_shrinks_after_opening_fails_the_read() {
        let dir = std::env::temp_dir().join(format!("snaptriage-blob-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("shrinks.log");
        std::fs::write(&path, vec![b'x'; 10_000]).unwrap();
        let blob = Blob::open(&path).unwrap();
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(4_000).unwrap();
        let mut out = Vec::new();
        let err = blob.whole().read_to_end(&mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(out.len(), 4_000);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_hash_of_a_file_and_of_its_bytes_agree() {
        let bytes: Vec<u8> = (0..3 * BLOCK_BYTES + 7).map(|i| (i % 253) as u8).collect();
        let dir = std::env::temp_dir().join(format!("snaptriage-blob-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("b.bin");
        std::fs::write(&path, &bytes).unwrap();
        let from_file = Blob::open(&path).unwrap().sha256_hex().unwrap();
        let from_memory = Blob::memory(bytes).sha256_hex().unwrap();
        assert_eq!(from_file, from_memory);
        assert_eq!(Blob::memory(Vec::new()).sha256_hex().unwrap().len(), 64);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
