//! Bandwidth on the path during a run (docs/model.md §13): connections cross the capacitated
//! links of the data plane to the networks they need, rates are max-min fair over every link,
//! and a connection allocated less than min(demand, 10 Mbps) is below the floor (guide: "Rules
//! and best practices for using AWS Client VPN": "A minimum bandwidth of 10 Mbps is supported per
//! user connection"). The bundled scenario scenarios/onprem-vpn-bottleneck.toml is the worked
//! case: 300 users wanting 10 Mbps behind one 1.25 Gbps Site-to-Site VPN tunnel.

use cvpnsim::findings::{findings, Fix, Severity};
use cvpnsim::model::Scenario;
use cvpnsim::net::{weighted_gaps, Matrix};
use cvpnsim::report::{Exporter, RunOutput};
use cvpnsim::scenario::load_str;
use cvpnsim::sim::{simulate, RunResult, SimOptions};

const BOTTLENECK: &str = include_str!("../scenarios/onprem-vpn-bottleneck.toml");

fn load(text: &str) -> Scenario {
    load_str("case.toml", text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

fn run(s: &Scenario) -> RunResult {
    let r = simulate(
        s,
        &SimOptions {
            audit: true,
            ..SimOptions::default()
        },
    );
    assert!(r.audit.is_empty(), "{:?}", r.audit);
    r
}

fn with_users(n: u32) -> String {
    edit(BOTTLENECK, "users = 300", &format!("users = {n}"))
}

/// 300 users demanding 10 Mbps through one 1.25 Gbps tunnel: max-min fair gives each
/// 1,250 / 300 = 4.17 Mbps, so all 300 are below the floor; 125 fit at the floor; 3,000 Mbps
/// would clear it. The tunnel's capacity is the published default (AWS Site-to-Site VPN quotas:
/// 1.25 Gbps per tunnel).
#[test]
fn three_hundred_users_through_one_tunnel_in_a_run() {
    let s = load(BOTTLENECK);
    let r = run(&s);
    let bw = &r.summary.bandwidth;
    assert!(bw.modelled);
    assert_eq!(bw.links.len(), 1);
    let l = &bw.links[0];
    assert_eq!(l.link, "dc-east");
    assert_eq!(l.kind, "Site-to-Site VPN tunnel");
    assert_eq!(l.capacity_mbps, 1250.0);
    assert!(
        l.capacity_source.starts_with("default"),
        "{}",
        l.capacity_source
    );
    assert_eq!(r.summary.peak_concurrency, 300);
    assert_eq!(l.peak_connections, 300);
    assert_eq!(l.below_floor_peak, 300, "every connection below the floor");
    assert_eq!(r.summary.below_floor_peak, 300);
    assert_eq!(l.fit_at_floor, 125);
    assert_eq!(l.clearing_capacity_mbps, Some(3000.0));
    let rate = l.lowest_rate_mbps.unwrap();
    assert!((rate - 1250.0 / 300.0).abs() < 0.001, "{rate}");
    // Users arrive 08:30–09:00: the tunnel fills when the 126th connects, and stays full until
    // fewer than 126 remain at the end of the day.
    let first = l.first_below_floor_at_ms.unwrap();
    assert!(
        (8 * 3600 + 1800) * 1000 < first && first < 9 * 3600 * 1000,
        "{first}"
    );
    assert!(l.below_floor_ms > 7 * 3600 * 1000, "{}", l.below_floor_ms);
    assert!(
        (l.below_floor_connection_minutes - r.summary.below_floor_connection_minutes).abs() < 1e-6
    );
    // The time series names the link: at 09:00 every connection is below the floor there.
    let at_nine = r
        .samples
        .iter()
        .find(|x| x.start == 9 * 3600 * 1000)
        .unwrap();
    assert_eq!(at_nine.below_by_link, vec![300]);
    assert_eq!(at_nine.below_floor, 300);
}

/// "At most 125 such users fit at the floor": with 125 users nobody is below it, with 126
/// everybody is.
#[test]
fn one_hundred_and_twenty_five_fit_at_the_floor() {
    let r = run(&load(&with_users(125)));
    assert_eq!(r.summary.peak_concurrency, 125);
    assert_eq!(r.summary.bandwidth.links[0].below_floor_peak, 0);
    assert_eq!(r.summary.below_floor_connection_minutes, 0.0);
    let r = run(&load(&with_users(126)));
    assert_eq!(r.summary.bandwidth.links[0].below_floor_peak, 126);
}

fn findings_of(s: &Scenario, r: &RunResult) -> Vec<cvpnsim::findings::Finding> {
    let gaps = weighted_gaps(&Matrix::all_live(s), &r.client_ms);
    findings(s, r, &gaps)
}

/// The finding names the tunnel, and its fix, written into the scenario, clears it; one Mbps
/// less does not.
#[test]
fn the_findings_capacity_clears_the_bottleneck() {
    let s = load(BOTTLENECK);
    let r = run(&s);
    let f = findings_of(&s, &r);
    let b: Vec<_> = f
        .iter()
        .filter(|f| f.title.contains("is the bottleneck"))
        .collect();
    assert_eq!(b.len(), 1, "{f:#?}");
    assert_eq!(b[0].severity, Severity::Critical);
    assert!(b[0].title.contains("dc-east"), "{}", b[0].title);
    assert!(
        b[0].measured.contains("up to 300 connections"),
        "{}",
        b[0].measured
    );
    assert!(b[0].fix_text.contains("3 tunnels"), "{}", b[0].fix_text);
    let Fix::LinkCapacity {
        section,
        id,
        field,
        mbps,
    } = &b[0].fix
    else {
        panic!("{:?}", b[0].fix)
    };
    assert_eq!(
        (*section, id.as_str(), *field),
        ("on_premises_network", "dc-east", "capacity_mbps")
    );
    assert_eq!(*mbps, 3000.0);
    let apply = |mbps: f64| {
        let text = edit(
            BOTTLENECK,
            "id = \"dc-east\"\n",
            &format!("id = \"dc-east\"\n{field} = {mbps:.1}\n"),
        );
        let s = load(&text);
        let r = run(&s);
        (findings_of(&s, &r), r)
    };
    let (f, r) = apply(*mbps);
    assert!(!f.iter().any(|f| f.title.contains("bottleneck")), "{f:#?}");
    assert_eq!(r.summary.below_floor_connection_minutes, 0.0);
    assert_eq!(r.summary.bandwidth.links[0].capacity_source, "scenario");
    let (_, r) = apply(*mbps - 1.0);
    assert_eq!(r.summary.bandwidth.links[0].below_floor_peak, 300);
}

/// Two links in series: the endpoint's interface (the association throughput, an assumption)
/// and the tunnel. With a 2,000 Mbps interface the tunnel (1,250 Mbps) fills first and freezes
/// every connection at 4.17 Mbps: it is the bottleneck. With 1,000 Mbps the interface fills
/// first, at 3.33 Mbps, and takes the blame.
#[test]
fn the_narrowest_link_is_the_bottleneck() {
    let text = edit(
        BOTTLENECK,
        "vpc_id = \"vpc-hub\"\n\n[[vpc]]",
        "vpc_id = \"vpc-hub\"\nassociation_throughput_mbps = 2000\n\n[[vpc]]",
    );
    let r = run(&load(&text));
    let links = &r.summary.bandwidth.links;
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].link, "subnet-hub-a interface");
    assert_eq!(links[0].kind, "endpoint interface");
    assert_eq!(
        (links[0].below_floor_peak, links[1].below_floor_peak),
        (0, 300)
    );
    let text = edit(&text, "= 2000", "= 1000");
    let r = run(&load(&text));
    let links = &r.summary.bandwidth.links;
    assert_eq!(
        (links[0].below_floor_peak, links[1].below_floor_peak),
        (300, 0)
    );
    let rate = links[0].lowest_rate_mbps.unwrap();
    assert!((rate - 1000.0 / 300.0).abs() < 0.001, "{rate}");
}

/// A NAT gateway on the way to the internet is a link (default: it scales to 100 Gbps); a
/// Direct Connect connection is one only when its capacity is given (its port speed is a
/// choice); without any capacitated link outputs say "not modelled".
#[test]
fn which_links_are_modelled() {
    let s = load(&edit(
        BOTTLENECK,
        "connection = \"site-to-site-vpn\"",
        "connection = \"direct-connect\"",
    ));
    let r = run(&s);
    assert!(!r.summary.bandwidth.modelled);
    assert!(r.samples.iter().all(|x| x.below_by_link.is_empty()));
    let f = findings_of(&s, &r);
    assert!(
        f.iter().any(|f| f.title.ends_with("not modelled")),
        "{f:#?}"
    );
    let out = RunOutput {
        scenario: &s,
        result: &r,
        scenario_hash: "hash",
        gaps: &[],
    };
    let csv = String::from_utf8(
        cvpnsim::report::timeseries::Timeseries
            .render(&out)
            .unwrap(),
    )
    .unwrap();
    assert!(!csv.contains("below_floor_at_"), "{}", &csv[..300]);
    let s = load(&edit(
        BOTTLENECK,
        "connection = \"site-to-site-vpn\"      # capacity_mbps defaults to one tunnel: 1,250 Mbps",
        "connection = \"direct-connect\"\ncapacity_mbps = 10000",
    ));
    let r = run(&s);
    let l = &r.summary.bandwidth.links[0];
    assert_eq!(
        (l.kind, l.capacity_mbps, l.below_floor_peak),
        ("Direct Connect connection", 10000.0, 0)
    );
    let out = RunOutput {
        scenario: &s,
        result: &r,
        scenario_hash: "hash",
        gaps: &[],
    };
    let csv = String::from_utf8(
        cvpnsim::report::timeseries::Timeseries
            .render(&out)
            .unwrap(),
    )
    .unwrap();
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .ends_with(",below_floor,below_floor_at_dc-east"));
}

/// Same scenario and seed, same figures.
#[test]
fn deterministic() {
    let s = load(BOTTLENECK);
    assert_eq!(run(&s), run(&s));
}

/// Full tunnel to the internet through a NAT gateway in a public subnet (the guide's
/// troubleshooting: "a default route that targets either an internet gateway or a NAT
/// gateway"), or through an on-premises site that advertises the default route and takes the
/// traffic out over its own internet link.
const INTERNET: &str = r#"
name = "internet-through-nat"
seed = 5
duration = "1d"

[endpoint]
client_cidr_block = "10.200.0.0/20"
authentication = ["mutual"]
vpc_id = "vpc-a"

[[vpc]]
id = "vpc-a"
cidr_blocks = ["10.10.0.0/16"]

[[subnet]]
id = "subnet-a"
vpc_id = "vpc-a"
cidr_block = "10.10.0.0/24"
availability_zone = "us-east-1a"

[[subnet]]
id = "subnet-pub"
vpc_id = "vpc-a"
cidr_block = "10.10.1.0/24"
availability_zone = "us-east-1a"

[[association]]
subnet_id = "subnet-a"

[[route]]
destination_cidr_block = "0.0.0.0/0"
target_vpc_subnet_id = "subnet-a"

[[authorization_rule]]
target_network_cidr = "0.0.0.0/0"
authorize_all_groups = true

[[internet_gateway]]
id = "igw-a"
vpc_id = "vpc-a"

[[nat_gateway]]
id = "nat-a"
subnet_id = "subnet-pub"

[[route_table]]
id = "rtb-a"
vpc_id = "vpc-a"
subnet_ids = ["subnet-a"]
route = [{ destination_cidr_block = "0.0.0.0/0", nat_gateway_id = "nat-a" }]

[[route_table]]
id = "rtb-pub"
vpc_id = "vpc-a"
main = true
route = [{ destination_cidr_block = "0.0.0.0/0", gateway_id = "igw-a" }]

[[population]]
name = "staff"
users = 100
workday = { start = { uniform = ["08:30", "09:00"] }, length = "8h", days = "all" }
demand_mbps = 10.0
needs = ["internet"]
"#;

#[test]
fn a_nat_gateway_and_an_on_premises_internet_link_are_links() {
    let r = run(&load(INTERNET));
    let l = &r.summary.bandwidth.links;
    assert_eq!(l.len(), 1);
    assert_eq!((l[0].link.as_str(), l[0].kind), ("nat-a", "NAT gateway"));
    assert_eq!(l[0].capacity_mbps, 100_000.0, "scales up to 100 Gbps");
    assert_eq!((l[0].peak_connections, l[0].below_floor_peak), (100, 0));
    let s = load(&edit(
        INTERNET,
        "subnet_id = \"subnet-pub\"\n",
        "subnet_id = \"subnet-pub\"\ncapacity_mbps = 500\n",
    ));
    let r = run(&s);
    let l = &r.summary.bandwidth.links[0];
    assert_eq!((l.below_floor_peak, l.fit_at_floor), (100, 50));
    assert_eq!(l.clearing_capacity_mbps, Some(1000.0));
    let f = findings_of(&s, &r);
    assert!(
        f.iter().any(|f| f.fix
            == Fix::LinkCapacity {
                section: "nat_gateway",
                id: "nat-a".into(),
                field: "capacity_mbps",
                mbps: 1000.0
            }),
        "{f:#?}"
    );
    // The same users sent to a data centre that takes the internet out itself: the tunnel
    // (1.25 Gbps) carries them, the site's 300 Mbps internet link does not.
    let onprem = edit(
        INTERNET,
        "route = [{ destination_cidr_block = \"0.0.0.0/0\", nat_gateway_id = \"nat-a\" }]",
        "route = [{ destination_cidr_block = \"0.0.0.0/0\", gateway_id = \"vgw-a\" }]",
    ) + r#"
[[vpn_gateway]]
id = "vgw-a"
vpc_id = "vpc-a"

[[on_premises_network]]
id = "dc"
vpn_gateway_id = "vgw-a"
advertised_prefixes = ["0.0.0.0/0"]
internet_egress_mbps = 300
"#;
    let r = run(&load(&onprem));
    let l = &r.summary.bandwidth.links;
    let names: Vec<&str> = l.iter().map(|x| x.link.as_str()).collect();
    assert_eq!(names, ["nat-a", "dc", "dc internet"]);
    assert_eq!(l[0].peak_connections, 0, "the NAT gateway is off the path");
    assert_eq!((l[1].peak_connections, l[1].below_floor_peak), (100, 0));
    assert_eq!((l[2].peak_connections, l[2].below_floor_peak), (100, 100));
    let rate = l[2].lowest_rate_mbps.unwrap();
    assert!((rate - 3.0).abs() < 1e-9, "{rate}");
}

/// (class, title) of every node of a topology picture.
fn picture_nodes(svg: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("g"))
        .map(|g| {
            let title = g
                .children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .unwrap_or("")
                .to_string();
            (g.attribute("class").unwrap_or("").to_string(), title)
        })
        .collect()
}

/// The report says which link is the bottleneck, for how many, for how long and what clears it,
/// and embeds the topology with the tunnel marked; without a capacitated link it says "not
/// modelled".
#[test]
fn the_report_names_the_bottleneck_and_draws_it() {
    use cvpnsim::report::html;
    let s = load(BOTTLENECK);
    let r = run(&s);
    let page = html::render(&s, &r, &[], "0123456789abcdef", &[]);
    let section = &page[page.find("<h2>Bandwidth on the path</h2>").unwrap()..];
    let row = &section[section.find("<tr class=\"bottleneck\">").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    for cell in [
        "dc-east",
        "1,250",
        ">125<",
        ">300<",
        "8 h 04 min",
        "4.17",
        "3,000",
    ] {
        assert!(row.contains(cell), "{cell} in {row}");
    }
    assert!(
        page.contains("<figure id=\"topology\">"),
        "no topology figure"
    );
    let (svg, notes) = html::topology_picture(&s, &r, &[]).unwrap();
    let nodes = picture_nodes(&svg);
    let bottleneck: Vec<&str> = nodes
        .iter()
        .filter(|(c, _)| c == "bottleneck")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(bottleneck.len(), 1, "{nodes:?}");
    assert!(
        bottleneck[0].starts_with("on-premises network dc-east: Site-to-Site VPN tunnel dc-east: up to 300 connections below the 10 Mbps floor"),
        "{}",
        bottleneck[0]
    );
    let path: Vec<&str> = nodes
        .iter()
        .filter(|(c, _)| c == "path")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        path,
        [
            "Client VPN endpoint cvpn-endpoint-0123456789abcdef0",
            "VPC vpc-hub",
            "subnet subnet-hub-a",
            "virtual private gateway vgw-hub"
        ]
    );
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].0, "dc-east");
    // No capacitated link: the section says so, and there is no below-floor chart to be empty.
    let plain = load(&edit(
        BOTTLENECK,
        "connection = \"site-to-site-vpn\"",
        "connection = \"direct-connect\"",
    ));
    let r = run(&plain);
    let page = html::render(&plain, &r, &[], "0123456789abcdef", &[]);
    assert!(
        page.contains("Bandwidth below the 10 Mbps floor: <strong>not modelled</strong>"),
        "{page}"
    );
    let m = Matrix::all_live(&plain);
    assert!(cvpnsim::report::plots::plots(&plain, &r, &m)
        .iter()
        .all(|(stem, _)| *stem != "below-floor"));
}

/// A gap past the endpoint is drawn at the hop that drops it: the peer VPC without its return
/// route drops the reply in its subnet (guide: "Clients can't access a peered VPC, Amazon S3,
/// or the internet").
#[test]
fn the_report_picture_marks_where_a_gap_drops() {
    use cvpnsim::report::html;
    let text = edit(
        include_str!("fixtures/dataplane/troubleshooting.toml"),
        "route = [\n  { destination_cidr_block = \"10.10.0.0/16\", vpc_peering_connection_id = \"pcx-ab\" },\n]",
        "route = []",
    );
    let s = load(&text);
    let r = run(&s);
    let gaps = weighted_gaps(&Matrix::all_live(&s), &r.client_ms);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    let (svg, notes) = html::topology_picture(&s, &r, &gaps).unwrap();
    let nodes = picture_nodes(&svg);
    let drops: Vec<&str> = nodes
        .iter()
        .filter(|(c, _)| c == "drop")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        drops,
        ["subnet subnet-b: staff to app-b dropped here (no-return-route)"]
    );
    assert!(nodes
        .iter()
        .any(|(c, t)| c == "path" && t == "peering connection pcx-ab"));
    assert_eq!(
        notes,
        [(
            "subnet-b".to_string(),
            "staff to app-b dropped here (no-return-route)".to_string()
        )]
    );
}
