//! Who is asking: a population (its groups and LAN) or a bare group identifier, as the network
//! layer sees it.

use ipnet::Ipv4Net;

use super::auth::Groups;
use crate::model::{Grant, PopId, Scenario};

/// Where a [`Client`] comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientSource {
    Population(PopId),
    /// A group identifier named directly, with no LAN.
    Group(String),
}

/// A client as the network layer sees it: its effective groups and its LAN range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub name: String,
    pub source: ClientSource,
    pub groups: Groups,
    pub lan: Option<Ipv4Net>,
    /// The endpoint uses mutual authentication only, so the client presents no groups (guide:
    /// "Restrict access based on user groups").
    pub groups_unavailable: bool,
}

impl Client {
    /// A user of population `p`.
    pub fn population(s: &Scenario, p: PopId) -> Client {
        let pop = &s.populations[p.index()];
        let (groups, groups_unavailable) = effective_groups(s, &pop.groups);
        Client {
            name: pop.name.clone(),
            source: ClientSource::Population(p),
            groups,
            lan: pop.lan_cidr,
            groups_unavailable,
        }
    }

    /// A user whose only group is `group`, on a LAN of no concern.
    pub fn group(s: &Scenario, group: &str) -> Client {
        let (groups, groups_unavailable) = effective_groups(s, &[group.to_string()]);
        Client {
            name: group.to_string(),
            source: ClientSource::Group(group.to_string()),
            groups,
            lan: None,
            groups_unavailable,
        }
    }

    /// Resolves `name` as a population name, else as a group identifier that the scenario
    /// mentions (in a rule or a population). `None` when it is neither.
    pub fn resolve(s: &Scenario, name: &str) -> Option<Client> {
        if let Some(i) = s.populations.iter().position(|p| p.name == name) {
            return Some(Client::population(s, PopId(i as u32)));
        }
        known_groups(s)
            .iter()
            .any(|g| g == name)
            .then(|| Client::group(s, name))
    }
}

/// Every group identifier the scenario mentions, sorted and without duplicates.
pub fn known_groups(s: &Scenario) -> Vec<String> {
    let from_rules = s.authorization_rules.iter().filter_map(|r| match &r.grant {
        Grant::Group(g) => Some(g.clone()),
        Grant::AllGroups => None,
    });
    let from_pops = s.populations.iter().flat_map(|p| p.groups.iter().cloned());
    let mut all: Vec<String> = from_rules.chain(from_pops).collect();
    all.sort();
    all.dedup();
    all
}

fn effective_groups(s: &Scenario, groups: &[String]) -> (Groups, bool) {
    if s.endpoint.authentication.user().is_none() {
        (Groups::none(), !groups.is_empty())
    } else {
        (Groups::new(groups, s.limits.groups_per_user), false)
    }
}
