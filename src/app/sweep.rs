//! `cvpnsim sweep FILE --vary KEY=V1,V2 ... --replicas N [--shard K/N]`: expand the grid, check
//! every variant, run the jobs in parallel, and write `sweep.csv`, `sweep.json`, and for a whole
//! grid `sweep-summary.csv` and the charts.

use std::path::PathBuf;
use std::process::ExitCode;

use super::progress::Progress;
use super::run::out_err;
use super::AppError;
use crate::cli::SweepArgs;
use crate::model::Scenario;
use crate::report::chart;
use crate::report::files::{self, ResultsWriter};
use crate::scenario::{self, LoadError};
use crate::source::diag::Source;
use crate::sweep::grid::{self, show};
use crate::sweep::run::{self, Shard};
use crate::sweep::stats::figure_names;
use crate::sweep::table::{text_summary, Manifest, Table};

/// Most worker threads: each holds a run's state, and a typo must not start a million.
const MAX_THREADS: usize = 1_024;

/// Most runs one sweep may hold without `--allow-large`.
const MAX_JOBS: usize = 1_000_000;

pub fn run(args: &SweepArgs) -> Result<ExitCode, AppError> {
    let (tree, source) = scenario::read_tree(&args.file).map_err(|e| invalid(&e))?;
    let name = source.name.clone();
    let base = scenario::load_tree(&tree, source.clone()).map_err(|e| invalid(&e))?;
    let axes = args
        .vary
        .iter()
        .map(|v| grid::parse_axis(v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::usage(e.to_string()))?;
    if let Some(t) = args.threads.filter(|&t| t > MAX_THREADS) {
        return Err(AppError::usage(format!(
            "--threads {t}: at most {MAX_THREADS} (the results do not depend on it)"
        )));
    }
    if args.replicas == 0 {
        return Err(AppError::usage("--replicas must be at least 1"));
    }
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(AppError::usage)?;
    let variants = grid::expand(&axes);
    // Checked before the job list is allocated: `--replicas 4294967295` is refused, not tried.
    let jobs_total = variants.len().checked_mul(args.replicas as usize);
    if jobs_total.is_none_or(|n| n > MAX_JOBS && !args.allow_large) {
        return Err(AppError::usage(format!(
            "{} variants × {} replicas is more than {MAX_JOBS} runs: use fewer values or replicas, or split the sweep with --shard (--allow-large to run it anyway)",
            variants.len(),
            args.replicas
        )));
    }

    // Every variant is checked before anything runs.
    let mut scenarios: Vec<Scenario> = Vec::with_capacity(variants.len());
    for v in &variants {
        let t = grid::apply(&tree, v)
            .map_err(|e| AppError::usage(format!("variant {} ({}): {e}", v.index, v.label())))?;
        let loaded = scenario::load_tree(
            &t,
            Source {
                name: format!("{name} [{}]", v.label()),
                ..source.clone()
            },
        )
        .map_err(|e| {
            AppError::usage(format!(
                "variant {} ({}) is not a valid scenario:\n{e}",
                v.index,
                v.label()
            ))
        })?;
        super::within_budget(&loaded.source, &loaded.scenario, false, args.allow_large)?;
        scenarios.push(loaded.scenario);
    }

    // The folder is locked before any simulation: a second writer is refused at once.
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&base.scenario.name, shard));
    let identity = sweep_identity(&base.scenario.name, &scenario::fingerprint(&base.scenario));
    let mut folder = ResultsWriter::begin(&out, &identity, args.force).map_err(out_err)?;

    let jobs = run::jobs(variants.len(), args.replicas, shard);
    let progress = Progress::new("sweep", jobs.len());
    let done = |n: usize| progress.update(n);
    let rows = match args.threads {
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build()
            .map_err(|e| AppError::usage(format!("cannot start {t} threads: {e}")))?
            .install(|| run::run(&scenarios, &jobs, Some(&done))),
        None => run::run(&scenarios, &jobs, Some(&done)),
    };

    let table = Table {
        manifest: Manifest {
            scenario: base.scenario.name.clone(),
            scenario_sha256: scenario::fingerprint(&base.scenario),
            keys: axes.iter().map(|a| a.key.clone()).collect(),
            variants: variants
                .iter()
                .map(|v| v.settings.iter().map(|(_, x)| show(x)).collect())
                .collect(),
            replicas: args.replicas,
            figures: figure_names(&base.scenario.output.outcome_thresholds),
            shard,
        },
        rows,
    };
    write_table(&table, &mut folder)?;
    folder.commit().map_err(out_err)?;
    let dir = out;
    if args.format == crate::cli::Format::Json {
        let doc = crate::output::json::sweep(&table, &dir.display().to_string());
        print!("{}", crate::output::to_text(&doc));
        return Ok(ExitCode::SUCCESS);
    }
    if shard.is_none() {
        print!("{}", text_summary(&table));
    }
    println!(
        "{} runs ({} variants × {} replicas{}) → {}",
        table.rows.len(),
        variants.len(),
        args.replicas,
        shard.map_or(String::new(), |s| format!(", shard {}", s.label())),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn invalid(e: &LoadError) -> AppError {
    AppError::usage(e.to_string())
}

/// `results/<name>-sweep` (or `-sweep-shard-K-of-N`), the name cleaned like every default
/// folder so a scenario's name cannot point outside `results/`.
fn default_out(name: &str, shard: Option<Shard>) -> PathBuf {
    match shard {
        None => files::default_folder(name, "-sweep"),
        Some(s) => files::default_folder(name, &format!("-sweep-shard-{}-of-{}", s.k, s.n)),
    }
}

/// What a sweep folder's marker says.
pub fn sweep_identity(scenario: &str, sha256: &str) -> String {
    format!("sweep {scenario} sha256:{sha256}")
}

/// Writes a sweep's files into the folder being written: the rows and manifest always; the
/// summary and charts for a whole grid. The caller commits.
pub fn write_table(t: &Table, dir: &mut ResultsWriter) -> Result<(), AppError> {
    let chart_err = |e: chart::ChartError| AppError {
        message: e.to_string(),
        code: 3,
    };
    dir.write("sweep.json", t.manifest_json().as_bytes())
        .map_err(out_err)?;
    dir.write("sweep.csv", t.rows_csv().as_bytes())
        .map_err(out_err)?;
    if t.manifest.shard.is_none() {
        dir.write("sweep-summary.csv", t.summary_csv().as_bytes())
            .map_err(out_err)?;
        for (stem, c) in crate::sweep::charts::charts(t) {
            let png = chart::category_png(&c, chart::SIZE).map_err(chart_err)?;
            let svg = chart::category_svg(&c, chart::SIZE).map_err(chart_err)?;
            dir.write(&format!("charts/{stem}.png"), &png)
                .map_err(out_err)?;
            dir.write(&format!("charts/{stem}.svg"), svg.as_bytes())
                .map_err(out_err)?;
        }
    }
    Ok(())
}
