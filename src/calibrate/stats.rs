//! Statistics the fits share: quantiles, the normal CDF, the Kolmogorov–Smirnov distance, mean
//! and deviation, empirical distributions, and fitted values rounded to what the logs support.

use crate::dist::Dist;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub(super) const Z99: f64 = 2.326_347_874_040_841;
pub(super) fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

pub(super) fn phi(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// Kolmogorov–Smirnov distance between sorted observations and a CDF.
pub(super) fn ks(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max)
}

pub(super) fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// The empirical distribution of `m` equally likely quantiles.
pub(super) fn empirical(sorted: &[f64], m: usize) -> Dist {
    let m = m.min(sorted.len()).max(1);
    let pairs: Vec<(f64, f64)> = (0..m)
        .map(|k| {
            let v = quantile(sorted, (k as f64 + 0.5) / m as f64);
            (libm::round(v), 1.0)
        })
        .collect();
    Dist::empirical(&pairs).unwrap_or(Dist::Fixed(sorted[0]))
}

/// A fitted duration (ms) at the precision the logs support: whole seconds from a minute up,
/// tenths of a second below.
pub(super) fn round_ms(x: f64) -> f64 {
    let step = if x.abs() >= 60_000.0 { 1_000.0 } else { 100.0 };
    libm::round(x / step) * step
}

/// A fitted duration distribution with its parameters rounded by [`round_ms`].
pub(super) fn round_dist(d: Dist) -> Dist {
    match d {
        Dist::Fixed(x) => Dist::Fixed(round_ms(x)),
        Dist::Uniform { low, high } => Dist::Uniform {
            low: round_ms(low),
            high: round_ms(high),
        },
        Dist::Exponential { mean } => Dist::Exponential {
            mean: round_ms(mean),
        },
        Dist::Normal { mean, sd } => Dist::Normal {
            mean: round_ms(mean),
            sd: round_ms(sd),
        },
        Dist::LogNormal { median, p99 } => Dist::LogNormal {
            median: round_ms(median),
            p99: round_ms(p99),
        },
        Dist::Empirical { values, cumulative } => {
            let pairs: Vec<(f64, f64)> = values
                .iter()
                .zip(cumulative.iter().scan(0.0, |prev, c| {
                    let w = c - *prev;
                    *prev = *c;
                    Some(w)
                }))
                .map(|(v, w)| (round_ms(*v), w))
                .collect();
            Dist::empirical(&pairs).unwrap_or(Dist::Empirical { values, cumulative })
        }
    }
}

pub(super) fn round3(x: f64) -> f64 {
    libm::round(x * 1000.0) / 1000.0
}

/// Quantiles of a distribution by sampling with a fixed seed (so that every family, the
/// empirical one included, is treated alike).
pub fn dist_quantiles(d: &Dist, qs: &[f64]) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut xs: Vec<f64> = (0..20_000).map(|_| d.sample(&mut rng)).collect();
    xs.sort_by(f64::total_cmp);
    qs.iter().map(|&q| quantile(&xs, q)).collect()
}
