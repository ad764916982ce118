//! The scenario's value kinds over the one reader of [`crate::source::read`]: CIDRs, addresses,
//! durations and distributions. Everything of the generic reader is re-exported, so a section
//! module reads all its fields through `read::`.

use crate::source::rules::RuleId;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::duration;
use crate::dist::Dist;
use crate::model::Millis;
use crate::source::suggest;
use crate::source::tree::{Entry, Node, Value};

pub use crate::source::read::*;

pub fn cidr(node: &Node, path: &str, cx: &mut Cx) -> Option<Ipv4Net> {
    let s = string(node, path, cx)?;
    match s.parse::<Ipv4Net>() {
        Ok(net) if net.trunc() == net => Some(net),
        Ok(net) => {
            cx.error(
                RuleId::Cidr,
                path,
                node.span.clone(),
                format!("`{s}` has host bits set"),
                format!("the network address of that block is {}", net.trunc()),
            );
            None
        }
        Err(_) => {
            let hint = if s.contains(':') {
                "Client VPN supports IPv4 only; write an IPv4 block like 10.0.0.0/16"
            } else if !s.contains('/') {
                "add the prefix length, e.g. 10.0.0.0/16"
            } else {
                "write an IPv4 block like 10.0.0.0/16"
            };
            cx.error(
                RuleId::Cidr,
                path,
                node.span.clone(),
                format!("`{s}` is not an IPv4 CIDR block"),
                hint,
            );
            None
        }
    }
}

pub fn address(node: &Node, path: &str, cx: &mut Cx) -> Option<Ipv4Addr> {
    let s = string(node, path, cx)?;
    match s.parse::<Ipv4Addr>() {
        Ok(a) => Some(a),
        Err(_) => {
            cx.error(
                RuleId::Cidr,
                path,
                node.span.clone(),
                format!("`{s}` is not an IPv4 address"),
                "write an address like 10.0.0.2",
            );
            None
        }
    }
}

pub fn duration(node: &Node, path: &str, cx: &mut Cx) -> Option<Millis> {
    match &node.value {
        Value::String(s) => match duration::parse(s) {
            Ok(ms) => Some(ms),
            Err(why) => {
                cx.error(
                    RuleId::Duration,
                    path,
                    node.span.clone(),
                    format!("`{path}`: {why}"),
                    "write durations like \"90s\", \"5m\", \"8h\", \"1d 09:30\"",
                );
                None
            }
        },
        Value::Integer(_) | Value::Float(_) => {
            cx.error(
                RuleId::Duration,
                path,
                node.span.clone(),
                format!("`{path}` needs a unit"),
                "write durations as strings with a unit, e.g. \"30s\" or \"8h\"",
            );
            None
        }
        _ => {
            cx.type_error(path, node, "a duration string", "\"8h\"");
            None
        }
    }
}

/// How the values of a distribution are written: durations (strings) or plain numbers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Duration,
    Number,
}

fn scalar(node: &Node, path: &str, unit: Unit, cx: &mut Cx) -> Option<f64> {
    match unit {
        Unit::Duration => duration(node, path, cx).map(|ms| ms as f64),
        Unit::Number => number(node, path, 0.0, true, f64::INFINITY, cx),
    }
}

const DIST_KINDS: &str = "fixed, uniform, exponential, normal, lognormal, empirical";

/// A distribution: a plain value (fixed), or a table with exactly one of
/// `fixed`, `uniform = [low, high]`, `exponential = { mean }`, `normal = { mean, sd }`,
/// `lognormal = { median, p99 }`, `empirical = [{ value, weight }, …]`.
pub fn dist(node: &Node, path: &str, unit: Unit, cx: &mut Cx) -> Option<Dist> {
    if !matches!(node.value, Value::Table(_)) {
        return scalar(node, path, unit, cx).map(Dist::Fixed);
    }
    let Value::Table(entries) = &node.value else {
        unreachable!("checked above")
    };
    if entries.len() != 1 {
        cx.error(
            RuleId::Value,
            path,
            node.span.clone(),
            format!("`{path}` must name exactly one distribution"),
            format!("use one of: {DIST_KINDS}"),
        );
        return None;
    }
    let e = &entries[0];
    let p = join(path, &e.key);
    match e.key.as_str() {
        "fixed" => scalar(&e.node, &p, unit, cx).map(Dist::Fixed),
        "uniform" => uniform(e, &p, unit, cx),
        "exponential" => exponential(e, &p, unit, cx),
        "normal" => normal(e, &p, unit, cx),
        "lognormal" => lognormal(e, &p, unit, cx),
        "empirical" => empirical(e, &p, unit, cx),
        other => {
            let kinds: Vec<&str> = DIST_KINDS.split(", ").collect();
            let hint = suggest::did_you_mean(other, &kinds)
                .unwrap_or_else(|| format!("use one of: {DIST_KINDS}"));
            cx.error(
                RuleId::UnknownField,
                &p,
                e.key_span.clone(),
                format!("unknown distribution `{other}` in `{path}`"),
                hint,
            );
            None
        }
    }
}

/// `uniform = [low, high]`, low ≤ high.
fn uniform(e: &Entry, p: &str, unit: Unit, cx: &mut Cx) -> Option<Dist> {
    let items = array(&e.node, p, cx)?;
    if items.len() != 2 {
        cx.error(
            RuleId::Value,
            p,
            e.node.span.clone(),
            format!("`{p}` needs two values"),
            "write `uniform = [low, high]`",
        );
        return None;
    }
    let low = scalar(&items[0], &format!("{p}[0]"), unit, cx)?;
    let high = scalar(&items[1], &format!("{p}[1]"), unit, cx)?;
    if high < low {
        cx.error(
            RuleId::Value,
            p,
            e.node.span.clone(),
            format!("`{p}`: high is below low"),
            "write `uniform = [low, high]` with low ≤ high",
        );
        return None;
    }
    Some(Dist::Uniform { low, high })
}

/// `exponential = { mean }`, a positive mean.
fn exponential(e: &Entry, p: &str, unit: Unit, cx: &mut Cx) -> Option<Dist> {
    let mut t = Table::new(&e.node, p, cx)?;
    let mean = t
        .req(cx, "mean", "\"1h\"")
        .and_then(|n| scalar(n, &join(p, "mean"), unit, cx));
    t.finish(cx);
    let mean = mean?;
    if mean <= 0.0 {
        cx.error(
            RuleId::Value,
            p,
            e.node.span.clone(),
            format!("`{p}.mean` must be positive"),
            "",
        );
        return None;
    }
    Some(Dist::Exponential { mean })
}

/// `normal = { mean, sd }`.
fn normal(e: &Entry, p: &str, unit: Unit, cx: &mut Cx) -> Option<Dist> {
    let mut t = Table::new(&e.node, p, cx)?;
    let mean = t
        .req(cx, "mean", "\"09:00\"")
        .and_then(|n| scalar(n, &join(p, "mean"), unit, cx));
    let sd = t
        .req(cx, "sd", "\"30m\"")
        .and_then(|n| scalar(n, &join(p, "sd"), unit, cx));
    t.finish(cx);
    Some(Dist::Normal {
        mean: mean?,
        sd: sd?,
    })
}

/// `lognormal = { median, p99 }`, 0 < median ≤ p99.
fn lognormal(e: &Entry, p: &str, unit: Unit, cx: &mut Cx) -> Option<Dist> {
    let mut t = Table::new(&e.node, p, cx)?;
    let median = t
        .req(cx, "median", "\"300ms\"")
        .and_then(|n| scalar(n, &join(p, "median"), unit, cx));
    let p99 = t
        .req(cx, "p99", "\"4s\"")
        .and_then(|n| scalar(n, &join(p, "p99"), unit, cx));
    t.finish(cx);
    let (median, p99) = (median?, p99?);
    if median <= 0.0 || p99 < median {
        cx.error(
            RuleId::Value,
            p,
            e.node.span.clone(),
            format!("`{p}` needs 0 < median ≤ p99"),
            "the 99th percentile cannot be below the median",
        );
        return None;
    }
    Some(Dist::LogNormal { median, p99 })
}

/// `empirical = [{ value, weight }, …]`, at least one positive weight.
fn empirical(e: &Entry, p: &str, unit: Unit, cx: &mut Cx) -> Option<Dist> {
    let items = array(&e.node, p, cx)?;
    let mut pairs = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let ip = format!("{p}[{i}]");
        let mut t = Table::new(item, &ip, cx)?;
        let v = t
            .req(cx, "value", "\"2h\"")
            .and_then(|n| scalar(n, &join(&ip, "value"), unit, cx));
        let w = t
            .req(cx, "weight", "0.5")
            .and_then(|n| number(n, &join(&ip, "weight"), 0.0, true, f64::INFINITY, cx));
        t.finish(cx);
        pairs.push((v?, w?));
    }
    let d = Dist::empirical(&pairs);
    if d.is_none() {
        cx.error(
            RuleId::Value,
            p,
            e.node.span.clone(),
            format!("`{p}` needs at least one positive weight"),
            "write `empirical = [{ value = \"1h\", weight = 1 }]`",
        );
    }
    d
}
