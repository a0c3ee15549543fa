//! What is not an artifact of its own: archives inside the bundle, and files nothing reads.

use super::{Artifact, ArtifactKind, Clock, Name, PathPattern, Reading};

/// The name endings of archives snaptriage opens in place, longest first where one ends another.
pub const ARCHIVE_SUFFIXES: &[&str] = &[".tar.gz", ".tgz", ".zip", ".tar"];

/// An archive inside the bundle (zip, tar, tar.gz), opened in place by intake.
pub static ARCHIVE: Artifact = Artifact {
    kind: ArtifactKind::Archive,
    name: "archive",
    identifies_os: None,
    clock: Clock::Untimed,
    family: None,
    reading: Reading::Archive,
    patterns: &[PathPattern::anywhere(&[
        Name::Glob("*.zip"),
        Name::Glob("*.tar"),
        Name::Glob("*.tar.gz"),
        Name::Glob("*.tgz"),
    ])],
    samples: &[
        "logs.zip",
        "a/b.tar.gz",
        "x.TGZ",
        "y.tar",
        "var/lib/waagent/history/2024-03-15T17-10-47__3.zip",
    ],
};

/// Nothing snaptriage reads: what no other entry claims.
pub static UNKNOWN: Artifact = Artifact {
    kind: ArtifactKind::Unknown,
    name: "unknown",
    identifies_os: None,
    clock: Clock::Untimed,
    family: None,
    reading: Reading::Ignored,
    patterns: &[],
    samples: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_patterns_are_the_archive_suffixes() {
        let globs: Vec<String> = ARCHIVE
            .patterns
            .iter()
            .flat_map(|p| p.names)
            .flat_map(|n| n.literals())
            .map(String::from)
            .collect();
        let mut expected: Vec<String> = ARCHIVE_SUFFIXES.iter().map(|s| format!("*{s}")).collect();
        let mut globs_sorted = globs.clone();
        globs_sorted.sort();
        expected.sort();
        assert_eq!(globs_sorted, expected);
    }
}
