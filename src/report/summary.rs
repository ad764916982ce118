//! `summary.json` (docs/model.md §10): the engine's summary with the scenario's fingerprint, the seed,
//! the event marks and the reachability gaps weighted by client time.

use serde::Serialize;

use crate::cost::{self, Cost};
use crate::model::HOUR;
use crate::report::{Exporter, RunOutput};
use crate::sim::{Mark, Summary};

pub const FILE_NAME: &str = "summary.json";

/// Version of this file's layout.
pub const FORMAT: &str = "cvpnsim-summary/1";

pub struct SummaryJson;

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    scenario_hash: &'a str,
    #[serde(flatten)]
    summary: &'a Summary,
    marks: &'a [Mark],
    reachability_gaps: Vec<Gap<'a>>,
    cost: Cost,
}

/// A (population, needed network) pair that fails on some landing association (docs/model.md §8).
#[derive(Serialize)]
struct Gap<'a> {
    population: &'a str,
    network: &'a str,
    failing_associations: Vec<&'a str>,
    reason: &'static str,
    failing_client_hours: f64,
    /// Share of the population's client time spent where the network is not fully reachable.
    share: f64,
    /// The addresses lost, as CIDR blocks.
    lost_cidrs: Vec<String>,
    lost_addresses: u64,
    /// Share of the network's addresses lost, weighted by client time per association.
    address_share: f64,
}

impl Exporter for SummaryJson {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn write_to(&self, out: &RunOutput, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let doc = Document {
            format: FORMAT,
            scenario_hash: out.scenario_hash,
            summary: &out.result.summary,
            marks: &out.result.marks,
            reachability_gaps: out
                .gaps
                .iter()
                .map(|g| Gap {
                    population: &out.scenario.populations[g.population.index()].name,
                    network: g.target.name(out.scenario),
                    failing_associations: g
                        .failing
                        .iter()
                        .map(|&a| out.scenario.subnet_of(a).id.as_str())
                        .collect(),
                    reason: g.reason.name(),
                    failing_client_hours: g.failing_ms as f64 / HOUR as f64,
                    share: g.share(),
                    lost_cidrs: g.lost.to_cidrs().iter().map(|c| c.to_string()).collect(),
                    lost_addresses: g.lost.len(),
                    address_share: g.address_share,
                })
                .collect(),
            cost: cost::of_run(out.scenario, &out.result.summary.usage),
        };
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        w.write_all(b"\n")
    }
}
