//! JSON input files of the importers (AWS CLI output, `terraform show -json`, CloudWatch Logs
//! exports): a parser that keeps the byte span of every value and accepts `null` (which both
//! AWS and Terraform print), and a reader that walks objects by JSON path (`$.Routes[2].Status`)
//! and records every problem as a [`Finding`] naming the file, the path, the line and column.

use std::fmt;
use std::ops::Range;

use crate::scenario::diag::Source;

/// A JSON value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Json {
    pub value: J,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    /// Members in the order written.
    Object(Vec<(String, Json)>),
}

impl J {
    pub fn kind(&self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool(_) => "a boolean",
            J::Number(_) => "a number",
            J::String(_) => "a string",
            J::Array(_) => "an array",
            J::Object(_) => "an object",
        }
    }
}

impl Json {
    /// The member `key` of an object (`None` for other values or when absent).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match &self.value {
            J::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            J::String(s) => Some(s),
            _ => None,
        }
    }
}

/// A syntax error and where the parser stopped.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub at: usize,
}

/// Parses one JSON document.
pub fn parse(text: &str) -> Result<Json, SyntaxError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.err("unexpected text after the JSON document"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

const MAX_DEPTH: usize = 256;

impl Parser<'_> {
    fn err(&self, message: &str) -> SyntaxError {
        SyntaxError {
            message: message.to_string(),
            at: self.pos,
        }
    }

    fn ws(&mut self) {
        while matches!(self.s.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.s.get(self.pos) == Some(&c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn keyword(&mut self, word: &str, v: J) -> Result<J, SyntaxError> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("expected a JSON value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.err("JSON nested too deeply"));
        }
        let start = self.pos;
        let value = match self.s.get(self.pos) {
            None => return Err(self.err("unexpected end of JSON, expected a value")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => J::String(self.string()?),
            Some(b't') => self.keyword("true", J::Bool(true))?,
            Some(b'f') => self.keyword("false", J::Bool(false))?,
            Some(b'n') => self.keyword("null", J::Null)?,
            Some(c) if *c == b'-' || c.is_ascii_digit() => self.number()?,
            Some(_) => return Err(self.err("expected a JSON value")),
        };
        Ok(Json {
            value,
            span: start..self.pos,
        })
    }

    fn object(&mut self, depth: usize) -> Result<J, SyntaxError> {
        self.pos += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.ws();
        if self.eat(b'}') {
            return Ok(J::Object(members));
        }
        loop {
            self.ws();
            if self.s.get(self.pos) != Some(&b'"') {
                return Err(self.err("expected a quoted key"));
            }
            let key_at = self.pos;
            let key = self.string()?;
            if members.iter().any(|(k, _)| *k == key) {
                return Err(SyntaxError {
                    message: format!("duplicate key `{key}`"),
                    at: key_at,
                });
            }
            self.ws();
            if !self.eat(b':') {
                return Err(self.err("expected ':' after the key"));
            }
            self.ws();
            let v = self.value(depth + 1)?;
            members.push((key, v));
            self.ws();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b'}') {
                return Ok(J::Object(members));
            }
            return Err(self.err("expected ',' or '}'"));
        }
    }

    fn array(&mut self, depth: usize) -> Result<J, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b']') {
            return Ok(J::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b']') {
                return Ok(J::Array(items));
            }
            return Err(self.err("expected ',' or ']'"));
        }
    }

    fn number(&mut self) -> Result<J, SyntaxError> {
        let start = self.pos;
        self.eat(b'-');
        while matches!(
            self.s.get(self.pos),
            Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
        ) {
            self.pos += 1;
        }
        let text = &self.text[start..self.pos];
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(J::Number)
            .ok_or(SyntaxError {
                message: format!("`{text}` is not a valid number"),
                at: start,
            })
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(self.err("unterminated string"));
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    out.push(self.escape()?);
                }
                c if c < 0x20 => return Err(self.err("control character in string")),
                _ => {
                    let ch = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    out.push(ch);
                    self.pos += ch.len_utf8().max(1);
                }
            }
        }
    }

    fn escape(&mut self) -> Result<char, SyntaxError> {
        let Some(&e) = self.s.get(self.pos) else {
            return Err(self.err("unterminated escape"));
        };
        self.pos += 1;
        Ok(match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    if !(self.eat(b'\\') && self.eat(b'u')) {
                        return Err(self.err("unpaired surrogate in \\u escape"));
                    }
                    let lo = self.hex4()?;
                    0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                } else {
                    hi
                };
                char::from_u32(code).ok_or_else(|| self.err("invalid \\u escape"))?
            }
            _ => {
                self.pos -= 1;
                return Err(self.err("invalid escape in string"));
            }
        })
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let h = self
            .s
            .get(self.pos..self.pos + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.err("invalid \\u escape"))?;
        self.pos += 4;
        Ok(h)
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The input cannot be imported as it is.
    Error,
    /// Imported, but something was left out or not modelled.
    Warning,
    /// Said so the user knows where a value came from (a default, a derived value).
    Note,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// Where in an input file a value was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    /// JSON path, `$.ClientVpnEndpoints[0].ClientCidrBlock`.
    pub path: String,
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.path)
    }
}

/// Something to tell the user about an input file.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub level: Level,
    /// The input location, or `None` for a problem not tied to one place.
    pub origin: Option<Origin>,
    pub message: String,
}

impl Finding {
    pub fn new(level: Level, origin: Option<Origin>, message: impl Into<String>) -> Finding {
        Finding {
            level,
            origin,
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Some(o) => write!(f, "{}: {o}: {}", self.level.label(), self.message),
            None => write!(f, "{}: {}", self.level.label(), self.message),
        }
    }
}

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
        match parse(text) {
            Ok(root) => Ok(InputFile { source, root }),
            Err(e) => {
                let (line, col) = source.line_col(e.at);
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
    members: &'a [(String, Json)],
    known: Vec<&'static str>,
}

impl<'a> Obj<'a> {
    /// `node` as an object; an error finding if it is something else.
    pub fn new(
        file: &'a InputFile,
        node: &'a Json,
        path: &str,
        out: &mut Findings,
    ) -> Option<Obj<'a>> {
        match &node.value {
            J::Object(members) => Some(Obj {
                file,
                node,
                path: path.to_string(),
                members,
                known: Vec::new(),
            }),
            other => {
                out.push(
                    Level::Error,
                    Some(file.origin(path, &node.span)),
                    format!("expected an object, found {}", other.kind()),
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
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Marks keys as read without reading them (known to the importer, not modelled).
    pub fn known(&mut self, keys: &[&'static str]) {
        self.known.extend_from_slice(keys);
    }

    /// The member `key`; `null` counts as absent.
    pub fn opt(&mut self, key: &'static str) -> Option<&'a Json> {
        self.known.push(key);
        self.raw(key).filter(|v| v.value != J::Null)
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
                format!("expected {expected}, found {}", node.value.kind()),
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
            J::Number(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Some(*x as i64),
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
                    format!("expected a string, found {}", other.kind()),
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
        for (k, v) in self.members {
            if !self.known.iter().any(|x| x == k) {
                out.push(
                    Level::Warning,
                    Some(self.file.origin(&self.child_path(k), &v.span)),
                    "unknown field, not imported",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_null_and_keeps_spans() {
        let text = "{\"a\": null, \"b\": [1, \"x\"]}";
        let v = parse(text).unwrap();
        assert_eq!(v.get("a").unwrap().value, J::Null);
        assert_eq!(&text[v.get("b").unwrap().span.clone()], "[1, \"x\"]");
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = InputFile::parse("x.json", "{\n  \"a\": ,\n}").unwrap_err();
        let o = e.origin.unwrap();
        assert_eq!((o.line, o.col), (2, 8));
        assert!(parse("{\"a\":1,\"a\":2}")
            .unwrap_err()
            .message
            .contains("duplicate"));
        assert!(parse("[1] 2").is_err());
        assert!(parse("nul").is_err());
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
