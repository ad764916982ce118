//! `cvpnsim calibrate LOGS...`: read connection logs, fit a population, and write
//! `population.toml`, `report.md`, `arrivals.png` and `sessions.png` (and, with `--base`, a
//! whole `scenario.toml` with the base's populations replaced) into the output folder, never
//! over existing files without `--force`. Exit 0 done, 1 nothing to fit or an invalid result,
//! 2 unreadable input or refused output, 3 a file could not be written.

use std::path::Path;
use std::process::ExitCode;

use super::AppError;
use crate::cli::{CalibrateArgs, CalibrateModel};
use crate::import::aws::Text;
use crate::import::calibrate::{self, ArrivalModel, CalibrateOptions, Calibration};
use crate::import::logs;
use crate::model::Scenario;
use crate::report::chart;
use crate::report::files::ResultsWriter;
use crate::scenario::{self, duration, LoadError};
use crate::source::diag;

pub fn run(args: &CalibrateArgs) -> Result<ExitCode, AppError> {
    let offset = utc_offset(&args.utc_offset)?;
    let chain_gap = duration::parse(&args.chain_gap)
        .map_err(|e| AppError::usage(format!("--chain-gap: {e}")))?;
    let base = match &args.base {
        Some(p) => Some(load_base(p)?),
        None => None,
    };
    let mut inputs = Vec::new();
    for p in &args.logs {
        let text = crate::scenario::read_text(p)
            .map_err(|e| AppError::usage(format!("cannot read {}: {e}", p.display())))?;
        inputs.push(Text::new(p.display().to_string(), text));
    }
    let read = logs::read(&inputs, offset);
    for f in &read.findings {
        eprintln!("{f}");
    }
    if read.from_connections_api {
        eprintln!(
            "note: describe-client-vpn-connections lists only connections, not failed attempts, \
             and only those of the last hour once they end: prefer the connection logs"
        );
    }
    let conns = logs::pair(&read.entries);
    let opts = CalibrateOptions {
        name: args.name.clone(),
        model: match args.model {
            CalibrateModel::Auto => ArrivalModel::Auto,
            CalibrateModel::Poisson => ArrivalModel::Poisson,
            CalibrateModel::Workday => ArrivalModel::Workday,
        },
        chain_gap: (chain_gap / 1000) as i64,
    };
    let c = match calibrate::calibrate(&conns, &opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "error: {e} ({} entries read, {} unreadable)",
                read.entries.len(),
                read.unreadable
            );
            return Ok(ExitCode::from(1));
        }
    };
    for n in &c.notes {
        eprintln!("note: {n}");
    }
    let outputs = render(&c, base.as_ref())?;
    // The folder is written as a whole through the results writer: locked, staged, exchanged.
    let identity = format!("calibrate {}", c.population.name);
    let mut folder =
        ResultsWriter::begin(&args.out_dir, &identity, args.force).map_err(super::run::out_err)?;
    if !args.force {
        for (name, _) in &outputs.files {
            let path = args.out_dir.join(name);
            if path.exists() {
                return Err(AppError::usage(format!(
                    "refusing to overwrite {}: it exists (pass --force to replace it)",
                    path.display()
                )));
            }
        }
    }
    for (name, bytes) in &outputs.files {
        folder.write(name, bytes).map_err(super::run::out_err)?;
    }
    folder.commit().map_err(super::run::out_err)?;
    let names: Vec<&str> = outputs.files.iter().map(|f| f.0).collect();
    println!(
        "fitted {} population `{}` from {} attempts; wrote {} in {}",
        match c.model {
            ArrivalModel::Workday => "a workday",
            _ => "a Poisson",
        },
        c.population.name,
        conns.len(),
        names.join(", "),
        args.out_dir.display()
    );
    if let Some(problem) = outputs.invalid {
        eprint!("{problem}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn utc_offset(s: &str) -> Result<i64, AppError> {
    let bad = || AppError::usage(format!("--utc-offset: `{s}` is not like +02:00 or -05:30"));
    let t = s.trim();
    if t == "0" || t == "Z" {
        return Ok(0);
    }
    let sign = match t.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(bad()),
    };
    let (h, m) = t[1..].split_once(':').unwrap_or((&t[1..], "0"));
    let h: i64 = h.parse().map_err(|_| bad())?;
    let m: i64 = m.parse().map_err(|_| bad())?;
    if h > 14 || m > 59 {
        return Err(bad());
    }
    Ok(sign * (h * 3600 + m * 60))
}

fn load_base(p: &Path) -> Result<Scenario, AppError> {
    match scenario::load_file(p) {
        Ok(l) => Ok(l.scenario),
        Err(e @ LoadError::Io { .. }) => Err(AppError::usage(e.to_string())),
        Err(e) => Err(AppError {
            message: format!("--base: {e}"),
            code: 1,
        }),
    }
}

struct Outputs {
    files: Vec<(&'static str, Vec<u8>)>,
    /// Diagnostics when the scenario built on `--base` does not validate.
    invalid: Option<String>,
}

fn render(c: &Calibration, base: Option<&Scenario>) -> Result<Outputs, AppError> {
    let chart_err = |e: chart::ChartError| AppError {
        message: e.to_string(),
        code: 1,
    };
    let mut files = vec![
        (
            "population.toml",
            calibrate::population_toml(c).into_bytes(),
        ),
        ("report.md", c.report.clone().into_bytes()),
        (
            "arrivals.png",
            chart::time_png(&calibrate::arrivals_chart(c), chart::SIZE).map_err(chart_err)?,
        ),
        (
            "sessions.png",
            chart::category_png(&calibrate::sessions_chart(c), chart::SIZE).map_err(chart_err)?,
        ),
    ];
    let mut invalid = None;
    if let Some(b) = base {
        let s = calibrate::with_population(b, c);
        let text = scenario::write::to_toml(&s);
        if let Err(e) = scenario::load_str("scenario.toml", &text) {
            invalid = Some(format!(
                "{}scenario.toml: invalid ({})\n",
                diag::render(&diag::Source::new("scenario.toml", &text), e.diagnostics()),
                diag::tally(e.diagnostics())
            ));
        }
        files.push(("scenario.toml", text.into_bytes()));
    }
    Ok(Outputs { files, invalid })
}
