//! What the charts, the report and the findings need from the time series, computed as each row
//! closes, so the rows themselves can go to a file ([`crate::sim::SimOptions::sample_sink`])
//! and a run's memory does not grow with its simulated time.
//!
//! Every figure here is the one a reader would compute from the whole series: the chart
//! envelope (each of about [`STEPS`] steps the highest value of the rows it covers), the rows of
//! the busiest two hours, the first and the most refused interval, the interval with the least
//! connection headroom, the highest attempt rate and the longest-throttled stretch.

use std::collections::VecDeque;

use crate::model::{CapacityModel, Millis, Scenario, DAY, HOUR, SECOND};
use crate::sim::{FailureReason, Sample};

/// Steps of a whole-run chart: long runs are reduced to about this many, each the highest
/// value of the rows it covers, so a storm one row wide still shows on a long axis.
pub const STEPS: u64 = 600;

/// One value a chart draws from a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Live connections of association `a` at the row's end.
    Active(usize),
    /// Connection limit of association `a` at the row's end.
    Limit(usize),
    LimitTotal,
    ActiveTotal,
    AddressesUsed,
    AddressesUsable,
    HandlerPeakInFlight,
    BelowFloor,
    /// Failed attempts of a reason per minute of the row.
    FailuresPerMinute(FailureReason),
    RetriesPerMinute,
    GaveUpPerMinute,
}

impl Field {
    /// The field's value in one row.
    pub fn of(self, x: &Sample) -> f64 {
        let per_min = |n: u64| n as f64 * 60_000.0 / (x.end - x.start).max(1) as f64;
        match self {
            Field::Active(a) => x.active.get(a).copied().unwrap_or(0) as f64,
            Field::Limit(a) => x.limits.get(a).copied().unwrap_or(0) as f64,
            Field::LimitTotal => x.limit_total as f64,
            Field::ActiveTotal => x.active_total as f64,
            Field::AddressesUsed => x.addresses_used as f64,
            Field::AddressesUsable => x.addresses_usable as f64,
            Field::HandlerPeakInFlight => x.handler_peak_in_flight as f64,
            Field::BelowFloor => x.below_floor as f64,
            Field::FailuresPerMinute(r) => per_min(x.counts.failures_of(r)),
            Field::RetriesPerMinute => per_min(x.counts.retries),
            Field::GaveUpPerMinute => per_min(x.counts.gave_up),
        }
    }

    /// Position in an envelope step's values for `n` associations.
    fn slot(self, n: usize) -> usize {
        match self {
            Field::Active(a) => a,
            Field::Limit(a) => n + a,
            Field::LimitTotal => 2 * n,
            Field::ActiveTotal => 2 * n + 1,
            Field::AddressesUsed => 2 * n + 2,
            Field::AddressesUsable => 2 * n + 3,
            Field::HandlerPeakInFlight => 2 * n + 4,
            Field::BelowFloor => 2 * n + 5,
            Field::RetriesPerMinute => 2 * n + 6,
            Field::GaveUpPerMinute => 2 * n + 7,
            Field::FailuresPerMinute(r) => 2 * n + 8 + r.index(),
        }
    }

    fn all(n: usize) -> impl Iterator<Item = Field> {
        (0..n)
            .map(Field::Active)
            .chain((0..n).map(Field::Limit))
            .chain([
                Field::LimitTotal,
                Field::ActiveTotal,
                Field::AddressesUsed,
                Field::AddressesUsable,
                Field::HandlerPeakInFlight,
                Field::BelowFloor,
                Field::RetriesPerMinute,
                Field::GaveUpPerMinute,
            ])
            .chain(
                FailureReason::ALL
                    .iter()
                    .map(|&r| Field::FailuresPerMinute(r)),
            )
    }
}

/// The whole run's rows reduced to steps of `group` consecutive rows (the last one may be
/// shorter): each step holds every [`Field`]'s highest value over its rows.
///
/// The open step keeps each field's highest raw value (a gauge, or a count of the row) over
/// its rows of one length, and turns them into values only when the length changes or the step
/// closes: a count per minute of rows of one length is highest where the count is, so the
/// values are those of [`Field::of`] row by row, without a division per field and row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Envelope {
    associations: usize,
    /// Rows per step: `ceil(rows / STEPS)`.
    group: u64,
    /// Rows in the open (last) step.
    open: u64,
    /// (start of the step's first row, end of its last row).
    spans: Vec<(Millis, Millis)>,
    /// Values of each step, `fields` per step; the open step's lack its pending rows.
    values: Vec<f64>,
    fields: usize,
    /// Highest raw value of each field over the open step's pending rows, all `raw_len` long.
    raw: Vec<u64>,
    raw_len: Millis,
    /// Whether `raw` holds rows not yet in `values`.
    pending: bool,
}

impl Envelope {
    fn new(associations: usize, rows: u64) -> Envelope {
        let group = rows.div_ceil(STEPS).max(1);
        let fields = Field::all(associations).count();
        Envelope {
            associations,
            group,
            open: 0,
            spans: Vec::with_capacity(rows.div_ceil(group).min(STEPS + 1) as usize),
            values: Vec::new(),
            fields,
            raw: vec![0; fields],
            raw_len: 0,
            pending: false,
        }
    }

    fn push(&mut self, x: &Sample) {
        let len = x.end - x.start;
        if self.open == 0 || self.open == self.group {
            self.fold();
            self.spans.push((x.start, x.end));
            self.values
                .extend(std::iter::repeat_n(f64::NEG_INFINITY, self.fields));
            self.open = 0;
        } else if self.pending && len != self.raw_len {
            self.fold();
        }
        self.open += 1;
        if !self.pending {
            self.raw.fill(0);
            self.raw_len = len;
            self.pending = true;
        }
        let n = self.associations;
        let raw = &mut self.raw[..];
        // Each field's raw value as `Field::of` reads it (a test keeps the two equal).
        let mut max = |slot: usize, value: u64| raw[slot] = raw[slot].max(value);
        for a in 0..n {
            max(a, u64::from(x.active.get(a).copied().unwrap_or(0)));
            max(n + a, u64::from(x.limits.get(a).copied().unwrap_or(0)));
        }
        max(2 * n, u64::from(x.limit_total));
        max(2 * n + 1, u64::from(x.active_total));
        max(2 * n + 2, u64::from(x.addresses_used));
        max(2 * n + 3, u64::from(x.addresses_usable));
        max(2 * n + 4, u64::from(x.handler_peak_in_flight));
        max(2 * n + 5, u64::from(x.below_floor));
        max(2 * n + 6, x.counts.retries);
        max(2 * n + 7, x.counts.gave_up);
        for (r, &c) in x.counts.failures.iter().enumerate() {
            max(2 * n + 8 + r, c);
        }
        if let Some(span) = self.spans.last_mut() {
            span.1 = x.end;
        }
    }

    /// The value of `slot` from its highest raw value over rows `len` long.
    fn value(&self, slot: usize, raw: u64, len: Millis) -> f64 {
        if slot < 2 * self.associations + 6 {
            raw as f64
        } else {
            raw as f64 * 60_000.0 / len.max(1) as f64
        }
    }

    /// Takes the pending rows into the open step's values.
    fn fold(&mut self) {
        if !self.pending {
            return;
        }
        self.pending = false;
        let base = self.values.len() - self.fields;
        for slot in 0..self.fields {
            let v = self.value(slot, self.raw[slot], self.raw_len);
            self.values[base + slot] = self.values[base + slot].max(v);
        }
    }

    /// The value of `slot` in step `i`, pending rows included.
    fn at(&self, i: usize, slot: usize) -> f64 {
        let v = self.values[i * self.fields + slot];
        if self.pending && i + 1 == self.spans.len() {
            v.max(self.value(slot, self.raw[slot], self.raw_len))
        } else {
            v
        }
    }

    /// The step series of a field: each step's highest value held from its start to its end.
    pub fn steps(&self, f: Field) -> Vec<(Millis, f64)> {
        let slot = f.slot(self.associations);
        let mut pts = Vec::with_capacity(2 * self.spans.len());
        for (i, &(start, end)) in self.spans.iter().enumerate() {
            let v = self.at(i, slot);
            pts.push((start, v));
            pts.push((end, v));
        }
        pts
    }

    /// Whether any row had a value of `f` above zero.
    pub fn any(&self, f: Field) -> bool {
        let slot = f.slot(self.associations);
        (0..self.spans.len()).any(|i| self.at(i, slot) > 0.0)
    }
}

/// The step series of a field over a few rows (a zoomed window), the same reduction as
/// [`Envelope::steps`] over all of a run's rows.
pub fn steps(samples: &[Sample], f: Field) -> Vec<(Millis, f64)> {
    let group = (samples.len() as u64).div_ceil(STEPS).max(1) as usize;
    let mut pts = Vec::with_capacity(2 * samples.len() / group + 2);
    for chunk in samples.chunks(group) {
        let v = chunk
            .iter()
            .map(|x| f.of(x))
            .fold(f64::NEG_INFINITY, f64::max);
        pts.push((chunk[0].start, v));
        pts.push((chunk[chunk.len() - 1].end, v));
    }
    pts
}

/// The interval with the least connection headroom: each interval's peak against the limit in
/// force during it (the higher of the limits at its start and its end); with even-share limits,
/// also each association's live count against its own limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Headroom {
    /// `1 - peak / limit`.
    pub headroom: f64,
    pub peak: u32,
    pub limit: u32,
    /// Start of the interval.
    pub at: Millis,
}

/// The throttled stretch around the interval with the most throttled handler invocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Throttled {
    /// Start of the first and end of the last consecutive interval with throttling.
    pub from: Millis,
    pub to: Millis,
    /// Throttled invocations in the worst interval.
    pub worst: u64,
    /// First attempts (not retries) in the worst interval.
    pub first_attempts: u64,
    /// Whether the stretch is still growing.
    open: bool,
}

/// The time series' figures, fed one row at a time ([`SeriesDigest::observe`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesDigest {
    /// Rows seen.
    pub rows: u64,
    pub envelope: Envelope,
    /// Start of the first interval with a refused attempt.
    pub first_refusal: Option<Millis>,
    /// Start and refused attempts of the interval with the most (the earliest on ties).
    pub most_refused: Option<(Millis, u64)>,
    /// For runs longer than a day with refusals: the two hours around the most refused
    /// interval, and the rows that overlap them.
    pub busiest: Option<(Millis, Millis)>,
    pub busiest_rows: Vec<Sample>,
    pub headroom: Option<Headroom>,
    /// The highest attempt rate of an interval, per second, and the interval's start (the
    /// earliest on ties; `(0.0, 0)` without attempts).
    pub peak_attempt_rate: (f64, Millis),
    pub throttled: Option<Throttled>,
    /// Rows of the last two hours while the busiest window may still move (runs over a day).
    recent: VecDeque<Box<Sample>>,
    duration: Millis,
    /// Limit in force before the next row (for [`Headroom`]).
    prev_limit: u32,
    even_share: bool,
    /// Start of the current run of throttled intervals.
    throttled_from: Option<Millis>,
}

impl SeriesDigest {
    /// A digest for the time series of `sc` (one row per `sample_interval`).
    pub fn new(sc: &Scenario) -> SeriesDigest {
        let rows = sc.duration.div_ceil(sc.sample_interval.max(1));
        let at_start = sc.associated_at_start().iter().filter(|&&b| b).count();
        SeriesDigest {
            rows: 0,
            envelope: Envelope::new(sc.associations.len(), rows),
            first_refusal: None,
            most_refused: None,
            busiest: None,
            busiest_rows: Vec::new(),
            headroom: None,
            peak_attempt_rate: (0.0, 0),
            throttled: None,
            recent: VecDeque::new(),
            duration: sc.duration,
            prev_limit: sc.connection_limit(at_start),
            even_share: sc.endpoint.capacity_model == CapacityModel::EvenShare,
            throttled_from: None,
        }
    }

    /// Takes the next row of the time series (rows come in time order); the caller then hands
    /// it to [`Self::keep`].
    pub fn observe(&mut self, x: &Sample) {
        self.rows += 1;
        self.envelope.push(x);
        self.refusals(x);
        self.headroom(x);
        if x.end > x.start {
            let rate = x.counts.attempts as f64 / ((x.end - x.start) as f64 / SECOND as f64);
            if rate > self.peak_attempt_rate.0 {
                self.peak_attempt_rate = (rate, x.start);
            }
        }
        self.throttling(x);
    }

    /// The refusal figures; for runs over a day, the busiest window from the rows
    /// [`Self::keep`] kept and this one.
    fn refusals(&mut self, x: &Sample) {
        let failed = x.counts.failed();
        let long = self.duration > DAY;
        if failed > 0 {
            self.first_refusal.get_or_insert(x.start);
            if self.most_refused.is_none_or(|(_, n)| failed > n) {
                self.most_refused = Some((x.start, failed));
                if long {
                    let from = x.start.saturating_sub(HOUR);
                    let to = (from + 2 * HOUR).min(self.duration);
                    let from = to.saturating_sub(2 * HOUR);
                    self.busiest = Some((from, to));
                    self.busiest_rows = self
                        .recent
                        .iter()
                        .filter(|r| r.end > from && r.start < to)
                        .map(|r| Sample::clone(r))
                        .collect();
                    self.busiest_rows.push(x.clone());
                    return;
                }
            }
        }
        if let Some((from, to)) = self.busiest {
            if x.end > from && x.start < to {
                self.busiest_rows.push(x.clone());
            }
        }
    }

    /// Takes the row just observed, to keep it while a busiest window found later could reach
    /// back to it (two hours; runs over a day only). Rows it no longer needs go to `spare`.
    #[allow(clippy::vec_box)]
    pub fn keep(&mut self, x: Box<Sample>, spare: &mut Vec<Box<Sample>>) {
        if self.duration <= DAY {
            spare.push(x);
            return;
        }
        while self
            .recent
            .front()
            .is_some_and(|r| r.end + 2 * HOUR <= x.start)
        {
            spare.extend(self.recent.pop_front());
        }
        self.recent.push_back(x);
    }

    fn headroom(&mut self, x: &Sample) {
        let in_force = self.prev_limit.max(x.limit_total);
        self.prev_limit = x.limit_total;
        if in_force == 0 {
            return;
        }
        let mut h = Headroom {
            headroom: 1.0 - x.peak_active_total as f64 / in_force as f64,
            peak: x.peak_active_total,
            limit: in_force,
            at: x.start,
        };
        if self.even_share {
            for (a, &l) in x.limits.iter().enumerate() {
                if l > 0 {
                    let head = 1.0 - x.active[a] as f64 / l as f64;
                    if head < h.headroom {
                        h.headroom = head;
                        h.peak = x.active[a];
                        h.limit = l;
                    }
                }
            }
        }
        if self.headroom.is_none_or(|w| h.headroom < w.headroom) {
            self.headroom = Some(h);
        }
    }

    fn throttling(&mut self, x: &Sample) {
        let n = x.counts.failures_of(FailureReason::HandlerThrottled);
        if n == 0 {
            self.throttled_from = None;
            if let Some(t) = &mut self.throttled {
                t.open = false;
            }
            return;
        }
        let from = *self.throttled_from.get_or_insert(x.start);
        match &mut self.throttled {
            Some(t) if n <= t.worst => {
                if t.open {
                    t.to = x.end;
                }
            }
            _ => {
                self.throttled = Some(Throttled {
                    from,
                    to: x.end,
                    worst: n,
                    first_attempts: x.counts.attempts.saturating_sub(x.counts.retries),
                    open: true,
                })
            }
        }
    }

    /// Ends the series: the rows kept for a window that can no longer move are dropped.
    pub(crate) fn finish(&mut self) {
        self.recent = VecDeque::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Counters;

    fn row(start: Millis, end: Millis, k: u32) -> Sample {
        let mut counts = Counters {
            attempts: 40 + u64::from(k),
            successes: 30,
            retries: 7 * u64::from(k),
            gave_up: u64::from(k % 2),
            ..Counters::default()
        };
        for (i, f) in counts.failures.iter_mut().enumerate() {
            *f = (i as u64 * 3 + u64::from(k)) % 5;
        }
        Sample {
            start,
            end,
            active: vec![3 + k, 9 - k],
            limits: vec![10, 12 + k],
            active_total: 12,
            limit_total: 22 + k,
            peak_active_total: 14,
            addresses_used: 12 + k,
            addresses_usable: 100,
            handler_in_flight: 1,
            handler_peak_in_flight: 2 + k,
            below_floor: k,
            below_by_link: Vec::new(),
            counts,
        }
    }

    /// The envelope reads every field as `Field::of` does: one step of two rows (the second
    /// cut short, as the run's last row is) holds each field's higher value.
    #[test]
    fn every_field_of_a_step_is_the_highest_of_its_rows() {
        let rows = [row(0, 300_000, 1), row(300_000, 420_000, 4)];
        let mut e = Envelope::new(2, 1_200);
        assert_eq!(e.group, 2);
        for x in &rows {
            e.push(x);
        }
        for f in Field::all(2) {
            let want = rows
                .iter()
                .map(|x| f.of(x))
                .fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(e.steps(f), vec![(0, want), (420_000, want)], "{f:?}");
        }
        // The second row's 2-minute span makes its rates per minute higher than its counts say.
        assert_eq!(
            Field::RetriesPerMinute.of(&rows[1]),
            28.0 * 60_000.0 / 120_000.0
        );
    }
}
