//! Findings: what a run says is wrong with the configuration, each with the figure measured in
//! the planner's terms and the concrete change that fixes it, ranked by severity. Pure: the
//! scenario, the run's result and the reachability gaps in, findings out.
//!
//! - Client addresses: the peak's headroom in the usable half of the client CIDR below the
//!   margin (`[output] headroom_margin`, default 20 %) → the smallest client CIDR (/12–/22) that
//!   restores it (guide: "Client VPN scaling considerations", Client CIDR range size).
//! - Connections: the headroom of each interval's peak against the limit in force during that
//!   interval (an Availability Zone outage lowers it), and of the run's peak with any one
//!   Availability Zone lost → the association count (`crate::plan`).
//! - Connect handler throttling that kept users waiting (a storm not 99 % back within a minute of
//!   when its users start trying, or 99 % of logins not connected within a minute) → the
//!   concurrency `plan::size_handler` finds from the handler's latency and the storm, with the
//!   margin.
//! - Reachability gaps → the missing route or authorization rule, with the CIDRs.
//! - Bandwidth below the per-connection floor (docs/model.md §13) → per bottleneck link, the
//!   capacity that gives every connection crossing it min(demand, floor) at its worst moment
//!   (the association throughput for the endpoint's interfaces); "not modelled" when no link is
//!   capacitated.

use crate::model::{CapacityModel, Scenario, SECOND};
use crate::net::{Outcome, Target, WeightedGap};
use crate::plan::{self, PlanRequest};
use crate::sim::{FailureReason, LinkSummary, RunResult};

/// How bad a finding is. Ordered: `Critical` first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Users were refused or could not reach what they need.
    Critical,
    /// Nobody was refused, but a limit has less headroom than the margin.
    Warning,
    /// Something the run could not measure.
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "not measured",
        }
    }
}

/// The change that fixes a finding, in scenario terms (so a test, or a tool, can apply it).
#[derive(Debug, Clone, PartialEq)]
pub enum Fix {
    /// Use a client CIDR of this prefix length (`endpoint.client_cidr_block`).
    ClientPrefix(u8),
    /// No client CIDR between /12 and /22 is large enough.
    SplitEndpoint,
    /// Associate this many subnets, each in its own Availability Zone.
    Associations(usize),
    /// No association count of the limits table suffices: a quota increase is needed.
    QuotaIncrease,
    /// Set the connect handler's reserved concurrency to this.
    HandlerConcurrency(u32),
    /// Set `endpoint.association_throughput_mbps` to this.
    AssociationThroughput(f64),
    /// Set the capacity of the data-plane link `id` of `section` (its `field`) to `mbps`.
    LinkCapacity {
        section: &'static str,
        id: String,
        field: &'static str,
        mbps: f64,
    },
    /// Add an authorization rule for these CIDRs and this group (`None`: all groups).
    AuthorizationRule {
        cidrs: Vec<String>,
        group: Option<String>,
    },
    /// Add routes for these CIDRs through each of these subnets.
    Routes {
        cidrs: Vec<String>,
        subnets: Vec<String>,
    },
    /// A change the simulator describes but cannot state as one field.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    pub title: String,
    /// The figure measured, in the planner's terms.
    pub measured: String,
    /// The concrete change, in words.
    pub fix_text: String,
    pub fix: Fix,
}

/// The one-line verdict for a list of findings.
pub fn verdict(findings: &[Finding]) -> String {
    let critical = findings
        .iter()
        .filter(|f| f.severity == Severity::Critical)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    match (critical, warnings) {
        (0, 0) => "Ready: no user was refused, every limit keeps its headroom and every needed network is reachable.".into(),
        (0, w) => format!("Serves every user, with {w} warning{} to act on: users delayed, a limit below the margin, or a network partly hidden.", plural(w)),
        (c, _) => format!("Not ready: {c} problem{} that refuse users, leave them without a network they need, or hold them below the bandwidth floor.", plural(c)),
    }
}

/// Critical when anyone was refused, else a warning (headroom below the margin).
fn severity(refused: u64) -> Severity {
    if refused > 0 {
        Severity::Critical
    } else {
        Severity::Warning
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn n(x: u64) -> String {
    crate::cost::quantity(x as f64)
}

/// Every finding of the run, most severe first (ties keep the order of the list above).
pub fn findings(sc: &Scenario, r: &RunResult, gaps: &[WeightedGap]) -> Vec<Finding> {
    let margin = sc.output.headroom_margin;
    let mut out = Vec::new();
    addresses(sc, r, margin, &mut out);
    connections(sc, r, margin, &mut out);
    handler(sc, r, margin, &mut out);
    for g in gaps {
        out.push(gap(sc, g));
    }
    bandwidth(sc, r, &mut out);
    out.sort_by_key(|f| f.severity);
    out
}

/// The users a closed run could have had connected at once: an upper bound on the demand when
/// a limit capped the peak.
fn demand_bound(r: &RunResult) -> u64 {
    r.summary.users
}

fn addresses(sc: &Scenario, r: &RunResult, margin: f64, out: &mut Vec<Finding>) {
    let s = &r.summary;
    if s.addresses_usable == 0 {
        return;
    }
    let usable = s.addresses_usable as u64;
    let head = 1.0 - s.addresses_peak as f64 / usable as f64;
    let refused = s.failures_by_reason.0[FailureReason::ClientCidrExhausted.index()];
    if head >= margin && refused == 0 {
        return;
    }
    // A capped peak hides the demand: size for every user then.
    let need = if refused > 0 {
        demand_bound(r).max(s.addresses_peak as u64)
    } else {
        s.addresses_peak as u64
    };
    let current = sc.endpoint.client_cidr_block.prefix_len();
    let usable_at = |p: u8| -> u64 {
        if p <= current {
            usable << (current - p)
        } else {
            usable >> (p - current)
        }
    };
    let fits = |p: u8| need as f64 <= usable_at(p) as f64 * (1.0 - margin);
    let prefix = (12..=22u8).rev().find(|&p| fits(p));
    let measured = format!(
        "peak {} of {} usable client addresses in use ({} headroom, margin {}){}",
        n(s.addresses_peak as u64),
        n(usable),
        pct(head),
        pct(margin),
        if refused > 0 {
            format!("; {} attempts refused with no free address", n(refused))
        } else {
            String::new()
        }
    );
    let (fix, fix_text) = match prefix {
        Some(p) => (
            Fix::ClientPrefix(p),
            format!(
                "use a /{p} client CIDR ({} usable addresses: {} for {} {}) — the client CIDR cannot be changed on an existing endpoint, so this means a new endpoint",
                n(usable_at(p)),
                pct(1.0 - need as f64 / usable_at(p) as f64),
                n(need),
                if refused > 0 { "users, the demand the exhausted block hid" } else { "connections" }
            ),
        ),
        None => (
            Fix::SplitEndpoint,
            format!(
                "no client CIDR up to /12 keeps {} free for {} connections: split the users over several endpoints",
                pct(margin),
                n(need)
            ),
        ),
    };
    out.push(Finding {
        severity: severity(refused),
        title: if refused > 0 {
            "Client addresses ran out".into()
        } else {
            "Client-address headroom below the margin".into()
        },
        measured,
        fix_text,
        fix,
    });
}

/// The association count `crate::plan` gives for `peak` with the margin, as a fix.
fn association_fix(sc: &Scenario, peak: u64, survive: bool, margin: f64) -> (Fix, String) {
    let req = PlanRequest {
        peak: peak.max(1),
        survive_az_loss: survive,
        margin,
        limits: sc.limits.clone(),
        pricing: sc.pricing.clone(),
        public_ipv4: false,
    };
    match plan::plan(&req) {
        Ok(p) => {
            let after = p.limit_after_az_loss.map_or(String::new(), |l| {
                format!(", {} with one lost", n(l as u64))
            });
            (
                Fix::Associations(p.associations),
                format!(
                    "associate {} subnets, each in its own Availability Zone (limit {}{}) for a peak of {} with {} kept free",
                    p.associations,
                    n(p.connection_limit as u64),
                    after,
                    n(peak),
                    pct(margin)
                ),
            )
        }
        Err(e) => (Fix::QuotaIncrease, e.to_string()),
    }
}

fn connections(sc: &Scenario, r: &RunResult, margin: f64, out: &mut Vec<Finding>) {
    let s = &r.summary;
    let at_start = sc.associated_at_start().iter().filter(|&&b| b).count();
    let full = sc.connection_limit(at_start);
    let refused = s.failures_by_reason.0[FailureReason::EndpointAtCapacity.index()]
        + s.failures_by_reason.0[FailureReason::AssociationAtCapacity.index()];
    // Each interval's peak against the limit in force during it (the digest's headroom).
    let worst = r
        .digest
        .headroom
        .map(|h| (h.headroom, h.peak, h.limit, h.at));
    let demand = if refused > 0 {
        demand_bound(r).max(s.peak_concurrency as u64)
    } else {
        s.peak_concurrency as u64
    };
    let mut reported = false;
    if let Some((head, peak, limit, at)) = worst {
        if head < margin || refused > 0 {
            let reduced = limit < full && sc.endpoint.capacity_model == CapacityModel::Pooled;
            let (fix, fix_text) = association_fix(sc, demand, reduced, margin);
            out.push(Finding {
                severity: severity(refused),
                title: if refused > 0 {
                    "Connection limit reached".into()
                } else {
                    "Connection headroom below the margin".into()
                },
                measured: format!(
                    "{} live connections against a limit of {} in force at {} ({} headroom, margin {}){}",
                    n(peak as u64),
                    n(limit as u64),
                    crate::timefmt::clock(sc, at),
                    pct(head),
                    pct(margin),
                    if refused > 0 {
                        format!("; {} attempts refused at the limit", n(refused))
                    } else {
                        String::new()
                    }
                ),
                fix_text,
                fix,
            });
            reported = matches!(
                out.last().map(|f| &f.fix),
                Some(Fix::Associations(_)) | Some(Fix::QuotaIncrease)
            ) && reduced;
        }
    }
    // The run's peak with the worst single Availability Zone lost.
    if reported || at_start == 0 {
        return;
    }
    let live: Vec<&str> = sc
        .associated_at_start()
        .iter()
        .enumerate()
        .filter(|(_, &b)| b)
        .map(|(a, _)| {
            sc.subnet_of(crate::model::AssocId(a as u32))
                .availability_zone
                .as_str()
        })
        .collect();
    let most_in_one_az = live
        .iter()
        .map(|z| live.iter().filter(|y| *y == z).count())
        .max()
        .unwrap_or(0);
    let after = if most_in_one_az >= at_start {
        0
    } else {
        sc.connection_limit(at_start - most_in_one_az)
    };
    let peak = s.peak_concurrency as u64;
    let head = if after == 0 {
        f64::NEG_INFINITY
    } else {
        1.0 - peak as f64 / after as f64
    };
    if head >= margin {
        return;
    }
    let (fix, fix_text) = association_fix(sc, demand, true, margin);
    out.push(Finding {
        severity: Severity::Warning,
        title: "The loss of one Availability Zone leaves too little headroom".into(),
        measured: if after == 0 {
            format!(
                "every association is in one Availability Zone: its loss leaves no connection for the peak of {}",
                n(peak)
            )
        } else {
            format!(
                "peak {} against {} with the busiest Availability Zone lost ({} headroom, margin {})",
                n(peak),
                n(after as u64),
                pct(head),
                pct(margin)
            )
        },
        fix_text,
        fix,
    });
}

/// The wait a handler's concurrency is sized for: 99 % of a storm's users back within a minute
/// of when they start trying (`plan::RECONNECT_ALLOWANCE`), and 99 % of all logins connected
/// within a minute.
pub const RECONNECT_TARGET_S: f64 = plan::RECONNECT_ALLOWANCE as f64 / SECOND as f64;

/// Handler throttling that kept users waiting: an event's storm not 99 % back within its floor
/// plus a minute (`plan::size_handler`), or 99 % of all logins not connected within a minute.
/// The fix is the concurrency `plan::size_handler` finds for each such storm (from the handler's
/// latency, the users the event dropped and how they come back), with the margin.
fn handler(sc: &Scenario, r: &RunResult, margin: f64, out: &mut Vec<Finding>) {
    let Some(h) = &sc.endpoint.client_connect_handler else {
        return;
    };
    let throttled = r.summary.failures_by_reason.0[FailureReason::HandlerThrottled.index()];
    if throttled == 0 {
        return;
    }
    // (what, measured 99 % back, sizing) for every storm that missed its target.
    let mut late = late_storms(sc, r, h, margin);
    // Logins outside storms: the first attempts of the worst throttled interval, spread over it.
    let p99 = r.summary.outcomes.time_to_connect.p99_s;
    if let Some(x) = r.digest.throttled.filter(|_| late.is_empty()) {
        if p99.is_some_and(|p| p > RECONNECT_TARGET_S) {
            let users = x.first_attempts;
            if let Some(mut storm) = plan::Storm::of_scenario(sc, users, false, None) {
                let len = sc.sample_interval;
                storm.first_attempts = (0..users).map(|i| len * i / users.max(1)).collect();
                let sizing = plan::size_handler(&storm, None, margin);
                if sizing.concurrency.is_none_or(|c| c <= h.concurrency) {
                    return;
                }
                late.push((
                    format!(
                        "logins throttled between {} and {} ({} users starting in the worst {})",
                        crate::timefmt::clock(sc, x.from),
                        crate::timefmt::clock(sc, x.to),
                        n(users),
                        crate::timefmt::span(len as f64 / SECOND as f64)
                    ),
                    format!(
                        "99 % of all logins connected within {}",
                        crate::timefmt::span(p99.unwrap_or(0.0))
                    ),
                    sizing,
                ));
            }
        }
    }
    if late.is_empty() {
        return;
    }
    let gave_up = r.summary.gave_up;
    let needed = late.iter().filter_map(|l| l.2.concurrency).max();
    let worst = &late[0];
    let measured = format!(
        "{} throttled attempts at a concurrency of {}, mean latency {:.2} s; {}; {} gave up in the whole run",
        n(throttled),
        h.concurrency,
        worst.2.mean_latency_ms / SECOND as f64,
        late.iter()
            .map(|(what, back, s)| format!(
                "{what}: 99 % back after {back}, target {}",
                crate::timefmt::span(s.target_ms as f64 / SECOND as f64)
            ))
            .collect::<Vec<_>>()
            .join("; "),
        n(gave_up)
    );
    let (fix_text, fix) = match needed {
        Some(c) => {
            let c = c.max(h.concurrency + 1);
            (
                format!(
                    "reserve a concurrency of {c} for {}: {}",
                    h.function_name,
                    late.iter()
                        .find(|l| l.2.concurrency == needed)
                        .map_or(String::new(), |l| l.2.steps.join("; "))
                ),
                Fix::HandlerConcurrency(c),
            )
        }
        None => (
            format!(
                "no concurrency of {} meets the target: {}",
                h.function_name,
                worst.2.steps.join("; ")
            ),
            Fix::Other,
        ),
    };
    out.push(Finding {
        severity: if gave_up > 0 {
            Severity::Critical
        } else {
            Severity::Warning
        },
        title: if gave_up > 0 {
            "Connect handler throttling turned users away".into()
        } else {
            "Connect handler throttling delayed logins".into()
        },
        measured,
        fix_text,
        fix,
    });
}

/// (what, measured 99 % back, sizing) for every event's storm the handler's concurrency kept
/// from being 99 % back within its target.
fn late_storms(
    sc: &Scenario,
    r: &RunResult,
    h: &crate::model::ConnectHandler,
    margin: f64,
) -> Vec<(String, String, plan::HandlerSizing)> {
    let mut late: Vec<(String, String, plan::HandlerSizing)> = Vec::new();
    for ev in &r.summary.recovery {
        if ev.failed_attempts_by_reason.0[FailureReason::HandlerThrottled.index()] == 0 {
            continue;
        }
        let outage = sc.events.iter().any(|e| {
            e.at == ev.at_ms && matches!(e.kind, crate::model::EventKind::AzOutage { .. })
        });
        let Some(storm) = plan::Storm::of_scenario(sc, ev.users_dropped, outage, None) else {
            continue;
        };
        let sizing = plan::size_handler(&storm, None, margin);
        let back = ev.time_to_99_percent_back_s;
        // Late, and late for want of concurrency: a storm the model serves in time with today's
        // handler is late for another reason (addresses, capacity), which its own finding names.
        let handler_bound = sizing.concurrency.is_some_and(|c| c > h.concurrency);
        if handler_bound && back.is_none_or(|b| b * SECOND as f64 > sizing.target_ms as f64) {
            late.push((
                format!(
                    "{} ({}, {} users dropped)",
                    ev.description,
                    crate::timefmt::clock(sc, ev.at_ms),
                    n(ev.users_dropped)
                ),
                back.map_or("never".into(), crate::timefmt::span),
                sizing,
            ));
        }
    }
    late
}

fn gap(sc: &Scenario, g: &WeightedGap) -> Finding {
    let pop = &sc.populations[g.population.index()];
    let cidrs: Vec<String> = g.lost.to_cidrs().iter().map(|c| c.to_string()).collect();
    let shown = if cidrs.len() > 4 {
        format!("{} (+{} more)", cidrs[..4].join(", "), cidrs.len() - 4)
    } else {
        cidrs.join(", ")
    };
    let subnets: Vec<String> = g
        .failing
        .iter()
        .map(|&a| sc.subnet_of(a).id.clone())
        .collect();
    let what = match g.target {
        Target::DnsServers => "the endpoint's DNS servers".to_string(),
        Target::Network(_) => g.target.name(sc).to_string(),
    };
    let group = pop.groups.first().cloned();
    let (fix, fix_text) =
        match g.reason {
            Outcome::NotAuthorized => (
                Fix::AuthorizationRule {
                    cidrs: cidrs.clone(),
                    group: group.clone(),
                },
                format!(
                    "add an authorization rule for {shown} {}",
                    group
                        .as_ref()
                        .map_or("for all groups".into(), |g| format!("for group {g}"))
                ),
            ),
            Outcome::ShadowedByLongerPrefix => (
                Fix::AuthorizationRule {
                    cidrs: cidrs.clone(),
                    group: group.clone(),
                },
                format!(
                "a longer-prefix rule for other groups hides the grant: add a rule for {shown} {}",
                group.as_ref().map_or("for all groups".into(), |g| format!("for group {g}"))
            ),
            ),
            Outcome::NoRouteOnLandingSubnet
            | Outcome::NotRoutedIntoTunnel
            | Outcome::DnsUnreachable => (
                Fix::Routes {
                    cidrs: cidrs.clone(),
                    subnets: subnets.clone(),
                },
                format!(
                    "add a route for {shown} through each of {}",
                    subnets.join(", ")
                ),
            ),
            Outcome::LanOverlap | Outcome::LanRedirected => (
                Fix::Other,
                format!(
                "the client LAN {} hides {shown}: renumber the LAN, or push a more specific route",
                pop.lan_cidr.map_or("-".into(), |c| c.to_string())
            ),
            ),
            Outcome::SecurityGroup => (
                Fix::Other,
                format!("let the security group of {what} admit the endpoint's security groups"),
            ),
            Outcome::NoRouteInVpc
            | Outcome::BlackholeRoute
            | Outcome::NaclDenied
            | Outcome::NaclReturnDenied
            | Outcome::NoReturnRoute => (
                Fix::Other,
                format!(
                    "past the endpoint, in the VPC data plane ({}): `cvpnsim reach FILE --from {} --to ADDRESS` names the hop and the route, network ACL rule or security group rule to change",
                    g.reason.name(),
                    pop.name
                ),
            ),
            Outcome::Reachable | Outcome::BypassesVpn => (Fix::Other, String::new()),
        };
    let lan = matches!(g.reason, Outcome::LanOverlap | Outcome::LanRedirected);
    Finding {
        // A client LAN hiding part of a network is the users' side, and partial.
        severity: if lan {
            Severity::Warning
        } else {
            Severity::Critical
        },
        title: format!("{} cannot reach {what}", pop.name),
        measured: format!(
            "{} of its connected time landed on {} ({}), where {shown} ({} of the network's addresses) cannot be reached",
            pct(g.share()),
            subnets.join(", "),
            g.reason.name(),
            pct(g.address_share)
        ),
        fix_text,
        fix,
    }
}

fn bandwidth(sc: &Scenario, r: &RunResult, out: &mut Vec<Finding>) {
    let floor = sc.limits.per_connection_mbps;
    let bw = &r.summary.bandwidth;
    if !bw.modelled {
        out.push(Finding {
            severity: Severity::Info,
            title: format!("Bandwidth below the {floor} Mbps floor: not modelled"),
            measured: "no link is capacitated: no association throughput, and no NAT gateway, Site-to-Site VPN or Direct Connect connection with a capacity in a modelled data plane".into(),
            fix_text: "set endpoint.association_throughput_mbps, or model the data plane past the endpoint (docs/model.md §13)".into(),
            fix: Fix::Other,
        });
        return;
    }
    // The endpoint's interfaces share one field: one finding, the largest clearing figure.
    let interfaces: Vec<&LinkSummary> = bw
        .links
        .iter()
        .filter(|l| l.kind == INTERFACE && l.below_floor_ms > 0)
        .collect();
    if let Some(worst) = interfaces.iter().max_by(|a, b| {
        a.below_floor_peak
            .cmp(&b.below_floor_peak)
            .then(b.link.cmp(&a.link))
    }) {
        let needed = interfaces
            .iter()
            .filter_map(|l| l.clearing_capacity_mbps)
            .fold(0.0, f64::max)
            .ceil();
        out.push(Finding {
            severity: Severity::Critical,
            title: format!("Connections below the {floor} Mbps floor at the endpoint's interfaces"),
            measured: link_measured(worst, floor),
            fix_text: format!(
                "an association throughput of {} Mbps (what the connections on the busiest interface wanted at its worst moment)",
                n(needed as u64)
            ),
            fix: Fix::AssociationThroughput(needed),
        });
    }
    let dp = &sc.data_plane;
    for l in bw
        .links
        .iter()
        .filter(|l| l.kind != INTERFACE && l.below_floor_ms > 0)
    {
        let needed = l.clearing_capacity_mbps.unwrap_or(0.0).ceil();
        let (section, id, field) = if let Some(g) = dp.nat_gateways.iter().find(|g| g.id == l.link)
        {
            ("nat_gateway", g.id.clone(), "capacity_mbps")
        } else if let Some(o) = dp.on_premises.iter().find(|o| o.id == l.link) {
            ("on_premises_network", o.id.clone(), "capacity_mbps")
        } else {
            let id = l.link.trim_end_matches(" internet").to_string();
            ("on_premises_network", id, "internet_egress_mbps")
        };
        let how = match l.kind {
            "Site-to-Site VPN tunnel" => format!(
                " — {} tunnels of 1.25 Gbps with equal-cost multipath over a transit gateway, or a Direct Connect connection",
                (needed / crate::model::dataplane::VPN_TUNNEL_MBPS).ceil()
            ),
            _ => String::new(),
        };
        out.push(Finding {
            severity: Severity::Critical,
            title: format!(
                "{} {} is the bottleneck: connections below the {floor} Mbps floor",
                l.kind, l.link
            ),
            measured: link_measured(l, floor),
            fix_text: format!(
                "{} Mbps for {} ({section} {id}: {field} = {needed}){how}",
                n(needed as u64),
                l.link
            ),
            fix: Fix::LinkCapacity {
                section,
                id,
                field,
                mbps: needed,
            },
        });
    }
}

/// A length of time as `8 h 04 min`, `12 min`, `40 s`.
pub fn hours_minutes(ms: crate::model::Millis) -> String {
    let s = ms / SECOND;
    match (s / 3600, (s % 3600) / 60) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

/// The `kind` of an endpoint-interface link in the run's summary.
const INTERFACE: &str = "endpoint interface";

fn link_measured(l: &LinkSummary, floor: f64) -> String {
    format!(
        "up to {} connections at once below min(demand, {floor} Mbps) at {} ({} Mbps, {} fit at the floor; {} crossed it at the peak), for {} in all, {} connection-minutes; lowest rate {:.2} Mbps",
        n(u64::from(l.below_floor_peak)),
        l.link,
        n(l.capacity_mbps as u64),
        n(l.fit_at_floor),
        n(u64::from(l.peak_connections)),
        hours_minutes(l.below_floor_ms),
        n(l.below_floor_connection_minutes.round() as u64),
        l.lowest_rate_mbps.unwrap_or(0.0)
    )
}

#[cfg(test)]
mod tests {
    //! Each finding appears exactly when its condition holds, and its fix, written into the
    //! scenario and simulated again, clears it.
    use super::*;
    use crate::net::{weighted_gaps, Matrix};
    use crate::sim::{simulate, SimOptions};

    /// A one-day scenario: `users` staff arriving 08:30–09:30, `azs` associations (one per
    /// Availability Zone), a client CIDR of `/prefix`, the limits table `table`, and `extra`
    /// TOML appended (handlers, networks, events…).
    struct Spec {
        prefix: u8,
        azs: usize,
        users: u64,
        table: &'static str,
        endpoint: String,
        extra: String,
        demand: &'static str,
        arrive: &'static str,
    }

    impl Default for Spec {
        fn default() -> Self {
            Spec {
                prefix: 22,
                azs: 2,
                users: 100,
                table: "[1000, 2000, 3000, 4000, 5000]",
                endpoint: String::new(),
                extra: String::new(),
                demand: "{ uniform = [0.5, 2.0] }",
                arrive: "[\"08:30\", \"09:30\"]",
            }
        }
    }

    impl Spec {
        fn toml(&self) -> String {
            let mut t = format!(
                "name = \"f\"\nseed = 7\nduration = \"1d\"\n\
                 [endpoint]\nclient_cidr_block = \"10.64.0.0/{}\"\nsplit_tunnel = true\nsession_timeout_hours = 24\n\
                 authentication = [\"federated\"]\nvpc_id = \"vpc-1\"\n{}\n\
                 [limits]\nconnections_by_associations = {}\n\
                 [[vpc]]\nid = \"vpc-1\"\ncidr_blocks = [\"172.20.0.0/16\"]\n",
                self.prefix, self.endpoint, self.table
            );
            for i in 0..self.azs {
                t += &format!(
                    "[[subnet]]\nid = \"subnet-{i}\"\nvpc_id = \"vpc-1\"\ncidr_block = \"172.20.{i}.0/24\"\navailability_zone = \"us-east-1{}\"\n",
                    (b'a' + i as u8) as char
                );
            }
            for i in 0..self.azs {
                t += &format!("[[association]]\nsubnet_id = \"subnet-{i}\"\n");
            }
            t += "[[authorization_rule]]\ntarget_network_cidr = \"172.20.0.0/16\"\naccess_group_id = \"staff\"\n";
            t += &self.extra;
            t += &format!(
                "[[population]]\nname = \"staff\"\nusers = {}\ngroups = [\"staff\"]\nlan_cidr = \"192.168.1.0/24\"\n\
                 workday = {{ start = {{ uniform = {} }}, length = {{ normal = {{ mean = \"8h\", sd = \"30m\" }} }}, days = \"mon-fri\" }}\n\
                 demand_mbps = {}\nneeds = [\"vpc-1\"{}]\n",
                self.users,
                self.arrive,
                self.demand,
                if self.extra.contains("[[network]]") { ", \"onprem\"" } else { "" }
            );
            t
        }

        fn run(&self) -> Vec<Finding> {
            let loaded = crate::scenario::load_str("f.toml", &self.toml())
                .unwrap_or_else(|e| panic!("{e}\n{}", self.toml()));
            let sc = loaded.scenario;
            let r = simulate(&sc, &SimOptions::default());
            let m = Matrix::all_live(&sc);
            let gaps = weighted_gaps(&m, &r.client_ms);
            findings(&sc, &r, &gaps)
        }
    }

    fn titled<'a>(f: &'a [Finding], prefix: &str) -> Vec<&'a Finding> {
        f.iter().filter(|x| x.title.starts_with(prefix)).collect()
    }

    /// Guide, "Client VPN scaling considerations" (Client CIDR range size): half the block is
    /// usable. A /22 gives 512; 450 users overlapping leave 12 % < 20 % → a /21 (1,024 usable,
    /// 450 use 44 %) restores it.
    #[test]
    fn address_headroom_below_margin_and_its_fix() {
        let mut spec = Spec {
            users: 450,
            ..Spec::default()
        };
        let f = spec.run();
        let a = titled(&f, "Client-address headroom");
        assert_eq!(a.len(), 1, "{f:#?}");
        assert_eq!(a[0].severity, Severity::Warning);
        assert_eq!(a[0].fix, Fix::ClientPrefix(21));
        assert!(a[0].measured.contains("of 512 usable"), "{}", a[0].measured);
        spec.prefix = 21;
        assert!(titled(&spec.run(), "Client-address").is_empty());
        // 300 users on the /22: 41 % free, no finding.
        let ok = Spec {
            users: 300,
            ..Spec::default()
        };
        assert!(titled(&ok.run(), "Client-address").is_empty());
    }

    /// 600 users on a /22 (512 usable) exhaust it: critical, sized for all 600 users → /21.
    #[test]
    fn address_exhaustion_is_critical_and_sized_for_the_users() {
        let mut spec = Spec {
            users: 600,
            ..Spec::default()
        };
        let f = spec.run();
        let a = titled(&f, "Client addresses ran out");
        assert_eq!(a.len(), 1, "{f:#?}");
        assert_eq!(a[0].severity, Severity::Critical);
        assert_eq!(f[0].severity, Severity::Critical, "ranked first");
        assert_eq!(a[0].fix, Fix::ClientPrefix(21));
        spec.prefix = 21;
        assert!(titled(&spec.run(), "Client addresses").is_empty());
    }

    /// Two associations, limits 100/200/300/400/500 (pooled): 180 users peak at 180 of 200
    /// (10 % headroom), 100 with one AZ lost. Plan for 180 with 20 %: 225 → 3 associations;
    /// surviving an AZ loss: limit(n − 1) ≥ 225 → 4. With 4: 180 of 400, 300 after a loss.
    #[test]
    fn connection_headroom_and_az_loss_and_their_fix() {
        let mut spec = Spec {
            users: 180,
            table: "[100, 200, 300, 400, 500]",
            prefix: 20,
            ..Spec::default()
        };
        let f = spec.run();
        let c = titled(&f, "Connection headroom");
        assert_eq!(c.len(), 1, "{f:#?}");
        assert_eq!(c[0].fix, Fix::Associations(3));
        let az = titled(&f, "The loss of one Availability Zone");
        assert_eq!(az.len(), 1, "{f:#?}");
        assert_eq!(az[0].fix, Fix::Associations(4));
        spec.azs = 4;
        let fixed = spec.run();
        assert!(titled(&fixed, "Connection").is_empty(), "{fixed:#?}");
        assert!(titled(&fixed, "The loss").is_empty(), "{fixed:#?}");
        // 50 users: 75 % free, 50 % with one AZ lost: nothing.
        let ok = Spec {
            users: 50,
            table: "[100, 200, 300, 400, 500]",
            ..Spec::default()
        };
        let f = ok.run();
        assert!(titled(&f, "Connection").is_empty() && titled(&f, "The loss").is_empty());
    }

    /// The limit in force: 90 users on two associations (limit 200, 55 % free) while us-east-1b
    /// is out at noon the limit is 100: 90 of 100 is 10 % headroom, reported against 100.
    #[test]
    fn headroom_is_measured_against_the_limit_in_force() {
        let spec = Spec {
            users: 90,
            table: "[100, 200, 300, 400, 500]",
            extra: "[[event]]\nat = \"12:00\"\naz_outage = { availability_zone = \"us-east-1b\", duration = \"1h\" }\n".into(),
            ..Spec::default()
        };
        let f = spec.run();
        let c = titled(&f, "Connection headroom");
        assert_eq!(c.len(), 1, "{f:#?}");
        assert!(
            c[0].measured
                .contains("limit of 100 in force at d0 Mon 12:"),
            "{}",
            c[0].measured
        );
        // Surviving the loss: limit(n − 1) ≥ 113 → 3 associations.
        assert_eq!(c[0].fix, Fix::Associations(3));
    }

    /// A network routed but not authorized: the gap names the CIDR and the group; adding that
    /// rule clears it.
    #[test]
    fn reachability_gap_and_its_rule() {
        let net = "[[network]]\nname = \"onprem\"\ncidr_blocks = [\"10.50.0.0/16\"]\n\
                   [[route]]\ndestination_cidr_block = \"10.50.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-0\"\n\
                   [[route]]\ndestination_cidr_block = \"10.50.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-1\"\n";
        let mut spec = Spec {
            users: 20,
            extra: net.into(),
            ..Spec::default()
        };
        let f = spec.run();
        let g = titled(&f, "staff cannot reach onprem");
        assert_eq!(g.len(), 1, "{f:#?}");
        assert_eq!(g[0].severity, Severity::Critical);
        let Fix::AuthorizationRule { cidrs, group } = &g[0].fix else {
            panic!("{:?}", g[0].fix)
        };
        assert_eq!(cidrs, &vec!["10.50.0.0/16".to_string()]);
        assert_eq!(group.as_deref(), Some("staff"));
        spec.extra += &format!(
            "[[authorization_rule]]\ntarget_network_cidr = \"{}\"\naccess_group_id = \"staff\"\n",
            cidrs[0]
        );
        assert!(titled(&spec.run(), "staff cannot reach").is_empty());
    }

    /// A route missing on the second association: the fix names the CIDR and that subnet.
    #[test]
    fn missing_route_names_the_subnet() {
        let mut spec = Spec {
            users: 20,
            extra: "[[network]]\nname = \"onprem\"\ncidr_blocks = [\"10.50.0.0/16\"]\n\
                    [[route]]\ndestination_cidr_block = \"10.50.0.0/16\"\ntarget_vpc_subnet_id = \"subnet-0\"\n\
                    [[authorization_rule]]\ntarget_network_cidr = \"10.50.0.0/16\"\naccess_group_id = \"staff\"\n"
                .into(),
            ..Spec::default()
        };
        let f = spec.run();
        let g = titled(&f, "staff cannot reach onprem");
        assert_eq!(g.len(), 1, "{f:#?}");
        let Fix::Routes { cidrs, subnets } = &g[0].fix else {
            panic!("{:?}", g[0].fix)
        };
        assert_eq!(subnets, &vec!["subnet-1".to_string()]);
        spec.extra += &format!(
            "[[route]]\ndestination_cidr_block = \"{}\"\ntarget_vpc_subnet_id = \"{}\"\n",
            cidrs[0], subnets[0]
        );
        assert!(titled(&spec.run(), "staff cannot reach").is_empty());
    }

    /// A handler with concurrency 1 and 2 s latency under 200 logins in five minutes throttles;
    /// the recommended concurrency clears it.
    #[test]
    fn handler_throttling_and_its_concurrency() {
        let handler = |c: u32| {
            format!("[endpoint.client_connect_handler]\nfunction_name = \"AWSClientVPN-posture\"\nlatency = {{ fixed = \"2s\" }}\nconcurrency = {c}\n")
        };
        let mut spec = Spec {
            users: 200,
            arrive: "[\"08:30\", \"08:35\"]",
            endpoint: handler(1),
            ..Spec::default()
        };
        let f = spec.run();
        let h = titled(&f, "Connect handler throttling");
        assert_eq!(h.len(), 1, "{f:#?}");
        let Fix::HandlerConcurrency(c) = h[0].fix else {
            panic!()
        };
        assert!(c >= 2, "{c}");
        spec.endpoint = handler(c);
        let fixed = spec.run();
        assert!(
            titled(&fixed, "Connect handler").is_empty(),
            "{c}: {fixed:#?}"
        );
        spec.endpoint = handler(50);
        assert!(titled(&spec.run(), "Connect handler").is_empty());
    }

    /// The bundled two-az-workday scenario: Wednesday's rule change resets all 8,000 SAML users,
    /// who log in again by hand after 2 minutes, through a handler of 100 (mean latency 0.56 s).
    /// 99 % are back only after about 229 s, against a target of 184 s (their 2 minutes and the
    /// handler's latency, plus a minute). The recommended concurrency, written into the scenario
    /// and simulated again, brings them back within it.
    #[test]
    fn the_handler_fix_clears_the_two_az_workday_storm() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/two-az-workday.toml");
        let run = |sc: &Scenario| {
            let r = simulate(sc, &SimOptions::default());
            let gaps = weighted_gaps(&Matrix::all_live(sc), &r.client_ms);
            (findings(sc, &r, &gaps), r)
        };
        let mut sc = crate::scenario::load_file(&path).unwrap().scenario;
        let (f, r) = run(&sc);
        let h = titled(&f, "Connect handler throttling");
        assert_eq!(h.len(), 1, "{f:#?}");
        let reset = r
            .summary
            .recovery
            .iter()
            .find(|e| e.users_dropped == 8000)
            .unwrap();
        assert!(
            reset.time_to_99_percent_back_s.unwrap() > 184.0,
            "{reset:?}"
        );
        assert!(h[0].measured.contains("target 184 s"), "{}", h[0].measured);
        let Fix::HandlerConcurrency(c) = h[0].fix else {
            panic!("{:?}", h[0].fix)
        };
        assert!(c > 100 && c < 1000, "{c}");
        sc.endpoint
            .client_connect_handler
            .as_mut()
            .unwrap()
            .concurrency = c;
        let (fixed, r) = run(&sc);
        assert!(
            titled(&fixed, "Connect handler").is_empty(),
            "{c}: {fixed:#?}"
        );
        for e in &r.summary.recovery {
            let storm = plan::Storm::of_scenario(
                &sc,
                e.users_dropped,
                e.description.starts_with("AZ outage"),
                None,
            )
            .unwrap();
            let target = plan::size_handler(&storm, None, 0.2).target_ms as f64 / 1000.0;
            assert!(
                e.time_to_99_percent_back_s.unwrap() <= target,
                "{e:?} target {target}"
            );
        }
    }

    /// 20 Mbps per association shared by ~25 connections wanting 5–8 Mbps: below the floor.
    /// The fix (busiest association × 10 Mbps) gives every connection its floor.
    #[test]
    fn bandwidth_floor_and_not_modelled() {
        let f = Spec::default().run();
        let b = titled(&f, "Bandwidth below");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].severity, Severity::Info);
        let mut spec = Spec {
            users: 50,
            demand: "{ uniform = [5.0, 8.0] }",
            endpoint: "association_throughput_mbps = 20.0\n".into(),
            ..Spec::default()
        };
        let f = spec.run();
        let b = titled(&f, "Connections below");
        assert_eq!(b.len(), 1, "{f:#?}");
        let Fix::AssociationThroughput(t) = b[0].fix else {
            panic!()
        };
        spec.endpoint = format!("association_throughput_mbps = {t:.1}\n");
        let fixed = spec.run();
        assert!(
            titled(&fixed, "Connections below").is_empty(),
            "{t}: {fixed:#?}"
        );
        assert!(titled(&fixed, "Bandwidth below").is_empty());
    }

    #[test]
    fn verdicts() {
        assert!(verdict(&[]).starts_with("Ready:"));
        let f = Spec {
            users: 450,
            ..Spec::default()
        }
        .run();
        assert!(
            verdict(&f).starts_with("Serves every user, with 1 warning to act on"),
            "{f:#?}"
        );
        let f = Spec {
            users: 600,
            ..Spec::default()
        }
        .run();
        assert!(verdict(&f).starts_with("Not ready: "));
    }
}
