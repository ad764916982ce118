//! What-if grids: `--vary KEY=V1,V2,...` parsed, expanded into the cartesian product of variants,
//! and applied to the scenario's [`Node`] tree before it is checked, so every variant passes the
//! same validation as a file a person wrote.
//!
//! A key is a path of fields: `endpoint.session_timeout_hours`, `population.engineering.users`
//! (an element of an array of tables chosen by its `name` or `id`), `population[0].users`, or one
//! of the derived keys `associations` (keep the first N associations) and
//! `endpoint.client_cidr_prefix` (the client CIDR with another prefix length).
//!
//! The other studies edit the tree here too: [`lose_zone`] (an Availability Zone lost for good)
//! and [`outcome_thresholds`] (the waits users are counted against).

use std::fmt;

use crate::source::tree::{Entry, Node, Value};

/// One `--vary` axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<Value>,
}

/// One point of the grid: the value chosen on each axis, in axis order.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub index: usize,
    pub settings: Vec<(String, Value)>,
}

impl Variant {
    /// `key=value` pairs joined by spaces, for tables and logs.
    pub fn label(&self) -> String {
        self.settings
            .iter()
            .map(|(k, v)| format!("{k}={}", show(v)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A value as a user would type it on the command line.
pub fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => format!("{f}"),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Array(_) | Value::Table(_) => "…".into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GridError(pub String);

impl fmt::Display for GridError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GridError {}

/// Parses `KEY=V1,V2,...`. Values are typed like TOML scalars: integers, then numbers, then
/// `true`/`false`, otherwise strings.
pub fn parse_axis(text: &str) -> Result<Axis, GridError> {
    let (key, values) = text.split_once('=').ok_or_else(|| {
        GridError(format!(
            "`--vary {text}`: expected KEY=V1,V2,... (e.g. endpoint.session_timeout_hours=8,12,24)"
        ))
    })?;
    let key = key.trim();
    if key.is_empty() {
        return Err(GridError(format!("`--vary {text}`: the key is empty")));
    }
    let values: Vec<Value> = values.split(',').map(|v| scalar(v.trim())).collect();
    if values
        .iter()
        .any(|v| matches!(v, Value::String(s) if s.is_empty()))
    {
        return Err(GridError(format!("`--vary {text}`: an empty value")));
    }
    Ok(Axis {
        key: key.to_string(),
        values,
    })
}

fn scalar(v: &str) -> Value {
    if let Ok(i) = v.parse::<i64>() {
        Value::Integer(i)
    } else if let Ok(f) = v.parse::<f64>() {
        if f.is_finite() {
            Value::Float(f)
        } else {
            Value::String(v.to_string())
        }
    } else if v == "true" || v == "false" {
        Value::Bool(v == "true")
    } else {
        Value::String(v.to_string())
    }
}

/// The cartesian product, the last axis varying fastest. No axes → one variant (the scenario).
pub fn expand(axes: &[Axis]) -> Vec<Variant> {
    let mut out = vec![Variant {
        index: 0,
        settings: Vec::new(),
    }];
    for axis in axes {
        out = out
            .into_iter()
            .flat_map(|v| {
                axis.values.iter().map(move |val| {
                    let mut s = v.settings.clone();
                    s.push((axis.key.clone(), val.clone()));
                    Variant {
                        index: 0,
                        settings: s,
                    }
                })
            })
            .collect();
    }
    for (i, v) in out.iter_mut().enumerate() {
        v.index = i;
    }
    out
}

/// Applies a variant's settings to the tree.
pub fn apply(tree: &mut Node, variant: &Variant) -> Result<(), GridError> {
    for (key, value) in &variant.settings {
        set(tree, key, value)?;
    }
    Ok(())
}

/// Sets one key.
pub fn set(root: &mut Node, key: &str, value: &Value) -> Result<(), GridError> {
    match key {
        "associations" => keep_associations(root, value),
        "endpoint.client_cidr_prefix" => client_cidr_prefix(root, value),
        _ => {
            let segments = split_path(key)?;
            set_path(root, &segments, key, value)
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Field(String),
    Index(usize),
}

fn split_path(key: &str) -> Result<Vec<Segment>, GridError> {
    let mut out = Vec::new();
    for part in key.split('.') {
        let (name, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() {
            return Err(GridError(format!("`{key}`: empty field name")));
        }
        out.push(Segment::Field(name.to_string()));
        let mut rest = rest;
        while let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or_else(|| GridError(format!("`{key}`: missing `]`")))?;
            let idx = r[..end]
                .parse()
                .map_err(|_| GridError(format!("`{key}`: `{}` is not an index", &r[..end])))?;
            out.push(Segment::Index(idx));
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return Err(GridError(format!("`{key}`: unexpected `{rest}`")));
        }
    }
    Ok(out)
}

fn set_path(node: &mut Node, path: &[Segment], key: &str, value: &Value) -> Result<(), GridError> {
    let Some((first, rest)) = path.split_first() else {
        node.value = value.clone();
        return Ok(());
    };
    match (first, &mut node.value) {
        (Segment::Index(i), Value::Array(items)) => {
            let n = items.len();
            let item = items.get_mut(*i).ok_or_else(|| {
                GridError(format!(
                    "`{key}`: index {i} is out of range (there are {n})"
                ))
            })?;
            set_path(item, rest, key, value)
        }
        (Segment::Field(name), Value::Array(items)) => {
            // An element of an array of tables, chosen by its `name` or `id`.
            let name_of = |it: &Node| -> Option<String> {
                ["name", "id", "subnet_id"]
                    .iter()
                    .find_map(|k| match it.get(k).map(|n| &n.value) {
                        Some(Value::String(s)) => Some(s.clone()),
                        _ => None,
                    })
            };
            let known: Vec<String> = items.iter().filter_map(name_of).collect();
            match items
                .iter_mut()
                .find(|it| name_of(it).as_deref() == Some(name.as_str()))
            {
                Some(item) => set_path(item, rest, key, value),
                None => Err(GridError(format!(
                    "`{key}`: no element named `{name}` (known: {})",
                    known.join(", ")
                ))),
            }
        }
        (Segment::Field(name), Value::Table(entries)) => {
            if let Some(e) = entries.iter_mut().find(|e| &e.key == name) {
                return set_path(&mut e.node, rest, key, value);
            }
            if rest.is_empty() || matches!(rest.first(), Some(Segment::Field(_))) {
                // A field not written in the file: add it (the loader rejects unknown fields).
                let mut child = Node::synthetic(Value::Table(Vec::new()));
                set_path(&mut child, rest, key, value)?;
                entries.push(Entry {
                    key: name.clone(),
                    key_span: 0..0,
                    node: child,
                });
                Ok(())
            } else {
                Err(GridError(format!(
                    "`{key}`: `{name}` is not in the scenario"
                )))
            }
        }
        (seg, v) => Err(GridError(format!(
            "`{key}`: cannot descend into {} at {seg:?}",
            v.kind()
        ))),
    }
}

/// Appends an `[[event]]` that loses every association in Availability Zone `zone` at `at`,
/// for the rest of the run (an `az_outage` without a duration).
pub fn lose_zone(
    root: &mut Node,
    zone: &str,
    at: crate::model::Millis,
    description: &str,
) -> Result<(), GridError> {
    let outage = Node::synthetic(Value::Table(vec![entry("availability_zone", text(zone))]));
    append_event(root, at, description, entry("az_outage", outage))
}

/// Appends an `[[event]]` at `at` that modifies the authorization rules, which resets every
/// live connection at once (no propagation, no reset window): the reset storm of a plan.
pub fn reset_every_connection(
    root: &mut Node,
    at: crate::model::Millis,
    description: &str,
) -> Result<(), GridError> {
    let changes = Node::synthetic(Value::Array(vec![text("authorization_rules")]));
    append_event(root, at, description, entry("modify", changes))
}

fn text(s: &str) -> Node {
    Node::synthetic(Value::String(s.to_string()))
}

fn entry(key: &str, node: Node) -> Entry {
    Entry {
        key: key.to_string(),
        key_span: 0..0,
        node,
    }
}

/// Appends an `[[event]]` with `at`, `description` and its one kind.
fn append_event(
    root: &mut Node,
    at: crate::model::Millis,
    description: &str,
    kind: Entry,
) -> Result<(), GridError> {
    let event = Node::synthetic(Value::Table(vec![
        entry("at", text(&crate::scenario::duration::format(at))),
        entry("description", text(description)),
        kind,
    ]));
    let Value::Table(entries) = &mut root.value else {
        return Err(GridError("the scenario is not a table".into()));
    };
    if !entries.iter().any(|e| e.key == "event") {
        entries.push(entry("event", Node::synthetic(Value::Array(Vec::new()))));
    }
    match entries
        .iter_mut()
        .find(|e| e.key == "event")
        .map(|e| &mut e.node.value)
    {
        Some(Value::Array(items)) => {
            items.push(event);
            Ok(())
        }
        _ => Err(GridError("`event` is not an array of tables".into())),
    }
}

/// Sets `[output] outcome_thresholds` to `waits` (milliseconds, written as durations).
pub fn outcome_thresholds(
    root: &mut Node,
    waits: &[crate::model::Millis],
) -> Result<(), GridError> {
    let items = waits
        .iter()
        .map(|&w| Node::synthetic(Value::String(crate::scenario::duration::format(w))))
        .collect();
    set(root, "output.outcome_thresholds", &Value::Array(items))
}

fn keep_associations(root: &mut Node, value: &Value) -> Result<(), GridError> {
    let Value::Integer(n) = value else {
        return Err(GridError(
            "`associations` takes whole numbers (how many of the file's associations to keep)"
                .into(),
        ));
    };
    let Value::Table(entries) = &mut root.value else {
        return Err(GridError("the scenario is not a table".into()));
    };
    let e = entries
        .iter_mut()
        .find(|e| e.key == "association")
        .ok_or_else(|| GridError("`associations`: the scenario has no [[association]]".into()))?;
    let Value::Array(items) = &mut e.node.value else {
        return Err(GridError("`association` is not an array".into()));
    };
    if *n < 1 || *n as usize > items.len() {
        return Err(GridError(format!(
            "`associations={n}`: the scenario declares {} association(s); choose 1 to {}",
            items.len(),
            items.len()
        )));
    }
    let dropped: Vec<String> = items[*n as usize..]
        .iter()
        .filter_map(|it| match it.get("subnet_id").map(|x| &x.value) {
            Some(Value::String(id)) => Some(id.clone()),
            _ => None,
        })
        .collect();
    items.truncate(*n as usize);
    // Routes that target a dropped association, and events that disassociate one, go with it.
    let targets_dropped = |it: &Node, key: &str| matches!(it.get(key).map(|x| &x.value), Some(Value::String(id)) if dropped.contains(id));
    for (array, key) in [("route", "target_vpc_subnet_id"), ("event", "disassociate")] {
        if let Some(e) = entries.iter_mut().find(|e| e.key == array) {
            if let Value::Array(items) = &mut e.node.value {
                items.retain(|it| !targets_dropped(it, key));
            }
        }
    }
    Ok(())
}

fn client_cidr_prefix(root: &mut Node, value: &Value) -> Result<(), GridError> {
    let Value::Integer(p) = value else {
        return Err(GridError(
            "`endpoint.client_cidr_prefix` takes prefix lengths like 16,18,20".into(),
        ));
    };
    let ep = match &mut root.value {
        Value::Table(entries) => entries.iter_mut().find(|e| e.key == "endpoint"),
        _ => None,
    }
    .ok_or_else(|| GridError("the scenario has no [endpoint]".into()))?;
    let Value::Table(fields) = &mut ep.node.value else {
        return Err(GridError("[endpoint] is not a table".into()));
    };
    let cidr = fields
        .iter_mut()
        .find(|e| e.key == "client_cidr_block")
        .ok_or_else(|| GridError("the endpoint has no client_cidr_block".into()))?;
    let Value::String(s) = &cidr.node.value else {
        return Err(GridError("client_cidr_block is not a string".into()));
    };
    let net: ipnet::Ipv4Net = s
        .parse()
        .map_err(|_| GridError(format!("client_cidr_block `{s}` is not a CIDR")))?;
    if !(0..=32).contains(p) {
        return Err(GridError(format!(
            "`endpoint.client_cidr_prefix={p}` is not a prefix length"
        )));
    }
    let new = ipnet::Ipv4Net::new(net.network(), *p as u8)
        .map_err(|e| GridError(e.to_string()))?
        .trunc();
    cidr.node.value = Value::String(new.to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_tree;
    use crate::source::{diag::Source, toml::parse as parse_toml};

    const BASE: &str = include_str!("../../scenarios/two-az-workday.toml");

    #[test]
    fn grid_is_the_cartesian_product_last_axis_fastest() {
        let axes = vec![
            parse_axis("endpoint.session_timeout_hours=8,12,24").unwrap(),
            parse_axis("population.engineering.users=100,200").unwrap(),
        ];
        let g = expand(&axes);
        assert_eq!(g.len(), 6);
        assert_eq!(
            g[0].label(),
            "endpoint.session_timeout_hours=8 population.engineering.users=100"
        );
        assert_eq!(
            g[1].label(),
            "endpoint.session_timeout_hours=8 population.engineering.users=200"
        );
        assert_eq!(
            g[5].label(),
            "endpoint.session_timeout_hours=24 population.engineering.users=200"
        );
        assert!(g.iter().enumerate().all(|(i, v)| v.index == i));
        assert_eq!(expand(&[]).len(), 1);
    }

    #[test]
    fn values_are_typed() {
        let a = parse_axis("k=1,2.5,true,pooled").unwrap();
        assert_eq!(
            a.values,
            vec![
                Value::Integer(1),
                Value::Float(2.5),
                Value::Bool(true),
                Value::String("pooled".into())
            ]
        );
        assert!(parse_axis("novalues").is_err());
        assert!(parse_axis("k=1,,2").is_err());
    }

    fn applied(root: &Node, v: &Variant) -> Result<Node, GridError> {
        let mut tree = root.clone();
        apply(&mut tree, v)?;
        Ok(tree)
    }

    fn load(tree: &Node) -> crate::model::Scenario {
        load_tree(tree, Source::new("variant", BASE))
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario
    }

    #[test]
    fn applied_settings_reach_the_checked_scenario() {
        let root = parse_toml(BASE).unwrap();
        let axes = vec![
            parse_axis("endpoint.session_timeout_hours=8").unwrap(),
            parse_axis("population.engineering.users=1234").unwrap(),
            parse_axis("endpoint.client_connect_handler.concurrency=7").unwrap(),
            parse_axis("associations=1").unwrap(),
            parse_axis("endpoint.client_cidr_prefix=16").unwrap(),
            parse_axis("endpoint.max_connections=50000").unwrap(),
        ];
        let v = &expand(&axes)[0];
        let tree = applied(&root, v).unwrap();
        // Routes to subnet-b went with its association.
        let s = load(&tree);
        assert!(s
            .routes
            .iter()
            .all(|r| r.target == crate::model::RouteTarget::Association(crate::model::AssocId(0))));
        assert_eq!(s.endpoint.session_timeout.hours(), 8);
        assert!(matches!(
            s.populations[0].arrivals,
            crate::model::Arrivals::Workday { users: 1234, .. }
        ));
        assert_eq!(
            s.endpoint
                .client_connect_handler
                .as_ref()
                .unwrap()
                .concurrency,
            7
        );
        assert_eq!(s.associations.len(), 1);
        assert_eq!(s.endpoint.client_cidr_block.to_string(), "10.100.0.0/16");
        assert_eq!(s.endpoint.max_connections, Some(50000));
    }

    #[test]
    fn bad_keys_say_what_is_wrong() {
        let root = parse_toml(BASE).unwrap();
        let e = applied(
            &root,
            &expand(&[parse_axis("population.nobody.users=1").unwrap()])[0],
        )
        .unwrap_err();
        assert!(e.0.contains("no element named `nobody`"), "{e}");
        let e = applied(&root, &expand(&[parse_axis("associations=9").unwrap()])[0]).unwrap_err();
        assert!(e.0.contains("declares 2"), "{e}");
        // A typo in a field name is caught by the loader as an unknown field.
        let tree = applied(
            &root,
            &expand(&[parse_axis("endpoint.sesion_timeout_hours=8").unwrap()])[0],
        )
        .unwrap();
        let err = load_tree(&tree, Source::new("v", BASE)).unwrap_err();
        assert!(err.diagnostics().iter().any(|d| d.rule == "unknown-field"));
    }
}
