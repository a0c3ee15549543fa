//! The artifact registry against the bundles the project ships: every member of every sample goes to at most
//! one artifact kind, the one intake gave it.

use std::path::Path;

use snaptriage::artifacts::claimants;
use snaptriage::intake::path::classification_path;
use snaptriage::intake::{open, ArtifactKind, Limits};

#[test]
fn every_member_of_every_sample_is_claimed_by_one_artifact_at_most() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut bundles = 0;
    let mut known = 0;
    for os in ["linux", "windows"] {
        let mut paths: Vec<_> =
            std::fs::read_dir(samples.join(os)).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for bundle in paths {
            let listing = open(&bundle, &Limits::default()).unwrap();
            bundles += 1;
            for member in &listing.members {
                let claims = claimants(&classification_path(&member.path));
                let expected = if member.kind == ArtifactKind::Unknown { vec![] } else { vec![member.kind] };
                assert_eq!(claims, expected, "{}: {}", bundle.display(), member.path);
                known += usize::from(member.kind != ArtifactKind::Unknown);
            }
        }
    }
    assert!(bundles >= 30, "the samples are there ({bundles} bundles)");
    assert!(known > 300, "members of known kinds were checked ({known})");
}
