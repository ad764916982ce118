//! Reading scenario files: text → [`node::Node`] tree with spans → checked
//! [`crate::model::Scenario`], with every problem reported at once as a [`diag::Diagnostic`].
//!
//! This is the only layer that sees the file's text. Below it, the engine and the network layer
//! receive a [`Scenario`] that has already passed every rule of DESIGN §9.

pub mod dataplane;
pub mod decode;
pub mod diag;
mod dns;
pub mod duration;
pub mod node;
pub mod read;
pub mod rules;
pub mod write;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::Scenario;
use diag::{Diagnostic, Source};
use node::Node;

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
        Format::Toml => node::parse_toml(text),
        Format::Json => node::parse_json(text),
    };
    parsed.map_err(|e| {
        Diagnostic::error("syntax", "", e.span, e.message)
            .hint("fix the syntax; the caret shows where the parser stopped")
    })
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
    let source = Source::new(name, text);
    match parse_tree(name, text) {
        Ok(tree) => load_tree(&tree, source),
        Err(d) => Err(LoadError::Invalid {
            source,
            diagnostics: vec![d],
        }),
    }
}

/// Loads a scenario file.
pub fn load_file(path: &Path) -> Result<Loaded, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|error| LoadError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    load_str(&path.display().to_string(), &text)
}

/// A stable identity of a checked scenario: the SHA-256 of its canonical TOML, so comments,
/// field order and formatting do not change it, and any change of meaning does.
pub fn fingerprint(s: &crate::model::Scenario) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(write::to_toml(s).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
