//! The application layer: turns parsed command-line arguments into calls of the library and
//! results into exit codes. One file per command.

mod calibrate;
mod check;
mod diff;
mod import;
mod merge;
mod plan;
mod progress;
mod reach;
mod run;
mod shell;
mod sweep;
mod validate;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// An error that ends the command: its message is printed and the exit code returned.
#[derive(Debug)]
pub struct AppError {
    pub message: String,
    pub code: u8,
}

impl AppError {
    /// Bad usage or unreadable input: exit code 2.
    pub fn usage(message: impl Into<String>) -> AppError {
        AppError {
            message: message.into(),
            code: 2,
        }
    }
}

/// Writes a file the user named (a report beside the printed output), atomically; exit 2 when it
/// cannot be written.
pub(crate) fn write_output(path: &std::path::Path, text: &str) -> Result<(), AppError> {
    crate::report::files::write_atomic(path, text.as_bytes()).map_err(|e| AppError {
        message: format!("cannot write {}: {e}", path.display()),
        code: 2,
    })
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<ExitCode, AppError> {
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Calibrate(args) => calibrate::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Reach(args) => reach::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Completions(args) => shell::completions(&args),
        Command::Man => shell::man(),
        Command::Schema => {
            let schema = crate::scenario::schema::json_schema();
            print!("{}", crate::output::to_text(&schema));
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules => {
            for r in crate::scenario::rules::RULES {
                println!("{:28} {}\n{:28} ({})", r.id, r.statement, "", r.source);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
