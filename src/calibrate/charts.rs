//! Chart data of a calibration: observed and fitted arrival rates, session-length quantiles.

use super::report::QS;
use super::stats::{dist_quantiles, quantile};
use super::Calibration;
use crate::model::{Millis, Weekday, DAY, HOUR};
use crate::report::chart::{CategoryChart, Mark, Series, SeriesKind, TimeChart};

/// The chart of arrivals per hour: observed (mean, lowest and highest repetition) and fitted.
pub fn arrivals_chart(c: &Calibration) -> TimeChart {
    let pts = |f: &dyn Fn(usize) -> f64| -> Vec<(Millis, f64)> {
        // The observed and fitted profiles can differ in length (a day or a week of hours).
        (0..c.fitted_rate.len().max(c.observed_rate.len()))
            .flat_map(|h| {
                let v = f(h);
                let v = if v.is_finite() { v } else { 0.0 };
                [(h as Millis * HOUR, v), ((h as Millis + 1) * HOUR, v)]
            })
            .collect()
    };
    let series = vec![
        Series {
            name: "logs: mean".into(),
            points: pts(&|h| c.observed_rate.get(h).map_or(f64::NAN, |o| o.0)),
            kind: SeriesKind::Line,
            colour: None,
        },
        Series {
            name: "logs: lowest".into(),
            points: pts(&|h| c.observed_rate.get(h).map_or(f64::NAN, |o| o.1)),
            kind: SeriesKind::Line,
            colour: None,
        },
        Series {
            name: "logs: highest".into(),
            points: pts(&|h| c.observed_rate.get(h).map_or(f64::NAN, |o| o.2)),
            kind: SeriesKind::Line,
            colour: None,
        },
        Series {
            name: "fitted".into(),
            points: pts(&|h| c.fitted_rate.get(h).copied().unwrap_or(f64::NAN)),
            kind: SeriesKind::Limit,
            colour: None,
        },
    ];
    let marks = if c.period == 7 * DAY {
        Weekday::ALL
            .iter()
            .enumerate()
            .map(|(i, w)| Mark {
                at: i as Millis * DAY,
                label: w.name().to_string(),
            })
            .collect()
    } else {
        Vec::new()
    };
    TimeChart {
        title: "Arrivals per hour: logs and fitted model".into(),
        y_label: "arrivals per hour".into(),
        from: 0,
        duration: c.period,
        start_weekday: crate::model::Weekday::Mon,
        series,
        marks,
    }
}

/// The chart of session-length quantiles: logs and fitted distribution, in hours.
pub fn sessions_chart(c: &Calibration) -> CategoryChart {
    let h = HOUR as f64;
    let fitted = dist_quantiles(&c.session.dist, &QS);
    let point = |v: f64| (v / h, f64::NAN, f64::NAN);
    CategoryChart {
        title: format!("Work session length: logs and fitted {}", c.session.chosen),
        x_label: "quantile".into(),
        y_label: "hours".into(),
        categories: QS
            .iter()
            .map(|q| format!("p{}", (q * 100.0) as u32))
            .collect(),
        series: vec![
            (
                "logs".into(),
                QS.iter()
                    .map(|q| point(quantile(&c.session.observed, *q)))
                    .collect(),
            ),
            ("fitted".into(), fitted.into_iter().map(point).collect()),
        ],
    }
}
