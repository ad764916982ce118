//! Reading and writing the data-plane sections (`[[route_table]]`, `[[internet_gateway]]`,
//! `[[nat_gateway]]`, `[[vpc_peering_connection]]`, `[[transit_gateway]]`,
//! `[[transit_gateway_vpc_attachment]]`, `[[transit_gateway_route_table]]`, `[[vpn_gateway]]`,
//! `[[on_premises_network]]`, `[[prefix_list]]`, `[[vpc_endpoint]]`, `[[network_acl]]`,
//! `[[security_group_rule]]`), with Terraform's attribute names, every problem reported with its
//! path and span like the other sections.

use crate::source::rules::RuleId;
use std::collections::BTreeMap;
use std::ops::Range;

use ipnet::Ipv4Net;
use toml_edit::{
    value, Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table as TomlTable,
    Value as TomlValue,
};

use crate::model::dataplane::*;
use crate::model::{Scenario, SgId, SubnetId, VpcId};
use crate::scenario::read::{self, join, Cx, Table};
use crate::source::tree::{Node, Value};

type Ids = BTreeMap<String, usize>;

/// Ids of the scenario's other sections, for references.
pub struct Refs<'a> {
    pub vpcs: Option<&'a BTreeMap<String, VpcId>>,
    pub subnets: Option<&'a BTreeMap<String, SubnetId>>,
    pub sgs: &'a BTreeMap<String, SgId>,
}

/// The sections, in the order they are decoded and written.
pub const SECTIONS: [&str; 13] = [
    "internet_gateway",
    "nat_gateway",
    "vpc_peering_connection",
    "transit_gateway",
    "transit_gateway_vpc_attachment",
    "transit_gateway_route_table",
    "vpn_gateway",
    "on_premises_network",
    "prefix_list",
    "vpc_endpoint",
    "route_table",
    "network_acl",
    "security_group_rule",
];

/// Ids declared in a section (first declaration wins; duplicates reported).
fn prescan(node: Option<&Node>, section: &str, cx: &mut Cx) -> Ids {
    let mut ids = Ids::new();
    if let Some(Value::Array(items)) = node.map(|n| &n.value) {
        for (i, n) in items.iter().enumerate() {
            if let Some(idn) = n.get("id") {
                if let Value::String(s) = &idn.value {
                    if ids.contains_key(s) {
                        cx.error(
                            RuleId::DuplicateId,
                            &format!("{section}[{i}].id"),
                            idn.span.clone(),
                            format!("{section} id `{s}` is declared twice"),
                            format!("give each {section} a unique id"),
                        );
                    } else {
                        ids.insert(s.clone(), i);
                    }
                }
            }
        }
    }
    ids
}

fn hint(section: &str, ids: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = ids.collect();
    if v.is_empty() {
        format!("declare it as [[{section}]] (none declared)")
    } else {
        format!(
            "declare it as [[{section}]] or use one of: {}",
            v.join(", ")
        )
    }
}

fn resolve<T: Copy>(
    name: &str,
    span: Range<usize>,
    p: &str,
    ids: Option<&BTreeMap<String, T>>,
    section: &str,
    cx: &mut Cx,
) -> Option<T> {
    let ids = ids?;
    match ids.get(name) {
        Some(v) => Some(*v),
        None => {
            cx.error(
                RuleId::UnknownReference,
                p,
                span,
                format!("{section} `{name}` is not declared"),
                hint(section, ids.keys().cloned()),
            );
            None
        }
    }
}

fn one<T: Copy>(
    n: &Node,
    p: &str,
    ids: Option<&BTreeMap<String, T>>,
    section: &str,
    cx: &mut Cx,
) -> Option<T> {
    let s = read::string(n, p, cx)?;
    resolve(&s, n.span.clone(), p, ids, section, cx)
}

fn many<T: Copy>(
    n: &Node,
    p: &str,
    ids: Option<&BTreeMap<String, T>>,
    section: &str,
    cx: &mut Cx,
) -> Option<Vec<T>> {
    let names = read::strings(n, p, cx)?;
    let mut out = Vec::new();
    let mut ok = true;
    for (i, (name, span)) in names.into_iter().enumerate() {
        match resolve(&name, span, &format!("{p}[{i}]"), ids, section, cx) {
            Some(v) => out.push(v),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn opt_many<T: Copy>(
    t: &mut Table,
    key: &'static str,
    ids: Option<&BTreeMap<String, T>>,
    section: &str,
    cx: &mut Cx,
) -> Option<Vec<T>> {
    let p = t.field_path(key);
    t.opt(key)
        .map_or(Some(Vec::new()), |n| many(n, &p, ids, section, cx))
}

fn id(t: &mut Table, example: &str, cx: &mut Cx) -> Option<String> {
    let p = t.field_path("id");
    t.req(cx, "id", example)
        .and_then(|n| read::string(n, &p, cx))
}

fn req_ref<T: Copy>(
    t: &mut Table,
    key: &'static str,
    example: &str,
    ids: Option<&BTreeMap<String, T>>,
    section: &str,
    cx: &mut Cx,
) -> Option<T> {
    let p = t.field_path(key);
    t.req(cx, key, example)
        .and_then(|n| one(n, &p, ids, section, cx))
}

/// An optional bandwidth in Mbps (`> 0`): `Some(None)` when absent, `None` when invalid.
fn mbps(t: &mut Table, key: &'static str, cx: &mut Cx) -> Option<Option<f64>> {
    let p = t.field_path(key);
    t.opt(key).map_or(Some(None), |n| {
        read::number(n, &p, 0.0, false, f64::INFINITY, cx).map(Some)
    })
}

fn cidrs(n: &Node, p: &str, cx: &mut Cx) -> Option<Vec<Ipv4Net>> {
    let items = read::array(n, p, cx)?;
    let v: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, x)| read::cidr(x, &format!("{p}[{i}]"), cx))
        .collect();
    v.into_iter().collect()
}

fn list<T>(
    node: Option<&Node>,
    path: &str,
    cx: &mut Cx,
    mut f: impl FnMut(&Node, &str, &mut Cx) -> Option<T>,
) -> Option<Vec<T>> {
    let Some(node) = node else {
        return Some(Vec::new());
    };
    let items = read::array(node, path, cx)?;
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match f(item, &format!("{path}[{i}]"), cx) {
            Some(v) => out.push(v),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn protocol(t: &mut Table, cx: &mut Cx) -> Option<Protocol> {
    let p = t.field_path("protocol");
    let n = t.req(cx, "protocol", "\"tcp\"")?;
    let s = match &n.value {
        Value::Integer(i) => i.to_string(),
        _ => read::string(n, &p, cx)?,
    };
    let v = Protocol::parse(&s);
    if v.is_none() {
        cx.error(
            RuleId::Value,
            &p,
            n.span.clone(),
            format!("unknown protocol `{s}`"),
            "use \"-1\" (all), \"tcp\", \"udp\" or \"icmp\"",
        );
    }
    v
}

fn ports(t: &mut Table, proto: Option<Protocol>, cx: &mut Cx) -> Option<PortRange> {
    let fp = t.field_path("from_port");
    let tp = t.field_path("to_port");
    let from = t.opt("from_port");
    let to = t.opt("to_port");
    let needs = matches!(proto, Some(Protocol::Tcp | Protocol::Udp));
    if !needs {
        return Some(PortRange::ALL);
    }
    let span = t.span.clone();
    let (Some(from), Some(to)) = (from, to) else {
        cx.error(
            RuleId::MissingField,
            &fp,
            span.start..span.start,
            format!("`{fp}` and `{tp}` are required for tcp and udp rules"),
            "add `from_port = 443, to_port = 443`",
        );
        return None;
    };
    let a = read::integer(from, &fp, 0, 65535, cx)? as u16;
    let b = read::integer(to, &tp, 0, 65535, cx)? as u16;
    if a > b {
        cx.error(
            RuleId::Value,
            &tp,
            to.span.clone(),
            format!("`to_port` {b} is below `from_port` {a}"),
            "write the range low to high",
        );
        return None;
    }
    Some(PortRange { from: a, to: b })
}

struct Maps {
    igw: Ids,
    nat: Ids,
    pcx: Ids,
    tgw: Ids,
    vgw: Ids,
    pl: Ids,
    vpce: Ids,
    rt: Ids,
}

/// What the sections read by their own functions refer to.
#[derive(Clone, Copy)]
struct Refs2<'a> {
    vpcs: Option<&'a BTreeMap<String, VpcId>>,
    subnets: Option<&'a BTreeMap<String, SubnetId>>,
    sgs: Option<&'a BTreeMap<String, SgId>>,
    m: &'a Maps,
}

/// Gathers the ids of every section others refer to (and checks the ids of the sections
/// nothing refers to by id here), before any section is read.
fn prescan_all<'a>(node: impl Fn(&str) -> Option<&'a Node>, cx: &mut Cx) -> Maps {
    let m = Maps {
        igw: prescan(node("internet_gateway"), "internet_gateway", cx),
        nat: prescan(node("nat_gateway"), "nat_gateway", cx),
        pcx: prescan(node("vpc_peering_connection"), "vpc_peering_connection", cx),
        tgw: prescan(node("transit_gateway"), "transit_gateway", cx),
        vgw: prescan(node("vpn_gateway"), "vpn_gateway", cx),
        pl: prescan(node("prefix_list"), "prefix_list", cx),
        vpce: prescan(node("vpc_endpoint"), "vpc_endpoint", cx),
        rt: prescan(node("route_table"), "route_table", cx),
    };
    prescan(
        node("transit_gateway_route_table"),
        "transit_gateway_route_table",
        cx,
    );
    prescan(node("on_premises_network"), "on_premises_network", cx);
    m
}

/// Decodes every data-plane section from the top-level table.
pub fn decode(top: &mut Table, refs: &Refs, cx: &mut Cx) -> Option<DataPlane> {
    let nodes: Vec<Option<&Node>> = SECTIONS.iter().map(|s| top.opt(s)).collect();
    let node = |name: &str| nodes[SECTIONS.iter().position(|s| *s == name).unwrap_or(0)];
    let m = prescan_all(node, cx);
    let vpcs = refs.vpcs;
    let subnets = refs.subnets;
    let sgs = Some(refs.sgs);
    let r2 = Refs2 {
        vpcs,
        subnets,
        sgs,
        m: &m,
    };

    let internet_gateways = list(
        node("internet_gateway"),
        "internet_gateway",
        cx,
        |n, p, cx| internet_gateway(n, p, &r2, cx),
    );
    let nat_gateways = list(node("nat_gateway"), "nat_gateway", cx, |n, p, cx| {
        nat_gateway(n, p, &r2, cx)
    });
    let peerings = list(
        node("vpc_peering_connection"),
        "vpc_peering_connection",
        cx,
        |n, p, cx| vpc_peering_connection(n, p, &r2, cx),
    );
    let transit_gateways = list(
        node("transit_gateway"),
        "transit_gateway",
        cx,
        transit_gateway,
    );
    let vpc_attachments = list(
        node("transit_gateway_vpc_attachment"),
        "transit_gateway_vpc_attachment",
        cx,
        |n, p, cx| transit_gateway_vpc_attachment(n, p, &r2, cx),
    );
    let vpn_gateways = list(node("vpn_gateway"), "vpn_gateway", cx, |n, p, cx| {
        vpn_gateway(n, p, &r2, cx)
    });
    let n_vpc_attach = vpc_attachments.as_ref().map_or(0, Vec::len);
    let mut onprem_attach: Vec<TgwAttachment> = Vec::new();
    let on_premises = list(
        node("on_premises_network"),
        "on_premises_network",
        cx,
        |n, p, cx| on_premises_network(n, p, &r2, n_vpc_attach, &mut onprem_attach, cx),
    );
    // Attachment indices: VPC attachments, then on-premises networks attached to a TGW.
    let mut tgw_attachments = vpc_attachments;
    if let (Some(a), Some(o)) = (&mut tgw_attachments, &on_premises) {
        for (k, on) in o.iter().enumerate() {
            if let OnPremAttach::TransitGateway(i) = on.attach {
                let mut att = onprem_attach[i - n_vpc_attach].clone();
                att.kind = AttachmentKind::OnPremises(k);
                a.push(att);
            }
        }
    }
    // Attachment ids as the route tables see them, now in final order.
    let attach_ids: Option<Ids> = tgw_attachments.as_ref().map(|a| {
        a.iter()
            .enumerate()
            .map(|(i, x)| (x.id.clone(), i))
            .collect()
    });
    let tgw_route_tables = list(
        node("transit_gateway_route_table"),
        "transit_gateway_route_table",
        cx,
        |n, p, cx| transit_gateway_route_table(n, p, &r2, attach_ids.as_ref(), cx),
    );
    let prefix_lists = list(node("prefix_list"), "prefix_list", cx, |n, p, cx| {
        prefix_list(n, p, cx)
    });
    let vpc_endpoints = list(node("vpc_endpoint"), "vpc_endpoint", cx, |n, p, cx| {
        vpc_endpoint(n, p, &r2, cx)
    });
    let route_tables = list(node("route_table"), "route_table", cx, |n, p, cx| {
        route_table(n, p, &r2, cx)
    });
    let network_acls = list(node("network_acl"), "network_acl", cx, |n, p, cx| {
        network_acl(n, p, &r2, cx)
    });
    let security_group_rules = list(
        node("security_group_rule"),
        "security_group_rule",
        cx,
        |n, p, cx| security_group_rule(n, p, &r2, cx),
    );
    let dp = DataPlane {
        route_tables: route_tables?,
        internet_gateways: internet_gateways?,
        nat_gateways: nat_gateways?,
        peerings: peerings?,
        transit_gateways: transit_gateways?,
        tgw_attachments: tgw_attachments?,
        tgw_route_tables: tgw_route_tables?,
        vpn_gateways: vpn_gateways?,
        on_premises: on_premises?,
        prefix_lists: prefix_lists?,
        vpc_endpoints: vpc_endpoints?,
        network_acls: network_acls?,
        security_group_rules: security_group_rules?,
    };
    cross_checks(&dp, &nodes, cx);
    Some(dp)
}

/// One `[[on_premises_network]]`; one attached to a transit gateway adds its attachment to
/// `onprem_attach` (numbered after the `n_vpc_attach` VPC attachments).
fn on_premises_network(
    n: &Node,
    p: &str,
    r: &Refs2,
    n_vpc_attach: usize,
    onprem_attach: &mut Vec<TgwAttachment>,
    cx: &mut Cx,
) -> Option<OnPremises> {
    let m = r.m;
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"datacenter\"", cx);
    let cp = t.field_path("connection");
    let connection = t
        .opt("connection")
        .map_or(Some(Connection::SiteToSiteVpn), |n| {
            match read::string(n, &cp, cx)?.as_str() {
                "site-to-site-vpn" => Some(Connection::SiteToSiteVpn),
                "direct-connect" => Some(Connection::DirectConnect),
                other => {
                    cx.error(
                        RuleId::Value,
                        &cp,
                        n.span.clone(),
                        format!("unknown connection `{other}`"),
                        "use \"site-to-site-vpn\" or \"direct-connect\"",
                    );
                    None
                }
            }
        });
    let vp = t.field_path("vpn_gateway_id");
    let tp = t.field_path("transit_gateway_id");
    let vgw = t.opt("vpn_gateway_id");
    let tgw = t.opt("transit_gateway_id");
    let ap = t.field_path("advertised_prefixes");
    let prefixes = t
        .req(cx, "advertised_prefixes", "[\"192.168.0.0/16\"]")
        .and_then(|n| cidrs(n, &ap, cx));
    let capacity = mbps(&mut t, "capacity_mbps", cx);
    let egress = mbps(&mut t, "internet_egress_mbps", cx);
    t.finish(cx);
    let attach = match (vgw, tgw) {
        (Some(v), None) => OnPremAttach::VpnGateway(one(v, &vp, Some(&m.vgw), "vpn_gateway", cx)?),
        (None, Some(g)) => {
            let gw = one(g, &tp, Some(&m.tgw), "transit_gateway", cx)?;
            let idx = n_vpc_attach + onprem_attach.len();
            let name = id.clone()?;
            onprem_attach.push(TgwAttachment {
                id: name,
                transit_gateway: gw,
                kind: AttachmentKind::OnPremises(0),
                subnets: Vec::new(),
            });
            OnPremAttach::TransitGateway(idx)
        }
        _ => {
            cx.error(
                RuleId::Value,
                p,
                n.span.clone(),
                "an on-premises network attaches to exactly one of `vpn_gateway_id` and `transit_gateway_id`",
                "name the virtual private gateway or the transit gateway it connects to",
            );
            return None;
        }
    };
    Some(OnPremises {
        id: id?,
        connection: connection?,
        attach,
        advertised_prefixes: prefixes?,
        capacity_mbps: capacity?,
        internet_egress_mbps: egress?,
    })
}

/// One `[[transit_gateway_route_table]]`, its attachments named by `attach_ids`.
fn transit_gateway_route_table(
    n: &Node,
    p: &str,
    r: &Refs2,
    attach_ids: Option<&Ids>,
    cx: &mut Cx,
) -> Option<TgwRouteTable> {
    let m = r.m;
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"tgw-rtb-1\"", cx);
    let tgw = req_ref(
        &mut t,
        "transit_gateway_id",
        "\"tgw-1\"",
        Some(&m.tgw),
        "transit_gateway",
        cx,
    );
    let assoc = opt_many(
        &mut t,
        "associations",
        attach_ids,
        "transit gateway attachment",
        cx,
    );
    let props = opt_many(
        &mut t,
        "propagations",
        attach_ids,
        "transit gateway attachment",
        cx,
    );
    let rp = t.field_path("route");
    let routes = list(t.opt("route"), &rp, cx, |n, p, cx| {
        let mut r = Table::new(n, p, cx)?;
        let dp = r.field_path("destination_cidr_block");
        let dest = r
            .req(cx, "destination_cidr_block", "\"10.1.0.0/16\"")
            .and_then(|n| read::cidr(n, &dp, cx));
        let bp = r.field_path("blackhole");
        let blackhole = r
            .opt("blackhole")
            .map_or(Some(false), |n| read::boolean(n, &bp, cx));
        let ap = r.field_path("transit_gateway_attachment_id");
        let att = r.opt("transit_gateway_attachment_id");
        r.finish(cx);
        let attachment = match (blackhole?, att) {
            (true, None) => None,
            (false, Some(a)) => Some(one(a, &ap, attach_ids, "transit gateway attachment", cx)?),
            (true, Some(a)) => {
                cx.error(
                    RuleId::Value,
                    &ap,
                    a.span.clone(),
                    "a blackhole route has no attachment",
                    "remove `transit_gateway_attachment_id` or `blackhole = true`",
                );
                return None;
            }
            (false, None) => {
                cx.error(
                    RuleId::MissingField,
                    &ap,
                    n.span.start..n.span.start,
                    format!("`{ap}` is required"),
                    "add `transit_gateway_attachment_id = \"tgw-attach-…\"`, or `blackhole = true`",
                );
                return None;
            }
        };
        Some(TgwRoute {
            destination: dest?,
            attachment,
        })
    });
    t.finish(cx);
    Some(TgwRouteTable {
        id: id?,
        transit_gateway: tgw?,
        associations: assoc?,
        propagations: props?,
        routes: routes?,
    })
}

/// One `[[vpc_endpoint]]`.
fn vpc_endpoint(n: &Node, p: &str, r: &Refs2, cx: &mut Cx) -> Option<VpcEndpoint> {
    let Refs2 {
        vpcs,
        subnets,
        sgs,
        m,
    } = *r;
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"vpce-s3\"", cx);
    let vpc = req_ref(&mut t, "vpc_id", "\"vpc-main\"", vpcs, "vpc", cx);
    let sp = t.field_path("service_name");
    let service = t
        .req(cx, "service_name", "\"com.amazonaws.us-east-1.s3\"")
        .and_then(|n| read::string(n, &sp, cx));
    let kp = t.field_path("vpc_endpoint_type");
    let kind_node = t.opt("vpc_endpoint_type");
    let kind = kind_node.map_or(Some("Gateway".to_string()), |n| read::string(n, &kp, cx));
    let kind = match kind.as_deref() {
        Some("Gateway") => {
            let prefix = req_ref(
                &mut t,
                "prefix_list_id",
                "\"pl-63a5400a\"",
                Some(&m.pl),
                "prefix_list",
                cx,
            );
            let rts = opt_many(&mut t, "route_table_ids", Some(&m.rt), "route_table", cx);
            Some(EndpointKind::Gateway {
                prefix_list: prefix?,
                route_tables: rts?,
            })
            .filter(|_| true)
        }
        Some("Interface") => {
            let subs = opt_many(&mut t, "subnet_ids", subnets, "subnet", cx);
            let groups = opt_many(&mut t, "security_group_ids", sgs, "security_group", cx);
            let ip = t.field_path("ip_addresses");
            let ips = t
                .req(cx, "ip_addresses", "[\"172.31.0.10/32\"]")
                .and_then(|n| cidrs(n, &ip, cx));
            Some(EndpointKind::Interface {
                subnets: subs?,
                security_groups: groups?,
                ip_addresses: ips?,
            })
        }
        Some(other) => {
            cx.error(
                RuleId::Value,
                &kp,
                kind_node.map_or(n.span.clone(), |k| k.span.clone()),
                format!("unknown endpoint type `{other}`"),
                "use \"Gateway\" or \"Interface\"",
            );
            None
        }
        None => None,
    };
    t.finish(cx);
    Some(VpcEndpoint {
        id: id?,
        vpc: vpc?,
        service_name: service?,
        kind: kind?,
    })
}

/// One `[[network_acl]]`, its rules sorted by number in each direction.
fn network_acl(n: &Node, p: &str, r: &Refs2, cx: &mut Cx) -> Option<NetworkAcl> {
    let Refs2 { vpcs, subnets, .. } = *r;
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"acl-main\"", cx);
    let vpc = req_ref(&mut t, "vpc_id", "\"vpc-main\"", vpcs, "vpc", cx);
    let dp = t.field_path("default");
    let default = t
        .opt("default")
        .map_or(Some(false), |n| read::boolean(n, &dp, cx));
    let subs = opt_many(&mut t, "subnet_ids", subnets, "subnet", cx);
    let ip = t.field_path("ingress");
    let in_node = t.opt("ingress");
    let ingress = list(in_node, &ip, cx, acl_rule);
    let ep = t.field_path("egress");
    let out_node = t.opt("egress");
    let egress = list(out_node, &ep, cx, acl_rule);
    t.finish(cx);
    let (mut ingress, mut egress) = (ingress?, egress?);
    for (rules, path, node) in [(&mut ingress, &ip, in_node), (&mut egress, &ep, out_node)] {
        let mut seen = std::collections::BTreeSet::new();
        for (k, r) in rules.iter().enumerate() {
            if !seen.insert(r.rule_number) {
                let span = match node.map(|n| &n.value) {
                    Some(Value::Array(items)) => items[k].span.clone(),
                    _ => n.span.clone(),
                };
                cx.error(
                    RuleId::NetworkAcl,
                    &format!("{path}[{k}].rule_number"),
                    span,
                    format!("rule number {} is used twice in `{path}`", r.rule_number),
                    "give each rule of a direction its own number",
                );
            }
        }
        rules.sort_by_key(|r| r.rule_number);
    }
    Some(NetworkAcl {
        id: id?,
        vpc: vpc?,
        default: default?,
        subnets: subs?,
        ingress,
        egress,
    })
}

/// One `[[internet_gateway]]`.
fn internet_gateway(n: &Node, p: &str, r: &Refs2, cx: &mut Cx) -> Option<InternetGateway> {
    let Refs2 { vpcs, .. } = *r;
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"igw-main\"", cx);
    let vpc = req_ref(&mut t, "vpc_id", "\"vpc-main\"", vpcs, "vpc", cx);
    t.finish(cx);
    Some(InternetGateway { id: id?, vpc: vpc? })
}

/// One `[[nat_gateway]]`.
fn nat_gateway(n: &Node, p: &str, r: &Refs2, cx: &mut Cx) -> Option<NatGateway> {
    let Refs2 { subnets, .. } = *r;
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"nat-a\"", cx);
    let subnet = req_ref(
        &mut t,
        "subnet_id",
        "\"subnet-public\"",
        subnets,
        "subnet",
        cx,
    );
    let cp = t.field_path("connectivity_type");
    let public = t.opt("connectivity_type").map_or(Some(true), |n| {
        match read::string(n, &cp, cx)?.as_str() {
            "public" => Some(true),
            "private" => Some(false),
            other => {
                cx.error(
                    RuleId::Value,
                    &cp,
                    n.span.clone(),
                    format!("unknown connectivity type `{other}`"),
                    "use \"public\" or \"private\"",
                );
                None
            }
        }
    });
    let capacity = mbps(&mut t, "capacity_mbps", cx);
    t.finish(cx);
    Some(NatGateway {
        id: id?,
        subnet: subnet?,
        public: public?,
        capacity_mbps: capacity?,
    })
}

/// One `[[vpc_peering_connection]]`.
fn vpc_peering_connection(n: &Node, p: &str, r: &Refs2, cx: &mut Cx) -> Option<Peering> {
    let Refs2 { vpcs, .. } = *r;
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"pcx-1\"", cx);
    let vpc = req_ref(&mut t, "vpc_id", "\"vpc-main\"", vpcs, "vpc", cx);
    let peer = req_ref(&mut t, "peer_vpc_id", "\"vpc-peer\"", vpcs, "vpc", cx);
    t.finish(cx);
    let (vpc, peer_vpc) = (vpc?, peer?);
    if vpc == peer_vpc {
        cx.error(
            RuleId::Value,
            &join(p, "peer_vpc_id"),
            n.span.clone(),
            "a VPC cannot be peered with itself",
            "name two different VPCs",
        );
        return None;
    }
    Some(Peering {
        id: id?,
        vpc,
        peer_vpc,
    })
}

/// One `[[transit_gateway]]`.
fn transit_gateway(n: &Node, p: &str, cx: &mut Cx) -> Option<TransitGateway> {
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"tgw-1\"", cx);
    t.finish(cx);
    Some(TransitGateway { id: id? })
}

/// One `[[transit_gateway_vpc_attachment]]`.
fn transit_gateway_vpc_attachment(
    n: &Node,
    p: &str,
    r: &Refs2,
    cx: &mut Cx,
) -> Option<TgwAttachment> {
    let Refs2 {
        vpcs, subnets, m, ..
    } = *r;
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"tgw-attach-main\"", cx);
    let tgw = req_ref(
        &mut t,
        "transit_gateway_id",
        "\"tgw-1\"",
        Some(&m.tgw),
        "transit_gateway",
        cx,
    );
    let vpc = req_ref(&mut t, "vpc_id", "\"vpc-main\"", vpcs, "vpc", cx);
    let sp = t.field_path("subnet_ids");
    let subs = t
        .req(cx, "subnet_ids", "[\"subnet-a\"]")
        .and_then(|n| many(n, &sp, subnets, "subnet", cx));
    t.finish(cx);
    Some(TgwAttachment {
        id: id?,
        transit_gateway: tgw?,
        kind: AttachmentKind::Vpc(vpc?),
        subnets: subs?,
    })
}

/// One `[[vpn_gateway]]`.
fn vpn_gateway(n: &Node, p: &str, r: &Refs2, cx: &mut Cx) -> Option<VpnGateway> {
    let Refs2 { vpcs, .. } = *r;
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"vgw-1\"", cx);
    let vpc = req_ref(&mut t, "vpc_id", "\"vpc-main\"", vpcs, "vpc", cx);
    t.finish(cx);
    Some(VpnGateway { id: id?, vpc: vpc? })
}

/// One `[[prefix_list]]`.
fn prefix_list(n: &Node, p: &str, cx: &mut Cx) -> Option<PrefixList> {
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"pl-63a5400a\"", cx);
    let np = t.field_path("name");
    let name = t
        .req(cx, "name", "\"com.amazonaws.us-east-1.s3\"")
        .and_then(|n| read::string(n, &np, cx));
    let cp = t.field_path("cidr_blocks");
    let blocks = t
        .req(cx, "cidr_blocks", "[\"52.216.0.0/15\"]")
        .and_then(|n| cidrs(n, &cp, cx));
    t.finish(cx);
    Some(PrefixList {
        id: id?,
        name: name?,
        cidr_blocks: blocks?,
    })
}

/// One `[[route_table]]`.
fn route_table(n: &Node, p: &str, r: &Refs2, cx: &mut Cx) -> Option<RouteTable> {
    let Refs2 {
        vpcs, subnets, m, ..
    } = *r;
    let mut t = Table::new(n, p, cx)?;
    let id = id(&mut t, "\"rtb-main\"", cx);
    let vpc = req_ref(&mut t, "vpc_id", "\"vpc-main\"", vpcs, "vpc", cx);
    let mp = t.field_path("main");
    let main = t
        .opt("main")
        .map_or(Some(false), |n| read::boolean(n, &mp, cx));
    let subs = opt_many(&mut t, "subnet_ids", subnets, "subnet", cx);
    let vgws = opt_many(&mut t, "propagating_vgws", Some(&m.vgw), "vpn_gateway", cx);
    let rp = t.field_path("route");
    let routes = list(t.opt("route"), &rp, cx, |n, p, cx| vpc_route(n, p, m, cx));
    t.finish(cx);
    Some(RouteTable {
        id: id?,
        vpc: vpc?,
        main: main?,
        subnets: subs?,
        routes: routes?,
        propagating_vgws: vgws?,
    })
}

/// One `[[security_group_rule]]`.
fn security_group_rule(n: &Node, p: &str, r: &Refs2, cx: &mut Cx) -> Option<SgRule> {
    let Refs2 { sgs, .. } = *r;
    let mut t = Table::new(n, p, cx)?;
    let group = req_ref(
        &mut t,
        "security_group_id",
        "\"sg-db\"",
        sgs,
        "security_group",
        cx,
    );
    let tp = t.field_path("type");
    let ty =
        t.req(cx, "type", "\"ingress\"")
            .and_then(|n| match read::string(n, &tp, cx)?.as_str() {
                "ingress" => Some(false),
                "egress" => Some(true),
                other => {
                    cx.error(
                        RuleId::Value,
                        &tp,
                        n.span.clone(),
                        format!("unknown rule type `{other}`"),
                        "use \"ingress\" or \"egress\"",
                    );
                    None
                }
            });
    let proto = protocol(&mut t, cx);
    let range = ports(&mut t, proto, cx);
    let cp = t.field_path("cidr_blocks");
    let sp = t.field_path("source_security_group_id");
    let c = t.opt("cidr_blocks");
    let sg = t.opt("source_security_group_id");
    let dp = t.field_path("description");
    let description = t.opt("description").and_then(|n| read::string(n, &dp, cx));
    t.finish(cx);
    let source = match (c, sg) {
        (Some(c), None) => SgSource::Cidrs(cidrs(c, &cp, cx)?),
        (None, Some(g)) => SgSource::Group(one(g, &sp, sgs, "security_group", cx)?),
        _ => {
            cx.error(
            RuleId::Value,
            p,
            n.span.clone(),
            "a security group rule has exactly one of `cidr_blocks` and `source_security_group_id`",
            "write one rule per source",
        );
            return None;
        }
    };
    Some(SgRule {
        security_group: group?,
        egress: ty?,
        protocol: proto?,
        ports: range?,
        source,
        description,
    })
}

fn acl_rule(n: &Node, p: &str, cx: &mut Cx) -> Option<AclRule> {
    let mut t = Table::new(n, p, cx)?;
    let np = t.field_path("rule_number");
    let number = t
        .req(cx, "rule_number", "100")
        .and_then(|n| read::integer(n, &np, 1, 32766, cx));
    let proto = protocol(&mut t, cx);
    let ap = t.field_path("rule_action");
    let action = t.req(cx, "rule_action", "\"allow\"").and_then(|n| {
        match read::string(n, &ap, cx)?.as_str() {
            "allow" => Some(Action::Allow),
            "deny" => Some(Action::Deny),
            other => {
                cx.error(
                    RuleId::Value,
                    &ap,
                    n.span.clone(),
                    format!("unknown rule action `{other}`"),
                    "use \"allow\" or \"deny\"",
                );
                None
            }
        }
    });
    let cp = t.field_path("cidr_block");
    let cidr = t
        .req(cx, "cidr_block", "\"0.0.0.0/0\"")
        .and_then(|n| read::cidr(n, &cp, cx));
    let range = ports(&mut t, proto, cx);
    t.finish(cx);
    Some(AclRule {
        rule_number: number? as u16,
        protocol: proto?,
        action: action?,
        cidr_block: cidr?,
        ports: range?,
    })
}

fn vpc_route(n: &Node, p: &str, m: &Maps, cx: &mut Cx) -> Option<VpcRoute> {
    let mut t = Table::new(n, p, cx)?;
    let dp = t.field_path("destination_cidr_block");
    let lp = t.field_path("destination_prefix_list_id");
    let d = t.opt("destination_cidr_block");
    let l = t.opt("destination_prefix_list_id");
    let destination = match (d, l) {
        (Some(d), None) => read::cidr(d, &dp, cx).map(RouteDestination::Cidr),
        (None, Some(l)) => {
            one(l, &lp, Some(&m.pl), "prefix_list", cx).map(RouteDestination::PrefixList)
        }
        _ => {
            cx.error(
                RuleId::Value,
                p,
                n.span.clone(),
                "a route has exactly one of `destination_cidr_block` and `destination_prefix_list_id`",
                "add `destination_cidr_block = \"0.0.0.0/0\"`",
            );
            None
        }
    };
    let sp = t.field_path("state");
    let blackhole =
        t.opt("state")
            .map_or(Some(false), |n| match read::string(n, &sp, cx)?.as_str() {
                "active" => Some(false),
                "blackhole" => Some(true),
                other => {
                    cx.error(
                        RuleId::Value,
                        &sp,
                        n.span.clone(),
                        format!("unknown route state `{other}`"),
                        "use \"active\" or \"blackhole\"",
                    );
                    None
                }
            });
    let targets: Vec<(TargetField, &Node)> = TargetField::ALL
        .iter()
        .filter_map(|f| t.opt(f.name()).map(|n| (*f, n)))
        .collect();
    t.finish(cx);
    let [(field, tn)] = targets.as_slice() else {
        cx.error(
            RuleId::VpcRouteTarget,
            p,
            n.span.clone(),
            format!("a route names exactly one target, found {}", targets.len()),
            "add one of gateway_id (an internet or virtual private gateway, or \"local\"), nat_gateway_id, vpc_peering_connection_id, transit_gateway_id, vpc_endpoint_id",
        );
        return None;
    };
    let tp = join(p, field.name());
    let name = read::string(tn, &tp, cx)?;
    let blackhole = blackhole?;
    let found = match field {
        TargetField::GatewayId if name == "local" => Some(Gateway::Local),
        TargetField::GatewayId => m
            .igw
            .get(&name)
            .map(|&i| Gateway::Internet(i))
            .or_else(|| m.vgw.get(&name).map(|&i| Gateway::VpnGateway(i)))
            .or_else(|| m.vpce.get(&name).map(|&i| Gateway::Endpoint(i))),
        TargetField::NatGatewayId => m.nat.get(&name).map(|&i| Gateway::Nat(i)),
        TargetField::VpcPeeringConnectionId => m.pcx.get(&name).map(|&i| Gateway::Peering(i)),
        TargetField::TransitGatewayId => m.tgw.get(&name).map(|&i| Gateway::TransitGateway(i)),
        TargetField::VpcEndpointId => m.vpce.get(&name).map(|&i| Gateway::Endpoint(i)),
    };
    if found.is_none() && !blackhole {
        cx.error(
            RuleId::UnknownReference,
            &tp,
            tn.span.clone(),
            format!("route target `{name}` is not declared"),
            "declare the gateway, or mark the route `state = \"blackhole\"` if its target was deleted",
        );
        return None;
    }
    Some(VpcRoute {
        destination: destination?,
        field: *field,
        target_id: name,
        target: found,
        blackhole,
    })
}

/// Checks that need several sections: things in one VPC refer to things in the same VPC, at most
/// one main route table per VPC, a subnet in at most one route table and one network ACL.
fn cross_checks(dp: &DataPlane, nodes: &[Option<&Node>], cx: &mut Cx) {
    main_and_subnet_associations(dp, nodes, cx);
    duplicate_routes(dp, nodes, cx);
    endpoint_route_tables(dp, nodes, cx);
    route_target_vpcs(dp, nodes, cx);
    acl_associations(dp, nodes, cx);
}

/// The span of item `i` of `section` (empty when it cannot be found).
fn section_span(nodes: &[Option<&Node>], section: &str, i: usize) -> Range<usize> {
    let k = SECTIONS.iter().position(|s| *s == section).unwrap_or(0);
    match nodes[k].map(|n| &n.value) {
        Some(Value::Array(items)) => items.get(i).map_or(0..0, |n| n.span.clone()),
        _ => 0..0,
    }
}

/// The span of route `k` of route table `i` (the table's when it cannot be found).
fn route_span(nodes: &[Option<&Node>], i: usize, k: usize) -> Range<usize> {
    let k_rt = SECTIONS
        .iter()
        .position(|s| *s == "route_table")
        .unwrap_or(0);
    let table = match nodes[k_rt].map(|n| &n.value) {
        Some(Value::Array(items)) => items.get(i),
        _ => None,
    };
    match table.and_then(|t| t.get("route")).map(|r| &r.value) {
        Some(Value::Array(routes)) => routes.get(k).map_or(0..0, |n| n.span.clone()),
        _ => section_span(nodes, "route_table", i),
    }
}

/// Each VPC has at most one main route table, and each subnet one route table.
fn main_and_subnet_associations(dp: &DataPlane, nodes: &[Option<&Node>], cx: &mut Cx) {
    let mut mains: BTreeMap<VpcId, usize> = BTreeMap::new();
    let mut table_of: BTreeMap<SubnetId, usize> = BTreeMap::new();
    for (i, rt) in dp.route_tables.iter().enumerate() {
        if rt.main {
            if let Some(&j) = mains.get(&rt.vpc) {
                cx.error(
                    RuleId::RouteTable,
                    &format!("route_table[{i}].main"),
                    section_span(nodes, "route_table", i),
                    format!(
                        "route tables `{}` and `{}` are both main for the same VPC",
                        dp.route_tables[j].id, rt.id
                    ),
                    "a VPC has one main route table",
                );
            } else {
                mains.insert(rt.vpc, i);
            }
        }
        for s in &rt.subnets {
            if let Some(&j) = table_of.get(s) {
                cx.error(
                    RuleId::RouteTable,
                    &format!("route_table[{i}].subnet_ids"),
                    section_span(nodes, "route_table", i),
                    format!(
                        "a subnet is associated with both `{}` and `{}`",
                        dp.route_tables[j].id, rt.id
                    ),
                    "associate each subnet with one route table",
                );
            } else {
                table_of.insert(*s, i);
            }
        }
    }
}

/// A route table has one route per destination.
fn duplicate_routes(dp: &DataPlane, nodes: &[Option<&Node>], cx: &mut Cx) {
    for (i, rt) in dp.route_tables.iter().enumerate() {
        let mut seen = std::collections::BTreeSet::new();
        for (k, r) in rt.routes.iter().enumerate() {
            let key = match r.destination {
                RouteDestination::Cidr(c) => (0, c.to_string()),
                RouteDestination::PrefixList(l) => (1, dp.prefix_lists[l].id.clone()),
            };
            if !seen.insert(key.clone()) {
                cx.error(
                    RuleId::RouteTable,
                    &format!("route_table[{i}].route[{k}]"),
                    route_span(nodes, i, k),
                    format!("route table `{}` has two routes to {}", rt.id, key.1),
                    "a route table has one route per destination",
                );
            }
        }
    }
}

/// A gateway endpoint is associated only with route tables of its own VPC.
fn endpoint_route_tables(dp: &DataPlane, nodes: &[Option<&Node>], cx: &mut Cx) {
    for (i, e) in dp.vpc_endpoints.iter().enumerate() {
        if let EndpointKind::Gateway { route_tables, .. } = &e.kind {
            for &r in route_tables {
                if dp.route_tables[r].vpc != e.vpc {
                    cx.error(
                        RuleId::RouteTable,
                        &format!("vpc_endpoint[{i}].route_table_ids"),
                        section_span(nodes, "vpc_endpoint", i),
                        format!(
                            "route table `{}` is in another VPC than endpoint `{}`",
                            dp.route_tables[r].id, e.id
                        ),
                        "associate a gateway endpoint with route tables of its own VPC",
                    );
                }
            }
        }
    }
}

/// A route targets only gateways attached to its table's VPC.
fn route_target_vpcs(dp: &DataPlane, nodes: &[Option<&Node>], cx: &mut Cx) {
    for (i, rt) in dp.route_tables.iter().enumerate() {
        for (k, r) in rt.routes.iter().enumerate() {
            let other = match r.target {
                Some(Gateway::Internet(g)) => Some(dp.internet_gateways[g].vpc),
                Some(Gateway::VpnGateway(g)) => Some(dp.vpn_gateways[g].vpc),
                Some(Gateway::Endpoint(g)) => Some(dp.vpc_endpoints[g].vpc),
                Some(Gateway::Peering(g)) => {
                    let pc = &dp.peerings[g];
                    (pc.vpc != rt.vpc && pc.peer_vpc != rt.vpc).then_some(pc.vpc)
                }
                _ => None,
            };
            if other.is_some_and(|v| v != rt.vpc) {
                cx.error(
                    RuleId::VpcRouteTarget,
                    &format!("route_table[{i}].route[{k}].{}", r.field.name()),
                    route_span(nodes, i, k),
                    format!(
                        "`{}` belongs to another VPC than route table `{}`",
                        r.target_id, rt.id
                    ),
                    "route only to gateways attached to the table's VPC",
                );
            }
        }
    }
}

/// Each subnet has at most one network ACL.
fn acl_associations(dp: &DataPlane, nodes: &[Option<&Node>], cx: &mut Cx) {
    let mut acl_of: BTreeMap<SubnetId, usize> = BTreeMap::new();
    for (i, a) in dp.network_acls.iter().enumerate() {
        for s in &a.subnets {
            if let Some(&j) = acl_of.get(s) {
                cx.error(
                    RuleId::NetworkAcl,
                    &format!("network_acl[{i}].subnet_ids"),
                    section_span(nodes, "network_acl", i),
                    format!(
                        "a subnet is associated with both `{}` and `{}`",
                        dp.network_acls[j].id, a.id
                    ),
                    "a subnet has one network ACL",
                );
            } else {
                acl_of.insert(*s, i);
            }
        }
    }
}

fn strs<'a>(items: impl IntoIterator<Item = &'a str>) -> TomlValue {
    TomlValue::Array(items.into_iter().collect::<Array>())
}

fn cidr_strs(items: &[Ipv4Net]) -> TomlValue {
    let v: Vec<String> = items.iter().map(|c| c.to_string()).collect();
    strs(v.iter().map(String::as_str))
}

fn protocol_value(p: Protocol) -> TomlValue {
    TomlValue::from(p.name())
}

fn put_ports(t: &mut InlineTable, p: Protocol, r: PortRange) {
    if matches!(p, Protocol::Tcp | Protocol::Udp) {
        t.insert("from_port", TomlValue::from(r.from as i64));
        t.insert("to_port", TomlValue::from(r.to as i64));
    }
}

/// Writes the data-plane sections into `doc` (nothing when the data plane is empty).
pub fn write(s: &Scenario, doc: &mut DocumentMut) {
    let dp = &s.data_plane;
    let mut put = |name: &str, tables: Vec<TomlTable>| {
        if !tables.is_empty() {
            let mut a = ArrayOfTables::new();
            for t in tables {
                a.push(t);
            }
            doc[name] = Item::ArrayOfTables(a);
        }
    };
    put(
        "internet_gateway",
        dp.internet_gateways
            .iter()
            .map(|g| internet_gateway_table(s, g))
            .collect(),
    );
    put(
        "nat_gateway",
        dp.nat_gateways
            .iter()
            .map(|g| nat_gateway_table(s, g))
            .collect(),
    );
    put(
        "vpc_peering_connection",
        dp.peerings
            .iter()
            .map(|g| vpc_peering_connection_table(s, g))
            .collect(),
    );
    put(
        "transit_gateway",
        dp.transit_gateways
            .iter()
            .map(transit_gateway_table)
            .collect(),
    );
    put(
        "transit_gateway_vpc_attachment",
        dp.tgw_attachments
            .iter()
            .filter_map(|a| transit_gateway_vpc_attachment_table(s, a))
            .collect(),
    );
    put(
        "transit_gateway_route_table",
        dp.tgw_route_tables
            .iter()
            .map(|r| transit_gateway_route_table_table(s, r))
            .collect(),
    );
    put(
        "vpn_gateway",
        dp.vpn_gateways
            .iter()
            .map(|g| vpn_gateway_table(s, g))
            .collect(),
    );
    put(
        "on_premises_network",
        dp.on_premises
            .iter()
            .map(|o| on_premises_network_table(s, o))
            .collect(),
    );
    put(
        "prefix_list",
        dp.prefix_lists.iter().map(prefix_list_table).collect(),
    );
    put(
        "vpc_endpoint",
        dp.vpc_endpoints
            .iter()
            .map(|e| vpc_endpoint_table(s, e))
            .collect(),
    );
    put(
        "route_table",
        dp.route_tables
            .iter()
            .map(|r| route_table_table(s, r))
            .collect(),
    );
    put(
        "network_acl",
        dp.network_acls
            .iter()
            .map(|a| network_acl_table(s, a))
            .collect(),
    );
    put(
        "security_group_rule",
        dp.security_group_rules
            .iter()
            .map(|r| security_group_rule_table(s, r))
            .collect(),
    );
}

/// The `[[internet_gateway]]` table of one InternetGateway.
fn internet_gateway_table(s: &Scenario, g: &InternetGateway) -> TomlTable {
    let vpc = |v: VpcId| s.vpcs[v.index()].id.as_str();
    let mut t = TomlTable::new();
    t["id"] = value(g.id.as_str());
    t["vpc_id"] = value(vpc(g.vpc));
    t
}

/// The `[[nat_gateway]]` table of one NatGateway.
fn nat_gateway_table(s: &Scenario, g: &NatGateway) -> TomlTable {
    let subnet = |x: &SubnetId| s.subnets[x.index()].id.as_str();
    let mut t = TomlTable::new();
    t["id"] = value(g.id.as_str());
    t["subnet_id"] = value(subnet(&g.subnet));
    t["connectivity_type"] = value(if g.public { "public" } else { "private" });
    if let Some(c) = g.capacity_mbps {
        t["capacity_mbps"] = value(c);
    }
    t
}

/// The `[[vpc_peering_connection]]` table of one Peering.
fn vpc_peering_connection_table(s: &Scenario, g: &Peering) -> TomlTable {
    let vpc = |v: VpcId| s.vpcs[v.index()].id.as_str();
    let mut t = TomlTable::new();
    t["id"] = value(g.id.as_str());
    t["vpc_id"] = value(vpc(g.vpc));
    t["peer_vpc_id"] = value(vpc(g.peer_vpc));
    t
}

/// The `[[transit_gateway]]` table of one TransitGateway.
fn transit_gateway_table(g: &TransitGateway) -> TomlTable {
    let mut t = TomlTable::new();
    t["id"] = value(g.id.as_str());
    t
}

/// The `[[transit_gateway_vpc_attachment]]` table of one TgwAttachment, or none when it is not of that kind.
fn transit_gateway_vpc_attachment_table(s: &Scenario, a: &TgwAttachment) -> Option<TomlTable> {
    let dp = &s.data_plane;
    let vpc = |v: VpcId| s.vpcs[v.index()].id.as_str();
    let subnet = |x: &SubnetId| s.subnets[x.index()].id.as_str();
    let AttachmentKind::Vpc(v) = a.kind else {
        return None;
    };
    let mut t = TomlTable::new();
    t["id"] = value(a.id.as_str());
    t["transit_gateway_id"] = value(dp.transit_gateways[a.transit_gateway].id.as_str());
    t["vpc_id"] = value(vpc(v));
    t["subnet_ids"] = Item::Value(strs(a.subnets.iter().map(subnet)));
    Some(t)
}

/// The `[[transit_gateway_route_table]]` table of one TgwRouteTable.
fn transit_gateway_route_table_table(s: &Scenario, r: &TgwRouteTable) -> TomlTable {
    let dp = &s.data_plane;
    let mut t = TomlTable::new();
    let att = |i: &usize| dp.tgw_attachments[*i].id.as_str();
    t["id"] = value(r.id.as_str());
    t["transit_gateway_id"] = value(dp.transit_gateways[r.transit_gateway].id.as_str());
    t["associations"] = Item::Value(strs(r.associations.iter().map(att)));
    t["propagations"] = Item::Value(strs(r.propagations.iter().map(att)));
    let routes: Array = r
        .routes
        .iter()
        .map(|x| {
            let mut i = InlineTable::new();
            i.insert(
                "destination_cidr_block",
                TomlValue::from(x.destination.to_string()),
            );
            match x.attachment {
                Some(a) => {
                    i.insert("transit_gateway_attachment_id", TomlValue::from(att(&a)));
                }
                None => {
                    i.insert("blackhole", TomlValue::from(true));
                }
            }
            TomlValue::InlineTable(i)
        })
        .collect();
    t["route"] = Item::Value(TomlValue::Array(routes));
    t
}

/// The `[[vpn_gateway]]` table of one VpnGateway.
fn vpn_gateway_table(s: &Scenario, g: &VpnGateway) -> TomlTable {
    let vpc = |v: VpcId| s.vpcs[v.index()].id.as_str();
    let mut t = TomlTable::new();
    t["id"] = value(g.id.as_str());
    t["vpc_id"] = value(vpc(g.vpc));
    t
}

/// The `[[on_premises_network]]` table of one OnPremises.
fn on_premises_network_table(s: &Scenario, o: &OnPremises) -> TomlTable {
    let dp = &s.data_plane;
    let mut t = TomlTable::new();
    t["id"] = value(o.id.as_str());
    t["connection"] = value(o.connection.name());
    match o.attach {
        OnPremAttach::VpnGateway(g) => t["vpn_gateway_id"] = value(dp.vpn_gateways[g].id.as_str()),
        OnPremAttach::TransitGateway(a) => {
            t["transit_gateway_id"] = value(
                dp.transit_gateways[dp.tgw_attachments[a].transit_gateway]
                    .id
                    .as_str(),
            )
        }
    }
    t["advertised_prefixes"] = Item::Value(cidr_strs(&o.advertised_prefixes));
    if let Some(c) = o.capacity_mbps {
        t["capacity_mbps"] = value(c);
    }
    if let Some(c) = o.internet_egress_mbps {
        t["internet_egress_mbps"] = value(c);
    }
    t
}

/// The `[[prefix_list]]` table of one PrefixList.
fn prefix_list_table(l: &PrefixList) -> TomlTable {
    let mut t = TomlTable::new();
    t["id"] = value(l.id.as_str());
    t["name"] = value(l.name.as_str());
    t["cidr_blocks"] = Item::Value(cidr_strs(&l.cidr_blocks));
    t
}

/// The `[[vpc_endpoint]]` table of one VpcEndpoint.
fn vpc_endpoint_table(s: &Scenario, e: &VpcEndpoint) -> TomlTable {
    let dp = &s.data_plane;
    let vpc = |v: VpcId| s.vpcs[v.index()].id.as_str();
    let subnet = |x: &SubnetId| s.subnets[x.index()].id.as_str();
    let sg = |x: &SgId| s.security_groups[x.index()].id.as_str();
    let mut t = TomlTable::new();
    t["id"] = value(e.id.as_str());
    t["vpc_id"] = value(vpc(e.vpc));
    t["service_name"] = value(e.service_name.as_str());
    match &e.kind {
        EndpointKind::Gateway {
            prefix_list,
            route_tables,
        } => {
            t["vpc_endpoint_type"] = value("Gateway");
            t["prefix_list_id"] = value(dp.prefix_lists[*prefix_list].id.as_str());
            t["route_table_ids"] = Item::Value(strs(
                route_tables.iter().map(|r| dp.route_tables[*r].id.as_str()),
            ));
        }
        EndpointKind::Interface {
            subnets,
            security_groups,
            ip_addresses,
        } => {
            t["vpc_endpoint_type"] = value("Interface");
            t["subnet_ids"] = Item::Value(strs(subnets.iter().map(subnet)));
            t["security_group_ids"] = Item::Value(strs(security_groups.iter().map(sg)));
            t["ip_addresses"] = Item::Value(cidr_strs(ip_addresses));
        }
    }
    t
}

/// The `[[route_table]]` table of one RouteTable.
fn route_table_table(s: &Scenario, r: &RouteTable) -> TomlTable {
    let dp = &s.data_plane;
    let vpc = |v: VpcId| s.vpcs[v.index()].id.as_str();
    let subnet = |x: &SubnetId| s.subnets[x.index()].id.as_str();
    let mut t = TomlTable::new();
    t["id"] = value(r.id.as_str());
    t["vpc_id"] = value(vpc(r.vpc));
    if r.main {
        t["main"] = value(true);
    }
    t["subnet_ids"] = Item::Value(strs(r.subnets.iter().map(subnet)));
    if !r.propagating_vgws.is_empty() {
        t["propagating_vgws"] = Item::Value(strs(
            r.propagating_vgws
                .iter()
                .map(|g| dp.vpn_gateways[*g].id.as_str()),
        ));
    }
    let routes: Array = r
        .routes
        .iter()
        .map(|x| {
            let mut i = InlineTable::new();
            match x.destination {
                RouteDestination::Cidr(c) => {
                    i.insert("destination_cidr_block", TomlValue::from(c.to_string()));
                }
                RouteDestination::PrefixList(l) => {
                    i.insert(
                        "destination_prefix_list_id",
                        TomlValue::from(dp.prefix_lists[l].id.as_str()),
                    );
                }
            }
            i.insert(x.field.name(), TomlValue::from(x.target_id.as_str()));
            if x.blackhole {
                i.insert("state", TomlValue::from("blackhole"));
            }
            TomlValue::InlineTable(i)
        })
        .collect();
    t["route"] = Item::Value(TomlValue::Array(routes));
    t
}

/// The `[[network_acl]]` table of one NetworkAcl.
fn network_acl_table(s: &Scenario, a: &NetworkAcl) -> TomlTable {
    let vpc = |v: VpcId| s.vpcs[v.index()].id.as_str();
    let subnet = |x: &SubnetId| s.subnets[x.index()].id.as_str();
    let mut t = TomlTable::new();
    t["id"] = value(a.id.as_str());
    t["vpc_id"] = value(vpc(a.vpc));
    if a.default {
        t["default"] = value(true);
    }
    t["subnet_ids"] = Item::Value(strs(a.subnets.iter().map(subnet)));
    let rules = |rs: &[AclRule]| -> Array {
        rs.iter()
            .map(|r| {
                let mut i = InlineTable::new();
                i.insert("rule_number", TomlValue::from(r.rule_number as i64));
                i.insert("protocol", protocol_value(r.protocol));
                i.insert(
                    "rule_action",
                    TomlValue::from(match r.action {
                        Action::Allow => "allow",
                        Action::Deny => "deny",
                    }),
                );
                i.insert("cidr_block", TomlValue::from(r.cidr_block.to_string()));
                put_ports(&mut i, r.protocol, r.ports);
                TomlValue::InlineTable(i)
            })
            .collect()
    };
    t["ingress"] = Item::Value(TomlValue::Array(rules(&a.ingress)));
    t["egress"] = Item::Value(TomlValue::Array(rules(&a.egress)));
    t
}

/// The `[[security_group_rule]]` table of one SgRule.
fn security_group_rule_table(s: &Scenario, r: &SgRule) -> TomlTable {
    let sg = |x: &SgId| s.security_groups[x.index()].id.as_str();
    let mut t = TomlTable::new();
    t["security_group_id"] = value(sg(&r.security_group));
    t["type"] = value(if r.egress { "egress" } else { "ingress" });
    t["protocol"] = Item::Value(protocol_value(r.protocol));
    if matches!(r.protocol, Protocol::Tcp | Protocol::Udp) {
        t["from_port"] = value(r.ports.from as i64);
        t["to_port"] = value(r.ports.to as i64);
    }
    match &r.source {
        SgSource::Cidrs(c) => t["cidr_blocks"] = Item::Value(cidr_strs(c)),
        SgSource::Group(g) => t["source_security_group_id"] = value(sg(g)),
    }
    if let Some(d) = &r.description {
        t["description"] = value(d.as_str());
    }
    t
}
