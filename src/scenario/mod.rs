//! Reading scenario files: text → [`crate::source::tree::Node`] tree with spans → checked
//! [`crate::model::Scenario`], with every problem reported at once as a
//! [`crate::source::diag::Diagnostic`].
//!
//! This is the only layer that sees the file's text. Below it, the engine and the network layer
//! receive a [`Scenario`] that has already passed every rule of docs/model.md §9.

pub mod budget;
mod cross;
pub mod decode;
mod dns;
pub mod duration;
pub mod include;
pub mod read;
pub use crate::source::rules;
pub mod schema;
pub mod section;
pub use section::dataplane;
pub mod write;

use crate::source::rules::RuleId;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::Scenario;
use crate::source::diag::{self, Diagnostic, Source};
use crate::source::json::Dialect;
use crate::source::tree::Node;

/// A scenario that passed validation, with its warnings and its source text.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    pub warnings: Vec<Diagnostic>,
    pub source: Source,
}

/// Why a scenario could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file was read but breaks one or more rules (errors and warnings, in file order).
    Invalid {
        source: Source,
        diagnostics: Vec<Diagnostic>,
    },
}

impl LoadError {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Io { .. } => &[],
            LoadError::Invalid { diagnostics, .. } => diagnostics,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            LoadError::Invalid {
                source,
                diagnostics,
            } => {
                write!(f, "{}", diag::render(source, diagnostics))?;
                write!(f, "{}: invalid ({})", source.name, diag::tally(diagnostics))
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// The input format, from the file name or the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    pub fn guess(name: &str, text: &str) -> Format {
        if name.ends_with(".json")
            || (!name.ends_with(".toml") && text.trim_start().starts_with('{'))
        {
            Format::Json
        } else {
            Format::Toml
        }
    }
}

/// Parses text into the tree; a syntax error becomes a diagnostic.
pub fn parse_tree(name: &str, text: &str) -> Result<Node, Diagnostic> {
    let parsed = match Format::guess(name, text) {
        Format::Toml => crate::source::toml::parse(text),
        Format::Json => crate::source::json::parse(text, Dialect::SCENARIO),
    };
    parsed.map_err(|e| {
        Diagnostic::error(RuleId::Syntax, "", e.span, e.message)
            .hint("fix the syntax; the caret shows where the parser stopped")
    })
}

/// Reads one duration distribution written as a scenario writes one (`"300ms"`,
/// `{ lognormal = { median = "300ms", p99 = "2s" } }`, …), for a command-line option: `name`
/// names the option in messages. The value is read as `name = TEXT` in TOML, by the scenario's
/// own distribution reader; a bare duration (`300ms`) is read as the quoted string.
pub fn parse_duration_dist(name: &str, text: &str) -> Result<crate::dist::Dist, LoadError> {
    duration_dist(name, text).map(|(d, _)| d)
}

/// [`parse_duration_dist`], with the value as a scenario's tree holds it (for an edit of a
/// scenario that sets the same latency).
pub fn duration_dist(
    name: &str,
    text: &str,
) -> Result<(crate::dist::Dist, crate::source::tree::Value), LoadError> {
    // A bare duration (`300ms`) is taken as the quoted string a scenario would write.
    let t = text.trim();
    let bare = !(t.starts_with('{')
        || t.starts_with('"')
        || t.starts_with('\'')
        || t.parse::<f64>().is_ok());
    let doc = if bare {
        format!("{name} = \"{}\"\n", t.replace(['"', '\\'], ""))
    } else {
        format!("{name} = {t}\n")
    };
    let source = Source::new(name, &doc);
    let invalid = |diagnostics| LoadError::Invalid {
        source: source.clone(),
        diagnostics,
    };
    let tree = parse_tree(name, &doc).map_err(|d| invalid(vec![d]))?;
    let mut cx = read::Cx::default();
    let node = match &tree.value {
        crate::source::tree::Value::Table(entries) => entries.first().map(|e| &e.node),
        _ => None,
    };
    let dist = node.and_then(|n| read::dist(n, name, read::Unit::Duration, &mut cx));
    match (dist, node) {
        (Some(d), Some(n)) if !cx.diags.iter().any(Diagnostic::is_error) => {
            Ok((d, n.value.clone()))
        }
        _ => Err(invalid(cx.diags)),
    }
}

/// Checks a tree (parsed from `source`, possibly edited since) into a scenario.
pub fn load_tree(tree: &Node, source: Source) -> Result<Loaded, LoadError> {
    let mut cx = read::Cx::default();
    let scenario = decode::decode(tree, &mut cx);
    let mut diagnostics = cx.diags;
    diagnostics.sort_by_key(|d| (d.span.start, d.severity));
    match scenario {
        Some(scenario) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(Loaded {
            scenario,
            warnings: diagnostics,
            source,
        }),
        _ => Err(LoadError::Invalid {
            source,
            diagnostics,
        }),
    }
}

/// Loads a scenario from text; `name` is shown in messages and decides the format
/// (`.json` → JSON, otherwise TOML unless the text starts with `{`).
pub fn load_str(name: &str, text: &str) -> Result<Loaded, LoadError> {
    let mut source = Source::new(name, text);
    match parse_tree(name, text) {
        Ok(mut tree) => {
            let diagnostics = include::expand(&mut tree, &mut source, None);
            if !diagnostics.is_empty() {
                return Err(LoadError::Invalid {
                    source,
                    diagnostics,
                });
            }
            load_tree(&tree, source)
        }
        Err(d) => Err(LoadError::Invalid {
            source,
            diagnostics: vec![d],
        }),
    }
}

/// Reads a text file; bytes that are not UTF-8 are reported with their byte offset, line and
/// column (`invalid UTF-8 at byte 1234 (line 5, column 7)`), not just "stream did not contain
/// valid UTF-8".
pub fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let valid = std::str::from_utf8(&e.as_bytes()[..at]).unwrap_or_default();
        let line = valid.matches('\n').count() + 1;
        let col = valid[valid.rfind('\n').map_or(0, |i| i + 1)..]
            .chars()
            .count()
            + 1;
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "invalid UTF-8 at byte {at} (line {line}, column {col}): save the file as UTF-8"
            ),
        )
    })
}

/// Reads a scenario file into its tree, with the files it includes overlaid
/// ([`include`]) and their text appended to the source.
pub fn read_tree(path: &Path) -> Result<(Node, Source), LoadError> {
    let text = read_text(path).map_err(|error| LoadError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    let name = path.display().to_string();
    let mut source = Source::new(name.clone(), text.clone());
    let mut tree = parse_tree(&name, &text).map_err(|d| LoadError::Invalid {
        source: source.clone(),
        diagnostics: vec![d],
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let diagnostics = include::expand(&mut tree, &mut source, Some(dir));
    if diagnostics.is_empty() {
        Ok((tree, source))
    } else {
        Err(LoadError::Invalid {
            source,
            diagnostics,
        })
    }
}

/// Loads a scenario file (and the files it includes).
pub fn load_file(path: &Path) -> Result<Loaded, LoadError> {
    let (tree, source) = read_tree(path)?;
    load_tree(&tree, source)
}

/// A stable identity of a checked scenario: the SHA-256 of its canonical TOML, so comments,
/// field order and formatting do not change it, and any change of meaning does.
pub fn fingerprint(s: &crate::model::Scenario) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(write::to_toml(s).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn invalid_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.toml");
        std::fs::write(&p, b"name = \"a\"\nseed = \"\xc3\xa9\xff\"\n").unwrap();
        let e = super::read_text(&p).unwrap_err().to_string();
        // Byte 21 is the 0xff: 11 bytes of line 1, then `seed = "é` (10 bytes, 9 characters).
        assert_eq!(
            e,
            "invalid UTF-8 at byte 21 (line 2, column 10): save the file as UTF-8"
        );
    }
}
