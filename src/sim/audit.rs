//! Invariant checks run after every event when [`crate::sim::SimOptions::audit`] is on (property
//! tests turn it on; it costs O(users) per event):
//! - live connections never exceed the current limit, per association and in total;
//! - no client address is held twice, and every live connection holds one;
//! - every attempt ends in exactly one outcome (attempts = successes + failures + in handler);
//! - users are conserved (closed: the configured count; open: arrivals − departures).

use crate::model::Arrivals;
use crate::sim::engine::{Engine, State, NO_SLOT};

/// At most this many violations are recorded.
const MAX_REPORTS: usize = 20;

impl Engine<'_> {
    pub(crate) fn audit_step(&mut self) {
        let mut problems = Vec::new();
        self.audit_capacity(&mut problems);
        self.audit_users(&mut problems);
        if let Some(report) = &mut self.audit {
            for p in problems {
                if report.len() < MAX_REPORTS {
                    report.push(format!("t={} ms: {p}", self.now));
                }
            }
        }
    }

    fn audit_capacity(&self, problems: &mut Vec<String>) {
        for a in 0..self.live.len() {
            if self.live[a] > self.cap.limit_of(a) {
                problems.push(format!(
                    "association {a}: {} live > limit {}",
                    self.live[a],
                    self.cap.limit_of(a)
                ));
            }
        }
        if self.live_total > self.cap.total() {
            problems.push(format!(
                "{} live > endpoint limit {}",
                self.live_total,
                self.cap.total()
            ));
        }
        if self.live.iter().sum::<u32>() != self.live_total {
            problems.push("per-association live counts do not add up to the total".into());
        }
        if self.pool.in_use() != self.live_total {
            problems.push(format!(
                "{} addresses held for {} live connections",
                self.pool.in_use(),
                self.live_total
            ));
        }
    }

    fn audit_users(&self, problems: &mut Vec<String>) {
        let n = self.live.len();
        let mut live = vec![0u32; n];
        let mut slots = Vec::new();
        let mut in_handler = 0u32;
        let mut present = vec![0u64; self.pops.len()];
        let free: std::collections::BTreeSet<u32> = self.free.iter().copied().collect();
        for (u, user) in self.users.iter().enumerate() {
            if !free.contains(&(u as u32)) {
                present[user.pop as usize] += 1;
            }
            match user.state {
                State::Connected => {
                    live[user.assoc as usize] += 1;
                    if user.slot == NO_SLOT {
                        problems.push(format!("user {u} connected without an address"));
                    }
                    slots.push(user.slot);
                }
                State::InHandler => in_handler += 1,
                _ if user.slot != NO_SLOT => {
                    problems.push(format!("user {u} holds an address while not connected"))
                }
                _ => {}
            }
        }
        slots.sort_unstable();
        if slots.windows(2).any(|w| w[0] == w[1]) {
            problems.push("an address is held twice".into());
        }
        if live != self.live {
            problems.push(format!(
                "connected users per association {live:?} ≠ live counts {:?}",
                self.live
            ));
        }
        if in_handler != self.in_flight {
            problems.push(format!(
                "{in_handler} users in the handler but {} invocations in flight",
                self.in_flight
            ));
        }
        let c = &self.counts;
        if c.attempts != c.successes + c.failed() + u64::from(in_handler) {
            problems.push(format!(
                "attempts {} ≠ successes {} + failures {} + in handler {in_handler}",
                c.attempts,
                c.successes,
                c.failed()
            ));
        }
        for (p, pop) in self.pops.iter().enumerate() {
            let expected = match self.sc.populations[p].arrivals {
                Arrivals::Workday { users, .. } => u64::from(users),
                Arrivals::Poisson { .. } => pop.users - pop.departed,
            };
            if present[p] != expected {
                problems.push(format!(
                    "population {p}: {} users present, expected {expected}",
                    present[p]
                ));
            }
        }
    }
}
