//! Whether an archive file is whole: a zip missing its end, a tar whose last entry runs past the end of the
//! file, a gzip stream that stops mid-way. Pure functions of bytes, used only to word a failure.

use std::io::Read;

/// Most decompressed bytes read while checking a gzip stream for its end.
const GZIP_CHECK_CAP: u64 = 256 << 20;
/// The zip end record is within this many bytes of the end (22 bytes plus a comment of up to 64 KiB).
const EOCD_SEARCH: usize = 22 + 0xFFFF;

/// How whole an archive file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// Nothing shows it incomplete.
    Whole,
    /// It ends early.
    CutOff {
        /// Bytes the archive itself says it has in all, when it says.
        total: Option<u64>,
        /// Bytes the part that is present needs at least, when an entry runs past the end.
        needed: Option<u64>,
    },
    /// It starts like the format but its structure makes no sense.
    Damaged,
}

fn u16_at(d: &[u8], at: usize) -> Option<u64> {
    d.get(at..at + 2).map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(d: &[u8], at: usize) -> Option<u64> {
    d.get(at..at + 4).map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
}

/// A zip: whole when its end record is present and what it points at fits in the file; otherwise the local
/// headers are walked to see how far the entries go.
pub fn zip(data: &[u8]) -> Completeness {
    let len = data.len() as u64;
    let from = data.len().saturating_sub(EOCD_SEARCH);
    if let Some(pos) = data[from..].windows(4).rposition(|w| w == b"PK\x05\x06").map(|p| p + from) {
        let (Some(cd_size), Some(cd_offset), Some(comment)) =
            (u32_at(data, pos + 12), u32_at(data, pos + 16), u16_at(data, pos + 20))
        else {
            return Completeness::CutOff { total: None, needed: None };
        };
        if cd_offset == 0xFFFF_FFFF {
            return Completeness::Whole; // zip64: the sizes live elsewhere.
        }
        let total = cd_offset + cd_size + 22 + comment;
        return if total > len {
            Completeness::CutOff { total: Some(total), needed: None }
        } else {
            Completeness::Whole
        };
    }
    walk_local_headers(data)
}

/// Walks a zip's local file headers from the start (its end record is missing).
fn walk_local_headers(data: &[u8]) -> Completeness {
    const METHODS: &[u64] = &[0, 8, 9, 12, 14, 93, 95, 98, 99];
    let len = data.len() as u64;
    let cut = |needed| Completeness::CutOff { total: None, needed };
    let mut at: u64 = 0;
    loop {
        let o = at as usize;
        if at + 30 > len {
            return if at == 0 { Completeness::Damaged } else { cut(Some(at + 30).filter(|_| at < len)) };
        }
        if data.get(o..o + 4) == Some(b"PK\x01\x02") {
            return cut(None); // the central directory starts but its end is missing
        }
        let fields = (
            u16_at(data, o + 4),
            u16_at(data, o + 6),
            u16_at(data, o + 8),
            u32_at(data, o + 18),
            u16_at(data, o + 26),
            u16_at(data, o + 28),
        );
        let (Some(version), Some(flags), Some(method), Some(size), Some(name), Some(extra)) = fields else {
            return cut(None);
        };
        let sane = data.get(o..o + 4) == Some(b"PK\x03\x04") && version <= 100 && METHODS.contains(&method);
        if !sane {
            return if at == 0 { Completeness::Damaged } else { cut(None) };
        }
        if flags & 0x08 != 0 && size == 0 || size == 0xFFFF_FFFF {
            return cut(None); // sizes follow the data: the walk cannot go on
        }
        let mut next = at + 30 + name + extra + size;
        if next > len {
            return cut(Some(next));
        }
        if flags & 0x08 != 0 {
            next += if data.get(next as usize..next as usize + 4) == Some(b"PK\x07\x08") { 16 } else { 12 };
        }
        if next >= len {
            return cut(None);
        }
        at = next;
    }
}

/// A tar: whole unless an entry's data runs past the end of the file.
pub fn tar(data: &[u8]) -> Completeness {
    let len = data.len() as u64;
    let mut at: u64 = 0;
    while at + 512 <= len {
        let header = &data[at as usize..at as usize + 512];
        if header.iter().all(|b| *b == 0) {
            return Completeness::Whole;
        }
        let Some(size) = tar_size(&header[124..136]) else {
            return if at == 0 {
                Completeness::Damaged
            } else {
                Completeness::CutOff { total: None, needed: None }
            };
        };
        let end = at + 512 + size;
        if end > len {
            return Completeness::CutOff { total: None, needed: Some(end) };
        }
        at = at + 512 + size.div_ceil(512) * 512;
    }
    if at < len {
        return Completeness::CutOff { total: None, needed: Some(at + 512) };
    }
    Completeness::Whole
}

/// A tar header's size field: octal text, or big-endian binary when the top bit is set.
fn tar_size(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        return Some(
            field[1..].iter().fold(0u64, |acc, b| acc.saturating_mul(256).saturating_add(u64::from(*b))),
        );
    }
    let text = std::str::from_utf8(field).ok()?;
    let digits = text.trim_matches(|c: char| c == '\0' || c == ' ');
    if digits.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(digits, 8).ok()
}

/// A gzip file: cut off when its stream ends before the gzip trailer. Also returns the first `keep` bytes
/// of the decompressed data (to tell a tar.gz from a lone compressed file).
pub fn gzip(data: &[u8], keep: usize) -> (Completeness, Vec<u8>) {
    let mut decoder = flate2::read::MultiGzDecoder::new(data).take(GZIP_CHECK_CAP);
    let mut head = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match decoder.read(&mut buf) {
            Ok(0) => return (Completeness::Whole, head),
            Ok(n) => {
                let room = keep.saturating_sub(head.len()).min(n);
                head.extend_from_slice(&buf[..room]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return (Completeness::CutOff { total: None, needed: None }, head)
            }
            Err(_) => return (Completeness::Damaged, head),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn a_zip() -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for name in ["a.log", "b.log", "c.log"] {
            w.start_file(name, opts).unwrap();
            w.write_all(&[b'x'; 1000]).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_whole_zip_is_whole_and_a_cut_one_says_how_much_it_needs() {
        let z = a_zip();
        assert_eq!(zip(&z), Completeness::Whole);
        match zip(&z[..1500]) {
            Completeness::CutOff { total: None, needed: Some(n) } => assert!(n > 1500, "{n}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(zip(b"PK\x03\x04garbage"), Completeness::Damaged);
        // The end record is present but the start is missing.
        let tail = &z[500..];
        assert!(matches!(zip(tail), Completeness::CutOff { total: Some(t), .. } if t == z.len() as u64));
    }

    #[test]
    fn tar_and_gzip_cut_offs_are_seen() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3000);
        h.set_cksum();
        b.append_data(&mut h, "var/log/waagent.log", &[b'y'; 3000][..]).unwrap();
        let t = b.into_inner().unwrap();
        assert_eq!(tar(&t), Completeness::Whole);
        assert_eq!(tar(&t[..2000]), Completeness::CutOff { total: None, needed: Some(3512) });
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&t).unwrap();
        let gz = e.finish().unwrap();
        let (whole, head) = gzip(&gz, 600);
        assert_eq!((whole, head.len()), (Completeness::Whole, 600));
        assert!(matches!(gzip(&gz[..gz.len() - 10], 0).0, Completeness::CutOff { .. }));
    }
}
