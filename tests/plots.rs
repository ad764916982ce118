//! The run's charts and report: every chart is produced as a valid PNG and SVG, each one changes
//! when the data it shows changes (not a constant image), and the page embeds them all.

use cvpnsim::net::{weighted_gaps, Matrix};
use cvpnsim::report::chart;
use cvpnsim::report::chart::SeriesKind;
use cvpnsim::report::html::{self, Figure};
use cvpnsim::report::plots::{plots, reason_colour, Plot};
use cvpnsim::scenario::load_str;
use cvpnsim::sim::{simulate, FailureReason, SimOptions};

/// A two-day scenario that exercises every chart: a handler with little concurrency, an
/// aggregate throughput (below-floor connections), a reset storm on day 1, and a population that
/// needs a network only one association routes.
fn scenario(users: u32, concurrency: u32, second_route: bool) -> String {
    let route_b = if second_route {
        "[[route]]\ndestination_cidr_block = \"192.168.0.0/16\"\ntarget_vpc_subnet_id = \"s2\"\n"
    } else {
        ""
    };
    format!(
        r#"
name = "plots"
seed = 3
duration = "2d"
[endpoint]
client_cidr_block = "10.100.0.0/22"
authentication = ["federated"]
vpc_id = "vpc-1"
association_throughput_mbps = 200
[endpoint.client_connect_handler]
function_name = "AWSClientVPN-check"
latency = {{ lognormal = {{ median = "500ms", p99 = "5s" }} }}
concurrency = {concurrency}
[[vpc]]
id = "vpc-1"
cidr_blocks = ["172.31.0.0/16"]
[[subnet]]
id = "s1"
vpc_id = "vpc-1"
cidr_block = "172.31.0.0/24"
availability_zone = "eu-west-1a"
[[subnet]]
id = "s2"
vpc_id = "vpc-1"
cidr_block = "172.31.1.0/24"
availability_zone = "eu-west-1b"
[[association]]
subnet_id = "s1"
[[association]]
subnet_id = "s2"
[[route]]
destination_cidr_block = "192.168.0.0/16"
target_vpc_subnet_id = "s1"
{route_b}
[[authorization_rule]]
target_network_cidr = "0.0.0.0/0"
authorize_all_groups = true
[[network]]
name = "on-prem"
cidr_blocks = ["192.168.0.0/16"]
[[population]]
name = "staff"
users = {users}
workday = {{ start = {{ normal = {{ mean = "09:00", sd = "20m" }} }}, length = "8h", days = "all" }}
demand_mbps = {{ uniform = [2.0, 10.0] }}
needs = ["on-prem", "vpc-1"]
[[event]]
at = "1d 11:00"
modify = ["server_certificate"]
"#
    )
}

/// (stem, png, svg) of every chart, and the page.
fn render(text: &str) -> (Vec<(String, Vec<u8>, String)>, String) {
    let s = load_str("plots.toml", text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let r = simulate(&s, &SimOptions::default());
    let m = Matrix::all_live(&s);
    let gaps = weighted_gaps(&m, &r.client_ms);
    let mut out = Vec::new();
    let mut figures = Vec::new();
    for (stem, p) in plots(&s, &r, &m) {
        let (png, svg, title) = match &p {
            Plot::Time(c) => (
                chart::time_png(c, chart::SIZE).unwrap(),
                chart::time_svg(c, chart::SIZE).unwrap(),
                c.title.clone(),
            ),
            Plot::Heat(h) => (
                chart::heatmap_png(h, chart::SIZE).unwrap(),
                chart::heatmap_svg(h, chart::SIZE).unwrap(),
                h.title.clone(),
            ),
        };
        figures.push(Figure {
            stem: stem.to_string(),
            title,
            svg: svg.clone(),
        });
        out.push((stem.to_string(), png, svg));
    }
    let page = html::render(&s, &r, &gaps, "0123456789abcdef0123", &figures);
    (out, page)
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(bytes);
    let reader = decoder.read_info().expect("a valid PNG");
    let info = reader.info();
    (info.width, info.height)
}

#[test]
fn bandwidth_without_an_aggregate_is_said_to_be_not_modelled() {
    // Without `association_throughput_mbps` nothing is shared, so nobody can fall below the
    // floor: no empty chart, and the report says so.
    let text = scenario(400, 5, false).replace("association_throughput_mbps = 200\n", "");
    let (charts, page) = render(&text);
    assert!(charts.iter().all(|c| c.0 != "below-floor"));
    assert!(page.contains("floor: not modelled"), "{page}");
    let (charts, page) = render(&scenario(400, 5, false));
    assert!(charts.iter().any(|c| c.0 == "below-floor"));
    assert!(!page.contains("floor: not modelled"));
}

#[test]
fn a_failure_reason_keeps_its_colour_on_every_chart() {
    let s = load_str("plots.toml", &scenario(400, 5, false))
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let r = simulate(&s, &SimOptions::default());
    let m = Matrix::all_live(&s);
    let mut seen = 0;
    for (stem, p) in plots(&s, &r, &m) {
        if let Plot::Time(c) = p {
            for series in c.series.iter().filter(|x| x.kind == SeriesKind::Stacked) {
                let reason = FailureReason::ALL
                    .iter()
                    .find(|r| r.name() == series.name)
                    .unwrap_or_else(|| panic!("{stem}: {} is not a reason", series.name));
                assert_eq!(series.colour, Some(reason_colour(*reason)), "{stem}");
                seen += 1;
            }
        }
    }
    assert!(
        seen >= 2,
        "the full and the busiest refusal charts both stack reasons"
    );
}

#[test]
fn every_chart_is_a_valid_png_and_svg() {
    let (charts, _) = render(&scenario(400, 5, false));
    let stems: Vec<&str> = charts.iter().map(|c| c.0.as_str()).collect();
    for want in [
        "connections",
        "addresses",
        "refusals",
        "handler",
        "retries",
        "below-floor",
        "reachability",
        "refusals-busiest",
    ] {
        assert!(stems.contains(&want), "missing chart {want}: {stems:?}");
    }
    for (stem, png, svg) in &charts {
        assert_eq!(png_size(png), chart::SIZE, "{stem}");
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{stem}"
        );
    }
}

#[test]
fn every_chart_changes_when_its_data_changes() {
    let (a, _) = render(&scenario(400, 5, false));
    // More users, more handler concurrency, and the on-prem route on both associations.
    let (b, _) = render(&scenario(700, 20, true));
    for (stem, png, svg) in &a {
        let Some(other) = b.iter().find(|x| &x.0 == stem) else {
            continue;
        };
        assert_ne!(png, &other.1, "{stem}.png is the same for different data");
        assert_ne!(svg, &other.2, "{stem}.svg is the same for different data");
    }
    // Same data, same bytes.
    let (again, _) = render(&scenario(400, 5, false));
    assert_eq!(a, again);
}

#[test]
fn the_report_answers_first_and_embeds_every_chart() {
    let (charts, page) = render(&scenario(400, 5, false));
    assert!(page.starts_with("<!DOCTYPE html>"));
    // The page opens with the verdict and the findings; the attempt-level figure comes later,
    // named for what it is.
    let verdict = page.find("<div class=\"verdict").unwrap();
    let finding = page.find("<div class=\"finding").unwrap();
    let users = page.find("<h2>Users</h2>").unwrap();
    let attempts = page.find("Attempt failure rate").unwrap();
    let charts_at = page.find("<h2>Charts</h2>").unwrap();
    assert!(
        verdict < finding && finding < users,
        "verdict, then findings"
    );
    assert!(
        users < attempts && attempts < charts_at,
        "attempts come after the users, before the charts"
    );
    assert!(
        !page[..users].contains("attempt failure rate"),
        "never the headline"
    );
    assert!(
        page.contains("client-connect-handler-throttled"),
        "the reasons are listed"
    );
    assert!(
        page.contains("Reachability gaps") && page.contains("on-prem"),
        "the gap is reported"
    );
    for (stem, _, _) in &charts {
        assert!(
            page.contains(&format!("<figure id=\"{stem}\">")),
            "{stem} not embedded"
        );
    }
    assert_eq!(page.matches("<svg").count(), charts.len());
    // Self-contained: no external resources.
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
}
