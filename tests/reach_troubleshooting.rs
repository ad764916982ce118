//! The guide's troubleshooting cases where the landing subnet decides what a client can reach:
//! "Traffic is not being split between subnets" and "Access to a peered VPC, Amazon S3, or the
//! internet is intermittent". Per-association route sets produce the gap; identical route sets
//! remove it. Also disassociation (docs/model.md §7: it removes the routes that target the subnet) and
//! the weighting of gaps by client-time (docs/model.md §8).

use crate::reach_support::*;
use cvpnsim::model::{AssocId, Scenario, HOUR};
use cvpnsim::net::{weighted_gaps, Cite, Client, Evaluator, Matrix, Outcome, RouteTables, Status};

/// Guide, "Traffic is not being split between subnets": Subnet-A (us-east-1a) and Subnet-B
/// (us-east-1b); Route 1: 10.0.0.0/16 to Subnet-A; Route 2: 172.31.0.0/16 to Subnet-B.
fn not_split(split_tunnel: bool, identical_routes: bool) -> Scenario {
    let b = Builder::new("192.168.0.0/16", "10.100.0.0/22")
        .split_tunnel(split_tunnel)
        .associate("subnet-a", "192.168.0.0/24", "us-east-1a")
        .associate("subnet-b", "192.168.1.0/24", "us-east-1b");
    let b = if identical_routes {
        b.route_everywhere("10.0.0.0/16")
            .route_everywhere("172.31.0.0/16")
    } else {
        b.route("10.0.0.0/16", "subnet-a")
            .route("172.31.0.0/16", "subnet-b")
    };
    b.rule("private", None, "10.0.0.0/16")
        .rule("peered", None, "172.31.0.0/16")
        .network("route-1", &["10.0.0.0/16"])
        .network("route-2", &["172.31.0.0/16"])
        .population("staff", &[], None, &["route-1", "route-2"])
        .build()
}

#[test]
fn guide_traffic_not_split_between_subnets_landing_decides() {
    for split in [false, true] {
        let s = not_split(split, false);
        let (a, b) = (assoc_id(&s, "subnet-a"), assoc_id(&s, "subnet-b"));
        // "clients that land on Subnet-A when they connect cannot access Route 2, while clients
        // that land on Subnet-B when they connect cannot access Route 1."
        assert_eq!(
            verdict_on(&s, "staff", "route-1", a).status(),
            Status::Reachable
        );
        assert_eq!(
            verdict_on(&s, "staff", "route-2", a).status(),
            Status::Unreachable
        );
        assert_eq!(
            verdict_on(&s, "staff", "route-1", b).status(),
            Status::Unreachable
        );
        assert_eq!(
            verdict_on(&s, "staff", "route-2", b).status(),
            Status::Reachable
        );
        let v = verdict_on(&s, "staff", "route-2", a);
        assert_eq!(v.reason(), Outcome::NoRouteOnLandingSubnet);
        let route_2 = RouteTables::all_live(&s).routes(b)[1];
        assert_eq!(route_2.destination, cidr("172.31.0.0/16"));
        assert_eq!(
            v.primary().unwrap().cites,
            vec![Cite::NoRoute {
                landing: a,
                elsewhere: Some(route_2)
            }]
        );
        assert_eq!(
            outcome_on(&s, "staff", "172.31.5.5", a),
            Outcome::NoRouteOnLandingSubnet
        );
        assert_eq!(outcome_on(&s, "staff", "172.31.5.5", b), Outcome::Reachable);
        // With split tunnel, Route 2 is still pushed to a client on Subnet-A (the endpoint's
        // whole table is pushed), so the traffic enters the tunnel and is dropped there rather
        // than bypassing the VPN.
        let m = Matrix::all_live(&s);
        assert_eq!(m.gaps().count(), 2, "split={split}");
    }
}

#[test]
fn guide_traffic_not_split_fixed_by_identical_route_sets() {
    // Solution: "the same route entries with targets for each associated network".
    for split in [false, true] {
        let s = not_split(split, true);
        let m = Matrix::all_live(&s);
        assert_eq!(m.cells.len(), 4);
        assert_eq!(m.gaps().count(), 0);
        assert!(m
            .cells
            .iter()
            .all(|c| c.verdict.status() == Status::Reachable));
        let t = RouteTables::all_live(&s);
        assert_eq!(t.destinations(AssocId(0)), t.destinations(AssocId(1)));
    }
}

/// Guide, "Access to a peered VPC, Amazon S3, or the internet is intermittent": three associated
/// subnets; internet access needs a 0.0.0.0/0 route for each.
fn intermittent(routes_for: &[&str]) -> Scenario {
    let mut b = Builder::new("172.31.0.0/16", "10.100.0.0/22")
        .associate("subnet-a", "172.31.0.0/20", "us-east-1a")
        .associate("subnet-b", "172.31.16.0/20", "us-east-1b")
        .associate("subnet-c", "172.31.32.0/20", "us-east-1c");
    for subnet in routes_for {
        b = b.route("0.0.0.0/0", subnet);
    }
    b.rule("vpc", None, "172.31.0.0/16")
        .rule("internet", None, "0.0.0.0/0")
        .network("vpc-main", &["172.31.0.0/16"])
        .internet()
        .population("engineering", &["S-eng"], None, &["vpc-main", "internet"])
        .build()
}

#[test]
fn guide_intermittent_internet_access_depends_on_landing() {
    let s = intermittent(&["subnet-a"]);
    // "access to associated subnets is unaffected": the VPC route is added on every
    // association automatically.
    for subnet in ["subnet-a", "subnet-b", "subnet-c"] {
        let a = assoc_id(&s, subnet);
        assert_eq!(
            verdict_on(&s, "engineering", "vpc-main", a).status(),
            Status::Reachable,
            "{subnet}"
        );
    }
    // The internet only works for clients that landed on Subnet A.
    let internet = |subnet: &str| verdict_on(&s, "engineering", "internet", assoc_id(&s, subnet));
    assert_eq!(internet("subnet-a").status(), Status::Reachable);
    assert_eq!(internet("subnet-b").status(), Status::Unreachable);
    assert_eq!(
        internet("subnet-c").reason(),
        Outcome::NoRouteOnLandingSubnet
    );
}

#[test]
fn guide_intermittent_fixed_by_one_default_route_per_subnet() {
    // "you must add three 0.0.0.0/0 routes - one that targets each associated subnet".
    let s = intermittent(&["subnet-a", "subnet-b", "subnet-c"]);
    let m = Matrix::all_live(&s);
    assert_eq!(m.cells.len(), 6);
    assert_eq!(m.gaps().count(), 0);
}

#[test]
fn gaps_weighted_by_client_time_on_failing_associations() {
    // docs/model.md §8: the weight of a gap is the client-time spent on the failing associations.
    let s = intermittent(&["subnet-a"]);
    let m = Matrix::all_live(&s);
    let client_ms = vec![vec![3 * HOUR, 2 * HOUR, HOUR]];
    let gaps = weighted_gaps(&m, &client_ms);
    assert_eq!(gaps.len(), 1);
    let g = &gaps[0];
    assert_eq!(
        g.target,
        cvpnsim::net::Target::Network(net_id(&s, "internet"))
    );
    assert_eq!(g.failing, vec![AssocId(1), AssocId(2)]);
    assert_eq!(g.failing_ms, 3 * HOUR);
    assert_eq!(g.total_ms, 6 * HOUR);
    assert_eq!(g.share(), 0.5);
    assert_eq!(g.reason, Outcome::NoRouteOnLandingSubnet);
    // A population that never connected weighs nothing, without dividing by zero; a short
    // table counts as zero.
    let none = weighted_gaps(&m, &[]);
    assert_eq!(none.len(), 1);
    assert_eq!(
        (none[0].failing_ms, none[0].total_ms, none[0].share()),
        (0, 0, 0.0)
    );
    // Identical route sets: nothing to weigh.
    let fixed = intermittent(&["subnet-a", "subnet-b", "subnet-c"]);
    assert!(weighted_gaps(&Matrix::all_live(&fixed), &client_ms).is_empty());
}

#[test]
fn disassociation_removes_the_routes_that_target_the_subnet() {
    // docs/model.md §7 / guide "Disassociate a target network": routes that target the subnet go.
    let s = intermittent(&["subnet-a", "subnet-b", "subnet-c"]);
    let live = RouteTables::build(&s, &[true, false, true]);
    assert!(!live.is_live(AssocId(1)));
    assert!(live.routes(AssocId(1)).is_empty());
    assert_eq!(
        live.live().collect::<Vec<_>>(),
        vec![AssocId(0), AssocId(2)]
    );
    assert_eq!(
        live.endpoint_routes().count(),
        4,
        "two automatic VPC routes and two 0.0.0.0/0 routes"
    );
    assert!(live
        .endpoint_routes()
        .all(|r| r.target != cvpnsim::model::RouteTarget::Association(AssocId(1))));
    let m = Matrix::build(&s, &live);
    assert_eq!(m.cells.len(), 4, "the matrix covers live associations only");
    assert!(m.cells.iter().all(|c| c.association != AssocId(1)));
    // The builder is a pure function: rebuilding with everything live restores the routes.
    assert_eq!(
        RouteTables::build(&s, &[true, true, true]),
        RouteTables::all_live(&s)
    );
}

#[test]
fn disassociating_the_only_default_route_subnet_under_split_tunnel_bypasses_the_vpn() {
    // Split tunnel pushes only the endpoint's routes (guide: "Split-tunnel on Client VPN
    // endpoints"): once the subnet holding the 0.0.0.0/0 route is gone, internet traffic no
    // longer enters the tunnel at all.
    let mut s = intermittent(&["subnet-a"]);
    s.endpoint.split_tunnel = true;
    let tables = RouteTables::build(&s, &[false, true, true]);
    let eval = Evaluator::new(&s, &tables);
    let client = Client::population(&s, pop_id(&s, "engineering"));
    let v = eval.network(&client, AssocId(1), net_id(&s, "internet"));
    assert_eq!(v.status(), Status::BypassesVpn);
    assert!(!v.is_gap());
    assert_eq!(
        eval.address(&client, AssocId(1), ip("8.8.8.8")).outcome,
        Outcome::BypassesVpn
    );
    assert_eq!(
        eval.address(&client, AssocId(1), ip("172.31.40.1")).outcome,
        Outcome::Reachable
    );
}

#[test]
fn weighted_gaps_csv_lists_failing_subnets_and_client_time_share() {
    // The "access is intermittent" case with client-time 3 h, 2 h, 1 h on subnets A, B, C.
    let s = intermittent(&["subnet-a"]);
    let gaps = weighted_gaps(&Matrix::all_live(&s), &[vec![3 * HOUR, 2 * HOUR, HOUR]]);
    let csv = cvpnsim::report::reachability::gaps_csv(&s, &gaps).unwrap();
    assert_eq!(
        gaps[0].lost,
        cvpnsim::net::Target::Network(net_id(&s, "internet")).addrs(&s)
    );
    assert_eq!(gaps[0].address_share, 0.5);
    assert_eq!(
        csv,
        format!("population,network,failing_associations,failing_client_ms,total_client_ms,share,reason,lost_addresses,lost_cidrs,address_share\n\
         engineering,internet,subnet-b subnet-c,10800000,21600000,0.500000,no-route-on-landing-subnet,{},{},{:.6}\n",
        gaps[0].lost.len(),
        gaps[0].lost,
        // Subnets B and C lose the whole internet (3 h of 6 h): half, weighted by client time.
        0.5
        )
    );
}

#[test]
fn guide_disassociation_deletes_the_routes_so_split_tunnel_stops_pushing_them() {
    // Guide, "Disassociate a target network from an AWS Client VPN endpoint": "any routes that
    // were manually added to the Client VPN endpoint's route table are deleted, as well as the
    // route that was automatically created". Under split tunnel, Route 1 (10.0.0.0/16 to
    // Subnet-A) was pushed to every client, so a client on Subnet-B sent it into the tunnel and
    // lost it there (no route on its landing subnet). Once Subnet-A is disassociated the route
    // is gone from the endpoint's table: the traffic leaves through the client's own network,
    // where the private range is not reached.
    let s = not_split(true, false);
    let (a, b) = (assoc_id(&s, "subnet-a"), assoc_id(&s, "subnet-b"));
    let client = Client::population(&s, pop_id(&s, "staff"));
    let all = RouteTables::all_live(&s);
    let before = Evaluator::new(&s, &all).address(&client, b, ip("10.0.5.5"));
    assert_eq!(before.outcome, Outcome::NoRouteOnLandingSubnet);
    let after_tables = RouteTables::build(&s, &[false, true]);
    let eval = Evaluator::new(&s, &after_tables);
    let after = eval.address(&client, b, ip("10.0.5.5"));
    assert_eq!(after.outcome, Outcome::NotRoutedIntoTunnel);
    assert_eq!(after.cites, vec![Cite::NotPushed]);
    let text = cvpnsim::net::trace::render(&s, &after);
    assert!(
        text.contains("split tunnel: no route in the endpoint's table covers 10.0.5.5"),
        "{text}"
    );
    // Route 2 (to Subnet-B) still works from Subnet-B.
    assert_eq!(
        eval.address(&client, b, ip("172.31.0.9")).outcome,
        Outcome::Reachable
    );
    // The matrix and the weighted gaps for that live set: Subnet-A has no verdicts; route-1
    // is a `not-routed-into-tunnel` gap for all the client time on Subnet-B.
    let m = Matrix::build(&s, &after_tables);
    assert!(m.cells.iter().all(|c| c.association != a));
    let gaps = weighted_gaps(&m, &[vec![0, 2 * HOUR]]);
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].reason, Outcome::NotRoutedIntoTunnel);
    assert_eq!((gaps[0].failing_ms, gaps[0].share()), (2 * HOUR, 1.0));
}
