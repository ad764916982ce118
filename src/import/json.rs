//! JSON input files of the importers (AWS CLI output, `terraform show -json`): parsed by the one
//! JSON parser of [`crate::source::json`] in the dialect that accepts `null` (which both AWS and
//! Terraform print), and read by JSON path (`$.Routes[2].Status`) with [`Obj`], the importers'
//! face of the one table reader ([`crate::source::read::Table`]). Every problem is a
//! [`Finding`] — the one diagnostic type — located by file, JSON path, line and column.

use std::ops::Range;

use crate::source::diag::Source;
use crate::source::json::Dialect;
use crate::source::read::Table;
use crate::source::tree::{Node, Value};

pub use crate::source::diag::{Diagnostic as Finding, Origin, Severity as Level};

/// A JSON value of an input file and where it was written.
pub type Json = Node;
/// The kinds of JSON values (`J::Table` is an object, `J::Null` is `null`).
pub type J = Value;

/// Collected findings.
#[derive(Debug, Default)]
pub struct Findings {
    pub list: Vec<Finding>,
}

impl Findings {
    pub fn push(&mut self, level: Level, origin: Option<Origin>, message: impl Into<String>) {
        self.list.push(Finding::new(level, origin, message));
    }

    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Finding::is_error)
    }
}

/// An input file, parsed.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub source: Source,
    pub root: Json,
}

impl InputFile {
    /// Parses `text`; a syntax error becomes an error finding with the position.
    pub fn parse(name: &str, text: &str) -> Result<InputFile, Finding> {
        let source = Source::new(name, text);
        match crate::source::json::parse(text, Dialect::INPUT) {
            Ok(root) => Ok(InputFile { source, root }),
            Err(e) => {
                let (line, col) = source.line_col(e.span.start);
                Err(Finding::new(
                    Level::Error,
                    Some(Origin {
                        file: name.to_string(),
                        path: "$".into(),
                        line,
                        col,
                    }),
                    format!("not valid JSON: {}", e.message),
                ))
            }
        }
    }

    pub fn name(&self) -> &str {
        &self.source.name
    }

    /// The origin of a value at `path` written at `span`.
    pub fn origin(&self, path: &str, span: &Range<usize>) -> Origin {
        let (line, col) = self.source.line_col(span.start);
        Origin {
            file: self.source.name.clone(),
            path: path.to_string(),
            line,
            col,
        }
    }

    /// The document root as an object to read.
    pub fn root<'a>(&'a self, out: &mut Findings) -> Option<Obj<'a>> {
        Obj::new(self, &self.root, "$", out)
    }
}

/// An object being read: remembers which members were asked for, so that members the importer
/// does not know are reported instead of silently dropped.
pub struct Obj<'a> {
    pub file: &'a InputFile,
    pub node: &'a Json,
    pub path: String,
    keys: Table<'a>,
}

impl<'a> Obj<'a> {
    /// `node` as an object; an error finding if it is something else.
    pub fn new(
        file: &'a InputFile,
        node: &'a Json,
        path: &str,
        out: &mut Findings,
    ) -> Option<Obj<'a>> {
        match Table::of(node, path, None) {
            Some(keys) => Some(Obj {
                file,
                node,
                path: path.to_string(),
                keys,
            }),
            None => {
                out.push(
                    Level::Error,
                    Some(file.origin(path, &node.span)),
                    format!("expected an object, found {}", node.value.json_kind()),
                );
                None
            }
        }
    }

    pub fn origin(&self) -> Origin {
        self.file.origin(&self.path, &self.node.span)
    }

    pub fn child_path(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// The origin of member `key` (or of this object when the member is absent).
    pub fn origin_of(&self, key: &str) -> Origin {
        match self.raw(key) {
            Some(n) => self.file.origin(&self.child_path(key), &n.span),
            None => self.file.origin(&self.child_path(key), &self.node.span),
        }
    }

    fn raw(&self, key: &str) -> Option<&'a Json> {
        self.node.get(key)
    }

    /// Marks keys as read without reading them (known to the importer, not modelled).
    pub fn known(&mut self, keys: &[&'static str]) {
        self.keys.known(keys);
    }

    /// The member `key`; `null` counts as absent.
    pub fn opt(&mut self, key: &'static str) -> Option<&'a Json> {
        self.keys.opt(key).filter(|v| v.value != J::Null)
    }

    /// The member `key`; an error finding `missing` if absent.
    pub fn req(&mut self, key: &'static str, out: &mut Findings) -> Option<&'a Json> {
        let v = self.opt(key);
        if v.is_none() {
            out.push(Level::Error, Some(self.origin_of(key)), "missing");
        }
        v
    }

    fn typed<T>(
        &self,
        key: &str,
        node: &'a Json,
        expected: &str,
        out: &mut Findings,
        f: impl FnOnce(&'a J) -> Option<T>,
    ) -> Option<T> {
        let v = f(&node.value);
        if v.is_none() {
            out.push(
                Level::Error,
                Some(self.file.origin(&self.child_path(key), &node.span)),
                format!("expected {expected}, found {}", node.value.json_kind()),
            );
        }
        v
    }

    pub fn opt_str(&mut self, key: &'static str, out: &mut Findings) -> Option<&'a str> {
        let n = self.opt(key)?;
        self.typed(key, n, "a string", out, |v| match v {
            J::String(s) => Some(s.as_str()),
            _ => None,
        })
    }

    pub fn req_str(&mut self, key: &'static str, out: &mut Findings) -> Option<&'a str> {
        let n = self.req(key, out)?;
        self.typed(key, n, "a string", out, |v| match v {
            J::String(s) => Some(s.as_str()),
            _ => None,
        })
    }

    pub fn opt_bool(&mut self, key: &'static str, out: &mut Findings) -> Option<bool> {
        let n = self.opt(key)?;
        self.typed(key, n, "true or false", out, |v| match v {
            J::Bool(b) => Some(*b),
            _ => None,
        })
    }

    /// An integer; AWS prints numbers, Terraform too, but a quoted number is accepted.
    pub fn opt_int(&mut self, key: &'static str, out: &mut Findings) -> Option<i64> {
        let n = self.opt(key)?;
        self.typed(key, n, "an integer", out, |v| match v {
            J::Integer(i) if i.unsigned_abs() < 9_000_000_000_000_000 => Some(*i),
            J::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Some(*x as i64),
            J::String(s) => s.trim().parse().ok(),
            _ => None,
        })
    }

    pub fn opt_array(&mut self, key: &'static str, out: &mut Findings) -> Option<&'a [Json]> {
        let n = self.opt(key)?;
        self.typed(key, n, "an array", out, |v| match v {
            J::Array(a) => Some(a.as_slice()),
            _ => None,
        })
    }

    pub fn req_array(&mut self, key: &'static str, out: &mut Findings) -> Option<&'a [Json]> {
        let n = self.req(key, out)?;
        self.typed(key, n, "an array", out, |v| match v {
            J::Array(a) => Some(a.as_slice()),
            _ => None,
        })
    }

    /// An array of strings; each non-string element is an error finding.
    pub fn opt_strings(&mut self, key: &'static str, out: &mut Findings) -> Option<Vec<String>> {
        let items = self.opt_array(key, out)?;
        let mut v = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match &item.value {
                J::String(s) => v.push(s.clone()),
                other => out.push(
                    Level::Error,
                    Some(
                        self.file
                            .origin(&format!("{}[{i}]", self.child_path(key)), &item.span),
                    ),
                    format!("expected a string, found {}", other.json_kind()),
                ),
            }
        }
        Some(v)
    }

    /// A nested object.
    pub fn opt_obj(&mut self, key: &'static str, out: &mut Findings) -> Option<Obj<'a>> {
        let n = self.opt(key)?;
        Obj::new(self.file, n, &self.child_path(key), out)
    }

    /// Elements of the array `key` as objects, with their paths (`key[i]`).
    pub fn objects(
        &mut self,
        key: &'static str,
        required: bool,
        out: &mut Findings,
    ) -> Vec<Obj<'a>> {
        let items = if required {
            self.req_array(key, out)
        } else {
            self.opt_array(key, out)
        };
        let base = self.child_path(key);
        items
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Obj::new(self.file, n, &format!("{base}[{i}]"), out))
            .collect()
    }

    /// Reports every member nobody asked for: the importer does not know it, so whatever it
    /// says is not in the scenario.
    pub fn finish(self, out: &mut Findings) {
        for e in self.keys.unread() {
            out.push(
                Level::Warning,
                Some(self.file.origin(&self.child_path(&e.key), &e.node.span)),
                "unknown field, not imported",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_have_positions() {
        let e = InputFile::parse("x.json", "{\n  \"a\": ,\n}").unwrap_err();
        let o = e.origin.unwrap();
        assert_eq!((o.line, o.col), (2, 8));
        assert_eq!(e.message, "not valid JSON: expected a JSON value");
        let f = InputFile::parse("n.json", "{\"a\": null, \"b\": 1}").unwrap();
        let mut out = Findings::default();
        let mut root = f.root(&mut out).unwrap();
        assert_eq!(root.opt("a"), None, "null counts as absent");
        assert_eq!(root.opt_int("b", &mut out), Some(1));
    }

    #[test]
    fn reader_reports_missing_unknown_and_wrong_types() {
        let f = InputFile::parse("e.json", "{\"X\": [{\"A\": 1, \"Zed\": true}]}").unwrap();
        let mut out = Findings::default();
        let mut root = f.root(&mut out).unwrap();
        for mut o in root.objects("X", true, &mut out) {
            assert_eq!(o.opt_str("A", &mut out), None);
            assert_eq!(o.req_str("B", &mut out), None);
            o.finish(&mut out);
        }
        root.finish(&mut out);
        let text: Vec<String> = out.list.iter().map(|f| f.to_string()).collect();
        assert_eq!(
            text,
            [
                "error: e.json:1:14: $.X[0].A: expected a string, found a number",
                "error: e.json:1:8: $.X[0].B: missing",
                "warning: e.json:1:24: $.X[0].Zed: unknown field, not imported",
            ]
        );
    }
}
