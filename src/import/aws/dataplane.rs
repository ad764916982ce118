//! The data plane from AWS CLI output: `describe-route-tables`, `describe-network-acls`,
//! `describe-security-groups`, `describe-vpc-peering-connections`, `describe-internet-gateways`,
//! `describe-nat-gateways`, `describe-vpc-endpoints` (with `describe-prefix-lists` for a gateway
//! endpoint's addresses), `describe-vpn-gateways`, `describe-vpn-connections` (static routes as
//! the on-premises prefixes), `describe-transit-gateways`,
//! `describe-transit-gateway-vpc-attachments`, `describe-transit-gateway-attachments`
//! (route-table associations), `describe-transit-gateway-route-tables`, and per route table
//! `search-transit-gateway-routes` and `get-transit-gateway-route-table-propagations`.
//!
//! Each file is recognised by its top-level key. Every value keeps the file, line, column and
//! JSON path it came from; what the scenario cannot express (IPv6, routes to network interfaces,
//! prefix-list sources, …) is reported and left out, never dropped silently.

use super::root_list;
use crate::import::draft::{Config, DpItem, DpRow, DpVal, Src, Sv};
use crate::import::json::{Findings, InputFile, Level, Obj, Origin};
use crate::model::dataplane::Protocol;

/// The kinds of output this module reads, by their top-level key, in reading order (what
/// a later kind refers to is read first).
const KINDS: &[(&str, &str)] = &[
    ("PrefixLists", "describe-prefix-lists"),
    ("InternetGateways", "describe-internet-gateways"),
    ("NatGateways", "describe-nat-gateways"),
    ("VpcPeeringConnections", "describe-vpc-peering-connections"),
    ("VpnGateways", "describe-vpn-gateways"),
    ("TransitGateways", "describe-transit-gateways"),
    (
        "TransitGatewayVpcAttachments",
        "describe-transit-gateway-vpc-attachments",
    ),
    (
        "TransitGatewayRouteTables",
        "describe-transit-gateway-route-tables",
    ),
    (
        "TransitGatewayAttachments",
        "describe-transit-gateway-attachments",
    ),
    (
        "TransitGatewayRouteTablePropagations",
        "get-transit-gateway-route-table-propagations",
    ),
    ("Routes", "search-transit-gateway-routes"),
    ("VpcEndpoints", "describe-vpc-endpoints"),
    ("RouteTables", "describe-route-tables"),
    ("NetworkAcls", "describe-network-acls"),
    ("SecurityGroups", "describe-security-groups"),
    ("VpnConnections", "describe-vpn-connections"),
];

/// One data-plane input: the file, and the transit gateway route table it is about for the
/// outputs that do not name it (`search-transit-gateway-routes`, `get-…-propagations`).
pub struct DpFile<'a> {
    pub file: &'a InputFile,
    pub table: Option<&'a str>,
}

fn which(f: &InputFile) -> Option<usize> {
    KINDS.iter().position(|(k, _)| f.root.get(k).is_some())
}

/// Reads every data-plane file into `config`.
pub fn read(files: &[DpFile<'_>], config: &mut Config, out: &mut Findings) {
    let mut kinds: Vec<(usize, &DpFile<'_>)> = Vec::new();
    for f in files {
        match which(f.file) {
            Some(k) => kinds.push((k, f)),
            None => out.push(
                Level::Error,
                Some(f.file.origin("$", &f.file.root.span)),
                format!(
                    "not an output cvpnsim reads for the data plane: expected the output of one of {}",
                    KINDS
                        .iter()
                        .map(|(_, c)| *c)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }
    kinds.sort_by_key(|(k, _)| *k);
    let mut r = Reader {
        config,
        prefix_lists: Vec::new(),
        tgw_resources: Vec::new(),
        learned: Vec::new(),
    };
    for (k, f) in kinds {
        let file = f.file;
        match KINDS[k].0 {
            "PrefixLists" => r.prefix_lists(file, out),
            "InternetGateways" => r.internet_gateways(file, out),
            "NatGateways" => r.nat_gateways(file, out),
            "VpcPeeringConnections" => r.peerings(file, out),
            "VpnGateways" => r.vpn_gateways(file, out),
            "TransitGateways" => r.transit_gateways(file, out),
            "TransitGatewayVpcAttachments" => r.tgw_vpc_attachments(file, out),
            "TransitGatewayRouteTables" => r.tgw_route_tables(file, out),
            "TransitGatewayAttachments" => r.tgw_attachments(file, out),
            "TransitGatewayRouteTablePropagations" | "Routes" => {
                let Some(table) = f.table else {
                    out.push(
                        Level::Error,
                        Some(file.origin("$", &file.root.span)),
                        format!(
                            "the output of {} does not name its transit gateway route table: \
                             pass it as TABLE_ID=FILE",
                            KINDS[k].1
                        ),
                    );
                    continue;
                };
                if KINDS[k].0 == "Routes" {
                    r.tgw_routes(file, table, out)
                } else {
                    r.tgw_propagations(file, table, out)
                }
            }
            "VpnConnections" => r.vpn_connections(file, out),
            "VpcEndpoints" => r.vpc_endpoints(file, out),
            "RouteTables" => r.route_tables(file, out),
            "NetworkAcls" => r.network_acls(file, out),
            _ => r.security_groups(file, out),
        }
    }
}

fn text(v: &str, o: Origin) -> Sv<DpVal> {
    Sv::input(DpVal::Str(v.to_string()), o)
}

struct PrefixList {
    id: String,
    name: String,
    cidrs: Vec<String>,
    origin: Origin,
    written: bool,
}

struct Reader<'c> {
    config: &'c mut Config,
    prefix_lists: Vec<PrefixList>,
    /// Transit gateway attachments by the resource they attach: (resource id, attachment id).
    tgw_resources: Vec<(String, Sv<String>)>,
    /// Prefixes a gateway learned (propagated routes): (attachment or virtual private gateway
    /// id, prefix and where it was read).
    learned: Vec<(String, Sv<String>)>,
}

/// A resource's `State` (or `Status.Code`), and whether it is usable; the others are reported.
fn usable(
    state: Option<&str>,
    ok: &[&str],
    what: &str,
    origin: Origin,
    out: &mut Findings,
) -> bool {
    match state {
        None => true,
        Some(s) if ok.iter().any(|o| o.eq_ignore_ascii_case(s)) => true,
        Some(s) => {
            out.push(
                Level::Warning,
                Some(origin),
                format!("{what} is {s}: left out"),
            );
            false
        }
    }
}

impl Reader<'_> {
    fn prefix_lists(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "PrefixLists", out) {
            let id = o.req_str("PrefixListId", out);
            let name = o.req_str("PrefixListName", out);
            let cidrs = o.opt_strings("Cidrs", out).unwrap_or_default();
            o.known(&["Tags"]);
            let origin = o.origin();
            o.finish(out);
            if let (Some(id), Some(name)) = (id, name) {
                self.prefix_lists.push(PrefixList {
                    id: id.into(),
                    name: name.into(),
                    cidrs,
                    origin,
                    written: false,
                });
            }
        }
    }

    /// Declares the prefix list `i` once.
    fn use_prefix_list(&mut self, i: usize) -> String {
        let pl = &mut self.prefix_lists[i];
        if !pl.written {
            pl.written = true;
            let mut row = DpRow::new(pl.origin.clone());
            let o = pl.origin.clone();
            row.set("id", text(&pl.id, o.clone()));
            row.set("name", text(&pl.name, o.clone()));
            row.set("cidr_blocks", Sv::input(DpVal::Strs(pl.cidrs.clone()), o));
            self.config.data_plane.push(DpItem {
                section: "prefix_list",
                row,
            });
        }
        self.prefix_lists[i].id.clone()
    }

    fn internet_gateways(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "InternetGateways", out) {
            let id = o.req_str("InternetGatewayId", out);
            let id_origin = o.origin_of("InternetGatewayId");
            let mut vpcs: Vec<(String, Origin)> = Vec::new();
            for mut a in o.objects("Attachments", false, out) {
                let vpc = a.req_str("VpcId", out);
                let state = a.opt_str("State", out);
                let vo = a.origin_of("VpcId");
                let ok = usable(
                    state,
                    &["available", "attached"],
                    "the internet gateway's attachment",
                    a.origin(),
                    out,
                );
                a.finish(out);
                if let (true, Some(v)) = (ok, vpc) {
                    vpcs.push((v.to_string(), vo));
                }
            }
            o.known(&["OwnerId", "Tags"]);
            let origin = o.origin();
            o.finish(out);
            let Some(id) = id else { continue };
            if vpcs.is_empty() {
                out.push(
                    Level::Note,
                    Some(origin.clone()),
                    format!("internet gateway {id} is attached to no VPC: left out"),
                );
            }
            for (vpc, vo) in vpcs.into_iter().take(1) {
                let mut row = DpRow::new(origin.clone());
                row.set("id", text(id, id_origin.clone()));
                row.set("vpc_id", text(&vpc, vo));
                self.config.push_data_plane("internet_gateway", row);
            }
        }
    }

    fn nat_gateways(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "NatGateways", out) {
            let id = o.req_str("NatGatewayId", out);
            let subnet = o.req_str("SubnetId", out);
            let vpc = o.opt_str("VpcId", out);
            let kind = o.opt_str("ConnectivityType", out);
            let state = o.opt_str("State", out);
            o.known(&[
                "CreateTime",
                "DeleteTime",
                "FailureCode",
                "FailureMessage",
                "NatGatewayAddresses",
                "ProvisionedBandwidth",
                "Tags",
                "AvailabilityMode",
                "AutoScalingIps",
                "AutoProvisionZones",
                "AttachedAppliances",
                "RouteTableId",
            ]);
            let origin = o.origin();
            let ok = usable(
                state,
                &["available", "pending"],
                &format!("NAT gateway {}", id.unwrap_or("?")),
                o.origin_of("State"),
                out,
            );
            let (Some(id), Some(subnet), true) = (id, subnet, ok) else {
                o.finish(out);
                continue;
            };
            let mut row = DpRow::new(origin);
            row.set("id", text(id, o.origin_of("NatGatewayId")));
            row.set("subnet_id", text(subnet, o.origin_of("SubnetId")));
            if let Some(k) = kind {
                row.set(
                    "connectivity_type",
                    text(k, o.origin_of("ConnectivityType")),
                );
            }
            if let Some(v) = vpc {
                self.config.subnet_vpc_hints.push((
                    subnet.to_string(),
                    Sv::input(v.to_string(), o.origin_of("VpcId")),
                ));
            }
            o.finish(out);
            self.config.push_data_plane("nat_gateway", row);
        }
    }

    fn peerings(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "VpcPeeringConnections", out) {
            let id = o.req_str("VpcPeeringConnectionId", out);
            let code = super::status_code(&mut o, out);
            let mut sides: Vec<Option<(String, Origin)>> = Vec::new();
            for key in ["RequesterVpcInfo", "AccepterVpcInfo"] {
                let side = o.opt_obj(key, out).and_then(|mut v| {
                    let vpc = v
                        .req_str("VpcId", out)
                        .map(|x| (x.to_string(), v.origin_of("VpcId")));
                    let mut blocks: Vec<Sv<String>> = Vec::new();
                    if let Some(c) = v.opt_str("CidrBlock", out) {
                        blocks.push(Sv::input(c.to_string(), v.origin_of("CidrBlock")));
                    }
                    for mut b in v.objects("CidrBlockSet", false, out) {
                        if let Some(c) = b.opt_str("CidrBlock", out) {
                            if !blocks.iter().any(|x| x.value == c) {
                                blocks.push(Sv::input(c.to_string(), b.origin_of("CidrBlock")));
                            }
                        }
                        b.finish(out);
                    }
                    v.known(&["OwnerId", "PeeringOptions", "Region", "Ipv6CidrBlockSet"]);
                    v.finish(out);
                    if let Some((vpc, _)) = &vpc {
                        // The peer's blocks, for a VPC (another account's) not described.
                        for b in blocks {
                            self.config.vpc_cidr_hints.push((vpc.clone(), b));
                        }
                    }
                    vpc
                });
                sides.push(side);
            }
            o.known(&["ExpirationTime", "Tags"]);
            let origin = o.origin();
            let id_origin = o.origin_of("VpcPeeringConnectionId");
            let status_origin = o.origin_of("Status");
            o.finish(out);
            let Some(id) = id else { continue };
            if !usable(
                code,
                &["active"],
                &format!("VPC peering connection {id}"),
                status_origin,
                out,
            ) {
                continue;
            }
            let (Some(Some(req)), Some(Some(acc))) = (sides.first(), sides.get(1)) else {
                continue;
            };
            let mut row = DpRow::new(origin);
            row.set("id", text(id, id_origin));
            row.set("vpc_id", text(&req.0, req.1.clone()));
            row.set("peer_vpc_id", text(&acc.0, acc.1.clone()));
            self.config.push_data_plane("vpc_peering_connection", row);
        }
    }

    fn vpn_gateways(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "VpnGateways", out) {
            let id = o.req_str("VpnGatewayId", out);
            let state = o.opt_str("State", out);
            let mut vpc: Option<(String, Origin)> = None;
            for mut a in o.objects("VpcAttachments", false, out) {
                let v = a.req_str("VpcId", out);
                let st = a.opt_str("State", out);
                if st == Some("attached") && vpc.is_none() {
                    vpc = v.map(|v| (v.to_string(), a.origin_of("VpcId")));
                }
                a.finish(out);
            }
            o.known(&["Type", "AmazonSideAsn", "AvailabilityZone", "Tags"]);
            let origin = o.origin();
            let id_origin = o.origin_of("VpnGatewayId");
            let ok = usable(
                state,
                &["available", "pending"],
                &format!("virtual private gateway {}", id.unwrap_or("?")),
                o.origin_of("State"),
                out,
            );
            o.finish(out);
            let (Some(id), true) = (id, ok) else { continue };
            let Some((vpc, vo)) = vpc else {
                out.push(
                    Level::Note,
                    Some(origin),
                    format!("virtual private gateway {id} is attached to no VPC: left out"),
                );
                continue;
            };
            let mut row = DpRow::new(origin);
            row.set("id", text(id, id_origin));
            row.set("vpc_id", text(&vpc, vo));
            self.config.push_data_plane("vpn_gateway", row);
        }
    }

    fn transit_gateways(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "TransitGateways", out) {
            let id = o.req_str("TransitGatewayId", out);
            let state = o.opt_str("State", out);
            o.known(&[
                "TransitGatewayArn",
                "OwnerId",
                "Description",
                "CreationTime",
                "Options",
                "Tags",
            ]);
            let origin = o.origin();
            let id_origin = o.origin_of("TransitGatewayId");
            let ok = usable(
                state,
                &["available", "pending", "modifying"],
                &format!("transit gateway {}", id.unwrap_or("?")),
                o.origin_of("State"),
                out,
            );
            o.finish(out);
            if let (Some(id), true) = (id, ok) {
                let mut row = DpRow::new(origin);
                row.set("id", text(id, id_origin));
                self.config.push_data_plane("transit_gateway", row);
            }
        }
    }

    fn tgw_vpc_attachments(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "TransitGatewayVpcAttachments", out) {
            let id = o.req_str("TransitGatewayAttachmentId", out);
            let tgw = o.req_str("TransitGatewayId", out);
            let vpc = o.req_str("VpcId", out);
            let subnets = o.opt_strings("SubnetIds", out).unwrap_or_default();
            let state = o.opt_str("State", out);
            o.known(&["VpcOwnerId", "CreationTime", "Options", "Tags"]);
            let origin = o.origin();
            let ok = usable(
                state,
                &["available", "pending", "modifying"],
                &format!("transit gateway attachment {}", id.unwrap_or("?")),
                o.origin_of("State"),
                out,
            );
            let (Some(id), Some(tgw), Some(vpc), true) = (id, tgw, vpc, ok) else {
                o.finish(out);
                continue;
            };
            let mut row = DpRow::new(origin);
            row.set("id", text(id, o.origin_of("TransitGatewayAttachmentId")));
            row.set(
                "transit_gateway_id",
                text(tgw, o.origin_of("TransitGatewayId")),
            );
            row.set("vpc_id", text(vpc, o.origin_of("VpcId")));
            row.set(
                "subnet_ids",
                Sv::input(DpVal::Strs(subnets), o.origin_of("SubnetIds")),
            );
            o.finish(out);
            self.config
                .push_data_plane("transit_gateway_vpc_attachment", row);
        }
    }

    fn tgw_route_tables(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "TransitGatewayRouteTables", out) {
            let id = o.req_str("TransitGatewayRouteTableId", out);
            let tgw = o.req_str("TransitGatewayId", out);
            let state = o.opt_str("State", out);
            o.known(&[
                "DefaultAssociationRouteTable",
                "DefaultPropagationRouteTable",
                "CreationTime",
                "Tags",
            ]);
            let origin = o.origin();
            let ok = usable(
                state,
                &["available", "pending"],
                &format!("transit gateway route table {}", id.unwrap_or("?")),
                o.origin_of("State"),
                out,
            );
            let (Some(id), Some(tgw), true) = (id, tgw, ok) else {
                o.finish(out);
                continue;
            };
            let mut row = DpRow::new(origin);
            row.set("id", text(id, o.origin_of("TransitGatewayRouteTableId")));
            row.set(
                "transit_gateway_id",
                text(tgw, o.origin_of("TransitGatewayId")),
            );
            o.finish(out);
            self.config
                .push_data_plane("transit_gateway_route_table", row);
        }
    }

    /// The table `id`, or a finding that it was not described.
    fn tgw_table(&mut self, id: &str, origin: &Origin, out: &mut Findings) -> Option<&mut DpRow> {
        if self
            .config
            .data_plane_item("transit_gateway_route_table", id)
            .is_none()
        {
            out.push(
                Level::Warning,
                Some(origin.clone()),
                format!(
                    "transit gateway route table {id} is not described (add the output of \
                     `aws ec2 describe-transit-gateway-route-tables`): left out"
                ),
            );
            return None;
        }
        self.config
            .data_plane_item("transit_gateway_route_table", id)
    }

    fn tgw_attachments(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "TransitGatewayAttachments", out) {
            let id = o.req_str("TransitGatewayAttachmentId", out);
            let assoc = o.opt_obj("Association", out).and_then(|mut a| {
                let table = a.req_str("TransitGatewayRouteTableId", out);
                let state = a.opt_str("State", out);
                let origin = a.origin_of("TransitGatewayRouteTableId");
                a.finish(out);
                match (table, state) {
                    (Some(t), Some("associated") | None) => Some((t, origin)),
                    _ => None,
                }
            });
            if let (Some(id), Some(res)) = (id, o.opt_str("ResourceId", out)) {
                self.tgw_resources.push((
                    res.to_string(),
                    Sv::input(id.to_string(), o.origin_of("TransitGatewayAttachmentId")),
                ));
            }
            o.known(&[
                "TransitGatewayId",
                "TransitGatewayOwnerId",
                "ResourceOwnerId",
                "ResourceType",
                "State",
                "CreationTime",
                "Tags",
            ]);
            let id_origin = o.origin_of("TransitGatewayAttachmentId");
            o.finish(out);
            let (Some(id), Some((table, to))) = (id, assoc) else {
                continue;
            };
            if let Some(t) = self.tgw_table(table, &to, out) {
                t.push_str("associations", id.to_string(), Src::Input(id_origin));
            }
        }
    }

    fn tgw_propagations(&mut self, f: &InputFile, table: &str, out: &mut Findings) {
        for mut o in root_list(f, "TransitGatewayRouteTablePropagations", out) {
            let id = o.req_str("TransitGatewayAttachmentId", out);
            let state = o.opt_str("State", out);
            o.known(&[
                "ResourceId",
                "ResourceType",
                "TransitGatewayRouteTableAnnouncementId",
            ]);
            let origin = o.origin_of("TransitGatewayAttachmentId");
            let ok = usable(
                state,
                &["enabled", "enabling"],
                "the propagation",
                o.origin(),
                out,
            );
            o.finish(out);
            if let (Some(id), true) = (id, ok) {
                if let Some(t) = self.tgw_table(table, &origin, out) {
                    t.push_str("propagations", id.to_string(), Src::Input(origin));
                }
            }
        }
    }

    fn tgw_routes(&mut self, f: &InputFile, table: &str, out: &mut Findings) {
        let Some(mut root) = f.root(out) else { return };
        let items = root.objects("Routes", true, out);
        if root.opt_bool("AdditionalRoutesAvailable", out) == Some(true) {
            out.push(
                Level::Warning,
                Some(root.origin_of("AdditionalRoutesAvailable")),
                "more routes are available than the output lists: run \
                 search-transit-gateway-routes with a larger --max-results",
            );
        }
        root.finish(out);
        for mut o in items {
            let dest = o.opt_str("DestinationCidrBlock", out);
            let dest_origin = o.origin_of("DestinationCidrBlock");
            let kind = o.opt_str("Type", out);
            let state = o.opt_str("State", out);
            let mut attachment: Option<(String, Origin)> = None;
            for mut a in o.objects("TransitGatewayAttachments", false, out) {
                if attachment.is_none() {
                    attachment = a
                        .opt_str("TransitGatewayAttachmentId", out)
                        .map(|x| (x.to_string(), a.origin_of("TransitGatewayAttachmentId")));
                }
                a.known(&["ResourceId", "ResourceType"]);
                a.finish(out);
            }
            o.known(&["PrefixListId", "TransitGatewayRouteTableAnnouncementId"]);
            let origin = o.origin();
            o.finish(out);
            let Some(dest) = dest else {
                out.push(
                    Level::Warning,
                    Some(origin),
                    "a route without an IPv4 destination (a prefix list or IPv6): left out",
                );
                continue;
            };
            let mut row = DpRow::new(origin.clone());
            row.set("destination_cidr_block", text(dest, dest_origin));
            match (kind, state, attachment) {
                (Some("propagated"), _, Some((a, ao))) => {
                    self.learned
                        .push((a.clone(), Sv::input(dest.to_string(), origin.clone())));
                    // The scenario derives propagated routes from the propagation.
                    if let Some(t) = self.tgw_table(table, &origin, out) {
                        t.push_str("propagations", a, Src::Input(ao));
                    }
                    continue;
                }
                (_, Some("blackhole"), _) => {
                    row.set("blackhole", Sv::input(DpVal::Bool(true), origin.clone()))
                }
                (_, Some("active") | None, Some((a, ao))) => {
                    row.set("transit_gateway_attachment_id", text(&a, ao))
                }
                (_, other, _) => {
                    out.push(
                        Level::Warning,
                        Some(origin),
                        format!(
                            "route to {dest} is {}: left out",
                            other.unwrap_or("without an attachment")
                        ),
                    );
                    continue;
                }
            }
            if let Some(t) = self.tgw_table(table, &origin, out) {
                t.push_row("route", row, Src::Input(origin.clone()));
            }
        }
    }

    /// A Site-to-Site VPN connection → the on-premises network behind it, with its static
    /// routes as the prefixes it advertises; attached to a transit gateway, the network is known
    /// by its attachment's id (describe-transit-gateway-attachments).
    fn vpn_connections(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "VpnConnections", out) {
            let id = o.req_str("VpnConnectionId", out);
            let vgw = o.opt_str("VpnGatewayId", out);
            let tgw = o.opt_str("TransitGatewayId", out);
            let state = o.opt_str("State", out);
            let mut prefixes: Vec<String> = Vec::new();
            let routes_origin = o.origin_of("Routes");
            for mut r in o.objects("Routes", false, out) {
                let d = r.opt_str("DestinationCidrBlock", out);
                let st = r.opt_str("State", out);
                r.known(&["Source"]);
                r.finish(out);
                if let (Some(d), Some("available") | None) = (d, st) {
                    prefixes.push(d.to_string());
                }
            }
            o.known(&[
                "CustomerGatewayConfiguration",
                "CustomerGatewayId",
                "Category",
                "Type",
                "Options",
                "VgwTelemetry",
                "Tags",
                "CoreNetworkArn",
                "CoreNetworkAttachmentArn",
                "GatewayAssociationState",
                "PreSharedKeyArn",
            ]);
            let origin = o.origin();
            let ok = usable(
                state,
                &["available", "pending"],
                &format!("VPN connection {}", id.unwrap_or("?")),
                o.origin_of("State"),
                out,
            );
            let (vgw_origin, tgw_origin, id_origin) = (
                o.origin_of("VpnGatewayId"),
                o.origin_of("TransitGatewayId"),
                o.origin_of("VpnConnectionId"),
            );
            o.finish(out);
            let (Some(id), true) = (id, ok) else { continue };
            let prefixes_src = self.bgp_prefixes(id, vgw, tgw, &mut prefixes, &routes_origin);
            if prefixes.is_empty() {
                out.push(
                    Level::Warning,
                    Some(origin),
                    format!(
                        "VPN connection {id}: the on-premises prefixes are learned over BGP,                          which describe-vpn-connections does not list: left out (declare an                          [[on_premises_network]] with its advertised_prefixes)"
                    ),
                );
                continue;
            }
            let mut row = DpRow::new(origin.clone());
            match (vgw, tgw) {
                (Some(g), _) => {
                    row.set("id", text(id, id_origin));
                    row.set("connection", text("site-to-site-vpn", origin.clone()));
                    row.set("vpn_gateway_id", text(g, vgw_origin));
                }
                (None, Some(t)) => {
                    let Some((_, att)) = self.tgw_resources.iter().find(|(r, _)| r == id) else {
                        out.push(
                            Level::Warning,
                            Some(tgw_origin),
                            format!(
                                "VPN connection {id} is attached to transit gateway {t}, but its                                  attachment is not in the inputs (add the output of `aws ec2                                  describe-transit-gateway-attachments`): left out"
                            ),
                        );
                        continue;
                    };
                    row.set(
                        "id",
                        Sv {
                            value: DpVal::Str(att.value.clone()),
                            src: att.src.clone(),
                        },
                    );
                    row.set("connection", text("site-to-site-vpn", origin.clone()));
                    row.set("transit_gateway_id", text(t, tgw_origin));
                }
                (None, None) => {
                    out.push(
                        Level::Warning,
                        Some(origin),
                        format!("VPN connection {id} attaches to no gateway: left out"),
                    );
                    continue;
                }
            }
            row.set(
                "advertised_prefixes",
                Sv {
                    value: DpVal::Strs(prefixes),
                    src: prefixes_src,
                },
            );
            self.config.push_data_plane("on_premises_network", row);
        }
    }

    /// Over BGP the prefixes are not in the connection: when it lists none, the routes its
    /// gateway learned from it stand for them. Returns where `prefixes` come from.
    fn bgp_prefixes(
        &self,
        id: &str,
        vgw: Option<&str>,
        tgw: Option<&str>,
        prefixes: &mut Vec<String>,
        routes_origin: &Origin,
    ) -> Src {
        // Over BGP the prefixes are not in the connection: the routes its gateway learned
        // from it stand for them.
        let gateway = match (vgw, tgw) {
            (Some(g), _) => Some(g.to_string()),
            (None, Some(_)) => self
                .tgw_resources
                .iter()
                .find(|(r, _)| r == id)
                .map(|(_, a)| a.value.clone()),
            _ => None,
        };
        let learned: Vec<&Sv<String>> = self
            .learned
            .iter()
            .filter(|(g, _)| Some(g) == gateway.as_ref())
            .map(|(_, p)| p)
            .collect();
        let mut prefixes_src = Src::Input(routes_origin.clone());
        if prefixes.is_empty() && !learned.is_empty() {
            *prefixes = learned.iter().map(|p| p.value.clone()).collect();
            prefixes.dedup();
            prefixes_src = Src::Assumed {
                why: format!(
                    "VPN connection {id} lists no static routes: the prefixes its gateway \
                     learned from it over BGP (propagated routes) stand for what it advertises"
                ),
                origin: learned[0].src.origin().cloned(),
            };
        }
        prefixes_src
    }

    fn vpc_endpoints(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "VpcEndpoints", out) {
            let id = o.req_str("VpcEndpointId", out);
            let kind = o.req_str("VpcEndpointType", out);
            let vpc = o.req_str("VpcId", out);
            let service = o.req_str("ServiceName", out);
            let state = o.opt_str("State", out);
            let tables = o.opt_strings("RouteTableIds", out).unwrap_or_default();
            o.known(&[
                "PolicyDocument",
                "SubnetIds",
                "Groups",
                "PrivateDnsEnabled",
                "RequesterManaged",
                "NetworkInterfaceIds",
                "DnsEntries",
                "CreationTimestamp",
                "OwnerId",
                "IpAddressType",
                "DnsOptions",
                "Tags",
                "LastError",
                "ServiceRegion",
            ]);
            let origin = o.origin();
            let ok = usable(
                state,
                &["available", "pending", "pendingacceptance"],
                &format!("VPC endpoint {}", id.unwrap_or("?")),
                o.origin_of("State"),
                out,
            );
            let (Some(id), Some(kind), Some(vpc), Some(service), true) =
                (id, kind, vpc, service, ok)
            else {
                o.finish(out);
                continue;
            };
            if kind != "Gateway" {
                out.push(
                    Level::Warning,
                    Some(o.origin_of("VpcEndpointType")),
                    format!(
                        "{kind} endpoint {id}: its network interfaces' addresses are not in \
                         describe-vpc-endpoints; left out (declare it by hand as a \
                         vpc_endpoint with ip_addresses)"
                    ),
                );
                o.finish(out);
                continue;
            }
            let Some(pl) = self.prefix_lists.iter().position(|p| p.name == service) else {
                out.push(
                    Level::Error,
                    Some(o.origin_of("ServiceName")),
                    format!(
                        "the addresses of {service}, which gateway endpoint {id} routes, are not \
                         in the inputs: add the output of `aws ec2 describe-prefix-lists`"
                    ),
                );
                o.finish(out);
                continue;
            };
            let pl_id = self.use_prefix_list(pl);
            let mut row = DpRow::new(origin);
            row.set("id", text(id, o.origin_of("VpcEndpointId")));
            row.set("vpc_id", text(vpc, o.origin_of("VpcId")));
            row.set("service_name", text(service, o.origin_of("ServiceName")));
            row.set(
                "vpc_endpoint_type",
                text(kind, o.origin_of("VpcEndpointType")),
            );
            row.set(
                "prefix_list_id",
                Sv::assumed(
                    DpVal::Str(pl_id.clone()),
                    format!("the prefix list named {service} (describe-prefix-lists)"),
                    Some(o.origin_of("ServiceName")),
                ),
            );
            row.set(
                "route_table_ids",
                Sv::input(DpVal::Strs(tables), o.origin_of("RouteTableIds")),
            );
            o.finish(out);
            self.config.push_data_plane("vpc_endpoint", row);
        }
    }

    fn route_tables(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "RouteTables", out) {
            let id = o.req_str("RouteTableId", out);
            let vpc = o.req_str("VpcId", out);
            let mut row = DpRow::new(o.origin());
            if let Some(id) = id {
                row.set("id", text(id, o.origin_of("RouteTableId")));
            }
            if let Some(v) = vpc {
                row.set("vpc_id", text(v, o.origin_of("VpcId")));
            }
            for mut a in o.objects("Associations", false, out) {
                let main = a.opt_bool("Main", out);
                let subnet = a.opt_str("SubnetId", out);
                let gateway = a.opt_str("GatewayId", out);
                let state = a.opt_obj("AssociationState", out).and_then(|mut s| {
                    let v = s.opt_str("State", out);
                    s.known(&["StatusMessage"]);
                    s.finish(out);
                    v
                });
                a.known(&["RouteTableAssociationId", "RouteTableId"]);
                let ao = a.origin();
                if !usable(
                    state,
                    &["associated"],
                    "the route table association",
                    ao.clone(),
                    out,
                ) {
                    a.finish(out);
                    continue;
                }
                if main == Some(true) {
                    row.set("main", Sv::input(DpVal::Bool(true), a.origin_of("Main")));
                }
                if let Some(s) = subnet {
                    row.push_str(
                        "subnet_ids",
                        s.to_string(),
                        Src::Input(o.origin_of("Associations")),
                    );
                    if let Some(v) = vpc {
                        self.config.subnet_vpc_hints.push((
                            s.to_string(),
                            Sv::input(v.to_string(), o.origin_of("VpcId")),
                        ));
                    }
                }
                if let Some(g) = gateway {
                    out.push(
                        Level::Warning,
                        Some(a.origin_of("GatewayId")),
                        format!(
                            "edge association with gateway {g} (ingress routing) is not modelled: \
                             left out"
                        ),
                    );
                }
                a.finish(out);
            }
            for mut g in o.objects("PropagatingVgws", false, out) {
                if let Some(v) = g.req_str("GatewayId", out) {
                    row.push_str(
                        "propagating_vgws",
                        v.to_string(),
                        Src::Input(o.origin_of("PropagatingVgws")),
                    );
                }
                g.finish(out);
            }
            let routes_origin = o.origin_of("Routes");
            for r in o.objects("Routes", false, out) {
                if let Some(route) = self.route(r, out) {
                    row.push_row("route", route, Src::Input(routes_origin.clone()));
                }
            }
            if row.get("route").is_none() {
                row.set("route", Sv::input(DpVal::Rows(Vec::new()), routes_origin));
            }
            o.known(&["OwnerId", "Tags", "RouteTableArn"]);
            o.finish(out);
            if id.is_some() && vpc.is_some() {
                self.config.push_data_plane("route_table", row);
            }
        }
    }

    /// One route of a route table, or `None` (reported unless implicit in a scenario).
    fn route(&mut self, mut r: Obj<'_>, out: &mut Findings) -> Option<DpRow> {
        let dest = r.opt_str("DestinationCidrBlock", out);
        let v6 = r.opt_str("DestinationIpv6CidrBlock", out);
        let pl = r.opt_str("DestinationPrefixListId", out);
        let origin = r.opt_str("Origin", out);
        let state = r.opt_str("State", out);
        let targets: Vec<(&'static str, &str, Origin)> = [
            ("GatewayId", "gateway_id"),
            ("NatGatewayId", "nat_gateway_id"),
            ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
            ("TransitGatewayId", "transit_gateway_id"),
            ("NetworkInterfaceId", ""),
            ("InstanceId", ""),
            ("EgressOnlyInternetGatewayId", ""),
            ("LocalGatewayId", ""),
            ("CarrierGatewayId", ""),
            ("CoreNetworkArn", ""),
        ]
        .into_iter()
        .filter_map(|(key, field)| r.opt_str(key, out).map(|v| (field, v, r.origin_of(key))))
        .collect();
        r.known(&["InstanceOwnerId", "OdbNetworkArn"]);
        let ro = r.origin();
        r.finish(out);
        if v6.is_some() {
            out.push(
                Level::Note,
                Some(ro),
                "an IPv6 route: not modelled, left out",
            );
            return None;
        }
        if origin == Some("EnableVgwRoutePropagation") {
            // Propagated from a virtual private gateway: the scenario derives it from
            // `propagating_vgws` and the on-premises network's prefixes.
            if let (Some(d), Some((_, g, _))) = (dest, targets.first()) {
                self.learned
                    .push((g.to_string(), Sv::input(d.to_string(), ro.clone())));
            }
            return None;
        }
        let Some((field, target, to)) = targets.first().cloned() else {
            out.push(
                Level::Warning,
                Some(ro),
                "a route without a target: left out",
            );
            return None;
        };
        if target == "local" {
            return None; // the VPC's local routes are implicit
        }
        if target.starts_with("vpce-") {
            self.endpoint_route(target, to, out);
            return None;
        }
        if field.is_empty() {
            out.push(
                Level::Warning,
                Some(to),
                format!(
                    "route to {target}: this kind of target is not modelled by the simulator; \
                     left out"
                ),
            );
            return None;
        }
        let mut row = DpRow::new(ro.clone());
        match (dest, pl) {
            (Some(d), _) => row.set(
                "destination_cidr_block",
                Sv::input(DpVal::Str(d.into()), ro.clone()),
            ),
            (None, Some(p)) => {
                let Some(i) = self.prefix_lists.iter().position(|x| x.id == p) else {
                    out.push(
                        Level::Warning,
                        Some(ro),
                        format!(
                            "route to prefix list {p}: its addresses are not in the inputs (add \
                             the output of `aws ec2 describe-prefix-lists`); left out"
                        ),
                    );
                    return None;
                };
                let id = self.use_prefix_list(i);
                row.set(
                    "destination_prefix_list_id",
                    Sv::input(DpVal::Str(id), ro.clone()),
                );
            }
            (None, None) => {
                out.push(
                    Level::Warning,
                    Some(ro),
                    "a route without a destination: left out",
                );
                return None;
            }
        }
        let field: &'static str = match field {
            "gateway_id" => "gateway_id",
            "nat_gateway_id" => "nat_gateway_id",
            "vpc_peering_connection_id" => "vpc_peering_connection_id",
            _ => "transit_gateway_id",
        };
        row.set(field, text(target, to));
        if state == Some("blackhole") {
            row.set("state", Sv::input(DpVal::Str("blackhole".into()), ro));
        }
        Some(row)
    }

    /// A route to a gateway endpoint: the scenario adds it from the endpoint's `route_table_ids`
    /// (describe-vpc-endpoints), so it is only checked that the endpoint is described.
    fn endpoint_route(&self, target: &str, to: Origin, out: &mut Findings) {
        // A gateway endpoint's route: the scenario adds it from the endpoint's
        // route_table_ids (describe-vpc-endpoints).
        let known = self
            .config
            .data_plane
            .iter()
            .any(|d| d.section == "vpc_endpoint" && d.row.get_str("id") == Some(target));
        if !known {
            out.push(
                Level::Warning,
                Some(to),
                format!(
                    "route to gateway endpoint {target}: the endpoint is not described (add \
                     the output of `aws ec2 describe-vpc-endpoints`); left out"
                ),
            );
        }
    }

    fn network_acls(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "NetworkAcls", out) {
            let id = o.req_str("NetworkAclId", out);
            let vpc = o.req_str("VpcId", out);
            let default = o.opt_bool("IsDefault", out);
            let mut row = DpRow::new(o.origin());
            if let Some(id) = id {
                row.set("id", text(id, o.origin_of("NetworkAclId")));
            }
            if let Some(v) = vpc {
                row.set("vpc_id", text(v, o.origin_of("VpcId")));
            }
            if let Some(d) = default {
                row.set(
                    "default",
                    Sv::input(DpVal::Bool(d), o.origin_of("IsDefault")),
                );
            }
            let assoc_origin = o.origin_of("Associations");
            for mut a in o.objects("Associations", false, out) {
                if let Some(s) = a.req_str("SubnetId", out) {
                    row.push_str(
                        "subnet_ids",
                        s.to_string(),
                        Src::Input(assoc_origin.clone()),
                    );
                    if let Some(v) = vpc {
                        self.config.subnet_vpc_hints.push((
                            s.to_string(),
                            Sv::input(v.to_string(), o.origin_of("VpcId")),
                        ));
                    }
                }
                a.known(&["NetworkAclAssociationId", "NetworkAclId"]);
                a.finish(out);
            }
            let entries_origin = o.origin_of("Entries");
            let mut ingress: Vec<DpRow> = Vec::new();
            let mut egress: Vec<DpRow> = Vec::new();
            for e in o.objects("Entries", false, out) {
                if let Some((is_egress, r)) = acl_entry(e, out) {
                    if is_egress {
                        egress.push(r);
                    } else {
                        ingress.push(r);
                    }
                }
            }
            row.set(
                "ingress",
                Sv::input(DpVal::Rows(ingress), entries_origin.clone()),
            );
            row.set("egress", Sv::input(DpVal::Rows(egress), entries_origin));
            o.known(&["OwnerId", "Tags"]);
            o.finish(out);
            if id.is_some() && vpc.is_some() {
                self.config.push_data_plane("network_acl", row);
            }
        }
    }

    fn security_groups(&mut self, f: &InputFile, out: &mut Findings) {
        for mut o in root_list(f, "SecurityGroups", out) {
            let Some(id) = o.req_str("GroupId", out) else {
                o.finish(out);
                continue;
            };
            let id_origin = o.origin_of("GroupId");
            if !self.config.security_groups.iter().any(|g| g.value == id) {
                self.config
                    .security_groups
                    .push(Sv::input(id.to_string(), id_origin.clone()));
            }
            for (key, egress) in [("IpPermissions", false), ("IpPermissionsEgress", true)] {
                for p in o.objects(key, false, out) {
                    for r in sg_permission(p, id, &id_origin, egress, out) {
                        self.config.push_data_plane("security_group_rule", r);
                    }
                }
            }
            o.known(&[
                "Description",
                "GroupName",
                "OwnerId",
                "VpcId",
                "Tags",
                "SecurityGroupArn",
            ]);
            o.finish(out);
        }
    }
}

/// A protocol as the scenario names it (`-1`, `tcp`, `udp`, `icmp`), from a name or number;
/// `None` (reported) for one the simulator does not model.
fn protocol(p: &str, origin: &Origin, out: &mut Findings) -> Option<&'static str> {
    match Protocol::parse(p) {
        Some(x) => Some(x.name()),
        None => {
            out.push(
                Level::Note,
                Some(origin.clone()),
                format!(
                    "protocol {p}: the simulator models tcp, udp and icmp traffic, so this rule \
                     decides nothing it evaluates; left out"
                ),
            );
            None
        }
    }
}

/// One network ACL entry → (egress, row); the final `*` rule (32767) is implicit.
fn acl_entry(mut e: Obj<'_>, out: &mut Findings) -> Option<(bool, DpRow)> {
    let number = e.req("RuleNumber", out).and(e.opt_int("RuleNumber", out));
    let egress = e.opt_bool("Egress", out).unwrap_or(false);
    let proto = e.req_str("Protocol", out);
    let action = e.req_str("RuleAction", out);
    let cidr = e.opt_str("CidrBlock", out);
    let v6 = e.opt_str("Ipv6CidrBlock", out);
    let ports = e.opt_obj("PortRange", out).map(|mut p| {
        let from = p.opt_int("From", out);
        let to = p.opt_int("To", out);
        let o = (p.origin_of("From"), p.origin_of("To"));
        p.finish(out);
        (from, to, o)
    });
    e.known(&["IcmpTypeCode"]);
    let origin = e.origin();
    let number_origin = e.origin_of("RuleNumber");
    let proto_origin = e.origin_of("Protocol");
    let action_origin = e.origin_of("RuleAction");
    let cidr_origin = e.origin_of("CidrBlock");
    e.finish(out);
    let (Some(number), Some(proto), Some(action)) = (number, proto, action) else {
        return None;
    };
    if number == 32767 {
        return None;
    }
    if v6.is_some() {
        out.push(
            Level::Note,
            Some(origin),
            "an IPv6 rule: not modelled, left out",
        );
        return None;
    }
    let Some(cidr) = cidr else {
        out.push(Level::Error, Some(cidr_origin), "missing");
        return None;
    };
    let proto = protocol(proto, &proto_origin, out)?;
    let mut row = DpRow::new(origin.clone());
    row.set("rule_number", Sv::input(DpVal::Int(number), number_origin));
    row.set(
        "protocol",
        Sv::input(DpVal::Str(proto.into()), proto_origin),
    );
    row.set(
        "rule_action",
        Sv::input(DpVal::Str(action.into()), action_origin),
    );
    row.set(
        "cidr_block",
        Sv::input(DpVal::Str(cidr.into()), cidr_origin),
    );
    if matches!(proto, "tcp" | "udp") {
        match ports {
            Some((Some(from), Some(to), (fo, tt))) => {
                row.set("from_port", Sv::input(DpVal::Int(from), fo));
                row.set("to_port", Sv::input(DpVal::Int(to), tt));
            }
            _ => {
                out.push(
                    Level::Error,
                    Some(origin),
                    format!("missing: a {proto} entry needs PortRange.From and PortRange.To"),
                );
                return None;
            }
        }
    }
    Some((egress, row))
}

/// One `IpPermissions` entry → a scenario rule per source (each CIDR, each group).
fn sg_permission(
    mut p: Obj<'_>,
    group: &str,
    group_origin: &Origin,
    egress: bool,
    out: &mut Findings,
) -> Vec<DpRow> {
    let proto = p.req_str("IpProtocol", out);
    let from = p.opt_int("FromPort", out);
    let to = p.opt_int("ToPort", out);
    let proto_origin = p.origin_of("IpProtocol");
    let (from_origin, to_origin) = (p.origin_of("FromPort"), p.origin_of("ToPort"));
    let mut sources: Vec<(&'static str, String, Option<String>, Origin)> = Vec::new();
    for mut r in p.objects("IpRanges", false, out) {
        let c = r.req_str("CidrIp", out);
        let d = r.opt_str("Description", out);
        if let Some(c) = c {
            sources.push(("cidr_blocks", c.into(), d.map(str::to_string), r.origin()));
        }
        r.finish(out);
    }
    for mut g in p.objects("UserIdGroupPairs", false, out) {
        let id = g.req_str("GroupId", out);
        let d = g.opt_str("Description", out);
        g.known(&[
            "UserId",
            "GroupName",
            "VpcId",
            "VpcPeeringConnectionId",
            "PeeringStatus",
        ]);
        if let Some(id) = id {
            sources.push((
                "source_security_group_id",
                id.into(),
                d.map(str::to_string),
                g.origin(),
            ));
        }
        g.finish(out);
    }
    for (key, what) in [
        ("Ipv6Ranges", "IPv6 ranges"),
        ("PrefixListIds", "prefix lists"),
    ] {
        if let Some(items) = p.opt_array(key, out) {
            if !items.is_empty() {
                out.push(
                    if key == "Ipv6Ranges" {
                        Level::Note
                    } else {
                        Level::Warning
                    },
                    Some(p.origin_of(key)),
                    format!("security group {group}: rules for {what} are not modelled; left out"),
                );
            }
        }
    }
    let origin = p.origin();
    p.finish(out);
    let Some(proto) = proto.and_then(|x| protocol(x, &proto_origin, out)) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for (key, source, description, so) in sources {
        let mut row = DpRow::new(origin.clone());
        row.set("security_group_id", text(group, group_origin.clone()));
        row.set(
            "type",
            Sv::input(
                DpVal::Str(if egress { "egress" } else { "ingress" }.into()),
                origin.clone(),
            ),
        );
        row.set(
            "protocol",
            Sv::input(DpVal::Str(proto.into()), proto_origin.clone()),
        );
        if matches!(proto, "tcp" | "udp") {
            match (from, to) {
                (Some(f), Some(t)) => {
                    row.set("from_port", Sv::input(DpVal::Int(f), from_origin.clone()));
                    row.set("to_port", Sv::input(DpVal::Int(t), to_origin.clone()));
                }
                _ => {
                    out.push(
                        Level::Error,
                        Some(origin.clone()),
                        format!("missing: a {proto} permission needs FromPort and ToPort"),
                    );
                    return Vec::new();
                }
            }
        }
        let value = if key == "cidr_blocks" {
            DpVal::Strs(vec![source])
        } else {
            DpVal::Str(source)
        };
        row.set(key, Sv::input(value, so.clone()));
        if let Some(d) = description {
            row.set("description", Sv::input(DpVal::Str(d), so));
        }
        rows.push(row);
    }
    rows
}
