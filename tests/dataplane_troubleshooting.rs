//! The guide's "Troubleshooting AWS Client VPN: Clients can't access a peered VPC, Amazon S3, or
//! the internet", step 3, past the endpoint: "make sure that the route table for the associated
//! subnets has a default route that targets either an internet gateway or a NAT gateway. If the
//! route is in place, verify that the associated subnet does not have network access control
//! list rules that block inbound and outbound traffic. If you are unable to reach a peered VPC,
//! verify that the associated subnet's route table has a route entry for the peered VPC. If you
//! are unable to reach Amazon S3, verify that the associated subnet's route table has a route
//! entry for the gateway VPC endpoint."
//!
//! Each case starts from a complete configuration (tests/fixtures/dataplane/troubleshooting.toml,
//! every verdict `reachable`), removes one piece, checks that the verdict and the trace name it,
//! then applies exactly the change the trace names and checks the verdict is `reachable` again.

use std::net::Ipv4Addr;

use cvpnsim::model::dataplane::Service;
use cvpnsim::model::{AssocId, PopId, Scenario};
use cvpnsim::net::dataplane::DpCite;
use cvpnsim::net::{trace, Cite, Client, Evaluator, Matrix, Outcome, RouteTables, Target};
use cvpnsim::scenario::load_str;

const BASE: &str = include_str!("fixtures/dataplane/troubleshooting.toml");

fn load(text: &str) -> Scenario {
    load_str("case.toml", text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

/// `text` with `from` replaced by `to` (which must occur exactly once).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

const DEFAULT_ROUTE: &str =
    "  { destination_cidr_block = \"0.0.0.0/0\", gateway_id = \"igw-a\" },\n";
const PEERING_A: &str =
    "  { destination_cidr_block = \"10.20.0.0/16\", vpc_peering_connection_id = \"pcx-ab\" },\n";
const PEERING_B: &str =
    "  { destination_cidr_block = \"10.10.0.0/16\", vpc_peering_connection_id = \"pcx-ab\" },\n";
const S3_ASSOCIATION: &str = "route_table_ids = [\"rtb-a\"]";

/// The network's verdict reason for `staff` landing on `subnet-a`, and the primary cites.
fn verdict(s: &Scenario, network: &str) -> (Outcome, Vec<Cite>) {
    let n = s.networks.iter().position(|n| n.name == network).unwrap();
    let m = Matrix::all_live(s);
    let c = m
        .get(
            PopId(0),
            Target::Network(cvpnsim::model::NetworkId(n as u32)),
            AssocId(0),
        )
        .unwrap();
    let p = c.verdict.primary().unwrap();
    (c.verdict.reason(), p.cites.clone())
}

fn trace_text(s: &Scenario, x: &str, service: Option<&str>) -> (Outcome, String) {
    let tables = RouteTables::all_live(s);
    let eval = Evaluator::new(s, &tables);
    let c = Client::population(s, PopId(0));
    let t = eval.address_service(
        &c,
        AssocId(0),
        x.parse::<Ipv4Addr>().unwrap(),
        service.map(|v| Service::parse(v).unwrap()),
    );
    (t.outcome, trace::render(s, &t))
}

fn dp_cite(cites: &[Cite]) -> DpCite {
    match cites {
        [Cite::DataPlane(c)] => *c,
        other => panic!("expected one data-plane cite, got {other:?}"),
    }
}

#[test]
fn the_complete_configuration_reaches_everything() {
    let s = load(BASE);
    for n in ["internet", "app-b", "s3"] {
        assert_eq!(verdict(&s, n).0, Outcome::Reachable, "{n}");
    }
    let (o, text) = trace_text(&s, "52.217.1.1", None);
    assert_eq!(o, Outcome::Reachable);
    // The gateway endpoint's prefix-list route (/15) is longer than the default route (/0).
    assert!(
        text.contains("route to vpce-s3 (com.amazonaws.us-east-1.s3)"),
        "{text}"
    );
    assert!(
        text.contains("service com.amazonaws.us-east-1.s3"),
        "{text}"
    );
}

#[test]
fn internet_without_a_default_route_in_the_associated_subnets_route_table() {
    let broken = edit(BASE, DEFAULT_ROUTE, "");
    let s = load(&broken);
    let (o, cites) = verdict(&s, "internet");
    assert_eq!(o, Outcome::NoRouteInVpc);
    let label = dp_cite(&cites).label(&s);
    assert!(
        label.starts_with("route table rtb-a: no route covers "),
        "{label}"
    );
    let (o, text) = trace_text(&s, "8.8.8.8", None);
    assert_eq!(o, Outcome::NoRouteInVpc);
    assert!(
        text.contains("route           DROP    route table rtb-a: no route covers 8.8.8.8"),
        "{text}"
    );
    // The peered VPC and S3 are still reached: only the internet lacked its route.
    assert_eq!(verdict(&s, "app-b").0, Outcome::Reachable);
    assert_eq!(verdict(&s, "s3").0, Outcome::Reachable);
    // The fix the trace names: a default route in rtb-a to the internet gateway.
    let fixed = edit(
        &broken,
        "route = [\n  { destination_cidr_block = \"10.20.0.0/16\"",
        &format!("route = [\n{DEFAULT_ROUTE}  {{ destination_cidr_block = \"10.20.0.0/16\""),
    );
    assert_eq!(verdict(&load(&fixed), "internet").0, Outcome::Reachable);
    // A NAT gateway is the guide's other default route: it forwards through its own subnet's
    // route table to the internet gateway.
    let nat = edit(
        &broken,
        "[[network_acl]]",
        "[[subnet]]\nid = \"subnet-public\"\nvpc_id = \"vpc-a\"\ncidr_block = \"10.10.9.0/24\"\navailability_zone = \"us-east-1a\"\n\n[[nat_gateway]]\nid = \"nat-a\"\nsubnet_id = \"subnet-public\"\n\n[[route_table]]\nid = \"rtb-public\"\nvpc_id = \"vpc-a\"\nsubnet_ids = [\"subnet-public\"]\nroute = [{ destination_cidr_block = \"0.0.0.0/0\", gateway_id = \"igw-a\" }]\n\n[[network_acl]]",
    );
    let nat = edit(
        &nat,
        "route = [\n  { destination_cidr_block = \"10.20.0.0/16\"",
        "route = [\n  { destination_cidr_block = \"0.0.0.0/0\", nat_gateway_id = \"nat-a\" },\n  { destination_cidr_block = \"10.20.0.0/16\"",
    );
    let s = load(&nat);
    assert_eq!(verdict(&s, "internet").0, Outcome::Reachable);
    let (_, text) = trace_text(&s, "8.8.8.8", None);
    assert!(text.contains("NAT gateway nat-a"), "{text}");
    assert!(
        text.contains("route table rtb-public: route 0.0.0.0/0 -> igw-a for 8.8.8.8"),
        "{text}"
    );
}

#[test]
fn internet_with_the_route_but_a_network_acl_that_blocks() {
    // Outbound: a deny rule numbered before the allow.
    let broken = edit(
        BASE,
        "egress = [\n",
        "egress = [\n  { rule_number = 50, protocol = \"tcp\", rule_action = \"deny\", cidr_block = \"0.0.0.0/0\", from_port = 443, to_port = 443 },\n",
    );
    let s = load(&broken);
    let (o, text) = trace_text(&s, "8.8.8.8", Some("tcp/443"));
    assert_eq!(o, Outcome::NaclDenied);
    assert!(
        text.contains(
            "ACL out         DROP    network ACL acl-a of subnet-a (to 8.8.8.8): rule 50 denies"
        ),
        "{text}"
    );
    assert!(
        text.contains("first drop: network ACL acl-a (outbound of subnet-a): rule 50"),
        "{text}"
    );
    // Rule numbers decide, not the order rules are written in: rule 100 allows, but 50 is first.
    assert_eq!(verdict(&s, "s3").0, Outcome::NaclDenied);
    // The fix the trace names: remove rule 50.
    let fixed = edit(
        &broken,
        "  { rule_number = 50, protocol = \"tcp\", rule_action = \"deny\", cidr_block = \"0.0.0.0/0\", from_port = 443, to_port = 443 },\n",
        "",
    );
    assert_eq!(
        trace_text(&load(&fixed), "8.8.8.8", Some("tcp/443")).0,
        Outcome::Reachable
    );

    // Inbound: the return traffic arrives on ephemeral ports; allowing only 2048-65535 leaves
    // 1024-2047 to the final `*` rule.
    let broken = edit(
        BASE,
        "from_port = 1024, to_port = 65535",
        "from_port = 2048, to_port = 65535",
    );
    let s = load(&broken);
    let (o, text) = trace_text(&s, "8.8.8.8", Some("tcp/443"));
    assert_eq!(o, Outcome::NaclReturnDenied);
    assert!(
        text.contains("return ACL in   DROP    network ACL acl-a of subnet-a (from 8.8.8.8): rule * (deny all) denies"),
        "{text}"
    );
    assert_eq!(verdict(&s, "app-b").0, Outcome::NaclReturnDenied);
    let fixed = edit(
        &broken,
        "from_port = 2048, to_port = 65535",
        "from_port = 1024, to_port = 65535",
    );
    assert_eq!(
        trace_text(&load(&fixed), "8.8.8.8", Some("tcp/443")).0,
        Outcome::Reachable
    );
}

#[test]
fn peered_vpc_without_the_peering_route_on_either_side() {
    // The associated subnet's side: 10.20.0.10 falls to the default route, and the internet
    // gateway does not deliver a private address.
    let broken = edit(BASE, PEERING_A, "");
    let s = load(&broken);
    let (o, cites) = verdict(&s, "app-b");
    assert_eq!(o, Outcome::NoRouteInVpc);
    assert_eq!(
        dp_cite(&cites).label(&s),
        "internet gateway igw-a delivers only public addresses"
    );
    let (_, text) = trace_text(&s, "10.20.0.10", None);
    assert!(
        text.contains("route table rtb-a: route 0.0.0.0/0 -> igw-a for 10.20.0.10"),
        "{text}"
    );
    let fixed = edit(
        &broken,
        "route = [\n  { destination_cidr_block = \"0.0.0.0/0\"",
        &format!("route = [\n{PEERING_A}  {{ destination_cidr_block = \"0.0.0.0/0\""),
    );
    assert_eq!(verdict(&load(&fixed), "app-b").0, Outcome::Reachable);

    // The peer's side: traffic arrives, but the reply has no route back to the source-NATed
    // address (the interface's address in subnet-a).
    let broken = edit(BASE, PEERING_B, "");
    let s = load(&broken);
    let (o, cites) = verdict(&s, "app-b");
    assert_eq!(o, Outcome::NoReturnRoute);
    assert_eq!(
        dp_cite(&cites).label(&s),
        "route table rtb-b: no route back to 10.10.0.4 (the source-NATed interface; return path)"
    );
    let fixed = edit(
        &broken,
        "main = true\nroute = [\n]",
        &format!("main = true\nroute = [\n{PEERING_B}]"),
    );
    assert_eq!(verdict(&load(&fixed), "app-b").0, Outcome::Reachable);

    // A peering route whose connection was deleted is a blackhole.
    let s = load(&edit(
        BASE,
        PEERING_A,
        "  { destination_cidr_block = \"10.20.0.0/16\", vpc_peering_connection_id = \"pcx-deleted\", state = \"blackhole\" },\n",
    ));
    assert_eq!(verdict(&s, "app-b").0, Outcome::BlackholeRoute);

    // The destination's security group must admit the endpoint's group on the traffic's port:
    // a rule for 8443 does not admit tcp/443.
    let s = load(&edit(
        BASE,
        "from_port = 443\nto_port = 443\nsource_security_group_id",
        "from_port = 8443\nto_port = 8443\nsource_security_group_id",
    ));
    let (o, cites) = verdict(&s, "app-b");
    assert_eq!(o, Outcome::SecurityGroup);
    assert_eq!(
        dp_cite(&cites).label(&s),
        "security group sg-app admits nothing this traffic matches"
    );
}

#[test]
fn s3_without_the_gateway_endpoint_route() {
    // A private subnet (no default route): S3 is reached only through the gateway endpoint.
    let private = edit(BASE, DEFAULT_ROUTE, "");
    let broken = edit(&private, S3_ASSOCIATION, "route_table_ids = []");
    let s = load(&broken);
    let (o, cites) = verdict(&s, "s3");
    assert_eq!(o, Outcome::NoRouteInVpc);
    assert_eq!(
        dp_cite(&cites).label(&s),
        "route table rtb-a: no route covers the destination"
    );
    // The fix the trace names: the endpoint's route in rtb-a.
    let s = load(&private);
    assert_eq!(verdict(&s, "s3").0, Outcome::Reachable);
    // Written as an explicit prefix-list route instead, it is the same route.
    let explicit = edit(
        &broken,
        "route = [\n  { destination_cidr_block = \"10.20.0.0/16\"",
        "route = [\n  { destination_prefix_list_id = \"pl-63a5400a\", vpc_endpoint_id = \"vpce-s3\" },\n  { destination_cidr_block = \"10.20.0.0/16\"",
    );
    assert_eq!(verdict(&load(&explicit), "s3").0, Outcome::Reachable);
}

/// Guide, "Access the internet using Client VPN", step 1: "Ensure that the security group that
/// you'll use for the Client VPN endpoint allows outbound traffic to the internet. To do this,
/// add outbound rules that allow traffic to 0.0.0.0/0 for HTTP and HTTPS traffic." (and "Get
/// started with AWS Client VPN", step 6). A group without egress rules keeps the default
/// outbound rule; once it declares some, only they let traffic out.
#[test]
fn the_endpoints_security_group_must_allow_outbound_traffic() {
    let https_only = edit(
        BASE,
        "[[network]]\nname = \"app-b\"",
        "[[security_group_rule]]\nsecurity_group_id = \"sg-cvpn\"\ntype = \"egress\"\nprotocol = \"tcp\"\nfrom_port = 443\nto_port = 443\ncidr_blocks = [\"0.0.0.0/0\"]\ndescription = \"HTTPS out\"\n\n[[network]]\nname = \"app-b\"",
    );
    let s = load(&https_only);
    let (o, text) = trace_text(&s, "8.8.8.8", Some("tcp/443"));
    assert_eq!(o, Outcome::Reachable);
    assert!(
        text.contains("endpoint SG out pass    sg-cvpn: allowed by security_group_rule #2 \"HTTPS out\" (tcp 443-443 to 0.0.0.0/0)"),
        "{text}"
    );
    // HTTP is not let out: the guide's rules allow "HTTP and HTTPS traffic".
    let (o, text) = trace_text(&s, "8.8.8.8", Some("tcp/80"));
    assert_eq!(o, Outcome::SecurityGroup);
    assert!(
        text.contains("first drop: the endpoint's security groups (sg-cvpn) allow no outbound traffic matching"),
        "{text}"
    );
    // The fix: the guide's outbound rule for HTTP.
    let fixed = edit(
        &https_only,
        "[[network]]\nname = \"app-b\"",
        "[[security_group_rule]]\nsecurity_group_id = \"sg-cvpn\"\ntype = \"egress\"\nprotocol = \"tcp\"\nfrom_port = 80\nto_port = 80\ncidr_blocks = [\"0.0.0.0/0\"]\n\n[[network]]\nname = \"app-b\"",
    );
    // HTTP now leaves the endpoint, and the next check of the guide's step 3 names the
    // subnet's network ACL, which allows only HTTPS out; its fix is one more numbered rule.
    let (o, text) = trace_text(&load(&fixed), "8.8.8.8", Some("tcp/80"));
    assert_eq!(o, Outcome::NaclDenied);
    assert!(
        text.contains("first drop: network ACL acl-a (outbound of subnet-a): rule * (deny all)"),
        "{text}"
    );
    let fixed = edit(
        &fixed,
        "egress = [\n",
        "egress = [\n  { rule_number = 110, protocol = \"tcp\", rule_action = \"allow\", cidr_block = \"0.0.0.0/0\", from_port = 80, to_port = 80 },\n",
    );
    assert_eq!(
        trace_text(&load(&fixed), "8.8.8.8", Some("tcp/80")).0,
        Outcome::Reachable
    );
    // Without egress rules the default outbound rule lets everything out.
    let (_, text) = trace_text(&load(BASE), "8.8.8.8", Some("tcp/80"));
    assert!(
        text.contains("sg-cvpn: no egress rule declared: the default outbound rule allows all"),
        "{text}"
    );
}

/// An interface endpoint's network interfaces are guarded by its own security groups, which
/// must admit the source-NATed address (guide: "Get started with AWS Client VPN", step 6: "the
/// security groups for the resources in your VPC have a rule that allows access"); an address
/// of the VPC that no subnet holds is not delivered.
#[test]
fn interface_endpoints_and_addresses_outside_every_subnet() {
    let with_endpoint = |source: &str| {
        edit(
            BASE,
            "[[route_table]]\nid = \"rtb-a\"",
            &format!(
                "[[security_group]]\nid = \"sg-ssm\"\n\n[[security_group_rule]]\nsecurity_group_id = \"sg-ssm\"\ntype = \"ingress\"\nprotocol = \"tcp\"\nfrom_port = 443\nto_port = 443\ncidr_blocks = [\"{source}\"]\n\n[[vpc_endpoint]]\nid = \"vpce-ssm\"\nvpc_id = \"vpc-a\"\nservice_name = \"com.amazonaws.us-east-1.ssm\"\nvpc_endpoint_type = \"Interface\"\nsubnet_ids = [\"subnet-a\"]\nsecurity_group_ids = [\"sg-ssm\"]\nip_addresses = [\"10.10.0.50/32\"]\n\n[[route_table]]\nid = \"rtb-a\""
            ),
        )
    };
    let s = load(&with_endpoint("10.10.0.0/16"));
    let (o, text) = trace_text(&s, "10.10.0.50", Some("tcp/443"));
    assert_eq!(o, Outcome::Reachable, "{text}");
    assert!(
        text.contains("sg-ssm security_group_rule #2 (tcp 443-443 from 10.10.0.0/16)"),
        "{text}"
    );
    // Same subnet: no network ACL is crossed.
    assert!(!text.contains("ACL in"), "{text}");
    let s = load(&with_endpoint("10.10.1.0/24"));
    let (o, text) = trace_text(&s, "10.10.0.50", Some("tcp/443"));
    assert_eq!(o, Outcome::SecurityGroup);
    assert!(
        text.contains("first drop: security group sg-ssm admits nothing this traffic matches"),
        "{text}"
    );
    // 10.20.5.5 is in vpc-b, routed over the peering, but no subnet of vpc-b holds it.
    let (o, text) = trace_text(&load(BASE), "10.20.5.5", None);
    assert_eq!(o, Outcome::NoRouteInVpc);
    assert!(
        text.contains("first drop: no subnet of vpc-b holds the destination"),
        "{text}"
    );
}

/// Guide, same section, step 2: "Verify that the DNS server is accessible from the VPC." A DNS
/// server past the endpoint is checked through the data plane as `udp/53`: the VPC resolver
/// in the associated subnet is reached; a server in the peered VPC is not, because the
/// associated subnet's network ACL lets only HTTPS out.
#[test]
fn dns_servers_are_checked_through_the_data_plane() {
    let with_dns = |servers: &str| {
        edit(
            BASE,
            "security_group_ids = [\"sg-cvpn\"]\n",
            &format!("security_group_ids = [\"sg-cvpn\"]\ndns_servers = [{servers}]\n"),
        )
    };
    let loaded = load_str("case.toml", &with_dns("\"10.10.0.2\"")).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let cell = |s: &Scenario| {
        Matrix::all_live(s)
            .get(PopId(0), Target::DnsServers, AssocId(0))
            .unwrap()
            .verdict
            .clone()
    };
    assert_eq!(cell(&loaded.scenario).reason(), Outcome::Reachable);
    let loaded = load_str("case.toml", &with_dns("\"10.20.0.53\"")).unwrap();
    let rules: Vec<&str> = loaded.warnings.iter().map(|d| d.rule.id()).collect();
    assert_eq!(rules, ["dns-reachable"]);
    let v = cell(&loaded.scenario);
    assert_eq!(v.reason(), Outcome::DnsUnreachable);
    assert_eq!(
        v.primary().unwrap().cites[0],
        Cite::DnsServer("10.20.0.53".parse().unwrap(), Outcome::NaclDenied)
    );
}
