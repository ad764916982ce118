//! `cvpnsim plan --connections PEAK [--survive-az-loss] [--from FILE]`: the smallest client CIDR
//! and number of associations for a peak, with the reasoning; with a scenario, a simulated
//! confirmation of the plan, including each Availability Zone lost at the peak.

use std::process::ExitCode;

use super::AppError;
use crate::cli::PlanArgs;
use crate::cost;
use crate::model::{Limits, Pricing, Scenario};
use crate::plan::{self, plan, HandlerSizing, Plan, PlanRequest};
use crate::scenario;
use crate::study::confirm::{confirm, reset_storm, Confirmation};
use crate::study::Base;

pub fn run(args: &PlanArgs) -> Result<ExitCode, AppError> {
    let base = match &args.from {
        Some(path) => Some(load_planned(path, args.allow_large)?),
        None => None,
    };
    let limits = base
        .as_ref()
        .map_or_else(Limits::default, |b| b.scenario().limits.clone());
    let pricing = base
        .as_ref()
        .map_or_else(Pricing::default, |b| b.scenario().pricing.clone());
    let public_ipv4 = base.as_ref().is_some_and(|b| {
        let s = b.scenario();
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
            scenario::duration_dist("--handler-latency", t)
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
        Some(b) => Some(confirm(b, &p).map_err(AppError::usage)?),
    };
    let handler = handler_sizing(
        &p,
        base.as_ref().map(|b| b.scenario()),
        latency.as_ref().map(|(d, _)| d),
        target,
        req.margin,
    );
    if let (Some(c), Some(conc)) = (
        confirmation.as_mut(),
        handler.as_ref().and_then(|h| h.concurrency),
    ) {
        let rec = reset_storm(
            &c.planned_base,
            conc,
            latency.as_ref().map(|(_, v)| v),
            c.planned.peak_concurrency_at_ms,
        )
        .map_err(AppError::usage)?;
        c.storm = rec.map(|r| (conc, r));
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

fn load_planned(path: &std::path::Path, allow_large: bool) -> Result<Base, AppError> {
    let base = Base::read(path).map_err(|e| AppError::usage(e.to_string()))?;
    super::within_budget(base.source(), base.scenario(), false, allow_large)?;
    Ok(base)
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
        "simulated": c.map(|c| c.json(h)),
    });
    crate::output::to_text(&crate::output::json::document("plan", doc))
}
