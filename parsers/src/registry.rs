//! Registry hive files from a Windows VM (`Windows/System32/config/SOFTWARE`, `SYSTEM`), read with `notatin`.
//!
//! A bundle's hives are large (the SOFTWARE hive of a VM is tens of MiB) and triage needs a few keys:
//! `Microsoft\Windows Azure\HandlerState`, `Microsoft\GuestAgent`,
//! `ControlSet001\Services\Tcpip\Parameters\Interfaces`. [`read_hive`] walks down to each requested key
//! and returns every value at or below it, so the rest of the hive is never read.
//!
//! Paths are hive-relative (no `HKLM\SOFTWARE` in front) and matched case-insensitively, as Windows does.
//! `CurrentControlSet` exists only in a running system; in a SYSTEM hive file it is `ControlSetNNN`
//! named by `Select\Current`, which [`read_hive`] resolves in requested paths (and
//! [`current_control_set`] resolves from values already read).
//!
//! A damaged hive gives an error when its header or root key cannot be read; damaged keys below the
//! root are skipped by `notatin`, so the values under them are missing from the result. `notatin` indexes
//! and unwraps in places, so every call into it runs under `catch_unwind` and a panic becomes an error.

use std::collections::HashSet;
use std::io::Cursor;

use notatin::cell_key_node::CellKeyNode;
use notatin::cell_key_value::{CellKeyValue, CellKeyValueDataTypes};
use notatin::parser::Parser;
use notatin::parser_builder::ParserBuilder;

use crate::error::ParseError;
use crate::guard::catch_panic;
use crate::time::SourceTime;

/// Deeper than any real hive nests; the bound keeps a hive whose keys loop from recursing forever.
const MAX_DEPTH: usize = 512;
/// Key cells read per call at most: far more than the keys under any prefix triage asks for, and a
/// bound on crafted hives whose subkey lists all point at the same keys.
const MAX_KEY_READS: usize = 2_000_000;
/// The base block plus one hive bin header: anything shorter is not a hive.
const MIN_HIVE_SIZE: usize = 4096 + 32;

/// One value of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegValue {
    /// The key's hive-relative path as stored (`Microsoft\Windows Azure\HandlerState\<handler>`).
    pub key: String,
    /// The value's name; empty for the key's default value.
    pub name: String,
    /// The value's data.
    pub data: RegData,
    /// When the key was last written (UTC); `None` when the hive records no time.
    pub last_write: Option<SourceTime>,
}

/// A value's data by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegData {
    /// `REG_SZ`, `REG_EXPAND_SZ` (unexpanded) and `REG_LINK`, up to the first NUL.
    String(String),
    /// `REG_DWORD` (and `REG_DWORD_BIG_ENDIAN`).
    Dword(u32),
    /// `REG_QWORD`.
    Qword(u64),
    /// `REG_MULTI_SZ`, without the terminating empty strings.
    Multi(Vec<String>),
    /// `REG_BINARY` and `REG_NONE`.
    Binary(Vec<u8>),
    /// Any other type, or data too short for its type: the type and the data in hex.
    Other(String),
}

impl RegData {
    /// The data as text: strings as they are, numbers in decimal, multi-strings joined by `;`, bytes in
    /// hex.
    pub fn to_text(&self) -> String {
        match self {
            RegData::String(s) | RegData::Other(s) => s.clone(),
            RegData::Dword(v) => v.to_string(),
            RegData::Qword(v) => v.to_string(),
            RegData::Multi(items) => items.join(";"),
            RegData::Binary(bytes) => hex(bytes),
        }
    }
}

/// Every value at or below the keys named by `prefixes` (hive-relative, `\`-separated, any case; an
/// empty prefix is the whole hive; a leading `CurrentControlSet` is resolved through `Select\Current`).
/// Values come key by key, each key's own values first, then its subkeys in the hive's order; a key
/// reached through two prefixes is listed once. A prefix naming no key contributes nothing.
pub fn read_hive(bytes: &[u8], prefixes: &[&str]) -> Result<Vec<RegValue>, ParseError> {
    if bytes.len() < MIN_HIVE_SIZE || !bytes.starts_with(b"regf") {
        return Err(ParseError::at_offset(0, "not a registry hive: no regf header"));
    }
    catch_panic(|| read_prefixes(bytes, prefixes)).unwrap_or_else(|panic| {
        Err(ParseError::new(format!("registry hive unreadable: the parser panicked: {panic}")))
    })
}

/// The control set `Select\Current` names (`ControlSet001`), from values read from a SYSTEM hive
/// with the prefix `Select`.
pub fn current_control_set(values: &[RegValue]) -> Option<String> {
    values.iter().find_map(|v| match v.data {
        RegData::Dword(n)
            if v.key.eq_ignore_ascii_case("Select") && v.name.eq_ignore_ascii_case("Current") =>
        {
            Some(format!("ControlSet{n:03}"))
        }
        _ => None,
    })
}

fn read_prefixes(bytes: &[u8], prefixes: &[&str]) -> Result<Vec<RegValue>, ParseError> {
    let mut parser = ParserBuilder::from_file(Cursor::new(bytes.to_vec()))
        .build()
        .map_err(|e| ParseError::new(format!("registry hive unreadable: {e}")))?;
    let root = parser
        .get_root_key()
        .map_err(|e| ParseError::new(format!("registry hive root key unreadable: {e}")))?
        .ok_or_else(|| ParseError::new("registry hive has no root key"))?;
    let mut walk = Walk { parser: &mut parser, visited: HashSet::new(), out: Vec::new(), key_reads: 0 };
    let mut control_set: Option<Option<String>> = None;
    for prefix in prefixes {
        let mut parts: Vec<String> =
            prefix.split('\\').filter(|p| !p.is_empty()).map(str::to_string).collect();
        if parts.first().is_some_and(|p| p.eq_ignore_ascii_case("CurrentControlSet")) {
            let current = control_set.get_or_insert_with(|| walk.current_control_set(&root));
            match current {
                Some(name) => parts[0] = name.clone(),
                None => continue,
            }
        }
        if let Some((key, path)) = walk.find(&root, &parts) {
            walk.collect(key, &path, 0);
        }
    }
    if walk.key_reads > MAX_KEY_READS {
        return Err(ParseError::new(format!(
            "registry hive unreadable: more than {MAX_KEY_READS} key reads (subkey lists loop?)"
        )));
    }
    Ok(walk.out)
}

/// A walk over part of a hive.
struct Walk<'p> {
    parser: &'p mut Parser,
    /// Key cells already listed (by file offset), so overlapping prefixes and looping hives list a
    /// key once.
    visited: HashSet<usize>,
    out: Vec<RegValue>,
    /// Key cells read so far (see [`MAX_KEY_READS`]).
    key_reads: usize,
}

impl Walk<'_> {
    /// The key at `parts` below `root`, and its path spelled as stored.
    fn find(&mut self, root: &CellKeyNode, parts: &[String]) -> Option<(CellKeyNode, String)> {
        let mut key = root.clone();
        let mut path = String::new();
        for part in parts {
            let wanted = part.to_uppercase();
            key = self.subkeys(&mut key).into_iter().find(|k| k.key_name.to_uppercase() == wanted)?;
            if !path.is_empty() {
                path.push('\\');
            }
            path.push_str(&key.key_name);
        }
        Some((key, path))
    }

    /// Lists the values of `key` and of every key below it.
    fn collect(&mut self, mut key: CellKeyNode, path: &str, depth: usize) {
        if depth > MAX_DEPTH || !self.visited.insert(key.file_offset_absolute) {
            return;
        }
        let last_write = filetime(key.detail.last_key_written_date_and_time());
        for value in key.value_iter() {
            self.out.push(RegValue {
                key: path.to_string(),
                name: value.detail.value_name(),
                data: decode(&value),
                last_write,
            });
        }
        for child in self.subkeys(&mut key) {
            let child_path =
                if path.is_empty() { child.key_name.clone() } else { format!("{path}\\{}", child.key_name) };
            self.collect(child, &child_path, depth + 1);
        }
    }

    /// The subkeys of `key` (empty when its list is unreadable, or once the read budget is spent).
    fn subkeys(&mut self, key: &mut CellKeyNode) -> Vec<CellKeyNode> {
        if self.key_reads > MAX_KEY_READS {
            return Vec::new();
        }
        let keys = key.read_sub_keys(self.parser);
        self.key_reads = self.key_reads.saturating_add(keys.len());
        keys
    }

    /// `ControlSetNNN` per the hive's `Select\Current`.
    fn current_control_set(&mut self, root: &CellKeyNode) -> Option<String> {
        let (select, _) = self.find(root, &["Select".to_string()])?;
        let value = select.get_value("Current")?;
        match decode(&value) {
            RegData::Dword(n) => Some(format!("ControlSet{n:03}")),
            _ => None,
        }
    }
}

/// A value's data by its type.
fn decode(value: &CellKeyValue) -> RegData {
    let bytes = value.detail.value_bytes().unwrap_or_default();
    let word = |n: usize| bytes.get(..n);
    match value.data_type {
        CellKeyValueDataTypes::REG_SZ
        | CellKeyValueDataTypes::REG_EXPAND_SZ
        | CellKeyValueDataTypes::REG_LINK => {
            RegData::String(utf16_strings(&bytes).into_iter().next().unwrap_or_default())
        }
        CellKeyValueDataTypes::REG_DWORD => match word(4) {
            Some(b) => RegData::Dword(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            None => short(value, &bytes),
        },
        CellKeyValueDataTypes::REG_DWORD_BIG_ENDIAN => match word(4) {
            Some(b) => RegData::Dword(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
            None => short(value, &bytes),
        },
        CellKeyValueDataTypes::REG_QWORD => match word(8) {
            Some(b) => RegData::Qword(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])),
            None => short(value, &bytes),
        },
        CellKeyValueDataTypes::REG_MULTI_SZ => {
            let mut items = utf16_strings(&bytes);
            while items.last().is_some_and(String::is_empty) {
                items.pop();
            }
            RegData::Multi(items)
        }
        CellKeyValueDataTypes::REG_BIN | CellKeyValueDataTypes::REG_NONE => RegData::Binary(bytes),
        other => RegData::Other(format!("{other:?} {}", hex(&bytes))),
    }
}

/// Data too short for its type.
fn short(value: &CellKeyValue, bytes: &[u8]) -> RegData {
    RegData::Other(format!("{:?} ({} bytes) {}", value.data_type, bytes.len(), hex(bytes)))
}

/// UTF-16LE text split at NULs (an odd trailing byte is dropped).
fn utf16_strings(bytes: &[u8]) -> Vec<String> {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    units.split(|&u| u == 0).map(String::from_utf16_lossy).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A FILETIME (100 ns since 1601-01-01 UTC) as a UTC time; `None` for 0 and out-of-range values.
fn filetime(ticks: u64) -> Option<SourceTime> {
    const UNIX_EPOCH_TICKS: u64 = 116_444_736_000_000_000;
    let since_unix = ticks.checked_sub(UNIX_EPOCH_TICKS).filter(|_| ticks != 0)?;
    let secs = i64::try_from(since_unix / 10_000_000).ok()?;
    let nanos = u32::try_from(since_unix % 10_000_000).ok()? * 100;
    chrono::DateTime::from_timestamp(secs, nanos).map(|t| SourceTime::Utc(t.naive_utc()))
}

#[cfg(test)]
mod tests;
