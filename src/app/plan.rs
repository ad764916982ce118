//! `cvpnsim plan --connections PEAK [--survive-az-loss]`: the smallest client CIDR and number of
//! associations for a peak, with the reasoning.

use std::process::ExitCode;

use super::AppError;
use crate::cli::PlanArgs;
use crate::model::Limits;
use crate::plan::{plan, Plan, PlanRequest};

pub fn run(args: &PlanArgs) -> Result<ExitCode, AppError> {
    let limits = Limits::default();
    let req = PlanRequest {
        peak: args.connections,
        survive_az_loss: args.survive_az_loss,
        limits,
    };
    let p = plan(&req).map_err(|e| AppError {
        message: e.to_string(),
        code: 1,
    })?;
    if args.json {
        println!("{}", to_json(&p));
    } else {
        print!("{}", to_text(&p));
    }
    Ok(ExitCode::SUCCESS)
}

fn to_text(p: &Plan) -> String {
    let mut out = format!(
        "peak {} connections\n  client CIDR:   /{} ({} addresses, {} usable)\n  associations:  {} in different Availability Zones (limit {})\n",
        p.peak, p.client_prefix, p.client_addresses, p.usable_addresses, p.associations, p.connection_limit
    );
    if let Some(l) = p.limit_after_az_loss {
        out.push_str(&format!("  one AZ lost:   limit {l}\n"));
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

fn to_json(p: &Plan) -> String {
    serde_json::json!({
        "peak_connections": p.peak,
        "client_cidr_prefix": p.client_prefix,
        "client_addresses": p.client_addresses,
        "usable_addresses": p.usable_addresses,
        "associations": p.associations,
        "connection_limit": p.connection_limit,
        "connection_limit_after_az_loss": p.limit_after_az_loss,
        "steps": p.steps,
        "notes": p.notes,
    })
    .to_string()
}
