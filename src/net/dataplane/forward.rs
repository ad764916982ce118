//! Forwarding past the endpoint: from the landing association's network interface (traffic
//! source-NATed to its address in the associated subnet), hop by hop through route tables
//! (longest prefix first), gateways, peering connections and transit gateways, through the
//! network ACLs of every subnet crossed (both ways) and the destination's security group, and
//! back: the destination must route to the source-NATed address.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::acl::{self, AclDecision, Flow};
use super::graph::{Node, Topology};
use super::sg::{self, EgressDecision, SgDecision};
use crate::model::dataplane::*;
use crate::model::{AssocId, Scenario, SgId, SubnetId, VpcId};
use crate::net::addr::non_public_ranges;
use crate::net::verdict::Outcome;

/// Which route of a VPC route table matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteRef {
    /// The VPC's `local` route for this block.
    Local(Ipv4Net),
    /// The route at this index of the table.
    Declared(usize),
    /// The prefix-list route a gateway endpoint adds to the tables it is associated with.
    EndpointAssoc(usize),
    /// A prefix propagated from the virtual private gateway of this on-premises network.
    Propagated(usize),
}

/// A candidate route of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub destination: Ipv4Net,
    pub route: RouteRef,
    /// `None` for a blackhole route whose target is gone.
    pub target: Option<Gateway>,
    pub blackhole: bool,
}

/// A route table as a subnet sees it: a declared table, or the VPC's implicit main table
/// (only the `local` route) when none is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableRef {
    pub vpc: VpcId,
    pub table: Option<usize>,
}

/// What stopped the traffic, or a route that decided: the data plane's cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DpCite {
    /// No route of this table covers the destination, or on the way back (`ret`) the
    /// source-NATed address `back_to`.
    NoRoute {
        table: TableRefKey,
        back_to: Option<Ipv4Addr>,
        ret: bool,
    },
    /// The matching route is a blackhole.
    Blackhole {
        table: TableRefKey,
        route: RouteKey,
        ret: bool,
    },
    /// The return route goes elsewhere than where the traffic came from.
    WrongReturn { table: TableRefKey, route: RouteKey },
    /// A transit gateway route table has no route (or the attachment is not associated with any).
    TgwNoRoute {
        attachment: usize,
        table: Option<usize>,
        back_to: Option<Ipv4Addr>,
        ret: bool,
    },
    TgwBlackhole {
        table: usize,
        destination: Ipv4Net,
        ret: bool,
    },
    /// The VPC has no attachment to this transit gateway.
    NotAttached { vpc: VpcId, tgw: usize },
    /// A network ACL rule (`None`: the final `*` rule).
    Acl {
        acl: usize,
        subnet: SubnetId,
        egress: bool,
        rule: Option<u16>,
    },
    /// No subnet of the VPC holds the destination.
    NoSubnet { vpc: VpcId },
    /// The gateway cannot deliver the destination (a private address to an internet gateway,
    /// an address outside the peer VPC, outside every advertised on-premises prefix).
    Unreachable { gateway: Gateway },
    /// The destination's security group admits nothing the traffic matches.
    SecurityGroup(SgId),
    /// The endpoint's security groups declare egress rules, and none lets the traffic out.
    EndpointEgress,
}

/// A table reference as a hashable key.
pub type TableRefKey = (u32, Option<u32>);
/// A route reference as a hashable key: (kind, index or prefix).
pub type RouteKey = (u8, u32, u8);

fn table_key(t: TableRef) -> TableRefKey {
    (t.vpc.0, t.table.map(|x| x as u32))
}

fn route_key(r: RouteRef) -> RouteKey {
    match r {
        RouteRef::Local(n) => (0, u32::from(n.network()), n.prefix_len()),
        RouteRef::Declared(i) => (1, i as u32, 0),
        RouteRef::EndpointAssoc(i) => (2, i as u32, 0),
        RouteRef::Propagated(i) => (3, i as u32, 0),
    }
}

/// Where the traffic arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    Subnet(SubnetId),
    Internet,
    OnPremises(usize),
    Service(usize),
}

/// One hop of the walk, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Traffic leaves the association's interface in `subnet`, source-NATed to `src`.
    Leave {
        subnet: SubnetId,
        src: Ipv4Addr,
    },
    /// The endpoint's security groups on the way out.
    Egress(EgressDecision),
    Acl {
        subnet: SubnetId,
        acl: Option<usize>,
        egress: bool,
        ret: bool,
        remote: Ipv4Addr,
        decision: AclDecision,
    },
    Route {
        table: TableRef,
        address: Ipv4Addr,
        matched: Option<Entry>,
        ret: bool,
    },
    Tgw {
        tgw: usize,
        attachment: usize,
        table: Option<usize>,
        address: Ipv4Addr,
        matched: Option<(Ipv4Net, Option<usize>)>,
        ret: bool,
    },
    Cross(Gateway),
    Arrive(Arrival),
    /// The destination's security group (`None` when no group guards the address).
    Sg {
        group: Option<SgId>,
        decision: Option<SgDecision>,
    },
}

/// The walk of one flow: every hop, and the first drop if any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Walk {
    pub steps: Vec<Step>,
    pub drop: Option<(Outcome, DpCite)>,
}

type Hop = Result<(), (Outcome, DpCite)>;

/// How the traffic reached the destination's VPC, for the return route.
#[derive(Debug, Clone, Copy)]
enum Via {
    Local,
    Peering(usize),
    Tgw { tgw: usize, from: usize },
}

/// The data plane of a scenario, indexed for forwarding.
#[derive(Debug, Clone)]
pub struct Forwarder<'a> {
    s: &'a Scenario,
    pub topology: Topology,
    table_of: Vec<Option<usize>>,
    acl_of: Vec<Option<usize>>,
    entries: Vec<Vec<Entry>>,
}

/// The address an interface in `subnet` is taken to have: the first one AWS does not reserve.
pub fn interface_address(s: &Scenario, subnet: SubnetId) -> Ipv4Addr {
    let n = s.subnets[subnet.index()].cidr_block;
    Ipv4Addr::from(u32::from(n.network()).saturating_add(4))
}

impl<'a> Forwarder<'a> {
    pub fn new(s: &'a Scenario) -> Forwarder<'a> {
        let dp = &s.data_plane;
        let table_of = s
            .subnets
            .iter()
            .enumerate()
            .map(|(i, sub)| {
                dp.route_tables
                    .iter()
                    .position(|t| t.subnets.iter().any(|x| x.index() == i))
                    .or_else(|| {
                        dp.route_tables
                            .iter()
                            .position(|t| t.main && t.vpc == sub.vpc)
                    })
            })
            .collect();
        let acl_of = s
            .subnets
            .iter()
            .enumerate()
            .map(|(i, sub)| {
                dp.network_acls
                    .iter()
                    .position(|a| a.subnets.iter().any(|x| x.index() == i))
                    .or_else(|| {
                        dp.network_acls
                            .iter()
                            .position(|a| a.default && a.vpc == sub.vpc)
                    })
            })
            .collect();
        let entries = dp
            .route_tables
            .iter()
            .enumerate()
            .map(|(ti, t)| {
                let mut v = Vec::new();
                for (k, r) in t.routes.iter().enumerate() {
                    let blocks: Vec<Ipv4Net> = match r.destination {
                        RouteDestination::Cidr(c) => vec![c],
                        RouteDestination::PrefixList(l) => dp.prefix_lists[l].cidr_blocks.clone(),
                    };
                    for b in blocks {
                        v.push(Entry {
                            destination: b,
                            route: RouteRef::Declared(k),
                            target: r.target,
                            blackhole: r.blackhole,
                        });
                    }
                }
                for (e, ep) in dp.vpc_endpoints.iter().enumerate() {
                    if let EndpointKind::Gateway {
                        prefix_list,
                        route_tables,
                    } = &ep.kind
                    {
                        if route_tables.contains(&ti) {
                            for b in &dp.prefix_lists[*prefix_list].cidr_blocks {
                                v.push(Entry {
                                    destination: *b,
                                    route: RouteRef::EndpointAssoc(e),
                                    target: Some(Gateway::Endpoint(e)),
                                    blackhole: false,
                                });
                            }
                        }
                    }
                }
                for (o, on) in dp.on_premises.iter().enumerate() {
                    if let OnPremAttach::VpnGateway(g) = on.attach {
                        if t.propagating_vgws.contains(&g) {
                            for b in &on.advertised_prefixes {
                                v.push(Entry {
                                    destination: *b,
                                    route: RouteRef::Propagated(o),
                                    target: Some(Gateway::VpnGateway(g)),
                                    blackhole: false,
                                });
                            }
                        }
                    }
                }
                v
            })
            .collect();
        Forwarder {
            s,
            topology: Topology::new(s),
            table_of,
            acl_of,
            entries,
        }
    }

    /// Every block the walk distinguishes addresses by, so that one address stands for each
    /// elementary interval.
    pub fn blocks(&self) -> Vec<Ipv4Net> {
        let s = self.s;
        let dp = &s.data_plane;
        let mut v: Vec<Ipv4Net> = non_public_ranges();
        v.extend(s.vpcs.iter().flat_map(|x| x.cidr_blocks.iter().copied()));
        v.extend(s.subnets.iter().map(|x| x.cidr_block));
        v.extend(self.entries.iter().flatten().map(|e| e.destination));
        v.extend(
            dp.tgw_route_tables
                .iter()
                .flat_map(|t| t.routes.iter().map(|r| r.destination)),
        );
        v.extend(
            dp.on_premises
                .iter()
                .flat_map(|o| o.advertised_prefixes.iter().copied()),
        );
        v.extend(
            dp.network_acls
                .iter()
                .flat_map(|a| a.ingress.iter().chain(&a.egress).map(|r| r.cidr_block)),
        );
        for r in &dp.security_group_rules {
            if let SgSource::Cidrs(c) = &r.source {
                v.extend(c.iter().copied());
            }
        }
        for e in &dp.vpc_endpoints {
            if let EndpointKind::Interface { ip_addresses, .. } = &e.kind {
                v.extend(ip_addresses.iter().copied());
            }
        }
        v.extend(
            s.networks
                .iter()
                .flat_map(|n| n.cidr_blocks.iter().copied()),
        );
        v
    }

    fn table(&self, subnet: SubnetId) -> TableRef {
        TableRef {
            vpc: self.s.subnets[subnet.index()].vpc,
            table: self.table_of[subnet.index()],
        }
    }

    /// Longest-prefix match: the VPC's `local` routes, then the table's routes in order.
    pub fn lookup(&self, t: TableRef, x: Ipv4Addr) -> Option<Entry> {
        let local = self.s.vpcs[t.vpc.index()]
            .cidr_blocks
            .iter()
            .map(|c| Entry {
                destination: *c,
                route: RouteRef::Local(*c),
                target: Some(Gateway::Local),
                blackhole: false,
            });
        let declared = t
            .table
            .into_iter()
            .flat_map(|i| self.entries[i].iter().copied());
        let mut best: Option<Entry> = None;
        for e in local.chain(declared) {
            if e.destination.contains(&x)
                && best.is_none_or(|b| e.destination.prefix_len() > b.destination.prefix_len())
            {
                best = Some(e);
            }
        }
        best
    }

    fn acl(
        &self,
        w: &mut Walk,
        subnet: SubnetId,
        egress: bool,
        ret: bool,
        remote: Ipv4Addr,
        flow: Flow,
    ) -> Hop {
        let a = self.acl_of[subnet.index()];
        let decision = acl::check(
            a.map(|i| &self.s.data_plane.network_acls[i]),
            egress,
            remote,
            flow,
        );
        w.steps.push(Step::Acl {
            subnet,
            acl: a,
            egress,
            ret,
            remote,
            decision,
        });
        match (decision, a) {
            (AclDecision::Denied { rule }, Some(acl)) => Err((
                if ret {
                    Outcome::NaclReturnDenied
                } else {
                    Outcome::NaclDenied
                },
                DpCite::Acl {
                    acl,
                    subnet,
                    egress,
                    rule,
                },
            )),
            _ => Ok(()),
        }
    }

    fn route(
        &self,
        w: &mut Walk,
        t: TableRef,
        x: Ipv4Addr,
        ret: bool,
    ) -> Result<Entry, (Outcome, DpCite)> {
        let matched = self.lookup(t, x);
        w.steps.push(Step::Route {
            table: t,
            address: x,
            matched,
            ret,
        });
        let miss = if ret {
            Outcome::NoReturnRoute
        } else {
            Outcome::NoRouteInVpc
        };
        match matched {
            None => Err((
                miss,
                DpCite::NoRoute {
                    table: table_key(t),
                    back_to: ret.then_some(x),
                    ret,
                },
            )),
            Some(e) if e.blackhole || e.target.is_none() => Err((
                if ret {
                    Outcome::NoReturnRoute
                } else {
                    Outcome::BlackholeRoute
                },
                DpCite::Blackhole {
                    table: table_key(t),
                    route: route_key(e.route),
                    ret,
                },
            )),
            Some(e) => Ok(e),
        }
    }

    fn tgw_route(
        &self,
        w: &mut Walk,
        tgw: usize,
        attachment: usize,
        x: Ipv4Addr,
        ret: bool,
    ) -> Result<usize, (Outcome, DpCite)> {
        let dp = &self.s.data_plane;
        let table = dp
            .tgw_route_tables
            .iter()
            .position(|t| t.transit_gateway == tgw && t.associations.contains(&attachment));
        let mut best: Option<(Ipv4Net, Option<usize>)> = None;
        if let Some(ti) = table {
            let t = &dp.tgw_route_tables[ti];
            let statics = t.routes.iter().map(|r| (r.destination, r.attachment));
            let propagated = t.propagations.iter().flat_map(|&a| {
                let blocks: Vec<Ipv4Net> = match dp.tgw_attachments[a].kind {
                    AttachmentKind::Vpc(v) => self.s.vpcs[v.index()].cidr_blocks.clone(),
                    AttachmentKind::OnPremises(o) => dp.on_premises[o].advertised_prefixes.clone(),
                };
                blocks.into_iter().map(move |b| (b, Some(a)))
            });
            for (d, a) in statics.chain(propagated) {
                if d.contains(&x) && best.is_none_or(|(b, _)| d.prefix_len() > b.prefix_len()) {
                    best = Some((d, a));
                }
            }
        }
        w.steps.push(Step::Tgw {
            tgw,
            attachment,
            table,
            address: x,
            matched: best,
            ret,
        });
        let miss = if ret {
            Outcome::NoReturnRoute
        } else {
            Outcome::NoRouteInVpc
        };
        match best {
            None => Err((
                miss,
                DpCite::TgwNoRoute {
                    attachment,
                    table,
                    back_to: ret.then_some(x),
                    ret,
                },
            )),
            Some((d, None)) => Err((
                if ret {
                    Outcome::NoReturnRoute
                } else {
                    Outcome::BlackholeRoute
                },
                DpCite::TgwBlackhole {
                    table: table.unwrap_or(0),
                    destination: d,
                    ret,
                },
            )),
            Some((_, Some(a))) => Ok(a),
        }
    }

    fn vpc_attachment(&self, vpc: VpcId, tgw: usize) -> Option<usize> {
        self.s
            .data_plane
            .tgw_attachments
            .iter()
            .position(|a| a.transit_gateway == tgw && a.kind == AttachmentKind::Vpc(vpc))
    }

    /// Walks traffic from `client`'s landing association `assoc` to `x` with `service`.
    pub fn forward(&self, assoc: AssocId, x: Ipv4Addr, service: Option<Service>) -> Walk {
        let s = self.s;
        let subnet = s.associations[assoc.index()].subnet;
        let src = interface_address(s, subnet);
        let (fwd, back) = flows(service);
        let mut w = Walk::default();
        w.steps.push(Step::Leave { subnet, src });
        let sender = &s.endpoint.security_groups;
        let decision = sg::egress(s, sender, x, &self.groups_at(x), fwd);
        w.steps.push(Step::Egress(decision));
        if decision == EgressDecision::Denied {
            w.drop = Some((Outcome::SecurityGroup, DpCite::EndpointEgress));
            return w;
        }
        if let Err(d) = self.leave_subnet(
            &mut w,
            subnet,
            src,
            &s.endpoint.security_groups,
            x,
            fwd,
            back,
            0,
        ) {
            w.drop = Some(d);
        }
        w
    }

    #[allow(clippy::too_many_arguments)]
    fn leave_subnet(
        &self,
        w: &mut Walk,
        sub: SubnetId,
        src: Ipv4Addr,
        sender: &[SgId],
        x: Ipv4Addr,
        fwd: Flow,
        back: Flow,
        depth: u8,
    ) -> Hop {
        let s = self.s;
        let dp = &s.data_plane;
        let vpc = s.subnets[sub.index()].vpc;
        let e = self.route(w, self.table(sub), x, false)?;
        let gw = e.target.unwrap_or(Gateway::Local);
        // Network ACLs filter traffic that crosses the subnet's boundary, not traffic within it.
        if !(gw == Gateway::Local && s.subnets[sub.index()].cidr_block.contains(&x)) {
            self.acl(w, sub, true, false, x, fwd)?;
        }
        if gw != Gateway::Local {
            w.steps.push(Step::Cross(gw));
        }
        let unreachable = |gateway| (Outcome::NoRouteInVpc, DpCite::Unreachable { gateway });
        match gw {
            Gateway::Local => {
                return self.deliver(w, vpc, sub, src, sender, x, fwd, back, Via::Local)
            }
            Gateway::Internet(_) => {
                if non_public_ranges().iter().any(|r| r.contains(&x)) {
                    return Err(unreachable(gw));
                }
                w.steps.push(Step::Arrive(Arrival::Internet));
            }
            Gateway::Nat(n) => {
                let nsub = dp.nat_gateways[n].subnet;
                if depth > 2 {
                    return Err(unreachable(gw));
                }
                if nsub != sub {
                    self.acl(w, nsub, false, false, src, fwd)?;
                }
                let nat_src = interface_address(s, nsub);
                self.leave_subnet(w, nsub, nat_src, &[], x, fwd, back, depth + 1)?;
                if nsub != sub {
                    self.acl(w, nsub, true, true, src, back)?;
                }
            }
            Gateway::Peering(p) => {
                let pc = &dp.peerings[p];
                let other = if pc.vpc == vpc { pc.peer_vpc } else { pc.vpc };
                if !s.vpcs[other.index()]
                    .cidr_blocks
                    .iter()
                    .any(|c| c.contains(&x))
                {
                    return Err(unreachable(gw));
                }
                return self.deliver(w, other, sub, src, sender, x, fwd, back, Via::Peering(p));
            }
            Gateway::TransitGateway(t) => {
                return self.via_tgw(w, sub, src, x, fwd, back, t);
            }
            Gateway::VpnGateway(g) => {
                let o = dp.on_premises.iter().position(|o| {
                    o.attach == OnPremAttach::VpnGateway(g)
                        && o.advertised_prefixes.iter().any(|c| c.contains(&x))
                });
                let Some(o) = o else {
                    return Err(unreachable(gw));
                };
                w.steps.push(Step::Arrive(Arrival::OnPremises(o)));
            }
            Gateway::Endpoint(e) => {
                w.steps.push(Step::Arrive(Arrival::Service(e)));
            }
        }
        // Back into the subnet the traffic left from.
        self.acl(w, sub, false, true, x, back)
    }

    /// Leaving subnet `sub` through transit gateway `t`: into an attached VPC, or to an
    /// on-premises network and back into the subnet.
    #[allow(clippy::too_many_arguments)]
    fn via_tgw(
        &self,
        w: &mut Walk,
        sub: SubnetId,
        src: Ipv4Addr,
        x: Ipv4Addr,
        fwd: Flow,
        back: Flow,
        t: usize,
    ) -> Hop {
        let s = self.s;
        let dp = &s.data_plane;
        let vpc = s.subnets[sub.index()].vpc;
        let gw = Gateway::TransitGateway(t);
        let unreachable = |gateway| (Outcome::NoRouteInVpc, DpCite::Unreachable { gateway });
        let Some(from) = self.vpc_attachment(vpc, t) else {
            return Err((Outcome::NoRouteInVpc, DpCite::NotAttached { vpc, tgw: t }));
        };
        let to = self.tgw_route(w, t, from, x, false)?;
        match dp.tgw_attachments[to].kind {
            AttachmentKind::Vpc(other) => {
                if !s.vpcs[other.index()]
                    .cidr_blocks
                    .iter()
                    .any(|c| c.contains(&x))
                {
                    return Err(unreachable(gw));
                }
                return self.deliver(
                    w,
                    other,
                    sub,
                    src,
                    &[],
                    x,
                    fwd,
                    back,
                    Via::Tgw { tgw: t, from },
                );
            }
            AttachmentKind::OnPremises(o) => {
                if !dp.on_premises[o]
                    .advertised_prefixes
                    .iter()
                    .any(|c| c.contains(&x))
                {
                    return Err(unreachable(gw));
                }
                w.steps.push(Step::Arrive(Arrival::OnPremises(o)));
                let back_to = self.tgw_route(w, t, to, src, true)?;
                if back_to != from {
                    return Err((
                        Outcome::NoReturnRoute,
                        DpCite::TgwNoRoute {
                            attachment: to,
                            table: None,
                            back_to: Some(src),
                            ret: true,
                        },
                    ));
                }
            }
        }
        // Back into the subnet the traffic left from.
        self.acl(w, sub, false, true, x, back)
    }

    /// Delivery to `x` inside `vpc`, reached from subnet `from` (source `src`), and the way
    /// back.
    #[allow(clippy::too_many_arguments)]
    fn deliver(
        &self,
        w: &mut Walk,
        vpc: VpcId,
        from: SubnetId,
        src: Ipv4Addr,
        sender: &[SgId],
        x: Ipv4Addr,
        fwd: Flow,
        back: Flow,
        via: Via,
    ) -> Hop {
        let s = self.s;
        let dest = s
            .subnets
            .iter()
            .enumerate()
            .filter(|(_, sub)| sub.vpc == vpc && sub.cidr_block.contains(&x))
            .max_by_key(|(i, sub)| (sub.cidr_block.prefix_len(), usize::MAX - i))
            .map(|(i, _)| SubnetId(i as u32));
        let Some(dest) = dest else {
            return Err((Outcome::NoRouteInVpc, DpCite::NoSubnet { vpc }));
        };
        w.steps.push(Step::Arrive(Arrival::Subnet(dest)));
        if dest != from {
            self.acl(w, dest, false, false, src, fwd)?;
        }
        let groups = self.groups_at(x);
        if groups.is_empty() {
            w.steps.push(Step::Sg {
                group: None,
                decision: None,
            });
        } else {
            let admitted = groups
                .iter()
                .find_map(|&g| sg::admits(s, g, src, sender, fwd).map(|d| (g, d)));
            match admitted {
                Some((g, d)) => w.steps.push(Step::Sg {
                    group: Some(g),
                    decision: Some(d),
                }),
                None => {
                    w.steps.push(Step::Sg {
                        group: Some(groups[0]),
                        decision: None,
                    });
                    return Err((Outcome::SecurityGroup, DpCite::SecurityGroup(groups[0])));
                }
            }
        }
        match via {
            Via::Local => {}
            Via::Peering(p) => {
                let t = self.table(dest);
                let e = self.route(w, t, src, true)?;
                if e.target != Some(Gateway::Peering(p)) {
                    return Err((
                        Outcome::NoReturnRoute,
                        DpCite::WrongReturn {
                            table: table_key(t),
                            route: route_key(e.route),
                        },
                    ));
                }
            }
            Via::Tgw { tgw, from: origin } => {
                let t = self.table(dest);
                let e = self.route(w, t, src, true)?;
                if e.target != Some(Gateway::TransitGateway(tgw)) {
                    return Err((
                        Outcome::NoReturnRoute,
                        DpCite::WrongReturn {
                            table: table_key(t),
                            route: route_key(e.route),
                        },
                    ));
                }
                let Some(here) = self.vpc_attachment(vpc, tgw) else {
                    return Err((Outcome::NoReturnRoute, DpCite::NotAttached { vpc, tgw }));
                };
                let to = self.tgw_route(w, tgw, here, src, true)?;
                if to != origin {
                    return Err((
                        Outcome::NoReturnRoute,
                        DpCite::TgwNoRoute {
                            attachment: here,
                            table: None,
                            back_to: Some(src),
                            ret: true,
                        },
                    ));
                }
            }
        }
        if dest != from {
            self.acl(w, dest, true, true, src, back)?;
            self.acl(w, from, false, true, x, back)?;
        }
        Ok(())
    }

    /// The security groups guarding `x`: an interface endpoint's, else the most specific
    /// declared network's.
    fn groups_at(&self, x: Ipv4Addr) -> Vec<SgId> {
        let s = self.s;
        for e in &s.data_plane.vpc_endpoints {
            if let EndpointKind::Interface {
                ip_addresses,
                security_groups,
                ..
            } = &e.kind
            {
                if ip_addresses.iter().any(|c| c.contains(&x)) {
                    return security_groups.clone();
                }
            }
        }
        let mut best: Option<(u8, usize)> = None;
        for (i, n) in s.networks.iter().enumerate() {
            if let Some(len) = n
                .cidr_blocks
                .iter()
                .filter(|b| b.contains(&x))
                .map(|b| b.prefix_len())
                .max()
            {
                if best.is_none_or(|(l, _)| len > l) {
                    best = Some((len, i));
                }
            }
        }
        best.and_then(|(_, i)| s.networks[i].security_group)
            .into_iter()
            .collect()
    }
}

/// The forward flow and its return (ephemeral ports).
pub fn flows(service: Option<Service>) -> (Flow, Flow) {
    match service {
        None => (
            Flow {
                protocol: None,
                ports: PortRange::ALL,
            },
            Flow {
                protocol: None,
                ports: PortRange::ALL,
            },
        ),
        Some(sv) if sv.protocol == Protocol::Icmp => (
            Flow {
                protocol: Some(Protocol::Icmp),
                ports: PortRange::ALL,
            },
            Flow {
                protocol: Some(Protocol::Icmp),
                ports: PortRange::ALL,
            },
        ),
        Some(sv) => (
            Flow {
                protocol: Some(sv.protocol),
                ports: PortRange {
                    from: sv.port,
                    to: sv.port,
                },
            },
            Flow {
                protocol: Some(sv.protocol),
                ports: PortRange::EPHEMERAL,
            },
        ),
    }
}

/// The topology node a gateway is.
pub fn gateway_node(g: Gateway) -> Option<Node> {
    Some(match g {
        Gateway::Local => return None,
        Gateway::Internet(i) => Node::InternetGateway(i),
        Gateway::Nat(i) => Node::NatGateway(i),
        Gateway::Peering(i) => Node::Peering(i),
        Gateway::TransitGateway(i) => Node::TransitGateway(i),
        Gateway::VpnGateway(i) => Node::VpnGateway(i),
        Gateway::Endpoint(i) => Node::VpcEndpoint(i),
    })
}
