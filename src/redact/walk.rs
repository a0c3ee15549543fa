//! Every string of a report, in one fixed order: what redaction reads and rewrites. A string field added
//! to the report must be added here; `tests/redact.rs` fails until it is.

use std::collections::BTreeMap;

use crate::report::Report;
use crate::timeline::TimeBasis;

/// Calls `f` on every string of `report` (values, and the keys of its maps), in the report's order; the
/// `redaction` section itself is left alone.
pub fn report_strings(report: &mut Report, f: &mut dyn FnMut(&mut String)) {
    f(&mut report.tool.name);
    f(&mut report.tool.version);
    let b = &mut report.bundle;
    f(&mut b.path);
    b.sha256.iter_mut().for_each(&mut *f);
    f(&mut b.os);

    let facts = &mut report.facts;
    for s in [&mut facts.agent_version, &mut facts.daemon_version, &mut facts.os, &mut facts.time_zone] {
        s.iter_mut().for_each(&mut *f);
    }
    for e in &mut facts.extensions {
        f(&mut e.name);
        e.version.iter_mut().for_each(&mut *f);
        f(&mut e.status);
        f(&mut e.message);
        e.timestamp.iter_mut().for_each(&mut *f);
    }
    map_strings(&mut facts.config, f);
    for name in &mut facts.identity {
        f(&mut name.value);
        f(&mut name.source);
    }
    for s in &mut facts.sources {
        f(&mut s.path);
        match &mut s.basis {
            TimeBasis::LocalGiven { zone } => f(zone),
            TimeBasis::LocalZone { zone, from } => {
                f(zone);
                f(from);
            }
            TimeBasis::LocalInferred { offset, .. } => f(offset),
            TimeBasis::NaiveReadAsUtc { instead_of, .. } => f(instead_of),
            TimeBasis::Utc | TimeBasis::LocalAssumedUtc | TimeBasis::Untimed => {}
        }
        s.first.iter_mut().for_each(&mut *f);
        s.last.iter_mut().for_each(&mut *f);
    }
    for w in &mut facts.vss_writers {
        f(&mut w.name);
        f(&mut w.state);
        f(&mut w.last_error);
    }
    facts.defender_exclusions.iter_mut().for_each(&mut *f);
    map_strings(&mut facts.registry, f);

    for finding in &mut report.findings {
        f(&mut finding.id);
        finding.error_codes.iter_mut().for_each(&mut *f);
        f(&mut finding.title);
        f(&mut finding.summary);
        finding.window.iter_mut().for_each(&mut *f);
        for e in &mut finding.evidence {
            f(&mut e.path);
            f(&mut e.text);
        }
        finding.remediation.iter_mut().for_each(&mut *f);
        finding.caused_by.iter_mut().for_each(&mut *f);
    }
    for run in &mut report.runs {
        f(&mut run.id);
        run.task_id.iter_mut().for_each(&mut *f);
        run.error_name.iter_mut().for_each(&mut *f);
        run.message.iter_mut().for_each(&mut *f);
        for p in &mut run.phases {
            f(&mut p.name);
        }
        for e in &mut run.evidence {
            f(&mut e.path);
            f(&mut e.text);
        }
        if let Some(cause) = &mut run.root_cause {
            cause.finding.iter_mut().for_each(&mut *f);
            f(&mut cause.why);
        }
        run.contributing.iter_mut().for_each(&mut *f);
    }
    if let Some(job) = &mut report.job {
        job.error_code.iter_mut().for_each(&mut *f);
        job.run.iter_mut().for_each(&mut *f);
        job.findings.iter_mut().for_each(&mut *f);
        f(&mut job.verdict);
        job.check_outside.iter_mut().for_each(&mut *f);
    }
    for u in &mut report.undecided {
        f(&mut u.finding);
        f(&mut u.reason);
    }
    let c = &mut report.coverage;
    for l in &mut c.lost {
        f(&mut l.path);
        f(&mut l.detail);
    }
    for s in &mut c.sources {
        s.first.iter_mut().for_each(&mut *f);
        s.last.iter_mut().for_each(&mut *f);
    }
    f(&mut c.summary);
    for e in &mut report.inventory {
        f(&mut e.path);
        f(&mut e.detail);
    }
}

/// Keys and values of a map of strings; keys rewritten alike keep one entry (the last value).
fn map_strings(map: &mut BTreeMap<String, String>, f: &mut dyn FnMut(&mut String)) {
    let entries = std::mem::take(map);
    for (mut key, mut value) in entries {
        f(&mut key);
        f(&mut value);
        map.insert(key, value);
    }
}
