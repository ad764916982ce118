//! `cvpnsim import aws`: reads what the AWS CLI prints for `describe-client-vpn-endpoints`,
//! `describe-client-vpn-target-networks`, `describe-client-vpn-routes`,
//! `describe-client-vpn-authorization-rules` and, optionally, `describe-subnets` and
//! `describe-vpcs`, and turns it into a [`Config`] (field names as the EC2 API spells them).
//! The data plane past the endpoint (`describe-route-tables`, …) is read by its `dataplane`
//! module.
//!
//! Routes and rules whose status is not `active`, and target networks not `associated`, are
//! reported and left out. Routes AWS created when a subnet was associated (`Origin: associate`)
//! are implicit in a scenario (docs/model.md §8.4); they tell the VPC's CIDR when `describe-vpcs` was
//! not given.

use super::draft::{
    self, AssocCfg, Config, GrantCfg, Imported, RouteCfg, RuleCfg, SubnetCfg, Sv, VpcCfg,
};
use super::json::{Findings, InputFile, Level, Obj};

mod dataplane;

/// One input file's name and text.
#[derive(Debug, Clone)]
pub struct Text {
    pub name: String,
    pub text: String,
}

impl Text {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Text {
        Text {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// The AWS CLI outputs to import.
#[derive(Debug, Clone)]
pub struct AwsInputs {
    pub endpoints: Text,
    pub target_networks: Text,
    pub routes: Text,
    pub authorization_rules: Text,
    pub subnets: Option<Text>,
    pub vpcs: Option<Text>,
    /// Data-plane outputs (`describe-route-tables`, `describe-network-acls`, …), each
    /// recognised by its top-level key.
    pub data_plane: Vec<DataPlaneText>,
}

/// One data-plane output, with the transit gateway route table it is about when the output
/// does not say (`search-transit-gateway-routes`, `get-transit-gateway-route-table-propagations`).
#[derive(Debug, Clone)]
pub struct DataPlaneText {
    pub table: Option<String>,
    pub text: Text,
}

#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Which endpoint, when the endpoints file lists more than one.
    pub endpoint_id: Option<String>,
    /// Scenario name (default: the endpoint's id).
    pub name: Option<String>,
}

/// Imports the configuration; `output_name` names the scenario file in diagnostics.
pub fn import(inputs: &AwsInputs, opts: &AwsOptions, output_name: &str) -> Imported {
    let mut out = Findings::default();
    let mut parse = |t: &Text| match InputFile::parse(&t.name, &t.text) {
        Ok(f) => Some(f),
        Err(e) => {
            out.list.push(e);
            None
        }
    };
    let endpoints = parse(&inputs.endpoints);
    let networks = parse(&inputs.target_networks);
    let routes = parse(&inputs.routes);
    let rules = parse(&inputs.authorization_rules);
    let subnets = inputs.subnets.as_ref().and_then(&mut parse);
    let vpcs = inputs.vpcs.as_ref().and_then(&mut parse);
    let dp: Vec<(Option<&str>, InputFile)> = inputs
        .data_plane
        .iter()
        .filter_map(|d| parse(&d.text).map(|f| (d.table.as_deref(), f)))
        .collect();

    let mut config = Config {
        vpc_hint: "pass --vpcs with the output of `aws ec2 describe-vpcs`".into(),
        subnet_hint: "pass --subnets with the output of `aws ec2 describe-subnets`".into(),
        ..Config::default()
    };
    let mut names: Vec<&str> = vec![
        &inputs.endpoints.name,
        &inputs.target_networks.name,
        &inputs.routes.name,
        &inputs.authorization_rules.name,
    ];
    names.extend(inputs.subnets.iter().map(|t| t.name.as_str()));
    names.extend(inputs.vpcs.iter().map(|t| t.name.as_str()));
    names.extend(inputs.data_plane.iter().map(|t| t.text.name.as_str()));
    config.imported_from = format!(
        "Imported by `cvpnsim import aws` from {}.",
        names.join(", ")
    );

    let endpoint_id = endpoints
        .as_ref()
        .and_then(|f| read_endpoint(f, opts, &mut config, &mut out));
    config.name = opts
        .name
        .clone()
        .or_else(|| endpoint_id.clone())
        .unwrap_or_else(|| "imported".into());
    let id = endpoint_id.as_deref();
    if let Some(f) = &networks {
        read_target_networks(f, id, &mut config, &mut out);
    }
    if let Some(f) = &routes {
        read_routes(f, id, &mut config, &mut out);
    }
    if let Some(f) = &rules {
        read_rules(f, id, &mut config, &mut out);
    }
    let files: Vec<dataplane::DpFile<'_>> = dp
        .iter()
        .map(|(table, file)| dataplane::DpFile {
            file,
            table: *table,
        })
        .collect();
    dataplane::read(&files, &mut config, &mut out);
    if let Some(f) = &subnets {
        read_subnets(f, &mut config, &mut out);
    }
    if let Some(f) = &vpcs {
        read_vpcs(f, &mut config, &mut out);
    }
    draft::finish(config, out, output_name)
}

/// `Status.Code` of a describe result, read and returned with the member marked as known.
fn status_code<'a>(o: &mut Obj<'a>, out: &mut Findings) -> Option<&'a str> {
    let mut st = o.opt_obj("Status", out)?;
    let code = st.opt_str("Code", out);
    st.known(&["Message"]);
    st.finish(out);
    code
}

/// Whether an item belongs to the chosen endpoint; an item of another endpoint is reported.
fn same_endpoint(o: &mut Obj<'_>, id: Option<&str>, what: &str, out: &mut Findings) -> bool {
    let theirs = o.opt_str("ClientVpnEndpointId", out);
    match (theirs, id) {
        (Some(t), Some(id)) if t != id => {
            out.push(
                Level::Warning,
                Some(o.origin_of("ClientVpnEndpointId")),
                format!("{what} of endpoint {t}, not {id}: left out"),
            );
            false
        }
        _ => true,
    }
}

fn root_list<'a>(f: &'a InputFile, key: &'static str, out: &mut Findings) -> Vec<Obj<'a>> {
    let Some(mut root) = f.root(out) else {
        return Vec::new();
    };
    let items = root.objects(key, true, out);
    if root.opt("NextToken").is_some() {
        out.push(
            Level::Warning,
            Some(root.origin_of("NextToken")),
            "the output is one page of several (NextToken is set): run the AWS CLI without \
             --max-items so that it fetches every page",
        );
    }
    root.finish(out);
    items
}

fn read_endpoint(
    f: &InputFile,
    opts: &AwsOptions,
    config: &mut Config,
    out: &mut Findings,
) -> Option<String> {
    let mut items = root_list(f, "ClientVpnEndpoints", out);
    let ids: Vec<String> = items
        .iter()
        .map(|o| {
            o.node
                .get("ClientVpnEndpointId")
                .and_then(|v| v.as_str())
                .unwrap_or("?")
                .to_string()
        })
        .collect();
    let index = match (&opts.endpoint_id, items.len()) {
        (Some(want), _) => match ids.iter().position(|i| i == want) {
            Some(i) => i,
            None => {
                out.push(
                    Level::Error,
                    None,
                    format!(
                        "{}: no endpoint {want} (the file lists: {})",
                        f.name(),
                        if ids.is_empty() {
                            "none".into()
                        } else {
                            ids.join(", ")
                        }
                    ),
                );
                return None;
            }
        },
        (None, 1) => 0,
        (None, 0) => {
            out.push(
                Level::Error,
                Some(f.origin("$.ClientVpnEndpoints", &f.root.span)),
                "no endpoint in the file",
            );
            return None;
        }
        (None, n) => {
            out.push(
                Level::Error,
                Some(f.origin("$.ClientVpnEndpoints", &f.root.span)),
                format!(
                    "{n} endpoints in the file: choose one with --endpoint-id ({})",
                    ids.join(", ")
                ),
            );
            return None;
        }
    };
    let o = items.swap_remove(index);
    Some(endpoint_fields(o, config, out))
}

fn endpoint_fields(mut o: Obj<'_>, config: &mut Config, out: &mut Findings) -> String {
    let e = &mut config.endpoint;
    e.origin = Some(o.origin());
    let id = o
        .req_str("ClientVpnEndpointId", out)
        .unwrap_or("?")
        .to_string();
    e.id = Some(Sv::input(id.clone(), o.origin_of("ClientVpnEndpointId")));
    let str_field = |o: &mut Obj<'_>, key: &'static str, out: &mut Findings| {
        o.opt_str(key, out)
            .map(|v| Sv::input(v.to_string(), o.origin_of(key)))
    };
    e.description = str_field(&mut o, "Description", out);
    e.client_cidr_block = o
        .req_str("ClientCidrBlock", out)
        .map(|v| Sv::input(v.to_string(), o.origin_of("ClientCidrBlock")));
    e.transport_protocol = str_field(&mut o, "TransportProtocol", out);
    e.vpc_id = str_field(&mut o, "VpcId", out);
    e.vpn_port = o
        .opt_int("VpnPort", out)
        .map(|v| Sv::input(v, o.origin_of("VpnPort")));
    e.session_timeout_hours = o
        .opt_int("SessionTimeoutHours", out)
        .map(|v| Sv::input(v, o.origin_of("SessionTimeoutHours")));
    e.split_tunnel = o
        .opt_bool("SplitTunnel", out)
        .map(|v| Sv::input(v, o.origin_of("SplitTunnel")));
    e.disconnect_on_session_timeout = o
        .opt_bool("DisconnectOnSessionTimeout", out)
        .map(|v| Sv::input(v, o.origin_of("DisconnectOnSessionTimeout")));
    e.dns_servers = o
        .opt_strings("DnsServers", out)
        .filter(|v| !v.is_empty())
        .map(|v| Sv::input(v, o.origin_of("DnsServers")));
    e.security_group_ids = o
        .opt_strings("SecurityGroupIds", out)
        .filter(|v| !v.is_empty())
        .map(|v| Sv::input(v, o.origin_of("SecurityGroupIds")));
    if o.opt_str("SelfServicePortalUrl", out).is_some() {
        e.self_service_portal = Some(Sv::input(true, o.origin_of("SelfServicePortalUrl")));
    }
    e.authentication = authentication(&mut o, out);
    e.handler = connect_options(&mut o, out);
    e.login_banner = banner(&mut o, out);
    if let Some(mut log) = o.opt_obj("ConnectionLogOptions", out) {
        e.connection_log = log
            .opt_bool("Enabled", out)
            .map(|v| Sv::input(v, log.origin_of("Enabled")));
        log.known(&["CloudwatchLogGroup", "CloudwatchLogStream"]);
        log.finish(out);
    }
    if let Some(mut enf) = o.opt_obj("ClientRouteEnforcementOptions", out) {
        if enf.opt_bool("Enforced", out) == Some(true) {
            out.push(
                Level::Warning,
                Some(enf.origin_of("Enforced")),
                "client route enforcement is not modelled by the simulator",
            );
        }
        enf.finish(out);
    }
    if let Some(p) = o.opt_str("VpnProtocol", out) {
        if p != "openvpn" {
            out.push(
                Level::Warning,
                Some(o.origin_of("VpnProtocol")),
                format!("VPN protocol `{p}`: the simulator models OpenVPN endpoints"),
            );
        }
    }
    match status_code(&mut o, out) {
        Some("available") | None => {}
        Some("pending-associate") => out.push(
            Level::Note,
            Some(o.origin_of("Status")),
            "the endpoint is pending-associate: no subnet is associated yet",
        ),
        Some(other) => out.push(
            Level::Warning,
            Some(o.origin_of("Status")),
            format!("the endpoint's status is `{other}`"),
        ),
    }
    o.known(&[
        "CreationTime",
        "DeletionTime",
        "DnsName",
        "AssociatedTargetNetworks",
        "ServerCertificateArn",
        "Tags",
    ]);
    o.finish(out);
    id
}

/// Reads one authentication type as AWS names it (`AuthenticationOptions[].Type` in the CLI
/// output, `type` in Terraform) into the scenario's name; an unknown type is an error at `key`.
pub(crate) fn read_auth_type(
    a: &mut Obj<'_>,
    key: &'static str,
    names: &mut Vec<String>,
    out: &mut Findings,
) {
    let name = match a.req_str(key, out) {
        Some("certificate-authentication") => "mutual",
        Some("directory-service-authentication") => "active-directory",
        Some("federated-authentication") => "federated",
        Some(other) => {
            out.push(
                Level::Error,
                Some(a.origin_of(key)),
                format!(
                    "unknown authentication type `{other}` (expected certificate-authentication, \
                     directory-service-authentication or federated-authentication)"
                ),
            );
            return;
        }
        None => return,
    };
    names.push(name.to_string());
}

fn authentication(o: &mut Obj<'_>, out: &mut Findings) -> Option<Sv<Vec<String>>> {
    let origin = o.origin_of("AuthenticationOptions");
    let items = o.objects("AuthenticationOptions", true, out);
    let mut names = Vec::new();
    for mut a in items {
        read_auth_type(&mut a, "Type", &mut names, out);
        a.known(&[
            "ActiveDirectory",
            "MutualAuthentication",
            "FederatedAuthentication",
        ]);
        a.finish(out);
    }
    Some(Sv::input(names, origin))
}

/// The Lambda function name from `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
pub fn lambda_name(arn: &str) -> &str {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.iter().position(|p| *p == "function") {
        Some(i) if parts[0] == "arn" && i + 1 < parts.len() => parts[i + 1],
        _ => arn,
    }
}

fn connect_options(o: &mut Obj<'_>, out: &mut Findings) -> Option<Sv<String>> {
    let mut c = o.opt_obj("ClientConnectOptions", out)?;
    let enabled = c.opt_bool("Enabled", out).unwrap_or(false);
    let arn = c.opt_str("LambdaFunctionArn", out);
    let code = status_code(&mut c, out);
    let result = if enabled {
        match arn {
            Some(arn) => {
                if let Some(code) = code.filter(|c| *c != "applied") {
                    out.push(
                        Level::Warning,
                        Some(c.origin_of("Status")),
                        format!("the client connect handler's status is `{code}`, not applied"),
                    );
                }
                Some(Sv::input(
                    lambda_name(arn).to_string(),
                    c.origin_of("LambdaFunctionArn"),
                ))
            }
            None => {
                out.push(
                    Level::Error,
                    Some(c.origin_of("LambdaFunctionArn")),
                    "missing: the client connect handler is enabled but names no function",
                );
                None
            }
        }
    } else {
        None
    };
    c.finish(out);
    result
}

fn banner(o: &mut Obj<'_>, out: &mut Findings) -> Option<Sv<String>> {
    let mut b = o.opt_obj("ClientLoginBannerOptions", out)?;
    let enabled = b.opt_bool("Enabled", out).unwrap_or(false);
    let text = b.opt_str("BannerText", out);
    let result = match (enabled, text) {
        (true, Some(t)) => Some(Sv::input(t.to_string(), b.origin_of("BannerText"))),
        (true, None) => {
            out.push(
                Level::Warning,
                Some(b.origin_of("BannerText")),
                "the login banner is enabled but has no text: left out",
            );
            None
        }
        _ => None,
    };
    b.finish(out);
    result
}

fn read_target_networks(f: &InputFile, id: Option<&str>, config: &mut Config, out: &mut Findings) {
    for mut o in root_list(f, "ClientVpnTargetNetworks", out) {
        if !same_endpoint(&mut o, id, "target network", out) {
            continue;
        }
        let subnet = o.req_str("TargetNetworkId", out);
        let vpc = o
            .opt_str("VpcId", out)
            .map(|v| Sv::input(v.to_string(), o.origin_of("VpcId")));
        let code = status_code(&mut o, out);
        o.known(&["AssociationId", "SecurityGroups"]);
        let origin = o.origin();
        o.finish(out);
        let Some(subnet) = subnet else { continue };
        match code {
            Some("associated") => config.associations.push(AssocCfg {
                origin: Some(origin.clone()),
                subnet_id: Sv::input(subnet.to_string(), origin),
                vpc_id: vpc,
            }),
            other => out.push(
                Level::Warning,
                Some(origin),
                format!(
                    "subnet {subnet} is {}, not associated: left out",
                    other.unwrap_or("of unknown status (no Status.Code)")
                ),
            ),
        }
    }
}

fn read_routes(f: &InputFile, id: Option<&str>, config: &mut Config, out: &mut Findings) {
    for mut o in root_list(f, "Routes", out) {
        if !same_endpoint(&mut o, id, "route", out) {
            continue;
        }
        let dest = o
            .req_str("DestinationCidr", out)
            .map(|v| Sv::input(v.to_string(), o.origin_of("DestinationCidr")));
        let target = o
            .req_str("TargetSubnet", out)
            .map(|v| Sv::input(v.to_string(), o.origin_of("TargetSubnet")));
        let route_origin = o.opt_str("Origin", out);
        let description = o
            .opt_str("Description", out)
            .map(|v| Sv::input(v.to_string(), o.origin_of("Description")));
        let code = status_code(&mut o, out);
        o.known(&["Type"]);
        let origin = o.origin();
        o.finish(out);
        let (Some(dest), Some(target)) = (dest, target) else {
            continue;
        };
        if code != Some("active") {
            out.push(
                Level::Warning,
                Some(origin),
                format!(
                    "route to {} via {} is {}, not active: left out",
                    dest.value,
                    target.value,
                    code.unwrap_or("of unknown status (no Status.Code)")
                ),
            );
            continue;
        }
        match route_origin {
            Some("associate") => {
                // The VPC route an association adds: implicit in a scenario. It tells the
                // VPC's CIDR when describe-vpcs was not given.
                let vpc = config
                    .associations
                    .iter()
                    .find(|a| a.subnet_id.value == target.value)
                    .and_then(|a| a.vpc_id.as_ref())
                    .map(|v| v.value.clone());
                if let Some(vpc) = vpc {
                    config.vpc_cidr_hints.push((vpc, dest));
                }
            }
            Some("add-route") | None => config.routes.push(RouteCfg {
                origin: Some(origin),
                destination: dest,
                target,
                description,
            }),
            Some(other) => {
                out.push(
                    Level::Warning,
                    Some(origin.clone()),
                    format!("unknown route origin `{other}`: imported as a route added by hand"),
                );
                config.routes.push(RouteCfg {
                    origin: Some(origin),
                    destination: dest,
                    target,
                    description,
                });
            }
        }
    }
}

fn read_rules(f: &InputFile, id: Option<&str>, config: &mut Config, out: &mut Findings) {
    for mut o in root_list(f, "AuthorizationRules", out) {
        if !same_endpoint(&mut o, id, "authorization rule", out) {
            continue;
        }
        let dest = o
            .req_str("DestinationCidr", out)
            .map(|v| Sv::input(v.to_string(), o.origin_of("DestinationCidr")));
        let all = o.opt_bool("AccessAll", out);
        let group = o.opt_str("GroupId", out).filter(|g| !g.is_empty());
        let description = o
            .opt_str("Description", out)
            .map(|v| Sv::input(v.to_string(), o.origin_of("Description")));
        let code = status_code(&mut o, out);
        let origin = o.origin();
        let grant = match (all, group) {
            (Some(true), _) => Some(Sv::input(GrantCfg::AllGroups, o.origin_of("AccessAll"))),
            (_, Some(g)) => Some(Sv::input(
                GrantCfg::Group(g.to_string()),
                o.origin_of("GroupId"),
            )),
            _ => {
                out.push(
                    Level::Error,
                    Some(o.origin_of("GroupId")),
                    "missing: the rule neither has AccessAll = true nor names a GroupId",
                );
                None
            }
        };
        o.finish(out);
        let (Some(dest), Some(grant)) = (dest, grant) else {
            continue;
        };
        if code != Some("active") {
            out.push(
                Level::Warning,
                Some(origin),
                format!(
                    "authorization rule for {} is {}, not active: left out",
                    dest.value,
                    code.unwrap_or("of unknown status (no Status.Code)")
                ),
            );
            continue;
        }
        config.rules.push(RuleCfg {
            origin: Some(origin),
            destination: dest,
            grant,
            description,
        });
    }
}

const SUBNET_KNOWN: &[&str] = &[
    "AvailabilityZoneId",
    "DefaultForAz",
    "MapPublicIpOnLaunch",
    "MapCustomerOwnedIpOnLaunch",
    "CustomerOwnedIpv4Pool",
    "State",
    "OwnerId",
    "AssignIpv6AddressOnCreation",
    "Ipv6CidrBlockAssociationSet",
    "Tags",
    "SubnetArn",
    "OutpostArn",
    "EnableDns64",
    "Ipv6Native",
    "PrivateDnsNameOptionsOnLaunch",
    "EnableLniAtDeviceIndex",
    "BlockPublicAccessStates",
    "Type",
];

pub(crate) fn read_subnets(f: &InputFile, config: &mut Config, out: &mut Findings) {
    let associated: Vec<String> = config
        .associations
        .iter()
        .map(|a| a.subnet_id.value.clone())
        .collect();
    for mut o in root_list(f, "Subnets", out) {
        let Some(id) = o.req_str("SubnetId", out) else {
            continue;
        };
        let vpc = o.node.get("VpcId").and_then(|v| v.as_str());
        if !config.wants_subnet(id, vpc) || config.subnets.iter().any(|s| s.id == id) {
            // Subnets neither the endpoint nor the data plane uses are not part of the scenario.
            continue;
        }
        let mut s = SubnetCfg {
            origin: Some(o.origin()),
            id: id.to_string(),
            vpc_id: None,
            cidr_block: None,
            availability_zone: None,
            available_ip_address_count: None,
        };
        s.vpc_id = o
            .req_str("VpcId", out)
            .map(|v| Sv::input(v.to_string(), o.origin_of("VpcId")));
        s.cidr_block = o
            .req_str("CidrBlock", out)
            .map(|v| Sv::input(v.to_string(), o.origin_of("CidrBlock")));
        s.availability_zone = o
            .req_str("AvailabilityZone", out)
            .map(|v| Sv::input(v.to_string(), o.origin_of("AvailabilityZone")));
        s.available_ip_address_count = o
            .opt_int("AvailableIpAddressCount", out)
            .map(|v| Sv::input(v, o.origin_of("AvailableIpAddressCount")));
        o.known(SUBNET_KNOWN);
        o.finish(out);
        config.subnets.push(s);
    }
    for w in &associated {
        if !config.subnets.iter().any(|s| s.id == *w) {
            out.push(
                Level::Warning,
                Some(f.origin("$.Subnets", &f.root.span)),
                format!("associated subnet {w} is not in the file"),
            );
        }
    }
}

const VPC_KNOWN: &[&str] = &[
    "DhcpOptionsId",
    "State",
    "OwnerId",
    "Ipv6CidrBlockAssociationSet",
    "IsDefault",
    "Tags",
    "BlockPublicAccessStates",
    "EncryptionControl",
];

pub(crate) fn read_vpcs(f: &InputFile, config: &mut Config, out: &mut Findings) {
    let mut wanted: Vec<String> = config
        .endpoint
        .vpc_id
        .iter()
        .map(|v| v.value.clone())
        .collect();
    let referenced = config
        .subnets
        .iter()
        .filter_map(|s| s.vpc_id.as_ref())
        .chain(config.associations.iter().filter_map(|a| a.vpc_id.as_ref()));
    let dp = config.dp_vpcs();
    for v in referenced.chain(dp.iter()) {
        if !wanted.contains(&v.value) {
            wanted.push(v.value.clone());
        }
    }
    for mut o in root_list(f, "Vpcs", out) {
        let Some(id) = o.req_str("VpcId", out) else {
            continue;
        };
        if !wanted.iter().any(|w| w == id) || config.vpcs.iter().any(|v| v.id == id) {
            continue;
        }
        let mut blocks: Vec<String> = Vec::new();
        let primary = o.req_str("CidrBlock", out);
        blocks.extend(primary.map(str::to_string));
        for mut a in o.objects("CidrBlockAssociationSet", false, out) {
            let cidr = a.req_str("CidrBlock", out);
            let state = a
                .opt_obj("CidrBlockState", out)
                .map(|mut st| {
                    let s = st.opt_str("State", out);
                    st.known(&["StatusMessage"]);
                    st.finish(out);
                    s
                })
                .unwrap_or(None);
            a.known(&["AssociationId"]);
            let origin = a.origin();
            a.finish(out);
            match (cidr, state) {
                (Some(c), Some("associated") | None) => {
                    if !blocks.iter().any(|b| b == c) {
                        blocks.push(c.to_string());
                    }
                }
                (Some(c), Some(other)) => out.push(
                    Level::Warning,
                    Some(origin),
                    format!("VPC block {c} is {other}, not associated: left out"),
                ),
                (None, _) => {}
            }
        }
        let cidr_origin = o.origin_of("CidrBlock");
        let tenancy = o
            .opt_str("InstanceTenancy", out)
            .map(|v| Sv::input(v.to_string(), o.origin_of("InstanceTenancy")));
        o.known(VPC_KNOWN);
        let origin = o.origin();
        o.finish(out);
        config.vpcs.push(VpcCfg {
            origin: Some(origin),
            id: id.to_string(),
            cidr_blocks: (!blocks.is_empty()).then(|| Sv::input(blocks, cidr_origin)),
            instance_tenancy: tenancy,
        });
    }
    for w in &wanted {
        if !config.vpcs.iter().any(|v| v.id == *w) {
            out.push(
                Level::Warning,
                Some(f.origin("$.Vpcs", &f.root.span)),
                format!("VPC {w} is not in the file"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_names_come_from_arns() {
        assert_eq!(
            lambda_name("arn:aws:lambda:us-east-1:111122223333:function:AWSClientVPN-posture"),
            "AWSClientVPN-posture"
        );
        assert_eq!(
            lambda_name("arn:aws:lambda:us-east-1:111122223333:function:AWSClientVPN-p:prod"),
            "AWSClientVPN-p"
        );
        assert_eq!(lambda_name("AWSClientVPN-x"), "AWSClientVPN-x");
    }
}
