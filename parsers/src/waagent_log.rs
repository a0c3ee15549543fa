//! `/var/log/waagent.log*`: the Azure Linux guest agent's own log, in every layout it has had.
//!
//! One file routinely mixes layouts: the daemon is the distro's (often old) package while the extension
//! handler is the auto-updated agent, and extensions that bundle the old 2.0 logger write into the same
//! file. Each line is therefore classified on its own:
//!
//! | layout | example | [`LineFormat`] |
//! |---|---|---|
//! | 2.0.x | `2016/02/17 07:54:53 ERROR:timed out` | `Waagent20` |
//! | 2.1 – 2.2.26 | `2018/03/05 14:31:57.742721 INFO [Pub.Type-1.0] msg` | `Waagent21` |
//! | 2.2.31 – 2.2.45 | `2021/03/30 19:35:35.971742 INFO Daemon msg` | `Waagent22Prefixed` |
//! | 2.2.46 | `2021-05-28T01:17:40.683072Z INFO ExtHandler msg` | `Waagent2246` |
//! | 2.2.47 + | `2023-10-27T07:57:10.702114Z INFO MonitorHandler ExtHandler msg` | `WaagentThreaded` |
//! | extensions | `2021/03/30 19:45:31 [Pub.Type-1.7.0] cwd is ...` | `ExtensionWritten` |
//!
//! `YYYY/MM/DD` times are the VM's local time, ISO times with `Z` are UTC. Extension-written lines have
//! no level ([`Level::Unknown`]); a bracketed prefix counts only when it is an extension name with a
//! version (`[PERIODIC]`, `[CGW]`, `[HEARTBEAT]` stay in the message). Lines that do not start a
//! record (tracebacks, `[stdout]`/`[stderr]` blocks, JSON bodies, firewall dumps, blank lines) continue
//! the record above them; text before the first header is one [`LineFormat::Untimed`] record.
//!
//! Headers are also recognised inside two kinds of wrapping, with `raw` keeping the wrapper:
//! syslog/journald copies (`Jul 06 13:18:04 host python[255]: 2018/07/06 ... INFO ...`,
//! `python3[1686]: 2022-07-14T18:48:37.879806Z INFO ...`), and stray bytes in front of the timestamp —
//! a run of NULs (left by a crash) and then at most [`MAX_STRAY_CHARS`] characters of terminal junk such
//! as the `q` of `q2017/08/02 15:09:57.713136 INFO Event: ...`. Wrapped lines and lines behind junk
//! characters must carry a level word, so free text that merely contains a date never starts a record.
//!
//! Helpers read the messages: [`parse_event`] (telemetry echoes), [`extension_prefix`] (handler name and
//! version) and [`command_output`] (`[stdout]`/`[stderr]` blocks).

use crate::assemble::{Assembler, Header, HeaderRule, TrailingBlankLines};
use crate::record::{Level, LineFormat, LogRecord};
use crate::scan::{is_dotted_number, token};
use crate::time::{parse_datetime_shape, SourceTime};

mod mentions;

pub use mentions::{
    decode_compressed, decoded_event_message, extension_activity, os_mention, os_mention_marked,
    target_handler_state, version_mentions, version_mentions_marked, ActivityOutcome, ExtensionActivity,
    VersionMention, VersionRole, MAX_DECODED_MESSAGE, MENTION_MARKERS,
};

/// Most stray characters (after any NULs) tolerated in front of a header's timestamp.
pub const MAX_STRAY_CHARS: usize = 3;

/// How far into a line a syslog/journald wrapper's `tag[pid]: ` may end.
const MAX_WRAPPER_LEN: usize = 256;

/// Process-role prefixes the agent writes (`logger.set_prefix`).
const ROLES: [&str; 4] = ["Daemon", "ExtHandler", "LogCollector", "Firewall"];

/// Index of `ExtHandler` in [`ROLES`].
const EXT_HANDLER: usize = 1;

/// Thread names the agent gives its threads (`threading.current_thread().name`).
const THREADS: [&str; 9] = [
    "MainThread",
    "Daemon",
    "ExtHandler",
    "MonitorHandler",
    "EnvHandler",
    "SendTelemetryHandler",
    "TelemetryEventsCollector",
    "CollectLogsHandler",
    "LogCollectorMonitorHandler",
];

/// Parses the text of a waagent log into records, lazily.
pub fn parse(text: &str) -> Records<'_> {
    Records { inner: Assembler::new(text, WaagentLines::default(), TrailingBlankLines::Trim) }
}

/// Reads the same records as [`parse`] from bytes pushed in blocks (see [`crate::stream`]).
pub fn stream() -> crate::stream::RecordStream {
    crate::stream::RecordStream::new(Box::new(WaagentLines::default()), TrailingBlankLines::Trim)
}

/// Iterator over the records of a waagent log, returned by [`parse`].
#[derive(Debug, Clone)]
pub struct Records<'a> {
    inner: Assembler<'a, WaagentLines>,
}

impl<'a> Iterator for Records<'a> {
    type Item = LogRecord<'a>;

    fn next(&mut self) -> Option<LogRecord<'a>> {
        self.inner.next()
    }
}

// ------------------------------------------------------------------------------------------------
// waagent header lines
// ------------------------------------------------------------------------------------------------

/// Which layout a process role was last seen writing in ISO-time lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum RoleLayout {
    #[default]
    Unknown,
    /// 2.2.46: `<ts> <LEVEL> <prefix> <msg>`.
    Unthreaded,
    /// 2.2.47+: `<ts> <LEVEL> <thread> <prefix> <msg>`.
    Threaded,
}

/// The waagent line classifier, with what earlier lines taught it about ambiguous layouts.
///
/// `2020-01-01T00:00:00.000000Z INFO Daemon Daemon ended with exception` reads either as 2.2.47+ (thread
/// `Daemon`, prefix `Daemon`) or as 2.2.46 (prefix `Daemon`, message `Daemon ended ...`). Such lines
/// follow the layout last seen unambiguously for that role — a 2.2.46 line is `<role> <non-prefix word>`,
/// a 2.2.47+ line is `<other thread> <role>` — defaulting to 2.2.47+ (the layout of every agent since
/// 2020). Because the daemon and extension-handler processes run different agent versions, the memory is
/// kept per role. A daemon startup banner (`<role> <role> Azure Linux Agent ...`) is only possible in the
/// threaded layout, which lets an upgraded daemon be recognised again.
///
/// `YYYY/MM/DD` lines have no thread, so a role word after the level is always taken as the prefix: a
/// 2.2.26-or-older `INFO Daemon is already running` reads as prefix `Daemon`, message `is already ...`.
#[derive(Debug, Default, Clone)]
struct WaagentLines {
    roles: [RoleLayout; ROLES.len()],
    /// Whether a `YYYY/MM/DD` line with a `Daemon`/`ExtHandler` prefix was seen (2.2.31+).
    slash_prefixed: bool,
}

impl<'a> HeaderRule<'a> for WaagentLines {
    fn header(&mut self, line: &'a str) -> Option<Header<'a>> {
        // Fast path: nearly every header starts with its timestamp's first digit.
        let first = *line.as_bytes().first()?;
        if first.is_ascii_digit() {
            return self.agent_header(line, 0, false);
        }
        self.displaced_header(line)
    }
}

impl WaagentLines {
    /// A header starting at byte `at`; `need_level` rejects the level-less extension-written layout.
    fn agent_header<'a>(&mut self, line: &'a str, at: usize, need_level: bool) -> Option<Header<'a>> {
        let s = line.get(at..)?;
        let header = match s.as_bytes().get(4)? {
            b'/' => self.slash_header(s),
            b'-' => self.iso_header(s),
            _ => None,
        }?;
        if need_level && header.level == Level::Unknown {
            return None;
        }
        Some(Header { message_at: header.message_at.saturating_add(at), ..header })
    }

    /// A header that does not start at byte 0: behind NULs and stray characters, or a syslog wrapper.
    fn displaced_header<'a>(&mut self, line: &'a str) -> Option<Header<'a>> {
        if let Some(at) = stray_prefix_len(line) {
            let nuls_only = line.as_bytes().iter().take(at).all(|&b| b == 0);
            return self.agent_header(line, at, !nuls_only);
        }
        let at = wrapper_len(line)?;
        self.agent_header(line, at, true)
    }

    /// `YYYY/MM/DD HH:MM:SS[.ffffff] ...`: 2.0 – 2.2.45 and extension-written lines (local time).
    fn slash_header<'a>(&mut self, s: &'a str) -> Option<Header<'a>> {
        // A stamp that names no real instant (`0000/13/45 ...`) still starts a record, of unknown time.
        let (naive, n) = parse_datetime_shape(s, b'/', b' ')?;
        let after_time = after_space(s, n)?;
        let time = naive.map(SourceTime::Local);
        let header = match level_word(s, after_time) {
            Some((level, end)) if s.as_bytes().get(end) == Some(&b':') => {
                // 2.0.x glues the level to the message: `ERROR:timed out`.
                let message_at = if s.as_bytes().get(end + 1) == Some(&b' ') { end + 2 } else { end + 1 };
                Header { level, ..Header::with_time(time, LineFormat::Waagent20, message_at) }
            }
            Some((level, end)) => {
                let (format, prefix, message_at) = self.slash_prefix(s, skip_space(s, end));
                Header { level, prefix, ..Header::with_time(time, format, message_at) }
            }
            None if time.is_none() => return None,
            None => {
                let (word, after_word) = token(s, after_time);
                let (prefix, message_at) =
                    if is_extension_bracket(word) { (Some(word), after_word) } else { (None, after_time) };
                Header { prefix, ..Header::with_time(time, LineFormat::ExtensionWritten, message_at) }
            }
        };
        Some(header)
    }

    /// The optional prefix after a `YYYY/MM/DD` line's level: a role (2.2.31+) or an extension name.
    fn slash_prefix<'a>(&mut self, s: &'a str, at: usize) -> (LineFormat, Option<&'a str>, usize) {
        let (word, after_word) = token(s, at);
        if role(word).is_some() {
            self.slash_prefixed = true;
            (LineFormat::Waagent22Prefixed, Some(word), after_word)
        } else if is_extension_bracket(word) {
            // Extension lines look the same before and after 2.2.31; the file's other lines tell.
            let format =
                if self.slash_prefixed { LineFormat::Waagent22Prefixed } else { LineFormat::Waagent21 };
            (format, Some(word), after_word)
        } else {
            (LineFormat::Waagent21, None, at)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ LEVEL ...`: 2.2.46 and later (UTC).
    fn iso_header<'a>(&mut self, s: &'a str) -> Option<Header<'a>> {
        let (naive, mut n) = parse_datetime_shape(s, b'-', b'T')?;
        let time = if s.as_bytes().get(n) == Some(&b'Z') {
            n += 1;
            naive.map(SourceTime::Utc)
        } else {
            naive.map(SourceTime::Local)
        };
        let (level, end) = level_word(s, after_space(s, n)?)?;
        if s.as_bytes().get(end).is_some_and(|&b| b != b' ') {
            return None;
        }
        let (format, thread, prefix, message_at) = self.iso_fields(s, skip_space(s, end));
        Some(Header { level, thread, prefix, ..Header::with_time(time, format, message_at) })
    }

    /// Splits what follows an ISO line's level into thread, prefix and message start.
    fn iso_fields<'a>(
        &mut self,
        s: &'a str,
        at: usize,
    ) -> (LineFormat, Option<&'a str>, Option<&'a str>, usize) {
        let (first, after_first) = token(s, at);
        let (second, after_second) = token(s, after_first);
        let second_is_prefix = role(second).is_some() || is_extension_bracket(second);
        let threaded = (LineFormat::WaagentThreaded, Some(first), Some(second), after_second);
        let unthreaded = (LineFormat::Waagent2246, None, Some(first), after_first);
        if is_extension_bracket(first) {
            // Thread names are never bracketed: a 2.2.46 extension line.
            return unthreaded;
        }
        match role(first) {
            Some(r) if second_is_prefix => {
                let banner = s.get(after_second..).is_some_and(|m| m.starts_with("Azure Linux Agent"));
                if banner {
                    self.roles[r] = RoleLayout::Threaded;
                }
                if self.roles[r] == RoleLayout::Unthreaded {
                    unthreaded
                } else {
                    threaded
                }
            }
            Some(r) => {
                self.roles[r] = RoleLayout::Unthreaded;
                unthreaded
            }
            None if second_is_prefix => {
                // Extension lines come from the extension-handler process.
                let r = role(second).unwrap_or(EXT_HANDLER);
                self.roles[r] = RoleLayout::Threaded;
                threaded
            }
            None if looks_like_thread(first) => (LineFormat::WaagentThreaded, Some(first), None, after_first),
            None => (LineFormat::Waagent2246, None, None, at),
        }
    }
}

/// Index of a process-role prefix in [`ROLES`].
fn role(word: &str) -> Option<usize> {
    ROLES.iter().position(|&r| r == word)
}

/// Whether a word names a thread in a prefix-less 2.2.47+ line.
fn looks_like_thread(word: &str) -> bool {
    let well_formed = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    well_formed
        && (THREADS.contains(&word)
            || word.starts_with("Thread-")
            || word.ends_with("Handler")
            || word.ends_with("Thread")
            || word.ends_with("Collector"))
}

/// An extension-instance prefix with its brackets: `[Publisher.Type-1.0.9120.0]`.
fn is_extension_bracket(word: &str) -> bool {
    word.starts_with('[') && extension_prefix(word).is_some()
}

/// Reads a waagent level word at `at`; returns it and the offset just past it. The word must be followed
/// by a space, a colon (2.0.x) or the end of the line.
fn level_word(s: &str, at: usize) -> Option<(Level, usize)> {
    let rest = s.get(at..)?;
    let (level, len) = [
        ("INFO", Level::Info),
        ("WARNING", Level::Warning),
        ("ERROR", Level::Error),
        ("VERBOSE", Level::Verbose),
    ]
    .into_iter()
    .find(|(word, _)| rest.starts_with(word))
    .map(|(word, level)| (level, word.len()))?;
    let end = at + len;
    match s.as_bytes().get(end) {
        None | Some(b' ') | Some(b':') => Some((level, end)),
        _ => None,
    }
}

/// The offset past the single space expected at `at`, or `at` itself at the end of the line.
fn after_space(s: &str, at: usize) -> Option<usize> {
    match s.as_bytes().get(at) {
        Some(b' ') => Some(at + 1),
        None if at == s.len() => Some(at),
        _ => None,
    }
}

/// Skips one space at `at`, if there is one.
fn skip_space(s: &str, at: usize) -> usize {
    if s.as_bytes().get(at) == Some(&b' ') {
        at + 1
    } else {
        at
    }
}

/// Length of the stray bytes before a timestamp: any NULs, then at most [`MAX_STRAY_CHARS`] characters
/// that are neither spaces, digits, brackets nor quotes (so indented text, JSON and `[stdout]`-style
/// markers never qualify). `None` unless a digit follows.
fn stray_prefix_len(line: &str) -> Option<usize> {
    let nuls = line.bytes().take_while(|&b| b == 0).count();
    for (strays, (i, c)) in line.get(nuls..)?.char_indices().enumerate() {
        if c.is_ascii_digit() {
            return (nuls + i > 0).then_some(nuls + i);
        }
        let stray = !c.is_whitespace() && !c.is_control() && !"[]{}()<>\"'".contains(c);
        if strays == MAX_STRAY_CHARS || !stray {
            return None;
        }
    }
    None
}

/// Length of a syslog/journald wrapper (`Jul 06 13:18:04 host python[255]: ` or `python3[1686]: `)
/// in front of a waagent line: up to the first `: ` that is followed by a digit, when the word before
/// it is a syslog tag (`name[pid]` or a plain program name).
fn wrapper_len(line: &str) -> Option<usize> {
    if !line.as_bytes().first()?.is_ascii_alphabetic() {
        return None;
    }
    let window = line.as_bytes().get(..MAX_WRAPPER_LEN).unwrap_or(line.as_bytes());
    let colon = memchr::memmem::find(window, b": ")?;
    let at = colon + 2;
    if !line.as_bytes().get(at)?.is_ascii_digit() {
        return None;
    }
    let before = line.get(..colon)?;
    let tag = before.rsplit(' ').next().unwrap_or(before);
    let tag_like = !tag.is_empty()
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b"[]._-/@".contains(&b))
        && (!tag.contains('[') || tag.ends_with(']'));
    tag_like.then_some(at)
}

// ------------------------------------------------------------------------------------------------
// Message helpers
// ------------------------------------------------------------------------------------------------

/// Splits an extension-instance prefix into handler name and version.
///
/// Accepts `[Publisher.Type-1.0.9120.0]` (brackets optional) and the multi-config form
/// `[Publisher.Type.ExtensionName-1.0]`. Names may contain dashes, so the split is at the last dash that
/// is followed by a dotted number; `None` when there is no such version or the name is empty.
pub fn extension_prefix(prefix: &str) -> Option<(&str, &str)> {
    let inner = match prefix.strip_prefix('[') {
        Some(open) => open.strip_suffix(']')?,
        None => prefix,
    };
    let (name, version) = inner.rsplit_once('-')?;
    let name_ok = !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c == '[' || c == ']');
    (name_ok && is_dotted_number(version)).then_some((name, version))
}

/// One telemetry event as the agent echoes it into its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentEvent<'a> {
    /// `name=`: the agent (`WALinuxAgent`, `WALinuxAgent-2.2.13`) or an extension (`Publisher.Type`).
    pub name: &'a str,
    /// `op=`: `Install`, `Enable`, `ProcessGoalState`, ...; `None` when absent or written as `None`.
    pub op: Option<&'a str>,
    /// `message=`: may hold commas and several lines; empty when absent.
    pub message: &'a str,
    /// `duration=` in milliseconds, when present and numeric.
    pub duration_ms: Option<u64>,
}

/// Reads `Event: name={name}, op={op}, message={message}, duration={ms}` (the agent's echo of a
/// telemetry event). The message may contain commas and newlines: it runs to the last `, duration=`
/// that is followed by a number only. Excerpts cut short (no duration, no message, no op) still parse;
/// `None` when the text is not an event echo.
pub fn parse_event(message: &str) -> Option<AgentEvent<'_>> {
    let rest = message.trim_start().strip_prefix("Event: name=")?;
    let (name, rest) = field(rest, ", op=");
    let (op, rest) = match rest {
        Some(rest) => field(rest, ", message="),
        None => ("", None),
    };
    let (message, duration_ms) = match rest {
        Some(body) => split_duration(body),
        None => ("", None),
    };
    let op = Some(op).filter(|op| !op.is_empty() && *op != "None");
    Some(AgentEvent { name, op, message, duration_ms })
}

/// A single-line field ending at `separator`; without the separator on the same line the field is the
/// rest of that line and nothing follows.
fn field<'a>(s: &'a str, separator: &str) -> (&'a str, Option<&'a str>) {
    let line_end = memchr::memchr(b'\n', s.as_bytes()).unwrap_or(s.len());
    match s.find(separator).filter(|&i| i <= line_end) {
        Some(i) => (&s[..i], s.get(i + separator.len()..)),
        None => (s[..line_end].trim_end(), None),
    }
}

/// Splits an event body into message and trailing `, duration=N`.
fn split_duration(body: &str) -> (&str, Option<u64>) {
    let body = body.trim_end();
    if let Some((message, tail)) = body.rsplit_once(", duration=") {
        if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
            return (message, tail.parse().ok());
        }
    }
    (body, None)
}

/// A command's captured output as the agent logs it: `{what}\n[stdout]\n{out}\n\n[stderr]\n{err}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandOutput<'a> {
    /// Text before the first marker: `Non-zero exit code: 127, main/handle.sh install`, `Command: ...`.
    pub before: &'a str,
    /// Text between the `[stdout]` line and the `[stderr]` line (or the end), separators removed.
    pub stdout: Option<&'a str>,
    /// Text after the `[stderr]` line.
    pub stderr: Option<&'a str>,
}

/// Finds the `[stdout]` / `[stderr]` blocks in a (multi-line) message; `None` when it has neither.
///
/// Markers count only as whole lines, so an extension printing `[stdout]` mid-line does not split.
pub fn command_output(message: &str) -> Option<CommandOutput<'_>> {
    let stdout_at = marker_line(message, "[stdout]", 0);
    let stderr_from = stdout_at.map_or(0, |(_, body)| body);
    let stderr_at = marker_line(message, "[stderr]", stderr_from);
    let before_end = match (stdout_at, stderr_at) {
        (Some((start, _)), _) | (None, Some((start, _))) => start,
        (None, None) => return None,
    };
    let before = trim_newlines(message.get(..before_end).unwrap_or(""), 1);
    let stdout = stdout_at.map(|(_, body)| {
        let end = stderr_at.map_or(message.len(), |(start, _)| start);
        // The agent writes two newlines between the blocks.
        trim_newlines(message.get(body..end).unwrap_or(""), 2)
    });
    let stderr = stderr_at.map(|(_, body)| trim_newlines(message.get(body..).unwrap_or(""), 1));
    Some(CommandOutput { before, stdout, stderr })
}

/// The first line from `from` on that is exactly `marker`: its start and the start of the next line.
fn marker_line(text: &str, marker: &str, from: usize) -> Option<(usize, usize)> {
    let hay = text.as_bytes().get(from..)?;
    memchr::memmem::find_iter(hay, marker.as_bytes()).map(|i| from + i).find_map(|start| {
        let at_line_start = start == 0 || text.as_bytes().get(start - 1) == Some(&b'\n');
        let end = start + marker.len();
        let rest = text.get(end..)?;
        let body = if rest.is_empty() {
            end
        } else if rest.starts_with('\n') {
            end + 1
        } else if rest.starts_with("\r\n") {
            end + 2
        } else {
            return None;
        };
        at_line_start.then_some((start, body))
    })
}

/// Removes up to `max` trailing line terminators (`\n` or `\r\n`).
fn trim_newlines(mut s: &str, max: usize) -> &str {
    for _ in 0..max {
        match s.strip_suffix('\n') {
            Some(t) => s = t.strip_suffix('\r').unwrap_or(t),
            None => break,
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::count_lines;
    use crate::test_support::{
        corpus_files, corpus_text, decoded_bytes, fragment_text, local, single, tiled, utc,
    };
    use proptest::prelude::*;

    fn one(text: &str) -> LogRecord<'_> {
        single(text, parse(text))
    }

    /// Format, level, thread, prefix and message of a record.
    type Fields<'a> = (LineFormat, Level, Option<&'a str>, Option<&'a str>, &'a str);

    fn fields(text: &str) -> Vec<Fields<'_>> {
        parse(text).map(|r| (r.format, r.level, r.thread, r.prefix, r.message)).collect()
    }

    const VMSNAPSHOT: &str = "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9120.0]";

    #[test]
    fn waagent_2_0_glued_level() {
        let r = one("2016/02/17 07:54:53 ERROR:timed out");
        assert_eq!(r.format, LineFormat::Waagent20);
        assert_eq!(r.time, local("2016-02-17 07:54:53"));
        assert_eq!((r.level, r.thread, r.prefix, r.message), (Level::Error, None, None, "timed out"));
        assert_eq!(one("2016/02/17 07:54:54 WARNING: disk busy").message, "disk busy");
    }

    #[test]
    fn waagent_2_1_with_and_without_extension_prefix() {
        let r = one("2018/03/05 14:31:57.742721 INFO [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9120.0] Target handler state: enabled");
        assert_eq!(r.format, LineFormat::Waagent21);
        assert_eq!(r.time, local("2018-03-05 14:31:57.742721"));
        assert_eq!((r.level, r.thread, r.prefix), (Level::Info, None, Some(VMSNAPSHOT)));
        assert_eq!(r.message, "Target handler state: enabled");

        let r = one("2018/04/27 13:02:32.419208 WARNING Server preferred version:2015-04-05");
        assert_eq!((r.format, r.level, r.prefix), (LineFormat::Waagent21, Level::Warning, None));
        assert_eq!(r.message, "Server preferred version:2015-04-05");
        // Bracketed words that are not extension names stay in the message.
        let r = one("2018/04/27 13:02:32.419208 INFO [PERIODIC] Using host plugin as default channel.");
        assert_eq!((r.prefix, r.message), (None, "[PERIODIC] Using host plugin as default channel."));
    }

    #[test]
    fn waagent_2_2_prefixed_takes_one_role_word() {
        let r = one("2021/03/30 19:35:35.971742 INFO Daemon Azure Linux Agent Version:2.2.45");
        assert_eq!(r.format, LineFormat::Waagent22Prefixed);
        assert_eq!(r.time, local("2021-03-30 19:35:35.971742"));
        assert_eq!((r.level, r.thread, r.prefix), (Level::Info, None, Some("Daemon")));
        assert_eq!(r.message, "Azure Linux Agent Version:2.2.45");
        let r = one("2018/09/21 00:01:14.654575 INFO Daemon Daemon is already running: 69364");
        assert_eq!((r.prefix, r.message), (Some("Daemon"), "Daemon is already running: 69364"));
        let r = one("2018/09/21 00:01:14.650582 VERBOSE Daemon Command: [ps -p 69364]");
        assert_eq!((r.level, r.message), (Level::Verbose, "Command: [ps -p 69364]"));
    }

    #[test]
    fn extension_lines_after_prefixed_lines_count_as_2_2_prefixed() {
        let text = "2020/01/22 19:35:45.822082 INFO ExtHandler Set block dev timeout: sdb with timeout: 300\n\
                    2020/01/22 19:35:46.000001 INFO [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9120.0] Target handler state: enabled\n";
        let got = fields(text);
        assert_eq!(got[0].0, LineFormat::Waagent22Prefixed);
        assert_eq!(
            got[1],
            (
                LineFormat::Waagent22Prefixed,
                Level::Info,
                None,
                Some(VMSNAPSHOT),
                "Target handler state: enabled"
            )
        );
    }

    #[test]
    fn waagent_2_2_46_has_prefix_but_no_thread() {
        let r = one("2021-05-28T01:17:40.683072Z INFO ExtHandler Wire server endpoint:168.63.129.16");
        assert_eq!(r.format, LineFormat::Waagent2246);
        assert_eq!(r.time, utc("2021-05-28 01:17:40.683072"));
        assert_eq!((r.level, r.thread, r.prefix), (Level::Info, None, Some("ExtHandler")));
        assert_eq!(r.message, "Wire server endpoint:168.63.129.16");
        let r = one("2021-05-28T01:17:40.683823Z WARNING ExtHandler Move rules file 70-persistent-net.rules to /var/lib/waagent/70-persistent-net.rules");
        assert_eq!((r.format, r.level), (LineFormat::Waagent2246, Level::Warning));
        let r = one(
            "2020-01-10T01:00:00.000001Z INFO ExtHandler [PERIODIC] Using host plugin as default channel.",
        );
        assert_eq!((r.format, r.prefix), (LineFormat::Waagent2246, Some("ExtHandler")));
        assert_eq!(r.message, "[PERIODIC] Using host plugin as default channel.");
        let r = one("2020-01-10T01:00:00.000001Z INFO [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9120.0] Target handler state: enabled");
        assert_eq!((r.format, r.thread, r.prefix), (LineFormat::Waagent2246, None, Some(VMSNAPSHOT)));
    }

    #[test]
    fn threaded_lines_have_thread_and_prefix() {
        let text = "2023-10-27T07:57:10.702114Z INFO ExtHandler ExtHandler ProcessExtensionsGoalState completed [etag_13848932411473871259 4082 ms]\n\
                    2022-09-30T02:48:33.134649Z WARNING MonitorHandler ExtHandler Error in SendHostPluginHeartbeat: [ResourceGoneError] [HTTP Failed] [410: Gone]\n\
                    2021-03-30T19:45:33.793213Z INFO ExtHandler [Microsoft.Azure.Security.Monitoring.AzureSecurityLinuxAgent-2.14.64] Target handler state: enabled [incarnation 3]\n\
                    2023-08-27T08:13:42.520557Z WARNING MainThread LogCollector Fetch failed: timed out\n\
                    2019-11-27T22:22:48.123985Z VERBOSE ExtHandler ExtHandler Report vm agent status\n\
                    2024-01-01T00:00:00.000000Z INFO Firewall Firewall Added rule\n";
        let records: Vec<_> = parse(text).collect();
        assert_eq!(records[0].time, utc("2023-10-27 07:57:10.702114"));
        let got: Vec<_> =
            records.iter().map(|r| (r.format, r.level, r.thread, r.prefix, r.message)).collect();
        let threaded = LineFormat::WaagentThreaded;
        assert_eq!(
            got,
            vec![
                (
                    threaded,
                    Level::Info,
                    Some("ExtHandler"),
                    Some("ExtHandler"),
                    "ProcessExtensionsGoalState completed [etag_13848932411473871259 4082 ms]"
                ),
                (
                    threaded,
                    Level::Warning,
                    Some("MonitorHandler"),
                    Some("ExtHandler"),
                    "Error in SendHostPluginHeartbeat: [ResourceGoneError] [HTTP Failed] [410: Gone]"
                ),
                (
                    threaded,
                    Level::Info,
                    Some("ExtHandler"),
                    Some("[Microsoft.Azure.Security.Monitoring.AzureSecurityLinuxAgent-2.14.64]"),
                    "Target handler state: enabled [incarnation 3]"
                ),
                (
                    threaded,
                    Level::Warning,
                    Some("MainThread"),
                    Some("LogCollector"),
                    "Fetch failed: timed out"
                ),
                (threaded, Level::Verbose, Some("ExtHandler"), Some("ExtHandler"), "Report vm agent status"),
                (threaded, Level::Info, Some("Firewall"), Some("Firewall"), "Added rule"),
            ]
        );
    }

    #[test]
    fn threaded_line_without_prefix_and_2246_line_without_prefix() {
        let r = one("2024-01-01T00:00:00.000000Z INFO MainThread Running the log collector");
        assert_eq!((r.format, r.thread, r.prefix), (LineFormat::WaagentThreaded, Some("MainThread"), None));
        assert_eq!(r.message, "Running the log collector");
        let r = one("2020-01-01T00:00:00.000000Z INFO Running the log collector");
        assert_eq!((r.format, r.thread, r.prefix), (LineFormat::Waagent2246, None, None));
        assert_eq!(r.message, "Running the log collector");
    }

    #[test]
    fn ambiguous_role_pairs_follow_the_roles_known_layout() {
        // Nothing known yet: the current (threaded) layout wins.
        let r = one("2022-07-14T18:48:37.879806Z ERROR Daemon Daemon Daemon ended with exception");
        assert_eq!(
            (r.format, r.thread, r.prefix),
            (LineFormat::WaagentThreaded, Some("Daemon"), Some("Daemon"))
        );
        assert_eq!(r.message, "Daemon ended with exception");

        // A 2.2.46 daemon, seen unambiguously first, keeps its messages that start with a role word.
        let text = "2020-03-01T10:00:00.000000Z INFO Daemon Azure Linux Agent Version:2.2.46\n\
                    2020-03-01T10:00:01.000000Z INFO Daemon ExtHandler process 1234 launched with command 'x' exited with return code: 1\n\
                    2020-03-01T10:00:02.000000Z WARNING MonitorHandler ExtHandler Monitor thread died\n\
                    2020-03-01T10:00:03.000000Z INFO ExtHandler ExtHandler Goal state processed\n\
                    2020-04-01T10:00:00.000000Z INFO Daemon Daemon Azure Linux Agent Version: 2.2.53\n\
                    2020-04-01T10:00:01.000000Z ERROR Daemon Daemon Daemon ended with exception\n";
        let got: Vec<_> = parse(text).map(|r| (r.format, r.thread, r.prefix, r.message)).collect();
        let (plain, threaded) = (LineFormat::Waagent2246, LineFormat::WaagentThreaded);
        assert_eq!(got[0], (plain, None, Some("Daemon"), "Azure Linux Agent Version:2.2.46"));
        assert_eq!(
            got[1],
            (
                plain,
                None,
                Some("Daemon"),
                "ExtHandler process 1234 launched with command 'x' exited with return code: 1"
            )
        );
        assert_eq!(got[2], (threaded, Some("MonitorHandler"), Some("ExtHandler"), "Monitor thread died"));
        // The extension handler is already known to be threaded.
        assert_eq!(got[3], (threaded, Some("ExtHandler"), Some("ExtHandler"), "Goal state processed"));
        // An upgraded daemon announces itself in a layout only the threaded agent writes.
        assert_eq!(got[4], (threaded, Some("Daemon"), Some("Daemon"), "Azure Linux Agent Version: 2.2.53"));
        assert_eq!(got[5], (threaded, Some("Daemon"), Some("Daemon"), "Daemon ended with exception"));
    }

    #[test]
    fn lines_written_by_extensions() {
        let text = "2021/03/30 19:45:31 Azure Monitoring Agent for Linux started to handle.\n\
                    2021/03/30 19:45:31 [Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0] cwd is /var/lib/waagent/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0\n";
        let records: Vec<_> = parse(text).collect();
        assert_eq!(records[0].time, local("2021-03-30 19:45:31"));
        let got: Vec<_> =
            records.iter().map(|r| (r.format, r.level, r.thread, r.prefix, r.message)).collect();
        let ext = LineFormat::ExtensionWritten;
        assert_eq!(
            got,
            vec![
                (ext, Level::Unknown, None, None, "Azure Monitoring Agent for Linux started to handle."),
                (
                    ext,
                    Level::Unknown,
                    None,
                    Some("[Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0]"),
                    "cwd is /var/lib/waagent/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.7.0"
                ),
            ]
        );
    }

    #[test]
    fn syslog_and_journald_wrapped_lines_parse_the_inner_header() {
        let line = "Jul 06 13:18:04 localhost python[255]: 2018/07/06 13:18:04.180810 INFO [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9133.0] Target handler state: enabled";
        let r = one(line);
        assert_eq!(r.format, LineFormat::Waagent21);
        assert_eq!(r.time, local("2018-07-06 13:18:04.180810"));
        assert_eq!(r.prefix, Some("[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9133.0]"));
        assert_eq!((r.message, r.raw), ("Target handler state: enabled", line));

        let line =
            "python3[1686]: 2022-07-14T18:48:37.879806Z INFO Daemon Daemon Azure Linux Agent Version: 2.2.53";
        let r = one(line);
        assert_eq!((r.format, r.level), (LineFormat::WaagentThreaded, Level::Info));
        assert_eq!((r.thread, r.prefix), (Some("Daemon"), Some("Daemon")));
        assert_eq!(r.time, utc("2022-07-14 18:48:37.879806"));
        assert_eq!((r.message, r.raw), ("Azure Linux Agent Version: 2.2.53", line));
    }

    #[test]
    fn stray_characters_before_a_header_are_kept_in_raw_only() {
        let text = "2017/08/02 15:09:55 [Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.3.127.7] Change log file\n\
                    q2017/08/02 15:09:57.713136 INFO Event: name=Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux, op=Enable, message=Launch command succeeded: omsagent.py -enable\n\
                    \x00\x00\x00\x002017/08/02 15:10:00.000001 INFO Agent restarted\n";
        let records: Vec<_> = parse(text).collect();
        assert_eq!(records.len(), 3);
        let r = &records[1];
        assert_eq!((r.line, r.format, r.level), (2, LineFormat::Waagent21, Level::Info));
        assert_eq!(r.time, local("2017-08-02 15:09:57.713136"));
        assert!(r.raw.starts_with("q2017/08/02"));
        assert!(r.message.starts_with("Event: name=Microsoft.EnterpriseCloud"));
        assert_eq!((records[2].line, records[2].message), (3, "Agent restarted"));
        assert!(records[2].raw.starts_with('\0'));
    }

    #[test]
    fn text_that_only_contains_a_date_does_not_start_a_record() {
        let text = "2023-10-27T07:57:10.702114Z INFO ExtHandler ExtHandler Output:\n\
                    qq2021/03/30 19:45:31 no level after stray characters\n\
                    abcd2021/03/30 19:45:31.000001 INFO too many stray characters\n\
                    [2021/03/30 19:45:31.000001 INFO brackets are never stray\n\
                    \x20\x202021/03/30 19:45:31.000001 INFO indented\n\
                    Inner error: 2021/03/30 19:45:31 no level behind a tag\n\
                    2023-10-27T07:57:10.702114Z no level word\n\
                    2023-10-27T07:57:10.702114Z INFOS not a level word\n";
        let r = one(text);
        assert_eq!(r.lines, 8);
    }

    #[test]
    fn traceback_is_one_record() {
        let text = "2023-03-05T21:24:16.619497Z ERROR ExtHandler ExtHandler Fetching the goal state is still failing: [ProtocolError] GET vmSettings [correlation ID: 05234ebe-edc7-4676-9d71-059dd7551f25 eTag: None]: Request failed: [Errno 111] Connection refused\n\
Traceback (most recent call last):\n  File \"bin/WALinuxAgent-2.9.0.4-py2.7.egg/azurelinuxagent/common/protocol/hostplugin.py\", line 506, in fetch_vm_settings\n    response = restutil.http_get(url)\n\
2023-03-05T21:24:17.000000Z INFO ExtHandler ExtHandler next\n";
        let records: Vec<_> = parse(text).collect();
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].line, records[0].lines, records[1].line, records[1].lines), (1, 4, 5, 1));
        assert!(records[0].message.ends_with("response = restutil.http_get(url)"));
        assert_eq!(records[0].first_line(), "Fetching the goal state is still failing: [ProtocolError] GET vmSettings [correlation ID: 05234ebe-edc7-4676-9d71-059dd7551f25 eTag: None]: Request failed: [Errno 111] Connection refused");
    }

    #[test]
    fn old_traceback_record_takes_its_unprefixed_file_lines() {
        let text = "2017/08/02 15:09:57.750303 WARNING Agent WALinuxAgent-2.2.14 failed with exception: 'NoneType' object has no attribute 'is_sentinel'\n\
2017/08/02 15:09:57.752121 WARNING Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/azurelinuxagent/ga/update.py\", line 280, in run\n    test_agent = self.get_test_agent()\n";
        let got: Vec<_> = parse(text).map(|r| (r.line, r.lines)).collect();
        assert_eq!(got, vec![(1, 1), (2, 3)]);
    }

    #[test]
    fn command_output_json_body_and_blank_lines_are_continuations() {
        let text = "2024-05-30T13:15:47.339279Z ERROR ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0] Non-zero exit code: 127, main/handle.sh enable\n\
[stdout]\n\n\n[stderr]\n/bin/sh: 1: python: not found\n\
2017/06/17 03:12:47.206728 WARNING Could not fetch http://168.63.129.16:32526/extensionArtifact [[400: Bad Request] {\n    \"errorCode\": \"RequestRoleConfigFileNotFound\",\n    \"details\": \"\"\n}]\n\
2021/07/14 23:39:54.716251 INFO ExtHandler [PERIODIC] Using host plugin as default channel.\n\n\
2021/07/15 11:39:56.100074 INFO ExtHandler [PERIODIC] Using host plugin as default channel.\n\n";
        let records: Vec<_> = parse(text).collect();
        let spans: Vec<_> = records.iter().map(|r| (r.line, r.lines)).collect();
        assert_eq!(spans, vec![(1, 6), (7, 4), (11, 2), (13, 2)]);
        assert_eq!(records[0].message, "Non-zero exit code: 127, main/handle.sh enable\n[stdout]\n\n\n[stderr]\n/bin/sh: 1: python: not found");
        assert!(records[1].message.ends_with("\"details\": \"\"\n}]"));
        // Trailing blank lines belong to the record but not to its text.
        assert_eq!(records[2].message, "[PERIODIC] Using host plugin as default channel.");
        assert_eq!(
            records[3].raw,
            "2021/07/15 11:39:56.100074 INFO ExtHandler [PERIODIC] Using host plugin as default channel."
        );
    }

    #[test]
    fn firewall_dump_and_crlf_lines() {
        let text = "2024-03-15T18:04:56.774740Z INFO EnvHandler ExtHandler Current Firewall rules:\r\nChain INPUT (policy ACCEPT 0 packets, 0 bytes)\r\n    pkts      bytes target\r\n2024-03-15T18:04:57.000000Z INFO ExtHandler ExtHandler done\r\n";
        let records: Vec<_> = parse(text).collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].lines, 3);
        assert_eq!(records[0].message, "Current Firewall rules:\r\nChain INPUT (policy ACCEPT 0 packets, 0 bytes)\r\n    pkts      bytes target");
        assert_eq!(records[0].first_line(), "Current Firewall rules:");
        assert_eq!(records[1].raw, "2024-03-15T18:04:57.000000Z INFO ExtHandler ExtHandler done");
    }

    #[test]
    fn text_before_the_first_header_is_one_untimed_record() {
        let text = "[ExtensionOperationError] Non-zero exit code: 3, /var/lib/waagent/x/main/handle.sh install\n[stdout]\n\
2019/11/17 00:03:18.094280 INFO ExtHandler Added PID 53989 to cgroup\n";
        let records: Vec<_> = parse(text).collect();
        assert_eq!(records.len(), 2);
        let r = &records[0];
        assert_eq!(
            (r.line, r.lines, r.format, r.time, r.level),
            (1, 2, LineFormat::Untimed, None, Level::Unknown)
        );
        assert_eq!(r.message, r.raw);
        assert!(r.raw.ends_with("[stdout]"));
        assert_eq!(records[1].format, LineFormat::Waagent22Prefixed);
        assert_eq!(parse("").count(), 0);
        assert_eq!(fields("\n\n"), vec![(LineFormat::Untimed, Level::Unknown, None, None, "")]);
    }

    #[test]
    fn mixed_eras_in_one_file() {
        let text =
            "2018/12/06 13:56:25.607964 INFO Determined Agent WALinuxAgent-2.2.34 to be the latest agent\n\
2018/12/06 13:56:27.115368 INFO ExtHandler Agent WALinuxAgent-2.2.34 is running as the goal state agent\n\
2023-10-27T07:57:10.702114Z INFO ExtHandler ExtHandler Agent WALinuxAgent-2.9.1.1 is running\n\
2021/03/30 19:45:31 Azure Monitoring Agent for Linux started to handle.\n\
2016/02/17 07:54:53 ERROR:timed out\n";
        let formats: Vec<_> = parse(text).map(|r| r.format).collect();
        use LineFormat::*;
        assert_eq!(formats, vec![Waagent21, Waagent22Prefixed, WaagentThreaded, ExtensionWritten, Waagent20]);
        let times: Vec<_> = parse(text).map(|r| r.time.map(|t| t.is_utc())).collect();
        assert_eq!(times, vec![Some(false), Some(false), Some(true), Some(false), Some(false)]);
    }

    #[test]
    fn escaped_and_non_ascii_text_is_kept() {
        let text = "2023-10-27T07:57:10.702114Z INFO ExtHandler ExtHandler Caf\\xe9 \\u2603 ok\n\u{FFFD}\u{FFFD} bin\u{e9}\n2023-10-27T07:57:11.000000Z INFO ExtHandler ExtHandler \u{e9}t\u{e9}\n";
        let records: Vec<_> = parse(text).collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].message, "Caf\\xe9 \\u2603 ok\n\u{FFFD}\u{FFFD} bin\u{e9}");
        assert_eq!(records[1].message, "\u{e9}t\u{e9}");
    }

    #[test]
    fn records_borrow_from_the_input() {
        let text = "2016/02/17 07:54:53 ERROR:timed out\nmore\n";
        let r = one(text);
        let range = text.as_ptr() as usize..text.as_ptr() as usize + text.len();
        assert!(range.contains(&(r.raw.as_ptr() as usize)) && range.contains(&(r.message.as_ptr() as usize)));
        assert_eq!((r.raw, r.message), ("2016/02/17 07:54:53 ERROR:timed out\nmore", "timed out\nmore"));
    }

    #[test]
    fn impossible_timestamps_start_records_of_unknown_time() {
        // Shaped like a header and carrying a level: a record of its own, so its text is not dated by the
        // record above; the stamp names no real instant, so the record has no time.
        let text = "2016/02/17 07:54:53.1 INFO ok\n2016/13/17 07:54:53.1 INFO month 13\n2016-02-30T07:54:53.1Z INFO ExtHandler Feb 30\n0000-01-01T00:00:00.0Z INFO ExtHandler year 0\n";
        let got: Vec<_> = parse(text).map(|r| (r.lines, r.time.is_some(), r.level, r.message)).collect();
        assert_eq!(
            got,
            [
                (1, true, Level::Info, "ok"),
                (1, false, Level::Info, "month 13"),
                (1, false, Level::Info, "Feb 30"),
                (1, false, Level::Info, "year 0"),
            ]
        );
        // Without a level, a bogus date is no header (extension-written lines need a real one).
        assert_eq!(one("2016/02/17 07:54:53 [Pub.T-1.0] ok\n2016/13/17 07:54:53 [Pub.T-1.0] x\n").lines, 2);
    }

    #[test]
    fn event_echo_fields() {
        let e = parse_event(
            "Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation 33, duration=2042",
        )
        .unwrap();
        assert_eq!(
            e,
            AgentEvent {
                name: "WALinuxAgent",
                op: Some("ProcessGoalState"),
                message: "Incarnation 33",
                duration_ms: Some(2042)
            }
        );
        let e = parse_event("Event: name=Microsoft.Azure.RecoveryServices.VMSnapshotLinux, op=Install, message=[ExtensionError] Non-zero exit code: 127, main/handle.sh install, duration=0").unwrap();
        assert_eq!(e.message, "[ExtensionError] Non-zero exit code: 127, main/handle.sh install");
        assert_eq!(e.duration_ms, Some(0));
        let e = parse_event("Event: name=Microsoft.Azure.RecoveryServices.VMSnapshotLinux, op=None, message=[ExtensionError] Downgrade not allowed, duration=0").unwrap();
        assert_eq!((e.op, e.message), (None, "[ExtensionError] Downgrade not allowed"));
    }

    #[test]
    fn event_echo_cut_short_or_multi_line() {
        let e = parse_event("Event: name=Microsoft.Azure.Security.Monitoring.AzureSecurityLinuxAgent, op=Install, message=[ExtensionOperationError] Non-zero exit code: 56, /var/lib/waagent/x/handler.sh install").unwrap();
        assert_eq!(
            e.message,
            "[ExtensionOperationError] Non-zero exit code: 56, /var/lib/waagent/x/handler.sh install"
        );
        assert_eq!(e.duration_ms, None);
        let e = parse_event("Event: name=WALA, op=InitializeHostPlugin, message=").unwrap();
        assert_eq!(
            (e.name, e.op, e.message, e.duration_ms),
            ("WALA", Some("InitializeHostPlugin"), "", None)
        );
        let e =
            parse_event("Event: name=Microsoft.Azure.RecoveryServices.VMSnapshotLinux, op=Enable").unwrap();
        assert_eq!((e.op, e.message), (Some("Enable"), ""));
        let e = parse_event("Event: name=X, op=Enable, message=Non-zero exit code: 1, cmd\n[stdout]\na, duration=5 is text\n\n[stderr]\n, duration=12\n").unwrap();
        assert_eq!(e.message, "Non-zero exit code: 1, cmd\n[stdout]\na, duration=5 is text\n\n[stderr]\n");
        assert_eq!(e.duration_ms, Some(12));
        let e = parse_event("Event: name=X, op=Y, message=m, duration=abc").unwrap();
        assert_eq!((e.message, e.duration_ms), ("m, duration=abc", None));
        assert_eq!(parse_event("Event name=X"), None);
        assert_eq!(parse_event("Fetch failed: Event: name=X"), None);
    }

    #[test]
    fn extension_prefix_splits_name_and_version() {
        assert_eq!(
            extension_prefix("[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9120.0]"),
            Some(("Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "1.0.9120.0"))
        );
        assert_eq!(
            extension_prefix("Microsoft.CPlat.Core.RunCommandHandlerLinux.my-run-cmd-1.1.5"),
            Some(("Microsoft.CPlat.Core.RunCommandHandlerLinux.my-run-cmd", "1.1.5"))
        );
        assert_eq!(extension_prefix("[Pub.Type-2]"), Some(("Pub.Type", "2")));
        for bad in [
            "[PERIODIC]",
            "[Pub.Type-1.0",
            "[-1.0]",
            "[Pub.Type-1..0]",
            "[Pub.Type-1.0-beta]",
            "[A B-1.0]",
            "",
        ] {
            assert_eq!(extension_prefix(bad), None, "{bad}");
        }
    }

    #[test]
    fn command_output_blocks() {
        let m = "Non-zero exit code: 127, main/handle.sh install\n[stdout]\nline 1\nline 2\n\n[stderr]\n/bin/sh: 1: python: not found";
        assert_eq!(
            command_output(m),
            Some(CommandOutput {
                before: "Non-zero exit code: 127, main/handle.sh install",
                stdout: Some("line 1\nline 2"),
                stderr: Some("/bin/sh: 1: python: not found"),
            })
        );
        let m = "Command: x\r\n[stdout]\r\n\r\n\r\n[stderr]\r\n";
        assert_eq!(
            command_output(m),
            Some(CommandOutput { before: "Command: x", stdout: Some(""), stderr: Some("") })
        );
        let m = "cut\n[stdout]\nprints [stdout] and\n[stderr] inline";
        assert_eq!(
            command_output(m),
            Some(CommandOutput {
                before: "cut",
                stdout: Some("prints [stdout] and\n[stderr] inline"),
                stderr: None
            })
        );
        assert_eq!(command_output("no blocks [stdout]"), None);
    }

    #[test]
    fn corpus_files_lose_no_line() {
        let Some(mut files) =
            corpus_files(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/linux/logs"), |n| {
                n.ends_with(".log")
            })
        else {
            return;
        };
        let agent_logs = |n: &str| n.starts_with("linux_waagent_") && n.ends_with(".log");
        files.extend(
            corpus_files(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/vmsnapshot"), agent_logs)
                .unwrap_or_default(),
        );
        let mut headers = 0;
        for (path, text) in &files {
            let records = tiled(text, parse(text));
            headers += records.iter().filter(|r| r.time.is_some()).count();
            if !path.ends_with("linux_waagent_status_install_exitcode3_ale946.log") {
                assert_ne!(records.first().map(|r| r.format), Some(LineFormat::Untimed), "{path}");
            }
        }
        assert!(headers > 200, "only {headers} headers");
    }

    #[test]
    fn maintainer_samples_each_parse_as_one_record() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/corpus/linux/logs/wala-e2e-agent_log-comment-samples.log"
        );
        let Some(text) = corpus_text(path) else { return };
        let records: Vec<_> = parse(&text).collect();
        assert_eq!(records.len(), count_lines(&text) as usize);
        for r in &records {
            let expect_level = r.format != LineFormat::ExtensionWritten;
            assert_eq!(r.level != Level::Unknown, expect_level, "{}", r.raw);
            if r.format == LineFormat::WaagentThreaded {
                assert!(r.thread.is_some() && r.prefix.is_some(), "{}", r.raw);
            }
        }
        let formats: std::collections::HashSet<_> = records.iter().map(|r| r.format).collect();
        assert_eq!(formats.len(), 5, "{formats:?}");
    }

    /// Pieces of real headers and messages, for generating text that reaches the deeper parsing paths.
    const FRAGMENTS: &[&str] = &[
        "2023-10-27T07:57:10.702114Z ",
        "2018/03/05 14:31:57.742721 ",
        "2016/02/17 07:54:53 ",
        "INFO ",
        "ERROR:",
        "ExtHandler ",
        "Daemon ",
        "MonitorHandler ",
        "[Pub.Type-1.0] ",
        "\n",
        "\r\n",
        "\0",
        "q",
        "Jul 06 13:18:04 host python[1]: ",
        "Event: name=",
        ", op=",
        ", message=",
        ", duration=1",
        "[stdout]",
        "[stderr]",
        "\u{e9}",
        " ",
    ];

    /// The line-parser invariants, plus this parser's own: the message is the tail of the record.
    fn check_invariants(text: &str) {
        for r in tiled(text, parse(text)) {
            assert!(r.raw.ends_with(r.message));
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_keeps_every_line(text in "\\PC*") {
            check_invariants(&text);
            let _ = parse_event(&text);
            let _ = command_output(&text);
            let _ = extension_prefix(&text);
        }

        #[test]
        fn header_like_text_never_panics_and_keeps_every_line(text in fragment_text(FRAGMENTS)) {
            check_invariants(&text);
            for r in parse(&text) {
                let _ = parse_event(r.message);
                let _ = command_output(r.message);
                if let Some(p) = r.prefix {
                    let _ = extension_prefix(p);
                }
            }
        }

        #[test]
        fn arbitrary_bytes_decode_and_parse(text in decoded_bytes()) {
            check_invariants(&text);
        }
    }
}
