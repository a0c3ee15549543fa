//! A local-header scan of a zip archive whose central directory is missing (a download cut short) or cannot
//! be used (damaged, or naming two members alike): walks the local file headers from the start of the data
//! and says where each member's data lies. Pure, bounded by the input and an entry count, never panics.

/// Local file header signature.
const LOCAL: &[u8; 4] = b"PK\x03\x04";
/// Central directory header signature.
const CENTRAL: &[u8; 4] = b"PK\x01\x02";
/// Data descriptor signature (optional in front of a descriptor).
const DESCRIPTOR: &[u8; 4] = b"PK\x07\x08";
/// Fixed part of a local header.
const HEADER_LEN: usize = 30;

/// One member found by its local header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalEntry {
    /// Offset of the local header.
    pub offset: usize,
    /// The name as stored (possibly cut short when the header is cut).
    pub name: Vec<u8>,
    /// General-purpose flags.
    pub flags: u16,
    /// Year of the DOS modification date.
    pub year: Option<i32>,
    /// CRC-32 (from the data descriptor when there is one).
    pub crc32: u32,
    /// Compressed size (from the header, its zip64 field, or the data descriptor).
    pub compressed: u64,
    /// Uncompressed size, likewise.
    pub uncompressed: u64,
    /// Where the data starts (clipped to the input).
    pub data_start: usize,
    /// The sizes come from a data descriptor after the data.
    pub descriptor: bool,
    /// Where the member would end, past the input's end: the header or the data is cut off.
    pub cut: Option<u64>,
}

impl LocalEntry {
    /// The member is encrypted.
    pub fn encrypted(&self) -> bool {
        self.flags & 1 != 0
    }

    /// The entry is a directory.
    pub fn is_dir(&self) -> bool {
        self.name.ends_with(b"/") || self.name.ends_with(b"\\")
    }

    /// The local header itself is incomplete: the name and sizes cannot be trusted, nothing can be read.
    pub fn header_cut(&self) -> bool {
        self.cut.is_some() && self.data_start == self.offset
    }
}

/// Why the scan stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanEnd {
    /// At the central directory (or the end-of-central-directory record).
    Directory,
    /// At the end of the input (cut off, or a member cut off).
    EndOfData,
    /// At bytes that are no zip structure.
    Garbage(usize),
    /// At the entry limit.
    Limit,
}

/// The members found, and where the scan stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scan {
    /// Members in archive order (directories included).
    pub entries: Vec<LocalEntry>,
    /// Why it stopped.
    pub end: ScanEnd,
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

/// Scans `data` from its first local header, listing at most `max_entries` members.
pub(crate) fn scan(data: &[u8], max_entries: usize) -> Scan {
    let mut entries = Vec::new();
    // A spanned-archive marker may precede the first header.
    let mut pos = if data.starts_with(DESCRIPTOR) { 4 } else { 0 };
    loop {
        if entries.len() >= max_entries {
            return Scan { entries, end: ScanEnd::Limit };
        }
        let rest = &data[pos.min(data.len())..];
        if rest.is_empty() {
            return Scan { entries, end: ScanEnd::EndOfData };
        }
        if !rest.starts_with(LOCAL) {
            let end = if rest.starts_with(b"PK\x01\x02")
                || rest.starts_with(b"PK\x05\x06")
                || rest.starts_with(b"PK\x06\x06")
            {
                ScanEnd::Directory
            } else if LOCAL.starts_with(rest) {
                // A signature cut in half.
                ScanEnd::EndOfData
            } else {
                ScanEnd::Garbage(pos)
            };
            if end == ScanEnd::EndOfData {
                entries.push(cut_header(pos, Vec::new(), pos + HEADER_LEN));
            }
            return Scan { entries, end };
        }
        let Some(entry) = header(data, pos) else {
            // Fixed part, name or extra field cut off.
            let name_len = u16_at(data, pos + 26).map(usize::from).unwrap_or(0);
            let name = data.get(pos + HEADER_LEN..).unwrap_or(&[]);
            let name = name[..name.len().min(name_len)].to_vec();
            let extra_len = u16_at(data, pos + 28).map(usize::from).unwrap_or(0);
            entries.push(cut_header(pos, name, pos + HEADER_LEN + name_len + extra_len));
            return Scan { entries, end: ScanEnd::EndOfData };
        };
        let (entry, next) = locate_data(data, entry);
        let cut = entry.cut.is_some();
        entries.push(entry);
        match next {
            Some(next) if !cut => pos = next,
            _ => return Scan { entries, end: ScanEnd::EndOfData },
        }
    }
}

fn cut_header(offset: usize, name: Vec<u8>, would_end: usize) -> LocalEntry {
    LocalEntry {
        offset,
        name,
        flags: 0,
        year: None,
        crc32: 0,
        compressed: 0,
        uncompressed: 0,
        data_start: offset,
        descriptor: false,
        cut: Some(would_end as u64),
    }
}

/// Parses the local header at `pos`; `None` when it is incomplete.
fn header(data: &[u8], pos: usize) -> Option<LocalEntry> {
    let flags = u16_at(data, pos + 6)?;
    let date = u16_at(data, pos + 12)?;
    let crc32 = u32_at(data, pos + 14)?;
    let mut compressed = u64::from(u32_at(data, pos + 18)?);
    let mut uncompressed = u64::from(u32_at(data, pos + 22)?);
    let name_len = usize::from(u16_at(data, pos + 26)?);
    let extra_len = usize::from(u16_at(data, pos + 28)?);
    let name_at = pos + HEADER_LEN;
    let name = data.get(name_at..name_at + name_len)?.to_vec();
    let extra = data.get(name_at + name_len..name_at + name_len + extra_len)?;
    // Zip64: the sizes the header marks 0xFFFFFFFF are in the 0x0001 extra field, uncompressed first.
    let mut at = 0;
    while at + 4 <= extra.len() {
        let id = u16_at(extra, at)?;
        let len = usize::from(u16_at(extra, at + 2)?);
        let body = extra.get(at + 4..(at + 4 + len).min(extra.len()))?;
        if id == 1 {
            let mut field = 0;
            if uncompressed == 0xFFFF_FFFF {
                uncompressed = u64_at(body, field).unwrap_or(uncompressed);
                field += 8;
            }
            if compressed == 0xFFFF_FFFF {
                compressed = u64_at(body, field).unwrap_or(compressed);
            }
        }
        at += 4 + len;
    }
    let year = (date != 0).then(|| i32::from(date >> 9) + 1980);
    Some(LocalEntry {
        offset: pos,
        name,
        flags,
        year,
        crc32,
        compressed,
        uncompressed,
        data_start: name_at + name_len + extra_len,
        descriptor: flags & 8 != 0,
        cut: None,
    })
}

/// Finds where the entry's data ends (from its sizes, or by finding its data descriptor); returns the entry
/// with its sizes settled and the offset of what follows it, `None` when it runs past the input.
fn locate_data(data: &[u8], mut entry: LocalEntry) -> (LocalEntry, Option<usize>) {
    let start = entry.data_start;
    if entry.descriptor && entry.compressed == 0 {
        if let Some((compressed, crc32, uncompressed, next)) = find_descriptor(data, start) {
            entry.compressed = compressed;
            entry.crc32 = crc32;
            entry.uncompressed = uncompressed;
            return (entry, Some(next));
        }
        entry.compressed = (data.len() - start) as u64;
        entry.cut = Some(u64::MAX);
        return (entry, None);
    }
    let end = (start as u64).saturating_add(entry.compressed);
    if end > data.len() as u64 {
        entry.cut = Some(end);
        return (entry, None);
    }
    let mut next = end as usize;
    if entry.descriptor {
        // Sizes in the header and a descriptor after the data all the same: step over it.
        let sig = usize::from(data.get(next..next + 4) == Some(DESCRIPTOR)) * 4;
        next += sig + 12;
        if data.get(next..next + 4) != Some(LOCAL) && data.get(next + 8..next + 12) == Some(LOCAL) {
            next += 8; // zip64 descriptor
        }
    }
    (entry, Some(next.min(data.len())))
}

/// Looks for the data descriptor of a member whose data starts at `start`: a signed descriptor whose
/// compressed size is its distance from `start`, or an unsigned one right before the next header.
/// Returns (compressed, crc, uncompressed, offset after the descriptor).
fn find_descriptor(data: &[u8], start: usize) -> Option<(u64, u32, u64, usize)> {
    let body = data.get(start..)?;
    for at in memchr::memmem::find_iter(body, b"PK") {
        let p = start + at;
        let distance = at as u64;
        let sig = data.get(p..p + 4)?;
        if sig == DESCRIPTOR {
            if u32_at(data, p + 8).map(u64::from) == Some(distance) && p + 16 <= data.len() {
                return Some((distance, u32_at(data, p + 4)?, u64::from(u32_at(data, p + 12)?), p + 16));
            }
            if u64_at(data, p + 8) == Some(distance) && p + 24 <= data.len() {
                return Some((distance, u32_at(data, p + 4)?, u64_at(data, p + 16)?, p + 24));
            }
        }
        if (sig == LOCAL || sig == CENTRAL) && at >= 12 {
            let d = p - 12;
            if u32_at(data, d + 4).map(u64::from) == Some((d - start) as u64) {
                return Some(((d - start) as u64, u32_at(data, d)?, u64::from(u32_at(data, d + 8)?), p));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(files: &[(&str, &[u8])], stream: bool) -> Vec<u8> {
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        if stream {
            let mut w = zip::ZipWriter::new_stream(Vec::new());
            for (name, data) in files {
                w.start_file(*name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap().into_inner()
        } else {
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            for (name, data) in files {
                w.start_file(*name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap().into_inner()
        }
    }

    #[test]
    fn finds_every_member_up_to_the_central_directory() {
        for stream in [false, true] {
            let bytes = zip_of(&[("a.log", b"alpha\n"), ("b/c.log", &[b'x'; 5000]), ("d", b"")], stream);
            let scan = scan(&bytes, 100);
            assert_eq!(scan.end, ScanEnd::Directory, "stream {stream}");
            let names: Vec<_> = scan.entries.iter().map(|e| e.name.as_slice()).collect();
            assert_eq!(names, vec![&b"a.log"[..], b"b/c.log", b"d"]);
            assert!(scan.entries.iter().all(|e| e.cut.is_none()));
            assert_eq!(scan.entries[1].uncompressed, 5000);
        }
    }

    #[test]
    fn cut_archives_end_in_a_cut_member_at_every_length() {
        let bytes = zip_of(&[("a.log", b"alpha\n"), ("b.log", &[b'y'; 3000])], false);
        for len in 0..bytes.len() {
            let scan = scan(&bytes[..len], 100);
            if let Some(last) = scan.entries.last() {
                assert!(last.cut.is_some() || scan.end != ScanEnd::EndOfData || last.data_start <= len);
            }
        }
        let second = bytes.windows(5).position(|w| w == b"b.log").unwrap();
        let scan = scan(&bytes[..second + 10], 100);
        assert_eq!(scan.entries.len(), 2);
        assert!(scan.entries[0].cut.is_none());
        assert!(scan.entries[1].cut.is_some());
        assert_eq!(scan.end, ScanEnd::EndOfData);
    }

    #[test]
    fn garbage_and_limits_stop_the_scan() {
        assert_eq!(scan(b"", 10).entries, vec![]);
        assert_eq!(scan(b"not a zip", 10).end, ScanEnd::Garbage(0));
        let bytes = zip_of(&[("a", b"1"), ("b", b"2")], false);
        assert_eq!(scan(&bytes, 1).end, ScanEnd::Limit);
    }
}
