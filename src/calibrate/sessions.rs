//! Work sessions: a user's attempts and reconnects close together, the observation window in
//! whole days, and how well the logs identify users.

use super::DAY_S;
use crate::import::logs::{Connection, Outcome};
use std::collections::{BTreeMap, BTreeSet};

/// A user's work session: attempts and reconnects close together.
#[derive(Debug, Clone)]
pub(super) struct Chain {
    pub(super) user: Option<String>,
    pub(super) start: i64,
    pub(super) conns: Vec<usize>,
}

pub(super) fn chains(conns: &[Connection], gap: i64) -> Vec<Chain> {
    let mut by_user: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in conns.iter().enumerate() {
        let key = match &c.user {
            Some(u) => format!("u:{u}"),
            None => format!("c:{}", c.id),
        };
        by_user.entry(key).or_default().push(i);
    }
    let mut out = Vec::new();
    for idx in by_user.into_values() {
        let mut cur: Option<Chain> = None;
        let mut last_activity = i64::MIN;
        for i in idx {
            let c = &conns[i];
            let joins =
                cur.is_some() && last_activity != i64::MAX && c.start - last_activity <= gap;
            if !joins {
                out.extend(cur.take());
                cur = Some(Chain {
                    user: c.user.clone(),
                    start: c.start,
                    conns: Vec::new(),
                });
            }
            if let Some(ch) = cur.as_mut() {
                ch.conns.push(i);
            }
            last_activity = match c.outcome {
                Outcome::Connected => c.end.unwrap_or(i64::MAX),
                Outcome::Failed(_) => c.done,
                Outcome::Incomplete => c.start,
            };
        }
        out.extend(cur);
    }
    out.sort_by_key(|c| (c.start, c.conns[0]));
    out
}

/// The length of a chain that connected and ended within the logs (seconds).
pub(super) fn chain_length(ch: &Chain, conns: &[Connection]) -> Option<i64> {
    let last = &conns[*ch.conns.last()?];
    match (last.outcome == Outcome::Connected, last.end) {
        (true, Some(end)) => Some(end - ch.start),
        _ => None,
    }
}

/// Observation window: whole days from the first to the last attempt in the logs (ends of
/// connections after the last attempt do not show arrivals).
pub(super) fn window(conns: &[Connection]) -> (i64, i64) {
    let first = conns.iter().map(|c| c.start).min().unwrap_or(0);
    let last = conns.iter().map(|c| c.start.max(c.done)).max().unwrap_or(0);
    let d0 = first.div_euclid(DAY_S);
    let d1 = (last.div_euclid(DAY_S) + 1).max(d0 + 1);
    (d0, d1)
}

/// Model statistics for the `auto` choice.
pub(super) struct Identity {
    pub(super) identified: f64,
    pub(super) days_per_user: f64,
    pub(super) single_chain_days: f64,
}

pub(super) fn identity(conns: &[Connection], chains: &[Chain]) -> Identity {
    let identified =
        conns.iter().filter(|c| c.user.is_some()).count() as f64 / conns.len().max(1) as f64;
    let mut user_days: BTreeMap<(&str, i64), usize> = BTreeMap::new();
    for ch in chains {
        if let Some(u) = &ch.user {
            *user_days
                .entry((u, ch.start.div_euclid(DAY_S)))
                .or_default() += 1;
        }
    }
    let users: BTreeSet<&str> = user_days.keys().map(|k| k.0).collect();
    let days_per_user = user_days.len() as f64 / users.len().max(1) as f64;
    let single =
        user_days.values().filter(|&&n| n == 1).count() as f64 / user_days.len().max(1) as f64;
    Identity {
        identified,
        days_per_user,
        single_chain_days: single,
    }
}
