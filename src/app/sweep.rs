//! `cvpnsim sweep FILE --vary KEY=V1,V2 ... --replicas N [--shard K/N]`: expand the grid, check
//! every variant, run the jobs in parallel, and write `sweep.csv`, `sweep.json`, and for a whole
//! grid `sweep-summary.csv` and the charts.

use std::path::PathBuf;
use std::process::ExitCode;

use super::progress::Progress;
use super::run::out_err;
use super::AppError;
use crate::cli::SweepArgs;
use crate::report::chart;
use crate::report::files::{self, ResultsWriter};
use crate::scenario::{self, LoadError};
use crate::study::grid;
use crate::study::run::Shard;
use crate::study::table::{text_summary, Table};
use crate::study::{self, Base};

/// Most worker threads: each holds a run's state, and a typo must not start a million.
const MAX_THREADS: usize = 1_024;

pub fn run(args: &SweepArgs) -> Result<ExitCode, AppError> {
    let base = Base::read(&args.file).map_err(|e| invalid(&e))?;
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
    let sweep = study::sweep::prepare(base, axes, args.replicas, shard, args.allow_large)
        .map_err(super::study_err)?;

    // The folder is locked before any simulation: a second writer is refused at once.
    let name = &sweep.base().name;
    let out = args.out.clone().unwrap_or_else(|| default_out(name, shard));
    let identity = sweep_identity(name, &scenario::fingerprint(sweep.base()));
    let mut folder = ResultsWriter::begin(&out, &identity, args.force).map_err(out_err)?;

    let progress = Progress::new("sweep", sweep.jobs());
    let done = |n: usize| progress.update(n);
    let table = match args.threads {
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build()
            .map_err(|e| AppError::usage(format!("cannot start {t} threads: {e}")))?
            .install(|| sweep.run(Some(&done))),
        None => sweep.run(Some(&done)),
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
        sweep.variants(),
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
    let csv_err = |e: std::io::Error| AppError {
        message: format!("cannot write the sweep's CSV: {e}"),
        code: 3,
    };
    dir.write("sweep.csv", t.rows_csv().map_err(csv_err)?.as_bytes())
        .map_err(out_err)?;
    if t.manifest.shard.is_none() {
        dir.write(
            "sweep-summary.csv",
            t.summary_csv().map_err(csv_err)?.as_bytes(),
        )
        .map_err(out_err)?;
        for (stem, c) in crate::study::charts::charts(t) {
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
