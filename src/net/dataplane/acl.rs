//! Stateless network ACLs: numbered rules in ascending order, the first that matches decides,
//! and the final `*` rule denies (guide troubleshooting: the network ACL must allow the traffic
//! in and out of the associated subnet).

use std::net::Ipv4Addr;

use crate::model::dataplane::{AclRule, Action, NetworkAcl, PortRange, Protocol};

/// A flow as an ACL or a security group sees it: the protocol and the destination ports it may
/// use. `None` for the protocol: ports are not modelled, every rule is matched by address only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    pub protocol: Option<Protocol>,
    pub ports: PortRange,
}

/// What an ACL decided, and by which rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclDecision {
    /// No ACL is declared for the subnet: the default network ACL allows everything.
    DefaultAllow,
    Allowed {
        rule: u16,
    },
    /// Denied by this rule number; `None` for the final `*` rule.
    Denied {
        rule: Option<u16>,
    },
}

impl AclDecision {
    pub fn allows(self) -> bool {
        !matches!(self, AclDecision::Denied { .. })
    }
}

fn protocol_matches(rule: Protocol, flow: Option<Protocol>) -> bool {
    match flow {
        None => true,
        Some(f) => rule == Protocol::All || rule == f,
    }
}

fn ports_of(rule: &AclRule, flow: Option<Protocol>) -> PortRange {
    match (rule.protocol, flow) {
        (Protocol::Tcp | Protocol::Udp, Some(_)) => rule.ports,
        _ => PortRange::ALL,
    }
}

/// Evaluates `rules` (sorted by number) for traffic with the remote address `remote`: every
/// port of the flow must be allowed. A rule that denies part of the ports still open decides
/// (some of the traffic is dropped).
pub fn evaluate(rules: &[AclRule], remote: Ipv4Addr, flow: Flow) -> AclDecision {
    // Ports of the flow not yet decided, as disjoint ranges.
    let mut open: Vec<(u32, u32)> = vec![(flow.ports.from as u32, flow.ports.to as u32)];
    for r in rules {
        if !r.cidr_block.contains(&remote) || !protocol_matches(r.protocol, flow.protocol) {
            continue;
        }
        let pr = ports_of(r, flow.protocol);
        let (lo, hi) = (pr.from as u32, pr.to as u32);
        let hit = open.iter().any(|&(a, b)| a <= hi && lo <= b);
        if !hit {
            continue;
        }
        if r.action == Action::Deny {
            return AclDecision::Denied {
                rule: Some(r.rule_number),
            };
        }
        let mut next = Vec::new();
        for &(a, b) in &open {
            if b < lo || a > hi {
                next.push((a, b));
                continue;
            }
            if a < lo {
                next.push((a, lo - 1));
            }
            if b > hi {
                next.push((hi + 1, b));
            }
        }
        open = next;
        if open.is_empty() {
            return AclDecision::Allowed {
                rule: r.rule_number,
            };
        }
    }
    AclDecision::Denied { rule: None }
}

/// Inbound or outbound rules of an ACL, or the default allow when there is none.
pub fn check(acl: Option<&NetworkAcl>, egress: bool, remote: Ipv4Addr, flow: Flow) -> AclDecision {
    match acl {
        None => AclDecision::DefaultAllow,
        Some(a) => evaluate(if egress { &a.egress } else { &a.ingress }, remote, flow),
    }
}
