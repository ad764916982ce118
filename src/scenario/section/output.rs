//! `[output]`: what a run writes (connection log, CloudWatch period, headroom margin, the
//! waits users are counted against), read and written side by side.

use super::*;

pub(crate) fn decode(n: &Node, cx: &mut Cx) -> Option<OutputOptions> {
    let mut t = Table::new(n, "output", cx)?;
    let connection_log = t.opt("connection_log").map_or(Some(false), |n| {
        read::boolean(n, "output.connection_log", cx)
    });
    let metrics_period = t
        .opt("metrics_period")
        .map_or(Some(CLOUDWATCH_PERIOD), |n| {
            let d = positive_duration(n, "output.metrics_period", cx)?;
            if d % MINUTE != 0 {
                cx.error(
                    RuleId::Value,
                    "output.metrics_period",
                    n.span.clone(),
                    "`output.metrics_period` must be a whole number of minutes: CloudWatch periods are multiples of 60 seconds".to_string(),
                    "use \"1m\", \"5m\" (what Client VPN publishes) or \"1h\"",
                );
                return None;
            }
            Some(d)
        });
    let headroom_margin = t.opt("headroom_margin").map_or(Some(0.2), |n| {
        read::number(n, "output.headroom_margin", 0.0, true, 0.95, cx)
    });
    let thresholds = t.opt("outcome_thresholds").map_or(
        Some(crate::model::DEFAULT_OUTCOME_THRESHOLDS.to_vec()),
        |n| outcome_thresholds(n, cx),
    );
    t.finish(cx);
    Some(OutputOptions {
        connection_log: connection_log?,
        metrics_period: metrics_period?,
        headroom_margin: headroom_margin?,
        outcome_thresholds: thresholds?,
    })
}

/// `[output] outcome_thresholds`: one to eight positive durations, strictly ascending.
pub(crate) fn outcome_thresholds(n: &Node, cx: &mut Cx) -> Option<Vec<Millis>> {
    let path = "output.outcome_thresholds";
    let items = read::array(n, path, cx)?;
    if items.is_empty() || items.len() > 8 {
        cx.error(
            RuleId::OutcomeThresholds,
            path,
            n.span.clone(),
            format!(
                "`{path}` has {} entries; it needs one to eight",
                items.len()
            ),
            "write e.g. outcome_thresholds = [\"1m\", \"5m\", \"15m\"]",
        );
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let ms = positive_duration(item, &at, cx)?;
        if out.last().is_some_and(|&prev| ms <= prev) {
            cx.error(
                RuleId::OutcomeThresholds,
                &at,
                item.span.clone(),
                format!("`{at}` is not longer than the threshold before it"),
                "list the thresholds in ascending order without repeats, e.g. [\"1m\", \"5m\", \"15m\"]",
            );
            return None;
        }
        out.push(ms);
    }
    Some(out)
}

/// Writes the `[output]` table into the document.
pub(crate) fn write(s: &Scenario, doc: &mut DocumentMut) {
    let mut out = TomlTable::new();
    out["connection_log"] = value(s.output.connection_log);
    if s.output.metrics_period != crate::model::CLOUDWATCH_PERIOD {
        out["metrics_period"] = Item::Value(dur(s.output.metrics_period));
    }
    if s.output.headroom_margin != crate::model::OutputOptions::default().headroom_margin {
        out["headroom_margin"] = value(s.output.headroom_margin);
    }
    let mut thresholds = Array::new();
    for &t in &s.output.outcome_thresholds {
        thresholds.push(dur(t));
    }
    out["outcome_thresholds"] = value(thresholds);
    doc["output"] = Item::Table(out);
}
