//! `snaptriage explain`: what an Azure Backup error code, a backup-extension code or a finding id means, and
//! `explain --list`, everything the catalog knows.

mod list;
mod render;

use anyhow::{bail, Result};
use snaptriage::catalog::Catalog;

use super::args::{ExplainArgs, ListFormat};
use super::EXIT_CLEAN;

/// Runs `explain`.
pub fn run(args: &ExplainArgs) -> Result<u8> {
    if args.format.is_some() && !args.list {
        bail!("--format shapes only the listing: use it with --list");
    }
    let catalog = Catalog::get();
    let text = match args.what.as_deref() {
        Some(what) if !args.list => explain(catalog, what)?,
        _ => list::render(catalog, args.format.unwrap_or(ListFormat::Text))?,
    };
    super::output::print(&text)?;
    Ok(EXIT_CLEAN)
}

/// The explanation of every entry `what` names; an error with the nearest names when it names none.
fn explain(catalog: &Catalog, what: &str) -> Result<String> {
    let entries = catalog.lookup(what);
    if entries.is_empty() {
        bail!("{}", not_found(catalog, what));
    }
    let parts: Vec<String> = entries.iter().map(|e| render::entry(catalog, e)).collect();
    Ok(parts.join("\n"))
}

/// The message for a query that names nothing: what it is not, and what it might have meant.
fn not_found(catalog: &Catalog, what: &str) -> String {
    let shown = what.trim();
    let near = catalog.suggest(shown);
    let hint = "`snaptriage explain --list` shows every code and finding id";
    if near.is_empty() {
        format!(
            "`{shown}` is not a known Azure Backup error code, backup-extension code or snaptriage \
             finding id ({hint})"
        )
    } else {
        format!("`{shown}` is not known; did you mean: {}? ({hint})", near.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_queries_name_the_nearest_entries() {
        let cat = Catalog::get();
        let msg = not_found(cat, "fsfreze-failed");
        assert!(msg.starts_with("`fsfreze-failed` is not known; did you mean: fsfreeze-failed"), "{msg}");
        let msg = not_found(cat, " qqqqqqqqqqqqqqqq ");
        assert!(msg.starts_with("`qqqqqqqqqqqqqqqq` is not a known"), "{msg}");
        assert!(explain(cat, "no-such-thing-at-all").is_err());
    }

    #[test]
    fn a_number_explains_every_kind_it_names() {
        let text = explain(Catalog::get(), "3").unwrap();
        assert!(text.contains("SuccessAlreadyProcessedInput"), "{text}");
        assert!(text.contains("handle.sh"), "{text}");
    }
}
