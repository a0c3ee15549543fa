//! The part of reading a log that runs on any thread: signature matching, record details and the facts a
//! record states, batch by batch. What depends on the records before (a handler's last named version) is
//! left for the in-order merge.

use snaptriage_parsers::{waagent_log, LogRecord, SourceTime};

use super::super::{IngestContext, RawSignal, TimelineItem};
use super::batch::Batch;
use super::{clip, EVIDENCE_CHARS};
use crate::facts::identity::{IdentityFact, IdentityKind};
use crate::facts::version::AgentRole;
use crate::facts::{ExtensionLogFact, Fact, LogVersionFact};
use crate::intake::{ArtifactKind, Member};
use crate::signals::MatchScratch;

/// Longest timeline text kept.
const TIMELINE_CHARS: usize = 300;

/// A fact as a record states it; an extension's activity may still need the handler version an earlier
/// record named.
#[derive(Debug)]
pub(super) enum PendingFact {
    /// Complete.
    Ready(Fact),
    /// An extension handler's activity (its version, when the record does not name it, comes from the last
    /// record that did).
    Activity(ExtensionLogFact),
}

/// What a batch's records gave, in record order.
#[derive(Debug, Default)]
pub(super) struct Tagged {
    pub(super) signals: Vec<RawSignal>,
    pub(super) facts: Vec<PendingFact>,
    pub(super) timeline: Vec<TimelineItem>,
}

/// Tags the records of one member; shared by the threads tagging its batches.
pub(super) struct Tagger<'c> {
    kind: ArtifactKind,
    cx: &'c IngestContext<'c>,
    path: &'c str,
    scan_signatures: bool,
}

impl<'c> Tagger<'c> {
    pub(super) fn new(member: &'c Member, cx: &'c IngestContext<'c>) -> Self {
        Tagger {
            kind: member.kind,
            cx,
            path: member.path.as_str(),
            scan_signatures: cx.signatures.covers(member.kind),
        }
    }

    /// Tags every record of a batch.
    pub(super) fn run(&self, batch: &Batch) -> Tagged {
        let mut out = Tagged::default();
        let mut scratch = MatchScratch::default();
        let spans: Vec<(usize, usize)> = batch.raw_spans().collect();
        let hits = if self.scan_signatures {
            let lower = batch.text().to_ascii_lowercase();
            records_touched(&spans, self.cx.signatures.trigger_spans(&lower))
        } else {
            Vec::new()
        };
        let versions = match self.kind {
            ArtifactKind::WaagentLog => records_touched(&spans, version_marker_spans(batch.text())),
            _ => Vec::new(),
        };
        let mut host: Option<&str> = None;
        for (i, (record, time)) in batch.records().enumerate() {
            let marks = Marks { trigger: hits.get(i).copied(), version: versions.get(i).copied() };
            self.record(&record, time, marks, &mut scratch, &mut out);
            if self.kind == ArtifactKind::Syslog {
                host = record.prefix.filter(|h| is_host_name(h)).or(host);
            }
        }
        // A syslog header names the host; the batch's last one stands for it.
        if let Some(value) = host {
            out.facts.push(PendingFact::Ready(Fact::Identity(IdentityFact {
                path: self.path.to_string(),
                kind: IdentityKind::Hostname,
                value: value.to_string(),
            })));
        }
        out
    }

    fn record(
        &self,
        record: &LogRecord<'_>,
        time: Option<SourceTime>,
        marks: Marks,
        scratch: &mut MatchScratch,
        out: &mut Tagged,
    ) {
        // Agents 2.2.31 – 2.2.54 echo extension command output zlib-compressed and base64-encoded.
        let decoded = match self.kind {
            ArtifactKind::WaagentLog => waagent_log::decoded_event_message(record.message),
            _ => None,
        };
        match self.kind {
            ArtifactKind::WaagentLog => self.waagent_facts(record, decoded.as_deref(), marks.version, out),
            ArtifactKind::WaAppAgentLog => self.windows_agent_facts(record, out),
            _ => {}
        }
        if self.scan_signatures {
            self.tag(record, time, marks.trigger, decoded.as_deref(), scratch, out);
        }
        if self.cx.keep_timeline {
            out.timeline.push(TimelineItem {
                line: Some(record.line),
                record_id: None,
                time,
                level: record.level,
                text: clip(record.first_line(), TIMELINE_CHARS),
            });
        }
    }

    fn tag(
        &self,
        record: &LogRecord<'_>,
        time: Option<SourceTime>,
        hit: Option<bool>,
        decoded: Option<&str>,
        scratch: &mut MatchScratch,
        out: &mut Tagged,
    ) {
        // The matcher sees the record as written, then the decoded message on lines of its own; evidence in
        // the decoded part points at the record's first line and shows the decoded line.
        let joined;
        let hay = match decoded {
            Some(d) => {
                joined = format!("{}\n{d}", record.raw);
                joined.as_str()
            }
            None => record.raw,
        };
        let signatures = self.cx.signatures;
        let matches = match hit {
            // The trigger search saw the record as written: it decides unless a decoded message was added.
            Some(hit) if decoded.is_none() => signatures.match_text_known(self.kind, hay, hit, scratch),
            _ => signatures.match_text(self.kind, hay, scratch),
        };
        // What the record states (HTTP status, errno, attempts) is read once, for all of its signals.
        let mut details = None;
        // Whether the record names the backup extension, decided once for all of its signals.
        let about_backup = !matches.is_empty() && crate::artifacts::backup::mentions_backup(hay);
        for m in matches {
            let (line, text) = if m.offset > record.raw.len() {
                (record.line, decoded_line(hay, m.offset))
            } else {
                evidence_line(record, m.offset)
            };
            let head = if line == record.line && m.offset <= record.raw.len() {
                String::new()
            } else {
                clip(record.raw.lines().next().unwrap_or(""), 300)
            };
            let sig = &self.cx.signatures.signatures()[m.signature];
            let mut captures = m.captures;
            let details = details.get_or_insert_with(|| crate::signals::enrich::record_details(hay));
            crate::signals::enrich::fill_missing(&mut captures, details);
            out.signals.push(RawSignal {
                signal: sig.signal.clone(),
                signature: m.signature,
                line: Some(line),
                record_id: None,
                time,
                level: record.level,
                prefix: record.prefix.map(str::to_string),
                text,
                head,
                about_backup,
                captures,
                repeats: 1,
                until: None,
            });
        }
    }

    /// Versions, the distribution and extension activity a waagent record names.
    fn waagent_facts(
        &self,
        record: &LogRecord<'_>,
        decoded: Option<&str>,
        version_marked: Option<bool>,
        out: &mut Tagged,
    ) {
        let first = record.first_line();
        let mentions = match version_marked {
            Some(marked) => waagent_log::version_mentions_marked(first, marked),
            None => waagent_log::version_mentions(first),
        };
        for m in mentions {
            let role = match m.role {
                waagent_log::VersionRole::Daemon => AgentRole::Daemon,
                waagent_log::VersionRole::GoalState => AgentRole::GoalState,
                // Found or downloaded, not yet seen running: not the version that runs extensions.
                waagent_log::VersionRole::Update => continue,
            };
            out.facts.push(PendingFact::Ready(Fact::LogVersion(LogVersionFact {
                path: self.path.to_string(),
                line: record.line,
                version: m.version.to_string(),
                role,
                time: record.time,
                auto_update: m.auto_update,
                text: clip(first, EVIDENCE_CHARS),
            })));
        }
        // Only the agent's own lines (a level, no extension prefix) name the distribution.
        let agent_line = record.level != snaptriage_parsers::Level::Unknown
            && record.prefix.is_none_or(|p| waagent_log::extension_prefix(p).is_none());
        if agent_line {
            let os = match version_marked {
                Some(marked) => waagent_log::os_mention_marked(first, marked),
                None => waagent_log::os_mention(first),
            };
            if let Some((name, version)) = os {
                out.facts.push(PendingFact::Ready(Fact::LogOs(
                    format!("{name} {version}").trim_end().to_string(),
                )));
            }
        }
        let Some(a) = waagent_log::extension_activity(record.prefix, record.level, record.message, decoded)
        else {
            return;
        };
        let version = a.version.map(str::to_string);
        use waagent_log::ActivityOutcome::*;
        let status = match a.outcome {
            Targeted => None,
            Started => Some("transitioning"),
            Succeeded => Some("success"),
            Failed => Some("error"),
        };
        out.facts.push(PendingFact::Activity(ExtensionLogFact {
            path: self.path.to_string(),
            line: record.line,
            handler: a.name.to_string(),
            version,
            op: a.op.map(str::to_string),
            status: status.map(str::to_string),
            code: a.code,
            message: clip(a.message, EVIDENCE_CHARS),
            time: record.time,
            at: None,
        }));
    }

    /// The Windows agent's version (`WindowsAzureGuestAgent starting. Version 2.7.41491.949`, or its
    /// `GuestAgent_<version>_<stamp>` install folder in a path) and the plugin versions it names
    /// (`Getting plugin locations for plugin '<name>'. Current Version: '<a>', Requested Version: '<b>'`).
    fn windows_agent_facts(&self, record: &LogRecord<'_>, out: &mut Tagged) {
        let first = record.first_line();
        for version in windows_agent_versions(first) {
            out.facts.push(PendingFact::Ready(Fact::LogVersion(LogVersionFact {
                path: self.path.to_string(),
                line: record.line,
                version: version.to_string(),
                role: AgentRole::GoalState,
                time: record.time,
                auto_update: None,
                text: clip(first, EVIDENCE_CHARS),
            })));
        }
        if let Some((name, version)) = windows_plugin_version(first) {
            out.facts.push(PendingFact::Ready(Fact::ExtensionLog(ExtensionLogFact {
                path: self.path.to_string(),
                line: record.line,
                handler: name.to_string(),
                version: Some(version.to_string()),
                op: None,
                status: None,
                code: None,
                message: clip(first, EVIDENCE_CHARS),
                time: record.time,
                at: None,
            })));
        }
    }
}

/// What searches over a whole batch found for one record: `None` when the search was not made.
#[derive(Debug, Clone, Copy)]
struct Marks {
    /// It holds a literal that can start a signature match.
    trigger: Option<bool>,
    /// It holds one of the agent's version or distribution phrases.
    version: Option<bool>,
}

/// Which records (`spans` of the batch's text, in order) the search hits (`found`, in order, not
/// overlapping) touch. A hit that straddles records marks each: they are then looked at in full, which
/// decides; a literal occurrence a non-overlapping search does not report overlaps one it does, so no
/// record holding one goes unmarked.
fn records_touched(spans: &[(usize, usize)], found: Vec<(usize, usize)>) -> Vec<bool> {
    let mut touched = vec![false; spans.len()];
    let mut first = 0;
    for (start, end) in found {
        while first < spans.len() && spans[first].1 <= start {
            first += 1;
        }
        let mut i = first;
        while i < spans.len() && spans[i].0 < end {
            touched[i] = true;
            i += 1;
        }
    }
    touched
}

/// Where the agent's version phrases occur in `text`, searched once per batch with a vectorised
/// literal search (the phrases are case-sensitive).
fn version_marker_spans(text: &str) -> Vec<(usize, usize)> {
    static MARKERS: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
    let searcher = MARKERS.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(waagent_log::MENTION_MARKERS)
            .ok()
    });
    match searcher {
        Some(s) => s.find_iter(text).map(|m| (m.start(), m.end())).collect(),
        // Cannot happen for fixed literals; marking every record keeps the per-record search.
        None => vec![(0, text.len())],
    }
}

/// The line of `hay` holding `offset` (a match inside a decoded message appended to the record).
fn decoded_line(hay: &str, offset: usize) -> String {
    let offset = offset.min(hay.len());
    let start = hay.get(..offset).and_then(|b| b.rfind('\n')).map_or(0, |i| i + 1);
    let end = hay.get(start..).and_then(|r| r.find('\n')).map_or(hay.len(), |i| start + i);
    clip(hay.get(start..end).unwrap_or("").trim_end_matches('\r').trim(), EVIDENCE_CHARS)
}

/// Windows agent versions a WaAppAgent line names.
fn windows_agent_versions(message: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for starting in ["WindowsAzureGuestAgent starting. Version ", "WaAppAgent starting. Version "] {
        if let Some(v) = message.find(starting).and_then(|i| dotted_at(&message[i + starting.len()..])) {
            out.push(v);
        }
    }
    let mut rest = message;
    while let Some(i) = rest.find("GuestAgent_") {
        rest = &rest[i + "GuestAgent_".len()..];
        if let Some(v) =
            dotted_at(rest).filter(|v| rest[v.len()..].starts_with('_') && v.matches('.').count() == 3)
        {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

/// `Getting plugin locations for plugin '<name>'. Current Version: '<a>', Requested Version: '<b>'`: the
/// plugin and the version requested.
fn windows_plugin_version(message: &str) -> Option<(&str, &str)> {
    let rest = message.split_once("Getting plugin locations for plugin '")?.1;
    let (name, rest) = rest.split_once('\'')?;
    let requested = rest.split_once("Requested Version: '")?.1;
    let version = dotted_at(requested)?;
    (!name.is_empty() && requested[version.len()..].starts_with('\'')).then_some((name, version))
}

/// The dotted number (two parts or more) at the start of `s`.
fn dotted_at(s: &str) -> Option<&str> {
    let end = s.bytes().position(|b| !(b.is_ascii_digit() || b == b'.')).unwrap_or(s.len());
    let v = s[..end].trim_end_matches('.');
    let ok = v.contains('.') && v.split('.').all(|p| !p.is_empty());
    ok.then_some(v)
}

/// The physical line (number and text) of a record where a match starts.
fn evidence_line(record: &LogRecord<'_>, offset: usize) -> (u32, String) {
    let raw = record.raw;
    let offset = offset.min(raw.len());
    let before = raw.get(..offset).unwrap_or(raw);
    let newlines = memchr::memchr_iter(b'\n', before.as_bytes()).count() as u32;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let end = raw[start..].find('\n').map_or(raw.len(), |i| start + i);
    let line = raw[start..end].trim_end_matches('\r').trim();
    (record.line.saturating_add(newlines), clip(line, EVIDENCE_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_hits_mark_every_record_they_touch() {
        let spans = [(0, 10), (10, 20), (20, 20), (20, 30), (30, 40)];
        let marked = |found: Vec<(usize, usize)>| -> Vec<usize> {
            let touched = records_touched(&spans, found);
            touched.iter().enumerate().filter(|(_, t)| **t).map(|(i, _)| i).collect()
        };
        assert_eq!(marked(vec![]), Vec::<usize>::new());
        assert_eq!(marked(vec![(2, 5)]), vec![0]);
        // A hit straddling a boundary marks the records on both sides, and an empty one between (marking
        // more than needed only costs a full look).
        assert_eq!(marked(vec![(8, 12)]), vec![0, 1]);
        assert_eq!(marked(vec![(18, 22), (35, 39)]), vec![1, 2, 3, 4]);
        assert_eq!(marked(vec![(9, 10), (10, 11), (39, 40)]), vec![0, 1, 4]);
    }

    #[test]
    fn version_phrases_are_found_in_a_batch_as_written() {
        let text = "Agent WALinuxAgent-2.9.1.1 is running as the goal state agent\nnothing here\nDistro: ubuntu-22.04\n";
        let found = version_marker_spans(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(text[found[0].0..found[0].1].contains("goal state agent"));
        assert_eq!(&text[found[1].0..found[1].1], "Distro: ");
        assert!(
            version_marker_spans("agent is RUNNING AS THE GOAL STATE AGENT").is_empty(),
            "case-sensitive"
        );
    }

    #[test]
    fn evidence_line_points_into_continuations() {
        let text = "2024-01-01T00:00:00.000000Z ERROR ExtHandler ExtHandler Event: x\n[stderr]\nNo module named 'imp'\n";
        let rec = snaptriage_parsers::waagent_log::parse(text).next().unwrap();
        let at = rec.raw.find("No module").unwrap();
        assert_eq!(evidence_line(&rec, at), (3, "No module named 'imp'".to_string()));
        assert_eq!(evidence_line(&rec, 5).0, 1);
    }
}

/// True for a syslog header's host field that names a machine (not `localhost`, not an address).
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && !host.eq_ignore_ascii_case("localhost")
        && host.parse::<std::net::IpAddr>().is_err()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        && host.bytes().any(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod host_tests {
    use super::is_host_name;

    #[test]
    fn a_syslog_host_field_names_a_machine_unless_it_is_localhost_or_an_address() {
        for host in ["nfs-client-03", "web01.contoso.local", "VM_1"] {
            assert!(is_host_name(host), "{host}");
        }
        for host in ["localhost", "10.0.0.4", "fe80::1", "", "kernel:", "2024"] {
            assert!(!is_host_name(host), "{host}");
        }
    }
}
