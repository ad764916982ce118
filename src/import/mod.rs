//! Real inputs: scenarios imported from existing configurations, and populations calibrated
//! from real connection logs.
//!
//! - [`aws`]: the JSON the AWS CLI prints for the `describe-client-vpn-*` calls (and
//!   `describe-subnets`, `describe-vpcs`, and for the data plane past the endpoint
//!   `describe-route-tables`, `describe-network-acls`, `describe-security-groups`, …);
//! - [`terraform`]: `terraform show -json` of a plan (or of the state), the data plane's
//!   resources included;
//! - [`calibrate`]: connection-log entries → a fitted population and a fit report.
//!
//! Importers read into a [`draft::Config`] where every value remembers its input file and JSON
//! path, then write a scenario and run it through the normal loader, so an imported scenario is
//! checked by exactly the rules a hand-written one is, and each problem is traced back to the
//! input field that caused it. Nothing here touches the file system: the application layer
//! reads the inputs and writes the outputs.

pub mod aws;
pub mod calibrate;
pub mod draft;
pub mod json;
pub mod logs;
pub mod terraform;

pub use draft::Imported;
pub use json::{Finding, Level, Origin};
