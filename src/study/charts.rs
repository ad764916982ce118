//! Charts of a sweep: each headline figure against each varied key, one line per combination of
//! the other keys (up to six; beyond that, averaged over them), with 95 % whiskers.

use super::table::{Estimates, Manifest};
use crate::report::chart::{CategoryChart, CategorySeries};

/// Figures charted against every key, with their axis labels.
pub const CHARTED: [(&str, &str); 8] = [
    (
        "time_to_connect_p99_s",
        "time to connect, 99th percentile of episodes (s)",
    ),
    (
        "attempt_failure_rate",
        "attempt failure rate (failed / finished attempts, retries included)",
    ),
    ("peak_concurrency", "peak concurrent connections"),
    ("failures", "failed attempts"),
    ("gave_up", "users who gave up"),
    (
        "address_headroom",
        "free share of usable client addresses at peak",
    ),
    (
        "below_floor_connection_minutes",
        "connection-minutes below the 10 Mbps floor",
    ),
    (
        "cost_per_month",
        "cost per 730-hour month at the run's rate (USD)",
    ),
];

/// (file stem, chart) for every key × charted figure.
pub fn charts(m: &Manifest, est: &Estimates) -> Vec<(String, CategoryChart)> {
    let mut out = Vec::new();
    for (k, key) in m.keys.iter().enumerate() {
        // Distinct values of this key, in grid order.
        let mut cats: Vec<String> = Vec::new();
        for v in &m.variants {
            if !cats.contains(&v[k]) {
                cats.push(v[k].clone());
            }
        }
        // Combinations of the other keys.
        let other = |v: &Vec<String>| -> String {
            m.keys
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .map(|(j, kk)| format!("{kk}={}", v[j]))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut combos: Vec<String> = Vec::new();
        for v in &m.variants {
            let o = other(v);
            if !combos.contains(&o) {
                combos.push(o);
            }
        }
        let averaged = combos.len() > 6;
        for (fig, label) in CHARTED {
            let Some(f) = m.figures.iter().position(|x| x == fig) else {
                continue;
            };
            let series: Vec<CategorySeries> = if averaged {
                let pts = cats
                    .iter()
                    .map(|c| {
                        let vals: Vec<f64> = m
                            .variants
                            .iter()
                            .enumerate()
                            .filter(|(_, v)| &v[k] == c)
                            .map(|(i, _)| est[i][f].mean)
                            .collect();
                        let e = super::stats::estimate(&vals);
                        (e.mean, e.low, e.high)
                    })
                    .collect();
                vec![(format!("mean over {} other settings", combos.len()), pts)]
            } else {
                combos
                    .iter()
                    .map(|combo| {
                        let pts = cats
                            .iter()
                            .map(|c| {
                                m.variants
                                    .iter()
                                    .position(|v| &v[k] == c && &other(v) == combo)
                                    .map_or((f64::NAN, f64::NAN, f64::NAN), |i| {
                                        (est[i][f].mean, est[i][f].low, est[i][f].high)
                                    })
                            })
                            .collect();
                        (
                            if combo.is_empty() {
                                fig.to_string()
                            } else {
                                combo.clone()
                            },
                            pts,
                        )
                    })
                    .collect()
            };
            let stem = format!(
                "{}-vs-{}",
                fig.replace('_', "-"),
                key.replace(['.', '[', ']'], "-")
            );
            out.push((
                stem,
                CategoryChart {
                    title: format!("{fig} by {key}"),
                    x_label: key.clone(),
                    y_label: label.to_string(),
                    categories: cats.clone(),
                    series,
                },
            ));
        }
    }
    out
}
