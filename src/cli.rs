//! Command-line arguments as typed (clap). These types stay in the application layer: the
//! library below `app` never sees them.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Simulate AWS Client VPN endpoints before anyone pays for them or breaks them.
#[derive(Debug, Parser)]
#[command(name = "cvpnsim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario files against every rule; exit 0 valid, 1 invalid, 2 unreadable.
    Validate(ValidateArgs),
    /// List the validation rules and where in the guide each comes from.
    Rules,
    /// Simulate a scenario and write its results: summary.json, timeseries.csv, metrics.csv and,
    /// if asked, connection-log.jsonl. Exit 0 done, 1 invalid scenario, 2 unreadable input, bad
    /// usage or a results folder holding another scenario's results, 3 results not written.
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario files (TOML or JSON).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print only errors and the final tally.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML or JSON).
    pub file: PathBuf,
    /// Results folder [default: results/<scenario name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Overwrite a results folder that holds another scenario's results.
    #[arg(long)]
    pub force: bool,
    /// Use this seed instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replica index: independent random streams for the same scenario and seed.
    #[arg(long, default_value_t = 0)]
    pub replica: u32,
    /// Also write connection-log.jsonl (as `[output] connection_log = true` does).
    #[arg(long)]
    pub connection_log: bool,
    /// Print only errors.
    #[arg(short, long)]
    pub quiet: bool,
}
