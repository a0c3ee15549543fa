//! Path patterns as data: which file names, in which folders, an artifact is found under.
//!
//! Every pattern is matched against the member's logical path lowercased, with `\` read as `/` and any prefix
//! allowed (bundles differ in their prefix: `logs.zip` strips the leading `/`, support tools add a folder,
//! Windows zips carry drive-less paths with either separator). Literals in patterns are therefore written in
//! lowercase; the registry's tests check that they are.

/// A file-name test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    /// A glob over the file name, where `*` stands for any run of characters (`waagent.log*`, `*.evtx`).
    Glob(&'static str),
    /// `<stem><ext>` or `<stem>.<digits><ext>` (`goalstate.xml`, `goalstate.12.xml`).
    Numbered(&'static str, &'static str),
}

impl Name {
    /// True when the (lowercased) file name fits.
    pub fn fits(&self, file: &str) -> bool {
        match self {
            Name::Glob(glob) => glob_fits(glob, file),
            Name::Numbered(stem, ext) => file
                .strip_prefix(stem)
                .and_then(|rest| rest.strip_suffix(ext))
                .is_some_and(|mid| mid.is_empty() || mid.strip_prefix('.').is_some_and(is_all_digits)),
        }
    }

    /// The literal text of the test, for checks on the table itself.
    pub fn literals(&self) -> Vec<&'static str> {
        match self {
            Name::Glob(glob) => vec![glob],
            Name::Numbered(stem, ext) => vec![stem, ext],
        }
    }
}

/// A test on the folder a file sits in (its path without the file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// The file sits at the top of its bundle, in no folder.
    Top,
    /// The containing folder is named exactly this (`etc`, `status`).
    Named(&'static str),
    /// The folder path ends with this text (`system32/config`).
    EndsWith(&'static str),
    /// The folder path ends with this text, or lies below a folder path that does (`var/log/azure` and
    /// everything under it).
    Below(&'static str),
    /// The folder path contains this text (a handler's folder name).
    Contains(&'static str),
    /// The folder path does not contain this text.
    NotContaining(&'static str),
}

impl Folder {
    /// True when the (lowercased) folder path fits.
    pub fn fits(&self, dir: &str) -> bool {
        match self {
            Folder::Top => dir.is_empty(),
            Folder::Named(name) => dir.rsplit('/').next().unwrap_or("") == *name,
            Folder::EndsWith(tail) => dir.ends_with(tail),
            Folder::Below(tail) => dir.ends_with(tail) || contains_folder(dir, tail),
            Folder::Contains(text) => dir.contains(text),
            Folder::NotContaining(text) => !dir.contains(text),
        }
    }

    /// The literal text of the test, for checks on the table itself.
    pub fn literal(&self) -> &'static str {
        match self {
            Folder::Top => "",
            Folder::Named(s)
            | Folder::EndsWith(s)
            | Folder::Below(s)
            | Folder::Contains(s)
            | Folder::NotContaining(s) => s,
        }
    }
}

/// One place an artifact is found: a file name fitting one of `names`, in a folder fitting every test of
/// `folders`, and fitting none of `except` (names that belong to another artifact there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathPattern {
    /// The file name fits one of these.
    pub names: &'static [Name],
    /// The folder fits all of these (none: anywhere).
    pub folders: &'static [Folder],
    /// The file name fits none of these.
    pub except: &'static [Name],
}

impl PathPattern {
    /// A pattern for names found in any folder.
    pub const fn anywhere(names: &'static [Name]) -> PathPattern {
        PathPattern { names, folders: &[], except: &[] }
    }

    /// A pattern for names found in folders that pass every test.
    pub const fn within(names: &'static [Name], folders: &'static [Folder]) -> PathPattern {
        PathPattern { names, folders, except: &[] }
    }

    /// True when a normalised path (see [`MemberPath`]) fits.
    pub fn fits(&self, path: &MemberPath<'_>) -> bool {
        self.names.iter().any(|n| n.fits(path.file))
            && self.folders.iter().all(|f| f.fits(path.dir))
            && !self.except.iter().any(|n| n.fits(path.file))
    }
}

/// A member path split for matching: its folder path and file name, both lowercased, `/`-separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberPath<'a> {
    /// Everything before the last `/` (empty at the top of the bundle).
    pub dir: &'a str,
    /// The file name.
    pub file: &'a str,
}

impl<'a> MemberPath<'a> {
    /// Splits a path already lowercased and `/`-separated.
    pub fn split(lower: &'a str) -> Self {
        match lower.rfind('/') {
            Some(i) => MemberPath { dir: &lower[..i], file: &lower[i + 1..] },
            None => MemberPath { dir: "", file: lower },
        }
    }
}

/// Lowercases a logical path, reads `\` as `/` and drops trailing separators.
pub fn normalise(path: &str) -> String {
    let lower = path.replace('\\', "/").to_ascii_lowercase();
    lower.trim_end_matches('/').to_string()
}

/// True when `dir` holds `tail` followed by a `/` (a folder path ending with `tail`, and more below it).
fn contains_folder(dir: &str, tail: &str) -> bool {
    dir.match_indices(tail).any(|(i, _)| dir[i + tail.len()..].starts_with('/'))
}

/// Glob matching over one file name: `*` is any run of characters, everything else is literal.
fn glob_fits(glob: &str, name: &str) -> bool {
    let mut parts = glob.split('*');
    let Some(first) = parts.next() else { return glob.is_empty() && name.is_empty() };
    let Some(mut rest) = name.strip_prefix(first) else { return false };
    let pieces: Vec<&str> = parts.collect();
    let Some((last, middle)) = pieces.split_last() else { return rest.is_empty() };
    for piece in middle {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

fn is_all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_names() {
        assert!(glob_fits("waagent.log*", "waagent.log"));
        assert!(glob_fits("waagent.log*", "waagent.log.1"));
        assert!(!glob_fits("waagent.log*", "old-waagent.log"));
        assert!(glob_fits("*.log.*", "handler.log.2"));
        assert!(!glob_fits("*.log.*", "handler.log"));
        assert!(glob_fits("vssadmin*.txt", "vssadmin_list_writers.txt"));
        assert!(glob_fits("vssadmin*.txt", "vssadmin.txt"));
        assert!(!glob_fits("vssadmin*.txt", "vssadmin.txt.bak"));
        assert!(glob_fits("*-release", "redhat-release"));
        assert!(!glob_fits("a*a", "a"), "the two literal ends may not overlap");
        assert!(glob_fits("mrseq", "mrseq"));
        assert!(!glob_fits("mrseq", "mrseq2"));
    }

    #[test]
    fn numbered_names_take_only_digits() {
        let n = Name::Numbered("goalstate", ".xml");
        assert!(n.fits("goalstate.xml"));
        assert!(n.fits("goalstate.12.xml"));
        assert!(!n.fits("goalstate.x.xml"));
        assert!(!n.fits("goalstate..xml"));
        assert!(!n.fits("goalstate12.xml"));
    }

    #[test]
    fn folder_tests() {
        assert!(Folder::Below("var/log/azure").fits("var/log/azure"));
        assert!(Folder::Below("var/log/azure").fits("logs/var/log/azure/custom-script/1.0"));
        assert!(!Folder::Below("var/log/azure").fits("var/log/azurefoo"));
        assert!(Folder::Named("etc").fits("bundle/etc"));
        assert!(!Folder::Named("etc").fits("bundle/etc/netplan"));
        assert!(Folder::Top.fits(""));
        assert!(!Folder::Top.fits("a"));
    }

    #[test]
    fn paths_are_lowercased_with_either_separator() {
        let lower = normalise("C:\\Bundle\\var\\log\\WAAGENT.LOG/");
        assert_eq!(lower, "c:/bundle/var/log/waagent.log");
        assert_eq!(MemberPath::split(&lower), MemberPath { dir: "c:/bundle/var/log", file: "waagent.log" });
        assert_eq!(MemberPath::split("results.txt"), MemberPath { dir: "", file: "results.txt" });
    }
}
