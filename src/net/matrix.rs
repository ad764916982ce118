//! The static reachability matrix (population × needed network × landing association) and the
//! gaps weighted by simulated client-time (docs/model.md §8: "its weight is the simulated client-time
//! spent on the failing associations").
//!
//! Besides the networks a population needs, every population needs the endpoint's DNS servers
//! (the target [`Target::DnsServers`], written `dns-servers`) when the endpoint has any.

use super::addr::AddrSet;
use super::client::Client;
use super::eval::{network_addrs, Evaluator};
use super::route::RouteTables;
use super::verdict::{NetVerdict, Outcome};
use crate::model::{AssocId, Millis, NetworkId, PopId, Scenario};

/// The name of the DNS-server target in every output.
pub const DNS_TARGET: &str = "dns-servers";

/// What a verdict is about: a needed network, or the endpoint's DNS servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Network(NetworkId),
    DnsServers,
}

impl Target {
    /// The network's name, or `dns-servers`.
    pub fn name(self, s: &Scenario) -> &str {
        match self {
            Target::Network(n) => &s.network(n).name,
            Target::DnsServers => DNS_TARGET,
        }
    }

    /// Every address the target stands for.
    pub fn addrs(self, s: &Scenario) -> AddrSet {
        match self {
            Target::Network(n) => network_addrs(s, n),
            Target::DnsServers => AddrSet::from_cidrs(
                &s.endpoint
                    .dns_servers
                    .iter()
                    .map(|&x| ipnet::Ipv4Net::from(x))
                    .collect::<Vec<_>>(),
            ),
        }
    }
}

/// One verdict of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub population: PopId,
    pub target: Target,
    pub association: AssocId,
    pub verdict: NetVerdict,
}

/// Every (population, needed network, live association) verdict, ordered by population, then
/// the population's list of needs (each network once), then the DNS servers (when the endpoint
/// has any), then association.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Matrix {
    pub cells: Vec<Cell>,
}

impl Matrix {
    /// The matrix for the associations live in `tables`.
    pub fn build(s: &Scenario, tables: &RouteTables) -> Matrix {
        let eval = Evaluator::new(s, tables);
        let live: Vec<AssocId> = tables.live().collect();
        let mut cells = Vec::new();
        for p in 0..s.populations.len() {
            let pop = PopId(p as u32);
            let client = Client::population(s, pop);
            let mut needs: Vec<NetworkId> = Vec::new();
            for &network in &s.populations[p].needs {
                if needs.contains(&network) {
                    continue;
                }
                needs.push(network);
                let verdicts = eval.network_from(&client, &live, network);
                for (&association, verdict) in live.iter().zip(verdicts) {
                    cells.push(Cell {
                        population: pop,
                        target: Target::Network(network),
                        association,
                        verdict,
                    });
                }
            }
            if !s.endpoint.dns_servers.is_empty() {
                let verdicts = eval.dns_from(&client, &live);
                for (&association, verdict) in live.iter().zip(verdicts) {
                    cells.push(Cell {
                        population: pop,
                        target: Target::DnsServers,
                        association,
                        verdict,
                    });
                }
            }
        }
        Matrix { cells }
    }

    /// The matrix with every association live.
    pub fn all_live(s: &Scenario) -> Matrix {
        Matrix::build(s, &RouteTables::all_live(s))
    }

    pub fn get(&self, p: PopId, t: Target, a: AssocId) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.population == p && c.target == t && c.association == a)
    }

    /// Cells where some address of the needed network is lost.
    pub fn gaps(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(|c| c.verdict.is_gap())
    }
}

/// A (population, network) pair that fails on at least one landing association, weighted by
/// the client-time the population spent on the failing associations.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedGap {
    pub population: PopId,
    pub target: Target,
    /// Associations from which some address of the network is lost.
    pub failing: Vec<AssocId>,
    /// Client-time (ms) the population spent connected on the failing associations.
    pub failing_ms: Millis,
    /// Client-time (ms) the population spent connected on any association.
    pub total_ms: Millis,
    /// The reason on the failing association that carried the most client-time (the first
    /// failing association on a tie).
    pub reason: Outcome,
    /// Addresses of the target lost from at least one failing association.
    pub lost: AddrSet,
    /// Number of addresses the target stands for.
    pub size: u64,
    /// Share of the target's addresses lost, weighted by the population's client-time on each
    /// association (each live association counts the same when the population never
    /// connected): a LAN overlapping 1/256 of a network gives 1/256 wherever clients land.
    pub address_share: f64,
}

impl WeightedGap {
    /// Share of the population's client-time that could not reach the whole network (0 when
    /// the population never connected).
    pub fn share(&self) -> f64 {
        if self.total_ms == 0 {
            0.0
        } else {
            self.failing_ms as f64 / self.total_ms as f64
        }
    }
}

/// Weights the matrix's gaps by `client_ms[population][association]`, the milliseconds each
/// population spent connected on each association. Missing entries count as zero. Gaps come in
/// matrix order, one per (population, network).
pub fn weighted_gaps(matrix: &Matrix, client_ms: &[Vec<Millis>]) -> Vec<WeightedGap> {
    let ms = |p: PopId, a: AssocId| {
        client_ms
            .get(p.index())
            .and_then(|row| row.get(a.index()))
            .copied()
            .unwrap_or(0)
    };
    let mut out: Vec<WeightedGap> = Vec::new();
    let mut seen: Vec<(PopId, Target)> = Vec::new();
    for cell in &matrix.cells {
        let key = (cell.population, cell.target);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let failing: Vec<&Cell> = matrix
            .cells
            .iter()
            .filter(|c| (c.population, c.target) == key && c.verdict.is_gap())
            .collect();
        if failing.is_empty() {
            continue;
        }
        let mut heaviest = failing[0];
        for c in &failing[1..] {
            if ms(c.population, c.association) > ms(heaviest.population, heaviest.association) {
                heaviest = c;
            }
        }
        let total_ms = client_ms
            .get(cell.population.index())
            .map_or(0, |row| row.iter().sum());
        let lost = failing
            .iter()
            .fold(AddrSet::empty(), |acc, c| acc.union(&c.verdict.failing()));
        let all: Vec<&Cell> = matrix
            .cells
            .iter()
            .filter(|c| (c.population, c.target) == key)
            .collect();
        let size = cell.verdict.addrs().len();
        let lost_of = |c: &Cell| c.verdict.failing().len() as f64 / size.max(1) as f64;
        let weight_ms: Millis = all.iter().map(|c| ms(c.population, c.association)).sum();
        let address_share = if weight_ms > 0 {
            all.iter()
                .map(|c| lost_of(c) * ms(c.population, c.association) as f64)
                .sum::<f64>()
                / weight_ms as f64
        } else {
            all.iter().map(|c| lost_of(c)).sum::<f64>() / all.len() as f64
        };
        out.push(WeightedGap {
            population: cell.population,
            target: cell.target,
            failing: failing.iter().map(|c| c.association).collect(),
            failing_ms: failing
                .iter()
                .map(|c| ms(c.population, c.association))
                .sum(),
            total_ms,
            reason: heaviest.verdict.reason(),
            lost,
            size,
            address_share,
        });
    }
    out
}
