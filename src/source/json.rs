//! The one JSON parser: JSON text → [`Node`] tree, keeping the byte span of every value and key
//! and the order of members. Numbers without a fraction or exponent that fit `i64` are integers.
//! A [`Dialect`] says whether `null` is a value (AWS and Terraform print it; a scenario has no
//! use for it) and how deep documents may nest.

use super::tree::{Entry, Node, SyntaxError, Value};

/// What a kind of input file accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// `null` is read as [`Value::Null`]; otherwise it is a syntax error saying to leave the
    /// field out.
    pub null: bool,
    /// Deepest nesting of arrays and objects.
    pub max_depth: usize,
}

impl Dialect {
    /// A scenario or an expectations file.
    pub const SCENARIO: Dialect = Dialect {
        null: false,
        max_depth: 128,
    };
    /// An importer's input (AWS CLI output, `terraform show -json`).
    pub const INPUT: Dialect = Dialect {
        null: true,
        max_depth: 256,
    };
}

/// Parses one JSON document.
pub fn parse(text: &str, dialect: Dialect) -> Result<Node, SyntaxError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        dialect,
    };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.err("unexpected text after the JSON document"));
    }
    Ok(node)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    dialect: Dialect,
}

impl Parser<'_> {
    fn err(&self, message: &str) -> SyntaxError {
        let end = (self.pos + 1).min(self.s.len());
        SyntaxError {
            message: message.to_string(),
            span: self.pos.min(end)..end,
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

    fn keyword(&mut self, word: &str, v: Value) -> Result<Value, SyntaxError> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("expected a JSON value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > self.dialect.max_depth {
            return Err(self.err("JSON nested too deeply"));
        }
        let start = self.pos;
        let value = match self.s.get(self.pos) {
            None => return Err(self.err("unexpected end of JSON, expected a value")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.keyword("true", Value::Bool(true))?,
            Some(b'f') => self.keyword("false", Value::Bool(false))?,
            Some(b'n') if !self.dialect.null && self.s[self.pos..].starts_with(b"null") => {
                return Err(SyntaxError {
                    message: "null is not a value in a scenario: leave the field out instead"
                        .into(),
                    span: start..start + 4,
                })
            }
            Some(b'n') => self.keyword("null", Value::Null)?,
            Some(c) if *c == b'-' || c.is_ascii_digit() => self.number()?,
            Some(_) => return Err(self.err("expected a JSON value")),
        };
        Ok(Node::new(value, start..self.pos))
    }

    fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.pos += 1;
        let mut entries: Vec<Entry> = Vec::new();
        self.ws();
        if self.eat(b'}') {
            return Ok(Value::Table(entries));
        }
        loop {
            self.ws();
            if self.s.get(self.pos) != Some(&b'"') {
                return Err(self.err("expected a quoted key"));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = key_start..self.pos;
            self.ws();
            if !self.eat(b':') {
                return Err(self.err("expected ':' after the key"));
            }
            self.ws();
            let node = self.value(depth + 1)?;
            if entries.iter().any(|e| e.key == key) {
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
                return Ok(Value::Table(entries));
            }
            return Err(self.err("expected ',' or '}'"));
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b']') {
                return Ok(Value::Array(items));
            }
            return Err(self.err("expected ',' or ']'"));
        }
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
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
        if !float {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Value::Integer(i));
            }
        }
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Value::Float)
            .ok_or(SyntaxError {
                message: format!("`{text}` is not a valid number"),
                span: start..self.pos,
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
                    out.push(self.escape()?);
                }
                c if c < 0x20 => return Err(self.err("control character in string")),
                _ => {
                    // Copy one UTF-8 character.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spans_order_and_integers() {
        let text = r#"{"b": 1, "a": [true, "x\n", 2.5]}"#;
        let n = parse(text, Dialect::SCENARIO).unwrap();
        let Value::Table(e) = &n.value else {
            panic!("not a table")
        };
        assert_eq!(e[0].key, "b");
        assert_eq!(&text[e[0].key_span.clone()], "\"b\"");
        assert_eq!(&text[e[1].node.span.clone()], r#"[true, "x\n", 2.5]"#);
        assert_eq!(n.get("b").unwrap().value, Value::Integer(1));
    }

    #[test]
    fn null_is_a_value_only_where_the_dialect_accepts_it() {
        let text = "{\"a\": null, \"b\": [1, \"x\"]}";
        let v = parse(text, Dialect::INPUT).unwrap();
        assert_eq!(v.get("a").unwrap().value, Value::Null);
        assert_eq!(&text[v.get("b").unwrap().span.clone()], "[1, \"x\"]");
        let e = parse("[1, null]", Dialect::SCENARIO).unwrap_err();
        assert!(e.message.contains("leave the field out"), "{}", e.message);
        assert_eq!(e.span, 4..8);
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("{\"a\": }", Dialect::SCENARIO).unwrap_err();
        assert_eq!(e.span.start, 6);
        let e = parse("{\"a\":1,\"a\":2}", Dialect::INPUT).unwrap_err();
        assert!(e.message.contains("duplicate"));
        assert_eq!(e.span.start, 7);
        assert!(parse("[1] 2", Dialect::INPUT).is_err());
        assert!(parse("nul", Dialect::INPUT).is_err());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep, Dialect::SCENARIO).is_err());
        assert!(parse(&deep, Dialect::INPUT).is_ok());
    }
}
