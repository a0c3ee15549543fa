//! `agent-not-running`: the agent crash-loops, was disabled, or its log went silent while the VM ran on.

use chrono::Duration;

use crate::diagnoses::{
    bursts, distinct_events, evidence_of, span, Context, Diagnosis, Draft, Input, Signal,
};
use crate::intake::ArtifactKind;
use crate::model::{Confidence, Evidence, Severity, Timestamp};
use crate::report::words::count;
use crate::timeline::human_duration;

/// Crash signals closer than this belong to one crash episode.
const EPISODE_GAP_MINUTES: i64 = 5;
/// This many episodes within `LOOP_WINDOW_MINUTES` is a crash loop.
const LOOP_EPISODES: usize = 3;
const LOOP_WINDOW_MINUTES: i64 = 120;
/// Failures that explain an agent crash in the same record.
const EXPLAINED_CRASH_CAUSES: &[&str] = &[
    "goal-state.invalid",
    "goal-state.server-error",
    "agent.goal-state-broken",
    "settings.undecryptable",
    "agent.cert-failure",
];

/// This many distinct crash records spanning `CONTINUOUS_MINUTES` are a crash loop even without gaps.
const CONTINUOUS_CRASHES: usize = 6;
const CONTINUOUS_MINUTES: i64 = 10;
/// An agent log silent this long while other sources go on means the agent is not running.
const SILENCE_HOURS: i64 = 6;
/// Agent activity this long after the last crash means it recovered.
const RECOVERY_MINUTES: i64 = 60;

/// `agent-not-running`.
pub struct AgentNotRunning;

impl Diagnosis for AgentNotRunning {
    fn id(&self) -> &'static str {
        "agent-not-running"
    }

    fn rule(&self) -> &'static str {
        "Agent crash signals (failed launches, exits, daemon exceptions, restart limit), grouped into episodes \
         5 min apart: 3 episodes within 2 h, the restart limit, or the agent disabled on purpose is a failure; \
         a waagent.log silent for 6 h or more while other sources go on is a failure; a single episode followed \
         by agent activity within 1 h is reported as a warning."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["agent.crash", "agent.restart-limit", "agent.disabled", "agent.version"]
    }

    fn inputs(&self) -> &'static [Input] {
        const {
            &[
                Input::linux(ArtifactKind::WaagentLog),
                Input::windows(ArtifactKind::WaAppAgentLog),
                Input::windows(ArtifactKind::Evtx),
            ]
        }
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        // The agent dying on a goal state it cannot fetch or decrypt is that goal state's failure, reported by
        // its own finding; only a crash loop of it is the agent not running.
        let explained = |s: &&Signal| {
            cx.signals
                .iter()
                .any(|o| o.path == s.path && o.line == s.line && EXPLAINED_CRASH_CAUSES.contains(&&*o.name))
                || (s.capture("os_errno").is_some() && cx.named("settings.undecryptable").next().is_some())
        };
        let all_crashes: Vec<&Signal> = cx.any_of(&["agent.crash", "agent.restart-limit"]).collect();
        let unexplained: Vec<&Signal> = all_crashes.iter().copied().filter(|s| !explained(s)).collect();
        let mut crashes =
            if distinct_events(&all_crashes).len() >= CONTINUOUS_CRASHES { all_crashes } else { unexplained };
        crashes.extend(cx.signals.iter().filter(|s| is_windows_agent_failure(s)));
        crashes.sort_by_key(|s| (s.time.is_none(), s.time));
        let disabled: Vec<&Signal> = cx.named("agent.disabled").collect();
        let silence = silence(cx);
        let episodes = bursts(&crashes, Duration::minutes(EPISODE_GAP_MINUTES));
        // A process restarted every few seconds for minutes on end is one long episode, and a crash loop too.
        let distinct = distinct_events(&crashes);
        let continuous = distinct.len() >= CONTINUOUS_CRASHES
            && span(&distinct).is_some_and(|d| d >= Duration::minutes(CONTINUOUS_MINUTES));
        let looping =
            has_loop(&episodes) || continuous || crashes.iter().any(|s| &*s.name == "agent.restart-limit");
        if crashes.is_empty() && disabled.is_empty() && silence.is_none() {
            return None;
        }
        let mut evidence = evidence_of(crashes.iter().copied().chain(disabled.iter().copied()));
        let mut parts = Vec::new();
        if !disabled.is_empty() {
            parts.push("the agent was disabled on purpose".to_string());
        }
        if !episodes.is_empty() {
            let what = if looping { "crash-looped" } else { "crashed" };
            let over = span(&crashes)
                .filter(|d| d.num_minutes() > 0)
                .map(|d| format!(" over {}", human_duration(d)))
                .unwrap_or_default();
            parts.push(format!("the agent {what}: {}{over}", count(crashes.len(), "failure line")));
        }
        if let Some((ev, hours)) = &silence {
            let name = ev.path.rsplit(['/', '\\']).next().unwrap_or("the agent log").to_string();
            parts.push(format!("{name} is silent for the last {hours} h before collection"));
            evidence.push(ev.clone());
        }
        let recovered = silence.is_none() && disabled.is_empty() && !looping && recovered_after(cx, &crashes);
        let (severity, confidence) = if !disabled.is_empty() || (looping && silence.is_some()) {
            (Severity::Error, Confidence::High)
        } else if looping || silence.is_some() {
            (Severity::Error, Confidence::Medium)
        } else if recovered {
            (Severity::Warning, Confidence::Low)
        } else {
            (Severity::Warning, Confidence::Medium)
        };
        let mut summary = capitalize(&parts.join("; "));
        if recovered {
            summary.push_str("; it ran again afterwards");
        }
        summary.push('.');
        Some(Draft { severity: Some(severity), confidence, summary, evidence, error_codes: None })
    }
}

/// Windows: the guest agent's services crashing or failing to start, or its process crashing.
fn is_windows_agent_failure(s: &Signal) -> bool {
    const SERVICES: &[&str] =
        &["windows azure guest agent", "windowsazureguestagent", "rdagent", "windows azure rdagent"];
    const PROGRAMS: &[&str] = &["windowsazureguestagent.exe", "waappagent.exe"];
    let is_one_of = |v: &str, list: &[&str]| list.contains(&v.trim().to_ascii_lowercase().as_str());
    match &*s.name {
        "win.service-failure" => s.capture("service").is_some_and(|v| is_one_of(v, SERVICES)),
        "win.crash" => s.capture("app").is_some_and(|v| is_one_of(v, PROGRAMS)),
        _ => false,
    }
}

fn has_loop(episodes: &[Vec<&Signal>]) -> bool {
    let starts: Vec<_> = episodes.iter().filter_map(|e| e.first().and_then(|s| s.time)).collect();
    starts
        .windows(LOOP_EPISODES)
        .any(|w| w[LOOP_EPISODES - 1] - w[0] <= Duration::minutes(LOOP_WINDOW_MINUTES))
}

/// Whether the agent logged a heartbeat / version line well after the last crash.
fn recovered_after(cx: &Context<'_>, crashes: &[&Signal]) -> bool {
    let Some(last) = crashes.iter().rev().find_map(|s| s.time) else { return false };
    cx.named("agent.version")
        .any(|s| s.seen_until().is_some_and(|t| t - last >= Duration::minutes(RECOVERY_MINUTES)))
}

/// The agent log's silence before the end of the bundle: evidence for its last record and the hours.
fn silence(cx: &Context<'_>) -> Option<(Evidence, i64)> {
    let is_agent_log = |k: ArtifactKind| k == ArtifactKind::WaagentLog || k == ArtifactKind::WaAppAgentLog;
    let agent_logs: Vec<_> = cx.sources.iter().filter(|s| is_agent_log(s.kind)).collect();
    let last = agent_logs.iter().filter_map(|s| s.last).max()?;
    // Other sources must show the VM alive after the agent fell silent, or the bundle is simply old.
    let others_last = cx.sources.iter().filter(|s| !is_agent_log(s.kind)).filter_map(|s| s.last).max();
    let end = [cx.facts.collected_at, others_last].into_iter().flatten().max()?;
    if end - last < Duration::hours(SILENCE_HOURS) {
        return None;
    }
    if others_last.is_none_or(|o| o - last < Duration::hours(1)) && cx.facts.collected_at.is_none() {
        return None;
    }
    let source = agent_logs.iter().find(|s| s.last == Some(last))?;
    let (line, text) = source.last_record.clone().unwrap_or((0, String::new()));
    let gap = end - last;
    let evidence = Evidence {
        path: source.path.clone(),
        line: (line > 0).then_some(line),
        record_id: None,
        timestamp: Some(Timestamp(last)),
        text: format!(
            "last agent record, {} before {}: {text}",
            human_duration(gap),
            crate::model::human_time(end)
        ),
    };
    Some((evidence, gap.num_hours()))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
