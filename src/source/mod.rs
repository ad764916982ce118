//! The source layer: what every input file of cvpnsim becomes before anything reads it.
//!
//! - [`tree`]: one tree of values with the byte span of every value and key, built from TOML
//!   ([`toml`]) or JSON ([`json`], the one JSON parser; `null` only where a dialect accepts it).
//! - [`diag`]: one diagnostic type (severity, rule, field path or JSON path, span or resolved
//!   origin, message, hint), the source text that turns spans into lines and columns, and the
//!   compiler-like rendering.
//! - [`read`]: one reader of tables that remembers which keys were asked for, so every key nobody
//!   read is reported, and typed getters that record a diagnostic instead of failing.
//! - [`rules`]: every rule a diagnostic can name, as the enum [`rules::RuleId`], with the
//!   guide's words.
//! - [`suggest`]: the one "did you mean" helper.
//!
//! The scenario loader, the expectations of `check`, the importers and the command layer all
//! read through here, so a file is located, checked and reported the same way everywhere.

pub mod diag;
pub mod json;
pub mod read;
pub mod rules;
pub mod suggest;
pub mod toml;
pub mod tree;
