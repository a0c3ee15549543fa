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

use std::collections::{BTreeMap, VecDeque};
use std::sync::mpsc::sync_channel;
use std::sync::Mutex;

use chrono::Datelike;
use rayon::prelude::*;
use snaptriage_parsers::stream::{RecordStream, TextDamage};
use snaptriage_parsers::SourceTime;
use snaptriage_parsers::{generic_log, syslog};

use super::blocks::{Permit, Reader};
use super::{budget_spent, Fault, IngestContext, MemberOutcome, RawSignal, SourceScan, Watchdog};
use crate::artifacts::{LineLog, LineParser};
use crate::facts::Fact;
use crate::intake::{Member, MemberError, ReadBudget, StreamEnd};
use crate::signals::{SignatureSet, PERIODIC_TEXT_KEPT};
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
    log: LineLog,
    cx: &IngestContext<'_>,
    watchdog: &Watchdog,
    out: &mut MemberOutcome,
) {
    let mut year = None;
    if matches!(log.parser, LineParser::YearLess(_)) {
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
    let mut read = read_pass(member, log.parser, cx, watchdog, out, year);
    // Dated by the bundle's newest timestamp, a log ending well after it belongs to the year before.
    if let (Some((last, rollovers)), Some(reference), Ok(pass)) = (year, cx.year_reference, &read) {
        let ends_late =
            pass.scan.local_span.is_some_and(|(_, end)| end > reference + chrono::Duration::days(2));
        if pass.stopped.is_none() && ends_late {
            out.signals.clear();
            out.timeline.clear();
            out.facts.clear();
            read = read_pass(member, log.parser, cx, watchdog, out, Some((last - 1, rollovers)));
        }
    }
    let pass = match read {
        Ok(pass) => pass,
        Err(err) => {
            super::refuse(out, &err);
            return;
        }
    };
    if let Some(conclude) = log.concludes {
        conclude(&pass.scan, &mut out.facts);
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

/// A new stream of the log's parser; `year`: the last year and the rollovers of a year-less log.
fn parser_for(parser: LineParser, year: Option<(i32, i32)>) -> RecordStream {
    match (parser, year) {
        (LineParser::Dated(stream), _) => stream(),
        (LineParser::YearLess(stream), Some((last, rollovers))) => stream(last, rollovers),
        (LineParser::YearLess(_), None) => generic_log::stream(),
    }
}

/// Reads a log member once, start to end: records are assembled and clocked in order, tagged batch by batch
/// (on the thread pool for a large member), and merged into `out` in file order.
fn read_pass(
    member: &Member,
    parser: LineParser,
    cx: &IngestContext<'_>,
    watchdog: &Watchdog,
    out: &mut MemberOutcome,
    year: Option<(i32, i32)>,
) -> Result<Pass, MemberError> {
    let tagger = Tagger::new(member, cx);
    let mut merge = Merge::new(cx.signatures);
    let expected = member.expected_bytes();
    let read = if expected >= cx.pipeline_bytes && rayon::current_num_threads() > 1 {
        std::thread::scope(|scope| {
            let (send, receive) = sync_channel::<(Batch, Permit<'_>)>(BATCHES_QUEUED);
            let share = Reader::default();
            let reader =
                std::thread::Builder::new().name("log-reader".into()).spawn_scoped(scope, move || {
                    read_records(member, parser, cx, watchdog, year, &mut |batch| {
                        let permit = cx.blocks.claim(&share, batch.footprint());
                        // The receiving side stops only when it is done with the member.
                        let _ = send.send((batch, permit));
                    })
                });
            let reader = match reader {
                Ok(reader) => reader,
                // No thread to spare: read in place.
                Err(_) => {
                    return read_records(member, parser, cx, watchdog, year, &mut |batch| {
                        merge.absorb(tagger.run(&batch), out)
                    })
                }
            };
            // Batches are tagged in any order and merged in file order as soon as they can be, so only
            // the batches tagged ahead of a slow one wait.
            let merged =
                Mutex::new(InOrder { next: 0, waiting: BTreeMap::new(), merge: &mut merge, out: &mut *out });
            receive.into_iter().enumerate().par_bridge().for_each(|(i, (batch, permit))| {
                let tagged = tagger.run(&batch);
                drop((batch, permit));
                merged.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take(i, tagged);
            });
            reader
                .join()
                .unwrap_or_else(|_| Err(MemberError::Corrupt("the log reader stopped unexpectedly".into())))
        })
    } else {
        read_records(member, parser, cx, watchdog, year, &mut |batch| merge.absorb(tagger.run(&batch), out))
    }?;
    Ok(read)
}

/// Streams a member's records into batches handed to `emit`, keeping the clock statistics on the way.
fn read_records(
    member: &Member,
    parser: LineParser,
    cx: &IngestContext<'_>,
    watchdog: &Watchdog,
    year: Option<(i32, i32)>,
    emit: &mut dyn FnMut(Batch),
) -> Result<Pass, MemberError> {
    let mut stream = parser_for(parser, year);
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
struct Merge<'c> {
    signatures: &'c SignatureSet,
    /// The last version each handler's prefix named (event echoes name the handler without it).
    handler_versions: std::collections::HashMap<String, String>,
    /// Per periodic signature: how many of its signals were kept, and where the latest ones that still hold
    /// their text are.
    periodic: std::collections::HashMap<usize, (usize, VecDeque<usize>)>,
    /// Per periodic signature: the signal later repeats of it are counted on, while no other signal comes
    /// between them (see [`Merge::fold`]).
    open: std::collections::HashMap<usize, usize>,
}

/// Tagged batches put back in file order as they come.
struct InOrder<'m, 'c> {
    next: usize,
    waiting: BTreeMap<usize, Tagged>,
    merge: &'m mut Merge<'c>,
    out: &'m mut MemberOutcome,
}

impl InOrder<'_, '_> {
    /// Takes batch `index`, merging it and every batch waiting behind it once it is the next one.
    fn take(&mut self, index: usize, tagged: Tagged) {
        self.waiting.insert(index, tagged);
        while let Some(tagged) = self.waiting.remove(&self.next) {
            self.merge.absorb(tagged, self.out);
            self.next += 1;
        }
    }
}

impl<'c> Merge<'c> {
    fn new(signatures: &'c SignatureSet) -> Self {
        Merge {
            signatures,
            handler_versions: Default::default(),
            periodic: Default::default(),
            open: Default::default(),
        }
    }

    fn absorb(&mut self, tagged: Tagged, out: &mut MemberOutcome) {
        for signal in tagged.signals {
            let index = out.signals.len();
            let signature = signal.signature;
            if !self.signatures.signatures().get(signature).is_some_and(|s| s.periodic) {
                // Anything else between two repeats keeps them apart: what happened in between is ordered.
                self.open.clear();
                out.signals.push(signal);
                continue;
            }
            let Some(signal) = self.fold(signal, &mut out.signals) else { continue };
            out.signals.push(signal);
            self.open.insert(signature, index);
            self.bound_text(signature, index, &mut out.signals);
        }
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

impl Merge<'_> {
    /// Counts a periodic signal on the one it repeats — the last of its signature kept, when nothing else
    /// came between them, with the same level and captures, on the same day — or gives it back to be kept.
    /// Routine records (a heartbeat every half hour for months) so cost a signal a day, and every record
    /// that starts a new count, or follows another signal, is still there to be cited.
    fn fold(&mut self, signal: RawSignal, signals: &mut [RawSignal]) -> Option<RawSignal> {
        let Some(kept) = self.open.get(&signal.signature).and_then(|&i| signals.get_mut(i)) else {
            return Some(signal);
        };
        let day = |t: &SourceTime| (std::mem::discriminant(t), t.naive().date());
        let same_day = match (&kept.time, &signal.time) {
            (Some(a), Some(b)) => day(a) == day(b) && a <= b,
            _ => false,
        };
        if !same_day || kept.level != signal.level || kept.captures != signal.captures {
            return Some(signal);
        }
        kept.repeats = kept.repeats.saturating_add(signal.repeats);
        kept.until = signal.until.or(signal.time);
        None
    }

    /// Keeps the text of a periodic signature's earliest and latest [`PERIODIC_TEXT_KEPT`] signals only: the
    /// one just kept at `index` may push an older one out of the latest.
    fn bound_text(&mut self, signature: usize, index: usize, signals: &mut [RawSignal]) {
        let (seen, latest) = self.periodic.entry(signature).or_default();
        *seen += 1;
        if *seen <= PERIODIC_TEXT_KEPT {
            return;
        }
        latest.push_back(index);
        if latest.len() > PERIODIC_TEXT_KEPT {
            if let Some(old) = latest.pop_front().and_then(|i| signals.get_mut(i)) {
                old.text = String::new();
                old.head = String::new();
                old.prefix = None;
            }
        }
    }
}

fn clip(text: &str, max: usize) -> String {
    crate::facts::clip(text, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::Captures;
    use snaptriage_parsers::Level;

    fn signal(signature: usize, n: usize) -> RawSignal {
        let mut captures = Captures::new();
        captures.insert("gs_errors".into(), n.to_string());
        RawSignal {
            signal: "agent.heartbeat".into(),
            signature,
            line: Some(n as u32),
            record_id: None,
            time: None,
            level: Level::Info,
            prefix: Some("ExtHandler".into()),
            text: format!("heartbeat {n}"),
            head: String::new(),
            about_backup: false,
            captures,
            repeats: 1,
            until: None,
        }
    }

    #[test]
    fn periodic_signals_keep_text_only_at_both_ends_and_keep_everything_else() {
        let set = crate::engine::signature_set(&[]).unwrap();
        let periodic = set.signatures().iter().position(|s| s.periodic).unwrap();
        let other = set.signatures().iter().position(|s| !s.periodic).unwrap();
        let mut merge = Merge::new(&set);
        let mut out = crate::ingest::tests::empty_outcome();
        for n in 0..100 {
            let tagged = Tagged { signals: vec![signal(periodic, n), signal(other, n)], ..Tagged::default() };
            merge.absorb(tagged, &mut out);
        }
        let texts: Vec<usize> = out
            .signals
            .iter()
            .filter(|s| s.signature == periodic && !s.text.is_empty())
            .filter_map(|s| s.line.map(|l| l as usize))
            .collect();
        let expected: Vec<usize> = (0..PERIODIC_TEXT_KEPT).chain(100 - PERIODIC_TEXT_KEPT..100).collect();
        assert_eq!(texts, expected);
        assert_eq!(out.signals.len(), 200, "every signal is kept");
        assert!(out.signals.iter().all(|s| s.captures.contains_key("gs_errors")));
        assert!(out.signals.iter().filter(|s| s.signature == other).all(|s| !s.text.is_empty()));
    }

    #[test]
    fn periodic_repeats_are_counted_on_the_first_until_something_else_happens() {
        let set = crate::engine::signature_set(&[]).unwrap();
        let periodic = set.signatures().iter().position(|s| s.periodic).unwrap();
        let other = set.signatures().iter().position(|s| !s.periodic).unwrap();
        let at = |day: u32, hour: u32| {
            let t = chrono::NaiveDate::from_ymd_opt(2024, 1, day).unwrap().and_hms_opt(hour, 0, 0).unwrap();
            Some(SourceTime::Utc(t))
        };
        let beat = |line: usize, time, errors: usize| RawSignal {
            time,
            line: Some(line as u32),
            ..signal(periodic, errors)
        };
        let mut merge = Merge::new(&set);
        let mut out = crate::ingest::tests::empty_outcome();
        let input = vec![
            beat(1, at(2, 1), 0),
            beat(2, at(2, 2), 0),
            beat(3, at(2, 3), 0),
            // Another counter value starts a new count…
            beat(4, at(2, 4), 5),
            // …so does anything else happening…
            RawSignal { time: at(2, 5), line: Some(5), ..signal(other, 0) },
            beat(6, at(2, 6), 5),
            // …and a new day.
            beat(7, at(3, 0), 5),
            beat(8, at(3, 1), 5),
        ];
        merge.absorb(Tagged { signals: input, ..Tagged::default() }, &mut out);
        let kept: Vec<(Option<u32>, u32, Option<SourceTime>)> =
            out.signals.iter().map(|s| (s.line, s.repeats, s.until)).collect();
        assert_eq!(
            kept,
            vec![
                (Some(1), 3, at(2, 3)),
                (Some(4), 1, None),
                (Some(5), 1, None),
                (Some(6), 1, None),
                (Some(7), 2, at(3, 1)),
            ]
        );
        assert!(out.signals.iter().all(|s| !s.text.is_empty()), "a count's first record keeps its text");
    }
}
