//! The layouts waagent.log has had, the agent versions that wrote each, and the catalog's version ranges:
//! shared by the tests that render the agent's messages in every era.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use snaptriage::intake::ArtifactKind;
use snaptriage::signals::{load_signatures, Signature};

/// An agent version as numbers.
pub type Version = Vec<u32>;

/// The newest agent tag the catalog was read from.
pub const LATEST: &str = "2.15.0.1";

pub fn version(s: &str) -> Version {
    s.trim().split('.').map(|p| p.parse().unwrap_or_else(|_| panic!("bad version `{s}`"))).collect()
}

pub fn cmp(a: &Version, b: &Version) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    let at = |v: &Version, i: usize| v.get(i).copied().unwrap_or(0);
    (0..n).map(|i| at(a, i).cmp(&at(b, i))).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
}

/// A version range: `A - B`, `A -` (open end) or `A`; `None` as the upper bound means open.
pub type Range = (Version, Option<Version>);

pub fn range(s: &str) -> Range {
    match s.split_once(" -") {
        Some((lo, hi)) if hi.trim().is_empty() => (version(lo), None),
        Some((lo, hi)) => (version(lo), Some(version(hi))),
        None => (version(s), Some(version(s))),
    }
}

pub fn overlaps(a: &Range, b: &Range) -> bool {
    let lo_ok = |lo: &Version, hi: &Option<Version>| hi.as_ref().is_none_or(|h| cmp(lo, h).is_le());
    lo_ok(&a.0, &b.1) && lo_ok(&b.0, &a.1)
}

pub fn within(inner: &Range, outer: &Range) -> bool {
    let lo = cmp(&inner.0, &outer.0).is_ge();
    let hi = match (&inner.1, &outer.1) {
        (_, None) => true,
        // An open end means "up to the newest tag read", which a closed range ending there contains.
        (None, Some(o)) => cmp(&version(LATEST), o).is_le(),
        (Some(i), Some(o)) => cmp(i, o).is_le(),
    };
    lo && hi
}

/// One layout of waagent.log, the agent versions that wrote it, and how a line is rendered in it.
pub struct Era {
    pub name: &'static str,
    pub versions: &'static str,
    render: fn(at: NaiveDateTime, level: &str, msg: &str) -> String,
}

impl Era {
    /// The line as this era writes it, at the era's reference time plus `offset`.
    pub fn line_at(&self, offset: Duration, level: &str, msg: &str) -> String {
        (self.render)(self.base() + offset, level, msg)
    }

    /// The line as this era writes it at its reference time.
    pub fn line(&self, level: &str, msg: &str) -> String {
        self.line_at(Duration::zero(), level, msg)
    }

    /// A plausible date for a log of this era.
    fn base(&self) -> NaiveDateTime {
        let (y, m, d) = match self.name {
            "2.0" => (2016, 2, 17),
            "2.1-2.2.26" => (2018, 3, 5),
            "2.2.31-2.2.45" => (2021, 3, 30),
            "2.2.46" => (2021, 5, 28),
            _ => (2023, 10, 27),
        };
        NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_micro_opt(7, 54, 53, 742_721)).expect("date")
    }
}

pub const ERAS: &[Era] = &[
    Era { name: "2.0", versions: "2.0.0 - 2.0.99", render: render_20 },
    Era { name: "2.1-2.2.26", versions: "2.1.0 - 2.2.30", render: render_21 },
    Era { name: "2.2.31-2.2.45", versions: "2.2.31 - 2.2.45", render: render_22_prefixed },
    Era { name: "2.2.46", versions: "2.2.46 - 2.2.46.99", render: render_2246 },
    Era { name: "2.2.47+", versions: "2.2.47 -", render: render_threaded },
];

/// 2.0 glues `ERROR:` / `WARNING:` to the message and writes informational lines with no level.
fn render_20(at: NaiveDateTime, level: &str, msg: &str) -> String {
    let t = at.format("%Y/%m/%d %H:%M:%S");
    match level {
        "ERROR" | "WARNING" => format!("{t} {level}:{msg}"),
        _ => format!("{t} {msg}"),
    }
}

fn render_21(at: NaiveDateTime, level: &str, msg: &str) -> String {
    format!("{} {level} {msg}", at.format("%Y/%m/%d %H:%M:%S%.6f"))
}

fn render_22_prefixed(at: NaiveDateTime, level: &str, msg: &str) -> String {
    format!("{} {level} ExtHandler {msg}", at.format("%Y/%m/%d %H:%M:%S%.6f"))
}

fn render_2246(at: NaiveDateTime, level: &str, msg: &str) -> String {
    format!("{} {level} ExtHandler {msg}", at.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}

fn render_threaded(at: NaiveDateTime, level: &str, msg: &str) -> String {
    format!("{} {level} ExtHandler ExtHandler {msg}", at.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}

/// The same line as journald / syslog copies it.
pub fn journald(line: &str) -> String {
    format!("Jul 06 13:18:04 vm1 python3[1686]: {line}")
}

/// The agent's message catalog (`agent.toml`).
pub fn agent_catalog() -> Vec<Signature> {
    let (name, text) = snaptriage::signals::BUILTIN_SIGNATURES
        .iter()
        .find(|(n, _)| *n == "agent.toml")
        .expect("agent.toml is built in");
    load_signatures(name, text).unwrap()
}

/// Whether a catalogue entry is an agent message (rendered in the waagent.log eras) rather than another
/// source's message kept beside it.
pub fn is_agent_message(s: &Signature) -> bool {
    s.sources.is_empty() || s.sources.contains(&ArtifactKind::WaagentLog)
}

/// The templates of a signature that an era's agents wrote: (level, text).
pub fn templates_in_era(sig: &Signature, era: &Era) -> Vec<(String, String)> {
    let sig_range = range(sig.versions.as_deref().expect("versions"));
    sig.templates
        .iter()
        .filter(|t| {
            let t_range = t.versions.as_deref().map(range).unwrap_or_else(|| sig_range.clone());
            overlaps(&t_range, &range(era.versions))
        })
        .map(|t| (t.level.clone().unwrap_or_else(|| "INFO".into()), t.text.clone()))
        .collect()
}
