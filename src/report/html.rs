//! `report.html`: one self-contained page per run (styles inline, charts as inline SVG) that
//! answers the planner's questions first — was anyone refused, when, why; peak concurrency
//! against each limit; headroom; reachability gaps — then shows the charts and the scenario's
//! parameters and seed.

use std::fmt::Write as _;

use crate::findings::Severity;
use crate::model::{AssocId, Scenario};
use crate::net::WeightedGap;
use crate::sim::{FailureReason, RunResult};

/// A chart embedded in the page.
pub struct Figure {
    pub stem: String,
    pub title: String,
    pub svg: String,
}

pub use crate::markup::escape;

fn q(x: u64) -> String {
    crate::cost::quantity(x as f64)
}

fn pct(x: f64) -> String {
    if x == 0.0 {
        "0 %".into()
    } else if x < 0.0001 {
        format!("{:.4} %", x * 100.0)
    } else {
        format!("{:.2} %", x * 100.0)
    }
}

fn clock(s: &Scenario, ms: u64) -> String {
    crate::timefmt::clock(s, ms)
}

/// The page's styles (a template file, included at compile time).
const STYLE: &str = include_str!("report.css");

/// The page's skeleton (a template file, included at compile time): headings and fixed text,
/// with `{{name}}` placeholders. A placeholder alone on its line stands for a block of lines
/// (each ending with a newline, or none); any other is replaced in place.
const TEMPLATE: &str = include_str!("report.html");

/// Renders the page.
pub fn render(
    s: &Scenario,
    r: &RunResult,
    gaps: &[WeightedGap],
    hash: &str,
    figures: &[Figure],
) -> String {
    let name = escape(&s.name);
    fill(
        TEMPLATE,
        &[
            ("name", name.as_ref()),
            ("style", STYLE),
            ("about", &about(s, r, hash)),
            ("findings", &findings(s, r, gaps)),
            ("users", &users(r)),
            ("users_waited", &section(|h| users_waited(h, s, &r.summary))),
            ("headroom", &headroom(s, r)),
            ("bandwidth", &section(|h| bandwidth(h, s, r))),
            ("gaps", &gap_section(s, gaps)),
            ("topology", &section(|h| topology(h, s, r, gaps))),
            ("cost", &cost_section(s, r)),
            ("attempts", &attempts(s, r)),
            ("charts", &charts(figures)),
            ("parameters", &parameters(s, r)),
        ],
    )
}

/// A section written by a function that appends to a page.
fn section(write: impl FnOnce(&mut String)) -> String {
    let mut h = String::new();
    write(&mut h);
    h
}

/// The template with each `{{key}}` replaced by its value, in one pass (a value is never read
/// for placeholders); a placeholder alone on its line takes the line's newline with it, so a
/// block value (lines that end with a newline) or an empty one leaves no blank line.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    let mut line_start = true;
    while let Some(i) = rest.find("{{") {
        let Some(len) = rest[i + 2..].find("}}") else {
            break;
        };
        let (before, key, after) = (&rest[..i], &rest[i + 2..i + 2 + len], &rest[i + 4 + len..]);
        let alone = if before.is_empty() {
            line_start
        } else {
            before.ends_with('\n')
        };
        out.push_str(before);
        match values.iter().find(|v| v.0 == key) {
            Some((_, value)) => {
                out.push_str(value);
                match after.strip_prefix('\n') {
                    Some(a) if alone => {
                        rest = a;
                        line_start = true;
                    }
                    _ => {
                        rest = after;
                        line_start = false;
                    }
                }
            }
            None => {
                out.push_str(&rest[i..i + 4 + len]);
                rest = after;
                line_start = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The description, and the run's seed, replica, length and scenario fingerprint.
fn about(s: &Scenario, r: &RunResult, hash: &str) -> String {
    let sm = &r.summary;
    let mut h = String::new();
    if let Some(d) = &s.description {
        let _ = writeln!(h, "<p>{}</p>", escape(d));
    }
    let _ = writeln!(h, "<p class=\"muted\">seed {} · replica {} · {} simulated · scenario sha256 <code>{}</code></p>", s.seed, sm.replica, crate::scenario::duration::format(s.duration), &hash[..hash.len().min(16)]);
    h
}

/// The verdict and the findings, most severe first.
fn findings(s: &Scenario, r: &RunResult, gaps: &[WeightedGap]) -> String {
    // 1. The verdict and the findings, most severe first.
    let found = crate::findings::findings(s, r, gaps);
    let verdict = crate::findings::verdict(&found);
    let class = if found.iter().any(|f| f.severity == Severity::Critical) {
        "bad"
    } else if found.iter().any(|f| f.severity == Severity::Warning) {
        "warn"
    } else {
        "ok"
    };
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<div class=\"verdict {class}\"><strong>{}</strong></div>",
        escape(&verdict)
    );
    for (i, f) in found.iter().enumerate() {
        let cls = match f.severity {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let _ = writeln!(
            h,
            "<div class=\"finding {cls}\"><h3><span class=\"sev\">{}</span>{}. {}</h3><p>Measured: {}.</p><p><strong>Fix:</strong> {}.</p></div>",
            f.severity.name(),
            i + 1,
            escape(&f.title),
            escape(&f.measured),
            escape(&f.fix_text)
        );
    }
    h
}

/// Who was affected: users, not attempts (the rows of the users table).
fn users(r: &RunResult) -> String {
    let sm = &r.summary;
    // Who was affected: users, not attempts.
    let mut h = String::new();
    for p in &sm.populations {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&p.name),
            q(p.users),
            q(p.gave_up),
            q(p.connected_hours.round() as u64),
            q(p.at_end.waiting_to_retry)
        );
    }
    h
}

/// Peak concurrency against each limit (the rest of its table), then headroom in words.
fn headroom(s: &Scenario, r: &RunResult) -> String {
    let sm = &r.summary;
    // 2. Peak concurrency against each limit, headroom.
    let mut h = String::new();
    let n = s.associations.len();
    let total_limit = s.connection_limit(n);
    let per_association = match s.endpoint.capacity_model {
        crate::model::CapacityModel::EvenShare => total_limit / n.max(1) as u32,
        crate::model::CapacityModel::Pooled => total_limit,
    };
    for (a, asum) in sm.associations.iter().enumerate() {
        let limit = per_association;
        let head = if limit > 0 {
            1.0 - asum.peak_concurrency as f64 / limit as f64
        } else {
            0.0
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&s.subnet_of(AssocId(a as u32)).id),
            escape(&asum.availability_zone),
            q(asum.peak_concurrency as u64),
            q(limit as u64),
            pct(head)
        );
    }
    let _ = writeln!(
        h,
        "<tr><th>endpoint</th><th></th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></table>",
        q(sm.peak_concurrency as u64),
        q(total_limit as u64),
        pct(if total_limit > 0 { 1.0 - sm.peak_concurrency as f64 / total_limit as f64 } else { 0.0 })
    );
    let _ = writeln!(
        h,
        "<p>Peak of {} live connections at {}; {} model.</p>",
        q(sm.peak_concurrency as u64),
        clock(s, sm.peak_concurrency_at_ms),
        match s.endpoint.capacity_model {
            crate::model::CapacityModel::EvenShare =>
                "even-share what-if (each association holds total ÷ n)",
            crate::model::CapacityModel::Pooled => "pooled (only the endpoint total counts)",
        }
    );
    let addr_head = if sm.addresses_usable > 0 {
        1.0 - sm.addresses_peak as f64 / sm.addresses_usable as f64
    } else {
        0.0
    };
    let _ = writeln!(
        h,
        "<p>Client addresses: peak {} of {} usable ({} of {}: half the block is reserved) — headroom {}{}.</p>",
        q(sm.addresses_peak as u64),
        q(sm.addresses_usable as u64),
        s.endpoint.client_cidr_block,
        q(1u64 << (32 - s.endpoint.client_cidr_block.prefix_len())),
        pct(addr_head),
        sm.time_to_address_exhaustion_ms.map_or(String::new(), |t| format!("; exhausted first at {}", clock(s, t)))
    );
    h
}

/// Reachability gaps.
fn gap_section(s: &Scenario, gaps: &[WeightedGap]) -> String {
    // 3. Reachability gaps.
    let mut h = String::new();
    if gaps.is_empty() {
        h.push_str("<div class=\"verdict ok\">Every population reaches every network it needs from every landing association.</div>\n");
    } else {
        h.push_str("<table><tr><th>population</th><th>network</th><th>failing landing associations</th><th>reason</th><th>share of client-time</th><th>addresses lost</th></tr>\n");
        for g in gaps {
            let failing: Vec<String> = g
                .failing
                .iter()
                .map(|&a| escape(&s.subnet_of(a).id))
                .collect();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td>{} ({} of the network)</td></tr>",
                escape(&s.populations[g.population.index()].name),
                escape(g.target.name(s)),
                failing.join(", "),
                g.reason.name(),
                pct(g.share()),
                escape(&shorten_cidrs(&g.lost.to_string(), 6)),
                pct(g.address_share)
            );
        }
        h.push_str("</table>\n<p class=\"muted\">Share of client-time: of the time the population was connected, the part spent on associations from which the network cannot be reached (DNS round-robin decides the landing). Addresses lost: the part of the network lost from some association, and its share of the network's addresses weighted by client-time (a client LAN inside the network loses only its own range). <code>dns-servers</code>: the endpoint's DNS servers, which every population needs through the tunnel.</p>\n");
    }
    h
}

/// What the run costs.
fn cost_section(s: &Scenario, r: &RunResult) -> String {
    let sm = &r.summary;
    // 4. Cost.
    let cost = crate::cost::of_run(s, &sm.usage);
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<p>This run: <strong>{}</strong> for {:.0} simulated hours, about <strong>{} a month</strong> at the same rate (730-hour month; hours billed {}).</p>",
        crate::cost::money(cost.total),
        cost.run_hours,
        crate::cost::money(cost.per_month),
        if cost.billing == "started-hour" { "per started hour" } else { "prorated" }
    );
    h.push_str("<table><tr><th>item</th><th>quantity</th><th>unit</th><th>unit price</th><th>amount</th></tr>\n");
    for i in &cost.items {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            i.item,
            crate::cost::quantity(i.quantity),
            i.unit,
            crate::cost::unit_price(i.unit_price),
            crate::cost::money(i.amount)
        );
    }
    h.push_str("</table>\n<p class=\"muted\">Prices from the scenario's <code>[pricing]</code> (defaults: AWS's published us-east-1 prices). Data transfer out to the internet is not modelled.</p>\n");
    h
}

/// Attempts: the attempt-level figure, named for what it is.
fn attempts(s: &Scenario, r: &RunResult) -> String {
    let sm = &r.summary;
    // Attempts: the attempt-level figure, named for what it is.
    let mut h = String::new();
    if sm.failures == 0 {
        let _ = writeln!(
            h,
            "<p>No connection attempt was refused: {} attempts, all connected.</p>",
            q(sm.attempts)
        );
    } else {
        let _ = writeln!(
            h,
            "<p>Attempt failure rate {}: {} of {} finished attempts were refused, retries included (a user who retries until connected counts every refused try; the findings and the users table above say who was affected).</p>",
            pct(sm.attempt_failure_rate),
            q(sm.failures),
            q(sm.successes + sm.failures)
        );
        if let (Some(first), Some((worst, most))) = (r.digest.first_refusal, r.digest.most_refused)
        {
            let _ = writeln!(
                h,
                "<p>First refusals in the interval starting {}; the most ({}) in the interval starting {}.</p>",
                clock(s, first),
                q(most),
                clock(s, worst)
            );
        }
        h.push_str("<table><tr><th>reason (connection log)</th><th>attempts</th><th>share of failures</th></tr>\n");
        let mut reasons: Vec<(FailureReason, u64)> = FailureReason::ALL
            .iter()
            .map(|&x| (x, sm.failures_by_reason.0[x.index()]))
            .filter(|x| x.1 > 0)
            .collect();
        reasons.sort_by_key(|x| std::cmp::Reverse(x.1));
        for (reason, n) in reasons {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                reason.name(),
                q(n),
                pct(n as f64 / sm.failures as f64)
            );
        }
        h.push_str("</table>\n");
    }
    h
}

/// The charts, as inline SVG.
fn charts(figures: &[Figure]) -> String {
    // 5. Charts.
    let mut h = String::new();
    for f in figures {
        let _ = writeln!(
            h,
            "<figure id=\"{}\"><figcaption>{}</figcaption>\n{}\n</figure>",
            escape(&f.stem),
            escape(&f.title),
            strip_xml_header(&f.svg)
        );
    }
    h
}

/// The scenario's parameters (the rows of its table).
fn parameters(s: &Scenario, r: &RunResult) -> String {
    let n = s.associations.len();
    // 6. Parameters.
    let mut h = String::new();
    let e = &s.endpoint;
    let rows: Vec<(&str, String)> = vec![
        ("client CIDR", e.client_cidr_block.to_string()),
        (
            "associations",
            (0..n)
                .map(|a| {
                    format!(
                        "{} ({})",
                        s.subnet_of(AssocId(a as u32)).id,
                        s.subnet_of(AssocId(a as u32)).availability_zone
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("split tunnel", e.split_tunnel.to_string()),
        ("authentication", e.authentication.names().join(" + ")),
        (
            "maximum session duration",
            format!(
                "{} h, disconnect on timeout {}",
                e.session_timeout.hours(),
                e.disconnect_on_session_timeout
            ),
        ),
        (
            "client connect handler",
            e.client_connect_handler
                .as_ref()
                .map_or("none".into(), |c| {
                    format!("{} (concurrency {})", c.function_name, c.concurrency)
                }),
        ),
        (
            "connection limit by associations",
            s.limits
                .connections_by_associations
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(" / "),
        ),
        (
            "populations",
            s.populations
                .iter()
                .map(|p| p.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "routes / authorization rules",
            format!("{} / {}", s.routes.len(), s.authorization_rules.len()),
        ),
        (
            "events",
            if r.marks.len() > super::plots::MAX_MARKS {
                format!(
                    "{} ({} marks in the run; the charts show the first {} and summary.json lists them all)",
                    s.events.len(),
                    r.marks.len(),
                    super::plots::MAX_MARKS
                )
            } else {
                s.events.len().to_string()
            },
        ),
        ("seed", s.seed.to_string()),
    ];
    for (k, v) in rows {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(&v));
    }
    h
}

/// Bandwidth on the path (docs/model.md §13): each capacitated link, what it held below the
/// floor, for how long, and the capacity that clears it; "not modelled" when no link is.
fn bandwidth(h: &mut String, s: &Scenario, r: &RunResult) {
    let bw = &r.summary.bandwidth;
    let floor = s.limits.per_connection_mbps;
    h.push_str("<h2>Bandwidth on the path</h2>\n");
    if !bw.modelled {
        let _ = writeln!(h, "<p>Bandwidth below the {floor} Mbps floor: <strong>not modelled</strong>. No link is capacitated: the scenario gives no <code>association_throughput_mbps</code> and no modelled data plane with a NAT gateway, Site-to-Site VPN or Direct Connect connection on the populations' paths (docs/model.md §13).</p>");
        return;
    }
    let sm = &r.summary;
    if sm.below_floor_connection_minutes > 0.0 {
        let _ = writeln!(h, "<p>{} connection-minutes below min(demand, {floor} Mbps); at most {} connections at once.</p>", q(sm.below_floor_connection_minutes.round() as u64), q(sm.below_floor_peak as u64));
    } else {
        let _ = writeln!(
            h,
            "<p>No connection fell below min(demand, {floor} Mbps).</p>"
        );
    }
    h.push_str("<table><tr><th>link</th><th>capacity (Mbps)</th><th>peak connections</th><th>fit at the floor</th><th>most below the floor</th><th>first below</th><th>for how long</th><th>lowest rate (Mbps)</th><th>capacity that clears it (Mbps)</th></tr>\n");
    for l in &bw.links {
        let held = l.below_floor_peak > 0;
        let _ = writeln!(
            h,
            "<tr{}><td>{} <span class=\"muted\">{}</span></td><td class=\"n\">{} <span class=\"muted\">{}</span></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            if held { " class=\"bottleneck\"" } else { "" },
            escape(&l.link),
            escape(l.kind),
            q(l.capacity_mbps.round() as u64),
            escape(l.capacity_source),
            q(u64::from(l.peak_connections)),
            q(l.fit_at_floor),
            q(u64::from(l.below_floor_peak)),
            l.first_below_floor_at_ms.map_or("—".into(), |t| clock(s, t)),
            if held { crate::findings::hours_minutes(l.below_floor_ms) } else { "—".into() },
            l.lowest_rate_mbps.map_or("—".into(), |x| format!("{x:.2}")),
            l.clearing_capacity_mbps.map_or("—".into(), |x| q(x.ceil() as u64)),
        );
    }
    h.push_str("</table>\n<p class=\"muted\">Each connection demands min(its demand, the floor) across every capacitated link on its paths to the networks it needs; rates are max-min fair over all links. A link's \"most below the floor\" counts the connections it froze below min(demand, floor) (their bottleneck); the capacity that clears it is what the connections crossing it wanted at its worst moment.</p>\n");
}

/// The data plane's topology with the hop where each gap's traffic is dropped (red) and the
/// links that held connections below the floor (amber); nothing when the data plane is not
/// modelled.
fn topology(h: &mut String, s: &Scenario, r: &RunResult, gaps: &[WeightedGap]) {
    let Some((svg, notes)) = topology_picture(s, r, gaps) else {
        return;
    };
    h.push_str("<h2>Data plane</h2>\n");
    let _ = writeln!(
        h,
        "<figure id=\"topology\"><figcaption>The VPC data plane past the endpoint, laid out by hops from it</figcaption>\n<div class=\"wide\">{}</div>\n</figure>",
        strip_xml_header(&svg)
    );
    if !notes.is_empty() {
        h.push_str("<ul>\n");
        for (node, what) in notes {
            let _ = writeln!(
                h,
                "<li><strong>{}</strong>: {}</li>",
                escape(&node),
                escape(&what)
            );
        }
        h.push_str("</ul>\n");
    }
}

/// The topology picture of a run (`charts/topology.svg`, and in the page): the hop where each
/// reachability gap's traffic is dropped, the links that held connections below the floor and
/// the hops on the way, with a note per marked node; `None` when the data plane is not modelled.
pub fn topology_picture(
    s: &Scenario,
    r: &RunResult,
    gaps: &[WeightedGap],
) -> Option<(String, Vec<(String, String)>)> {
    use crate::net::dataplane::graph::Node;
    use crate::net::dataplane::picture::{self, Highlight};
    if !s.data_plane.is_modelled() {
        return None;
    }
    let tables = crate::net::RouteTables::all_live(s);
    let eval = crate::net::Evaluator::new(s, &tables);
    let f = eval.forwarder()?;
    let mut hl = Highlight::default();
    let dropped = mark_gaps(s, &eval, gaps, &mut hl);
    let held = mark_bottlenecks(s, r, &mut hl);
    // A walk names subnets and gateways, not the VPC between them: the VPC of a marked subnet
    // is on the way when a marked gateway hangs off it.
    for (v, _) in s.vpcs.iter().enumerate() {
        let vpc = Node::Vpc(v);
        let marked: Vec<Node> = hl
            .path
            .iter()
            .chain(hl.drops.iter().map(|d| &d.0))
            .chain(hl.bottlenecks.iter().map(|d| &d.0))
            .copied()
            .collect();
        let subnet = marked
            .iter()
            .any(|&n| matches!(n, Node::Subnet(i) if s.subnets[i].vpc.index() == v));
        let gateway = marked
            .iter()
            .any(|&n| !matches!(n, Node::Subnet(_) | Node::Endpoint) && f.topology.linked(vpc, n));
        if subnet && gateway {
            add_node(&mut hl.path, vpc);
        }
    }
    hl.path.retain(|n| !hl.drops.iter().any(|d| d.0 == *n));
    hl.legend = vec![
        format!("red: where a reachability gap's traffic is dropped ({dropped} gap{})", if dropped == 1 { "" } else { "s" }),
        format!("amber: a link that held connections below the {} Mbps floor ({held})", s.limits.per_connection_mbps),
        "green: the hops crossed on the way; grey: the rest of the topology. Hover a box for details.".into(),
    ];
    let svg = picture::svg_highlighted(s, &f.topology, &hl);
    let mut notes: Vec<(String, String)> = hl
        .drops
        .iter()
        .chain(&hl.bottlenecks)
        .map(|(n, what)| (n.label(s), what.clone()))
        .collect();
    notes.sort();
    Some((svg, notes))
}

/// Adds `n` to `list` unless it is there already.
fn add_node(
    list: &mut Vec<crate::net::dataplane::graph::Node>,
    n: crate::net::dataplane::graph::Node,
) {
    if !list.contains(&n) {
        list.push(n);
    }
}

/// Marks, for each reachability gap, the hop where its traffic is dropped and the hops before
/// it; returns how many gaps were marked.
fn mark_gaps(
    s: &Scenario,
    eval: &crate::net::Evaluator,
    gaps: &[WeightedGap],
    hl: &mut crate::net::dataplane::picture::Highlight,
) -> usize {
    use crate::net::dataplane::graph::Node;
    use crate::net::dataplane::picture;
    let mut dropped = 0;
    for g in gaps {
        let (Some(&assoc), Some(x)) = (g.failing.first(), g.lost.first()) else {
            continue;
        };
        let client = crate::net::Client::population(s, g.population);
        let trace = eval.address(&client, assoc, x);
        let what = format!(
            "{} to {} dropped here ({})",
            s.populations[g.population.index()].name,
            g.target.name(s),
            g.reason.name()
        );
        let at = match trace.walk.as_ref().filter(|w| w.drop.is_some()) {
            Some(w) => {
                let mut nodes = picture::walk_nodes(w);
                let last = nodes.pop();
                for n in nodes {
                    add_node(&mut hl.path, n);
                }
                last
            }
            // Decided at the endpoint (tunnel, authorization, endpoint route).
            None => Some(Node::Endpoint),
        };
        if let Some(n) = at {
            dropped += 1;
            match hl.drops.iter_mut().find(|d| d.0 == n) {
                Some(d) => {
                    d.1.push_str("; ");
                    d.1.push_str(&what);
                }
                None => hl.drops.push((n, what)),
            }
        }
    }
    dropped
}

/// Marks each link that held connections below the floor and the paths through it; returns
/// how many links were marked.
fn mark_bottlenecks(
    s: &Scenario,
    r: &RunResult,
    hl: &mut crate::net::dataplane::picture::Highlight,
) -> usize {
    use crate::net::dataplane::bandwidth::PathPlan;
    let plan = PathPlan::of(s);
    let mut held = 0;
    for (i, (link, l)) in plan
        .links
        .iter()
        .zip(&r.summary.bandwidth.links)
        .enumerate()
    {
        if l.below_floor_peak == 0 {
            continue;
        }
        held += 1;
        let node = link.node();
        for (c, links) in plan.classes.iter().enumerate() {
            if links.contains(&i) {
                for &n in &plan.paths[c] {
                    add_node(&mut hl.path, n);
                }
            }
        }
        let what = format!(
            "{} {}: up to {} connections below the {} Mbps floor ({} Mbps; {} Mbps clears it)",
            l.kind,
            l.link,
            q(u64::from(l.below_floor_peak)),
            s.limits.per_connection_mbps,
            q(l.capacity_mbps.round() as u64),
            l.clearing_capacity_mbps
                .map_or("?".into(), |x| q(x.ceil() as u64))
        );
        match hl.bottlenecks.iter_mut().find(|d| d.0 == node) {
            Some(d) => {
                d.1.push_str("; ");
                d.1.push_str(&what);
            }
            None => hl.bottlenecks.push((node, what)),
        }
    }
    held
}

/// What users saw: the episodes' time to connect, those not connected within each threshold,
/// and how the users each event dropped came back.
fn users_waited(h: &mut String, s: &Scenario, sm: &crate::sim::Summary) {
    let secs = |v: Option<f64>| {
        v.map_or("never".to_string(), |t| {
            let tenths = (t.max(0.0) * 10.0).round() as u64;
            format!("{}.{}\u{a0}s", q(tenths / 10), tenths % 10)
        })
    };
    let o = &sm.outcomes;
    let t = &o.time_to_connect;
    let _ = writeln!(
        h,
        "<h3>Time to connect</h3>\n<p>{} connection episodes (a user wanting the VPN, from the first attempt until connected or no longer wanting it): median {}, 95th percentile {}, 99th percentile {}, longest {}; {} user-minutes without service.</p>",
        q(o.episodes),
        secs(t.p50_s),
        secs(t.p95_s),
        secs(t.p99_s),
        secs(t.max_s),
        q(o.user_minutes_without_service.round() as u64)
    );
    h.push_str(
        "<table><tr><th>not connected within</th><th>users</th><th>share of episodes</th></tr>\n",
    );
    for n in &o.not_connected_within {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            crate::timefmt::span(n.within_s),
            q(n.users),
            pct(n.share)
        );
    }
    h.push_str("</table>\n");
    if sm.recovery.is_empty() {
        h.push_str("<p>No event dropped a connection.</p>\n");
        return;
    }
    h.push_str("<h3>Recovery after each event</h3>\n<table><tr><th>event</th><th>at</th><th>users dropped</th><th>back</th><th>lost</th><th>95 % back</th><th>99 % back</th><th>all back</th><th>peak attempts/s</th><th>failed attempts</th></tr>\n");
    for r in &sm.recovery {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&r.description),
            clock(s, r.at_ms),
            q(r.users_dropped),
            q(r.users_back),
            q(r.users_lost),
            secs(r.time_to_95_percent_back_s),
            secs(r.time_to_99_percent_back_s),
            secs(r.time_to_all_back_s),
            q(r.peak_attempts_per_second),
            q(r.failed_attempts)
        );
    }
    h.push_str("</table>\n<p class=\"muted\">Times are from the event. A user who stopped trying (gave up, did not log in again, or whose working day ended) is lost, and then \"all back\" never comes.</p>\n");
}

fn strip_xml_header(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// The first `keep` CIDR blocks of a space-separated list, and how many more there are.
fn shorten_cidrs(list: &str, keep: usize) -> String {
    let items: Vec<&str> = list.split(' ').collect();
    if items.len() <= keep {
        list.to_string()
    } else {
        format!("{} (+{} more)", items[..keep].join(" "), items.len() - keep)
    }
}
