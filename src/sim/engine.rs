//! The engine's state and main loop: the clock, the future event list, per-user state in one flat
//! vector, and the bookkeeping every handler shares (live counts, pool, bandwidth, samples).
//!
//! Handlers live beside this file: `attempt.rs` (the attempt pipeline, §6), `session.rs`
//! (sessions, timeouts, resets and faults, §7) and `audit.rs` (invariant checks for tests).

use crate::model::{Arrivals, AssocId, Millis, PopId, Scenario};
use crate::sim::arrivals::{next_working_day, PoissonProfile};
use crate::sim::capacity::Capacity;
use crate::sim::digest::SeriesDigest;
use crate::sim::log::LogEntry;
use crate::sim::outcomes::{Episodes, Recovery};
use crate::sim::paths::PathShare;
use crate::sim::pool::{AddressPool, Slot};
use crate::sim::rng::{self, Ahead, Stream};
use crate::sim::stats::{set_slice, Counters, Mark, Sampler, SessionEnds};
use crate::sim::{Progress, SimOptions};
use crate::sim::{Sample, SampleSeries, SampleSink};

/// Interval of the fine samples kept around events, so that a reconnect storm a few minutes
/// wide is visible (five-minute samples average it away).
pub const EVENT_SAMPLE_INTERVAL: Millis = 10 * crate::model::SECOND;

/// How long after each event (and after its second phase) fine samples are kept.
pub const EVENT_SAMPLE_WINDOW: Millis = 30 * crate::model::MINUTE;

/// "No association" / "no address" markers in the compact user record.
pub(crate) const NO_ASSOC: u8 = u8::MAX;
pub(crate) const NO_SLOT: Slot = Slot::MAX;

/// How often (in handled events) the progress callback is called.
const PROGRESS_EVERY: u64 = 1 << 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum State {
    /// Does not want the VPN now (before or after work, gave up, chose not to reconnect).
    Idle = 0,
    /// An attempt is scheduled (retry back-off, manual reconnect delay, reconnect after a drop).
    Waiting = 1,
    /// Authenticated, waiting for the client connect handler.
    InHandler = 2,
    Connected = 3,
}

/// One user (docs/model.md §2: flat per-user state indexed by user slot). 64 bytes of fields aligned to
/// a 64-byte cache line, so that handling an event costs at most one cache miss on its user.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
pub(crate) struct User {
    /// When the user stops wanting the VPN.
    pub work_end: Millis,
    /// Start of the live session, or of the attempt in progress.
    pub since: Millis,
    /// Time of the newest session-end timer in the queue ([`NO_TIMER`] if none): a session whose
    /// end falls at that time reuses it instead of pushing another.
    pub pending_end: Millis,
    /// Serial number of the user within the run (stable across slot reuse).
    pub serial: u32,
    pub pop: u32,
    /// Generation: attempt and handler timers carry it; a mismatch means cancelled.
    pub gen: u32,
    /// Attempts made in the current connection cycle (reset on success and after a drop).
    pub attempt: u32,
    pub slot: Slot,
    /// Bandwidth demand of the live connection, in `FairShare` units (0 without an aggregate).
    pub demand: u32,
    /// Closed populations: the day index of the current or last working day.
    pub day: u32,
    /// Landing association of the live session or attempt; kept afterwards for DNS caching.
    pub assoc: u8,
    /// The [`State`] (bits 0–1), the verdict of the handler invocation in flight (bits 2–6:
    /// 0 allow, r + 1 failure reason index r) and whether the certificate is revoked (bit 7).
    flags: u8,
    /// The scenario event whose drop this user is still coming back from ([`NO_EVENT`] if none).
    pub drop_event: u16,
    /// Start of the current connection episode (the first attempt of a user wanting the VPN),
    /// [`NO_TIMER`] when the user is connected or does not want the VPN.
    pub want_since: Millis,
}

pub(crate) const NO_TIMER: Millis = Millis::MAX;

/// The parts of [`User`]'s `flags`.
const STATE_BITS: u8 = 0b11;
const VERDICT_BITS: u8 = 0b1_1111 << 2;
const REVOKED: u8 = 1 << 7;
const _: () = assert!(crate::sim::reason::FailureReason::COUNT < 0b1_1111);
const _: () = assert!(std::mem::size_of::<User>() == 64);

/// "No scenario event" marker for drop attribution.
pub(crate) const NO_EVENT: u16 = u16::MAX;

impl User {
    pub fn new(pop: u32, serial: u32, gen: u32) -> User {
        User {
            work_end: 0,
            since: 0,
            pending_end: NO_TIMER,
            serial,
            pop,
            gen,
            attempt: 0,
            slot: NO_SLOT,
            demand: 0,
            day: 0,
            assoc: NO_ASSOC,
            flags: State::Idle as u8,
            drop_event: NO_EVENT,
            want_since: NO_TIMER,
        }
    }

    pub fn state(&self) -> State {
        match self.flags & STATE_BITS {
            0 => State::Idle,
            1 => State::Waiting,
            2 => State::InHandler,
            _ => State::Connected,
        }
    }

    pub fn set_state(&mut self, state: State) {
        self.flags = (self.flags & !STATE_BITS) | state as u8;
    }

    /// The verdict of the handler invocation in flight: 0 allow, r + 1 failure reason index r.
    pub fn verdict(&self) -> u8 {
        (self.flags & VERDICT_BITS) >> 2
    }

    pub fn set_verdict(&mut self, verdict: u8) {
        debug_assert!(verdict <= VERDICT_BITS >> 2);
        self.flags = (self.flags & !VERDICT_BITS) | ((verdict << 2) & VERDICT_BITS);
    }

    pub fn revoked(&self) -> bool {
        self.flags & REVOKED != 0
    }

    pub fn set_revoked(&mut self, revoked: bool) {
        self.flags = (self.flags & !REVOKED) | if revoked { REVOKED } else { 0 };
    }

    /// When the live session ends: at the end of work or at the maximum duration.
    pub fn session_end(&self, timeout: Millis) -> Millis {
        self.work_end.min(self.since.saturating_add(timeout))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EvKind {
    /// A closed population's user starts a working day (`tag` = day index).
    WorkStart,
    /// The next arrival of open population `id`.
    Arrival,
    Attempt,
    HandlerDone,
    SessionEnd,
    /// Scenario event `id` happens (`tag` 0) or takes effect / ends (`tag` 1).
    Scenario,
    /// A reset spread over a window reaches user `id`'s connection (cancelled by generation).
    Reset,
}

impl EvKind {
    #[cfg(test)]
    const ALL: [EvKind; 7] = [
        EvKind::WorkStart,
        EvKind::Arrival,
        EvKind::Attempt,
        EvKind::HandlerDone,
        EvKind::SessionEnd,
        EvKind::Scenario,
        EvKind::Reset,
    ];
}

/// A queue entry's payload packed in 8 bytes: kind (3 bits), tag (29 bits), id (32 bits).
/// `id` is a user slot, population index or scenario event index; `tag` a generation (for
/// attempt and handler timers, compared modulo 2²⁹), a day index or a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ev(u64);

pub(crate) const TAG_MASK: u32 = (1 << 29) - 1;

impl Ev {
    pub fn new(kind: EvKind, id: u32, tag: u32) -> Ev {
        Ev(((kind as u64) << 61) | (u64::from(tag & TAG_MASK) << 32) | u64::from(id))
    }

    #[inline(always)]
    pub fn kind(self) -> EvKind {
        // A match rather than an index into a table: no bounds check (the top three bits are
        // one of the discriminants, as `new` set them).
        match self.0 >> 61 {
            0 => EvKind::WorkStart,
            1 => EvKind::Arrival,
            2 => EvKind::Attempt,
            3 => EvKind::HandlerDone,
            4 => EvKind::SessionEnd,
            5 => EvKind::Scenario,
            _ => EvKind::Reset,
        }
    }

    pub fn tag(self) -> u32 {
        (self.0 >> 32) as u32 & TAG_MASK
    }

    pub fn id(self) -> u32 {
        self.0 as u32
    }
}

/// The engine's random streams, each drawn ahead ([`Ahead`]).
pub(crate) struct Rngs {
    pub arrivals: Ahead,
    pub landing: Ahead,
    pub sessions: Ahead,
    pub auth: Ahead,
    pub handler: Ahead,
    pub bandwidth: Ahead,
    pub retry: Ahead,
    pub reconnect: Ahead,
    pub drops: Ahead,
}

impl Rngs {
    fn new(seed: u64, replica: u32) -> Rngs {
        let s = |st| Ahead::new(rng::stream(seed, replica, st));
        Rngs {
            arrivals: s(Stream::Arrivals),
            landing: s(Stream::Landing),
            sessions: s(Stream::Sessions),
            auth: s(Stream::Authentication),
            handler: s(Stream::Handler),
            bandwidth: s(Stream::Bandwidth),
            retry: s(Stream::Retry),
            reconnect: s(Stream::Reconnect),
            drops: s(Stream::Drops),
        }
    }
}

/// Per-population run state and counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct PopRun {
    /// Open populations: exact (fractional-millisecond) time of the pending arrival.
    pub next_arrival: f64,
    /// Closed: configured users; open: arrivals so far.
    pub users: u64,
    pub departed: u64,
    pub counts: Counters,
    pub episodes: Episodes,
}

pub(crate) struct Engine<'s> {
    pub sc: &'s Scenario,
    pub replica: u32,
    pub now: Millis,
    pub queue: crate::sim::queue::EventQueue<Ev>,
    pub users: Vec<User>,
    /// Slots of departed open-population users, reused by later arrivals.
    pub free: Vec<u32>,
    pub pops: Vec<PopRun>,
    /// Each open population's arrival process (`None` for a closed population).
    arrival_processes: Vec<Option<PoissonProfile>>,
    pub cap: Capacity,
    pub live: Vec<u32>,
    pub live_total: u32,
    pub peak_live: Vec<u32>,
    pub peak_total: (u32, Millis),
    pub pool: AddressPool,
    pub address_peak: u32,
    pub exhausted_at: Option<Millis>,
    /// Bandwidth on the path: connections' demands over the capacitated links (`paths.rs`).
    pub paths: PathShare,
    pub below_total: u32,
    pub below_peak: u32,
    pub in_flight: u32,
    pub in_flight_peak: u32,
    pub invocations: u64,
    /// Billed handler time: each invocation's run time (to its verdict or the timeout).
    pub handler_ms: u64,
    /// Connection-hours counted per started hour of each connection.
    pub started_connection_hours: u64,
    /// Entries the endpoint's connection log receives (whether or not the run keeps them).
    pub log_entries: u64,
    /// Current maximum VPN session duration.
    pub timeout: Millis,
    /// Current disconnect-on-session-timeout setting (a modification can change it mid-run).
    pub disconnect_on_timeout: bool,
    pub outage_depth: Vec<u32>,
    pub disassociated: Vec<bool>,
    /// Healthy associations in scenario order: what DNS returns.
    pub healthy: Vec<u8>,
    pub rng: Rngs,
    pub counts: Counters,
    pub episodes: Episodes,
    /// Per scenario event (scenario order): how the users it dropped came back.
    pub recoveries: Vec<Recovery>,
    /// Scenario events whose dropped users are not all back or lost yet.
    pub recovering: Vec<u16>,
    /// The scenario event being handled, to which drops are attributed ([`NO_EVENT`]: none).
    pub cause_event: u16,
    /// The last event whose reset is spread over a window (drops by `EvKind::Reset` are its).
    pub reset_event: u16,
    /// The current whole second and the attempts started in it.
    pub attempt_second: (Millis, u64),
    pub ends: SessionEnds,
    /// The time series' sampler, then the metrics' own sampler when the CloudWatch period is not
    /// a multiple of the sample interval (otherwise the metrics merge the time series' rows),
    /// and last the fine samples around events (kept only within `event_windows`).
    pub samplers: Vec<Sampler>,
    /// The earliest end of a sampler's open interval within the run: events before it close
    /// no row.
    pub sample_due: Millis,
    /// Streamed rows back from the sink and the digest, reused for the next rows. Boxed: a row
    /// moves between the samplers, the digest's recent rows and here as a pointer, not as the
    /// few hundred bytes it is.
    #[allow(clippy::vec_box)]
    pub spare_rows: Vec<Box<Sample>>,
    /// Sorted, disjoint `[start, end)` windows after events, on the fine sampler's grid.
    pub event_windows: Vec<(Millis, Millis)>,
    /// ∫ live connections dt and ∫ below-floor connections dt, connection-milliseconds.
    pub live_integral: u128,
    pub below_integral: u128,
    pub integrated_to: Millis,
    /// Client time per (population, association), flattened population-major.
    pub client_ms: Vec<Millis>,
    pub marks: Vec<Mark>,
    pub log: Option<Vec<LogEntry>>,
    /// Where log entries go as they happen, instead of `log` (see [`SimOptions::log_sink`]).
    pub log_sink: Option<&'s (dyn Fn(&LogEntry) + Sync)>,
    /// Where the time series' and the metrics' rows go as they close, instead of `samplers`
    /// (see [`crate::sim::SimOptions::sample_sink`]).
    pub sample_sink: Option<&'s SampleSink<'s>>,
    /// The time series' figures for charts, report and findings, computed as rows close
    /// (unless `series_digest` gives them).
    pub digest: SeriesDigest,
    /// Where the digest comes from instead (see [`SimOptions::series_digest`]).
    pub series_digest: Option<&'s crate::sim::DigestSource<'s>>,
    /// Connection id of each user's current attempt or session (kept only with a log).
    pub connection_ids: Vec<u64>,
    pub next_connection_id: u64,
    pub next_serial: u32,
    pub events: u64,
    pub stale: u64,
    pub audit: Option<Vec<String>>,
    /// Live counts per association then in total after the previous audited event.
    pub audit_live: Vec<u32>,
}

impl<'s> Engine<'s> {
    pub fn new(sc: &'s Scenario, opts: &SimOptions<'s>) -> Engine<'s> {
        let n = sc.associations.len();
        let per_conn = sc.limits.per_connection_mbps;
        Engine {
            sc,
            replica: opts.replica,
            now: 0,
            queue: crate::sim::queue::EventQueue::new(),
            users: Vec::new(),
            free: Vec::new(),
            pops: vec![PopRun::default(); sc.populations.len()],
            arrival_processes: sc
                .populations
                .iter()
                .map(|p| match &p.arrivals {
                    Arrivals::Poisson {
                        profile, period, ..
                    } => Some(PoissonProfile::new(profile, *period)),
                    Arrivals::Workday { .. } => None,
                })
                .collect(),
            cap: Capacity::new(sc),
            live: vec![0; n],
            live_total: 0,
            peak_live: vec![0; n],
            peak_total: (0, 0),
            pool: AddressPool::new(sc.endpoint.client_cidr_block),
            address_peak: 0,
            exhausted_at: None,
            // Found once per run: the walks to every needed network, per class.
            paths: PathShare::new(crate::net::dataplane::bandwidth::PathPlan::of(sc), per_conn),
            below_total: 0,
            below_peak: 0,
            in_flight: 0,
            in_flight_peak: 0,
            invocations: 0,
            handler_ms: 0,
            started_connection_hours: 0,
            log_entries: 0,
            timeout: sc.endpoint.session_timeout.millis(),
            disconnect_on_timeout: sc.endpoint.disconnect_on_session_timeout,
            outage_depth: vec![0; n],
            disassociated: (0..n)
                .map(|a| sc.associated_later(AssocId(a as u32)))
                .collect(),
            healthy: (0..n.min(NO_ASSOC as usize))
                .filter(|&a| !sc.associated_later(AssocId(a as u32)))
                .map(|a| a as u8)
                .collect(),
            rng: Rngs::new(sc.seed, opts.replica),
            counts: Counters::default(),
            episodes: Episodes::default(),
            recoveries: vec![Recovery::default(); sc.events.len()],
            recovering: Vec::new(),
            cause_event: NO_EVENT,
            reset_event: NO_EVENT,
            attempt_second: (0, 0),
            ends: SessionEnds::default(),
            samplers: {
                // Rows are reserved at once unless they go to a sink.
                let kept = if opts.sample_sink.is_some() {
                    0
                } else {
                    sc.duration
                };
                let mut v = vec![Sampler::new(sc.sample_interval, kept)];
                if !metrics_merge(sc) {
                    v.push(Sampler::new(sc.output.metrics_period, kept));
                }
                // The fine sampler keeps rows only inside the event windows: no reservation.
                v.push(Sampler::new(EVENT_SAMPLE_INTERVAL, 0));
                v
            },
            sample_due: 0,
            spare_rows: Vec::new(),
            event_windows: event_windows(sc),
            live_integral: 0,
            below_integral: 0,
            integrated_to: 0,
            client_ms: vec![0; sc.populations.len() * n],
            marks: Vec::new(),
            log: (opts.connection_log || opts.log_sink.is_some()).then(Vec::new),
            log_sink: opts.log_sink,
            sample_sink: opts.sample_sink,
            digest: SeriesDigest::new(sc),
            series_digest: opts.series_digest,
            connection_ids: Vec::new(),
            next_connection_id: 0,
            next_serial: 0,
            events: 0,
            stale: 0,
            audit: opts.audit.then(Vec::new),
            audit_live: Vec::new(),
        }
    }

    /// Runs to the end of the scenario.
    pub fn run(&mut self, progress: Option<&(dyn Fn(Progress) + Sync)>) {
        self.schedule_start();
        let duration = self.sc.duration;
        while let Some((t, ev)) = self.queue.pop_with(|ev| prefetch_user(&self.users, ev)) {
            if t >= duration {
                break;
            }
            if let Some(next) = self.queue.peek_ready() {
                prefetch_user(&self.users, next);
            }
            self.advance_to(t);
            self.dispatch(ev);
            if self.audit.is_some() {
                self.audit_step();
            }
            if let Some(report) = progress.filter(|_| self.events % PROGRESS_EVERY == 0) {
                report(Progress {
                    now: t,
                    duration,
                    events: self.events,
                });
            }
        }
        self.advance_to(duration);
        self.close_last_intervals();
        if let Some(report) = progress {
            report(Progress {
                now: duration,
                duration,
                events: self.events,
            });
        }
    }

    #[inline(always)]
    pub fn push(&mut self, at: Millis, kind: EvKind, id: u32, tag: u32) {
        self.queue.push(at.max(self.now), Ev::new(kind, id, tag));
    }

    /// Schedules a timer for user `u` at its current generation.
    #[inline(always)]
    pub fn push_user(&mut self, at: Millis, kind: EvKind, u: u32) {
        let gen = self.users[u as usize].gen;
        self.push(at, kind, u, gen);
    }

    fn schedule_start(&mut self) {
        for i in 0..self.sc.events.len() {
            self.push(self.sc.events[i].at, EvKind::Scenario, i as u32, 0);
        }
        for p in 0..self.sc.populations.len() {
            match &self.sc.populations[p].arrivals {
                Arrivals::Workday { users, .. } => self.create_workday_users(p, *users),
                Arrivals::Poisson { .. } => self.schedule_next_arrival(p, 0.0),
            }
        }
    }

    /// Creates a closed population's users; the first `round(users × revoked_fraction)` hold a
    /// revoked certificate, so the revoked count is exact.
    fn create_workday_users(&mut self, p: usize, count: u32) {
        let pop = &self.sc.populations[p];
        let revoked = libm::round(f64::from(count) * pop.revoked_fraction.clamp(0.0, 1.0)) as u32;
        self.pops[p].users = u64::from(count);
        self.users.reserve(count as usize);
        for i in 0..count {
            let u = self.users.len() as u32;
            let mut user = User::new(p as u32, self.next_serial, 0);
            user.set_revoked(i < revoked);
            self.next_serial = self.next_serial.wrapping_add(1);
            self.users.push(user);
            if self.log.is_some() {
                self.connection_ids.push(0);
            }
            self.schedule_workday(u, 0);
        }
    }

    /// Schedules closed-population user `u`'s next working day, the first on or after day
    /// `from_day`, at the population's drawn start time (at once if that is already past).
    pub fn schedule_workday(&mut self, u: u32, from_day: u64) {
        let sc = self.sc;
        let Arrivals::Workday { start, days, .. } =
            &sc.populations[self.users[u as usize].pop as usize].arrivals
        else {
            return;
        };
        if let Some(d) = next_working_day(*days, sc.start_weekday, from_day, sc.duration) {
            let at = d * crate::model::DAY + start.sample_millis(&mut self.rng.arrivals);
            if at < sc.duration {
                self.push(at, EvKind::WorkStart, u, d as u32);
            }
        }
    }

    /// Draws and schedules the next arrival of open population `p` after `from`.
    pub fn schedule_next_arrival(&mut self, p: usize, from: f64) {
        let Some(process) = &self.arrival_processes[p] else {
            return;
        };
        if let Some(at) = process.next_after(from, self.sc.duration, &mut self.rng.arrivals) {
            self.pops[p].next_arrival = at;
            self.push(crate::dist::round_u64(at), EvKind::Arrival, p as u32, 0);
        }
    }

    fn dispatch(&mut self, ev: Ev) {
        let (kind, id) = (ev.kind(), ev.id());
        let live = match kind {
            EvKind::Attempt | EvKind::HandlerDone | EvKind::Reset => {
                self.users[id as usize].gen & TAG_MASK == ev.tag()
            }
            EvKind::SessionEnd => self.session_timer_fires(id),
            _ => true,
        };
        if !live {
            self.stale += 1;
            return;
        }
        self.events += 1;
        match kind {
            EvKind::WorkStart => self.work_start(id, ev.tag()),
            EvKind::Arrival => self.arrival(id as usize),
            EvKind::Attempt => self.attempt(id),
            EvKind::HandlerDone => self.handler_done(id),
            EvKind::SessionEnd => self.session_end(id),
            EvKind::Scenario => {
                self.begin_cause(id as usize);
                if ev.tag() == 0 {
                    self.scenario_event(id as usize);
                } else {
                    self.scenario_event_effective(id as usize);
                }
                self.end_cause();
            }
            EvKind::Reset => self.reset_one(id),
        }
    }

    /// A session-end timer is valid when the user is connected and its session ends now; this
    /// lets a reconnected session with the same end reuse a timer left by the dropped one.
    fn session_timer_fires(&mut self, u: u32) -> bool {
        let now = self.now;
        let timeout = self.timeout;
        let user = &mut self.users[u as usize];
        if user.pending_end == now {
            user.pending_end = NO_TIMER;
        }
        user.state() == State::Connected && user.session_end(timeout) == now
    }

    /// Moves the clock to `t`: integrates the time-weighted measures and closes every sample
    /// interval that ends at or before `t` (events at exactly a boundary belong to the next one).
    #[inline(always)]
    fn advance_to(&mut self, t: Millis) {
        if t > self.integrated_to {
            let dt = u128::from(t - self.integrated_to);
            self.live_integral += u128::from(self.live_total) * dt;
            self.below_integral += u128::from(self.below_total) * dt;
            if self.below_total > 0 {
                self.paths.integrate(t - self.integrated_to);
            }
            self.integrated_to = t;
        }
        if t >= self.sample_due {
            self.close_due_samples(t);
        }
        self.now = t;
    }

    /// [`Self::close_samples_to`], kept out of line: most events close no interval, and the
    /// run loop stays small without it.
    #[inline(never)]
    fn close_due_samples(&mut self, t: Millis) {
        self.close_samples_to(t);
    }

    /// Closes every sampler's intervals that end at or before `t`, then notes when the next one
    /// is due.
    fn close_samples_to(&mut self, t: Millis) {
        let last = self.samplers.len() - 1;
        for i in 0..self.samplers.len() {
            while self.samplers[i].next <= t && self.samplers[i].next <= self.sc.duration {
                if i == last && self.samplers[i].skipping {
                    // A window starts at `next`: every event before it has been handled and
                    // none after it, so the counts now are the counts at its start.
                    let (live, in_flight) = (self.live_total, self.in_flight);
                    self.samplers[i].resume(&self.counts, live, in_flight);
                    continue;
                }
                if i == last && !self.in_event_window(self.samplers[i].open_start()) {
                    let start = self.next_window_start(self.samplers[i].open_start());
                    self.samplers[i].skip_to(start);
                    continue;
                }
                let end = self.samplers[i].next;
                self.close_sample(i, end);
            }
        }
        self.sample_due = self.next_sample_due();
    }

    /// The earliest end of an open interval within the run (`Millis::MAX`: none).
    fn next_sample_due(&self) -> Millis {
        let duration = self.sc.duration;
        self.samplers
            .iter()
            .map(|s| {
                if s.next <= duration {
                    s.next
                } else {
                    Millis::MAX
                }
            })
            .min()
            .unwrap_or(Millis::MAX)
    }

    /// Closes the interval still open at the end of the run, if the run's end cut it short.
    fn close_last_intervals(&mut self) {
        let duration = self.sc.duration;
        for i in 0..self.samplers.len() {
            let start = self.samplers[i].open_start();
            let fine_ok = !self.samplers[i].skipping && self.in_event_window(start);
            if start < duration && (i != self.samplers.len() - 1 || fine_ok) {
                self.close_sample(i, duration);
            }
        }
        self.digest.finish();
    }

    /// Closes sampler `i`'s open interval at `end` into a row and records it. A row that goes
    /// to a sink that digests the rows itself is filled where the sink keeps it; any other row
    /// is filled in a spare one when there is one, so that streamed rows allocate nothing.
    fn close_sample(&mut self, i: usize, end: Millis) {
        let fine = i + 1 == self.samplers.len();
        match self.sample_sink {
            Some(sink) if !fine && self.series_digest.is_some() => {
                sink.fill(series_of(i), &mut |row| self.close_into(i, end, row));
            }
            _ => {
                let mut row = self.spare_rows.pop().unwrap_or_default();
                self.close_into(i, end, &mut row);
                self.record(i, row);
            }
        }
    }

    /// Closes sampler `i`'s open interval at `end` into `row`, with the gauges as they stand.
    #[inline(always)]
    fn close_into(&mut self, i: usize, end: Millis, row: &mut Sample) {
        self.gauges(row);
        let (live, in_flight) = (self.live_total, self.in_flight);
        self.samplers[i].close_into(end, &self.counts, live, in_flight, row);
    }

    /// Takes a closed row of sampler `i`: the time series' rows feed the digest; the time
    /// series' and the metrics' rows go to the sink when there is one, and are kept otherwise.
    /// A streamed row the digest does not keep becomes a spare.
    fn record(&mut self, i: usize, row: Box<Sample>) {
        let fine = i + 1 == self.samplers.len();
        let digest = i == 0 && self.series_digest.is_none();
        if digest {
            self.digest.observe(&row);
        }
        match self.sample_sink {
            Some(sink) if !fine => {
                sink.row(series_of(i), &row);
                if digest {
                    self.digest.keep(row, &mut self.spare_rows);
                } else {
                    self.spare_rows.push(row);
                }
            }
            _ => {
                if digest {
                    self.digest.keep(row.clone(), &mut self.spare_rows);
                }
                self.samplers[i].rows.push(*row);
            }
        }
    }

    /// Sets the gauges of `row` as they stand now.
    #[inline(always)]
    fn gauges(&self, row: &mut Sample) {
        set_slice(&mut row.active, &self.live);
        set_slice(&mut row.limits, self.cap.limits());
        row.active_total = self.live_total;
        row.limit_total = self.cap.total();
        row.addresses_used = self.pool.in_use();
        row.addresses_usable = self.pool.usable();
        row.handler_in_flight = self.in_flight;
        row.below_floor = self.below_total;
        set_slice(&mut row.below_by_link, &self.paths.below_link);
    }

    /// Records a new live count for the samplers' peaks and the run's peaks.
    pub fn observe_live(&mut self, a: usize) {
        self.peak_live[a] = self.peak_live[a].max(self.live[a]);
        if self.live_total > self.peak_total.0 {
            self.peak_total = (self.live_total, self.now);
        }
        self.address_peak = self.address_peak.max(self.pool.in_use());
        if self.pool.is_full() && self.exhausted_at.is_none() {
            self.exhausted_at = Some(self.now);
        }
        for s in &mut self.samplers {
            s.observe(self.live_total, self.in_flight);
        }
    }

    pub fn observe_in_flight(&mut self) {
        self.in_flight_peak = self.in_flight_peak.max(self.in_flight);
        for s in &mut self.samplers {
            s.observe(self.live_total, self.in_flight);
        }
    }

    /// The path class of user `u`'s connection: (population, landing association).
    pub fn class_of(&self, u: u32) -> usize {
        let user = &self.users[u as usize];
        user.pop as usize * self.live.len() + user.assoc as usize
    }

    /// Takes the below-floor count after a class's connections changed.
    pub fn refresh_below_floor(&mut self) {
        self.below_total = self.paths.below_total;
        self.below_peak = self.below_peak.max(self.below_total);
    }

    pub fn pop_of(&self, u: u32) -> PopId {
        PopId(self.users[u as usize].pop)
    }

    pub fn assoc_of(&self, u: u32) -> Option<AssocId> {
        let a = self.users[u as usize].assoc;
        (a != NO_ASSOC).then_some(AssocId(u32::from(a)))
    }

    pub fn connection_id(&self, u: u32) -> u64 {
        self.connection_ids.get(u as usize).copied().unwrap_or(0)
    }

    pub fn log_entry(&mut self, entry: LogEntry) {
        if let Some(sink) = self.log_sink {
            sink(&entry);
        } else if let Some(log) = &mut self.log {
            log.push(entry);
        }
    }

    /// Bytes reserved by the engine's state now.
    pub fn state_bytes(&self) -> usize {
        let samples: usize = self
            .samplers
            .iter()
            .map(|s| s.rows.capacity() * std::mem::size_of::<crate::sim::Sample>())
            .sum();
        self.users.capacity() * std::mem::size_of::<User>()
            + self.free.capacity() * 4
            + self.connection_ids.capacity() * 8
            + self.queue.reserved_bytes()
            + self.pool.reserved_bytes()
            + self.paths.reserved_bytes()
            + samples
    }
}

/// Starts loading the record of the user that event `ev` concerns, if it concerns one: user
/// records are visited in random order, and this cache miss is the engine's largest cost. The
/// queue reports events as it moves them near the front (see `EventQueue::pop_with`), so many
/// records load at once, well before their events are handled; the run loop also loads the next
/// ready event's user while it handles the current one (events pushed straight into the front are
/// never moved). A hint only; it changes no state.
#[inline(always)]
fn prefetch_user(users: &[User], ev: Ev) {
    if matches!(ev.kind(), EvKind::Arrival | EvKind::Scenario) {
        return;
    }
    if let Some(user) = users.get(ev.id() as usize) {
        prefetch(user);
    }
}

#[cfg(target_arch = "x86_64")]
fn prefetch<T>(value: &T) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: a prefetch is a hint: it reads no memory architecturally and cannot fault, and
    // the pointer comes from a live reference. SSE is part of the x86_64 baseline.
    unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast()) }
}

#[cfg(not(target_arch = "x86_64"))]
fn prefetch<T>(_value: &T) {}

/// The series of sampler `i`'s rows (the last sampler's, the fine rows, go to no sink).
fn series_of(i: usize) -> SampleSeries {
    if i == 0 {
        SampleSeries::Timeseries
    } else {
        SampleSeries::Metrics
    }
}

/// Whether `metrics.csv` merges the time series' rows: its period is a whole number of sample
/// intervals, so one sampler feeds both files.
pub fn metrics_merge(sc: &Scenario) -> bool {
    sc.metrics_merged()
}

/// User-level outcome bookkeeping (see `outcomes.rs`): a few counter updates per attempt.
impl Engine<'_> {
    /// An attempt starts now: opens the user's episode if none is open and counts the attempt
    /// in its second, for the recovery's peak attempt rate.
    pub(crate) fn outcome_attempt(&mut self, u: u32) {
        let user = &mut self.users[u as usize];
        if user.want_since == NO_TIMER {
            user.want_since = self.now;
            self.episodes.started += 1;
            self.pops[user.pop as usize].episodes.started += 1;
        }
        let second = self.now / crate::model::SECOND;
        if self.attempt_second.0 != second {
            self.attempt_second = (second, 0);
        }
        self.attempt_second.1 += 1;
        for &k in &self.recovering {
            let r = &mut self.recoveries[k as usize];
            r.peak_attempts_per_second = r.peak_attempts_per_second.max(self.attempt_second.1);
        }
    }

    /// An attempt failed with `reason`: counted against every recovery in progress.
    pub(crate) fn outcome_failure(&mut self, reason: crate::sim::FailureReason) {
        for &k in &self.recovering {
            self.recoveries[k as usize].failures[reason.index()] += 1;
        }
    }

    /// User `u` is connected now: its episode ends, and it is back from the event that dropped it.
    pub(crate) fn outcome_connected(&mut self, u: u32) {
        let thresholds = &self.sc.output.outcome_thresholds;
        let user = &mut self.users[u as usize];
        if user.want_since != NO_TIMER {
            let waited = self.now - user.want_since;
            user.want_since = NO_TIMER;
            let p = user.pop as usize;
            for e in [&mut self.episodes, &mut self.pops[p].episodes] {
                e.connected += 1;
                e.end(waited, true, thresholds);
            }
        }
        let k = std::mem::replace(&mut self.users[u as usize].drop_event, NO_EVENT);
        if k != NO_EVENT {
            let r = &mut self.recoveries[k as usize];
            r.back += 1;
            r.back_after.record(self.now - r.at);
            self.settled(k);
        }
    }

    /// User `u` stops trying (gave up) or stops wanting the VPN: its episode ends unconnected,
    /// and it is lost to the event that dropped it.
    pub(crate) fn outcome_stopped(&mut self, u: u32, gave_up: bool) {
        let thresholds = &self.sc.output.outcome_thresholds;
        let user = &mut self.users[u as usize];
        if user.want_since != NO_TIMER {
            let waited = self.now - user.want_since;
            user.want_since = NO_TIMER;
            let p = user.pop as usize;
            for e in [&mut self.episodes, &mut self.pops[p].episodes] {
                if gave_up {
                    e.gave_up += 1;
                } else {
                    e.stopped_wanting += 1;
                }
                e.end(waited, false, thresholds);
            }
        }
        let k = std::mem::replace(&mut self.users[u as usize].drop_event, NO_EVENT);
        if k != NO_EVENT {
            self.recoveries[k as usize].lost += 1;
            self.settled(k);
        }
    }

    /// One of event `k`'s dropped users is back or lost.
    fn settled(&mut self, k: u16) {
        let r = &mut self.recoveries[k as usize];
        r.outstanding -= 1;
        if r.outstanding == 0 {
            self.recovering.retain(|&x| x != k);
        }
    }

    /// User `u`'s connection was just ended by the scenario event being handled (or, for a
    /// reset spread over a window, by the event that spread it).
    pub(crate) fn outcome_dropped(&mut self, u: u32) {
        let k = if self.cause_event != NO_EVENT {
            self.cause_event
        } else {
            self.reset_event
        };
        if k == NO_EVENT {
            return;
        }
        let r = &mut self.recoveries[k as usize];
        if r.description.is_empty() {
            r.description = self
                .marks
                .last()
                .map(|m| m.label.clone())
                .unwrap_or_default();
        }
        r.dropped += 1;
        r.outstanding += 1;
        if r.outstanding == 1 {
            self.recovering.push(k);
        }
        self.users[u as usize].drop_event = k;
    }

    /// Scenario event `i` is being handled now: drops are its until [`Self::end_cause`].
    pub(crate) fn begin_cause(&mut self, i: usize) {
        self.cause_event = u16::try_from(i).unwrap_or(NO_EVENT);
        if let Some(r) = self.recoveries.get_mut(i).filter(|r| r.dropped == 0) {
            r.at = self.now;
        }
    }

    pub(crate) fn end_cause(&mut self) {
        self.cause_event = NO_EVENT;
    }

    /// Episodes still open at the end of the run.
    pub(crate) fn censor_episodes(&mut self) {
        let thresholds = &self.sc.output.outcome_thresholds;
        let end = self.sc.duration;
        for user in &self.users {
            if user.want_since != NO_TIMER {
                let waited = end.saturating_sub(user.want_since);
                self.episodes.censor(waited, thresholds);
                self.pops[user.pop as usize]
                    .episodes
                    .censor(waited, thresholds);
            }
        }
    }
}

impl Engine<'_> {
    fn in_event_window(&self, t: Millis) -> bool {
        self.event_windows.iter().any(|&(a, b)| a <= t && t < b)
    }

    /// Start of the first window that starts after `t` (the end of time when none).
    fn next_window_start(&self, t: Millis) -> Millis {
        self.event_windows
            .iter()
            .map(|w| w.0)
            .find(|&a| a > t)
            .unwrap_or(Millis::MAX / 2)
    }
}

/// The windows after each event's first and second phase (an outage's end, a change taking
/// effect), aligned to the fine sampler's grid, merged.
fn event_windows(sc: &Scenario) -> Vec<(Millis, Millis)> {
    use crate::model::EventKind;
    let mut starts: Vec<Millis> = Vec::new();
    for e in &sc.events {
        starts.push(e.at);
        match &e.kind {
            EventKind::AzOutage {
                duration: Some(d), ..
            } => starts.push(e.at.saturating_add(*d)),
            EventKind::Modify { propagation, .. }
            | EventKind::SessionTimeout { propagation, .. } => {
                starts.push(e.at.saturating_add(*propagation))
            }
            _ => {}
        }
    }
    starts.sort_unstable();
    let mut out: Vec<(Millis, Millis)> = Vec::new();
    for s in starts {
        let a = s / EVENT_SAMPLE_INTERVAL * EVENT_SAMPLE_INTERVAL;
        let b = s.saturating_add(EVENT_SAMPLE_WINDOW);
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A queue entry's payload gives back the kind, id and tag it was made of.
    #[test]
    fn an_event_unpacks_to_what_it_was_packed_from() {
        for (i, kind) in EvKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, i);
            for (id, tag) in [(0, 0), (u32::MAX, TAG_MASK), (126_000, 7)] {
                let ev = Ev::new(kind, id, tag);
                assert_eq!((ev.kind(), ev.id(), ev.tag()), (kind, id, tag));
            }
        }
        // A tag is kept modulo 2^29.
        assert_eq!(Ev::new(EvKind::Attempt, 3, TAG_MASK + 2).tag(), 1);
    }
}
