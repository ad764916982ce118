//! The one reader of a [`Node`] tree, with error collection: a table reader that remembers which
//! keys were read (so every key nobody read is reported, with a "did you mean" hint), and getters
//! for strings, booleans, numbers and arrays. Nothing here stops at the first problem: each
//! getter records a diagnostic and returns `None`. The scenario adds its own value kinds (CIDRs,
//! durations, distributions) in `scenario::read`; the importers read objects through
//! `import::json::Obj`, which tracks keys with this same [`Table`].

use crate::source::rules::RuleId;
use std::ops::Range;

use super::suggest;
use super::tree::{Entry, Node, Value};
use crate::source::diag::Diagnostic;

/// The keys a format declares for the table at a field path (`None`: not a declared table).
pub type Schema = fn(&str) -> Option<&'static [&'static str]>;

/// Collected diagnostics.
#[derive(Default)]
pub struct Cx {
    pub diags: Vec<Diagnostic>,
    /// Tables whose path the schema declares take their known keys from it (the scenario
    /// format does; see `scenario::schema`).
    pub schema: Option<Schema>,
}

impl Cx {
    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub fn error(
        &mut self,
        rule: RuleId,
        path: &str,
        span: Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.add(Diagnostic::error(rule, path, span, message), hint.into());
    }

    pub fn warning(
        &mut self,
        rule: RuleId,
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

    /// `path` is not the kind of value expected: a `type` error with an example.
    pub fn type_error(&mut self, path: &str, node: &Node, expected: &str, example: &str) {
        self.error(
            RuleId::Type,
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
    /// The keys the format declares for this table, when it declares them.
    declared: Option<&'static [&'static str]>,
}

impl<'n> Table<'n> {
    pub fn new(node: &'n Node, path: &str, cx: &mut Cx) -> Option<Table<'n>> {
        let t = Table::of(node, path, cx.schema.and_then(|s| s(path)));
        if t.is_none() {
            cx.type_error(path, node, "a table", "{ key = value }");
        }
        t
    }

    /// `node` as a table, or `None` if it is another kind of value (nothing recorded).
    pub fn of(
        node: &'n Node,
        path: &str,
        declared: Option<&'static [&'static str]>,
    ) -> Option<Table<'n>> {
        match &node.value {
            Value::Table(entries) => Some(Table {
                path: path.to_string(),
                span: node.span.clone(),
                entries,
                used: vec![false; entries.len()],
                known: Vec::new(),
                declared,
            }),
            _ => None,
        }
    }

    pub fn field_path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The value of `key`, if written.
    pub fn opt(&mut self, key: &'static str) -> Option<&'n Node> {
        debug_assert!(
            self.declared.is_none_or(|d| d.contains(&key)),
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
                RuleId::MissingField,
                &self.field_path(key),
                self.span.start..self.span.start,
                format!("`{}` is required", self.field_path(key)),
                format!("add `{key} = {example}`"),
            );
        }
        n
    }

    /// Marks keys as read without reading them (known to the reader, not used).
    pub fn known(&mut self, keys: &[&'static str]) {
        for key in keys {
            self.opt(key);
        }
    }

    /// The entries no reader asked for, in the order written.
    pub fn unread(&self) -> impl Iterator<Item = &'n Entry> + '_ {
        self.entries
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|(e, _)| e)
    }

    /// Reports every key that no reader asked for as an `unknown-field` error.
    pub fn finish(mut self, cx: &mut Cx) {
        if let Some(d) = self.declared {
            self.known = d.to_vec();
        }
        for e in self.unread() {
            let hint = suggest::did_you_mean(&e.key, &self.known)
                .unwrap_or_else(|| format!("known fields here: {}", self.known.join(", ")));
            let path = join(&self.path, &e.key);
            cx.error(
                RuleId::UnknownField,
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
                RuleId::Value,
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
            RuleId::Value,
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
            RuleId::Probability,
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
