//! Stateful security groups at the destination: an inbound rule admits the flow by the source
//! address (CIDR) or by a referenced group the sending interface belongs to; the return traffic
//! of an admitted flow is always allowed (guide troubleshooting: the destination's security
//! group must admit the Client VPN endpoint's).

use std::net::Ipv4Addr;

use super::acl::Flow;
use crate::model::dataplane::{PortRange, Protocol, SgSource};
use crate::model::{Scenario, SgId};

/// What admitted the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SgDecision {
    /// The group's `inbound_from` names one of the sender's groups (all traffic).
    InboundFrom(SgId),
    /// The security group rule at this index of the data plane.
    Rule(usize),
}

fn flow_matches(rule: Protocol, ports: PortRange, flow: Flow) -> bool {
    match flow.protocol {
        None => true,
        Some(p) => {
            rule == Protocol::All
                || (rule == p
                    && (!matches!(rule, Protocol::Tcp | Protocol::Udp)
                        || (ports.from <= flow.ports.from && flow.ports.to <= ports.to)))
        }
    }
}

/// Whether `group` admits traffic from `src`, sent by an interface in `sender` groups.
pub fn admits(
    s: &Scenario,
    group: SgId,
    src: Ipv4Addr,
    sender: &[SgId],
    flow: Flow,
) -> Option<SgDecision> {
    let g = s.security_groups.get(group.index())?;
    if let Some(&from) = g.inbound_from.iter().find(|f| sender.contains(f)) {
        return Some(SgDecision::InboundFrom(from));
    }
    s.data_plane
        .security_group_rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.security_group == group && !r.egress)
        .find(|(_, r)| {
            let source = match &r.source {
                SgSource::Cidrs(c) => c.iter().any(|c| c.contains(&src)),
                SgSource::Group(g) => sender.contains(g),
            };
            source && flow_matches(r.protocol, r.ports, flow)
        })
        .map(|(i, _)| SgDecision::Rule(i))
}

/// What the sending interface's groups decided about outbound traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EgressDecision {
    /// One of the groups declares no egress rule, so it keeps the default outbound rule (all
    /// traffic to 0.0.0.0/0).
    Default,
    /// The egress rule at this index of the data plane allows it.
    Rule(usize),
    Denied,
}

/// Whether the sender's groups `sender` let traffic out to `x` (in the destination groups
/// `dest_groups`) with `flow` (guide: "Ensure that the security group that you'll use for the
/// Client VPN endpoint allows outbound traffic").
pub fn egress(
    s: &Scenario,
    sender: &[SgId],
    x: Ipv4Addr,
    dest_groups: &[SgId],
    flow: Flow,
) -> EgressDecision {
    let rules = &s.data_plane.security_group_rules;
    let declares = |g: &SgId| rules.iter().any(|r| r.egress && r.security_group == *g);
    if sender.is_empty() || sender.iter().any(|g| !declares(g)) {
        return EgressDecision::Default;
    }
    rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.egress && sender.contains(&r.security_group))
        .find(|(_, r)| {
            let to = match &r.source {
                SgSource::Cidrs(c) => c.iter().any(|c| c.contains(&x)),
                SgSource::Group(g) => dest_groups.contains(g),
            };
            to && flow_matches(r.protocol, r.ports, flow)
        })
        .map_or(EgressDecision::Denied, |(i, _)| EgressDecision::Rule(i))
}
