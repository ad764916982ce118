//! The deterministic discrete-event engine (docs/model.md §2–§7): users arrive, land on an association
//! by DNS round-robin, authenticate, pass the client connect handler, take an address and a unit
//! of capacity, and hold a session until work ends, the maximum duration, a reset, an outage or a
//! disassociation ends it (a connection limit only refuses new attempts); failed attempts retry
//! with back-off, and dropped clients come back by their authentication method.
//!
//! The engine does no I/O and never reads the clock: [`simulate`] is a pure function of the
//! scenario and the options, and the same inputs give the same [`RunResult`] on every machine
//! and thread count. Rendering results to files is `crate::report`'s job.

mod arrivals;
mod attempt;
mod audit;
pub mod bandwidth;
pub mod capacity;
pub mod digest;
mod engine;
pub mod log;
pub mod outcomes;
mod paths;
pub mod pool;
pub mod queue;
pub mod reason;
pub mod rng;
mod session;
pub mod stats;

pub use arrivals::{next_working_day, PoissonProfile};
pub(crate) use attempt::retry_delay;
pub use digest::SeriesDigest;
pub use engine::metrics_merge;
pub use log::LogEntry;
pub use reason::FailureReason;
pub use stats::{
    AssociationSummary, BandwidthSummary, ByReason, Counters, EngineStats, HandlerSummary,
    LinkSummary, Mark, MarkKind, MetricMerge, MetricRow, MetricRows, PopulationSummary, Sample,
    SessionEnds, Summary, Usage, UserStates,
};

use crate::model::{Arrivals, Millis, Scenario, HOUR, MINUTE};
use engine::{Engine, State};

/// Where a run is, for a progress indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub now: Millis,
    pub duration: Millis,
    pub events: u64,
}

/// How to run a scenario.
#[derive(Clone, Copy, Default)]
pub struct SimOptions<'a> {
    /// Replica index: selects independent random streams for the same scenario seed.
    pub replica: u32,
    /// Keep every connection log entry (can be large).
    pub connection_log: bool,
    /// Check the engine's invariants after every event (slow; for tests).
    pub audit: bool,
    /// Called every 65,536 events and once at the end.
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
    /// Receives each connection log entry as it happens, in time order, instead of
    /// [`RunResult::connection_log`] (which then stays empty): the caller streams the log to a
    /// file, so its size does not grow the run's memory. Implies `connection_log`.
    pub log_sink: Option<&'a (dyn Fn(&LogEntry) + Sync)>,
    /// Receives each row of the time series and of the metrics' own sampler as it closes, in
    /// time order, instead of [`RunResult::samples`] and [`RunResult::metric_rows`] (which then
    /// stay empty): the caller streams them to files, so a run's memory does not grow with its
    /// simulated time. [`RunResult::digest`] is computed either way.
    pub sample_sink: Option<&'a SampleSink<'a>>,
    /// Gives [`RunResult::digest`] when the run ends, computed by whoever receives the rows
    /// (a sink working on a thread of its own: the engine then spends nothing on it). `None`:
    /// the engine computes it.
    pub series_digest: Option<&'a DigestSource<'a>>,
}

/// What gives the digest of [`SimOptions::series_digest`].
pub type DigestSource<'a> = dyn Fn() -> SeriesDigest + Sync + 'a;

/// What receives the rows of [`SimOptions::sample_sink`].
pub type SampleSink<'a> = dyn RowSink + 'a;

/// A receiver of closed rows: any `Fn(SampleSeries, &Sample)`, or a sink that lets the engine
/// fill each row where it keeps it ([`RowSink::fill`]).
pub trait RowSink: Sync {
    /// Takes the next closed row of `series`.
    fn row(&self, series: SampleSeries, row: &Sample);

    /// Takes the next closed row of `series`, which `fill` writes (whole) into a row of the
    /// sink's choosing. The engine calls this, not [`RowSink::row`], when the sink computes
    /// the digest ([`SimOptions::series_digest`]).
    fn fill(&self, series: SampleSeries, fill: &mut dyn FnMut(&mut Sample)) {
        let mut row = Sample::default();
        fill(&mut row);
        self.row(series, &row);
    }
}

impl<F: Fn(SampleSeries, &Sample) + Sync> RowSink for F {
    fn row(&self, series: SampleSeries, row: &Sample) {
        self(series, row)
    }
}

/// A [`SimOptions::sample_sink`] that drops every row: for callers that read only the summary
/// and the digest (sweeps, checks, plans), so no row is kept.
pub fn discard_rows(_: SampleSeries, _: &Sample) {}

/// Which sampler a row handed to [`SimOptions::sample_sink`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleSeries {
    /// One row per `sample_interval` (`timeseries.csv`; merged into the CloudWatch periods when
    /// `metrics_period` is a multiple of it, see [`crate::sim::metrics_merge`]).
    Timeseries,
    /// One row per `metrics_period`, when it is not a multiple of `sample_interval`.
    Metrics,
}

impl std::fmt::Debug for SimOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimOptions")
            .field("replica", &self.replica)
            .field("connection_log", &self.connection_log)
            .field("audit", &self.audit)
            .field("progress", &self.progress.is_some())
            .field("log_sink", &self.log_sink.is_some())
            .field("sample_sink", &self.sample_sink.is_some())
            .field("series_digest", &self.series_digest.is_some())
            .finish()
    }
}

/// Everything a run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub summary: Summary,
    /// One row per `sample_interval`.
    pub samples: Vec<Sample>,
    /// The CloudWatch period of the metric rows ([`RunResult::metric_rows`]).
    pub metric_period: Millis,
    /// Rows of the metrics' own sampler, when the period is not a multiple of the sample
    /// interval; empty when the metric rows merge `samples`.
    metric_samples: Vec<Sample>,
    metrics_merged: bool,
    /// Ten-second rows for the 30 minutes after each event and after its second phase (an
    /// outage's end, a change taking effect), in time order: where a storm is.
    pub event_samples: Vec<Sample>,
    /// What the charts, the report and the findings need from the time series, computed as
    /// its rows closed (present whether the rows were kept or streamed).
    pub digest: SeriesDigest,
    /// Connection log entries in time order (empty unless asked for).
    pub connection_log: Vec<LogEntry>,
    /// Client time by population then association (`client_ms[pop][assoc]`), to weight
    /// reachability gaps.
    pub client_ms: Vec<Vec<Millis>>,
    pub marks: Vec<Mark>,
    pub stats: EngineStats,
    /// Invariant violations found when `audit` was on (empty means none).
    pub audit: Vec<String>,
}

impl RunResult {
    /// One row per CloudWatch period (`metrics.csv`).
    pub fn metric_rows(&self) -> MetricRows<'_> {
        if self.metrics_merged {
            MetricRows::new(&self.samples, self.metric_period, true)
        } else {
            MetricRows::new(&self.metric_samples, self.metric_period, false)
        }
    }
}

/// Runs one replica of `scenario`.
pub fn simulate(scenario: &Scenario, options: &SimOptions) -> RunResult {
    let mut engine = Engine::new(scenario, options);
    engine.run(options.progress);
    engine.finish()
}

impl Engine<'_> {
    /// Closes the books: sessions still open count their client time to the end of the run.
    fn finish(mut self) -> RunResult {
        let n = self.live.len();
        for u in 0..self.users.len() {
            let user = self.users[u];
            if user.state() == State::Connected {
                self.client_ms[user.pop as usize * n + user.assoc as usize] +=
                    self.sc.duration - user.since;
                self.started_connection_hours +=
                    session::started_hours(self.sc.duration - user.since);
                self.ends.open_at_end += 1;
            }
        }
        self.censor_episodes();
        let summary = self.summary();
        let client_ms = self
            .client_ms
            .chunks(n.max(1))
            .map(|c| c.to_vec())
            .take(self.pops.len())
            .collect();
        let stats = EngineStats {
            events: self.events,
            stale_events: self.stale,
            peak_queue_len: self.queue.peak_len(),
            state_bytes: self.state_bytes(),
        };
        let mut samplers = self.samplers.into_iter().collect::<Vec<_>>();
        let fine = samplers.pop().map(|s| s.rows).unwrap_or_default();
        let mut samplers = samplers.into_iter();
        let timeseries = samplers.next().map(|s| s.rows).unwrap_or_default();
        let metrics = samplers.next().map(|s| s.rows).unwrap_or_default();
        RunResult {
            summary,
            samples: timeseries,
            metric_period: self.sc.output.metrics_period,
            metric_samples: metrics,
            metrics_merged: metrics_merge(self.sc),
            event_samples: fine,
            digest: match self.series_digest {
                Some(source) => source(),
                None => self.digest,
            },
            connection_log: self.log.unwrap_or_default(),
            client_ms,
            marks: self.marks,
            stats,
            audit: self.audit.unwrap_or_default(),
        }
    }

    fn summary(&self) -> Summary {
        let sc = self.sc;
        let n = self.live.len();
        let c = &self.counts;
        let finished = c.successes + c.failed();
        let duration = sc.duration.max(1) as f64;
        let failure_rate = if finished == 0 {
            0.0
        } else {
            c.failed() as f64 / finished as f64
        };
        let associations = (0..n)
            .map(|a| {
                let subnet = sc.subnet_of(crate::model::AssocId(a as u32));
                let ms: Millis = (0..self.pops.len())
                    .map(|p| self.client_ms[p * n + a])
                    .sum();
                AssociationSummary {
                    subnet_id: subnet.id.clone(),
                    availability_zone: subnet.availability_zone.clone(),
                    peak_concurrency: self.peak_live[a],
                    connected_hours: ms as f64 / HOUR as f64,
                }
            })
            .collect();
        Summary {
            scenario: sc.name.clone(),
            seed: sc.seed,
            replica: self.replica,
            duration_ms: sc.duration,
            users: self.pops.iter().map(|p| p.users).sum(),
            attempts: c.attempts,
            successes: c.successes,
            failures: c.failed(),
            failures_by_reason: ByReason(c.failures),
            retries: c.retries,
            gave_up: c.gave_up,
            attempts_in_progress_at_end: c.attempts - finished,
            attempt_failure_rate: failure_rate,
            blocking_probability: self.is_erlang_loss().then_some(failure_rate),
            outcomes: self.episodes.summary(&sc.output.outcome_thresholds),
            recovery: self
                .recoveries
                .iter()
                .filter(|r| r.dropped > 0)
                .map(|r| r.summary())
                .collect(),
            peak_concurrency: self.peak_total.0,
            peak_concurrency_at_ms: self.peak_total.1,
            mean_concurrency: self.live_integral as f64 / duration,
            associations,
            addresses_usable: self.pool.usable(),
            addresses_peak: self.address_peak,
            time_to_address_exhaustion_ms: self.exhausted_at,
            below_floor_connection_minutes: self.below_integral as f64 / MINUTE as f64,
            below_floor_peak: self.below_peak,
            bandwidth: self.paths.summary(sc.limits.per_connection_mbps),
            sessions: self.ends.clone(),
            handler: sc
                .endpoint
                .client_connect_handler
                .as_ref()
                .map(|h| HandlerSummary {
                    function_name: h.function_name.clone(),
                    concurrency: h.concurrency,
                    invocations: self.invocations,
                    peak_in_flight: self.in_flight_peak,
                }),
            populations: (0..self.pops.len())
                .map(|p| self.population_summary(p))
                .collect(),
            usage: Usage {
                started_connection_hours: self.started_connection_hours,
                connection_hours: self.live_integral as f64 / HOUR as f64,
                handler_invocations: self.invocations,
                handler_ms: self.handler_ms,
                log_entries: self.log_entries,
            },
        }
    }

    fn population_summary(&self, p: usize) -> PopulationSummary {
        let n = self.live.len();
        let run = &self.pops[p];
        let mut at_end = UserStates {
            departed: run.departed,
            ..UserStates::default()
        };
        let free: std::collections::BTreeSet<u32> = self.free.iter().copied().collect();
        for (u, user) in self.users.iter().enumerate() {
            if user.pop as usize != p || free.contains(&(u as u32)) {
                continue;
            }
            *match user.state() {
                State::Idle => &mut at_end.idle,
                State::Waiting => &mut at_end.waiting_to_retry,
                State::InHandler => &mut at_end.in_handler,
                State::Connected => &mut at_end.connected,
            } += 1;
        }
        if matches!(self.sc.populations[p].arrivals, Arrivals::Poisson { .. }) {
            debug_assert_eq!(at_end.idle, 0, "open-population users leave when idle");
        }
        let ms: Millis = self.client_ms[p * n..(p + 1) * n].iter().sum();
        PopulationSummary {
            name: self.sc.populations[p].name.clone(),
            users: run.users,
            attempts: run.counts.attempts,
            successes: run.counts.successes,
            failures: run.counts.failed(),
            gave_up: run.counts.gave_up,
            connected_hours: ms as f64 / HOUR as f64,
            at_end,
            outcomes: run.episodes.summary(&self.sc.output.outcome_thresholds),
        }
    }

    /// The Erlang loss case: every population open, no retry after a failed attempt and nothing
    /// that drops live connections, so each arrival makes exactly one attempt and the attempt
    /// failure rate is the share of arrivals refused (the blocking probability).
    fn is_erlang_loss(&self) -> bool {
        self.sc.events.is_empty()
            && self.sc.populations.iter().all(|p| {
                matches!(p.arrivals, Arrivals::Poisson { .. }) && p.retry.give_up_after <= 1
            })
    }
}
