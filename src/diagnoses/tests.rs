//! The registry as a whole: ids, declared reads and the order they give, undecided rules, and the codes the
//! catalog hands each finding.

use std::path::{Path, PathBuf};

use super::testkit::Case;
use super::{
    dependency_order, describe_ext_code, freeze, in_dependency_order, network, registry, snapshot, undecided,
    Context, Diagnosis, Draft, Guest, Input,
};
use crate::catalog::Catalog;
use crate::engine::{analyze_bytes_with, Options};
use crate::intake::ArtifactKind;
use crate::inventory::{InventoryEntry, MemberStatus};
use crate::model::Severity;

/// A rule with a given id and reads that never fires (for ordering tests).
struct Named(&'static str, &'static [&'static str]);

impl Diagnosis for Named {
    fn id(&self) -> &'static str {
        self.0
    }
    fn rule(&self) -> &'static str {
        "test rule"
    }
    fn signals(&self) -> &'static [&'static str] {
        &[]
    }
    fn inputs(&self) -> &'static [Input] {
        const { &[Input::windows(ArtifactKind::Evtx), Input::linux(ArtifactKind::WaagentLog)] }
    }
    fn reads(&self) -> &'static [&'static str] {
        self.1
    }
    fn diagnose(&self, _: &Context<'_>) -> Option<Draft> {
        None
    }
}

fn ids(rules: &[Box<dyn Diagnosis>]) -> Vec<&'static str> {
    rules.iter().map(|r| r.id()).collect()
}

#[test]
fn every_registered_id_is_unique_and_in_the_catalog() {
    let rules = registry();
    let mut seen = ids(&rules);
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), rules.len(), "duplicate ids");
    assert_eq!(rules.len(), Catalog::get().findings.len());
    for r in &rules {
        assert!(Catalog::get().finding(r.id()).is_some(), "{} has no catalog entry", r.id());
        assert!(!r.inputs().is_empty(), "{} declares no input", r.id());
    }
}

#[test]
fn every_declared_read_names_a_registered_rule_and_the_registry_has_no_cycle() {
    let rules = registry();
    let known = ids(&rules);
    for r in &rules {
        for read in r.reads() {
            assert!(known.contains(read), "{} reads unknown finding {read}", r.id());
            assert_ne!(read, &r.id(), "{} reads itself", r.id());
        }
    }
    let order = dependency_order(&rules).expect("no cycle");
    let position = |id: &str| order.iter().position(|&i| rules[i].id() == id).unwrap();
    for r in &rules {
        for read in r.reads() {
            assert!(position(read) < position(r.id()), "{} runs before {read}, which it reads", r.id());
        }
    }
}

#[test]
fn a_reader_runs_after_what_it_reads_whatever_the_listing_order() {
    let rules: Vec<Box<dyn Diagnosis>> =
        vec![Box::new(Named("c", &["b"])), Box::new(Named("b", &["a"])), Box::new(Named("a", &[]))];
    assert_eq!(ids(&in_dependency_order(rules)), ["a", "b", "c"]);
    // Ties keep the listing order.
    let rules: Vec<Box<dyn Diagnosis>> =
        vec![Box::new(Named("y", &[])), Box::new(Named("x", &[])), Box::new(Named("z", &["x"]))];
    assert_eq!(ids(&in_dependency_order(rules)), ["y", "x", "z"]);
    // A read naming no listed rule waits for nothing.
    let rules: Vec<Box<dyn Diagnosis>> = vec![Box::new(Named("p", &["absent"])), Box::new(Named("q", &[]))];
    assert_eq!(dependency_order(&rules).unwrap(), [0, 1]);
}

#[test]
fn a_cycle_of_reads_is_an_error_naming_the_rules_in_it() {
    let rules: Vec<Box<dyn Diagnosis>> = vec![
        Box::new(Named("free", &[])),
        Box::new(Named("one", &["two"])),
        Box::new(Named("two", &["three"])),
        Box::new(Named("three", &["one"])),
        Box::new(Named("after", &["one"])),
    ];
    assert_eq!(dependency_order(&rules).unwrap_err(), ["one", "two", "three", "after"]);
    // A run still runs every rule: those caught in the cycle last.
    assert_eq!(ids(&in_dependency_order(rules)), ["free", "one", "two", "three", "after"]);
}

fn samples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut out = Vec::new();
    for os in ["linux", "windows"] {
        let dir = root.join(os);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        out.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()));
    }
    out.sort();
    out
}

/// `registry()` permuted by a fixed seed (a linear congruential shuffle: reproducible without a crate).
fn shuffled_registry(seed: u64) -> Vec<Box<dyn Diagnosis>> {
    let mut rules: Vec<Option<Box<dyn Diagnosis>>> = registry().into_iter().map(Some).collect();
    let mut state = seed;
    let mut out = Vec::with_capacity(rules.len());
    while !rules.is_empty() {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let pick = (state >> 33) as usize % rules.len();
        out.extend(rules.remove(pick));
    }
    out
}

fn report_json(path: &Path, rules: Vec<Box<dyn Diagnosis>>) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let analysis = analyze_bytes_with(&name, bytes, &Options::default(), rules).unwrap();
    let mut json = serde_json::to_value(&analysis.report).unwrap();
    json["stats"]["elapsed_ms"] = 0.into();
    json
}

#[test]
fn shuffled_registration_orders_give_identical_reports_on_every_sample() {
    let samples = samples();
    assert!(samples.len() >= 2, "no sample bundles");
    let orders: Vec<Vec<&str>> = [7, 1_234_567, 42].iter().map(|&s| ids(&shuffled_registry(s))).collect();
    assert!(orders.iter().all(|o| *o != ids(&registry())), "a shuffle kept the registry order");
    for path in &samples {
        let expected = report_json(path, registry());
        let reversed: Vec<Box<dyn Diagnosis>> = registry().into_iter().rev().collect();
        assert_eq!(report_json(path, reversed), expected, "{}: reversed order", path.display());
        for seed in [7, 1_234_567, 42] {
            assert_eq!(
                report_json(path, shuffled_registry(seed)),
                expected,
                "{}: seed {seed}",
                path.display()
            );
        }
    }
}

fn entry(path: &str, kind: ArtifactKind, status: MemberStatus, detail: &str) -> InventoryEntry {
    InventoryEntry { path: path.into(), kind: kind.name(), bytes: 10, status, detail: detail.into() }
}

#[test]
fn a_rule_is_undecided_when_every_member_of_a_kind_it_needs_failed() {
    let rule = Named("vss-test", &[]);
    let evtx = "Windows/System32/winevt/Logs/System.evtx";
    let failed = [
        entry(evtx, ArtifactKind::Evtx, MemberStatus::Failed, "not an event log: bad magic\nmore"),
        entry("WindowsAzure/Logs/WaAppAgent.log", ArtifactKind::WaAppAgentLog, MemberStatus::Parsed, ""),
    ];
    let u = undecided(&rule, &failed, Some(Guest::Windows)).expect("undecided");
    assert_eq!(u.line(), "vss-test: undecided — System.evtx unreadable: not an event log: bad magic");
    // One readable member of the kind is enough to decide on.
    let mut some_read = failed.to_vec();
    some_read.push(entry("Windows/Logs/Application.evtx", ArtifactKind::Evtx, MemberStatus::Parsed, ""));
    assert_eq!(undecided(&rule, &some_read, Some(Guest::Windows)), None);
    // A member read only in part still counts as read.
    let partial = [entry(evtx, ArtifactKind::Evtx, MemberStatus::Partial, "cut off")];
    assert_eq!(undecided(&rule, &partial, Some(Guest::Windows)), None);
}

#[test]
fn a_kind_absent_is_undecided_only_on_the_guest_that_needs_it() {
    let rule = Named("t", &[]);
    let linux_only = [entry("var/log/waagent.log", ArtifactKind::WaagentLog, MemberStatus::Parsed, "")];
    assert_eq!(undecided(&rule, &linux_only, Some(Guest::Linux)), None);
    let u = undecided(&rule, &[], Some(Guest::Linux)).expect("undecided");
    assert_eq!(u.reason, "no `waagent-log` member in the bundle");
    assert_eq!(undecided(&rule, &[], None), None, "an unknown guest needs nothing in particular");
    let u = undecided(&rule, &linux_only, Some(Guest::Windows)).expect("undecided");
    assert_eq!(u.reason, "no `evtx` member in the bundle");
}

#[test]
fn many_unreadable_members_are_named_up_to_three() {
    let rule = Named("t", &[]);
    let members: Vec<InventoryEntry> = (1..=5)
        .map(|i| entry(&format!("logs/{i}.evtx"), ArtifactKind::Evtx, MemberStatus::Failed, "truncated"))
        .collect();
    let u = undecided(&rule, &members, Some(Guest::Windows)).unwrap();
    assert_eq!(
        u.reason,
        "1.evtx unreadable: truncated; 2.evtx unreadable: truncated; 3.evtx unreadable: truncated; and 2 more"
    );
}

/// The rule a finding id names in the registry.
fn rule(id: &str) -> Box<dyn Diagnosis> {
    registry().into_iter().find(|r| r.id() == id).unwrap_or_else(|| panic!("no rule {id}"))
}

const T: &str = "2024-03-15T10:00:00Z";

#[test]
fn each_listed_extension_code_raises_its_finding_and_silences_the_catch_all() {
    let catch_all = snapshot::VmSnapshotFailed;
    let cat = Catalog::get();
    let mut checked = 0;
    for codes in &cat.finding_codes {
        let owner = rule(&codes.finding);
        assert!(
            codes.error_names.is_empty() || catch_all.reads().contains(&owner.id()),
            "vmsnapshot-failed must read {} to leave its codes to it",
            owner.id()
        );
        let by_name = codes.error_names.iter().map(|n| Case::new().backup_status("error", None, Some(n), T));
        let by_value =
            codes.status_codes.iter().map(|&c| Case::new().backup_status("error", Some(c), None, T));
        for (i, case) in by_name.chain(by_value).enumerate() {
            let what = format!("{} code #{i}", codes.finding);
            assert!(case.run(owner.as_ref()).is_some(), "{what} does not raise {}", codes.finding);
            checked += 1;
        }
        for name in &codes.error_names {
            let status = || Case::new().backup_status("error", None, Some(name), T);
            let alone = status().run(&catch_all).expect("the catch-all reports an unexplained code");
            assert!(alone.summary.contains(&describe_ext_code(name)), "{}", alone.summary);
            let explained = status().decided(owner.id(), Severity::Error).run(&catch_all);
            assert!(explained.is_none(), "{name}: vmsnapshot-failed repeats {}", owner.id());
        }
    }
    assert!(checked >= 20, "only {checked} codes checked");
}

#[test]
fn listed_exit_codes_and_host_statuses_raise_their_findings() {
    let python = rule("python-unsupported");
    for &code in &Catalog::get().codes_of("python-unsupported").exit_codes {
        let draft = Case::new()
            .signal(
                "python.handle-exit",
                T,
                "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/shell.log",
                3,
                "exit",
            )
            .capture("exit_code", &code.to_string())
            .about_backup()
            .run(python.as_ref());
        assert!(draft.is_some(), "exit code {code}");
    }
    let not_listed = Case::new()
        .signal(
            "python.handle-exit",
            T,
            "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/shell.log",
            3,
            "exit",
        )
        .capture("exit_code", "1")
        .about_backup()
        .run(python.as_ref());
    assert!(not_listed.is_none());
    let wire = network::WireServerUnreachable;
    for &status in &Catalog::get().codes_of("wireserver-unreachable").host_statuses {
        let draft = Case::new()
            .signal(
                "snap.host-status",
                T,
                "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log",
                9,
                "host",
            )
            .capture("code", &status.to_string())
            .run(&wire);
        assert!(draft.is_some(), "host status {status}");
    }
    let ok = Case::new()
        .signal(
            "snap.host-status",
            T,
            "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log",
            9,
            "host",
        )
        .capture("code", "200")
        .run(&wire);
    assert!(ok.is_none());
    // The freeze family reads its codes from the same catalog.
    assert!(Case::new().backup_status("error", Some(121), None, T).run(&freeze::FsFreezeFailed).is_some());
}

/// A rule that fires when the finding it asks about was raised; it declares it reads only `declared`.
struct Asks(&'static str);

impl Diagnosis for Asks {
    fn id(&self) -> &'static str {
        "asks"
    }
    fn rule(&self) -> &'static str {
        "test rule"
    }
    fn signals(&self) -> &'static [&'static str] {
        &[]
    }
    fn inputs(&self) -> &'static [Input] {
        &[]
    }
    fn reads(&self) -> &'static [&'static str] {
        &["declared"]
    }
    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        cx.decided(self.0).map(|severity| Draft {
            severity: Some(severity),
            confidence: crate::model::Confidence::High,
            summary: String::new(),
            evidence: Vec::new(),
            error_codes: None,
        })
    }
}

#[test]
fn a_rule_sees_the_decisions_it_declares() {
    let seen = Case::new().decided("declared", Severity::Warning).run(&Asks("declared"));
    assert_eq!(seen.and_then(|d| d.severity), Some(Severity::Warning));
    assert!(Case::new().run(&Asks("declared")).is_none(), "nothing raised yet");
}

#[test]
#[cfg_attr(debug_assertions, should_panic(expected = "does not declare it"))]
fn reading_an_undeclared_decision_is_caught() {
    // Release builds answer as if it had not been raised.
    assert!(Case::new().decided("other", Severity::Error).run(&Asks("other")).is_none());
}
