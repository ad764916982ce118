//! The other steps of the decision (docs/model.md §8): split tunnel, the client LAN rule, client-to-
//! client traffic, security groups, groups that do not count, and the printed decision path.

use crate::reach_support::*;
use cvpnsim::model::HOUR;
use cvpnsim::model::{Authentication, Scenario, UserAuth};
use cvpnsim::net::{
    trace, weighted_gaps, AddrSet, Cite, Client, Evaluator, Matrix, Outcome, RouteTables, Status,
};

fn set(cidrs: &[&str]) -> AddrSet {
    AddrSet::from_cidrs(&cidrs.iter().map(|c| cidr(c)).collect::<Vec<_>>())
}

/// One subnet in VPC 172.31.0.0/16; on-premises 192.168.0.0/16 routed and authorized.
fn on_prem(split: bool, lan: &str) -> Scenario {
    Builder::new("172.31.0.0/16", "10.100.0.0/22")
        .split_tunnel(split)
        .associate("subnet-a", "172.31.0.0/20", "us-east-1a")
        .route("192.168.0.0/16", "subnet-a")
        .rule("vpc", None, "172.31.0.0/16")
        .rule("on-prem", None, "192.168.0.0/16")
        .network("vpc-main", &["172.31.0.0/16"])
        .network("on-prem", &["192.168.0.0/16"])
        .internet()
        .population(
            "staff",
            &[],
            Some(lan),
            &["vpc-main", "on-prem", "internet"],
        )
        .build()
}

#[test]
fn split_tunnel_unrouted_traffic_bypasses_the_vpn_and_is_not_a_gap() {
    // Guide, "Split-tunnel on Client VPN endpoints": only traffic matching a route of the
    // endpoint's table goes through the tunnel.
    let s = on_prem(true, "10.9.9.0/24");
    let v = verdict(&s, "staff", "internet");
    assert_eq!(v.status(), Status::BypassesVpn);
    assert!(!v.is_gap());
    assert_eq!(v.primary().unwrap().cites, vec![Cite::NotPushed]);
    assert_eq!(outcome(&s, "staff", "8.8.8.8"), Outcome::BypassesVpn);
    assert_eq!(status(&s, "staff", "on-prem"), Status::Reachable);
    assert_eq!(status(&s, "staff", "vpc-main"), Status::Reachable);
    // Full tunnel sends the internet into the tunnel, where no route and no rule cover it.
    let s = on_prem(false, "10.9.9.0/24");
    let v = verdict(&s, "staff", "internet");
    assert_eq!(v.status(), Status::Unreachable);
    assert_eq!(v.reason(), Outcome::NotAuthorized);
    assert!(cvpnsim::net::Matrix::all_live(&s).gaps().count() == 1);
}

#[test]
fn guide_split_tunnel_private_network_without_a_route_is_a_gap() {
    // Guide, "Split-tunnel on Client VPN endpoints": "Only traffic that's destined for the VPC
    // (172.31.0.0/16) is routed over the Client VPN tunnel. Traffic that's destined for
    // on-premises resources is not routed over the Client VPN tunnel." Out the client's own
    // network, a private on-premises range is not reached: `not-routed-into-tunnel`, a gap.
    let mut s = on_prem(true, "10.9.9.0/24");
    s.routes.clear();
    let v = verdict(&s, "staff", "on-prem");
    assert_eq!(v.status(), Status::Unreachable);
    assert_eq!(v.reason(), Outcome::NotRoutedIntoTunnel);
    assert_eq!(v.failing(), set(&["192.168.0.0/16"]));
    assert_eq!(v.primary().unwrap().cites, vec![Cite::NotPushed]);
    assert_eq!(
        outcome(&s, "staff", "192.168.7.7"),
        Outcome::NotRoutedIntoTunnel
    );
    // The VPC keeps its automatic route and the internet may bypass: one gap in the matrix.
    assert_eq!(status(&s, "staff", "vpc-main"), Status::Reachable);
    assert_eq!(status(&s, "staff", "internet"), Status::BypassesVpn);
    let m = Matrix::all_live(&s);
    let gaps: Vec<_> = m.gaps().collect();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].verdict.reason(), Outcome::NotRoutedIntoTunnel);
    // A network the scenario declares public may leave through the client's network.
    let mut public = s.clone();
    public.networks[1].public = true;
    assert_eq!(status(&public, "staff", "on-prem"), Status::BypassesVpn);
    assert_eq!(Matrix::all_live(&public).gaps().count(), 0);
    // The route pushes on-prem into the tunnel again (and the route is on the landing subnet).
    assert_eq!(
        status(&on_prem(true, "10.9.9.0/24"), "staff", "on-prem"),
        Status::Reachable
    );
}

#[test]
fn split_tunnel_trace_says_why_a_private_address_is_lost() {
    let mut s = on_prem(true, "10.9.9.0/24");
    s.routes.clear();
    let tables = RouteTables::all_live(&s);
    let eval = Evaluator::new(&s, &tables);
    let client = Client::resolve(&s, "staff").unwrap();
    let text = trace::render(
        &s,
        &eval.address(&client, cvpnsim::model::AssocId(0), ip("192.168.7.7")),
    );
    assert!(
        text.contains("it leaves through the client's own network,\n"),
        "{text}"
    );
    assert!(
        text.contains("where a private destination is not reachable -> not-routed-into-tunnel"),
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("   verdict: not-routed-into-tunnel (split tunnel: no route"),
        "{text}"
    );
    // A public address bypasses, and says so.
    let text = trace::render(
        &s,
        &eval.address(&client, cvpnsim::model::AssocId(0), ip("8.8.8.8")),
    );
    assert!(text.contains("   verdict: bypasses-vpn ("), "{text}");
}

#[test]
fn guide_private_client_lan_overlapping_a_needed_network_is_a_partial_gap() {
    // Guide, "Rules and best practices for using AWS Client VPN": a LAN inside the private
    // ranges keeps LAN access, so its connected route (192.168.1.0/24) is more specific than the
    // pushed route (192.168.0.0/16, or full tunnel's /1 routes) and those addresses stay on the
    // LAN. On-prem is private: exactly 192.168.1.0/24 is lost, 1/256 of the network.
    for split in [false, true] {
        let s = on_prem(split, "192.168.1.0/24");
        let v = verdict(&s, "staff", "on-prem");
        assert_eq!(v.status(), Status::Partial);
        assert_eq!(v.reason(), Outcome::LanOverlap);
        assert_eq!(v.failing(), set(&["192.168.1.0/24"]));
        assert_eq!(
            v.with_outcome(Outcome::LanOverlap),
            set(&["192.168.1.0/24"])
        );
        assert_eq!(
            v.with_outcome(Outcome::Reachable),
            set(&["192.168.0.0/16"]).difference(&set(&["192.168.1.0/24"]))
        );
        assert_eq!(outcome(&s, "staff", "192.168.1.7"), Outcome::LanOverlap);
        assert_eq!(outcome(&s, "staff", "192.168.2.7"), Outcome::Reachable);
    }
    // Weighted by client time: two subnets, 3 h and 1 h; the LAN loses the same 1/256 wherever
    // the client lands, so the whole client time fails and the address share is 1/256.
    let mut s = on_prem(false, "192.168.1.0/24");
    s = Builder::from(s)
        .associate("subnet-b", "172.31.16.0/20", "us-east-1b")
        .route("192.168.0.0/16", "subnet-b")
        .build();
    let mut gaps = weighted_gaps(&Matrix::all_live(&s), &[vec![3 * HOUR, HOUR]]);
    // (Full tunnel: the internet has no route or rule here, a gap of its own.)
    gaps.retain(|g| g.target == cvpnsim::net::Target::Network(net_id(&s, "on-prem")));
    assert_eq!(gaps.len(), 1);
    let g = &gaps[0];
    assert_eq!(g.reason, Outcome::LanOverlap);
    assert_eq!(g.lost, set(&["192.168.1.0/24"]));
    assert_eq!(g.lost.to_string(), "192.168.1.0/24");
    assert_eq!(g.size, 65_536);
    assert_eq!(g.address_share, 1.0 / 256.0);
    assert_eq!(
        (g.failing_ms, g.total_ms, g.share()),
        (4 * HOUR, 4 * HOUR, 1.0)
    );
    let csv = cvpnsim::report::reachability::gaps_csv(&s, &gaps);
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        "staff,on-prem,subnet-a subnet-b,14400000,14400000,1.000000,lan-overlap,256,192.168.1.0/24,0.003906"
    );
}

#[test]
fn split_tunnel_route_longer_than_the_lan_wins() {
    let mut s = on_prem(true, "192.168.1.0/24");
    s.routes.push(cvpnsim::model::Route {
        destination: cidr("192.168.1.128/25"),
        target: cvpnsim::model::RouteTarget::Association(cvpnsim::model::AssocId(0)),
        description: Some("printers".into()),
    });
    assert_eq!(outcome(&s, "staff", "192.168.1.200"), Outcome::Reachable);
    assert_eq!(outcome(&s, "staff", "192.168.1.100"), Outcome::LanOverlap);
}

/// A population whose LAN is `lan` and who needs the devices on it ("home-lan") and the VPC.
fn lan_scenario(lan: &str, vpn_serves_lan: bool) -> Scenario {
    let mut b = Builder::new("172.31.0.0/16", "10.100.0.0/22")
        .associate("subnet-a", "172.31.0.0/20", "us-east-1a")
        .rule("vpc", None, "172.31.0.0/16")
        .network("vpc-main", &["172.31.0.0/16"])
        .network("home-lan", &[lan]);
    if vpn_serves_lan {
        b = b
            .route(lan, "subnet-a")
            .rule("lan range behind the VPN", None, lan);
    }
    b.population("travellers", &[], Some(lan), &["vpc-main", "home-lan"])
        .build()
}

#[test]
fn guide_lan_outside_private_ranges_is_redirected_into_the_tunnel() {
    // Guide, "Troubleshooting: Routing traffic to LAN not working as expected": a LAN outside
    // 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16 gets
    // "redirect-gateway block-local", forcing all LAN traffic into the VPN.
    let s = lan_scenario("100.64.1.0/24", false);
    let v = verdict(&s, "travellers", "home-lan");
    assert_eq!(v.status(), Status::Unreachable);
    assert_eq!(v.reason(), Outcome::LanRedirected);
    assert_eq!(
        v.primary().unwrap().cites[0],
        Cite::BlockLocal(cidr("100.64.1.0/24"))
    );
    assert_eq!(status(&s, "travellers", "vpc-main"), Status::Reachable);
    // Same under split tunnel: block-local forces the range in even with no pushed route.
    let mut split = s.clone();
    split.endpoint.split_tunnel = true;
    assert_eq!(
        verdict(&split, "travellers", "home-lan").reason(),
        Outcome::LanRedirected
    );
    // A LAN inside the private ranges stays reachable locally: not a gap when the scenario
    // says the network is reachable without the tunnel (the devices on the client's own LAN) ...
    let mut s = lan_scenario("192.168.50.0/24", false);
    s.networks[1].public = true;
    assert_eq!(status(&s, "travellers", "home-lan"), Status::BypassesVpn);
    // ... and a `lan-overlap` gap when it is a private network behind the VPN.
    s.networks[1].public = false;
    assert_eq!(status(&s, "travellers", "home-lan"), Status::Unreachable);
    assert_eq!(
        verdict(&s, "travellers", "home-lan").reason(),
        Outcome::LanOverlap
    );
    // If the VPN itself routes and authorizes the forced range, the traffic is delivered.
    let s = lan_scenario("100.64.1.0/24", true);
    assert_eq!(status(&s, "travellers", "home-lan"), Status::Reachable);
}

/// Guide, "Client-to-client access using Client VPN".
fn client_to_client(local_route: bool, rule_group: Option<&str>) -> Scenario {
    let mut b = Builder::new("172.31.0.0/16", "10.100.0.0/22")
        .associate("subnet-a", "172.31.0.0/20", "us-east-1a")
        .route("0.0.0.0/0", "subnet-a")
        .rule("vpc", None, "172.31.0.0/16")
        .rule("clients", rule_group, "10.100.0.0/22")
        .clients();
    if local_route {
        b = b.route("10.100.0.0/22", "local");
    }
    b.population("eng", &["S-eng"], None, &["clients"]).build()
}

#[test]
fn guide_client_to_client_needs_a_local_route_and_an_all_users_rule() {
    // Steps 3 and 5: a route to the client CIDR with target `local`, and a rule for it.
    let s = client_to_client(true, None);
    assert_eq!(status(&s, "eng", "clients"), Status::Reachable);
    // Without the local route nothing delivers client-to-client traffic (the 0.0.0.0/0 route
    // to the subnet does not).
    let s = client_to_client(false, None);
    let v = verdict(&s, "eng", "clients");
    assert_eq!(v.reason(), Outcome::NoRouteOnLandingSubnet);
    assert_eq!(v.primary().unwrap().cites, vec![Cite::NoLocalRoute]);
    // "Network-based authorization rules using Active Directory groups or SAML-based IdP
    // groups are not supported in this scenario."
    let s = client_to_client(true, Some("S-eng"));
    let v = verdict(&s, "eng", "clients");
    assert_eq!(v.status(), Status::Unreachable);
    assert_eq!(v.reason(), Outcome::NotAuthorized);
}

/// Guide, "Restrict access using security groups": security group B admits the Client VPN
/// security group A; security group C does not.
#[test]
fn guide_security_groups_restrict_access() {
    let s = Builder::new("172.31.0.0/16", "10.100.0.0/22")
        .associate("subnet-a", "172.31.0.0/20", "us-east-1a")
        .rule("vpc", None, "172.31.0.0/16")
        .security_group("sg-a", &[])
        .security_group("sg-b", &["sg-a"])
        .security_group("sg-c", &[])
        .endpoint_security_group("sg-a")
        .network("instance-b", &["172.31.1.10/32"])
        .network("instance-c", &["172.31.1.20/32"])
        .network_security_group("instance-b", "sg-b")
        .network_security_group("instance-c", "sg-c")
        .population("staff", &[], None, &["instance-b", "instance-c"])
        .build();
    assert_eq!(status(&s, "staff", "instance-b"), Status::Reachable);
    let v = verdict(&s, "staff", "instance-c");
    assert_eq!(v.reason(), Outcome::SecurityGroup);
    assert_eq!(
        v.primary().unwrap().cites,
        vec![Cite::SecurityGroup(cvpnsim::model::SgId(2))]
    );
    // A single address takes the security group of the most specific network containing it.
    assert_eq!(outcome(&s, "staff", "172.31.1.20"), Outcome::SecurityGroup);
    assert_eq!(outcome(&s, "staff", "172.31.1.10"), Outcome::Reachable);
    assert_eq!(outcome(&s, "staff", "172.31.1.30"), Outcome::Reachable);
}

fn grouped(auth: Authentication, groups: &[&str]) -> Scenario {
    Builder::new("172.31.0.0/16", "10.100.0.0/22")
        .authentication(auth)
        .associate("subnet-a", "172.31.0.0/20", "us-east-1a")
        .rule("engineering", Some("S-eng"), "172.31.0.0/16")
        .network("vpc-main", &["172.31.0.0/16"])
        .population("eng", groups, None, &["vpc-main"])
        .build()
}

#[test]
fn guide_mutual_authentication_carries_no_groups() {
    // Guide, "Restrict access based on user groups": with mutual authentication "you cannot
    // configure user groups … you must grant access to all users".
    let s = grouped(Authentication::Mutual, &["S-eng"]);
    assert_eq!(
        verdict(&s, "eng", "vpc-main").reason(),
        Outcome::NotAuthorized
    );
    let s = grouped(
        Authentication::MutualAnd(UserAuth::ActiveDirectory),
        &["S-eng"],
    );
    assert_eq!(status(&s, "eng", "vpc-main"), Status::Reachable);
}

#[test]
fn guide_groups_beyond_the_200th_are_ignored() {
    // Guide, "Users and groups quotas": "We ignore any groups after the 200th group."
    let mut names: Vec<String> = (1..=200).map(|i| format!("S-filler-{i}")).collect();
    names.push("S-eng".into());
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    let s = grouped(Authentication::User(UserAuth::Federated), &refs);
    assert_eq!(
        verdict(&s, "eng", "vpc-main").reason(),
        Outcome::NotAuthorized
    );
    // A raised quota (limits are data, docs/model.md §3) lets the 201st group count.
    let mut raised = s.clone();
    raised.limits.groups_per_user = 201;
    assert_eq!(status(&raised, "eng", "vpc-main"), Status::Reachable);
}

#[test]
fn decision_path_prints_every_step_and_the_deciding_rule() {
    // Guide, "Longer IP prefix match": the manager's /32 hides development's /16 for one host.
    let s = Builder::new("192.168.0.0/24", "10.200.0.0/22")
        .associate("subnet-cvpn", "192.168.0.0/27", "us-east-1a")
        .route("10.0.0.0/16", "subnet-cvpn")
        .rule(
            "Provide development group access to development VPC",
            Some("S-xxxxx15"),
            "10.0.0.0/16",
        )
        .rule(
            "Provide manager group access to a single host in development VPC",
            Some("S-xxxxx16"),
            "10.0.2.119/32",
        )
        .network("dev-vpc", &["10.0.0.0/16"])
        .population(
            "development",
            &["S-xxxxx15"],
            Some("192.168.1.0/24"),
            &["dev-vpc"],
        )
        .build();
    let tables = RouteTables::all_live(&s);
    let eval = Evaluator::new(&s, &tables);
    let client = Client::resolve(&s, "development").unwrap();
    let t = eval.address(&client, cvpnsim::model::AssocId(0), ip("10.0.2.119"));
    let text = trace::render(&s, &t);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "development [groups S-xxxxx15; LAN 192.168.1.0/24] -> 10.0.2.119  landing on subnet-cvpn (us-east-1a)");
    assert_eq!(lines[1], "   destination network: dev-vpc");
    assert!(
        lines[2].starts_with(
            "  1  client LAN      pass    10.0.2.119 is outside the client LAN 192.168.1.0/24"
        ),
        "{text}"
    );
    assert!(
        lines[3].starts_with("  2  tunnel          pass    full tunnel"),
        "{text}"
    );
    assert!(
        lines[4].starts_with("  3  authorization   DROP    longest prefix /32:"),
        "{text}"
    );
    assert!(text.contains("rule #2 \"Provide manager group access to a single host in development VPC\" (10.0.2.119/32 for S-xxxxx16)"));
    assert!(
        text.contains("none grants this client -> shadowed-by-longer-prefix"),
        "{text}"
    );
    assert!(
        text.contains("hides rule #1 \"Provide development group access to development VPC\""),
        "{text}"
    );
    assert!(
        text.contains("  4  route           pass    route #1 (10.0.0.0/16 -> subnet-cvpn)"),
        "{text}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("   verdict: shadowed-by-longer-prefix (rule #2"),
        "{text}"
    );
    // A group named directly (no population) resolves too; an unknown name does not.
    assert!(Client::resolve(&s, "S-xxxxx16").is_some());
    assert!(Client::resolve(&s, "nobody").is_none());
}

/// Two subnets; the VPC resolver and an on-premises DNS server (10.50.0.2), routed on subnet-a
/// only; engineering may reach on-prem, contractors may not.
fn dns_scenario(split: bool) -> Scenario {
    Builder::new("172.31.0.0/16", "10.100.0.0/22")
        .split_tunnel(split)
        .associate("subnet-a", "172.31.0.0/20", "us-east-1a")
        .associate("subnet-b", "172.31.16.0/20", "us-east-1b")
        .route("10.50.0.0/16", "subnet-a")
        .rule("vpc", None, "172.31.0.0/16")
        .rule("on-prem", Some("S-eng"), "10.50.0.0/16")
        .network("vpc-main", &["172.31.0.0/16"])
        .dns_servers(&["172.31.0.2", "10.50.0.2"])
        .population("engineering", &["S-eng"], None, &["vpc-main"])
        .population("contractors", &["S-ext"], None, &["vpc-main"])
        .build()
}

#[test]
fn guide_dns_servers_must_be_reachable_from_every_landing_subnet() {
    // Guide, "Troubleshooting AWS Client VPN: Clients can't access a peered VPC, Amazon S3, or
    // the internet", step 2: "Verify that the DNS server is accessible from the VPC." Each
    // population needs the DNS servers (`dns-servers`) through the tunnel from each landing.
    let s = dns_scenario(false);
    let m = Matrix::all_live(&s);
    let dns = cvpnsim::net::Target::DnsServers;
    let (eng, ext) = (pop_id(&s, "engineering"), pop_id(&s, "contractors"));
    let (a, b) = (assoc_id(&s, "subnet-a"), assoc_id(&s, "subnet-b"));
    // Engineering on subnet-a reaches both servers.
    assert_eq!(
        m.get(eng, dns, a).unwrap().verdict.status(),
        Status::Reachable
    );
    // On subnet-b, 10.50.0.2 has no route: half the servers are lost.
    let v = &m.get(eng, dns, b).unwrap().verdict;
    assert_eq!(v.status(), Status::Partial);
    assert_eq!(v.reason(), Outcome::DnsUnreachable);
    assert_eq!(v.failing(), set(&["10.50.0.2/32"]));
    assert_eq!(
        v.primary().unwrap().cites[0],
        Cite::DnsServer(ip("10.50.0.2"), Outcome::NoRouteOnLandingSubnet)
    );
    // Contractors are not authorized for on-prem: lost from both subnets.
    let v = &m.get(ext, dns, a).unwrap().verdict;
    assert_eq!(
        v.primary().unwrap().cites[0],
        Cite::DnsServer(ip("10.50.0.2"), Outcome::NotAuthorized)
    );
    // Weighted: engineering 3 h on a and 1 h on b; contractors 1 h on each.
    let gaps = weighted_gaps(&m, &[vec![3 * HOUR, HOUR], vec![HOUR, HOUR]]);
    assert_eq!(gaps.len(), 2);
    assert_eq!((gaps[0].population, gaps[0].target), (eng, dns));
    assert_eq!(gaps[0].reason, Outcome::DnsUnreachable);
    assert_eq!(gaps[0].failing, vec![b]);
    assert_eq!(gaps[0].share(), 0.25);
    // One server of two, on a quarter of the client time.
    assert_eq!(gaps[0].address_share, 0.125);
    assert_eq!(gaps[0].lost, set(&["10.50.0.2/32"]));
    assert_eq!(gaps[1].population, ext);
    assert_eq!(gaps[1].failing, vec![a, b]);
    assert_eq!(gaps[1].share(), 1.0);
    assert_eq!(gaps[1].address_share, 0.5);
    let csv = cvpnsim::report::reachability::gaps_csv(&s, &gaps);
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        "engineering,dns-servers,subnet-b,3600000,14400000,0.250000,dns-unreachable,1,10.50.0.2/32,0.125000"
    );
    // A route for the DNS server on subnet-b too: engineering has no gap left.
    let fixed = Builder::from(s.clone())
        .route("10.50.0.0/16", "subnet-b")
        .build();
    let gaps = weighted_gaps(
        &Matrix::all_live(&fixed),
        &[vec![3 * HOUR, HOUR], vec![HOUR, HOUR]],
    );
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].population, ext);
}

#[test]
fn guide_dns_server_must_be_routed_into_the_tunnel_under_split_tunnel() {
    // Split tunnel pushes only the endpoint's routes ("Split-tunnel on Client VPN endpoints");
    // a DNS server no route covers is queried outside the tunnel, which does not count, even for
    // a public resolver.
    let s = Builder::from(dns_scenario(true))
        .dns_servers(&["172.31.0.2", "1.1.1.1"])
        .build();
    let m = Matrix::all_live(&s);
    let v = &m
        .get(
            pop_id(&s, "engineering"),
            cvpnsim::net::Target::DnsServers,
            assoc_id(&s, "subnet-a"),
        )
        .unwrap()
        .verdict;
    assert_eq!(v.failing(), set(&["1.1.1.1/32"]));
    assert_eq!(
        v.primary().unwrap().cites[0],
        Cite::DnsServer(ip("1.1.1.1"), Outcome::NotRoutedIntoTunnel)
    );
}

#[test]
fn unreachable_dns_server_is_a_located_warning_that_names_the_missing_route() {
    let text = r#"name = "dns"
duration = "1d"

[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["federated"]
vpc_id = "vpc-main"
dns_servers = ["10.50.0.2"]

[[vpc]]
id = "vpc-main"
cidr_blocks = ["172.31.0.0/16"]

[[subnet]]
id = "subnet-a"
vpc_id = "vpc-main"
cidr_block = "172.31.0.0/20"
availability_zone = "us-east-1a"

[[subnet]]
id = "subnet-b"
vpc_id = "vpc-main"
cidr_block = "172.31.16.0/20"
availability_zone = "us-east-1b"

[[association]]
subnet_id = "subnet-a"

[[association]]
subnet_id = "subnet-b"

[[route]]
destination_cidr_block = "10.50.0.0/16"
target_vpc_subnet_id = "subnet-a"

[[route]]
destination_cidr_block = "10.60.0.0/16"
target_vpc_subnet_id = "subnet-b"

[[authorization_rule]]
target_network_cidr = "10.50.0.0/16"
access_group_id = "S-eng"

[[population]]
name = "engineering"
users = 10
groups = ["S-eng"]
workday = { start = "09:00", length = "8h" }

[[population]]
name = "contractors"
users = 10
groups = ["S-ext"]
workday = { start = "09:00", length = "8h" }
"#;
    let loaded = cvpnsim::scenario::load_str("dns.toml", text).expect("valid, with warnings");
    let dns: Vec<_> = loaded
        .warnings
        .iter()
        .filter(|d| d.rule == "dns-reachable")
        .collect();
    // subnet-a: contractors not authorized; subnet-b: engineering has no route, contractors
    // not authorized.
    let messages: Vec<&str> = dns.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(dns.len(), 3, "{messages:?}");
    assert!(messages[0].starts_with("DNS server 10.50.0.2 is not reachable through the tunnel from subnet-a (not-authorized"), "{messages:?}");
    assert!(messages[0].ends_with("for contractors"), "{messages:?}");
    assert!(messages[1].starts_with("DNS server 10.50.0.2 is not reachable through the tunnel from subnet-b (no-route-on-landing-subnet"), "{messages:?}");
    assert!(messages[1].ends_with("for engineering"), "{messages:?}");
    assert_eq!(
        dns[1].hint.as_deref(),
        Some("add a [[route]] whose destination_cidr_block covers 10.50.0.2 with target_vpc_subnet_id = \"subnet-b\"")
    );
    assert!(dns[0]
        .hint
        .as_deref()
        .unwrap()
        .contains("[[authorization_rule]]"));
    let rendered = cvpnsim::source::diag::render(
        &loaded.source,
        &dns.iter().map(|d| (*d).clone()).collect::<Vec<_>>(),
    );
    assert!(
        rendered.contains("dns.toml:8:16 (endpoint.dns_servers[0])"),
        "{rendered}"
    );
}
