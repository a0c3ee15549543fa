//! The signature layer: declarative patterns (a data file embedded in the binary, extensible with
//! `--signatures FILE`) that tag log records as signals. Only tagged records are kept in memory.
//!
//! Matching is two-phase: one Aho-Corasick pass over a record's text finds which of all the signatures'
//! literals occur (case-insensitively), and only signatures whose literal conditions hold run their regex.

pub mod enrich;
mod file;
mod matcher;

pub use file::{builtin_signatures, load_signatures, SignatureFileError, BUILTIN_SIGNATURES};
pub use matcher::{MatchScratch, RecordMatch, SignatureSet};

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::intake::ArtifactKind;

/// One signature, as read from a signature file.
#[derive(Debug, Clone)]
pub struct Signature {
    /// Unique id, `family.what` (`waagent.goal-state-fetch-failed`).
    pub id: String,
    /// The signal it tags records with; diagnoses look signals up by this name.
    pub signal: Arc<str>,
    /// What it means, for `snaptriage rules`.
    pub description: String,
    /// Artifact kinds it applies to; empty = every line-oriented log.
    pub sources: Vec<ArtifactKind>,
    /// Literals that must all occur (case-insensitive).
    pub all: Vec<String>,
    /// Literals of which at least one must occur (case-insensitive), when not empty.
    pub any: Vec<String>,
    /// Literals none of which may occur (case-insensitive).
    pub none: Vec<String>,
    /// A regex that must match; its named groups become the signal's captures.
    pub regex: Option<regex::Regex>,
    /// Event-log providers it applies to (case-insensitive); event-log signatures need this or `event_ids`.
    pub providers: Vec<String>,
    /// Event ids it applies to.
    pub event_ids: Vec<u32>,
    /// The message family it belongs to in the agent-message catalog (`wire.http-failure`).
    pub family: Option<String>,
    /// The agent versions whose code writes the messages it matches (`2.2.0 - 2.15.0.1`).
    pub versions: Option<String>,
    /// It tags routine, recurring records (heartbeats, fetched goal states): per member only the earliest and
    /// latest [`PERIODIC_TEXT_KEPT`] of its signals keep their text; the others keep when, where and their
    /// captures, which is all the diagnoses read of them.
    pub periodic: bool,
    /// The message templates it is meant to match, as the agent's code writes them.
    pub templates: Vec<MessageTemplate>,
}

/// Signals of a periodic signature that keep their text, at each end of a member (see [`Signature::periodic`]).
pub const PERIODIC_TEXT_KEPT: usize = 16;

/// One message as a version range of the agent writes it: the catalog behind a signature.
#[derive(Debug, Clone)]
pub struct MessageTemplate {
    /// The message with its variable parts filled in with realistic values.
    pub text: String,
    /// The level the agent logs it at (`INFO`, `WARNING`, `ERROR`, `VERBOSE`).
    pub level: Option<String>,
    /// The versions that write it, when narrower than the signature's (`2.2.0 - 2.2.44`).
    pub versions: Option<String>,
}

impl Signature {
    /// True when an event-log record of `provider` / `event_id` can match (before its text is rendered).
    pub fn wants_event(&self, provider: &str, event_id: u32) -> bool {
        (self.providers.is_empty() || self.providers.iter().any(|p| p.eq_ignore_ascii_case(provider)))
            && (self.event_ids.is_empty() || self.event_ids.contains(&event_id))
    }

    /// True when the signature applies to records from `kind`.
    pub fn applies_to(&self, kind: ArtifactKind) -> bool {
        if self.sources.is_empty() {
            kind.is_line_log()
        } else {
            self.sources.contains(&kind)
        }
    }
}

/// Named regex groups captured by a signal, in name order (deterministic output).
pub type Captures = BTreeMap<String, String>;
