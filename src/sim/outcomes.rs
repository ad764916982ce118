//! User-level outcomes: per connection episode (a user wanting the VPN, from the first attempt
//! of the episode until connected, given up or no longer wanting it) the time to connect and the
//! time without service; per scenario event that drops connections, how the dropped users come
//! back. Counters and fixed-bucket histograms only: nothing here allocates per event.

use serde::Serialize;

use crate::model::{Millis, MINUTE, SECOND};
use crate::sim::reason::FailureReason;
use crate::sim::stats::ByReason;

/// Sub-buckets per power of two: every recorded value above 64 ms lands in a bucket whose width
/// is at most 1/64 of its lower edge (1.6 %); values below 64 ms are exact.
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
/// Largest exponent kept in its own buckets (2⁴⁶ ms ≈ 2,200 years); larger values share the last.
const MAX_EXP: u32 = 46;
const BUCKETS: usize = (SUB as usize) * (MAX_EXP - SUB_BITS + 2) as usize;

/// Resolution of every quantile cvpnsim reports from a [`Histogram`], for the outputs' notes.
pub const RESOLUTION: &str =
    "log-linear buckets, 64 per power of two: exact below 64 ms, within 1.6 % above; max exact";

/// A deterministic histogram of durations in milliseconds with log-linear buckets and the exact
/// maximum. Quantiles are the upper edge of the bucket holding the nearest-rank value, capped at
/// the maximum, so they never understate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// Empty until the first value (so unused histograms cost nothing).
    counts: Vec<u64>,
    n: u64,
    max: Millis,
}

fn bucket(v: Millis) -> usize {
    if v < SUB {
        return v as usize;
    }
    let e = (63 - v.leading_zeros()).min(MAX_EXP);
    let sub = (v >> (e - SUB_BITS)) & (SUB - 1);
    let sub = if e == MAX_EXP && v >> MAX_EXP > 1 {
        SUB - 1
    } else {
        sub
    };
    (SUB as usize) * (e - SUB_BITS + 1) as usize + sub as usize
}

/// Largest value that falls in bucket `b`.
fn upper_edge(b: usize) -> Millis {
    let sub_n = SUB as usize;
    if b < sub_n {
        return b as Millis;
    }
    let e = (b / sub_n) as u32 + SUB_BITS - 1;
    let sub = (b % sub_n) as u64;
    let width = 1u64 << (e - SUB_BITS);
    ((SUB + sub) << (e - SUB_BITS)) + width - 1
}

impl Histogram {
    pub fn record(&mut self, v: Millis) {
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS];
        }
        self.counts[bucket(v)] += 1;
        self.n += 1;
        self.max = self.max.max(v);
    }

    pub fn len(&self) -> u64 {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn max(&self) -> Option<Millis> {
        (self.n > 0).then_some(self.max)
    }

    /// The value of rank `rank` (1-based) in ascending order, to the histogram's resolution.
    pub fn rank(&self, rank: u64) -> Option<Millis> {
        if rank == 0 || rank > self.n {
            return None;
        }
        let mut seen = 0;
        for (b, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(upper_edge(b).min(self.max));
            }
        }
        Some(self.max)
    }

    /// Nearest-rank quantile `q` (0 < q ≤ 1) of the recorded values.
    pub fn quantile(&self, q: f64) -> Option<Millis> {
        self.rank(nearest_rank(q, self.n))
    }

    pub fn merge(&mut self, other: &Histogram) {
        if other.n == 0 {
            return;
        }
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS];
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.n += other.n;
        self.max = self.max.max(other.max);
    }
}

/// ⌈q·n⌉, at least 1.
pub fn nearest_rank(q: f64, n: u64) -> u64 {
    (libm::ceil(q * n as f64) as u64).clamp(1, n.max(1))
}

/// The most thresholds `[output] outcome_thresholds` may list.
pub const MAX_THRESHOLDS: usize = 8;

/// Running counts of episodes for one population or the whole run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Episodes {
    pub started: u64,
    pub connected: u64,
    pub gave_up: u64,
    /// Ended unconnected because the user stopped wanting the VPN (end of work, or left).
    pub stopped_wanting: u64,
    /// Still waiting when the run ended.
    pub open_at_end: u64,
    /// Episodes not connected within threshold i (unconnected ones count once they are older).
    pub not_within: [u64; MAX_THRESHOLDS],
    /// Time wanting but not connected, milliseconds.
    pub unserved_ms: u128,
    pub time_to_connect: Histogram,
}

impl Episodes {
    /// An episode of `waited` ms ends: connected or not.
    pub fn end(&mut self, waited: Millis, connected: bool, thresholds: &[Millis]) {
        self.unserved_ms += u128::from(waited);
        if connected {
            self.time_to_connect.record(waited);
        }
        for (i, &t) in thresholds.iter().enumerate() {
            // Connected within T means connected after at most T; unconnected episodes that
            // ended (gave up, stopped wanting) never connected, so they count at every T.
            if !connected || waited > t {
                self.not_within[i] += 1;
            }
        }
    }

    /// An episode still open at the end of the run, `waited` ms old: it counts against a
    /// threshold only once it is older than it.
    pub fn censor(&mut self, waited: Millis, thresholds: &[Millis]) {
        self.open_at_end += 1;
        self.unserved_ms += u128::from(waited);
        for (i, &t) in thresholds.iter().enumerate() {
            if waited > t {
                self.not_within[i] += 1;
            }
        }
    }

    pub fn summary(&self, thresholds: &[Millis]) -> OutcomeSummary {
        let share = |c: u64| {
            if self.started == 0 {
                0.0
            } else {
                c as f64 / self.started as f64
            }
        };
        let h = &self.time_to_connect;
        let secs = |v: Option<Millis>| v.map(|ms| ms as f64 / SECOND as f64);
        OutcomeSummary {
            episodes: self.started,
            connected: self.connected,
            gave_up: self.gave_up,
            stopped_wanting: self.stopped_wanting,
            waiting_at_end: self.open_at_end,
            time_to_connect: TimeToConnect {
                p50_s: secs(h.quantile(0.50)),
                p95_s: secs(h.quantile(0.95)),
                p99_s: secs(h.quantile(0.99)),
                max_s: secs(h.max()),
                resolution: RESOLUTION,
            },
            not_connected_within: thresholds
                .iter()
                .enumerate()
                .map(|(i, &t)| NotWithin {
                    within_s: t as f64 / SECOND as f64,
                    users: self.not_within[i],
                    share: share(self.not_within[i]),
                })
                .collect(),
            user_minutes_without_service: self.unserved_ms as f64 / MINUTE as f64,
        }
    }
}

/// User-level outcomes of a run or a population (`summary.json`'s `outcomes`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeSummary {
    /// Episodes: a user wanting the VPN, from the first attempt until connected or not wanting it.
    pub episodes: u64,
    pub connected: u64,
    pub gave_up: u64,
    /// Ended unconnected because the user's work (or open session) ended first.
    pub stopped_wanting: u64,
    pub waiting_at_end: u64,
    pub time_to_connect: TimeToConnect,
    pub not_connected_within: Vec<NotWithin>,
    /// Minutes users spent wanting the VPN without being connected (episode start to its end).
    pub user_minutes_without_service: f64,
}

impl OutcomeSummary {
    /// Share of episodes not connected within `within` ms, if that threshold was counted.
    pub fn share_not_within(&self, within: Millis) -> Option<f64> {
        self.not_connected_within
            .iter()
            .find(|n| libm::round(n.within_s * SECOND as f64) as Millis == within)
            .map(|n| n.share)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeToConnect {
    pub p50_s: Option<f64>,
    pub p95_s: Option<f64>,
    pub p99_s: Option<f64>,
    pub max_s: Option<f64>,
    pub resolution: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotWithin {
    pub within_s: f64,
    pub users: u64,
    pub share: f64,
}

/// How the users one scenario event dropped come back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recovery {
    /// When the event dropped its first connection.
    pub at: Millis,
    pub description: String,
    pub dropped: u64,
    pub back: u64,
    /// Dropped users who stopped trying (gave up, chose not to reconnect, or work ended).
    pub lost: u64,
    /// Dropped users neither back nor lost yet.
    pub outstanding: u64,
    /// Time from `at` until each dropped user was connected again.
    pub back_after: Histogram,
    pub peak_attempts_per_second: u64,
    pub failures: [u64; FailureReason::COUNT],
}

impl Recovery {
    pub fn summary(&self) -> RecoverySummary {
        let secs = |v: Option<Millis>| v.map(|ms| ms as f64 / SECOND as f64);
        let p95 = (self.dropped > 0)
            .then(|| nearest_rank(0.95, self.dropped))
            .filter(|&r| r <= self.back)
            .and_then(|r| self.back_after.rank(r));
        let p99 = (self.dropped > 0)
            .then(|| nearest_rank(0.99, self.dropped))
            .filter(|&r| r <= self.back)
            .and_then(|r| self.back_after.rank(r));
        let all = (self.dropped > 0 && self.back == self.dropped)
            .then(|| self.back_after.max())
            .flatten();
        RecoverySummary {
            at_ms: self.at,
            description: self.description.clone(),
            users_dropped: self.dropped,
            users_back: self.back,
            users_lost: self.lost,
            users_still_out_at_end: self.outstanding,
            time_to_95_percent_back_s: secs(p95),
            time_to_99_percent_back_s: secs(p99),
            time_to_all_back_s: secs(all),
            peak_attempts_per_second: self.peak_attempts_per_second,
            failed_attempts: self.failures.iter().sum(),
            failed_attempts_by_reason: ByReason(self.failures),
        }
    }
}

/// One event's recovery in `summary.json`'s `recovery` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoverySummary {
    pub at_ms: Millis,
    pub description: String,
    pub users_dropped: u64,
    pub users_back: u64,
    pub users_lost: u64,
    pub users_still_out_at_end: u64,
    /// From the event until 95 % of the dropped users were connected again (null: never).
    pub time_to_95_percent_back_s: Option<f64>,
    /// From the event until 99 % of the dropped users were connected again (null: never).
    pub time_to_99_percent_back_s: Option<f64>,
    /// From the event until every dropped user was connected again (null: never).
    pub time_to_all_back_s: Option<f64>,
    /// Most attempts (by anyone) in one second while some dropped users were still out.
    pub peak_attempts_per_second: u64,
    pub failed_attempts: u64,
    pub failed_attempts_by_reason: ByReason,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_exact_below_64_ms_and_within_1_6_percent_above() {
        for v in 0..64 {
            assert_eq!(upper_edge(bucket(v)), v);
        }
        for v in [64, 65, 127, 128, 1_000, 59_999, 60_000, 3_600_000, 1 << 40] {
            let b = bucket(v);
            let hi = upper_edge(b);
            let lo = if b == 0 { 0 } else { upper_edge(b - 1) + 1 };
            assert!(lo <= v && v <= hi, "{v} in [{lo}, {hi}]");
            assert!((hi - lo) as f64 <= lo as f64 / 64.0, "{v}: [{lo}, {hi}]");
        }
        assert!(bucket(u64::MAX) < BUCKETS);
    }

    #[test]
    fn quantiles_are_nearest_rank_capped_at_the_exact_max() {
        let mut h = Histogram::default();
        for s in 1..=100u64 {
            h.record(s * SECOND);
        }
        // Rank 50 is 50,000 ms, in the bucket [49,664, 50,175] (width 2⁹ between 2¹⁵ and
        // 2¹⁶): the reported value is that bucket's upper edge. Rank 99: [98,304, 99,327].
        assert_eq!(h.quantile(0.5), Some(50_175));
        assert_eq!(h.quantile(0.99), Some(99_327));
        assert_eq!(h.quantile(1.0), Some(100_000));
        assert_eq!(h.max(), Some(100_000));
        assert_eq!(Histogram::default().quantile(0.5), None);
    }
}
