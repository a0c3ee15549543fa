//! Finding bundles under a directory: archives (zip, tar, tar.gz, tgz, `.gz`) anywhere below it, and
//! extracted bundle folders, each taken whole and not searched further. A folder is a bundle when a file
//! in it, or a few levels down one of the top folders collected bundles have (`var`, `WindowsAzure`,
//! `VMAgentLogs`, …), is an artifact the registry knows (`var/log/waagent.log`,
//! `WindowsAzure/Logs/WaAppAgent.log`, …). Only those top folders are looked into, so that a folder of
//! uploads holding an extracted bundle somewhere below is searched, not taken for a bundle itself.

use std::path::{Path, PathBuf};

use snaptriage::artifacts::containers::ARCHIVE_SUFFIXES;
use snaptriage::intake::{classify, ArtifactKind};

/// Levels below a folder looked at to tell whether it is an extracted bundle (extension logs sit at
/// `var/log/azure/<handler>/extension.log`).
const PROBE_DEPTH: usize = 5;
/// The top folders of collected bundles (lower case): Linux roots, and what the Windows collectors copy.
const BUNDLE_ROOTS: &[&str] = &["var", "etc", "windowsazure", "vmagentlogs", "packages", "windows", "c"];
/// Entries looked at, at most, to tell whether a folder is an extracted bundle.
const PROBE_ENTRIES: usize = 4096;

/// What the search found, in name order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// An archive or a bundle folder.
    Bundle(PathBuf),
    /// A file that is neither.
    Skipped(PathBuf),
}

/// Searches `dir` (not itself a bundle folder) recursively. Symbolic links to directories are not
/// followed, so a link loop cannot make the search endless.
pub fn search(dir: &Path, found: &mut Vec<Found>) -> std::io::Result<()> {
    for path in sorted_entries(dir)? {
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            if is_bundle_folder(&path) {
                found.push(Found::Bundle(path));
            } else {
                search(&path, found)?;
            }
        } else if path.is_file() {
            if is_archive_name(&path) {
                found.push(Found::Bundle(path));
            } else {
                found.push(Found::Skipped(path));
            }
        }
    }
    Ok(())
}

/// True for a file name a bundle archive has.
pub fn is_archive_name(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    name.ends_with(".gz") || ARCHIVE_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// True for a folder that holds a file the artifact registry knows, directly or within [`PROBE_DEPTH`]
/// levels below one of the [`BUNDLE_ROOTS`].
pub fn is_bundle_folder(dir: &Path) -> bool {
    let mut budget = PROBE_ENTRIES;
    holds_artifact(dir, "", 0, &mut budget)
}

fn holds_artifact(dir: &Path, prefix: &str, depth: usize, budget: &mut usize) -> bool {
    let Ok(entries) = sorted_entries(dir) else { return false };
    let mut folders = Vec::new();
    for path in entries {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let relative = format!("{prefix}{name}");
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            if depth > 0 || BUNDLE_ROOTS.contains(&name.to_ascii_lowercase().as_str()) {
                folders.push((path, relative));
            }
        } else if !matches!(classify(&relative).kind, ArtifactKind::Unknown | ArtifactKind::Archive) {
            return true;
        }
    }
    depth + 1 < PROBE_DEPTH
        && folders
            .into_iter()
            .any(|(path, relative)| holds_artifact(&path, &format!("{relative}/"), depth + 1, budget))
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("snaptriage-discover-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"x").unwrap();
    }

    #[test]
    fn archives_anywhere_and_bundle_folders_whole_the_rest_skipped() {
        let dir = scratch("tree");
        touch(&dir.join("README.md"));
        touch(&dir.join("a/b/deep.tgz"));
        touch(&dir.join("a/one.zip"));
        touch(&dir.join("extracted/var/log/waagent.log"));
        touch(&dir.join("extracted/var/log/inner.zip"));
        touch(&dir.join("uploads/case-1/extracted/WindowsAzure/Logs/WaAppAgent.log"));
        touch(&dir.join("z.log.gz"));
        let mut found = Vec::new();
        search(&dir, &mut found).unwrap();
        assert_eq!(
            found,
            vec![
                Found::Skipped(dir.join("README.md")),
                Found::Bundle(dir.join("a/b/deep.tgz")),
                Found::Bundle(dir.join("a/one.zip")),
                Found::Bundle(dir.join("extracted")),
                Found::Bundle(dir.join("uploads/case-1/extracted")),
                Found::Bundle(dir.join("z.log.gz")),
            ]
        );
    }

    #[test]
    fn a_folder_of_archives_is_not_a_bundle_folder() {
        let dir = scratch("uploads");
        touch(&dir.join("x.zip"));
        touch(&dir.join("notes.txt"));
        assert!(!is_bundle_folder(&dir));
        touch(&dir.join("WindowsAzure/Logs/WaAppAgent.log"));
        assert!(is_bundle_folder(&dir));
    }
}
