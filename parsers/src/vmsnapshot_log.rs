//! The Linux VMSnapshot extension's own logs: `extension.log` and `host_based_extension.log` under
//! `/var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/`, plus the helpers that read the
//! extension's status line, `StatusCode.<Name>` suffixes, telemetry pairs and `******` step markers.
//!
//! One file mixes several writers, so every line is tested against all of them (leading blanks allowed):
//!
//! - Python 3 logger, `VmSnapshotPy3`, UTC: `2024-01-14 22:16:48.796446 [Name-1.0]msg` (no fraction when it
//!   is zero; a line with a fraction and no `[Name-ver]` is read as a prefix-less Python 3 line).
//! - Python 2 `waagent` logger, `VmSnapshotPy2`, local: `2017/11/14 03:06:52 [Name-1.0]msg`, and
//!   `2017/11/14 03:06:52 ERROR:[Name-1.0]msg` (or `WARNING:`) from `hutil.error`.
//! - backuplogger, `BackupLogger`, UTC: `2019-11-23 21:11:18.333008  Info  msg ` (Python 2) or
//!   `2021/02/26 09:41:45.748281  Info  msg ` (Python 3); the level is `Info`/`Warning`/`Error`.
//! - safefreeze binary, `SafeFreeze`, local: `2017-11-02 11:22:56 Thawing: /boot` (never a fraction).
//!
//! The Python 2 logger repeats the timestamp (and `ERROR:`) on each continuation line of a message
//! (`2017/11/14 03:06:52  StatusCode.Failed…,`). Such a prefix-less line continues the record above when
//! that record is a Python 2 one with the same level word, stamped at most a second earlier; otherwise it
//! starts a prefix-less `VmSnapshotPy2` record. A prefix-less line whose text is itself a backuplogger or
//! safefreeze line (the flushed freeze-window buffer) always starts its own record, so [`embedded_stamp`]
//! can pair its outer local time with the inner one. Backuplogger and safefreeze lines are records of
//! their own even inside a `Logs during Freeze Start … End` block.

use chrono::{NaiveDateTime, TimeDelta};

use crate::assemble::{Assembler, Header, HeaderRule, TrailingBlankLines};
use crate::record::{Level, LineFormat, LogRecord};
use crate::scan::{indent, spaces};
use crate::time::{parse_datetime_prefix, SourceTime};

/// Splits an `extension.log` (or `host_based_extension.log`) into records, lazily. Every physical line
/// lands in exactly one record; lines before the first header form one [`LineFormat::Untimed`] record.
pub fn parse(text: &str) -> Records<'_> {
    Records(Assembler::new(text, VmSnapshotRule::default(), TrailingBlankLines::Keep))
}

/// Reads the same records as [`parse`] from bytes pushed in blocks (see [`crate::stream`]).
pub fn stream() -> crate::stream::RecordStream {
    crate::stream::RecordStream::new(Box::new(VmSnapshotRule::default()), TrailingBlankLines::Keep)
}

/// Iterator returned by [`parse`].
#[derive(Debug, Clone)]
pub struct Records<'a>(Assembler<'a, VmSnapshotRule>);

impl<'a> Iterator for Records<'a> {
    type Item = LogRecord<'a>;

    fn next(&mut self) -> Option<LogRecord<'a>> {
        self.0.next()
    }
}

/// If `message` (of a Python 2/3 record) begins with a backuplogger or safefreeze stamp, returns the inner
/// time (UTC for backuplogger, local for safefreeze), its format, and the rest of the message after it
/// (without the one blank the backuplogger pads its lines with).
///
/// `2017-11-14 03:06:52 Thawing: /mnt` → `(Local(2017-11-14 03:06:52), SafeFreeze, "Thawing: /mnt")`.
pub fn embedded_stamp(message: &str) -> Option<(SourceTime, LineFormat, &str)> {
    let at = indent(message);
    let inner = inner_line(message.get(at..)?)?;
    let mut rest = message.get(at + inner.message_at..)?;
    if inner.trim_one_trailing_space {
        rest = rest.strip_suffix(' ').unwrap_or(rest);
    }
    Some((inner.time?, inner.format, rest))
}

// ---------------------------------------------------------------------------------------------------------
// Line classification.
// ---------------------------------------------------------------------------------------------------------

/// The level word the Python 2 logger glues before the text (`ERROR:`), which it repeats on every line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Py2Tag {
    Plain,
    Error,
    Warning,
}

impl Py2Tag {
    fn level(self) -> Level {
        match self {
            Py2Tag::Plain => Level::Unknown,
            Py2Tag::Error => Level::Error,
            Py2Tag::Warning => Level::Warning,
        }
    }

    /// Splits the tag off `s`: the tag and its length.
    fn split(s: &str) -> (Py2Tag, usize) {
        if s.starts_with("ERROR:") {
            (Py2Tag::Error, 6)
        } else if s.starts_with("WARNING:") {
            (Py2Tag::Warning, 8)
        } else {
            (Py2Tag::Plain, 0)
        }
    }
}

/// The header rule: remembers the last Python 2 record to recognise its timestamp-only continuation lines.
#[derive(Debug, Clone, Default)]
pub(crate) struct VmSnapshotRule {
    last_py2: Option<(NaiveDateTime, Py2Tag)>,
}

impl<'a> HeaderRule<'a> for VmSnapshotRule {
    fn header(&mut self, line: &'a str) -> Option<Header<'a>> {
        let at = indent(line);
        // Cheap gate: every header starts (after blanks) with the digit of a year.
        if !line.as_bytes().get(at)?.is_ascii_digit() {
            return None;
        }
        let body = line.get(at..)?;
        let (mut header, py2) = if body.as_bytes().get(4) == Some(&b'/') {
            match self.slash_line(body)? {
                Slash::Continuation => return None,
                Slash::Header(h, py2) => (h, py2),
            }
        } else {
            (py3_line(body).or_else(|| inner_line(body))?, None)
        };
        self.last_py2 = py2;
        header.message_at += at;
        Some(header)
    }
}

/// What a `YYYY/MM/DD` line is.
enum Slash<'a> {
    /// A header, and the Python 2 state it leaves for the next line.
    Header(Header<'a>, Option<(NaiveDateTime, Py2Tag)>),
    /// A timestamp-only continuation line of the Python 2 record above.
    Continuation,
}

impl VmSnapshotRule {
    fn slash_line<'a>(&self, body: &'a str) -> Option<Slash<'a>> {
        let (time, n) = parse_datetime_prefix(body, b'/', b' ')?;
        if n > 19 {
            // A fraction: only the backuplogger writes slashes with microseconds.
            return Some(Slash::Header(backuplogger_line(body, time, n, 1)?, None));
        }
        // Python 2: `STAMP ` + [ERROR:|WARNING:] + `[Name-ver]` on the first line of a message only.
        let text_at = n + usize::from(body.as_bytes().get(n) == Some(&b' '));
        if text_at == n && n < body.len() {
            return None;
        }
        let (tag, tag_len) = Py2Tag::split(body.get(text_at..)?);
        let after_tag = text_at + tag_len;
        let local = SourceTime::Local(time);
        let state = Some((time, tag));
        let mut header =
            Header { level: tag.level(), ..Header::new(local, LineFormat::VmSnapshotPy2, after_tag) };
        if let Some(prefix_len) = component_prefix(body.get(after_tag..)?) {
            header.prefix = body.get(after_tag..after_tag + prefix_len);
            header.message_at =
                after_tag + prefix_len + usize::from(body.get(after_tag + prefix_len..)?.starts_with(' '));
            return Some(Slash::Header(header, state));
        }
        if inner_line(body.get(after_tag..)?).is_none() && self.continues(time, tag) {
            return Some(Slash::Continuation);
        }
        Some(Slash::Header(header, state))
    }

    /// True when a prefix-less Python 2 line stamped `time` continues the last Python 2 record.
    fn continues(&self, time: NaiveDateTime, tag: Py2Tag) -> bool {
        let Some((last, last_tag)) = self.last_py2 else { return false };
        let gap = time.signed_duration_since(last);
        last_tag == tag && gap >= TimeDelta::zero() && gap <= TimeDelta::seconds(1)
    }
}

/// A `YYYY-MM-DD` Python 3 line: `[Name-ver]` after one or two blanks (optionally `ERROR:` first), or with no
/// prefix when the stamp has a fraction (a safefreeze line has none).
fn py3_line(body: &str) -> Option<Header<'_>> {
    let (time, n) = parse_datetime_prefix(body, b'-', b' ')?;
    let gap = spaces(body.get(n..)?);
    if !(1..=2).contains(&gap) {
        return None;
    }
    let text_at = n + gap;
    let (tag, tag_len) = Py2Tag::split(body.get(text_at..)?);
    let after_tag = text_at + tag_len;
    let mut header = Header {
        level: tag.level(),
        ..Header::new(SourceTime::Utc(time), LineFormat::VmSnapshotPy3, after_tag)
    };
    if let Some(prefix_len) = component_prefix(body.get(after_tag..)?) {
        let end = after_tag + prefix_len;
        header.prefix = body.get(after_tag..end);
        // The logger writes no blank after `]`; tolerate one should it start to.
        header.message_at = end + usize::from(body.get(end..)?.starts_with(' '));
        return Some(header);
    }
    (n > 19 && gap == 1).then_some(header)
}

/// A backuplogger or safefreeze line (also what [`embedded_stamp`] looks for).
fn inner_line(body: &str) -> Option<Header<'_>> {
    if body.as_bytes().get(4) == Some(&b'/') {
        let (time, n) = parse_datetime_prefix(body, b'/', b' ')?;
        return if n > 19 { backuplogger_line(body, time, n, 1) } else { None };
    }
    let (time, n) = parse_datetime_prefix(body, b'-', b' ')?;
    if let Some(header) = backuplogger_line(body, time, n, 2) {
        return Some(header);
    }
    // safefreeze: `strftime("%F %X")`, so never a fraction, then one blank and text that is not a prefix.
    let text = body.get(n..)?.strip_prefix(' ')?;
    let is_text = !text.starts_with(' ') && !text.starts_with('[') && !text.is_empty();
    (n == 19 && is_text).then(|| Header::new(SourceTime::Local(time), LineFormat::SafeFreeze, n + 1))
}

/// `STAMP␣␣Level␣␣msg␣` from the end of the stamp at `n`. The blanks around the level are two as written;
/// `min_gap` 1 also accepts one (only for the slash form, which no other writer uses with a fraction).
fn backuplogger_line(body: &str, time: NaiveDateTime, n: usize, min_gap: usize) -> Option<Header<'_>> {
    let rest = body.get(n..)?;
    let before = spaces(rest);
    if !(min_gap..=2).contains(&before) {
        return None;
    }
    let word_len = rest.bytes().skip(before).take_while(|c| c.is_ascii_alphabetic()).count();
    let level = Level::from_word(rest.get(before..before + word_len)?)?;
    let after_word = before + word_len;
    let after = spaces(rest.get(after_word..)?);
    let at_end = after_word + after == rest.len();
    if after < min_gap && !at_end {
        return None;
    }
    let message_at = n + after_word + after.min(2);
    Some(Header {
        level,
        trim_one_trailing_space: true,
        ..Header::new(SourceTime::Utc(time), LineFormat::BackupLogger, message_at)
    })
}

/// Length of a leading `[<Name>-<version>]` (brackets included), e.g.
/// `[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]`: the name starts with a letter and holds
/// letters, digits, `.`, `_`, `-`; the version is digits and dots.
fn component_prefix(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.first() != Some(&b'[') {
        return None;
    }
    let close = memchr::memchr(b']', b.get(..256).unwrap_or(b))?;
    let (name, version) = s.get(1..close)?.rsplit_once('-')?;
    let name_ok = name.as_bytes().first()?.is_ascii_alphabetic()
        && name.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
    let version_ok = version.as_bytes().first()?.is_ascii_digit()
        && version.bytes().all(|c| c.is_ascii_digit() || c == b'.');
    (name_ok && version_ok).then_some(close + 1)
}

// ---------------------------------------------------------------------------------------------------------
// Status line, status codes, telemetry, step markers.
// ---------------------------------------------------------------------------------------------------------

/// The extension's final status line, `{operation},{status},{status_code},{message},{failure_flag}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusReport<'a> {
    /// `Enable`, `Install`, `Disable`, …
    pub operation: &'a str,
    /// `success`, `error`, `warning`, `transitioning`.
    pub status: &'a str,
    /// The run result (e.g. `121`); not always the extension error code (restricted network reports 76).
    pub code: i64,
    /// The free text, commas included; usually ends with ` StatusCode.<Name>,`.
    pub message: &'a str,
    /// The trailing `True`/`False`.
    pub failure_flag: bool,
}

/// Reads a status line such as
/// `Enable,error,121,T:S Enable failed with error: … StatusCode.FailedRetryableFsFreezeFailed,,True`.
/// The message may hold commas: operation, status and code are split from the left, the flag from the right.
pub fn parse_status_report(message: &str) -> Option<StatusReport<'_>> {
    let s = message.trim();
    let (operation, rest) = s.split_once(',')?;
    let (status, rest) = rest.split_once(',')?;
    let (code, rest) = rest.split_once(',')?;
    let (text, flag) = rest.rsplit_once(',')?;
    let word = |w: &str| !w.is_empty() && w.len() <= 32 && w.bytes().all(|c| c.is_ascii_alphabetic());
    if !word(operation) || !word(status) {
        return None;
    }
    let failure_flag = if flag.eq_ignore_ascii_case("true") {
        true
    } else if flag.eq_ignore_ascii_case("false") {
        false
    } else {
        return None;
    };
    let code_digits = code.strip_prefix('-').unwrap_or(code);
    if code_digits.is_empty() || code_digits.len() > 18 || !code_digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(StatusReport { operation, status, code: code.parse().ok()?, message: text, failure_flag })
}

/// Yields the `<Name>` of every ` StatusCode.<Name>,` in `text` (also at the start of a line or the text).
/// The name must end at `,`, a blank, a quote, a backslash or the end of the text.
pub fn status_code_names(text: &str) -> impl Iterator<Item = &str> {
    const NEEDLE: &[u8] = b"StatusCode.";
    memchr::memmem::find_iter(text.as_bytes(), NEEDLE).filter_map(move |at| {
        let before = at.checked_sub(1).and_then(|i| text.as_bytes().get(i));
        if !matches!(before, None | Some(b' ' | b'\t' | b'\n' | b'\r')) {
            return None;
        }
        let start = at + NEEDLE.len();
        let rest = text.get(start..)?;
        let len = rest.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
        let ends_well = matches!(
            rest.as_bytes().get(len),
            None | Some(b',' | b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\\')
        );
        (len > 0 && ends_well).then(|| rest.get(..len)).flatten()
    })
}

/// Yields `(key, value)` for every telemetry fragment `{"Key": "extErrorCode", "Value": "Failed…"}` in
/// `text`: any blank layout, either member order, and the escaped form found inside JSON strings
/// (`{\"Key\": \"k\", \"Value\": \"v\"}`). A non-string value (`"Value": 200`) is yielded as written.
pub fn telemetry_pairs(text: &str) -> impl Iterator<Item = (&str, &str)> {
    memchr::memchr_iter(b'{', text.as_bytes()).filter_map(move |at| telemetry_object(text.get(at + 1..)?))
}

/// Parses the two members after a `{`.
fn telemetry_object(s: &str) -> Option<(&str, &str)> {
    let mut cursor = Cursor { s, at: 0 };
    cursor.blanks();
    let quote = if cursor.rest().starts_with("\\\"") { "\\\"" } else { "\"" };
    let (name1, value1) = cursor.member(quote)?;
    cursor.blanks();
    cursor.eat(",")?;
    let (name2, value2) = cursor.member(quote)?;
    cursor.blanks();
    cursor.eat("}")?;
    match (name1, name2) {
        ("Key", "Value") => Some((value1, value2)),
        ("Value", "Key") => Some((value2, value1)),
        _ => None,
    }
}

/// A forward-only reader over a telemetry fragment.
struct Cursor<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        self.s.get(self.at..).unwrap_or("")
    }

    fn blanks(&mut self) {
        self.at += self.rest().bytes().take_while(u8::is_ascii_whitespace).count();
    }

    fn eat(&mut self, token: &str) -> Option<()> {
        self.rest().starts_with(token).then(|| self.at += token.len())
    }

    /// A string delimited by `quote` (`"` or `\"`), without its quotes.
    fn string(&mut self, quote: &str) -> Option<&'a str> {
        self.eat(quote)?;
        let rest = self.rest();
        let len = rest.find(quote)?;
        self.at += len + quote.len();
        rest.get(..len)
    }

    /// `"name": value` where the value is a string or a bare token (number, `true`, `null`).
    fn member(&mut self, quote: &str) -> Option<(&'a str, &'a str)> {
        self.blanks();
        let name = self.string(quote)?;
        self.blanks();
        self.eat(":")?;
        self.blanks();
        if self.rest().starts_with(quote) {
            return Some((name, self.string(quote)?));
        }
        let rest = self.rest();
        let len =
            rest.bytes().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'+')).count();
        self.at += len;
        Some((name, rest.get(..len).filter(|v| !v.is_empty())?))
    }
}

/// Reads a flow marker `****** N. text` (research §2.3) anywhere in the first line of `message`, e.g.
/// `****** 5. Snaphotting (Host) Started` → `(5, "Snaphotting (Host) Started")`.
pub fn step_marker(message: &str) -> Option<(u8, &str)> {
    let first = message.lines().next()?;
    let at = first.find("******")?;
    let rest = first.get(at..)?.trim_start_matches('*').trim_start();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let step: u8 = rest.get(..digits)?.parse().ok()?;
    let text = rest.get(digits..)?.strip_prefix('.')?.trim();
    Some((step, text))
}

// ---------------------------------------------------------------------------------------------------------
// The extension's error-code enum.
// ---------------------------------------------------------------------------------------------------------

/// VM health the extension reports with an error code (`vmHealthInfo.vmHealthState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// `vmHealthState` 0.
    Green,
    /// `vmHealthState` 128.
    Yellow,
    /// `vmHealthState` 256.
    Red,
    /// The code has no entry in the extension's health table.
    Unknown,
}

impl Health {
    /// Reads a `vmHealthState` number (0, 128, 256).
    pub fn from_vm_health_state(state: i64) -> Health {
        match state {
            0 => Health::Green,
            128 => Health::Yellow,
            256 => Health::Red,
            _ => Health::Unknown,
        }
    }
}

/// One value of the extension's `ExtensionErrorCodeEnum` (rendered in logs as ` StatusCode.<name>,` and
/// in telemetry as `extErrorCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct ExtErrorCode {
    /// Numeric value (`vmHealthStatusCode`).
    pub value: u32,
    /// Enum name as the extension spells it.
    pub name: &'static str,
    /// Health the extension reports with it.
    pub health: Health,
}

const fn code(value: u32, name: &'static str, health: Health) -> ExtErrorCode {
    ExtErrorCode { value, name, health }
}

/// Every value of the extension's error enum (error-catalog §2.5), in value order.
pub static EXT_ERROR_CODES: &[ExtErrorCode] = {
    use Health::{Green, Red, Unknown, Yellow};
    &[
        code(0, "success_appconsistent", Green),
        code(1, "success", Green),
        code(2, "error", Green),
        code(3, "SuccessAlreadyProcessedInput", Green),
        code(4, "ExtensionTempTerminalState", Green),
        code(11, "error_parameter", Yellow),
        code(12, "error_12", Green),
        code(13, "error_wrong_time", Unknown),
        code(14, "error_same_taskid", Unknown),
        code(15, "error_http_failure", Red),
        code(16, "FailedHandlerGuestAgentCertificateNotFound", Yellow),
        code(17, "FailedInvalidDataDiskLunList", Green),
        code(76, "FailedRetryableSnapshotFailedNoNetwork", Red),
        code(85, "FailedSnapshotLimitReached", Red),
        code(121, "FailedRetryableFsFreezeFailed", Yellow),
        code(122, "FailedRetryableFsFreezeTimeout", Yellow),
        code(123, "FailedRetryableUnableToOpenMount", Yellow),
        code(124, "FailedSafeFreezeBinaryNotFound", Yellow),
        code(173, "FailedRetryableSnapshotRateExceeded", Green),
        code(300, "FailedPrepostPreScriptFailed", Yellow),
        code(301, "FailedPrepostPostScriptFailed", Yellow),
        code(302, "FailedPrepostPreScriptNotFound", Yellow),
        code(303, "FailedPrepostPostScriptNotFound", Yellow),
        code(304, "FailedPrepostPluginhostConfigParsing", Yellow),
        code(305, "FailedPrepostPluginConfigParsing", Yellow),
        code(306, "FailedPrepostPreScriptPermissionError", Yellow),
        code(307, "FailedPrepostPostScriptPermissionError", Yellow),
        code(308, "FailedPrepostPreScriptTimeout", Yellow),
        code(309, "FailedPrepostPostScriptTimeout", Yellow),
        code(310, "FailedPrepostPluginhostPreTimeout", Yellow),
        code(311, "FailedPrepostPluginhostPostTimeout", Yellow),
        code(312, "FailedPrepostCheckSumMismatch", Yellow),
        code(313, "FailedPrepostPluginhostConfigNotFound", Yellow),
        code(314, "FailedPrepostPluginhostConfigPermissionError", Yellow),
        code(315, "FailedPrepostPluginhostConfigOwnershipError", Yellow),
        code(316, "FailedPrepostPluginConfigNotFound", Yellow),
        code(317, "FailedPrepostPluginConfigPermissionError", Yellow),
        code(318, "FailedPrepostPluginConfigOwnershipError", Yellow),
        code(402, "FailedGuestAgentInvokedCommandTooLate", Red),
        code(500, "FailedWorkloadPreError", Yellow),
        code(501, "FailedWorkloadConfParsingError", Yellow),
        code(502, "FailedWorkloadInvalidRole", Yellow),
        code(503, "FailedWorkloadInvalidWorkloadName", Yellow),
        code(504, "FailedWorkloadPostError", Yellow),
        code(505, "FailedWorkloadAuthorizationMissing", Yellow),
        code(506, "FailedWorkloadConnectionError", Yellow),
        code(507, "FailedWorkloadIPCDirectoryMissing", Yellow),
        code(508, "FailedWorkloadDatabaseStatusChanged", Yellow),
        code(509, "FailedWorkloadQuiescingError", Yellow),
        code(510, "FailedWorkloadQuiescingTimeout", Yellow),
        code(511, "FailedWorkloadDatabaseInNoArchiveLog", Yellow),
        code(512, "FailedWorkloadLogModeChanged", Yellow),
        code(556, "FailedHostSnapshotRemoteServerError", Unknown),
        code(761, "FailedRetryableSnapshotFailedRestrictedNetwork", Red),
    ]
};

/// Names other extension versions used for the same values: the enum's older name for 508, and the
/// numeric mirror's names (`common.py`) for 121–123.
const NAME_ALIASES: &[(&str, u32)] = &[
    ("FailedWorkloadDatabaseNotOpen", 508),
    ("FailedFsFreezeFailed", 121),
    ("FailedFsFreezeTimeout", 122),
    ("FailedUnableToOpenMount", 123),
];

/// Looks an error code up by enum name (exact spelling; older aliases such as `FailedWorkloadDatabaseNotOpen`
/// resolve to their value's row).
pub fn ext_error_by_name(name: &str) -> Option<&'static ExtErrorCode> {
    EXT_ERROR_CODES.iter().find(|c| c.name == name).or_else(|| {
        let &(_, value) = NAME_ALIASES.iter().find(|(alias, _)| *alias == name)?;
        ext_error_by_value(value)
    })
}

/// Looks an error code up by numeric value.
pub fn ext_error_by_value(value: u32) -> Option<&'static ExtErrorCode> {
    EXT_ERROR_CODES.binary_search_by_key(&value, |c| c.value).ok().and_then(|i| EXT_ERROR_CODES.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{
        corpus_files, corpus_text, decoded_bytes, dt, fragment_text, local, tiled, utc,
    };
    use proptest::prelude::*;

    const NAME: &str = "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]";

    /// Where the shared corpus keeps the extension's logs.
    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/vmsnapshot");

    fn all(text: &str) -> Vec<LogRecord<'_>> {
        tiled(text, parse(text))
    }

    #[test]
    fn py3_line() {
        let r = &all("2024-01-14 22:16:48.796446 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]T:S freeze, timeout value 60")[0];
        assert_eq!(r.time, utc("2024-01-14 22:16:48.796446"));
        assert_eq!((r.format, r.level), (LineFormat::VmSnapshotPy3, Level::Unknown));
        assert_eq!(r.prefix, Some(NAME));
        assert_eq!(r.message, "T:S freeze, timeout value 60");
    }

    #[test]
    fn py3_variants_no_fraction_blank_after_prefix_other_name_no_prefix() {
        let r = &all("2024-01-14 22:16:48 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0] PreSnapshot: Status Code: 200")[0];
        assert_eq!(r.time, utc("2024-01-14 22:16:48"));
        assert_eq!((r.format, r.message), (LineFormat::VmSnapshotPy3, "PreSnapshot: Status Code: 200"));
        let r = &all("2024-01-14 22:16:48.1 [Contoso.Backup_Linux-2.3.4]hello")[0];
        assert_eq!((r.prefix, r.message), (Some("[Contoso.Backup_Linux-2.3.4]"), "hello"));
        let r = &all("2024-01-14 22:16:48.100000 Taking Snapshot through Host")[0];
        assert_eq!(
            (r.format, r.prefix, r.message),
            (LineFormat::VmSnapshotPy3, None, "Taking Snapshot through Host")
        );
    }

    #[test]
    fn py3_multi_line_traceback_is_one_record() {
        let text = concat!(
            "2024-01-14 22:16:48.792020 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Unable to parse context, stack trace: Traceback (most recent call last):\n",
            "  File \"/x/handle.py\", line 3, in main\n",
            "KeyError: 'x'\n",
            "2024-01-14 22:16:48.794220 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Taking Snapshot through Host\n",
        );
        let records = all(text);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].lines, 3);
        assert!(records[0].message.ends_with("KeyError: 'x'"));
        assert_eq!(records[1].line, 4);
    }

    #[test]
    fn py2_status_code_continuation_stays_in_record() {
        let text = concat!(
            "2017/11/14 03:06:52 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]T:S snapshot result: errorcode: 409\n",
            "2017/11/14 03:06:52  StatusCode.FailedRetryableSnapshotFailedRestrictedNetwork,\n",
            "2017/11/14 03:06:52 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]unfreeze ends...\n",
        );
        let records = all(text);
        assert_eq!(records.len(), 2);
        let r = &records[0];
        assert_eq!(r.time, local("2017-11-14 03:06:52"));
        assert_eq!((r.format, r.prefix, r.lines), (LineFormat::VmSnapshotPy2, Some(NAME), 2));
        assert_eq!(r.message, "T:S snapshot result: errorcode: 409\n2017/11/14 03:06:52  StatusCode.FailedRetryableSnapshotFailedRestrictedNetwork,");
        assert_eq!(
            status_code_names(r.message).collect::<Vec<_>>(),
            ["FailedRetryableSnapshotFailedRestrictedNetwork"]
        );
        assert_eq!(records[1].message, "unfreeze ends...");
    }

    #[test]
    fn py2_traceback_continuations_and_error_prefix() {
        let text = concat!(
            "2019/03/01 17:58:35 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]GetBlobProperties: Failed to get blob properties with error: __init__() takes exactly 2 arguments (1 given), stack trace: Traceback (most recent call last):\n",
            "2019/03/01 17:58:35   File \"/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9147.0/main/blobwriter.py\", line 207, in GetBlobProperties\n",
            "2019/03/01 17:58:36     http_util = HttpUtil(self.hutil)\n",
            "2019/03/01 17:58:36 ERROR:[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Unable to read x\n",
            "2019/03/01 17:58:36 ERROR:second line of the error\n",
            "2019/03/01 17:58:36 ERROR:unrelated direct error\n",
        );
        let records = all(text);
        // The third physical line is a second later: still the same message. The last line repeats the
        // same second but follows an ERROR record, so it continues that one.
        assert_eq!(records.iter().map(|r| r.lines).collect::<Vec<_>>(), [3, 3]);
        let err = &records[1];
        assert_eq!(
            (err.level, err.prefix, err.format),
            (Level::Error, Some(NAME), LineFormat::VmSnapshotPy2)
        );
        assert_eq!(err.first_line(), "Unable to read x");
    }

    #[test]
    fn py2_lines_without_prefix_start_records_when_they_cannot_continue() {
        let text = concat!(
            "2019/03/01 17:58:35 no prefix at file start\n",
            "2019/03/01 17:58:35 ERROR:plain error after plain\n",
            "2019/03/01 17:58:39 later plain line\n",
        );
        let records = all(text);
        assert_eq!(records.len(), 3);
        assert_eq!(
            (records[0].format, records[0].prefix, records[0].message),
            (LineFormat::VmSnapshotPy2, None, "no prefix at file start")
        );
        assert_eq!((records[1].level, records[1].message), (Level::Error, "plain error after plain"));
        assert_eq!((records[2].level, records[2].message), (Level::Unknown, "later plain line"));
    }

    #[test]
    fn py2_embedded_safefreeze_and_backuplogger_stamps() {
        let text = concat!(
            "2017/11/14 03:06:52 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]2017-11-14 03:06:52 Thawing: /mnt\n",
            "2016/12/10 01:11:00 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]2016-12-10 01:11:00.519872  Info  T:S freeze, timeout value 60 \n",
            "2016/12/10 01:11:00 2016-12-10 01:11:00.600000  Info  fsfreeze mount :/ \n",
        );
        let records = all(text);
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].message, "2017-11-14 03:06:52 Thawing: /mnt");
        assert_eq!(
            embedded_stamp(records[0].message),
            Some((SourceTime::Local(dt("2017-11-14 03:06:52")), LineFormat::SafeFreeze, "Thawing: /mnt"))
        );
        assert_eq!(
            embedded_stamp(records[1].message),
            Some((
                SourceTime::Utc(dt("2016-12-10 01:11:00.519872")),
                LineFormat::BackupLogger,
                "T:S freeze, timeout value 60"
            ))
        );
        // A timestamp-only line carrying a buffered backuplogger line is its own record.
        assert_eq!(records[2].prefix, None);
        assert_eq!(embedded_stamp(records[2].message).map(|e| e.2), Some("fsfreeze mount :/"));
        assert_eq!(embedded_stamp("T:S thaw result"), None);
        assert_eq!(embedded_stamp("2024-01-14 22:16:48.796446 [X.Y-1.0]msg"), None);
    }

    #[test]
    fn backuplogger_dash_and_slash_forms() {
        let r = &all("2019-11-23 21:11:18.333008  Info  T:S freeze, timeout value 60 ")[0];
        assert_eq!(r.time, utc("2019-11-23 21:11:18.333008"));
        assert_eq!((r.format, r.level, r.prefix), (LineFormat::BackupLogger, Level::Info, None));
        assert_eq!(r.message, "T:S freeze, timeout value 60");
        let r = &all("2021/02/26 09:41:45.748364  Warning  Failed to open file or aquire lock:  [Errno 11] Resource temporarily unavailable")[0];
        assert_eq!(r.time, utc("2021-02-26 09:41:45.748364"));
        assert_eq!((r.format, r.level), (LineFormat::BackupLogger, Level::Warning));
        assert_eq!(
            r.message,
            "Failed to open file or aquire lock:  [Errno 11] Resource temporarily unavailable"
        );
        let r = &all("2019-11-23 21:11:18  Error  x ")[0];
        assert_eq!((r.format, r.level, r.message), (LineFormat::BackupLogger, Level::Error, "x"));
        let r = &all("2019-11-23 21:11:18.1  Info   ")[0];
        assert_eq!((r.format, r.message), (LineFormat::BackupLogger, ""));
    }

    #[test]
    fn freeze_block_lines_are_own_records() {
        let text = concat!(
            "2021-02-26 09:41:50.100000 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]================== Logs during Freeze Start ==============\n",
            "2021/02/26 09:41:45.748281  Info  /etc/azure/MicrosoftRecoverySvcsSafeFreezeLock/SafeFreezeLockFile file opened Sucessfully\n",
            "2021/02/26 09:41:45.748364  Info  Failed to open file or aquire lock:  [Errno 11] Resource temporarily unavailable\n",
            "2021/02/26 09:41:46.749580  Info  Retry to aquire lock count: 1\n",
            "================== Logs during Freeze End ==============\n",
            "\n",
            "2021-02-26 09:41:50.200000 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]T:S thaw result \n",
        );
        let records = all(text);
        let formats: Vec<_> = records.iter().map(|r| (r.format, r.lines)).collect();
        assert_eq!(
            formats,
            [
                (LineFormat::VmSnapshotPy3, 1),
                (LineFormat::BackupLogger, 1),
                (LineFormat::BackupLogger, 1),
                (LineFormat::BackupLogger, 3),
                (LineFormat::VmSnapshotPy3, 1),
            ]
        );
        assert_eq!(records[0].message, "================== Logs during Freeze Start ==============");
        assert_eq!(
            records[3].message,
            "Retry to aquire lock count: 1\n================== Logs during Freeze End ==============\n"
        );
    }

    #[test]
    fn safefreeze_lines_even_indented() {
        let records =
            all("    2017-11-02 11:22:56 Thawing: /boot\n    2017-11-02 11:22:56 Failed to FITHAW: /boot\n");
        assert_eq!(records.len(), 2);
        let r = &records[1];
        assert_eq!(r.time, local("2017-11-02 11:22:56"));
        assert_eq!(
            (r.format, r.level, r.message),
            (LineFormat::SafeFreeze, Level::Unknown, "Failed to FITHAW: /boot")
        );
        assert_eq!(r.raw, "    2017-11-02 11:22:56 Failed to FITHAW: /boot");
    }

    #[test]
    fn leading_untimed_block_then_headers() {
        let text = concat!(
            " ================== Logs during Freeze Start ==============\n",
            "{\"Key\": \"extErrorCode\", \"Value\": \"X\"}\n",
            "2019-11-23 21:11:18.333008  Info  a \n",
        );
        let records = all(text);
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].format, records[0].lines, records[0].time), (LineFormat::Untimed, 2, None));
        assert_eq!(records[0].message, records[0].raw);
    }

    #[test]
    fn not_headers() {
        for line in [
            "2017/11/14 03:06:52x",
            "2024-01-14 22:16:48.796446x",
            "2024-01-14 22:16:48.796446   three blanks",
            "2024-01-14 22:16:48 [not a prefix] text",
            "2021/02/26 09:41:45.748281 nolevel here",
            "Traceback (most recent call last):",
        ] {
            let text = format!("2024-01-14 22:16:48.1 [A.B-1.0]first\n{line}");
            assert_eq!(all(&text).len(), 1, "{line}");
        }
    }

    #[test]
    fn status_report_splits_commas() {
        let msg = "Enable,error,121,T:S Enable failed with error: freeze failed for some mount, StatusCode.FailedRetryableFsFreezeFailed,,True";
        let report = parse_status_report(msg).unwrap();
        assert_eq!(
            report,
            StatusReport {
                operation: "Enable",
                status: "error",
                code: 121,
                message: "T:S Enable failed with error: freeze failed for some mount, StatusCode.FailedRetryableFsFreezeFailed,",
                failure_flag: true,
            }
        );
        assert_eq!(status_code_names(report.message).collect::<Vec<_>>(), ["FailedRetryableFsFreezeFailed"]);
        let ok = parse_status_report("Enable,success,1,Enable Succeeded,False ").unwrap();
        assert_eq!((ok.code, ok.message, ok.failure_flag), (1, "Enable Succeeded", false));
        assert_eq!(parse_status_report("Enable,error,abc,msg,True"), None);
        assert_eq!(parse_status_report("Enable,error,2,msg,maybe"), None);
        assert_eq!(parse_status_report("T:S freeze, timeout value 60"), None);
    }

    #[test]
    fn status_code_names_need_a_boundary_before_and_after() {
        let text = "x StatusCode.error,\nStatusCode.FailedSnapshotLimitReached,\"HttpStatusCode.OK, StatusCode., StatusCode.Bad.";
        assert_eq!(status_code_names(text).collect::<Vec<_>>(), ["error", "FailedSnapshotLimitReached"]);
    }

    #[test]
    fn telemetry_pairs_in_logs_and_escaped_json() {
        let text = concat!(
            "2024-10-22 22:49:39.187634  Info  dosnapshot responseBody: StatusCode:500 \n",
            "{\"Key\": \"extErrorCode\", \"Value\": \"FailedRetryableSnapshotFailedNoNetwork\"}\n",
        );
        assert_eq!(
            telemetry_pairs(text).collect::<Vec<_>>(),
            [("extErrorCode", "FailedRetryableSnapshotFailedNoNetwork")]
        );
        let compact = r#"[{"Value":"guestExtension","Key":"snapshotCreator"},{ "Key" : "hostStatusCodeDoSnapshot" , "Value" : 556 }]"#;
        assert_eq!(
            telemetry_pairs(compact).collect::<Vec<_>>(),
            [("snapshotCreator", "guestExtension"), ("hostStatusCodeDoSnapshot", "556")]
        );
        let escaped = r#""telemetryData\": [{\"Key\": \"kernelVersion\", \"Value\": \"4.4.0-145-generic\"}, {\"Key\": \"x\"}]"#;
        assert_eq!(telemetry_pairs(escaped).collect::<Vec<_>>(), [("kernelVersion", "4.4.0-145-generic")]);
    }

    #[test]
    fn step_markers() {
        assert_eq!(
            step_marker("****** 5. Snaphotting (Host) Started"),
            Some((5, "Snaphotting (Host) Started"))
        );
        assert_eq!(
            step_marker("****** 1. Starting Freeze Binary \nmore"),
            Some((1, "Starting Freeze Binary"))
        );
        assert_eq!(
            step_marker(
                "[FreezeHandler.sigchld_handler] -> ****** 9. Binary Process completed (Signal=2 received)"
            ),
            Some((9, "Binary Process completed (Signal=2 received)"))
        );
        assert_eq!(step_marker("****** 7 Sending"), None);
        assert_eq!(step_marker("****** 999. x"), None);
        assert_eq!(step_marker("no marker"), None);
    }

    #[test]
    fn error_enum_lookups() {
        let freeze = ext_error_by_name("FailedRetryableFsFreezeFailed").unwrap();
        assert_eq!((freeze.value, freeze.health), (121, Health::Yellow));
        let restricted = ext_error_by_value(761).unwrap();
        assert_eq!(
            (restricted.name, restricted.health),
            ("FailedRetryableSnapshotFailedRestrictedNetwork", Health::Red)
        );
        assert_eq!(ext_error_by_value(556).unwrap().health, Health::Unknown);
        assert_eq!(ext_error_by_value(13).unwrap().name, "error_wrong_time");
        assert_eq!(ext_error_by_name("FailedWorkloadDatabaseNotOpen").unwrap().value, 508);
        assert_eq!(ext_error_by_value(77), None);
        assert_eq!(ext_error_by_name("failedretryablefsfreezefailed"), None);
        assert_eq!(EXT_ERROR_CODES.len(), 54);
        assert!(EXT_ERROR_CODES.windows(2).all(|w| w[0].value < w[1].value), "sorted for binary search");
        assert_eq!(Health::from_vm_health_state(128), Health::Yellow);
    }

    #[test]
    fn parses_every_corpus_file_without_losing_lines() {
        let Some(files) = corpus_files(CORPUS, |n| n.ends_with(".log")) else { return };
        for (_path, text) in &files {
            // Records tile the text: each starts where the previous line ended.
            all(text);
        }
        assert!(!files.is_empty(), "no .log files in {CORPUS}");
    }

    #[test]
    fn corpus_formats_are_recognised() {
        let read = |name: &str| corpus_text(&format!("{CORPUS}/{name}"));
        let Some(py2) = read("linux_extlog_py2_restrictednetwork_409_ale494.log") else { return };
        let records = all(&py2);
        assert_eq!(records.len(), 9, "the StatusCode line continues its record");
        assert!(records.iter().all(|r| r.format == LineFormat::VmSnapshotPy2 && r.prefix == Some(NAME)));
        if let Some(console) = read("linux_console_freeze_timeout_sighandle0_ale951.log") {
            assert!(all(&console).iter().all(|r| r.format == LineFormat::BackupLogger && r.lines == 1));
        }
        if let Some(traceback) = read("linux_extlog_py2_nonetwork_httputil_traceback_ale758.log") {
            assert_eq!(all(&traceback).iter().map(|r| r.lines).collect::<Vec<_>>(), [1, 5]);
        }
        if let Some(lock) = read("linux_extlog_freeze_lock_retry_ale1309.log") {
            let formats: Vec<_> = all(&lock).iter().map(|r| r.format).collect();
            assert_eq!(formats.first(), Some(&LineFormat::Untimed));
            assert_eq!(formats.iter().filter(|f| **f == LineFormat::BackupLogger).count(), 6);
        }
    }

    /// Pieces of every writer's lines, for generating text that reaches the deeper parsing paths.
    const FRAGMENTS: &[&str] = &[
        "2017/11/14 03:06:52 ",
        "2017/11/14 03:06:53 ERROR:",
        "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]",
        "2024-01-14 22:16:48.796446 ",
        "2019-11-23 21:11:18.333008  Info  ",
        "2021/02/26 09:41:45.748281  Warning  ",
        "    2017-11-02 11:22:56 ",
        " StatusCode.FailedRetryableFsFreezeFailed,",
        "{\"Key\": \"extErrorCode\", \"Value\": ",
        "****** 4. ",
        "\n",
        "\r\n",
    ];

    proptest! {
        #[test]
        fn never_panics_and_keeps_every_line(text in fragment_text(FRAGMENTS)) {
            for r in &all(&text) {
                let _ = embedded_stamp(r.message);
                let _ = parse_status_report(r.message);
                let _ = step_marker(r.message);
            }
            let _ = status_code_names(&text).count();
            let _ = telemetry_pairs(&text).count();
        }

        #[test]
        fn arbitrary_bytes_never_panic(text in decoded_bytes()) {
            all(&text);
            let _ = status_code_names(&text).count();
            let _ = telemetry_pairs(&text).count();
        }
    }
}
