//! Structured state files: configuration, goal state, extension status and handler files, OS identity,
//! network configuration. Each becomes facts; a parse failure fails only its member.

use snaptriage_parsers::network_config;
use snaptriage_parsers::{
    ext_status, extensions_config, goal_state, handler, registry, vssadmin, waagent_conf, waagent_status,
    ParseError, SourceTime,
};

use super::{IngestContext, MemberOutcome, RawSignal};
use crate::artifacts::extension_state::handler_of;
use crate::artifacts::system::network_format;
use crate::facts::identity::{role_from_instance_id, vm_name_from_role, IdentityFact, IdentityKind};
use crate::facts::{
    is_backup_extension, AgentStatusFact, ConfFile, ExtensionStatusFact, Fact, HandlerFact, HandlerOrigin,
    NetworkFact, RegistryFact, SettingsFact, VssWriterFact,
};
use crate::intake::{ArtifactKind, Member};
use crate::signals::MatchScratch;

/// A structured member as its reader sees it.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    /// The member's logical path.
    pub path: &'a str,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// Its bytes decoded as text (UTF-8 or UTF-16, invalid sequences replaced).
    pub text: &'a str,
}

/// Why a structured member could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// Its parser refused it.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A time zone file names no zone.
    #[error("empty time zone file")]
    EmptyTimeZone,
}

/// Reads a structured member into facts and returns its inventory detail (the registry names each kind's).
pub type DocumentReader = fn(&Document<'_>, &mut MemberOutcome) -> Result<String, DocumentError>;

/// Parses a structured member with its kind's reader (none: read as text only), then runs the signatures
/// that name its kind over its text. Returns the inventory detail.
pub(super) fn ingest_document(
    member: &Member,
    reader: Option<DocumentReader>,
    doc: &Document<'_>,
    cx: &IngestContext<'_>,
    out: &mut MemberOutcome,
) -> Result<String, DocumentError> {
    let detail = match reader {
        Some(read) => read(doc, out)?,
        None => "not parsed".into(),
    };
    tag_whole_text(member.kind, doc.text, cx, out);
    Ok(detail)
}

/// `waagent.conf`: its settings.
pub(crate) fn waagent_conf(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    Ok(conf(doc, out, Fact::WaagentConf))
}

/// `vmbackup.conf`: its settings.
pub(crate) fn vmbackup_conf(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    Ok(conf(doc, out, Fact::VmBackupConf))
}

fn conf(doc: &Document<'_>, out: &mut MemberOutcome, fact: fn(ConfFile) -> Fact) -> String {
    let config = waagent_conf::parse(doc.text);
    let detail =
        format!("{} settings, {} unreadable lines", config.entries.len(), config.invalid_lines.len());
    out.facts.push(fact(ConfFile { path: doc.path.to_string(), config }));
    detail
}

/// `/etc/timezone`: the zone it names.
pub(crate) fn time_zone(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    let zone = doc.text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'));
    let zone = zone.ok_or(DocumentError::EmptyTimeZone)?;
    out.facts.push(Fact::TimeZone(zone.to_string(), doc.path.to_string()));
    Ok(format!("zone {zone}"))
}

/// A goal state: its incarnation (agents 2.8+ leave a placeholder).
pub(crate) fn goal_state(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    Ok(match goal_state::parse(doc.bytes)? {
        goal_state::GoalStateFile::Placeholder => {
            "placeholder (agent 2.8+ keeps goal states in history/)".into()
        }
        goal_state::GoalStateFile::GoalState(gs) => {
            if let Some(id) = &gs.container_id {
                identify(out, doc.path, IdentityKind::ContainerId, id);
            }
            for role in gs.role_instances.iter().filter_map(|r| r.instance_id.as_deref()) {
                if let Some(name) = role_from_instance_id(role) {
                    identify(out, doc.path, IdentityKind::VmName, name);
                }
            }
            format!("incarnation {}", gs.incarnation.map(|i| i.to_string()).unwrap_or_else(|| "?".into()))
        }
    })
}

/// `HostingEnvironmentConfig.xml`: the VM's role name.
pub(crate) fn hosting_environment(
    doc: &Document<'_>,
    out: &mut MemberOutcome,
) -> Result<String, DocumentError> {
    let info = goal_state::parse_hosting_environment(doc.bytes)?;
    if let Some(name) = info.role_name.as_deref().and_then(vm_name_from_role) {
        identify(out, doc.path, IdentityKind::VmName, name);
    }
    Ok("hosting environment".into())
}

/// `SharedConfig.xml`: the VM's role name.
pub(crate) fn shared_config(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    let config = goal_state::parse_shared_config(doc.bytes)?;
    if let Some(name) = config.deployment.role_name.as_deref().and_then(vm_name_from_role) {
        identify(out, doc.path, IdentityKind::VmName, name);
    }
    Ok("shared config".into())
}

/// Records a name of the VM a document gives.
pub(crate) fn identify(out: &mut MemberOutcome, path: &str, kind: IdentityKind, value: &str) {
    let value = value.trim();
    if !value.is_empty() {
        out.facts.push(Fact::Identity(IdentityFact {
            path: path.to_string(),
            kind,
            value: value.to_string(),
        }));
    }
}

/// A handler's settings file: whether it carries protected settings.
pub(crate) fn ext_settings(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    let settings = handler::parse_settings(doc.bytes)?;
    let (name, _) = handler_of(doc.path);
    out.facts.push(Fact::Settings(SettingsFact {
        path: doc.path.to_string(),
        handler: name.unwrap_or_default(),
        seq: handler::parse_seq_file_name(file_name(doc.path)),
        has_protected: settings.has_protected_settings,
    }));
    Ok(format!("protected settings: {}", if settings.has_protected_settings { "present" } else { "none" }))
}

/// A handler's `HandlerState`.
pub(crate) fn handler_state(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    let state = handler::parse_handler_state(doc.bytes)?;
    let (name, version) = handler_of(doc.path);
    let state_text = format!("{state:?}");
    out.facts.push(Fact::Handler(HandlerFact {
        path: doc.path.to_string(),
        handler: name.unwrap_or_default(),
        version,
        state: state_text.clone(),
        origin: HandlerOrigin::HandlerStateFile,
        incarnation: None,
    }));
    Ok(state_text)
}

/// A handler's `HandlerStatus`: checked to parse.
pub(crate) fn handler_status(doc: &Document<'_>, _out: &mut MemberOutcome) -> Result<String, DocumentError> {
    handler::parse_handler_status(doc.bytes)?;
    Ok("handler status".into())
}

/// A handler's `HandlerEnvironment.json`: checked to parse.
pub(crate) fn handler_environment(
    doc: &Document<'_>,
    _out: &mut MemberOutcome,
) -> Result<String, DocumentError> {
    handler::parse_handler_environment(doc.bytes)?;
    Ok("handler environment".into())
}

/// A handler's `HandlerManifest.json`: checked to parse.
pub(crate) fn handler_manifest(
    doc: &Document<'_>,
    _out: &mut MemberOutcome,
) -> Result<String, DocumentError> {
    handler::parse_handler_manifest(doc.bytes)?;
    Ok("handler manifest".into())
}

/// A handler's `mrseq`: the sequence number it last processed.
pub(crate) fn mrseq(doc: &Document<'_>, _out: &mut MemberOutcome) -> Result<String, DocumentError> {
    Ok(format!("sequence {}", handler::parse_mrseq(doc.bytes)?))
}

/// `vssadmin list writers` output: each writer's state and last error.
pub(crate) fn vss_writers(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    let writers = vssadmin::parse_bytes(doc.bytes);
    let detail = format!("{} writers", writers.len());
    for w in writers {
        let stable =
            w.state == Some(1) || w.state_text.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("stable"));
        let state = match (w.state, &w.state_text) {
            (Some(n), Some(t)) => format!("[{n}] {t}"),
            (Some(n), None) => format!("[{n}]"),
            (None, Some(t)) => t.clone(),
            (None, None) => "unknown".into(),
        };
        out.facts.push(Fact::VssWriter(VssWriterFact {
            path: doc.path.to_string(),
            line: w.line,
            name: w.name,
            state,
            stable,
            last_error: w.last_error.unwrap_or_else(|| "No error".into()),
        }));
    }
    Ok(detail)
}

/// An extension's heartbeat: its status.
pub(crate) fn heartbeat(doc: &Document<'_>, _out: &mut MemberOutcome) -> Result<String, DocumentError> {
    let hb = ext_status::parse_heartbeat(doc.bytes)?;
    Ok(format!("heartbeat {}", hb.status.unwrap_or_else(|| "?".into())))
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
            repeats: 1,
            until: None,
        });
    }
}

/// `os-release` and friends: the OS's name.
pub(crate) fn os_release(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    let field = |key: &str| {
        doc.text.lines().find_map(|l| {
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
    Ok(match name {
        Some(n) => {
            out.facts.push(Fact::Os(n.clone()));
            n
        }
        None => "no OS name".into(),
    })
}

/// Network configuration (ifcfg, netplan, interfaces, told apart by the file name): each interface's addressing.
pub(crate) fn network_config(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    let (path, text) = (doc.path, doc.text);
    let file = file_name(path);
    let found = network_config::parse(network_format(file), file, text);
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
    Ok(detail)
}

/// `ExtensionsConfig`: each handler the goal state asks for, and in which state.
pub(crate) fn extensions_config(
    doc: &Document<'_>,
    out: &mut MemberOutcome,
) -> Result<String, DocumentError> {
    let path = doc.path;
    let config = extensions_config::parse(doc.bytes)?;
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

/// A handler's status file: its effective status, code, message and the backup extension's telemetry.
pub(crate) fn ext_status(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    let path = doc.path;
    let parsed = ext_status::parse(doc.bytes)?;
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
pub(crate) fn registry_hive(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    let path = doc.path;
    let values = registry::read_hive(doc.bytes, HIVE_PREFIXES)?;
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
pub(crate) fn agent_status(doc: &Document<'_>, out: &mut MemberOutcome) -> Result<String, DocumentError> {
    let path = doc.path;
    let report = waagent_status::parse(doc.bytes)?;
    let time = utc(report.timestamp);
    let version = report.goal_state_agent_version.clone().or_else(|| report.agent_version.clone());
    if let Some(name) = &report.computer_name {
        identify(out, path, IdentityKind::Hostname, name);
    }
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
