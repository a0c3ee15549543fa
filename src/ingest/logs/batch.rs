//! Records copied out of a stream in runs of about a megabyte, so they can be tagged on other threads while
//! the stream reads on.

use snaptriage_parsers::{Level, LineFormat, LogRecord, SourceTime};

/// Text a batch collects before it is handed on.
pub(super) const BATCH_BYTES: usize = 1 << 20;

/// One record of a batch: its fields as ranges of the batch's text.
#[derive(Debug, Clone)]
struct Rec {
    line: u32,
    lines: u32,
    time: Option<SourceTime>,
    /// The time the record is placed at (see [`super::clock::ClockScan::record`]).
    placed: Option<SourceTime>,
    level: Level,
    format: LineFormat,
    raw: (usize, usize),
    message: (usize, usize),
    thread: Option<(usize, usize)>,
    prefix: Option<(usize, usize)>,
}

/// A run of consecutive records of one member, in file order.
#[derive(Debug, Default)]
pub(super) struct Batch {
    text: String,
    records: Vec<Rec>,
}

impl Batch {
    /// Copies a record in; `placed` is the time the clock scan gave it.
    pub(super) fn push(&mut self, record: &LogRecord<'_>, placed: Option<SourceTime>) {
        let base = self.text.len();
        let raw = record.raw;
        // Every slice of a record lies within `raw` (an empty message may sit just past it).
        let within = |part: &str| {
            let at = (part.as_ptr() as usize).wrapping_sub(raw.as_ptr() as usize);
            if at <= raw.len() && at + part.len() <= raw.len() {
                (base + at, part.len())
            } else {
                (base + raw.len(), 0)
            }
        };
        self.records.push(Rec {
            line: record.line,
            lines: record.lines,
            time: record.time,
            placed,
            level: record.level,
            format: record.format,
            raw: (base, raw.len()),
            message: within(record.message),
            thread: record.thread.map(within),
            prefix: record.prefix.map(within),
        });
        self.text.push_str(raw);
    }

    /// True once the batch holds enough text to be handed on.
    pub(super) fn is_full(&self) -> bool {
        self.text.len() >= BATCH_BYTES
    }

    /// The heap bytes the batch holds.
    pub(super) fn footprint(&self) -> usize {
        self.text.capacity() + self.records.capacity() * std::mem::size_of::<Rec>()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The batch's text: every record's raw text, one after the other.
    pub(super) fn text(&self) -> &str {
        &self.text
    }

    /// Where each record's raw text lies in [`Batch::text`], in order.
    pub(super) fn raw_spans(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.records.iter().map(|r| (r.raw.0, r.raw.0 + r.raw.1))
    }

    /// The batch's records, rebuilt, each with the time it is placed at.
    pub(super) fn records(&self) -> impl Iterator<Item = (LogRecord<'_>, Option<SourceTime>)> {
        let slice = |(at, len): (usize, usize)| self.text.get(at..at + len).unwrap_or("");
        self.records.iter().map(move |r| {
            let record = LogRecord {
                line: r.line,
                lines: r.lines,
                time: r.time,
                level: r.level,
                format: r.format,
                thread: r.thread.map(slice),
                prefix: r.prefix.map(slice),
                message: slice(r.message),
                raw: slice(r.raw),
            };
            (record, r.placed)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snaptriage_parsers::waagent_log;

    #[test]
    fn records_come_back_field_for_field() {
        let text = "2023-10-27T07:57:10.702114Z INFO ExtHandler ExtHandler Fetched\n  more\n\n\
                    2021/03/30 19:45:31 [Microsoft.Azure.Foo-1.0] written by an extension\n";
        let mut batch = Batch::default();
        let records: Vec<_> = waagent_log::parse(text).collect();
        for r in &records {
            batch.push(r, r.time);
        }
        let back: Vec<_> = batch.records().map(|(r, _)| r).collect();
        assert_eq!(back, records);
        assert!(!batch.is_full() && !batch.is_empty());
    }
}
