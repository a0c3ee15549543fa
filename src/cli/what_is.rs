//! What a file is, by its content (magic numbers), so a wrong input can be named: "it is a PDF document".
//! Pure functions of bytes; intake's own sniffing (`intake::sniff`) only tells log layouts apart.

/// Bytes of the head that decide text versus binary.
const TEXT_PROBE: usize = 8 * 1024;

/// What a file's bytes look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// No bytes at all.
    Empty,
    /// `%PDF`.
    Pdf,
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// GIF image.
    Gif,
    /// A Microsoft Office document in the zip-based format (docx, xlsx, pptx).
    OfficeOpenXml,
    /// A Microsoft Office document in the older OLE compound format (doc, xls, msg).
    OfficeOle,
    /// A zip archive.
    Zip,
    /// gzip-compressed data.
    Gzip,
    /// A tar archive.
    Tar,
    /// 7-Zip archive.
    SevenZip,
    /// RAR archive.
    Rar,
    /// xz-compressed data.
    Xz,
    /// bzip2-compressed data.
    Bzip2,
    /// zstd-compressed data.
    Zstd,
    /// A Windows event log export.
    Evtx,
    /// A Windows registry hive.
    RegistryHive,
    /// A Windows executable or DLL.
    WindowsExecutable,
    /// A Linux/Unix executable.
    Elf,
    /// Readable text.
    Text,
    /// Bytes of no known format.
    Binary,
}

impl FileType {
    /// A phrase for "it is …".
    pub fn describe(self) -> &'static str {
        match self {
            FileType::Empty => "an empty file",
            FileType::Pdf => "a PDF document",
            FileType::Png => "a PNG image",
            FileType::Jpeg => "a JPEG image",
            FileType::Gif => "a GIF image",
            FileType::OfficeOpenXml => "a Microsoft Office document (docx/xlsx/pptx)",
            FileType::OfficeOle => "a Microsoft Office document (doc/xls/msg)",
            FileType::Zip => "a zip archive",
            FileType::Gzip => "gzip-compressed data",
            FileType::Tar => "a tar archive",
            FileType::SevenZip => "a 7-Zip archive",
            FileType::Rar => "a RAR archive",
            FileType::Xz => "an xz-compressed file",
            FileType::Bzip2 => "a bzip2-compressed file",
            FileType::Zstd => "a zstd-compressed file",
            FileType::Evtx => "a Windows event log (EVTX)",
            FileType::RegistryHive => "a Windows registry hive",
            FileType::WindowsExecutable => "a Windows program (EXE/DLL)",
            FileType::Elf => "a Linux program (ELF)",
            FileType::Text => "plain text",
            FileType::Binary => "binary data of no known format",
        }
    }

    /// An archive or compression format snaptriage cannot open (re-packing it helps).
    pub fn unsupported_archive(self) -> bool {
        matches!(self, FileType::SevenZip | FileType::Rar | FileType::Xz | FileType::Bzip2 | FileType::Zstd)
    }

    /// The file name endings this type is normally given.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Png => &["png"],
            FileType::Jpeg => &["jpg", "jpeg"],
            FileType::Gif => &["gif"],
            FileType::OfficeOpenXml => &["docx", "xlsx", "pptx"],
            FileType::OfficeOle => &["doc", "xls", "ppt", "msg"],
            FileType::Zip => &["zip"],
            FileType::Gzip => &["gz", "tgz"],
            FileType::Tar => &["tar"],
            FileType::SevenZip => &["7z"],
            FileType::Rar => &["rar"],
            FileType::Xz => &["xz", "txz"],
            FileType::Bzip2 => &["bz2", "tbz", "tbz2"],
            FileType::Zstd => &["zst", "tzst"],
            FileType::Evtx => &["evtx"],
            FileType::WindowsExecutable => &["exe", "dll"],
            FileType::Text => &["txt", "log", "json", "xml", "conf", "csv", "md"],
            _ => &[],
        }
    }
}

/// Names what `data` is from its first bytes.
pub fn what_is(data: &[u8]) -> FileType {
    const MAGIC: &[(&[u8], FileType)] = &[
        (b"%PDF-", FileType::Pdf),
        (b"\x89PNG\r\n\x1a\n", FileType::Png),
        (b"\xff\xd8\xff", FileType::Jpeg),
        (b"GIF87a", FileType::Gif),
        (b"GIF89a", FileType::Gif),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", FileType::OfficeOle),
        (b"7z\xbc\xaf\x27\x1c", FileType::SevenZip),
        (b"Rar!\x1a\x07", FileType::Rar),
        (b"\xfd7zXZ\x00", FileType::Xz),
        (b"BZh", FileType::Bzip2),
        (b"\x28\xb5\x2f\xfd", FileType::Zstd),
        (b"ElfFile\x00", FileType::Evtx),
        (b"regf", FileType::RegistryHive),
        (b"\x7fELF", FileType::Elf),
        (b"\x1f\x8b", FileType::Gzip),
    ];
    if data.is_empty() {
        return FileType::Empty;
    }
    if let Some((_, t)) = MAGIC.iter().find(|(m, _)| data.starts_with(m)) {
        return *t;
    }
    if is_zip_start(data) {
        return if is_office_open_xml(data) { FileType::OfficeOpenXml } else { FileType::Zip };
    }
    if data.get(257..262) == Some(b"ustar") {
        return FileType::Tar;
    }
    if data.starts_with(b"MZ") && data.len() >= 64 {
        return FileType::WindowsExecutable;
    }
    if looks_like_text(data) {
        FileType::Text
    } else {
        FileType::Binary
    }
}

/// A zip's first bytes: a local file header, an empty archive's end record, or a spanned-archive marker.
pub fn is_zip_start(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") || data.starts_with(b"PK\x07\x08")
}

/// Office Open XML documents are zips whose first entries are `[Content_Types].xml`, `_rels/` and `word/`,
/// `xl/` or `ppt/` parts; their names sit in the first kilobytes.
fn is_office_open_xml(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    has(b"[Content_Types].xml") && (has(b"word/") || has(b"xl/") || has(b"ppt/") || has(b"_rels/"))
}

/// Text: valid UTF-8 (or UTF-16 with a byte-order mark) with few control characters in the head.
fn looks_like_text(data: &[u8]) -> bool {
    if data.starts_with(b"\xff\xfe") || data.starts_with(b"\xfe\xff") {
        return true;
    }
    let head = &data[..data.len().min(TEXT_PROBE)];
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut by the probe's end is still text.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    };
    if !valid {
        return false;
    }
    let controls =
        head.iter().filter(|b| b.is_ascii_control() && !matches!(b, b'\n' | b'\r' | b'\t')).count();
    controls * 100 <= head.len()
}

/// The first non-empty line of a text file, clipped, for "it begins …".
pub fn first_line(data: &[u8], max_chars: usize) -> Option<String> {
    let head = String::from_utf8_lossy(&data[..data.len().min(TEXT_PROBE)]);
    let line = head.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut out: String = line.chars().filter(|c| !c.is_control()).take(max_chars).collect();
    if line.chars().count() > max_chars {
        out.push('…');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_magic_number() {
        let cases: &[(&[u8], FileType)] = &[
            (b"", FileType::Empty),
            (b"%PDF-1.7\n%\xe2\xe3", FileType::Pdf),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", FileType::Png),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", FileType::Jpeg),
            (b"GIF89a\x01\0", FileType::Gif),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", FileType::OfficeOle),
            (b"PK\x03\x04\x14\0\0\0\x08\0[Content_Types].xml word/document.xml", FileType::OfficeOpenXml),
            (b"PK\x03\x04\x14\0\0\0\x08\0var/log/waagent.log", FileType::Zip),
            (b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", FileType::Zip),
            (b"\x1f\x8b\x08\0", FileType::Gzip),
            (b"7z\xbc\xaf\x27\x1c\0\x04", FileType::SevenZip),
            (b"Rar!\x1a\x07\x01\0", FileType::Rar),
            (b"\xfd7zXZ\0\0", FileType::Xz),
            (b"BZh91AY&SY", FileType::Bzip2),
            (b"ElfFile\0\0\0", FileType::Evtx),
            (b"regf\0\0\0\0", FileType::RegistryHive),
            (b"\x7fELF\x02\x01", FileType::Elf),
            (b"Dear support,\nour backups fail.\n", FileType::Text),
            (b"\x00\x13\xfe\x99\x01\x02\x03\x04\x05\x06\x07\x08", FileType::Binary),
        ];
        for (bytes, want) in cases {
            assert_eq!(what_is(bytes), *want, "{bytes:?}");
        }
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(what_is(&tar), FileType::Tar);
        let mut exe = vec![0u8; 128];
        exe[..2].copy_from_slice(b"MZ");
        assert_eq!(what_is(&exe), FileType::WindowsExecutable);
    }

    #[test]
    fn first_line_skips_blank_lines_and_clips() {
        assert_eq!(first_line(b"\n\n  Dear support,\nrest", 40).as_deref(), Some("Dear support,"));
        assert_eq!(first_line(b"abcdefgh", 3).as_deref(), Some("abc…"));
        assert_eq!(first_line(b"\n \n", 3), None);
    }
}
