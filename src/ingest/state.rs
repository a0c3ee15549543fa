//! Structured state files: configuration, goal state, extension status and handler files, OS identity,
//! network configuration. Each becomes facts; a parse failure fails only its member.

use snaptriage_parsers::network_config::{self, NetworkFileKind};
use snaptriage_parsers::{
    ext_status, extensions_config, goal_state, handler, registry, vssadmin, waagent_conf, waagent_status,
    SourceTime,
};

use super::{IngestContext, MemberOutcome, RawSignal};
use crate::facts::{
    is_backup_extension, AgentStatusFact, ConfFile, ExtensionStatusFact, Fact, HandlerFact, HandlerOrigin,
    NetworkFact, RegistryFact, SettingsFact, VssWriterFact,
};
use crate::intake::{ArtifactKind, Member};
use crate::signals::MatchScratch;

/// Parses a structured member into facts; returns the inventory detail or why it failed.
pub(super) fn ingest_state(
    member: &Member,
    bytes: &[u8],
    text: &str,
    cx: &IngestContext<'_>,
    out: &mut MemberOutcome,
) -> Result<String, String> {
    let path = member.path.as_str();
    let detail = match member.kind {
        ArtifactKind::WaagentConf | ArtifactKind::VmBackupConf => {
            let config = waagent_conf::parse(text);
            let detail =
                format!("{} settings, {} unreadable lines", config.entries.len(), config.invalid_lines.len());
            let file = ConfFile { path: path.to_string(), config };
            out.facts.push(if member.kind == ArtifactKind::WaagentConf {
                Fact::WaagentConf(file)
            } else {
                Fact::VmBackupConf(file)
            });
            detail
        }
        ArtifactKind::OsRelease => os_release(text, out),
        ArtifactKind::TimeZone => {
            let zone = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'));
            match zone {
                Some(z) => {
                    out.facts.push(Fact::TimeZone(z.to_string(), path.to_string()));
                    format!("zone {z}")
                }
                None => return Err("empty time zone file".into()),
            }
        }
        ArtifactKind::NetworkConfig => network(path, text, out),
        ArtifactKind::GoalState => match goal_state::parse(bytes).map_err(|e| e.to_string())? {
            goal_state::GoalStateFile::Placeholder => {
                "placeholder (agent 2.8+ keeps goal states in history/)".into()
            }
            goal_state::GoalStateFile::GoalState(gs) => {
                format!("incarnation {}", gs.incarnation.map(|i| i.to_string()).unwrap_or_else(|| "?".into()))
            }
        },
        ArtifactKind::HostingEnvironmentConfig => {
            goal_state::parse_hosting_environment(bytes).map_err(|e| e.to_string())?;
            "hosting environment".into()
        }
        ArtifactKind::SharedConfig => {
            goal_state::parse_shared_config(bytes).map_err(|e| e.to_string())?;
            "shared config".into()
        }
        ArtifactKind::ExtensionsConfig => extensions(path, bytes, out)?,
        ArtifactKind::ExtStatus => status(path, bytes, out)?,
        ArtifactKind::ExtSettings => {
            let settings = handler::parse_settings(bytes).map_err(|e| e.to_string())?;
            let (name, _) = handler_of(path);
            out.facts.push(Fact::Settings(SettingsFact {
                path: path.to_string(),
                handler: name.unwrap_or_default(),
                seq: handler::parse_seq_file_name(file_name(path)),
                has_protected: settings.has_protected_settings,
            }));
            format!(
                "protected settings: {}",
                if settings.has_protected_settings { "present" } else { "none" }
            )
        }
        ArtifactKind::HandlerState => {
            let state = handler::parse_handler_state(bytes).map_err(|e| e.to_string())?;
            let (name, version) = handler_of(path);
            let state_text = format!("{state:?}");
            out.facts.push(Fact::Handler(HandlerFact {
                path: path.to_string(),
                handler: name.unwrap_or_default(),
                version,
                state: state_text.clone(),
                origin: HandlerOrigin::HandlerStateFile,
                incarnation: None,
            }));
            state_text
        }
        ArtifactKind::HandlerStatus => {
            handler::parse_handler_status(bytes).map_err(|e| e.to_string())?;
            "handler status".into()
        }
        ArtifactKind::HandlerEnvironment => {
            handler::parse_handler_environment(bytes).map_err(|e| e.to_string())?;
            "handler environment".into()
        }
        ArtifactKind::HandlerManifest => {
            handler::parse_handler_manifest(bytes).map_err(|e| e.to_string())?;
            "handler manifest".into()
        }
        ArtifactKind::Mrseq => {
            format!("sequence {}", handler::parse_mrseq(bytes).map_err(|e| e.to_string())?)
        }
        ArtifactKind::WaagentStatus | ArtifactKind::AggregateStatus => agent_status(path, bytes, out)?,
        ArtifactKind::VssWriters => {
            let writers = vssadmin::parse_bytes(bytes);
            let detail = format!("{} writers", writers.len());
            for w in writers {
                let stable = w.state == Some(1)
                    || w.state_text.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("stable"));
                let state = match (w.state, &w.state_text) {
                    (Some(n), Some(t)) => format!("[{n}] {t}"),
                    (Some(n), None) => format!("[{n}]"),
                    (None, Some(t)) => t.clone(),
                    (None, None) => "unknown".into(),
                };
                out.facts.push(Fact::VssWriter(VssWriterFact {
                    path: path.to_string(),
                    line: w.line,
                    name: w.name,
                    state,
                    stable,
                    last_error: w.last_error.unwrap_or_else(|| "No error".into()),
                }));
            }
            detail
        }
        ArtifactKind::RegistryHive => hive(path, bytes, out)?,
        ArtifactKind::Heartbeat => {
            let hb = ext_status::parse_heartbeat(bytes).map_err(|e| e.to_string())?;
            format!("heartbeat {}", hb.status.unwrap_or_else(|| "?".into()))
        }
        _ => "not parsed".into(),
    };
    tag_whole_text(member.kind, text, cx, out);
    Ok(detail)
}

/// Runs signatures that apply to a structured kind over the whole file as one record.
fn tag_whole_text(kind: ArtifactKind, text: &str, cx: &IngestContext<'_>, out: &mut MemberOutcome) {
    if !cx.signatures.covers(kind) {
        return;
    }
    let time = out.facts.iter().find_map(|f| match f {
        Fact::ExtensionStatus(s) => s.time.map(|t| SourceTime::Utc(t.naive_utc())),
        _ => None,
    });
    let mut scratch = MatchScratch::default();
    for m in cx.signatures.match_text(kind, text, &mut scratch) {
        let before = text.get(..m.offset.min(text.len())).unwrap_or("");
        let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() as u32 + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        let snippet: String = text[start..].chars().take(300).take_while(|c| *c != '\n').collect();
        let sig = &cx.signatures.signatures()[m.signature];
        out.signals.push(RawSignal {
            signal: sig.signal.clone(),
            signature: m.signature,
            line: Some(line),
            record_id: None,
            time,
            level: snaptriage_parsers::Level::Unknown,
            prefix: None,
            text: snippet.trim().to_string(),
            head: String::new(),
            about_backup: false,
            captures: m.captures,
        });
    }
}

fn os_release(text: &str, out: &mut MemberOutcome) -> String {
    let field = |key: &str| {
        text.lines().find_map(|l| {
            l.strip_prefix(key)?.strip_prefix('=').map(|v| v.trim().trim_matches('"').to_string())
        })
    };
    let name = field("PRETTY_NAME").or_else(|| {
        let n = field("NAME")?;
        Some(match field("VERSION") {
            Some(v) => format!("{n} {v}"),
            None => n,
        })
    });
    match name {
        Some(n) => {
            out.facts.push(Fact::Os(n.clone()));
            n
        }
        None => "no OS name".into(),
    }
}

fn network(path: &str, text: &str, out: &mut MemberOutcome) -> String {
    let file = file_name(path);
    let kind = if file.starts_with("ifcfg-") {
        NetworkFileKind::Ifcfg
    } else if file.ends_with(".yaml") || file.ends_with(".yml") {
        NetworkFileKind::Netplan
    } else {
        NetworkFileKind::Interfaces
    };
    let found = network_config::parse(kind, file, text);
    let detail = format!("{} interface declarations", found.len());
    for a in found {
        out.facts.push(Fact::Network(NetworkFact {
            path: path.to_string(),
            line: a.line,
            interface: a.interface,
            dhcp: a.dhcp,
            text: a.text,
        }));
    }
    detail
}

fn extensions(path: &str, bytes: &[u8], out: &mut MemberOutcome) -> Result<String, String> {
    let config = extensions_config::parse(bytes).map_err(|e| e.to_string())?;
    for plugin in &config.plugins {
        let Some(name) = plugin.name.clone() else { continue };
        let state = match &plugin.state {
            Some(extensions_config::PluginState::Enabled) => "enabled".to_string(),
            Some(extensions_config::PluginState::Disabled) => "disabled".to_string(),
            Some(extensions_config::PluginState::Uninstall) => "uninstall".to_string(),
            Some(extensions_config::PluginState::Other(s)) => s.clone(),
            None => "unknown".to_string(),
        };
        out.facts.push(Fact::Handler(HandlerFact {
            path: path.to_string(),
            handler: name,
            version: plugin.version.clone(),
            state,
            origin: HandlerOrigin::GoalState,
            incarnation: config.goal_state_incarnation,
        }));
    }
    Ok(format!(
        "incarnation {}, {} extensions",
        config.goal_state_incarnation.map(|i| i.to_string()).unwrap_or_else(|| "?".into()),
        config.plugins.len()
    ))
}

fn status(path: &str, bytes: &[u8], out: &mut MemberOutcome) -> Result<String, String> {
    let parsed = ext_status::parse(bytes).map_err(|e| e.to_string())?;
    let (dir_name, dir_version) = handler_of(path);
    let handler = dir_name.or_else(|| parsed.name.clone()).unwrap_or_else(|| "unknown".into());
    let effective = parsed.effective_status();
    let code_source = parsed.inner.as_ref().map(|i| &i.code).unwrap_or(&parsed.code);
    let code = code_source.value().or(parsed.code.value());
    let message = parsed
        .inner
        .as_ref()
        .and_then(|i| i.message.clone())
        .or_else(|| parsed.response.as_ref().and_then(|r| r.message.clone()))
        .or_else(|| parsed.message.clone())
        .unwrap_or_default();
    let ext_error = parsed.ext_error_code().map(str::to_string).or_else(|| {
        snaptriage_parsers::vmsnapshot_log::status_code_names(&message).next().map(str::to_string)
    });
    let mut telemetry: Vec<(String, String)> = Vec::new();
    if let Some(inner) = &parsed.inner {
        telemetry.extend(inner.extras.telemetry.iter().cloned());
    }
    if let Some(top) = &parsed.snapshot {
        telemetry.extend(top.telemetry.iter().cloned());
    }
    let task_id = parsed
        .inner
        .as_ref()
        .and_then(|i| i.extras.task_id.clone())
        .or_else(|| parsed.snapshot.as_ref().and_then(|s| s.task_id.clone()));
    let time = parsed.timestamp.map(|t| match t {
        SourceTime::Utc(n) | SourceTime::Local(n) => n.and_utc(),
    });
    let fact = ExtensionStatusFact {
        path: path.to_string(),
        handler,
        handler_version: dir_version,
        seq: handler::parse_seq_file_name(file_name(path)),
        operation: parsed.operation.clone(),
        reported_status: parsed.status.as_str().to_string(),
        status: effective.as_str().to_string(),
        code,
        message: crate::facts::clip(&message, 1024),
        ext_error,
        time,
        task_id,
        telemetry,
    };
    let detail =
        format!("{} {} code {}", fact.handler, fact.status, code.map(|c| c.to_string()).unwrap_or_default());
    out.facts.push(Fact::ExtensionStatus(fact));
    Ok(detail)
}

/// Key paths read from the SOFTWARE and SYSTEM hives (hive-relative prefixes).
const HIVE_PREFIXES: &[&str] = &[
    "Microsoft\\Windows Azure",
    "Microsoft\\Virtual Machine\\Guest",
    "Microsoft\\GuestAgent",
    "Microsoft\\BcdrAgentPersistentKeys",
    "Microsoft\\BCDRAGENT",
    "Microsoft\\Windows Defender\\Exclusions",
    "Microsoft\\.NETFramework",
    "Microsoft\\NET Framework Setup\\NDP\\v4\\Full",
    "Policies\\Microsoft\\Windows Defender\\Exclusions",
    "Select",
    "ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces",
    "ControlSet002\\Services\\Tcpip\\Parameters\\Interfaces",
    "ControlSet001\\Services\\Msiserver",
    "ControlSet002\\Services\\Msiserver",
];

/// A registry hive: the values under the backup-relevant keys (SYSTEM: only the current control set).
fn hive(path: &str, bytes: &[u8], out: &mut MemberOutcome) -> Result<String, String> {
    let values = registry::read_hive(bytes, HIVE_PREFIXES).map_err(|e| e.to_string())?;
    let current = registry::current_control_set(&values);
    let mut kept = 0;
    for v in &values {
        let in_other_set = v.key.to_ascii_lowercase().starts_with("controlset")
            && current
                .as_deref()
                .is_some_and(|c| !v.key.to_ascii_lowercase().starts_with(&c.to_ascii_lowercase()));
        if in_other_set {
            continue;
        }
        kept += 1;
        out.facts.push(Fact::Registry(RegistryFact {
            path: path.to_string(),
            key: v.key.clone(),
            name: v.name.clone(),
            value: v.data.to_text(),
        }));
    }
    Ok(format!("{kept} values under backup-relevant keys"))
}

fn utc(t: Option<SourceTime>) -> Option<chrono::DateTime<chrono::Utc>> {
    t.map(|t| t.naive().and_utc())
}

/// The agent's aggregate status: its version and readiness, and each handler's reported settings status.
fn agent_status(path: &str, bytes: &[u8], out: &mut MemberOutcome) -> Result<String, String> {
    let report = waagent_status::parse(bytes).map_err(|e| e.to_string())?;
    let time = utc(report.timestamp);
    let version = report.goal_state_agent_version.clone().or_else(|| report.agent_version.clone());
    out.facts.push(Fact::AgentStatus(AgentStatusFact {
        path: path.to_string(),
        version: version.clone(),
        status: report.agent_status.clone(),
        message: report.agent_message.clone(),
        time,
    }));
    for h in &report.handlers {
        let (Some(name), Some(settings)) = (&h.name, &h.settings) else { continue };
        let reported = settings.status.clone().unwrap_or_default().to_ascii_lowercase();
        let code = settings.code.value();
        let status = if is_backup_extension(name) && reported == "success" {
            // The backup extension forces its top-level status to success; the code keeps the truth.
            match code {
                Some(4) => "transitioning".to_string(),
                Some(c) if ![0, 1, 3].contains(&c) => "error".to_string(),
                _ => reported.clone(),
            }
        } else {
            reported.clone()
        };
        let message = settings.message.clone().unwrap_or_default();
        out.facts.push(Fact::ExtensionStatus(ExtensionStatusFact {
            path: path.to_string(),
            handler: name.clone(),
            handler_version: h.version.clone(),
            seq: h.sequence_number,
            operation: settings.operation.clone(),
            reported_status: reported,
            status,
            code,
            ext_error: snaptriage_parsers::vmsnapshot_log::status_code_names(&message)
                .next()
                .map(str::to_string),
            message: crate::facts::clip(&message, 1024),
            time: utc(settings.timestamp).or(time),
            task_id: None,
            telemetry: Vec::new(),
        }));
    }
    Ok(format!(
        "agent {} {}, {} handlers",
        version.unwrap_or_else(|| "?".into()),
        report.agent_status.unwrap_or_default(),
        report.handlers.len()
    ))
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Handler name and version from a member path: Linux `.../<Handler>-<ver>/status/N.status`, Windows
/// `.../Plugins/<Handler>/<ver>/Status/N.status`.
pub(crate) fn handler_of(path: &str) -> (Option<String>, Option<String>) {
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty() && *p != "!").collect();
    let n = parts.len();
    if n < 3 {
        return (None, None);
    }
    let dir = parts[n - 3].trim_end_matches(".zip");
    if let Some((name, version)) = handler::parse_handler_dir_name(dir) {
        return (Some(name.to_string()), Some(version.to_string()));
    }
    if n >= 4 && parts[n - 3].split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        return (Some(parts[n - 4].to_string()), Some(parts[n - 3].to_string()));
    }
    (None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_from_linux_and_windows_paths() {
        assert_eq!(
            handler_of(
                "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/3.status"
            ),
            (Some("Microsoft.Azure.RecoveryServices.VMSnapshotLinux".into()), Some("1.0.9225.0".into()))
        );
        assert_eq!(
            handler_of(
                "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.75.0/Status/2.status"
            ),
            (Some("Microsoft.Azure.RecoveryServices.VMSnapshot".into()), Some("1.0.75.0".into()))
        );
        assert_eq!(handler_of("status/1.status"), (None, None));
    }
}
