//! Containers: zip, tar (plain or gzipped), single gzip files, directories — listed into members, with
//! archives found inside opened in place up to the depth limit.

use std::io::Cursor;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zip::ZipArchive;

use super::classify::{classify, ArtifactKind};
use super::path::{classification_path, nest, normalize};
use super::read::{gunzip, read_limited, MemberBytes, MemberError, ReadBudget};
use super::{IntakeError, Limits, Listing};
use crate::inventory::{InventoryEntry, MemberStatus};

/// Bytes shared by every member of one in-memory container.
#[derive(Debug, Clone)]
struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// Where a member's bytes live.
#[derive(Debug, Clone)]
enum Source {
    Zip { archive: ZipArchive<Cursor<Shared>>, index: usize },
    Slice { data: Shared, range: Range<usize> },
    File(PathBuf),
}

/// One file member of a bundle.
#[derive(Debug, Clone)]
pub struct Member {
    /// Logical path (`outer.zip!/inner/path` when nested).
    pub path: String,
    /// What it holds.
    pub kind: ArtifactKind,
    /// Its bytes are gzip-compressed (a rotated `.gz` log).
    pub gzipped: bool,
    /// Uncompressed size as the container declares it (for a `.gz` member, its compressed size).
    pub declared_size: u64,
    /// Archive nesting depth (0 = directly in the bundle).
    pub depth: u8,
    /// Year of the member's modification time, when the container records one (dates year-less syslog lines).
    pub modified_year: Option<i32>,
    source: Source,
}

impl Member {
    /// Reads the member's bytes (decompressing archive and gzip layers) under the limits.
    pub fn read(&self, limits: &Limits, budget: &ReadBudget) -> Result<MemberBytes, MemberError> {
        let raw = self.read_stored(limits)?;
        budget.charge(raw.data.len() as u64, limits)?;
        if !self.gzipped {
            return Ok(raw);
        }
        let mut out = gunzip(&raw.data, limits)?;
        budget.charge(out.data.len() as u64, limits)?;
        if out.truncated.is_none() {
            out.truncated = raw.truncated;
        }
        Ok(out)
    }

    fn read_stored(&self, limits: &Limits) -> Result<MemberBytes, MemberError> {
        match &self.source {
            Source::Zip { archive, index } => {
                let mut archive = archive.clone();
                let file = archive.by_index(*index).map_err(|e| MemberError::Corrupt(format!("zip: {e}")))?;
                let stored = file.compressed_size();
                read_limited(file, stored, limits)
            }
            Source::Slice { data, range } => {
                let bytes = data.as_ref().get(range.clone()).ok_or_else(|| {
                    MemberError::Corrupt("member data lies past the end of its archive".into())
                })?;
                read_limited(bytes, bytes.len() as u64, limits)
            }
            Source::File(path) => {
                let file = std::fs::File::open(path).map_err(|e| MemberError::Corrupt(e.to_string()))?;
                let len = file.metadata().map(|m| m.len()).unwrap_or(0);
                read_limited(file, len, limits)
            }
        }
    }
}

/// Listing state shared by the recursive walkers.
struct Walker<'l> {
    limits: &'l Limits,
    listing: Listing,
    budget: ReadBudget,
}

impl Walker<'_> {
    fn note(&mut self, path: &str, kind: ArtifactKind, bytes: u64, status: MemberStatus, detail: String) {
        self.listing.notes.push(InventoryEntry {
            path: path.to_string(),
            kind: kind.name(),
            bytes,
            status,
            detail,
        });
    }

    fn full(&mut self, path: &str, bytes: u64) -> bool {
        let listed = self.listing.members.len() + self.listing.notes.len();
        if listed < self.limits.max_members {
            return false;
        }
        self.note(
            path,
            ArtifactKind::Unknown,
            bytes,
            MemberStatus::Skipped,
            format!("past the {}-member limit", self.limits.max_members),
        );
        true
    }

    /// Adds a member, or opens it in place when it is an archive.
    fn add(&mut self, logical: String, declared: u64, depth: u8, source: Source) {
        self.add_dated(logical, declared, depth, source, None);
    }

    fn add_dated(&mut self, logical: String, declared: u64, depth: u8, source: Source, year: Option<i32>) {
        if self.full(&logical, declared) {
            return;
        }
        let class = classify(&classification_path(&logical));
        if class.kind == ArtifactKind::Archive {
            self.open_nested(logical, declared, depth, source);
            return;
        }
        self.listing.members.push(Member {
            path: logical,
            kind: class.kind,
            gzipped: class.gzipped,
            declared_size: declared,
            depth,
            modified_year: year,
            source,
        });
    }

    fn open_nested(&mut self, logical: String, declared: u64, depth: u8, source: Source) {
        if depth + 1 > self.limits.max_depth {
            let detail = format!("archive nested deeper than {} levels; not opened", self.limits.max_depth);
            self.note(&logical, ArtifactKind::Archive, declared, MemberStatus::Skipped, detail);
            return;
        }
        let holder = Member {
            path: logical.clone(),
            kind: ArtifactKind::Archive,
            gzipped: false,
            declared_size: declared,
            depth,
            modified_year: None,
            source,
        };
        let bytes = match holder.read(self.limits, &self.budget) {
            Ok(b) => b,
            Err(err) => {
                self.note(&logical, ArtifactKind::Archive, declared, MemberStatus::Failed, err.to_string());
                return;
            }
        };
        let size = bytes.data.len() as u64;
        match self.expand(&logical, bytes.data, depth + 1) {
            Ok(count) => {
                let (status, detail) = match bytes.truncated {
                    Some(why) => (MemberStatus::Partial, format!("archive with {count} members; {why}")),
                    None => (MemberStatus::Parsed, format!("archive with {count} members")),
                };
                self.note(&logical, ArtifactKind::Archive, size, status, detail);
            }
            Err(reason) => self.note(&logical, ArtifactKind::Archive, size, MemberStatus::Failed, reason),
        }
    }

    /// Lists an in-memory archive's members under `prefix`; returns how many entries it held.
    fn expand(&mut self, prefix: &str, data: Vec<u8>, depth: u8) -> Result<usize, String> {
        match sniff(&data) {
            Format::Zip => self.list_zip(Some(prefix), data, depth),
            Format::Tar => self.list_tar(Some(prefix), data, depth),
            Format::Gzip => {
                let inner = gunzip(&data, self.limits).map_err(|e| format!("gzip: {e}"))?;
                self.budget.charge(inner.data.len() as u64, self.limits).map_err(|e| e.to_string())?;
                if sniff(&inner.data) == Format::Tar {
                    self.list_tar(Some(prefix), inner.data, depth)
                } else {
                    Err("gzip data is not a tar archive".into())
                }
            }
            Format::Other => Err("not a zip, tar or tar.gz archive".into()),
        }
    }

    fn list_zip(&mut self, prefix: Option<&str>, data: Vec<u8>, depth: u8) -> Result<usize, String> {
        let archive =
            ZipArchive::new(Cursor::new(Shared(Arc::new(data)))).map_err(|e| format!("zip: {e}"))?;
        let mut count = 0;
        for index in 0..archive.len() {
            let Ok(entry) = archive.by_index_data(index) else { continue };
            let name = match entry.name() {
                Ok(n) => n.into_owned(),
                Err(_) => String::from_utf8_lossy(entry.name_raw()).into_owned(),
            };
            if entry.is_dir() {
                continue;
            }
            count += 1;
            let size = entry.size();
            let year = entry.last_modified().map(|t| i32::from(t.year())).filter(|y| *y > 1980);
            let logical = join(prefix, &normalize(&name));
            self.add_dated(logical, size, depth, Source::Zip { archive: archive.clone(), index }, year);
        }
        Ok(count)
    }

    fn list_tar(&mut self, prefix: Option<&str>, data: Vec<u8>, depth: u8) -> Result<usize, String> {
        let shared = Shared(Arc::new(data));
        let mut archive = tar::Archive::new(shared.as_ref());
        let entries = archive.entries().map_err(|e| format!("tar: {e}"))?;
        let mut count = 0;
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(err) if count == 0 => return Err(format!("tar: {err}")),
                Err(err) => {
                    let at = join(prefix, "");
                    let detail = format!("tar stops after {count} entries: {err}");
                    self.note(&at, ArtifactKind::Archive, 0, MemberStatus::Partial, detail);
                    break;
                }
            };
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let logical = join(prefix, &normalize(&name));
            let size = entry.size();
            let kind = entry.header().entry_type();
            if kind.is_dir() {
                continue;
            }
            count += 1;
            if !(kind.is_file() || kind == tar::EntryType::Continuous) {
                let detail = format!("tar entry of type {kind:?}; links and devices are not followed");
                self.note(&logical, ArtifactKind::Unknown, size, MemberStatus::Skipped, detail);
                continue;
            }
            let start = usize::try_from(entry.raw_file_position()).unwrap_or(usize::MAX);
            let end = start.saturating_add(usize::try_from(size).unwrap_or(usize::MAX));
            let year = entry.header().mtime().ok().and_then(year_of_unix).filter(|y| *y > 1980);
            self.add_dated(
                logical,
                size,
                depth,
                Source::Slice { data: shared.clone(), range: start..end },
                year,
            );
        }
        Ok(count)
    }
}

fn year_of_unix(secs: u64) -> Option<i32> {
    use chrono::Datelike;
    chrono::DateTime::from_timestamp(i64::try_from(secs).ok()?, 0).map(|t| t.year())
}

fn join(prefix: Option<&str>, inner: &str) -> String {
    match prefix {
        Some(p) => nest(p, inner),
        None => inner.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Zip,
    Tar,
    Gzip,
    Other,
}

fn sniff(data: &[u8]) -> Format {
    if data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") || data.starts_with(b"PK\x07\x08") {
        Format::Zip
    } else if data.starts_with(&[0x1f, 0x8b]) {
        Format::Gzip
    } else if data.get(257..262) == Some(b"ustar") {
        Format::Tar
    } else {
        Format::Other
    }
}

/// Opens a bundle file held in memory, whatever its container.
pub(super) fn open_top_level(
    shown: &str,
    file_name: &str,
    data: Vec<u8>,
    limits: &Limits,
) -> Result<Listing, IntakeError> {
    let mut walker = Walker { limits, listing: Listing::default(), budget: ReadBudget::default() };
    let corrupt = |format, reason| IntakeError::Corrupt { path: shown.to_string(), format, reason };
    match sniff(&data) {
        Format::Zip => {
            walker.list_zip(None, data, 0).map_err(|r| corrupt("zip", r))?;
        }
        Format::Tar => {
            walker.list_tar(None, data, 0).map_err(|r| corrupt("tar", r))?;
        }
        Format::Gzip => {
            let inner = gunzip(&data, limits).map_err(|e| corrupt("gzip", e.to_string()))?;
            if sniff(&inner.data) == Format::Tar {
                walker.list_tar(None, inner.data, 0).map_err(|r| corrupt("tar", r))?;
            } else {
                // A lone compressed file: the bundle is that one member.
                let name = file_name.strip_suffix(".gz").unwrap_or(file_name).to_string();
                let len = inner.data.len();
                let shared = Shared(Arc::new(inner.data));
                walker.add(name, len as u64, 0, Source::Slice { data: shared, range: 0..len });
            }
        }
        Format::Other => {
            let len = data.len();
            let sniffed = super::sniff::text_kind(&data);
            let source = Source::Slice { data: Shared(Arc::new(data)), range: 0..len };
            walker.add(file_name.to_string(), len as u64, 0, source);
            // A lone file named unlike any artifact (`case-1234.log`) is classified by its content.
            if let (Some(kind), Some(member)) = (sniffed, walker.listing.members.last_mut()) {
                if member.kind == ArtifactKind::Unknown {
                    member.kind = kind;
                }
            }
        }
    }
    Ok(walker.listing)
}

/// Lists a directory tree. Links are not followed (they are noted); unreadable folders are noted.
pub(super) fn walk_directory(root: &Path, limits: &Limits) -> Listing {
    let mut walker = Walker { limits, listing: Listing::default(), budget: ReadBudget::default() };
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rel = |p: &Path| normalize(&p.strip_prefix(root).unwrap_or(p).to_string_lossy());
        let mut entries: Vec<_> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd.filter_map(Result::ok).collect(),
            Err(err) => {
                walker.note(&rel(&dir), ArtifactKind::Unknown, 0, MemberStatus::Failed, err.to_string());
                continue;
            }
        };
        entries.sort_by_key(|e| e.file_name());
        let mut subdirs = Vec::new();
        for entry in entries {
            let path = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_symlink() {
                walker.note(
                    &rel(&path),
                    ArtifactKind::Unknown,
                    0,
                    MemberStatus::Skipped,
                    "symbolic link; not followed".into(),
                );
            } else if ft.is_dir() {
                subdirs.push(path);
            } else if ft.is_file() {
                let meta = entry.metadata().ok();
                let size = meta.as_ref().map(|m| m.len()).unwrap_or(0);
                let year = meta
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .and_then(|d| year_of_unix(d.as_secs()));
                walker.add_dated(rel(&path), size, 0, Source::File(path), year);
            }
        }
        // Depth-first in name order: push in reverse so the first name is visited first.
        stack.extend(subdirs.into_iter().rev());
    }
    walker.listing
}
