//! Typed reading of a [`Node`] tree with error collection: a table reader that remembers which
//! keys were read (so every unknown key becomes an error with a "did you mean" hint), and getters
//! for strings, numbers, CIDRs, addresses, durations and distributions. Nothing here stops at the
//! first problem: each getter records a diagnostic and returns `None`.

use std::net::Ipv4Addr;
use std::ops::Range;

use ipnet::Ipv4Net;

use super::diag::Diagnostic;
use super::duration;
use super::node::{Entry, Node, Value};
use crate::dist::Dist;
use crate::model::Millis;

/// Collected diagnostics.
#[derive(Default)]
pub struct Cx {
    pub diags: Vec<Diagnostic>,
    /// Reading a scenario: tables whose path is a section of [`super::schema`] take their
    /// known keys from it.
    pub scenario: bool,
}

impl Cx {
    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub fn error(
        &mut self,
        rule: &'static str,
        path: &str,
        span: Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.add(Diagnostic::error(rule, path, span, message), hint.into());
    }

    pub fn warning(
        &mut self,
        rule: &'static str,
        path: &str,
        span: Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.add(Diagnostic::warning(rule, path, span, message), hint.into());
    }

    /// Records `d` with `hint` (none when empty).
    fn add(&mut self, d: Diagnostic, hint: String) {
        self.diags
            .push(if hint.is_empty() { d } else { d.hint(hint) });
    }

    fn type_error(&mut self, path: &str, node: &Node, expected: &str, example: &str) {
        self.error(
            "type",
            path,
            node.span.clone(),
            format!("`{path}` must be {expected}, found {}", node.value.kind()),
            format!("write it like `{example}`"),
        );
    }
}

/// Joins a field path: `endpoint` + `vpn_port` → `endpoint.vpn_port`.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Reads one table, tracking which keys were used.
pub struct Table<'n> {
    pub path: String,
    pub span: Range<usize>,
    entries: &'n [Entry],
    used: Vec<bool>,
    known: Vec<&'static str>,
    /// The section of the scenario format this table is, when it is one.
    section: Option<&'static super::schema::Section>,
}

impl<'n> Table<'n> {
    pub fn new(node: &'n Node, path: &str, cx: &mut Cx) -> Option<Table<'n>> {
        match &node.value {
            Value::Table(entries) => Some(Table {
                path: path.to_string(),
                span: node.span.clone(),
                entries,
                used: vec![false; entries.len()],
                known: Vec::new(),
                section: if cx.scenario {
                    super::schema::section(path)
                } else {
                    None
                },
            }),
            _ => {
                cx.type_error(path, node, "a table", "{ key = value }");
                None
            }
        }
    }

    pub fn field_path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The value of `key`, if written.
    pub fn opt(&mut self, key: &'static str) -> Option<&'n Node> {
        debug_assert!(
            self.section
                .is_none_or(|s| s.fields.iter().any(|f| f.key == key)),
            "`{key}` of `{}` is read but not in the scenario schema",
            self.path
        );
        self.known.push(key);
        let i = self.entries.iter().position(|e| e.key == key)?;
        self.used[i] = true;
        Some(&self.entries[i].node)
    }

    /// The value of `key`; a `missing-field` error if absent.
    pub fn req(&mut self, cx: &mut Cx, key: &'static str, example: &str) -> Option<&'n Node> {
        let n = self.opt(key);
        if n.is_none() {
            cx.error(
                "missing-field",
                &self.field_path(key),
                self.span.start..self.span.start,
                format!("`{}` is required", self.field_path(key)),
                format!("add `{key} = {example}`"),
            );
        }
        n
    }

    /// Reports every key that no reader asked for.
    pub fn finish(mut self, cx: &mut Cx) {
        if let Some(s) = self.section {
            self.known = s.fields.iter().map(|f| f.key).collect();
        }
        for (e, used) in self.entries.iter().zip(&self.used) {
            if *used {
                continue;
            }
            let best = self
                .known
                .iter()
                .map(|k| (strsim::jaro_winkler(k, &e.key), *k))
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let hint = match best {
                Some((_, k)) => format!("did you mean `{k}`?"),
                None => format!("known fields here: {}", self.known.join(", ")),
            };
            let path = join(&self.path, &e.key);
            cx.error(
                "unknown-field",
                &path,
                e.key_span.clone(),
                format!("unknown field `{path}`"),
                hint,
            );
        }
    }
}

pub fn string(node: &Node, path: &str, cx: &mut Cx) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        _ => {
            cx.type_error(path, node, "a string", "\"…\"");
            None
        }
    }
}

pub fn boolean(node: &Node, path: &str, cx: &mut Cx) -> Option<bool> {
    match node.value {
        Value::Bool(b) => Some(b),
        _ => {
            cx.type_error(path, node, "true or false", "true");
            None
        }
    }
}

/// An integer within `min..=max`.
pub fn integer(node: &Node, path: &str, min: i64, max: i64, cx: &mut Cx) -> Option<i64> {
    match node.value {
        Value::Integer(i) if i >= min && i <= max => Some(i),
        Value::Integer(i) => {
            cx.error(
                "value",
                path,
                node.span.clone(),
                format!("`{path}` = {i} is out of range"),
                format!("use a whole number from {min} to {max}"),
            );
            None
        }
        _ => {
            cx.type_error(path, node, "a whole number", &min.max(1).to_string());
            None
        }
    }
}

/// A finite number (integers accepted) with `min < x` (or `<=` when `inclusive`) and `x <= max`.
pub fn number(
    node: &Node,
    path: &str,
    min: f64,
    inclusive: bool,
    max: f64,
    cx: &mut Cx,
) -> Option<f64> {
    let x = match node.value {
        Value::Float(f) => f,
        Value::Integer(i) => i as f64,
        _ => {
            cx.type_error(path, node, "a number", "1.0");
            return None;
        }
    };
    let low_ok = if inclusive { x >= min } else { x > min };
    if !x.is_finite() || !low_ok || x > max {
        let lower = if inclusive {
            format!("at least {min}")
        } else {
            format!("greater than {min}")
        };
        let upper = if max.is_finite() {
            format!(" and at most {max}")
        } else {
            String::new()
        };
        cx.error(
            "value",
            path,
            node.span.clone(),
            format!("`{path}` = {x} is out of range"),
            format!("use a number {lower}{upper}"),
        );
        return None;
    }
    Some(x)
}

/// A probability in [0, 1].
pub fn probability(node: &Node, path: &str, cx: &mut Cx) -> Option<f64> {
    let x = match node.value {
        Value::Float(f) => f,
        Value::Integer(i) => i as f64,
        _ => {
            cx.type_error(path, node, "a probability", "0.01");
            return None;
        }
    };
    if !(0.0..=1.0).contains(&x) {
        cx.error(
            "probability",
            path,
            node.span.clone(),
            format!("`{path}` = {x} is not a probability"),
            "write a fraction between 0 and 1, e.g. 0.01 for 1 %",
        );
        return None;
    }
    Some(x)
}

pub fn array<'n>(node: &'n Node, path: &str, cx: &mut Cx) -> Option<&'n [Node]> {
    match &node.value {
        Value::Array(items) => Some(items),
        _ => {
            cx.type_error(path, node, "an array", "[ … ]");
            None
        }
    }
}

/// An array of strings.
pub fn strings(node: &Node, path: &str, cx: &mut Cx) -> Option<Vec<(String, Range<usize>)>> {
    let items = array(node, path, cx)?;
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match string(item, &format!("{path}[{i}]"), cx) {
            Some(s) => out.push((s, item.span.clone())),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

pub fn cidr(node: &Node, path: &str, cx: &mut Cx) -> Option<Ipv4Net> {
    let s = string(node, path, cx)?;
    match s.parse::<Ipv4Net>() {
        Ok(net) if net.trunc() == net => Some(net),
        Ok(net) => {
            cx.error(
                "cidr",
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
                "cidr",
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
                "cidr",
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
                    "duration",
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
                "duration",
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
            "value",
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
        "uniform" => {
            let items = array(&e.node, &p, cx)?;
            if items.len() != 2 {
                cx.error(
                    "value",
                    &p,
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
                    "value",
                    &p,
                    e.node.span.clone(),
                    format!("`{p}`: high is below low"),
                    "write `uniform = [low, high]` with low ≤ high",
                );
                return None;
            }
            Some(Dist::Uniform { low, high })
        }
        "exponential" => {
            let mut t = Table::new(&e.node, &p, cx)?;
            let mean = t
                .req(cx, "mean", "\"1h\"")
                .and_then(|n| scalar(n, &join(&p, "mean"), unit, cx));
            t.finish(cx);
            let mean = mean?;
            if mean <= 0.0 {
                cx.error(
                    "value",
                    &p,
                    e.node.span.clone(),
                    format!("`{p}.mean` must be positive"),
                    "",
                );
                return None;
            }
            Some(Dist::Exponential { mean })
        }
        "normal" => {
            let mut t = Table::new(&e.node, &p, cx)?;
            let mean = t
                .req(cx, "mean", "\"09:00\"")
                .and_then(|n| scalar(n, &join(&p, "mean"), unit, cx));
            let sd = t
                .req(cx, "sd", "\"30m\"")
                .and_then(|n| scalar(n, &join(&p, "sd"), unit, cx));
            t.finish(cx);
            Some(Dist::Normal {
                mean: mean?,
                sd: sd?,
            })
        }
        "lognormal" => {
            let mut t = Table::new(&e.node, &p, cx)?;
            let median = t
                .req(cx, "median", "\"300ms\"")
                .and_then(|n| scalar(n, &join(&p, "median"), unit, cx));
            let p99 = t
                .req(cx, "p99", "\"4s\"")
                .and_then(|n| scalar(n, &join(&p, "p99"), unit, cx));
            t.finish(cx);
            let (median, p99) = (median?, p99?);
            if median <= 0.0 || p99 < median {
                cx.error(
                    "value",
                    &p,
                    e.node.span.clone(),
                    format!("`{p}` needs 0 < median ≤ p99"),
                    "the 99th percentile cannot be below the median",
                );
                return None;
            }
            Some(Dist::LogNormal { median, p99 })
        }
        "empirical" => {
            let items = array(&e.node, &p, cx)?;
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
                    "value",
                    &p,
                    e.node.span.clone(),
                    format!("`{p}` needs at least one positive weight"),
                    "write `empirical = [{ value = \"1h\", weight = 1 }]`",
                );
            }
            d
        }
        other => {
            let hint = match DIST_KINDS
                .split(", ")
                .map(|k| (strsim::jaro_winkler(k, other), k))
                .max_by(|a, b| a.0.total_cmp(&b.0))
            {
                Some((s, k)) if s > 0.8 => format!("did you mean `{k}`?"),
                _ => format!("use one of: {DIST_KINDS}"),
            };
            cx.error(
                "unknown-field",
                &p,
                e.key_span.clone(),
                format!("unknown distribution `{other}` in `{path}`"),
                hint,
            );
            None
        }
    }
}
