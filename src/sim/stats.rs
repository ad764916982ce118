//! What a run measures: cumulative counters, per-interval samples (the time series and the
//! CloudWatch periods), the end-of-run summary and the event marks drawn on charts.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::model::Millis;
use crate::sim::outcomes::{OutcomeSummary, RecoverySummary};
use crate::sim::reason::FailureReason;

/// Cumulative counts. A sample's counts are the difference of two snapshots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Connection attempts started.
    pub attempts: u64,
    /// Attempts that ended connected.
    pub successes: u64,
    /// Attempts that ended failed, by reason.
    pub failures: [u64; FailureReason::COUNT],
    /// Attempts that were a retry after a failure in the same connection cycle.
    pub retries: u64,
    /// Users who stopped trying after `give_up_after` failed attempts.
    pub gave_up: u64,
    /// Live connections ended by the endpoint (reset, outage, disassociation, shorter timeout).
    pub dropped: u64,
}

impl Counters {
    pub fn failed(&self) -> u64 {
        self.failures.iter().sum()
    }

    /// Adds the counts of another interval.
    pub fn add(&mut self, o: &Counters) {
        self.attempts += o.attempts;
        self.successes += o.successes;
        for (a, b) in self.failures.iter_mut().zip(&o.failures) {
            *a += b;
        }
        self.retries += o.retries;
        self.gave_up += o.gave_up;
        self.dropped += o.dropped;
    }

    pub fn failures_of(&self, r: FailureReason) -> u64 {
        self.failures[r.index()]
    }

    /// Authentication failures as CloudWatch counts them (credentials and revoked certificates).
    pub fn authentication_failures(&self) -> u64 {
        FailureReason::ALL
            .iter()
            .filter(|r| r.is_authentication_failure())
            .map(|&r| self.failures_of(r))
            .sum()
    }

    /// Sets these counts to `now` minus `earlier`, in place.
    pub fn set_since(&mut self, now: &Counters, earlier: &Counters) {
        self.attempts = now.attempts - earlier.attempts;
        self.successes = now.successes - earlier.successes;
        for ((d, n), e) in self
            .failures
            .iter_mut()
            .zip(&now.failures)
            .zip(&earlier.failures)
        {
            *d = n - e;
        }
        self.retries = now.retries - earlier.retries;
        self.gave_up = now.gave_up - earlier.gave_up;
        self.dropped = now.dropped - earlier.dropped;
    }
}

/// Counts serialised as a map from the reason's exact name, in the enum's order (guide reasons
/// first), every reason present.
#[derive(Debug, Clone, PartialEq)]
pub struct ByReason(pub [u64; FailureReason::COUNT]);

impl Serialize for ByReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(FailureReason::COUNT))?;
        for r in FailureReason::ALL {
            m.serialize_entry(r.name(), &self.0[r.index()])?;
        }
        m.end()
    }
}

/// The state of the endpoint over one sample interval `[start, end)`: gauges as they stood at
/// `end`, peaks within the interval, and counts of what happened in it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sample {
    pub start: Millis,
    pub end: Millis,
    /// Live connections per association (scenario order) at `end`.
    pub active: Vec<u32>,
    /// Connection limit per association at `end` (0 while unhealthy).
    pub limits: Vec<u32>,
    pub active_total: u32,
    pub limit_total: u32,
    /// Highest total live connections at any instant in the interval.
    pub peak_active_total: u32,
    pub addresses_used: u32,
    pub addresses_usable: u32,
    pub handler_in_flight: u32,
    pub handler_peak_in_flight: u32,
    /// Connections below their bandwidth floor at `end`.
    pub below_floor: u32,
    /// Of those, per capacitated link (`BandwidthSummary::links` order): the connections whose
    /// bottleneck it is. Empty when bandwidth on the path is not modelled.
    pub below_by_link: Vec<u32>,
    pub counts: Counters,
}

/// One CloudWatch period of `metrics.csv`: the live connections at its end and the counts of
/// what happened during it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricRow {
    pub start: Millis,
    pub end: Millis,
    pub active_total: u32,
    pub counts: Counters,
}

impl Sample {
    /// Makes this row equal to `o`, reusing its buffers (every field is named, so a new one
    /// cannot be forgotten).
    pub fn set_from(&mut self, o: &Sample) {
        let Sample {
            start,
            end,
            active,
            limits,
            active_total,
            limit_total,
            peak_active_total,
            addresses_used,
            addresses_usable,
            handler_in_flight,
            handler_peak_in_flight,
            below_floor,
            below_by_link,
            counts,
        } = o;
        set_slice(&mut self.active, active);
        set_slice(&mut self.limits, limits);
        set_slice(&mut self.below_by_link, below_by_link);
        (self.start, self.end) = (*start, *end);
        (self.active_total, self.limit_total) = (*active_total, *limit_total);
        self.peak_active_total = *peak_active_total;
        (self.addresses_used, self.addresses_usable) = (*addresses_used, *addresses_usable);
        self.handler_in_flight = *handler_in_flight;
        self.handler_peak_in_flight = *handler_peak_in_flight;
        self.below_floor = *below_floor;
        self.counts = *counts;
    }
}

impl MetricRow {
    pub fn of(s: &Sample) -> MetricRow {
        MetricRow {
            start: s.start,
            end: s.end,
            active_total: s.active_total,
            counts: s.counts,
        }
    }
}

/// The metric rows of a run: samples of a period that is a multiple of the sample interval are
/// merged (the gauge at the end of the period, the counts summed); otherwise they come from the
/// run's own metrics sampler.
pub struct MetricRows<'a> {
    samples: std::slice::Iter<'a, Sample>,
    /// Samples per period when merging; 1 when the rows are a sampler's own.
    per_period: Millis,
    period: Millis,
}

impl<'a> MetricRows<'a> {
    pub(crate) fn new(samples: &'a [Sample], period: Millis, merged: bool) -> MetricRows<'a> {
        MetricRows {
            samples: samples.iter(),
            per_period: if merged { 0 } else { 1 },
            period: period.max(1),
        }
    }
}

impl Iterator for MetricRows<'_> {
    type Item = MetricRow;

    fn next(&mut self) -> Option<MetricRow> {
        let first = self.samples.next()?;
        let mut row = MetricRow::of(first);
        if self.per_period == 1 {
            return Some(row);
        }
        let period_end = (first.start / self.period + 1) * self.period;
        while row.end < period_end {
            let rest = self.samples.as_slice();
            match rest.first() {
                Some(s) if s.start < period_end => {
                    row.end = s.end;
                    row.active_total = s.active_total;
                    row.counts.add(&s.counts);
                    self.samples.next();
                }
                _ => break,
            }
        }
        Some(row)
    }
}

/// The metric rows of a stream of time-series rows, merged into CloudWatch periods as they
/// come (the same rows as [`MetricRows`] over all of them).
#[derive(Debug, Clone)]
pub struct MetricMerge {
    period: Millis,
    /// The row being merged and the end of its period.
    open: Option<(MetricRow, Millis)>,
}

impl MetricMerge {
    pub fn new(period: Millis) -> MetricMerge {
        MetricMerge {
            period: period.max(1),
            open: None,
        }
    }

    /// Takes the next time-series row; `emit` receives each period that it completes.
    pub fn push(&mut self, s: &Sample, mut emit: impl FnMut(&MetricRow)) {
        if let Some((row, period_end)) = &mut self.open {
            if row.end < *period_end && s.start < *period_end {
                row.end = s.end;
                row.active_total = s.active_total;
                row.counts.add(&s.counts);
                if row.end >= *period_end {
                    emit(row);
                    self.open = None;
                }
                return;
            }
            emit(row);
        }
        let row = MetricRow::of(s);
        let period_end = (s.start / self.period + 1) * self.period;
        if row.end >= period_end {
            emit(&row);
            self.open = None;
        } else {
            self.open = Some((row, period_end));
        }
    }

    /// Ends the stream: the last period, if still open.
    pub fn finish(&mut self, mut emit: impl FnMut(&MetricRow)) {
        if let Some((row, _)) = self.open.take() {
            emit(&row);
        }
    }
}

/// Cuts time into intervals of a fixed length and records one [`Sample`] per interval.
#[derive(Debug, Clone)]
pub(crate) struct Sampler {
    interval: Millis,
    /// End of the open interval.
    pub next: Millis,
    prev: Counters,
    peak_total: u32,
    peak_in_flight: u32,
    /// Between [`Self::skip_to`] and [`Self::resume`]: `next` is the end of a skipped span.
    pub skipping: bool,
    pub rows: Vec<Sample>,
}

impl Sampler {
    /// A sampler of `interval` over a run of `duration`: its rows are reserved at once (one per
    /// interval, the last one cut by the run's end), so they are never copied as they grow.
    pub fn new(interval: Millis, duration: Millis) -> Sampler {
        let interval = interval.max(1);
        Sampler {
            interval,
            next: interval,
            prev: Counters::default(),
            peak_total: 0,
            peak_in_flight: 0,
            skipping: false,
            rows: Vec::with_capacity(duration.div_ceil(interval).min(1 << 24) as usize),
        }
    }

    pub fn observe(&mut self, live_total: u32, in_flight: u32) {
        self.peak_total = self.peak_total.max(live_total);
        self.peak_in_flight = self.peak_in_flight.max(in_flight);
    }

    /// Drops the open interval and skips to `start` (on the grid): nothing is recorded until
    /// then. The skipped span ends like an interval, at `start`, so that [`Self::resume`] sees
    /// the counts as they stand at `start`.
    pub fn skip_to(&mut self, start: Millis) {
        self.next = start;
        self.skipping = true;
    }

    /// Ends a skipped span at `next`: the interval `[next, next + interval)` opens.
    pub fn resume(&mut self, counts: &Counters, live: u32, in_flight: u32) {
        self.prev = *counts;
        self.peak_total = live;
        self.peak_in_flight = in_flight;
        self.next += self.interval;
        self.skipping = false;
    }

    /// Start of the interval not yet closed.
    pub fn open_start(&self) -> Millis {
        self.next - self.interval
    }

    /// Closes the open interval at `end` (its nominal end, or the run's end if earlier) into
    /// `row`, the live connections and handler invocations standing at `active_total` and
    /// `in_flight`: the interval's span, peaks and counts, for a row whose gauges the caller
    /// sets.
    pub fn close_into(
        &mut self,
        end: Millis,
        counts: &Counters,
        active_total: u32,
        in_flight: u32,
        row: &mut Sample,
    ) {
        row.start = self.open_start();
        row.end = end;
        row.peak_active_total = self.peak_total.max(active_total);
        row.handler_peak_in_flight = self.peak_in_flight.max(in_flight);
        row.counts.set_since(counts, &self.prev);
        self.prev = *counts;
        self.peak_total = active_total;
        self.peak_in_flight = in_flight;
        self.next += self.interval;
    }
}

/// Makes `v` equal to `src`, reusing its buffer (a row's per-association gauges): element by
/// element when the lengths agree, as they do from the second row on, which for a few
/// associations costs less than `Vec::clone_from`'s call to copy memory.
#[inline(always)]
pub(crate) fn set_slice(v: &mut Vec<u32>, src: &[u32]) {
    if v.len() == src.len() {
        for (d, s) in v.iter_mut().zip(src) {
            *d = *s;
        }
    } else {
        v.clear();
        v.extend_from_slice(src);
    }
}

/// Something that happened to the endpoint, for charts and the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarkKind {
    AzOutageStart,
    AzOutageEnd,
    Disassociation,
    /// A subnet associated mid-run.
    Association,
    ModificationAccepted,
    ModificationEffective,
    SessionTimeoutAccepted,
    SessionTimeoutEffective,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mark {
    pub at_ms: Millis,
    pub kind: MarkKind,
    pub label: String,
}

/// How live connections ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SessionEnds {
    /// The user's work (wanted VPN time) was over.
    pub completed: u64,
    /// The maximum VPN session duration was reached.
    pub timed_out: u64,
    /// A lowered maximum session duration cut a session already older than it.
    pub cut_by_timeout_change: u64,
    /// An endpoint modification reset the connection.
    pub reset_by_modification: u64,
    /// The association failed (AZ outage) or was disassociated.
    pub dropped_by_association_failure: u64,
    /// Still connected when the run ended.
    pub open_at_end: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssociationSummary {
    pub subnet_id: String,
    pub availability_zone: String,
    pub peak_concurrency: u32,
    pub connected_hours: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopulationSummary {
    pub name: String,
    /// Closed populations: the configured users; open ones: the arrivals.
    pub users: u64,
    pub attempts: u64,
    pub successes: u64,
    pub failures: u64,
    pub gave_up: u64,
    pub connected_hours: f64,
    /// Where the users were at the end of the run.
    pub at_end: UserStates,
    pub outcomes: OutcomeSummary,
}

/// Users by state. Closed: the sum is the configured users; open: arrivals minus departures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserStates {
    pub idle: u64,
    pub waiting_to_retry: u64,
    pub in_handler: u64,
    pub connected: u64,
    /// Open populations: users who have left for good.
    pub departed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandlerSummary {
    pub function_name: String,
    pub concurrency: u32,
    pub invocations: u64,
    pub peak_in_flight: u32,
}

/// The end-of-run summary (the engine's part of `summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub replica: u32,
    pub duration_ms: Millis,
    pub users: u64,
    pub attempts: u64,
    pub successes: u64,
    pub failures: u64,
    pub failures_by_reason: ByReason,
    pub retries: u64,
    pub gave_up: u64,
    /// Attempts still waiting for the client connect handler when the run ended.
    pub attempts_in_progress_at_end: u64,
    /// Failed attempts / finished attempts, retries included: an attempt-level figure, not the
    /// share of users refused (see `outcomes` for that).
    pub attempt_failure_rate: f64,
    /// Only in the Erlang loss case (open populations, no retries, no events), where it equals
    /// `attempt_failure_rate` and is the share of arrivals refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocking_probability: Option<f64>,
    /// User-level outcomes per connection episode.
    pub outcomes: OutcomeSummary,
    /// Per scenario event that dropped connections: how the dropped users came back.
    pub recovery: Vec<RecoverySummary>,
    pub peak_concurrency: u32,
    pub peak_concurrency_at_ms: Millis,
    /// Time-weighted mean of live connections over the run.
    pub mean_concurrency: f64,
    pub associations: Vec<AssociationSummary>,
    pub addresses_usable: u32,
    pub addresses_peak: u32,
    /// First time every usable client address was held, if ever.
    pub time_to_address_exhaustion_ms: Option<Millis>,
    pub below_floor_connection_minutes: f64,
    pub below_floor_peak: u32,
    /// Bandwidth on the path: each capacitated link and what it held below the floor.
    pub bandwidth: BandwidthSummary,
    pub sessions: SessionEnds,
    pub handler: Option<HandlerSummary>,
    pub populations: Vec<PopulationSummary>,
    /// What the run would be billed for (priced by `crate::cost`; reported there).
    #[serde(skip)]
    pub usage: Usage,
}

/// Billable quantities a run measures (guide: "Pricing for Client VPN").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// Sum over connections of their started hours.
    pub started_connection_hours: u64,
    /// Connection-hours exactly (∫ live connections dt).
    pub connection_hours: f64,
    pub handler_invocations: u64,
    /// Sum of the handler's run time over invocations, milliseconds.
    pub handler_ms: u64,
    /// Entries written to the endpoint's connection log (guide: "Connection logging").
    pub log_entries: u64,
}

/// Facts about the run itself (not results): for benchmarks and progress.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Events handled (cancelled timers excluded).
    pub events: u64,
    /// Cancelled timers skipped on pop.
    pub stale_events: u64,
    pub peak_queue_len: usize,
    /// Bytes reserved by the engine's state at the end (users, queue, pool, trees, samples).
    pub state_bytes: usize,
}

/// Bandwidth on the path (docs/model.md §13): the capacitated links of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandwidthSummary {
    /// Whether any link is capacitated; `false`: not modelled, nobody can be below the floor.
    pub modelled: bool,
    /// The per-connection figure a connection is entitled to (min with its demand).
    pub floor_mbps: f64,
    pub links: Vec<LinkSummary>,
}

/// One capacitated link over the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkSummary {
    pub link: String,
    pub kind: &'static str,
    pub capacity_mbps: f64,
    pub capacity_source: &'static str,
    /// Most live connections crossing it at once.
    pub peak_connections: u32,
    /// How many connections it carries at the floor.
    pub fit_at_floor: u64,
    /// Most connections below the floor with this link as their bottleneck at once.
    pub below_floor_peak: u32,
    pub below_floor_peak_at_ms: Option<Millis>,
    pub first_below_floor_at_ms: Option<Millis>,
    /// How long it held at least one connection below the floor.
    pub below_floor_ms: Millis,
    pub below_floor_connection_minutes: f64,
    /// The capacity that would have given every connection crossing it min(demand, floor) at
    /// its worst moment; `None` when it never held anyone below the floor.
    pub clearing_capacity_mbps: Option<f64>,
    /// The lowest rate it left a connection below the floor with (max-min fair share).
    pub lowest_rate_mbps: Option<f64>,
}
