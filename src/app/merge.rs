//! `cvpnsim merge SHARD_DIR... --out DIR`: checks that the shards are the complete split of one
//! grid of one scenario and writes the files a single sweep would have written, reading the
//! shards' rows one at a time in job order (nothing per run is held).

use std::io::BufReader;
use std::path::Path;
use std::process::ExitCode;

use super::run::out_err;
use super::AppError;
use crate::cli::MergeArgs;
use crate::report::files::ResultsWriter;
use crate::study::table::{merged_manifest, read_rows, text_summary, Manifest, MergedRows};

pub fn run(args: &MergeArgs) -> Result<ExitCode, AppError> {
    let read = |dir: &Path, name: &str| {
        crate::scenario::read_text(&dir.join(name))
            .map_err(|e| AppError::usage(format!("cannot read {}: {e}", dir.join(name).display())))
    };
    let mut manifests = Vec::new();
    for dir in &args.shards {
        let m = Manifest::parse(&read(dir, "sweep.json")?)
            .map_err(|e| AppError::usage(format!("{}: {e}", dir.display())))?;
        manifests.push(m);
    }
    let base = merged_manifest(&manifests).map_err(AppError::usage)?;
    // Each shard's rows are read one at a time, in job order across the shards.
    let mut shards = Vec::new();
    for (dir, m) in args.shards.iter().zip(&manifests) {
        let path = dir.join("sweep.csv");
        let file = std::fs::File::open(&path)
            .map_err(|e| AppError::usage(format!("cannot read {}: {e}", path.display())))?;
        let located = move |e: String| format!("{}: {e}", dir.display());
        let rows = read_rows(m, BufReader::new(file)).map(move |r| r.map_err(located));
        if let Some(s) = m.shard {
            shards.push((s, rows));
        }
    }
    let merged = MergedRows::new(&base, shards).map_err(AppError::usage)?;
    let jobs = base.variants.len() * base.replicas as usize;
    let identity = super::sweep::sweep_identity(&base.scenario, &base.scenario_sha256);
    let mut folder = ResultsWriter::begin(&args.out, &identity, args.force).map_err(out_err)?;
    let mut rows = super::sweep::begin_rows(&base, jobs, &mut folder)?;
    for r in merged {
        // A bad or missing row is the shards' fault: refused, and the folder left as it was.
        let r = r.map_err(AppError::usage)?;
        rows.push(&r).map_err(|e| AppError {
            message: format!("cannot write the sweep's CSV: {e}"),
            code: 3,
        })?;
    }
    let (runs, estimates) = super::sweep::end_rows(&base, rows, &mut folder)?;
    folder.commit().map_err(out_err)?;
    if let Some(est) = &estimates {
        print!("{}", text_summary(&base, est));
    }
    println!(
        "merged {} shard folders ({runs} runs) → {}",
        args.shards.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
