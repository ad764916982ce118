//! The run's charts as data: live connections per association against its limit with fault and
//! modification marks, addresses used against usable, refusals by reason, retries and handler
//! in-flight against its concurrency, connections below the 10 Mbps floor, and the reachability
//! matrix. Rendering to PNG/SVG is [`super::chart`]'s job.

use super::chart::{Heatmap, Mark, Series, SeriesKind, TimeChart};
use crate::model::{AssocId, Scenario};
use crate::net::verdict::{Outcome, Status};
use crate::net::Matrix;
use crate::sim::{FailureReason, RunResult, Sample};

/// One chart of a run, with the file stem it is written under.
pub enum Plot {
    Time(TimeChart),
    Heat(Heatmap),
}

/// Every chart of a run: (file stem, title for the report, chart).
pub fn plots(s: &Scenario, r: &RunResult, matrix: &Matrix) -> Vec<(&'static str, Plot)> {
    let mut v = vec![
        ("connections", Plot::Time(connections(s, r))),
        ("addresses", Plot::Time(addresses(s, r))),
        ("refusals", Plot::Time(refusals(s, r))),
        ("handler", Plot::Time(handler(s, r))),
        ("below-floor", Plot::Time(below_floor(s, r))),
    ];
    if !matrix.cells.is_empty() {
        v.push(("reachability", Plot::Heat(reachability(s, matrix))));
    }
    v
}

fn marks(r: &RunResult) -> Vec<Mark> {
    r.marks
        .iter()
        .map(|m| Mark {
            at: m.at_ms,
            label: m.label.clone(),
        })
        .collect()
}

/// A step series: each sample's value held over its interval.
fn steps(samples: &[Sample], f: impl Fn(&Sample) -> f64) -> Vec<(u64, f64)> {
    let mut pts = Vec::with_capacity(samples.len() * 2);
    for smp in samples {
        let v = f(smp);
        pts.push((smp.start, v));
        pts.push((smp.end, v));
    }
    pts
}

fn name_of(s: &Scenario, a: usize) -> String {
    let sub = s.subnet_of(AssocId(a as u32));
    format!("{} ({})", sub.id, sub.availability_zone)
}

pub fn connections(s: &Scenario, r: &RunResult) -> TimeChart {
    let mut series = Vec::new();
    for a in 0..s.associations.len() {
        series.push(Series {
            name: format!("{} live", name_of(s, a)),
            points: steps(&r.samples, |x| x.active.get(a).copied().unwrap_or(0) as f64),
            kind: SeriesKind::Line,
        });
    }
    for a in 0..s.associations.len() {
        series.push(Series {
            name: format!("{} limit", s.subnet_of(AssocId(a as u32)).id),
            points: steps(&r.samples, |x| x.limits.get(a).copied().unwrap_or(0) as f64),
            kind: SeriesKind::Limit,
        });
    }
    series.push(Series {
        name: "endpoint limit".into(),
        points: steps(&r.samples, |x| x.limit_total as f64),
        kind: SeriesKind::Limit,
    });
    TimeChart {
        title: "Live connections per association and their limits".into(),
        y_label: "connections".into(),
        duration: s.duration,
        series,
        marks: marks(r),
    }
}

pub fn addresses(s: &Scenario, r: &RunResult) -> TimeChart {
    TimeChart {
        title: format!(
            "Client addresses ({}: half the block is reserved)",
            s.endpoint.client_cidr_block
        ),
        y_label: "addresses".into(),
        duration: s.duration,
        series: vec![
            Series {
                name: "addresses in use".into(),
                points: steps(&r.samples, |x| x.addresses_used as f64),
                kind: SeriesKind::Line,
            },
            Series {
                name: "usable addresses".into(),
                points: steps(&r.samples, |x| x.addresses_usable as f64),
                kind: SeriesKind::Limit,
            },
        ],
        marks: marks(r),
    }
}

pub fn refusals(s: &Scenario, r: &RunResult) -> TimeChart {
    let per_min = |x: &Sample, reason: FailureReason| {
        x.counts.failures_of(reason) as f64 * 60_000.0 / (x.end - x.start).max(1) as f64
    };
    let series = FailureReason::ALL
        .iter()
        .filter(|&&reason| r.samples.iter().any(|x| x.counts.failures_of(reason) > 0))
        .map(|&reason| Series {
            name: reason.name().to_string(),
            points: steps(&r.samples, |x| per_min(x, reason)),
            kind: SeriesKind::Stacked,
        })
        .collect();
    TimeChart {
        title: "Failed connection attempts by reason".into(),
        y_label: "failed attempts per minute".into(),
        duration: s.duration,
        series,
        marks: marks(r),
    }
}

pub fn handler(s: &Scenario, r: &RunResult) -> TimeChart {
    let per_min = |x: &Sample, n: u64| n as f64 * 60_000.0 / (x.end - x.start).max(1) as f64;
    let mut series = vec![Series {
        name: "retries per minute".into(),
        points: steps(&r.samples, |x| per_min(x, x.counts.retries)),
        kind: SeriesKind::Line,
    }];
    if let Some(h) = &s.endpoint.client_connect_handler {
        series.push(Series {
            name: "handler peak in flight".into(),
            points: steps(&r.samples, |x| x.handler_peak_in_flight as f64),
            kind: SeriesKind::Line,
        });
        series.push(Series {
            name: format!("handler concurrency ({})", h.concurrency),
            points: vec![
                (0, h.concurrency as f64),
                (s.duration, h.concurrency as f64),
            ],
            kind: SeriesKind::Limit,
        });
    }
    let title = if s.endpoint.client_connect_handler.is_some() {
        "Retries and client connect handler in flight"
    } else {
        "Retries (no client connect handler configured)"
    };
    TimeChart {
        title: title.into(),
        y_label: "retries per minute / invocations in flight".into(),
        duration: s.duration,
        series,
        marks: marks(r),
    }
}

pub fn below_floor(s: &Scenario, r: &RunResult) -> TimeChart {
    TimeChart {
        title: format!(
            "Connections below min(demand, {} Mbps)",
            s.limits.per_connection_mbps
        ),
        y_label: "connections".into(),
        duration: s.duration,
        series: vec![
            Series {
                name: "below the floor".into(),
                points: steps(&r.samples, |x| x.below_floor as f64),
                kind: SeriesKind::Line,
            },
            Series {
                name: "live connections".into(),
                points: steps(&r.samples, |x| x.active_total as f64),
                kind: SeriesKind::Line,
            },
        ],
        marks: marks(r),
    }
}

/// Category of a verdict in the heatmap: `reachable`, `bypasses-vpn`, or the failing reason
/// (prefixed `partly` when some addresses are reachable).
fn category(status: Status, reason: Outcome) -> String {
    match status {
        Status::Reachable => "reachable".into(),
        Status::BypassesVpn => "bypasses-vpn".into(),
        Status::Partial => format!("partly {}", reason.name()),
        Status::Unreachable => reason.name().to_string(),
    }
}

pub fn reachability(s: &Scenario, m: &Matrix) -> Heatmap {
    let mut rows: Vec<(crate::model::PopId, crate::model::NetworkId)> = Vec::new();
    for c in &m.cells {
        if !rows.contains(&(c.population, c.network)) {
            rows.push((c.population, c.network));
        }
    }
    let mut categories = vec!["reachable".to_string(), "bypasses-vpn".to_string()];
    let cells: Vec<Vec<usize>> = rows
        .iter()
        .map(|&(p, n)| {
            (0..s.associations.len())
                .map(|a| {
                    let cat = m
                        .get(p, n, AssocId(a as u32))
                        .map_or("no verdict".to_string(), |c| {
                            category(c.verdict.status(), c.verdict.reason())
                        });
                    match categories.iter().position(|x| *x == cat) {
                        Some(i) => i,
                        None => {
                            categories.push(cat);
                            categories.len() - 1
                        }
                    }
                })
                .collect()
        })
        .collect();
    Heatmap {
        title: "Reachability by landing association".into(),
        x_label: "landing association (DNS round-robin)".into(),
        y_label: String::new(),
        columns: (0..s.associations.len()).map(|a| name_of(s, a)).collect(),
        rows: rows
            .iter()
            .map(|&(p, n)| format!("{} → {}", s.populations[p.index()].name, s.network(n).name))
            .collect(),
        cells,
        categories,
    }
}
