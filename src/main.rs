//! The `snaptriage` binary: a thin wrapper over the library's CLI.

fn main() -> std::process::ExitCode {
    snaptriage::cli::main()
}
