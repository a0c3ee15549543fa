//! The pipeline: intake → parse (parallel) → timeline → facts → signals → diagnoses → report.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use rayon::prelude::*;

use crate::artifacts::Os;
use crate::diagnoses::{self, Diagnosis};
use crate::facts::derive::{agent_versions, defender_exclusions};
use crate::facts::{Facts, FactsReport};
use crate::ingest::blocks::BlockBudget;
use crate::ingest::{ingest_member, needs_year, IngestContext, MemberOutcome};
use crate::intake::{self, IntakeError, Limits, ReadBudget};
use crate::inventory::InventoryEntry;
use crate::model::Timestamp;
use crate::progress::Progress;
use crate::report::{BundleInfo, Coverage, Report, Stats, Tool, SCHEMA_VERSION};
use crate::signals::{builtin_signatures, load_signatures, SignatureFileError, SignatureSet};
use crate::timeline::member_clock::{utc_writers, Clocks};
pub use crate::timeline::placement::TimelineEntry;
use crate::timeline::placement::{
    build_timeline, cross_source_observations, place_on_timeline, signal_timeline,
};
use crate::timeline::{parse_zone, LocalClock, Zone, ZoneVotes};

/// How to analyse.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Intake limits.
    pub limits: Limits,
    /// Extra signature files: (origin, TOML text).
    pub signature_files: Vec<(String, String)>,
    /// Zone to read local timestamps in, overriding what the bundle says.
    pub timezone: Option<Zone>,
    /// Keep every record for a timeline export.
    pub keep_timeline: bool,
    /// Return the signals as a timeline (when not keeping every record).
    pub signal_timeline: bool,
    /// Wall time one member may take to read and analyse ([`DEFAULT_MEMBER_BUDGET`] when `None`). A member
    /// over it is stopped, reported `failed` with how far it got, and the run goes on with the others.
    pub member_budget: Option<Duration>,
    /// Log members expected to hold at least this many bytes of text are read as a pipeline: one thread reads
    /// and parses, the thread pool tags the records ([`DEFAULT_PIPELINE_BYTES`] when `None`; `Some(u64::MAX)`
    /// reads every member on one thread).
    pub pipeline_bytes: Option<u64>,
    /// Updated with the bytes read as the analysis goes (for a progress bar).
    pub progress: Option<Arc<Progress>>,
}

/// Log members from this size on are read as a pipeline unless [`Options::pipeline_bytes`] says otherwise.
pub const DEFAULT_PIPELINE_BYTES: u64 = 8 << 20;

/// The time budget of one member unless [`Options::member_budget`] says otherwise.
pub const DEFAULT_MEMBER_BUDGET: Duration = Duration::from_secs(60);

/// Why a bundle could not be analysed at all.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// The bundle could not be opened.
    #[error(transparent)]
    Intake(#[from] IntakeError),
    /// A signature file is invalid.
    #[error(transparent)]
    Signatures(#[from] SignatureFileError),
}

/// The report, plus the timeline when asked for.
#[derive(Debug)]
pub struct Analysis {
    /// The report.
    pub report: Report,
    /// The UTC timeline: every record with `keep_timeline`, every signal with `signal_timeline`, else empty.
    pub timeline: Vec<TimelineEntry>,
}

/// Compiles the built-in signatures plus the extra files.
pub fn signature_set(extra: &[(String, String)]) -> Result<SignatureSet, SignatureFileError> {
    let mut all = builtin_signatures()?;
    for (origin, text) in extra {
        let more = load_signatures(origin, text)?;
        for s in &more {
            if all.iter().any(|a| a.id == s.id) {
                return Err(SignatureFileError {
                    origin: origin.clone(),
                    message: format!("signature `{}` clashes with an existing id", s.id),
                });
            }
        }
        all.extend(more);
    }
    Ok(SignatureSet::new(all))
}

/// The compiled signatures for a run: the built-in set is compiled once per process and shared (batch
/// workers and library callers analyse many bundles); extra files make a set of their own.
fn signatures_for(extra: &[(String, String)]) -> Result<std::sync::Arc<SignatureSet>, SignatureFileError> {
    static BUILTIN: std::sync::OnceLock<std::sync::Arc<SignatureSet>> = std::sync::OnceLock::new();
    if !extra.is_empty() {
        return Ok(std::sync::Arc::new(signature_set(extra)?));
    }
    if let Some(set) = BUILTIN.get() {
        return Ok(set.clone());
    }
    let set = std::sync::Arc::new(signature_set(extra)?);
    Ok(BUILTIN.get_or_init(|| set).clone())
}

/// What [`analyze`] reads: a bundle on disk, or one held in memory with the name to report it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A zip, tar, tar.gz, `.gz`, single log or extracted bundle folder on disk, read by offset.
    Path(PathBuf),
    /// A bundle's bytes (an upload, a queue message), named for the report and the inventory.
    Bytes {
        /// The name the report gives the bundle.
        name: String,
        /// The bundle.
        bytes: Vec<u8>,
    },
}

impl From<&Path> for Source {
    fn from(path: &Path) -> Source {
        Source::Path(path.to_path_buf())
    }
}

impl From<PathBuf> for Source {
    fn from(path: PathBuf) -> Source {
        Source::Path(path)
    }
}

impl From<&PathBuf> for Source {
    fn from(path: &PathBuf) -> Source {
        Source::Path(path.clone())
    }
}

/// Analyses a bundle with the default [`Options`] and returns its report: the whole engine in one call, for
/// a queue worker or a service. Fails only when the bundle cannot be opened; damaged members are reported in
/// the report's inventory and the rest is analysed. See the crate docs for an example; [`analyze_with`]
/// takes options.
pub fn analyze(source: impl Into<Source>) -> Result<Report, AnalyzeError> {
    analyze_with(source, &Options::default())
}

/// [`analyze`] with options (limits, extra signatures, a time zone).
pub fn analyze_with(source: impl Into<Source>, opts: &Options) -> Result<Report, AnalyzeError> {
    let analysis = match source.into() {
        Source::Path(path) => analyze_path(&path, opts)?,
        Source::Bytes { name, bytes } => analyze_bytes(&name, bytes, opts)?,
    };
    Ok(analysis.report)
}

/// Analyses a bundle at `path` (a zip, tar, tar.gz, `.gz`, a single log, or a directory): the report, and the
/// timeline when [`Options`] asks for it. Fails only when the bundle cannot be opened or a signature file is
/// invalid; damaged members are reported in the inventory and the rest is analysed. See the crate docs for an
/// example.
pub fn analyze_path(path: &Path, opts: &Options) -> Result<Analysis, AnalyzeError> {
    let started = Instant::now();
    let signatures = signatures_for(&opts.signature_files)?;
    let listing = intake::open(path, &opts.limits)?;
    Ok(run(path.display().to_string(), listing, &signatures, opts, started, diagnoses::registry()))
}

/// Analyses a bundle held in memory (tests, batch workers).
pub fn analyze_bytes(name: &str, bytes: Vec<u8>, opts: &Options) -> Result<Analysis, AnalyzeError> {
    analyze_bytes_with(name, bytes, opts, diagnoses::registry())
}

/// [`analyze_bytes`] with the given diagnoses, listed in any order: they run in the order their declared
/// reads give.
pub(crate) fn analyze_bytes_with(
    name: &str,
    bytes: Vec<u8>,
    opts: &Options,
    rules: Vec<Box<dyn Diagnosis>>,
) -> Result<Analysis, AnalyzeError> {
    let started = Instant::now();
    let signatures = signatures_for(&opts.signature_files)?;
    let listing = intake::open_bytes(name, name, bytes, &opts.limits)?;
    Ok(run(name.to_string(), listing, &signatures, opts, started, rules))
}

fn run(
    shown: String,
    listing: intake::Listing,
    signatures: &SignatureSet,
    opts: &Options,
    started: Instant,
    rules: Vec<Box<dyn Diagnosis>>,
) -> Analysis {
    let budget = ReadBudget::default();
    let blocks = BlockBudget::default();
    let cx = IngestContext {
        limits: &opts.limits,
        budget: &budget,
        blocks: &blocks,
        signatures,
        keep_timeline: opts.keep_timeline,
        member_budget: opts.member_budget.unwrap_or(DEFAULT_MEMBER_BUDGET),
        pipeline_bytes: opts.pipeline_bytes.unwrap_or(DEFAULT_PIPELINE_BYTES),
        progress: opts.progress.as_deref(),
        fallback_year: Utc::now().year(),
        year_reference: None,
    };
    if let Some(progress) = &opts.progress {
        let expected = listing.members.iter().map(|m| m.expected_bytes()).sum();
        progress.plan(listing.members.len() as u64, expected);
    }
    // Year-less logs (syslog) are read last, dated by the newest timestamp the other sources show.
    let (later, first): (Vec<_>, Vec<_>) =
        listing.members.iter().enumerate().partition(|(_, m)| needs_year(m.kind));
    let mut outcomes: Vec<(usize, MemberOutcome)> =
        first.par_iter().map(|(i, m)| (*i, ingest_member(m, &cx))).collect();
    let newest = outcomes
        .iter()
        .filter_map(|(_, o)| o.scan.as_ref())
        .flat_map(|s| [s.utc_span.map(|x| x.1), s.local_span.map(|x| x.1)])
        .flatten()
        .max();
    let cx = IngestContext { year_reference: newest, ..cx };
    outcomes.extend(later.par_iter().map(|(i, m)| (*i, ingest_member(m, &cx))).collect::<Vec<_>>());
    outcomes.sort_by_key(|(i, _)| *i);
    let mut outcomes: Vec<MemberOutcome> = outcomes.into_iter().map(|(_, o)| o).collect();

    let mut facts = Facts::default();
    let mut observations = ZoneVotes::default();
    for o in &outcomes {
        for f in &o.facts {
            facts.absorb(f.clone());
        }
        if let Some(scan) = &o.scan {
            observations.merge(&scan.zone_observations);
        }
    }
    observations.extend(cross_source_observations(&outcomes));
    let bundle_zone =
        facts.time_zone.as_ref().and_then(|(name, path)| parse_zone(name).ok().map(|z| (z, path.clone())));
    let clock = LocalClock::choose(opts.timezone, bundle_zone, &observations);
    // A zone the user gives is taken for every zoneless source.
    let member_clocks = match opts.timezone {
        Some(_) => Clocks::new(clock),
        None => {
            let writers = utc_writers(&outcomes, &facts.extension_statuses, &clock);
            Clocks::with_utc_writers(clock, writers)
        }
    };
    let clock = member_clocks.bundle();

    let (signals, sources, clocks) = place_on_timeline(&mut outcomes, signatures, &member_clocks);
    facts.agent_versions = agent_versions(&signals, &facts);
    facts.place_log_facts(&signals, |path, t| member_clocks.to_utc(path, t));
    let newest = sources.iter().filter_map(|s| s.last).max();
    let reference = facts.collected_at.or(newest);

    let mut inventory: Vec<InventoryEntry> = listing.notes.clone();
    inventory.extend(outcomes.iter().map(|o| o.entry.clone()));
    inventory.sort_by(|a, b| a.path.cmp(&b.path).then(a.kind.cmp(b.kind)));

    let os = detect_os(&outcomes);
    let (findings, undecided) =
        diagnoses::run_all(&signals, &facts, &sources, reference, os, &inventory, rules);
    let uses_local = clocks.iter().any(|c| c.basis.is_bundle_local());
    let zone_label = uses_local.then(|| clock.basis().label());
    let mut runs = crate::runs::reconstruct(&signals, &facts, reference);
    crate::runs::attribute(&mut runs, &findings);
    let facts_report = FactsReport::build(&facts, zone_label, clocks, defender_exclusions(&signals, &facts));

    let mut inventory: Vec<InventoryEntry> = listing.notes.clone();
    inventory.extend(outcomes.iter().map(|o| o.entry.clone()));
    inventory.sort_by(|a, b| a.path.cmp(&b.path).then(a.kind.cmp(b.kind)));

    let timeline = if opts.keep_timeline {
        build_timeline(&outcomes, &signals, &member_clocks)
    } else if opts.signal_timeline {
        signal_timeline(&signals)
    } else {
        Vec::new()
    };
    let records = outcomes.iter().filter_map(|o| o.scan.as_ref()).map(|s| s.records).sum::<u64>()
        + outcomes
            .iter()
            .filter(|o| o.scan.is_none() && o.entry.status == crate::inventory::MemberStatus::Parsed)
            .count() as u64;
    let coverage = Coverage::build(&inventory, &facts_report.sources, os);
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool { name: "snaptriage".into(), version: env!("CARGO_PKG_VERSION").into() },
        bundle: BundleInfo {
            path: shown,
            sha256: listing.sha256.clone(),
            os: os.into(),
            collected_at: reference.map(Timestamp),
        },
        facts: facts_report,
        findings,
        runs,
        job: None,
        undecided,
        coverage,
        inventory,
        redaction: None,
        stats: Stats {
            members: listing.members.len() + listing.notes.len(),
            records,
            signals: signals.iter().map(|s| s.repeats as usize).sum(),
            elapsed_ms: started.elapsed().as_millis() as u64,
        },
    };
    Analysis { report, timeline }
}

/// The guest OS the bundle's artifacts tell of (the registry says which kinds are evidence of which OS).
fn detect_os(outcomes: &[MemberOutcome]) -> &'static str {
    let tells = |os: Os| outcomes.iter().any(|o| o.kind.spec().identifies_os == Some(os));
    match (tells(Os::Linux), tells(Os::Windows)) {
        (true, false) => "linux",
        (false, true) => "windows",
        _ => "unknown",
    }
}
