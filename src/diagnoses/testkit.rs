//! A small builder for diagnosis tests: explicit signals, facts and sources, one rule run over them.
//!
//! `Case::new().signal("wire.failure", "2024-03-15T10:00:00Z", "var/log/waagent.log", 120, "text").run(&Rule)`

use std::sync::Arc;

use chrono::{DateTime, Utc};
use snaptriage_parsers::Level;

use super::{Context, Diagnosis, Draft, Signal, SourceInfo};
use crate::facts::version::AgentRole;
use crate::facts::{AgentVersion, ExtensionStatusFact, Fact, Facts};
use crate::intake::classify;
use crate::model::Timestamp;
use crate::model::{Evidence, Severity};

/// An instant from RFC 3339 text (tests write valid ones).
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).expect("a valid RFC 3339 instant")
}

/// The inputs of one diagnosis run.
#[derive(Default, Clone)]
pub struct Case {
    signals: Vec<Signal>,
    facts: Facts,
    sources: Vec<SourceInfo>,
    reference: Option<DateTime<Utc>>,
    windows: bool,
    decided: Vec<(&'static str, Severity)>,
}

impl Case {
    /// An empty bundle.
    pub fn new() -> Case {
        Case::default()
    }

    /// Adds signal `name` at `time` (RFC 3339, or "" for an undated record) in member `path` (its kind from
    /// the artifact registry) at `line`, with evidence `text`.
    pub fn signal(mut self, name: &str, time: &str, path: &str, line: u32, text: &str) -> Case {
        let kind = classify(path).kind;
        self.signals.push(Signal {
            name: Arc::from(name),
            signature: Arc::from(name),
            path: Arc::from(path),
            kind,
            line: Some(line),
            record_id: None,
            time: (!time.is_empty()).then(|| at(time)),
            level: Level::Info,
            prefix: None,
            text: text.to_string(),
            head: text.to_string(),
            about_backup: false,
            captures: Default::default(),
            repeats: 1,
            until: None,
        });
        self
    }

    /// Sets a capture on the signal added last.
    pub fn capture(mut self, name: &str, value: &str) -> Case {
        if let Some(s) = self.signals.last_mut() {
            s.captures.insert(name.to_string(), value.to_string());
        }
        self
    }

    /// Makes the signal added last stand for `repeats` records, the last written at `until`.
    pub fn repeated(mut self, repeats: u32, until: &str) -> Case {
        if let Some(s) = self.signals.last_mut() {
            s.repeats = repeats;
            s.until = Some(at(until));
        }
        self
    }

    /// Marks the signal added last as naming the backup extension.
    pub fn about_backup(mut self) -> Case {
        if let Some(s) = self.signals.last_mut() {
            s.about_backup = true;
        }
        self
    }

    /// Adds a fact, merged as the engine merges facts of members.
    pub fn fact(mut self, fact: Fact) -> Case {
        self.facts.absorb(fact);
        self
    }

    /// Adds a status file of the Linux backup extension: `status` (`error`, `success`, `transitioning`),
    /// numeric `code`, error name `ext_error`, written at `time`.
    pub fn backup_status(self, status: &str, code: Option<i64>, ext_error: Option<&str>, time: &str) -> Case {
        let fact = ExtensionStatusFact {
            path:
                "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/7.status"
                    .into(),
            handler: "Microsoft.Azure.RecoveryServices.VMSnapshotLinux".into(),
            handler_version: Some("1.0.9225.0".into()),
            seq: Some(7),
            operation: Some("Enable".into()),
            reported_status: status.into(),
            status: status.into(),
            code,
            message: String::new(),
            ext_error: ext_error.map(str::to_string),
            time: (!time.is_empty()).then(|| at(time)),
            task_id: None,
            telemetry: Vec::new(),
        };
        self.fact(Fact::ExtensionStatus(fact))
    }

    /// Adds a sighting of the goal-state agent's `version` at `time`, with its heartbeat's auto-update flag.
    pub fn agent_version(mut self, version: &str, auto_update: Option<bool>, time: &str) -> Case {
        let seen_at = (!time.is_empty()).then(|| at(time));
        self.facts.agent_versions.push(AgentVersion {
            version: version.to_string(),
            role: AgentRole::GoalState,
            seen_at,
            auto_update,
            evidence: Evidence {
                path: "var/log/waagent.log".into(),
                line: Some(1),
                record_id: None,
                timestamp: seen_at.map(Timestamp),
                text: format!("Agent WALinuxAgent-{version} is running as the goal state agent"),
            },
        });
        self
    }

    /// Adds a source whose records span `first` to `last`.
    pub fn source(mut self, path: &str, first: &str, last: &str) -> Case {
        self.sources.push(SourceInfo {
            path: path.to_string(),
            kind: classify(path).kind,
            first: Some(at(first)),
            last: Some(at(last)),
            last_record: None,
        });
        self
    }

    /// Sets "now" for the bundle (its collection time).
    pub fn reference(mut self, time: &str) -> Case {
        self.reference = Some(at(time));
        self
    }

    /// Marks the bundle as from a Windows guest.
    pub fn windows(mut self) -> Case {
        self.windows = true;
        self
    }

    /// Records that finding `id` was raised with `severity` before the rule runs.
    pub fn decided(mut self, id: &'static str, severity: Severity) -> Case {
        self.decided.push((id, severity));
        self
    }

    /// The case's signals, in time order as the engine gives them, and its facts.
    pub fn parts(mut self) -> (Vec<Signal>, Facts) {
        self.sort();
        (self.signals, self.facts)
    }

    fn sort(&mut self) {
        self.signals.sort_by(|a, b| {
            (a.time.is_none(), a.time, &a.path, a.line).cmp(&(b.time.is_none(), b.time, &b.path, b.line))
        });
    }

    /// Runs `rule` over the case, signals in time order as the engine gives them.
    pub fn run(mut self, rule: &dyn Diagnosis) -> Option<Draft> {
        self.sort();
        let mut cx = Context::new(&self.signals, &self.facts, &self.sources, self.reference, self.windows);
        for (id, severity) in &self.decided {
            cx.record(id, *severity);
        }
        cx.decide(rule)
    }
}

/// The evidence texts of a draft, in its order.
pub fn evidence_texts(draft: &Draft) -> Vec<&str> {
    draft.evidence.iter().map(|e| e.text.as_str()).collect()
}
