//! Sessions and what ends them (docs/model.md §7): the maximum VPN session duration with and without
//! disconnect-on-timeout, a lowered maximum, endpoint modifications that reset every connection,
//! AZ outages, associations added and removed, and how clients come back after each drop. A
//! limit that falls below the live count disconnects nobody: new attempts are refused until the
//! count is below it (guide: "Client VPN scaling considerations" publishes endpoint totals only).

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
}

/// How a dropped client learns that its connection is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Noticed {
    /// The endpoint ended the connection (a reset, a disassociation): at once.
    AtOnce,
    /// The path died (an AZ outage): only when the client's keepalive gives up, after the
    /// population's `outage_detection_delay`.
    ByKeepalive,
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
            self.users[u as usize].set_state(State::Waiting);
            self.push_user(self.now, EvKind::Attempt, u);
        } else {
            self.manual_reconnect(u);
        }
    }

    /// The user reconnects by hand after a delay, with the population's probability.
    fn manual_reconnect(&mut self, u: u32) {
        self.manual_reconnect_from(u, self.now)
    }

    /// As [`Self::manual_reconnect`], counting the delay from `from` (when the user noticed).
    fn manual_reconnect_from(&mut self, u: u32, from: Millis) {
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
        self.users[u as usize].set_state(State::Waiting);
        self.push_user(from.saturating_add(delay), EvKind::Attempt, u);
    }

    /// Tears down user `u`'s live connection: frees its address and capacity, records its
    /// client time and log entry, and cancels its session timer.
    pub(crate) fn end_session(&mut self, u: u32, cause: EndCause) {
        let user = self.users[u as usize];
        let a = user.assoc as usize;
        self.live[a] -= 1;
        self.live_total -= 1;
        self.pool.release(user.slot);
        let class = self.class_of(u);
        self.paths.remove(class, user.demand, self.now);
        self.refresh_below_floor();
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
        };
        *counter += 1;
        if !matches!(cause, EndCause::Completed | EndCause::TimedOut) {
            self.counts.dropped += 1;
        }
        let user = &mut self.users[u as usize];
        user.slot = NO_SLOT;
        user.set_state(State::Idle);
        user.gen = user.gen.wrapping_add(1);
    }

    /// The connection is gone. Once the client notices (at once, or through its keepalive), it
    /// comes back by its authentication method: mutual and Active Directory clients reconnect by
    /// themselves, first after the retry policy's initial delay (with jitter); SAML users must
    /// log in again in a browser, so they come back after the population's manual reconnect
    /// delay, with its probability. Mixed methods follow the strictest (the SAML rule).
    pub(crate) fn drop_and_reconnect(&mut self, u: u32, cause: EndCause, noticed: Noticed) {
        self.end_session(u, cause);
        self.outcome_dropped(u);
        let pop = &self.sc.populations[self.users[u as usize].pop as usize];
        let notice = match noticed {
            Noticed::AtOnce => 0,
            Noticed::ByKeepalive => pop
                .outage_detection_delay
                .sample_millis(&mut self.rng.drops),
        };
        let at = self.now.saturating_add(notice);
        if !self.sc.endpoint.authentication.reconnects_automatically() {
            return self.manual_reconnect_from(u, at);
        }
        let delay = retry_delay(&pop.retry, 1, &mut self.rng.retry);
        let user = &mut self.users[u as usize];
        user.attempt = 0;
        user.set_state(State::Waiting);
        self.push_user(at.saturating_add(delay), EvKind::Attempt, u);
    }

    /// A reset spread over a window: the connection of user `u` (still the one that was live
    /// when the change took effect, as its generation `tag` says) is reset now.
    pub(crate) fn reset_one(&mut self, u: u32) {
        if self.users[u as usize].state() == State::Connected {
            self.drop_and_reconnect(u, EndCause::Reset, Noticed::AtOnce);
        }
    }

    fn connected_users(&self, on: Option<usize>) -> Vec<u32> {
        (0..self.users.len() as u32)
            .filter(|&u| {
                let user = &self.users[u as usize];
                user.state() == State::Connected && on.is_none_or(|a| user.assoc as usize == a)
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
                self.health_changed(Noticed::ByKeepalive);
                if let Some(d) = duration {
                    self.push(self.now.saturating_add(*d), EvKind::Scenario, i as u32, 1);
                }
            }
            EventKind::Disassociate { association } => {
                let subnet = &sc.subnet_of(*association).id;
                self.mark(MarkKind::Disassociation, format!("disassociated: {subnet}"));
                self.disassociated[association.index()] = true;
                self.health_changed(Noticed::AtOnce);
                self.route_table_changed();
            }
            EventKind::Associate { association } => {
                let subnet = &sc.subnet_of(*association).id;
                self.mark(MarkKind::Association, format!("associated: {subnet}"));
                self.disassociated[association.index()] = false;
                self.health_changed(Noticed::AtOnce);
                self.route_table_changed();
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
                self.health_changed(Noticed::ByKeepalive);
            }
            EventKind::Modify {
                changes,
                resets,
                disconnect_on_session_timeout,
                reset_window,
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
                    self.reset_all(*reset_window);
                }
            }
            EventKind::SessionTimeout { timeout, .. } => {
                self.mark(
                    MarkKind::SessionTimeoutEffective,
                    format!("session timeout {} h effective", timeout.hours()),
                );
                self.set_session_timeout(timeout.millis());
            }
            EventKind::Disassociate { .. } | EventKind::Associate { .. } => {}
        }
    }

    /// Resets every live connection: all at once (`window` 0), or each at an instant drawn
    /// uniformly in `[now, now + window)`. Only the connections live now are reset; a client
    /// that connects during the window already has the new configuration.
    fn reset_all(&mut self, window: Millis) {
        if window > 0 {
            self.reset_event = self.cause_event;
            let label = self.marks.last().map(|m| m.label.clone());
            if let Some(r) = self.recoveries.get_mut(self.cause_event as usize) {
                r.description = label.unwrap_or_default();
            }
        }
        for u in self.connected_users(None) {
            if window == 0 {
                self.drop_and_reconnect(u, EndCause::Reset, Noticed::AtOnce);
            } else {
                let offset = (dist::unit(&mut self.rng.drops) * window as f64) as Millis;
                self.push_user(self.now + offset.min(window - 1), EvKind::Reset, u);
            }
        }
    }

    /// Guide, "Split-tunnel on Client VPN endpoints": "any modification to the Client VPN
    /// endpoint route table will result in all client connections being reset". Associating a
    /// subnet adds its VPC route and disassociating one deletes its routes (guide: "Disassociate
    /// a target network"), so under split tunnel both reset every connection.
    fn route_table_changed(&mut self) {
        if self.sc.endpoint.split_tunnel {
            self.mark(
                MarkKind::ModificationEffective,
                "route table changed under split tunnel: resets every connection".to_string(),
            );
            self.reset_all(0);
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
                self.outcome_dropped(u);
                self.after_timeout(u);
            } else {
                self.schedule_session_end(u);
            }
        }
    }

    /// Applies outage and (dis)association state: failed associations drop their clients (who
    /// notice as `noticed` says), DNS stops returning them, and the limits follow the table for
    /// the healthy count. Nobody on a healthy association is dropped, even when the limit is now
    /// below the live count: new attempts are refused until the count falls below it.
    fn health_changed(&mut self, noticed: Noticed) {
        let n = self.live.len();
        for a in 0..n {
            let healthy = self.outage_depth[a] == 0 && !self.disassociated[a];
            if healthy == self.cap.is_healthy(a) {
                continue;
            }
            self.cap.set_healthy(self.sc, a, healthy);
            if !healthy {
                for u in self.connected_users(Some(a)) {
                    self.drop_and_reconnect(u, EndCause::AssociationFailed, noticed);
                }
            }
        }
        self.healthy = (0..n)
            .filter(|&a| self.cap.is_healthy(a))
            .map(|a| a as u8)
            .collect();
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
