//! `cvpnsim completions SHELL` and `cvpnsim man`: a shell completion script and the manual page,
//! both generated from the command-line definitions, so they always list the options that exist.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use super::AppError;
use crate::cli::{Cli, CompletionsArgs};

pub fn completions(args: &CompletionsArgs) -> Result<ExitCode, AppError> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "cvpnsim", &mut out);
    print(&out)
}

/// The page of `cvpnsim` followed by one page per command (`cvpnsim-run(1)`, …), in one roff
/// stream: `cvpnsim man > cvpnsim.1` gives the whole manual in one file.
pub fn man() -> Result<ExitCode, AppError> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut out)
        .map_err(|e| AppError::usage(e.to_string()))?;
    for sub in cmd.get_subcommands() {
        let name = format!("cvpnsim-{}", sub.get_name());
        let page = sub
            .clone()
            .display_name(name)
            .version(env!("CARGO_PKG_VERSION"));
        clap_mangen::Man::new(page)
            .render(&mut out)
            .map_err(|e| AppError::usage(e.to_string()))?;
    }
    print(&out)
}

fn print(bytes: &[u8]) -> Result<ExitCode, AppError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| AppError::usage(format!("cannot write to standard output: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
