//! Extension handling: Python for the Linux backup extension, other failing extensions, a half-removed
//! backup extension, undecryptable settings.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use snaptriage_parsers::{handler::parse_handler_dir_name, waagent_log::extension_prefix};

use super::{evidence_of, Context, Diagnosis, Draft, Signal};
use crate::facts::{is_backup_extension, ExtensionStatusFact, HandlerOrigin};
use crate::report::{Confidence, Severity};

/// Exit codes of the backup extension's launcher that mean Python could not run it: 3 (no Python found by
/// handle.sh) and 127 (command not found).
const PYTHON_EXIT_CODES: &[&str] = &["3", "127"];

/// The extension a signal is about: the event's `name=`, the handler directory in a command path, the
/// record's `[Publisher.Type-version]` prefix, or (Windows plugin logs) the `Plugins/<Publisher.Type>/` folder
/// of the member path.
pub fn extension_of(s: &Signal) -> Option<String> {
    if let Some(name) = s.capture("name") {
        return Some(name.to_string());
    }
    if let Some(cmd) = s.capture("command") {
        if let Some(name) =
            cmd.split('/').find_map(|part| parse_handler_dir_name(part).map(|(n, _)| n.to_string()))
        {
            if name != "WALinuxAgent" {
                return Some(name);
            }
        }
    }
    if let Some((name, _)) = plugin_of_path(s) {
        return Some(name.to_string());
    }
    s.prefix.as_deref().and_then(extension_prefix).map(|(n, _)| n.to_string())
}

/// A Windows plugin log's extension and version, from its path
/// (`WindowsAzure/Logs/Plugins/<Publisher.Type>/<version>/CommandExecution.log`).
pub fn plugin_of_path(s: &Signal) -> Option<(&str, Option<&str>)> {
    if s.kind != crate::intake::ArtifactKind::PluginLog {
        return None;
    }
    let parts: Vec<&str> = s.path.split(['/', '\\']).filter(|p| !p.is_empty() && *p != "!").collect();
    let at = parts.iter().rposition(|p| p.eq_ignore_ascii_case("plugins"))?;
    let name = *parts.get(at + 1).filter(|n| at + 2 < parts.len() && !n.is_empty())?;
    let version = parts.get(at + 2).copied().filter(|v| {
        at + 3 < parts.len() && v.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    });
    Some((name, version))
}

/// True when a line names an uninstall or disable *command* of a handler (`handle.sh uninstall`, `Disable
/// extension`), not merely the word "disabled" ("extension processing is disabled").
fn names_removal_command(text: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?i)(?:\.(?:sh|py)\s+-?(?:uninstall|disable)\b|\b(?:uninstall|disable) (?:extension|command)\b)")
            .expect("removal regex")
    });
    re.is_match(text)
}

/// `python-unsupported`.
pub struct PythonUnsupported;

impl Diagnosis for PythonUnsupported {
    fn id(&self) -> &'static str {
        "python-unsupported"
    }

    fn rule(&self) -> &'static str {
        "shell.log or the agent log says no usable Python (`python version unknown`, interpreter not found), a \
         Python import error in the backup extension's output, or the backup extension's command exiting with \
         code 3 or 127."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["python.unusable", "python.import-error", "python.handle-exit", "ext.failure", "ext.nonzero-exit"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let unusable: Vec<&Signal> =
            cx.named("python.unusable").filter(|s| s.is_backup_extension() || !is_agent_log(s)).collect();
        let imports: Vec<&Signal> =
            cx.named("python.import-error").filter(|s| s.is_backup_extension()).collect();
        let exits: Vec<&Signal> = cx
            .any_of(&["python.handle-exit", "ext.nonzero-exit", "ext.failure"])
            .filter(|s| s.is_backup_extension() || extension_of(s).is_some_and(|n| is_backup_extension(&n)))
            .filter(|s| exit_code(s).is_some_and(|c| PYTHON_EXIT_CODES.contains(&c.as_str())))
            .collect();
        if unusable.is_empty() && imports.is_empty() && exits.is_empty() {
            return None;
        }
        let evidence = evidence_of(unusable.iter().chain(&imports).chain(&exits).copied());
        let mut parts = Vec::new();
        if !unusable.is_empty() {
            parts.push(format!("no usable Python found ({} time(s))", unusable.len()));
        }
        let modules: Vec<&str> = imports.iter().filter_map(|s| s.capture("module")).collect();
        if !imports.is_empty() {
            let what = if modules.is_empty() {
                String::new()
            } else {
                format!(" (`{}`)", dedup(modules).join("`, `"))
            };
            parts.push(format!("Python import errors{what}"));
        }
        if !exits.is_empty() {
            let codes: Vec<String> = exits.iter().filter_map(|s| exit_code(s)).collect();
            parts.push(format!(
                "launcher exit code {}",
                dedup(codes.iter().map(String::as_str).collect()).join("/")
            ));
        }
        let confidence =
            if unusable.is_empty() && imports.is_empty() { Confidence::Medium } else { Confidence::High };
        let summary = format!("The backup extension could not run its Python code: {}.", parts.join("; "));
        Some(Draft { severity: None, confidence, summary, evidence, error_codes: None })
    }
}

fn is_agent_log(s: &Signal) -> bool {
    s.kind == crate::intake::ArtifactKind::WaagentLog
}

/// The exit code a signal reports (`Non-zero exit code: N` or `N returned from handle.py`).
fn exit_code(s: &Signal) -> Option<String> {
    if let Some(c) = s.capture("exit_code") {
        return Some(c.to_string());
    }
    let text = s.capture("message").unwrap_or(&s.text);
    let rest = text.split("Non-zero exit code:").nth(1)?;
    let code: String = rest.trim_start().chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
    (!code.is_empty()).then_some(code)
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    let mut seen = Vec::new();
    v.retain(|x| {
        let fresh = !seen.contains(x);
        seen.push(*x);
        fresh
    });
    v
}

/// `extension-failed`.
pub struct ExtensionFailed;

impl Diagnosis for ExtensionFailed {
    fn id(&self) -> &'static str {
        "extension-failed"
    }

    fn rule(&self) -> &'static str {
        "An extension other than the backup extension failed (agent failure events, non-zero exits, time-outs, \
         download failures) or its latest status file is in error. Failures followed by a newer successful status \
         of the same extension are reported as a warning."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["ext.failure", "ext.nonzero-exit", "ext.timeout", "ext.plugin-failure"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let mut by_ext: BTreeMap<String, Vec<&Signal>> = BTreeMap::new();
        // Versions named by Windows plugin-log paths (or a signature's `version` capture), for the summary.
        let mut versions: BTreeMap<String, String> = BTreeMap::new();
        for s in cx.any_of(&["ext.failure", "ext.nonzero-exit", "ext.timeout", "ext.plugin-failure"]) {
            let Some(name) = extension_of(s) else { continue };
            if is_backup_extension(&name) || name.starts_with("WALinuxAgent") || name == "WALA" {
                continue;
            }
            if &*s.name == "ext.plugin-failure" {
                let version = s.capture("version").or_else(|| plugin_of_path(s).and_then(|(_, v)| v));
                if let Some(v) = version {
                    versions.insert(name.clone(), v.to_string());
                }
            }
            by_ext.entry(name).or_default().push(s);
        }
        let latest = cx.facts.latest_statuses();
        let failing_status: Vec<&ExtensionStatusFact> =
            latest.iter().copied().filter(|s| !s.is_backup_extension() && s.status == "error").collect();
        for s in &failing_status {
            by_ext.entry(s.handler.clone()).or_default();
        }
        if by_ext.is_empty() {
            return None;
        }
        let mut evidence = Vec::new();
        let mut unresolved = Vec::new();
        let mut resolved = Vec::new();
        for (name, signals) in &by_ext {
            evidence.extend(evidence_of(signals.iter().copied()));
            let status = latest.iter().find(|s| s.handler.eq_ignore_ascii_case(name));
            if let Some(s) = status {
                evidence.push(s.evidence());
            }
            let last_failure: Option<DateTime<Utc>> = signals.iter().filter_map(|s| s.time).max();
            let healed = status.is_some_and(|s| {
                s.status == "success" && s.time.zip(last_failure).is_some_and(|(st, f)| st > f)
            });
            let named = match versions.get(name) {
                Some(v) => format!("{name} {v}"),
                None => name.clone(),
            };
            if healed {
                resolved.push(named);
            } else {
                unresolved.push(named);
            }
        }
        let (severity, summary) = if unresolved.is_empty() {
            (
                Severity::Warning,
                format!("Extension(s) failed earlier and have since succeeded: {}.", resolved.join(", ")),
            )
        } else {
            (Severity::Error, format!("Extension(s) in error: {}.", unresolved.join(", ")))
        };
        let confidence = if failing_status.is_empty() { Confidence::Medium } else { Confidence::High };
        Some(Draft { severity: Some(severity), confidence, summary, evidence, error_codes: None })
    }
}

/// Removals of the handler directory beyond this count (without an upgrade) mean the removal keeps repeating.
const REPEATED_REMOVALS: usize = 2;

/// `vmsnapshot-stuck-deleting`.
pub struct StuckDeleting;

impl Diagnosis for StuckDeleting {
    fn id(&self) -> &'static str {
        "vmsnapshot-stuck-deleting"
    }

    fn rule(&self) -> &'static str {
        "The backup extension's uninstall or disable fails, or the goal state asks to uninstall it while its \
         handler directory keeps being removed (2+ times) or it is still targeted for uninstall again and again."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["ext.failure", "ext.nonzero-exit", "ext.handler-removed", "ext.target-state"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let removal_failures: Vec<&Signal> = cx
            .any_of(&["ext.failure", "ext.nonzero-exit", "ext.timeout"])
            .filter(|s| extension_of(s).is_some_and(|n| is_backup_extension(&n)) || s.is_backup_extension())
            .filter(|s| {
                let op = s.capture("op").unwrap_or("");
                op.eq_ignore_ascii_case("uninstall")
                    || op.eq_ignore_ascii_case("disable")
                    || names_removal_command(&s.text)
            })
            .collect();
        let removals: Vec<&Signal> = cx
            .named("ext.handler-removed")
            .filter(|s| s.capture("dir").is_some_and(is_backup_extension_dir))
            .collect();
        let uninstall_targets: Vec<&Signal> = cx
            .named("ext.target-state")
            .filter(|s| s.capture("name").is_some_and(is_backup_extension))
            .filter(|s| s.capture("state").is_some_and(|st| st.eq_ignore_ascii_case("uninstall")))
            .collect();
        let goal_uninstall: Vec<_> = cx
            .facts
            .handlers
            .iter()
            .filter(|h| {
                h.origin == HandlerOrigin::GoalState
                    && is_backup_extension(&h.handler)
                    && h.state == "uninstall"
            })
            .collect();
        let repeated = removals.len() >= REPEATED_REMOVALS || uninstall_targets.len() >= REPEATED_REMOVALS;
        let holds = !removal_failures.is_empty()
            || (!goal_uninstall.is_empty() && repeated)
            || (removals.len() > REPEATED_REMOVALS);
        if !holds {
            return None;
        }
        let mut evidence =
            evidence_of(removal_failures.iter().chain(&removals).chain(&uninstall_targets).copied());
        evidence.extend(goal_uninstall.iter().map(|h| crate::report::Evidence {
            path: h.path.clone(),
            line: None,
            record_id: None,
            timestamp: None,
            text: format!(
                "goal state (incarnation {}) asks: {} {} state={}",
                h.incarnation.map(|i| i.to_string()).unwrap_or_default(),
                h.handler,
                h.version.clone().unwrap_or_default(),
                h.state
            ),
        }));
        let summary = format!(
            "The backup extension is being removed and the removal does not complete: {} failed uninstall/disable \
             operation(s), {} handler-directory removal(s){}.",
            removal_failures.len(),
            removals.len(),
            if goal_uninstall.is_empty() { "" } else { ", goal state asks for uninstall" }
        );
        let confidence = if removal_failures.is_empty() { Confidence::Medium } else { Confidence::High };
        Some(Draft { severity: None, confidence, summary, evidence, error_codes: None })
    }
}

fn is_backup_extension_dir(dir: &str) -> bool {
    dir.rsplit('/')
        .find(|p| !p.is_empty())
        .and_then(parse_handler_dir_name)
        .is_some_and(|(n, _)| is_backup_extension(n))
}

/// The backup extension's error name for undecryptable settings.
pub const SETTINGS_CODES: &[&str] = &["FailedHandlerGuestAgentCertificateNotFound"];

/// `extension-settings-undecryptable`.
pub struct SettingsUndecryptable;

impl Diagnosis for SettingsUndecryptable {
    fn id(&self) -> &'static str {
        "extension-settings-undecryptable"
    }

    fn rule(&self) -> &'static str {
        "The backup extension (or the agent for it) cannot decrypt protected settings or load their certificate, \
         it ends with FailedHandlerGuestAgentCertificateNotFound (16), or the agent cannot decrypt the goal \
         state's certificates (CMS / .p7m, no supported cipher)."
    }

    fn signals(&self) -> &'static [&'static str] {
        &["snap.settings-undecryptable", "settings.undecryptable", "snap.status-code", "snap.ext-error"]
    }

    fn diagnose(&self, cx: &Context<'_>) -> Option<Draft> {
        let direct: Vec<&Signal> = cx
            .named("snap.settings-undecryptable")
            .filter(|s| s.is_backup_extension() || s.kind == crate::intake::ArtifactKind::VmSnapshotLog)
            .collect();
        let coded: Vec<&Signal> = cx
            .any_of(&["snap.status-code", "snap.ext-error"])
            .filter(|s| s.capture("ext_code").is_some_and(|c| SETTINGS_CODES.contains(&c)))
            .collect();
        let statuses: Vec<&ExtensionStatusFact> = cx
            .facts
            .extension_statuses
            .iter()
            .filter(|s| s.is_backup_extension() && s.status == "error")
            .filter(|s| {
                s.ext_error.as_deref().is_some_and(|e| SETTINGS_CODES.contains(&e)) || s.code == Some(16)
            })
            .collect();
        // The agent failing to decrypt the goal state's certificates leaves every extension's protected
        // settings unreadable, the backup extension's included.
        let raw_agent: Vec<&Signal> = cx.named("settings.undecryptable").collect();
        let agent_side = super::distinct_events(&raw_agent);
        if direct.is_empty() && coded.is_empty() && statuses.is_empty() && agent_side.is_empty() {
            return None;
        }
        let mut evidence = evidence_of(direct.iter().chain(&coded).chain(&agent_side).copied());
        evidence.extend(statuses.iter().map(|s| s.evidence()));
        let extension_side = !(direct.is_empty() && coded.is_empty() && statuses.is_empty());
        let mut summary = if !extension_side {
            format!(
                "The agent could not decrypt the certificates of its goal state ({} time(s)), so no extension can \
                 read its protected settings",
                agent_side.len()
            )
        } else {
            format!(
                "The backup extension could not decrypt its protected settings ({} log line(s), {} status file(s))",
                direct.len() + coded.len(),
                statuses.len()
            )
        };
        if extension_side && !agent_side.is_empty() {
            summary.push_str("; the agent failed to decrypt the goal state's certificates too");
        }
        summary.push('.');
        Some(Draft { severity: None, confidence: Confidence::High, summary, evidence, error_codes: None })
    }
}
