//! snaptriage: finds why Azure Backup of a VM fails, from the VM's guest support bundle.
//!
//! The engine is a library; the `snaptriage` binary is a thin wrapper. Data flows through the modules in
//! order: [`intake`] (open the bundle, classify members with the [`artifacts`] registry) → [`ingest`] (parse members in parallel, tag records
//! with [`signals`], gather [`facts`]) → [`timeline`] (one UTC clock) → [`diagnoses`] (findings) → [`report`].
#![forbid(unsafe_code)]

pub mod artifacts;
pub mod catalog;
pub mod cli;
pub mod diagnoses;
pub mod engine;
pub mod facts;
pub mod ingest;
pub mod intake;
pub mod inventory;
pub mod model;
pub mod progress;
pub mod report;
pub mod signals;
pub mod timeline;

pub use engine::{analyze_bytes, analyze_path, Analysis, AnalyzeError, Options};
