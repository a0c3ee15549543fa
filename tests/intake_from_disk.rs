//! A bundle file is read from disk by offset: opened from a file it lists and reads exactly as the same bytes
//! opened from memory, holds no copy of itself in memory, and a file changed while open fails only the members
//! it breaks.

mod common;

use common::TempDir;
use std::path::Path;

use snaptriage::intake::{open, open_bytes, Limits, Listing, ReadBudget};
use snaptriage::{analyze_path, Options};

/// Everything a listing says, members read to their end: paths, kinds, sizes, bytes, cuts and errors, the
/// inventory rows and the hash.
fn described(listing: &Listing) -> String {
    let limits = Limits::default();
    let budget = ReadBudget::default();
    let mut out = format!("sha256 {:?}\n", listing.sha256);
    for m in &listing.members {
        let read = match m.read(&limits, &budget) {
            Ok(bytes) => format!(
                "{} bytes, digest {:x}, cut {:?}",
                bytes.data.len(),
                fnv(&bytes.data),
                bytes.truncated
            ),
            Err(err) => format!("error {err}"),
        };
        out.push_str(&format!(
            "{} {:?} gz={} declared={} depth={} year={:?}: {read}\n",
            m.path, m.kind, m.gzipped, m.declared_size, m.depth, m.modified_year
        ));
    }
    for n in &listing.notes {
        out.push_str(&format!("row {n:?}\n"));
    }
    out
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

fn assert_same_from_file_and_bytes(dir: &TempDir, name: &str, bytes: &[u8]) {
    let path = dir.write(name, bytes);
    let from_file = open(&path, &Limits::default()).unwrap();
    let from_bytes =
        open_bytes(&path.display().to_string(), name, bytes.to_vec(), &Limits::default()).unwrap();
    assert!(!from_file.members.is_empty() || !from_file.notes.is_empty(), "{name}: nothing listed");
    assert_eq!(described(&from_file), described(&from_bytes), "{name}");
}

#[test]
fn a_bundle_opened_from_a_file_lists_and_reads_as_from_its_bytes() {
    let dir = TempDir::new("disk-same");
    let log = common::healthy_waagent_log();
    let files: &[(&str, &[u8])] = &[
        ("var/log/waagent.log", log.as_bytes()),
        ("var/log/waagent.log.1.gz", &common::gz(log.as_bytes())),
        ("etc/waagent.conf", b"Extensions.Enabled=y\n"),
        ("inner/logs.zip", &common::zip_bundle(&[("var/log/azure/x.log", b"nested\n")])),
    ];
    let zip = common::zip_bundle(files);
    let tar = common::tar(files);
    let tgz = common::gz(&tar);
    assert_same_from_file_and_bytes(&dir, "bundle.zip", &zip);
    assert_same_from_file_and_bytes(&dir, "bundle.tar", &tar);
    assert_same_from_file_and_bytes(&dir, "bundle.tar.gz", &tgz);
    assert_same_from_file_and_bytes(&dir, "waagent.log.2.gz", &common::gz(log.as_bytes()));
    assert_same_from_file_and_bytes(&dir, "case-1234.log", log.as_bytes());
    // Cut off: the members' cuts and the bundle's own row agree too.
    assert_same_from_file_and_bytes(&dir, "cut.zip", &zip[..zip.len() * 2 / 3]);
    assert_same_from_file_and_bytes(&dir, "cut.tar", &tar[..tar.len() - 700]);
    assert_same_from_file_and_bytes(&dir, "cut.tar.gz", &tgz[..tgz.len() * 3 / 4]);
    assert_same_from_file_and_bytes(&dir, "zeros.tar", &[0u8; 2048]);
}

#[test]
fn a_bundle_file_cut_or_changed_while_open_fails_the_members_it_breaks() {
    let dir = TempDir::new("disk-changed");
    let log = common::wireserver_outage_log().repeat(20);
    let zip = common::zip_bundle(&[("var/log/waagent.log", log.as_bytes()), ("etc/waagent.conf", b"x=y\n")]);
    let limits = Limits::default();
    let reads = |listing: &Listing| -> Vec<Result<Option<String>, String>> {
        let budget = ReadBudget::default();
        listing
            .members
            .iter()
            .map(|m| m.read(&limits, &budget).map(|b| b.truncated).map_err(|e| e.to_string()))
            .collect()
    };

    let path = dir.write("cut.zip", &zip);
    let listing = open(&path, &limits).unwrap();
    assert_eq!(reads(&listing), vec![Ok(None), Ok(None)]);
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(100).unwrap();
    let after = reads(&listing);
    assert!(after.iter().all(|r| matches!(r, Err(_) | Ok(Some(_)))), "{after:?}");

    let path = dir.write("changed.zip", &zip);
    let listing = open(&path, &limits).unwrap();
    let mut changed = zip.clone();
    let at = changed.windows(19).position(|w| w == b"var/log/waagent.log").unwrap() + 19 + 40;
    for b in &mut changed[at..at + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(&path, &changed).unwrap();
    let after = reads(&listing);
    assert!(matches!(after[0], Err(_) | Ok(Some(_))), "{after:?}");
    assert_eq!(after[1], Ok(None));

    let path = dir.write("waagent.log", log.as_bytes());
    let listing = open(&path, &limits).unwrap();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(1000).unwrap();
    let after = reads(&listing);
    let [Ok(Some(cut))] = after.as_slice() else { panic!("{after:?}") };
    assert!(cut.contains("the bundle file ends at byte 1000"), "{cut}");
    assert!(analyze_path(&path, &Options::default()).is_ok());
}

/// A waagent.log of about `size` bytes with a WireServer outage in it.
fn large_log(size: usize) -> String {
    let outage = common::wireserver_outage_log();
    let mut log = String::with_capacity(size + outage.len());
    let beat = "2024-03-15T09:18:19.565463Z INFO ExtHandler ExtHandler [HEARTBEAT] Agent WALinuxAgent-2.10.0.8 is running as the goal state agent\n";
    while log.len() + outage.len() < size {
        log.push_str(beat);
    }
    log.push_str(&outage);
    log
}

fn assert_file_backed(path: &Path) -> Listing {
    let listing = open(path, &Limits::default()).unwrap();
    assert_eq!(listing.bytes_in_memory(), 0, "{}", path.display());
    listing
}

#[test]
fn a_large_log_or_zip_on_disk_is_analysed_without_a_copy_in_memory() {
    let dir = TempDir::new("disk-large");
    let log = large_log(20 << 20);
    let path = dir.write("waagent.log", log.as_bytes());
    let listing = assert_file_backed(&path);
    assert_eq!(listing.members.len(), 1);
    assert_eq!(listing.members[0].declared_size, log.len() as u64);
    // The same bytes handed over in memory are counted: the accessor sees buffers when there are some.
    let in_memory =
        open_bytes("waagent.log", "waagent.log", log.clone().into_bytes(), &Limits::default()).unwrap();
    assert_eq!(in_memory.bytes_in_memory(), log.len() as u64);
    let report = analyze_path(&path, &Options::default()).unwrap().report;
    let ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, vec!["wireserver-unreachable"]);

    let zip = common::zip_bundle(&[("var/log/waagent.log", log.as_bytes()), ("etc/waagent.conf", b"x=y\n")]);
    let zip_path = dir.write("bundle.zip", &zip);
    assert_file_backed(&zip_path);
    let tar_path = dir.write("bundle.tar", &common::tar(&[("var/log/waagent.log", log.as_bytes())]));
    assert_file_backed(&tar_path);
}
