//! `cvpnsim sweep FILE --vary KEY=V1,V2 ... --replicas N [--shard K/N]`: expand the grid, check
//! every variant, run the jobs in parallel, and write `sweep.json`, `sweep.csv` (streamed: each
//! row as soon as it and every earlier job are done), and for a whole grid `sweep-summary.csv`
//! and the charts (the summary's second pass reads `sweep.csv` back).

use std::io::BufReader;
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
use crate::study::table::{read_rows, summary_csv, text_summary, Estimates, Manifest, RowsWriter};
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
    let manifest = sweep.manifest();
    let mut rows = begin_rows(&manifest, sweep.jobs(), &mut folder)?;
    let mut stream = || sweep.stream(Some(&done), &mut |r| rows.push(&r));
    let streamed = match args.threads {
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build()
            .map_err(|e| AppError::usage(format!("cannot start {t} threads: {e}")))?
            .install(stream),
        None => stream(),
    };
    streamed.map_err(csv_err)?;
    let (runs, estimates) = end_rows(&manifest, rows, &mut folder)?;
    folder.commit().map_err(out_err)?;
    let dir = out;
    if args.format == crate::cli::Format::Json {
        let doc = crate::output::json::sweep(
            &manifest,
            runs,
            estimates.as_ref(),
            &dir.display().to_string(),
        );
        print!("{}", crate::output::to_text(&doc));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(est) = &estimates {
        print!("{}", text_summary(&manifest, est));
    }
    println!(
        "{runs} runs ({} variants × {} replicas{}) → {}",
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

fn csv_err(e: std::io::Error) -> AppError {
    AppError {
        message: format!("cannot write the sweep's CSV: {e}"),
        code: 3,
    }
}

/// `sweep.csv` being written into a result folder, a row at a time.
pub type StreamedRows = RowsWriter<crate::report::files::StagedWriter>;

/// Starts a sweep's files in the folder being written: `sweep.json` (the grid of `jobs` runs),
/// and `sweep.csv`'s header; the rows follow through [`RowsWriter::push`], in job order.
pub fn begin_rows(
    m: &Manifest,
    jobs: usize,
    dir: &mut ResultsWriter,
) -> Result<StreamedRows, AppError> {
    dir.write("sweep.json", m.to_json(jobs).as_bytes())
        .map_err(out_err)?;
    let file = dir.create("sweep.csv").map_err(out_err)?;
    RowsWriter::new(m, file).map_err(csv_err)
}

/// Finishes `sweep.csv`; for a whole grid, reads it back for the second pass of the
/// per-variant estimates and writes `sweep-summary.csv` and the charts. Returns the rows written
/// and, for a whole grid, the estimates. The caller commits.
pub fn end_rows(
    m: &Manifest,
    rows: StreamedRows,
    dir: &mut ResultsWriter,
) -> Result<(usize, Option<Estimates>), AppError> {
    let (file, first) = rows.finish().map_err(csv_err)?;
    dir.finish("sweep.csv", file).map_err(out_err)?;
    if m.shard.is_some() {
        return Ok((first.rows(), None));
    }
    let back = BufReader::new(dir.read_back("sweep.csv").map_err(out_err)?);
    let est = first.estimates(read_rows(m, back)).map_err(|e| AppError {
        message: format!("cannot read the sweep's rows back for its summary: {e}"),
        code: 3,
    })?;
    write_summary(m, &est, dir)?;
    Ok((first.rows(), Some(est)))
}

/// Writes `sweep-summary.csv` and the charts of a whole grid.
fn write_summary(m: &Manifest, est: &Estimates, dir: &mut ResultsWriter) -> Result<(), AppError> {
    let chart_err = |e: chart::ChartError| AppError {
        message: e.to_string(),
        code: 3,
    };
    dir.write(
        "sweep-summary.csv",
        summary_csv(m, est).map_err(csv_err)?.as_bytes(),
    )
    .map_err(out_err)?;
    for (stem, c) in crate::study::charts::charts(m, est) {
        let png = chart::category_png(&c, chart::SIZE).map_err(chart_err)?;
        let svg = chart::category_svg(&c, chart::SIZE).map_err(chart_err)?;
        dir.write(&format!("charts/{stem}.png"), &png)
            .map_err(out_err)?;
        dir.write(&format!("charts/{stem}.svg"), svg.as_bytes())
            .map_err(out_err)?;
    }
    Ok(())
}
