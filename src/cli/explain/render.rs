//! The text `explain` prints for one catalog entry.

use std::fmt::Write as _;

use snaptriage::catalog::{Catalog, Entry, ErrorCodeSpec, ExtensionNumber, ExtensionStatus, FindingSpec};
use snaptriage::diagnoses::registry;

/// The explanation of one entry, ending with a newline.
pub fn entry(catalog: &Catalog, entry: &Entry<'_>) -> String {
    match *entry {
        Entry::ErrorCode(code) => error_code(code),
        Entry::Finding(f) => finding(f),
        Entry::ExtensionStatus(s) => extension_status(catalog, s),
        Entry::LauncherExit(n) => {
            let title = format!("exit code {} of the backup extension's launcher (handle.sh)", n.value);
            extension_number(catalog, &title, n)
        }
        Entry::HostStatus(n) => {
            let title = format!("status {} of the backup extension's host snapshot calls", n.value);
            extension_number(catalog, &title, n)
        }
    }
}

fn error_code(code: &ErrorCodeSpec) -> String {
    let mut out = format!("{} — Azure Backup error code\n  {}\n", code.code, code.message);
    if !code.aliases.is_empty() {
        let _ = writeln!(out, "  also known as: {}", code.aliases.join(", "));
    }
    let _ = writeln!(out, "  visible from the guest: {}\n\nCauses:", code.guest_visible);
    bullets(&mut out, &code.causes);
    let _ = writeln!(out, "\nWhat a guest bundle can show:\n  {}\n\nWhat to do:", code.evidence);
    bullets(&mut out, &code.fix);
    if code.findings.is_empty() {
        out.push_str(
            "\nNo snaptriage finding explains it: the cause lies outside the VM (control plane), so a guest \
             bundle cannot show it.\n",
        );
    } else {
        let _ = writeln!(out, "\nsnaptriage findings that explain it: {}", code.findings.join(", "));
    }
    out
}

fn finding(f: &FindingSpec) -> String {
    let mut out = format!(
        "{} — {}\n  snaptriage finding, default severity: {}\n  explains: {}\n\n{}\n\nWhat to do:\n",
        f.id,
        f.title,
        f.severity.as_str(),
        f.error_codes.join(", "),
        f.meaning
    );
    bullets(&mut out, &f.remediation);
    if let Some(d) = registry().into_iter().find(|d| d.id() == f.id) {
        let _ = writeln!(out, "\nRule: {}", d.rule());
    }
    out
}

fn extension_status(catalog: &Catalog, s: &ExtensionStatus) -> String {
    let mut out = format!("{} {} — status code of the backup extension (VMSnapshotLinux)\n", s.value, s.name);
    if !s.aliases.is_empty() {
        let _ = writeln!(out, "  also named: {}", s.aliases.join(", "));
    }
    let _ = writeln!(out, "  VM health it reports: {}\n\n{}\n", s.health, s.meaning);
    surfaces(&mut out, catalog, &s.surfaces_as);
    covered_by(&mut out, catalog, s.finding.as_deref());
    out
}

fn extension_number(catalog: &Catalog, title: &str, n: &ExtensionNumber) -> String {
    let mut out = format!("{title}\n\n{}\n\n", n.meaning);
    surfaces(&mut out, catalog, &n.surfaces_as);
    covered_by(&mut out, catalog, Some(&n.finding));
    out
}

/// The Azure Backup codes an extension code usually shows as, each with its message.
fn surfaces(out: &mut String, catalog: &Catalog, codes: &[String]) {
    if codes.is_empty() {
        out.push_str("Not a failure: it surfaces as no Azure Backup error.\n");
        return;
    }
    out.push_str("Usually surfaces in Azure Backup as:\n");
    for code in codes {
        match catalog.code(code) {
            Some(spec) => {
                let _ = writeln!(out, "  - {} ({})", spec.code, spec.message);
            }
            None => {
                let _ = writeln!(out, "  - {code}");
            }
        }
    }
}

/// The finding that covers an extension code, with its title and where to read more.
fn covered_by(out: &mut String, catalog: &Catalog, finding: Option<&str>) {
    match finding.and_then(|id| catalog.finding(id)) {
        Some(f) => {
            let _ = writeln!(
                out,
                "snaptriage finding that covers it: {} — {}\n  (`snaptriage explain {}` for what to do)",
                f.id, f.title, f.id
            );
        }
        None => out.push_str("No snaptriage finding: nothing to diagnose.\n"),
    }
}

fn bullets(out: &mut String, items: &[String]) {
    for item in items {
        let _ = writeln!(out, "  - {item}");
    }
}
