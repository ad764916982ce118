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
    /// Simulate a scenario and write its results: summary.json, timeseries.csv, metrics.csv,
    /// reachability.csv, charts, report.html and, if asked, connection-log.jsonl. Exit 0 done,
    /// 1 invalid scenario, 2 unreadable input, bad usage or a results folder holding another
    /// scenario's results, 3 results not written.
    Run(RunArgs),
    /// Size an endpoint for a peak: client CIDR and number of associations, by the guide's rules.
    Plan(PlanArgs),
    /// Who can reach what: the verdict for each population, needed network and landing subnet,
    /// or the decision path for one address.
    Reach(ReachArgs),
    /// Differential reachability between two versions of a scenario; exit 1 when something
    /// reachable is no longer.
    Diff(DiffArgs),
    /// Run a what-if grid of variants × replicas in parallel.
    Sweep(SweepArgs),
    /// Gate a configuration in CI: exit 0 when every expectation holds, 1 when one fails.
    Check(CheckArgs),
    /// Combine the folders of a sharded sweep into the files a single run writes.
    Merge(MergeArgs),
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
pub struct PlanArgs {
    /// Peak concurrent connections to support.
    #[arg(long, value_name = "PEAK")]
    pub connections: u64,
    /// Keep the peak within the limit with any one Availability Zone lost.
    #[arg(long)]
    pub survive_az_loss: bool,
    /// Confirm the plan by simulating this scenario with the planned client CIDR and
    /// associations, then again with each Availability Zone lost at the peak.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ReachArgs {
    /// Scenario file (TOML or JSON).
    pub file: PathBuf,
    /// A population name, or a group identifier the scenario mentions.
    #[arg(long, value_name = "POPULATION|GROUP")]
    pub from: Option<String>,
    /// One destination address: print the decision path instead of whole networks.
    #[arg(long, value_name = "ADDRESS")]
    pub to: Option<String>,
    /// Only this landing subnet (a subnet id of an association).
    #[arg(long, value_name = "SUBNET")]
    pub landing: Option<String>,
    /// Print the matrix as CSV.
    #[arg(long, conflicts_with = "to")]
    pub csv: bool,
    /// Exit 1 when a population cannot reach some address of a network it needs.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The configuration before the change.
    pub old: PathBuf,
    /// The configuration after the change.
    pub new: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (TOML or JSON).
    pub file: PathBuf,
    /// A varied key and its values, e.g. `endpoint.session_timeout_hours=8,12,24`; repeatable.
    #[arg(long = "vary", value_name = "KEY=V1,V2,...")]
    pub vary: Vec<String>,
    /// Replicas of each variant (independent random streams).
    #[arg(long, default_value_t = 1)]
    pub replicas: u32,
    /// Run only the K-th of N deterministic subsets of the jobs (1-based), for several machines.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Output folder [default: results/<scenario>-sweep, or …-shard-K-of-N].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace results of another scenario in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Worker threads [default: all cores]; the results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Output folders of the shards of one sweep.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output folder for the merged results.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace results of another scenario in the output folder.
    #[arg(long)]
    pub force: bool,
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

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario file (TOML or JSON).
    pub file: PathBuf,
    /// Expectations file (see docs/check.md).
    #[arg(long, value_name = "EXPECT.toml")]
    pub expect: PathBuf,
    /// Also write the outcome as JUnit XML for CI systems.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}
