//! The scenario format section by section: each module reads one section of the file into the
//! model (`decode`) and writes it back (`write`) side by side, so a new field is read, checked
//! and written in one file. The checks that need the whole file live in `scenario::cross`; the
//! order in which sections are read is `scenario::decode`'s, the order they are written
//! `scenario::write`'s. This module holds what several sections share.

pub(crate) mod authorization;
pub mod dataplane;
pub(crate) mod endpoint;
pub(crate) mod events;
pub(crate) mod limits;
pub(crate) mod networks;
pub(crate) mod output;
pub(crate) mod populations;
pub(crate) mod pricing;
pub(crate) mod routes;
pub(crate) mod security_groups;
pub(crate) mod subnets;
pub(crate) mod vpcs;

pub(crate) use std::collections::{BTreeMap, BTreeSet};
pub(crate) use std::ops::Range;

pub(crate) use ipnet::Ipv4Net;
pub(crate) use toml_edit::{
    value, Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table as TomlTable,
    Value as TomlValue,
};

pub(crate) use super::duration;
pub(crate) use super::read::{self, join, Cx, Table, Unit};
pub(crate) use crate::dist::Dist;
pub(crate) use crate::model::*;
pub(crate) use crate::source::rules::RuleId;
pub(crate) use crate::source::tree::{Node, Value};
pub(crate) use security_groups::sg_refs;
pub(crate) use subnets::subnet_ref;
pub(crate) use vpcs::cidr_list;

// Reading.

/// Reads an array of tables with `f`, recording each element's span. `None` (absent) is an empty
/// list; a non-array is an error.
pub(crate) fn list<T>(
    node: Option<&Node>,
    path: &str,
    cx: &mut Cx,
    mut f: impl FnMut(&Node, &str, &mut Cx) -> Option<T>,
    spans: &mut Vec<Range<usize>>,
) -> Option<Vec<T>> {
    let Some(node) = node else {
        return Some(Vec::new());
    };
    let items = read::array(node, path, cx)?;
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        spans.push(item.span.clone());
        match f(item, &format!("{path}[{i}]"), cx) {
            Some(v) => out.push(v),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// The span of field `key` in each element of an array of tables (the element's own span where
/// the field is absent), so that a cross-check whose path names the field points at its value.
pub(crate) fn field_spans(node: Option<&Node>, key: &str) -> Vec<Range<usize>> {
    match node.map(|n| &n.value) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.get(key).map_or(item.span.clone(), |n| n.span.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

/// Maps ids to indices, reporting duplicates.
pub(crate) fn index_by<'a, Id: From<u32>>(
    ids: impl Iterator<Item = &'a str>,
    spans: &[Range<usize>],
    what: &str,
    field: &str,
    cx: &mut Cx,
) -> BTreeMap<String, Id> {
    let mut map = BTreeMap::new();
    for (i, id) in ids.enumerate() {
        if map.contains_key(id) {
            cx.error(
                RuleId::DuplicateId,
                &format!("{what}[{i}].{field}"),
                spans[i].clone(),
                format!("{what} {field} `{id}` is declared twice"),
                format!("give each {what} a unique {field}"),
            );
        } else {
            map.insert(id.to_string(), Id::from(i as u32));
        }
    }
    map
}

macro_rules! from_u32 {
    ($($t:ident),*) => { $(impl From<u32> for $t { fn from(v: u32) -> Self { $t(v) } })* };
}
from_u32!(VpcId, SubnetId, NetworkId, PopId, SgId, AssocId);

pub(crate) fn positive_duration(n: &Node, path: &str, cx: &mut Cx) -> Option<Millis> {
    let d = read::duration(n, path, cx)?;
    if d == 0 {
        cx.error(
            RuleId::Value,
            path,
            n.span.clone(),
            format!("`{path}` must be longer than zero"),
            "",
        );
        return None;
    }
    Some(d)
}

pub(crate) fn weekday(n: &Node, path: &str, cx: &mut Cx) -> Option<Weekday> {
    let s = read::string(n, path, cx)?;
    let w = Weekday::ALL
        .iter()
        .find(|w| w.name() == s.to_ascii_lowercase().get(..3).unwrap_or(""));
    if w.is_none() {
        cx.error(
            RuleId::Value,
            path,
            n.span.clone(),
            format!("`{s}` is not a weekday"),
            "use mon, tue, wed, thu, fri, sat or sun",
        );
    }
    w.copied()
}

pub(crate) fn days(n: &Node, path: &str, cx: &mut Cx) -> Option<DaySet> {
    let s = read::string(n, path, cx)?;
    let bad = |cx: &mut Cx| {
        cx.error(
            RuleId::Value,
            path,
            n.span.clone(),
            format!("`{s}` is not a set of weekdays"),
            "write e.g. \"mon-fri\", \"mon,wed,fri\" or \"all\"",
        )
    };
    if s == "all" || s == "every day" {
        return Some(DaySet(0x7f));
    }
    let day = |t: &str| {
        Weekday::ALL
            .iter()
            .position(|w| w.name() == t.trim().to_ascii_lowercase())
    };
    let mut set = 0u8;
    for part in s.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (Some(a), Some(b)) = (day(a), day(b)) else {
                    bad(cx);
                    return None;
                };
                let mut d = a;
                loop {
                    set |= 1 << d;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => {
                let Some(d) = day(part) else {
                    bad(cx);
                    return None;
                };
                set |= 1 << d;
            }
        }
    }
    Some(DaySet(set))
}

pub(crate) fn hint_list<'a>(prefix: &str, names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = names.map(|s| s.as_str()).collect();
    if v.is_empty() {
        format!("{prefix}: (none declared)")
    } else {
        format!("{prefix}: {}", v.join(", "))
    }
}

// Writing.

pub(crate) fn dur(ms: Millis) -> TomlValue {
    TomlValue::from(duration::format(ms))
}

/// A float that stays a float in TOML (so `1` is written `1.0`).
pub(crate) fn float(x: f64) -> TomlValue {
    TomlValue::from(x)
}

pub(crate) fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> TomlValue {
    TomlValue::Array(items.into_iter().collect::<Array>())
}

pub(crate) fn inline(pairs: Vec<(&str, TomlValue)>) -> TomlValue {
    let mut t = InlineTable::new();
    for (k, v) in pairs {
        t.insert(k, v);
    }
    TomlValue::InlineTable(t)
}

/// A distribution; `duration` says whether values are milliseconds (written as durations).
pub(crate) fn dist(d: &Dist, duration: bool) -> TomlValue {
    dist_value(d, duration, false)
}

/// A distribution as a scenario value. Values are durations when `duration`; empirical weights
/// are written exactly (for round trips), or rounded to three decimals for people to read.
pub fn dist_value(d: &Dist, duration: bool, round_weights: bool) -> TomlValue {
    let v = |x: f64| {
        if duration {
            dur(libm::round(x.max(0.0)) as Millis)
        } else {
            float(x)
        }
    };
    match d {
        Dist::Fixed(x) => v(*x),
        Dist::Uniform { low, high } => inline(vec![(
            "uniform",
            TomlValue::Array([v(*low), v(*high)].into_iter().collect()),
        )]),
        Dist::Exponential { mean } => {
            inline(vec![("exponential", inline(vec![("mean", v(*mean))]))])
        }
        Dist::Normal { mean, sd } => inline(vec![(
            "normal",
            inline(vec![("mean", v(*mean)), ("sd", v(*sd))]),
        )]),
        Dist::LogNormal { median, p99 } => inline(vec![(
            "lognormal",
            inline(vec![("median", v(*median)), ("p99", v(*p99))]),
        )]),
        Dist::Empirical { values, cumulative } => {
            let mut prev = 0.0;
            let items: Array = values
                .iter()
                .zip(cumulative)
                .map(|(x, c)| {
                    let w = c - prev;
                    prev = *c;
                    let w = if round_weights {
                        libm::round(w * 1000.0) / 1000.0
                    } else {
                        w
                    };
                    inline(vec![("value", v(*x)), ("weight", float(w))])
                })
                .collect();
            inline(vec![("empirical", TomlValue::Array(items))])
        }
    }
}

pub(crate) fn day_set(d: DaySet) -> String {
    let names: Vec<&str> = Weekday::ALL
        .iter()
        .filter(|w| d.contains(**w))
        .map(|w| w.name())
        .collect();
    names.join(",")
}
