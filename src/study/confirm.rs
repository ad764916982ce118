//! `plan`'s study: the scenario resized to a plan (its associations and client CIDR prefix set
//! through the tree, checked by the loader) is simulated, then once per Availability Zone lost
//! for good at the planned run's peak. The zone losses depend on that peak, so their variants
//! are checked after the planned run and before their own.

use rayon::prelude::*;

use super::{grid, zones, Base};
use crate::cost;
use crate::model::Millis;
use crate::plan::{HandlerSizing, Plan};
use crate::sim::outcomes::RecoverySummary;
use crate::sim::{simulate, FailureReason, SimOptions, Summary};
use crate::source::tree::Value;

/// The refusals a plan must avoid: every reason that means capacity ran out.
pub const CAPACITY_REASONS: [FailureReason; 4] = [
    FailureReason::AssociationAtCapacity,
    FailureReason::EndpointAtCapacity,
    FailureReason::ClientCidrExhausted,
    FailureReason::NoHealthyAssociation,
];

/// What the simulation of the planned endpoint showed.
pub struct Confirmation {
    pub scenario: String,
    pub planned: Summary,
    /// The planned run's bill.
    pub cost: cost::Cost,
    /// (zone lost, summary of that run).
    pub zone_lost: Vec<(String, Summary)>,
    /// The planned scenario (the reset storm is a checked edit of it).
    pub planned_base: Base,
    /// The recommended handler concurrency and how the peak's users came back from a reset of
    /// every connection at the peak with it.
    pub storm: Option<(u32, RecoverySummary)>,
}

/// Attempts refused for one of the [`CAPACITY_REASONS`].
pub fn capacity_refusals(s: &Summary) -> u64 {
    CAPACITY_REASONS
        .iter()
        .map(|r| s.failures_by_reason.0[r.index()])
        .sum()
}

impl Confirmation {
    /// The storm's 99 % back within the target, as simulated (`None`: not simulated).
    pub fn storm_holds(&self, h: Option<&HandlerSizing>) -> Option<bool> {
        let (_, r) = self.storm.as_ref()?;
        let target = h?.target_ms as f64 / 1000.0;
        Some(r.time_to_99_percent_back_s.is_some_and(|t| t <= target))
    }

    /// No capacity refusal as planned, nor (when survival is asked) with any zone lost, and the
    /// simulated reset storm back within the handler's target.
    pub fn holds(&self, survive: bool, h: Option<&HandlerSizing>) -> bool {
        self.storm_holds(h) != Some(false)
            && capacity_refusals(&self.planned) == 0
            && (!survive
                || self
                    .zone_lost
                    .iter()
                    .all(|(_, s)| capacity_refusals(s) == 0))
    }

    pub fn text(&self, h: Option<&HandlerSizing>) -> String {
        let reasons: Vec<&str> = CAPACITY_REASONS.iter().map(|r| r.name()).collect();
        let mut out = format!(
            "simulated confirmation ({}; capacity refusals = {}):\n",
            self.scenario,
            reasons.join(" + ")
        );
        let line = |s: &Summary| {
            format!(
                "peak {} connections, {} capacity refusals, attempt failure rate {:.4} %",
                s.peak_concurrency,
                capacity_refusals(s),
                s.attempt_failure_rate * 100.0
            )
        };
        out.push_str(&format!("  as planned:      {}\n", line(&self.planned)));
        out.push_str(&format!(
            "  cost as planned: {} for the simulated {:.0} h, about {} a month\n",
            cost::money(self.cost.total),
            self.cost.run_hours,
            cost::money(self.cost.per_month)
        ));
        for (z, s) in &self.zone_lost {
            out.push_str(&format!("  {z} lost at peak: {}\n", line(s)));
        }
        if let (Some((c, r)), Some(ok)) = (&self.storm, self.storm_holds(h)) {
            let secs = |v: Option<f64>| v.map_or("never".to_string(), |t| format!("{t:.1} s"));
            out.push_str(&format!(
                "  every connection reset at the peak, handler concurrency {c}: {} users dropped, 99 % back in {}, all in {} ({} the target)\n",
                cost::quantity(r.users_dropped as f64),
                secs(r.time_to_99_percent_back_s),
                secs(r.time_to_all_back_s),
                if ok { "within" } else { "NOT within" }
            ));
        }
        out
    }

    /// The `simulated` member of `plan`'s JSON document.
    pub fn json(&self, h: Option<&HandlerSizing>) -> serde_json::Value {
        let summary = |s: &Summary| {
            serde_json::json!({
                "peak_concurrency": s.peak_concurrency,
                "capacity_refusals": capacity_refusals(s),
                "attempt_failure_rate": s.attempt_failure_rate,
            })
        };
        serde_json::json!({
            "scenario": self.scenario,
            "as_planned": summary(&self.planned),
            "cost": self.cost,
            "zone_lost": self.zone_lost.iter().map(|(z, s)| serde_json::json!({"availability_zone": z, "run": summary(s)})).collect::<Vec<_>>(),
            "reset_storm": self.storm.as_ref().map(|(conc, r)| serde_json::json!({
                "handler_concurrency": conc,
                "users_dropped": r.users_dropped,
                "time_to_99_percent_back_s": r.time_to_99_percent_back_s,
                "time_to_all_back_s": r.time_to_all_back_s,
                "within_target": self.storm_holds(h),
            })),
        })
    }
}

/// Simulates `base` resized to the plan, then once per zone lost at the planned run's peak.
pub fn confirm(base: &Base, p: &Plan) -> Result<Confirmation, String> {
    let name = &base.source().name;
    let declared = base.scenario().associations.len();
    if declared < p.associations {
        return Err(format!(
            "{name} declares {declared} association(s); the plan needs {}: add subnets in more Availability Zones to confirm it",
            p.associations
        ));
    }
    let planned = base
        .variant(format!("{name} (as planned)"), |t| {
            grid::set(t, "associations", &Value::Integer(p.associations as i64))?;
            grid::set(
                t,
                "endpoint.client_cidr_prefix",
                &Value::Integer(p.client_prefix as i64),
            )
        })
        .map_err(|e| match e {
            super::VariantError::Edit(e) => e.to_string(),
            e => format!("the planned endpoint is not a valid scenario:\n{e}"),
        })?;
    let opts = SimOptions {
        sample_sink: Some(&crate::sim::discard_rows),
        ..SimOptions::default()
    };
    let run = simulate(planned.scenario(), &opts).summary;
    let bill = cost::of_run(planned.scenario(), &run.usage);
    // A zone lost at the end of the run would be no event at all: at worst, the last millisecond.
    let peak_at = run
        .peak_concurrency_at_ms
        .min(planned.scenario().duration.saturating_sub(1));
    let lost = zones(planned.scenario())
        .into_iter()
        .map(|z| {
            let description = format!("{z} lost at the peak (plan)");
            planned
                .variant(format!("{name} (as planned, {z} lost)"), |t| {
                    grid::lose_zone(t, &z, peak_at, &description)
                })
                .map(|v| (z.clone(), v))
                .map_err(|e| format!("the planned endpoint with {z} lost is not valid:\n{e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let zone_lost = lost
        .par_iter()
        .map(|(z, v)| (z.clone(), simulate(v.scenario(), &opts).summary))
        .collect();
    Ok(Confirmation {
        scenario: planned.scenario().name.clone(),
        planned: run,
        cost: bill,
        zone_lost,
        planned_base: planned,
        storm: None,
    })
}

/// The planned scenario with its client connect handler at `concurrency` (with `latency`, as a
/// scenario's tree holds a latency, when given; a handler is added when the scenario has none) and
/// every live connection reset at `at`, all at once — an edit of the tree checked by the loader —
/// simulated: how the users the reset dropped came back (`None` when it dropped nobody).
pub fn reset_storm(
    planned: &Base,
    concurrency: u32,
    latency: Option<&Value>,
    at: Millis,
) -> Result<Option<RecoverySummary>, String> {
    let sc = planned.scenario();
    let at = at.min(sc.duration.saturating_sub(1));
    let has_handler = sc.endpoint.client_connect_handler.is_some();
    let storm = planned
        .variant(format!("{} (reset storm)", sc.name), |t| {
            let h = "endpoint.client_connect_handler";
            if !has_handler {
                grid::set(
                    t,
                    &format!("{h}.function_name"),
                    &Value::String("AWSClientVPN-planned".into()),
                )?;
                grid::set(t, &format!("{h}.latency"), &Value::String("0s".into()))?;
            }
            grid::set(
                t,
                &format!("{h}.concurrency"),
                &Value::Integer(i64::from(concurrency)),
            )?;
            if let Some(l) = latency {
                grid::set(t, &format!("{h}.latency"), l)?;
            }
            grid::reset_every_connection(t, at, "every connection reset (plan)")
        })
        .map_err(|e| format!("the planned endpoint with its reset storm is not valid:\n{e}"))?;
    let r = simulate(storm.scenario(), &SimOptions::default());
    Ok(r.summary.recovery.into_iter().find(|e| e.at_ms == at))
}
