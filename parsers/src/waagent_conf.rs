//! `/etc/waagent.conf` (flat `Key=value`) and `/etc/azure/vmbackup.conf` (INI with `[Section]` headers).
//!
//! One reader serves both: lines before any section header follow the agent's own rules
//! (`azurelinuxagent/common/conf.py`), lines after a header follow Python `ConfigParser`, which is what
//! the VMSnapshot extension reads `vmbackup.conf` with. The parser never fails: lines it cannot read are
//! kept in [`Config::invalid_lines`] so a report can show them.

use crate::lines::lines;

/// One `key=value` setting as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The `[Section]` the setting sits in; `None` for flat waagent.conf lines.
    pub section: Option<String>,
    /// The key with surrounding blanks removed, in its written case.
    pub key: String,
    /// The value after the agent's (or ConfigParser's) trimming; comments and quotes removed.
    pub value: String,
    /// 1-based line of the setting.
    pub line: u32,
}

/// A line that is neither blank, a comment, a section header nor a readable setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidLine {
    /// 1-based line number.
    pub line: u32,
    /// The line as written (without terminator).
    pub text: String,
    /// Why it was not read as a setting.
    pub reason: &'static str,
}

/// A parsed configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Every setting in file order (a repeated key appears once per occurrence).
    pub entries: Vec<Entry>,
    /// Lines that could not be read.
    pub invalid_lines: Vec<InvalidLine>,
    /// Section names in the order their headers appear.
    pub sections: Vec<String>,
}

/// Reads a waagent.conf or INI text. Never fails.
pub fn parse(text: &str) -> Config {
    let mut config = Config::default();
    let mut section: Option<String> = None;
    for line in lines(text) {
        let raw = line.text;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || (section.is_some() && trimmed.starts_with(';')) {
            continue;
        }
        if let Some(name) = section_header(trimmed) {
            config.sections.push(name.to_string());
            section = Some(name.to_string());
            continue;
        }
        let starts_indented = raw.starts_with([' ', '\t']);
        match section {
            Some(ref name) if starts_indented && continues_last_entry(&config, name) => {
                // ConfigParser folds an indented line into the previous value.
                if let Some(last) = config.entries.last_mut() {
                    last.value.push('\n');
                    last.value.push_str(trimmed);
                }
            }
            Some(ref name) => push_ini_line(&mut config, name, raw, line.number),
            None => push_flat_line(&mut config, raw, line.number),
        }
    }
    config
}

impl Config {
    /// The last flat (section-less) setting with exactly this key. waagent.conf keys are case-sensitive
    /// and a later line overrides an earlier one, as in the agent.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.section.is_none() && e.key == key)
    }

    /// The last setting of `key` in `section`: the section name must match exactly, the key matches
    /// ignoring ASCII case (ConfigParser lower-cases option names).
    pub fn get_in(&self, section: &str, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.section.as_deref() == Some(section) && e.key.eq_ignore_ascii_case(key))
    }

    /// The agent's view of a flat string option: `None` when absent or written as the literal `None`.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(|e| e.value.as_str()).filter(|v| *v != "None")
    }

    /// A flat y/n switch as the agent reads it: `Some(true)` for `y`, `Some(false)` for `n` (either
    /// case, as `conf.py` lower-cases before comparing), `None` for anything else, meaning the built-in
    /// default applies.
    pub fn switch(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(|e| switch_value(&e.value))
    }

    /// A flat integer option; `None` when absent or not an integer (the agent then uses its default).
    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|e| e.value.parse().ok())
    }
}

/// Reads a waagent.conf switch value: `y` is on, `n` is off (ASCII case ignored), anything else is
/// `None` ("the default applies").
pub fn switch_value(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("y") {
        Some(true)
    } else if value.eq_ignore_ascii_case("n") {
        Some(false)
    } else {
        None
    }
}

/// The name inside `[name]`, when the trimmed line is a section header.
fn section_header(trimmed: &str) -> Option<&str> {
    let inner = trimmed.strip_prefix('[')?;
    let end = inner.find(']')?;
    let name = inner.get(..end)?.trim();
    (!name.is_empty()).then_some(name)
}

/// True when the last entry read belongs to the current section, so an indented line continues it.
fn continues_last_entry(config: &Config, section: &str) -> bool {
    config.entries.last().is_some_and(|e| e.section.as_deref() == Some(section))
}

/// A waagent.conf line: split at the first `=`, value cut at the first `#`, quotes and blanks trimmed.
fn push_flat_line(config: &mut Config, raw: &str, number: u32) {
    let Some((key, value)) = raw.split_once('=') else {
        config.invalid_lines.push(invalid(number, raw, "no '=' in line"));
        return;
    };
    let key = key.trim();
    if key.is_empty() {
        config.invalid_lines.push(invalid(number, raw, "empty key"));
        return;
    }
    let value = value.split('#').next().unwrap_or_default();
    let value = value.trim_matches(|c: char| c == '"' || c == ' ').trim();
    config.entries.push(Entry {
        section: None,
        key: key.to_string(),
        value: value.to_string(),
        line: number,
    });
}

/// A ConfigParser line inside a section: `key = value` or `key: value`, whichever delimiter comes first.
fn push_ini_line(config: &mut Config, section: &str, raw: &str, number: u32) {
    let Some(at) = raw.find(['=', ':']) else {
        config.invalid_lines.push(invalid(number, raw, "no '=' or ':' in line"));
        return;
    };
    let key = raw.get(..at).unwrap_or_default().trim();
    let value = raw.get(at + 1..).unwrap_or_default();
    if key.is_empty() {
        config.invalid_lines.push(invalid(number, raw, "empty key"));
        return;
    }
    config.entries.push(Entry {
        section: Some(section.to_string()),
        key: key.to_string(),
        value: strip_inline_comment(value).trim().to_string(),
        line: number,
    });
}

/// Drops a `#` or `;` comment that follows whitespace (Python 2 ConfigParser did this for `;`; a stray
/// trailing comment is far likelier than a value containing " #").
fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    let cut = bytes
        .windows(2)
        .position(|w| w[0].is_ascii_whitespace() && (w[1] == b'#' || w[1] == b';'))
        .unwrap_or(bytes.len());
    value.get(..cut).unwrap_or(value)
}

fn invalid(line: u32, raw: &str, reason: &'static str) -> InvalidLine {
    InvalidLine { line, text: raw.to_string(), reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::count_lines;
    use proptest::prelude::*;

    const SHIPPED: &str = include_str!("../tests/data/linux/etc/waagent.conf");
    const TEST_CONF: &str = include_str!("../tests/data/linux/etc/test_waagent.conf");
    const UBUNTU: &str = include_str!("../tests/data/linux/etc/waagent.conf.ubuntu");

    #[test]
    fn shipped_config_reads_every_setting_and_skips_comments() {
        let c = parse(SHIPPED);
        assert!(c.invalid_lines.is_empty(), "{:?}", c.invalid_lines);
        assert_eq!(c.entries.len(), 29);
        assert_eq!(c.switch("Extensions.Enabled"), Some(true));
        assert_eq!(c.get("Extensions.Enabled").map(|e| e.line), Some(7));
        assert_eq!(c.int("Extensions.GoalStatePeriod"), Some(6));
        assert_eq!(c.switch("OS.EnableFirewall"), Some(true));
        assert_eq!(c.value("Provisioning.Agent"), Some("auto"));
        // `ResourceDisk.MountOptions=None` is the agent's "unset".
        assert_eq!(c.get("ResourceDisk.MountOptions").map(|e| e.value.as_str()), Some("None"));
        assert_eq!(c.value("ResourceDisk.MountOptions"), None);
        // Commented-out options are absent, so their defaults apply.
        assert_eq!(c.get("AutoUpdate.UpdateToLatestVersion"), None);
        assert_eq!(c.get("HttpProxy.Host"), None);
        assert_eq!(c.switch("AutoUpdate.Enabled"), None);
    }

    #[test]
    fn ubuntu_variant_differs_where_the_distro_config_does() {
        let c = parse(UBUNTU);
        assert_eq!(c.switch("ResourceDisk.Format"), Some(false));
        assert_eq!(c.value("ResourceDisk.MountPoint"), Some("/mnt"));
        assert_eq!(c.switch("LBProbeResponder"), Some(true));
        assert_eq!(c.get("Extensions.GoalStatePeriod"), None);
    }

    #[test]
    fn trailing_comments_spaces_and_empty_keys_follow_the_agent() {
        let c = parse(TEST_CONF);
        assert_eq!(c.value("FauxKey1"), Some("Value1"));
        assert_eq!(c.value("FauxKey2"), Some("Value2 Value2"));
        assert_eq!(c.value("FauxKey3"), Some("delalloc,rw,noatime,nobarrier,users,mode=777"));
        assert_eq!(c.value("Provisioning.SshHostKeyPairType"), Some("rsa"));
        assert_eq!(c.switch("Provisioning.DecodeCustomData"), Some(false));
        assert_eq!(c.switch("OS.EnableFIPS"), Some(true));
        assert_eq!(c.int("OS.SshClientAliveInterval"), Some(42));
        assert_eq!(c.switch("OS.EnableFirewall"), Some(false));
        assert_eq!(c.switch("Debug.EnableSignatureValidation"), Some(false));
        assert_eq!(
            c.invalid_lines,
            vec![InvalidLine { line: 6, text: "=Value0".into(), reason: "empty key" }]
        );
    }

    #[test]
    fn switch_accepts_only_y_and_n_and_later_lines_win() {
        let c =
            parse("Extensions.Enabled=y\nExtensions.Enabled = N \nLogs.Verbose=yes\nOS.EnableFirewall=\n");
        assert_eq!(c.switch("Extensions.Enabled"), Some(false));
        assert_eq!(c.get("Extensions.Enabled").map(|e| e.line), Some(2));
        assert_eq!(c.switch("Logs.Verbose"), None);
        assert_eq!(c.switch("OS.EnableFirewall"), None);
        // Keys are case-sensitive in waagent.conf.
        assert_eq!(c.switch("extensions.enabled"), None);
        assert_eq!(switch_value("Y"), Some(true));
        assert_eq!(switch_value("true"), None);
    }

    #[test]
    fn quoted_values_crlf_and_lines_without_equals() {
        let c = parse("HttpProxy.Host=\"10.0.0.4\"\r\nHttpProxy.Port=3128\r\ngarbage line\r\n");
        assert_eq!(c.value("HttpProxy.Host"), Some("10.0.0.4"));
        assert_eq!(c.int("HttpProxy.Port"), Some(3128));
        assert_eq!(c.invalid_lines.len(), 1);
        assert_eq!(c.invalid_lines[0].line, 3);
        assert_eq!(c.invalid_lines[0].reason, "no '=' in line");
    }

    #[test]
    fn vmbackup_ini_sections_delimiters_and_case_insensitive_keys() {
        let text = "[SnapshotThread]\ntimeout = 120\nMountsToSkip: /mnt/data, /mnt/scratch\n\
                    ; a comment\nSnapshotMethod=onlyGuest ; inline\nseqsnapshot = 1\n  2\n\n[Monitor]\nRun = 1\nbad\n";
        let c = parse(text);
        assert_eq!(c.sections, vec!["SnapshotThread".to_string(), "Monitor".to_string()]);
        let timeout = c.get_in("SnapshotThread", "TIMEOUT").expect("timeout");
        assert_eq!((timeout.key.as_str(), timeout.value.as_str(), timeout.line), ("timeout", "120", 2));
        assert_eq!(
            c.get_in("SnapshotThread", "mountstoskip").map(|e| e.value.as_str()),
            Some("/mnt/data, /mnt/scratch")
        );
        assert_eq!(c.get_in("SnapshotThread", "snapshotmethod").map(|e| e.value.as_str()), Some("onlyGuest"));
        assert_eq!(c.get_in("SnapshotThread", "seqsnapshot").map(|e| e.value.as_str()), Some("1\n2"));
        assert_eq!(c.get_in("Monitor", "run").map(|e| e.section.as_deref()), Some(Some("Monitor")));
        // Section names are matched exactly, and flat lookups do not see section entries.
        assert_eq!(c.get_in("snapshotthread", "timeout"), None);
        assert_eq!(c.get("timeout"), None);
        assert_eq!(c.invalid_lines.len(), 1);
        assert_eq!(c.invalid_lines[0].line, 11);
    }

    #[test]
    fn empty_text_gives_empty_config() {
        assert_eq!(parse(""), Config::default());
        assert_eq!(parse("\n# only comments\n\n"), Config::default());
    }

    proptest! {
        #[test]
        fn never_panics_and_every_line_is_accounted(text in "\\PC{0,400}") {
            let c = parse(&text);
            let total = count_lines(&text) as usize;
            prop_assert!(c.entries.len() + c.invalid_lines.len() <= total);
            for e in &c.entries {
                prop_assert!(e.line >= 1 && e.line as usize <= total);
            }
        }

        #[test]
        fn never_panics_on_ini_like_text(text in "(\\[[a-zA-Z ]{0,8}\\]?\n|[ \t]?[a-z=:;# ]{0,12}\n){0,30}") {
            let c = parse(&text);
            prop_assert!(c.invalid_lines.iter().all(|l| l.line >= 1));
        }
    }
}
