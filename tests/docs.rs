//! The README stays true: every finding id is documented, and the quick-start sample exists.

#[test]
fn readme_lists_every_finding_id_and_its_sample_exists() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for f in &snaptriage::catalog::Catalog::get().findings {
        assert!(readme.contains(&format!("| `{}` |", f.id)), "README does not document {}", f.id);
    }
    let quick_start = readme.lines().find(|l| l.contains("snaptriage analyze samples/")).unwrap();
    let sample = quick_start.split_whitespace().find(|w| w.starts_with("samples/")).unwrap();
    assert!(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(sample).is_file(), "{sample}");
}
