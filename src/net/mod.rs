//! Static network semantics of an endpoint (docs/model.md §8): which clients can reach which addresses
//! from which landing subnet, and why.
//!
//! - [`addr`]: exact address sets and the elementary intervals a verdict is computed on;
//! - [`route`]: the route table of each live association (a pure function of the scenario and
//!   the live set, so the engine can rebuild it after events);
//! - [`auth`]: authorization rules, longest prefix first and `0.0.0.0/0` last;
//! - [`client`]: a population or a group as the network layer sees it;
//! - [`eval`]: the decision path of a packet and the exact verdict for a network;
//! - [`verdict`]: outcomes (docs/model.md §8's reasons) and what decided them;
//! - [`matrix`]: population × needed network × association, and gaps weighted by client-time;
//! - [`trace`]: the decision path printed like a traceroute;
//! - [`diff`]: differential reachability between two versions of a configuration.
//!
//! Nothing here does I/O or reads the clock; every output is ordered by scenario indices.

pub mod addr;
pub mod auth;
pub mod client;
pub mod dataplane;
pub mod diff;
pub mod eval;
pub mod matrix;
pub mod route;
pub mod trace;
pub mod verdict;

pub use addr::AddrSet;
pub use client::Client;
pub use diff::{diff, Diff};
pub use eval::{Evaluator, Trace};
pub use matrix::{weighted_gaps, Cell, Matrix, Target, WeightedGap, DNS_TARGET};
pub use route::RouteTables;
pub use verdict::{vocabulary, Cite, NetVerdict, Outcome, Status};
