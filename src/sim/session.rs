//! Sessions and what ends them (DESIGN §7): the maximum VPN session duration with and without
//! disconnect-on-timeout, a lowered maximum, endpoint modifications that reset every connection,
//! AZ outages and disassociations, and connection limits that fall below the live count.

use crate::dist;
use crate::model::{EventKind, Millis, HOUR};
use crate::sim::attempt::retry_delay;
use crate::sim::engine::{Engine, EvKind, State, NO_SLOT};
use crate::sim::stats::{Mark, MarkKind};

/// Why a live connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndCause {
    Completed,
    TimedOut,
    CutByTimeoutChange,
    Reset,
    AssociationFailed,
    Shed,
}

impl Engine<'_> {
    /// Sets the session-end timer: the earlier of the end of work and the maximum duration.
    /// A timer already in the queue for that time is reused (see `Engine::session_timer_fires`).
    pub(crate) fn schedule_session_end(&mut self, u: u32) {
        let user = &mut self.users[u as usize];
        let end = user.session_end(self.timeout);
        if user.pending_end != end {
            user.pending_end = end;
            self.push(end, EvKind::SessionEnd, u, 0);
        }
    }

    pub(crate) fn session_end(&mut self, u: u32) {
        if self.now >= self.users[u as usize].work_end {
            self.end_session(u, EndCause::Completed);
            self.go_idle(u);
        } else {
            self.end_session(u, EndCause::TimedOut);
            self.after_timeout(u);
        }
    }

    /// Guide, "maximum VPN session duration": with disconnect-on-timeout off, mutual and Active
    /// Directory clients reconnect at once; SAML users must log in again. With it on, everyone
    /// reconnects by hand.
    /// The setting in force at the moment of the timeout applies ("changing the disconnect on
    /// session timeout option applies the new setting to any currently open sessions").
    fn after_timeout(&mut self, u: u32) {
        if !self.disconnect_on_timeout && self.sc.endpoint.authentication.reconnects_automatically()
        {
            self.users[u as usize].attempt = 0;
            self.users[u as usize].state = State::Waiting;
            self.push_user(self.now, EvKind::Attempt, u);
        } else {
            self.manual_reconnect(u);
        }
    }

    /// The user reconnects by hand after a delay, with the population's probability.
    fn manual_reconnect(&mut self, u: u32) {
        let pop = &self.sc.populations[self.users[u as usize].pop as usize];
        let p = pop.manual_reconnect_probability;
        let comes_back = p >= 1.0 || (p > 0.0 && dist::unit(&mut self.rng.reconnect) < p);
        if !comes_back {
            return self.go_idle(u);
        }
        let delay = pop
            .manual_reconnect_delay
            .sample_millis(&mut self.rng.reconnect);
        self.users[u as usize].attempt = 0;
        self.users[u as usize].state = State::Waiting;
        self.push_user(self.now.saturating_add(delay), EvKind::Attempt, u);
    }

    /// Tears down user `u`'s live connection: frees its address and capacity, records its
    /// client time and log entry, and cancels its session timer.
    pub(crate) fn end_session(&mut self, u: u32, cause: EndCause) {
        let user = self.users[u as usize];
        let a = user.assoc as usize;
        self.live[a] -= 1;
        self.live_total -= 1;
        self.pool.release(user.slot);
        self.fair[a].remove(user.demand);
        self.refresh_below_floor(a);
        self.client_ms[user.pop as usize * self.live.len() + a] += self.now - user.since;
        self.started_connection_hours += started_hours(self.now - user.since);
        self.log_entries += 1;
        if self.log.is_some() {
            let mut entry = self.attempt_entry(u, None);
            entry.end = Some(self.now);
            self.log_entry(entry);
        }
        let ends = &mut self.ends;
        let counter = match cause {
            EndCause::Completed => &mut ends.completed,
            EndCause::TimedOut => &mut ends.timed_out,
            EndCause::CutByTimeoutChange => &mut ends.cut_by_timeout_change,
            EndCause::Reset => &mut ends.reset_by_modification,
            EndCause::AssociationFailed => &mut ends.dropped_by_association_failure,
            EndCause::Shed => &mut ends.shed_by_limit,
        };
        *counter += 1;
        if !matches!(cause, EndCause::Completed | EndCause::TimedOut) {
            self.counts.dropped += 1;
        }
        let user = &mut self.users[u as usize];
        user.slot = NO_SLOT;
        user.state = State::Idle;
        user.gen = user.gen.wrapping_add(1);
    }

    /// The endpoint ended the connection: the client reconnects by itself, first after its retry
    /// policy's initial delay (with jitter), then with back-off (DESIGN §7).
    fn drop_and_reconnect(&mut self, u: u32, cause: EndCause) {
        self.end_session(u, cause);
        let retry = &self.sc.populations[self.users[u as usize].pop as usize].retry;
        let delay = retry_delay(retry, 1, &mut self.rng.retry);
        let user = &mut self.users[u as usize];
        user.attempt = 0;
        user.state = State::Waiting;
        self.push_user(self.now + delay, EvKind::Attempt, u);
    }

    fn connected_users(&self, on: Option<usize>) -> Vec<u32> {
        (0..self.users.len() as u32)
            .filter(|&u| {
                let user = &self.users[u as usize];
                user.state == State::Connected && on.is_none_or(|a| user.assoc as usize == a)
            })
            .collect()
    }

    pub(crate) fn scenario_event(&mut self, i: usize) {
        let sc = self.sc;
        let event = &sc.events[i];
        match &event.kind {
            EventKind::AzOutage {
                availability_zone,
                associations,
                duration,
            } => {
                self.mark(
                    MarkKind::AzOutageStart,
                    format!("AZ outage: {availability_zone}"),
                );
                for a in associations {
                    self.outage_depth[a.index()] += 1;
                }
                self.health_changed();
                if let Some(d) = duration {
                    self.push(self.now.saturating_add(*d), EvKind::Scenario, i as u32, 1);
                }
            }
            EventKind::Disassociate { association } => {
                let subnet = &sc.subnet_of(*association).id;
                self.mark(MarkKind::Disassociation, format!("disassociated: {subnet}"));
                self.disassociated[association.index()] = true;
                self.health_changed();
            }
            EventKind::Modify {
                changes,
                propagation,
                ..
            } => {
                let names: Vec<&str> = changes.iter().map(|c| c.name()).collect();
                self.mark(
                    MarkKind::ModificationAccepted,
                    format!("modification accepted: {}", names.join(", ")),
                );
                self.push(
                    self.now.saturating_add(*propagation),
                    EvKind::Scenario,
                    i as u32,
                    1,
                );
            }
            EventKind::SessionTimeout {
                timeout,
                propagation,
            } => {
                self.mark(
                    MarkKind::SessionTimeoutAccepted,
                    format!("session timeout {} h accepted", timeout.hours()),
                );
                self.push(
                    self.now.saturating_add(*propagation),
                    EvKind::Scenario,
                    i as u32,
                    1,
                );
            }
        }
    }

    /// The second phase of scenario event `i`: an outage ends, a change takes effect.
    pub(crate) fn scenario_event_effective(&mut self, i: usize) {
        let sc = self.sc;
        match &sc.events[i].kind {
            EventKind::AzOutage {
                availability_zone,
                associations,
                ..
            } => {
                self.mark(
                    MarkKind::AzOutageEnd,
                    format!("AZ outage over: {availability_zone}"),
                );
                for a in associations {
                    self.outage_depth[a.index()] -= 1;
                }
                self.health_changed();
            }
            EventKind::Modify {
                changes,
                resets,
                disconnect_on_session_timeout,
                ..
            } => {
                if let Some(v) = disconnect_on_session_timeout {
                    self.disconnect_on_timeout = *v;
                }
                let names: Vec<&str> = changes.iter().map(|c| c.name()).collect();
                let what = if *resets {
                    "resets every connection"
                } else {
                    "no reset"
                };
                self.mark(
                    MarkKind::ModificationEffective,
                    format!("modification effective ({what}): {}", names.join(", ")),
                );
                if *resets {
                    for u in self.connected_users(None) {
                        self.drop_and_reconnect(u, EndCause::Reset);
                    }
                }
            }
            EventKind::SessionTimeout { timeout, .. } => {
                self.mark(
                    MarkKind::SessionTimeoutEffective,
                    format!("session timeout {} h effective", timeout.hours()),
                );
                self.set_session_timeout(timeout.millis());
            }
            EventKind::Disassociate { .. } => {}
        }
    }

    /// Guide, "maximum VPN session duration": lowering the value disconnects every session
    /// already older than it; the rest (and every session, when it is raised) end by the new value.
    fn set_session_timeout(&mut self, timeout: Millis) {
        self.timeout = timeout;
        for u in self.connected_users(None) {
            let user = &mut self.users[u as usize];
            if self.now - user.since >= timeout {
                self.end_session(u, EndCause::CutByTimeoutChange);
                self.after_timeout(u);
            } else {
                self.schedule_session_end(u);
            }
        }
    }

    /// Applies outage and disassociation state: failed associations drop their clients, DNS
    /// stops returning them, and the limits follow the table for the healthy count (§3, §7).
    fn health_changed(&mut self) {
        let n = self.live.len();
        for a in 0..n {
            let healthy = self.outage_depth[a] == 0 && !self.disassociated[a];
            if healthy == self.cap.is_healthy(a) {
                continue;
            }
            self.cap.set_healthy(self.sc, a, healthy);
            if !healthy {
                for u in self.connected_users(Some(a)) {
                    self.drop_and_reconnect(u, EndCause::AssociationFailed);
                }
            }
        }
        self.healthy = (0..n)
            .filter(|&a| self.cap.is_healthy(a))
            .map(|a| a as u8)
            .collect();
        self.shed_over_limit();
    }

    /// Drops the newest connections wherever a limit is now below the live count, so that live
    /// connections never exceed the current limit.
    fn shed_over_limit(&mut self) {
        for a in 0..self.live.len() {
            let excess = self.live[a].saturating_sub(self.cap.limit_of(a));
            if excess > 0 {
                let users = self.connected_users(Some(a));
                self.shed_newest(users, excess);
            }
        }
        let excess = self.live_total.saturating_sub(self.cap.total());
        if excess > 0 {
            let users = self.connected_users(None);
            self.shed_newest(users, excess);
        }
    }

    fn shed_newest(&mut self, mut users: Vec<u32>, count: u32) {
        users.sort_by_key(|&u| std::cmp::Reverse((self.users[u as usize].since, u)));
        for &u in users.iter().take(count as usize) {
            self.drop_and_reconnect(u, EndCause::Shed);
        }
    }

    fn mark(&mut self, kind: MarkKind, label: String) {
        self.marks.push(Mark {
            at_ms: self.now,
            kind,
            label,
        });
    }
}

/// Hours a connection of `ms` is billed for when each started hour counts in full; a connection
/// of no length still started one.
pub(crate) fn started_hours(ms: Millis) -> u64 {
    ms.div_ceil(HOUR).max(1)
}
