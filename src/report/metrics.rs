//! `metrics.csv` (DESIGN §10; guide: "CloudWatch metrics"): the endpoint's CloudWatch metric
//! names, one row per five-minute period (the period at which Client VPN publishes them).
//! `ActiveConnectionsCount` is the value at the end of the period; the others are counts during
//! it. Bytes and packets are not modelled and are not written.

use crate::report::timeseries::csv_bytes;
use crate::report::{timestamp, Exporter, RunOutput};
use crate::sim::{FailureReason, Sample};

pub const FILE_NAME: &str = "metrics.csv";

pub struct Metrics;

/// Reads one metric from a five-minute sample.
type Reading = fn(&Sample) -> u64;

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
        let mut header = vec!["Timestamp".to_string(), "period_start_ms".to_string()];
        header.extend(METRICS.iter().map(|m| m.0.to_string()));
        let rows = out.result.metric_samples.iter().map(|s| {
            let mut r = vec![timestamp(out.scenario, s.start), s.start.to_string()];
            r.extend(METRICS.iter().map(|m| m.1(s).to_string()));
            r
        });
        csv_bytes(header, rows)
    }
}
