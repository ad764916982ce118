//! One tree for every input file: values with the byte span each came from, built from TOML or
//! JSON. Scenario decoding, sweeps that set a value by its path, the importers and every error
//! message with a line and column work on this one representation, so both formats behave alike.

use std::ops::Range;

/// A value from an input file and where it was written.
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
    /// JSON `null`: only in dialects that accept it (the importers' inputs), never in a scenario.
    Null,
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<Node>),
    /// Entries in the order they were written (a JSON object, a TOML table).
    Table(Vec<Entry>),
}

impl Value {
    /// What a user would call this kind of value, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }

    /// What JSON calls this kind of value (`a number`, `an object`), for the importers' messages.
    pub fn json_kind(&self) -> &'static str {
        match self {
            Value::Integer(_) | Value::Float(_) => "a number",
            Value::Table(_) => "an object",
            other => other.kind(),
        }
    }

    /// The number, integer or not.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Integer(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
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

    /// The entry `key` of a table (`None` for other values or when absent).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Table(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.node),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
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
