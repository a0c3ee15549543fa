//! Where results go: standard output or a file; a closed pipe is a quiet success.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

/// A buffered destination.
pub struct Output {
    inner: BufWriter<Box<dyn Write + Send>>,
    name: String,
}

impl Output {
    /// Standard output, or the file at `path` (created or truncated).
    pub fn open(path: Option<&Path>) -> Result<Output> {
        let (writer, name): (Box<dyn Write + Send>, String) = match path {
            Some(p) => (
                Box::new(
                    File::create(p).with_context(|| format!("{}: cannot create output file", p.display()))?,
                ),
                p.display().to_string(),
            ),
            None => (Box::new(std::io::stdout()), "standard output".into()),
        };
        Ok(Output { inner: BufWriter::new(writer), name })
    }

    /// Writes bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner.write_all(bytes).with_context(|| format!("writing to {}", self.name))
    }

    /// Flushes.
    pub fn finish(mut self) -> Result<()> {
        self.inner.flush().with_context(|| format!("writing to {}", self.name))
    }
}

/// True when an error chain ends in a broken pipe (the reader went away: not a failure).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Terminal width from `COLUMNS`, else 120.
pub fn terminal_width() -> u16 {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|w: &u16| *w >= 60).unwrap_or(120)
}
