//! `explain --list`: every catalog entry, grouped by kind, one per line with its one-line meaning (or the
//! whole catalog as JSON).

use std::fmt::Write as _;

use anyhow::Result;
use serde::Serialize;
use snaptriage::catalog::{Catalog, ErrorCodeSpec, ExtensionNumber, ExtensionStatus, FindingSpec};

use crate::cli::args::ListFormat;

/// Widest name column before the meaning; longer names push their meaning along.
const NAME_COLUMN: usize = 44;

/// The listing in `format`, ending with a newline.
pub fn render(catalog: &Catalog, format: ListFormat) -> Result<String> {
    match format {
        ListFormat::Text => Ok(text(catalog)),
        ListFormat::Json => json(catalog),
    }
}

fn text(catalog: &Catalog) -> String {
    let ext = &catalog.extension;
    let mut out = String::new();
    group(
        &mut out,
        "Azure Backup error codes",
        catalog.codes.iter().map(|c| (c.code.clone(), c.message.as_str())),
    );
    group(
        &mut out,
        "Backup extension status codes (VMSnapshotLinux)",
        ext.status.iter().map(|s| (format!("{:>3} {}", s.value, s.name), s.meaning.as_str())),
    );
    group(
        &mut out,
        "Backup extension launcher exit codes (handle.sh)",
        ext.exit_code.iter().map(|n| (n.value.to_string(), n.meaning.as_str())),
    );
    group(
        &mut out,
        "Host snapshot call statuses",
        ext.host_status.iter().map(|n| (n.value.to_string(), n.meaning.as_str())),
    );
    group(&mut out, "snaptriage findings", catalog.findings.iter().map(|f| (f.id.clone(), f.title.as_str())));
    out
}

/// A heading and one line per entry, the meanings aligned when the names allow it.
fn group<'a>(out: &mut String, heading: &str, rows: impl Iterator<Item = (String, &'a str)>) {
    let rows: Vec<(String, &str)> = rows.collect();
    let width = rows.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(0).min(NAME_COLUMN);
    if !out.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "{heading} ({}):", rows.len());
    for (name, meaning) in rows {
        let _ = writeln!(out, "  {name:<width$}  {meaning}");
    }
}

fn json(catalog: &Catalog) -> Result<String> {
    #[derive(Serialize)]
    struct Listing<'a> {
        error_codes: &'a [ErrorCodeSpec],
        extension_status_codes: &'a [ExtensionStatus],
        launcher_exit_codes: &'a [ExtensionNumber],
        host_statuses: &'a [ExtensionNumber],
        findings: &'a [FindingSpec],
    }
    let ext = &catalog.extension;
    let listing = Listing {
        error_codes: &catalog.codes,
        extension_status_codes: &ext.status,
        launcher_exit_codes: &ext.exit_code,
        host_statuses: &ext.host_status,
        findings: &catalog.findings,
    };
    Ok(serde_json::to_string_pretty(&listing)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_listing_has_one_line_per_entry_under_its_heading() {
        let cat = Catalog::get();
        let listing = text(cat);
        let ext = &cat.extension;
        let entries = cat.codes.len()
            + cat.findings.len()
            + ext.status.len()
            + ext.exit_code.len()
            + ext.host_status.len();
        let rows = listing.lines().filter(|l| l.starts_with("  ")).count();
        assert_eq!(rows, entries);
        assert!(listing.starts_with(&format!("Azure Backup error codes ({}):\n", cat.codes.len())));
        assert!(listing.contains("\n  121 FailedRetryableFsFreezeFailed"), "{listing}");
        assert!(listing.lines().any(|l| l.starts_with("  fsfreeze-failed ")
            && l.ends_with(&cat.finding("fsfreeze-failed").unwrap().title)));
    }

    #[test]
    fn the_json_listing_holds_every_group() {
        let cat = Catalog::get();
        let value: serde_json::Value = serde_json::from_str(&json(cat).unwrap()).unwrap();
        assert_eq!(value["error_codes"].as_array().unwrap().len(), cat.codes.len());
        assert_eq!(value["extension_status_codes"].as_array().unwrap().len(), cat.extension.status.len());
        assert_eq!(value["findings"].as_array().unwrap().len(), cat.findings.len());
        assert_eq!(value["host_statuses"][0]["value"], 555);
    }
}
