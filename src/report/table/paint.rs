//! Colour for the terminal report: ANSI escape codes, or nothing at all when colour is off.

use comfy_table::{Attribute, Cell, Color};

use crate::model::Severity;
use crate::runs::RunOutcome;

/// What a piece of text is painted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tone {
    /// Left as it is.
    Plain,
    /// Bold red: critical.
    Critical,
    /// Red: error, a failed run.
    Red,
    /// Yellow: warning.
    Yellow,
    /// Green: a successful run.
    Green,
    /// Cyan: info.
    Cyan,
    /// Magenta: a stuck run.
    Magenta,
    /// Dimmed: secondary detail.
    Dim,
    /// Bold: headings.
    Bold,
}

impl Tone {
    /// The tone of a severity.
    pub(super) fn severity(s: Severity) -> Tone {
        match s {
            Severity::Critical => Tone::Critical,
            Severity::Error => Tone::Red,
            Severity::Warning => Tone::Yellow,
            Severity::Info => Tone::Cyan,
        }
    }

    /// The tone of a run's outcome.
    pub(super) fn outcome(o: RunOutcome) -> Tone {
        match o {
            RunOutcome::Success => Tone::Green,
            RunOutcome::Warning => Tone::Yellow,
            RunOutcome::Failed => Tone::Red,
            RunOutcome::Stuck => Tone::Magenta,
            RunOutcome::Unknown => Tone::Dim,
        }
    }

    fn sgr(self) -> Option<&'static str> {
        match self {
            Tone::Plain => None,
            Tone::Critical => Some("1;31"),
            Tone::Red => Some("31"),
            Tone::Yellow => Some("33"),
            Tone::Green => Some("32"),
            Tone::Cyan => Some("36"),
            Tone::Magenta => Some("35"),
            Tone::Dim => Some("2"),
            Tone::Bold => Some("1"),
        }
    }
}

/// Paints text when colour is on (`Painter(true)`), else leaves it untouched.
#[derive(Debug, Clone, Copy)]
pub(super) struct Painter(pub(super) bool);

impl Painter {
    /// `text` in `tone`.
    pub(super) fn paint(&self, text: &str, tone: Tone) -> String {
        match tone.sgr() {
            Some(code) if self.0 && !text.is_empty() => format!("\x1b[{code}m{text}\x1b[0m"),
            _ => text.to_string(),
        }
    }

    /// A table cell in `tone` (the table measures it without its escape codes).
    pub(super) fn cell(&self, text: &str, tone: Tone) -> Cell {
        let cell = Cell::new(text);
        if !self.0 {
            return cell;
        }
        match tone {
            Tone::Plain => cell,
            Tone::Critical => cell.fg(Color::Red).add_attribute(Attribute::Bold),
            Tone::Red => cell.fg(Color::Red),
            Tone::Yellow => cell.fg(Color::Yellow),
            Tone::Green => cell.fg(Color::Green),
            Tone::Cyan => cell.fg(Color::Cyan),
            Tone::Magenta => cell.fg(Color::Magenta),
            Tone::Dim => cell.add_attribute(Attribute::Dim),
            Tone::Bold => cell.add_attribute(Attribute::Bold),
        }
    }
}
