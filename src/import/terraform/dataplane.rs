//! The data plane from `terraform show -json`: route tables (`aws_route_table`,
//! `aws_default_route_table`, `aws_route`, `aws_route_table_association`,
//! `aws_main_route_table_association`, `aws_vpn_gateway_route_propagation`), gateways
//! (`aws_internet_gateway` (+`_attachment`), `aws_nat_gateway`, `aws_vpn_gateway`
//! (+`_attachment`)), peering (`aws_vpc_peering_connection`, `…_accepter`), transit gateways
//! (`aws_ec2_transit_gateway`, `…_vpc_attachment`, `…_route_table`, `…_route_table_association`,
//! `…_route_table_propagation`, `…_route`, and the default route tables), Site-to-Site VPN
//! (`aws_vpn_connection` with its static routes / `aws_vpn_connection_route`), VPC endpoints
//! (`aws_vpc_endpoint`, `aws_vpc_endpoint_route_table_association`, prefix lists from the
//! endpoint, `data "aws_prefix_list"` or `aws_ec2_managed_prefix_list`), network ACLs
//! (`aws_network_acl`, `aws_default_network_acl`, inline rules, `aws_network_acl_rule`,
//! `aws_network_acl_association`) and security groups (`aws_security_group`,
//! `aws_default_security_group`, inline rules, `aws_security_group_rule`,
//! `aws_vpc_security_group_ingress_rule` / `_egress_rule`).
//!
//! Ids known only after apply are traced through the configuration like the endpoint's
//! (`Plan::id_attr`). Resources of the data plane the scenario cannot express (Direct Connect,
//! egress-only gateways, transit gateway peering, …) are reported, and every other resource type
//! the plan holds is named in one note, so nothing is dropped silently.

use super::{Plan, Res, ASSOCIATION, ENDPOINT, ROUTE, RULE};
use crate::import::draft::{Config, DpRow, DpVal, Src, Sv};
use crate::import::json::{Findings, Level, Obj, Origin};
use crate::model::dataplane::Protocol;

/// Resource types read elsewhere by the importer.
const READ_ELSEWHERE: &[&str] = &[
    ENDPOINT,
    ASSOCIATION,
    ROUTE,
    RULE,
    "aws_subnet",
    "aws_vpc",
    "aws_vpc_ipv4_cidr_block_association",
];

/// Resource types read here.
const READ_HERE: &[&str] = &[
    "aws_internet_gateway",
    "aws_internet_gateway_attachment",
    "aws_nat_gateway",
    "aws_vpc_peering_connection",
    "aws_vpc_peering_connection_accepter",
    "aws_vpn_gateway",
    "aws_vpn_gateway_attachment",
    "aws_vpn_gateway_route_propagation",
    "aws_customer_gateway",
    "aws_vpn_connection",
    "aws_vpn_connection_route",
    "aws_ec2_transit_gateway",
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_ec2_transit_gateway_route_table",
    "aws_ec2_transit_gateway_route_table_association",
    "aws_ec2_transit_gateway_route_table_propagation",
    "aws_ec2_transit_gateway_route",
    "aws_prefix_list",
    "aws_ec2_managed_prefix_list",
    "aws_vpc_endpoint",
    "aws_vpc_endpoint_route_table_association",
    "aws_route_table",
    "aws_default_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_main_route_table_association",
    "aws_network_acl",
    "aws_default_network_acl",
    "aws_network_acl_rule",
    "aws_network_acl_association",
    "aws_security_group",
    "aws_default_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
];

/// Data-plane resource types the scenario format does not model, and what to do instead.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "aws_dx_",
        "Direct Connect is not imported: declare the network behind it as an \
         [[on_premises_network]] with connection = \"direct-connect\"",
    ),
    (
        "aws_egress_only_internet_gateway",
        "egress-only internet gateways carry IPv6, which is not modelled",
    ),
    (
        "aws_ec2_transit_gateway_peering_attachment",
        "transit gateway peering is not modelled",
    ),
    (
        "aws_ec2_transit_gateway_connect",
        "transit gateway Connect attachments are not modelled",
    ),
    (
        "aws_ec2_transit_gateway_vpc_attachment_accepter",
        "a cross-account attachment's accepter is not read: the attachment itself is",
    ),
    (
        "aws_networkfirewall_",
        "Network Firewall is not modelled: traffic it filters is taken as passed",
    ),
    (
        "aws_ec2_local_gateway",
        "Outposts local gateways are not modelled",
    ),
    (
        "aws_ec2_carrier_gateway",
        "carrier gateways are not modelled",
    ),
];

fn dv(s: Sv<String>) -> Sv<DpVal> {
    Sv {
        value: DpVal::Str(s.value),
        src: s.src,
    }
}

fn strs(s: Sv<Vec<String>>) -> Sv<DpVal> {
    Sv {
        value: DpVal::Strs(s.value),
        src: s.src,
    }
}

/// A route's targets the scenario models, by Terraform's names.
const ROUTE_TARGETS: [&str; 5] = [
    "gateway_id",
    "nat_gateway_id",
    "vpc_peering_connection_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
];

/// A route's targets the scenario does not model.
const OTHER_TARGETS: [&str; 6] = [
    "network_interface_id",
    "egress_only_gateway_id",
    "carrier_gateway_id",
    "local_gateway_id",
    "core_network_arn",
    "instance_id",
];

/// A transit gateway's id and its default association and propagation route tables.
type DefaultTables = (String, Option<Sv<String>>, Option<Sv<String>>);

struct Reader<'p, 'a, 'c> {
    p: &'p Plan<'a>,
    config: &'c mut Config,
    /// Each transit gateway's default route tables.
    defaults: Vec<DefaultTables>,
}

/// Reads every data-plane resource of the plan into `config`.
pub(super) fn read(p: &Plan<'_>, config: &mut Config, out: &mut Findings) {
    let mut r = Reader {
        p,
        config,
        defaults: Vec::new(),
    };
    r.prefix_lists(out);
    r.internet_gateways(out);
    r.nat_gateways(out);
    r.peerings(out);
    r.vpn_gateways(out);
    r.transit_gateways(out);
    r.vpn_connections(out);
    r.vpc_endpoints(out);
    r.route_tables(out);
    r.network_acls(out);
    r.security_groups(out);
    r.unsupported(out);
}

impl<'p, 'a> Reader<'p, 'a, '_> {
    fn managed(&self, t: &str) -> Vec<&'p Res<'a>> {
        let p: &'p Plan<'a> = self.p;
        p.of_type(t).filter(|r| !r.is_data()).collect()
    }

    /// The resource's own id: as read, or its address when known only after apply.
    fn own_id(
        &self,
        r: &Res<'a>,
        o: &mut Obj<'a>,
        key: &'static str,
        out: &mut Findings,
    ) -> Sv<String> {
        match o.opt_str(key, out).filter(|s| !s.is_empty()) {
            Some(id) => Sv::input(id.to_string(), o.origin_of(key)),
            None => Sv::input(r.address.clone(), o.origin()),
        }
    }

    /// A reference to another resource's id (`vpc_id = aws_vpc.main.id`); empty counts as absent.
    fn id(
        &self,
        r: &Res<'a>,
        o: &mut Obj<'a>,
        key: &'static str,
        needed: bool,
        out: &mut Findings,
    ) -> Option<Sv<String>> {
        let v = self.p.id_attr(r, o, key, needed, out)?;
        (!v.value.is_empty()).then_some(v)
    }

    fn prefix_lists(&mut self, out: &mut Findings) {
        // `data "aws_prefix_list"` gives an AWS-managed list's blocks; declared only when used.
        for r in self.managed("aws_ec2_managed_prefix_list") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let id = self.own_id(r, &mut o, "id", out);
            let name = self.p.str_attr(r, &mut o, "name", false, out);
            let mut blocks: Vec<String> = Vec::new();
            let eo = o.origin_of("entry");
            for mut e in o.objects("entry", false, out) {
                if let Some(c) = e.opt_str("cidr", out) {
                    blocks.push(c.to_string());
                }
                e.known(&["description"]);
                e.finish(out);
            }
            o.known(&[
                "arn",
                "address_family",
                "max_entries",
                "owner_id",
                "tags",
                "tags_all",
                "version",
            ]);
            let mut row = DpRow::new(o.origin());
            o.finish(out);
            row.str("id", id.clone());
            row.str("name", name.unwrap_or_else(|| id.clone()));
            row.set("cidr_blocks", Sv::input(DpVal::Strs(blocks), eo));
            self.config.push_data_plane("prefix_list", row);
        }
    }

    /// The prefix list of a gateway endpoint to `service`: the endpoint's own (`prefix_list_id`
    /// and `cidr_blocks`, known in a state), or a `data "aws_prefix_list"` with that name.
    fn endpoint_prefix_list(
        &mut self,
        r: &Res<'a>,
        o: &mut Obj<'a>,
        service: &str,
        out: &mut Findings,
    ) -> Option<Sv<String>> {
        let own = o.opt_str("prefix_list_id", out).filter(|s| !s.is_empty());
        let blocks = o.opt_strings("cidr_blocks", out).filter(|b| !b.is_empty());
        if let (Some(id), Some(blocks)) = (own, blocks) {
            if self.config.data_plane_item("prefix_list", id).is_none() {
                let mut row = DpRow::new(o.origin_of("prefix_list_id"));
                row.set(
                    "id",
                    Sv::input(DpVal::Str(id.into()), o.origin_of("prefix_list_id")),
                );
                row.set(
                    "name",
                    Sv::input(DpVal::Str(service.into()), o.origin_of("service_name")),
                );
                row.set(
                    "cidr_blocks",
                    Sv::input(DpVal::Strs(blocks), o.origin_of("cidr_blocks")),
                );
                self.config.push_data_plane("prefix_list", row);
            }
            return Some(Sv::input(id.to_string(), o.origin_of("prefix_list_id")));
        }
        let plan: &'p Plan<'a> = self.p;
        for d in plan.of_type("aws_prefix_list").filter(|x| x.is_data()) {
            let Some(mut po) = self.p.values(d, out) else {
                continue;
            };
            if po.opt_str("name", out) != Some(service) {
                continue;
            }
            let id = po.opt_str("id", out).unwrap_or(service).to_string();
            let blocks = po.opt_strings("cidr_blocks", out).unwrap_or_default();
            po.known(&["prefix_list_id", "filter", "timeouts"]);
            if self.config.data_plane_item("prefix_list", &id).is_none() {
                let mut row = DpRow::new(po.origin());
                row.set("id", Sv::input(DpVal::Str(id.clone()), po.origin_of("id")));
                row.set(
                    "name",
                    Sv::input(DpVal::Str(service.into()), po.origin_of("name")),
                );
                row.set(
                    "cidr_blocks",
                    Sv::input(DpVal::Strs(blocks), po.origin_of("cidr_blocks")),
                );
                self.config.push_data_plane("prefix_list", row);
            }
            po.finish(out);
            return Some(Sv::assumed(
                id,
                format!("the prefix list of {service}, from {}", d.address),
                Some(o.origin_of("service_name")),
            ));
        }
        out.push(
            Level::Error,
            Some(
                self.p
                    .unknown_origin(r, "cidr_blocks")
                    .unwrap_or_else(|| o.origin_of("cidr_blocks")),
            ),
            format!(
                "{}: the addresses of {service} are not in the plan (known only after apply): \
                 add `data \"aws_prefix_list\"` with name = \"{service}\" to the configuration, \
                 or import the state",
                r.address
            ),
        );
        None
    }

    fn internet_gateways(&mut self, out: &mut Findings) {
        let mut attach: Vec<(String, Sv<String>)> = Vec::new();
        for r in self.managed("aws_internet_gateway_attachment") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let igw = self.id(r, &mut o, "internet_gateway_id", true, out);
            let vpc = self.id(r, &mut o, "vpc_id", true, out);
            o.known(&["id", "timeouts"]);
            o.finish(out);
            if let (Some(i), Some(v)) = (igw, vpc) {
                attach.push((i.value, v));
            }
        }
        for r in self.managed("aws_internet_gateway") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let id = self.own_id(r, &mut o, "id", out);
            let vpc = self.id(r, &mut o, "vpc_id", false, out).or_else(|| {
                attach
                    .iter()
                    .find(|(i, _)| *i == id.value)
                    .map(|(_, v)| v.clone())
            });
            o.known(&["arn", "owner_id", "tags", "tags_all", "timeouts"]);
            let mut row = DpRow::new(o.origin());
            o.finish(out);
            let Some(vpc) = vpc else {
                out.push(
                    Level::Note,
                    row.origin.clone(),
                    format!("{} is attached to no VPC: left out", r.address),
                );
                continue;
            };
            row.str("id", id);
            row.str("vpc_id", vpc);
            self.config.push_data_plane("internet_gateway", row);
        }
    }

    fn nat_gateways(&mut self, out: &mut Findings) {
        for r in self.managed("aws_nat_gateway") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let id = self.own_id(r, &mut o, "id", out);
            let subnet = self.id(r, &mut o, "subnet_id", true, out);
            let kind = self.p.str_attr(r, &mut o, "connectivity_type", false, out);
            o.known(&[
                "allocation_id",
                "association_id",
                "network_interface_id",
                "private_ip",
                "public_ip",
                "secondary_allocation_ids",
                "secondary_private_ip_address_count",
                "secondary_private_ip_addresses",
                "tags",
                "tags_all",
                "timeouts",
            ]);
            let mut row = DpRow::new(o.origin());
            o.finish(out);
            let Some(subnet) = subnet else { continue };
            row.str("id", id);
            row.str("subnet_id", subnet);
            if let Some(k) = kind {
                row.str("connectivity_type", k);
            }
            self.config.push_data_plane("nat_gateway", row);
        }
    }

    fn peerings(&mut self, out: &mut Findings) {
        for t in [
            "aws_vpc_peering_connection",
            "aws_vpc_peering_connection_accepter",
        ] {
            for r in self.managed(t) {
                let Some(mut o) = self.p.values(r, out) else {
                    continue;
                };
                let id = if t == "aws_vpc_peering_connection" {
                    Some(self.own_id(r, &mut o, "id", out))
                } else {
                    self.id(r, &mut o, "vpc_peering_connection_id", true, out)
                };
                let vpc = self.id(r, &mut o, "vpc_id", true, out);
                let peer = self.id(r, &mut o, "peer_vpc_id", true, out);
                let status = o.opt_str("accept_status", out);
                o.known(&[
                    "id",
                    "accepter",
                    "requester",
                    "auto_accept",
                    "peer_owner_id",
                    "peer_region",
                    "tags",
                    "tags_all",
                    "timeouts",
                ]);
                let origin = o.origin();
                let status_origin = o.origin_of("accept_status");
                o.finish(out);
                let (Some(id), Some(vpc), Some(peer)) = (id, vpc, peer) else {
                    continue;
                };
                if self
                    .config
                    .data_plane_item("vpc_peering_connection", &id.value)
                    .is_some()
                {
                    continue; // both sides of one connection in the plan
                }
                if let Some(s) = status.filter(|s| !matches!(*s, "active" | "")) {
                    out.push(
                        Level::Warning,
                        Some(status_origin),
                        format!("{} is {s}, not active: left out", r.address),
                    );
                    continue;
                }
                let mut row = DpRow::new(origin);
                row.str("id", id);
                // The accepter names its own VPC as vpc_id; the scenario needs both either way.
                row.str("vpc_id", vpc);
                row.str("peer_vpc_id", peer);
                self.config.push_data_plane("vpc_peering_connection", row);
            }
        }
    }

    fn vpn_gateways(&mut self, out: &mut Findings) {
        let mut attach: Vec<(String, Sv<String>)> = Vec::new();
        for r in self.managed("aws_vpn_gateway_attachment") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let g = self.id(r, &mut o, "vpn_gateway_id", true, out);
            let v = self.id(r, &mut o, "vpc_id", true, out);
            o.known(&["id"]);
            o.finish(out);
            if let (Some(g), Some(v)) = (g, v) {
                attach.push((g.value, v));
            }
        }
        for r in self.managed("aws_vpn_gateway") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let id = self.own_id(r, &mut o, "id", out);
            let vpc = self.id(r, &mut o, "vpc_id", false, out).or_else(|| {
                attach
                    .iter()
                    .find(|(g, _)| *g == id.value)
                    .map(|(_, v)| v.clone())
            });
            o.known(&[
                "amazon_side_asn",
                "arn",
                "availability_zone",
                "tags",
                "tags_all",
            ]);
            let mut row = DpRow::new(o.origin());
            o.finish(out);
            let Some(vpc) = vpc else {
                out.push(
                    Level::Note,
                    row.origin.clone(),
                    format!("{} is attached to no VPC: left out", r.address),
                );
                continue;
            };
            row.str("id", id);
            row.str("vpc_id", vpc);
            self.config.push_data_plane("vpn_gateway", row);
        }
    }

    fn transit_gateways(&mut self, out: &mut Findings) {
        self.transit_gateway_resources(out);
        let default_uses = self.transit_gateway_vpc_attachments(out);
        self.transit_gateway_route_tables(out);
        for (tgw, attachment, src, is_assoc) in default_uses {
            self.use_default(&tgw, attachment, src, is_assoc);
        }
        self.transit_gateway_table_links(out);
        self.transit_gateway_routes(out);
    }

    /// Each `aws_ec2_transit_gateway`, with its default route tables.
    fn transit_gateway_resources(&mut self, out: &mut Findings) {
        for r in self.managed("aws_ec2_transit_gateway") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let id = self.own_id(r, &mut o, "id", out);
            let assoc = o.opt_str("default_route_table_association", out) != Some("disable");
            let prop = o.opt_str("default_route_table_propagation", out) != Some("disable");
            let table = |o: &mut Obj<'a>, key: &'static str, on: bool, out: &mut Findings| {
                on.then(|| match o.opt_str(key, out).filter(|s| !s.is_empty()) {
                    Some(t) => Sv::input(t.to_string(), o.origin_of(key)),
                    None => Sv::assumed(
                        format!("{}.{key}", r.address),
                        format!(
                            "{}.{key} is known only after apply: the default route table is named \
                             after it",
                            r.address
                        ),
                        Some(o.origin_of(key)),
                    ),
                })
            };
            let a = table(&mut o, "association_default_route_table_id", assoc, out);
            let pr = table(&mut o, "propagation_default_route_table_id", prop, out);
            o.known(&[
                "amazon_side_asn",
                "arn",
                "auto_accept_shared_attachments",
                "description",
                "dns_support",
                "multicast_support",
                "owner_id",
                "security_group_referencing_support",
                "tags",
                "tags_all",
                "transit_gateway_cidr_blocks",
                "vpn_ecmp_support",
                "timeouts",
            ]);
            let mut row = DpRow::new(o.origin());
            o.finish(out);
            row.str("id", id.clone());
            self.config.push_data_plane("transit_gateway", row);
            self.defaults.push((id.value, a, pr));
        }
    }

    /// Each `aws_ec2_transit_gateway_vpc_attachment`; returns the uses of its transit gateway's
    /// default route tables (gateway, attachment, source, association or propagation).
    fn transit_gateway_vpc_attachments(
        &mut self,
        out: &mut Findings,
    ) -> Vec<(Sv<String>, String, Src, bool)> {
        let mut default_uses: Vec<(Sv<String>, String, Src, bool)> = Vec::new();
        for r in self.managed("aws_ec2_transit_gateway_vpc_attachment") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let id = self.own_id(r, &mut o, "id", out);
            let tgw = self.id(r, &mut o, "transit_gateway_id", true, out);
            let vpc = self.id(r, &mut o, "vpc_id", true, out);
            let subnets = self.p.id_list(r, &mut o, "subnet_ids", out);
            for (key, is_assoc) in [
                ("transit_gateway_default_route_table_association", true),
                ("transit_gateway_default_route_table_propagation", false),
            ] {
                if o.opt_bool(key, out) != Some(false) {
                    if let Some(t) = &tgw {
                        default_uses.push((
                            t.clone(),
                            id.value.clone(),
                            Src::Input(o.origin_of(key)),
                            is_assoc,
                        ));
                    }
                }
            }
            o.known(&[
                "appliance_mode_support",
                "dns_support",
                "ipv6_support",
                "security_group_referencing_support",
                "vpc_owner_id",
                "tags",
                "tags_all",
                "timeouts",
            ]);
            let mut row = DpRow::new(o.origin());
            o.finish(out);
            let (Some(tgw), Some(vpc)) = (tgw, vpc) else {
                continue;
            };
            row.str("id", id);
            row.str("transit_gateway_id", tgw);
            row.str("vpc_id", vpc);
            row.set(
                "subnet_ids",
                subnets.map_or_else(
                    || Sv::input(DpVal::Strs(Vec::new()), row.origin.clone().unwrap()),
                    strs,
                ),
            );
            self.config
                .push_data_plane("transit_gateway_vpc_attachment", row);
        }
        default_uses
    }

    /// Each `aws_ec2_transit_gateway_route_table`.
    fn transit_gateway_route_tables(&mut self, out: &mut Findings) {
        for r in self.managed("aws_ec2_transit_gateway_route_table") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let id = self.own_id(r, &mut o, "id", out);
            let tgw = self.id(r, &mut o, "transit_gateway_id", true, out);
            o.known(&[
                "arn",
                "default_association_route_table",
                "default_propagation_route_table",
                "tags",
                "tags_all",
                "timeouts",
            ]);
            let mut row = DpRow::new(o.origin());
            o.finish(out);
            let Some(tgw) = tgw else { continue };
            row.str("id", id);
            row.str("transit_gateway_id", tgw);
            self.config
                .push_data_plane("transit_gateway_route_table", row);
        }
    }

    /// Each `aws_ec2_transit_gateway_route_table_association` and `_propagation`, added to its table.
    fn transit_gateway_table_links(&mut self, out: &mut Findings) {
        for (t, key) in [
            (
                "aws_ec2_transit_gateway_route_table_association",
                "associations",
            ),
            (
                "aws_ec2_transit_gateway_route_table_propagation",
                "propagations",
            ),
        ] {
            for r in self.managed(t) {
                let Some(mut o) = self.p.values(r, out) else {
                    continue;
                };
                let att = self.id(r, &mut o, "transit_gateway_attachment_id", true, out);
                let table = self.id(r, &mut o, "transit_gateway_route_table_id", true, out);
                o.known(&[
                    "id",
                    "resource_id",
                    "resource_type",
                    "replace_existing_association",
                    "timeouts",
                ]);
                o.finish(out);
                let (Some(att), Some(table)) = (att, table) else {
                    continue;
                };
                self.table_add(&table, r, out, |row| {
                    row.push_str(key, att.value.clone(), att.src.clone())
                });
            }
        }
    }

    /// Each `aws_ec2_transit_gateway_route`, added to its table.
    fn transit_gateway_routes(&mut self, out: &mut Findings) {
        for r in self.managed("aws_ec2_transit_gateway_route") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let dest = self
                .p
                .str_attr(r, &mut o, "destination_cidr_block", true, out);
            let blackhole = o.opt_bool("blackhole", out) == Some(true);
            let att = if blackhole {
                None
            } else {
                self.id(r, &mut o, "transit_gateway_attachment_id", true, out)
            };
            let table = self.id(r, &mut o, "transit_gateway_route_table_id", true, out);
            o.known(&["id", "transit_gateway_attachment_id", "timeouts"]);
            let origin = o.origin();
            o.finish(out);
            let (Some(dest), Some(table)) = (dest, table) else {
                continue;
            };
            let mut row = DpRow::new(origin.clone());
            row.str("destination_cidr_block", dest);
            match (blackhole, att) {
                (true, _) => row.set("blackhole", Sv::input(DpVal::Bool(true), origin.clone())),
                (false, Some(a)) => row.str("transit_gateway_attachment_id", a),
                (false, None) => continue,
            }
            self.table_add(&table, r, out, |t| {
                t.push_row("route", row, Src::Input(origin))
            });
        }
    }

    /// An attachment with the default association or propagation uses its transit gateway's
    /// default route table, which is not a resource of its own: declared here.
    fn use_default(&mut self, tgw: &Sv<String>, attachment: String, src: Src, is_assoc: bool) {
        let Some((_, a, p)) = self.defaults.iter().find(|(t, _, _)| *t == tgw.value) else {
            return;
        };
        let Some(table) = (if is_assoc { a } else { p }).clone() else {
            return;
        };
        if self
            .config
            .data_plane_item("transit_gateway_route_table", &table.value)
            .is_none()
        {
            let mut row = DpRow {
                origin: table.src.origin().cloned(),
                fields: Vec::new(),
            };
            row.str("id", table.clone());
            row.str("transit_gateway_id", tgw.clone());
            self.config
                .push_data_plane("transit_gateway_route_table", row);
        }
        let key = if is_assoc {
            "associations"
        } else {
            "propagations"
        };
        if let Some(t) = self
            .config
            .data_plane_item("transit_gateway_route_table", &table.value)
        {
            t.push_str(key, attachment, src);
        }
    }

    /// Applies `f` to the transit gateway route table `table`, or reports it missing.
    fn table_add(
        &mut self,
        table: &Sv<String>,
        r: &Res<'a>,
        out: &mut Findings,
        f: impl FnOnce(&mut DpRow),
    ) {
        match self
            .config
            .data_plane_item("transit_gateway_route_table", &table.value)
        {
            Some(t) => f(t),
            None => out.push(
                Level::Warning,
                table.src.origin().cloned(),
                format!(
                    "{}: transit gateway route table {} is not in the plan: left out",
                    r.address, table.value
                ),
            ),
        }
    }

    fn vpn_connections(&mut self, out: &mut Findings) {
        let static_routes = self.vpn_connection_routes(out);
        for r in self.managed("aws_vpn_connection") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let id = self.own_id(r, &mut o, "id", out);
            let vgw = self.id(r, &mut o, "vpn_gateway_id", false, out);
            let tgw = self.id(r, &mut o, "transit_gateway_id", false, out);
            let att = o
                .opt_str("transit_gateway_attachment_id", out)
                .filter(|s| !s.is_empty())
                .map(|s| Sv::input(s.to_string(), o.origin_of("transit_gateway_attachment_id")));
            let mut prefixes: Vec<String> = static_routes
                .iter()
                .filter(|(c, _)| *c == id.value)
                .map(|(_, d)| d.value.clone())
                .collect();
            // Attached to a transit gateway, its static routes are the transit gateway's routes
            // to its attachment.
            if let Some(a) = &att {
                self.transit_gateway_prefixes(a, &mut prefixes);
            }
            let routes_origin = o.origin_of("routes");
            for mut rt in o.objects("routes", false, out) {
                if let Some(d) = rt.opt_str("destination_cidr_block", out) {
                    if !prefixes.iter().any(|p| p == d) {
                        prefixes.push(d.to_string());
                    }
                }
                rt.known(&["source", "state"]);
                rt.finish(out);
            }
            // A connection has some eighty tunnel attributes, none of which the scenario models:
            // its members are not listed one by one as unknown.
            let origin = o.origin();
            if prefixes.is_empty() {
                out.push(
                    Level::Warning,
                    Some(origin),
                    format!(
                        "{}: the on-premises prefixes are learned over BGP, which the plan does \
                         not show: left out (declare an [[on_premises_network]] with its \
                         advertised_prefixes)",
                        r.address
                    ),
                );
                continue;
            }
            let mut row = DpRow::new(origin.clone());
            match (vgw, tgw) {
                (Some(g), _) => {
                    row.str("id", id);
                    row.set(
                        "connection",
                        Sv::input(DpVal::Str("site-to-site-vpn".into()), origin.clone()),
                    );
                    row.str("vpn_gateway_id", g);
                }
                (None, Some(t)) => {
                    // Attached to a transit gateway, the network is known by its attachment,
                    // associated with and propagating to the default route tables if enabled.
                    let name = att.unwrap_or_else(|| {
                        Sv::assumed(
                            format!("{}.transit_gateway_attachment_id", r.address),
                            "the transit gateway attachment id is known only after apply",
                            Some(origin.clone()),
                        )
                    });
                    for is_assoc in [true, false] {
                        self.use_default(
                            &t,
                            name.value.clone(),
                            Src::Input(origin.clone()),
                            is_assoc,
                        );
                    }
                    row.str("id", name);
                    row.set(
                        "connection",
                        Sv::input(DpVal::Str("site-to-site-vpn".into()), origin.clone()),
                    );
                    row.str("transit_gateway_id", t);
                }
                (None, None) => {
                    out.push(
                        Level::Warning,
                        Some(origin),
                        format!(
                            "{} attaches to no gateway the plan shows: left out",
                            r.address
                        ),
                    );
                    continue;
                }
            }
            row.set(
                "advertised_prefixes",
                Sv::input(DpVal::Strs(prefixes), routes_origin),
            );
            self.config.push_data_plane("on_premises_network", row);
        }
    }

    /// Each `aws_vpn_connection_route`: (connection id, destination).
    fn vpn_connection_routes(&mut self, out: &mut Findings) -> Vec<(String, Sv<String>)> {
        let mut static_routes: Vec<(String, Sv<String>)> = Vec::new();
        for r in self.managed("aws_vpn_connection_route") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let c = self.id(r, &mut o, "vpn_connection_id", true, out);
            let d = self
                .p
                .str_attr(r, &mut o, "destination_cidr_block", true, out);
            o.known(&["id"]);
            o.finish(out);
            if let (Some(c), Some(d)) = (c, d) {
                static_routes.push((c.value, d));
            }
        }
        static_routes
    }

    /// Adds the destinations of the transit gateway routes to attachment `a` to `prefixes`.
    fn transit_gateway_prefixes(&self, a: &Sv<String>, prefixes: &mut Vec<String>) {
        for item in &self.config.data_plane {
            if item.section != "transit_gateway_route_table" {
                continue;
            }
            if let Some(DpVal::Rows(rows)) = item.row.get("route").map(|v| &v.value) {
                for rr in rows {
                    if rr.get_str("transit_gateway_attachment_id") == Some(&a.value) {
                        if let Some(d) = rr.get_str("destination_cidr_block") {
                            if !prefixes.iter().any(|p| p == d) {
                                prefixes.push(d.to_string());
                            }
                        }
                    }
                }
            }
        }
    }

    fn vpc_endpoints(&mut self, out: &mut Findings) {
        let mut extra: Vec<(String, Sv<String>)> = Vec::new();
        for r in self.managed("aws_vpc_endpoint_route_table_association") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let e = self.id(r, &mut o, "vpc_endpoint_id", true, out);
            let t = self.id(r, &mut o, "route_table_id", true, out);
            o.known(&["id"]);
            o.finish(out);
            if let (Some(e), Some(t)) = (e, t) {
                extra.push((e.value, t));
            }
        }
        for r in self.managed("aws_vpc_endpoint") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let id = self.own_id(r, &mut o, "id", out);
            let vpc = self.id(r, &mut o, "vpc_id", true, out);
            let service = self.p.str_attr(r, &mut o, "service_name", true, out);
            let kind = o.opt_str("vpc_endpoint_type", out).unwrap_or("Gateway");
            let tables = self.p.id_list(r, &mut o, "route_table_ids", out);
            o.known(&[
                "arn",
                "auto_accept",
                "cidr_blocks",
                "dns_entry",
                "dns_options",
                "ip_address_type",
                "network_interface_ids",
                "owner_id",
                "policy",
                "prefix_list_id",
                "private_dns_enabled",
                "requester_managed",
                "resource_configuration_arn",
                "security_group_ids",
                "service_network_arn",
                "service_region",
                "state",
                "subnet_configuration",
                "subnet_ids",
                "tags",
                "tags_all",
                "timeouts",
            ]);
            let origin = o.origin();
            let (Some(vpc), Some(service)) = (vpc, service) else {
                o.finish(out);
                continue;
            };
            if kind != "Gateway" {
                out.push(
                    Level::Warning,
                    Some(o.origin_of("vpc_endpoint_type")),
                    format!(
                        "{}: an {kind} endpoint's network interface addresses are not in the \
                         plan; left out (declare it by hand as a vpc_endpoint with ip_addresses)",
                        r.address
                    ),
                );
                o.finish(out);
                continue;
            }
            let pl = self.endpoint_prefix_list(r, &mut o, &service.value, out);
            o.finish(out);
            let Some(pl) = pl else { continue };
            let mut row = DpRow::new(origin.clone());
            let mut tables = tables.unwrap_or_else(|| Sv::input(Vec::new(), origin.clone()));
            for (e, t) in &extra {
                if *e == id.value && !tables.value.contains(&t.value) {
                    tables.value.push(t.value.clone());
                }
            }
            row.str("id", id);
            row.str("vpc_id", vpc);
            row.str("service_name", service);
            row.set(
                "vpc_endpoint_type",
                Sv::input(DpVal::Str("Gateway".into()), origin),
            );
            row.str("prefix_list_id", pl);
            row.set("route_table_ids", strs(tables));
            self.config.push_data_plane("vpc_endpoint", row);
        }
    }

    fn route_tables(&mut self, out: &mut Findings) {
        for t in ["aws_route_table", "aws_default_route_table"] {
            for r in self.managed(t) {
                let Some(mut o) = self.p.values(r, out) else {
                    continue;
                };
                let key = if t == "aws_route_table" {
                    "id"
                } else {
                    "default_route_table_id"
                };
                let id = if t == "aws_route_table" {
                    Some(self.own_id(r, &mut o, key, out))
                } else {
                    self.id(r, &mut o, key, true, out)
                };
                let vpc = self.id(r, &mut o, "vpc_id", true, out);
                let vgws = self.p.id_list(r, &mut o, "propagating_vgws", out);
                let ro = o.origin_of("route");
                let mut rows: Vec<DpRow> = Vec::new();
                for ob in o.objects("route", false, out) {
                    if let Some(row) = self.route_row(ob, "cidr_block", out) {
                        rows.push(row);
                    }
                }
                o.known(&["id", "arn", "owner_id", "tags", "tags_all", "timeouts"]);
                let mut row = DpRow::new(o.origin());
                o.finish(out);
                let (Some(id), Some(vpc)) = (id, vpc) else {
                    continue;
                };
                row.str("id", id);
                row.str("vpc_id", vpc);
                if t == "aws_default_route_table" {
                    row.set(
                        "main",
                        Sv::input(DpVal::Bool(true), row.origin.clone().unwrap()),
                    );
                }
                if let Some(v) = vgws.filter(|v| !v.value.is_empty()) {
                    row.set("propagating_vgws", strs(v));
                }
                row.set("route", Sv::input(DpVal::Rows(rows), ro));
                self.config.push_data_plane("route_table", row);
            }
        }
        for r in self.managed("aws_route") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let table = self.id(r, &mut o, "route_table_id", true, out);
            let origin = o.origin();
            let row = self.route_row_of(r, &mut o, out);
            o.known(&["id", "instance_owner_id", "origin", "state", "timeouts"]);
            o.finish(out);
            if let (Some(table), Some(row)) = (table, row) {
                self.route_table_add(&table, r, out, |t| {
                    t.push_row("route", row, Src::Input(origin))
                });
            }
        }
        for r in self.managed("aws_route_table_association") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let table = self.id(r, &mut o, "route_table_id", true, out);
            let subnet = self.id(r, &mut o, "subnet_id", false, out);
            let gateway = self.id(r, &mut o, "gateway_id", false, out);
            o.known(&["id", "timeouts"]);
            o.finish(out);
            let Some(table) = table else { continue };
            if let Some(g) = gateway {
                out.push(
                    Level::Warning,
                    g.src.origin().cloned(),
                    format!(
                        "{}: an edge association with gateway {} (ingress routing) is not \
                         modelled: left out",
                        r.address, g.value
                    ),
                );
            }
            if let Some(s) = subnet {
                self.route_table_add(&table, r, out, |t| t.push_str("subnet_ids", s.value, s.src));
            }
        }
        for r in self.managed("aws_main_route_table_association") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let table = self.id(r, &mut o, "route_table_id", true, out);
            let origin = o.origin();
            o.known(&["id", "vpc_id", "original_route_table_id", "timeouts"]);
            o.finish(out);
            if let Some(table) = table {
                self.route_table_add(&table, r, out, |t| {
                    t.set("main", Sv::input(DpVal::Bool(true), origin))
                });
            }
        }
        for r in self.managed("aws_vpn_gateway_route_propagation") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let table = self.id(r, &mut o, "route_table_id", true, out);
            let vgw = self.id(r, &mut o, "vpn_gateway_id", true, out);
            o.known(&["id", "timeouts"]);
            o.finish(out);
            if let (Some(table), Some(g)) = (table, vgw) {
                self.route_table_add(&table, r, out, |t| {
                    t.push_str("propagating_vgws", g.value, g.src)
                });
            }
        }
    }

    fn route_table_add(
        &mut self,
        table: &Sv<String>,
        r: &Res<'a>,
        out: &mut Findings,
        f: impl FnOnce(&mut DpRow),
    ) {
        match self.config.data_plane_item("route_table", &table.value) {
            Some(t) => f(t),
            None => out.push(
                Level::Warning,
                table.src.origin().cloned(),
                format!(
                    "{}: route table {} is not in the plan (the VPC's own main table?): left out",
                    r.address, table.value
                ),
            ),
        }
    }

    /// An `aws_route` resource's destination and target, ids traced through the configuration.
    fn route_row_of(&self, r: &Res<'a>, o: &mut Obj<'a>, out: &mut Findings) -> Option<DpRow> {
        let mut row = DpRow::new(o.origin());
        // Every target attribute is present (empty) in the values; one is set.
        o.known(&ROUTE_TARGETS);
        o.known(&OTHER_TARGETS);
        if let Some(v6) = o
            .opt_str("destination_ipv6_cidr_block", out)
            .filter(|s| !s.is_empty())
        {
            out.push(
                Level::Note,
                Some(o.origin_of("destination_ipv6_cidr_block")),
                format!(
                    "{}: an IPv6 route to {v6}: not modelled, left out",
                    r.address
                ),
            );
            return None;
        }
        match (
            self.p
                .str_attr(r, o, "destination_cidr_block", false, out)
                .filter(|s| !s.value.is_empty()),
            self.id(r, o, "destination_prefix_list_id", false, out),
        ) {
            (Some(d), _) => row.str("destination_cidr_block", d),
            (None, Some(p)) => row.str("destination_prefix_list_id", p),
            (None, None) => {
                out.push(
                    Level::Warning,
                    Some(o.origin()),
                    format!("{}: no IPv4 destination: left out", r.address),
                );
                return None;
            }
        }
        for key in [
            "gateway_id",
            "nat_gateway_id",
            "vpc_peering_connection_id",
            "transit_gateway_id",
            "vpc_endpoint_id",
        ] {
            if let Some(t) = self.id(r, o, key, false, out) {
                row.str(key, t);
                return Some(row);
            }
        }
        for key in OTHER_TARGETS {
            if o.opt_str(key, out).is_some_and(|s| !s.is_empty()) {
                out.push(
                    Level::Warning,
                    Some(o.origin_of(key)),
                    format!(
                        "{}: a route to a {key} target is not modelled: left out",
                        r.address
                    ),
                );
                return None;
            }
        }
        out.push(
            Level::Warning,
            Some(o.origin()),
            format!(
                "{}: the route names no target the plan shows: left out",
                r.address
            ),
        );
        None
    }

    /// One inline `route` object of a route table (its destination is `dest_key`).
    fn route_row(
        &self,
        mut o: Obj<'a>,
        dest_key: &'static str,
        out: &mut Findings,
    ) -> Option<DpRow> {
        let pick = |o: &mut Obj<'a>, key: &'static str, out: &mut Findings| {
            o.opt_str(key, out)
                .filter(|s| !s.is_empty())
                .map(|s| Sv::input(s.to_string(), o.origin_of(key)))
        };
        let dest = pick(&mut o, dest_key, out);
        let pl = pick(&mut o, "destination_prefix_list_id", out);
        let v6 = pick(&mut o, "ipv6_cidr_block", out);
        let targets: Vec<(&'static str, Sv<String>)> = [
            "gateway_id",
            "nat_gateway_id",
            "vpc_peering_connection_id",
            "transit_gateway_id",
            "vpc_endpoint_id",
        ]
        .into_iter()
        .filter_map(|k| pick(&mut o, k, out).map(|v| (k, v)))
        .collect();
        let other: Vec<&'static str> = [
            "network_interface_id",
            "egress_only_gateway_id",
            "carrier_gateway_id",
            "local_gateway_id",
            "core_network_arn",
            "instance_id",
        ]
        .into_iter()
        .filter(|k| pick(&mut o, k, out).is_some())
        .collect();
        let origin = o.origin();
        o.finish(out);
        if v6.is_some() {
            out.push(
                Level::Note,
                Some(origin),
                "an IPv6 route: not modelled, left out",
            );
            return None;
        }
        let mut row = DpRow::new(origin.clone());
        match (dest, pl) {
            (Some(d), _) => row.str("destination_cidr_block", d),
            (None, Some(p)) => row.str("destination_prefix_list_id", p),
            (None, None) => {
                out.push(
                    Level::Warning,
                    Some(origin),
                    "a route without a destination: left out",
                );
                return None;
            }
        }
        match targets.into_iter().next() {
            Some((k, v)) if !v.value.starts_with("vpce-") || k == "vpc_endpoint_id" => {
                row.str(k, v)
            }
            Some(_) => return None, // a gateway endpoint's route: from its route_table_ids
            None => {
                let message = match other.first() {
                    Some(k) => format!("a route to a {k} target is not modelled: left out"),
                    // In a plan, an inline route's target created in the same apply is not
                    // shown, nor which resource it is.
                    None => "the route's target is not in the plan (known only after apply?): \
                             left out; an aws_route resource names it in the configuration"
                        .to_string(),
                };
                out.push(Level::Warning, Some(origin), message);
                return None;
            }
        }
        Some(row)
    }

    fn network_acls(&mut self, out: &mut Findings) {
        for t in ["aws_network_acl", "aws_default_network_acl"] {
            for r in self.managed(t) {
                let Some(mut o) = self.p.values(r, out) else {
                    continue;
                };
                let id = if t == "aws_network_acl" {
                    Some(self.own_id(r, &mut o, "id", out))
                } else {
                    self.id(r, &mut o, "default_network_acl_id", true, out)
                };
                let vpc = self.id(r, &mut o, "vpc_id", true, out);
                let subnets = self.p.id_list(r, &mut o, "subnet_ids", out);
                let mut dirs: Vec<(&'static str, Vec<DpRow>, Origin)> = Vec::new();
                for key in ["ingress", "egress"] {
                    let ko = o.origin_of(key);
                    let rows = o
                        .objects(key, false, out)
                        .into_iter()
                        .filter_map(|ob| acl_rule(ob, "rule_no", "action", out))
                        .collect();
                    dirs.push((key, rows, ko));
                }
                o.known(&["id", "arn", "owner_id", "tags", "tags_all"]);
                let mut row = DpRow::new(o.origin());
                o.finish(out);
                let (Some(id), Some(vpc)) = (id, vpc) else {
                    continue;
                };
                row.str("id", id);
                row.str("vpc_id", vpc);
                if t == "aws_default_network_acl" {
                    row.set(
                        "default",
                        Sv::input(DpVal::Bool(true), row.origin.clone().unwrap()),
                    );
                }
                if let Some(s) = subnets.filter(|s| !s.value.is_empty()) {
                    row.set("subnet_ids", strs(s));
                }
                for (key, rows, ko) in dirs {
                    row.set(key, Sv::input(DpVal::Rows(rows), ko));
                }
                self.config.push_data_plane("network_acl", row);
            }
        }
        for r in self.managed("aws_network_acl_rule") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let acl = self.id(r, &mut o, "network_acl_id", true, out);
            let egress = o.opt_bool("egress", out) == Some(true);
            let origin = o.origin();
            let Some(row) = acl_rule(o, "rule_number", "rule_action", out) else {
                continue;
            };
            let Some(acl) = acl else { continue };
            let key = if egress { "egress" } else { "ingress" };
            match self.config.data_plane_item("network_acl", &acl.value) {
                Some(t) => t.push_row(key, row, Src::Input(origin)),
                None => out.push(
                    Level::Warning,
                    acl.src.origin().cloned(),
                    format!(
                        "{}: network ACL {} is not in the plan: left out",
                        r.address, acl.value
                    ),
                ),
            }
        }
        for r in self.managed("aws_network_acl_association") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let acl = self.id(r, &mut o, "network_acl_id", true, out);
            let subnet = self.id(r, &mut o, "subnet_id", true, out);
            o.known(&["id"]);
            o.finish(out);
            let (Some(acl), Some(s)) = (acl, subnet) else {
                continue;
            };
            match self.config.data_plane_item("network_acl", &acl.value) {
                Some(t) => t.push_str("subnet_ids", s.value, s.src),
                None => out.push(
                    Level::Warning,
                    acl.src.origin().cloned(),
                    format!(
                        "{}: network ACL {} is not in the plan: left out",
                        r.address, acl.value
                    ),
                ),
            }
        }
    }

    fn security_groups(&mut self, out: &mut Findings) {
        self.security_group_resources(out);
        self.security_group_rule_resources(out);
        self.vpc_security_group_rules(out);
    }

    /// Each `aws_security_group` and `aws_default_security_group`, with its inline rules.
    fn security_group_resources(&mut self, out: &mut Findings) {
        for t in ["aws_security_group", "aws_default_security_group"] {
            for r in self.managed(t) {
                let Some(mut o) = self.p.values(r, out) else {
                    continue;
                };
                let id = self.own_id(r, &mut o, "id", out);
                if !self
                    .config
                    .security_groups
                    .iter()
                    .any(|g| g.value == id.value)
                {
                    self.config.security_groups.push(id.clone());
                }
                for (key, egress) in [("ingress", false), ("egress", true)] {
                    for ob in o.objects(key, false, out) {
                        for row in inline_sg_rule(ob, &id, egress, out) {
                            self.config.push_data_plane("security_group_rule", row);
                        }
                    }
                }
                o.known(&[
                    "arn",
                    "description",
                    "name",
                    "name_prefix",
                    "owner_id",
                    "revoke_rules_on_delete",
                    "tags",
                    "tags_all",
                    "timeouts",
                    "vpc_id",
                ]);
                o.finish(out);
            }
        }
    }

    /// Each `aws_security_group_rule`.
    fn security_group_rule_resources(&mut self, out: &mut Findings) {
        for r in self.managed("aws_security_group_rule") {
            let Some(mut o) = self.p.values(r, out) else {
                continue;
            };
            let group = self.id(r, &mut o, "security_group_id", true, out);
            let ty = self.p.str_attr(r, &mut o, "type", true, out);
            let proto = self.p.str_attr(r, &mut o, "protocol", true, out);
            let ports = (
                o.opt_int("from_port", out)
                    .map(|v| Sv::input(v, o.origin_of("from_port"))),
                o.opt_int("to_port", out)
                    .map(|v| Sv::input(v, o.origin_of("to_port"))),
            );
            let cidrs = o
                .opt_strings("cidr_blocks", out)
                .filter(|c| !c.is_empty())
                .map(|c| Sv::input(c, o.origin_of("cidr_blocks")));
            let source = self.id(r, &mut o, "source_security_group_id", false, out);
            let own = o.opt_bool("self", out) == Some(true);
            let description = o
                .opt_str("description", out)
                .filter(|d| !d.is_empty())
                .map(|d| Sv::input(d.to_string(), o.origin_of("description")));
            unmodelled_sources(
                &mut o,
                &["ipv6_cidr_blocks", "prefix_list_ids"],
                &r.address,
                out,
            );
            o.known(&["id", "security_group_rule_id", "timeouts"]);
            let origin = o.origin();
            o.finish(out);
            let (Some(group), Some(ty), Some(proto)) = (group, ty, proto) else {
                continue;
            };
            let mut sources: Vec<(&'static str, Sv<DpVal>)> = Vec::new();
            if let Some(c) = cidrs {
                sources.push(("cidr_blocks", strs(c)));
            }
            if let Some(s) = source {
                sources.push(("source_security_group_id", dv(s)));
            }
            if own {
                sources.push(("source_security_group_id", dv(group.clone())));
            }
            for row in sg_rows(
                &origin,
                &group,
                &ty,
                &proto,
                ports,
                sources,
                description,
                out,
            ) {
                self.config.push_data_plane("security_group_rule", row);
            }
        }
    }

    /// Each `aws_vpc_security_group_ingress_rule` and `aws_vpc_security_group_egress_rule`.
    fn vpc_security_group_rules(&mut self, out: &mut Findings) {
        for (t, ty) in [
            ("aws_vpc_security_group_ingress_rule", "ingress"),
            ("aws_vpc_security_group_egress_rule", "egress"),
        ] {
            for r in self.managed(t) {
                let Some(mut o) = self.p.values(r, out) else {
                    continue;
                };
                let group = self.id(r, &mut o, "security_group_id", true, out);
                let proto = self.p.str_attr(r, &mut o, "ip_protocol", true, out);
                let ports = (
                    o.opt_int("from_port", out)
                        .map(|v| Sv::input(v, o.origin_of("from_port"))),
                    o.opt_int("to_port", out)
                        .map(|v| Sv::input(v, o.origin_of("to_port"))),
                );
                let cidr = o
                    .opt_str("cidr_ipv4", out)
                    .filter(|c| !c.is_empty())
                    .map(|c| Sv::input(vec![c.to_string()], o.origin_of("cidr_ipv4")));
                let source = self.id(r, &mut o, "referenced_security_group_id", false, out);
                let description = o
                    .opt_str("description", out)
                    .filter(|d| !d.is_empty())
                    .map(|d| Sv::input(d.to_string(), o.origin_of("description")));
                unmodelled_sources(&mut o, &["cidr_ipv6", "prefix_list_id"], &r.address, out);
                o.known(&["id", "arn", "security_group_rule_id", "tags", "tags_all"]);
                let origin = o.origin();
                o.finish(out);
                let (Some(group), Some(proto)) = (group, proto) else {
                    continue;
                };
                let ty = Sv::input(ty.to_string(), origin.clone());
                let mut sources: Vec<(&'static str, Sv<DpVal>)> = Vec::new();
                if let Some(c) = cidr {
                    sources.push(("cidr_blocks", strs(c)));
                }
                if let Some(s) = source {
                    sources.push(("source_security_group_id", dv(s)));
                }
                for row in sg_rows(
                    &origin,
                    &group,
                    &ty,
                    &proto,
                    ports,
                    sources,
                    description,
                    out,
                ) {
                    self.config.push_data_plane("security_group_rule", row);
                }
            }
        }
    }

    /// Data-plane resources the format cannot express, one finding each; every other resource
    /// type the importer does not read, named in one note per type.
    fn unsupported(&mut self, out: &mut Findings) {
        let mut others: Vec<(String, usize, Origin)> = Vec::new();
        let plan: &'p Plan<'a> = self.p;
        for r in &plan.resources {
            if r.is_data()
                || READ_ELSEWHERE.contains(&r.rtype.as_str())
                || READ_HERE.contains(&r.rtype.as_str())
            {
                continue;
            }
            let origin = self.p.file.origin(&r.path, &r.span);
            if let Some((_, why)) = UNSUPPORTED.iter().find(|(p, _)| r.rtype.starts_with(p)) {
                out.push(
                    Level::Warning,
                    Some(origin),
                    format!("{}: not imported: {why}", r.address),
                );
                continue;
            }
            match others.iter_mut().find(|(t, _, _)| *t == r.rtype) {
                Some(o) => o.1 += 1,
                None => others.push((r.rtype.clone(), 1, origin)),
            }
        }
        for (t, n, origin) in others {
            out.push(
                Level::Note,
                Some(origin),
                format!(
                    "{n} {t} resource{} not imported: not part of a scenario",
                    if n == 1 { "" } else { "s" }
                ),
            );
        }
    }
}

/// Reports sources the scenario does not model (IPv6, prefix lists) when set.
fn unmodelled_sources(o: &mut Obj<'_>, keys: &[&'static str], address: &str, out: &mut Findings) {
    for &k in keys {
        let set = match o.opt(k).map(|v| &v.value) {
            Some(crate::import::json::J::Array(a)) => !a.is_empty(),
            Some(crate::import::json::J::String(s)) => !s.is_empty(),
            _ => false,
        };
        if set {
            out.push(
                Level::Warning,
                Some(o.origin_of(k)),
                format!("{address}: `{k}` sources are not modelled: left out"),
            );
        }
    }
}

/// A protocol as the scenario names it, or `None` (reported) when it is not modelled.
fn protocol(p: &Sv<String>, out: &mut Findings) -> Option<&'static str> {
    match Protocol::parse(&p.value) {
        Some(x) => Some(x.name()),
        None => {
            out.push(
                Level::Note,
                p.src.origin().cloned(),
                format!(
                    "protocol {}: the simulator models tcp, udp and icmp traffic, so this rule \
                     decides nothing it evaluates; left out",
                    p.value
                ),
            );
            None
        }
    }
}

/// One scenario rule per source of a security group rule.
#[allow(clippy::too_many_arguments)]
fn sg_rows(
    origin: &Origin,
    group: &Sv<String>,
    ty: &Sv<String>,
    proto: &Sv<String>,
    ports: (Option<Sv<i64>>, Option<Sv<i64>>),
    sources: Vec<(&'static str, Sv<DpVal>)>,
    description: Option<Sv<String>>,
    out: &mut Findings,
) -> Vec<DpRow> {
    let Some(name) = protocol(proto, out) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for (key, source) in sources {
        let mut row = DpRow::new(origin.clone());
        row.str("security_group_id", group.clone());
        row.str("type", ty.clone());
        row.set(
            "protocol",
            Sv {
                value: DpVal::Str(name.into()),
                src: proto.src.clone(),
            },
        );
        if matches!(name, "tcp" | "udp") {
            match &ports {
                (Some(f), Some(t)) => {
                    row.set(
                        "from_port",
                        Sv {
                            value: DpVal::Int(f.value),
                            src: f.src.clone(),
                        },
                    );
                    row.set(
                        "to_port",
                        Sv {
                            value: DpVal::Int(t.value),
                            src: t.src.clone(),
                        },
                    );
                }
                _ => {
                    out.push(
                        Level::Error,
                        Some(origin.clone()),
                        format!("missing: a {name} rule needs from_port and to_port"),
                    );
                    return Vec::new();
                }
            }
        }
        row.set(key, source);
        if let Some(d) = &description {
            row.str("description", d.clone());
        }
        rows.push(row);
    }
    rows
}

/// An inline `ingress` / `egress` object of an `aws_security_group`.
fn inline_sg_rule(
    mut o: Obj<'_>,
    group: &Sv<String>,
    egress: bool,
    out: &mut Findings,
) -> Vec<DpRow> {
    let proto = o
        .req_str("protocol", out)
        .map(|p| Sv::input(p.to_string(), o.origin_of("protocol")));
    let ports = (
        o.opt_int("from_port", out)
            .map(|v| Sv::input(v, o.origin_of("from_port"))),
        o.opt_int("to_port", out)
            .map(|v| Sv::input(v, o.origin_of("to_port"))),
    );
    let mut sources: Vec<(&'static str, Sv<DpVal>)> = Vec::new();
    if let Some(c) = o.opt_strings("cidr_blocks", out).filter(|c| !c.is_empty()) {
        sources.push((
            "cidr_blocks",
            Sv::input(DpVal::Strs(c), o.origin_of("cidr_blocks")),
        ));
    }
    for (i, g) in o
        .opt_strings("security_groups", out)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let go = o.origin_of("security_groups");
        let go = Origin {
            path: format!("{}[{i}]", go.path),
            ..go
        };
        sources.push(("source_security_group_id", Sv::input(DpVal::Str(g), go)));
    }
    if o.opt_bool("self", out) == Some(true) {
        sources.push((
            "source_security_group_id",
            Sv::input(DpVal::Str(group.value.clone()), o.origin_of("self")),
        ));
    }
    let description = o
        .opt_str("description", out)
        .filter(|d| !d.is_empty())
        .map(|d| Sv::input(d.to_string(), o.origin_of("description")));
    let path = o.path.clone();
    unmodelled_sources(&mut o, &["ipv6_cidr_blocks", "prefix_list_ids"], &path, out);
    let origin = o.origin();
    o.finish(out);
    let Some(proto) = proto else {
        return Vec::new();
    };
    let ty = Sv::input(
        if egress { "egress" } else { "ingress" }.to_string(),
        origin.clone(),
    );
    sg_rows(
        &origin,
        group,
        &ty,
        &proto,
        ports,
        sources,
        description,
        out,
    )
}

/// One network ACL rule (inline: `rule_no`, `action`; `aws_network_acl_rule`: `rule_number`,
/// `rule_action`).
fn acl_rule(
    mut o: Obj<'_>,
    number_key: &'static str,
    action_key: &'static str,
    out: &mut Findings,
) -> Option<DpRow> {
    let number = o
        .opt_int(number_key, out)
        .map(|v| Sv::input(v, o.origin_of(number_key)));
    let proto = o
        .req_str("protocol", out)
        .map(|p| Sv::input(p.to_string(), o.origin_of("protocol")));
    let action = o
        .req_str(action_key, out)
        .map(|a| Sv::input(a.to_string(), o.origin_of(action_key)));
    let cidr = o
        .opt_str("cidr_block", out)
        .filter(|c| !c.is_empty())
        .map(|c| Sv::input(c.to_string(), o.origin_of("cidr_block")));
    let v6 = o.opt_str("ipv6_cidr_block", out).filter(|c| !c.is_empty());
    let ports = (
        o.opt_int("from_port", out)
            .map(|v| Sv::input(v, o.origin_of("from_port"))),
        o.opt_int("to_port", out)
            .map(|v| Sv::input(v, o.origin_of("to_port"))),
    );
    o.known(&["icmp_type", "icmp_code", "id", "network_acl_id", "egress"]);
    let origin = o.origin();
    o.finish(out);
    if v6.is_some() {
        out.push(
            Level::Note,
            Some(origin),
            "an IPv6 rule: not modelled, left out",
        );
        return None;
    }
    let (Some(number), Some(proto), Some(action)) = (number, proto, action) else {
        if number_key == "rule_no" {
            out.push(
                Level::Error,
                Some(origin),
                format!("missing: `{number_key}`"),
            );
        }
        return None;
    };
    let Some(cidr) = cidr else {
        out.push(Level::Error, Some(origin), "missing: cidr_block");
        return None;
    };
    let name = protocol(&proto, out)?;
    let mut row = DpRow::new(origin.clone());
    row.set(
        "rule_number",
        Sv {
            value: DpVal::Int(number.value),
            src: number.src,
        },
    );
    row.set(
        "protocol",
        Sv {
            value: DpVal::Str(name.into()),
            src: proto.src,
        },
    );
    row.str("rule_action", action);
    row.str("cidr_block", cidr);
    if matches!(name, "tcp" | "udp") {
        match ports {
            (Some(f), Some(t)) => {
                row.set(
                    "from_port",
                    Sv {
                        value: DpVal::Int(f.value),
                        src: f.src,
                    },
                );
                row.set(
                    "to_port",
                    Sv {
                        value: DpVal::Int(t.value),
                        src: t.src,
                    },
                );
            }
            _ => {
                out.push(
                    Level::Error,
                    Some(origin),
                    format!("missing: a {name} rule needs from_port and to_port"),
                );
                return None;
            }
        }
    }
    Some(row)
}
