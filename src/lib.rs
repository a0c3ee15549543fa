//! snaptriage: finds why Azure Backup of a VM fails, from the VM's guest support bundle.
//!
//! This crate is the engine: [`analyze`] turns a bundle ([`Source`]: a path, or bytes with a name) into a
//! [`Report`](report::Report); [`analyze_path`] and [`analyze_bytes`] take [`Options`] and also return the
//! timeline, as an [`Analysis`]. Data
//! flows through the modules in order: [`intake`] (open the bundle, classify members with the [`artifacts`] registry) → [`ingest`] (parse
//! members in parallel, tag records with [`signals`], gather [`facts`]) → [`timeline`] (one UTC clock) →
//! [`diagnoses`] (findings, worded from the [`catalog`]) → [`report`] (with the member [`inventory`]);
//! [`engine`] runs that flow. [`diff`] compares the reports of two bundles of one VM. [`redact`] replaces identifying values of a report by placeholders.
//!
//! Embedding the engine (a queue worker, a service) takes one call; the report is plain data, and
//! [`report::render_json`] gives the same JSON the command line writes:
//!
//! ```
//! use std::path::Path;
//! use snaptriage::{analyze, Source};
//!
//! let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/linux/linux-fsfreeze-failed.tar.gz");
//! let report = analyze(&bundle)?;
//! assert_eq!(report.findings[0].id, "fsfreeze-failed");
//! let failed = report.runs.iter().rev().find(|r| r.outcome.is_failure()).expect("a failed run");
//! assert_eq!(failed.cause_label(), "fsfreeze-failed");
//! let json = snaptriage::report::render_json(&report);
//! assert!(json.contains("\"runs\""));
//!
//! // The same bundle received as bytes (an upload) gives the same findings.
//! let bytes = std::fs::read(&bundle).expect("the sample");
//! let uploaded = analyze(Source::Bytes { name: "upload.tar.gz".into(), bytes })?;
//! assert_eq!(uploaded.findings.len(), report.findings.len());
//!
//! // A file that is no bundle is an error, not an empty report.
//! assert!(analyze(Path::new("/no/such/bundle.zip")).is_err());
//! # Ok::<(), snaptriage::AnalyzeError>(())
//! ```
//!
//! The command line is not part of the library: it lives in the `snaptriage` binary (`src/main.rs` and its
//! `cli` module), built with the default `cli` feature. With `default-features = false` the library builds
//! without the binary's dependencies (clap, anyhow).
#![forbid(unsafe_code)]

pub mod artifacts;
pub mod catalog;
pub mod diagnoses;
pub mod diff;
pub mod engine;
pub mod facts;
pub mod ingest;
pub mod intake;
pub mod inventory;
pub mod model;
pub mod progress;
pub mod redact;
pub mod report;
pub mod runs;
pub mod signals;
pub mod timeline;

pub use engine::{
    analyze, analyze_bytes, analyze_path, analyze_with, Analysis, AnalyzeError, Options, Source,
};
