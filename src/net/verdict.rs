//! Verdicts: what happens to traffic ([`Outcome`], docs/model.md §8's reasons), what decided it
//! ([`Cite`]: a rule, a route or a client-side fact), and the verdict for a whole network
//! ([`NetVerdict`]), kept exact as address sets.

use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::addr::AddrSet;
use super::dataplane::DpCite;
use super::route::{RouteOrigin, TableRoute};
use crate::model::{AssocId, Grant, RouteTarget, Scenario, SgId};

/// What happens to traffic sent to one address, or (for [`Outcome::DnsUnreachable`]) why a
/// population cannot resolve names. Every output names verdicts with these words and the
/// [`Status`] words; nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Through the tunnel, authorized, routed from the landing subnet.
    Reachable,
    /// Leaves through the client's own network, and the destination is reachable that way (the
    /// internet, or a network declared public). Not a gap.
    BypassesVpn,
    /// Split tunnel, no route of the endpoint's table covers the address, and the destination is
    /// private: it leaves through the client's own network, where it cannot be reached.
    NotRoutedIntoTunnel,
    /// The client's private LAN contains the address, and its connected route is more specific
    /// than any pushed route: the traffic stays on the LAN, and the private destination behind
    /// the VPN is not reached.
    LanOverlap,
    /// The client LAN is outside the private ranges, so `redirect-gateway block-local` forced
    /// LAN traffic into the tunnel, where it is not delivered.
    LanRedirected,
    /// No authorization rule grants the client (default deny).
    NotAuthorized,
    /// A rule would grant the client, but a longer-prefix rule for other groups hides it.
    ShadowedByLongerPrefix,
    /// The landing association has no route to the address.
    NoRouteOnLandingSubnet,
    /// Past the endpoint, a VPC or transit gateway route table has no route to the address (or
    /// the gateway it names cannot deliver it).
    NoRouteInVpc,
    /// The route that matches is a blackhole (its target is gone, or a transit gateway
    /// blackhole route).
    BlackholeRoute,
    /// A network ACL of a subnet on the way denies the traffic.
    NaclDenied,
    /// The destination's security group does not admit the traffic (the endpoint's security
    /// groups, or the source-NATed address, on its protocol and port).
    SecurityGroup,
    /// A network ACL denies the return traffic (ephemeral ports).
    NaclReturnDenied,
    /// The destination has no route back to the source-NATed address the way the traffic came.
    NoReturnRoute,
    /// An endpoint DNS server cannot be reached through the tunnel from the landing association.
    DnsUnreachable,
}

impl Outcome {
    pub const ALL: [Outcome; 15] = [
        Outcome::Reachable,
        Outcome::BypassesVpn,
        Outcome::NotRoutedIntoTunnel,
        Outcome::LanOverlap,
        Outcome::LanRedirected,
        Outcome::NotAuthorized,
        Outcome::ShadowedByLongerPrefix,
        Outcome::NoRouteOnLandingSubnet,
        Outcome::NoRouteInVpc,
        Outcome::BlackholeRoute,
        Outcome::NaclDenied,
        Outcome::SecurityGroup,
        Outcome::NaclReturnDenied,
        Outcome::NoReturnRoute,
        Outcome::DnsUnreachable,
    ];

    /// The word every output uses for this outcome.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Reachable => "reachable",
            Outcome::BypassesVpn => "bypasses-vpn",
            Outcome::NotRoutedIntoTunnel => "not-routed-into-tunnel",
            Outcome::LanOverlap => "lan-overlap",
            Outcome::LanRedirected => "lan-redirected",
            Outcome::NotAuthorized => "not-authorized",
            Outcome::ShadowedByLongerPrefix => "shadowed-by-longer-prefix",
            Outcome::NoRouteOnLandingSubnet => "no-route-on-landing-subnet",
            Outcome::NoRouteInVpc => "no-route-in-vpc",
            Outcome::BlackholeRoute => "blackhole-route",
            Outcome::NaclDenied => "nacl-denied",
            Outcome::NaclReturnDenied => "nacl-return-denied",
            Outcome::NoReturnRoute => "no-return-route",
            Outcome::SecurityGroup => "security-group",
            Outcome::DnsUnreachable => "dns-unreachable",
        }
    }

    /// The outcome written `name`, if it is one.
    pub fn from_name(name: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.name() == name)
    }

    /// Whether the traffic is lost (a reachability gap). Bypassing the VPN is not a gap.
    pub fn is_gap(self) -> bool {
        !matches!(self, Outcome::Reachable | Outcome::BypassesVpn)
    }
}

/// Every word a verdict is written with, in every output: the [`Status`] of a network first,
/// then the [`Outcome`] reasons not already among them.
pub fn vocabulary() -> Vec<&'static str> {
    let mut words: Vec<&'static str> = Status::ALL.iter().map(|s| s.name()).collect();
    for o in Outcome::ALL {
        if !words.contains(&o.name()) {
            words.push(o.name());
        }
    }
    words
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Something a verdict is decided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cite {
    /// The authorization rule at this index.
    Rule(usize),
    /// A rule that would grant the client but is hidden by a longer-prefix rule.
    Hidden(usize),
    /// A route of the endpoint's table.
    Route(TableRoute),
    /// No authorization rule covers the address.
    DefaultDeny,
    /// No route on the landing association covers the address; `elsewhere` is a route another
    /// association has for it.
    NoRoute {
        landing: AssocId,
        elsewhere: Option<TableRoute>,
    },
    /// Traffic to the client CIDR needs a `local` route, and none covers the address.
    NoLocalRoute,
    /// Split tunnel: no route of the endpoint's table covers the address, so it is not pushed.
    NotPushed,
    /// Full tunnel: every address enters the tunnel.
    FullTunnel,
    /// The client's own (private) LAN route keeps the address local.
    ClientLan(Ipv4Net),
    /// The client's LAN is outside the private ranges: `redirect-gateway block-local`.
    BlockLocal(Ipv4Net),
    /// The destination's security group.
    SecurityGroup(SgId),
    /// An endpoint DNS server, and why it is not reached.
    DnsServer(Ipv4Addr, Outcome),
    /// A decision of the VPC data plane past the endpoint.
    DataPlane(DpCite),
}

impl Cite {
    /// A readable name for the rule, route or fact, using descriptions where the scenario has
    /// them and 1-based positions (`rule #3`, `route #2`) otherwise.
    pub fn label(&self, s: &Scenario) -> String {
        match *self {
            Cite::Rule(i) => rule_label(s, i),
            Cite::Hidden(i) => format!("hides {}", rule_label(s, i)),
            Cite::Route(r) => route_label(s, &r),
            Cite::DefaultDeny => {
                "default deny (no authorization rule covers the address)".to_string()
            }
            Cite::NoRoute { landing, elsewhere } => {
                let subnet = target_name(s, RouteTarget::Association(landing));
                match elsewhere {
                    Some(r) => format!(
                        "no route on {subnet} covers the address; {} targets another subnet",
                        route_label(s, &r)
                    ),
                    None => format!("no route on {subnet} covers the address"),
                }
            }
            Cite::NoLocalRoute => "no `local` route covers the client CIDR".to_string(),
            Cite::NotPushed => {
                "split tunnel: no route in the endpoint's table covers the address".to_string()
            }
            Cite::FullTunnel => "full tunnel".to_string(),
            Cite::ClientLan(lan) => format!("client LAN {lan}"),
            Cite::DnsServer(x, why) => format!("DNS server {x} ({why})"),
            Cite::BlockLocal(lan) => {
                format!(
                    "client LAN {lan} is outside the private ranges (redirect-gateway block-local)"
                )
            }
            Cite::SecurityGroup(sg) => format!("security group {}", sg_name(s, sg)),
            Cite::DataPlane(c) => c.label(s),
        }
    }
}

pub(crate) fn sg_name(s: &Scenario, sg: SgId) -> &str {
    s.security_groups
        .get(sg.index())
        .map_or("?", |g| g.id.as_str())
}

fn rule_label(s: &Scenario, i: usize) -> String {
    let Some(rule) = s.authorization_rules.get(i) else {
        return format!("rule #{}", i + 1);
    };
    let who = match &rule.grant {
        Grant::AllGroups => "all users".to_string(),
        Grant::Group(g) => g.clone(),
    };
    match &rule.description {
        Some(d) => format!("rule #{} \"{d}\" ({} for {who})", i + 1, rule.destination),
        None => format!("rule #{} ({} for {who})", i + 1, rule.destination),
    }
}

/// Where a route sends traffic: the target subnet's id, or `local`.
pub(crate) fn target_name(s: &Scenario, target: RouteTarget) -> String {
    match target {
        RouteTarget::Local => "local".to_string(),
        RouteTarget::Association(a) => s
            .associations
            .get(a.index())
            .map_or_else(|| "?".to_string(), |_| s.subnet_of(a).id.clone()),
    }
}

fn route_label(s: &Scenario, r: &TableRoute) -> String {
    let path = format!("{} -> {}", r.destination, target_name(s, r.target));
    match r.origin {
        RouteOrigin::Automatic { vpc, .. } => {
            let vpc = s.vpcs.get(vpc.index()).map_or("?", |v| v.id.as_str());
            format!("automatic route {path} (association, {vpc})")
        }
        RouteOrigin::Manual(i) => match s.routes.get(i).and_then(|r| r.description.as_ref()) {
            Some(d) => format!("route #{} \"{d}\" ({path})", i + 1),
            None => format!("route #{} ({path})", i + 1),
        },
    }
}

/// Joins the labels of several cites.
pub fn cite_labels(s: &Scenario, cites: &[Cite]) -> String {
    cites
        .iter()
        .map(|c| c.label(s))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Addresses of a network that share one outcome and the same deciding cites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub addrs: AddrSet,
    pub outcome: Outcome,
    pub cites: Vec<Cite>,
}

/// The verdict for a whole network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Every address is reached through the VPN.
    Reachable,
    /// No address is lost, but some go out the client's own network.
    BypassesVpn,
    /// Some addresses are lost, others are not.
    Partial,
    /// Every address is lost.
    Unreachable,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Reachable,
        Status::BypassesVpn,
        Status::Partial,
        Status::Unreachable,
    ];

    /// The word every output uses for this status.
    pub fn name(self) -> &'static str {
        match self {
            Status::Reachable => "reachable",
            Status::BypassesVpn => "bypasses-vpn",
            Status::Partial => "partial",
            Status::Unreachable => "unreachable",
        }
    }

    pub fn is_gap(self) -> bool {
        matches!(self, Status::Partial | Status::Unreachable)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Exact verdict for every address of a network from one landing association: the network's
/// addresses partitioned into segments, in order of their lowest address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetVerdict {
    pub segments: Vec<Segment>,
}

impl NetVerdict {
    pub fn status(&self) -> Status {
        let lost = self.segments.iter().filter(|s| s.outcome.is_gap()).count();
        if lost == 0 {
            if self
                .segments
                .iter()
                .all(|s| s.outcome == Outcome::Reachable)
            {
                Status::Reachable
            } else {
                Status::BypassesVpn
            }
        } else if lost == self.segments.len() {
            Status::Unreachable
        } else {
            Status::Partial
        }
    }

    pub fn is_gap(&self) -> bool {
        self.status().is_gap()
    }

    /// Every address the verdict covers (the network's addresses).
    pub fn addrs(&self) -> AddrSet {
        self.union_where(|_| true)
    }

    /// Addresses that are lost.
    pub fn failing(&self) -> AddrSet {
        self.union_where(Outcome::is_gap)
    }

    /// Addresses with this outcome.
    pub fn with_outcome(&self, outcome: Outcome) -> AddrSet {
        self.union_where(|o| o == outcome)
    }

    fn union_where(&self, keep: impl Fn(Outcome) -> bool) -> AddrSet {
        self.segments
            .iter()
            .filter(|s| keep(s.outcome))
            .fold(AddrSet::empty(), |acc, s| acc.union(&s.addrs))
    }

    /// The segment that explains the verdict: the largest lost segment if any, else the largest
    /// segment that bypasses the VPN if any, else the largest segment; the lowest addresses win
    /// a tie.
    pub fn primary(&self) -> Option<&Segment> {
        let explains: fn(&Segment) -> bool = match self.status() {
            Status::Partial | Status::Unreachable => |s| s.outcome.is_gap(),
            Status::BypassesVpn => |s| s.outcome == Outcome::BypassesVpn,
            Status::Reachable => |_| true,
        };
        let mut best: Option<&Segment> = None;
        for s in self.segments.iter().filter(|s| explains(s)) {
            if best.is_none_or(|b| s.addrs.len() > b.addrs.len()) {
                best = Some(s);
            }
        }
        best
    }

    /// The outcome of the [`primary`](Self::primary) segment (`reachable` for an empty network).
    pub fn reason(&self) -> Outcome {
        self.primary().map_or(Outcome::Reachable, |s| s.outcome)
    }

    /// The addresses grouped by outcome only (deciding cites dropped), in [`Outcome`] order.
    pub fn by_outcome(&self) -> Vec<(Outcome, AddrSet)> {
        Outcome::ALL
            .iter()
            .map(|&o| (o, self.with_outcome(o)))
            .filter(|(_, set)| !set.is_empty())
            .collect()
    }
}
