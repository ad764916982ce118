//! `summary.json` (docs/model.md §10): the engine's summary with the scenario's fingerprint, the seed,
//! the event marks and the reachability gaps weighted by client time.

use serde::Serialize;

use crate::cost::{self, Cost};
use crate::findings::{self, Finding, Fix};
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
    /// The one-line verdict over the findings ([`crate::findings::verdict`]).
    verdict: String,
    /// The findings, most severe first, as the report and the terminal list them.
    findings: Vec<FindingJson>,
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

/// One finding: how bad, what, the figure measured, and the change that fixes it (in words and,
/// where it is one setting, as that setting).
#[derive(Serialize)]
struct FindingJson {
    severity: &'static str,
    title: String,
    measured: String,
    fix: String,
    change: serde_json::Value,
}

impl FindingJson {
    fn of(f: Finding) -> FindingJson {
        use serde_json::json;
        let change = match &f.fix {
            Fix::ClientPrefix(p) => json!({ "client_cidr_prefix": p }),
            Fix::SplitEndpoint => json!({ "split_endpoint": true }),
            Fix::Associations(n) => json!({ "associations": n }),
            Fix::QuotaIncrease => json!({ "quota_increase": true }),
            Fix::HandlerConcurrency(c) => json!({ "handler_concurrency": c }),
            Fix::AssociationThroughput(t) => json!({ "association_throughput_mbps": t }),
            Fix::LinkCapacity {
                section,
                id,
                field,
                mbps,
            } => {
                json!({ "link_capacity": { "section": section, "id": id, "field": field, "mbps": mbps } })
            }
            Fix::AuthorizationRule { cidrs, group } => {
                json!({ "authorization_rule": { "cidrs": cidrs, "access_group_id": group } })
            }
            Fix::Routes { cidrs, subnets } => {
                json!({ "routes": { "cidrs": cidrs, "subnets": subnets } })
            }
            Fix::Other => serde_json::Value::Null,
        };
        FindingJson {
            severity: match f.severity {
                findings::Severity::Critical => "critical",
                findings::Severity::Warning => "warning",
                findings::Severity::Info => "not-measured",
            },
            title: f.title,
            measured: f.measured,
            fix: f.fix_text,
            change,
        }
    }
}

impl Exporter for SummaryJson {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn render(&self, out: &RunOutput) -> Vec<u8> {
        let found = findings::findings(out.scenario, out.result, out.gaps);
        let doc = Document {
            format: FORMAT,
            scenario_hash: out.scenario_hash,
            verdict: findings::verdict(&found),
            findings: found.into_iter().map(FindingJson::of).collect(),
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
        let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}
