//! The scenario format's one table of sections and fields (`scenario::schema`): the loader
//! reads exactly its keys, section by section; the JSON Schema made from it accepts every
//! bundled scenario and rejects an unknown key; docs/scenario.schema.json is up to date; the
//! format version is checked.

use std::collections::BTreeSet;

use cvpnsim::scenario::schema::{self, SECTIONS};
use cvpnsim::source::tree::{Node, Value as NodeValue};
use serde_json::{json, Value};

/// Keys each loader function (`module::function`, over `scenario::decode`, `scenario::read` and
/// the section modules of `scenario::section`) reads: `.opt("k")`, `.req(cx, "k"`, and calls of the closures
/// and macros a function defines to read a key (`rate("deny_rate")`, `int_limit!("routes", …)`).
fn keys_read_by_function() -> Vec<(String, BTreeSet<String>)> {
    let mut out = Vec::new();
    let mut files = vec![
        "src/scenario/decode.rs".to_string(),
        "src/scenario/read.rs".to_string(),
    ];
    for e in std::fs::read_dir("src/scenario/section").unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "rs") && !path.ends_with("dataplane.rs") {
            files.push(path.display().to_string());
        }
    }
    files.sort();
    for file in &files {
        let module = std::path::Path::new(file)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let src = std::fs::read_to_string(file).unwrap();
        let mut starts: Vec<(usize, String)> = Vec::new();
        for (i, line) in src.lines().scan(0, |pos, l| {
            let at = *pos;
            *pos += l.len() + 1;
            Some((at, l))
        }) {
            let head = line
                .strip_prefix("pub(crate) ")
                .or_else(|| line.strip_prefix("pub "))
                .unwrap_or(line);
            if let Some(rest) = head.strip_prefix("fn ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                starts.push((i, format!("{module}::{name}")));
            }
        }
        for (k, (start, name)) in starts.iter().enumerate() {
            let end = starts.get(k + 1).map_or(src.len(), |s| s.0);
            let body = &src[*start..end];
            let mut callers: Vec<String> = vec![".opt(".into(), ".req(".into()];
            for (marker, suffix) in [
                ("let mut ", " = |key: &'static str|"),
                ("macro_rules! ", " {"),
            ] {
                for l in body.lines() {
                    let t = l.trim();
                    if let Some(r) = t.strip_prefix(marker) {
                        if let Some(n) = r.find(suffix).map(|i| &r[..i]) {
                            callers.push(format!(
                                "{n}{}(",
                                if marker.starts_with("macro") { "!" } else { "" }
                            ));
                        }
                    }
                }
            }
            let mut keys = BTreeSet::new();
            for caller in &callers {
                let mut rest = body;
                while let Some(i) = rest.find(caller.as_str()) {
                    rest = &rest[i + caller.len()..];
                    let arg = rest.trim_start();
                    let arg = arg.strip_prefix("cx,").map_or(arg, str::trim_start);
                    if let Some(a) = arg.strip_prefix('"') {
                        let key: String = a.chars().take_while(|c| *c != '"').collect();
                        if key
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                        {
                            keys.insert(key);
                        }
                    }
                }
            }
            if !keys.is_empty() {
                out.push((name.clone(), keys));
            }
        }
    }
    out
}

#[test]
fn the_loader_reads_exactly_the_schema_keys_section_by_section() {
    let read = keys_read_by_function();
    let readers: BTreeSet<&str> = SECTIONS.iter().map(|s| s.reader).collect();
    for (function, keys) in &read {
        assert!(
            readers.contains(function.as_str()),
            "{function} reads {keys:?} but no section of the schema names it as its reader"
        );
    }
    for reader in readers {
        // The data-plane sections are read by `src/scenario/section/dataplane.rs` through shared
        // helpers (ids, references, ports), which this scan cannot follow; their keys are
        // checked at run time instead (a debug assertion in `read::Table::opt` refuses any key
        // the schema lacks, and the data-plane tests load every section).
        if reader == "dataplane" {
            continue;
        }
        let in_schema: BTreeSet<String> = SECTIONS
            .iter()
            .filter(|s| s.reader == reader)
            .flat_map(|s| s.fields.iter().map(|f| f.key.to_string()))
            .collect();
        let mut in_loader: BTreeSet<String> = read
            .iter()
            .find(|(f, _)| f == reader)
            .map(|(_, k)| k.clone())
            .unwrap_or_default();
        if reader == "decode::decode" {
            // `decode` reads these two through the include module's checks
            in_loader.extend(["format_version".to_string(), "include".to_string()]);
            // and the data-plane sections through `scenario::dataplane::decode`
            in_loader.extend(
                cvpnsim::scenario::dataplane::SECTIONS
                    .iter()
                    .map(|s| s.to_string()),
            );
        }
        assert_eq!(
            in_schema, in_loader,
            "section(s) read by `{reader}`: schema (left) and loader (right) differ"
        );
    }
}

fn to_json(n: &Node) -> Value {
    match &n.value {
        NodeValue::Null => Value::Null,
        NodeValue::String(s) => json!(s),
        NodeValue::Integer(i) => json!(i),
        NodeValue::Float(f) => json!(f),
        NodeValue::Bool(b) => json!(b),
        NodeValue::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeValue::Table(es) => Value::Object(
            es.iter()
                .map(|e| (e.key.clone(), to_json(&e.node)))
                .collect(),
        ),
    }
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft7::new(&schema::json_schema()).unwrap()
}

fn scenario_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.display().to_string();
            (n.ends_with(".toml") || n.ends_with(".json")) && !n.ends_with(".expect.toml")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_bundled_scenario_validates_against_the_schema() {
    let v = validator();
    let files = scenario_files();
    assert!(files.len() >= 13);
    for path in files {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let tree = cvpnsim::scenario::parse_tree(&name, &text).unwrap();
        let doc = to_json(&tree);
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn the_schema_rejects_an_unknown_key_and_a_missing_one() {
    let v = validator();
    let text = std::fs::read_to_string("scenarios/guide-vpc.toml").unwrap();
    let typo = text.replace("split_tunnel = true", "split_tunel = true");
    let tree = cvpnsim::scenario::parse_tree("x.toml", &typo).unwrap();
    assert!(!v.is_valid(&to_json(&tree)));
    let missing = text.replace("client_cidr_block = \"10.100.0.0/22\"", "");
    let tree = cvpnsim::scenario::parse_tree("x.toml", &missing).unwrap();
    assert!(!v.is_valid(&to_json(&tree)));
}

#[test]
fn the_committed_schema_is_up_to_date() {
    let committed = std::fs::read_to_string("docs/scenario.schema.json").unwrap();
    let current = cvpnsim::output::to_text(&schema::json_schema());
    assert!(
        committed == current,
        "docs/scenario.schema.json is out of date: run `cvpnsim schema > docs/scenario.schema.json`"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cvpnsim"))
        .arg("schema")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), committed);
}

#[test]
fn format_version_1_or_absent_is_read_and_another_is_a_clear_error() {
    let text = std::fs::read_to_string("scenarios/guide-vpc.toml").unwrap();
    let with = |v: &str| format!("format_version = {v}\n{text}");
    assert!(cvpnsim::scenario::load_str("a.toml", &text).is_ok());
    let one = cvpnsim::scenario::load_str("a.toml", &with("1")).unwrap();
    let none = cvpnsim::scenario::load_str("a.toml", &text).unwrap();
    assert_eq!(one.scenario, none.scenario);
    let err = cvpnsim::scenario::load_str("a.toml", &with("2")).unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(d.rule, "format-version");
    assert_eq!(d.path, "format_version");
    let shown = err.to_string();
    assert!(shown.contains("a.toml:1:18"), "{shown}");
    assert!(shown.contains("scenario format 2 is not supported: this cvpnsim reads format 1"));
    let err = cvpnsim::scenario::load_str("a.toml", &with("\"1\"")).unwrap_err();
    assert_eq!(err.diagnostics()[0].rule, "type");
}

#[test]
fn an_unknown_key_still_lists_the_sections_fields() {
    let text = std::fs::read_to_string("scenarios/guide-vpc.toml")
        .unwrap()
        .replace("split_tunnel = true", "zzz = true");
    let err = cvpnsim::scenario::load_str("a.toml", &text).unwrap_err();
    let d = err
        .diagnostics()
        .iter()
        .find(|d| d.rule == "unknown-field")
        .unwrap();
    let hint = d.hint.as_deref().unwrap();
    for key in schema::keys("endpoint") {
        assert!(hint.contains(key), "{hint}");
    }
}
