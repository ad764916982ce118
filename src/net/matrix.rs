//! The static reachability matrix (population × needed network × landing association) and the
//! gaps weighted by simulated client-time (DESIGN §8: "its weight is the simulated client-time
//! spent on the failing associations").

use super::client::Client;
use super::eval::Evaluator;
use super::route::RouteTables;
use super::verdict::{NetVerdict, Outcome};
use crate::model::{AssocId, Millis, NetworkId, PopId, Scenario};

/// One verdict of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub population: PopId,
    pub network: NetworkId,
    pub association: AssocId,
    pub verdict: NetVerdict,
}

/// Every (population, needed network, live association) verdict, ordered by population, then
/// the population's list of needs (each network once), then association.
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
                        network,
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

    pub fn get(&self, p: PopId, n: NetworkId, a: AssocId) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.population == p && c.network == n && c.association == a)
    }

    /// Cells where some address of the needed network is lost.
    pub fn gaps(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(|c| c.verdict.is_gap())
    }
}

/// A (population, network) pair that fails on at least one landing association, weighted by
/// the client-time the population spent on the failing associations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightedGap {
    pub population: PopId,
    pub network: NetworkId,
    /// Associations from which some address of the network is lost.
    pub failing: Vec<AssocId>,
    /// Client-time (ms) the population spent connected on the failing associations.
    pub failing_ms: Millis,
    /// Client-time (ms) the population spent connected on any association.
    pub total_ms: Millis,
    /// The reason on the failing association that carried the most client-time (the first
    /// failing association on a tie).
    pub reason: Outcome,
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
    let mut seen: Vec<(PopId, NetworkId)> = Vec::new();
    for cell in &matrix.cells {
        let key = (cell.population, cell.network);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let failing: Vec<&Cell> = matrix
            .cells
            .iter()
            .filter(|c| (c.population, c.network) == key && c.verdict.is_gap())
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
        out.push(WeightedGap {
            population: cell.population,
            network: cell.network,
            failing: failing.iter().map(|c| c.association).collect(),
            failing_ms: failing
                .iter()
                .map(|c| ms(c.population, c.association))
                .sum(),
            total_ms,
            reason: heaviest.verdict.reason(),
        });
    }
    out
}
