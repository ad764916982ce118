//! Differential reachability between two versions of a configuration: which (population,
//! network, landing association) verdicts changed, how, and whether anything that was reachable
//! no longer is.
//!
//! Cells are matched by name (population name, network name, landing subnet id), so
//! renumbering or reordering the file does not show as a change. A verdict changes when some
//! address of the network gets a different outcome; a change of the deciding rule alone (same
//! outcome for every address) is not a change. A regression is an address of the network, in
//! both versions, that was not lost before and is lost now.

use std::collections::BTreeMap;

use super::addr::AddrSet;
use super::matrix::{Cell, Matrix};
use super::verdict::{cite_labels, NetVerdict, Outcome, Status};
use crate::model::Scenario;

/// A matrix cell's identity across versions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey {
    pub population: String,
    pub network: String,
    /// The landing subnet's id.
    pub association: String,
}

/// One version's verdict, detached from its scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub status: Status,
    pub reason: Outcome,
    pub decided_by: String,
    pub failing: AddrSet,
    pub addrs: AddrSet,
    by_outcome: Vec<(Outcome, AddrSet)>,
}

impl Side {
    fn of(s: &Scenario, v: &NetVerdict) -> Side {
        Side {
            status: v.status(),
            reason: v.reason(),
            decided_by: v
                .primary()
                .map_or_else(String::new, |p| cite_labels(s, &p.cites)),
            failing: v.failing(),
            addrs: v.addrs(),
            by_outcome: v.by_outcome(),
        }
    }
}

/// A cell whose verdict differs between the versions, or that exists in only one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub key: CellKey,
    pub old: Option<Side>,
    pub new: Option<Side>,
    /// Addresses lost now that were not lost before.
    pub newly_failing: AddrSet,
    /// Addresses lost before that are not lost now.
    pub newly_reaching: AddrSet,
}

impl Change {
    /// Something reachable before is not any more.
    pub fn is_regression(&self) -> bool {
        !self.newly_failing.is_empty()
    }
}

/// Every change, in the old matrix's order, then cells that only the new version has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diff {
    pub changes: Vec<Change>,
}

impl Diff {
    pub fn regressions(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.is_regression())
    }

    pub fn has_regression(&self) -> bool {
        self.regressions().next().is_some()
    }
}

fn key(s: &Scenario, c: &Cell) -> CellKey {
    CellKey {
        population: s.populations[c.population.index()].name.clone(),
        network: c.target.name(s).to_string(),
        association: s.subnet_of(c.association).id.clone(),
    }
}

/// Compares two versions, each with its matrix.
pub fn diff(old_s: &Scenario, old: &Matrix, new_s: &Scenario, new: &Matrix) -> Diff {
    let new_index: BTreeMap<CellKey, &Cell> =
        new.cells.iter().map(|c| (key(new_s, c), c)).collect();
    let mut seen: BTreeMap<CellKey, ()> = BTreeMap::new();
    let mut changes = Vec::new();
    for cell in &old.cells {
        let k = key(old_s, cell);
        let before = Side::of(old_s, &cell.verdict);
        seen.insert(k.clone(), ());
        match new_index.get(&k) {
            None => changes.push(Change {
                key: k,
                old: Some(before),
                new: None,
                newly_failing: AddrSet::empty(),
                newly_reaching: AddrSet::empty(),
            }),
            Some(other) => {
                let after = Side::of(new_s, &other.verdict);
                if before.by_outcome != after.by_outcome {
                    let newly_failing = after
                        .failing
                        .intersection(&before.addrs)
                        .difference(&before.failing);
                    let newly_reaching = before
                        .failing
                        .intersection(&after.addrs)
                        .difference(&after.failing);
                    changes.push(Change {
                        key: k,
                        old: Some(before),
                        new: Some(after),
                        newly_failing,
                        newly_reaching,
                    });
                }
            }
        }
    }
    for cell in &new.cells {
        let k = key(new_s, cell);
        if !seen.contains_key(&k) {
            changes.push(Change {
                key: k,
                old: None,
                new: Some(Side::of(new_s, &cell.verdict)),
                newly_failing: AddrSet::empty(),
                newly_reaching: AddrSet::empty(),
            });
        }
    }
    Diff { changes }
}
