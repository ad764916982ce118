//! The integration tests of cvpnsim, gathered into one test binary: each file beside this one is
//! a module, so the crate is linked once for all of them.

mod reach_support;
#[macro_use]
mod support;

mod action;
mod bandwidth_paths;
mod calibrate;
mod calibrate_roundtrip;
mod check;
mod cost;
mod dataplane_cli;
mod dataplane_format;
mod dataplane_properties;
mod dataplane_transit;
mod dataplane_troubleshooting;
mod digests;
mod dockerfile;
mod engine_cli;
mod engine_determinism;
mod engine_drops;
mod engine_outcomes;
mod engine_pipeline;
mod engine_props;
mod engine_queueing;
mod engine_report;
mod engine_sessions;
mod fuzz;
mod import_aws;
mod import_dataplane;
mod import_terraform;
mod import_terraform_idioms;
mod include;
mod layering;
mod output_formats;
mod pipe;
mod plots;
mod reach_cli;
mod reach_diff;
mod reach_guide_examples;
mod reach_properties;
mod reach_rules;
mod reach_troubleshooting;
mod reach_vocabulary;
mod reliability;
mod roundtrip;
mod schema;
mod shell;
mod streaming;
mod sweep;
mod validate;
