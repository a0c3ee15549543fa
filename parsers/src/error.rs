//! The error every structured parser returns.

use std::fmt;

/// Why a structured artifact could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// 1-based line of the fault, when the format has lines and the fault has one.
    pub line: Option<u32>,
    /// Byte offset of the fault, when known.
    pub offset: Option<u64>,
    /// What went wrong, in words.
    pub message: String,
}

impl ParseError {
    /// An error with no position.
    pub fn new(message: impl Into<String>) -> Self {
        ParseError { line: None, offset: None, message: message.into() }
    }

    /// An error at a 1-based line.
    pub fn at_line(line: u32, message: impl Into<String>) -> Self {
        ParseError { line: Some(line), offset: None, message: message.into() }
    }

    /// An error at a byte offset.
    pub fn at_offset(offset: u64, message: impl Into<String>) -> Self {
        ParseError { line: None, offset: Some(offset), message: message.into() }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.offset) {
            (Some(line), _) => write!(f, "line {line}: {}", self.message),
            (None, Some(offset)) => write!(f, "byte {offset}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl From<serde_json::Error> for ParseError {
    fn from(err: serde_json::Error) -> Self {
        let line = u32::try_from(err.line()).ok().filter(|&l| l > 0);
        ParseError { line, offset: None, message: format!("invalid JSON: {err}") }
    }
}
