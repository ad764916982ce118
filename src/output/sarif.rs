//! SARIF 2.1.0 logs (OASIS Static Analysis Results Interchange Format) for `validate`, `check`
//! and `import`, so code scanning shows each problem on its line: the scenario file's (or an
//! included file's) for a diagnostic, the expectations file's for a failed assertion, and the
//! plan's (or AWS CLI output's) for an import finding, with the input field a value of the
//! written scenario came from as a related location.

use serde_json::{json, Value};

use crate::check::verdict::Outcome as Assertion;
use crate::source::diag::{Diagnostic, Severity, Source};
use crate::source::rules::RULES;
use crate::source::tree::{Node, Value as NodeValue};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A file, line and column range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub file: String,
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Region {
    pub fn of(source: &Source, span: &std::ops::Range<usize>) -> Region {
        let (start_line, start_column) = source.line_col(span.start);
        let (mut end_line, mut end_column) = source.line_col(span.end.max(span.start));
        if (end_line, end_column) <= (start_line, start_column) {
            (end_line, end_column) = (start_line, start_column + 1);
        }
        Region {
            file: source.file_of(span.start).0.to_string(),
            start_line,
            start_column,
            end_line,
            end_column,
        }
    }

    fn location(&self) -> Value {
        json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri(&self.file) },
                "region": {
                    "startLine": self.start_line,
                    "startColumn": self.start_column,
                    "endLine": self.end_line,
                    "endColumn": self.end_column,
                }
            }
        })
    }
}

/// A path as a URI reference: forward slashes, no leading `./`.
fn uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    p.strip_prefix("./").unwrap_or(&p).to_string()
}

fn level(s: Severity) -> &'static str {
    s.label()
}

/// A SARIF log with one run of cvpnsim.
fn log(rules: Vec<Value>, results: Vec<Value>, artifacts: &[String]) -> Value {
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cvpnsim",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "artifacts": artifacts.iter().map(|a| json!({"location": {"uri": uri(a)}})).collect::<Vec<_>>(),
            "results": results,
        }]
    })
}

/// One checked file for [`validate`].
pub struct File<'a> {
    pub source: &'a Source,
    pub diagnostics: &'a [Diagnostic],
}

/// `validate`'s findings: one result per diagnostic, located in its file; the rules are every
/// rule of the format, with the guide's words.
pub fn validate(files: &[File]) -> Value {
    let rules = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": { "text": r.statement },
                "fullDescription": { "text": format!("{} ({})", r.statement, r.source) },
                "defaultConfiguration": { "level": "error" },
            })
        })
        .collect();
    let mut results = Vec::new();
    let mut artifacts: Vec<String> = Vec::new();
    for f in files {
        let names = std::iter::once(&f.source.name).chain(f.source.parts.iter().map(|(_, n)| n));
        for n in names {
            if !artifacts.contains(n) {
                artifacts.push(n.clone());
            }
        }
        for d in f.diagnostics {
            let mut text = d.message.clone();
            if let Some(h) = &d.hint {
                text.push_str(&format!(" (hint: {h})"));
            }
            let mut r = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [Region::of(f.source, &d.span).location()],
                "properties": { "path": d.path },
            });
            if let Some(rule) = RULES.iter().position(|x| d.rule == x.id) {
                r["ruleIndex"] = json!(rule);
            }
            results.push(r);
        }
    }
    log(rules, results, &artifacts)
}

/// Where an assertion is written in the expectations file (its key, or its `[[reachable]]`
/// entry); the start of the file when it cannot be found.
pub fn assertion_span(tree: &Node, name: &str) -> std::ops::Range<usize> {
    let entry = |n: &Node, key: &str| -> Option<(std::ops::Range<usize>, Node)> {
        match &n.value {
            NodeValue::Table(es) => es
                .iter()
                .find(|e| e.key == key)
                .map(|e| (e.key_span.clone(), e.node.clone())),
            _ => None,
        }
    };
    let string_of = |n: &Node, key: &str| match entry(n, key).map(|e| e.1.value) {
        Some(NodeValue::String(s)) => Some(s),
        _ => None,
    };
    let mut parts = name.splitn(2, '.');
    let head = parts.next().unwrap_or("");
    let rest = parts.next();
    let found = match (head, rest) {
        ("reachable", Some(rest)) => match entry(tree, "reachable") {
            Some((
                _,
                Node {
                    value: NodeValue::Array(items),
                    ..
                },
            )) => items
                .iter()
                .find(|it| {
                    let (p, n) = (string_of(it, "population"), string_of(it, "network"));
                    matches!((p, n), (Some(p), Some(n)) if rest == format!("{p}.{n}"))
                })
                .map(|it| it.span.clone()),
            _ => None,
        },
        ("max_refusals", Some(reason)) => {
            entry(tree, "max_refusals").map(|(span, t)| entry(&t, reason).map_or(span, |e| e.0))
        }
        (key, _) => entry(tree, key).map(|e| e.0),
    };
    found.unwrap_or(0..0)
}

/// `check`'s outcome: one result per failed assertion (level error) located at the assertion in
/// the expectations file, and one of kind `pass` for each that held.
pub fn check(expect: &Source, tree: Option<&Node>, outcomes: &[Assertion]) -> Value {
    let mut rule_ids: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for o in outcomes {
        let id = o.name.split('.').next().unwrap_or(&o.name).to_string();
        if !rule_ids.contains(&id) {
            rule_ids.push(id.clone());
        }
        let span = tree.map_or(0..0, |t| assertion_span(t, &o.name));
        let text = format!(
            "{}: expected {}, measured {}",
            o.name, o.expected, o.measured
        );
        let mut r = json!({
            "ruleId": id,
            "ruleIndex": rule_ids.iter().position(|x| *x == id),
            "message": { "text": text },
            "locations": [Region::of(expect, &span).location()],
        });
        if o.passed {
            r["kind"] = json!("pass");
            r["level"] = json!("none");
        } else {
            r["kind"] = json!("fail");
            r["level"] = json!("error");
        }
        results.push(r);
    }
    let rules = rule_ids
        .iter()
        .map(|id| {
            json!({
                "id": id,
                "shortDescription": { "text": format!("expectation `{id}` (docs/check.md)") },
            })
        })
        .collect();
    log(rules, results, std::slice::from_ref(&expect.name))
}

fn input_region(o: &crate::import::Origin) -> Region {
    Region {
        file: o.file.clone(),
        start_line: o.line.max(1),
        start_column: o.col.max(1),
        end_line: o.line.max(1),
        end_column: o.col.max(1) + 1,
    }
}

/// `import`'s outcome: each finding about the inputs (an error, a value left out, an
/// assumption) located at its line in the input file (the Terraform plan or the AWS CLI output,
/// `input` when the finding names no place), and each problem the loader found in the written
/// scenario located in the scenario, with the input field it came from as a related location.
pub fn import(imported: &crate::import::Imported, input: &str) -> Value {
    use crate::import::Level;
    let mut results = Vec::new();
    let mut artifacts = vec![input.to_string()];
    for f in &imported.findings {
        let (id, level) = match f.severity {
            Level::Error => ("import-error", "error"),
            Level::Warning => ("import-warning", "warning"),
            Level::Note => ("import-note", "note"),
        };
        let region = match &f.origin {
            Some(o) => input_region(o),
            None => Region {
                file: input.to_string(),
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 2,
            },
        };
        if !artifacts.contains(&region.file) {
            artifacts.push(region.file.clone());
        }
        let text = match &f.origin {
            Some(o) => format!("{} ({})", f.message, o.path),
            None => f.message.clone(),
        };
        results.push(json!({
            "ruleId": id,
            "level": level,
            "message": { "text": text },
            "locations": [region.location()],
        }));
    }
    for t in &imported.diagnostics {
        let d = &t.diagnostic;
        let mut text = d.message.clone();
        if let Some(h) = &d.hint {
            text.push_str(&format!(" (hint: {h})"));
        }
        let mut r = json!({
            "ruleId": d.rule,
            "level": level(d.severity),
            "message": { "text": text },
            "locations": [Region::of(&imported.source, &d.span).location()],
            "properties": { "path": d.path },
        });
        if let Some(o) = &t.cause {
            let mut l = input_region(o).location();
            l["id"] = json!(0);
            l["message"] = json!({ "text": format!("the value comes from {}", o.path) });
            r["relatedLocations"] = json!([l]);
        }
        results.push(r);
    }
    if !imported.diagnostics.is_empty() && !artifacts.contains(&imported.source.name) {
        artifacts.push(imported.source.name.clone());
    }
    let rules = ["import-error", "import-warning", "import-note"]
        .iter()
        .map(|id| {
            json!({
                "id": id,
                "shortDescription": { "text": match *id {
                    "import-error" => "the input cannot be imported as it is",
                    "import-warning" => "imported, but something was left out or not modelled",
                    _ => "where an imported value came from, or what was assumed",
                } },
            })
        })
        .collect();
    log(rules, results, &artifacts)
}
