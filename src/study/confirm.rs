//! `plan`'s study: the scenario resized to a plan (its associations and client CIDR prefix set
//! through the tree, checked by the loader) is simulated, then once per Availability Zone lost
//! for good at the planned run's peak. The zone losses depend on that peak, so their variants
//! are checked after the planned run and before their own.

use rayon::prelude::*;

use super::{grid, zones, Base};
use crate::cost;
use crate::plan::Plan;
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
}

/// Attempts refused for one of the [`CAPACITY_REASONS`].
pub fn capacity_refusals(s: &Summary) -> u64 {
    CAPACITY_REASONS
        .iter()
        .map(|r| s.failures_by_reason.0[r.index()])
        .sum()
}

impl Confirmation {
    /// No capacity refusal as planned, nor (when survival is asked) with any zone lost.
    pub fn holds(&self, survive: bool) -> bool {
        capacity_refusals(&self.planned) == 0
            && (!survive
                || self
                    .zone_lost
                    .iter()
                    .all(|(_, s)| capacity_refusals(s) == 0))
    }

    pub fn text(&self) -> String {
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
        out
    }

    /// The `simulated` member of `plan`'s JSON document.
    pub fn json(&self) -> serde_json::Value {
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
    })
}
