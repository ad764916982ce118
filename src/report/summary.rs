//! `summary.json` (DESIGN §10): the engine's summary with the scenario's hash, the seed and the
//! event marks. Its `scenario_hash` is what the results writer checks before overwriting.

use serde::Serialize;

use crate::report::{Exporter, RunOutput};
use crate::sim::{Mark, Summary};

pub const FILE_NAME: &str = "summary.json";

/// Version of this file's layout.
pub const FORMAT: &str = "cvpnsim-summary/1";

pub struct SummaryJson;

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    scenario_hash: &'a str,
    #[serde(flatten)]
    summary: &'a Summary,
    marks: &'a [Mark],
}

impl Exporter for SummaryJson {
    fn file_name(&self) -> &'static str {
        FILE_NAME
    }

    fn render(&self, out: &RunOutput) -> Vec<u8> {
        let doc = Document {
            format: FORMAT,
            scenario_hash: out.scenario_hash,
            summary: &out.result.summary,
            marks: &out.result.marks,
        };
        let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// The scenario hash recorded in a `summary.json`, if the bytes are one.
pub fn recorded_hash(bytes: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    v.get("scenario_hash")?.as_str().map(str::to_string)
}
