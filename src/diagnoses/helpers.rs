//! Helpers the diagnoses share: bursts and spans of signals, evidence, decoded codes, telemetry mirrors, HTTP
//! statuses and retry counters.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::{Context, Signal};
use crate::model::Evidence;

/// Groups time-sorted signals into bursts: a new burst starts after a gap longer than `gap`.
pub fn bursts<'s>(signals: &[&'s Signal], gap: Duration) -> Vec<Vec<&'s Signal>> {
    let mut out: Vec<Vec<&Signal>> = Vec::new();
    let mut last: Option<DateTime<Utc>> = None;
    for s in signals {
        let new_burst = match (last, s.time) {
            (Some(l), Some(t)) => t - l > gap,
            _ => out.is_empty(),
        };
        if new_burst || out.is_empty() {
            out.push(Vec::new());
        }
        if let Some(b) = out.last_mut() {
            b.push(s);
        }
        if s.time.is_some() {
            last = s.time;
        }
    }
    out
}

/// Span between the first and last dated signal.
pub fn span(signals: &[&Signal]) -> Option<Duration> {
    let first = signals.iter().find_map(|s| s.time)?;
    let last = signals.iter().rev().find_map(|s| s.time)?;
    Some(last - first)
}

/// Evidence of many signals, one per distinct (path, line).
pub fn evidence_of<'s>(signals: impl IntoIterator<Item = &'s Signal>) -> Vec<Evidence> {
    let mut seen = BTreeSet::new();
    signals
        .into_iter()
        .filter(|s| seen.insert((s.path.clone(), s.line, s.record_id)))
        .map(Signal::evidence)
        .collect()
}

/// The extension's error-code name a set of signals and status facts decode to, first seen first.
pub fn decoded_codes(signals: &[&Signal]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in signals {
        if let Some(c) = s.capture("ext_code") {
            if !out.iter().any(|o| o == c) {
                out.push(c.to_string());
            }
        }
    }
    out
}

/// Formats an extension error-code name with its number (`FailedRetryableFsFreezeFailed (121)`).
pub fn describe_ext_code(name: &str) -> String {
    match snaptriage_parsers::vmsnapshot_log::ext_error_by_name(name) {
        Some(c) => format!("{} ({})", c.name, c.value),
        None => name.to_string(),
    }
}

/// Telemetry mirrors closer than this to the line they repeat are the same event.
const MIRROR_WINDOW_SECONDS: i64 = 5;
/// How much of a message must repeat for a telemetry line to count as its mirror.
const MIRROR_PREFIX_CHARS: usize = 48;

/// The message a telemetry echo carries (`Event: name=…, op=…, message=<this>, duration=…`).
pub fn telemetry_message(s: &Signal) -> Option<&str> {
    if let Some(m) = s.capture("message") {
        return Some(m);
    }
    let text = s.text.as_str();
    let at = text.find("Event: name=")?;
    let rest = &text[at..];
    let msg = &rest[rest.find("message=")? + "message=".len()..];
    Some(msg.split(", duration=").next().unwrap_or(msg))
}

/// The signals with the agent's telemetry mirrors of another signal in the set removed: the agent often
/// writes one failure twice (its own log line and an `Event: name=… message=…` copy), and that is one event.
pub fn distinct_events<'s>(signals: &[&'s Signal]) -> Vec<&'s Signal> {
    let near = |a: &Signal, b: &Signal| match (a.time, b.time) {
        (Some(x), Some(y)) => (x - y).num_seconds().abs() <= MIRROR_WINDOW_SECONDS,
        _ => a.path == b.path && a.line.zip(b.line).is_some_and(|(x, y)| x.abs_diff(y) <= 3),
    };
    let key = |m: &str| -> String {
        m.trim().chars().filter(|c| !c.is_whitespace()).take(MIRROR_PREFIX_CHARS).collect::<String>()
    };
    let mut out: Vec<&Signal> = Vec::with_capacity(signals.len());
    for (i, s) in signals.iter().enumerate() {
        let mirror = telemetry_message(s).map(key).filter(|k| k.len() >= 12).is_some_and(|k| {
            signals.iter().enumerate().any(|(j, o)| {
                j != i
                    && near(s, o)
                    && telemetry_message(o).is_none()
                    && o.text.chars().filter(|c| !c.is_whitespace()).collect::<String>().contains(&k)
            })
        });
        let repeat = !mirror
            && out.iter().any(|o| {
                o.path == s.path && o.line == s.line && o.record_id == s.record_id && o.time == s.time
            });
        if !mirror && !repeat {
            out.push(s);
        }
    }
    out
}

/// The HTTP status a server answered with, when the record says one (`Status Code 404`, `[404: Not Found]`,
/// `HTTP Error 503`, `ResourceGoneError`): the `http_status` capture (set from the whole record at ingest),
/// else the evidence text.
pub fn answered_status(s: &Signal) -> Option<u16> {
    if let Some(c) = s.capture("http_status").and_then(|c| c.parse().ok()) {
        return Some(c);
    }
    crate::signals::enrich::http_status(&s.text).or_else(|| crate::signals::enrich::http_status(&s.head))
}

/// True for statuses that mean the server is overloaded or throttling rather than refusing the request.
pub fn is_throttling_status(code: u16) -> bool {
    matches!(code, 429 | 503)
}

/// The retry or attempt counter a record carries (`retry=332`, `6 attempts made`, `UpdateGSErrors: 57`).
pub fn attempts(s: &Signal) -> Option<u64> {
    for name in ["attempts", "gs_errors", "retry", "count"] {
        if let Some(n) = s.capture(name).and_then(|c| c.parse().ok()) {
            return Some(n);
        }
    }
    crate::signals::enrich::attempt_counter(&s.text)
}

/// True when the record is a periodic summary (`[PERIODIC]`), written once a period however often the
/// failure recurred in it.
pub fn is_periodic(s: &Signal) -> bool {
    s.text.contains("[PERIODIC]") || s.head.contains("[PERIODIC]")
}

/// How long a set of failures covers: from the first to the last, where a periodic summary stands for
/// the hour before it.
pub fn covered_span(signals: &[&Signal]) -> Duration {
    let plain = span(signals).unwrap_or_else(Duration::zero);
    if signals.iter().any(|s| is_periodic(s)) {
        plain.max(Duration::hours(1))
    } else {
        plain
    }
}

/// The newest dated signal among `names` that comes after `after`.
pub fn latest_after<'s>(
    cx: &'s Context<'_>,
    names: &'s [&'s str],
    after: DateTime<Utc>,
) -> Option<&'s Signal> {
    cx.any_of(names).filter(|s| s.seen_until().is_some_and(|t| t > after)).last()
}
