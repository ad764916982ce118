//! Studies: several simulations of one scenario and of its variants. `sweep`'s grid
//! ([`sweep`]), `plan`'s confirmation of a plan by simulation ([`confirm`]), `check`'s replicas
//! and zone losses ([`observe`]).
//!
//! A study never changes a checked [`Scenario`]: a variant is an edit of the scenario's [`Node`]
//! tree ([`grid`]), as if a person had edited the file, checked by the same loader
//! ([`Base::variant`]), then simulated with [`crate::sim::simulate`]. Runs go to rayon and come
//! back in job order, so no result depends on the number of threads.

pub mod charts;
pub mod confirm;
pub mod grid;
pub mod observe;
pub mod run;
pub mod stats;
pub mod sweep;
pub mod table;

use std::fmt;
use std::path::Path;

use crate::model::{AssocId, Scenario};
use crate::scenario::{self, LoadError, Loaded};
use crate::source::diag::{Diagnostic, Source};
use crate::source::tree::Node;
use grid::GridError;

/// The scenario a study starts from: its tree (what edits change), where it came from, and the
/// scenario checked from the unedited tree.
#[derive(Debug, Clone)]
pub struct Base {
    pub tree: Node,
    pub loaded: Loaded,
}

/// Why a variant could not be made.
#[derive(Debug)]
pub enum VariantError {
    /// The edit does not fit the tree (an unknown element, a value of the wrong kind).
    Edit(GridError),
    /// The edited tree breaks the scenario's rules.
    Invalid(LoadError),
}

impl fmt::Display for VariantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VariantError::Edit(e) => e.fmt(f),
            VariantError::Invalid(e) => e.fmt(f),
        }
    }
}

/// Why a study could not run: a message for the user, or a variant over the resource budget
/// (its diagnostics, located in its source, for the caller to print).
#[derive(Debug)]
pub enum StudyError {
    Message(String),
    OverBudget {
        source: Source,
        diagnostics: Vec<Diagnostic>,
    },
}

impl From<String> for StudyError {
    fn from(m: String) -> StudyError {
        StudyError::Message(m)
    }
}

impl fmt::Display for StudyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StudyError::Message(m) => f.write_str(m),
            StudyError::OverBudget {
                source,
                diagnostics,
            } => write!(
                f,
                "{}: over budget ({}): nothing was simulated",
                source.name,
                crate::source::diag::tally(diagnostics)
            ),
        }
    }
}

impl Base {
    /// Reads a scenario file (and the files it includes) and checks it.
    pub fn read(path: &Path) -> Result<Base, LoadError> {
        let (tree, source) = scenario::read_tree(path)?;
        let loaded = scenario::load_tree(&tree, source)?;
        Ok(Base { tree, loaded })
    }

    /// A base from a tree already read (`source` is the text it was parsed from).
    pub fn from_tree(tree: Node, source: Source) -> Result<Base, LoadError> {
        let loaded = scenario::load_tree(&tree, source)?;
        Ok(Base { tree, loaded })
    }

    pub fn scenario(&self) -> &Scenario {
        &self.loaded.scenario
    }

    pub fn source(&self) -> &Source {
        &self.loaded.source
    }

    /// The tree edited by `edit`, checked by the loader; `name` names the variant in messages.
    pub fn variant(
        &self,
        name: String,
        edit: impl FnOnce(&mut Node) -> Result<(), GridError>,
    ) -> Result<Base, VariantError> {
        let mut tree = self.tree.clone();
        edit(&mut tree).map_err(VariantError::Edit)?;
        let source = Source {
            name,
            ..self.loaded.source.clone()
        };
        Base::from_tree(tree, source).map_err(VariantError::Invalid)
    }
}

/// A checked scenario within its resource budgets ([`scenario::budget`]; `connection_log`: the
/// run writes one), unless `allow_large`.
pub fn within_budget(
    source: &Source,
    sc: &Scenario,
    connection_log: bool,
    allow_large: bool,
) -> Result<(), StudyError> {
    if allow_large {
        return Ok(());
    }
    let mut over = scenario::budget::check(sc, connection_log);
    if over.is_empty() {
        return Ok(());
    }
    scenario::budget::locate(&mut over, source);
    Err(StudyError::OverBudget {
        source: source.clone(),
        diagnostics: over,
    })
}

/// The Availability Zones of the scenario's associations, in association order.
pub fn zones(sc: &Scenario) -> Vec<String> {
    let mut zones: Vec<String> = Vec::new();
    for a in 0..sc.associations.len() {
        let z = &sc.subnet_of(AssocId(a as u32)).availability_zone;
        if !zones.contains(z) {
            zones.push(z.clone());
        }
    }
    zones
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EventKind;

    const BASE: &str = include_str!("../../scenarios/two-az-workday.toml");

    fn base() -> Base {
        let tree = crate::scenario::parse_tree("two-az-workday.toml", BASE).unwrap();
        Base::from_tree(tree, Source::new("two-az-workday.toml", BASE)).unwrap()
    }

    #[test]
    fn a_lost_zone_is_an_outage_event_checked_by_the_loader() {
        let b = base();
        assert_eq!(zones(b.scenario()), vec!["us-east-1a", "us-east-1b"]);
        let at = 26 * crate::model::HOUR + 123;
        let v = b
            .variant("lost".into(), |t| {
                grid::lose_zone(t, "us-east-1b", at, "us-east-1b lost")
            })
            .unwrap();
        let events = &v.scenario().events;
        assert_eq!(events.len(), b.scenario().events.len() + 1);
        // Ties keep file order, so the appended event is the last one at its time.
        let e = events.iter().rev().find(|e| e.at == at).unwrap();
        assert_eq!(e.description.as_deref(), Some("us-east-1b lost"));
        match &e.kind {
            EventKind::AzOutage {
                availability_zone,
                associations,
                duration,
            } => {
                assert_eq!(availability_zone, "us-east-1b");
                assert_eq!(associations, &vec![AssocId(1)]);
                assert_eq!(*duration, None);
            }
            k => panic!("{k:?}"),
        }
        assert_eq!(v.source().name, "lost");
    }

    #[test]
    fn a_zone_the_scenario_does_not_have_is_refused_by_the_loader() {
        let e = base()
            .variant("lost".into(), |t| grid::lose_zone(t, "us-east-1z", 0, "x"))
            .unwrap_err();
        match e {
            VariantError::Invalid(e) => assert!(e
                .diagnostics()
                .iter()
                .any(|d| d.rule == "unknown-reference")),
            e => panic!("{e}"),
        }
    }

    #[test]
    fn waits_set_through_the_tree_reach_the_checked_scenario() {
        let b = base();
        let waits = [
            crate::model::MINUTE,
            5 * crate::model::MINUTE + 250,
            crate::model::HOUR,
        ];
        let v = b
            .variant("waits".into(), |t| grid::outcome_thresholds(t, &waits))
            .unwrap();
        assert_eq!(v.scenario().output.outcome_thresholds, waits);
        // Out of order, the loader refuses them as it would in a file.
        let e = b
            .variant("waits".into(), |t| {
                grid::outcome_thresholds(t, &[waits[1], waits[0]])
            })
            .unwrap_err();
        assert!(e.to_string().contains("outcome-thresholds"), "{e}");
    }
}
