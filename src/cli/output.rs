//! Where results go: standard output or a file. This is the only writer of standard output in the CLI
//! (no `print!` anywhere else). A reader that goes away (`| head`, `| true`) is not a failure: a write that
//! meets a closed pipe becomes [`Closed`], which `cli::main` turns into a quiet exit 0.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufWriter, ErrorKind, Write};
use std::path::Path;

use anyhow::{Context, Result};

use super::args::ColorMode;

/// The reader of standard output went away; nothing is wrong, there is just nobody left to write to.
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed by its reader")]
pub struct Closed;

/// A buffered destination.
pub struct Output {
    inner: BufWriter<Box<dyn Write + Send>>,
    name: String,
}

impl Output {
    /// Standard output, or the file at `path` (created or truncated).
    pub fn open(path: Option<&Path>) -> Result<Output> {
        match path {
            Some(p) => {
                let file =
                    File::create(p).with_context(|| format!("{}: cannot create output file", p.display()))?;
                Ok(Output { inner: BufWriter::new(Box::new(file)), name: p.display().to_string() })
            }
            None => Ok(Output::stdout()),
        }
    }

    /// Standard output.
    pub fn stdout() -> Output {
        Output { inner: BufWriter::new(Box::new(std::io::stdout())), name: "standard output".into() }
    }

    /// Writes bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let result = self.inner.write_all(bytes);
        self.check(result)
    }

    /// Writes bytes and flushes them, so that they arrive at once and whole (a batch's lines, written
    /// while a progress bar is lifted off the terminal).
    pub fn write_line(&mut self, bytes: &[u8]) -> Result<()> {
        self.write(bytes)?;
        let result = self.inner.flush();
        self.check(result)
    }

    /// Writes a string.
    pub fn text(&mut self, text: &str) -> Result<()> {
        self.write(text.as_bytes())
    }

    /// Flushes.
    pub fn finish(mut self) -> Result<()> {
        let result = self.inner.flush();
        self.check(result)
    }

    fn check(&self, result: std::io::Result<()>) -> Result<()> {
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(Closed.into()),
            Err(e) => Err(e).with_context(|| format!("writing to {}", self.name)),
        }
    }
}

/// Writes `text` to standard output and flushes it: for commands whose whole output is one string.
pub fn print(text: &str) -> Result<()> {
    let mut out = Output::stdout();
    out.text(text)?;
    out.finish()
}

/// True when an error is (or was caused by) a closed standard output.
pub fn is_closed(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.is::<Closed>()
            || e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == ErrorKind::BrokenPipe)
    })
}

/// Width the table is laid out for when nothing tells the terminal's.
const DEFAULT_WIDTH: u16 = 100;

/// The terminal's width: that of standard output, else of standard error (output piped to a pager from
/// a terminal), else `COLUMNS`, else 100.
pub fn terminal_width() -> u16 {
    use terminal_size::{terminal_size_of, Width};
    let measured = terminal_size_of(std::io::stdout()).or_else(|| terminal_size_of(std::io::stderr()));
    if let Some((Width(w), _)) = measured.filter(|(Width(w), _)| *w > 0) {
        return w;
    }
    columns(std::env::var("COLUMNS").ok().as_deref())
}

/// The width `COLUMNS` gives, else the default.
fn columns(value: Option<&str>) -> u16 {
    value.and_then(|c| c.trim().parse().ok()).filter(|w: &u16| *w > 0).unwrap_or(DEFAULT_WIDTH)
}

/// Whether the table is coloured: `always` and `never` say so; `auto` colours output to a terminal
/// unless `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
pub fn use_color(mode: ColorMode, to_terminal: bool, no_color: Option<&OsStr>) -> bool {
    match mode {
        ColorMode::Always => true,
        ColorMode::Never => false,
        ColorMode::Auto => to_terminal && no_color.is_none_or(OsStr::is_empty),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_mode_the_terminal_and_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(use_color(ColorMode::Auto, true, None));
        assert!(use_color(ColorMode::Auto, true, empty));
        assert!(!use_color(ColorMode::Auto, true, set));
        assert!(!use_color(ColorMode::Auto, false, None));
        assert!(use_color(ColorMode::Always, false, set));
        assert!(!use_color(ColorMode::Never, true, None));
    }

    #[test]
    fn columns_falls_back_to_the_default() {
        assert_eq!(columns(Some("132")), 132);
        assert_eq!(columns(Some(" 80 ")), 80);
        assert_eq!(columns(Some("wide")), DEFAULT_WIDTH);
        assert_eq!(columns(Some("0")), DEFAULT_WIDTH);
        assert_eq!(columns(None), DEFAULT_WIDTH);
    }

    #[test]
    fn a_broken_pipe_is_closed_and_other_errors_keep_their_context() {
        let out = Output::stdout();
        let closed = out.check(Err(std::io::Error::from(ErrorKind::BrokenPipe))).unwrap_err();
        assert!(is_closed(&closed));
        let full = out.check(Err(std::io::Error::other("disk full"))).unwrap_err();
        assert!(!is_closed(&full));
        assert_eq!(format!("{full:#}"), "writing to standard output: disk full");
    }
}
