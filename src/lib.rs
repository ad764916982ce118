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
//! - [`plan`] and [`check`]: capacity planning by the guide's rules, expectations and verdicts;
//! - [`study`]: the multi-run studies (what-if grids, a plan confirmed by simulation, a
//!   check's replicas and zone losses), every variant an edit of the scenario's tree;
//! - [`cost`]: what a run costs by the published prices;
//! - [`import`]: scenarios from AWS CLI output and Terraform plans, connection logs read;
//! - [`calibrate`]: a population fitted to connection logs;
//! - [`timefmt`]: the one way times are written;
//! - [`app`] and [`cli`]: the command line (arguments, dispatch, exit codes).

pub mod app;
pub mod calendar;
pub mod calibrate;
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
pub mod study;
pub mod timefmt;
