//! What each source says about the backup extension's runs, and how those sayings are grouped into runs.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::{BackupRun, RunOutcome, RunPhase};
use crate::artifacts::backup::{is_backup_handler, is_backup_path};
use crate::facts::{ExtensionStatusFact, Facts};
use crate::intake::ArtifactKind;
use crate::model::{Evidence, Signal, Timestamp};

/// A record without a sequence number joins the run last seen within this long.
const ATTACH_HOURS: i64 = 3;
/// A start this close after the previous one (the agent's enable, then the extension's own start) is the
/// same run.
const SAME_START_MINUTES: i64 = 10;
/// A run still transitioning this long after its last record is stuck (the platform gives up well before).
const STUCK_HOURS: i64 = 2;
/// Longest message kept.
const MESSAGE_CHARS: usize = 300;

/// What one record says about a run.
#[derive(Debug, Clone)]
enum Saying {
    /// A run starts (the agent's enable command, the extension's start).
    Start,
    /// A step was logged.
    Phase(&'static str, bool),
    /// The run ended so (`authoritative`: a status file, which outranks log lines).
    Outcome { outcome: RunOutcome, code: Option<i64>, message: Option<String>, authoritative: bool },
    /// The status says transitioning.
    Transitioning { code: Option<i64>, message: Option<String> },
    /// The extension's error name.
    ErrorName(String),
    /// Names the task only.
    Task,
    /// The extension skipped an invocation it had already run (same sequence number or task).
    Skipped,
}

#[derive(Debug, Clone)]
struct Observation {
    time: Option<DateTime<Utc>>,
    seq: Option<u64>,
    task: Option<String>,
    saying: Saying,
    evidence: Evidence,
    /// Which source family it came from (one evidence item per family is kept).
    family: &'static str,
}

/// Every backup run the bundle shows, in time order; `reference` is when the bundle was collected (a run
/// transitioning long before it is stuck).
pub fn reconstruct(signals: &[Signal], facts: &Facts, reference: Option<DateTime<Utc>>) -> Vec<BackupRun> {
    let mut observations: Vec<Observation> = signals.iter().filter_map(from_signal).collect();
    observations
        .extend(facts.extension_statuses.iter().filter(|s| s.is_backup_extension()).flat_map(from_status));
    // Dated records in time order, then undated ones (they can join a run only by sequence number).
    observations.sort_by(|a, b| match (a.time, b.time) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let mut grouping = Grouping::default();
    for o in observations {
        grouping.add(o);
    }
    let mut runs: Vec<BackupRun> =
        grouping.runs.into_iter().filter(Draft::is_a_run).map(|d| d.finish(reference)).collect();
    runs.sort_by(|a, b| a.span().map(|s| s.0).cmp(&b.span().map(|s| s.0)).then(a.seq.cmp(&b.seq)));
    for (i, run) in runs.iter_mut().enumerate() {
        run.id = format!("run-{}", i + 1);
    }
    runs
}

/// The runs built so far.
#[derive(Default)]
struct Grouping {
    runs: Vec<Draft>,
    by_seq: HashMap<u64, usize>,
    /// The run records without a sequence number join.
    current: Option<usize>,
}

impl Grouping {
    fn add(&mut self, o: Observation) {
        let index = match o.seq {
            // The same sequence number started again long after its run is an invocation of its own (the
            // agent enables every extension again when it restarts; the extension then skips it).
            Some(seq) => {
                self.by_seq.get(&seq).copied().filter(|&i| !self.restarts(i, &o)).unwrap_or_else(|| {
                    // The first record naming a sequence number names the run the records before it began.
                    let joins = self.current.filter(|&i| {
                        let run = &self.runs[i];
                        run.seq.is_none() && run.open_at(o.time, Duration::minutes(SAME_START_MINUTES))
                    });
                    let i = joins.unwrap_or_else(|| self.open(o.time));
                    self.runs[i].seq = Some(seq);
                    self.by_seq.insert(seq, i);
                    i
                })
            }
            None => {
                let window = match o.saying {
                    Saying::Start => Duration::minutes(SAME_START_MINUTES),
                    _ => Duration::hours(ATTACH_HOURS),
                };
                match self.current.filter(|&i| self.runs[i].open_at(o.time, window)) {
                    Some(i) => i,
                    None if o.time.is_none() => return,
                    None => self.open(o.time),
                }
            }
        };
        if o.time.is_some() {
            self.current = Some(index);
        }
        self.runs[index].absorb(o);
    }

    /// True when `o` starts run `i` again after it ended: a source that already started it starts it again.
    fn restarts(&self, i: usize, o: &Observation) -> bool {
        let run = &self.runs[i];
        matches!(o.saying, Saying::Start)
            && run.started_by.contains(&o.family)
            && run.ended()
            && !run.open_at(o.time, Duration::minutes(SAME_START_MINUTES))
    }

    fn open(&mut self, time: Option<DateTime<Utc>>) -> usize {
        self.runs.push(Draft { first: time, ..Draft::default() });
        self.runs.len() - 1
    }
}

/// An outcome as a source gave it: outcome, code, message, when.
type Said = (RunOutcome, Option<i64>, Option<String>, Option<DateTime<Utc>>);

/// A run being built.
#[derive(Default)]
struct Draft {
    seq: Option<u64>,
    task: Option<String>,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    started: bool,
    /// The source families that said the run started.
    started_by: Vec<&'static str>,
    /// The latest outcome a log line gave, and the status file's.
    logged: Option<Said>,
    status: Option<Said>,
    transitioning: Option<(Option<i64>, Option<String>)>,
    error_name: Option<String>,
    phases: Vec<RunPhase>,
    evidence: Vec<(&'static str, Evidence)>,
    skipped: bool,
}

impl Draft {
    /// True when a record at `time` still belongs to this run: it is not over, or ended moments ago.
    fn open_at(&self, time: Option<DateTime<Utc>>, window: Duration) -> bool {
        let (Some(t), Some(last)) = (time, self.last.or(self.first)) else { return false };
        let window = if self.ended() { window.min(Duration::minutes(SAME_START_MINUTES)) } else { window };
        t >= last - Duration::minutes(SAME_START_MINUTES) && t - last <= window
    }

    /// True once a status file or a log line gave the run's outcome.
    fn ended(&self) -> bool {
        self.logged.is_some() || self.status.is_some()
    }

    fn absorb(&mut self, o: Observation) {
        if let Some(t) = o.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        if self.task.is_none() {
            self.task = o.task.clone();
        }
        match o.saying {
            Saying::Start => {
                self.started = true;
                if !self.started_by.contains(&o.family) {
                    self.started_by.push(o.family);
                }
            }
            Saying::Phase(name, ok) => {
                let at = o.time.map(Timestamp);
                if !self.phases.iter().any(|p| p.name == name && p.ok == ok) {
                    self.phases.push(RunPhase { name: name.to_string(), at, ok });
                }
            }
            Saying::Outcome { outcome, code, message, authoritative } => {
                let said = (outcome, code, message, o.time);
                if authoritative {
                    self.status = Some(said);
                } else if !matches!(self.logged, Some((RunOutcome::Failed, ..)) if outcome == RunOutcome::Success)
                    || said.3 > self.logged.as_ref().and_then(|l| l.3)
                {
                    self.logged = Some(said);
                }
            }
            Saying::Transitioning { code, message } => self.transitioning = Some((code, message)),
            Saying::ErrorName(name) => self.error_name = Some(name),
            Saying::Task => {}
            Saying::Skipped => self.skipped = true,
        }
        if !self.evidence.iter().any(|(f, _)| *f == o.family) {
            self.evidence.push((o.family, o.evidence));
        }
    }

    /// A group is a run when something says a run started, ended or was transitioning, not only that a
    /// task or a step was named — and not when the extension skipped it as already run (the agent enables
    /// every extension again when it restarts).
    fn is_a_run(&self) -> bool {
        let ended = self.logged.is_some() || self.status.is_some();
        (self.started || ended || self.transitioning.is_some()) && (!self.skipped || ended)
    }

    fn finish(self, reference: Option<DateTime<Utc>>) -> BackupRun {
        let said = self.status.clone().or_else(|| self.logged.clone());
        let stale = |last: Option<DateTime<Utc>>| {
            reference.zip(last).is_some_and(|(r, l)| r - l >= Duration::hours(STUCK_HOURS))
        };
        let (outcome, code, message, ended) = match said {
            Some((RunOutcome::Unknown, code, message, at)) => {
                let outcome = if stale(self.last) { RunOutcome::Stuck } else { RunOutcome::Unknown };
                (outcome, code, message, at.or(self.last))
            }
            Some((outcome, code, message, at)) => (outcome, code, message, at),
            None => match self.transitioning {
                Some((code, message)) => {
                    let outcome = if stale(self.last) { RunOutcome::Stuck } else { RunOutcome::Unknown };
                    (outcome, code, message, self.last)
                }
                None => (RunOutcome::Unknown, None, None, self.last),
            },
        };
        let mut phases = self.phases;
        phases.sort_by_key(|p| p.at);
        BackupRun {
            id: String::new(),
            seq: self.seq,
            task_id: self.task,
            started: self.first.map(Timestamp),
            ended: ended.map(Timestamp),
            outcome,
            code,
            error_name: self.error_name,
            message,
            phases,
            evidence: self.evidence.into_iter().map(|(_, e)| e).collect(),
            root_cause: None,
            contributing: Vec::new(),
        }
    }
}

/// The backup extension's own logs (Linux extension and shell logs, the Windows plugin's logs).
fn from_backup_log(s: &Signal) -> bool {
    matches!(s.kind, ArtifactKind::VmSnapshotLog | ArtifactKind::VmSnapshotShellLog)
        || (s.kind == ArtifactKind::PluginLog && is_backup_path(&s.path))
}

/// The agent's own logs.
fn from_agent_log(s: &Signal) -> bool {
    matches!(s.kind, ArtifactKind::WaagentLog | ArtifactKind::WaAppAgentLog)
}

fn from_signal(s: &Signal) -> Option<Observation> {
    let seq = s.capture("seq").and_then(|v| v.parse().ok());
    let task = s.capture("task").map(str::to_string);
    let code = || s.capture("code").or(s.capture("exit_code")).and_then(|c| c.trim().parse().ok());
    let failed = |code| Saying::Outcome {
        outcome: RunOutcome::Failed,
        code,
        message: Some(clip(&s.text)),
        authoritative: false,
    };
    let (saying, family) = if from_backup_log(s) {
        let saying = match &*s.name {
            "snap.run-start" | "snap.sequence" => Saying::Start,
            "snap.task" => Saying::Task,
            "snap.seq-repeated" | "snap.task-repeated" => Saying::Skipped,
            "snap.final-status" => final_status(s)?,
            "snap.failure" => failed(None),
            "python.handle-exit" if code().is_some_and(|c: i64| c != 0) => failed(code()),
            "ext.plugin-failure" | "ext.nonzero-exit" => failed(code()),
            "snap.ext-error" => {
                let name = s.capture("ext_code")?;
                // `success` and `error` are the enum's generic values: they name no cause.
                if ["success", "error"].iter().any(|g| name.eq_ignore_ascii_case(g)) {
                    return None;
                }
                Saying::ErrorName(name.to_string())
            }
            "freeze.start" => Saying::Phase("freeze", true),
            "freeze.end" => Saying::Phase("thaw", true),
            "freeze.failure" | "freeze.timeout" | "freeze.lock-busy" | "freeze.binary-missing" => {
                Saying::Phase("freeze", false)
            }
            "mount.open-failure" => Saying::Phase("open mounts", false),
            "snap.prepost-failure" => Saying::Phase("pre/post script", false),
            "storage.failure"
            | "storage.host-error"
            | "storage.upload-failure"
            | "storage.snapshot-limit" => Saying::Phase("snapshot", false),
            "snap.step" => step(s)?,
            _ => return None,
        };
        (saying, "extension log")
    } else if from_agent_log(s) {
        let about_backup = s.is_backup_extension()
            || s.capture("name").is_some_and(is_backup_handler)
            || s.prefix.as_deref().is_some_and(crate::artifacts::backup::mentions_backup);
        if !about_backup || operation_of(s).is_some_and(|op| op != "enable") {
            return None;
        }
        let saying = match &*s.name {
            "ext.enable" => Saying::Start,
            "ext.nonzero-exit" | "ext.failure" | "ext.plugin-failure" | "ext.timeout" => failed(code()),
            _ => return None,
        };
        (saying, "agent log")
    } else {
        return None;
    };
    Some(Observation { time: s.time, seq, task, saying, evidence: s.evidence(), family })
}

/// The handler operation a record of the agent names (`enable`, `disable`, `uninstall` …), if any: a
/// failed disable or uninstall is not a backup run.
fn operation_of(s: &Signal) -> Option<&'static str> {
    let text = format!("{} {}", s.head, s.text).to_ascii_lowercase();
    let words: Vec<&str> = text.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    ["uninstall", "disable", "install", "update", "enable"].into_iter().find(|op| words.contains(op))
}

/// The extension's status line `Enable,<status>,<code>,<message>`: transitioning (code 4, "Transitioning
/// state") or an outcome.
fn final_status(s: &Signal) -> Option<Saying> {
    let operation = s.capture("operation")?;
    if !operation.eq_ignore_ascii_case("enable") {
        return None;
    }
    let code: Option<i64> = s.capture("code").and_then(|c| c.parse().ok());
    let message = message_of(&s.text);
    if s.capture("status") == Some("transitioning")
        || code == Some(4)
        || message.as_deref().is_some_and(|m| m.to_ascii_lowercase().contains("transitioning"))
    {
        return Some(Saying::Transitioning { code, message });
    }
    let outcome = match s.capture("status")? {
        "success" => RunOutcome::Success,
        "warning" => RunOutcome::Warning,
        _ => RunOutcome::Failed,
    };
    Some(Saying::Outcome { outcome, code, message, authoritative: false })
}

/// The message field of a status line `Enable,error,85,<message>,False`.
fn message_of(text: &str) -> Option<String> {
    let at = text.find("Enable,")?;
    let fields: Vec<&str> = text[at..].splitn(4, ',').collect();
    let rest = fields.get(3)?;
    let message = rest.rsplit_once(',').map_or(*rest, |(m, _)| m).trim();
    (!message.is_empty()).then(|| clip(message))
}

/// A numbered step line of the Linux extension (`****** 4. Freeze Completed`), as a phase.
fn step(s: &Signal) -> Option<Saying> {
    let what = s.capture("what")?.to_ascii_lowercase();
    let ok = !what.contains("fail") && !what.contains("error");
    let name = if what.contains("thaw") {
        "thaw"
    } else if what.contains("freeze") {
        "freeze"
    } else if what.contains("snaphot") || what.contains("snapshot") {
        "snapshot"
    } else {
        return None;
    };
    Some(Saying::Phase(name, ok))
}

/// A status file: its outcome, and its error name when it has one.
fn from_status(f: &ExtensionStatusFact) -> Vec<Observation> {
    let message = (!f.message.is_empty()).then(|| clip(&readable_message(&f.message)));
    let saying = match f.status.as_str() {
        "success" => {
            Saying::Outcome { outcome: RunOutcome::Success, code: f.code, message, authoritative: true }
        }
        "warning" => {
            Saying::Outcome { outcome: RunOutcome::Warning, code: f.code, message, authoritative: true }
        }
        "error" => {
            Saying::Outcome { outcome: RunOutcome::Failed, code: f.code, message, authoritative: true }
        }
        _ => Saying::Transitioning { code: f.code, message },
    };
    let code = f.code.map(|c| format!("code {c} ")).unwrap_or_default();
    let evidence = Evidence {
        path: f.path.clone(),
        line: None,
        record_id: None,
        timestamp: f.time.map(Timestamp),
        text: format!("{} {code}{}", f.status, clip(&readable_message(&f.message))).trim().to_string(),
    };
    let observation = |saying| Observation {
        time: f.time,
        seq: f.seq,
        task: f.task_id.clone(),
        saying,
        evidence: evidence.clone(),
        family: "status file",
    };
    let mut out = vec![observation(saying)];
    if let Some(name) = &f.ext_error {
        out.push(observation(Saying::ErrorName(name.clone())));
    }
    out
}

/// The human part of a Linux status message, which may be a JSON object with `messageStr`.
fn readable_message(message: &str) -> String {
    serde_json::from_str::<serde_json::Value>(message)
        .ok()
        .and_then(|v| v.get("messageStr").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| message.to_string())
        .trim()
        .to_string()
}

fn clip(text: &str) -> String {
    crate::facts::clip(text.trim(), MESSAGE_CHARS)
}
