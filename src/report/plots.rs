//! The run's charts as data: live connections per association against its limit with fault and
//! modification marks, addresses used against usable, refusals by reason, retries and handler
//! in-flight against its concurrency, connections below the 10 Mbps floor, and the reachability
//! matrix. Rendering to PNG/SVG is [`super::chart`]'s job.

use plotters::style::RGBColor;

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
        ("connections", Plot::Time(connections(s, r, &r.samples))),
        ("addresses", Plot::Time(addresses(s, r, &r.samples))),
        ("refusals", Plot::Time(refusals(s, r, &r.samples))),
        ("handler", Plot::Time(handler(s, r, &r.samples))),
        ("retries", Plot::Time(retries(s, r, &r.samples))),
    ];
    // Without a capacitated link no connection can fall below the floor: the chart would be
    // empty, and the report says "not modelled" instead.
    if r.summary.bandwidth.modelled {
        v.push(("below-floor", Plot::Time(below_floor(s, r, &r.samples))));
    }
    if let Some((from, to)) = busiest_window(s, r) {
        let zoom = |mut c: TimeChart| {
            c.title = format!("{} — the busiest two hours", c.title);
            c.from = from;
            c.duration = to;
            c
        };
        let window = window_samples(r, from, to);
        v.push((
            "refusals-busiest",
            Plot::Time(zoom(refusals(s, r, &window))),
        ));
        v.push((
            "connections-busiest",
            Plot::Time(zoom(connections(s, r, &window))),
        ));
        v.push(("handler-busiest", Plot::Time(zoom(handler(s, r, &window)))));
    }
    if !matrix.cells.is_empty() {
        v.push(("reachability", Plot::Heat(reachability(s, matrix))));
    }
    v
}

/// For runs longer than a day with refusals: the two hours around the interval with the most
/// failed attempts, where a storm is too narrow to see on the whole run's axis.
pub fn busiest_window(s: &Scenario, r: &RunResult) -> Option<(u64, u64)> {
    if s.duration <= crate::model::DAY {
        return None;
    }
    let worst = r
        .samples
        .iter()
        .filter(|x| x.counts.failed() > 0)
        .max_by_key(|x| (x.counts.failed(), std::cmp::Reverse(x.start)))?;
    let hour = crate::model::HOUR;
    let from = worst.start.saturating_sub(hour);
    let to = (from + 2 * hour).min(s.duration);
    Some((to.saturating_sub(2 * hour), to))
}

/// The samples of `[from, to)` at the finest resolution the run kept: the ten-second samples
/// after events where there are some, the time series' samples elsewhere (those overlapping a
/// fine sample are left out, so that nothing counts twice). Rates are per minute, so rows of
/// different lengths draw on one axis.
pub fn window_samples(r: &RunResult, from: u64, to: u64) -> Vec<Sample> {
    let within = |x: &&Sample| x.end > from && x.start < to;
    let fine: Vec<&Sample> = r.event_samples.iter().filter(within).collect();
    let mut v: Vec<Sample> = r
        .samples
        .iter()
        .filter(within)
        .filter(|x| !fine.iter().any(|f| f.end > x.start && f.start < x.end))
        .chain(fine.iter().copied())
        .cloned()
        .collect();
    v.sort_by_key(|x| x.start);
    v
}

/// Most event marks a chart draws: beyond what a person can read, a mark only adds bytes (each
/// one is a line, a number and a legend entry in every chart of the report). The report says how
/// many marks the charts leave out.
pub const MAX_MARKS: usize = 50;

fn marks(r: &RunResult) -> Vec<Mark> {
    r.marks
        .iter()
        .take(MAX_MARKS)
        .map(|m| Mark {
            at: m.at_ms,
            label: m.label.clone(),
        })
        .collect()
}

/// A step series: each sample's value held over its interval. Long runs are reduced to about
/// 600 steps, each the highest value of the samples it covers, so a storm one sample wide still
/// shows on a week-long axis.
fn steps(samples: &[Sample], f: impl Fn(&Sample) -> f64) -> Vec<(u64, f64)> {
    let group = samples.len().div_ceil(600).max(1);
    let mut pts = Vec::with_capacity(2 * samples.len() / group + 2);
    for chunk in samples.chunks(group) {
        let v = chunk.iter().map(&f).fold(f64::NEG_INFINITY, f64::max);
        pts.push((chunk[0].start, v));
        pts.push((chunk[chunk.len() - 1].end, v));
    }
    pts
}

fn name_of(s: &Scenario, a: usize) -> String {
    let sub = s.subnet_of(AssocId(a as u32));
    format!("{} ({})", sub.id, sub.availability_zone)
}

pub fn connections(s: &Scenario, r: &RunResult, samples: &[Sample]) -> TimeChart {
    let mut series = Vec::new();
    for a in 0..s.associations.len() {
        series.push(Series {
            name: format!("{} live", name_of(s, a)),
            points: steps(samples, |x| x.active.get(a).copied().unwrap_or(0) as f64),
            kind: SeriesKind::Line,
            colour: None,
        });
    }
    for a in 0..s.associations.len() {
        series.push(Series {
            name: format!("{} limit", s.subnet_of(AssocId(a as u32)).id),
            points: steps(samples, |x| x.limits.get(a).copied().unwrap_or(0) as f64),
            kind: SeriesKind::Limit,
            colour: None,
        });
    }
    series.push(Series {
        name: "endpoint limit".into(),
        points: steps(samples, |x| x.limit_total as f64),
        kind: SeriesKind::Limit,
        colour: None,
    });
    TimeChart {
        start_weekday: s.start_weekday,
        title: "Live connections per association and their limits".into(),
        y_label: "connections".into(),
        from: 0,
        duration: s.duration,
        series,
        marks: marks(r),
    }
}

pub fn addresses(s: &Scenario, r: &RunResult, samples: &[Sample]) -> TimeChart {
    TimeChart {
        start_weekday: s.start_weekday,
        title: format!(
            "Client addresses ({}: half the block is reserved)",
            s.endpoint.client_cidr_block
        ),
        y_label: "addresses".into(),
        from: 0,
        duration: s.duration,
        series: vec![
            Series {
                name: "addresses in use".into(),
                points: steps(samples, |x| x.addresses_used as f64),
                kind: SeriesKind::Line,
                colour: None,
            },
            Series {
                name: "usable addresses".into(),
                points: steps(samples, |x| x.addresses_usable as f64),
                kind: SeriesKind::Limit,
                colour: None,
            },
        ],
        marks: marks(r),
    }
}

/// Each failure reason's colour, the same on every chart: the handler's reasons in warm tones,
/// capacity and addresses in blues and greens, authentication in greys and purples.
pub fn reason_colour(r: FailureReason) -> RGBColor {
    use FailureReason::*;
    match r {
        ClientConnectFailed => RGBColor(213, 94, 0),
        HandlerTimedOut => RGBColor(230, 159, 0),
        HandlerOtherExecutionError => RGBColor(240, 228, 66),
        HandlerThrottled => RGBColor(204, 121, 167),
        HandlerInvalidResponse => RGBColor(150, 75, 0),
        HandlerServiceError => RGBColor(120, 40, 40),
        ClientCidrExhausted => RGBColor(0, 114, 178),
        AssociationAtCapacity => RGBColor(86, 180, 233),
        EndpointAtCapacity => RGBColor(0, 158, 115),
        NoHealthyAssociation => RGBColor(0, 0, 0),
        AuthenticationFailed => RGBColor(120, 120, 120),
        CertificateRevoked => RGBColor(117, 80, 160),
    }
}

pub fn refusals(s: &Scenario, r: &RunResult, samples: &[Sample]) -> TimeChart {
    let per_min = |x: &Sample, reason: FailureReason| {
        x.counts.failures_of(reason) as f64 * 60_000.0 / (x.end - x.start).max(1) as f64
    };
    let series = FailureReason::ALL
        .iter()
        .filter(|&&reason| samples.iter().any(|x| x.counts.failures_of(reason) > 0))
        .map(|&reason| Series {
            name: reason.name().to_string(),
            points: steps(samples, |x| per_min(x, reason)),
            kind: SeriesKind::Stacked,
            colour: Some(reason_colour(reason)),
        })
        .collect();
    TimeChart {
        start_weekday: s.start_weekday,
        title: "Failed connection attempts by reason".into(),
        y_label: "failed attempts per minute".into(),
        from: 0,
        duration: s.duration,
        series,
        marks: marks(r),
    }
}

pub fn handler(s: &Scenario, r: &RunResult, samples: &[Sample]) -> TimeChart {
    let mut series = vec![Series {
        name: "invocations in flight (peak per interval)".into(),
        points: steps(samples, |x| x.handler_peak_in_flight as f64),
        kind: SeriesKind::Line,
        colour: None,
    }];
    let title = match &s.endpoint.client_connect_handler {
        Some(h) => {
            series.push(Series {
                name: format!("concurrency {} (throttled at this level)", h.concurrency),
                points: vec![
                    (0, h.concurrency as f64),
                    (s.duration, h.concurrency as f64),
                ],
                kind: SeriesKind::Limit,
                colour: None,
            });
            format!("Client connect handler {} in flight", h.function_name)
        }
        None => "Client connect handler: none configured".to_string(),
    };
    TimeChart {
        start_weekday: s.start_weekday,
        title,
        y_label: "invocations in flight".into(),
        from: 0,
        duration: s.duration,
        series,
        marks: marks(r),
    }
}

pub fn retries(s: &Scenario, r: &RunResult, samples: &[Sample]) -> TimeChart {
    let per_min = |x: &Sample, n: u64| n as f64 * 60_000.0 / (x.end - x.start).max(1) as f64;
    TimeChart {
        start_weekday: s.start_weekday,
        title: "Retries and users who gave up".into(),
        y_label: "per minute".into(),
        from: 0,
        duration: s.duration,
        series: vec![
            Series {
                name: "retries per minute".into(),
                points: steps(samples, |x| per_min(x, x.counts.retries)),
                kind: SeriesKind::Line,
                colour: None,
            },
            Series {
                name: "users giving up per minute".into(),
                points: steps(samples, |x| per_min(x, x.counts.gave_up)),
                kind: SeriesKind::Line,
                colour: None,
            },
        ],
        marks: marks(r),
    }
}

/// Connections below the floor over time, and, per link that held any, those it was the
/// bottleneck of (docs/model.md §13).
pub fn below_floor(s: &Scenario, r: &RunResult, samples: &[Sample]) -> TimeChart {
    let links = &r.summary.bandwidth.links;
    let held: Vec<usize> = (0..links.len())
        .filter(|&l| links[l].below_floor_peak > 0)
        .collect();
    let mut series = vec![Series {
        name: match held.as_slice() {
            [l] => format!("below the floor (bottleneck: {})", links[*l].link),
            _ => "below the floor".into(),
        },
        points: steps(samples, |x| x.below_floor as f64),
        kind: SeriesKind::Line,
        colour: None,
    }];
    if held.len() > 1 {
        for &l in &held {
            series.push(Series {
                name: format!("bottleneck: {}", links[l].link),
                points: steps(samples, |x| {
                    x.below_by_link.get(l).copied().unwrap_or(0) as f64
                }),
                kind: SeriesKind::Line,
                colour: None,
            });
        }
    }
    series.push(Series {
        name: "live connections".into(),
        points: steps(samples, |x| x.active_total as f64),
        kind: SeriesKind::Line,
        colour: None,
    });
    TimeChart {
        start_weekday: s.start_weekday,
        title: format!(
            "Connections below min(demand, {} Mbps)",
            s.limits.per_connection_mbps
        ),
        y_label: "connections".into(),
        from: 0,
        duration: s.duration,
        series,
        marks: marks(r),
    }
}

/// Category of a verdict in the heatmap, in the verdict vocabulary: `reachable`,
/// `bypasses-vpn`, the failing reason, or `partial` and the reason when some addresses are
/// reachable.
pub fn category(status: Status, reason: Outcome) -> String {
    match status {
        Status::Reachable | Status::BypassesVpn => status.name().into(),
        Status::Partial => format!("{} {}", status.name(), reason.name()),
        Status::Unreachable => reason.name().to_string(),
    }
}

pub fn reachability(s: &Scenario, m: &Matrix) -> Heatmap {
    let mut rows: Vec<(crate::model::PopId, crate::net::Target)> = Vec::new();
    for c in &m.cells {
        if !rows.contains(&(c.population, c.target)) {
            rows.push((c.population, c.target));
        }
    }
    let mut categories = vec![
        Status::Reachable.name().to_string(),
        Status::BypassesVpn.name().to_string(),
    ];
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
            .map(|&(p, n)| format!("{} → {}", s.populations[p.index()].name, n.name(s)))
            .collect(),
        cells,
        categories,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_reason_has_its_own_colour() {
        let colours: Vec<RGBColor> = FailureReason::ALL
            .iter()
            .map(|&r| reason_colour(r))
            .collect();
        for (i, a) in colours.iter().enumerate() {
            for (j, b) in colours.iter().enumerate().skip(i + 1) {
                assert_ne!(
                    a,
                    b,
                    "{} and {} share a colour",
                    FailureReason::ALL[i].name(),
                    FailureReason::ALL[j].name()
                );
            }
        }
    }
}
