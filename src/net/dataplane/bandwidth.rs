//! Bandwidth on the path: connections routed over capacitated links (a Site-to-Site VPN tunnel,
//! a Direct Connect connection, a NAT gateway, an on-premises site's internet egress, and the
//! endpoint's interface in each associated subnet when the scenario gives an association
//! throughput), each demanding at most the guide's per-connection figure ("A minimum bandwidth of
//! 10 Mbps is supported per user connection", "Rules and best practices for using AWS Client
//! VPN"), shared max-min fairly over every link it crosses (progressive filling). A connection
//! allocated less than min(demand, floor) is below the floor; the link that froze it is its
//! bottleneck, and the capacity that clears the link is the sum of the floors of the connections
//! crossing it (docs/model.md §13).
//!
//! [`PathPlan`] is what the engine needs: the links and, for each (population, landing
//! association) class, the links its connections cross, found once by walking the data plane to
//! every network the population needs. [`max_min_fair`] is the reference allocation for one set
//! of connections; the engine (`sim::paths`) computes the same allocation aggregated by class.

use std::net::Ipv4Addr;

use super::forward::{Arrival, Step, Walk};
use super::graph::Node;
use crate::model::dataplane::{Connection, Gateway};
use crate::model::{AssocId, PopId, Scenario};
use crate::net::addr::non_public_ranges;
use crate::net::{AddrSet, Client, Evaluator, Outcome, RouteTables};

pub use crate::model::dataplane::{NAT_GATEWAY_MBPS, VPN_TUNNEL_MBPS};

/// A capacitated link, in Mbps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    pub node: Node,
    pub capacity_mbps: f64,
}

/// What a capacitated link of a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkKind {
    /// The endpoint's network interface in an association's subnet
    /// (`endpoint.association_throughput_mbps`, an assumption).
    Interface(AssocId),
    NatGateway(usize),
    /// The Site-to-Site VPN or Direct Connect connection of an on-premises network.
    OnPremises(usize),
    /// An on-premises site's own internet link (`internet_egress_mbps`).
    OnPremisesInternet(usize),
}

/// A link of a run with its capacity and where the figure comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct PathLink {
    pub kind: LinkKind,
    /// The id the scenario gives it (`subnet-a interface`, `nat-a`, `dc-east internet`, …).
    pub label: String,
    /// What kind of link it is, in words.
    pub what: &'static str,
    pub capacity_mbps: f64,
    /// Where the capacity comes from: the scenario's field, or the published default.
    pub source: &'static str,
}

impl PathLink {
    /// The topology node the link belongs to (for the picture).
    pub fn node(&self) -> Node {
        match self.kind {
            LinkKind::Interface(_) => Node::Endpoint,
            LinkKind::NatGateway(i) => Node::NatGateway(i),
            LinkKind::OnPremises(i) | LinkKind::OnPremisesInternet(i) => Node::OnPremises(i),
        }
    }
}

/// The capacitated links of a scenario and the links each (population, association) class
/// crosses, found once before a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PathPlan {
    pub links: Vec<PathLink>,
    /// Per class `population × associations + association`: link indices, ascending.
    pub classes: Vec<Vec<usize>>,
    /// Per class: the topology nodes of its walks that cross a capacitated link, in walk order
    /// (for the picture).
    pub paths: Vec<Vec<Node>>,
}

impl PathPlan {
    /// Whether any link is capacitated (otherwise bandwidth is not modelled).
    pub fn is_modelled(&self) -> bool {
        !self.links.is_empty()
    }

    /// The plan of scenario `s`: every association live, as the matrix sees it. A class's
    /// traffic to a network follows the walk to the network's first address in each of its
    /// blocks (and to its first public address, for the internet); networks it cannot reach
    /// carry none of its traffic. Every connection of a class crosses the union of the links of
    /// its needed networks (an assumption: its demand is what it draws through each of them).
    pub fn of(s: &Scenario) -> PathPlan {
        let links = links_of(s);
        let n = s.associations.len();
        let mut classes = vec![Vec::new(); s.populations.len() * n];
        let mut paths = vec![Vec::new(); s.populations.len() * n];
        if links.is_empty() {
            return PathPlan {
                links,
                classes,
                paths,
            };
        }
        let tables = RouteTables::all_live(s);
        let eval = Evaluator::new(s, &tables);
        let index = |k: LinkKind| links.iter().position(|l| l.kind == k);
        let public = AddrSet::from_cidrs(&non_public_ranges());
        for (p, pop) in s.populations.iter().enumerate() {
            let client = Client::population(s, PopId(p as u32));
            for a in 0..n {
                let assoc = AssocId(a as u32);
                let mut crossed: Vec<usize> = Vec::new();
                let mut nodes: Vec<Node> = Vec::new();
                crossed.extend(index(LinkKind::Interface(assoc)));
                for &net in &pop.needs {
                    let network = s.network(net);
                    let addrs = crate::net::eval::network_addrs(s, net);
                    let mut samples: Vec<Ipv4Addr> = Vec::new();
                    for b in &network.cidr_blocks {
                        let block = AddrSet::from_cidrs([b]).intersection(&addrs);
                        samples.extend(block.first());
                        samples.extend(block.difference(&public).first());
                    }
                    samples.sort();
                    samples.dedup();
                    for x in samples {
                        let trace = eval.address(&client, assoc, x);
                        if trace.outcome != Outcome::Reachable {
                            continue;
                        }
                        let Some(walk) = &trace.walk else { continue };
                        let before = crossed.len();
                        for k in kinds_on(walk, !public.contains(x)) {
                            crossed.extend(index(k));
                        }
                        if crossed.len() > before {
                            for v in super::picture::walk_nodes(walk) {
                                if !nodes.contains(&v) {
                                    nodes.push(v);
                                }
                            }
                        }
                    }
                }
                crossed.sort_unstable();
                crossed.dedup();
                classes[p * n + a] = crossed;
                paths[p * n + a] = nodes;
            }
        }
        PathPlan {
            links,
            classes,
            paths,
        }
    }
}

/// Every capacitated link of `s`, in a fixed order: interfaces, NAT gateways, on-premises
/// connections, on-premises internet links.
pub fn links_of(s: &Scenario) -> Vec<PathLink> {
    let dp = &s.data_plane;
    let mut out = Vec::new();
    if let Some(c) = s.endpoint.association_throughput_mbps {
        for (a, _) in s.associations.iter().enumerate() {
            let assoc = AssocId(a as u32);
            out.push(PathLink {
                kind: LinkKind::Interface(assoc),
                label: format!("{} interface", s.subnet_of(assoc).id),
                what: "endpoint interface",
                capacity_mbps: c,
                source: "scenario (association throughput, an assumption)",
            });
        }
    }
    if !dp.is_modelled() {
        return out;
    }
    for (i, g) in dp.nat_gateways.iter().enumerate() {
        out.push(PathLink {
            kind: LinkKind::NatGateway(i),
            label: g.id.clone(),
            what: "NAT gateway",
            capacity_mbps: g.capacity(),
            source: if g.capacity_mbps.is_some() {
                "scenario"
            } else {
                "default: a NAT gateway scales up to 100 Gbps"
            },
        });
    }
    for (i, o) in dp.on_premises.iter().enumerate() {
        if let Some(c) = o.capacity() {
            out.push(PathLink {
                kind: LinkKind::OnPremises(i),
                label: o.id.clone(),
                what: match o.connection {
                    Connection::SiteToSiteVpn => "Site-to-Site VPN tunnel",
                    Connection::DirectConnect => "Direct Connect connection",
                },
                capacity_mbps: c,
                source: if o.capacity_mbps.is_some() {
                    "scenario"
                } else {
                    "default: 1.25 Gbps per Site-to-Site VPN tunnel"
                },
            });
        }
    }
    for (i, o) in dp.on_premises.iter().enumerate() {
        if let Some(c) = o.internet_egress_mbps {
            out.push(PathLink {
                kind: LinkKind::OnPremisesInternet(i),
                label: format!("{} internet", o.id),
                what: "on-premises internet egress",
                capacity_mbps: c,
                source: "scenario",
            });
        }
    }
    out
}

/// The capacitated kinds of link a delivered walk crosses; `public` when the destination is a
/// public address (an on-premises site then carries it out over its own internet link).
pub fn kinds_on(walk: &Walk, public: bool) -> Vec<LinkKind> {
    walk.steps
        .iter()
        .flat_map(|s| match *s {
            Step::Cross(Gateway::Nat(n)) => vec![LinkKind::NatGateway(n)],
            Step::Arrive(Arrival::OnPremises(o)) if public => {
                vec![LinkKind::OnPremises(o), LinkKind::OnPremisesInternet(o)]
            }
            Step::Arrive(Arrival::OnPremises(o)) => vec![LinkKind::OnPremises(o)],
            _ => Vec::new(),
        })
        .collect()
}

/// The capacitated nodes a walk crosses, in order: NAT gateways and the on-premises network it
/// arrives at.
pub fn nodes_on(walk: &Walk) -> Vec<Node> {
    walk.steps
        .iter()
        .filter_map(|s| match *s {
            Step::Cross(Gateway::Nat(n)) => Some(Node::NatGateway(n)),
            Step::Arrive(Arrival::OnPremises(o)) => Some(Node::OnPremises(o)),
            _ => None,
        })
        .collect()
}

/// One connection: its demand (capped at the floor by the caller or not) and the links it
/// crosses (indices into the link list).
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub mbps: f64,
    pub links: Vec<usize>,
}

/// Max-min fair rates: every connection's rate grows at the same pace until its demand is met or
/// a link it crosses is full; then it is frozen. Returns each connection's rate and, for each
/// connection frozen by a full link, that link.
pub fn max_min_fair(links: &[Link], demands: &[Demand]) -> (Vec<f64>, Vec<Option<usize>>) {
    let n = demands.len();
    let mut rate = vec![0.0; n];
    let mut frozen_by: Vec<Option<usize>> = vec![None; n];
    let mut active: Vec<bool> = demands.iter().map(|d| d.mbps > 0.0).collect();
    let mut left: Vec<f64> = links.iter().map(|l| l.capacity_mbps).collect();
    const EPS: f64 = 1e-9;
    while active.iter().any(|&a| a) {
        // The largest equal increment every active connection can take.
        let mut step = f64::INFINITY;
        for (i, d) in demands.iter().enumerate() {
            if active[i] {
                step = step.min(d.mbps - rate[i]);
            }
        }
        for (l, cap) in left.iter().enumerate() {
            let users = (0..n)
                .filter(|&i| active[i] && demands[i].links.contains(&l))
                .count();
            if users > 0 {
                step = step.min(cap / users as f64);
            }
        }
        let step = step.max(0.0);
        for i in 0..n {
            if active[i] {
                rate[i] += step;
                for &l in &demands[i].links {
                    left[l] -= step;
                }
            }
        }
        for i in 0..n {
            if !active[i] {
                continue;
            }
            if let Some(&l) = demands[i].links.iter().find(|&&l| left[l] <= EPS) {
                active[i] = false;
                frozen_by[i] = Some(l);
            } else if rate[i] >= demands[i].mbps - EPS {
                active[i] = false;
            }
        }
    }
    (rate, frozen_by)
}

/// A link that holds connections below the floor: how many, and the capacity that would give
/// every connection crossing it min(demand, floor).
#[derive(Debug, Clone, PartialEq)]
pub struct Bottleneck {
    pub link: usize,
    pub below_floor: usize,
    /// How many of the connections crossing it could have the floor at its capacity.
    pub fit_at_floor: usize,
    pub clearing_capacity_mbps: f64,
}

/// The bottlenecks of an allocation, in link order.
pub fn bottlenecks(
    links: &[Link],
    demands: &[Demand],
    floor_mbps: f64,
) -> (Vec<f64>, Vec<Bottleneck>) {
    let (rate, frozen_by) = max_min_fair(links, demands);
    let mut out = Vec::new();
    for (l, link) in links.iter().enumerate() {
        let below = (0..demands.len())
            .filter(|&i| {
                frozen_by[i] == Some(l) && rate[i] < demands[i].mbps.min(floor_mbps) - 1e-9
            })
            .count();
        if below == 0 {
            continue;
        }
        let crossing: Vec<f64> = demands
            .iter()
            .filter(|d| d.links.contains(&l))
            .map(|d| d.mbps.min(floor_mbps))
            .collect();
        out.push(Bottleneck {
            link: l,
            below_floor: below,
            fit_at_floor: (link.capacity_mbps / floor_mbps).floor() as usize,
            clearing_capacity_mbps: crossing.iter().sum(),
        });
    }
    (rate, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tunnel(capacity: f64) -> Link {
        Link {
            node: Node::OnPremises(0),
            capacity_mbps: capacity,
        }
    }

    /// 300 users demanding 10 Mbps through one Site-to-Site VPN tunnel of 1.25 Gbps: max-min
    /// fair gives each 1250 / 300 = 4.1667 Mbps, all 300 are below the 10 Mbps floor, at most
    /// 125 would fit at the floor, and 3,000 Mbps clears the tunnel.
    #[test]
    fn three_hundred_users_through_one_tunnel() {
        let links = [tunnel(VPN_TUNNEL_MBPS)];
        let demands = vec![
            Demand {
                mbps: 10.0,
                links: vec![0]
            };
            300
        ];
        let (rate, b) = bottlenecks(&links, &demands, 10.0);
        for r in &rate {
            assert!((r - 1250.0 / 300.0).abs() < 1e-9, "{r}");
        }
        assert_eq!(
            b,
            vec![Bottleneck {
                link: 0,
                below_floor: 300,
                fit_at_floor: 125,
                clearing_capacity_mbps: 3000.0,
            }]
        );
        // The suggested capacity, applied, clears it: every user at the floor.
        let (rate, b) = bottlenecks(&[tunnel(3000.0)], &demands, 10.0);
        assert!(b.is_empty());
        assert!(rate.iter().all(|r| (r - 10.0).abs() < 1e-9));
    }

    /// Two links: 10 users cross a 50 Mbps link and a 1,000 Mbps one; 100 more only the
    /// 1,000 Mbps one. The first ten are frozen at 5 Mbps by the small link; the others share
    /// what is left, (1000 − 50) / 100 = 9.5 Mbps, frozen by the big one.
    #[test]
    fn each_connection_is_frozen_by_its_own_bottleneck() {
        let links = [tunnel(50.0), tunnel(1000.0)];
        let mut demands = vec![
            Demand {
                mbps: 10.0,
                links: vec![0, 1]
            };
            10
        ];
        demands.extend(vec![
            Demand {
                mbps: 10.0,
                links: vec![1]
            };
            100
        ]);
        let (rate, b) = bottlenecks(&links, &demands, 10.0);
        assert!(rate[..10].iter().all(|r| (r - 5.0).abs() < 1e-9));
        assert!(rate[10..].iter().all(|r| (r - 9.5).abs() < 1e-9));
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].link, b[0].below_floor), (0, 10));
        assert_eq!((b[1].link, b[1].below_floor), (1, 100));
        assert_eq!(b[1].clearing_capacity_mbps, 1100.0);
        // Demands below the floor that the links can carry are met exactly.
        let small = vec![
            Demand {
                mbps: 2.0,
                links: vec![0]
            };
            20
        ];
        let (rate, b) = bottlenecks(&links, &small, 10.0);
        assert!(b.is_empty());
        assert!(rate.iter().all(|r| (r - 2.0).abs() < 1e-9));
    }
}
