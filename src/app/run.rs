//! `cvpnsim run FILE`: load and check the scenario, simulate it (with a progress indicator when
//! stderr is a terminal), weigh the reachability gaps by the run's client time, write the results
//! folder and print a short summary.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::progress::Progress;
use super::AppError;
use crate::cli::RunArgs;
use crate::model::{Scenario, HOUR};
use crate::net::{weighted_gaps, Matrix, WeightedGap};
use crate::report::files::OutputError;
use crate::report::{self, RunOutput};
use crate::scenario::{self, diag, LoadError};
use crate::sim::{self, FailureReason, RunResult, SimOptions};

pub fn run(args: &RunArgs) -> Result<ExitCode, AppError> {
    let loaded = match scenario::load_file(&args.file) {
        Ok(loaded) => loaded,
        Err(e @ LoadError::Io { .. }) => return Err(AppError::usage(e.to_string())),
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(1));
        }
    };
    if !args.quiet {
        eprint!("{}", diag::render(&loaded.source, &loaded.warnings));
    }
    let mut sc = loaded.scenario;
    if let Some(seed) = args.seed {
        sc.seed = seed;
    }
    let connection_log = args.connection_log || sc.output.connection_log;
    let result = simulate(&sc, args, connection_log);
    let matrix = Matrix::all_live(&sc);
    let gaps = weighted_gaps(&matrix, &result.client_ms);
    let hash = scenario::fingerprint(&sc);
    let dir = args.out.clone().unwrap_or_else(|| default_folder(&sc.name));
    let out = RunOutput {
        scenario: &sc,
        result: &result,
        scenario_hash: &hash,
        gaps: &gaps,
    };
    let exporters = report::standard_exporters(connection_log);
    let charts = report::charts_and_page(&out, &matrix).map_err(|e| AppError {
        message: e.to_string(),
        code: 3,
    })?;
    report::write_results(&dir, &out, &exporters, &charts, args.force).map_err(|e| {
        let code = match e {
            OutputError::Foreign { .. } => 2,
            OutputError::Io(..) => 3,
        };
        AppError {
            message: e.to_string(),
            code,
        }
    })?;
    if !args.quiet {
        print_summary(&sc, &result, &gaps, &dir);
    }
    Ok(ExitCode::SUCCESS)
}

fn simulate(sc: &Scenario, args: &RunArgs, connection_log: bool) -> RunResult {
    let hours = sc.duration.div_ceil(HOUR) as usize;
    let shown = (!args.quiet && std::io::stderr().is_terminal())
        .then(|| Progress::new("simulated hours", hours));
    let tick = |p: sim::Progress| {
        if let Some(bar) = &shown {
            bar.update((p.now / HOUR) as usize);
        }
    };
    let options = SimOptions {
        replica: args.replica,
        connection_log,
        audit: false,
        progress: shown
            .as_ref()
            .map(|_| &tick as &(dyn Fn(sim::Progress) + Sync)),
    };
    let result = sim::simulate(sc, &options);
    if let Some(bar) = &shown {
        bar.update(hours);
    }
    result
}

/// `results/<name>`, with anything but letters, digits, `.`, `_` and `-` replaced, so a
/// scenario name can never point outside the results folder.
fn default_folder(name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = if safe.trim_matches('.').is_empty() {
        "scenario".to_string()
    } else {
        safe
    };
    Path::new("results").join(safe)
}

fn print_summary(sc: &Scenario, r: &RunResult, gaps: &[WeightedGap], dir: &Path) {
    let s = &r.summary;
    println!(
        "{}: {} users, {} attempts, {} connected, {} failed",
        sc.name, s.users, s.attempts, s.successes, s.failures
    );
    println!(
        "  peak concurrency {} at {}; mean {:.1}; blocking probability {:.4}",
        s.peak_concurrency,
        report::timestamp(sc, s.peak_concurrency_at_ms),
        s.mean_concurrency,
        s.blocking_probability
    );
    for reason in FailureReason::ALL {
        let n = s.failures_by_reason.0[reason.index()];
        if n > 0 {
            println!("  {:44} {n}", reason.name());
        }
    }
    if let Some(t) = s.time_to_address_exhaustion_ms {
        println!(
            "  client CIDR exhausted at {} ({:.1} h in)",
            report::timestamp(sc, t),
            t as f64 / HOUR as f64
        );
    }
    for g in gaps {
        let failing: Vec<&str> = g
            .failing
            .iter()
            .map(|&a| sc.subnet_of(a).id.as_str())
            .collect();
        println!(
            "  gap: {} cannot fully reach {} from {} ({}): {:.1} % of its client time; lost {} ({:.4} % of its addresses)",
            sc.populations[g.population.index()].name,
            g.target.name(sc),
            failing.join(", "),
            g.reason.name(),
            100.0 * g.share(),
            g.lost,
            100.0 * g.address_share
        );
    }
    if s.below_floor_connection_minutes > 0.0 {
        println!(
            "  below the bandwidth floor: {:.0} connection-minutes",
            s.below_floor_connection_minutes
        );
    }
    let cost = crate::cost::of_run(sc, &s.usage);
    println!(
        "  cost {} for this run, about {} a month at the same rate",
        crate::cost::money(cost.total),
        crate::cost::money(cost.per_month)
    );
    println!("  results in {}", dir.display());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_names_cannot_escape_the_results_folder() {
        assert_eq!(default_folder("two-az"), Path::new("results/two-az"));
        assert_eq!(default_folder("../../etc"), Path::new("results/.._.._etc"));
        assert_eq!(default_folder(".."), Path::new("results/scenario"));
        assert_eq!(default_folder("a b/c"), Path::new("results/a_b_c"));
    }
}
