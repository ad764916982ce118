//! Distribution families (exponential, normal, log-normal) fitted by maximum likelihood and
//! chosen by AIC and the Kolmogorov–Smirnov test, else an empirical distribution.

use super::stats::{empirical, ks, mean_sd, phi, round_dist, Z99};
use super::{Candidate, Fit, MIN_SAMPLES};
use crate::dist::Dist;

/// Which families to try.
#[derive(Clone, Copy)]
pub(super) struct Families {
    pub(super) exponential: bool,
    pub(super) normal: bool,
    pub(super) lognormal: bool,
}

/// Fits the families to `xs` (milliseconds) and chooses one by the criterion in the module
/// documentation; `None` when there are too few observations.
pub(super) fn fit(xs: &[f64], families: Families) -> Option<Fit> {
    let mut sorted: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n < MIN_SAMPLES {
        return None;
    }
    let nf = n as f64;
    let mut candidates = Vec::new();
    let (mean, sd) = mean_sd(&sorted);
    if families.exponential && mean > 0.0 && sorted[0] >= 0.0 {
        let ll = -nf * libm::log(mean) - sorted.iter().sum::<f64>() / mean;
        candidates.push(Candidate {
            name: "exponential",
            dist: Dist::Exponential { mean },
            aic: 2.0 - 2.0 * ll,
            ks: ks(&sorted, |x| 1.0 - libm::exp(-x.max(0.0) / mean)),
        });
    }
    if families.normal && sd > 0.0 {
        let ll = -nf / 2.0 * libm::log(2.0 * std::f64::consts::PI * sd * sd) - nf / 2.0;
        candidates.push(Candidate {
            name: "normal",
            dist: Dist::Normal { mean, sd },
            aic: 4.0 - 2.0 * ll,
            ks: ks(&sorted, |x| phi((x - mean) / sd)),
        });
    }
    if families.lognormal && sorted[0] > 0.0 {
        let logs: Vec<f64> = sorted.iter().map(|&x| libm::log(x)).collect();
        let (mu, s) = mean_sd(&logs);
        if s > 0.0 {
            let ll = -logs.iter().sum::<f64>()
                - nf / 2.0 * libm::log(2.0 * std::f64::consts::PI * s * s)
                - nf / 2.0;
            candidates.push(Candidate {
                name: "lognormal",
                dist: Dist::LogNormal {
                    median: libm::exp(mu),
                    p99: libm::exp(mu + Z99 * s),
                },
                aic: 4.0 - 2.0 * ll,
                ks: ks(&sorted, |x| {
                    if x <= 0.0 {
                        0.0
                    } else {
                        phi((libm::log(x) - mu) / s)
                    }
                }),
            });
        }
    }
    let ks_critical = 1.628 / nf.sqrt();
    let best = candidates
        .iter()
        .min_by(|a, b| a.aic.total_cmp(&b.aic))
        .cloned();
    let (dist, chosen) = match best {
        Some(b) if b.ks <= ks_critical => (round_dist(b.dist), b.name),
        _ => (round_dist(empirical(&sorted, 20)), "empirical"),
    };
    Some(Fit {
        dist,
        chosen,
        candidates,
        n,
        ks_critical,
        observed: sorted,
    })
}

pub(super) const ALL: Families = Families {
    exponential: true,
    normal: true,
    lognormal: true,
};
