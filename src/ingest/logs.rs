//! Line-oriented logs: parse, tag with signatures, collect clock statistics.

use chrono::Datelike;
use snaptriage_parsers::{
    generic_log, shell_log, syslog, vmsnapshot_log, waagent_log, waappagent_log, LineFormat, LogRecord,
    SourceTime,
};

use snaptriage_parsers::stream::TextDamage;

use super::{
    budget_spent, Fault, IngestContext, MemberOutcome, RawSignal, SourceScan, TimelineItem, Watchdog,
};
use crate::facts::version::AgentRole;
use crate::facts::{ExtensionLogFact, Fact, LogVersionFact};
use crate::intake::{ArtifactKind, Member, MemberError, ReadBudget};
use crate::signals::MatchScratch;
use crate::timeline::observe;

/// Longest evidence line kept.
const EVIDENCE_CHARS: usize = 600;
/// Longest timeline text kept.
const TIMELINE_CHARS: usize = 300;
/// Largest distance (seconds) of an observed clock difference from a quarter-hour offset that still counts as
/// the same instant written in two clocks.
const PAIR_RESIDUAL_SECS: i64 = 120;

/// Streams a log member through its parser and settles its inventory row. A member refused by a limit
/// part-way keeps nothing; one stopped by its time budget keeps what was read before.
pub(super) fn ingest_log(
    member: &Member,
    cx: &IngestContext<'_>,
    watchdog: &Watchdog,
    out: &mut MemberOutcome,
) {
    let mut year = None;
    if matches!(member.kind, ArtifactKind::Syslog | ArtifactKind::Dmesg) {
        // Year-less lines are dated from the year of the last line, counted back over the rollovers.
        let last = cx.year_reference.map(|r| r.year()).or(member.modified_year).unwrap_or(cx.fallback_year);
        let mut rollovers = syslog::Rollovers::default();
        let pass = member.stream(cx.limits, &ReadBudget::default(), &mut |chunk| {
            rollovers.push(chunk);
            true
        });
        if let Err(err) = pass {
            super::refuse(out, &err);
            return;
        }
        year = Some((last, rollovers.finish()));
    }
    let mut read = read_pass(member, cx, watchdog, out, year);
    // Dated by the bundle's newest timestamp, a log ending well after it belongs to the year before.
    if let (Some((last, rollovers)), Some(reference), Ok(pass)) = (year, cx.year_reference, &read) {
        let ends_late =
            pass.scan.local_span.is_some_and(|(_, end)| end > reference + chrono::Duration::days(2));
        if pass.stopped.is_none() && ends_late {
            out.signals.clear();
            out.timeline.clear();
            out.facts.clear();
            read = read_pass(member, cx, watchdog, out, Some((last - 1, rollovers)));
        }
    }
    let pass = match read {
        Ok(pass) => pass,
        Err(err) => {
            super::refuse(out, &err);
            return;
        }
    };
    if member.kind == ArtifactKind::CollectorResults {
        if let Some((_, last)) = pass.scan.utc_span {
            out.facts.push(Fact::CollectedAt(last.and_utc()));
        }
    }
    out.entry.bytes = pass.bytes;
    let detail = format!("{} records{}", pass.scan.records, pass.format_note);
    let records = pass.scan.records;
    let result = match pass.stopped {
        None => Ok(detail),
        Some(done) => {
            Err(Fault::OutOfTime(budget_spent(watchdog.budget(), done, member.declared_size, records)))
        }
    };
    out.scan = Some(pass.scan);
    super::settle(out, result, pass.truncated, &pass.damage, true);
}

/// What one read of a log member gave.
struct Pass {
    scan: SourceScan,
    format_note: &'static str,
    damage: TextDamage,
    truncated: Option<String>,
    /// Decoded bytes read.
    bytes: u64,
    /// Set when the time budget ran out: the bytes the records read so far cover.
    stopped: Option<u64>,
}

/// Reads a log member once, start to end, feeding its records to a [`LogScan`]. `year`: the last year and the
/// rollovers of a year-less log.
fn read_pass(
    member: &Member,
    cx: &IngestContext<'_>,
    watchdog: &Watchdog,
    out: &mut MemberOutcome,
    year: Option<(i32, i32)>,
) -> Result<Pass, MemberError> {
    let mut stream = match (member.kind, year) {
        (ArtifactKind::WaagentLog, _) => waagent_log::stream(),
        (ArtifactKind::VmSnapshotLog, _) => vmsnapshot_log::stream(),
        (ArtifactKind::VmSnapshotShellLog, _) => shell_log::stream(),
        (ArtifactKind::WaAppAgentLog, _) => waappagent_log::stream(),
        (ArtifactKind::Syslog | ArtifactKind::Dmesg, Some((last, rollovers))) => {
            syslog::stream(last, rollovers)
        }
        _ => generic_log::stream(),
    };
    let mut state = LogScan::new(member, cx);
    let mut stopped = None;
    let end = member.stream(cx.limits, cx.budget, &mut |chunk| {
        if watchdog.spent_at(0) {
            stopped = Some(stream.bytes_done());
            return false;
        }
        stream.push(chunk, &mut |record| state.record(record, out));
        true
    })?;
    if stopped.is_none() {
        stream.finish(&mut |record| state.record(record, out));
    }
    state.finish();
    Ok(Pass {
        format_note: state.format_note(),
        scan: state.scan,
        damage: stream.damage(),
        truncated: end.truncated,
        bytes: end.bytes,
        stopped,
    })
}

struct LogScan<'c> {
    kind: ArtifactKind,
    cx: &'c IngestContext<'c>,
    scan: SourceScan,
    scratch: MatchScratch,
    scan_signatures: bool,
    last_time: Option<SourceTime>,
    latest: Option<(SourceTime, u32)>,
    /// The latest record's first line.
    latest_text: String,
    formats: Vec<LineFormat>,
    path: &'c str,
    /// The last version each handler's prefix named (event echoes name the handler without it).
    handler_versions: std::collections::HashMap<String, String>,
}

impl<'c> LogScan<'c> {
    fn new(member: &'c Member, cx: &'c IngestContext<'c>) -> Self {
        let kind = member.kind;
        LogScan {
            kind,
            path: member.path.as_str(),
            handler_versions: Default::default(),
            cx,
            scan: SourceScan::default(),
            scratch: MatchScratch::default(),
            scan_signatures: cx.signatures.covers(kind),
            last_time: None,
            latest: None,
            latest_text: String::new(),
            formats: Vec::new(),
        }
    }

    /// Closes the read: the latest record becomes the scan's last record.
    fn finish(&mut self) {
        if let Some((t, line)) = self.latest {
            self.scan.last_record = Some((t, line, clip(&self.latest_text, EVIDENCE_CHARS)));
        }
    }

    fn record(&mut self, record: LogRecord<'_>, out: &mut MemberOutcome) {
        self.scan.records += 1;
        if !self.formats.contains(&record.format) {
            self.formats.push(record.format);
        }
        let time = self.effective_time(&record);
        if let Some(t) = time {
            self.scan.see(t);
            self.pair_with_previous(t);
            self.last_time = Some(t);
            self.latest = match self.latest {
                Some((lt, _)) if lt.naive() > t.naive() => self.latest,
                _ => Some((t, record.line)),
            };
            if self.latest.is_some_and(|(_, l)| l == record.line) {
                let first = record.raw.lines().next().unwrap_or("");
                self.latest_text.clear();
                self.latest_text.push_str(first);
            }
        }
        // Agents 2.2.31 – 2.2.54 echo extension command output zlib-compressed and base64-encoded.
        let decoded = match self.kind {
            ArtifactKind::WaagentLog => waagent_log::decoded_event_message(record.message),
            _ => None,
        };
        match self.kind {
            ArtifactKind::WaagentLog => self.waagent_facts(&record, decoded.as_deref(), out),
            ArtifactKind::WaAppAgentLog => self.windows_agent_facts(&record, out),
            _ => {}
        }
        if self.scan_signatures {
            self.tag(&record, time, decoded.as_deref(), out);
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

    /// A record that embeds a stamp written in the other clock is a zone observation (the same instant written
    /// in both clocks), and is dated by whichever of the two is UTC.
    fn effective_time(&mut self, record: &LogRecord<'_>) -> Option<SourceTime> {
        let outer = record.time?;
        if self.kind != ArtifactKind::VmSnapshotLog {
            return Some(outer);
        }
        // Either way round: a UTC backup-logger stamp inside a local-time line, or a local-time freeze-helper
        // stamp inside a UTC line. The record keeps the UTC one.
        match (outer, vmsnapshot_log::embedded_stamp(record.message).map(|(t, _, _)| t)) {
            (SourceTime::Local(l), Some(inner @ SourceTime::Utc(u))) => {
                self.scan.zone_observations.extend(observe(l, u));
                Some(inner)
            }
            (SourceTime::Utc(u), Some(SourceTime::Local(l))) => {
                self.scan.zone_observations.extend(observe(l, u));
                Some(outer)
            }
            _ => Some(outer),
        }
    }

    /// Adjacent records of one file written in different clocks (a local-time daemon next to a UTC extension
    /// handler) are close in time: their difference, when it sits near a quarter hour, is the zone offset.
    fn pair_with_previous(&mut self, t: SourceTime) {
        let Some(prev) = self.last_time else { return };
        let (local, utc) = match (prev, t) {
            (SourceTime::Local(l), SourceTime::Utc(u)) | (SourceTime::Utc(u), SourceTime::Local(l)) => (l, u),
            _ => return,
        };
        let diff = (local - utc).num_seconds();
        if let Some(q) = observe(local, utc) {
            if (diff - q).abs() <= PAIR_RESIDUAL_SECS {
                self.scan.zone_observations.push(q);
            }
        }
    }

    fn tag(
        &mut self,
        record: &LogRecord<'_>,
        time: Option<SourceTime>,
        decoded: Option<&str>,
        out: &mut MemberOutcome,
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
        let matches = self.cx.signatures.match_text(self.kind, hay, &mut self.scratch);
        // What the record states (HTTP status, errno, attempts) is read once, for all of its signals.
        let mut details = None;
        for m in matches {
            let (line, text) = if m.offset > record.raw.len() {
                (record.line, decoded_line(hay, m.offset))
            } else {
                evidence_line(record, m.offset)
            };
            let about_backup = mentions_backup(hay);
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
            });
        }
    }

    /// Versions, the distribution and extension activity a waagent record names.
    fn waagent_facts(&mut self, record: &LogRecord<'_>, decoded: Option<&str>, out: &mut MemberOutcome) {
        let first = record.first_line();
        for m in waagent_log::version_mentions(first) {
            let role = match m.role {
                waagent_log::VersionRole::Daemon => AgentRole::Daemon,
                waagent_log::VersionRole::GoalState => AgentRole::GoalState,
                // Found or downloaded, not yet seen running: not the version that runs extensions.
                waagent_log::VersionRole::Update => continue,
            };
            out.facts.push(Fact::LogVersion(LogVersionFact {
                path: self.path.to_string(),
                line: record.line,
                version: m.version.to_string(),
                role,
                time: record.time,
                auto_update: m.auto_update,
                text: clip(first, EVIDENCE_CHARS),
            }));
        }
        // Only the agent's own lines (a level, no extension prefix) name the distribution.
        let agent_line = record.level != snaptriage_parsers::Level::Unknown
            && record.prefix.is_none_or(|p| waagent_log::extension_prefix(p).is_none());
        if agent_line {
            if let Some((name, version)) = waagent_log::os_mention(first) {
                out.facts.push(Fact::LogOs(format!("{name} {version}").trim_end().to_string()));
            }
        }
        let Some(a) = waagent_log::extension_activity(record.prefix, record.level, record.message, decoded)
        else {
            return;
        };
        let version = match a.version {
            Some(v) => {
                self.handler_versions.insert(a.name.to_ascii_lowercase(), v.to_string());
                Some(v.to_string())
            }
            None => self.handler_versions.get(&a.name.to_ascii_lowercase()).cloned(),
        };
        use waagent_log::ActivityOutcome::*;
        let status = match a.outcome {
            Targeted => None,
            Started => Some("transitioning"),
            Succeeded => Some("success"),
            Failed => Some("error"),
        };
        out.facts.push(Fact::ExtensionLog(ExtensionLogFact {
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
    fn windows_agent_facts(&mut self, record: &LogRecord<'_>, out: &mut MemberOutcome) {
        let first = record.first_line();
        for version in windows_agent_versions(first) {
            out.facts.push(Fact::LogVersion(LogVersionFact {
                path: self.path.to_string(),
                line: record.line,
                version: version.to_string(),
                role: AgentRole::GoalState,
                time: record.time,
                auto_update: None,
                text: clip(first, EVIDENCE_CHARS),
            }));
        }
        if let Some((name, version)) = windows_plugin_version(first) {
            out.facts.push(Fact::ExtensionLog(ExtensionLogFact {
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
            }));
        }
    }

    fn format_note(&self) -> &'static str {
        match (self.scan.utc_span.is_some(), self.scan.local_span.is_some()) {
            (true, true) => "; UTC and local timestamps",
            (true, false) => "; UTC timestamps",
            (false, true) => "; local timestamps",
            (false, false) => "; no timestamps",
        }
    }
}

/// True when a record names the backup extension (`Microsoft.Azure.RecoveryServices.VMSnapshot[Linux]`).
fn mentions_backup(raw: &str) -> bool {
    memchr::memmem::find(raw.as_bytes(), b"RecoveryServices.VMSnapshot").is_some()
        || memchr::memmem::find(raw.as_bytes(), b"RecoveryServices_VMSnapshot").is_some()
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

fn clip(text: &str, max: usize) -> String {
    crate::facts::clip(text, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_line_points_into_continuations() {
        let text = "2024-01-01T00:00:00.000000Z ERROR ExtHandler ExtHandler Event: x\n[stderr]\nNo module named 'imp'\n";
        let rec = waagent_log::parse(text).next().unwrap();
        let at = rec.raw.find("No module").unwrap();
        assert_eq!(evidence_line(&rec, at), (3, "No module named 'imp'".to_string()));
        assert_eq!(evidence_line(&rec, 5).0, 1);
    }
}
