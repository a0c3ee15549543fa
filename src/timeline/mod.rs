//! Puts every record on one UTC timeline: decides, per source, how its timestamps map to UTC.
//!
//! Sources that write UTC need nothing. Sources that write local wall-clock time without a zone (waagent before
//! 2.2.46, the Python 2 backup extension, the freeze helper, syslog) are converted with, in order of preference:
//! the zone the user gives, the zone the bundle reveals (`/etc/timezone`), an offset inferred from the same
//! instants written in both clocks (mixed-era waagent logs, backup-logger lines embedded in local-time lines),
//! or else they are assumed to be UTC — and the report says which.

pub mod member_clock;
pub mod placement;
mod zone;

pub use crate::model::rfc3339;
pub use zone::{parse_zone, Zone, ZoneParseError};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::Serialize;
use snaptriage_parsers::SourceTime;

/// How a source's local timestamps were mapped to UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "basis", rename_all = "kebab-case")]
pub enum TimeBasis {
    /// The source writes UTC.
    Utc,
    /// Local time converted with a zone the user supplied.
    LocalGiven {
        /// The zone.
        zone: String,
    },
    /// Local time converted with the zone the bundle names.
    LocalZone {
        /// The zone.
        zone: String,
        /// Where the bundle named it.
        from: String,
    },
    /// Local time converted with an offset inferred from instants seen in both clocks.
    LocalInferred {
        /// The offset, `+HH:MM`.
        offset: String,
        /// How many paired instants agreed on it.
        agreeing: usize,
        /// How many paired instants there were.
        observed: usize,
    },
    /// Local time taken as UTC because nothing told the zone.
    LocalAssumedUtc,
    /// Timestamps without a zone read as UTC, not in the bundle's clock, because the source's own backup
    /// runs line up with their status files (UTC) only when read so.
    NaiveReadAsUtc {
        /// Backup runs whose start, read as UTC, falls just before their status file's time.
        runs: usize,
        /// The bundle's clock it was not read in (a [`TimeBasis::label`]).
        instead_of: String,
    },
    /// The source has no timestamps.
    Untimed,
}

impl TimeBasis {
    /// A short human label (`utc`, `local-inferred +02:00`, …).
    pub fn label(&self) -> String {
        match self {
            TimeBasis::Utc => "utc".into(),
            TimeBasis::LocalGiven { zone } => format!("local-given {zone}"),
            TimeBasis::LocalZone { zone, .. } => format!("local-zone {zone}"),
            TimeBasis::LocalInferred { offset, .. } => format!("local-inferred {offset}"),
            TimeBasis::LocalAssumedUtc => "local-assumed-utc".into(),
            TimeBasis::NaiveReadAsUtc { .. } => "naive-read-as-utc".into(),
            TimeBasis::Untimed => "untimed".into(),
        }
    }

    /// True for a source read in the bundle's local clock (not UTC, not untimed, not read as UTC on its
    /// own evidence).
    pub fn is_bundle_local(&self) -> bool {
        !matches!(self, TimeBasis::Utc | TimeBasis::Untimed | TimeBasis::NaiveReadAsUtc { .. })
    }
}

/// The bundle-wide rule for local timestamps, chosen once from everything known.
#[derive(Debug, Clone)]
pub struct LocalClock {
    zone: Option<Zone>,
    basis: TimeBasis,
}

/// An observation that one instant was written as `local` by one writer and `utc` by another.
pub type ZoneObservation = i64;

/// Rounds an observed `local - utc` difference (seconds) to the nearest quarter hour, the granularity of
/// real zone offsets; differences beyond ±14 h are not offsets and give `None`.
pub fn quantize_offset(seconds: i64) -> Option<i64> {
    const QUARTER: i64 = 15 * 60;
    let q = (seconds as f64 / QUARTER as f64).round() as i64 * QUARTER;
    (q.abs() <= 14 * 3600).then_some(q)
}

/// Votes for zone offsets from two lists of instants that should pair up: each `local` time written `lag`
/// seconds (within `lag`) after some `utc` time, in a zone whose offset is a whole quarter hour. Every pair
/// within ±14 h whose remainder fits `lag` votes; when events repeat (daily backups, restarts), only the true
/// offset collects many votes.
pub fn pair_votes(
    utc: &[NaiveDateTime],
    local: &[NaiveDateTime],
    lag: std::ops::RangeInclusive<i64>,
) -> Vec<ZoneObservation> {
    const QUARTER: i64 = 900;
    let mut out = Vec::new();
    for &l in local {
        for &u in utc {
            let diff = (l - u).num_seconds();
            if diff.abs() > 14 * 3600 + lag.end().abs().max(lag.start().abs()) {
                continue;
            }
            let offset = ((diff - lag.start()) as f64 / QUARTER as f64).floor() as i64 * QUARTER;
            let candidates = [offset, offset + QUARTER];
            if let Some(o) = candidates.into_iter().find(|o| lag.contains(&(diff - o))) {
                if o.abs() <= 14 * 3600 {
                    out.push(o);
                }
            }
        }
    }
    out
}

/// Records one paired instant: `local` and `utc` written for the same moment.
pub fn observe(local: NaiveDateTime, utc: NaiveDateTime) -> Option<ZoneObservation> {
    quantize_offset((local - utc).num_seconds())
}

impl LocalClock {
    /// Chooses the rule: a given zone, else the bundle's zone, else the most agreed inferred offset, else UTC.
    pub fn choose(
        given: Option<Zone>,
        bundle_zone: Option<(Zone, String)>,
        observations: &ZoneVotes,
    ) -> Self {
        if let Some(zone) = given {
            let basis = TimeBasis::LocalGiven { zone: zone.name() };
            return LocalClock { zone: Some(zone), basis };
        }
        if let Some((zone, from)) = bundle_zone {
            let basis = TimeBasis::LocalZone { zone: zone.name(), from };
            return LocalClock { zone: Some(zone), basis };
        }
        if let Some((offset, agreeing)) = observations.mode() {
            let zone = Zone::Fixed(offset);
            let basis =
                TimeBasis::LocalInferred { offset: zone.name(), agreeing, observed: observations.total() };
            return LocalClock { zone: Some(zone), basis };
        }
        LocalClock { zone: None, basis: TimeBasis::LocalAssumedUtc }
    }

    /// The basis local-time sources get.
    pub fn basis(&self) -> &TimeBasis {
        &self.basis
    }

    /// The clock of a source whose zoneless timestamps are UTC although the bundle's are `instead_of`:
    /// `runs` of its backup runs said so.
    pub fn naive_utc(runs: usize, instead_of: &LocalClock) -> Self {
        LocalClock {
            zone: None,
            basis: TimeBasis::NaiveReadAsUtc { runs, instead_of: instead_of.basis.label() },
        }
    }

    /// Converts a source timestamp to UTC.
    pub fn to_utc(&self, t: SourceTime) -> DateTime<Utc> {
        match t {
            SourceTime::Utc(n) => n.and_utc(),
            SourceTime::Local(n) => match &self.zone {
                Some(zone) => zone.local_to_utc(n),
                None => n.and_utc(),
            },
        }
    }

    /// The basis of a source, from whether it wrote UTC and/or local timestamps.
    pub fn basis_for(&self, has_utc: bool, has_local: bool) -> TimeBasis {
        match (has_utc, has_local) {
            (_, true) => self.basis.clone(),
            (true, false) => TimeBasis::Utc,
            (false, false) => TimeBasis::Untimed,
        }
    }
}

/// Zone observations tallied by offset: a log whose clocks alternate on every line gives millions of
/// observations and a handful of distinct offsets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneVotes {
    counts: std::collections::BTreeMap<ZoneObservation, usize>,
    total: usize,
}

impl ZoneVotes {
    /// Counts one observation.
    pub fn add(&mut self, observation: ZoneObservation) {
        *self.counts.entry(observation).or_default() += 1;
        self.total += 1;
    }

    /// Counts every observation of `other`.
    pub fn merge(&mut self, other: &ZoneVotes) {
        for (&offset, &n) in &other.counts {
            *self.counts.entry(offset).or_default() += n;
        }
        self.total += other.total;
    }

    /// How many observations were counted.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The most frequent offset and how often it occurs; ties go to the smaller absolute offset.
    fn mode(&self) -> Option<(i64, usize)> {
        self.counts.iter().map(|(&o, &n)| (o, n)).max_by(|a, b| a.1.cmp(&b.1).then(b.0.abs().cmp(&a.0.abs())))
    }
}

impl Extend<ZoneObservation> for ZoneVotes {
    fn extend<I: IntoIterator<Item = ZoneObservation>>(&mut self, observations: I) {
        for o in observations {
            self.add(o);
        }
    }
}

impl FromIterator<ZoneObservation> for ZoneVotes {
    fn from_iter<I: IntoIterator<Item = ZoneObservation>>(observations: I) -> Self {
        let mut votes = ZoneVotes::default();
        votes.extend(observations);
        votes
    }
}

/// Formats an offset in seconds as `+HH:MM`.
pub fn format_offset(seconds: i64) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.abs();
    format!("{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
}

/// Whole minutes between two instants, for messages.
pub fn minutes_between(a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
    (b - a).num_minutes()
}

/// A duration in a compact human form (`3h 05m`, `42m`, `2d 4h`).
pub fn human_duration(d: Duration) -> String {
    let mins = d.num_minutes().abs();
    let (days, hours, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    if mins == 0 {
        format!("{}s", d.num_seconds().abs())
    } else if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {m:02}m")
    } else {
        format!("{m}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn offsets_are_quantized_to_quarter_hours() {
        assert_eq!(observe(dt("2024-01-01 12:01:10"), dt("2024-01-01 10:00:00")), Some(7200));
        assert_eq!(observe(dt("2024-01-01 05:29:00"), dt("2024-01-01 00:00:00")), Some(5 * 3600 + 1800));
        assert_eq!(observe(dt("2024-01-02 00:00:00"), dt("2024-01-01 00:00:00")), None);
    }

    #[test]
    fn inferred_offset_converts_local_time() {
        let clock = LocalClock::choose(None, None, &ZoneVotes::from_iter([7200, 7200, 3600]));
        assert_eq!(
            clock.basis(),
            &TimeBasis::LocalInferred { offset: "+02:00".into(), agreeing: 2, observed: 3 }
        );
        let utc = clock.to_utc(SourceTime::Local(dt("2024-01-01 12:00:00")));
        assert_eq!(rfc3339(utc), "2024-01-01T10:00:00.000000Z");
        assert_eq!(
            rfc3339(clock.to_utc(SourceTime::Utc(dt("2024-01-01 12:00:00")))),
            "2024-01-01T12:00:00.000000Z"
        );
    }

    #[test]
    fn precedence_given_then_bundle_then_inferred_then_utc() {
        let given = LocalClock::choose(
            Some(Zone::Fixed(-5 * 3600)),
            Some((Zone::Fixed(3600), "x".into())),
            &ZoneVotes::from_iter([7200]),
        );
        assert_eq!(given.basis().label(), "local-given -05:00");
        let bundle = LocalClock::choose(
            None,
            Some((Zone::Fixed(3600), "etc/timezone".into())),
            &ZoneVotes::from_iter([7200]),
        );
        assert_eq!(bundle.basis().label(), "local-zone +01:00");
        assert_eq!(
            LocalClock::choose(None, None, &ZoneVotes::default()).basis(),
            &TimeBasis::LocalAssumedUtc
        );
        assert_eq!(
            LocalClock::choose(None, None, &ZoneVotes::default()).basis_for(true, false),
            TimeBasis::Utc
        );
    }

    #[test]
    fn paired_instants_vote_for_the_true_offset() {
        let utc = [dt("2024-01-01 10:00:00"), dt("2024-01-02 10:00:00"), dt("2024-01-03 10:00:00")];
        let local = [dt("2024-01-01 13:00:40"), dt("2024-01-02 13:01:10"), dt("2024-01-03 12:59:50")];
        let votes = pair_votes(&utc, &local, -120..=120);
        assert_eq!(votes, vec![10800, 10800, 10800]);
        // A lag that must be positive rejects the instant written 10 s early.
        assert_eq!(pair_votes(&utc, &local, 0..=120), vec![10800, 10800]);
        assert!(pair_votes(&utc, &[dt("2024-01-01 13:07:30")], -120..=120).is_empty());
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(Duration::minutes(42)), "42m");
        assert_eq!(human_duration(Duration::seconds(18)), "18s");
        assert_eq!(human_duration(Duration::minutes(185)), "3h 05m");
        assert_eq!(human_duration(Duration::minutes(3000)), "2d 2h");
        assert_eq!(format_offset(-(5 * 3600 + 1800)), "-05:30");
    }
}
