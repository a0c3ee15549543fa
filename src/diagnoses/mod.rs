//! Diagnoses: rules that combine signals and facts over explicit time windows into findings.
//!
//! Each family lives in its own folder, its tests beside it; each diagnosis names the finding id it decides,
//! describes its rule (shown by `snaptriage rules` and in the finding's `window`), declares the artifact kinds
//! it reads and the other findings whose decisions it reads, and returns a [`Draft`] or nothing. The engine
//! runs them in the order those declarations give ([`in_dependency_order`]); the catalog supplies titles,
//! error codes and remediation.

mod agent;
mod assemble;
pub mod consequences;
mod extensions;
mod freeze;
mod helpers;
mod network;
mod order;
mod snapshot;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
mod undecided;
mod windows;

pub(crate) use assemble::run_all;
pub use helpers::{
    answered_status, attempts, bursts, covered_span, decoded_codes, describe_ext_code, distinct_events,
    evidence_of, is_periodic, is_throttling_status, latest_after, span, telemetry_message,
};
pub use order::{dependency_order, in_dependency_order};
pub use undecided::undecided;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::facts::Facts;
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Evidence, Severity};

pub use crate::model::{Signal, SourceInfo};

/// What diagnoses read.
#[derive(Debug)]
pub struct Context<'a> {
    /// All signals, sorted by time (undated last), path, line.
    pub signals: &'a [Signal],
    /// Merged facts.
    pub facts: &'a Facts,
    /// Per-source clocks.
    pub sources: &'a [SourceInfo],
    /// "Now" for the bundle: collection time, else the newest timestamp seen.
    pub reference: Option<DateTime<Utc>>,
    /// The bundle is from a Windows guest.
    pub windows: bool,
    /// Finding ids decided so far, with their severity.
    decisions: BTreeMap<&'static str, Severity>,
    /// The finding ids the running diagnosis declared it reads ([`Diagnosis::reads`]).
    reads: &'static [&'static str],
}

impl<'a> Context<'a> {
    /// A context with no decision made yet.
    pub fn new(
        signals: &'a [Signal],
        facts: &'a Facts,
        sources: &'a [SourceInfo],
        reference: Option<DateTime<Utc>>,
        windows: bool,
    ) -> Context<'a> {
        Context { signals, facts, sources, reference, windows, decisions: BTreeMap::new(), reads: &[] }
    }

    /// Signals with a given name.
    pub fn named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Signal> + 's {
        self.signals.iter().filter(move |s| &*s.name == name)
    }

    /// Signals with any of the given names.
    pub fn any_of<'s>(&'s self, names: &'s [&'s str]) -> impl Iterator<Item = &'s Signal> + 's {
        self.signals.iter().filter(move |s| names.contains(&&*s.name))
    }

    /// The severity of finding `id` when it was raised, for the diagnosis running now. It answers only for
    /// the ids that diagnosis declares in [`Diagnosis::reads`] (those run before it): reading any other is a
    /// bug in the rule, caught by debug builds and answered with `None` otherwise.
    pub fn decided(&self, id: &str) -> Option<Severity> {
        let declared = self.reads.contains(&id);
        debug_assert!(
            declared,
            "a diagnosis reads the decision on `{id}` but does not declare it in reads()"
        );
        if !declared {
            return None;
        }
        self.decisions.get(id).copied()
    }

    /// Runs `diagnosis`, answering [`Context::decided`] for the ids it declares.
    pub fn decide(&mut self, diagnosis: &dyn Diagnosis) -> Option<Draft> {
        self.reads = diagnosis.reads();
        let draft = diagnosis.diagnose(self);
        self.reads = &[];
        draft
    }

    /// Records that finding `id` was raised with `severity`, for the diagnoses that read it.
    pub fn record(&mut self, id: &'static str, severity: Severity) {
        self.decisions.insert(id, severity);
    }
}

/// The guest operating system a bundle comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guest {
    /// A Linux VM.
    Linux,
    /// A Windows VM.
    Windows,
}

impl Guest {
    /// The guest the report's `bundle.os` names (`linux`, `windows`; `None` for `unknown`).
    pub fn from_os(os: &str) -> Option<Guest> {
        match os {
            "linux" => Some(Guest::Linux),
            "windows" => Some(Guest::Windows),
            _ => None,
        }
    }
}

/// An artifact kind a diagnosis needs on one guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// The kind.
    pub kind: ArtifactKind,
    /// The guest whose bundles should hold it.
    pub guest: Guest,
}

impl Input {
    /// `kind`, needed on Linux guests.
    pub const fn linux(kind: ArtifactKind) -> Input {
        Input { kind, guest: Guest::Linux }
    }

    /// `kind`, needed on Windows guests.
    pub const fn windows(kind: ArtifactKind) -> Input {
        Input { kind, guest: Guest::Windows }
    }
}

/// A diagnosis' conclusion before the catalog's text is attached.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Severity (the catalog default when `None`).
    pub severity: Option<Severity>,
    /// Confidence.
    pub confidence: Confidence,
    /// What this bundle shows.
    pub summary: String,
    /// Evidence (any order; the engine sorts and caps it).
    pub evidence: Vec<Evidence>,
    /// Error codes instead of the catalog's, when the evidence decodes to specific ones.
    pub error_codes: Option<Vec<String>>,
}

/// A rule that decides one finding id.
pub trait Diagnosis: Sync {
    /// The finding id it decides.
    fn id(&self) -> &'static str;
    /// Its rule in words, with its time windows.
    fn rule(&self) -> &'static str;
    /// Signals it reads.
    fn signals(&self) -> &'static [&'static str];
    /// The artifact kinds it cannot decide without, on the guests that have them. When it finds nothing while
    /// every member of one of them failed to parse, or none is in a bundle of that guest, the report says it
    /// is undecided ([`undecided`]).
    fn inputs(&self) -> &'static [Input];
    /// Finding ids whose decisions it reads through [`Context::decided`]; they run before it.
    fn reads(&self) -> &'static [&'static str] {
        &[]
    }
    /// Decides.
    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft>;
}

/// Every diagnosis. The engine runs them in the order their declared reads give, this order breaking ties
/// (specific ones before the catch-all `vmsnapshot-failed`).
pub fn registry() -> Vec<Box<dyn Diagnosis>> {
    vec![
        Box::new(agent::AgentNotRunning),
        Box::new(agent::AgentOutdated),
        Box::new(agent::ProvisioningFailed),
        Box::new(agent::ConfigBlocksExtensions),
        Box::new(agent::GoalStateFailing),
        Box::new(network::WireServerUnreachable),
        Box::new(network::DhcpDisabled),
        Box::new(agent::ProtocolNotReady),
        Box::new(agent::CertificatesFailing),
        Box::new(network::StorageUnreachable),
        Box::new(extensions::PythonUnsupported),
        Box::new(extensions::ExtensionFailed),
        Box::new(extensions::StuckDeleting),
        Box::new(extensions::SettingsUndecryptable),
        Box::new(freeze::FsFreezeFailed),
        Box::new(freeze::MountUnopenable),
        Box::new(snapshot::SnapshotLimitReached),
        Box::new(snapshot::SnapshotTimeout),
        Box::new(snapshot::BackupOverlap),
        Box::new(windows::VmSnapshotCrash),
        Box::new(windows::AntivirusInterference),
        Box::new(windows::AppControlBlock),
        Box::new(windows::VssFailure),
        Box::new(windows::ComMsdtcFailure),
        Box::new(windows::VcRedistInstallFailed),
        Box::new(windows::BitlockerLocked),
        Box::new(windows::TlsChannelFailure),
        Box::new(windows::DotnetMissing),
        Box::new(snapshot::VmSnapshotFailed),
    ]
}
