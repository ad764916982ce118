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
    /// Size an endpoint for a peak: client CIDR and number of associations, by the guide's rules.
    Plan(PlanArgs),
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
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}
