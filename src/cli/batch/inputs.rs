//! What the batch is asked to analyse: paths on the command line, a manifest, JSON lines on standard
//! input; directories searched for bundles ([`super::discover`]); the same bundle given twice kept once.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use super::discover::{self, Found};

/// One input of the batch, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A bundle to analyse.
    Bundle(Bundle),
    /// A line of `--stdin-jsonl` that names no bundle: it becomes an error line of its own.
    Invalid {
        /// `stdin line N`.
        id: String,
        /// Why the line was not understood.
        error: String,
    },
}

impl Input {
    /// The id of its output line: the one given, else the path.
    pub fn id(&self) -> &str {
        match self {
            Input::Bundle(b) => b.id.as_deref().unwrap_or(&b.shown),
            Input::Invalid { id, .. } => id,
        }
    }

    /// What sharding hashes: the id given, else the path as given.
    pub fn shard_key(&self) -> &str {
        self.id()
    }
}

/// A bundle: a file or an extracted bundle folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// Where it is.
    pub path: PathBuf,
    /// The path as given (joined to the manifest's folder, or found under a given directory).
    pub shown: String,
    /// The id the input gave it.
    pub id: Option<String>,
}

/// Every input, and what was left out on the way.
#[derive(Debug, Default)]
pub struct Inputs {
    /// The inputs to analyse, in input order.
    pub items: Vec<Input>,
    /// Files found in directories that are neither archives nor bundle folders.
    pub skipped: Vec<PathBuf>,
    /// Inputs dropped because the same bundle (same canonical path) came earlier.
    pub duplicates: usize,
}

/// Where the inputs come from.
pub struct Sources<'a> {
    /// Paths on the command line.
    pub paths: &'a [PathBuf],
    /// `--manifest`.
    pub manifest: Option<&'a Path>,
    /// `--stdin-jsonl`: the reader of the JSON lines.
    pub jsonl: Option<Box<dyn BufRead + 'a>>,
}

/// One line of `--stdin-jsonl`.
#[derive(Debug, Deserialize)]
struct JsonlEntry {
    bundle: PathBuf,
    #[serde(default)]
    id: Option<String>,
}

/// Gathers the inputs: command-line paths, then the manifest's, then standard input's, each directory
/// searched in name order.
pub fn gather(sources: Sources<'_>) -> Result<Inputs> {
    let mut gathered = Gathering::default();
    for path in sources.paths {
        gathered.add(path.clone(), None)?;
    }
    if let Some(manifest) = sources.manifest {
        for path in read_manifest(manifest)? {
            gathered.add(path, None)?;
        }
    }
    if let Some(reader) = sources.jsonl {
        for (n, line) in reader.lines().enumerate() {
            let line = line.context("reading standard input")?;
            if line.trim().is_empty() {
                continue;
            }
            let id = format!("stdin line {}", n + 1);
            match serde_json::from_str::<JsonlEntry>(&line) {
                Ok(entry) => gathered.add(entry.bundle, entry.id)?,
                Err(e) => gathered.inputs.items.push(Input::Invalid {
                    id,
                    error: format!("not a JSON object with a `bundle` path: {e}"),
                }),
            }
        }
    }
    Ok(gathered.inputs)
}

/// The paths a manifest lists, relative ones taken from the manifest's folder.
fn read_manifest(manifest: &Path) -> Result<Vec<PathBuf>> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("{}: cannot read manifest", manifest.display()))?;
    let folder = manifest.parent().unwrap_or(Path::new(""));
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| folder.join(l))
        .collect())
}

#[derive(Default)]
struct Gathering {
    inputs: Inputs,
    seen: HashSet<PathBuf>,
}

impl Gathering {
    /// Adds a path given as an input: a directory that is no bundle folder is searched; anything else
    /// (a file of any name, a path that does not exist) is a bundle, whose analysis says what is wrong.
    fn add(&mut self, path: PathBuf, id: Option<String>) -> Result<()> {
        if path.is_dir() && !discover::is_bundle_folder(&path) {
            let mut found = Vec::new();
            discover::search(&path, &mut found)
                .with_context(|| format!("{}: cannot search the directory", path.display()))?;
            for f in found {
                match f {
                    Found::Bundle(p) => self.push(p, None),
                    Found::Skipped(p) => self.inputs.skipped.push(p),
                }
            }
        } else {
            self.push(path, id);
        }
        Ok(())
    }

    fn push(&mut self, path: PathBuf, id: Option<String>) {
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if !self.seen.insert(canonical) {
            self.inputs.duplicates += 1;
            return;
        }
        let shown = path.display().to_string();
        self.inputs.items.push(Input::Bundle(Bundle { path, shown, id }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("snaptriage-inputs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn bundles(inputs: &Inputs) -> Vec<String> {
        inputs.items.iter().map(|i| i.id().to_string()).collect()
    }

    #[test]
    fn a_manifest_skips_comments_and_blank_lines_and_resolves_from_its_folder() {
        let dir = scratch("manifest");
        std::fs::write(dir.join("a.zip"), b"x").unwrap();
        std::fs::write(dir.join("list.txt"), "# uploads\n\n  a.zip  \n/nowhere/b.zip\n").unwrap();
        let manifest = dir.join("list.txt");
        let inputs = gather(Sources { paths: &[], manifest: Some(&manifest), jsonl: None }).unwrap();
        assert_eq!(bundles(&inputs), vec![dir.join("a.zip").display().to_string(), "/nowhere/b.zip".into()]);
    }

    #[test]
    fn a_bad_jsonl_line_is_an_input_of_its_own_and_ids_are_kept() {
        let text = "{\"bundle\": \"/x/a.zip\", \"id\": \"case-1\"}\nnot json\n\n{\"bundle\": \"/x/b.zip\"}\n";
        let inputs =
            gather(Sources { paths: &[], manifest: None, jsonl: Some(Box::new(text.as_bytes())) }).unwrap();
        assert_eq!(bundles(&inputs), vec!["case-1", "stdin line 2", "/x/b.zip"]);
        assert!(matches!(&inputs.items[1], Input::Invalid { error, .. } if error.contains("bundle")));
    }

    #[test]
    fn the_same_bundle_twice_is_kept_once() {
        let dir = scratch("twice");
        std::fs::write(dir.join("a.zip"), b"x").unwrap();
        let again = dir.join(".").join("a.zip");
        let inputs = gather(Sources { paths: &[dir.clone(), again], manifest: None, jsonl: None }).unwrap();
        assert_eq!(inputs.items.len(), 1);
        assert_eq!(inputs.duplicates, 1);
    }
}
