use proptest::prelude::*;
use snaptriage_fixtures::regf::{
    base_block_checksum, write_hive, write_hive_with, Data, HiveOptions, Key, ListKind,
};

use super::*;
use crate::test_support::utc_time;

/// 2024-03-14 21:30:02.1234567 UTC as a FILETIME.
const WRITTEN: u64 = 133_549_254_021_234_567;
const HANDLER: &str = "Microsoft.Azure.RecoveryServices.VMSnapshot_1.0.9225.0";

fn software() -> Key {
    let mut root = Key::new("CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}", WRITTEN);
    let state = format!("Microsoft\\Windows Azure\\HandlerState\\{HANDLER}");
    root.insert(&state, "State", Data::Sz("Enabled".into()));
    root.insert(&state, "SequenceNumber", Data::Dword(42));
    root.insert(&state, "ConfigSequenceNumber", Data::Qword(1 << 40));
    root.insert(&state, "Paths", Data::MultiSz(vec!["C:\\Packages".into(), "D:\\Temp".into()]));
    root.insert(&state, "Blob", Data::Binary(vec![0xde, 0xad, 0xbe, 0xef, 0x01]));
    root.insert(&state, "", Data::ExpandSz("%SystemRoot%\\x".into()));
    root.insert("Microsoft\\Windows Azure", "VmId", Data::Sz("8a7b1c2d-0000-4e5f-9a8b-123456789abc".into()));
    root.insert("Microsoft\\GuestAgent", "Incarnation", Data::Dword(3));
    root.insert("Microsoft\\Virtual Machine\\Guest", "GuestAgentStatus", Data::Sz("Ready".into()));
    root.insert(
        "Microsoft\\Windows NT\\CurrentVersion",
        "ProductName",
        Data::Sz("Windows Server 2019".into()),
    );
    root
}

fn system(current: u32) -> Key {
    let mut root = Key::new("ROOT", WRITTEN);
    root.insert("Select", "Current", Data::Dword(current));
    root.insert("Select", "LastKnownGood", Data::Dword(1));
    let interfaces = "Services\\Tcpip\\Parameters\\Interfaces\\{3f2504e0-4f89-11d3-9a0c-0305e82c3301}";
    for (set, dhcp) in [("ControlSet001", 1), ("ControlSet002", 0)] {
        root.insert(&format!("{set}\\{interfaces}"), "EnableDHCP", Data::Dword(dhcp));
        root.insert(&format!("{set}\\{interfaces}"), "IPAddress", Data::MultiSz(vec!["10.0.0.4".into()]));
    }
    root
}

fn value(key: &str, name: &str, data: RegData) -> RegValue {
    RegValue {
        key: key.to_string(),
        name: name.to_string(),
        data,
        last_write: Some(utc_time("2024-03-14 21:30:02.1234567")),
    }
}

#[test]
fn values_of_every_type_under_a_prefix() {
    let hive = write_hive(&software());
    let got = read_hive(&hive, &["microsoft\\WINDOWS AZURE"]).unwrap();
    let state = format!("Microsoft\\Windows Azure\\HandlerState\\{HANDLER}");
    assert_eq!(
        got,
        [
            value(
                "Microsoft\\Windows Azure",
                "VmId",
                RegData::String("8a7b1c2d-0000-4e5f-9a8b-123456789abc".into())
            ),
            value(&state, "State", RegData::String("Enabled".into())),
            value(&state, "SequenceNumber", RegData::Dword(42)),
            value(&state, "ConfigSequenceNumber", RegData::Qword(1 << 40)),
            value(&state, "Paths", RegData::Multi(vec!["C:\\Packages".into(), "D:\\Temp".into()])),
            value(&state, "Blob", RegData::Binary(vec![0xde, 0xad, 0xbe, 0xef, 0x01])),
            value(&state, "", RegData::String("%SystemRoot%\\x".into())),
        ]
    );
    assert_eq!(got[4].data.to_text(), "C:\\Packages;D:\\Temp");
    assert_eq!(got[5].data.to_text(), "deadbeef01");
}

#[test]
fn prefixes_may_overlap_miss_or_cover_the_hive() {
    let hive = write_hive(&software());
    let keys = |prefixes: &[&str]| -> Vec<String> {
        read_hive(&hive, prefixes).unwrap().into_iter().map(|v| format!("{}:{}", v.key, v.name)).collect()
    };
    assert_eq!(
        keys(&["Microsoft\\GuestAgent", "\\microsoft\\guestagent\\"]),
        ["Microsoft\\GuestAgent:Incarnation"]
    );
    assert!(keys(&["Microsoft\\NoSuchKey", "Policies"]).is_empty());
    let all = keys(&[""]);
    assert_eq!(all.len(), 10);
    // Subkeys come in the hive's (sorted) order.
    assert_eq!(all[0], "Microsoft\\GuestAgent:Incarnation");
    assert_eq!(all[1], "Microsoft\\Virtual Machine\\Guest:GuestAgentStatus");
    assert_eq!(all[2], "Microsoft\\Windows Azure:VmId");
    assert_eq!(all[9], "Microsoft\\Windows NT\\CurrentVersion:ProductName");
    // A prefix below another: its keys are listed once.
    assert_eq!(keys(&["Microsoft\\Windows Azure", "Microsoft\\Windows Azure\\HandlerState"]).len(), 7);
}

#[test]
fn current_control_set_is_resolved_through_select() {
    let hive = write_hive(&system(2));
    let select = read_hive(&hive, &["Select"]).unwrap();
    assert_eq!(current_control_set(&select).as_deref(), Some("ControlSet002"));
    let got = read_hive(&hive, &["CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces"]).unwrap();
    let key =
        "ControlSet002\\Services\\Tcpip\\Parameters\\Interfaces\\{3f2504e0-4f89-11d3-9a0c-0305e82c3301}";
    assert_eq!(
        got,
        [
            value(key, "EnableDHCP", RegData::Dword(0)),
            value(key, "IPAddress", RegData::Multi(vec!["10.0.0.4".into()]))
        ]
    );
    let first = read_hive(&write_hive(&system(1)), &["currentcontrolset\\services"]).unwrap();
    assert!(first.iter().all(|v| v.key.starts_with("ControlSet001\\")));
    assert_eq!(first[0].data, RegData::Dword(1));
    // No Select key (a SOFTWARE hive): nothing to resolve, nothing returned.
    assert!(read_hive(&write_hive(&software()), &["CurrentControlSet"]).unwrap().is_empty());
    assert_eq!(current_control_set(&[]), None);
}

#[test]
fn every_subkey_list_kind_with_index_roots() {
    let mut root = Key::new("ROOT", WRITTEN);
    for k in 0..60 {
        for v in 0..15 {
            root.insert(&format!("Services\\Svc{k:02}"), &format!("V{v}"), Data::Dword(k * 100 + v));
        }
    }
    for list in [ListKind::Lf, ListKind::Lh, ListKind::Li] {
        // Seven entries a list: the 60 services need an `ri` over nine lists.
        let hive = write_hive_with(&root, &HiveOptions { list, max_list_entries: 7 });
        let got = read_hive(&hive, &["Services"]).unwrap();
        assert_eq!(got.len(), 900, "{list:?}");
        let dwords: Vec<u32> =
            got.iter().map(|v| if let RegData::Dword(d) = v.data { d } else { u32::MAX }).collect();
        let expected: Vec<u32> = (0..60).flat_map(|k| (0..15).map(move |v| k * 100 + v)).collect();
        assert_eq!(dwords, expected, "{list:?}");
        assert_eq!(got[899].key, "Services\\Svc59");
    }
}

#[test]
fn names_outside_latin1_and_case_folding() {
    let mut root = Key::new("ROOT", 0);
    root.insert("Äpfel\\日本", "wert", Data::Sz("ünïcödé ✓".into()));
    let hive = write_hive(&root);
    let got = read_hive(&hive, &["äPFEL"]).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].key.as_str(), got[0].name.as_str()), ("Äpfel\\日本", "wert"));
    assert_eq!(got[0].data, RegData::String("ünïcödé ✓".into()));
    assert_eq!(got[0].last_write, None, "a zero FILETIME is no time");
}

#[test]
fn short_and_unusual_data() {
    let mut root = Key::new("ROOT", WRITTEN);
    root.insert("K", "short", Data::Raw { kind: 4, bytes: vec![1, 2] });
    root.insert("K", "be", Data::Raw { kind: 5, bytes: vec![0, 0, 1, 0] });
    root.insert("K", "list", Data::Raw { kind: 8, bytes: vec![0xab; 6] });
    root.insert("K", "none", Data::Raw { kind: 0, bytes: vec![] });
    root.insert(
        "K",
        "nonul",
        Data::Raw { kind: 1, bytes: "ab".encode_utf16().flat_map(u16::to_le_bytes).collect() },
    );
    let got = read_hive(&write_hive(&root), &["K"]).unwrap();
    let data: Vec<RegData> = got.into_iter().map(|v| v.data).collect();
    assert_eq!(
        data,
        [
            RegData::Other("REG_DWORD (2 bytes) 0102".into()),
            RegData::Dword(256),
            RegData::Other("REG_RESOURCE_LIST abababababab".into()),
            RegData::Binary(vec![]),
            RegData::String("ab".into()),
        ]
    );
}

#[test]
fn non_hives_and_broken_hives_are_errors() {
    for bytes in [&b""[..], b"regf", &[0u8; 8192], b"MZ\x90\0"] {
        let err = read_hive(bytes, &[""]).unwrap_err();
        assert_eq!(err.message, "not a registry hive: no regf header", "{bytes:?}");
    }
    let hive = write_hive(&software());
    // The root cell is not a key.
    let mut broken = hive.clone();
    broken[4096 + 0x24..4096 + 0x26].copy_from_slice(b"xx");
    let err = read_hive(&broken, &[""]).unwrap_err();
    assert!(err.message.starts_with("registry hive"), "{}", err.message);
    // Cut short in the middle of the hive bins: an error or what could be read, but no panic.
    let cut = &hive[..hive.len() / 2 + 100];
    if let Ok(values) = read_hive(cut, &[""]) {
        assert!(values.len() < 10);
    }
}

#[test]
fn a_bad_base_block_checksum_is_still_read() {
    let mut hive = write_hive(&software());
    hive[508] ^= 0xff;
    assert_ne!(u32::from_le_bytes(hive[508..512].try_into().unwrap()), base_block_checksum(&hive));
    assert_eq!(read_hive(&hive, &["Microsoft\\GuestAgent"]).unwrap().len(), 1);
}

/// The sample hives with each kind of subkey list, two entries a list (so `ri` indexes too).
fn hives() -> &'static [Vec<u8>] {
    static HIVES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    HIVES.get_or_init(|| {
        let mut both = software();
        both.subkeys.extend(system(1).subkeys);
        [ListKind::Lf, ListKind::Lh, ListKind::Li]
            .map(|list| write_hive_with(&both, &HiveOptions { list, max_list_entries: 2 }))
            .to_vec()
    })
}

proptest! {
    #[test]
    fn damaged_hives_never_panic(
        hive in 0..3usize,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..16),
    ) {
        let mut bytes = hives()[hive].clone();
        let cells = bytes.len() - 4096;
        for (at, byte) in flips {
            // Mostly in the cells, sometimes in the base block.
            let at = if at % 8 == 0 { at % 4096 } else { 4096 + at % cells };
            bytes[at] = byte;
        }
        let _ = read_hive(&bytes, &["", "CurrentControlSet\\Services", "Microsoft\\Windows Azure"]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..6000)) {
        let mut bytes = b"regf".to_vec();
        bytes.extend(tail);
        let _ = read_hive(&bytes, &[""]);
    }
}
