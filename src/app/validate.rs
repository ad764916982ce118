//! `cvpnsim validate FILE...`: report every problem in each file; exit 0 when all are valid
//! (warnings allowed), 1 when any is invalid, 2 when any cannot be read. `--format json|sarif`
//! prints the findings as a document instead of text; `--sarif FILE` also writes SARIF.

use std::process::ExitCode;

use crate::cli::{ReportFormat, ValidateArgs};
use crate::output::{self, json, sarif};
use crate::scenario::{self, budget, LoadError};
use crate::source::diag;
use crate::source::diag::{Diagnostic, Source};

/// A file's source and diagnostics, or why it could not be read.
type Found = Result<(Source, Vec<Diagnostic>), String>;

pub fn run(args: &ValidateArgs) -> Result<ExitCode, AppError> {
    let text = args.format == ReportFormat::Text;
    let mut invalid = 0;
    let mut unreadable = 0;
    // (file, source and diagnostics, or the read error)
    let mut found: Vec<(String, Found)> = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        match scenario::load_file(path) {
            Ok(loaded) => {
                if text && !args.quiet {
                    eprint!("{}", diag::render(&loaded.source, &loaded.warnings));
                }
                // Resource budgets: a scenario this machine could not run is refused here too.
                let mut over = if args.allow_large {
                    Vec::new()
                } else {
                    let sc = &loaded.scenario;
                    budget::check(sc, sc.output.connection_log)
                };
                budget::locate(&mut over, &loaded.source);
                if !over.is_empty() {
                    if text {
                        eprint!("{}", diag::render(&loaded.source, &over));
                        println!(
                            "{name}: over budget ({}): it would not fit this machine's budgets",
                            diag::tally(&over)
                        );
                    }
                    invalid += 1;
                    let mut all = loaded.warnings;
                    all.extend(over);
                    found.push((name, Ok((loaded.source, all))));
                    continue;
                }
                if text {
                    println!("{name}: valid ({})", diag::tally(&loaded.warnings));
                }
                found.push((name, Ok((loaded.source, loaded.warnings))));
            }
            Err(e @ LoadError::Io { .. }) => {
                eprintln!("error: {e}");
                unreadable += 1;
                found.push((name, Err(e.to_string())));
            }
            Err(LoadError::Invalid {
                source,
                diagnostics,
            }) => {
                if text {
                    let shown: Vec<_> = diagnostics
                        .iter()
                        .filter(|d| !args.quiet || d.is_error())
                        .cloned()
                        .collect();
                    eprint!("{}", diag::render(&source, &shown));
                    println!("{name}: invalid ({})", diag::tally(&diagnostics));
                }
                invalid += 1;
                found.push((name, Ok((source, diagnostics))));
            }
        }
    }
    let sarif_log = || {
        let files: Vec<sarif::File> = found
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .map(|(source, diagnostics)| sarif::File {
                source,
                diagnostics,
            })
            .collect();
        sarif::validate(&files)
    };
    match args.format {
        ReportFormat::Text => {}
        ReportFormat::Sarif => print!("{}", output::to_text(&sarif_log())),
        ReportFormat::Json => {
            let checked: Vec<json::Checked> = found
                .iter()
                .map(|(file, r)| match r {
                    Ok((source, diagnostics)) => json::Checked::Read {
                        file: file.clone(),
                        source,
                        diagnostics,
                    },
                    Err(error) => json::Checked::Unreadable {
                        file: file.clone(),
                        error: error.clone(),
                    },
                })
                .collect();
            print!("{}", output::to_text(&json::validate(&checked)));
        }
    }
    if let Some(path) = &args.sarif {
        super::write_output(path, &output::to_text(&sarif_log()), args.force)?;
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
