//! `cvpnsim diff OLD NEW`: differential reachability between two versions of a scenario — which
//! (population, network, landing subnet) verdicts changed and why. Exit 1 when something that
//! was reachable no longer is, 0 otherwise, 2 for an unreadable or invalid file.

use std::process::ExitCode;

use super::reach::load;
use super::AppError;
use crate::cli::{DiffArgs, Format};
use crate::net::{diff, Matrix};
use crate::output;
use crate::report::reachability::diff_text;

pub fn run(args: &DiffArgs) -> Result<ExitCode, AppError> {
    let old = load(&args.old)?;
    let new = load(&args.new)?;
    let (old_m, new_m) = (Matrix::all_live(&old), Matrix::all_live(&new));
    let d = diff(&old, &old_m, &new, &new_m);
    let compared = old_m.cells.len().max(new_m.cells.len());
    if args.format == Format::Json {
        print!("{}", output::to_text(&output::json::diff(&d, compared)));
    } else if d.changes.is_empty() {
        println!("no verdict changed ({compared} compared)");
    } else {
        print!("{}", diff_text(&d));
    }
    Ok(ExitCode::from(if d.has_regression() { 1 } else { 0 }))
}
