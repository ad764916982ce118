//! Composition: `include = ["imported.toml", "people.toml"]` at the top of a scenario overlays
//! other scenario files under it, so a configuration imported from Terraform and populations and
//! events maintained by hand are combined at load time instead of copied.
//!
//! The rule is an overlay by top-level key: the included files are read in order, then the
//! including file; for each top-level key (`endpoint`, `population`, `event`, `name`, …) the last
//! file that writes it wins, whole. An included file may not include others. Every file's text
//! is appended to one [`Source`], so each diagnostic names the file and line the value came from.
//! The format version is checked here too.

use crate::source::rules::RuleId;
use std::path::Path;

use super::read::Cx;
use super::schema::FORMAT_VERSION;
use crate::source::diag::{Diagnostic, Source};
use crate::source::tree::{Entry, Node, Value};

/// Checks `format_version` (absent: the current version).
pub fn format_version(node: Option<&Node>, cx: &mut Cx) {
    let Some(n) = node else {
        return;
    };
    match n.value {
        Value::Integer(FORMAT_VERSION) => {}
        Value::Integer(v) => cx.error(
            RuleId::FormatVersion,
            "format_version",
            n.span.clone(),
            format!(
                "scenario format {v} is not supported: this cvpnsim reads format {FORMAT_VERSION}"
            ),
            format!(
                "write the file for format {FORMAT_VERSION} (docs/scenario-format.md), or use a \
                 cvpnsim that reads format {v}"
            ),
        ),
        _ => cx.error(
            RuleId::Type,
            "format_version",
            n.span.clone(),
            format!(
                "`format_version` must be a whole number, found {}",
                n.value.kind()
            ),
            format!("write `format_version = {FORMAT_VERSION}`"),
        ),
    }
}

fn shift(n: &mut Node, by: usize) {
    n.span = n.span.start + by..n.span.end + by;
    match &mut n.value {
        Value::Array(items) => items.iter_mut().for_each(|i| shift(i, by)),
        Value::Table(entries) => {
            for e in entries {
                e.key_span = e.key_span.start + by..e.key_span.end + by;
                shift(&mut e.node, by);
            }
        }
        _ => {}
    }
}

/// The file names an `include` lists, with where each is written; problems as diagnostics.
fn listed(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<(String, std::ops::Range<usize>)> {
    let bad = |span: std::ops::Range<usize>| {
        Diagnostic::error(
            RuleId::Type,
            "include",
            span,
            "`include` must be a list of file names",
        )
        .hint("write `include = [\"imported.toml\", \"people.toml\"]`")
    };
    match &node.value {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| match &i.value {
                Value::String(s) => Some((s.clone(), i.span.clone())),
                _ => {
                    diags.push(bad(i.span.clone()));
                    None
                }
            })
            .collect(),
        _ => {
            diags.push(bad(node.span.clone()));
            Vec::new()
        }
    }
}

/// Overlays the files `tree` includes (relative to `dir`) under it, appending their text to
/// `source`. `dir` is `None` for text not read from a file, where an `include` is an error.
pub fn expand(tree: &mut Node, source: &mut Source, dir: Option<&Path>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let Value::Table(entries) = &tree.value else {
        return diags;
    };
    let Some(inc) = entries.iter().find(|e| e.key == "include") else {
        return diags;
    };
    let files = listed(&inc.node, &mut diags);
    let Some(dir) = dir else {
        diags.push(
            Diagnostic::error(
                RuleId::Include,
                "include",
                inc.key_span.clone(),
                "`include` names files relative to the scenario file, and this scenario was not read from a file",
            )
            .hint("load the scenario from its file"),
        );
        return diags;
    };
    let mut merged: Vec<Entry> = Vec::new();
    for (name, span) in files {
        let path = dir.join(&name);
        let shown = path.display().to_string();
        let text = match super::read_text(&path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        RuleId::Include,
                        "include",
                        span,
                        format!("cannot read included file {shown}: {e}"),
                    )
                    .hint("include names a file relative to this scenario file"),
                );
                continue;
            }
        };
        let offset = source.append(shown.clone(), &text);
        let mut sub = match super::parse_tree(&shown, &text) {
            Ok(t) => t,
            Err(mut d) => {
                d.span = d.span.start + offset..d.span.end + offset;
                diags.push(d);
                continue;
            }
        };
        shift(&mut sub, offset);
        let Value::Table(sub_entries) = sub.value else {
            continue;
        };
        for e in sub_entries {
            if e.key == "include" {
                diags.push(
                    Diagnostic::error(
                        RuleId::Include,
                        "include",
                        e.key_span.clone(),
                        format!("{shown} includes other files: only the scenario given on the command line may include"),
                    )
                    .hint("list every file in the including scenario's `include`"),
                );
                continue;
            }
            overlay(&mut merged, e);
        }
    }
    let Value::Table(own) = std::mem::replace(&mut tree.value, Value::Table(Vec::new())) else {
        return diags;
    };
    for e in own {
        overlay(&mut merged, e);
    }
    tree.value = Value::Table(merged);
    diags
}

/// The later definition of a key replaces the earlier one in place.
fn overlay(merged: &mut Vec<Entry>, e: Entry) {
    match merged.iter_mut().find(|m| m.key == e.key) {
        Some(m) => *m = e,
        None => merged.push(e),
    }
}
