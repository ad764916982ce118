//! `cvpnsim merge SHARD_DIR... --out DIR`: checks that the shards are the complete split of one
//! grid of one scenario and writes the files a single sweep would have written.

use std::process::ExitCode;

use super::run::out_err;
use super::AppError;
use crate::cli::MergeArgs;
use crate::report::files::ResultsWriter;
use crate::study::table::{text_summary, Table};

pub fn run(args: &MergeArgs) -> Result<ExitCode, AppError> {
    let mut parts = Vec::new();
    for dir in &args.shards {
        let read = |name: &str| {
            crate::scenario::read_text(&dir.join(name)).map_err(|e| {
                AppError::usage(format!("cannot read {}: {e}", dir.join(name).display()))
            })
        };
        let t = Table::parse(&read("sweep.json")?, &read("sweep.csv")?)
            .map_err(|e| AppError::usage(format!("{}: {e}", dir.display())))?;
        parts.push(t);
    }
    let table = Table::merge(parts).map_err(AppError::usage)?;
    let identity =
        super::sweep::sweep_identity(&table.manifest.scenario, &table.manifest.scenario_sha256);
    let mut folder = ResultsWriter::begin(&args.out, &identity, args.force).map_err(out_err)?;
    super::sweep::write_table(&table, &mut folder)?;
    folder.commit().map_err(out_err)?;
    let out = &args.out;
    print!("{}", text_summary(&table));
    println!(
        "merged {} shard folders ({} runs) → {}",
        args.shards.len(),
        table.rows.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
