//! The timeline picture: an inline SVG with a time axis, one lane for the backup runs and one lane per
//! source that gave evidence, each finding's evidence as marks on its source's lane and its correlation
//! window shaded behind them.

use std::fmt::Write;

use chrono::{DateTime, Duration, Utc};

use super::escape::esc;
use crate::model::{Finding, Severity};
use crate::runs::{BackupRun, RunOutcome};

/// Picture width in user units (the page scales it).
const WIDTH: f64 = 1200.0;
/// Room for the lane labels on the left.
const LABEL_WIDTH: f64 = 250.0;
const RIGHT_MARGIN: f64 = 20.0;
const AXIS_HEIGHT: f64 = 34.0;
const LANE_HEIGHT: f64 = 26.0;
/// A span longer than this also gets a zoomed picture around the latest failed run.
const ZOOM_WHEN_LONGER_THAN_HOURS: i64 = 6;
/// How far the zoomed picture reaches on each side of that run.
const ZOOM_MARGIN_HOURS: i64 = 1;

/// One picture and what it shows.
#[derive(Debug, Clone)]
pub struct Picture {
    /// A caption (`whole span`, `run-5 ± 1 h`).
    pub caption: String,
    /// The `<svg>` element.
    pub svg: String,
}

/// An inclusive time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Left edge.
    pub from: DateTime<Utc>,
    /// Right edge.
    pub to: DateTime<Utc>,
}

impl Span {
    fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && t <= self.to
    }

    fn overlaps(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
        a <= self.to && b >= self.from
    }

    fn seconds(&self) -> f64 {
        ((self.to - self.from).num_milliseconds() as f64 / 1000.0).max(1.0)
    }
}

/// The pictures the report shows: the whole span of runs and evidence, and, when that is long, a zoom on
/// the latest failed run (else on the most severe finding). Empty when nothing has a time.
pub fn pictures(runs: &[BackupRun], findings: &[Finding]) -> Vec<Picture> {
    let Some(whole) = overall_span(runs, findings) else {
        return Vec::new();
    };
    let mut out = vec![Picture {
        caption: format!(
            "{} → {}",
            whole.from.format("%Y-%m-%d %H:%M"),
            whole.to.format("%Y-%m-%d %H:%M UTC")
        ),
        svg: timeline_svg(runs, findings, padded(whole)),
    }];
    if whole.to - whole.from > Duration::hours(ZOOM_WHEN_LONGER_THAN_HOURS) {
        if let Some((label, focus)) = zoom_focus(runs, findings) {
            let margin = Duration::hours(ZOOM_MARGIN_HOURS);
            let span = Span { from: focus.from - margin, to: focus.to + margin };
            out.push(Picture {
                caption: format!("zoom: {label} ± {ZOOM_MARGIN_HOURS} h"),
                svg: timeline_svg(runs, findings, span),
            });
        }
    }
    out
}

/// What the zoomed picture centres on: the latest failed or stuck run, else the most severe finding.
fn zoom_focus(runs: &[BackupRun], findings: &[Finding]) -> Option<(String, Span)> {
    let failed = runs.iter().rev().find(|r| r.outcome.is_failure()).and_then(|r| Some((r, r.span()?)));
    if let Some((run, (from, to))) = failed {
        return Some((run.id.clone(), Span { from, to }));
    }
    findings.iter().find_map(|f| {
        let from = f.first_seen?.0;
        let to = f.last_seen.map_or(from, |t| t.0).max(from);
        // A finding spanning days gains nothing from a two-hour zoom on its whole window.
        let to = to.min(from + Duration::hours(ZOOM_WHEN_LONGER_THAN_HOURS));
        Some((f.id.clone(), Span { from, to }))
    })
}

/// The span of every run and every dated piece of evidence.
fn overall_span(runs: &[BackupRun], findings: &[Finding]) -> Option<Span> {
    let run_times = runs.iter().filter_map(BackupRun::span).flat_map(|(a, b)| [a, b]);
    let evidence_times = findings
        .iter()
        .flat_map(|f| f.evidence.iter().filter_map(|e| e.timestamp).chain(f.first_seen).chain(f.last_seen))
        .map(|t| t.0);
    let all: Vec<DateTime<Utc>> = run_times.chain(evidence_times).collect();
    let from = *all.iter().min()?;
    let to = *all.iter().max()?;
    Some(Span { from, to })
}

/// A span with a little room on both sides (at least a minute).
fn padded(span: Span) -> Span {
    let pad = ((span.to - span.from) / 40).max(Duration::minutes(1));
    Span { from: span.from - pad, to: span.to + pad }
}

/// The lanes: runs first, then every source that gave dated evidence in `span`, by path.
fn source_lanes(findings: &[Finding], span: Span) -> Vec<String> {
    let mut paths: Vec<String> = findings
        .iter()
        .flat_map(|f| &f.evidence)
        .filter(|e| e.timestamp.is_some_and(|t| span.contains(t.0)))
        .map(|e| e.path.clone())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// The file name of a member path (`outer.zip!/dir/file.log` → `file.log`).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\', '!']).find(|s| !s.is_empty()).unwrap_or(path)
}

/// Fill colour of a run bar.
pub fn outcome_colour(outcome: RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::Success => "#2e9e4f",
        RunOutcome::Warning => "#c9a400",
        RunOutcome::Failed => "#d62f2f",
        RunOutcome::Stuck => "#f08c00",
        RunOutcome::Unknown => "#9aa0a6",
    }
}

/// Colour of a finding's marks and window.
pub fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#a3161a",
        Severity::Error => "#d62f2f",
        Severity::Warning => "#e08600",
        Severity::Info => "#3b6fd0",
    }
}

/// One picture of `span`.
pub fn timeline_svg(runs: &[BackupRun], findings: &[Finding], span: Span) -> String {
    let lanes = source_lanes(findings, span);
    let height = AXIS_HEIGHT + LANE_HEIGHT * (lanes.len() + 1) as f64 + 8.0;
    let plot_right = WIDTH - RIGHT_MARGIN;
    let x = |t: DateTime<Utc>| -> f64 {
        let secs = (t - span.from).num_milliseconds() as f64 / 1000.0;
        LABEL_WIDTH + (secs / span.seconds()).clamp(0.0, 1.0) * (plot_right - LABEL_WIDTH)
    };
    let lane_top = |i: usize| AXIS_HEIGHT + LANE_HEIGHT * i as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" role=\"img\" font-family=\"system-ui, sans-serif\" font-size=\"12\">"
    );
    let _ = write!(
        s,
        "<title>Timeline {} to {} UTC</title>",
        span.from.format("%Y-%m-%d %H:%M:%S"),
        span.to.format("%Y-%m-%d %H:%M:%S")
    );
    // Lane backgrounds and labels.
    let mut labels = vec![("backup runs".to_string(), "backup runs of the extension".to_string())];
    labels.extend(lanes.iter().map(|p| (file_name(p).to_string(), p.clone())));
    for (i, (label, full)) in labels.iter().enumerate() {
        let top = lane_top(i);
        let fill = if i % 2 == 0 { "#f4f6f8" } else { "#ffffff" };
        let _ = write!(
            s,
            "<g class=\"lane\"><rect x=\"0\" y=\"{top}\" width=\"{WIDTH}\" height=\"{LANE_HEIGHT}\" fill=\"{fill}\"/>\
             <text x=\"6\" y=\"{ty:.1}\" fill=\"#333\"><title>{t}</title>{l}</text></g>",
            ty = top + LANE_HEIGHT / 2.0 + 4.0,
            t = esc(full),
            l = esc(&clip(label, 34)),
        );
    }
    axis(&mut s, span, height, &x);
    // Correlation windows, behind the marks.
    let bottom = lane_top(labels.len());
    for f in findings {
        let (Some(a), Some(b)) = (f.first_seen, f.last_seen) else { continue };
        if !span.overlaps(a.0, b.0) {
            continue;
        }
        let (x0, x1) = (x(a.0), x(b.0));
        let _ = write!(
            s,
            "<rect class=\"window\" x=\"{x0:.1}\" y=\"{AXIS_HEIGHT}\" width=\"{w:.1}\" height=\"{h}\" fill=\"{c}\" \
             fill-opacity=\"0.12\" stroke=\"{c}\" stroke-opacity=\"0.35\"><title>{id}: {from} → {to}</title></rect>",
            w = (x1 - x0).max(2.0),
            h = bottom - AXIS_HEIGHT,
            c = severity_colour(f.severity),
            id = esc(&f.id),
            from = a.human(),
            to = b.human(),
        );
    }
    // Runs.
    for run in runs {
        let Some((a, b)) = run.span() else { continue };
        if !span.overlaps(a, b) {
            continue;
        }
        let (x0, x1) = (x(a), x(b));
        let _ = write!(
            s,
            "<rect class=\"run run-{o}\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"2\" \
             fill=\"{c}\"><title>{id} (seq {seq}): {o}, {code}, {from} → {to}</title></rect>",
            o = run.outcome.as_str(),
            y = lane_top(0) + 5.0,
            w = (x1 - x0).max(4.0),
            h = LANE_HEIGHT - 10.0,
            c = outcome_colour(run.outcome),
            id = esc(&run.id),
            seq = run.seq.map_or_else(|| "-".to_string(), |n| n.to_string()),
            code = esc(&run.code_label()),
            from = crate::model::human_time(a),
            to = crate::model::human_time(b),
        );
    }
    // Evidence marks.
    for f in findings {
        for e in &f.evidence {
            let Some(t) = e.timestamp.filter(|t| span.contains(t.0)) else { continue };
            let Some(lane) = lanes.iter().position(|p| *p == e.path) else { continue };
            let cy = lane_top(lane + 1) + LANE_HEIGHT / 2.0;
            let place = match (e.line, e.record_id) {
                (Some(l), _) => format!("{}:{l}", e.path),
                (None, Some(r)) => format!("{}#{r}", e.path),
                (None, None) => e.path.clone(),
            };
            let _ = write!(
                s,
                "<circle class=\"mark\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"5\" fill=\"{c}\" stroke=\"#fff\" \
                 stroke-width=\"1\"><title>{time} · {place} · {id}\n{text}</title></circle>",
                cx = x(t.0),
                c = severity_colour(f.severity),
                time = t.human(),
                place = esc(&place),
                id = esc(&f.id),
                text = esc(&clip(&e.text, 300)),
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Tick marks and their labels along the top.
fn axis(s: &mut String, span: Span, height: f64, x: &dyn Fn(DateTime<Utc>) -> f64) {
    let step = tick_step(span);
    let step_s = step.num_seconds().max(1);
    let first = span.from.timestamp().div_euclid(step_s) * step_s + step_s;
    let multi_day = span.from.date_naive() != span.to.date_naive();
    let format = if step >= Duration::days(1) {
        "%Y-%m-%d"
    } else if step < Duration::minutes(1) {
        "%H:%M:%S"
    } else if multi_day {
        "%m-%d %H:%M"
    } else {
        "%H:%M"
    };
    let _ = write!(
        s,
        "<line x1=\"{LABEL_WIDTH}\" y1=\"{y:.1}\" x2=\"{x2}\" y2=\"{y:.1}\" stroke=\"#888\"/>",
        y = AXIS_HEIGHT - 0.5,
        x2 = WIDTH - RIGHT_MARGIN
    );
    let mut t = first;
    while t <= span.to.timestamp() {
        let Some(at) = DateTime::<Utc>::from_timestamp(t, 0) else { break };
        let tx = x(at);
        // A label too close to the right edge would run off the picture: that tick keeps only its line.
        let label = if tx > WIDTH - RIGHT_MARGIN - 36.0 {
            String::new()
        } else {
            format!(
                "<text x=\"{tx:.1}\" y=\"{ty}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
                at.format(format),
                ty = AXIS_HEIGHT - 12.0
            )
        };
        let _ = write!(
            s,
            "<g class=\"tick\"><line x1=\"{tx:.1}\" y1=\"{y0}\" x2=\"{tx:.1}\" y2=\"{height:.1}\" stroke=\"#ccc\" \
             stroke-dasharray=\"2 3\"/>{label}</g>",
            y0 = AXIS_HEIGHT - 6.0,
        );
        t += step_s;
    }
    if !multi_day || step < Duration::days(1) {
        let _ = write!(
            s,
            "<text x=\"6\" y=\"{ty}\" fill=\"#555\">{day} UTC</text>",
            ty = AXIS_HEIGHT - 12.0,
            day = span.from.format("%Y-%m-%d"),
        );
    }
}

/// A round tick interval giving at most about ten ticks over `span`.
fn tick_step(span: Span) -> Duration {
    const STEPS: &[i64] = &[
        1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172_800, 604_800,
        2_592_000,
    ];
    let total = span.seconds();
    let secs = STEPS.iter().copied().find(|s| total / *s as f64 <= 10.0).unwrap_or(31_536_000);
    Duration::seconds(secs)
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Confidence, Evidence, Timestamp};
    use chrono::TimeZone;
    use quick_xml::events::Event;

    fn at(h: u32, m: u32) -> Timestamp {
        Timestamp(Utc.with_ymd_and_hms(2024, 6, 7, h, m, 0).unwrap())
    }

    fn evidence(path: &str, t: Timestamp, text: &str) -> Evidence {
        Evidence { path: path.into(), line: Some(3), record_id: None, timestamp: Some(t), text: text.into() }
    }

    fn finding(id: &str, evidence: Vec<Evidence>) -> Finding {
        Finding {
            id: id.into(),
            severity: Severity::Critical,
            confidence: Confidence::High,
            error_codes: vec![],
            title: "t".into(),
            summary: "s".into(),
            window: None,
            first_seen: evidence.iter().filter_map(|e| e.timestamp).min(),
            last_seen: evidence.iter().filter_map(|e| e.timestamp).max(),
            evidence_total: evidence.len(),
            evidence,
            remediation: vec![],
            caused_by: None,
        }
    }

    fn run(id: &str, outcome: RunOutcome, from: Timestamp, to: Timestamp) -> BackupRun {
        BackupRun {
            id: id.into(),
            seq: Some(7),
            task_id: None,
            started: Some(from),
            ended: Some(to),
            outcome,
            code: None,
            error_name: None,
            message: None,
            phases: vec![],
            evidence: vec![],
            root_cause: None,
            contributing: vec![],
        }
    }

    /// Parses `svg` as XML and counts start/empty elements whose class starts with `class`.
    fn count_class(svg: &str, class: &str) -> usize {
        let mut reader = quick_xml::Reader::from_str(svg);
        reader.config_mut().check_end_names = true;
        let mut n = 0;
        loop {
            match reader.read_event().expect("valid XML") {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let has = e
                        .attributes()
                        .flatten()
                        .any(|a| a.key.as_ref() == "class" && a.value.split(' ').next() == Some(class));
                    n += usize::from(has);
                }
                _ => {}
            }
        }
        n
    }

    #[test]
    fn one_lane_per_source_a_mark_per_dated_evidence_and_a_bar_per_run() {
        let findings = vec![
            finding(
                "crash",
                vec![
                    evidence("Logs/Application.evtx", at(23, 4), "crash <script>alert(1)</script> & \"x\""),
                    evidence("Logs/Application.evtx", at(23, 5), "again"),
                    evidence("Status/645.status", at(23, 8), "failed"),
                ],
            ),
            finding("other", vec![evidence("Status/645.status", at(22, 0), "warn")]),
        ];
        let runs = vec![
            run("run-1", RunOutcome::Success, at(21, 0), at(21, 2)),
            run("run-2", RunOutcome::Failed, at(23, 4), at(23, 8)),
        ];
        let span = Span { from: at(20, 0).0, to: at(23, 59).0 };
        let svg = timeline_svg(&runs, &findings, span);
        assert_eq!(count_class(&svg, "lane"), 3, "runs lane plus two sources");
        assert_eq!(count_class(&svg, "mark"), 4);
        assert_eq!(count_class(&svg, "run"), 2);
        assert_eq!(count_class(&svg, "window"), 2);
        assert!(count_class(&svg, "tick") >= 3);
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"), "{svg}");
        assert!(!svg.contains("<script"));
        assert!(svg.contains("Application.evtx:3"));
    }

    #[test]
    fn marks_outside_the_span_are_left_out_with_their_lane() {
        let findings = vec![finding(
            "f",
            vec![evidence("a.log", at(10, 0), "early"), evidence("b.log", at(23, 0), "late")],
        )];
        let span = Span { from: at(22, 0).0, to: at(23, 30).0 };
        let svg = timeline_svg(&[], &findings, span);
        assert_eq!(count_class(&svg, "lane"), 2);
        assert_eq!(count_class(&svg, "mark"), 1);
    }

    #[test]
    fn a_long_span_gets_a_zoom_on_the_latest_failed_run_where_a_crash_minutes_before_stands_apart() {
        let day0 = Timestamp(Utc.with_ymd_and_hms(2024, 6, 3, 23, 0, 0).unwrap());
        let findings = vec![finding(
            "crash",
            vec![evidence("app.evtx", at(23, 4), "crash"), evidence("645.status", at(23, 8), "failed")],
        )];
        let runs = vec![
            run("run-1", RunOutcome::Success, day0, Timestamp(day0.0 + Duration::minutes(2))),
            run("run-5", RunOutcome::Failed, at(23, 4), at(23, 8)),
        ];
        let pics = pictures(&runs, &findings);
        assert_eq!(pics.len(), 2);
        assert!(pics[1].caption.contains("run-5"), "{}", pics[1].caption);
        assert_eq!(count_class(&pics[1].svg, "run"), 1, "only the failed run is in the zoom");
        let xs: Vec<f64> = pics[1]
            .svg
            .match_indices("class=\"mark\" cx=\"")
            .map(|(i, m)| {
                let rest = &pics[1].svg[i + m.len()..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(xs.len(), 2);
        assert!((xs[1] - xs[0]).abs() > 20.0, "four minutes apart must be visibly apart: {xs:?}");
        // A short span needs no zoom, and nothing dated means no picture.
        assert_eq!(pictures(&runs[1..], &findings).len(), 1);
        assert!(pictures(&[], &[]).is_empty());
    }

    #[test]
    fn ticks_stay_few_and_name_days_over_long_spans() {
        let span = Span { from: at(0, 0).0, to: at(0, 0).0 + Duration::days(5) };
        let svg = timeline_svg(&[], &[], span);
        let ticks = count_class(&svg, "tick");
        assert!((3..=11).contains(&ticks), "{ticks}");
        assert!(svg.contains("06-08 00:00") || svg.contains("2024-06-08"), "{svg}");
        assert_eq!(file_name("outer.zip!/var/log/waagent.log"), "waagent.log");
        assert_eq!(file_name("C:\\Logs\\x.evtx"), "x.evtx");
    }
}
