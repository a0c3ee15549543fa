//! `--out-dir`: one full JSON report per bundle, named by the bundle's key so that a re-run finds it
//! (`--skip-existing`). A report is written to a temporary file and renamed into place, so a reader, or a
//! run that was killed, never sees half of one.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// What names a bundle's report: the SHA-256 of the file, or for a folder (which has no single content to
/// hash) the SHA-256 of its canonical path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleKey {
    /// Lower-case hex.
    pub hex: String,
    /// True when `hex` is the file's content hash (the line's `sha256`).
    pub is_content: bool,
}

impl BundleKey {
    /// Streams the file through SHA-256 (a folder: hashes its canonical path).
    pub fn of(path: &Path) -> std::io::Result<BundleKey> {
        if path.is_dir() {
            let canonical = std::fs::canonicalize(path)?;
            let digest = Sha256::digest(canonical.to_string_lossy().as_bytes());
            return Ok(BundleKey { hex: hex(&digest), is_content: false });
        }
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(BundleKey { hex: hex(&hasher.finalize()), is_content: true })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The report directory.
#[derive(Debug)]
pub struct OutDir {
    dir: PathBuf,
    temp_serial: AtomicU64,
}

impl OutDir {
    /// Creates the directory if needed and checks that a file can be written in it.
    pub fn open(dir: &Path) -> Result<OutDir> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create report directory", dir.display()))?;
        let out = OutDir { dir: dir.to_path_buf(), temp_serial: AtomicU64::new(0) };
        let probe = out.temp_path("probe");
        std::fs::write(&probe, b"")
            .with_context(|| format!("{}: cannot write in report directory", dir.display()))?;
        let _ = std::fs::remove_file(&probe);
        Ok(out)
    }

    /// Where the report of a bundle goes.
    pub fn report_path(&self, key: &BundleKey) -> PathBuf {
        self.dir.join(format!("{}.json", key.hex))
    }

    /// The stored report of a bundle, when there is one.
    pub fn stored(&self, key: &BundleKey) -> Option<String> {
        std::fs::read_to_string(self.report_path(key)).ok()
    }

    /// Writes a bundle's report: a temporary file, renamed into place.
    pub fn store(&self, key: &BundleKey, report: &str) -> Result<()> {
        let target = self.report_path(key);
        let temp = self.temp_path(&key.hex);
        let written = std::fs::write(&temp, report).and_then(|()| std::fs::rename(&temp, &target));
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written.with_context(|| format!("{}: cannot write report", target.display()))
    }

    /// A name no other writer (thread or process) uses; never ends in `.json`.
    fn temp_path(&self, stem: &str) -> PathBuf {
        let serial = self.temp_serial.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!(".{stem}.{}.{serial}.tmp", std::process::id()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_keyed_by_its_content_and_a_folder_by_its_path() {
        let dir = std::env::temp_dir().join(format!("snaptriage-outdir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.zip"), b"abc").unwrap();
        let key = BundleKey::of(&dir.join("a.zip")).unwrap();
        assert_eq!(key.hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(key.is_content);
        let folder = BundleKey::of(&dir).unwrap();
        assert!(!folder.is_content);
        assert_eq!(folder, BundleKey::of(&dir.join(".")).unwrap());
        let out = OutDir::open(&dir.join("reports")).unwrap();
        out.store(&key, "{}").unwrap();
        assert_eq!(out.stored(&key).as_deref(), Some("{}"));
        let names: Vec<_> =
            std::fs::read_dir(dir.join("reports")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from(format!("{}.json", key.hex))]);
    }
}
