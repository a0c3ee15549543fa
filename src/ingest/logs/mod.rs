//! Line-oriented logs: stream each member through its parser, tag the records with signatures, gather
//! facts and clock statistics.
//!
//! A large member is read as a pipeline: one thread reads (and inflates) it, assembles records and keeps the
//! in-order clock statistics ([`clock`]); the records go on in [`batch`]es of about a megabyte to the thread
//! pool, which tags them ([`tagger`]); the results are merged back in file order. Only a few batches are in
//! flight per member, so memory stays flat whatever the member's size.

mod batch;
mod clock;
mod tagger;

use std::sync::mpsc::sync_channel;

use chrono::Datelike;
use rayon::prelude::*;
use snaptriage_parsers::stream::{RecordStream, TextDamage};
use snaptriage_parsers::{generic_log, shell_log, syslog, vmsnapshot_log, waagent_log, waappagent_log};

use super::{budget_spent, Fault, IngestContext, MemberOutcome, SourceScan, Watchdog};
use crate::facts::Fact;
use crate::intake::{ArtifactKind, Member, MemberError, ReadBudget, StreamEnd};
use batch::Batch;
use clock::ClockScan;
use tagger::{PendingFact, Tagged, Tagger};

/// Longest evidence line kept.
const EVIDENCE_CHARS: usize = 600;

/// Batches waiting to be tagged, per member read as a pipeline.
const BATCHES_QUEUED: usize = 4;

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

/// The parser for a log member; `year`: the last year and the rollovers of a year-less log.
fn parser_for(kind: ArtifactKind, year: Option<(i32, i32)>) -> RecordStream {
    match (kind, year) {
        (ArtifactKind::WaagentLog, _) => waagent_log::stream(),
        (ArtifactKind::VmSnapshotLog, _) => vmsnapshot_log::stream(),
        (ArtifactKind::VmSnapshotShellLog, _) => shell_log::stream(),
        (ArtifactKind::WaAppAgentLog, _) => waappagent_log::stream(),
        (ArtifactKind::Syslog | ArtifactKind::Dmesg, Some((last, rollovers))) => {
            syslog::stream(last, rollovers)
        }
        _ => generic_log::stream(),
    }
}

/// Reads a log member once, start to end: records are assembled and clocked in order, tagged batch by batch
/// (on the thread pool for a large member), and merged into `out` in file order.
fn read_pass(
    member: &Member,
    cx: &IngestContext<'_>,
    watchdog: &Watchdog,
    out: &mut MemberOutcome,
    year: Option<(i32, i32)>,
) -> Result<Pass, MemberError> {
    let tagger = Tagger::new(member, cx);
    let mut merge = Merge::default();
    let expected = member.expected_bytes();
    let read = if expected >= cx.pipeline_bytes && rayon::current_num_threads() > 1 {
        std::thread::scope(|scope| {
            let (send, receive) = sync_channel::<Batch>(BATCHES_QUEUED);
            let reader =
                std::thread::Builder::new().name("log-reader".into()).spawn_scoped(scope, move || {
                    read_records(member, cx, watchdog, year, &mut |batch| {
                        // The receiving side stops only when it is done with the member.
                        let _ = send.send(batch);
                    })
                });
            let reader = match reader {
                Ok(reader) => reader,
                // No thread to spare: read in place.
                Err(_) => {
                    return read_records(member, cx, watchdog, year, &mut |batch| {
                        merge.absorb(tagger.run(&batch), out)
                    })
                }
            };
            let mut tagged: Vec<(usize, Tagged)> = receive
                .into_iter()
                .enumerate()
                .par_bridge()
                .map(|(i, batch)| (i, tagger.run(&batch)))
                .collect();
            tagged.sort_unstable_by_key(|(i, _)| *i);
            for (_, t) in tagged {
                merge.absorb(t, out);
            }
            reader
                .join()
                .unwrap_or_else(|_| Err(MemberError::Corrupt("the log reader stopped unexpectedly".into())))
        })
    } else {
        read_records(member, cx, watchdog, year, &mut |batch| merge.absorb(tagger.run(&batch), out))
    }?;
    Ok(read)
}

/// Streams a member's records into batches handed to `emit`, keeping the clock statistics on the way.
fn read_records(
    member: &Member,
    cx: &IngestContext<'_>,
    watchdog: &Watchdog,
    year: Option<(i32, i32)>,
    emit: &mut dyn FnMut(Batch),
) -> Result<Pass, MemberError> {
    let mut stream = parser_for(member.kind, year);
    let mut clock = ClockScan::new(member.kind);
    let mut batch = Batch::default();
    let mut stopped = None;
    let mut collect = |record: snaptriage_parsers::LogRecord<'_>, batch: &mut Batch| {
        let placed = clock.record(&record);
        batch.push(&record, placed);
    };
    let end: StreamEnd = member.stream(cx.limits, cx.budget, &mut |chunk| {
        if watchdog.spent_at(0) {
            stopped = Some(stream.bytes_done());
            return false;
        }
        if let Some(progress) = cx.progress {
            progress.advance(chunk.len() as u64);
        }
        stream.push(chunk, &mut |record| collect(record, &mut batch));
        if batch.is_full() {
            emit(std::mem::take(&mut batch));
        }
        true
    })?;
    if stopped.is_none() {
        stream.finish(&mut |record| collect(record, &mut batch));
    }
    if !batch.is_empty() {
        emit(batch);
    }
    Ok(Pass {
        format_note: clock.format_note(),
        scan: clock.finish(),
        damage: stream.damage(),
        truncated: end.truncated,
        bytes: end.bytes,
        stopped,
    })
}

/// Merges tagged batches into the member's outcome, in file order.
#[derive(Default)]
struct Merge {
    /// The last version each handler's prefix named (event echoes name the handler without it).
    handler_versions: std::collections::HashMap<String, String>,
}

impl Merge {
    fn absorb(&mut self, tagged: Tagged, out: &mut MemberOutcome) {
        out.signals.extend(tagged.signals);
        out.timeline.extend(tagged.timeline);
        for fact in tagged.facts {
            match fact {
                PendingFact::Ready(f) => out.facts.push(f),
                PendingFact::Activity(mut f) => {
                    let key = f.handler.to_ascii_lowercase();
                    match &f.version {
                        Some(v) => {
                            self.handler_versions.insert(key, v.clone());
                        }
                        None => f.version = self.handler_versions.get(&key).cloned(),
                    }
                    out.facts.push(Fact::ExtensionLog(f));
                }
            }
        }
    }
}

fn clip(text: &str, max: usize) -> String {
    crate::facts::clip(text, max)
}
