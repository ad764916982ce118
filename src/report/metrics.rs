//! `metrics.csv` (docs/model.md §10; guide: "CloudWatch metrics"): the endpoint's CloudWatch metric
//! names, one row per CloudWatch period: five minutes by default (the period at which Client VPN
//! publishes them), `[output] metrics_period` otherwise.
//! `ActiveConnectionsCount` is the value at the end of the period; the others are counts during
//! it. Bytes and packets are not modelled and are not written.

use std::io::{self, Write};

use crate::report::rows::RowWriter;
use crate::report::timeseries::csv_bytes;
use crate::report::{Exporter, RunOutput};
use crate::sim::{FailureReason, MetricRow};

pub const FILE_NAME: &str = "metrics.csv";

pub struct Metrics;

/// Reads one metric from a five-minute sample.
type Reading = fn(&MetricRow) -> u64;

/// Metric names and how each is read.
const METRICS: [(&str, Reading); 8] = [
    ("ActiveConnectionsCount", |s| u64::from(s.active_total)),
    ("AuthenticationFailures", |s| {
        s.counts.authentication_failures()
    }),
    ("ClientConnectHandlerTimeouts", |s| {
        s.counts.failures_of(FailureReason::HandlerTimedOut)
    }),
    ("ClientConnectHandlerInvalidResponses", |s| {
        s.counts.failures_of(FailureReason::HandlerInvalidResponse)
    }),
    ("ClientConnectHandlerOtherExecutionErrors", |s| {
        s.counts
            .failures_of(FailureReason::HandlerOtherExecutionError)
    }),
    ("ClientConnectHandlerThrottlingErrors", |s| {
        s.counts.failures_of(FailureReason::HandlerThrottled)
    }),
    ("ClientConnectHandlerDeniedConnections", |s| {
        s.counts.failures_of(FailureReason::ClientConnectFailed)
    }),
    ("ClientConnectHandlerFailedServiceErrors", |s| {
        s.counts.failures_of(FailureReason::HandlerServiceError)
    }),
];

impl Exporter for Metrics {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn render(&self, out: &RunOutput) -> Vec<u8> {
        let mut v = Vec::new();
        // Writing to memory cannot fail.
        let _ = self.write_to(out, &mut v);
        v
    }

    fn write_to(&self, out: &RunOutput, w: &mut dyn Write) -> io::Result<()> {
        let mut rows = RowWriter::new(out.scenario, w);
        rows.raw(&header_bytes())?;
        for s in out.result.metric_rows() {
            row(&mut rows, &s)?;
        }
        rows.finish()
    }
}

/// The header line.
pub(crate) fn header_bytes() -> Vec<u8> {
    let mut header = vec!["Timestamp".to_string(), "period_start_ms".to_string()];
    header.extend(METRICS.iter().map(|m| m.0.to_string()));
    csv_bytes(header, std::iter::empty())
}

/// Writes one period's row.
pub(crate) fn row<W: Write>(rows: &mut RowWriter<W>, s: &MetricRow) -> io::Result<()> {
    rows.time(s.start);
    rows.uint(s.start);
    for m in &METRICS {
        rows.uint(m.1(s));
    }
    rows.end()
}
