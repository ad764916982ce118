//! `timeseries.csv` (docs/model.md §10): one row per sample interval: live connections per association
//! (columns named by subnet id) and in total, limits, addresses, attempts, successes, failures by
//! reason, retries, handler in-flight, below-floor count and, when bandwidth on the path is
//! modelled, the below-floor connections whose bottleneck each link is (`below_floor_at_LINK`).
//! Gauges are the values at the end of the interval; `peak_*` columns are the highest within
//! it; counts are what happened during it.

use std::io::{self, Write};

use crate::model::Scenario;
use crate::report::rows::RowWriter;
use crate::report::{Exporter, RunOutput};
use crate::sim::{FailureReason, Sample};

pub const FILE_NAME: &str = "timeseries.csv";

pub struct Timeseries;

fn header(sc: &Scenario) -> Vec<String> {
    let mut h: Vec<String> = [
        "time",
        "start_ms",
        "end_ms",
        "active_total",
        "peak_active_total",
        "limit_total",
    ]
    .map(String::from)
    .to_vec();
    for a in &sc.associations {
        h.push(format!("active_{}", sc.subnets[a.subnet.index()].id));
    }
    for a in &sc.associations {
        h.push(format!("limit_{}", sc.subnets[a.subnet.index()].id));
    }
    h.extend(
        [
            "addresses_used",
            "addresses_usable",
            "attempts",
            "successes",
            "failures",
            "retries",
            "gave_up",
            "dropped",
        ]
        .map(String::from),
    );
    h.extend(FailureReason::ALL.iter().map(|r| r.name().to_string()));
    h.extend(["handler_in_flight", "handler_peak_in_flight", "below_floor"].map(String::from));
    // Bandwidth on the path: the connections below the floor whose bottleneck each link is.
    for l in crate::net::dataplane::bandwidth::links_of(sc) {
        h.push(format!("below_floor_at_{}", l.label.replace(' ', "_")));
    }
    h
}

/// The header line.
pub(crate) fn header_bytes(sc: &Scenario) -> io::Result<Vec<u8>> {
    csv_bytes(header(sc), std::iter::empty())
}

// A quiet row's failure counts are written as one run of zeros (at most 32 cells).
const _: () = assert!(crate::sim::FailureReason::COUNT <= 32);

/// Writes one sample's row.
pub(crate) fn row<W: Write>(w: &mut RowWriter<W>, s: &Sample) -> io::Result<()> {
    let c = &s.counts;
    w.clock(s.start);
    for v in [
        s.start,
        s.end,
        s.active_total.into(),
        s.peak_active_total.into(),
        s.limit_total.into(),
    ] {
        w.uint(v);
    }
    for &v in s.active.iter().chain(&s.limits) {
        w.uint(v.into());
    }
    let failed = c.failed();
    for v in [
        s.addresses_used.into(),
        s.addresses_usable.into(),
        c.attempts,
        c.successes,
        failed,
        c.retries,
        c.gave_up,
        c.dropped,
    ] {
        w.uint(v);
    }
    if failed == 0 {
        w.zeros(c.failures.len());
    } else {
        for &v in &c.failures {
            w.uint(v);
        }
    }
    for v in [s.handler_in_flight, s.handler_peak_in_flight, s.below_floor] {
        w.uint(v.into());
    }
    for &v in &s.below_by_link {
        w.uint(v.into());
    }
    w.end()
}

/// Renders rows with a header as CSV, every cell through [`super::cells::cell`].
pub(crate) fn csv_bytes(
    header: Vec<String>,
    rows: impl Iterator<Item = Vec<String>>,
) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let safe = |r: &[String]| -> Vec<String> {
        r.iter()
            .map(|c| super::cells::cell(c).into_owned())
            .collect()
    };
    w.write_record(safe(&header))?;
    for r in rows {
        w.write_record(safe(&r))?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

impl Exporter for Timeseries {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn write_to(&self, out: &RunOutput, w: &mut dyn Write) -> io::Result<()> {
        let mut rows = RowWriter::new(out.scenario, w);
        rows.raw(&header_bytes(out.scenario)?)?;
        for s in &out.result.samples {
            row(&mut rows, s)?;
        }
        rows.finish()
    }
}
