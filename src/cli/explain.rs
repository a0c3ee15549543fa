//! `snaptriage explain`: an error code's causes and fixes, or a finding id's meaning.

use anyhow::{bail, Result};
use snaptriage::catalog::Catalog;
use snaptriage::diagnoses::registry;

use super::EXIT_CLEAN;

/// Prints the explanation of an error code or finding id.
pub fn run(what: &str) -> Result<u8> {
    let catalog = Catalog::get();
    let mut out = String::new();
    if let Some(code) = catalog.code(what) {
        out.push_str(&format!("{}\n  {}\n", code.code, code.message));
        if !code.aliases.is_empty() {
            out.push_str(&format!("  also known as: {}\n", code.aliases.join(", ")));
        }
        out.push_str(&format!("  visible from the guest: {}\n\nCauses:\n", code.guest_visible));
        for c in &code.causes {
            out.push_str(&format!("  - {c}\n"));
        }
        out.push_str(&format!("\nWhat a guest bundle can show:\n  {}\n\nWhat to do:\n", code.evidence));
        for f in &code.fix {
            out.push_str(&format!("  - {f}\n"));
        }
        if code.findings.is_empty() {
            out.push_str(
                "\nNo snaptriage finding explains it: the cause lies outside the VM (control plane).\n",
            );
        } else {
            out.push_str(&format!("\nsnaptriage findings that explain it: {}\n", code.findings.join(", ")));
        }
    } else if let Some(f) = catalog.finding(what) {
        out.push_str(&format!(
            "{} — {}\n  default severity: {}\n  explains: {}\n\n{}\n\nWhat to do:\n",
            f.id,
            f.title,
            f.severity.as_str(),
            f.error_codes.join(", "),
            f.meaning
        ));
        for step in &f.remediation {
            out.push_str(&format!("  - {step}\n"));
        }
        if let Some(d) = registry().into_iter().find(|d| d.id() == f.id) {
            out.push_str(&format!("\nRule: {}\n", d.rule()));
        }
    } else {
        let mut known: Vec<&str> = catalog.codes.iter().map(|c| c.code.as_str()).collect();
        known.extend(catalog.findings.iter().map(|f| f.id.as_str()));
        let near: Vec<&str> = known
            .into_iter()
            .filter(|k| k.to_ascii_lowercase().contains(&what.to_ascii_lowercase()))
            .take(8)
            .collect();
        if near.is_empty() {
            bail!("`{what}` is neither a known error code nor a finding id (see `snaptriage rules`)");
        }
        bail!("`{what}` is not known exactly; did you mean: {}", near.join(", "));
    }
    super::output::print(&out)?;
    Ok(EXIT_CLEAN)
}
