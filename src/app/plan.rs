//! `cvpnsim plan --connections PEAK [--survive-az-loss] [--from FILE]`: the smallest client CIDR
//! and number of associations for a peak, with the reasoning; with a scenario, a simulated
//! confirmation of the plan, including each Availability Zone lost at the peak.

use std::process::ExitCode;

use rayon::prelude::*;

use super::AppError;
use crate::cli::PlanArgs;
use crate::cost;
use crate::model::{AssocId, Event, EventKind, Limits, Pricing, Scenario};
use crate::plan::{self, plan, HandlerSizing, Plan, PlanRequest};
use crate::scenario;
use crate::sim::{simulate, FailureReason, SimOptions, Summary};
use crate::source::{diag::Source, tree::Value};
use crate::sweep::grid;

pub fn run(args: &PlanArgs) -> Result<ExitCode, AppError> {
    let base = match &args.from {
        Some(path) => Some(load_planned(path, args.allow_large)?),
        None => None,
    };
    let limits = base
        .as_ref()
        .map_or_else(Limits::default, |(s, _)| s.limits.clone());
    let pricing = base
        .as_ref()
        .map_or_else(Pricing::default, |(s, _)| s.pricing.clone());
    let public_ipv4 = base.as_ref().is_some_and(|(s, _)| {
        s.vpcs
            .get(s.endpoint.vpc.index())
            .is_some_and(|v| v.internet_gateway)
    });
    let req = PlanRequest {
        peak: args.connections,
        survive_az_loss: args.survive_az_loss,
        margin: args.margin / 100.0,
        limits,
        pricing,
        public_ipv4,
    };
    let p = plan(&req).map_err(|e| AppError {
        message: e.to_string(),
        code: 1,
    })?;
    let latency = match &args.handler_latency {
        Some(t) => Some(
            scenario::parse_duration_dist("--handler-latency", t)
                .map_err(|e| AppError::usage(e.to_string()))?,
        ),
        None => None,
    };
    let target = match &args.reconnect_p99 {
        Some(t) => Some(
            scenario::duration::parse(t)
                .map_err(|e| AppError::usage(format!("--reconnect-p99 {t}: {e}")))?,
        ),
        None => None,
    };
    let mut confirmation = match &base {
        None => None,
        Some((_, path)) => Some(confirm(&p, path)?),
    };
    let handler = handler_sizing(
        &p,
        base.as_ref().map(|b| &b.0),
        latency.as_ref(),
        target,
        req.margin,
    );
    if let (Some(c), Some(h)) = (confirmation.as_mut(), handler.as_ref()) {
        c.storm = h.concurrency.and_then(|conc| {
            let rec = plan::simulate_reset_storm(
                &c.planned_scenario,
                conc,
                latency.as_ref(),
                c.planned.peak_concurrency_at_ms,
            )?;
            Some((conc, rec))
        });
    }
    if args.json || args.format == crate::cli::Format::Json {
        print!("{}", to_json(&p, confirmation.as_ref(), handler.as_ref()));
    } else {
        print!("{}", to_text(&p));
        if let Some(h) = &handler {
            print!("{}", handler_text(h));
        }
        if let Some(c) = &confirmation {
            print!("{}", c.text(handler.as_ref()));
        }
    }
    let ok = confirmation
        .as_ref()
        .is_none_or(|c| c.holds(args.survive_az_loss, handler.as_ref()));
    Ok(ExitCode::from(if ok { 0 } else { 1 }))
}

fn load_planned(
    path: &std::path::Path,
    allow_large: bool,
) -> Result<(Scenario, std::path::PathBuf), AppError> {
    let loaded = scenario::load_file(path).map_err(|e| AppError::usage(e.to_string()))?;
    super::within_budget(&loaded.source, &loaded.scenario, false, allow_large)?;
    Ok((loaded.scenario, path.to_path_buf()))
}

/// What the simulation of the planned endpoint showed.
pub struct Confirmation {
    pub scenario: String,
    pub planned: Summary,
    /// The planned run's bill.
    pub cost: cost::Cost,
    /// (zone lost, summary of that run).
    pub zone_lost: Vec<(String, Summary)>,
    pub capacity_reasons: Vec<&'static str>,
    /// The planned scenario (the reset storm is simulated on it).
    pub planned_scenario: Scenario,
    /// The recommended handler concurrency and how the peak's users came back from a reset of
    /// every connection at the peak with it.
    pub storm: Option<(u32, crate::sim::outcomes::RecoverySummary)>,
}

/// The handler sizing for the reset storm of the peak: with a latency (given, or the scenario's
/// handler's), the peak's users coming back as the scenario's population does (clients that
/// reconnect by themselves without a scenario).
fn handler_sizing(
    p: &Plan,
    sc: Option<&Scenario>,
    latency: Option<&crate::dist::Dist>,
    target: Option<crate::model::Millis>,
    margin: f64,
) -> Option<HandlerSizing> {
    let storm = match sc {
        Some(sc) => plan::Storm::of_scenario(sc, p.peak, false, latency)?,
        None => plan::automatic_storm(p.peak, latency?.clone(), 1),
    };
    Some(plan::size_handler(&storm, target, margin))
}

fn handler_text(h: &HandlerSizing) -> String {
    let mut out = format!(
        "connect handler for the reset storm of the peak: {}\n",
        match h.concurrency {
            Some(c) => format!("concurrency {c}"),
            None => "no concurrency meets the target".into(),
        }
    );
    for s in &h.steps {
        out.push_str(&format!("  - {s}\n"));
    }
    out
}

fn handler_json(h: &HandlerSizing) -> serde_json::Value {
    let s = |ms: crate::model::Millis| ms as f64 / 1000.0;
    serde_json::json!({
        "users": h.users,
        "target_p99_s": s(h.target_ms),
        "floor_p99_s": h.floor_ms.map(s),
        "mean_latency_s": h.mean_latency_ms / 1000.0,
        "queue_bound": h.queue_bound,
        "needed": h.needed,
        "concurrency": h.concurrency,
        "modelled_p99_s": h.modelled_p99_ms.map(s),
        "steps": h.steps,
    })
}

fn capacity_refusals(s: &Summary) -> u64 {
    [
        FailureReason::AssociationAtCapacity,
        FailureReason::EndpointAtCapacity,
        FailureReason::ClientCidrExhausted,
        FailureReason::NoHealthyAssociation,
    ]
    .iter()
    .map(|r| s.failures_by_reason.0[r.index()])
    .sum()
}

impl Confirmation {
    /// The storm's 99 % back within the target, as simulated (`None`: not simulated).
    fn storm_holds(&self, h: Option<&HandlerSizing>) -> Option<bool> {
        let (_, r) = self.storm.as_ref()?;
        let target = h?.target_ms as f64 / 1000.0;
        Some(r.time_to_99_percent_back_s.is_some_and(|t| t <= target))
    }

    fn holds(&self, survive: bool, h: Option<&HandlerSizing>) -> bool {
        self.storm_holds(h) != Some(false)
            && capacity_refusals(&self.planned) == 0
            && (!survive
                || self
                    .zone_lost
                    .iter()
                    .all(|(_, s)| capacity_refusals(s) == 0))
    }

    fn text(&self, h: Option<&HandlerSizing>) -> String {
        let mut out = format!(
            "simulated confirmation ({}; capacity refusals = {}):\n",
            self.scenario,
            self.capacity_reasons.join(" + ")
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
                n(r.users_dropped),
                secs(r.time_to_99_percent_back_s),
                secs(r.time_to_all_back_s),
                if ok { "within" } else { "NOT within" }
            ));
        }
        out
    }
}

/// Simulates the scenario resized to the plan, then once per zone lost at the planned run's peak.
fn confirm(p: &Plan, path: &std::path::Path) -> Result<Confirmation, AppError> {
    let (mut tree, source) =
        scenario::read_tree(path).map_err(|e| AppError::usage(e.to_string()))?;
    let name = source.name.clone();
    let declared = scenario::load_tree(&tree, source.clone())
        .map_err(|e| AppError::usage(e.to_string()))?
        .scenario
        .associations
        .len();
    if declared < p.associations {
        return Err(AppError::usage(format!(
            "{name} declares {declared} association(s); the plan needs {}: add subnets in more Availability Zones to confirm it",
            p.associations
        )));
    }
    grid::set(
        &mut tree,
        "associations",
        &Value::Integer(p.associations as i64),
    )
    .map_err(|e| AppError::usage(e.to_string()))?;
    grid::set(
        &mut tree,
        "endpoint.client_cidr_prefix",
        &Value::Integer(p.client_prefix as i64),
    )
    .map_err(|e| AppError::usage(e.to_string()))?;
    let planned = scenario::load_tree(
        &tree,
        Source {
            name: format!("{name} (as planned)"),
            ..source
        },
    )
    .map_err(|e| {
        AppError::usage(format!(
            "the planned endpoint is not a valid scenario:\n{e}"
        ))
    })?
    .scenario;
    let opts = SimOptions {
        sample_sink: Some(&crate::sim::discard_rows),
        ..SimOptions::default()
    };
    let run = simulate(&planned, &opts).summary;
    let bill = cost::of_run(&planned, &run.usage);
    let peak_at = run.peak_concurrency_at_ms;
    let mut zones: Vec<String> = Vec::new();
    for a in 0..planned.associations.len() {
        let z = &planned.subnet_of(AssocId(a as u32)).availability_zone;
        if !zones.contains(z) {
            zones.push(z.clone());
        }
    }
    let zone_lost = zones
        .par_iter()
        .map(|z| {
            let mut s = planned.clone();
            let associations = (0..s.associations.len())
                .filter(|&a| &s.subnet_of(AssocId(a as u32)).availability_zone == z)
                .map(|a| AssocId(a as u32))
                .collect();
            s.events.push(Event {
                at: peak_at,
                kind: EventKind::AzOutage {
                    availability_zone: z.clone(),
                    associations,
                    duration: None,
                },
                description: Some(format!("{z} lost at the peak (plan)")),
            });
            s.events.sort_by_key(|e| e.at);
            (z.clone(), simulate(&s, &opts).summary)
        })
        .collect();
    Ok(Confirmation {
        storm: None,
        scenario: planned.name.clone(),
        planned: run,
        cost: bill,
        zone_lost,
        capacity_reasons: vec![
            "association-at-capacity",
            "endpoint-at-capacity",
            "client-cidr-exhausted",
            "no-healthy-association",
        ],
        planned_scenario: planned,
    })
}

/// A whole number with thousands separators.
fn n(x: u64) -> String {
    cost::quantity(x as f64)
}

fn to_text(p: &Plan) -> String {
    let mut out = format!(
        "peak {} connections\n  client CIDR:   /{} ({} addresses, {} usable)\n  associations:  {} in different Availability Zones (limit {})\n",
        n(p.peak), p.client_prefix, n(p.client_addresses), n(p.usable_addresses), p.associations, n(p.connection_limit as u64)
    );
    if let Some(l) = p.limit_after_az_loss {
        out.push_str(&format!("  one AZ lost:   limit {}\n", n(l as u64)));
    }
    out.push_str(&format!(
        "  headroom:      {:.1} % of usable addresses, {:.1} % of the limit free at the peak\n",
        p.address_headroom * 100.0,
        p.connection_headroom * 100.0
    ));
    out.push_str(&format!(
        "  cost:          {} a month for the associations; at most {} with the peak connected all month\n",
        cost::money(p.options[p.associations - 1].monthly_fixed_cost),
        cost::money(p.monthly_cost_at_peak)
    ));
    out.push_str(
        "options (associations, limit, one AZ lost, meets the request, associations a month):\n",
    );
    for o in &p.options {
        out.push_str(&format!(
            "  {} {:>8} {:>8} {:>4} {:>10}{}\n",
            o.associations,
            n(o.connection_limit as u64),
            o.limit_after_az_loss
                .map_or("-".to_string(), |l| n(l as u64)),
            if o.meets { "yes" } else { "no" },
            cost::money(o.monthly_fixed_cost),
            if o.associations == p.associations {
                "  ← recommended"
            } else {
                ""
            }
        ));
    }
    out.push_str("why:\n");
    for s in &p.steps {
        out.push_str(&format!("  - {s}\n"));
    }
    for n in &p.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

fn to_json(p: &Plan, c: Option<&Confirmation>, h: Option<&HandlerSizing>) -> String {
    let summary = |s: &Summary| {
        serde_json::json!({
            "peak_concurrency": s.peak_concurrency,
            "capacity_refusals": capacity_refusals(s),
            "attempt_failure_rate": s.attempt_failure_rate,
        })
    };
    let doc = serde_json::json!({
        "peak_connections": p.peak,
        "client_cidr_prefix": p.client_prefix,
        "client_addresses": p.client_addresses,
        "usable_addresses": p.usable_addresses,
        "associations": p.associations,
        "connection_limit": p.connection_limit,
        "connection_limit_after_az_loss": p.limit_after_az_loss,
        "address_headroom": p.address_headroom,
        "connection_headroom": p.connection_headroom,
        "monthly_cost_associations": p.options[p.associations - 1].monthly_fixed_cost,
        "monthly_cost_at_peak": p.monthly_cost_at_peak,
        "options": p.options.iter().map(|o| serde_json::json!({
            "associations": o.associations,
            "connection_limit": o.connection_limit,
            "connection_limit_after_az_loss": o.limit_after_az_loss,
            "meets": o.meets,
            "monthly_cost_associations": o.monthly_fixed_cost,
        })).collect::<Vec<_>>(),
        "steps": p.steps,
        "notes": p.notes,
        "handler": h.map(handler_json),
        "simulated": c.map(|c| serde_json::json!({
            "scenario": c.scenario,
            "as_planned": summary(&c.planned),
            "cost": c.cost,
            "zone_lost": c.zone_lost.iter().map(|(z, s)| serde_json::json!({"availability_zone": z, "run": summary(s)})).collect::<Vec<_>>(),
            "reset_storm": c.storm.as_ref().map(|(conc, r)| serde_json::json!({
                "handler_concurrency": conc,
                "users_dropped": r.users_dropped,
                "time_to_99_percent_back_s": r.time_to_99_percent_back_s,
                "time_to_all_back_s": r.time_to_all_back_s,
                "within_target": c.storm_holds(h),
            })),
        })),
    });
    crate::output::to_text(&crate::output::json::document("plan", doc))
}
