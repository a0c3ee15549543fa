//! The `snaptriage` binary: the command line over the library's engine.
#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
