//! `snaptriage completions` and `snaptriage man`: shell completions and manual pages generated from the
//! command-line definition itself, so they never disagree with `--help`.

use std::path::Path;

use anyhow::{Context as _, Result};
use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::Man;

use super::args::Cli;
use super::{output, EXIT_CLEAN};

/// The name the generated files call the program by.
const BIN: &str = "snaptriage";

/// Prints the completion script for `shell`.
pub fn completions(shell: Shell) -> Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    let mut out = output::Output::stdout();
    out.write(&script)?;
    out.finish()?;
    Ok(EXIT_CLEAN)
}

/// Prints the main manual page, or writes every page into `out_dir` (created if missing) and names each
/// written file on standard error.
pub fn man(out_dir: Option<&Path>) -> Result<u8> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let Some(dir) = out_dir else {
        let mut page = Vec::new();
        Man::new(cmd).render(&mut page).context("rendering the manual page")?;
        let mut out = output::Output::stdout();
        out.write(&page)?;
        out.finish()?;
        return Ok(EXIT_CLEAN);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create directory", dir.display()))?;
    let pages =
        std::iter::once(cmd.clone()).chain(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    for page in pages {
        let man = Man::new(page);
        let path =
            man.generate_to(dir).with_context(|| format!("{}: cannot write manual page", dir.display()))?;
        eprintln!("{BIN}: wrote {}", path.display());
    }
    Ok(EXIT_CLEAN)
}
