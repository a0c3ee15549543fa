//! The text output of `vssadmin list writers`: one block per VSS writer.
//!
//! ```text
//! Writer name: 'SqlServerWriter'
//!    Writer Id: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}
//!    Writer Instance Id: {9075f235-fd01-4ebd-9d25-1ac3a24e5d6a}
//!    State: [8] Failed
//!    Last error: Non-retryable error
//! ```
//!
//! Windows localises the labels (`Verfassername: "…"`, `Nom de l'enregistreur : '…'`,
//! `État : [1] Stable`), so a block is read by the shape of its values when the English labels are
//! missing: a quoted value starts a writer, the first `{GUID}` is its id and the second its instance id,
//! `[N] text` is its state, and the next other value is its last error. English labels are used when
//! present. CRLF line ends, a leading BOM, NULs from UTF-16 read as bytes and the banner and trailing text
//! around the blocks are all tolerated. A block without a state line is kept only when labelled
//! `Writer name` (so a localised `vssadmin list providers` block that happens to follow is not taken for a
//! writer).

use std::borrow::Cow;

use crate::lines::{decode, lines};

/// One writer's block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VssWriter {
    /// 1-based line of the writer's name.
    pub line: u32,
    /// `Writer name`, without its quotes.
    pub name: String,
    /// `Writer Id`, as written (`{…}`).
    pub id: Option<String>,
    /// `Writer Instance Id`, as written.
    pub instance_id: Option<String>,
    /// The number in `State: [8] Failed` (`VSS_WRITER_STATE`).
    pub state: Option<u32>,
    /// The words after the number (`Stable`, `Failed`, `Waiting for completion`; localised).
    pub state_text: Option<String>,
    /// `Last error` (`No error`, `Timed out`, `Retryable error`, `Non-retryable error`; localised).
    pub last_error: Option<String>,
}

/// `Last error` values as the English tool writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriterError {
    /// `No error`.
    None,
    /// `Timed out` (the writer did not finish between freeze and thaw).
    TimedOut,
    /// `Retryable error`.
    Retryable,
    /// `Non-retryable error`.
    NonRetryable,
    /// `Inconsistent shadow copy`.
    InconsistentShadowCopy,
    /// `Out of resources`.
    OutOfResources,
    /// `Unexpected error`.
    Unexpected,
    /// Any other text (including localised text).
    Other,
}

impl VssWriter {
    /// True when the state is one of the `Failed at …` states (6 to 15), or its text says `Failed`.
    pub fn is_failed(&self) -> bool {
        self.state.is_some_and(|s| (6..=15).contains(&s))
            || self.state_text.as_deref().is_some_and(|t| t.to_ascii_lowercase().contains("fail"))
    }

    /// `last_error` as a [`WriterError`] (English wording; `None` when there is no such line).
    pub fn last_error_kind(&self) -> Option<WriterError> {
        let text = self.last_error.as_deref()?.trim().trim_end_matches('.').to_ascii_lowercase();
        Some(match text.as_str() {
            "no error" => WriterError::None,
            "timed out" => WriterError::TimedOut,
            "retryable error" => WriterError::Retryable,
            "non-retryable error" | "nonretryable error" => WriterError::NonRetryable,
            "inconsistent shadow copy" => WriterError::InconsistentShadowCopy,
            "out of resources" => WriterError::OutOfResources,
            "unexpected error" => WriterError::Unexpected,
            _ => WriterError::Other,
        })
    }
}

/// Reads the writer blocks of `vssadmin list writers` output, in order.
pub fn parse(text: &str) -> Vec<VssWriter> {
    // UTF-16 text read as bytes leaves a NUL after every ASCII character.
    let text: Cow<'_, str> =
        if text.contains('\0') { Cow::Owned(text.replace('\0', "")) } else { Cow::Borrowed(text) };
    let mut writers = Vec::new();
    let mut current: Option<Block> = None;
    for line in lines(&text) {
        let Some((label, value)) = split_field(line.text) else { continue };
        let label = Label::of(label);
        if label == Label::WriterName || (label == Label::Unknown && unquote(value).is_some()) {
            writers.extend(current.take().and_then(Block::finish));
            let name = unquote(value).unwrap_or(value).to_string();
            current =
                Some(Block { writer: new_writer(line.number, name), labelled: label == Label::WriterName });
            continue;
        }
        if label == Label::OtherEnglish {
            // Another command's block (`Provider name: '…'`) ends the writer.
            writers.extend(current.take().and_then(Block::finish));
            continue;
        }
        if let Some(block) = current.as_mut() {
            block.take(label, value);
        }
    }
    writers.extend(current.take().and_then(Block::finish));
    writers
}

/// Reads `vssadmin list writers` output from a file's bytes: UTF-8, or UTF-16LE with or without a BOM
/// (as `vssadmin … > file` writes it from PowerShell).
pub fn parse_bytes(bytes: &[u8]) -> Vec<VssWriter> {
    if looks_like_bomless_utf16le(bytes) {
        let units = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
        let text: String = char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')).collect();
        return parse(&text);
    }
    parse(&decode(bytes))
}

/// Mostly-ASCII UTF-16LE: at least a quarter of the bytes are zero, nearly all at odd offsets.
fn looks_like_bomless_utf16le(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || bytes.len() < 4 {
        return false;
    }
    let odd_zeros = bytes.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let even_zeros = bytes.iter().step_by(2).filter(|&&b| b == 0).count();
    odd_zeros * 4 >= bytes.len() && even_zeros * 10 <= odd_zeros
}

fn new_writer(line: u32, name: String) -> VssWriter {
    VssWriter { line, name, id: None, instance_id: None, state: None, state_text: None, last_error: None }
}

/// A writer being read.
struct Block {
    writer: VssWriter,
    /// Started by an English `Writer name` label (kept even without a state line).
    labelled: bool,
}

impl Block {
    /// Files one field of the block.
    fn take(&mut self, label: Label, value: &str) {
        let w = &mut self.writer;
        let state = parse_state(value);
        match label {
            Label::WriterId => w.id = Some(value.to_string()),
            Label::InstanceId => w.instance_id = Some(value.to_string()),
            Label::State => {
                if let Some((n, text)) = state {
                    w.state = Some(n);
                    w.state_text = Some(text.to_string());
                } else {
                    w.state_text = Some(value.to_string());
                }
            }
            Label::LastError => w.last_error = Some(value.to_string()),
            // Localised labels: go by the value's shape.
            _ if is_guid(value) && w.id.is_none() => w.id = Some(value.to_string()),
            _ if is_guid(value) && w.instance_id.is_none() => w.instance_id = Some(value.to_string()),
            _ if state.is_some() && w.state.is_none() => {
                if let Some((n, text)) = state {
                    w.state = Some(n);
                    w.state_text = Some(text.to_string());
                }
            }
            _ if w.state.is_some() && w.last_error.is_none() => w.last_error = Some(value.to_string()),
            _ => {}
        }
    }

    fn finish(self) -> Option<VssWriter> {
        (self.labelled || self.writer.state.is_some()).then_some(self.writer)
    }
}

/// What a field's label says, when it is English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    WriterName,
    WriterId,
    InstanceId,
    State,
    LastError,
    /// An English label of another block (`Provider name`, `Shadow Copy ID`).
    OtherEnglish,
    /// Not a label this module knows (localised output).
    Unknown,
}

impl Label {
    fn of(label: &str) -> Label {
        let l = label.trim().to_ascii_lowercase();
        match l.as_str() {
            "writer name" => Label::WriterName,
            "writer id" => Label::WriterId,
            "writer instance id" => Label::InstanceId,
            "state" => Label::State,
            "last error" => Label::LastError,
            _ if l.starts_with("provider ")
                || l.starts_with("shadow copy")
                || l.starts_with("contents of") =>
            {
                Label::OtherEnglish
            }
            _ => Label::Unknown,
        }
    }
}

/// `label: value` (or `label : value`, as French puts it), both trimmed; `None` without a colon or value.
fn split_field(line: &str) -> Option<(&str, &str)> {
    let (label, value) = line.split_once(':')?;
    let (label, value) = (label.trim(), value.trim());
    (!label.is_empty() && !value.is_empty()).then_some((label, value))
}

/// The text inside matching quotes: `'…'`, `"…"`, `„…“`, `“…”`, `«…»`, `‘…’`.
fn unquote(value: &str) -> Option<&str> {
    const PAIRS: &[(char, char)] =
        &[('\'', '\''), ('"', '"'), ('„', '“'), ('“', '”'), ('«', '»'), ('‘', '’')];
    PAIRS.iter().find_map(|&(open, close)| {
        let inner = value.strip_prefix(open)?.strip_suffix(close)?;
        Some(inner.trim())
    })
}

/// `{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}`.
fn is_guid(value: &str) -> bool {
    let Some(inner) = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) else { return false };
    inner.len() == 36
        && inner.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// `[8] Failed` as (8, `Failed`).
fn parse_state(value: &str) -> Option<(u32, &str)> {
    let rest = value.strip_prefix('[')?;
    let (number, text) = rest.split_once(']')?;
    let n = number.trim().parse().ok()?;
    Some((n, text.trim()))
}

#[cfg(test)]
mod tests;
