//! The decision path of one packet, from the client's routing table to the destination's
//! security group (docs/model.md §8, steps 1–5), and the exact verdict for a whole network.
//!
//! A [`Path`] records every step as data, whatever the outcome, so the same evaluation serves
//! the verdict ([`Path::outcome`]) and the traceroute-like explanation (`net::trace`).
//!
//! Modelling choices beyond the guide's words:
//! - The client's LAN route competes with the tunnel by prefix length: a private LAN keeps its
//!   addresses local unless split tunnel pushes a strictly longer route; full tunnel
//!   (`redirect-gateway def1`, two /1 routes) never beats a LAN route. A LAN outside the private
//!   ranges gets `redirect-gateway block-local`: its addresses are forced into the tunnel, and if
//!   the VPN then drops them the verdict is `lan-redirected`.
//! - Traffic to the client CIDR (client-to-client) is delivered only by a `local` route, and
//!   `local` routes deliver nothing else.
//! - The `internet` network is `0.0.0.0/0` without the special-purpose ranges
//!   ([`non_public_ranges`]), the client CIDR and every other network of the scenario: the
//!   public internet of the guide's examples, "any destination not defined by other rules".
//! - For a single address, the security group is that of the most specific declared network
//!   containing it, and it may bypass the VPN when that network is public (for the `internet`,
//!   when the address is in the public address space; an address in no network counts as the
//!   internet).
//! - Traffic that leaves through the client's own network (split tunnel without a pushed route,
//!   or kept on a private LAN) is a gap unless its network is reachable without the tunnel: the
//!   internet, or a network declared `public`. The guide says only that such traffic "is not
//!   routed over the Client VPN tunnel"; that a private network cannot be reached that way is
//!   the model's assumption.
//! - DNS servers must be reached through the tunnel: bypassing it is not an answer for them.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::addr::{lan_is_private, non_public_ranges, AddrSet, Cuts, Interval};
use super::auth::{AuthDecision, Authorizer};
use super::client::Client;
use super::dataplane::{Forwarder, Walk};
use super::route::{RouteTables, TableRoute};
use super::verdict::{Cite, NetVerdict, Outcome, Segment};
use crate::model::dataplane::{Protocol, Service};
use crate::model::{AssocId, NetworkId, NetworkKind, Scenario, SgId};

/// What a DNS query is, for network ACLs and security groups.
const DNS: Service = Service {
    protocol: Protocol::Udp,
    port: 53,
};

/// The client's LAN, as it bears on the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LanStep {
    /// The population declares no LAN range.
    NoLan,
    /// The destination is outside the client's LAN.
    Outside(Ipv4Net),
    /// Private LAN containing the destination, and its route wins: the traffic stays local.
    KeptLocal(Ipv4Net),
    /// Private LAN containing the destination, but a longer pushed route takes it.
    OutrankedBy(Ipv4Net, TableRoute),
    /// LAN outside the private ranges: `redirect-gateway block-local` forces it into the tunnel.
    BlockLocal(Ipv4Net),
}

/// Whether the traffic enters the tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TunnelStep {
    FullTunnel,
    /// Split tunnel, and this route of the endpoint's table (pushed to the client) covers it.
    Pushed(TableRoute),
    /// Split tunnel, and no pushed route covers it: out the client's own network.
    NotPushed,
    /// Forced in by `redirect-gateway block-local`.
    Forced,
    /// The LAN kept it local; the tunnel is never consulted.
    NotConsulted,
}

/// The route on the landing association.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteStep {
    Found(TableRoute),
    /// No route on the landing association; `elsewhere` is the route another association has
    /// for the address, if any (the guide's "traffic is not being split" case).
    Missing {
        elsewhere: Option<TableRoute>,
    },
    /// Client-to-client traffic without a `local` route.
    MissingLocal,
}

/// The destination's security group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SgStep {
    NotModelled,
    Admits(SgId),
    Refuses(SgId),
}

/// Every step of the decision for one destination address from one landing association.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// The association the client landed on.
    pub landing: AssocId,
    pub lan: LanStep,
    pub tunnel: TunnelStep,
    pub authorization: AuthDecision,
    pub route: RouteStep,
    pub security_group: SgStep,
    /// The destination is reachable without the tunnel (the internet or a public network), so
    /// traffic that leaves through the client's own network still reaches it.
    pub public: bool,
}

impl Path {
    /// Whether the traffic stays out of the VPN (so later steps do not apply).
    pub fn bypasses(&self) -> bool {
        matches!(self.lan, LanStep::KeptLocal(_)) || self.tunnel == TunnelStep::NotPushed
    }

    /// The outcome and what decided it. Steps are checked in docs/model.md §8 order; the first that
    /// stops the traffic decides.
    pub fn outcome(&self) -> (Outcome, Vec<Cite>) {
        if let LanStep::KeptLocal(lan) = self.lan {
            let outcome = if self.public {
                Outcome::BypassesVpn
            } else {
                Outcome::LanOverlap
            };
            return (outcome, vec![Cite::ClientLan(lan)]);
        }
        if self.tunnel == TunnelStep::NotPushed {
            let outcome = if self.public {
                Outcome::BypassesVpn
            } else {
                Outcome::NotRoutedIntoTunnel
            };
            return (outcome, vec![Cite::NotPushed]);
        }
        match (self.vpn_failure(), self.lan) {
            (Some((_, cites)), LanStep::BlockLocal(lan)) => {
                let mut all = vec![Cite::BlockLocal(lan)];
                all.extend(cites);
                (Outcome::LanRedirected, all)
            }
            (Some(failure), _) => failure,
            (None, _) => (Outcome::Reachable, self.delivery_cites()),
        }
    }

    /// The first VPN-side step that drops the traffic.
    fn vpn_failure(&self) -> Option<(Outcome, Vec<Cite>)> {
        let auth = &self.authorization;
        if !auth.granted {
            return Some(if auth.shadowed.is_empty() {
                let cites = if auth.tier.is_empty() {
                    vec![Cite::DefaultDeny]
                } else {
                    auth.tier.iter().map(|&i| Cite::Rule(i)).collect()
                };
                (Outcome::NotAuthorized, cites)
            } else {
                let hiding = auth.tier.iter().map(|&i| Cite::Rule(i));
                let hidden = auth.shadowed.iter().map(|&i| Cite::Hidden(i));
                (
                    Outcome::ShadowedByLongerPrefix,
                    hiding.chain(hidden).collect(),
                )
            });
        }
        match self.route {
            RouteStep::Missing { elsewhere } => {
                let cite = Cite::NoRoute {
                    landing: self.landing,
                    elsewhere,
                };
                return Some((Outcome::NoRouteOnLandingSubnet, vec![cite]));
            }
            RouteStep::MissingLocal => {
                return Some((Outcome::NoRouteOnLandingSubnet, vec![Cite::NoLocalRoute]))
            }
            RouteStep::Found(_) => {}
        }
        match self.security_group {
            SgStep::Refuses(sg) => Some((Outcome::SecurityGroup, vec![Cite::SecurityGroup(sg)])),
            _ => None,
        }
    }

    fn delivery_cites(&self) -> Vec<Cite> {
        let mut cites: Vec<Cite> = self
            .authorization
            .granting
            .iter()
            .map(|&i| Cite::Rule(i))
            .collect();
        if let RouteStep::Found(r) = self.route {
            cites.push(Cite::Route(r));
        }
        if let SgStep::Admits(sg) = self.security_group {
            cites.push(Cite::SecurityGroup(sg));
        }
        cites
    }
}

/// The decision for one address, with its context, ready to explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub client: Client,
    pub association: AssocId,
    pub address: Ipv4Addr,
    /// The network whose security group applied, if any contains the address.
    pub network: Option<NetworkId>,
    pub path: Path,
    pub outcome: Outcome,
    pub cites: Vec<Cite>,
    /// The protocol and port the verdict is for (`None`: ports not modelled).
    pub service: Option<Service>,
    /// The walk through the VPC data plane, when it is modelled and the endpoint delivered.
    pub walk: Option<Walk>,
}

/// Intervals grouped by (outcome, cites), in order of first appearance.
#[derive(Debug, Clone, Default)]
struct Segments {
    groups: Vec<(Outcome, Vec<Cite>, Vec<Interval>)>,
}

impl Segments {
    fn add(&mut self, outcome: Outcome, cites: Vec<Cite>, iv: Interval) {
        match self
            .groups
            .iter_mut()
            .find(|g| g.0 == outcome && g.1 == cites)
        {
            Some(g) => g.2.push(iv),
            None => self.groups.push((outcome, cites, vec![iv])),
        }
    }

    fn finish(self) -> NetVerdict {
        let segments = self
            .groups
            .into_iter()
            .map(|(outcome, cites, ivs)| Segment {
                addrs: AddrSet::from_intervals(ivs),
                outcome,
                cites,
            })
            .collect();
        NetVerdict { segments }
    }
}

/// Evaluates reachability for one scenario and one set of route tables.
#[derive(Debug, Clone)]
pub struct Evaluator<'a> {
    scenario: &'a Scenario,
    tables: &'a RouteTables,
    authorizer: Authorizer<'a>,
    /// Edges of the blocks that cut every network: rules, routes and the client CIDR (and every
    /// block of the data plane when it is modelled).
    base_cuts: Cuts,
    /// The data plane past the endpoint, when the scenario declares it.
    data_plane: Option<Forwarder<'a>>,
}

impl<'a> Evaluator<'a> {
    pub fn new(scenario: &'a Scenario, tables: &'a RouteTables) -> Evaluator<'a> {
        let mut blocks: Vec<Ipv4Net> = scenario
            .authorization_rules
            .iter()
            .map(|r| r.destination)
            .collect();
        blocks.extend(tables.all_destinations());
        blocks.push(scenario.endpoint.client_cidr_block);
        let data_plane = scenario
            .data_plane
            .is_modelled()
            .then(|| Forwarder::new(scenario));
        if let Some(f) = &data_plane {
            blocks.extend(f.blocks());
        }
        Evaluator {
            scenario,
            tables,
            authorizer: Authorizer::new(&scenario.authorization_rules),
            base_cuts: Cuts::new(&blocks),
            data_plane,
        }
    }

    pub fn scenario(&self) -> &'a Scenario {
        self.scenario
    }

    pub fn tables(&self) -> &'a RouteTables {
        self.tables
    }

    /// The decision for traffic from `client`, landed on `assoc`, to the single address `x`
    /// (with the protocol and port of its network, if it declares one).
    pub fn address(&self, client: &Client, assoc: AssocId, x: Ipv4Addr) -> Trace {
        self.address_service(client, assoc, x, None)
    }

    /// [`address`](Self::address) for traffic with `service` (`None`: the network's own, if
    /// any).
    pub fn address_service(
        &self,
        client: &Client,
        assoc: AssocId,
        x: Ipv4Addr,
        service: Option<Service>,
    ) -> Trace {
        let network = self.network_of(x);
        let service = service.or_else(|| network.and_then(|n| self.scenario.network(n).service));
        let sg = network.and_then(|n| self.scenario.network(n).security_group);
        let path = self.path(client, assoc, x, sg, self.address_is_public(network, x));
        let (outcome, cites) = path.outcome();
        let (outcome, cites, walk) = self.past_endpoint(assoc, x, service, outcome, cites);
        Trace {
            client: client.clone(),
            association: assoc,
            address: x,
            network,
            path,
            outcome,
            cites,
            service,
            walk,
        }
    }

    /// The second stage: when the endpoint delivers and the data plane is modelled, the walk
    /// through it decides; its first drop replaces the verdict.
    fn past_endpoint(
        &self,
        assoc: AssocId,
        x: Ipv4Addr,
        service: Option<Service>,
        outcome: Outcome,
        cites: Vec<Cite>,
    ) -> (Outcome, Vec<Cite>, Option<Walk>) {
        let Some(f) = &self.data_plane else {
            return (outcome, cites, None);
        };
        if outcome != Outcome::Reachable {
            return (outcome, cites, None);
        }
        let walk = f.forward(assoc, x, service);
        match walk.drop {
            Some((o, c)) => (o, vec![Cite::DataPlane(c)], Some(walk)),
            None => (outcome, cites, Some(walk)),
        }
    }

    /// The end-to-end outcome of a DNS query (`udp/53`) from `client` on `assoc` to server `x`,
    /// and what decided it.
    pub fn dns_server(&self, client: &Client, assoc: AssocId, x: Ipv4Addr) -> (Outcome, Vec<Cite>) {
        let sg = self
            .network_of(x)
            .and_then(|n| self.scenario.network(n).security_group);
        let (outcome, cites) = self.path(client, assoc, x, sg, false).outcome();
        let (outcome, cites, _) = self.past_endpoint(assoc, x, Some(DNS), outcome, cites);
        (outcome, cites)
    }

    /// The data plane, when the scenario models it.
    pub fn forwarder(&self) -> Option<&Forwarder<'a>> {
        self.data_plane.as_ref()
    }

    /// The exact verdict for every address of network `n`.
    pub fn network(&self, client: &Client, assoc: AssocId, n: NetworkId) -> NetVerdict {
        self.network_from(client, &[assoc], n)
            .pop()
            .unwrap_or_default()
    }

    /// [`network`](Self::network) from each of `assocs`, in that order. Everything but the
    /// route on the landing association is decided once per address interval.
    pub fn network_from(
        &self,
        client: &Client,
        assocs: &[AssocId],
        n: NetworkId,
    ) -> Vec<NetVerdict> {
        let network = self.scenario.network(n);
        let addrs = network_addrs(self.scenario, n);
        let extra = Cuts::new(network.cidr_blocks.iter().chain(client.lan.iter()));
        let mut acc: Vec<Segments> = vec![Segments::default(); assocs.len()];
        for iv in extra.split_all(&self.base_cuts.split(&addrs)) {
            let x = Ipv4Addr::from(iv.lo);
            let Some(&first) = assocs.first() else {
                break;
            };
            let mut path = self.path(
                client,
                first,
                x,
                network.security_group,
                network.reachable_without_vpn(),
            );
            for (k, &a) in assocs.iter().enumerate() {
                if k > 0 {
                    path.landing = a;
                    path.route = self.route_step(a, x);
                }
                let (outcome, cites) = path.outcome();
                let (outcome, cites, _) = self.past_endpoint(a, x, network.service, outcome, cites);
                acc[k].add(outcome, cites, iv);
            }
        }
        acc.into_iter().map(Segments::finish).collect()
    }

    /// The endpoint's DNS servers from each of `assocs`, in that order: every server is
    /// reached through the tunnel (`reachable`), or the addresses of those that are not are
    /// `dns-unreachable`, citing the server and the step that stops its traffic. Traffic to a
    /// DNS server that bypasses the tunnel counts as not reached (guide: "Troubleshooting AWS
    /// Client VPN: Clients can't access a peered VPC, Amazon S3, or the internet", step 2).
    pub fn dns_from(&self, client: &Client, assocs: &[AssocId]) -> Vec<NetVerdict> {
        let mut acc: Vec<Segments> = vec![Segments::default(); assocs.len()];
        let mut servers = self.scenario.endpoint.dns_servers.clone();
        servers.sort();
        servers.dedup();
        for x in servers {
            for (k, &a) in assocs.iter().enumerate() {
                let (outcome, cites) = self.dns_server(client, a, x);
                let (outcome, mut all) = if outcome.is_gap() {
                    (Outcome::DnsUnreachable, vec![Cite::DnsServer(x, outcome)])
                } else {
                    (outcome, vec![Cite::DnsServer(x, outcome)])
                };
                all.extend(cites);
                acc[k].add(outcome, all, Interval::single(x));
            }
        }
        acc.into_iter().map(Segments::finish).collect()
    }

    /// Whether traffic to `x`, in `network`, reaches it without the tunnel: a public network,
    /// or the internet's public address space (also for an address in no network).
    fn address_is_public(&self, network: Option<NetworkId>, x: Ipv4Addr) -> bool {
        let s = self.scenario;
        match network.map(|n| s.network(n)) {
            Some(n) if n.kind != NetworkKind::Internet => n.public,
            _ => {
                !s.endpoint.client_cidr_block.contains(&x)
                    && !non_public_ranges().iter().any(|r| r.contains(&x))
            }
        }
    }

    /// Every step of the decision for `x`, with `sg` as the destination's security group and
    /// `public` whether it is reachable without the tunnel.
    pub fn path(
        &self,
        client: &Client,
        assoc: AssocId,
        x: Ipv4Addr,
        sg: Option<SgId>,
        public: bool,
    ) -> Path {
        let s = self.scenario;
        let (lan, tunnel) = self.client_side(client, x);
        let client_to_client = s.endpoint.client_cidr_block.contains(&x);
        let authorization = self
            .authorizer
            .authorize(&client.groups, x, client_to_client);
        let route = self.route_step(assoc, x);
        let security_group = match sg {
            // The data plane checks the destination's security group with its rules.
            _ if self.data_plane.is_some() => SgStep::NotModelled,
            None => SgStep::NotModelled,
            Some(sg) if self.admits(sg) => SgStep::Admits(sg),
            Some(sg) => SgStep::Refuses(sg),
        };
        Path {
            landing: assoc,
            lan,
            tunnel,
            authorization,
            route,
            security_group,
            public,
        }
    }

    /// docs/model.md §8 step 4: the route on the landing association (a `local` route for the client
    /// CIDR).
    fn route_step(&self, assoc: AssocId, x: Ipv4Addr) -> RouteStep {
        if self.scenario.endpoint.client_cidr_block.contains(&x) {
            return self
                .tables
                .lookup_local(x)
                .map_or(RouteStep::MissingLocal, |r| RouteStep::Found(*r));
        }
        match self.tables.lookup(assoc, x) {
            Some(r) => RouteStep::Found(*r),
            None => RouteStep::Missing {
                elsewhere: self.tables.lookup_other_associations(x).copied(),
            },
        }
    }

    /// docs/model.md §8 steps 1–2: the client's routing table (its LAN route against the tunnel).
    fn client_side(&self, client: &Client, x: Ipv4Addr) -> (LanStep, TunnelStep) {
        let split = self.scenario.endpoint.split_tunnel;
        let pushed = if split {
            self.tables.lookup_pushed(x).copied()
        } else {
            None
        };
        let normal = match (split, pushed) {
            (false, _) => TunnelStep::FullTunnel,
            (true, Some(r)) => TunnelStep::Pushed(r),
            (true, None) => TunnelStep::NotPushed,
        };
        let Some(lan) = client.lan else {
            return (LanStep::NoLan, normal);
        };
        if !lan.contains(&x) {
            return (LanStep::Outside(lan), normal);
        }
        if !lan_is_private(lan) {
            return (LanStep::BlockLocal(lan), TunnelStep::Forced);
        }
        match pushed {
            Some(r) if r.destination.prefix_len() > lan.prefix_len() => {
                (LanStep::OutrankedBy(lan, r), normal)
            }
            _ => (LanStep::KeptLocal(lan), TunnelStep::NotConsulted),
        }
    }

    /// Whether security group `sg` admits one of the endpoint's security groups.
    fn admits(&self, sg: SgId) -> bool {
        let s = self.scenario;
        s.security_groups.get(sg.index()).is_some_and(|g| {
            g.inbound_from
                .iter()
                .any(|src| s.endpoint.security_groups.contains(src))
        }) || s.data_plane.security_group_rules.iter().any(|r| {
            r.security_group == sg
                && !r.egress
                && matches!(r.source, crate::model::dataplane::SgSource::Group(g) if s.endpoint.security_groups.contains(&g))
        })
    }

    /// The most specific network containing `x` (the first declared wins a tie).
    pub fn network_of(&self, x: Ipv4Addr) -> Option<NetworkId> {
        let mut best: Option<(u8, usize)> = None;
        for (i, n) in self.scenario.networks.iter().enumerate() {
            let len = n
                .cidr_blocks
                .iter()
                .filter(|b| b.contains(&x))
                .map(|b| b.prefix_len())
                .max();
            if let Some(len) = len {
                if best.is_none_or(|(l, _)| len > l) {
                    best = Some((len, i));
                }
            }
        }
        best.map(|(_, i)| NetworkId(i as u32))
    }
}

/// The addresses a network stands for: its CIDR blocks; for the `internet`, the public address
/// space that no other network of the scenario claims ("any destination not defined by other
/// authorization rules", guide: "Key points for understanding authorization rules").
pub fn network_addrs(s: &Scenario, n: NetworkId) -> AddrSet {
    let network = s.network(n);
    let all = AddrSet::from_cidrs(&network.cidr_blocks);
    if network.kind != NetworkKind::Internet {
        return all;
    }
    let others = s
        .networks
        .iter()
        .filter(|o| o.kind != NetworkKind::Internet)
        .flat_map(|o| o.cidr_blocks.iter());
    let claimed = AddrSet::from_cidrs(
        non_public_ranges()
            .iter()
            .chain(others)
            .chain([&s.endpoint.client_cidr_block]),
    );
    all.difference(&claimed)
}
