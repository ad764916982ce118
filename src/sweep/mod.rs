//! What-if sweeps: grids of variants over a scenario.

pub mod charts;
pub mod grid;
pub mod run;
pub mod stats;
pub mod table;
