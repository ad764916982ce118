//! The other steps of the decision (DESIGN §8): split tunnel, the client LAN rule, client-to-
//! client traffic, security groups, groups that do not count, and the printed decision path.

mod reach_support;

use cvpnsim::model::{Authentication, Scenario, UserAuth};
use cvpnsim::net::{trace, AddrSet, Cite, Client, Evaluator, Outcome, RouteTables, Status};
use reach_support::*;

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
fn private_client_lan_keeps_its_own_range_local() {
    // A LAN inside the private ranges keeps LAN access (guide: "Rules and best practices for
    // using AWS Client VPN"): addresses of the needed network that fall in the LAN stay local.
    let s = on_prem(false, "192.168.1.0/24");
    let v = verdict(&s, "staff", "on-prem");
    assert_eq!(v.status(), Status::BypassesVpn);
    assert_eq!(
        v.with_outcome(Outcome::BypassesVpn),
        set(&["192.168.1.0/24"])
    );
    assert_eq!(
        v.with_outcome(Outcome::Delivered),
        set(&["192.168.0.0/16"]).difference(&set(&["192.168.1.0/24"]))
    );
    assert_eq!(outcome(&s, "staff", "192.168.1.7"), Outcome::BypassesVpn);
    assert_eq!(outcome(&s, "staff", "192.168.2.7"), Outcome::Delivered);
}

#[test]
fn split_tunnel_route_longer_than_the_lan_wins() {
    let mut s = on_prem(true, "192.168.1.0/24");
    s.routes.push(cvpnsim::model::Route {
        destination: cidr("192.168.1.128/25"),
        target: cvpnsim::model::RouteTarget::Association(cvpnsim::model::AssocId(0)),
        description: Some("printers".into()),
    });
    assert_eq!(outcome(&s, "staff", "192.168.1.200"), Outcome::Delivered);
    assert_eq!(outcome(&s, "staff", "192.168.1.100"), Outcome::BypassesVpn);
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
    // A LAN inside the private ranges stays reachable locally: not a gap.
    let s = lan_scenario("192.168.50.0/24", false);
    assert_eq!(status(&s, "travellers", "home-lan"), Status::BypassesVpn);
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
    assert_eq!(outcome(&s, "staff", "172.31.1.10"), Outcome::Delivered);
    assert_eq!(outcome(&s, "staff", "172.31.1.30"), Outcome::Delivered);
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
    // A raised quota (limits are data, DESIGN §3) lets the 201st group count.
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
