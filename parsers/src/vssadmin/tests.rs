use proptest::prelude::*;

use super::*;
use crate::test_support::{decoded_bytes, fragment_text};

const ENGLISH: &str = "\r\nvssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n\
(C) Copyright 2001-2013 Microsoft Corp.\r\n\
\r\n\
Waiting for responses.\r\n\
These may be delayed if a shadow copy is being prepared.\r\n\
\r\n\
Writer name: 'Task Scheduler Writer'\r\n\
   Writer Id: {d61d61c8-d73a-4eee-8cdd-f6f9786b7124}\r\n\
   Writer Instance Id: {1bddd48e-5052-49db-9b07-b96f96727e6b}\r\n\
   State: [1] Stable\r\n\
   Last error: No error\r\n\
\r\n\
Writer name: 'SqlServerWriter'\r\n\
   Writer Id: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}\r\n\
   Writer Instance Id: {9075f235-fd01-4ebd-9d25-1ac3a24e5d6a}\r\n\
   State: [8] Failed\r\n\
   Last error: Timed out\r\n\
\r\n\
Writer name: 'Microsoft Hyper-V VSS Writer'\r\n\
   Writer Id: {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}\r\n\
   Writer Instance Id: {3ffe3c68-3dbb-4b82-9e53-d4b59a7ad6e1}\r\n\
   State: [5] Waiting for completion\r\n\
   Last error: Non-retryable error\r\n\
\r\n";

fn writer(line: u32, name: &str, id: &str, instance: &str, state: (u32, &str), error: &str) -> VssWriter {
    VssWriter {
        line,
        name: name.into(),
        id: Some(id.into()),
        instance_id: Some(instance.into()),
        state: Some(state.0),
        state_text: Some(state.1.into()),
        last_error: Some(error.into()),
    }
}

fn english() -> Vec<VssWriter> {
    vec![
        writer(
            8,
            "Task Scheduler Writer",
            "{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}",
            "{1bddd48e-5052-49db-9b07-b96f96727e6b}",
            (1, "Stable"),
            "No error",
        ),
        writer(
            14,
            "SqlServerWriter",
            "{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}",
            "{9075f235-fd01-4ebd-9d25-1ac3a24e5d6a}",
            (8, "Failed"),
            "Timed out",
        ),
        writer(
            20,
            "Microsoft Hyper-V VSS Writer",
            "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}",
            "{3ffe3c68-3dbb-4b82-9e53-d4b59a7ad6e1}",
            (5, "Waiting for completion"),
            "Non-retryable error",
        ),
    ]
}

#[test]
fn english_output_with_crlf_and_banner() {
    let writers = parse(ENGLISH);
    assert_eq!(writers, english());
    let failed: Vec<bool> = writers.iter().map(VssWriter::is_failed).collect();
    assert_eq!(failed, [false, true, false]);
    let kinds: Vec<_> = writers.iter().map(VssWriter::last_error_kind).collect();
    assert_eq!(
        kinds,
        [Some(WriterError::None), Some(WriterError::TimedOut), Some(WriterError::NonRetryable)]
    );
}

#[test]
fn localised_output_is_read_by_shape() {
    let french = "Nom de l'enregistreur : 'System Writer'\n\
       ID de l'enregistreur : {e8132975-6f93-4464-a53e-1050253ae220}\n\
       ID de l'instance de l'enregistreur : {7848396d-00b1-47cd-8ba9-769b7ce402d2}\n\
       État : [9] Échec\n\
       Dernière erreur : Erreur ne permettant pas une nouvelle tentative\n";
    let german = "Verfassername: \"WMI Writer\"\n\
       Verfasserkennung: {a6ad56c2-b509-4e6c-bb19-49d8f43532f0}\n\
       Verfasserinstanzkennung: {2b7c3b21-1e2b-4ae7-a52b-4f8a4b4c8f0d}\n\
       Status: [1] Stabil\n\
       Letzter Fehler: Kein Fehler\n";
    let writers = parse(&format!("{french}\n{german}"));
    assert_eq!(
        writers,
        [
            writer(
                1,
                "System Writer",
                "{e8132975-6f93-4464-a53e-1050253ae220}",
                "{7848396d-00b1-47cd-8ba9-769b7ce402d2}",
                (9, "Échec"),
                "Erreur ne permettant pas une nouvelle tentative",
            ),
            writer(
                7,
                "WMI Writer",
                "{a6ad56c2-b509-4e6c-bb19-49d8f43532f0}",
                "{2b7c3b21-1e2b-4ae7-a52b-4f8a4b4c8f0d}",
                (1, "Stabil"),
                "Kein Fehler",
            ),
        ]
    );
    assert!(writers[0].is_failed(), "the state number says failed in any language");
    assert_eq!(writers[1].last_error_kind(), Some(WriterError::Other));
}

#[test]
fn utf16_in_every_form() {
    let utf16: Vec<u8> = ENGLISH.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let with_bom = [&[0xFF, 0xFE][..], &utf16].concat();
    assert_eq!(parse_bytes(&with_bom), english());
    assert_eq!(parse_bytes(&utf16), english(), "no BOM");
    assert_eq!(parse(&String::from_utf8_lossy(&utf16)), english(), "read as UTF-8, NULs and all");
    assert_eq!(parse_bytes(ENGLISH.as_bytes()), english());
    let french_utf16: Vec<u8> =
        "Nom : 'Écrivain'\n  État : [1] Stable\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(parse_bytes(&french_utf16)[0].name, "Écrivain");
}

#[test]
fn other_blocks_and_errors_are_not_writers() {
    let providers = "Provider name: 'Microsoft Software Shadow Copy provider 1.0'\n\
       Provider type: System\n\
       Provider Id: {b5946137-7b9f-4925-af80-51abd60b20d5}\n\
       Version: 1.0.0.7\n";
    let localised_providers = "Nom du fournisseur : 'Microsoft Software Shadow Copy provider 1.0'\n\
       Type de fournisseur : Système\n\
       ID de fournisseur : {b5946137-7b9f-4925-af80-51abd60b20d5}\n";
    let text = format!("{ENGLISH}{providers}\n{localised_providers}");
    assert_eq!(parse(&text), english());
    let error = "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\n\
       Error: A Volume Shadow Copy Service component encountered an unexpected error.\n\
       Check the Application event log for more information.\n";
    assert!(parse(error).is_empty());
    assert!(parse("").is_empty());
}

#[test]
fn partial_blocks_keep_what_they_have() {
    // Cut short after the state line; an English block with no state at all.
    let text = "Writer name: 'ASR Writer'\n\
                   Writer Id: {be000cbe-11fe-4426-9c58-531aa6355fc4}\n   State: [7] Failed\n\
                Writer name: 'Registry Writer'\n";
    let writers = parse(text);
    assert_eq!(writers.len(), 2);
    assert_eq!(
        (writers[0].state, writers[0].instance_id.as_deref(), writers[0].last_error.as_deref()),
        (Some(7), None, None)
    );
    assert!(writers[0].is_failed());
    assert_eq!((writers[1].line, writers[1].name.as_str(), writers[1].state), (4, "Registry Writer", None));
    assert_eq!(writers[1].last_error_kind(), None);
    // A state whose number is missing keeps its text.
    let odd = parse("Writer name: 'X'\n   State: Failed\n");
    assert_eq!((odd[0].state, odd[0].state_text.as_deref()), (None, Some("Failed")));
    assert!(odd[0].is_failed());
}

#[test]
fn value_shapes() {
    assert_eq!(parse_state("[11] Failed"), Some((11, "Failed")));
    assert_eq!(parse_state("[x] Failed"), None);
    assert!(is_guid("{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}"));
    assert!(!is_guid("{d61d61c8-d73a-4eee-8cdd-f6f9786b712}"));
    assert!(!is_guid("{d61d61c8Xd73a-4eee-8cdd-f6f9786b7124}"));
    assert_eq!(unquote("„Writer“"), Some("Writer"));
    assert_eq!(unquote("'unclosed"), None);
}

const FRAGMENTS: &[&str] = &[
    "Writer name: 'W'\n",
    "   Writer Id: {d61d61c8-d73a-4eee-8cdd-f6f9786b7124}\n",
    "   State: [8] Failed\n",
    "   Last error: Timed out\n",
    "Nom : 'X'\n",
    "État : [",
    "\0",
    "\r\n",
];

proptest! {
    #[test]
    fn never_panics(text in fragment_text(FRAGMENTS)) {
        for w in parse(&text) {
            prop_assert!(w.line >= 1);
            let _ = (w.is_failed(), w.last_error_kind());
        }
    }

    #[test]
    fn arbitrary_input_never_panics(
        text in decoded_bytes(),
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let _ = parse(&text);
        let _ = parse_bytes(&bytes);
    }
}
