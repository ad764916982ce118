//! The connection attempt pipeline (docs/model.md §6): DNS landing → authentication → client connect
//! handler → address and capacity check → connected; a failure ends the attempt with exactly one
//! reason and the client retries with its population's back-off, or gives up.

use rand::RngCore;

use crate::dist;
use crate::model::{Arrivals, Authentication, ConnectHandler, Millis, RetryPolicy};
use crate::sim::engine::{Engine, EvKind, State, User, NO_ASSOC};
use crate::sim::log::LogEntry;
use crate::sim::reason::FailureReason;

impl Engine<'_> {
    /// A closed population's user starts working day `day` (the timer is only ever set while
    /// the user is idle: see `go_idle`).
    pub(crate) fn work_start(&mut self, u: u32, day: u32) {
        let pop = &self.sc.populations[self.users[u as usize].pop as usize];
        let Arrivals::Workday { length, .. } = &pop.arrivals else {
            return;
        };
        let wanted = length.sample_millis(&mut self.rng.sessions);
        let user = &mut self.users[u as usize];
        user.day = day;
        user.work_end = self.now.saturating_add(wanted);
        user.attempt = 0;
        self.attempt(u);
    }

    /// A new user of open population `p` arrives and tries to connect at once.
    pub(crate) fn arrival(&mut self, p: usize) {
        let sc = self.sc;
        let pop = &sc.populations[p];
        let Arrivals::Poisson { session, .. } = &pop.arrivals else {
            return;
        };
        let at = self.pops[p].next_arrival;
        self.schedule_next_arrival(p, at);
        let u = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.users.push(User::new(p as u32, 0, 0));
                if self.log.is_some() {
                    self.connection_ids.push(0);
                }
                (self.users.len() - 1) as u32
            }
        };
        let revoked =
            pop.revoked_fraction > 0.0 && dist::unit(&mut self.rng.auth) < pop.revoked_fraction;
        let wanted = session.sample_millis(&mut self.rng.sessions);
        let gen = self.users[u as usize].gen.wrapping_add(1);
        let mut user = User::new(p as u32, self.next_serial, gen);
        user.set_revoked(revoked);
        user.work_end = self.now.saturating_add(wanted);
        self.users[u as usize] = user;
        self.next_serial = self.next_serial.wrapping_add(1);
        self.pops[p].users += 1;
        self.attempt(u);
    }

    /// One connection attempt by user `u`, now.
    pub(crate) fn attempt(&mut self, u: u32) {
        let i = u as usize;
        if self.now >= self.users[i].work_end {
            self.go_idle(u);
            return;
        }
        self.outcome_attempt(u);
        let p = self.users[i].pop as usize;
        self.users[i].attempt += 1;
        self.users[i].since = self.now;
        if let Some(id) = self.connection_ids.get_mut(i) {
            *id = self.next_connection_id;
            self.next_connection_id += 1;
        }
        let retry = self.users[i].attempt > 1;
        for c in [&mut self.counts, &mut self.pops[p].counts] {
            c.attempts += 1;
            c.retries += u64::from(retry);
        }
        let Some(a) = self.land(u) else {
            return self.fail(u, FailureReason::NoHealthyAssociation);
        };
        self.users[i].assoc = a;
        if let Some(reason) = self.authenticate(u) {
            return self.fail(u, reason);
        }
        match &self.sc.endpoint.client_connect_handler {
            Some(h) => self.invoke_handler(u, h),
            None => self.establish(u),
        }
    }

    /// DNS round-robin over healthy associations (docs/model.md §5). With `remote-random-hostname`
    /// every attempt resolves afresh; caching clients keep their last landing while it is healthy.
    fn land(&mut self, u: u32) -> Option<u8> {
        let n = self.healthy.len();
        if n == 0 {
            return None;
        }
        let user = &self.users[u as usize];
        let caching = self.sc.populations[user.pop as usize].dns_caching;
        if caching && user.assoc != NO_ASSOC && self.cap.is_healthy(user.assoc as usize) {
            return Some(user.assoc);
        }
        if n == 1 {
            return Some(self.healthy[0]);
        }
        let pick = ((u128::from(self.rng.landing.next_u64()) * n as u128) >> 64) as usize;
        Some(self.healthy[pick])
    }

    /// Certificate check against the revocation list, then the population's failure rate.
    fn authenticate(&mut self, u: u32) -> Option<FailureReason> {
        let user = &self.users[u as usize];
        if self.sc.endpoint.authentication.uses_mutual() && user.revoked() {
            return Some(FailureReason::CertificateRevoked);
        }
        let rate = self.sc.populations[user.pop as usize].auth_failure_rate;
        (rate > 0.0 && dist::unit(&mut self.rng.auth) < rate)
            .then_some(FailureReason::AuthenticationFailed)
    }

    /// Invokes the client connect handler synchronously (guide: "Requirements and
    /// considerations"): throttled at once when in-flight invocations have reached the
    /// concurrency; otherwise the verdict arrives after the drawn latency, or the 30 s timeout.
    fn invoke_handler(&mut self, u: u32, h: &ConnectHandler) {
        if self.in_flight >= h.concurrency {
            return self.fail(u, FailureReason::HandlerThrottled);
        }
        self.in_flight += 1;
        self.invocations += 1;
        self.observe_in_flight();
        let latency = h.latency.sample_millis(&mut self.rng.handler);
        let timeout = self.sc.limits.handler_timeout;
        let (delay, verdict) = if latency >= timeout {
            (timeout, Some(FailureReason::HandlerTimedOut))
        } else {
            (latency, self.handler_verdict(h))
        };
        self.handler_ms += delay;
        let user = &mut self.users[u as usize];
        user.set_verdict(verdict.map_or(0, |r| r.index() as u8 + 1));
        user.set_state(State::InHandler);
        self.push_user(self.now + delay, EvKind::HandlerDone, u);
    }

    /// One draw split into service error, execution error, invalid response, denial, allow.
    fn handler_verdict(&mut self, h: &ConnectHandler) -> Option<FailureReason> {
        let outcomes = [
            (h.service_error_rate, FailureReason::HandlerServiceError),
            (h.error_rate, FailureReason::HandlerOtherExecutionError),
            (
                h.invalid_response_rate,
                FailureReason::HandlerInvalidResponse,
            ),
            (h.deny_rate, FailureReason::ClientConnectFailed),
        ];
        if outcomes.iter().all(|o| o.0 <= 0.0) {
            return None;
        }
        let mut x = dist::unit(&mut self.rng.handler);
        for (rate, reason) in outcomes {
            if x < rate {
                return Some(reason);
            }
            x -= rate;
        }
        None
    }

    pub(crate) fn handler_done(&mut self, u: u32) {
        self.in_flight -= 1;
        let user = &self.users[u as usize];
        if user.verdict() != 0 {
            let reason = FailureReason::ALL[user.verdict() as usize - 1];
            return self.fail(u, reason);
        }
        if !self.cap.is_healthy(user.assoc as usize) {
            return self.fail(u, FailureReason::NoHealthyAssociation);
        }
        self.establish(u);
    }

    /// Address and capacity check, then the connection is up.
    fn establish(&mut self, u: u32) {
        let a = self.users[u as usize].assoc as usize;
        if self.pool.is_full() {
            return self.fail(u, FailureReason::ClientCidrExhausted);
        }
        if let Err(reason) = self.cap.admit(a, self.live[a], self.live_total) {
            return self.fail(u, reason);
        }
        let Some(slot) = self.pool.allocate() else {
            return self.fail(u, FailureReason::ClientCidrExhausted);
        };
        let class = self.class_of(u);
        let demand = if self.paths.tracks(class) {
            let pop = &self.sc.populations[self.users[u as usize].pop as usize];
            let mbps = pop.demand_mbps.sample(&mut self.rng.bandwidth);
            self.paths.demand_units(class, mbps)
        } else {
            0
        };
        self.live[a] += 1;
        self.live_total += 1;
        self.paths.add(class, demand, self.now);
        self.refresh_below_floor();
        let user = &mut self.users[u as usize];
        user.since = self.now;
        user.slot = slot;
        user.demand = demand;
        user.set_state(State::Connected);
        user.attempt = 0;
        let p = user.pop as usize;
        self.counts.successes += 1;
        self.pops[p].counts.successes += 1;
        self.outcome_connected(u);
        self.observe_live(a);
        self.log_entries += 1;
        if self.log.is_some() {
            let entry = self.attempt_entry(u, None);
            self.log_entry(entry);
        }
        self.schedule_session_end(u);
    }

    /// The attempt ends failed: count it, log it, then retry with back-off or give up.
    pub(crate) fn fail(&mut self, u: u32, reason: FailureReason) {
        let p = self.users[u as usize].pop as usize;
        self.counts.failures[reason.index()] += 1;
        self.pops[p].counts.failures[reason.index()] += 1;
        self.outcome_failure(reason);
        let logged = self.is_logged_failure(reason);
        self.log_entries += u64::from(logged);
        if self.log.is_some() && logged {
            let entry = self.attempt_entry(u, Some(reason));
            self.log_entry(entry);
        }
        let retry = &self.sc.populations[p].retry;
        let made = self.users[u as usize].attempt;
        if made >= retry.give_up_after {
            self.counts.gave_up += 1;
            self.pops[p].counts.gave_up += 1;
            self.outcome_stopped(u, true);
            return self.go_idle(u);
        }
        let delay = retry_delay(retry, made, &mut self.rng.retry);
        self.users[u as usize].set_state(State::Waiting);
        self.push_user(self.now + delay, EvKind::Attempt, u);
    }

    /// Guide, "Connection logging": failed mutual authentication attempts are not logged.
    fn is_logged_failure(&self, reason: FailureReason) -> bool {
        match reason {
            FailureReason::CertificateRevoked => false,
            FailureReason::AuthenticationFailed => {
                self.sc.endpoint.authentication != Authentication::Mutual
            }
            _ => true,
        }
    }

    pub(crate) fn attempt_entry(&self, u: u32, failure: Option<FailureReason>) -> LogEntry {
        let user = &self.users[u as usize];
        let connection_id = self.connection_id(u);
        LogEntry {
            at: self.now,
            connection_id,
            client_port: crate::sim::log::client_port(self.sc.seed, self.replica, connection_id),
            failure,
            start: user.since,
            end: None,
            client_ip: failure.is_none().then(|| self.pool.address(user.slot)),
            population: self.pop_of(u),
            user: u64::from(user.serial),
            association: self.assoc_of(u),
        }
    }

    /// The user stops wanting the VPN for now: a closed population's user waits for its next
    /// working day; an open population's user leaves for good.
    pub(crate) fn go_idle(&mut self, u: u32) {
        self.outcome_stopped(u, false);
        let user = &mut self.users[u as usize];
        user.set_state(State::Idle);
        user.gen = user.gen.wrapping_add(1);
        let (p, day) = (user.pop as usize, user.day);
        match self.sc.populations[p].arrivals {
            Arrivals::Poisson { .. } => {
                self.pops[p].departed += 1;
                self.free.push(u);
            }
            Arrivals::Workday { .. } => self.schedule_workday(u, u64::from(day) + 1),
        }
    }
}

/// Delay before the next attempt after `failures` failed ones in this cycle:
/// min(max, initial × multiplier^(failures−1)) × (1 − jitter·U), at least 1 ms.
pub(crate) fn retry_delay(r: &RetryPolicy, failures: u32, rng: &mut impl RngCore) -> Millis {
    let cap = r.max as f64;
    let mut base = r.initial as f64;
    for _ in 1..failures {
        if base >= cap {
            break;
        }
        base *= r.multiplier;
    }
    let jitter = if r.jitter > 0.0 {
        1.0 - r.jitter.min(1.0) * dist::unit(rng)
    } else {
        1.0
    };
    dist::round_u64(base.min(cap) * jitter).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SECOND;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// docs/model.md §6: back-off grows by the multiplier up to the cap; jitter only shortens it.
    #[test]
    fn back_off_grows_to_the_cap() {
        let r = RetryPolicy {
            initial: 2 * SECOND,
            multiplier: 2.0,
            max: 60 * SECOND,
            jitter: 0.0,
            give_up_after: 10,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let delays: Vec<Millis> = (1..=7).map(|k| retry_delay(&r, k, &mut rng)).collect();
        assert_eq!(
            delays,
            [2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]
        );
        let j = RetryPolicy { jitter: 0.5, ..r };
        for k in 1..=7 {
            let d = retry_delay(&j, k, &mut rng);
            assert!(
                d <= delays[k as usize - 1] && d * 2 >= delays[k as usize - 1],
                "{k}: {d}"
            );
        }
    }
}
