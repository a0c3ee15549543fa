//! Plain words the human formats share: counted nouns, times, how a source's clock was read, the
//! verdict, what they show and in which order, and wrapping prose to a width.

use super::Report;
use crate::facts::FactsReport;
use crate::model::{Evidence, Finding, Timestamp};
use crate::runs::job::JobFocus;
use crate::runs::BackupRun;
use crate::timeline::TimeBasis;

/// `n` and the noun, in the singular or plural as `n` asks: `1 time`, `3 times`, `2 failed calls`.
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {}", plural(n, noun))
}

/// The noun as `n` asks for: itself for one, else its plural (`entry` → `entries`, `match` → `matches`).
/// Only the last word changes (`failed call` → `failed calls`).
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        return noun.to_string();
    }
    let lower = noun.to_ascii_lowercase();
    let consonant_y = lower.ends_with('y')
        && !matches!(lower.chars().rev().nth(1), Some('a' | 'e' | 'i' | 'o' | 'u') | None);
    if lower.ends_with("sis") {
        format!("{}ses", &noun[..noun.len() - 3])
    } else if consonant_y {
        format!("{}ies", &noun[..noun.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"].iter().any(|end| lower.ends_with(end)) {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

/// A time as people read it (`2025-04-11 01:03:31 UTC`), or `-`.
pub fn time(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "-".to_string(), |t| t.human())
}

/// A time without its zone, for columns whose heading says UTC (`2025-04-11 01:03:31`), or `-`.
pub fn time_short(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "-".to_string(), |t| t.0.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// An evidence line as the human formats print it next to its time: without the RFC 3339 timestamp it
/// starts with when that is its own time (the time column already says it, in plain words).
pub fn evidence_text(e: &Evidence) -> &str {
    let text = e.text.trim();
    let Some(at) = e.timestamp else { return text };
    let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    match chrono::DateTime::parse_from_rfc3339(first) {
        Ok(t) if t.timestamp() == at.0.timestamp() => rest.trim_start(),
        _ => text,
    }
}

/// How a source's timestamps were read, in words: `UTC`, `local time in Europe/Berlin (from
/// etc/timezone)`, `local time, zone +05:30 inferred from 12 cross-source observations`.
pub fn time_basis(basis: &TimeBasis) -> String {
    match basis {
        TimeBasis::Utc => "UTC".into(),
        TimeBasis::LocalGiven { zone } => format!("local time in {zone} (given with --timezone-assume)"),
        TimeBasis::LocalZone { zone, from } => format!("local time in {zone} (from {from})"),
        TimeBasis::LocalInferred { offset, agreeing, observed } => {
            let seen = if agreeing == observed {
                count(*observed, "cross-source observation")
            } else {
                format!("{agreeing} of {}", count(*observed, "cross-source observation"))
            };
            format!("local time, zone {offset} inferred from {seen}")
        }
        TimeBasis::LocalAssumedUtc => "local time, zone unknown: read as UTC".into(),
        TimeBasis::NaiveReadAsUtc { runs, .. } => format!(
            "no zone written, read as UTC: {} line up with their status files only so",
            count(*runs, "backup run")
        ),
        TimeBasis::Untimed => "no timestamps".into(),
    }
}

/// How the bundle's local-time logs were read, in words, when some were: the basis of the first source
/// written in local time (all share the bundle's one rule), else the label the facts keep.
pub fn local_clock(facts: &FactsReport) -> Option<String> {
    let local = facts.sources.iter().find(|s| s.basis.is_bundle_local());
    match local {
        Some(source) => Some(time_basis(&source.basis)),
        None => facts.time_zone.clone(),
    }
}

/// The machine the bundle comes from, in words: `VM mysql-02`, `VM web-01, host web-01b`, `host
/// sql-prod-01` (no VM name known); another name some sources give is named (`also seen: TEMPLATE01`).
pub fn machine(facts: &FactsReport) -> Option<String> {
    use crate::facts::identity::{primary, IdentityKind};
    let vm = primary(&facts.identity, IdentityKind::VmName);
    let host = primary(&facts.identity, IdentityKind::Hostname);
    let mut text = match (vm, host) {
        (Some(vm), Some(host)) if vm.eq_ignore_ascii_case(host) => format!("VM {vm}"),
        (Some(vm), Some(host)) => format!("VM {vm}, host {host}"),
        (Some(vm), None) => format!("VM {vm}"),
        (None, Some(host)) => format!("host {host}"),
        (None, None) => return None,
    };
    let others: Vec<&str> = facts
        .identity
        .iter()
        .filter(|n| n.kind != IdentityKind::ContainerId)
        .filter(|n| Some(n.value.as_str()) != primary(&facts.identity, n.kind))
        .map(|n| n.value.as_str())
        .collect();
    if !others.is_empty() {
        text.push_str(&format!("; also seen: {}", others.join(", ")));
    }
    Some(text)
}

/// Wraps `text` to lines of at most `width` chars: the first line starts with `first`, the others
/// with `rest` (a hanging indent). Breaks at spaces; a word longer than a line is cut. Line breaks in
/// `text` are kept.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut indent_len = first.chars().count();
    let mut len = indent_len;
    let mut fresh = true;
    for (i, source_line) in text.lines().enumerate() {
        if i > 0 {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            indent_len = rest.chars().count();
            len = indent_len;
            fresh = true;
        }
        for word in source_line.split_whitespace() {
            let word_len = word.chars().count();
            let room = width.saturating_sub(len + usize::from(!fresh));
            if !fresh && word_len > room {
                lines.push(std::mem::replace(&mut line, rest.to_string()));
                indent_len = rest.chars().count();
                len = indent_len;
                fresh = true;
            }
            if !fresh {
                line.push(' ');
                len += 1;
            }
            let mut chars = word.chars().peekable();
            while chars.peek().is_some() {
                if len >= width && len > indent_len {
                    lines.push(std::mem::replace(&mut line, rest.to_string()));
                    indent_len = rest.chars().count();
                    len = indent_len;
                    continue;
                }
                let room = width.saturating_sub(len).max(1);
                let piece: String = chars.by_ref().take(room).collect();
                len += piece.chars().count();
                line.push_str(&piece);
                if chars.peek().is_some() {
                    lines.push(std::mem::replace(&mut line, rest.to_string()));
                    indent_len = rest.chars().count();
                    len = indent_len;
                }
            }
            fresh = false;
        }
    }
    lines.push(line);
    lines.into_iter().map(|l| l.trim_end().to_string()).collect()
}

/// Runs a human report lists in full before it hides the rest.
pub const RUNS_SHOWN_ALL: usize = 8;
/// The latest runs always shown.
pub const RUNS_LATEST: usize = 5;

/// The findings in reading order: each cause followed by its consequences (a consequence whose cause is
/// not in the report stands on its own), otherwise the report's order (most severe first).
pub fn reading_order(findings: &[Finding]) -> Vec<&Finding> {
    let present = |id: &str| findings.iter().any(|f| f.id == id);
    let is_root = |f: &Finding| f.caused_by.as_deref().is_none_or(|c| !present(c) || c == f.id);
    let mut out: Vec<&Finding> = Vec::with_capacity(findings.len());
    fn visit<'a>(f: &'a Finding, all: &'a [Finding], out: &mut Vec<&'a Finding>) {
        if out.iter().any(|o| std::ptr::eq(*o, f)) {
            return;
        }
        out.push(f);
        for c in all.iter().filter(|c| c.caused_by.as_deref() == Some(f.id.as_str()) && c.id != f.id) {
            visit(c, all, out);
        }
    }
    for f in findings.iter().filter(|f| is_root(f)) {
        visit(f, findings, &mut out);
    }
    // A cycle of consequences has no root: its members keep the report's order.
    for f in findings {
        visit(f, findings, &mut out);
    }
    out
}

/// The runs a human report shows: all of a few; of many, the failed ones and the latest
/// [`RUNS_LATEST`], in time order, with how many are left out.
pub fn shown_runs(runs: &[BackupRun]) -> (Vec<&BackupRun>, usize) {
    if runs.len() <= RUNS_SHOWN_ALL {
        return (runs.iter().collect(), 0);
    }
    let latest = runs.len() - RUNS_LATEST;
    let shown: Vec<&BackupRun> = runs
        .iter()
        .enumerate()
        .filter(|(i, r)| *i >= latest || r.outcome.is_failure())
        .map(|(_, r)| r)
        .collect();
    let hidden = runs.len() - shown.len();
    (shown, hidden)
}

/// The finding the verdict leads with: the most severe one that is not a consequence of another.
pub fn leading_finding(findings: &[Finding]) -> Option<&Finding> {
    reading_order(findings).into_iter().next()
}

/// The one-sentence verdict: the leading finding and the codes it explains, or — with no finding — that
/// nothing was found in what was read, and what that was (never an all-clear).
pub fn verdict(report: &Report) -> String {
    match leading_finding(&report.findings) {
        Some(lead) => {
            let mut text = format!(
                "{}: {} — {}",
                lead.severity.as_str().to_uppercase(),
                lead.id,
                lead.title.trim_end_matches('.')
            );
            if !lead.error_codes.is_empty() {
                text.push_str(&format!("; explains {}", lead.error_codes.join(", ")));
            }
            text.push('.');
            let others = report.findings.len() - 1;
            if others > 0 {
                text.push_str(&format!(" {others} more {} below.", plural(others, "finding")));
            }
            text
        }
        None => {
            let mut text = format!(
                "No backup-relevant problem found in what was read: {}",
                report.coverage.summary.trim_end_matches('.')
            );
            text.push('.');
            if !report.undecided.is_empty() {
                text.push_str(&format!(
                    " {} could not decide (see Undecided).",
                    count(report.undecided.len(), "diagnosis")
                ));
            }
            text
        }
    }
}

/// What the job focus says, in one paragraph: the job asked about, then the answer.
pub fn job_line(job: &JobFocus) -> String {
    let mut asked = Vec::new();
    if let Some(code) = &job.error_code {
        asked.push(code.clone());
    }
    if let Some(t) = job.time {
        asked.push(format!("at {}", t.human()));
    }
    let asked = if asked.is_empty() { String::new() } else { format!(" {}", asked.join(" ")) };
    let run = job.run.as_deref().map(|r| format!(" (matches {r})")).unwrap_or_default();
    format!("Job{asked}{run}: {}", job.verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_is_named_by_its_vm_name_and_a_differing_host_name() {
        use crate::facts::identity::{summarise, IdentityFact, IdentityKind};
        let facts = |names: &[(IdentityKind, &str)]| FactsReport {
            identity: summarise(
                &names
                    .iter()
                    .enumerate()
                    .map(|(i, (kind, value))| IdentityFact {
                        path: format!("m{i}"),
                        kind: *kind,
                        value: (*value).into(),
                    })
                    .collect::<Vec<_>>(),
            ),
            ..FactsReport::default()
        };
        use IdentityKind::*;
        assert_eq!(machine(&facts(&[])), None);
        assert_eq!(machine(&facts(&[(VmName, "web-01"), (Hostname, "WEB-01")])).unwrap(), "VM web-01");
        assert_eq!(
            machine(&facts(&[(VmName, "web-01"), (Hostname, "web01b")])).unwrap(),
            "VM web-01, host web01b"
        );
        assert_eq!(
            machine(&facts(&[(Hostname, "sql1.corp"), (ContainerId, "abc")])).unwrap(),
            "host sql1.corp"
        );
        let mixed = facts(&[(Hostname, "sql1"), (Hostname, "sql1"), (Hostname, "TEMPLATE01")]);
        assert_eq!(machine(&mixed).unwrap(), "host sql1; also seen: TEMPLATE01");
    }

    #[test]
    fn counts_say_one_or_many() {
        assert_eq!(count(1, "time"), "1 time");
        assert_eq!(count(3, "time"), "3 times");
        assert_eq!(count(0, "failure"), "0 failures");
        assert_eq!(count(2, "entry"), "2 entries");
        assert_eq!(count(2, "day"), "2 days");
        assert_eq!(count(2, "match"), "2 matches");
        assert_eq!(count(2, "diagnosis"), "2 diagnoses");
        assert_eq!(count(4, "status file"), "4 status files");
        assert_eq!(count(1, "status file"), "1 status file");
    }

    #[test]
    fn evidence_drops_the_timestamp_its_time_column_says() {
        let at = chrono::DateTime::parse_from_rfc3339("2024-07-12T07:48:29Z").unwrap().to_utc();
        let mut e = Evidence {
            path: "var/log/waagent.log".into(),
            line: Some(440),
            record_id: None,
            timestamp: Some(Timestamp(at)),
            text: "2024-07-12T07:48:29.000000Z ERROR ExtHandler failing".into(),
        };
        assert_eq!(evidence_text(&e), "ERROR ExtHandler failing");
        e.timestamp = Some(Timestamp(at + chrono::Duration::hours(2)));
        assert_eq!(evidence_text(&e), e.text, "another time is part of the line");
    }

    #[test]
    fn time_bases_in_words() {
        let inferred = TimeBasis::LocalInferred { offset: "+05:30".into(), agreeing: 12, observed: 12 };
        assert_eq!(
            time_basis(&inferred),
            "local time, zone +05:30 inferred from 12 cross-source observations"
        );
        let split = TimeBasis::LocalInferred { offset: "+02:00".into(), agreeing: 1, observed: 3 };
        assert_eq!(
            time_basis(&split),
            "local time, zone +02:00 inferred from 1 of 3 cross-source observations"
        );
        let zone = TimeBasis::LocalZone { zone: "Europe/Berlin".into(), from: "etc/timezone".into() };
        assert_eq!(time_basis(&zone), "local time in Europe/Berlin (from etc/timezone)");
        assert_eq!(time_basis(&TimeBasis::LocalAssumedUtc), "local time, zone unknown: read as UTC");
        assert_eq!(time_basis(&TimeBasis::Utc), "UTC");
    }

    #[test]
    fn wrapping_keeps_words_whole_and_hangs_the_rest() {
        let lines = wrap("the quick brown fox jumps over the lazy dog", 16, "- ", "  ");
        assert_eq!(lines, ["- the quick", "  brown fox", "  jumps over the", "  lazy dog"]);
        assert!(lines.iter().all(|l| l.chars().count() <= 16));
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_to_fit() {
        let lines =
            wrap("see /var/lib/waagent/Microsoft.Azure.RecoveryServices/extension.log now", 20, "", "  ");
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(
            lines.concat().replace(' ', ""),
            "see/var/lib/waagent/Microsoft.Azure.RecoveryServices/extension.lognow"
        );
    }
}
