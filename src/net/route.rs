//! The endpoint's route tables, one per live association (guide: "AWS Client VPN routes").
//!
//! [`RouteTables::build`] is a pure function of the scenario and the set of live associations,
//! so the engine can rebuild the tables after a disassociation or an outage:
//! - each live association gets its VPC's CIDR block(s) as automatic routes;
//! - each manual route lands in the table of the association it targets, and only if that
//!   association is live (disassociating a subnet removes the routes that target it);
//! - `local` routes (client-to-client) belong to no association and apply on every landing.
//!
//! Lookups are longest-prefix matches; among routes of the same prefix the first one declared
//! wins (automatic routes come before manual ones).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::addr::CoverIndex;
use crate::model::{AssocId, EventKind, Millis, RouteTarget, Scenario, VpcId};

/// Where a route in a table comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RouteOrigin {
    /// Added when the association was made: the `block`-th CIDR block of its VPC.
    Automatic { vpc: VpcId, block: usize },
    /// The route at this index of [`Scenario::routes`].
    Manual(usize),
}

/// One route of a table: its destination, its target and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableRoute {
    pub destination: Ipv4Net,
    pub target: RouteTarget,
    pub origin: RouteOrigin,
}

/// Routes with an index for longest-prefix lookups.
#[derive(Debug, Clone, PartialEq, Default)]
struct Table {
    routes: Vec<TableRoute>,
    index: CoverIndex,
}

impl Table {
    fn new(routes: Vec<TableRoute>) -> Table {
        let blocks: Vec<Ipv4Net> = routes.iter().map(|r| r.destination).collect();
        Table {
            index: CoverIndex::new(&blocks),
            routes,
        }
    }

    /// The route with the longest prefix containing `x`; the first one wins a tie.
    fn lookup(&self, x: Ipv4Addr) -> Option<&TableRoute> {
        let first = self.index.covering(x).first()?;
        self.routes.get(*first as usize)
    }
}

/// The route tables of an endpoint for one set of live associations.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteTables {
    /// Indexed by association; `None` when the association is not live.
    per_association: Vec<Option<Table>>,
    local: Table,
    /// Every route of every live association, in association order.
    associations: Table,
    /// The whole endpoint table: what split tunnel pushes.
    endpoint: Table,
}

impl RouteTables {
    /// Tables for the associations whose entry in `live` is true (missing entries count as not
    /// live).
    pub fn build(scenario: &Scenario, live: &[bool]) -> RouteTables {
        let is_live = |a: usize| live.get(a).copied().unwrap_or(false);
        let mut per_association: Vec<Option<Vec<TableRoute>>> = (0..scenario.associations.len())
            .map(|a| is_live(a).then(|| automatic_routes(scenario, AssocId(a as u32))))
            .collect();
        let mut local = Vec::new();
        for (i, route) in scenario.routes.iter().enumerate() {
            let entry = TableRoute {
                destination: route.destination,
                target: route.target,
                origin: RouteOrigin::Manual(i),
            };
            match route.target {
                RouteTarget::Local => local.push(entry),
                RouteTarget::Association(a) => {
                    if let Some(Some(table)) = per_association.get_mut(a.index()) {
                        table.push(entry);
                    }
                }
            }
        }
        let associations: Vec<TableRoute> = per_association
            .iter()
            .flatten()
            .flatten()
            .copied()
            .collect();
        let endpoint: Vec<TableRoute> = associations.iter().chain(local.iter()).copied().collect();
        RouteTables {
            per_association: per_association
                .into_iter()
                .map(|t| t.map(Table::new))
                .collect(),
            local: Table::new(local),
            associations: Table::new(associations),
            endpoint: Table::new(endpoint),
        }
    }

    /// Tables with every association live.
    pub fn all_live(scenario: &Scenario) -> RouteTables {
        RouteTables::build(scenario, &vec![true; scenario.associations.len()])
    }

    /// The tables in force at `at` (ms from the start): every association, less those the
    /// scenario's events have disassociated by then (an event at `at` counts). Disassociating a
    /// target network deletes its routes (guide: "Disassociate a target network from an AWS
    /// Client VPN endpoint"); an Availability Zone outage does not change the route table.
    pub fn at(scenario: &Scenario, at: Millis) -> RouteTables {
        RouteTables::build(scenario, &live_at(scenario, at))
    }

    pub fn is_live(&self, a: AssocId) -> bool {
        matches!(self.per_association.get(a.index()), Some(Some(_)))
    }

    /// Live associations in index order.
    pub fn live(&self) -> impl Iterator<Item = AssocId> + '_ {
        self.per_association
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is_some())
            .map(|(i, _)| AssocId(i as u32))
    }

    /// Routes that target association `a` (empty when it is not live).
    pub fn routes(&self, a: AssocId) -> &[TableRoute] {
        match self.per_association.get(a.index()) {
            Some(Some(t)) => &t.routes,
            _ => &[],
        }
    }

    /// Routes that target `local` (client-to-client).
    pub fn local(&self) -> &[TableRoute] {
        &self.local.routes
    }

    /// Every route in the endpoint's table: what split-tunnel pushes to the client.
    pub fn endpoint_routes(&self) -> impl Iterator<Item = &TableRoute> {
        self.endpoint.routes.iter()
    }

    /// The longest-prefix route to `x` among the routes targeting association `a`.
    pub fn lookup(&self, a: AssocId, x: Ipv4Addr) -> Option<&TableRoute> {
        match self.per_association.get(a.index()) {
            Some(Some(t)) => t.lookup(x),
            _ => None,
        }
    }

    /// The longest-prefix `local` route to `x`.
    pub fn lookup_local(&self, x: Ipv4Addr) -> Option<&TableRoute> {
        self.local.lookup(x)
    }

    /// The longest-prefix route to `x` in the whole endpoint table (as pushed to a split-tunnel
    /// client).
    pub fn lookup_pushed(&self, x: Ipv4Addr) -> Option<&TableRoute> {
        self.endpoint.lookup(x)
    }

    /// The longest-prefix route to `x` among the routes that target any association (not
    /// `local`).
    pub fn lookup_other_associations(&self, x: Ipv4Addr) -> Option<&TableRoute> {
        self.associations.lookup(x)
    }

    /// The destinations of association `a`'s routes, to compare associations with each other.
    pub fn destinations(&self, a: AssocId) -> BTreeSet<Ipv4Net> {
        self.routes(a).iter().map(|r| r.destination).collect()
    }

    /// Every destination in any table, for cutting address space into elementary intervals.
    pub fn all_destinations(&self) -> Vec<Ipv4Net> {
        self.endpoint_routes().map(|r| r.destination).collect()
    }
}

/// Which associations are live at `at`: those associated at the start, plus those associated by
/// an event at or before it, less those disassociated by one (guide: "Disassociate a target
/// network": its routes go with it).
pub fn live_at(scenario: &Scenario, at: Millis) -> Vec<bool> {
    let mut live = scenario.associated_at_start();
    for e in scenario.events.iter().filter(|e| e.at <= at) {
        let (association, now_live) = match e.kind {
            EventKind::Disassociate { association } => (association, false),
            EventKind::Associate { association } => (association, true),
            _ => continue,
        };
        if let Some(l) = live.get_mut(association.index()) {
            *l = now_live;
        }
    }
    live
}

fn automatic_routes(scenario: &Scenario, a: AssocId) -> Vec<TableRoute> {
    let subnet = scenario.subnet_of(a);
    let vpc = &scenario.vpcs[subnet.vpc.index()];
    vpc.cidr_blocks
        .iter()
        .enumerate()
        .map(|(block, &destination)| TableRoute {
            destination,
            target: RouteTarget::Association(a),
            origin: RouteOrigin::Automatic {
                vpc: subnet.vpc,
                block,
            },
        })
        .collect()
}
