//! Finding what someone typed in the catalog: exact matches of every kind (any case), and the nearest names
//! when nothing matches exactly.

use super::extension::{ExtensionNumber, ExtensionStatus};
use super::{Catalog, ErrorCodeSpec, FindingSpec};

/// One catalog entry a query names.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    /// An Azure Backup error code.
    ErrorCode(&'a ErrorCodeSpec),
    /// A snaptriage finding id.
    Finding(&'a FindingSpec),
    /// A value of the backup extension's error enum.
    ExtensionStatus(&'a ExtensionStatus),
    /// An exit code of the backup extension's launcher.
    LauncherExit(&'a ExtensionNumber),
    /// A status of the extension's host snapshot calls.
    HostStatus(&'a ExtensionNumber),
}

/// How many suggestions a query gets at most.
const MAX_SUGGESTIONS: usize = 8;
/// Shortest query that suggests the names containing it.
const MIN_FRAGMENT: usize = 3;
/// Shortest name suggested because the query contains it (so `error` or `success` are not offered for every
/// query that happens to contain them).
const MIN_CONTAINED: usize = 8;

impl Catalog {
    /// Every entry `query` names exactly (ignoring case and surrounding blanks). A number can name several:
    /// `3` is both an extension status and a launcher exit code.
    pub fn lookup(&self, query: &str) -> Vec<Entry<'_>> {
        let query = query.trim();
        let mut found = Vec::new();
        if let Some(code) = self.code(query) {
            found.push(Entry::ErrorCode(code));
        }
        if let Some(f) = self.findings.iter().find(|f| f.id.eq_ignore_ascii_case(query)) {
            found.push(Entry::Finding(f));
        }
        if let Some(s) = self.extension.status(query) {
            found.push(Entry::ExtensionStatus(s));
        }
        if let Some(n) = self.extension.exit_code(query) {
            found.push(Entry::LauncherExit(n));
        }
        if let Some(n) = self.extension.host_status(query) {
            found.push(Entry::HostStatus(n));
        }
        found
    }

    /// Every name `lookup` knows (codes, their aliases, finding ids, extension code names), in catalog order.
    pub fn names(&self) -> Vec<&str> {
        let codes = self.codes.iter().flat_map(|c| std::iter::once(&c.code).chain(&c.aliases));
        let findings = self.findings.iter().map(|f| &f.id);
        let statuses = self.extension.status.iter().flat_map(|s| std::iter::once(&s.name).chain(&s.aliases));
        codes
            .chain(findings)
            .chain(statuses)
            .map(String::as_str)
            .filter(|n| n.parse::<i64>().is_err())
            .collect()
    }

    /// The names nearest to a query that names nothing: close in edit distance first (nearest first), then
    /// names that contain the query or are contained in it. Case, `-` and `_` do not count.
    pub fn suggest(&self, query: &str) -> Vec<&str> {
        let wanted = normalise(query);
        if wanted.is_empty() {
            return Vec::new();
        }
        let tolerance = 1 + wanted.chars().count() / 6;
        let mut close: Vec<(usize, &str)> = self
            .names()
            .into_iter()
            .filter_map(|name| {
                let d = edit_distance(&wanted, &normalise(name));
                (d <= tolerance).then_some((d, name))
            })
            .collect();
        close.sort_by_key(|&(d, _)| d);
        let mut out: Vec<&str> = close.into_iter().map(|(_, name)| name).collect();
        if wanted.chars().count() >= MIN_FRAGMENT {
            for name in self.names() {
                let have = normalise(name);
                let related =
                    have.contains(&wanted) || (have.len() >= MIN_CONTAINED && wanted.contains(&have));
                if related && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        out.truncate(MAX_SUGGESTIONS);
        out
    }
}

/// Lower case, letters and digits only.
fn normalise(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// Damerau-Levenshtein distance (optimal string alignment): insertions, deletions, substitutions and swaps of
/// two neighbouring characters each cost one.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the dynamic-programming table: two back, one back, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_each_kind_of_edit_once() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("unavaliable", "unavailable"), 1, "a swap is one edit");
        assert_eq!(edit_distance("fsfreze", "fsfreeze"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("ca", "abc"), 3, "optimal string alignment edits no substring twice");
    }

    #[test]
    fn lookup_finds_every_kind_in_any_case() {
        let cat = Catalog::get();
        let found = cat.lookup("usererrorfsfreezefailed");
        assert!(matches!(found[..], [Entry::ErrorCode(c)] if c.code == "UserErrorFsFreezeFailed"));
        assert!(
            matches!(cat.lookup(" FSFREEZE-FAILED ")[..], [Entry::Finding(f)] if f.id == "fsfreeze-failed")
        );
        assert!(matches!(cat.lookup("121")[..], [Entry::ExtensionStatus(s)] if s.value == 121));
        assert!(matches!(cat.lookup("3")[..], [Entry::ExtensionStatus(_), Entry::LauncherExit(_)]));
        assert!(matches!(cat.lookup("556")[..], [Entry::ExtensionStatus(_), Entry::HostStatus(_)]));
        assert!(matches!(cat.lookup("400094")[..], [Entry::ErrorCode(c)] if c.code == "ResourceNotFound"));
        assert!(cat.lookup("NoSuchThing").is_empty());
        assert!(cat.lookup("").is_empty());
    }

    #[test]
    fn typos_suggest_the_nearest_names_first() {
        let cat = Catalog::get();
        assert_eq!(
            cat.suggest("UserErrorGuestAgentStatusUnavaliable"),
            ["UserErrorGuestAgentStatusUnavailable"]
        );
        assert_eq!(cat.suggest("fsfreze-failed").first(), Some(&"fsfreeze-failed"));
        assert_eq!(cat.suggest("fsfreeze_failed").first(), Some(&"fsfreeze-failed"));
        assert_eq!(
            cat.suggest("FailedRetryableFsFreezeFialed").first(),
            Some(&"FailedRetryableFsFreezeFailed")
        );
    }

    #[test]
    fn fragments_suggest_the_names_containing_them() {
        let cat = Catalog::get();
        let near = cat.suggest("CrossSubscription");
        assert!(!near.is_empty() && near.iter().all(|n| n.contains("CrossSubscription")), "{near:?}");
        assert!(near.len() <= MAX_SUGGESTIONS);
        assert!(cat.suggest("zzzzzzzzqqqq").is_empty());
        assert!(cat.suggest("--").is_empty());
        let longer = cat.suggest("UserErrorFsFreezeFailedOnDataDisk");
        assert_eq!(longer.first(), Some(&"UserErrorFsFreezeFailed"), "names the query contains: {longer:?}");
    }
}
