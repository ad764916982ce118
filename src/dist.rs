//! Probability distributions of the scenario (session lengths, start times, latencies, demand)
//! and their sampling.
//!
//! Sampling uses only the generator passed in and `libm`'s portable math, so a draw is the same
//! bits on every machine. Durations are distributions over milliseconds.

use rand::RngCore;

pub mod log;

/// A distribution over non-negative reals (milliseconds for durations, Mbps for demand).
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Fixed(f64),
    Uniform {
        low: f64,
        high: f64,
    },
    Exponential {
        mean: f64,
    },
    /// Normal, negative draws clamped to 0.
    Normal {
        mean: f64,
        sd: f64,
    },
    /// Log-normal given by its median and 99th percentile.
    LogNormal {
        median: f64,
        p99: f64,
    },
    /// Discrete: each value with probability proportional to its weight.
    Empirical {
        values: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

/// z such that Φ(z) = 0.99.
const Z99: f64 = 2.326_347_874_040_841;

/// A uniform draw in [0, 1) from 53 random bits.
pub fn unit(rng: &mut impl RngCore) -> f64 {
    unit_of(rng.next_u64())
}

/// The uniform value in [0, 1) of 64 random bits (their top 53), as [`unit`] draws it.
pub fn unit_of(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A generator that [`Dist::sample`] and the Poisson arrivals draw from. An exponential draw
/// takes `ln(1 − u)` of a uniform `u`, a normal one the inverse normal CDF of it; a generator may
/// have either computed ahead ([`crate::sim::rng::Ahead`]), which must give the same value.
pub trait Draw: RngCore {
    /// `ln(1 − u)` for the next uniform draw `u` (as [`unit`] draws it).
    fn ln_one_minus_unit(&mut self) -> f64 {
        libm::log(1.0 - unit_of(self.next_u64()))
    }

    /// The next standard normal draw ([`standard_normal`]).
    fn standard_normal(&mut self) -> f64 {
        standard_normal_of(self.next_u64())
    }
}

impl Draw for rand_chacha::ChaCha8Rng {}

/// A standard normal draw by inversion: one uniform through the inverse normal CDF (P. J.
/// Acklam's rational approximation, relative error below 1.2e-9). The central 95 % of draws need
/// no transcendental function, which makes it cheaper than Box–Muller on the engine's hot path.
pub fn standard_normal(rng: &mut impl RngCore) -> f64 {
    standard_normal_of(rng.next_u64())
}

/// The standard normal value of 64 random bits, as [`standard_normal`] draws it.
pub fn standard_normal_of(bits: u64) -> f64 {
    // (0, 1): never exactly 0, where the inverse is infinite.
    let p = (unit_of(bits) * (1u64 << 53) as f64 + 0.5) / (1u64 << 53) as f64;
    inverse_normal_cdf(p)
}

/// Φ⁻¹(p) for p in (0, 1).
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail(libm::sqrt(-2.0 * libm::log(p)))
    } else if p > 1.0 - LOW {
        -tail(libm::sqrt(-2.0 * libm::log(1.0 - p)))
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

impl Dist {
    /// Builds an empirical distribution from (value, weight) pairs; `None` if no weight is
    /// positive.
    pub fn empirical(pairs: &[(f64, f64)]) -> Option<Dist> {
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        if total <= 0.0 || pairs.iter().any(|p| p.1 < 0.0 || !p.1.is_finite()) {
            return None;
        }
        // Each step is (running sum of weights) / total, so the last is exactly 1 and weights
        // recovered as differences of steps sum back to the same steps.
        let mut acc = 0.0;
        let mut cumulative = Vec::with_capacity(pairs.len());
        for p in pairs {
            acc += p.1;
            cumulative.push(acc / total);
        }
        Some(Dist::Empirical {
            values: pairs.iter().map(|p| p.0).collect(),
            cumulative,
        })
    }

    pub fn sample(&self, rng: &mut impl Draw) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { low, high } => low + (high - low) * unit(rng),
            Dist::Exponential { mean } => -mean * rng.ln_one_minus_unit(),
            Dist::Normal { mean, sd } => (mean + sd * rng.standard_normal()).max(0.0),
            Dist::LogNormal { median, p99 } => {
                let mu = libm::log(*median);
                let sigma = (libm::log(*p99) - mu) / Z99;
                libm::exp(mu + sigma * rng.standard_normal())
            }
            Dist::Empirical { values, cumulative } => {
                let u = unit(rng);
                let i = cumulative
                    .partition_point(|&c| c <= u)
                    .min(values.len() - 1);
                values[i]
            }
        }
    }

    /// Draws and rounds to whole milliseconds (for durations).
    pub fn sample_millis(&self, rng: &mut impl Draw) -> u64 {
        let v = self.sample(rng);
        if v.is_finite() && v > 0.0 {
            round_u64(v).min(1 << 63)
        } else {
            0
        }
    }

    /// The mean (of the unclamped distribution for `Normal`).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform { low, high } => (low + high) / 2.0,
            Dist::Exponential { mean } => *mean,
            Dist::Normal { mean, .. } => *mean,
            Dist::LogNormal { median, p99 } => {
                let mu = libm::log(*median);
                let sigma = (libm::log(*p99) - mu) / Z99;
                libm::exp(mu + sigma * sigma / 2.0)
            }
            Dist::Empirical { values, cumulative } => {
                let mut prev = 0.0;
                values
                    .iter()
                    .zip(cumulative)
                    .map(|(v, c)| {
                        let p = c - prev;
                        prev = *c;
                        v * p
                    })
                    .sum()
            }
        }
    }
}

/// `libm::round(x) as u64`, exactly, for every `x` (halves away from zero, negatives and NaN to
/// 0, the conversion saturating), without a call: the truncation is one conversion, and
/// `x - trunc(x)` is exact, so comparing it with one half decides the rounding. Times and
/// durations are rounded to milliseconds this way on every event.
#[inline]
pub fn round_u64(x: f64) -> u64 {
    let t = x as u64;
    if x - t as f64 >= 0.5 {
        t.saturating_add(1)
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn fast_rounding_is_libm_rounding() {
        let edges = [
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.499_999_999_999_999_94,
            4_503_599_627_370_495.5,
            9_007_199_254_740_993.0,
            9.223_372_036_854_776e18,
            1.8e19,
            1e300,
            -0.5,
            -2.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        for x in edges {
            assert_eq!(round_u64(x), libm::round(x) as u64, "x = {x:e}");
        }
        assert_eq!(round_u64(2.5), 3);
        assert_eq!(round_u64(0.499_999_999_999_999_94), 0);
    }

    proptest::proptest! {
        /// Every bit pattern: finite, infinite, NaN, negative, subnormal.
        #[test]
        fn fast_rounding_matches_libm_on_any_bits(bits in proptest::num::u64::ANY) {
            let x = f64::from_bits(bits);
            proptest::prop_assert_eq!(round_u64(x), libm::round(x) as u64);
        }

        /// Times and durations as the engine draws them: milliseconds up to centuries.
        #[test]
        fn fast_rounding_matches_libm_on_durations(x in 0.0f64..4e12) {
            proptest::prop_assert_eq!(round_u64(x), libm::round(x) as u64);
        }
    }

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn empirical_steps_end_at_one() {
        // Weights 6, 3, 1 of 10: steps 6/10, 9/10, 10/10. Summing 0.6 + 0.3 instead would give
        // 0.8999999999999999 and a last step below 1.
        let d = Dist::empirical(&[(0.5, 6.0), (3.0, 3.0), (12.0, 1.0)]).unwrap();
        let Dist::Empirical { cumulative, .. } = &d else {
            panic!("not empirical")
        };
        assert_eq!(cumulative, &[0.6, 0.9, 1.0]);
        // Differences of the steps as weights (how a scenario is written back) give them again.
        let back = Dist::empirical(&[(0.5, 0.6), (3.0, 0.9 - 0.6), (12.0, 1.0 - 0.9)]).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn sample_means_match_theory() {
        // 200k draws: standard error of the mean is below 0.5 % of the mean for these shapes.
        for d in [
            Dist::Exponential { mean: 3600.0 },
            Dist::Uniform {
                low: 1.0,
                high: 10.0,
            },
            Dist::Normal {
                mean: 100.0,
                sd: 10.0,
            },
            Dist::LogNormal {
                median: 300.0,
                p99: 4000.0,
            },
            Dist::empirical(&[(1.0, 1.0), (5.0, 3.0)]).unwrap(),
        ] {
            let m = mean_of(&d, 200_000);
            let rel = (m - d.mean()).abs() / d.mean();
            assert!(rel < 0.02, "{d:?}: sample mean {m} vs {}", d.mean());
        }
    }

    #[test]
    fn inverse_normal_cdf_matches_known_quantiles() {
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.99, 2.326_347_874_040_841),
            (0.001, -3.090_232_306_167_813),
            (0.841_344_746_068_543, 1.0),
        ] {
            let got = inverse_normal_cdf(p);
            assert!((got - z).abs() < 1e-8, "Φ⁻¹({p}) = {got}, expected {z}");
        }
    }

    #[test]
    fn standard_normal_has_unit_variance() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        // Standard errors: 0.0022 for the mean, 0.0032 for the variance.
        assert!(
            mean.abs() < 0.01 && (var - 1.0).abs() < 0.015,
            "mean {mean}, variance {var}"
        );
        let beyond = xs.iter().filter(|x| x.abs() > 1.959_964).count() as f64 / n as f64;
        assert!((beyond - 0.05).abs() < 0.003, "{beyond}");
    }

    #[test]
    fn lognormal_p99_is_respected() {
        let d = Dist::LogNormal {
            median: 300.0,
            p99: 4000.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 100_000;
        let above = (0..n).filter(|_| d.sample(&mut rng) > 4000.0).count();
        let frac = above as f64 / n as f64;
        assert!((frac - 0.01).abs() < 0.002, "fraction above p99 = {frac}");
    }
}
