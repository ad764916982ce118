//! cvpnsim: a deterministic discrete-event capacity-and-failure simulator for AWS Client VPN
//! endpoints.
//!
//! Layers, from the outside in (see ARCHITECTURE.md):
//! - [`scenario`]: reads a scenario file (TOML or JSON) and checks it into a [`model::Scenario`];
//! - [`model`]: the checked scenario, where invalid states cannot be represented;
//! - [`dist`]: distributions and their portable sampling;
//! - [`sim`]: the discrete-event engine that plays a scenario out;
//! - [`net`]: reachability: route tables, authorization, explained verdicts;
//! - [`report`]: results rendered into files (charts included);
//! - [`plan`], [`sweep`], [`check`]: capacity planning, what-if grids, regression checks;
//! - [`cost`]: what a run costs by the published prices;
//! - [`import`]: scenarios from AWS CLI output and Terraform plans, populations from connection
//!   logs;
//! - [`app`] and [`cli`]: the command line (arguments, dispatch, exit codes).

pub mod app;
pub mod calendar;
pub mod check;
pub mod cli;
pub mod cost;
pub mod dist;
pub mod findings;
pub mod import;
pub mod markup;
pub mod model;
pub mod net;
pub mod output;
pub mod plan;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod source;
pub mod sweep;
pub mod timefmt;
