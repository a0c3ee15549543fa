//! Standard error as indicatif's terminal whether or not it is one, for `--progress always`: indicatif's
//! own stderr target stays silent when standard error is redirected.

use std::io::{self, Write};

use indicatif::TermLike;

/// Width assumed for a standard error that is not a terminal.
const WIDTH: u16 = 80;

/// Writes the bar's lines and ANSI cursor moves to standard error.
#[derive(Debug)]
pub struct ForcedStderr;

impl ForcedStderr {
    fn write(text: &str) -> io::Result<()> {
        io::stderr().lock().write_all(text.as_bytes())
    }

    fn cursor(n: usize, code: char) -> io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        Self::write(&format!("\x1b[{n}{code}"))
    }
}

impl TermLike for ForcedStderr {
    fn width(&self) -> u16 {
        WIDTH
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        Self::cursor(n, 'A')
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        Self::cursor(n, 'B')
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        Self::cursor(n, 'C')
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        Self::cursor(n, 'D')
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        Self::write(&format!("{s}\n"))
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        Self::write(s)
    }

    fn clear_line(&self) -> io::Result<()> {
        Self::write("\r\x1b[2K")
    }

    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}
