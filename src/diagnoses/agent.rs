//! Agent health: not running, outdated, configured not to run extensions.

use chrono::Duration;

use super::{
    answered_status, attempts, bursts, covered_span, distinct_events, evidence_of, latest_after, network,
    span, Context, Diagnosis, Draft, Signal,
};
use crate::facts::version::compare_versions;
use crate::intake::ArtifactKind;
use crate::report::{Confidence, Evidence, Severity};
use crate::timeline::{human_duration, rfc3339};

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
            parts.push(format!("the agent {what}: {} failure line(s){over}", crashes.len()));
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
    cx.named("agent.version").any(|s| s.time.is_some_and(|t| t - last >= Duration::minutes(RECOVERY_MINUTES)))
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
        timestamp: Some(rfc3339(last)),
        text: format!("last agent record, {} before {}: {text}", human_duration(gap), rfc3339(end)),
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

/// Oldest Linux agent version Azure supports.
pub const MIN_SUPPORTED_LINUX_AGENT: &str = "2.2.10";
/// Versions below this, with auto-update off, are too far behind to trust with extensions.
pub const STALE_LINUX_AGENT: &str = "2.2.53";
/// Oldest Windows guest agent (WaAppAgent.exe) the backup documentation accepts.
pub const MIN_SUPPORTED_WINDOWS_AGENT: &str = "2.6.1198.718";

/// `agent-outdated`.
pub struct AgentOutdated;

impl Diagnosis for AgentOutdated {
    fn id(&self) -> &'static str {
        "agent-outdated"
    }

    fn rule(&self) -> &'static str {
        "The newest version reported by the agent that runs extensions (else the daemon) is below 2.2.10 on \
         Linux or 2.6.1198.718 on Windows (unsupported: error), or, on Linux, below 2.2.53 while automatic \
         updates are off in waagent.conf or the heartbeat (warning)."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["agent.version", "agent.autoupdate-disabled", "agent.update-failed"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let versions = &cx.facts.agent_versions;
        let current = cx
            .facts
            .goal_state_agent()
            .or_else(|| versions.iter().max_by(|a, b| a.seen_at.cmp(&b.seen_at)))?;
        let v = current.version.as_str();
        let mut evidence = vec![current.evidence.clone()];
        let conf_off = cx.facts.waagent_conf.as_ref().and_then(|c| {
            ["AutoUpdate.Enabled", "AutoUpdate.UpdateToLatestVersion"]
                .into_iter()
                .find(|k| c.config.switch(k) == Some(false))
                .and_then(|k| c.evidence(k))
        });
        let heartbeat_off = versions.iter().rev().find(|s| s.auto_update == Some(false));
        let said_off: Vec<&Signal> = cx.named("agent.autoupdate-disabled").collect();
        let auto_update_off = conf_off.is_some() || heartbeat_off.is_some() || !said_off.is_empty();
        if let Some(e) = conf_off {
            evidence.push(e);
        }
        if let Some(h) = heartbeat_off {
            evidence.push(h.evidence.clone());
        }
        evidence.extend(evidence_of(said_off.iter().take(3).copied()));
        evidence.extend(evidence_of(cx.named("agent.update-failed").take(5)));
        let minimum = if cx.windows { MIN_SUPPORTED_WINDOWS_AGENT } else { MIN_SUPPORTED_LINUX_AGENT };
        if compare_versions(v, minimum).is_lt() {
            let mut summary = format!("The agent runs version {v}, below the oldest supported {minimum}");
            if auto_update_off {
                summary.push_str(", and automatic updates are off");
            }
            summary.push('.');
            return Some(Draft {
                severity: Some(Severity::Error),
                confidence: Confidence::High,
                summary,
                evidence,
                error_codes: None,
            });
        }
        if !cx.windows && auto_update_off && compare_versions(v, STALE_LINUX_AGENT).is_lt() {
            return Some(Draft {
                severity: Some(Severity::Warning),
                confidence: Confidence::Medium,
                summary: format!(
                    "The agent runs version {v} with automatic updates off, so it stays below {STALE_LINUX_AGENT} \
                     and misses fixes extensions rely on."
                ),
                evidence,
                error_codes: None,
            });
        }
        None
    }
}

/// `agent-config-blocks-extensions`.
pub struct ConfigBlocksExtensions;

impl Diagnosis for ConfigBlocksExtensions {
    fn id(&self) -> &'static str {
        "agent-config-blocks-extensions"
    }

    fn rule(&self) -> &'static str {
        "Extensions.Enabled=n in /etc/waagent.conf (only a literal `n` counts), or the agent logging that it \
         will not process extensions, or an extension policy refusing them."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["config.extensions-disabled", "config.extension-policy"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let conf = cx.facts.waagent_conf.as_ref();
        let conf_off = conf.filter(|c| c.config.switch("Extensions.Enabled") == Some(false));
        let logged: Vec<&Signal> = cx.named("config.extensions-disabled").collect();
        let policy: Vec<&Signal> = cx.named("config.extension-policy").collect();
        if conf_off.is_none() && logged.is_empty() && policy.is_empty() {
            return None;
        }
        let mut evidence = Vec::new();
        if let Some(e) = conf_off.and_then(|c| c.evidence("Extensions.Enabled")) {
            evidence.push(e);
        }
        evidence.extend(evidence_of(logged.iter().copied()));
        evidence.extend(evidence_of(policy.iter().copied()));
        let summary = match (conf_off.is_some(), logged.is_empty(), policy.is_empty()) {
            (true, false, _) => {
                "Extensions.Enabled=n in waagent.conf and the agent confirms it skips extensions.".to_string()
            }
            (true, true, _) => {
                "Extensions.Enabled=n in waagent.conf: the agent will not run the backup extension."
                    .to_string()
            }
            (false, false, _) => "The agent logs that extension processing is disabled.".to_string(),
            (false, true, _) => "An extension policy stops the agent from processing extensions.".to_string(),
        };
        let confidence =
            if conf_off.is_some() || !logged.is_empty() { Confidence::High } else { Confidence::Medium };
        let _ = span(&logged);
        Some(Draft { severity: None, confidence, summary, evidence, error_codes: None })
    }
}

/// Goal-state processing failures this many times, or spanning `GOAL_STATE_MINUTES`, are an error.
const GOAL_STATE_REPEATS: usize = 3;
const GOAL_STATE_MINUTES: i64 = 10;

/// Signals of the agent failing on its goal state where the server answered (so not a network failure).
const GOAL_STATE_FAILURES: &[&str] =
    &["agent.goal-state-broken", "goal-state.server-error", "goal-state.invalid", "hostplugin.failure"];

/// The distinct goal-state failures of a bundle: the agent's own processing errors, documents the server
/// refused or that do not parse, HostGAPlugin channel errors, and WireServer calls answered with an HTTP
/// error. A 410 Gone during a refresh is routine and left out.
pub fn goal_state_failures<'s>(cx: &'s Context<'_>) -> Vec<&'s Signal> {
    // Processing errors whose cause is the network (a socket errno, throttling) belong to
    // wireserver-unreachable; failures on the certificate files follow from certificates the agent cannot
    // decrypt and belong to that finding.
    let network_caused = |s: &&Signal| {
        s.capture("errno").is_some() || answered_status(s).is_some_and(super::is_throttling_status)
    };
    let certificates_failing = cx.any_of(&["settings.undecryptable", "agent.cert-failure"]).next().is_some();
    let about_certificates = |s: &&Signal| {
        certificates_failing
            && (s.capture("os_errno").is_some()
                || ["Certificates.pem", "Certificates.p7m", "Certificates.xml", "certificates"]
                    .iter()
                    .any(|c| s.mentions(c)))
    };
    let wire = network::wire_failures_by_cause(cx).1.into_iter().filter(|s| answered_status(s) != Some(410));
    let own = cx
        .any_of(GOAL_STATE_FAILURES)
        .filter(|s| answered_status(s) != Some(410))
        .filter(|s| !network_caused(s));
    let mut all: Vec<&Signal> = own.chain(wire).filter(|s| !about_certificates(s)).collect();
    all.sort_by_key(|s| (s.time.is_none(), s.time, s.path.clone(), s.line));
    distinct_events(&all)
}

/// `agent-goal-state-failing`.
pub struct GoalStateFailing;

impl Diagnosis for GoalStateFailing {
    fn id(&self) -> &'static str {
        "agent-goal-state-failing"
    }

    fn rule(&self) -> &'static str {
        "The agent cannot process goal states: its own goal-state files are missing or stale, it hits exceptions \
         processing extensions, the WireServer or HostGAPlugin answers a goal-state document with an HTTP error \
         (400/403/404/500; 410 Gone during a refresh is routine), or a document is malformed. Telemetry mirrors \
         count once. 3+ distinct failures or a span of 10 min or more (a periodic summary stands for its hour) \
         is an error, lowered to a warning when a goal state is fetched afterwards; fewer is a warning, and a \
         single one followed by a fetched goal state is nothing."
    }

    fn signals(&self) -> &'static [&'static str] {
        &[
            "agent.goal-state-broken",
            "goal-state.server-error",
            "goal-state.invalid",
            "hostplugin.failure",
            "wire.failure",
            "wire.goal-state-failure",
            "wire.status-upload-failure",
            "agent.goal-state-ok",
        ]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let broken = goal_state_failures(cx);
        if broken.is_empty() {
            return None;
        }
        let lasting = covered_span(&broken);
        let persistent =
            broken.len() >= GOAL_STATE_REPEATS || lasting >= Duration::minutes(GOAL_STATE_MINUTES);
        let last = broken.iter().filter_map(|s| s.time).max();
        let recovered = last.and_then(|l| latest_after(cx, &["agent.goal-state-ok", "wire.recovered"], l));
        let only_host_plugin = broken.iter().all(|s| &*s.name == "hostplugin.failure");
        if !persistent && recovered.is_some() && (broken.len() == 1 || only_host_plugin) {
            return None;
        }
        let stale = broken.iter().any(|s| s.mentions("is missing"));
        let statuses: Vec<String> = {
            let mut v: Vec<String> =
                broken.iter().filter_map(|s| answered_status(s)).map(|c| c.to_string()).collect();
            v.sort();
            v.dedup();
            v
        };
        let invalid = broken.iter().any(|s| &*s.name == "goal-state.invalid");
        let only_status = broken.iter().all(|s| &*s.name == "wire.status-upload-failure");
        let what = if only_status {
            "The agent could not upload its status (the WireServer answers goal-state requests, so the \
             HostGAPlugin or the status blob refuses it)"
        } else {
            "The agent failed to get or process its goal state"
        };
        let mut summary = format!(
            "{what} {} time(s){}",
            broken.len(),
            if lasting > Duration::zero() {
                format!(" over {}", human_duration(lasting))
            } else {
                String::new()
            }
        );
        if !statuses.is_empty() {
            summary.push_str(&format!(
                "; the server answered HTTP {} (the network path works: this is a goal-state or settings \
                 problem, not a firewall one)",
                statuses.join("/")
            ));
        }
        if invalid {
            summary.push_str("; a goal-state document is malformed");
        }
        if only_host_plugin {
            summary.push_str("; every failure is on the HostGAPlugin channel (port 32526)");
        }
        if stale {
            summary.push_str("; its goal-state files under /var/lib/waagent are missing or stale");
        }
        if let Some(errno) = broken.iter().find_map(|s| s.capture("os_errno")) {
            summary.push_str(&format!(
                "; the agent cannot read or write its own goal-state files ([Errno {errno}]: check permissions, \
                 free space and the file system of /var/lib/waagent)"
            ));
        }
        if recovered.is_some() {
            summary.push_str("; it fetched a goal state again afterwards");
        }
        summary.push('.');
        let (severity, confidence) = match (persistent, recovered.is_some()) {
            (true, false) => (Severity::Error, Confidence::High),
            (true, true) => (Severity::Warning, Confidence::Medium),
            (false, _) => (Severity::Warning, Confidence::Low),
        };
        let mut evidence = evidence_of(broken);
        evidence.extend(evidence_of(recovered));
        Some(Draft { severity: Some(severity), confidence, summary, evidence, error_codes: None })
    }
}

/// `agent-protocol-not-ready`.
pub struct ProtocolNotReady;

impl Diagnosis for ProtocolNotReady {
    fn id(&self) -> &'static str {
        "agent-protocol-not-ready"
    }

    fn rule(&self) -> &'static str {
        "The agent keeps retrying protocol / endpoint detection and never obtains an endpoint or a goal state \
         afterwards. Steps aside when wireserver-unreachable, dhcp-disabled or agent-goal-state-failing already \
         explains it (the cause is named there). 3+ distinct retries or 10 min: error; fewer: warning."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["agent.protocol-not-ready", "agent.endpoint-obtained", "agent.goal-state-ok"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let raw: Vec<&Signal> = cx.named("agent.protocol-not-ready").collect();
        let retries = distinct_events(&raw);
        let last = retries.iter().filter_map(|s| s.time).max()?;
        if latest_after(cx, &["agent.endpoint-obtained", "agent.goal-state-ok"], last).is_some() {
            return None;
        }
        if ["wireserver-unreachable", "dhcp-disabled", "agent-goal-state-failing"]
            .iter()
            .any(|id| cx.decided.get(id).is_some_and(|s| *s <= Severity::Warning))
        {
            return None;
        }
        let lasting = covered_span(&retries);
        let counter = retries.iter().filter_map(|s| attempts(s)).max().unwrap_or(0);
        let persistent = retries.len() >= GOAL_STATE_REPEATS
            || lasting >= Duration::minutes(GOAL_STATE_MINUTES)
            || counter >= GOAL_STATE_REPEATS as u64;
        let mut summary = format!(
            "The agent retried protocol detection {} time(s){} and never obtained the WireServer endpoint or a \
             goal state afterwards",
            retries.len(),
            if lasting > Duration::zero() { format!(" over {}", human_duration(lasting)) } else { String::new() }
        );
        if counter > 0 {
            summary.push_str(&format!(" (its retry counter reached {counter})"));
        }
        summary.push('.');
        let (severity, confidence) = if persistent {
            (Severity::Error, Confidence::Medium)
        } else {
            (Severity::Warning, Confidence::Low)
        };
        Some(Draft {
            severity: Some(severity),
            confidence,
            summary,
            evidence: evidence_of(retries),
            error_codes: None,
        })
    }
}

/// `agent-certificates-failing`.
pub struct CertificatesFailing;

impl Diagnosis for CertificatesFailing {
    fn id(&self) -> &'static str {
        "agent-certificates-failing"
    }

    fn rule(&self) -> &'static str {
        "The agent's own certificate set-up fails (transport certificate generation, openssl errors, the goal \
         state's certificates not retrievable). Telemetry mirrors count once; 2+ distinct failures: error; one: \
         warning. Certificates without a private key are routine."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["agent.cert-failure"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        // A certificate payload that cannot be decrypted is extension-settings-undecryptable's; the same record
        // is not a second finding.
        let undecryptable: Vec<(&str, Option<u32>)> =
            cx.named("settings.undecryptable").map(|s| (&*s.path, s.line)).collect();
        let raw: Vec<&Signal> =
            cx.named("agent.cert-failure").filter(|s| !undecryptable.contains(&(&*s.path, s.line))).collect();
        let failures = distinct_events(&raw);
        if failures.is_empty() {
            return None;
        }
        let lasting = covered_span(&failures);
        let summary = format!(
            "The agent failed to set up its certificates {} time(s){}: without them it cannot decrypt extension \
             settings or talk securely to the WireServer.",
            failures.len(),
            if lasting > Duration::zero() { format!(" over {}", human_duration(lasting)) } else { String::new() }
        );
        let (severity, confidence) = if failures.len() >= 2 {
            (Severity::Error, Confidence::Medium)
        } else {
            (Severity::Warning, Confidence::Low)
        };
        Some(Draft {
            severity: Some(severity),
            confidence,
            summary,
            evidence: evidence_of(failures),
            error_codes: None,
        })
    }
}

/// `vm-provisioning-failed`.
pub struct ProvisioningFailed;

impl Diagnosis for ProvisioningFailed {
    fn id(&self) -> &'static str {
        "vm-provisioning-failed"
    }

    fn rule(&self) -> &'static str {
        "The agent (or cloud-init under it) logs that provisioning the VM failed, and no later line says \
         provisioning finished."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["agent.provisioning-failed", "agent.provisioned"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let raw: Vec<&Signal> = cx.named("agent.provisioning-failed").collect();
        let failures = distinct_events(&raw);
        let last = failures.iter().filter_map(|s| s.time).max();
        if failures.is_empty() {
            return None;
        }
        if last.and_then(|l| latest_after(cx, &["agent.provisioned"], l)).is_some() {
            return None;
        }
        let summary = format!(
            "Provisioning the VM failed ({} time(s)) and never finished afterwards: the VM is left in a failed \
             provisioning state.",
            failures.len()
        );
        Some(Draft {
            severity: None,
            confidence: Confidence::High,
            summary,
            evidence: evidence_of(failures),
            error_codes: None,
        })
    }
}
