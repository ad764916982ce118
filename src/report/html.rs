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

/// Renders the page.
pub fn render(
    s: &Scenario,
    r: &RunResult,
    gaps: &[WeightedGap],
    hash: &str,
    figures: &[Figure],
) -> String {
    let sm = &r.summary;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>cvpnsim report: {}</title><style>{STYLE}</style></head><body>\n",
        escape(&s.name)
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(&s.name));
    if let Some(d) = &s.description {
        let _ = writeln!(h, "<p>{}</p>", escape(d));
    }
    let _ = writeln!(h, "<p class=\"muted\">seed {} · replica {} · {} simulated · scenario sha256 <code>{}</code></p>", s.seed, sm.replica, crate::scenario::duration::format(s.duration), &hash[..hash.len().min(16)]);

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

    // Who was affected: users, not attempts.
    h.push_str("<h2>Users</h2>\n<table><tr><th>population</th><th>users</th><th>gave up</th><th>connected hours</th><th>waiting to retry at the end</th></tr>\n");
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
    h.push_str("</table>\n");

    users_waited(&mut h, s, sm);

    // 2. Peak concurrency against each limit, headroom.
    h.push_str("<h2>Peak concurrency and headroom</h2>\n<table><tr><th>association</th><th>Availability Zone</th><th>peak live</th><th>limit (all healthy)</th><th>headroom</th></tr>\n");
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
    if s.endpoint.association_throughput_mbps.is_none() {
        let _ = writeln!(h, "<p>Bandwidth below the {} Mbps floor: not modelled (the scenario gives no <code>association_throughput_mbps</code>, so nothing is shared).</p>", s.limits.per_connection_mbps);
    } else if sm.below_floor_connection_minutes > 0.0 {
        let _ = writeln!(h, "<p>{} connection-minutes below min(demand, {} Mbps); at most {} connections at once.</p>", q(sm.below_floor_connection_minutes.round() as u64), s.limits.per_connection_mbps, q(sm.below_floor_peak as u64));
    } else {
        let _ = writeln!(
            h,
            "<p>No connection fell below min(demand, {} Mbps).</p>",
            s.limits.per_connection_mbps
        );
    }

    // 3. Reachability gaps.
    h.push_str("<h2>Reachability gaps</h2>\n");
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

    // 4. Cost.
    let cost = crate::cost::of_run(s, &sm.usage);
    h.push_str("<h2>What it costs</h2>\n");
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

    // Attempts: the attempt-level figure, named for what it is.
    h.push_str("<h2>Attempts</h2>\n");
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

    // 5. Charts.
    h.push_str("<h2>Charts</h2>\n");
    for f in figures {
        let _ = writeln!(
            h,
            "<figure id=\"{}\"><figcaption>{}</figcaption>\n{}\n</figure>",
            escape(&f.stem),
            escape(&f.title),
            strip_xml_header(&f.svg)
        );
    }

    // 6. Parameters.
    h.push_str("<h2>Scenario</h2>\n<table>\n");
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
    h.push_str("</table>\n<p class=\"muted\">Generated by cvpnsim. Same scenario and seed give the same page.</p>\n</body></html>\n");
    h
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
