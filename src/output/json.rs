//! The JSON documents of `validate`, `reach`, `diff`, `plan`, `check` and `sweep`. Every document
//! is an object with `format_version` ([`super::FORMAT_VERSION`]) and `command`; verdict and
//! reason strings are the network layer's own names.

use serde_json::{json, Map, Value};

use crate::check::verdict::Outcome as Assertion;
use crate::model::Scenario;
use crate::net::diff::{Diff, Side};
use crate::net::eval::Trace;
use crate::net::matrix::Matrix;
use crate::net::verdict::cite_labels;
use crate::source::diag::{Diagnostic, Severity, Source};
use crate::study::table::{Estimates, Manifest};

/// `{ "format_version": 1, "command": …, …fields }`.
pub fn document(command: &str, fields: Value) -> Value {
    let mut m = Map::new();
    m.insert("format_version".into(), json!(super::FORMAT_VERSION));
    m.insert("command".into(), json!(command));
    if let Value::Object(f) = fields {
        m.extend(f);
    }
    Value::Object(m)
}

/// Where a span is: its file (an included file's own name) and 1-based line and column of its
/// start and end.
pub fn location(source: &Source, span: &std::ops::Range<usize>) -> Value {
    let (line, column) = source.line_col(span.start);
    let (end_line, end_column) = source.line_col(span.end.max(span.start));
    json!({
        "file": source.file_of(span.start).0,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
    })
}

pub fn severity(s: Severity) -> &'static str {
    s.label()
}

pub fn diagnostic(source: &Source, d: &Diagnostic) -> Value {
    json!({
        "severity": severity(d.severity),
        "rule": d.rule,
        "path": d.path,
        "message": d.message,
        "hint": d.hint,
        "location": location(source, &d.span),
    })
}

/// What `validate` found in one file.
pub enum Checked<'a> {
    /// Read and checked: valid when no diagnostic is an error.
    Read {
        file: String,
        source: &'a Source,
        diagnostics: &'a [Diagnostic],
    },
    Unreadable {
        file: String,
        error: String,
    },
}

pub fn validate(files: &[Checked]) -> Value {
    let mut any_invalid = false;
    let mut any_unreadable = false;
    let files: Vec<Value> = files
        .iter()
        .map(|c| match c {
            Checked::Read {
                file,
                source,
                diagnostics,
            } => {
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                any_invalid |= errors > 0;
                json!({
                    "file": file,
                    "status": if errors > 0 { "invalid" } else { "valid" },
                    "errors": errors,
                    "warnings": diagnostics.len() - errors,
                    "diagnostics": diagnostics.iter().map(|d| diagnostic(source, d)).collect::<Vec<_>>(),
                })
            }
            Checked::Unreadable { file, error } => {
                any_unreadable = true;
                json!({
                    "file": file,
                    "status": "unreadable",
                    "error": error,
                    "errors": 0,
                    "warnings": 0,
                    "diagnostics": [],
                })
            }
        })
        .collect();
    document(
        "validate",
        json!({ "valid": !any_invalid && !any_unreadable, "files": files }),
    )
}

fn cidrs(set: &crate::net::addr::AddrSet) -> Vec<String> {
    set.to_cidrs().iter().map(|c| c.to_string()).collect()
}

/// The reachability matrix: one entry per (population, needed network, landing subnet).
pub fn reach_matrix(s: &Scenario, m: &Matrix) -> Value {
    let cells: Vec<Value> = m
        .cells
        .iter()
        .map(|cell| {
            let v = &cell.verdict;
            let subnet = s.subnet_of(cell.association);
            let failing = v.failing();
            json!({
                "population": s.populations[cell.population.index()].name,
                "network": cell.target.name(s),
                "association": subnet.id,
                "availability_zone": subnet.availability_zone,
                "status": v.status().name(),
                "reason": v.reason().name(),
                "decided_by": v.primary().map_or_else(String::new, |p| cite_labels(s, &p.cites)),
                "failing_addresses": failing.len(),
                "failing_cidrs": cidrs(&failing),
            })
        })
        .collect();
    document(
        "reach",
        json!({
            "scenario": s.name,
            "gap": m.gaps().next().is_some(),
            "cells": cells,
        }),
    )
}

/// Decision paths for one address.
pub fn reach_traces(s: &Scenario, traces: &[Trace]) -> Value {
    let items: Vec<Value> = traces
        .iter()
        .map(|t| {
            json!({
                "from": t.client.name,
                "to": t.address.to_string(),
                "association": s.subnet_of(t.association).id,
                "outcome": t.outcome.name(),
                "gap": t.outcome.is_gap(),
                "decided_by": t.cites.iter().map(|c| c.label(s)).collect::<Vec<_>>(),
            })
        })
        .collect();
    document(
        "reach",
        json!({
            "scenario": s.name,
            "gap": traces.iter().any(|t| t.outcome.is_gap()),
            "traces": items,
        }),
    )
}

fn side(x: &Option<Side>) -> Value {
    match x {
        None => Value::Null,
        Some(x) => json!({
            "status": x.status.name(),
            "reason": x.reason.name(),
            "decided_by": x.decided_by,
            "failing_cidrs": cidrs(&x.failing),
        }),
    }
}

pub fn diff(d: &Diff, compared: usize) -> Value {
    let changes: Vec<Value> = d
        .changes
        .iter()
        .map(|c| {
            json!({
                "population": c.key.population,
                "network": c.key.network,
                "association": c.key.association,
                "regression": c.is_regression(),
                "old": side(&c.old),
                "new": side(&c.new),
                "newly_failing_cidrs": cidrs(&c.newly_failing),
                "newly_reaching_cidrs": cidrs(&c.newly_reaching),
            })
        })
        .collect();
    document(
        "diff",
        json!({
            "compared": compared,
            "regression": d.has_regression(),
            "changes": changes,
        }),
    )
}

pub fn check(scenario: &str, outcomes: &[Assertion]) -> Value {
    let items: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            json!({
                "name": o.name,
                "passed": o.passed,
                "expected": o.expected,
                "measured": o.measured,
            })
        })
        .collect();
    document(
        "check",
        json!({
            "scenario": scenario,
            "passed": outcomes.iter().all(|o| o.passed),
            "assertions": items,
        }),
    )
}

/// A number, or `null` when it is not finite (JSON has no NaN).
fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

/// The sweep's summary: per variant, its settings and each figure's mean and 95 % confidence
/// interval (absent for a shard, which has only part of the grid).
pub fn sweep(m: &Manifest, runs: usize, estimates: Option<&Estimates>, out: &str) -> Value {
    let variants: Value = match estimates.filter(|_| m.shard.is_none()) {
        None => Value::Null,
        Some(est) => est
            .iter()
            .enumerate()
            .map(|(v, est)| {
                let settings: Map<String, Value> = m
                    .keys
                    .iter()
                    .zip(&m.variants[v])
                    .map(|(k, x)| (k.clone(), json!(x)))
                    .collect();
                let figures: Map<String, Value> = m
                    .figures
                    .iter()
                    .zip(est)
                    .map(|(f, e)| {
                        (
                            f.clone(),
                            json!({"n": e.n, "mean": num(e.mean), "ci95_low": num(e.low), "ci95_high": num(e.high)}),
                        )
                    })
                    .collect();
                json!({ "variant": v, "settings": settings, "figures": figures })
            })
            .collect(),
    };
    document(
        "sweep",
        json!({
            "scenario": m.scenario,
            "scenario_sha256": m.scenario_sha256,
            "keys": m.keys,
            "replicas": m.replicas,
            "runs": runs,
            "shard": m.shard.map(|s| s.label()),
            "out": out,
            "variants": variants,
        }),
    )
}
