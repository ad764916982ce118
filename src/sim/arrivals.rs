//! When users want the VPN: working days of closed populations and the piecewise-constant-rate
//! Poisson process of open populations (docs/model.md §1, §12).

use crate::dist::Draw;
use crate::model::{DaySet, Millis, Weekday, DAY, HOUR};

/// The first working day at or after `from_day` that starts before `duration`, if any.
pub fn next_working_day(
    days: DaySet,
    start_weekday: Weekday,
    from_day: u64,
    duration: Millis,
) -> Option<u64> {
    if days.0 & 0x7f == 0 {
        return None;
    }
    (from_day..from_day + 7)
        .find(|&d| days.contains(start_weekday.plus(d)))
        .filter(|&d| d.saturating_mul(DAY) < duration)
}

/// A non-homogeneous Poisson process whose rate is piecewise constant: (offset, rate) pieces
/// from offset 0, repeating every `period` if one is given.
#[derive(Debug, Clone)]
pub struct PoissonProfile {
    /// (offset within the period, arrivals per millisecond), sorted, first offset 0.
    per_ms: Vec<(Millis, f64)>,
    period: Option<Millis>,
}

impl PoissonProfile {
    /// The process of `profile`'s (offset, arrivals per hour) pieces. Each rate is divided by
    /// an hour here, once, instead of at every arrival: the same quotient, one division fewer
    /// on the way from one arrival to the next.
    pub fn new(profile: &[(Millis, f64)], period: Option<Millis>) -> PoissonProfile {
        PoissonProfile {
            per_ms: profile
                .iter()
                .map(|&(o, rate)| (o, rate.max(0.0) / HOUR as f64))
                .collect(),
            period: period.filter(|&p| p > 0),
        }
    }

    /// The rate per millisecond at integer time `t` and the end of the constant piece
    /// containing it (> t), or `None` when the rate holds forever.
    fn piece(&self, t: Millis) -> (f64, Option<Millis>) {
        let (phase, base) = match self.period {
            Some(p) => (t % p, t - t % p),
            None => (t, 0),
        };
        let i = self.per_ms.partition_point(|&(o, _)| o <= phase);
        let per_ms = if i == 0 { 0.0 } else { self.per_ms[i - 1].1 };
        let next_offset = self.per_ms.get(i).map(|&(o, _)| o);
        let end = match (next_offset, self.period) {
            (Some(o), Some(p)) => Some(base + o.min(p)),
            (Some(o), None) => Some(o),
            (None, Some(p)) => Some(base + p),
            (None, None) => None,
        };
        (per_ms, end)
    }

    /// The next arrival strictly after `from` (milliseconds, kept fractional so that rounding to
    /// the millisecond clock never accumulates), or `None` if there is none before `horizon`.
    ///
    /// Draws one unit-mean exponential "amount of expected arrivals" and walks the rate pieces
    /// until it is used up (inversion of the integrated rate).
    pub fn next_after(&self, from: f64, horizon: Millis, rng: &mut impl Draw) -> Option<f64> {
        let mut need = -rng.ln_one_minus_unit();
        let mut t = from;
        loop {
            // The cast truncates, which is the floor wherever the result is not saturated to 0
            // (every f64: see `truncation_is_the_floor_as_a_time`).
            let (per_ms, end) = self.piece(t as Millis);
            let end_f = end.map_or(f64::INFINITY, |e| e as f64);
            if per_ms > 0.0 {
                let dt = need.max(0.0) / per_ms;
                if t + dt < end_f {
                    return Some(t + dt).filter(|&a| a < horizon as f64);
                }
                need -= per_ms * (end_f - t);
            }
            match end {
                Some(e) if e < horizon => t = e as f64,
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MINUTE;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn days(names: &[Weekday]) -> DaySet {
        DaySet(names.iter().fold(0, |m, d| m | (1 << d.index())))
    }

    #[test]
    fn working_days_skip_the_weekend() {
        let mon_fri = days(&[
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ]);
        // Day 0 is a Thursday: Thu (0), Fri (1), then Mon (4).
        assert_eq!(next_working_day(mon_fri, Weekday::Thu, 0, 7 * DAY), Some(0));
        assert_eq!(next_working_day(mon_fri, Weekday::Thu, 2, 7 * DAY), Some(4));
        assert_eq!(next_working_day(mon_fri, Weekday::Thu, 2, 4 * DAY), None);
        assert_eq!(next_working_day(DaySet(0), Weekday::Mon, 0, 7 * DAY), None);
    }

    fn count(p: &PoissonProfile, from: Millis, to: Millis, seed: u64) -> usize {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut t = from as f64;
        let mut n = 0;
        while let Some(a) = p.next_after(t, to, &mut rng) {
            assert!(a > t);
            t = a;
            n += 1;
        }
        n
    }

    proptest::proptest! {
        /// `t as Millis` equals `libm::floor(t) as Millis` for every f64: the floor and the
        /// truncation differ only below zero, where both casts give 0.
        #[test]
        fn truncation_is_the_floor_as_a_time(bits in proptest::prelude::any::<u64>()) {
            let t = f64::from_bits(bits);
            proptest::prop_assert_eq!(t as Millis, libm::floor(t) as Millis);
        }
    }

    #[test]
    fn truncation_is_the_floor_at_the_edges() {
        for t in [
            -0.0,
            -0.5,
            -1.0,
            0.0,
            0.999_999_999_999,
            1.0,
            86_400_000.5,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            18_446_744_073_709_551_615.0,
        ] {
            assert_eq!(t as Millis, libm::floor(t) as Millis, "{t}");
        }
    }

    #[test]
    fn constant_rate_gives_the_expected_count() {
        let p = PoissonProfile::new(&[(0, 600.0)], None);
        // 600/h over 100 h: 60,000 expected, sd ≈ 245; allow 4 sd.
        let n = count(&p, 0, 100 * HOUR, 3) as f64;
        assert!((n - 60_000.0).abs() < 1_000.0, "{n}");
    }

    #[test]
    fn piecewise_periodic_rate_is_followed() {
        // 1,200/h for the first 30 minutes of each hour, nothing after.
        let p = PoissonProfile::new(&[(0, 1200.0), (30 * MINUTE, 0.0)], Some(HOUR));
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut t = 0.0;
        let mut n = 0;
        while let Some(a) = p.next_after(t, 50 * HOUR, &mut rng) {
            assert!(
                (a as u64) % HOUR < 30 * MINUTE,
                "arrival in a zero-rate half hour: {a}"
            );
            t = a;
            n += 1;
        }
        // 600 per hour for 50 h = 30,000 ± 4 sd (≈ 700).
        assert!((n as f64 - 30_000.0).abs() < 700.0, "{n}");
        let none = PoissonProfile::new(&[(0, 0.0)], None);
        assert_eq!(count(&none, 0, 10 * HOUR, 1), 0);
    }
}
