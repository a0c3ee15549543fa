//! Per-source clocks: a source whose timestamps carry no zone is read in the bundle's clock, unless its own
//! backup runs show it writes UTC.
//!
//! Whether the Windows backup plugin's logs (and other zoneless extension logs) are written in local time or
//! UTC is not documented, and it may differ between versions. The runs themselves tell: a run's first
//! record in the extension's log comes shortly before the status file of the same sequence number is
//! written (UTC, `timestampUTC`). When every run a log names lines up with its status file only when the
//! log is read as UTC, and none lines up only in the bundle's zone, the log is read as UTC. Otherwise the
//! bundle's clock stays, so a log with no such anchors is never moved.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use snaptriage_parsers::SourceTime;

use super::LocalClock;
use crate::facts::ExtensionStatusFact;
use crate::ingest::MemberOutcome;

/// Seconds a run's first log record may follow its status file's time (clock skew, a status written
/// early and rewritten later).
const AFTER_STATUS_SECS: i64 = 5 * 60;
/// Seconds a run's first log record may precede its status file's time (a long run's final status).
const BEFORE_STATUS_SECS: i64 = 3 * 3600;

/// The clock each source is read in.
#[derive(Debug, Clone)]
pub struct Clocks {
    bundle: LocalClock,
    read_as_utc: HashMap<String, LocalClock>,
}

impl Clocks {
    /// Every source in the bundle's clock.
    pub fn new(bundle: LocalClock) -> Self {
        Clocks { bundle, read_as_utc: HashMap::new() }
    }

    /// The bundle's clock, and the sources `decide` found writing UTC.
    pub fn with_utc_writers(bundle: LocalClock, writers: impl IntoIterator<Item = (String, usize)>) -> Self {
        let read_as_utc =
            writers.into_iter().map(|(path, runs)| (path, LocalClock::naive_utc(runs, &bundle))).collect();
        Clocks { bundle, read_as_utc }
    }

    /// The bundle-wide clock.
    pub fn bundle(&self) -> &LocalClock {
        &self.bundle
    }

    /// The clock of the member at `path`.
    pub fn of(&self, path: &str) -> &LocalClock {
        self.read_as_utc.get(path).unwrap_or(&self.bundle)
    }

    /// Converts a timestamp of the member at `path`.
    pub fn to_utc(&self, path: &str, t: SourceTime) -> DateTime<Utc> {
        self.of(path).to_utc(t)
    }
}

/// The members whose zoneless timestamps are UTC, with how many backup runs showed it: every run the
/// member names by sequence number (with a status file of that number) fits its status time when read as
/// UTC, at least one fits only so, and none fits only in the bundle's clock.
pub fn utc_writers(
    outcomes: &[MemberOutcome],
    statuses: &[ExtensionStatusFact],
    bundle: &LocalClock,
) -> Vec<(String, usize)> {
    let status_times: BTreeMap<u64, DateTime<Utc>> = statuses
        .iter()
        .filter(|s| s.is_backup_extension())
        .filter_map(|s| Some((s.seq?, s.time?)))
        .fold(BTreeMap::new(), |mut m, (seq, t)| {
            let slot = m.entry(seq).or_insert(t);
            *slot = (*slot).max(t);
            m
        });
    if status_times.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for o in outcomes {
        let starts = first_local_time_per_seq(o);
        let mut only_utc = 0;
        let mut only_zone = 0;
        let mut unfit = 0;
        for (seq, naive) in starts {
            let Some(&status) = status_times.get(&seq) else { continue };
            let as_zone = bundle.to_utc(SourceTime::Local(naive));
            let as_utc = naive.and_utc();
            if as_zone == as_utc {
                continue;
            }
            match (fits(as_zone, status), fits(as_utc, status)) {
                (false, true) => only_utc += 1,
                (true, false) => only_zone += 1,
                (false, false) => unfit += 1,
                (true, true) => {}
            }
        }
        if only_utc > 0 && only_zone == 0 && unfit == 0 {
            out.push((o.entry.path.clone(), only_utc));
        }
    }
    out
}

/// True when a run's first record at `start` can belong to the status written at `status`.
fn fits(start: DateTime<Utc>, status: DateTime<Utc>) -> bool {
    let lead = (status - start).num_seconds();
    (-AFTER_STATUS_SECS..=BEFORE_STATUS_SECS).contains(&lead)
}

/// The earliest zoneless time at which the member names each sequence number.
fn first_local_time_per_seq(o: &MemberOutcome) -> BTreeMap<u64, NaiveDateTime> {
    let mut out: BTreeMap<u64, NaiveDateTime> = BTreeMap::new();
    for s in &o.signals {
        let (Some(SourceTime::Local(t)), Some(seq)) =
            (s.time, s.captures.get("seq").and_then(|v| v.parse::<u64>().ok()))
        else {
            continue;
        };
        let slot = out.entry(seq).or_insert(t);
        *slot = (*slot).min(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ExtensionStatusFact;
    use crate::ingest::tests::empty_outcome;
    use crate::ingest::RawSignal;
    use crate::timeline::{Zone, ZoneVotes};

    const PLUGIN_LOG: &str =
        "WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/IaaSBcdrExtension0.log";

    fn naive(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    /// A log naming sequence numbers at zoneless times.
    fn log(path: &str, runs: &[(u64, &str)]) -> MemberOutcome {
        let mut o = empty_outcome();
        o.entry.path = path.into();
        o.signals = runs
            .iter()
            .map(|(seq, time)| RawSignal {
                signal: "snap.sequence".into(),
                signature: 0,
                line: Some(1),
                record_id: None,
                time: Some(SourceTime::Local(naive(time))),
                level: Default::default(),
                prefix: None,
                text: String::new(),
                head: String::new(),
                about_backup: true,
                captures: [("seq".to_string(), seq.to_string())].into_iter().collect(),
                repeats: 1,
                until: None,
            })
            .collect();
        o
    }

    fn status(seq: u64, time: &str) -> ExtensionStatusFact {
        ExtensionStatusFact {
            path: format!(
                "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/Status/{seq}.status"
            ),
            handler: "Microsoft.Azure.RecoveryServices.VMSnapshot".into(),
            handler_version: Some("1.0.92.0".into()),
            seq: Some(seq),
            operation: Some("Enable".into()),
            reported_status: "error".into(),
            status: "error".into(),
            code: Some(1),
            message: String::new(),
            ext_error: None,
            time: Some(naive(time).and_utc()),
            task_id: None,
            telemetry: Vec::new(),
        }
    }

    /// The clock of a bundle in +05:30.
    fn india() -> LocalClock {
        LocalClock::choose(Some(Zone::Fixed(5 * 3600 + 1800)), None, &ZoneVotes::default())
    }

    #[test]
    fn a_log_whose_runs_meet_their_status_files_only_as_utc_is_read_as_utc() {
        let statuses = [status(4, "2023-06-05 21:03:38"), status(5, "2023-06-06 21:03:43")];
        let utc_log = log(PLUGIN_LOG, &[(4, "2023-06-05 21:03:25"), (5, "2023-06-06 21:03:27")]);
        let local_log =
            log("WindowsAzure/Logs/local.log", &[(4, "2023-06-06 02:33:25"), (5, "2023-06-07 02:33:27")]);
        let found = utc_writers(&[utc_log, local_log], &statuses, &india());
        assert_eq!(found, vec![(PLUGIN_LOG.to_string(), 2)]);

        let clocks = Clocks::with_utc_writers(india(), found);
        let t = SourceTime::Local(naive("2023-06-05 21:03:25"));
        assert_eq!(clocks.to_utc(PLUGIN_LOG, t), naive("2023-06-05 21:03:25").and_utc());
        assert_eq!(clocks.to_utc("WindowsAzure/Logs/local.log", t), naive("2023-06-05 15:33:25").and_utc());
        assert_eq!(clocks.of(PLUGIN_LOG).basis().label(), "naive-read-as-utc");
    }

    #[test]
    fn a_log_stays_in_the_bundle_clock_without_anchors_or_with_any_run_against_utc() {
        let statuses = [status(4, "2023-06-05 21:03:38"), status(5, "2023-06-06 21:03:43")];
        let no_status = log(PLUGIN_LOG, &[(9, "2023-06-05 21:03:25")]);
        assert!(utc_writers(&[no_status], &statuses, &india()).is_empty(), "no status file of its runs");
        let mixed = log(PLUGIN_LOG, &[(4, "2023-06-05 21:03:25"), (5, "2023-06-07 02:33:27")]);
        assert!(utc_writers(&[mixed], &statuses, &india()).is_empty(), "one run fits only the zone");
        let neither = log(PLUGIN_LOG, &[(4, "2023-06-05 21:03:25"), (5, "2023-06-01 08:00:00")]);
        assert!(utc_writers(&[neither], &statuses, &india()).is_empty(), "one run fits no reading");
        let no_zone = LocalClock::choose(None, None, &ZoneVotes::default());
        let utc_log = log(PLUGIN_LOG, &[(4, "2023-06-05 21:03:25")]);
        assert!(utc_writers(&[utc_log], &statuses, &no_zone).is_empty(), "both readings are one");
    }

    #[test]
    fn a_short_offset_that_fits_both_readings_keeps_the_bundle_clock() {
        let one_hour = LocalClock::choose(Some(Zone::Fixed(3600)), None, &ZoneVotes::default());
        let statuses = [status(4, "2023-06-05 21:30:00")];
        let log = log(PLUGIN_LOG, &[(4, "2023-06-05 21:03:25")]);
        assert!(utc_writers(&[log], &statuses, &one_hour).is_empty());
    }
}
