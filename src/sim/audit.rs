//! Invariant checks run after every event when [`crate::sim::SimOptions::audit`] is on (property
//! tests turn it on; it costs O(users) per event):
//! - a live count above its limit never grows: an admission happens only below the limit, and a
//!   limit that falls below the live count disconnects nobody, so live connections may stay
//!   above it until they end (per association and in total);
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

    fn audit_capacity(&mut self, problems: &mut Vec<String>) {
        let n = self.live.len();
        let now: Vec<u32> = self.live.iter().copied().chain([self.live_total]).collect();
        let before = std::mem::replace(&mut self.audit_live, now.clone());
        let before = if before.is_empty() {
            vec![0; n + 1]
        } else {
            before
        };
        for i in 0..=n {
            let limit = if i < n {
                self.cap.limit_of(i)
            } else {
                self.cap.total()
            };
            if now[i] > limit && now[i] > before[i] {
                let what = if i < n {
                    format!("association {i}")
                } else {
                    "endpoint".to_string()
                };
                problems.push(format!(
                    "{what}: {} live > limit {limit}, up from {}",
                    now[i], before[i]
                ));
            }
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
            match user.state() {
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
