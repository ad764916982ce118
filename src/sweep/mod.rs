//! What-if sweeps: grids of variants over a scenario.

pub mod grid;
