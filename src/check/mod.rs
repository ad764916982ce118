//! Configuration regression checks: expectations a CI job gates on.

pub mod expect;
pub mod verdict;
