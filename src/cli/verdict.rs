//! The one line said when a bundle gives nothing to analyse: what the input is (named by its content), why
//! nothing in it could be read, and what to do instead. Never "no problem found" for such an input.

use std::path::Path;

use snaptriage::intake::IntakeError;
use snaptriage::inventory::{InventoryEntry, MemberStatus};
use snaptriage::report::Report;
use snaptriage::AnalyzeError;

use super::truncation::{self, Completeness};
use super::what_is::{first_line, what_is, FileType};

/// What to collect instead of a wrong file.
const COLLECT: &str = "collect the VM's logs (waagent / WindowsAzure logs) and pass that zip";
/// What to point at instead of a wrong folder.
const POINT_AT: &str =
    "point snaptriage at the folder holding var/log/waagent.log or WindowsAzure/Logs, or at the bundle zip";
/// Files named in a "its files are …" list.
const NAMES_SHOWN: usize = 3;
/// Characters of a text file's first line quoted.
const QUOTED_CHARS: usize = 40;

/// The input could not be analysed; the message is one line naming the input and what to try.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unanalysable(pub String);

impl Unanalysable {
    fn new(text: String) -> Unanalysable {
        Unanalysable(text.replace(['\n', '\r'], " "))
    }
}

/// Words a failure to open the bundle at `path`; errors that are not about the bundle come back unchanged.
pub fn opening(path: &Path, err: AnalyzeError) -> anyhow::Error {
    let shown = path.display().to_string();
    match &err {
        AnalyzeError::Intake(IntakeError::Io { source, .. }) => {
            Unanalysable::new(format!("{shown}: {}", io_phrase(source))).into()
        }
        AnalyzeError::Intake(IntakeError::Corrupt { reason, .. }) => match std::fs::read(path) {
            Ok(data) => Unanalysable::new(describe_file(&shown, path, &data, None, Some(reason))).into(),
            Err(_) => err.into(),
        },
        AnalyzeError::Intake(IntakeError::TooLarge { .. }) => Unanalysable::new(err.to_string()).into(),
        _ => err.into(),
    }
}

/// Words a bundle that opened but in which no member could be analysed.
pub fn nothing_analysed(path: &Path, report: &Report) -> Unanalysable {
    let shown = path.display().to_string();
    if path.is_dir() {
        return Unanalysable::new(describe_folder(&shown, report));
    }
    match std::fs::read(path) {
        Ok(data) => Unanalysable::new(describe_file(&shown, path, &data, Some(report), None)),
        Err(e) => Unanalysable::new(format!("{shown}: {}", io_phrase(&e))),
    }
}

fn io_phrase(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn describe_folder(shown: &str, report: &Report) -> String {
    let files = files(shown, report);
    if files.is_empty() {
        return format!("{shown} is an empty folder — {POINT_AT}");
    }
    if let Some(line) = unreadable(shown, report) {
        return line;
    }
    format!("no Azure agent logs found in {shown}: {} — {POINT_AT}", not_logs(&files))
}

/// Names a file from its content; `report` is there when the file opened, `reason` when it did not.
fn describe_file(
    shown: &str,
    path: &Path,
    data: &[u8],
    report: Option<&Report>,
    reason: Option<&str>,
) -> String {
    let kind = what_is(data);
    let name_note = misnamed(path, kind);
    let plain = matches!(kind, FileType::Evtx | FileType::RegistryHive | FileType::Text);
    if let (true, Some(line)) = (plain, report.and_then(|r| unreadable(shown, r))) {
        return line;
    }
    match kind {
        FileType::Empty => format!("{shown} is an empty file (0 bytes) — {COLLECT}"),
        FileType::Zip => archive(shown, data.len(), truncation::zip(data), "zip archive", report, reason),
        FileType::Tar => archive(shown, data.len(), truncation::tar(data), "tar archive", report, reason),
        FileType::Gzip => {
            let (whole, head) = truncation::gzip(data, 1024);
            match (whole, what_is(&head)) {
                (Completeness::Whole, FileType::Tar) => {
                    archive(shown, data.len(), Completeness::Whole, "tar.gz archive", report, reason)
                }
                (Completeness::Whole, inner) => format!(
                    "no Azure agent logs found in {shown}: it is {} compressed with gzip, not a support bundle — {COLLECT}",
                    inner.describe()
                ),
                (other, FileType::Tar) => archive(shown, data.len(), other, "tar.gz archive", report, reason),
                (other, _) => archive(shown, data.len(), other, "gzip stream", report, reason),
            }
        }
        k if k.unsupported_archive() => format!(
            "{shown} is {}{name_note}, which snaptriage cannot open — unpack it and pass the folder, or re-pack it as .zip or .tar.gz",
            k.describe()
        ),
        FileType::Evtx => format!(
            "no Azure agent logs found in {shown}: it is a Windows event log (EVTX){name_note}, read only under an .evtx name — rename it to end in .evtx, or pass the bundle it came from"
        ),
        FileType::RegistryHive => format!(
            "no Azure agent logs found in {shown}: it is a Windows registry hive, read only as Windows/System32/config/SOFTWARE or SYSTEM inside a bundle — pass the bundle it came from"
        ),
        FileType::Text => {
            let begins = first_line(data, QUOTED_CHARS).map(|l| format!(" (it begins \"{l}\")")).unwrap_or_default();
            format!("no Azure agent logs found in {shown}: it is plain text{name_note}, not an Azure agent log{begins} — {COLLECT}")
        }
        k => format!("no Azure agent logs found in {shown}: it is {}{name_note}, not a support bundle — {COLLECT}", k.describe()),
    }
}

/// An archive snaptriage can open: cut off, damaged, empty, unreadable, or holding no logs.
fn archive(
    shown: &str,
    len: usize,
    whole: Completeness,
    what: &str,
    report: Option<&Report>,
    reason: Option<&str>,
) -> String {
    let len_text = thousands(len as u64);
    let reason_text = reason.map(|r| format!(" ({r})")).unwrap_or_default();
    match (whole, report) {
        (Completeness::CutOff { total: Some(total), .. }, _) => {
            format!("{shown} is cut off after {len_text} of {} bytes — download it again", thousands(total))
        }
        (Completeness::CutOff { needed: Some(needed), .. }, _) => format!(
            "{shown} is cut off after {len_text} bytes (its entries need at least {}) — download it again",
            thousands(needed)
        ),
        (Completeness::CutOff { .. }, _) => {
            format!("{shown} is truncated: the {what} stops after {len_text} bytes, before its end — download it again")
        }
        (Completeness::Damaged, _) => {
            format!("{shown} is not a readable {what}: it starts like one but is damaged{reason_text} — download it again")
        }
        (Completeness::Whole, None) => {
            format!("{shown} is not a readable {what}{reason_text} — download it again")
        }
        (Completeness::Whole, Some(report)) => {
            let files = files(shown, report);
            if files.is_empty() {
                return format!("{shown} is an empty {what} (no files in it) — {COLLECT}");
            }
            if let Some(line) = unreadable(shown, report) {
                return line;
            }
            format!("no Azure agent logs found in {shown}: {} — {COLLECT}", not_logs(&files))
        }
    }
}

/// Inventory rows that are files: not the archives opened to list them, nor the bundle's own row (which
/// intake adds to say the bundle as a whole is empty).
fn files<'r>(shown: &str, report: &'r Report) -> Vec<&'r InventoryEntry> {
    let own = |e: &InventoryEntry| e.path.is_empty() || e.path == shown_name(shown);
    report
        .inventory
        .iter()
        .filter(|e| !(e.kind == "archive" && e.status == MemberStatus::Parsed))
        .filter(|e| !(own(e) && e.status == MemberStatus::Skipped && (e.kind == "archive" || e.bytes == 0)))
        .collect()
}

/// "nothing in X could be read: first member — why, and N more — download it again", when members failed.
fn unreadable(shown: &str, report: &Report) -> Option<String> {
    let bad: Vec<&InventoryEntry> = report
        .inventory
        .iter()
        .filter(|e| matches!(e.status, MemberStatus::Failed | MemberStatus::Partial) && e.kind != "unknown")
        .collect();
    let first = bad.first()?;
    let member = if first.path.is_empty() || first.path == shown_name(shown) {
        "it".to_string()
    } else {
        first.path.clone()
    };
    let more = match bad.len() {
        1 => String::new(),
        n => format!(", and {} more", n - 1),
    };
    Some(format!(
        "nothing in {shown} could be read: {member} — {}{more} — download it again",
        first.detail.split(['\n', '\r']).next().unwrap_or("")
    ))
}

/// The last component of a path as shown (`logs/` → `logs`).
fn shown_name(shown: &str) -> &str {
    let trimmed = shown.trim_end_matches(['/', '\\']);
    trimmed.rsplit(['/', '\\']).next().unwrap_or(trimmed)
}

/// "its 2 files (a.txt, b.pdf) are not logs snaptriage reads".
fn not_logs(files: &[&InventoryEntry]) -> String {
    let mut names: Vec<&str> = files.iter().take(NAMES_SHOWN).map(|e| e.path.as_str()).collect();
    if files.len() > NAMES_SHOWN {
        names.push("…");
    }
    match files.len() {
        1 => format!("its one file ({}) is not a log snaptriage reads", names.join(", ")),
        n => format!("its {n} files ({}) are not logs snaptriage reads", names.join(", ")),
    }
}

/// " (named .zip)" when the file's name ends unlike what its content is.
fn misnamed(path: &Path, kind: FileType) -> String {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if ext.is_empty() || kind.extensions().is_empty() || kind.extensions().contains(&ext.as_str()) {
        return String::new();
    }
    format!(" (named .{ext})")
}

/// 1234567 → "1,234,567".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(5000), "5,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_misleading_name_is_pointed_out() {
        assert_eq!(misnamed(Path::new("a/report.zip"), FileType::Pdf), " (named .zip)");
        assert_eq!(misnamed(Path::new("report.pdf"), FileType::Pdf), "");
        assert_eq!(misnamed(Path::new("noext"), FileType::Pdf), "");
        assert_eq!(misnamed(Path::new("x.zip"), FileType::Binary), "");
    }
}
