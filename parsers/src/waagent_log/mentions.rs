//! What waagent log messages say about the VM beyond their own event: agent versions, the distribution, an
//! extension's progress, and the compressed command output some agents echo.
//!
//! Every helper reads one message (a record's text after its header, or an event echo's `message=`) and is
//! total: any input gives an answer or `None`, never a panic.
//!
//! Wordings, as the agent's source writes them (`{v}` is a dotted version, `WALinuxAgent-{v}` the agent's
//! long name):
//!
//! | message | versions | [`VersionRole`] |
//! |---|---|---|
//! | `Agent WALinuxAgent-{v} is running as the goal state agent` | 2.2.0 + | goal state |
//! | `[HEARTBEAT] Agent WALinuxAgent-{v} is running as the goal state agent [DEBUG … AutoUpdate: 1 …]` | 2.2.53 + | goal state |
//! | `WALinuxAgent-{v} running as process {pid}` | 2.2.0 + | goal state |
//! | `Azure Linux Agent (Goal State Agent version {v})` | 2.9 + | goal state |
//! | `Goal state agent: {v}` (`waagent --version`) | 2.2.0 + | goal state |
//! | `Agent WALinuxAgent-{v} launched with command '…' is successfully running` (daemon) | 2.2.0 + | goal state |
//! | `Agent WALinuxAgent-{a} discovered update WALinuxAgent-{b} -- exiting` | 2.2.15 – 2.8 | `a` goal state, `b` update |
//! | `Agent WALinuxAgent-{a} discovered WALinuxAgent-{b} as an update and will exit` | 2.2.0 – 2.2.14 | `a` goal state, `b` update |
//! | `Agent WALinuxAgent-{a} is reverting to the installed agent -- exiting`, `… is an orphan -- exiting`, `Goal state agent WALinuxAgent-{a} was orphaned -- exiting` | 2.2.0 + | goal state |
//! | `Current Agent {a} completed all update checks, exiting current process to upgrade to the new Agent version {b}` (also `… to downgrade …`) | 2.10 + | `a` goal state, `b` update |
//! | `Discovered new {type} upgrade WALinuxAgent-{v}; Will upgrade on or after …`, `Self-update discovered new {type} upgrade WALinuxAgent-{v}; …` | 2.9, 2.10 + | update |
//! | `{type} Agent upgrade discovered, updating to WALinuxAgent-{v} -- exiting` | 2.9 | update |
//! | `Determined Agent WALinuxAgent-{v} to be the latest agent` (daemon) | 2.2.0 + | update |
//! | `Azure Linux Agent Version:{v}` / `Azure Linux Agent Version: {v}` (daemon start-up) | 2.2.0 + | daemon |
//! | `Installed Agent WALinuxAgent-{v} is the most current agent` (daemon) | 2.2.0 + | daemon |
//! | `WALinuxAgent-{v} running on {distro} {version}` (`waagent --version`) | 2.2.0 + | daemon |
//!
//! Distribution: `OS: {name} {version}` (daemon start-up 2.2.0 +, extension handler start-up 2.9 +),
//! `Distro info: {name} {version}, osutil class being used: …` (2.2.4x), `Distro: {name}-{version}; OSUtil: …`
//! (2.2.53 +), and `WALinuxAgent-{v} running on {name} {version}`.

use crate::record::Level;
use crate::scan::is_dotted_number;

/// Largest inflated size of a compressed event message; the rest is dropped.
pub const MAX_DECODED_MESSAGE: usize = 64 * 1024;

/// Shortest base64 text taken for a compressed message (a zlib stream of an empty string is 12 characters).
const MIN_ENCODED_LEN: usize = 12;

/// Which agent process a version belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionRole {
    /// The daemon: the distribution's installed package.
    Daemon,
    /// The agent that runs extensions (the goal-state agent, usually auto-updated).
    GoalState,
    /// A version the agent found, downloaded or is about to launch, not yet seen running.
    Update,
}

/// A version a message names, and whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionMention<'a> {
    /// Dotted version (`2.9.1.1`).
    pub version: &'a str,
    /// Whose.
    pub role: VersionRole,
    /// `AutoUpdate: 0|1` of a heartbeat, when the message has it.
    pub auto_update: Option<bool>,
}

/// The agent versions a message names (see the module table), in the order written.
pub fn version_mentions(message: &str) -> Vec<VersionMention<'_>> {
    version_mentions_marked(message, mentions_a_version_marker(message))
}

/// [`version_mentions`] for a message already known to hold one of [`MENTION_MARKERS`] (`marked`) or
/// known not to (then it names none): for callers that search many messages for the markers at once.
pub fn version_mentions_marked(message: &str, marked: bool) -> Vec<VersionMention<'_>> {
    let mut out = Vec::new();
    if !marked {
        return out;
    }
    use VersionRole::*;
    if let Some(at) = message.find(" is running as the goal state agent") {
        let auto = auto_update_field(&message[at..]);
        push(&mut out, agent_before(&message[..at]), GoalState, auto);
    }
    if let Some(at) = message.find(" running as process ") {
        push(&mut out, agent_before(&message[..at]), GoalState, None);
    }
    if let Some(rest) = after(message, "(Goal State Agent version ") {
        push(&mut out, leading_version(rest), GoalState, None);
    }
    if let Some(rest) = after(message, "Goal state agent: ") {
        push(&mut out, leading_version(rest), GoalState, None);
    }
    if let Some(at) = message.find(" launched with command ") {
        if message[at..].contains("' is successfully running") {
            push(&mut out, agent_before(&message[..at]), GoalState, None);
        }
    }
    for marker in [" discovered update ", " discovered "] {
        if let Some(at) = message.find(marker) {
            let rest = &message[at + marker.len()..];
            let exiting = rest.contains(" -- exiting") || rest.contains(" as an update and will exit");
            if exiting && agent_before(&message[..at]).is_some() {
                push(&mut out, agent_before(&message[..at]), GoalState, None);
                push(&mut out, agent_at(rest), Update, None);
                break;
            }
        }
    }
    for marker in [" is reverting to the installed agent -- exiting", " is an orphan -- exiting"] {
        if let Some(at) = message.find(marker) {
            push(&mut out, agent_before(&message[..at]), GoalState, None);
        }
    }
    if let Some(rest) = after(message, "Goal state agent ") {
        if rest.contains(" was orphaned -- exiting") {
            push(&mut out, agent_at(rest), GoalState, None);
        }
    }
    if let Some(rest) = after(message, "Current Agent ") {
        if let Some((current, new)) =
            rest.split_once(" completed all update checks, exiting current process to ")
        {
            push(&mut out, leading_version(current), GoalState, None);
            if let Some(v) = after(new, " to the new Agent version ") {
                push(&mut out, leading_version(v), Update, None);
            }
        }
    }
    if let Some(at) = message.find(" upgrade WALinuxAgent-") {
        if message[..at].contains("iscovered new ") && message[at..].contains("; Will upgrade on or after") {
            push(&mut out, agent_at(&message[at + " upgrade ".len()..]), Update, None);
        }
    }
    if let Some(rest) = after(message, "Agent upgrade discovered, updating to ") {
        push(&mut out, agent_at(rest), Update, None);
    }
    if let Some(rest) = after(message, "Determined Agent ") {
        if rest.contains(" to be the latest agent") {
            push(&mut out, agent_at(rest), Update, None);
        }
    }
    if let Some(rest) = after(message, "Azure Linux Agent Version:") {
        push(&mut out, leading_version(rest.trim_start()), Daemon, None);
    }
    if let Some(rest) = after(message, "Installed Agent ") {
        if rest.contains(" is the most current agent") {
            push(&mut out, agent_at(rest), Daemon, None);
        }
    }
    if let Some(at) = message.find(" running on ") {
        push(&mut out, agent_before(&message[..at]), Daemon, None);
    }
    out
}

/// Every phrase [`version_mentions`] looks for, and those [`os_mention`] looks for past a message's start: a
/// message with none of them names no version and no distribution past its start (one scan instead of a search
/// per phrase, on every line of a log).
pub const MENTION_MARKERS: &[&str] = &[
    " is running as the goal state agent",
    " running as process ",
    "(Goal State Agent version ",
    "Goal state agent: ",
    " launched with command ",
    " discovered ",
    " is reverting to the installed agent -- exiting",
    " is an orphan -- exiting",
    "Goal state agent ",
    "Current Agent ",
    " upgrade WALinuxAgent-",
    "Agent upgrade discovered, updating to ",
    "Determined Agent ",
    "Azure Linux Agent Version:",
    "Installed Agent ",
    " running on ",
    "Distro: ",
];

fn mentions_a_version_marker(message: &str) -> bool {
    static MARKERS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    MARKERS
        .get_or_init(|| {
            aho_corasick::AhoCorasick::new(MENTION_MARKERS).unwrap_or_else(|_| {
                aho_corasick::AhoCorasick::new([" running on "]).expect("one literal builds")
            })
        })
        .is_match(message)
}

fn push<'a>(
    out: &mut Vec<VersionMention<'a>>,
    version: Option<&'a str>,
    role: VersionRole,
    auto: Option<bool>,
) {
    if let Some(version) = version {
        out.push(VersionMention { version, role, auto_update: auto });
    }
}

/// The distribution a message names: `(name, version)` (the version may be empty).
pub fn os_mention(message: &str) -> Option<(&str, &str)> {
    os_mention_marked(message, mentions_a_version_marker(message))
}

/// [`os_mention`] for a message already known to hold one of [`MENTION_MARKERS`] (`marked`) or known not to
/// (then only the phrases a message starts with are looked at).
pub fn os_mention_marked(message: &str, marked: bool) -> Option<(&str, &str)> {
    let m = message.trim_start();
    if let Some(rest) = m.strip_prefix("OS: ") {
        return split_name_version(first_line(rest), ' ');
    }
    if let Some(rest) = m.strip_prefix("Distro info: ") {
        let body = rest.split(',').next().unwrap_or(rest);
        return split_name_version(body, ' ');
    }
    if !marked {
        return None;
    }
    if let Some(rest) = after(m, "Distro: ") {
        let body = rest.split(';').next().unwrap_or(rest).trim();
        // `{name}-{version}`: the first dash followed by a digit ends the name (`sles-sap-15.4` keeps its name).
        let cut = body
            .char_indices()
            .find(|&(i, c)| c == '-' && body[i + 1..].starts_with(|d: char| d.is_ascii_digit()) && i > 0);
        return match cut {
            Some((i, _)) => Some((&body[..i], &body[i + 1..])),
            None if !body.is_empty() && !body.contains(' ') => Some((body, "")),
            None => None,
        };
    }
    if let Some(at) = m.find(" running on ") {
        agent_before(&m[..at])?;
        return split_name_version(first_line(&m[at + " running on ".len()..]), ' ');
    }
    None
}

/// What an agent-log line says an extension handler did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionActivity<'a> {
    /// Handler name (`Microsoft.Azure.Extensions.CustomScript`).
    pub name: &'a str,
    /// Handler version, when the line names it (its prefix).
    pub version: Option<&'a str>,
    /// The operation (`Enable`, `Install`, …), when known.
    pub op: Option<&'a str>,
    /// What happened.
    pub outcome: ActivityOutcome,
    /// Exit code or error code, when given (`Non-zero exit code: 1`).
    pub code: Option<i64>,
    /// The telling text (first line of the message).
    pub message: &'a str,
}

/// The kind of thing an [`ExtensionActivity`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityOutcome {
    /// `Target handler state: enabled` and the like: the goal state names the handler (no outcome yet).
    Targeted,
    /// The agent launched one of the handler's commands (`Enable extension [...]`).
    Started,
    /// A command or operation succeeded (`Command: …` after it exited 0, a successful event echo).
    Succeeded,
    /// A command or operation failed (`Non-zero exit code`, `[ExtensionOperationError]`, a failed event echo).
    Failed,
}

/// Reads an extension handler's progress from one agent-log record: `prefix` is the record's component
/// prefix (`[Publisher.Type-1.0]`), `level` its level, `message` its text (for an event echo whose message
/// was compressed, pass the decoded message as `decoded`).
///
/// Lines read (handler name and version from the prefix): `Target handler state: {state}` (2.2.0 +, with
/// `[incarnation N]` 2.2.53 +), `Enable extension [{cmd}]` / `Enable extension: [{cmd}]` (and Install,
/// Update, Disable, Uninstall), `Command: {cmd}` (2.2.49 +, written only after a zero exit), `Non-zero exit
/// code: {n}, {cmd}` and `[ExtensionOperationError] …` / `[ExtensionError] …`. Event echoes
/// `Event: name={handler}, op={op}, message={m}, duration={ms}` of a handler (not of the agent): logged at
/// `ERROR` when the event failed (`is_success=False`), else a success.
pub fn extension_activity<'a>(
    prefix: Option<&'a str>,
    level: Level,
    message: &'a str,
    decoded: Option<&'a str>,
) -> Option<ExtensionActivity<'a>> {
    if let Some(event) = super::parse_event(message) {
        let name = event.name;
        if name.starts_with("WALinuxAgent") || name == "WALA" || name.is_empty() || name.contains(' ') {
            return None;
        }
        let text = first_line(decoded.unwrap_or(event.message));
        let failed = level == Level::Error || is_failure_text(text);
        return Some(ExtensionActivity {
            name,
            version: None,
            op: event.op,
            outcome: if failed { ActivityOutcome::Failed } else { ActivityOutcome::Succeeded },
            code: exit_code(text),
            message: text,
        });
    }
    let (name, version) = prefix.and_then(super::extension_prefix)?;
    let text = first_line(message);
    let activity = |op, outcome, code| ExtensionActivity {
        name,
        version: Some(version),
        op,
        outcome,
        code,
        message: text,
    };
    if text.starts_with("Target handler state: ") {
        return Some(activity(None, ActivityOutcome::Targeted, None));
    }
    if is_failure_text(text) {
        return Some(activity(None, ActivityOutcome::Failed, exit_code(text)));
    }
    for op in ["Enable", "Install", "Update", "Disable", "Uninstall"] {
        let started = text
            .strip_prefix(op)
            .and_then(|r| r.strip_prefix(" extension"))
            .is_some_and(|r| r.starts_with(" [") || r.starts_with(": ["));
        if started {
            return Some(activity(Some(op), ActivityOutcome::Started, None));
        }
    }
    if text.starts_with("Command: ") && level != Level::Error {
        return Some(activity(None, ActivityOutcome::Succeeded, Some(0)));
    }
    None
}

/// The requested state of a `Target handler state: {state} [...]` message (`enabled`, `disabled`, `uninstall`).
pub fn target_handler_state(message: &str) -> Option<&str> {
    let rest = first_line(message).strip_prefix("Target handler state: ")?;
    let state = rest.split([' ', '[']).next().unwrap_or("");
    (!state.is_empty()).then_some(state)
}

fn is_failure_text(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("Non-zero exit code:")
        || t.starts_with("[ExtensionOperationError]")
        || t.starts_with("[ExtensionError]")
        || t.starts_with("[ExtensionDownloadError]")
        || t.starts_with("[ExtensionUpdateError]")
}

/// The number after `Non-zero exit code:`.
fn exit_code(text: &str) -> Option<i64> {
    let rest = after(text, "Non-zero exit code:")?.trim_start();
    let end = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
        .map_or(rest.len(), |(i, _)| i);
    rest[..end].parse().ok()
}

/// The zlib-compressed, base64-encoded command output that agents 2.2.31 – 2.2.54 write as the message of
/// the event echoes of extension operations (`op=` Install, Enable, Disable, UnInstall), decoded; `None` when
/// `message` is not such text. At most [`MAX_DECODED_MESSAGE`] bytes are inflated; bad base64 or a damaged
/// stream gives `None`.
pub fn decoded_event_message(message: &str) -> Option<String> {
    let event = super::parse_event(message)?;
    decode_compressed(event.message)
}

/// Decodes one base64 zlib blob (the whole of `text`, surrounding blanks aside).
pub fn decode_compressed(text: &str) -> Option<String> {
    let text = text.trim();
    // Base64 of a zlib header (0x78 then 0x01, 0x5e, 0x9c or 0xda) starts `eA`, `eF`, `eJ` or `eN`.
    let zlib_start = ["eA", "eF", "eJ", "eN"].iter().any(|p| text.starts_with(p));
    if text.len() < MIN_ENCODED_LEN || text.len() % 4 != 0 || !zlib_start {
        return None;
    }
    let bytes = base64_decode(text.as_bytes())?;
    // zlib header: CM 8, and the header checksum.
    let (cmf, flg) = (*bytes.first()?, *bytes.get(1)?);
    if cmf & 0x0f != 8 || (u16::from(cmf) * 256 + u16::from(flg)) % 31 != 0 {
        return None;
    }
    use std::io::Read;
    let mut out = Vec::new();
    let reader = flate2::read::ZlibDecoder::new(bytes.as_slice());
    match reader.take(MAX_DECODED_MESSAGE as u64).read_to_end(&mut out) {
        Ok(_) => {}
        Err(_) if !out.is_empty() => {}
        Err(_) => return None,
    }
    let text = String::from_utf8_lossy(&out);
    Some(text.trim_end_matches(['\n', '\r']).to_string())
}

/// Standard base64 with `=` padding; `None` on any other byte.
fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let chunks = input.chunks(4);
    let last = chunks.len().checked_sub(1)?;
    for (i, chunk) in chunks.enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && i != last) || chunk.len() != 4 {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | value(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// `AutoUpdate: 1` (or `True`) in a heartbeat's debug block.
fn auto_update_field(s: &str) -> Option<bool> {
    let rest = after(s, "AutoUpdate: ")?;
    match rest.as_bytes().first()? {
        b'1' | b'T' | b't' => Some(true),
        b'0' | b'F' | b'f' => Some(false),
        _ => None,
    }
}

/// The version of the `WALinuxAgent-{v}` word that ends `s`.
fn agent_before(s: &str) -> Option<&str> {
    let word = s.rsplit(' ').next().unwrap_or(s);
    let v = word.strip_prefix("WALinuxAgent-")?;
    is_dotted_number(v).then_some(v)
}

/// The version of the `WALinuxAgent-{v}` word that starts `s`.
fn agent_at(s: &str) -> Option<&str> {
    leading_version(s.strip_prefix("WALinuxAgent-")?)
}

/// The dotted number that starts `s` (trailing dots dropped).
fn leading_version(s: &str) -> Option<&str> {
    let end = s.bytes().position(|b| !(b.is_ascii_digit() || b == b'.')).unwrap_or(s.len());
    let v = s[..end].trim_end_matches('.');
    (v.contains('.') && is_dotted_number(v)).then_some(v)
}

/// The text after the first `marker`.
fn after<'a>(s: &'a str, marker: &str) -> Option<&'a str> {
    s.find(marker).map(|i| &s[i + marker.len()..])
}

fn first_line(s: &str) -> &str {
    let end = memchr::memchr(b'\n', s.as_bytes()).unwrap_or(s.len());
    s[..end].trim_end_matches('\r')
}

/// `name version` split at the last `sep`; the name must be one word-ish token without blanks at its ends.
fn split_name_version(s: &str, sep: char) -> Option<(&str, &str)> {
    let s = s.trim();
    if s.is_empty() || s.len() > 120 {
        return None;
    }
    let (name, version) = match s.rsplit_once(sep) {
        Some((n, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => (n.trim(), v.trim()),
        _ => (s, ""),
    };
    (!name.is_empty()).then_some((name, version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mentions(m: &str) -> Vec<(&str, VersionRole, Option<bool>)> {
        version_mentions(m).into_iter().map(|v| (v.version, v.role, v.auto_update)).collect()
    }

    use VersionRole::*;

    #[test]
    fn goal_state_agent_wordings() {
        assert_eq!(
            mentions("Agent WALinuxAgent-2.2.45 is running as the goal state agent"),
            vec![("2.2.45", GoalState, None)]
        );
        assert_eq!(
            mentions("[HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent [DEBUG HeartbeatCounter: 12;HeartbeatId: 7A1B;DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]"),
            vec![("2.9.1.1", GoalState, Some(true))]
        );
        assert_eq!(
            mentions("[HEARTBEAT] Agent WALinuxAgent-2.15.0.1 is running as the goal state agent [DEBUG HeartbeatCounter: 3;HeartbeatId: 9C;UpdateGSErrors: 0;AutoUpdate: 0;UpdateMode: SelfUpdate;]"),
            vec![("2.15.0.1", GoalState, Some(false))]
        );
        assert_eq!(
            mentions("WALinuxAgent-2.2.53 running as process 1234"),
            vec![("2.2.53", GoalState, None)]
        );
        assert_eq!(
            mentions("Azure Linux Agent (Goal State Agent version 2.10.0.8)"),
            vec![("2.10.0.8", GoalState, None)]
        );
        assert_eq!(mentions("Goal state agent: 2.15.0.1"), vec![("2.15.0.1", GoalState, None)]);
        assert_eq!(
            mentions("Agent WALinuxAgent-2.9.1.1 launched with command 'python3 -u bin/WALinuxAgent-2.9.1.1-py3.8.egg -run-exthandlers' is successfully running"),
            vec![("2.9.1.1", GoalState, None)]
        );
        assert_eq!(
            mentions("Agent WALinuxAgent-2.9.1.1 launched with command 'python3 -u bin/WALinuxAgent-2.9.1.1-py3.8.egg -run-exthandlers' failed with return code: 1"),
            vec![]
        );
        assert_eq!(
            mentions("Agent WALinuxAgent-2.2.45 is reverting to the installed agent -- exiting"),
            vec![("2.2.45", GoalState, None)]
        );
        assert_eq!(
            mentions("Agent WALinuxAgent-2.7.0.6 is an orphan -- exiting"),
            vec![("2.7.0.6", GoalState, None)]
        );
        assert_eq!(
            mentions("Goal state agent WALinuxAgent-2.2.10 was orphaned -- exiting"),
            vec![("2.2.10", GoalState, None)]
        );
    }

    #[test]
    fn update_wordings_name_the_running_and_the_new_agent() {
        assert_eq!(
            mentions("Agent WALinuxAgent-2.2.53 discovered update WALinuxAgent-2.9.1.1 -- exiting"),
            vec![("2.2.53", GoalState, None), ("2.9.1.1", Update, None)]
        );
        assert_eq!(
            mentions("Agent WALinuxAgent-2.2.10 discovered WALinuxAgent-2.2.14 as an update and will exit"),
            vec![("2.2.10", GoalState, None), ("2.2.14", Update, None)]
        );
        assert_eq!(
            mentions("Current Agent 2.10.0.8 completed all update checks, exiting current process to upgrade to the new Agent version 2.11.1.4"),
            vec![("2.10.0.8", GoalState, None), ("2.11.1.4", Update, None)]
        );
        assert_eq!(
            mentions("Current Agent 2.12.0.2 completed all update checks, exiting current process to downgrade to the new Agent version 2.11.1.12"),
            vec![("2.12.0.2", GoalState, None), ("2.11.1.12", Update, None)]
        );
        assert_eq!(
            mentions("Self-update discovered new hotfix upgrade WALinuxAgent-2.11.1.4; Will upgrade on or after 2024-05-01T10:00:00.000000Z"),
            vec![("2.11.1.4", Update, None)]
        );
        assert_eq!(
            mentions("Discovered new Normal upgrade WALinuxAgent-2.9.1.1; Will upgrade on or after 2023-01-01T00:00:00Z"),
            vec![("2.9.1.1", Update, None)]
        );
        assert_eq!(
            mentions("Hotfix Agent upgrade discovered, updating to WALinuxAgent-2.9.1.1 -- exiting"),
            vec![("2.9.1.1", Update, None)]
        );
        assert_eq!(
            mentions("Determined Agent WALinuxAgent-2.2.34 to be the latest agent"),
            vec![("2.2.34", Update, None)]
        );
    }

    #[test]
    fn daemon_wordings() {
        assert_eq!(mentions("Azure Linux Agent Version:2.2.45"), vec![("2.2.45", Daemon, None)]);
        assert_eq!(mentions("Azure Linux Agent Version: 2.15.0.1"), vec![("2.15.0.1", Daemon, None)]);
        assert_eq!(
            mentions("Installed Agent WALinuxAgent-2.2.9 is the most current agent"),
            vec![("2.2.9", Daemon, None)]
        );
        assert_eq!(mentions("WALinuxAgent-2.2.45 running on ubuntu 18.04"), vec![("2.2.45", Daemon, None)]);
        for none in [
            "",
            "Agent WALinuxAgent- is running as the goal state agent",
            "Agent WALinuxAgent-2.x is running as the goal state agent",
            "Daemon is running as the goal state agent",
            "Self-update is running on ubuntu",
            "Azure Linux Agent Version:",
            "Goal state agent: unknown",
        ] {
            assert_eq!(mentions(none), vec![], "{none}");
        }
    }

    #[test]
    fn distribution_wordings() {
        assert_eq!(os_mention("OS: ubuntu 22.04"), Some(("ubuntu", "22.04")));
        assert_eq!(os_mention("OS: centos 7.9.2009"), Some(("centos", "7.9.2009")));
        assert_eq!(os_mention("OS: rhel "), Some(("rhel", "")));
        assert_eq!(
            os_mention("Distro info: ubuntu 16.04, osutil class being used: UbuntuOSUtil, agent service name: walinuxagent"),
            Some(("ubuntu", "16.04"))
        );
        assert_eq!(
            os_mention("Distro: ubuntu-22.04; OSUtil: Ubuntu18OSUtil; AgentService: walinuxagent; Python: 3.10.12; systemd: True; LISDrivers: Absent; logrotate: logrotate 3.19.0;"),
            Some(("ubuntu", "22.04"))
        );
        assert_eq!(os_mention("Distro: sles-sap-15.4; OSUtil: SUSEOSUtil;"), Some(("sles-sap", "15.4")));
        assert_eq!(
            os_mention("WALinuxAgent-2.2.45 running on centos 7.9.2009"),
            Some(("centos", "7.9.2009"))
        );
        assert_eq!(os_mention("Python: 3.10.12"), None);
        assert_eq!(os_mention("Distro: "), None);
        assert_eq!(os_mention("Something running on ubuntu 22.04"), None);
    }

    /// Name, version, op, outcome, code and message of an activity.
    type Activity = (String, Option<String>, Option<String>, ActivityOutcome, Option<i64>, String);

    fn activity(prefix: Option<&str>, level: Level, m: &str) -> Option<Activity> {
        extension_activity(prefix, level, m, None).map(|a| {
            (
                a.name.to_string(),
                a.version.map(str::to_string),
                a.op.map(str::to_string),
                a.outcome,
                a.code,
                a.message.to_string(),
            )
        })
    }

    #[test]
    fn extension_progress_lines() {
        let p = Some("[Microsoft.Azure.Extensions.CustomScript-2.1.10]");
        let v = Some("2.1.10".to_string());
        let name = "Microsoft.Azure.Extensions.CustomScript".to_string();
        assert_eq!(
            activity(p, Level::Info, "Target handler state: enabled [incarnation 12]"),
            Some((
                name,
                v.clone(),
                None,
                ActivityOutcome::Targeted,
                None,
                "Target handler state: enabled [incarnation 12]".into()
            ))
        );
        assert_eq!(target_handler_state("Target handler state: enabled [incarnation 12]"), Some("enabled"));
        assert_eq!(target_handler_state("Target handler state: uninstall"), Some("uninstall"));
        assert_eq!(
            activity(p, Level::Info, "Enable extension: [bin/custom-script-shim enable]").map(|a| (a.2, a.3)),
            Some((Some("Enable".into()), ActivityOutcome::Started))
        );
        assert_eq!(
            activity(p, Level::Info, "Install extension [bin/custom-script-shim install]")
                .map(|a| (a.2, a.3)),
            Some((Some("Install".into()), ActivityOutcome::Started))
        );
        assert_eq!(
            activity(p, Level::Info, "Command: bin/custom-script-shim enable\n[stdout]\nok")
                .map(|a| (a.3, a.4, a.5)),
            Some((ActivityOutcome::Succeeded, Some(0), "Command: bin/custom-script-shim enable".into()))
        );
        assert_eq!(
            activity(p, Level::Error, "Non-zero exit code: 127, main/handle.sh enable\n[stdout]\n")
                .map(|a| (a.3, a.4)),
            Some((ActivityOutcome::Failed, Some(127)))
        );
        assert_eq!(
            activity(
                p,
                Level::Error,
                "[ExtensionOperationError] Non-zero exit code: 1, bin/custom-script-shim enable"
            )
            .map(|a| (a.3, a.4)),
            Some((ActivityOutcome::Failed, Some(1)))
        );
        assert_eq!(activity(p, Level::Info, "[Enable] current handler state is: enabled"), None);
        assert_eq!(activity(None, Level::Info, "Target handler state: enabled"), None);
    }

    #[test]
    fn extension_event_echoes() {
        let failed = activity(None, Level::Error, "Event: name=Microsoft.Azure.Extensions.CustomScript, op=Enable, message=[ExtensionOperationError] Non-zero exit code: 1, /var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/bin/custom-script-shim enable\n[stdout]\n, duration=0");
        assert_eq!(
            failed,
            Some((
                "Microsoft.Azure.Extensions.CustomScript".to_string(),
                None,
                Some("Enable".into()),
                ActivityOutcome::Failed,
                Some(1),
                "[ExtensionOperationError] Non-zero exit code: 1, /var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/bin/custom-script-shim enable".into()
            ))
        );
        let ok = activity(None, Level::Info, "Event: name=Microsoft.OSTCExtensions.VMAccessForLinux, op=Enable, message=Launch command succeeded: extension_shim.sh -c ./vmaccess.py -e, duration=1023");
        assert_eq!(
            ok.map(|a| (a.0, a.3, a.4)),
            Some(("Microsoft.OSTCExtensions.VMAccessForLinux".to_string(), ActivityOutcome::Succeeded, None))
        );
        assert_eq!(
            activity(
                None,
                Level::Info,
                "Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation 3, duration=10"
            ),
            None
        );
        assert_eq!(activity(None, Level::Error, "Event: name=WALA, op=InitializeHostPlugin, message="), None);
    }

    /// Made with Python's `base64.b64encode(zlib.compress(...))`, as `textutil.compress` does.
    const ENCODED_OK: &str = "eJwljjEOwkAMBPu8wh/gDijpUERJRUGBUjgXJ7G4nCPbAcTrQUmzWq1G2qllmrB0J2i5xLSYy7SzpDz7zkaegAq2maqHeSeLN9Vd2bkMgDBnTDRK7kjBHH0x6DkTcOk44QrNKoOSGbTUixL84/nfTxBfqDFzG9+IAxWPV04qJr2H83dRCpePUzGWYqFepW6b0zEcwmEft7+4D1upVj9SbaofmElMUA==";
    const ENCODED_FAILED: &str = "eJwljTEOwjAMRfecwgegCWXshhAjLIyoQ5q6NFJrV7YDVU8PKtvXe3r6d6ZqQ2HANRsk7rGB+gDhHSVMuQufGF9IFm45CSsP5s9bEfTX1ZA0M6m/FDWeH0nyYtXJ174+hi5TSDuv9C90zDMgxW5C91TruVjr9oUirdsLHX/nDaQiUwPEBgMX6t0XxE85gg==";

    #[test]
    fn compressed_event_messages_decode() {
        let line = format!("Event: name=Microsoft.Azure.Extensions.CustomScript, op=Enable, message={ENCODED_OK}, duration=2345");
        assert_eq!(
            decoded_event_message(&line).as_deref(),
            Some("Command: bin/custom-script-shim enable\n[stdout]\nWriting a placeholder status file indicating progress before forking: /var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/status/0.status\n\n[stderr]")
        );
        let line = format!("Event: name=Microsoft.Azure.Extensions.CustomScript, op=Enable, message={ENCODED_FAILED}, duration=0");
        let decoded = decoded_event_message(&line).unwrap();
        assert_eq!(decoded, "Non-zero exit code: 1, /var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/bin/custom-script-shim enable\n[stdout]\n\n[stderr]\n/bin/sh: 1: curl: not found");
        let a = extension_activity(None, Level::Error, &line, Some(&decoded)).unwrap();
        assert_eq!((a.outcome, a.code), (ActivityOutcome::Failed, Some(1)));
        // Not compressed, not base64, damaged, or the agent's `<>` placeholder.
        for m in [
            "Event: name=X, op=Enable, message=Launch command succeeded: enable.sh, duration=5",
            "Event: name=X, op=Enable, message=<>, duration=5",
            "Event: name=X, op=Enable, message=eJwljjEOwkAMBPu8wh/gDijpUERJRUGBUjgXJ7G4, duration=5",
            "Event: name=X, op=Enable, message=eJzzSM3JyVcozy/KSQEAGKsEPQ=!, duration=5",
            "Event: name=X, op=Enable, message=eJ==eJzzSM3JyVcozy/KSQEA, duration=5",
            "no event",
        ] {
            assert_eq!(decoded_event_message(m), None, "{m}");
        }
        assert_eq!(decode_compressed("eJzzSM3JyVcozy/KSQEAGKsEPQ==").as_deref(), Some("Hello world"));
    }

    #[test]
    fn inflated_size_is_capped() {
        // 1 MiB of zeros, compressed: inflates to exactly the cap.
        use std::io::Write;
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&vec![b'a'; 1 << 20]).unwrap();
        let blob = enc.finish().unwrap();
        let text = encode(&blob);
        assert_eq!(decode_compressed(&text).map(|s| s.len()), Some(MAX_DECODED_MESSAGE));
    }

    fn encode(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn base64_round_trips() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"abcd", &[0u8, 255, 128, 7]] {
            if data.is_empty() {
                continue;
            }
            assert_eq!(base64_decode(encode(data).as_bytes()).as_deref(), Some(data));
        }
        assert_eq!(base64_decode(b"QQ=A"), None);
        assert_eq!(base64_decode(b"QQ"), None);
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC*") {
            let _ = version_mentions(&text);
            let _ = os_mention(&text);
            let _ = decoded_event_message(&text);
            let _ = decode_compressed(&text);
            let _ = extension_activity(Some(&text), Level::Error, &text, Some(&text));
            let _ = target_handler_state(&text);
        }

        #[test]
        fn arbitrary_bytes_as_base64_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            // Random bytes behind a zlib header, base64-encoded: decoding is bounded and total.
            let mut blob = vec![0x78, 0x9c];
            blob.extend_from_slice(&bytes);
            let text = encode(&blob);
            if let Some(s) = decode_compressed(&text) {
                prop_assert!(s.len() <= MAX_DECODED_MESSAGE * 3);
            }
            let line = format!("Event: name=X, op=Enable, message={text}, duration=1");
            let _ = decoded_event_message(&line);
            let _ = base64_decode(&bytes);
        }
    }
}
