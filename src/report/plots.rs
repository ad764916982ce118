//! The run's charts as data: live connections per association against its limit with fault and
//! modification marks, addresses used against usable, refusals by reason, retries and handler
//! in-flight against its concurrency, connections below the 10 Mbps floor, and the reachability
//! matrix. Rendering to PNG/SVG is [`super::chart`]'s job.

use plotters::style::RGBColor;

use super::chart::{Heatmap, Mark, Series, SeriesKind, TimeChart};
use crate::model::{AssocId, Scenario};
use crate::net::verdict::{Outcome, Status};
use crate::net::Matrix;
use crate::sim::digest::{self, Envelope, Field};
use crate::sim::{FailureReason, RunResult, Sample};

/// One chart of a run, with the file stem it is written under.
pub enum Plot {
    Time(TimeChart),
    Heat(Heatmap),
}

/// Every chart of a run: (file stem, title for the report, chart).
pub fn plots(s: &Scenario, r: &RunResult, matrix: &Matrix) -> Vec<(&'static str, Plot)> {
    let all = Rows::Envelope(&r.digest.envelope);
    let mut v = vec![
        ("connections", Plot::Time(connections(s, r, all))),
        ("addresses", Plot::Time(addresses(s, r, all))),
        ("refusals", Plot::Time(refusals(s, r, all))),
        ("handler", Plot::Time(handler(s, r, all))),
        ("retries", Plot::Time(retries(s, r, all))),
    ];
    // Without a capacitated link no connection can fall below the floor: the chart would be
    // empty, and the report says "not modelled" instead.
    if r.summary.bandwidth.modelled {
        v.push(("below-floor", Plot::Time(below_floor(s, r, all))));
    }
    if let Some((from, to)) = busiest_window(r) {
        let zoom = |mut c: TimeChart| {
            c.title = format!("{} — the busiest two hours", c.title);
            c.from = from;
            c.duration = to;
            c
        };
        let window = window_samples(r, from, to);
        let rows = Rows::Slice(&window);
        v.push(("refusals-busiest", Plot::Time(zoom(refusals(s, r, rows)))));
        v.push((
            "connections-busiest",
            Plot::Time(zoom(connections(s, r, rows))),
        ));
        v.push(("handler-busiest", Plot::Time(zoom(handler(s, r, rows)))));
    }
    if !matrix.cells.is_empty() {
        v.push(("reachability", Plot::Heat(reachability(s, matrix))));
    }
    v
}

/// For runs longer than a day with refusals: the two hours around the interval with the most
/// failed attempts, where a storm is too narrow to see on the whole run's axis.
pub fn busiest_window(r: &RunResult) -> Option<(u64, u64)> {
    r.digest.busiest
}

/// The samples of the busiest window `[from, to)` at the finest resolution the run kept: the
/// ten-second samples after events where there are some, the time series' samples elsewhere
/// (those overlapping a fine sample are left out, so that nothing counts twice). Rates are per
/// minute, so rows of different lengths draw on one axis.
pub fn window_samples(r: &RunResult, from: u64, to: u64) -> Vec<Sample> {
    let within = |x: &&Sample| x.end > from && x.start < to;
    let fine: Vec<&Sample> = r.event_samples.iter().filter(within).collect();
    let mut v: Vec<Sample> = r
        .digest
        .busiest_rows
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

/// The rows a chart draws: the whole run as its envelope, or a few rows of a window.
#[derive(Clone, Copy)]
pub enum Rows<'a> {
    Envelope(&'a Envelope),
    Slice(&'a [Sample]),
}

impl Rows<'_> {
    /// A step series: each step's value held over its interval. Long runs are reduced to about
    /// 600 steps, each the highest value of the rows it covers, so a storm one row wide still
    /// shows on a week-long axis.
    fn steps(self, f: Field) -> Vec<(u64, f64)> {
        match self {
            Rows::Envelope(e) => e.steps(f),
            Rows::Slice(s) => digest::steps(s, f),
        }
    }

    fn any(self, f: Field) -> bool {
        match self {
            Rows::Envelope(e) => e.any(f),
            Rows::Slice(s) => s.iter().any(|x| f.of(x) > 0.0),
        }
    }
}

fn name_of(s: &Scenario, a: usize) -> String {
    let sub = s.subnet_of(AssocId(a as u32));
    format!("{} ({})", sub.id, sub.availability_zone)
}

pub fn connections(s: &Scenario, r: &RunResult, samples: Rows) -> TimeChart {
    let mut series = Vec::new();
    for a in 0..s.associations.len() {
        series.push(Series {
            name: format!("{} live", name_of(s, a)),
            points: samples.steps(Field::Active(a)),
            kind: SeriesKind::Line,
            colour: None,
        });
    }
    for a in 0..s.associations.len() {
        series.push(Series {
            name: format!("{} limit", s.subnet_of(AssocId(a as u32)).id),
            points: samples.steps(Field::Limit(a)),
            kind: SeriesKind::Limit,
            colour: None,
        });
    }
    series.push(Series {
        name: "endpoint limit".into(),
        points: samples.steps(Field::LimitTotal),
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

pub fn addresses(s: &Scenario, r: &RunResult, samples: Rows) -> TimeChart {
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
                points: samples.steps(Field::AddressesUsed),
                kind: SeriesKind::Line,
                colour: None,
            },
            Series {
                name: "usable addresses".into(),
                points: samples.steps(Field::AddressesUsable),
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

pub fn refusals(s: &Scenario, r: &RunResult, samples: Rows) -> TimeChart {
    let series = FailureReason::ALL
        .iter()
        .filter(|&&reason| samples.any(Field::FailuresPerMinute(reason)))
        .map(|&reason| Series {
            name: reason.name().to_string(),
            points: samples.steps(Field::FailuresPerMinute(reason)),
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

pub fn handler(s: &Scenario, r: &RunResult, samples: Rows) -> TimeChart {
    let mut series = vec![Series {
        name: "invocations in flight (peak per interval)".into(),
        points: samples.steps(Field::HandlerPeakInFlight),
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

pub fn retries(s: &Scenario, r: &RunResult, samples: Rows) -> TimeChart {
    TimeChart {
        start_weekday: s.start_weekday,
        title: "Retries and users who gave up".into(),
        y_label: "per minute".into(),
        from: 0,
        duration: s.duration,
        series: vec![
            Series {
                name: "retries per minute".into(),
                points: samples.steps(Field::RetriesPerMinute),
                kind: SeriesKind::Line,
                colour: None,
            },
            Series {
                name: "users giving up per minute".into(),
                points: samples.steps(Field::GaveUpPerMinute),
                kind: SeriesKind::Line,
                colour: None,
            },
        ],
        marks: marks(r),
    }
}

/// Connections below the floor over time, naming the bottleneck when one link held them all
/// (docs/model.md §13; per link: `timeseries.csv` and the report's table).
pub fn below_floor(s: &Scenario, r: &RunResult, samples: Rows) -> TimeChart {
    let links = &r.summary.bandwidth.links;
    let held: Vec<&str> = links
        .iter()
        .filter(|l| l.below_floor_peak > 0)
        .map(|l| l.link.as_str())
        .collect();
    TimeChart {
        start_weekday: s.start_weekday,
        title: format!(
            "Connections below min(demand, {} Mbps)",
            s.limits.per_connection_mbps
        ),
        y_label: "connections".into(),
        from: 0,
        duration: s.duration,
        series: vec![
            Series {
                name: match held.as_slice() {
                    [l] => format!("below the floor (bottleneck: {l})"),
                    _ => "below the floor".into(),
                },
                points: samples.steps(Field::BelowFloor),
                kind: SeriesKind::Line,
                colour: None,
            },
            Series {
                name: "live connections".into(),
                points: samples.steps(Field::ActiveTotal),
                kind: SeriesKind::Line,
                colour: None,
            },
        ],
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
