//! Raw command-line flags (clap). Validated into engine options by `cli::options`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::progress::ProgressMode;

/// Finds why Azure Backup of a VM fails, from the VM's guest support bundle.
#[derive(Debug, Parser)]
#[command(name = "snaptriage", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const AFTER_HELP: &str = "`snaptriage BUNDLE` is short for `snaptriage analyze BUNDLE`.\n\
Exit codes: 0 no finding of severity error or worse, 1 such findings, 2 the input could not be analysed.";

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse one bundle (zip, tar, tar.gz, .gz, a single log file, or a directory) and report findings.
    Analyze(AnalyzeArgs),
    /// Analyse many bundles in parallel; writes one JSON line per bundle.
    Batch(BatchArgs),
    /// Export every record of a bundle on one UTC timeline.
    Timeline(TimelineArgs),
    /// Compare a bundle collected before a fix with one collected after it: findings and runs resolved, new
    /// and persisting.
    Diff(DiffArgs),
    /// Explain an Azure Backup error code, a backup-extension code or a finding id (`--list`: all of them).
    Explain(ExplainArgs),
    /// List the signatures and diagnoses snaptriage applies.
    Rules(RulesArgs),
    /// Print a shell completion script for snaptriage.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per subcommand into a directory.
    Man(ManArgs),
}

/// Options shared by the commands that read bundles.
#[derive(Debug, clap::Args)]
pub struct EngineArgs {
    /// Read local-time logs in this zone (IANA name like Europe/Berlin, UTC, or an offset like +05:30)
    /// instead of the zone the bundle reveals or snaptriage infers.
    #[arg(long, value_name = "ZONE")]
    pub timezone_assume: Option<String>,
    /// Extra signature file(s) (TOML, same format as `snaptriage rules --format toml`).
    #[arg(long = "signatures", value_name = "FILE")]
    pub signatures: Vec<PathBuf>,
    /// Largest uncompressed member to read, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 2048)]
    pub max_member_mib: u64,
    /// Deepest archive nesting to open.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub max_depth: u8,
    /// Progress bar on standard error: `auto` draws one on a terminal for a bundle over 64 MiB or a batch
    /// of several bundles.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

/// `analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// The bundle.
    pub bundle: PathBuf,
    /// Report format (default: from the `--output` file's extension — .html, .md, .json, .txt — else a table
    /// on a terminal and json otherwise).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<ReportFormat>,
    /// Write the report here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Focus the report on the failed job a ticket names: its Azure Backup error code
    /// (`GuestAgentSnapshotTaskStatusError`).
    #[arg(long, value_name = "CODE")]
    pub job_error: Option<String>,
    /// …and when it failed (`2024-03-12T23:10Z`, `2024-03-12 23:10` in UTC, or with an offset).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub job_time: Option<chrono::DateTime<chrono::Utc>>,
    /// Replace secrets and identifying values (private addresses, host and user names, GUIDs, SAS tokens,
    /// keys, …) by stable placeholders, for attaching the output to a ticket.
    #[arg(long)]
    pub redact: bool,
    /// Colour the table by severity and outcome: `auto` when standard output is a terminal and `NO_COLOR`
    /// is not set, `always` even when piped, `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorMode::Auto)]
    pub color: ColorMode,
    /// Nothing on standard error but errors (no progress bar, no warning), and the table cut to the
    /// verdict, the backup runs and the finding ids.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Engine options.
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// When the table is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorMode {
    /// On a terminal, unless `NO_COLOR` is set to something.
    Auto,
    /// Always, even when the output is piped or a file.
    Always,
    /// Never.
    Never,
}

/// A time on the command line: RFC 3339, or a date and time (minutes or seconds) read as UTC.
fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.to_utc());
    }
    let bare = text.trim_end_matches(['Z', 'z']).replace('T', " ");
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(&bare, format) {
            return Ok(t.and_utc());
        }
        if let Ok(d) = chrono::NaiveDate::parse_from_str(&bare, format) {
            return Ok(d.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc());
        }
    }
    Err(format!("`{text}` is not a time: use RFC 3339 (2024-03-12T23:10:00Z) or `2024-03-12 23:10` (UTC)"))
}

/// `diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The bundle collected before the fix.
    pub old: PathBuf,
    /// The bundle collected after it, from the same VM.
    pub new: PathBuf,
    /// Output format (default: from the `--output` file's extension, else a table on a terminal and json
    /// otherwise).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<ReportFormat>,
    /// Write the diff here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Engine options, for both bundles.
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A table for the terminal.
    Table,
    /// The JSON contract.
    Json,
    /// Markdown for a support case.
    Markdown,
    /// A self-contained HTML page.
    Html,
}

/// `batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// Bundles (files, or extracted bundle folders), or directories searched recursively for them.
    pub inputs: Vec<PathBuf>,
    /// Also read inputs from this file: one path per line, `#` comments and blank lines ignored, relative
    /// paths relative to the file's folder.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Also read inputs from standard input: one JSON object per line, `{"bundle": "<path>", "id": "<id>"}`
    /// (`id` optional).
    #[arg(long)]
    pub stdin_jsonl: bool,
    /// Write the JSON lines here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write each bundle's full JSON report into this directory, as `<bundle sha256>.json`.
    #[arg(long, value_name = "DIR", alias = "reports")]
    pub out_dir: Option<PathBuf>,
    /// With `--out-dir`: a bundle whose report is already there is not analysed again; its line is read
    /// from the stored report.
    #[arg(long, requires = "out_dir")]
    pub skip_existing: bool,
    /// Bundles analysed at once (default: number of CPUs).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Wall time one bundle may take, in seconds; a bundle over it gets an error line.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Also write the summary as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Keep only the inputs of this shard (default: `JOB_COMPLETION_INDEX` when `--shard-count` is given).
    #[arg(long, value_name = "I")]
    pub shard_index: Option<u64>,
    /// Split the inputs into this many shards by a stable hash of their id (else their path).
    #[arg(long, value_name = "N")]
    pub shard_count: Option<u64>,
    /// Analyse nothing: print the inputs found (after discovery, duplicates and sharding) as JSON lines in
    /// the form `--stdin-jsonl` reads, for a scheduler to distribute.
    #[arg(long, conflicts_with_all = ["out_dir", "summary"])]
    pub list: bool,
    /// No summary tables on standard error (`--summary FILE` still writes it); only errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Engine options.
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// `timeline`.
#[derive(Debug, clap::Args)]
pub struct TimelineArgs {
    /// The bundle.
    pub bundle: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = TimelineFormat::Jsonl)]
    pub format: TimelineFormat,
    /// Every record, not only those a signature tagged.
    #[arg(long)]
    pub all: bool,
    /// Only from this time on (RFC 3339, or `2024-03-12 23:10` in UTC).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Only up to this time.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// Write here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace secrets and identifying values (private addresses, host and user names, GUIDs, SAS tokens,
    /// keys, …) by stable placeholders, for attaching the output to a ticket.
    #[arg(long)]
    pub redact: bool,
    /// Engine options.
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Timeline formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// `explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// An Azure Backup error code (UserErrorFsFreezeFailed), a backup-extension code (121,
    /// FailedRetryableFsFreezeFailed) or a finding id (fsfreeze-failed); any case.
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    pub what: Option<String>,
    /// List every error code, extension code and finding id, grouped, one per line.
    #[arg(long)]
    pub list: bool,
    /// Format of `--list` (default: text); only the listing has formats.
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<ListFormat>,
}

/// `explain --list` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One line per entry.
    Text,
    /// The whole catalog as JSON.
    Json,
}

/// `completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write `snaptriage.1` and one `snaptriage-<command>.1` per subcommand here instead of printing the
    /// main page.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// `rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
    /// Include signatures from these files too.
    #[arg(long = "signatures", value_name = "FILE")]
    pub signatures: Vec<PathBuf>,
}

/// `rules` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// Human-readable.
    Table,
    /// JSON.
    Json,
    /// The built-in signature file itself (a starting point for your own).
    Toml,
}

/// Turns `snaptriage BUNDLE ...` into `snaptriage analyze BUNDLE ...`.
pub fn with_default_command(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    const KNOWN: &[&str] =
        &["analyze", "batch", "timeline", "diff", "explain", "rules", "completions", "man", "help"];
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else { return args };
    if first.starts_with('-') || KNOWN.contains(&first) {
        return args;
    }
    let mut out = args.clone();
    out.insert(1, "analyze".into());
    out
}
