//! The scenario file as typed: a small tree of values, each carrying the byte span it came
//! from, built from TOML or JSON. Everything later (decoding, sweeps that set a value by its
//! path, error messages with line and column) works on this one representation, so both input
//! formats behave identically.

use std::ops::Range;

/// A value from the scenario file and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Byte range in the source text; `0..0` for values that were not written in a file
    /// (defaults, values set by `--vary`).
    pub span: Range<usize>,
}

/// One table entry: the key as written, where the key was written, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Range<usize>,
    pub node: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<Node>),
    /// Entries in the order they were written.
    Table(Vec<Entry>),
}

impl Value {
    /// What a user would call this kind of value, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

impl Node {
    pub fn new(value: Value, span: Range<usize>) -> Node {
        Node { value, span }
    }

    /// A value that was not written in any file.
    pub fn synthetic(value: Value) -> Node {
        Node { value, span: 0..0 }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Table(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.node),
            _ => None,
        }
    }
}

/// A parse error with the byte range where the parser gave up.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub span: Range<usize>,
}

/// Parses TOML text into a [`Node`] tree.
pub fn parse_toml(text: &str) -> Result<Node, SyntaxError> {
    let doc = toml_edit::Document::parse(text).map_err(|e| SyntaxError {
        message: e.message().trim().to_string(),
        span: e.span().unwrap_or(0..0),
    })?;
    Ok(from_table(doc.as_table(), 0..text.len()))
}

fn from_table(table: &toml_edit::Table, fallback: Range<usize>) -> Node {
    let span = table.span().unwrap_or(fallback);
    let entries = table
        .iter()
        .map(|(key, item)| {
            let key_span = table
                .key(key)
                .and_then(|k| k.span())
                .unwrap_or_else(|| span.clone());
            Entry {
                key: key.to_string(),
                key_span: key_span.clone(),
                node: from_item(item, key_span),
            }
        })
        .collect();
    Node::new(Value::Table(entries), span)
}

fn from_item(item: &toml_edit::Item, fallback: Range<usize>) -> Node {
    match item {
        toml_edit::Item::None => Node::new(Value::Table(Vec::new()), fallback),
        toml_edit::Item::Value(v) => from_value(v, fallback),
        toml_edit::Item::Table(t) => from_table(t, fallback),
        toml_edit::Item::ArrayOfTables(a) => {
            let span = a.span().unwrap_or_else(|| fallback.clone());
            let items = a.iter().map(|t| from_table(t, fallback.clone())).collect();
            Node::new(Value::Array(items), span)
        }
    }
}

fn from_value(value: &toml_edit::Value, fallback: Range<usize>) -> Node {
    use toml_edit::Value as V;
    let span = value.span().unwrap_or_else(|| fallback.clone());
    let v = match value {
        V::String(s) => Value::String(s.value().clone()),
        V::Integer(i) => Value::Integer(*i.value()),
        V::Float(f) => Value::Float(*f.value()),
        V::Boolean(b) => Value::Bool(*b.value()),
        // Dates are not part of the format: times are durations from the scenario start.
        V::Datetime(d) => Value::String(d.value().to_string()),
        V::Array(a) => Value::Array(a.iter().map(|v| from_value(v, span.clone())).collect()),
        V::InlineTable(t) => {
            let entries = t
                .iter()
                .map(|(key, v)| {
                    let key_span = t
                        .key(key)
                        .and_then(|k| k.span())
                        .unwrap_or_else(|| span.clone());
                    Entry {
                        key: key.to_string(),
                        key_span: key_span.clone(),
                        node: from_value(v, key_span),
                    }
                })
                .collect();
            Value::Table(entries)
        }
    };
    Node::new(v, span)
}

/// Parses JSON text into a [`Node`] tree, keeping the byte span of every value and key.
pub fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    let mut p = JsonParser {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.err("unexpected text after the JSON document"));
    }
    Ok(node)
}

struct JsonParser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

const MAX_DEPTH: usize = 128;

impl JsonParser<'_> {
    fn err(&self, message: &str) -> SyntaxError {
        let end = (self.pos + 1).min(self.s.len());
        SyntaxError {
            message: message.to_string(),
            span: self.pos.min(end)..end,
        }
    }

    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.err("JSON nested too deeply"));
        }
        let start = self.pos;
        match self.s.get(self.pos) {
            None => Err(self.err("unexpected end of JSON, expected a value")),
            Some(b'{') => {
                self.pos += 1;
                let mut entries = Vec::new();
                self.ws();
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        let key_start = self.pos;
                        if self.s.get(self.pos) != Some(&b'"') {
                            return Err(self.err("expected a quoted key"));
                        }
                        let key = self.string()?;
                        let key_span = key_start..self.pos;
                        self.ws();
                        if !self.eat(b':') {
                            return Err(self.err("expected ':' after the key"));
                        }
                        self.ws();
                        let node = self.value(depth + 1)?;
                        if entries.iter().any(|e: &Entry| e.key == key) {
                            return Err(SyntaxError {
                                message: format!("duplicate key `{key}`"),
                                span: key_span,
                            });
                        }
                        entries.push(Entry {
                            key,
                            key_span,
                            node,
                        });
                        self.ws();
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b'}') {
                            break;
                        }
                        return Err(self.err("expected ',' or '}'"));
                    }
                }
                Ok(Node::new(Value::Table(entries), start..self.pos))
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if !self.eat(b']') {
                    loop {
                        self.ws();
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b']') {
                            break;
                        }
                        return Err(self.err("expected ',' or ']'"));
                    }
                }
                Ok(Node::new(Value::Array(items), start..self.pos))
            }
            Some(b'"') => {
                let s = self.string()?;
                Ok(Node::new(Value::String(s), start..self.pos))
            }
            Some(b't') if self.s[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Ok(Node::new(Value::Bool(true), start..self.pos))
            }
            Some(b'f') if self.s[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Ok(Node::new(Value::Bool(false), start..self.pos))
            }
            Some(b'n') if self.s[self.pos..].starts_with(b"null") => Err(SyntaxError {
                message: "null is not a value in a scenario: leave the field out instead".into(),
                span: start..start + 4,
            }),
            Some(c) if *c == b'-' || c.is_ascii_digit() => self.number(),
            Some(_) => Err(self.err("expected a JSON value")),
        }
    }

    fn number(&mut self) -> Result<Node, SyntaxError> {
        let start = self.pos;
        let mut float = false;
        self.eat(b'-');
        while let Some(c) = self.s.get(self.pos) {
            match c {
                b'0'..=b'9' => {}
                b'.' | b'e' | b'E' | b'+' | b'-' => float = true,
                _ => break,
            }
            self.pos += 1;
        }
        let text = &self.text[start..self.pos];
        let span = start..self.pos;
        if !float {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Node::new(Value::Integer(i), span));
            }
        }
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| Node::new(Value::Float(f), span.clone()))
            .ok_or(SyntaxError {
                message: format!("`{text}` is not a valid number"),
                span,
            })
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        // Opening quote already checked by the caller.
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
                    let Some(&e) = self.s.get(self.pos) else {
                        return Err(self.err("unterminated escape"));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
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
                            out.push(
                                char::from_u32(code)
                                    .ok_or_else(|| self.err("invalid \\u escape"))?,
                            );
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.err("invalid escape in string"));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.err("control character in string")),
                _ => {
                    // Copy one UTF-8 character.
                    let ch = self.text[self.pos..].chars().next().expect("inside text");
                    out.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let h = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err("short \\u escape"))?;
        let h = std::str::from_utf8(h).map_err(|_| self.err("invalid \\u escape"))?;
        let v = u32::from_str_radix(h, 16).map_err(|_| self.err("invalid \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_spans_and_order() {
        let text = r#"{"b": 1, "a": [true, "x\n", 2.5]}"#;
        let n = parse_json(text).unwrap();
        let Value::Table(e) = &n.value else {
            panic!("not a table")
        };
        assert_eq!(e[0].key, "b");
        assert_eq!(&text[e[1].node.span.clone()], r#"[true, "x\n", 2.5]"#);
        assert_eq!(n.get("b").unwrap().value, Value::Integer(1));
    }

    #[test]
    fn json_errors_have_positions() {
        let e = parse_json("{\"a\": }").unwrap_err();
        assert_eq!(e.span.start, 6);
        assert!(parse_json("{\"a\":1,\"a\":2}")
            .unwrap_err()
            .message
            .contains("duplicate"));
        assert!(parse_json("[1, null]")
            .unwrap_err()
            .message
            .contains("null"));
    }

    #[test]
    fn toml_spans_point_at_values() {
        let text = "name = \"x\"\n[endpoint]\nvpn_port = 443\n";
        let n = parse_toml(text).unwrap();
        let port = n.get("endpoint").unwrap().get("vpn_port").unwrap();
        assert_eq!(&text[port.span.clone()], "443");
    }
}
