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

/// Writes a file the user named (a report beside the printed output) through the one output-file
/// writer: never over an existing file without `force`; exit 2 when refused, 3 when the file
/// system fails.
pub(crate) fn write_output(
    path: &std::path::Path,
    text: &str,
    force: bool,
) -> Result<(), AppError> {
    crate::report::files::write_file(path, text.as_bytes(), force).map_err(|e| AppError {
        message: match &e {
            crate::report::files::OutputError::Exists(p) => format!(
                "{} exists: pass --force to replace it, or name another file",
                p.display()
            ),
            _ => e.to_string(),
        },
        code: e.exit_code(),
    })
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Refuses a scenario whose estimated cost exceeds its budgets
/// ([`crate::scenario::budget::check`]) before anything is simulated: the diagnostics are
/// printed and the command exits 1, as for an invalid scenario. `allow_large` skips the check.
pub(crate) fn within_budget(
    source: &crate::source::diag::Source,
    scenario: &crate::model::Scenario,
    connection_log: bool,
    allow_large: bool,
) -> Result<(), AppError> {
    if allow_large {
        return Ok(());
    }
    let mut over = crate::scenario::budget::check(scenario, connection_log);
    if over.is_empty() {
        return Ok(());
    }
    crate::scenario::budget::locate(&mut over, source);
    eprint!("{}", crate::source::diag::render(source, &over));
    Err(AppError {
        message: format!(
            "{}: over budget ({}): nothing was simulated",
            source.name,
            crate::source::diag::tally(&over)
        ),
        code: 1,
    })
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<ExitCode, AppError> {
    // An interrupted command removes its temporary files and leaves earlier results intact.
    crate::report::files::clean_up_on_interrupt();
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
            for r in crate::source::rules::ALL {
                println!("{:28} {}\n{:28} ({})", r.id, r.statement, "", r.source);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
