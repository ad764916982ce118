//! cvpnsim: a deterministic discrete-event capacity-and-failure simulator for AWS Client VPN
//! endpoints.
//!
//! Layers, from the outside in (see ARCHITECTURE.md):
//! - [`scenario`]: reads a scenario file (TOML or JSON) and checks it into a [`model::Scenario`];
//! - [`model`]: the checked scenario, where invalid states cannot be represented;
//! - [`dist`]: distributions and their portable sampling;
//! - [`import`]: scenarios from AWS CLI output and Terraform plans, populations from connection
//!   logs;
//! - [`app`] and [`cli`]: the command line (arguments, dispatch, exit codes).

pub mod app;
pub mod cli;
pub mod dist;
pub mod import;
pub mod model;
pub mod scenario;
