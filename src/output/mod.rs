//! Machine-readable outputs of the commands: versioned JSON documents (`json`, described in
//! docs/json-output.md) and SARIF 2.1.0 logs for code scanning (`sarif`). Pure: values in,
//! `serde_json::Value` out; the app layer prints or writes them.

pub mod json;
pub mod sarif;

/// The version of every JSON document the commands print. A change that removes or renames a
/// field, or changes its meaning, increments it; new fields do not.
pub const FORMAT_VERSION: u32 = 1;

/// The JSON text of a document: pretty-printed (keys in sorted order), one newline at the end.
pub fn to_text(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("a JSON value always serializes");
    s.push('\n');
    s
}
