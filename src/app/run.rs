//! `cvpnsim run FILE`: load and check the scenario, simulate it (with a progress indicator when
//! stderr is a terminal), weigh the reachability gaps by the run's client time, write the results
//! folder and print a short summary.

use std::io::IsTerminal as _;
use std::path::Path;
use std::process::ExitCode;

use super::progress::Progress;
use super::AppError;
use crate::cli::RunArgs;
use crate::model::{Scenario, HOUR};
use crate::net::{weighted_gaps, Matrix, WeightedGap};
use crate::report::files::{self, OutputError, ResultsWriter};
use crate::report::{self, connlog, metrics, series, timeseries, RunOutput};
use crate::scenario::{self, LoadError};
use crate::sim::{self, FailureReason, RunResult, SimOptions};
use crate::source::diag;

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
    let connection_log = (args.connection_log || sc.output.connection_log) && !args.summary_only;
    super::within_budget(&loaded.source, &sc, connection_log, args.allow_large)?;
    let hash = scenario::fingerprint(&sc);
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| files::default_folder(&sc.name, ""));
    // The folder is locked before the run and the log streams into its staging folder.
    let mut folder = ResultsWriter::begin(&dir, &report::run_identity(&sc, &hash), args.force)
        .map_err(out_err)?;
    let log = if connection_log {
        Some(connlog::Streamed::new(
            &sc,
            folder.create(connlog::FILE_NAME).map_err(out_err)?,
        ))
    } else {
        None
    };
    // The time series and the metrics stream into the staging folder as the run advances; with
    // `--summary-only` their rows are dropped as they close.
    let series = if args.summary_only {
        None
    } else {
        let ts = folder.create(timeseries::FILE_NAME).map_err(out_err)?;
        let ms = folder.create(metrics::FILE_NAME).map_err(out_err)?;
        Some(
            series::Streamed::new(&sc, Some(ts), Some(ms))
                .map_err(|(name, e)| out_err(OutputError::Io(dir.join(name), e)))?,
        )
    };
    let result = simulate(&sc, args, log.as_ref(), series.as_ref());
    finish_streams(&folder, &dir, log, series)?;
    let matrix = Matrix::all_live(&sc);
    let gaps = weighted_gaps(&matrix, &result.client_ms);
    let out = RunOutput {
        scenario: &sc,
        result: &result,
        scenario_hash: &hash,
        gaps: &gaps,
    };
    let mut exporters = report::standard_exporters(false);
    // The streamed files are written already.
    exporters.retain(|e| ![timeseries::FILE_NAME, metrics::FILE_NAME].contains(&e.file_name()));
    if args.summary_only {
        exporters.retain(|e| e.file_name() == report::summary::FILE_NAME);
    }
    let charts = draw_while_syncing(&folder, &out, &matrix, args)?;
    report::write_results(&mut folder, &out, &exporters, &charts).map_err(out_err)?;
    folder.commit().map_err(out_err)?;
    if !args.quiet {
        print_summary(&sc, &result, &gaps, &dir);
    }
    Ok(ExitCode::SUCCESS)
}

/// A results-folder error as the command's error: exit 3 when the file system failed, 2 when the
/// request was refused.
pub(super) fn out_err(e: OutputError) -> AppError {
    AppError {
        code: e.exit_code(),
        message: e.to_string(),
    }
}

type Log<'a> = connlog::Streamed<'a, files::StagedWriter>;
type Series = series::Streamed<files::StagedWriter>;

/// Simulates, the rows rendered and written (and the time series' digest computed) on a thread
/// of their own beside the simulation.
fn simulate(
    sc: &Scenario,
    args: &RunArgs,
    log: Option<&Log>,
    series: Option<&Series>,
) -> RunResult {
    std::thread::scope(|scope| {
        let beside = series.map(|s| s.beside(scope));
        let result = simulate_into(sc, args, log, beside.as_ref());
        if let Some(b) = beside {
            b.finish();
        }
        result
    })
}

/// Flushes the streamed files into the folder; a failed write is reported as its file's.
fn finish_streams(
    folder: &ResultsWriter,
    dir: &Path,
    log: Option<Log>,
    series: Option<Series>,
) -> Result<(), AppError> {
    if let Some(log) = log {
        let w = log
            .finish()
            .map_err(|e| out_err(OutputError::Io(dir.join(connlog::FILE_NAME), e)))?;
        folder.finish(connlog::FILE_NAME, w).map_err(out_err)?;
    }
    if let Some(series) = series {
        let (ts, ms) = series
            .finish()
            .map_err(|(name, e)| out_err(OutputError::Io(dir.join(name), e)))?;
        for (name, w) in [(timeseries::FILE_NAME, ts), (metrics::FILE_NAME, ms)] {
            if let Some(w) = w {
                folder.finish(name, w).map_err(out_err)?;
            }
        }
    }
    Ok(())
}

/// The charts and the page, drawn while the files written so far are synced to disk.
fn draw_while_syncing(
    folder: &ResultsWriter,
    out: &RunOutput,
    matrix: &Matrix,
    args: &RunArgs,
) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    let (charts, synced) = std::thread::scope(|scope| {
        let syncing = scope.spawn(|| folder.sync_written());
        let charts = report::charts_and_page(
            out,
            matrix,
            !(args.no_charts || args.summary_only),
            !(args.no_report || args.summary_only),
        );
        (charts, syncing.join())
    });
    match synced {
        Ok(r) => r.map_err(out_err)?,
        Err(panic) => std::panic::resume_unwind(panic),
    }
    charts.map_err(|e| AppError {
        message: e.to_string(),
        code: 3,
    })
}

fn simulate_into(
    sc: &Scenario,
    args: &RunArgs,
    log: Option<&Log>,
    series: Option<&series::Beside<'_, files::StagedWriter>>,
) -> RunResult {
    let hours = sc.duration.div_ceil(HOUR) as usize;
    let shown = (!args.quiet && std::io::stderr().is_terminal())
        .then(|| Progress::new("simulated hours", hours));
    let tick = |p: sim::Progress| {
        if let Some(bar) = &shown {
            bar.update((p.now / HOUR) as usize);
        }
    };
    let sink = |e: &sim::LogEntry| {
        if let Some(log) = log {
            log.entry(e);
        }
    };
    let digest = series.map(|s| move || s.digest());
    let options = SimOptions {
        sample_sink: Some(match series {
            Some(beside) => beside as &sim::SampleSink,
            None => &sim::discard_rows,
        }),
        // The rows' writer computes the digest beside the simulation.
        series_digest: digest.as_ref().map(|d| d as &sim::DigestSource),
        replica: args.replica,
        connection_log: false,
        log_sink: log
            .as_ref()
            .map(|_| &sink as &(dyn Fn(&sim::LogEntry) + Sync)),
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

fn print_summary(sc: &Scenario, r: &RunResult, gaps: &[WeightedGap], dir: &Path) {
    let s = &r.summary;
    let found = crate::findings::findings(sc, r, gaps);
    println!("{}: {}", sc.name, crate::findings::verdict(&found));
    for (i, f) in found.iter().enumerate() {
        println!("  {}. [{}] {}", i + 1, f.severity.name(), f.title);
        println!("     measured: {}", f.measured);
        println!("     fix: {}", f.fix_text);
    }
    let q = |x: u64| crate::cost::quantity(x as f64);
    println!(
        "  {} users; {} gave up; peak {} connections at {}, mean {:.1}",
        q(s.users),
        q(s.gave_up),
        q(s.peak_concurrency as u64),
        crate::timefmt::clock(sc, s.peak_concurrency_at_ms),
        s.mean_concurrency
    );
    // What users lived through: time to connect, waits past each threshold, recovery per event.
    let o = &s.outcomes;
    let secs = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.1} s"));
    let waits: Vec<String> = o
        .not_connected_within
        .iter()
        .map(|n| {
            format!(
                "{} within {} ({:.2} %)",
                q(n.users),
                crate::timefmt::span(n.within_s),
                100.0 * n.share
            )
        })
        .collect();
    println!(
        "  time to connect: median {}, p99 {}, longest {}; not connected: {}; {} user-minutes without service",
        secs(o.time_to_connect.p50_s),
        secs(o.time_to_connect.p99_s),
        secs(o.time_to_connect.max_s),
        waits.join(", "),
        crate::cost::quantity(o.user_minutes_without_service.round())
    );
    for r in &s.recovery {
        println!(
            "  after {} at {}: {} users dropped, 99 % back in {}, all in {}",
            r.description,
            crate::timefmt::clock(sc, r.at_ms),
            q(r.users_dropped),
            secs(r.time_to_99_percent_back_s),
            secs(r.time_to_all_back_s)
        );
    }
    println!(
        "  client addresses: peak {} of {} usable{}",
        q(s.addresses_peak as u64),
        q(s.addresses_usable as u64),
        s.time_to_address_exhaustion_ms
            .map_or(String::new(), |t| format!(
                "; exhausted first at {}",
                crate::timefmt::clock(sc, t)
            ))
    );
    println!(
        "  attempt failure rate {:.2} % ({} of {} finished attempts, retries included)",
        100.0 * s.attempt_failure_rate,
        q(s.failures),
        q(s.successes + s.failures)
    );
    for reason in FailureReason::ALL {
        let n = s.failures_by_reason.0[reason.index()];
        if n > 0 {
            println!("    {:44} {}", reason.name(), q(n));
        }
    }
    let cost = crate::cost::of_run(sc, &s.usage);
    println!(
        "  cost {} for this run, about {} a month at the same rate",
        crate::cost::money(cost.total),
        crate::cost::money(cost.per_month)
    );
    println!("  results in {}", dir.display());
}
