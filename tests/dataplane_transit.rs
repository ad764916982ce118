//! Transit gateways, on-premises networks and NAT past the endpoint
//! (tests/fixtures/dataplane/transit.toml): a transit gateway route table decides by longest
//! prefix among its static and propagated routes for the attachment it is associated with;
//! blackhole routes drop; the spoke must route back through the transit gateway; a virtual
//! private gateway's prefixes reach a route table only when propagated.

use std::net::Ipv4Addr;

use cvpnsim::model::{AssocId, NetworkId, PopId, Scenario};
use cvpnsim::net::{trace, Client, Evaluator, Matrix, Outcome, RouteTables, Target};
use cvpnsim::scenario::load_str;

const BASE: &str = include_str!("fixtures/dataplane/transit.toml");

fn load(text: &str) -> Scenario {
    load_str("case.toml", text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

fn reason(s: &Scenario, network: &str) -> Outcome {
    let n = s.networks.iter().position(|n| n.name == network).unwrap();
    Matrix::all_live(s)
        .get(PopId(0), Target::Network(NetworkId(n as u32)), AssocId(0))
        .unwrap()
        .verdict
        .reason()
}

fn trace_of(s: &Scenario, x: &str) -> (Outcome, String) {
    let tables = RouteTables::all_live(s);
    let eval = Evaluator::new(s, &tables);
    let t = eval.address(
        &Client::population(s, PopId(0)),
        AssocId(0),
        x.parse::<Ipv4Addr>().unwrap(),
    );
    (t.outcome, trace::render(s, &t))
}

#[test]
fn every_network_is_reached_through_the_transit_gateway_and_the_vpn_gateway() {
    let s = load(BASE);
    for n in ["spoke", "dc-vpn", "dc-dx"] {
        assert_eq!(reason(&s, n), Outcome::Reachable, "{n}");
    }
    let (_, text) = trace_of(&s, "192.168.3.3");
    assert!(
        text.contains(
            "tgw-1 route table tgw-rtb-1 (from tgw-attach-hub): 192.168.0.0/20 -> dc-east"
        ),
        "{text}"
    );
    assert!(
        text.contains("on-premises network dc-east over site-to-site-vpn"),
        "{text}"
    );
    let (_, text) = trace_of(&s, "172.16.9.9");
    assert!(
        text.contains(
            "route table rtb-hub: propagated route to dc-west (direct-connect) for 172.16.9.9"
        ),
        "{text}"
    );
}

#[test]
fn a_transit_gateway_blackhole_route_drops() {
    let s = load(BASE);
    let (o, text) = trace_of(&s, "10.99.0.1");
    assert_eq!(o, Outcome::BlackholeRoute);
    assert!(
        text.contains(
            "first drop: transit gateway route table tgw-rtb-1: route 10.99.0.0/16 is a blackhole"
        ),
        "{text}"
    );
}

#[test]
fn an_attachment_without_a_route_table_association_routes_nothing() {
    let s = load(&edit(
        BASE,
        "associations = [\"tgw-attach-hub\", ",
        "associations = [",
    ));
    assert_eq!(reason(&s, "spoke"), Outcome::NoRouteInVpc);
    assert_eq!(reason(&s, "dc-vpn"), Outcome::NoRouteInVpc);
    let (_, text) = trace_of(&s, "10.1.0.9");
    assert!(
        text.contains(
            "tgw-1 no route table associated (from tgw-attach-hub): no route covers 10.1.0.9"
        ),
        "{text}"
    );
    // The direct-connect network does not cross the transit gateway.
    assert_eq!(reason(&s, "dc-dx"), Outcome::Reachable);
}

#[test]
fn the_spoke_must_route_back_through_the_transit_gateway() {
    let s = load(&edit(
        BASE,
        "route = [{ destination_cidr_block = \"10.0.0.0/8\", transit_gateway_id = \"tgw-1\" }]",
        "route = []",
    ));
    assert_eq!(reason(&s, "spoke"), Outcome::NoReturnRoute);
    let (_, text) = trace_of(&s, "10.1.0.9");
    assert!(
        text.contains("first drop: route table rtb-spoke: no route back to 10.0.0.4 (the source-NATed interface; return path)"),
        "{text}"
    );
    // Without propagation of the spoke's attachment, the hub's attachment has no route to it.
    let s = load(&edit(
        BASE,
        "propagations = [\"tgw-attach-hub\", \"tgw-attach-spoke\", \"dc-east\"]",
        "propagations = [\"tgw-attach-hub\", \"dc-east\"]",
    ));
    assert_eq!(reason(&s, "spoke"), Outcome::NoRouteInVpc);
    // Without propagation of the hub's, the spoke's answer has no route back.
    let s = load(&edit(
        BASE,
        "propagations = [\"tgw-attach-hub\", \"tgw-attach-spoke\", \"dc-east\"]",
        "propagations = [\"tgw-attach-spoke\", \"dc-east\"]",
    ));
    assert_eq!(reason(&s, "spoke"), Outcome::NoReturnRoute);
    assert_eq!(reason(&s, "dc-vpn"), Outcome::NoReturnRoute);
}

#[test]
fn a_vpn_gateways_prefixes_need_propagation_into_the_route_table() {
    let s = load(&edit(BASE, "propagating_vgws = [\"vgw-hub\"]\n", ""));
    assert_eq!(reason(&s, "dc-dx"), Outcome::NoRouteInVpc);
    let (_, text) = trace_of(&s, "172.16.9.9");
    assert!(
        text.contains("route table rtb-hub: no route covers 172.16.9.9"),
        "{text}"
    );
}
