//! Words for the data plane: each cite's label and each hop's line of the trace, naming the
//! route table and route, the network ACL and rule number, the security group and rule.

use super::acl::AclDecision;
use super::forward::{Arrival, DpCite, Entry, RouteKey, RouteRef, Step, TableRef};
use super::sg::{EgressDecision, SgDecision};
use crate::model::dataplane::{Gateway, RouteDestination, SgSource};
use crate::model::{Scenario, SubnetId, VpcId};
use crate::net::verdict::sg_name;

fn table_name(s: &Scenario, vpc: u32, table: Option<u32>) -> String {
    match table {
        Some(t) => format!("route table {}", s.data_plane.route_tables[t as usize].id),
        None => format!(
            "main route table of {} (local routes only)",
            s.vpcs[vpc as usize].id
        ),
    }
}

pub fn table_label(s: &Scenario, t: TableRef) -> String {
    table_name(s, t.vpc.0, t.table.map(|x| x as u32))
}

pub fn gateway_label(s: &Scenario, g: Gateway) -> String {
    let dp = &s.data_plane;
    match g {
        Gateway::Local => "local".to_string(),
        Gateway::Internet(i) => format!("internet gateway {}", dp.internet_gateways[i].id),
        Gateway::Nat(i) => format!("NAT gateway {}", dp.nat_gateways[i].id),
        Gateway::Peering(i) => format!("peering connection {}", dp.peerings[i].id),
        Gateway::TransitGateway(i) => format!("transit gateway {}", dp.transit_gateways[i].id),
        Gateway::VpnGateway(i) => format!("virtual private gateway {}", dp.vpn_gateways[i].id),
        Gateway::Endpoint(i) => format!("gateway endpoint {}", dp.vpc_endpoints[i].id),
    }
}

fn route_name(s: &Scenario, table: Option<u32>, r: RouteKey) -> String {
    let dp = &s.data_plane;
    match r {
        (0, net, len) => format!("local route {}/{len}", std::net::Ipv4Addr::from(net)),
        (1, k, _) => {
            let Some(rt) = table.map(|t| &dp.route_tables[t as usize]) else {
                return "route".to_string();
            };
            let route = &rt.routes[k as usize];
            let dest = match route.destination {
                RouteDestination::Cidr(c) => c.to_string(),
                RouteDestination::PrefixList(l) => dp.prefix_lists[l].id.clone(),
            };
            let state = if route.blackhole { ", blackhole" } else { "" };
            format!("route {dest} -> {}{state}", route.target_id)
        }
        (2, e, _) => {
            let ep = &dp.vpc_endpoints[e as usize];
            format!("route to {} ({})", ep.id, ep.service_name)
        }
        (_, o, _) => {
            let on = &dp.on_premises[o as usize];
            format!("propagated route to {} ({})", on.id, on.connection.name())
        }
    }
}

fn entry_name(s: &Scenario, t: TableRef, e: &Entry) -> String {
    let key = match e.route {
        RouteRef::Local(n) => (0, u32::from(n.network()), n.prefix_len()),
        RouteRef::Declared(i) => (1, i as u32, 0),
        RouteRef::EndpointAssoc(i) => (2, i as u32, 0),
        RouteRef::Propagated(i) => (3, i as u32, 0),
    };
    route_name(s, t.table.map(|x| x as u32), key)
}

fn subnet_name(s: &Scenario, x: SubnetId) -> &str {
    &s.subnets[x.index()].id
}

fn vpc_name(s: &Scenario, x: VpcId) -> &str {
    &s.vpcs[x.index()].id
}

fn acl_rule(rule: Option<u16>) -> String {
    match rule {
        Some(n) => format!("rule {n}"),
        None => "rule * (deny all)".to_string(),
    }
}

/// "no route covers the destination", or on the way back "no route back to ADDRESS".
fn no_route(back_to: Option<std::net::Ipv4Addr>) -> String {
    match back_to {
        None => "no route covers the destination".to_string(),
        Some(x) => format!("no route back to {x} (the source-NATed interface; return path)"),
    }
}

impl DpCite {
    pub fn label(&self, s: &Scenario) -> String {
        let dp = &s.data_plane;
        match *self {
            DpCite::NoRoute {
                table: (v, t),
                back_to,
                ..
            } => format!("{}: {}", table_name(s, v, t), no_route(back_to)),
            DpCite::Blackhole {
                table: (v, t),
                route,
                ret,
            } => format!(
                "{}: {} is a blackhole{}",
                table_name(s, v, t),
                route_name(s, t, route),
                if ret { " (return path)" } else { "" }
            ),
            DpCite::WrongReturn {
                table: (v, t),
                route,
            } => format!(
                "{}: the return goes by {}, not the way it came",
                table_name(s, v, t),
                route_name(s, t, route)
            ),
            DpCite::TgwNoRoute {
                attachment,
                table,
                back_to,
                ..
            } => {
                let att = &dp.tgw_attachments[attachment].id;
                match table {
                    Some(t) => format!(
                        "transit gateway route table {} (for {att}): {}",
                        dp.tgw_route_tables[t].id,
                        no_route(back_to)
                    ),
                    None => format!(
                        "transit gateway attachment {att} (no route table associated): {}",
                        no_route(back_to)
                    ),
                }
            }
            DpCite::TgwBlackhole {
                table,
                destination,
                ret,
            } => format!(
                "transit gateway route table {}: route {destination} is a blackhole{}",
                dp.tgw_route_tables
                    .get(table)
                    .map_or("?", |t| t.id.as_str()),
                if ret { " (return path)" } else { "" }
            ),
            DpCite::NotAttached { vpc, tgw } => format!(
                "{} has no attachment to transit gateway {}",
                vpc_name(s, vpc),
                dp.transit_gateways[tgw].id
            ),
            DpCite::Acl {
                acl,
                subnet,
                egress,
                rule,
            } => format!(
                "network ACL {} ({} of {}): {}",
                dp.network_acls[acl].id,
                if egress { "outbound" } else { "inbound" },
                subnet_name(s, subnet),
                acl_rule(rule)
            ),
            DpCite::NoSubnet { vpc } => {
                format!("no subnet of {} holds the destination", vpc_name(s, vpc))
            }
            DpCite::Unreachable { gateway } => {
                let why = match gateway {
                    Gateway::Internet(_) => "delivers only public addresses",
                    Gateway::Peering(_) => "delivers only the peer VPC's addresses (no transit)",
                    Gateway::TransitGateway(_) => {
                        "delivers to a network that does not hold the destination"
                    }
                    Gateway::VpnGateway(_) => {
                        "has no on-premises network advertising the destination"
                    }
                    _ => "does not deliver the destination",
                };
                format!("{} {why}", gateway_label(s, gateway))
            }
            DpCite::EndpointEgress => {
                let names = endpoint_sg_names(s);
                format!(
                    "the endpoint's security groups ({}) allow no outbound traffic matching",
                    names.join(", ")
                )
            }
            DpCite::SecurityGroup(g) => format!(
                "security group {} admits nothing this traffic matches",
                sg_name(s, g)
            ),
        }
    }
}

fn sg_rule(s: &Scenario, d: SgDecision) -> String {
    match d {
        SgDecision::InboundFrom(g) => format!("admits members of {}", sg_name(s, g)),
        SgDecision::Rule(i) => {
            let r = &s.data_plane.security_group_rules[i];
            let from = match &r.source {
                SgSource::Cidrs(c) => c
                    .iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                SgSource::Group(g) => sg_name(s, *g).to_string(),
            };
            let ports = if matches!(
                r.protocol,
                crate::model::dataplane::Protocol::Tcp | crate::model::dataplane::Protocol::Udp
            ) {
                format!(" {}-{}", r.ports.from, r.ports.to)
            } else {
                String::new()
            };
            let desc = r
                .description
                .as_ref()
                .map_or(String::new(), |d| format!(" \"{d}\""));
            let dir = if r.egress { "to" } else { "from" };
            format!(
                "security_group_rule #{}{desc} ({}{ports} {dir} {from})",
                i + 1,
                r.protocol.name()
            )
        }
    }
}

/// The names of the endpoint's security groups.
fn endpoint_sg_names(s: &Scenario) -> Vec<&str> {
    s.endpoint
        .security_groups
        .iter()
        .map(|g| sg_name(s, *g))
        .collect()
}

/// One trace line per hop: (stage, result, note).
pub fn step_line(s: &Scenario, st: &Step) -> (String, &'static str, String) {
    match *st {
        Step::Egress(d) => {
            let names = endpoint_sg_names(s);
            let (result, note) = match d {
                EgressDecision::Default => (
                    "pass",
                    "no egress rule declared: the default outbound rule allows all".to_string(),
                ),
                EgressDecision::Rule(i) => ("pass", format!("allowed by {}", sg_rule(s, SgDecision::Rule(i)))),
                EgressDecision::Denied => (
                    "DROP",
                    "no egress rule lets this traffic out".to_string(),
                ),
            };
            (
                "endpoint SG out".to_string(),
                result,
                format!("{}: {note}", names.join(", ")),
            )
        }
        Step::Leave { subnet, src } => (
            "interface".to_string(),
            "pass",
            format!("leaves the association's interface in {} as {src} (source NAT)", subnet_name(s, subnet)),
        ),
        Step::Acl { subnet, acl, egress, ret, remote, decision } => {
            let dir = if egress { "out" } else { "in" };
            let stage = format!("{}ACL {dir}", if ret { "return " } else { "" });
            let name = acl.map_or("default network ACL".to_string(), |a| format!("network ACL {}", s.data_plane.network_acls[a].id));
            let result = if decision.allows() { "pass" } else { "DROP" };
            let why = match decision {
                AclDecision::DefaultAllow => "none declared: allows all".to_string(),
                AclDecision::Allowed { rule } => format!("rule {rule} allows"),
                AclDecision::Denied { rule } => format!("{} denies", acl_rule(rule)),
            };
            (stage, result, format!("{name} of {} ({} {remote}): {why}", subnet_name(s, subnet), if egress { "to" } else { "from" }))
        }
        Step::Route { table, address, matched, ret } => {
            let stage = if ret { "return route" } else { "route" }.to_string();
            match matched {
                None => (stage, "DROP", format!("{}: no route covers {address}", table_label(s, table))),
                Some(e) if e.blackhole || e.target.is_none() => (
                    stage,
                    "DROP",
                    format!("{}: {} is a blackhole", table_label(s, table), entry_name(s, table, &e)),
                ),
                Some(e) => (
                    stage,
                    "pass",
                    format!("{}: {} for {address}", table_label(s, table), entry_name(s, table, &e)),
                ),
            }
        }
        Step::Tgw { tgw, attachment, table, address, matched, ret } => {
            let dp = &s.data_plane;
            let stage = if ret { "return TGW" } else { "TGW route" }.to_string();
            let rt = table.map_or("no route table associated".to_string(), |t| format!("route table {}", dp.tgw_route_tables[t].id));
            let head = format!("{} {rt} (from {})", dp.transit_gateways[tgw].id, dp.tgw_attachments[attachment].id);
            match matched {
                None => (stage, "DROP", format!("{head}: no route covers {address}")),
                Some((d, None)) => (stage, "DROP", format!("{head}: {d} is a blackhole")),
                Some((d, Some(a))) => (stage, "pass", format!("{head}: {d} -> {}", dp.tgw_attachments[a].id)),
            }
        }
        Step::Cross(g) => ("gateway".to_string(), "pass", gateway_label(s, g)),
        Step::Arrive(a) => {
            let dp = &s.data_plane;
            let note = match a {
                Arrival::Subnet(x) => format!("subnet {}", subnet_name(s, x)),
                Arrival::Internet => "the internet".to_string(),
                Arrival::OnPremises(o) => format!(
                    "on-premises network {} over {}",
                    dp.on_premises[o].id,
                    dp.on_premises[o].connection.name()
                ),
                Arrival::Service(e) => format!("service {}", dp.vpc_endpoints[e].service_name),
            };
            ("arrives".to_string(), "pass", note)
        }
        Step::Sg { group, decision } => match (group, decision) {
            (None, _) => ("security group".to_string(), "pass", "no security group modelled at the destination".to_string()),
            (Some(g), Some(d)) => ("security group".to_string(), "pass", format!("{} {}", sg_name(s, g), sg_rule(s, d))),
            (Some(g), None) => (
                "security group".to_string(),
                "DROP",
                format!("{} admits nothing this traffic matches (neither the endpoint's groups nor its source address)", sg_name(s, g)),
            ),
        },
    }
}
