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
    /// Write a scenario from an existing endpoint's configuration (AWS CLI output or a
    /// Terraform plan); exit 0 valid, 1 not importable or invalid, 2 unreadable.
    Import(ImportArgs),
    /// Fit a population (arrivals, session lengths, failures, reconnects) to connection logs
    /// and write it with a fit report and a chart.
    Calibrate(CalibrateArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of cvpnsim and its commands.
    Man,
    /// Print the JSON Schema of the scenario format (docs/scenario.schema.json), for editors.
    Schema,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub source: ImportSource,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// From the JSON the AWS CLI prints for the describe-client-vpn-* calls.
    Aws(ImportAwsArgs),
    /// From `terraform show -json` of a plan (or of the state).
    Terraform(ImportTerraformArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportAwsArgs {
    /// Output of `aws ec2 describe-client-vpn-endpoints`.
    #[arg(long, value_name = "FILE")]
    pub endpoints: PathBuf,
    /// Output of `aws ec2 describe-client-vpn-target-networks`.
    #[arg(long, value_name = "FILE")]
    pub target_networks: PathBuf,
    /// Output of `aws ec2 describe-client-vpn-routes`.
    #[arg(long, value_name = "FILE")]
    pub routes: PathBuf,
    /// Output of `aws ec2 describe-client-vpn-authorization-rules`.
    #[arg(long, value_name = "FILE")]
    pub authorization_rules: PathBuf,
    /// Output of `aws ec2 describe-subnets` (Availability Zones and CIDR blocks).
    #[arg(long, value_name = "FILE")]
    pub subnets: Option<PathBuf>,
    /// Output of `aws ec2 describe-vpcs` (CIDR blocks and tenancy).
    #[arg(long, value_name = "FILE")]
    pub vpcs: Option<PathBuf>,
    /// Data-plane outputs, each recognised by its top-level key: describe-route-tables,
    /// describe-network-acls, describe-security-groups, describe-vpc-peering-connections,
    /// describe-internet-gateways, describe-nat-gateways, describe-vpc-endpoints,
    /// describe-prefix-lists, describe-vpn-gateways, describe-vpn-connections,
    /// describe-transit-gateways,
    /// describe-transit-gateway-vpc-attachments, describe-transit-gateway-attachments,
    /// describe-transit-gateway-route-tables; search-transit-gateway-routes and
    /// get-transit-gateway-route-table-propagations as TGW_RTB_ID=FILE.
    #[arg(long = "data-plane", value_name = "FILE", num_args = 1..)]
    pub data_plane: Vec<PathBuf>,
    /// The endpoint to import when the endpoints file lists several.
    #[arg(long, value_name = "ID")]
    pub endpoint_id: Option<String>,
    #[command(flatten)]
    pub output: ImportOutput,
}

#[derive(Debug, clap::Args)]
pub struct ImportTerraformArgs {
    /// `terraform show -json PLANFILE > plan.json` (or `terraform show -json` of the state).
    pub plan: PathBuf,
    /// Address of the aws_ec2_client_vpn_endpoint to import when the plan has several.
    #[arg(long, value_name = "ADDRESS")]
    pub endpoint: Option<String>,
    /// Output of `aws ec2 describe-subnets`, for subnets the plan only refers to by id.
    #[arg(long, value_name = "FILE")]
    pub subnets: Option<PathBuf>,
    /// Output of `aws ec2 describe-vpcs`, for a VPC the plan only refers to by id.
    #[arg(long, value_name = "FILE")]
    pub vpcs: Option<PathBuf>,
    #[command(flatten)]
    pub output: ImportOutput,
}

#[derive(Debug, clap::Args)]
pub struct ImportOutput {
    /// Scenario file to write (`-` for standard output); default `<name>.toml`.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Scenario name (default: the endpoint's id or address).
    #[arg(long)]
    pub name: Option<String>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Also write the findings as SARIF 2.1.0: each at its line of the input (the plan), and
    /// each problem of the written scenario at its line there.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario files (TOML or JSON).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print only errors and the final tally.
    #[arg(short, long)]
    pub quiet: bool,
    /// Run even when the scenario's estimated events, sample rows, memory or output exceed the
    /// budgets ([limits] max_events, max_sample_rows, max_memory_mb, max_output_mb).
    #[arg(long)]
    pub allow_large: bool,
    /// Output on standard output: text, JSON (docs/json-output.md) or SARIF 2.1.0.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Also write the diagnostics as SARIF 2.1.0 to this file.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Replace the --sarif file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// How a command prints its result (docs/json-output.md describes the JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// How `validate` and `check` print their result: also SARIF 2.1.0, for code scanning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Peak concurrent connections to support.
    #[arg(long, value_name = "PEAK")]
    pub connections: u64,
    /// Keep the peak within the limit with any one Availability Zone lost.
    #[arg(long)]
    pub survive_az_loss: bool,
    /// Share of the client addresses and of the connection limit kept free at the peak, in
    /// percent (0 applies the guide's rules alone).
    #[arg(long, value_name = "PERCENT", default_value_t = 20.0)]
    pub margin: f64,
    /// The client connect handler's latency, written as a scenario writes it (`300ms`,
    /// `{ lognormal = { median = "300ms", p99 = "2s" } }`): size its concurrency for the reset
    /// storm of the peak. With --from, the scenario's handler latency is the default.
    #[arg(long, value_name = "DIST")]
    pub handler_latency: Option<String>,
    /// The storm's target: 99 % of the peak's users connected again within this of the reset
    /// (default: their own delay before trying again and the handler's latency, plus a minute).
    #[arg(long, value_name = "DURATION")]
    pub reconnect_p99: Option<String>,
    /// Confirm the plan by simulating this scenario with the planned client CIDR and
    /// associations, then again with each Availability Zone lost at the peak.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Print the plan as JSON (the same as `--format json`).
    #[arg(long)]
    pub json: bool,
    /// Run even when the scenario's estimated events, sample rows, memory or output exceed the
    /// budgets ([limits] max_events, max_sample_rows, max_memory_mb, max_output_mb).
    #[arg(long)]
    pub allow_large: bool,
    /// Output on standard output.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ReachArgs {
    /// Scenario file (TOML or JSON).
    pub file: PathBuf,
    /// A population name, or a group identifier the scenario mentions.
    #[arg(long, value_name = "POPULATION|GROUP")]
    pub from: Option<String>,
    /// One destination address, optionally with a port (`10.0.1.5:443`, `10.0.1.5:udp/53`):
    /// print the decision path hop by hop instead of whole networks.
    #[arg(long, value_name = "ADDRESS[:PORT]")]
    pub to: Option<String>,
    /// Only this landing subnet (a subnet id of an association).
    #[arg(long, value_name = "SUBNET")]
    pub landing: Option<String>,
    /// The route tables in force at this time of the scenario (e.g. `1d 12:00`): subnets
    /// disassociated by then, and their routes, are gone. Default: every association.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// With --from and --to, also write a picture of the VPC data plane (SVG) with the path
    /// from the first landing subnet and the hop where it drops.
    #[arg(long, value_name = "FILE.svg", requires_all = ["from", "to"])]
    pub topology: Option<std::path::PathBuf>,
    /// Print the matrix as CSV.
    #[arg(long, conflicts_with = "to")]
    pub csv: bool,
    /// Exit 1 when a population cannot reach some address of a network it needs.
    #[arg(long)]
    pub check: bool,
    /// Output on standard output.
    #[arg(long, value_enum, default_value = "text", conflicts_with = "csv")]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The configuration before the change.
    pub old: PathBuf,
    /// The configuration after the change.
    pub new: PathBuf,
    /// Output on standard output.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
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
    /// Run even when the scenario's estimated events, sample rows, memory or output exceed the
    /// budgets ([limits] max_events, max_sample_rows, max_memory_mb, max_output_mb).
    #[arg(long)]
    pub allow_large: bool,
    /// Output on standard output: the summary as text or JSON.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
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
pub struct CalibrateArgs {
    /// Connection-log entries: JSON lines as in the guide, a CloudWatch Logs export
    /// (`aws logs filter-log-events` / `get-log-events` JSON, or `TIMESTAMP {json}` lines),
    /// or `aws ec2 describe-client-vpn-connections` output.
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// Folder for population.toml, report.md, arrivals.png and sessions.png (and
    /// scenario.toml with --base).
    #[arg(short, long, value_name = "DIR", default_value = "calibration")]
    pub out_dir: PathBuf,
    /// A scenario whose populations are replaced by the fitted one, written as scenario.toml.
    #[arg(long, value_name = "SCENARIO")]
    pub base: Option<PathBuf>,
    /// Name of the fitted population.
    #[arg(long, default_value = "calibrated")]
    pub name: String,
    /// The users' offset from UTC (the logs' clock), e.g. `+02:00` or `-05:00`.
    #[arg(
        long,
        value_name = "OFFSET",
        default_value = "+00:00",
        allow_hyphen_values = true
    )]
    pub utc_offset: String,
    /// Attempts of one user closer than this are one work session (retries, reconnects).
    #[arg(long, value_name = "DURATION", default_value = "30m")]
    pub chain_gap: String,
    /// Arrival model: `auto` chooses by the criterion in the report.
    #[arg(long, value_enum, default_value = "auto")]
    pub model: CalibrateModel,
    /// Replace output files that exist.
    #[arg(long)]
    pub force: bool,
}

/// The arrival model calibrate fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CalibrateModel {
    /// Workday when users are identified and each starts at most once a day, else Poisson.
    Auto,
    /// Open Poisson arrivals with a rate for each hour of the week.
    Poisson,
    /// A closed population of identified users with a workday start and length.
    Workday,
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
    /// Run even when the scenario's estimated events, sample rows, memory or output exceed the
    /// budgets ([limits] max_events, max_sample_rows, max_memory_mb, max_output_mb).
    #[arg(long)]
    pub allow_large: bool,
    /// Do not write charts/ (report.html still embeds its figures).
    #[arg(long)]
    pub no_charts: bool,
    /// Do not write report.html.
    #[arg(long)]
    pub no_report: bool,
    /// Write only summary.json: no time series, metrics, reachability, charts, report or
    /// connection log.
    #[arg(long, conflicts_with_all = ["no_charts", "no_report", "connection_log"])]
    pub summary_only: bool,
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
    /// Replace the --junit file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Run even when the scenario's estimated events, sample rows, memory or output exceed the
    /// budgets ([limits] max_events, max_sample_rows, max_memory_mb, max_output_mb).
    #[arg(long)]
    pub allow_large: bool,
    /// Also write the outcome as SARIF 2.1.0 (GitHub code scanning) to this file.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Output on standard output: text, JSON (docs/json-output.md) or SARIF 2.1.0.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}
