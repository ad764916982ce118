//! TOML text → [`Node`] tree, through `toml_edit` (which keeps spans).

use std::ops::Range;

use super::tree::{Entry, Node, SyntaxError, Value};

/// Parses TOML text into a [`Node`] tree.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
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

#[cfg(test)]
mod tests {
    #[test]
    fn spans_point_at_values() {
        let text = "name = \"x\"\n[endpoint]\nvpn_port = 443\n";
        let n = super::parse(text).unwrap();
        let port = n.get("endpoint").unwrap().get("vpn_port").unwrap();
        assert_eq!(&text[port.span.clone()], "443");
    }
}
