//! `cvpnsim sweep FILE --vary KEY=V1,V2 ... --replicas N [--shard K/N]`: expand the grid, check
//! every variant, run the jobs in parallel, and write `sweep.csv`, `sweep.json`, and for a whole
//! grid `sweep-summary.csv` and the charts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::progress::Progress;
use super::AppError;
use crate::cli::SweepArgs;
use crate::model::Scenario;
use crate::report::chart;
use crate::report::files::OutputDir;
use crate::scenario::{self, diag::Source, LoadError};
use crate::sweep::grid::{self, show};
use crate::sweep::run::{self, Shard};
use crate::sweep::stats::figure_names;
use crate::sweep::table::{text_summary, Manifest, Table};

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
        scenarios.push(loaded.scenario);
    }

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
            figures: figure_names(),
            shard,
        },
        rows,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&base.scenario.name, shard));
    let dir = write_table(&table, &out, args.force)?;
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

fn default_out(name: &str, shard: Option<Shard>) -> PathBuf {
    match shard {
        None => Path::new("results").join(format!("{name}-sweep")),
        Some(s) => Path::new("results").join(format!("{name}-sweep-shard-{}-of-{}", s.k, s.n)),
    }
}

/// Writes a sweep folder: the rows and manifest always; the summary and charts for a whole grid.
pub fn write_table(t: &Table, out: &Path, force: bool) -> Result<PathBuf, AppError> {
    let identity = format!(
        "sweep {} sha256:{}",
        t.manifest.scenario, t.manifest.scenario_sha256
    );
    let io = |e: crate::report::files::OutputError| AppError::usage(e.to_string());
    let mut dir = OutputDir::claim(out, &identity, force).map_err(io)?;
    dir.write("sweep.json", t.manifest_json().as_bytes())
        .map_err(io)?;
    dir.write("sweep.csv", t.rows_csv().as_bytes())
        .map_err(io)?;
    if t.manifest.shard.is_none() {
        dir.write("sweep-summary.csv", t.summary_csv().as_bytes())
            .map_err(io)?;
        for (stem, c) in crate::sweep::charts::charts(t) {
            let png =
                chart::category_png(&c, chart::SIZE).map_err(|e| AppError::usage(e.to_string()))?;
            let svg =
                chart::category_svg(&c, chart::SIZE).map_err(|e| AppError::usage(e.to_string()))?;
            dir.write(&format!("charts/{stem}.png"), &png).map_err(io)?;
            dir.write(&format!("charts/{stem}.svg"), svg.as_bytes())
                .map_err(io)?;
        }
    }
    Ok(dir.path.clone())
}
