//! `cvpnsim validate FILE...`: report every problem in each file; exit 0 when all are valid
//! (warnings allowed), 1 when any is invalid, 2 when any cannot be read.

use std::process::ExitCode;

use crate::cli::ValidateArgs;
use crate::scenario::{self, budget, diag, LoadError};

pub fn run(args: &ValidateArgs) -> Result<ExitCode, AppError> {
    let mut invalid = 0;
    let mut unreadable = 0;
    for path in &args.files {
        match scenario::load_file(path) {
            Ok(loaded) => {
                if !args.quiet {
                    eprint!("{}", diag::render(&loaded.source, &loaded.warnings));
                }
                let mut over = if args.allow_large {
                    Vec::new()
                } else {
                    let sc = &loaded.scenario;
                    budget::check(sc, sc.output.connection_log)
                };
                budget::locate(&mut over, &loaded.source);
                if !over.is_empty() {
                    eprint!("{}", diag::render(&loaded.source, &over));
                    println!(
                        "{}: over budget ({}): it would not fit this machine's budgets",
                        path.display(),
                        diag::tally(&over)
                    );
                    invalid += 1;
                    continue;
                }
                println!(
                    "{}: valid ({})",
                    path.display(),
                    diag::tally(&loaded.warnings)
                );
            }
            Err(e @ LoadError::Io { .. }) => {
                eprintln!("error: {e}");
                unreadable += 1;
            }
            Err(LoadError::Invalid {
                source,
                diagnostics,
            }) => {
                let shown: Vec<_> = diagnostics
                    .iter()
                    .filter(|d| !args.quiet || d.is_error())
                    .cloned()
                    .collect();
                eprint!("{}", diag::render(&source, &shown));
                println!(
                    "{}: invalid ({})",
                    path.display(),
                    diag::tally(&diagnostics)
                );
                invalid += 1;
            }
        }
    }
    Ok(ExitCode::from(if unreadable > 0 {
        2
    } else if invalid > 0 {
        1
    } else {
        0
    }))
}

use super::AppError;
