//! Outputs: each format in its own file, turning results into bytes.

pub mod chart;
pub mod files;
pub mod reachability;
