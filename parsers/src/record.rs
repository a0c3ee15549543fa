//! The record every line-oriented parser yields.

use crate::time::SourceTime;

/// Severity as the source wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The line carries no level.
    #[default]
    Unknown,
    /// `VERBOSE` / debug / trace.
    Verbose,
    /// `INFO` (and Windows `HEART` heartbeat lines).
    Info,
    /// `WARNING` / `WARN`.
    Warning,
    /// `ERROR` (and anything fatal or critical).
    Error,
}

impl Level {
    /// Reads a level word as the agents and extensions write it (case-insensitive).
    pub fn from_word(word: &str) -> Option<Level> {
        let w = word.trim_end_matches(':');
        let level = if w.eq_ignore_ascii_case("info") || w.eq_ignore_ascii_case("heart") {
            Level::Info
        } else if w.eq_ignore_ascii_case("warning") || w.eq_ignore_ascii_case("warn") {
            Level::Warning
        } else if w.eq_ignore_ascii_case("error")
            || w.eq_ignore_ascii_case("err")
            || w.eq_ignore_ascii_case("critical")
            || w.eq_ignore_ascii_case("fatal")
        {
            Level::Error
        } else if w.eq_ignore_ascii_case("verbose")
            || w.eq_ignore_ascii_case("debug")
            || w.eq_ignore_ascii_case("trace")
        {
            Level::Verbose
        } else {
            return None;
        };
        Some(level)
    }

    /// Lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Unknown => "unknown",
            Level::Verbose => "verbose",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// Which line layout a record's header was written in. Lets the engine state each source's time basis
/// and lets tests pin exactly what a parser recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineFormat {
    /// waagent 2.0.x: `2016/02/17 07:54:53 ERROR:msg` (local time, level glued to the message).
    Waagent20,
    /// waagent 2.1 – 2.2.26: `2018/03/05 14:31:57.742721 INFO msg` (local time, no process prefix).
    Waagent21,
    /// waagent 2.2.31 – 2.2.45: `2021/03/30 19:35:35.971742 INFO Daemon msg` (local time, prefix).
    Waagent22Prefixed,
    /// waagent 2.2.46: `2021-05-28T01:17:40.683072Z INFO ExtHandler msg` (UTC, no thread).
    Waagent2246,
    /// waagent 2.2.47+: `2023-10-27T07:57:10.702114Z INFO ExtHandler ExtHandler msg` (UTC, thread, prefix).
    WaagentThreaded,
    /// A line an extension wrote into waagent.log itself: `2021/03/30 19:45:31 [Pub.Type-1.0] msg`.
    ExtensionWritten,
    /// VMSnapshotLinux extension.log, Python 3 logger: `2024-01-14 22:16:48.796446 [Name-1.0]msg` (UTC).
    VmSnapshotPy3,
    /// VMSnapshotLinux extension.log, Python 2 logger: `2017/11/14 03:06:52 [Name-1.0]msg` (local time).
    VmSnapshotPy2,
    /// The extension's backup logger: `2019-11-23 21:11:18.333008  Info  msg` or with `/` (UTC).
    BackupLogger,
    /// Output of the safefreeze binary: `2017-11-02 11:22:56 Thawing: /boot` (local time).
    SafeFreeze,
    /// VMSnapshotLinux shell.log: `Mon Nov 18 00:05:10 UTC 2019- msg` (UTC, from `date -u`).
    ShellLog,
    /// A syslog or journald line: `Jul 06 13:18:04 host proc[pid]: msg` (local time, no year).
    Syslog,
    /// The Windows guest agent's logs (`WaAppAgent.log`, `TransparentInstaller.log`, `Telemetry.log`):
    /// `[00000006] [11/14/2019 05:52:13.44] [INFO]  msg` (local time) or
    /// `[00000010] 2021-01-12T16:35:45Z [ERROR] msg` (UTC); the thread id in brackets first.
    WaAppAgent,
    /// A line of some other log with a recognised leading timestamp.
    Generic,
    /// Text that starts before any recognised header (or a file with none): kept, with no time.
    Untimed,
}

/// One logical entry of a line-oriented log: a header line and the continuation lines that follow it.
///
/// Every physical line of the input lands in exactly one record, so `lines` summed over a file's
/// records equals its line count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord<'a> {
    /// 1-based number of the record's first line.
    pub line: u32,
    /// Physical lines the record spans (at least 1).
    pub lines: u32,
    /// When the record was written, as the source wrote it; `None` for untimed text.
    pub time: Option<SourceTime>,
    /// Severity, `Unknown` when the layout has none.
    pub level: Level,
    /// Layout of the header line.
    pub format: LineFormat,
    /// Thread name (waagent 2.2.47+), process name (syslog), or `None`.
    pub thread: Option<&'a str>,
    /// Component prefix: `Daemon`, `ExtHandler`, `LogCollector`, `Firewall`, or `[Publisher.Type-version]`
    /// with its brackets; `None` when absent.
    pub prefix: Option<&'a str>,
    /// The message: from after the header through the end of the last continuation line, with the
    /// continuation lines' own text (joined by the input's newlines) and no trailing newline.
    pub message: &'a str,
    /// The whole record as it stands in the input (header included), without trailing newline.
    pub raw: &'a str,
}

impl<'a> LogRecord<'a> {
    /// The first line of the message.
    pub fn first_line(&self) -> &'a str {
        let m = self.message;
        let end = memchr::memchr(b'\n', m.as_bytes()).unwrap_or(m.len());
        m[..end].strip_suffix('\r').unwrap_or(&m[..end])
    }
}
