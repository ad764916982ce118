//! Figures of a run as numbers, and their per-variant mean with a 95 % confidence interval
//! (Student's t over replicas).

use crate::model::Scenario;
use crate::sim::{FailureReason, Summary};

/// Names of the figures, in column order.
pub fn figure_names(thresholds: &[crate::model::Millis]) -> Vec<String> {
    let mut v: Vec<String> = [
        "users",
        "attempts",
        "successes",
        "failures",
        "attempt_failure_rate",
        "retries",
        "gave_up",
        "episodes",
        "time_to_connect_p50_s",
        "time_to_connect_p95_s",
        "time_to_connect_p99_s",
        "time_to_connect_max_s",
        "user_minutes_without_service",
        "recovery_time_95_percent_s",
        "recovery_time_all_s",
        "peak_concurrency",
        "mean_concurrency",
        "addresses_peak",
        "address_headroom",
        "hours_to_address_exhaustion",
        "below_floor_connection_minutes",
        "sessions_reset",
        "sessions_dropped_by_association_failure",
        "cost",
        "cost_per_month",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(
        thresholds
            .iter()
            .map(|&t| format!("share_not_connected_within_{}", short_duration(t))),
    );
    v.extend(
        FailureReason::ALL
            .iter()
            .map(|r| format!("failures.{}", r.name())),
    );
    v
}

/// A threshold in a figure's name: `90s`, `5m`, `2h` (the largest whole unit), else `1500ms`.
pub fn short_duration(ms: crate::model::Millis) -> String {
    use crate::model::{HOUR, MINUTE, SECOND};
    match ms {
        0 => "0s".to_string(),
        _ if ms % HOUR == 0 => format!("{}h", ms / HOUR),
        _ if ms % MINUTE == 0 => format!("{}m", ms / MINUTE),
        _ if ms % SECOND == 0 => format!("{}s", ms / SECOND),
        _ => format!("{ms}ms"),
    }
}

/// The slowest recovery of the run (seconds): the largest time to 95 % (or to all) of an event's
/// dropped users back; infinite when some event's users never got there; NaN without events.
fn slowest_recovery(s: &Summary, all: bool) -> f64 {
    s.recovery
        .iter()
        .map(|r| {
            let t = if all {
                r.time_to_all_back_s
            } else {
                r.time_to_95_percent_back_s
            };
            t.unwrap_or(f64::INFINITY)
        })
        .fold(f64::NAN, f64::max)
}

/// The figures of one run, in the order of [`figure_names`]; NaN where a figure does not apply
/// (no address exhaustion).
pub fn figures(sc: &Scenario, s: &Summary) -> Vec<f64> {
    let cost = crate::cost::of_run(sc, &s.usage);
    let headroom = if s.addresses_usable == 0 {
        0.0
    } else {
        1.0 - s.addresses_peak as f64 / s.addresses_usable as f64
    };
    let mut v = vec![
        s.users as f64,
        s.attempts as f64,
        s.successes as f64,
        s.failures as f64,
        s.attempt_failure_rate,
        s.retries as f64,
        s.gave_up as f64,
        s.outcomes.episodes as f64,
        s.outcomes.time_to_connect.p50_s.unwrap_or(f64::NAN),
        s.outcomes.time_to_connect.p95_s.unwrap_or(f64::NAN),
        s.outcomes.time_to_connect.p99_s.unwrap_or(f64::NAN),
        s.outcomes.time_to_connect.max_s.unwrap_or(f64::NAN),
        s.outcomes.user_minutes_without_service,
        slowest_recovery(s, false),
        slowest_recovery(s, true),
        s.peak_concurrency as f64,
        s.mean_concurrency,
        s.addresses_peak as f64,
        headroom,
        s.time_to_address_exhaustion_ms
            .map_or(f64::NAN, |ms| ms as f64 / 3_600_000.0),
        s.below_floor_connection_minutes,
        s.sessions.reset_by_modification as f64,
        s.sessions.dropped_by_association_failure as f64,
        cost.total,
        cost.per_month,
    ];
    v.extend(s.outcomes.not_connected_within.iter().map(|n| n.share));
    v.extend(
        FailureReason::ALL
            .iter()
            .map(|r| s.failures_by_reason.0[r.index()] as f64),
    );
    v
}

/// Two-sided 97.5 % quantile of Student's t with `df` degrees of freedom: exact table to 30, then
/// the Cornish–Fisher expansion (error below 0.001).
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    if df == 0 {
        return f64::NAN;
    }
    if df <= 30 {
        return T[df - 1];
    }
    let z = 1.959_964;
    let d = df as f64;
    z + (z * z * z + z) / (4.0 * d)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
}

/// Mean and 95 % confidence interval of the finite values; NaN bounds with fewer than two.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub n: usize,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// The first pass of an [`Estimate`] over a stream of values: the count and the sum of the finite
/// values, added in the order they come (the order [`estimate`] adds them in, from the same
/// starting value as `Iterator::sum`), so the mean is bit for bit the mean of the held values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mean {
    n: usize,
    sum: f64,
}

impl Default for Mean {
    fn default() -> Mean {
        Mean {
            n: 0,
            sum: std::iter::empty::<f64>().sum(),
        }
    }
}

impl Mean {
    pub fn add(&mut self, x: f64) {
        if x.is_finite() {
            self.n += 1;
            self.sum += x;
        }
    }

    /// The finite values seen.
    pub fn n(&self) -> usize {
        self.n
    }

    /// NaN without a finite value.
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.sum / self.n as f64
        }
    }

    /// The second pass: squared deviations from this mean, over the same values again.
    pub fn spread(&self) -> Spread {
        Spread {
            n: self.n,
            mean: self.mean(),
            seen: 0,
            squares: std::iter::empty::<f64>().sum(),
        }
    }
}

/// The second pass of an [`Estimate`]: the values again, in the same order, after [`Mean`].
/// Two passes, not a one-pass update, so the interval is bit for bit [`estimate`]'s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    n: usize,
    mean: f64,
    seen: usize,
    squares: f64,
}

impl Spread {
    pub fn add(&mut self, x: f64) {
        if x.is_finite() {
            self.seen += 1;
            self.squares += (x - self.mean) * (x - self.mean);
        }
    }

    /// The estimate; `None` when the second pass did not see the first pass's count of finite
    /// values (the values changed between the passes).
    pub fn estimate(&self) -> Option<Estimate> {
        if self.seen != self.n {
            return None;
        }
        let (n, mean) = (self.n, self.mean);
        if n < 2 {
            return Some(Estimate {
                n,
                mean,
                low: f64::NAN,
                high: f64::NAN,
            });
        }
        let var = self.squares / (n - 1) as f64;
        let half = t975(n - 1) * (var / n as f64).sqrt();
        Some(Estimate {
            n,
            mean,
            low: mean - half,
            high: mean + half,
        })
    }
}

/// The estimate of values held in memory (what [`Mean`] then [`Spread`] compute over a stream).
pub fn estimate(values: &[f64]) -> Estimate {
    let xs: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let n = xs.len();
    if n == 0 {
        return Estimate {
            n,
            mean: f64::NAN,
            low: f64::NAN,
            high: f64::NAN,
        };
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Estimate {
            n,
            mean,
            low: f64::NAN,
            high: f64::NAN,
        };
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let half = t975(n - 1) * (var / n as f64).sqrt();
    Estimate {
        n,
        mean,
        low: mean - half,
        high: mean + half,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_interval_by_hand() {
        // 1, 2, 3, 4, 5: mean 3, s = 1.5811, t(4) = 2.776 → half-width 1.9630.
        let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.n, 5);
        assert!((e.mean - 3.0).abs() < 1e-12);
        assert!((e.high - 3.0 - 1.963_0).abs() < 1e-3, "{e:?}");
        let one = estimate(&[7.0, f64::NAN]);
        assert_eq!((one.n, one.mean), (1, 7.0));
        assert!(one.low.is_nan());
    }

    #[test]
    fn two_streamed_passes_give_the_held_estimate_bit_for_bit() {
        // Values whose sums round at every step, a NaN and infinities left out, a lone value,
        // negative zeros (the held sum starts from `Iterator::sum`'s own zero), nothing at all.
        let cases: [&[f64]; 6] = [
            &[0.1, 0.2, 0.3, 1e16, -1e16, 1.0 / 3.0, 2.0 / 3.0, 7e-300],
            &[1e308, 1e308, -1e308, f64::NAN, f64::INFINITY, 5.5],
            &[42.0],
            &[-0.0, -0.0],
            &[f64::NAN, f64::NEG_INFINITY],
            &[],
        ];
        for xs in cases {
            let held = estimate(xs);
            let mut first = Mean::default();
            xs.iter().for_each(|&x| first.add(x));
            let mut second = first.spread();
            xs.iter().for_each(|&x| second.add(x));
            let streamed = second.estimate().unwrap();
            let bits = |e: Estimate| (e.n, e.mean.to_bits(), e.low.to_bits(), e.high.to_bits());
            assert_eq!(bits(streamed), bits(held), "{xs:?}");
            assert_eq!(first.n(), held.n);
        }
        // A second pass that sees other values than the first is refused, not averaged.
        let mut first = Mean::default();
        first.add(1.0);
        let mut second = first.spread();
        second.add(1.0);
        second.add(2.0);
        assert_eq!(second.estimate(), None);
    }

    #[test]
    fn t_quantiles_continue_smoothly_past_the_table() {
        assert!((t975(31) - 2.040).abs() < 0.002);
        assert!((t975(120) - 1.980).abs() < 0.002);
        assert!((t975(100_000) - 1.960).abs() < 0.001);
    }
}
