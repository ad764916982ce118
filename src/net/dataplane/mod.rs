//! The VPC data plane past the endpoint (guide troubleshooting: "Clients can't access a peered
//! VPC, Amazon S3, or the internet"): the second stage of a verdict, after the endpoint-side
//! decision. Skipped when the scenario declares no route table.
//!
//! - [`graph`]: the topology as a `petgraph` graph;
//! - [`forward`]: the hop-by-hop walk there and back;
//! - [`acl`]: stateless network ACLs;
//! - [`sg`]: stateful security groups at the destination;
//! - [`bandwidth`]: max-min fair rates over the capacitated links of the paths;
//! - [`render`]: the walk as traceroute lines and the cites' labels;
//! - [`picture`]: the topology as SVG with a walk's hops and its drop highlighted.

pub mod acl;
pub mod bandwidth;
pub mod forward;
pub mod graph;
pub mod picture;
pub mod render;
pub mod sg;

pub use forward::{DpCite, Forwarder, Step, Walk};
