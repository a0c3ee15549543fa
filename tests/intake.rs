//! Bundle intake: containers, nesting, limits, and damaged members that must not stop the analysis.

mod common;

use snaptriage::intake::{open_bytes, ArtifactKind, Limits, ReadBudget};
use snaptriage::inventory::MemberStatus;
use snaptriage::{analyze_bytes, Options};

fn kinds(bytes: Vec<u8>) -> Vec<(String, ArtifactKind)> {
    let listing = open_bytes("b", "b", bytes, &Limits::default()).unwrap();
    listing.members.iter().map(|m| (m.path.clone(), m.kind)).collect()
}

#[test]
fn archives_nested_three_deep_are_opened_in_place() {
    let log = common::healthy_waagent_log();
    let inner = common::zip_bundle(&[("var/log/waagent.log", log.as_bytes())]);
    let tgz = common::gz(&common::tar(&[("case/logs.zip", &inner)]));
    let outer = common::zip_bundle(&[("upload/case.tar.gz", &tgz), ("README.txt", b"hi")]);
    let got = kinds(outer.clone());
    assert_eq!(
        got,
        vec![
            ("upload/case.tar.gz!/case/logs.zip!/var/log/waagent.log".to_string(), ArtifactKind::WaagentLog),
            ("README.txt".to_string(), ArtifactKind::Unknown),
        ]
    );
    let report = analyze_bytes("outer.zip", outer, &Options::default()).unwrap().report;
    let archives: Vec<_> = report.inventory.iter().filter(|e| e.kind == "archive").collect();
    assert_eq!(archives.len(), 2);
    assert!(archives
        .iter()
        .all(|a| a.status == MemberStatus::Parsed && a.detail.starts_with("archive with 1 members")));
    assert_eq!(report.facts.agent_version.as_deref(), Some("2.10.0.8"));
}

#[test]
fn nesting_past_the_limit_is_reported_not_opened() {
    let mut bytes = common::zip_bundle(&[("var/log/waagent.log", b"x")]);
    for _ in 0..4 {
        bytes = common::zip_bundle(&[("nested.zip", &bytes)]);
    }
    let listing = open_bytes("b", "b", bytes, &Limits::default()).unwrap();
    assert!(listing.members.is_empty());
    let deepest = listing.notes.iter().find(|n| n.status == MemberStatus::Skipped).unwrap();
    assert_eq!(deepest.path, "nested.zip!/nested.zip!/nested.zip!/nested.zip");
    assert!(deepest.detail.contains("nested deeper than 3 levels"), "{}", deepest.detail);
}

#[test]
fn member_names_are_logical_paths_only() {
    let bytes = common::zip_bundle(&[
        ("../../etc/cron.d/evil", b"* * * * * root rm -rf /"),
        ("/var/log/waagent.log", b"x\n"),
    ]);
    let got = kinds(bytes);
    assert_eq!(got[0].0, "../../etc/cron.d/evil");
    assert_eq!(got[1], ("var/log/waagent.log".to_string(), ArtifactKind::WaagentLog));
}

#[test]
fn corrupt_member_is_failed_with_reason_and_the_rest_is_analysed() {
    let good = common::wireserver_outage_log();
    let mut bytes = common::zip_bundle(&[
        ("var/log/waagent.log", good.as_bytes()),
        ("var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log", &[b'A'; 4096]),
    ]);
    // Flip bytes inside the second member's deflated data: its CRC no longer matches.
    // The first occurrence of the name is the local header; its data follows the name directly.
    let at = bytes.windows(13).position(|w| w == b"extension.log").unwrap() + 13 + 8;
    for b in &mut bytes[at..at + 4] {
        *b ^= 0x55;
    }
    let report = analyze_bytes("damaged.zip", bytes, &Options::default()).unwrap().report;
    let broken = report.inventory.iter().find(|e| e.path.ends_with("extension.log")).unwrap();
    assert!(matches!(broken.status, MemberStatus::Failed | MemberStatus::Partial), "{broken:?}");
    assert!(!broken.detail.is_empty());
    let ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, vec!["wireserver-unreachable"]);
}

#[test]
fn truncated_rotated_log_is_partial_and_its_lines_still_count() {
    let log = common::wireserver_outage_log().repeat(40);
    let gz = common::gz(log.as_bytes());
    let cut = &gz[..gz.len() * 2 / 3];
    let bytes = common::zip_bundle(&[("var/log/waagent.log.1.gz", cut)]);
    let report = analyze_bytes("cut.zip", bytes, &Options::default()).unwrap().report;
    let e = &report.inventory[0];
    assert_eq!(e.status, MemberStatus::Partial, "{e:?}");
    assert!(e.detail.contains("truncated"), "{}", e.detail);
    assert!(report.stats.records > 100);
}

#[test]
fn zip_bomb_is_refused() {
    let limits = Limits { ratio_floor_bytes: 1 << 20, max_ratio: 100, ..Limits::default() };
    let bomb = common::zip_bundle(&[("var/log/waagent.log", &vec![b'a'; 8 << 20])]);
    let listing = open_bytes("b", "b", bomb, &limits).unwrap();
    let err = listing.members[0].read(&limits, &ReadBudget::default()).unwrap_err();
    assert_eq!(err.to_string(), "compression ratio over 100:1 (zip bomb?)");
}

#[test]
fn tar_gz_single_gz_and_plain_file_bundles() {
    let log = common::healthy_waagent_log();
    let tgz = common::gz(&common::tar(&[
        ("./var/log/waagent.log", log.as_bytes()),
        ("./etc/waagent.conf", b"Extensions.Enabled=y\n"),
    ]));
    assert_eq!(
        kinds(tgz),
        vec![
            ("var/log/waagent.log".to_string(), ArtifactKind::WaagentLog),
            ("etc/waagent.conf".to_string(), ArtifactKind::WaagentConf)
        ]
    );
    let single =
        open_bytes("waagent.log.3.gz", "waagent.log.3.gz", common::gz(log.as_bytes()), &Limits::default())
            .unwrap();
    assert_eq!(single.members[0].path, "waagent.log.3");
    assert_eq!(single.members[0].kind, ArtifactKind::WaagentLog);
    let sniffed = open_bytes("case-1234.txt", "case-1234.txt", log.into_bytes(), &Limits::default()).unwrap();
    assert_eq!(sniffed.members[0].kind, ArtifactKind::WaagentLog);
}

#[test]
fn directory_bundles_are_walked_without_following_links() {
    let dir = std::env::temp_dir().join(format!("snaptriage-dir-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("var/log")).unwrap();
    std::fs::write(dir.join("var/log/waagent.log"), common::healthy_waagent_log()).unwrap();
    #[cfg(unix)]
    {
        let _ = std::os::unix::fs::symlink("/etc/passwd", dir.join("var/log/link"));
    }
    let listing = snaptriage::intake::open(&dir, &Limits::default()).unwrap();
    assert_eq!(
        listing.members.iter().map(|m| m.path.as_str()).collect::<Vec<_>>(),
        vec!["var/log/waagent.log"]
    );
    #[cfg(unix)]
    assert!(listing.notes.iter().any(|n| n.path == "var/log/link" && n.detail.contains("not followed")));
}

#[test]
fn garbage_top_level_inputs_are_errors_not_panics() {
    for bytes in [b"PK\x05\x06".to_vec(), vec![0x1f, 0x8b, 0, 0], vec![0u8; 1024]] {
        let _ = analyze_bytes("g", bytes, &Options::default());
    }
}

/// A member as read: path, kind, and its bytes with their truncation note, or the error.
type MemberRead = (String, ArtifactKind, Result<(Vec<u8>, Option<String>), String>);

/// Every member as read.
fn members_read(bytes: Vec<u8>, limits: &Limits) -> Vec<MemberRead> {
    let listing = open_bytes("b.tar.gz", "b.tar.gz", bytes, limits).unwrap();
    listing
        .members
        .iter()
        .map(|m| {
            let read = m
                .read(limits, &ReadBudget::default())
                .map(|b| (b.data, b.truncated))
                .map_err(|e| e.to_string());
            (m.path.clone(), m.kind, read)
        })
        .collect()
}

#[test]
fn a_large_tar_gz_is_read_from_a_temporary_file_as_from_memory() {
    let log = common::healthy_waagent_log().repeat(40);
    let tar = common::tar(&[
        ("./var/log/waagent.log", log.as_bytes()),
        ("./var/log/waagent.log.1.gz", &common::gz(log.as_bytes())),
        ("./etc/waagent.conf", b"Extensions.Enabled=y\n"),
    ]);
    let tgz = common::gz(&tar);
    let in_memory = Limits::default();
    let spilled = Limits { spill_above_bytes: 1024, ..Limits::default() };
    assert!(tar.len() > 1024 * 8, "the tar must spill: {}", tar.len());
    let expected = members_read(tgz.clone(), &in_memory);
    assert_eq!(expected.len(), 3);
    assert_eq!(members_read(tgz.clone(), &spilled), expected);
    // Cut off inside the second member: the same members, the same cut, from either place.
    let cut = tgz[..tgz.len() * 3 / 4].to_vec();
    let expected = members_read(cut.clone(), &in_memory);
    assert!(expected.iter().any(|(_, _, r)| matches!(r, Ok((_, Some(_))) | Err(_))), "{expected:?}");
    assert_eq!(members_read(cut, &spilled), expected);
    // And the whole analysis agrees.
    let opts = |limits: Limits| Options { limits, ..Options::default() };
    let a = analyze_bytes("b.tar.gz", tgz.clone(), &opts(in_memory)).unwrap().report;
    let b = analyze_bytes("b.tar.gz", tgz, &opts(spilled)).unwrap().report;
    assert_eq!(serde_json::to_value(&a.inventory).unwrap(), serde_json::to_value(&b.inventory).unwrap());
    assert_eq!(a.findings, b.findings);
}

#[test]
fn a_large_lone_gz_is_read_from_a_temporary_file() {
    let log = common::healthy_waagent_log().repeat(40);
    let spilled = Limits { spill_above_bytes: 1024, ..Limits::default() };
    let listing =
        open_bytes("waagent.log.2.gz", "waagent.log.2.gz", common::gz(log.as_bytes()), &spilled).unwrap();
    assert_eq!(listing.members.len(), 1);
    let bytes = listing.members[0].read(&spilled, &ReadBudget::default()).unwrap();
    assert_eq!(bytes.data, log.as_bytes());
}
