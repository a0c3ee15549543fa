//! Containers: zip, tar (plain or gzipped), single gzip files, directories — listed into members, with
//! archives found inside opened in place up to the depth limit.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zip::read::ZipReadOptions;
use zip::result::ZipError;
use zip::ZipArchive;

use super::blob::{Blob, BlobReader};
use super::path::{classification_path, nest, normalize};
use super::read::{
    gunzip, read_limited, stream_limited, MemberBytes, MemberError, Meter, ReadBudget, StreamEnd,
};
use super::spill::gunzip_spilling;
use super::zipscan::{self, LocalEntry, ScanEnd};
use super::{IntakeError, Limits, Listing};
use crate::artifacts::{classify, ArtifactKind};
use crate::inventory::{InventoryEntry, MemberStatus};

/// Why an archive held in memory could not be listed. The text becomes the archive's inventory detail, or the
/// reason of [`IntakeError::Corrupt`] for the bundle itself.
#[derive(Debug, thiserror::Error)]
enum ArchiveError {
    /// A nested gzip layer could not be inflated.
    #[error("gzip: {0}")]
    Gzip(#[source] MemberError),
    /// A nested gzip layer that does not hold a tar archive.
    #[error("gzip data is not a tar archive")]
    GzipNotTar,
    /// A nested archive in none of the formats intake opens.
    #[error("not a zip, tar or tar.gz archive")]
    UnknownFormat,
    /// The zip's central directory is unreadable and scanning finds no member.
    #[error("zip: {0}")]
    Zip(#[source] ZipError),
    /// The zip's central directory reads, but neither it nor a scan yields a member.
    #[error("zip: no members")]
    ZipEmpty,
    /// The zip's central directory is unreadable and the data stops inside the first member's header.
    #[error("zip: {directory}; cut off after {total} bytes, inside the first member's header")]
    ZipHeaderCut {
        /// Why the central directory could not be read.
        #[source]
        directory: ZipError,
        /// Bytes of archive data present.
        total: usize,
    },
    /// The tar's first entry cannot be read.
    #[error("tar: {0}")]
    Tar(#[source] std::io::Error),
    /// The archive's bytes could not be read from the bundle file.
    #[error("reading the bundle file: {0}")]
    Read(#[source] std::io::Error),
}

/// Where a member's bytes live.
#[derive(Debug, Clone)]
enum Source {
    /// A zip member listed by the central directory.
    Zip { archive: ZipArchive<BlobReader>, data: Blob, index: usize },
    /// A zip member found by the local-header scan (no usable central directory); `data` is in memory.
    ZipLocal { data: Blob, entry: Arc<LocalEntry>, cut: Option<String> },
    /// A range of a container's bytes (a tar member, a whole single-file bundle); `cut` says why they stop
    /// short of the member's declared end.
    Slice { data: Blob, range: Range<u64>, cut: Option<String> },
    /// A file of a bundle folder.
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
    /// Reads the member's bytes (decompressing archive and gzip layers) under the limits, which are checked
    /// while the bytes flow.
    pub fn read(&self, limits: &Limits, budget: &ReadBudget) -> Result<MemberBytes, MemberError> {
        let raw = self.read_stored(limits, budget)?;
        if !self.gzipped {
            return Ok(raw);
        }
        let mut out = gunzip(&raw.data, limits, budget)?;
        if let Some(why) = raw.truncated {
            // The gzip data itself stops short: that is the first cause.
            out.truncated = Some(match out.truncated {
                Some(inner) => format!("{why}; {inner}"),
                None => why,
            });
        }
        Ok(out)
    }

    /// The decoded size to expect: the declared size, or a typical ten times the stored size of a gzipped
    /// log (for planning and progress only; limits are checked on the real bytes).
    pub fn expected_bytes(&self) -> u64 {
        self.declared_size.saturating_mul(if self.gzipped { 10 } else { 1 })
    }

    /// Streams the member's decoded bytes (archive and gzip layers removed) to `consume` in chunks, under the
    /// limits, which are checked while the bytes flow; `consume` returns `false` to stop early. Nothing of the
    /// member is held here beyond one chunk.
    pub fn stream(
        &self,
        limits: &Limits,
        budget: &ReadBudget,
        consume: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Result<StreamEnd, MemberError> {
        let stored = self.stored_size()?;
        let gzipped = self.gzipped;
        let open = |meter: &Meter, consume: &mut dyn FnMut(&mut dyn Read)| {
            self.open_stored(meter, &mut |raw| {
                if gzipped {
                    consume(&mut flate2::read::MultiGzDecoder::new(raw));
                } else {
                    consume(raw);
                }
            })
        };
        let mut any = false;
        let end = stream_limited(&open, stored, limits, budget, &mut |chunk| {
            any = true;
            consume(chunk)
        });
        let end = match end {
            Ok(end) if gzipped && !any && end.truncated.is_none() && stored > 0 => {
                return Err(MemberError::Corrupt("gzip stream holds no data".into()))
            }
            other => other,
        };
        let Some(why) = self.cut() else { return end };
        match end {
            Ok(mut end) if end.bytes > 0 => {
                end.truncated = Some(match end.truncated {
                    Some(inner) if gzipped => format!("{why}; {inner}"),
                    _ => format!("{why}; {} bytes read", end.bytes),
                });
                Ok(end)
            }
            Ok(_) | Err(MemberError::Corrupt(_)) => {
                Err(MemberError::Corrupt(format!("{why}; nothing readable")))
            }
            Err(other) => Err(other),
        }
    }

    /// Why the member's stored bytes stop short of its declared end, when its archive is cut off.
    fn cut(&self) -> Option<&str> {
        match &self.source {
            Source::ZipLocal { cut, .. } | Source::Slice { cut, .. } => cut.as_deref(),
            Source::Zip { .. } | Source::File(_) => None,
        }
    }

    /// The member's size in its container (compressed size for a zip entry).
    fn stored_size(&self) -> Result<u64, MemberError> {
        Ok(match &self.source {
            Source::Zip { archive, index, .. } => {
                archive.by_index_data(*index).map_err(zip_error)?.compressed_size()
            }
            Source::ZipLocal { entry, .. } => entry.compressed,
            Source::Slice { range, .. } => range.end - range.start,
            Source::File(path) => {
                std::fs::metadata(path).map(|m| m.len()).map_err(|e| MemberError::Corrupt(e.to_string()))?
            }
        })
    }

    /// Opens the member's stored stream (the zip entry decompressed, the file, the slice), its raw input
    /// counted by `meter`, and hands it to `consume`.
    fn open_stored(&self, meter: &Meter, consume: &mut dyn FnMut(&mut dyn Read)) -> Result<(), MemberError> {
        match &self.source {
            Source::Zip { archive, data, index } => {
                let entry = archive.by_index_data(*index).map_err(zip_error)?;
                let mut raw = meter.wrap(data.buffered(0..data.len()));
                let mut file = entry.with_reader(&mut raw, ZipReadOptions::new()).map_err(zip_error)?;
                consume(&mut file);
            }
            Source::ZipLocal { data, entry, cut } => {
                let mut reader = data.buffered(0..data.len());
                reader
                    .seek(SeekFrom::Start(entry.offset as u64))
                    .map_err(|e| MemberError::Corrupt(e.to_string()))?;
                let mut raw = meter.wrap(reader);
                let mut options = ZipReadOptions::new();
                if entry.descriptor {
                    options = options
                        .override_compressed_size(entry.compressed)
                        .override_uncompressed_size(entry.uncompressed)
                        .override_crc(entry.crc32);
                }
                if cut.is_some() {
                    options = options.ignore_crc32(true);
                }
                match zip::read::read_zipfile_from_stream_with_options(&mut raw, options) {
                    Ok(Some(mut file)) => consume(&mut file),
                    Ok(None) => return Err(MemberError::Corrupt("zip: no local header here".into())),
                    Err(e) => return Err(zip_error(e)),
                };
            }
            Source::Slice { data, range, .. } => {
                if range.end > data.len() {
                    return Err(MemberError::Corrupt("member data lies past the end of its archive".into()));
                }
                consume(&mut meter.wrap(data.buffered(range.clone())));
            }
            Source::File(path) => {
                let file = std::fs::File::open(path).map_err(|e| MemberError::Corrupt(e.to_string()))?;
                consume(&mut meter.wrap(file));
            }
        }
        Ok(())
    }

    fn read_stored(&self, limits: &Limits, budget: &ReadBudget) -> Result<MemberBytes, MemberError> {
        let stored = self.stored_size()?;
        let open = |meter: &Meter, consume: &mut dyn FnMut(&mut dyn Read)| self.open_stored(meter, consume);
        let read = read_limited(&open, stored, limits, budget);
        match &self.source {
            Source::ZipLocal { cut, .. } | Source::Slice { cut, .. } => with_cut(read, cut),
            Source::Zip { .. } | Source::File(_) => read,
        }
    }
}

impl Member {
    /// The container bytes the member is read from, when it lies in a container.
    pub(super) fn blob(&self) -> Option<&Blob> {
        match &self.source {
            Source::Zip { data, .. } | Source::ZipLocal { data, .. } | Source::Slice { data, .. } => {
                Some(data)
            }
            Source::File(_) => None,
        }
    }
}

fn zip_error(err: zip::result::ZipError) -> MemberError {
    if matches!(&err, zip::result::ZipError::UnsupportedArchive(m) if *m == zip::result::ZipError::PASSWORD_REQUIRED)
    {
        return MemberError::Corrupt("encrypted: no password; not read".into());
    }
    MemberError::Corrupt(format!("zip: {err}"))
}

/// A member known to stop short (its archive is cut off): says so whatever the decoder made of it.
fn with_cut(
    read: Result<MemberBytes, MemberError>,
    cut: &Option<String>,
) -> Result<MemberBytes, MemberError> {
    let Some(why) = cut else { return read };
    match read {
        Ok(mut bytes) if !bytes.data.is_empty() => {
            bytes.truncated = Some(format!("{why}; {} bytes read", bytes.data.len()));
            Ok(bytes)
        }
        Ok(_) | Err(MemberError::Corrupt(_)) => Err(MemberError::Corrupt(format!("{why}; nothing readable"))),
        Err(other) => Err(other),
    }
}

/// Listing state shared by the recursive walkers.
struct Walker<'l> {
    limits: &'l Limits,
    listing: Listing,
    budget: ReadBudget,
    /// How often each logical path was listed (duplicate names get a distinguishing suffix).
    seen: HashMap<String, u32>,
}

/// What opening one archive found: how many entries it listed, and what was wrong with it as a whole.
struct Opened {
    count: usize,
    format: &'static str,
    problem: Option<String>,
}

impl Opened {
    fn new(format: &'static str) -> Self {
        Opened { count: 0, format, problem: None }
    }

    /// The archive's own inventory row: status and detail.
    fn row(&self) -> (MemberStatus, String) {
        match &self.problem {
            Some(problem) => (MemberStatus::Partial, problem.clone()),
            None if self.count == 0 => {
                (MemberStatus::Skipped, format!("empty: the {} archive holds no members", self.format))
            }
            None => (MemberStatus::Parsed, format!("archive with {} members", self.count)),
        }
    }
}

impl Walker<'_> {
    fn new(limits: &Limits) -> Walker<'_> {
        Walker { limits, listing: Listing::default(), budget: ReadBudget::default(), seen: HashMap::new() }
    }

    fn note(&mut self, path: &str, kind: ArtifactKind, bytes: u64, status: MemberStatus, detail: String) {
        self.listing.notes.push(InventoryEntry {
            path: path.to_string(),
            kind: kind.name(),
            bytes,
            status,
            detail,
        });
    }

    /// `logical`, or `logical (duplicate N)` when an entry of that name was listed already.
    fn unique(&mut self, logical: String) -> String {
        let n = self.seen.entry(logical.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            logical
        } else {
            format!("{logical} (duplicate {n})")
        }
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
        // Classified by its own name; listed under a name no other entry has.
        let class = classify(&classification_path(&logical));
        let logical = self.unique(logical);
        if self.full(&logical, declared) {
            return;
        }
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

    /// Notes an entry that is not read (link, encrypted, cut header), under a unique name.
    fn skip_entry(&mut self, logical: String, bytes: u64, status: MemberStatus, detail: String) {
        let kind = classify(&classification_path(&logical)).kind;
        let logical = self.unique(logical);
        if !self.full(&logical, bytes) {
            self.note(&logical, kind, bytes, status, detail);
        }
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
            Ok(mut opened) => {
                if let Some(why) = bytes.truncated {
                    let problem = opened.problem.take().map(|p| format!("; {p}")).unwrap_or_default();
                    opened.problem = Some(format!(
                        "truncated: archive data stops short ({why}); {} members recovered{problem}",
                        opened.count
                    ));
                }
                let (status, detail) = opened.row();
                self.note(&logical, ArtifactKind::Archive, size, status, detail);
            }
            Err(err) => {
                self.note(&logical, ArtifactKind::Archive, size, MemberStatus::Failed, err.to_string())
            }
        }
    }

    /// Lists an in-memory archive's members under `prefix`.
    fn expand(&mut self, prefix: &str, data: Vec<u8>, depth: u8) -> Result<Opened, ArchiveError> {
        match sniff(&data) {
            Format::Zip => self.list_zip(Some(prefix), prefix, Blob::memory(data), depth),
            Format::Tar => self.list_tar(Some(prefix), prefix, Blob::memory(data), depth, None),
            Format::Gzip => {
                let compressed = data.len();
                let inner = gunzip(&data, self.limits, &self.budget).map_err(ArchiveError::Gzip)?;
                drop(data);
                if sniff(&inner.data) == Format::Tar {
                    let cut =
                        inner.truncated.as_deref().map(|why| gzip_cut(compressed, inner.data.len(), why));
                    self.list_tar(Some(prefix), prefix, Blob::memory(inner.data), depth, cut)
                } else {
                    Err(ArchiveError::GzipNotTar)
                }
            }
            Format::Other => Err(ArchiveError::UnknownFormat),
        }
    }

    /// Lists a zip by its central directory; by a local-header scan when the directory is missing, damaged or
    /// names two members alike. `label` names the archive in rows about it.
    ///
    /// The directory is read by offset, and so are the members it lists. Only the scan needs the archive in
    /// memory: a zip on disk with an unusable directory is read whole for it (no larger than the bundle size
    /// limit, checked when the bundle was opened).
    fn list_zip(
        &mut self,
        prefix: Option<&str>,
        label: &str,
        data: Blob,
        depth: u8,
    ) -> Result<Opened, ArchiveError> {
        let total = usize::try_from(data.len()).unwrap_or(usize::MAX);
        let directory_error = match ZipArchive::new(data.whole()) {
            Ok(archive) if !archive.has_duplicate_names() => {
                return Ok(self.list_zip_directory(prefix, archive, data, depth));
            }
            Ok(_) => None,
            Err(err) => Some(err),
        };
        let bytes = data.to_memory().map_err(ArchiveError::Read)?;
        let total = total.min(bytes.len());
        let shared = Blob::Memory(bytes.clone());
        let scan = zipscan::scan(&bytes, self.limits.max_members);
        let Some(first) = scan.entries.first() else {
            return Err(directory_error.map_or(ArchiveError::ZipEmpty, ArchiveError::Zip));
        };
        if first.header_cut() && scan.entries.len() == 1 && first.name.is_empty() {
            if let Some(directory) = directory_error {
                // Not even one member's header: nothing to recover.
                return Err(ArchiveError::ZipHeaderCut { directory, total });
            }
        }
        let mut opened = Opened::new("zip");
        let mut recovered = 0;
        let mut cut_members = 0;
        for entry in scan.entries {
            if entry.is_dir() && entry.cut.is_none() {
                continue;
            }
            opened.count += 1;
            let raw_name = String::from_utf8_lossy(&entry.name).into_owned();
            let mut inner = normalize(&raw_name);
            if inner.is_empty() {
                inner = format!("{label} (member at byte {})", entry.offset);
            }
            let logical = join(prefix, &inner);
            if entry.header_cut() {
                cut_members += 1;
                let detail = format!(
                    "archive cut off after {total} bytes, inside this member's header (at byte {})",
                    entry.offset
                );
                self.skip_entry(logical, 0, MemberStatus::Failed, detail);
                continue;
            }
            if entry.encrypted() {
                self.skip_entry(
                    logical,
                    entry.uncompressed,
                    MemberStatus::Skipped,
                    "encrypted: no password; not read".into(),
                );
                continue;
            }
            let cut = entry.cut.map(|_| {
                cut_members += 1;
                let have = total - entry.data_start;
                if entry.descriptor {
                    format!("archive cut off after {total} bytes, inside this member ({have} compressed bytes present)")
                } else {
                    format!(
                        "archive cut off after {total} bytes, inside this member ({have} of {} compressed bytes present)",
                        entry.compressed
                    )
                }
            });
            if cut.is_none() {
                recovered += 1;
            }
            let year = entry.year.filter(|y| *y > 1980);
            let declared = entry.uncompressed;
            let source = Source::ZipLocal { data: shared.clone(), entry: Arc::new(entry), cut };
            self.add_dated(logical, declared, depth, source, year);
        }
        if let Some(err) = directory_error {
            let how = match scan.end {
                ScanEnd::Directory => format!("damaged: central directory unreadable ({err})"),
                _ => "truncated: central directory missing".to_string(),
            };
            let mut problem =
                format!("{how}; {total} bytes; {recovered} members recovered by local-header scan");
            if cut_members > 0 {
                problem.push_str(&format!(", {cut_members} cut off"));
            }
            if let ScanEnd::Garbage(at) = scan.end {
                problem.push_str(&format!("; unreadable data from byte {at}"));
            }
            opened.problem = Some(problem);
        }
        Ok(opened)
    }

    fn list_zip_directory(
        &mut self,
        prefix: Option<&str>,
        archive: ZipArchive<BlobReader>,
        shared: Blob,
        depth: u8,
    ) -> Opened {
        let mut opened = Opened::new("zip");
        for index in 0..archive.len() {
            let entry = match archive.by_index_data(index) {
                Ok(entry) => entry,
                Err(err) => {
                    opened.count += 1;
                    let logical = join(prefix, &format!("(zip entry {index})"));
                    self.skip_entry(logical, 0, MemberStatus::Failed, format!("zip: {err}"));
                    continue;
                }
            };
            let name = match entry.name() {
                Ok(n) => n.into_owned(),
                Err(_) => String::from_utf8_lossy(entry.name_raw()).into_owned(),
            };
            if entry.is_dir() {
                continue;
            }
            opened.count += 1;
            let size = entry.size();
            let mut inner = normalize(&name);
            if inner.is_empty() {
                inner = format!("(zip entry {index})");
            }
            let logical = join(prefix, &inner);
            if entry.encrypted() {
                self.skip_entry(
                    logical,
                    size,
                    MemberStatus::Skipped,
                    "encrypted: no password; not read".into(),
                );
                continue;
            }
            if entry.is_symlink() {
                self.skip_entry(logical, size, MemberStatus::Skipped, "symbolic link; not followed".into());
                continue;
            }
            let year = entry.last_modified().map(|t| i32::from(t.year())).filter(|y| *y > 1980);
            let source = Source::Zip { archive: archive.clone(), data: shared.clone(), index };
            self.add_dated(logical, size, depth, source, year);
        }
        opened
    }

    /// Lists a tar held in memory, in a spill file or in the bundle file, reading only its headers. `cut` says
    /// why the data stops short when the caller knows (a cut gzip).
    fn list_tar(
        &mut self,
        prefix: Option<&str>,
        label: &str,
        data: Blob,
        depth: u8,
        cut: Option<String>,
    ) -> Result<Opened, ArchiveError> {
        let total = usize::try_from(data.len()).unwrap_or(usize::MAX);
        let mut archive = tar::Archive::new(TarHeaders(data.whole()));
        let entries = archive.entries_with_seek().map_err(ArchiveError::Tar)?;
        let mut opened = Opened::new("tar");
        let mut stopped = None;
        let mut end_of_data = 0usize;
        let mut cut_members = 0;
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(err) if opened.count == 0 && cut.is_none() => return Err(ArchiveError::Tar(err)),
                Err(err) => {
                    stopped = Some(err.to_string());
                    break;
                }
            };
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let mut inner = normalize(&name);
            if inner.is_empty() {
                inner = format!("{label} (entry at byte {})", entry.raw_header_position());
            }
            let logical = join(prefix, &inner);
            let size = entry.size();
            let kind = entry.header().entry_type();
            let start = usize::try_from(entry.raw_file_position()).unwrap_or(usize::MAX);
            let end = start.saturating_add(usize::try_from(size).unwrap_or(usize::MAX));
            end_of_data = end_of_data.max(end);
            if kind.is_dir() {
                continue;
            }
            opened.count += 1;
            if !(kind.is_file() || kind == tar::EntryType::Continuous) {
                let target = entry.link_name_bytes().map(|t| String::from_utf8_lossy(&t).into_owned());
                let detail = match (kind, target) {
                    (tar::EntryType::Symlink, Some(t)) => format!("symbolic link to {t}; not followed"),
                    (tar::EntryType::Link, Some(t)) => format!("hard link to {t}; not followed"),
                    _ => format!("tar entry of type {kind:?}; links and devices are not followed"),
                };
                self.skip_entry(logical, size, MemberStatus::Skipped, detail);
                continue;
            }
            let member_cut = (end > total).then(|| {
                cut_members += 1;
                let have = total.saturating_sub(start);
                format!("archive cut off after {total} bytes of tar data, inside this member ({have} of {size} bytes present)")
            });
            let range = start.min(total) as u64..end.min(total) as u64;
            let year = entry.header().mtime().ok().and_then(year_of_unix).filter(|y| *y > 1980);
            let source = Source::Slice { data: data.clone(), range, cut: member_cut };
            self.add_dated(logical, size, depth, source, year);
        }
        let recovered = opened.count - cut_members;
        let mut problems = Vec::new();
        if let Some(why) = cut {
            problems.push(why);
        }
        if let Some(err) = stopped {
            problems.push(format!("tar stops after {} entries: {err}", opened.count));
        }
        if problems.is_empty() && opened.count > 0 && end_of_data.div_ceil(512) * 512 >= total {
            problems
                .push(format!("truncated: tar ends after {total} bytes without its end-of-archive blocks"));
        }
        if !problems.is_empty() {
            let mut problem = problems.join("; ");
            problem.push_str(&format!("; {recovered} members recovered"));
            if cut_members > 0 {
                problem.push_str(&format!(", {cut_members} cut off"));
            }
            opened.problem = Some(problem);
        }
        Ok(opened)
    }
}

/// A tar's bytes while its headers are read: the member data between them is skipped by seeking, and a skip
/// past the end of the data fails as reading over it would (a member cut off stops the listing alike).
struct TarHeaders(BlobReader);

impl Read for TarHeaders {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Seek for TarHeaders {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let len = self.0.len();
        let here = self.0.stream_position()?;
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => len.checked_add_signed(d),
            SeekFrom::Current(d) => here.checked_add_signed(d),
        };
        match target {
            Some(target) if target <= len => self.0.seek(SeekFrom::Start(target)),
            _ => {
                // Where reading over the gap would have stopped.
                self.0.seek(SeekFrom::Start(len))?;
                Err(std::io::Error::other("unexpected EOF during skip"))
            }
        }
    }
}

/// The reason a gzip layer stops short: cut off (the data ends) or damaged (it stops making sense).
fn gzip_cut(compressed: usize, inflated: usize, why: &str) -> String {
    if why.starts_with("truncated data") {
        format!("truncated: gzip stream cut off after {compressed} compressed bytes ({why}); {inflated} bytes inflated")
    } else {
        format!(
            "damaged: gzip stream of {compressed} bytes unreadable after {inflated} inflated bytes ({why})"
        )
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
    } else if data.get(257..262) == Some(b"ustar") || is_empty_tar(data) {
        Format::Tar
    } else {
        Format::Other
    }
}

/// A tar with no entries: nothing but its end-of-archive blocks (zeros, in whole 512-byte blocks).
fn is_empty_tar(data: &[u8]) -> bool {
    data.len() >= 1024 && data.len() % 512 == 0 && data.iter().all(|b| *b == 0)
}

/// The format of a bundle file, from its first bytes (and, for a file of zeros, all of them).
fn sniff_blob(data: &Blob) -> std::io::Result<Format> {
    if let Blob::Memory(bytes) = data {
        return Ok(sniff(bytes));
    }
    let head = data.head(SNIFF_HEAD_BYTES)?;
    let format = sniff(&head);
    let len = data.len();
    if format != Format::Other || len < 1024 || len % 512 != 0 || head.iter().any(|b| *b != 0) {
        return Ok(format);
    }
    let mut zeros = true;
    data.for_each_block(&mut |block| zeros &= block.iter().all(|b| *b == 0))?;
    Ok(if zeros { Format::Tar } else { Format::Other })
}

/// Bytes read from the start of a bundle file to tell its format.
const SNIFF_HEAD_BYTES: usize = 64 << 10;

/// Opens a bundle file, on disk or in memory, whatever its container. Zip and tar members are ranges of
/// `data`, read by offset; a gzip is inflated from it once (see [`gunzip_spilling`]).
pub(super) fn open_top_level(
    shown: &str,
    file_name: &str,
    data: Blob,
    limits: &Limits,
) -> Result<Listing, IntakeError> {
    let mut walker = Walker::new(limits);
    let corrupt = |format, reason: &dyn std::fmt::Display| IntakeError::Corrupt {
        path: shown.to_string(),
        format,
        reason: reason.to_string(),
    };
    let io = |source| IntakeError::Io { path: shown.to_string(), source };
    let total = data.len();
    let opened = match sniff_blob(&data).map_err(io)? {
        Format::Zip => Some(walker.list_zip(None, file_name, data, 0).map_err(|r| corrupt("zip", &r))?),
        Format::Tar => Some(walker.list_tar(None, file_name, data, 0, None).map_err(|r| corrupt("tar", &r))?),
        Format::Gzip => {
            let compressed = usize::try_from(data.len()).unwrap_or(usize::MAX);
            let (inner, truncated) =
                gunzip_spilling(&data, limits, &walker.budget).map_err(|e| corrupt("gzip", &e))?;
            drop(data);
            let inflated = usize::try_from(inner.len()).unwrap_or(usize::MAX);
            let cut = truncated.as_deref().map(|why| gzip_cut(compressed, inflated, why));
            if sniff_blob(&inner).map_err(io)? == Format::Tar {
                Some(walker.list_tar(None, file_name, inner, 0, cut).map_err(|r| corrupt("tar", &r))?)
            } else {
                // A lone compressed file: the bundle is that one member.
                let mut name = file_name.strip_suffix(".gz").unwrap_or(file_name).to_string();
                if name.is_empty() {
                    name = file_name.to_string();
                }
                let len = inner.len();
                walker.add(name, len, 0, Source::Slice { data: inner, range: 0..len, cut });
                None
            }
        }
        Format::Other => {
            let len = data.len();
            let sniffed = super::sniff::text_kind(&data.head(super::sniff::SNIFF_BYTES).map_err(io)?);
            walker.add(file_name.to_string(), len, 0, Source::Slice { data, range: 0..len, cut: None });
            // A lone file named unlike any artifact (`case-1234.log`) is classified by its content.
            if let (Some(kind), Some(member)) = (sniffed, walker.listing.members.last_mut()) {
                if member.kind == ArtifactKind::Unknown {
                    member.kind = kind;
                }
            }
            None
        }
    };
    // The bundle's own row, when something about it as a whole must be said (cut off, damaged, empty).
    if let Some(opened) = opened {
        let (status, detail) = opened.row();
        if status != MemberStatus::Parsed {
            walker.note(file_name, ArtifactKind::Archive, total, status, detail);
        }
    }
    Ok(walker.listing)
}

/// Lists a directory tree. Links are not followed, and nothing that is not a regular file is read; each such
/// entry is noted with its reason, as are unreadable folders.
pub(super) fn walk_directory(root: &Path, limits: &Limits) -> Listing {
    let mut walker = Walker::new(limits);
    let mut stack = vec![root.to_path_buf()];
    let root_name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| root.display().to_string());
    while let Some(dir) = stack.pop() {
        let rel = |p: &Path| {
            let r = normalize(&p.strip_prefix(root).unwrap_or(p).to_string_lossy());
            if r.is_empty() {
                root_name.clone()
            } else {
                r
            }
        };
        let mut entries: Vec<_> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd.collect(),
            Err(err) => {
                walker.note(
                    &rel(&dir),
                    ArtifactKind::Unknown,
                    0,
                    MemberStatus::Failed,
                    format!("unreadable folder: {err}"),
                );
                continue;
            }
        };
        entries.sort_by_key(|e| e.as_ref().map(|e| e.file_name()).ok());
        let mut subdirs = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let detail = format!("folder entry unreadable: {err}");
                    walker.note(&rel(&dir), ArtifactKind::Unknown, 0, MemberStatus::Failed, detail);
                    continue;
                }
            };
            let path = entry.path();
            let kind = classify(&classification_path(&rel(&path))).kind;
            let ft = match entry.file_type() {
                Ok(ft) => ft,
                Err(err) => {
                    walker.note(&rel(&path), kind, 0, MemberStatus::Failed, format!("unreadable: {err}"));
                    continue;
                }
            };
            if ft.is_symlink() {
                let detail = match std::fs::read_link(&path) {
                    Ok(target) => format!("symbolic link to {}; not followed", target.display()),
                    Err(_) => "symbolic link; not followed".into(),
                };
                walker.note(&rel(&path), kind, 0, MemberStatus::Skipped, detail);
            } else if ft.is_dir() {
                if kind != ArtifactKind::Unknown && kind != ArtifactKind::Archive {
                    let detail = format!(
                        "a folder where a {} file is expected; its contents are listed on their own",
                        kind.name()
                    );
                    walker.note(&rel(&path), kind, 0, MemberStatus::Skipped, detail);
                }
                subdirs.push(path);
            } else if ft.is_file() {
                let meta = entry.metadata().ok();
                let size = meta.as_ref().map(|m| m.len()).unwrap_or(0);
                let year = meta
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .and_then(|d| year_of_unix(d.as_secs()));
                walker.add_dated(rel(&path), size, 0, Source::File(path), year);
            } else {
                let what = special_kind(&ft);
                walker.note(
                    &rel(&path),
                    kind,
                    0,
                    MemberStatus::Skipped,
                    format!("{what}, not a regular file; not read"),
                );
            }
        }
        // Depth-first in name order: push in reverse so the first name is visited first.
        stack.extend(subdirs.into_iter().rev());
    }
    if walker.listing.members.is_empty() && walker.listing.notes.is_empty() {
        walker.note(
            &root_name,
            ArtifactKind::Unknown,
            0,
            MemberStatus::Skipped,
            "empty: the folder holds no files".into(),
        );
    }
    walker.listing
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a named pipe (FIFO)"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use super::*;

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, data) in members {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn detail_of<'l>(listing: &'l Listing, path: &str) -> &'l InventoryEntry {
        listing.notes.iter().find(|n| n.path == path).unwrap_or_else(|| panic!("no row for {path}"))
    }

    #[test]
    fn a_nested_archive_that_cannot_be_listed_says_why_in_its_row() {
        let not_tar = gz(b"plain text, not a tar");
        let bundle = zip_of(&[("inner.zip", b"hello"), ("inner.tar.gz", &not_tar)]);
        let listing = open_top_level("b.zip", "b.zip", Blob::memory(bundle), &Limits::default()).unwrap();
        let row = detail_of(&listing, "inner.zip");
        assert_eq!(
            (row.status, row.detail.as_str()),
            (MemberStatus::Failed, "not a zip, tar or tar.gz archive")
        );
        let row = detail_of(&listing, "inner.tar.gz");
        assert_eq!(
            (row.status, row.detail.as_str()),
            (MemberStatus::Failed, "gzip data is not a tar archive")
        );
    }

    #[test]
    fn a_bundle_cut_inside_its_first_header_is_corrupt_with_the_directory_error() {
        let bytes = Blob::memory(b"PK\x03\x04\x14\0\0\0".to_vec());
        let err = open_top_level("b.zip", "b.zip", bytes, &Limits::default()).unwrap_err();
        let IntakeError::Corrupt { format, reason, .. } = err else { panic!("{err:?}") };
        assert_eq!(format, "zip");
        assert!(reason.starts_with("zip: "), "{reason}");
        assert!(reason.ends_with("; cut off after 8 bytes, inside the first member's header"), "{reason}");
    }

    #[test]
    fn archive_errors_keep_their_cause() {
        use std::error::Error as _;
        let err = ArchiveError::Tar(std::io::Error::other("bad header"));
        assert_eq!(err.to_string(), "tar: bad header");
        assert_eq!(err.source().map(|s| s.to_string()).as_deref(), Some("bad header"));
    }
}
