//! The one diagnostic type: what is wrong (or worth a warning or a note) in an input file, where,
//! which rule it breaks and how to fix it; and its rendering for a terminal or a CI log.
//!
//! A scenario's diagnostics carry a byte span into the [`Source`] they are rendered against. An
//! importer's diagnostics are about one of several input files, so each is located when it is
//! made: its [`Origin`] names the file, the JSON path, the line and the column.

use std::fmt;
use std::fmt::Write as _;
use std::ops::Range;

use super::rules::RuleId;

/// How serious a diagnostic is (errors sort first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The input cannot be used as it is.
    Error,
    /// Used, but something is likely wrong, left out or not modelled.
    Warning,
    /// Said so the user knows where a value came from (a default, a derived value).
    Note,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// Where in a named input file a value was written: resolved when the diagnostic is made, for
/// inputs that are not the one source a scenario's diagnostics are rendered against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    /// JSON path, `$.ClientVpnEndpoints[0].ClientCidrBlock`.
    pub path: String,
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.path)
    }
}

/// One finding about an input file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The rule broken (its stable identifier is [`RuleId::id`]).
    pub rule: RuleId,
    /// Field path, e.g. `endpoint.client_cidr_block` or `population[0].retry.initial`, or a JSON
    /// path, `$.Routes[2].Status`.
    pub path: String,
    /// Byte range in the source; `0..0` when the problem is not tied to one place.
    pub span: Range<usize>,
    pub message: String,
    pub hint: Option<String>,
    /// The resolved location, for a diagnostic about an importer's input file.
    pub origin: Option<Box<Origin>>,
}

impl Diagnostic {
    pub fn error(
        rule: RuleId,
        path: impl Into<String>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            rule,
            path: path.into(),
            span,
            message: message.into(),
            hint: None,
            origin: None,
        }
    }

    pub fn warning(
        rule: RuleId,
        path: impl Into<String>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            rule,
            path: path.into(),
            span,
            message: message.into(),
            hint: None,
            origin: None,
        }
    }

    /// A diagnostic about an importer's input, located at `origin` (or about no one place);
    /// its rule follows from its severity (`import-error`, `import-warning`, `import-note`).
    pub fn new(severity: Severity, origin: Option<Origin>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            rule: match severity {
                Severity::Error => RuleId::ImportError,
                Severity::Warning => RuleId::ImportWarning,
                Severity::Note => RuleId::ImportNote,
            },
            path: origin.as_ref().map_or_else(String::new, |o| o.path.clone()),
            span: 0..0,
            message: message.into(),
            hint: None,
            origin: origin.map(Box::new),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// An importer's diagnostic in one line: `error: plan.json:3:7: $.x: message`.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Some(o) => write!(f, "{}: {o}: {}", self.severity.label(), self.message),
            None => write!(f, "{}: {}", self.severity.label(), self.message),
        }
    }
}

/// A source file's name and text, for turning byte offsets into lines and columns.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
    /// Files whose text was appended to `text` (a scenario's `include`s): where each starts in
    /// `text`, and its name. Offsets before the first part belong to `name`.
    pub parts: Vec<(usize, String)>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
            parts: Vec::new(),
        }
    }

    /// Appends an included file's text; returns the offset its spans are shifted by.
    pub fn append(&mut self, name: impl Into<String>, text: &str) -> usize {
        if !self.text.ends_with('\n') && !self.text.is_empty() {
            self.text.push('\n');
        }
        let start = self.text.len();
        self.text.push_str(text);
        self.parts.push((start, name.into()));
        start
    }

    /// The file an offset belongs to: its name and where its text starts.
    pub fn file_of(&self, offset: usize) -> (&str, usize) {
        self.parts
            .iter()
            .rev()
            .find(|(start, _)| *start <= offset)
            .map_or((self.name.as_str(), 0), |(start, name)| {
                (name.as_str(), *start)
            })
    }

    /// 1-based line and column (in characters) of a byte offset, within its own file.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let (_, start) = self.file_of(offset);
        let before = &self.text[start..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    fn line_text(&self, offset: usize, line: usize) -> &str {
        let (_, start) = self.file_of(offset.min(self.text.len()));
        self.text[start..].lines().nth(line - 1).unwrap_or("")
    }

    /// `file:line:col` for a span.
    pub fn location(&self, span: &Range<usize>) -> String {
        let (l, c) = self.line_col(span.start);
        format!("{}:{}:{}", self.file_of(span.start).0, l, c)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Renders diagnostics like a compiler: a headline with the rule, the location and field path,
/// the offending line with a caret, the rule's statement and a hint.
pub fn render(source: &Source, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let label = d.severity.label();
        let _ = writeln!(
            out,
            "{label}[{}]: {}",
            d.rule,
            shorten(&d.message, MAX_MESSAGE)
        );
        let (line, col) = source.line_col(d.span.start);
        let file = source.file_of(d.span.start).0;
        let _ = writeln!(out, "  --> {file}:{line}:{col} ({})", d.path);
        if !source.text.is_empty() {
            let text = source.line_text(d.span.start, line);
            let width = if d.span.is_empty() {
                1
            } else {
                let end = floor_char_boundary(&source.text, d.span.end.min(source.text.len()));
                let start = floor_char_boundary(&source.text, d.span.start.min(end));
                source.text[start..end]
                    .lines()
                    .next()
                    .map_or(1, |s| s.chars().count().max(1))
            };
            let (text, col, width) = window(text, col, width);
            let gutter = line.to_string().len();
            let _ = writeln!(out, "{:gutter$} |", "");
            let _ = writeln!(out, "{line} | {text}");
            let _ = writeln!(
                out,
                "{:gutter$} | {}{}",
                "",
                " ".repeat(col - 1),
                "^".repeat(width)
            );
        }
        let rule = d.rule.rule();
        let _ = writeln!(out, "  = rule: {} ({})", rule.statement, rule.source);
        if let Some(h) = &d.hint {
            let _ = writeln!(out, "  = hint: {h}");
        }
        out.push('\n');
    }
    out
}

/// Longest message printed whole; longer ones (quoting a huge value) are cut in the middle.
const MAX_MESSAGE: usize = 400;
/// Characters of a source line shown on each side of the column a diagnostic points at.
const CONTEXT: usize = 40;
/// Longest caret run.
const MAX_CARET: usize = 60;

fn shorten(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let n = s.chars().count();
    if n <= max {
        return s.into();
    }
    let head: String = s.chars().take(max / 2).collect();
    let tail: String = s.chars().skip(n - max / 2).collect();
    format!("{head}…({} characters)…{tail}", n - max).into()
}

/// The part of a long source line around 1-based column `col` (at most [`CONTEXT`] characters
/// each side of a caret of at most [`MAX_CARET`]), with `…` where it was cut, and the column and
/// caret width within it: a one-line 30 MB file gives a line of output, not 60 MB.
fn window(text: &str, col: usize, width: usize) -> (String, usize, usize) {
    let width = width.min(MAX_CARET);
    let n = text.chars().count();
    if n <= 2 * CONTEXT + MAX_CARET {
        return (text.to_string(), col, width);
    }
    let from = (col - 1).saturating_sub(CONTEXT);
    let to = (col - 1 + width + CONTEXT).min(n);
    let mut shown: String = text.chars().skip(from).take(to - from).collect();
    let mut col = col - from;
    if from > 0 {
        shown.insert(0, '…');
        col += 1;
    }
    if to < n {
        shown.push('…');
    }
    (shown, col, width)
}

/// One-line summary: `2 errors, 1 warning`.
pub fn tally(diags: &[Diagnostic]) -> String {
    let e = diags.iter().filter(|d| d.is_error()).count();
    let w = diags.len() - e;
    format!(
        "{e} error{}, {w} warning{}",
        if e == 1 { "" } else { "s" },
        if w == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let text = format!(
            "name = \"{}\" bad = 1{}\n",
            "x".repeat(5_000),
            "y".repeat(5_000)
        );
        let at = text.find("bad").unwrap();
        let src = Source::new("f.toml", text.clone());
        let d = Diagnostic::error(RuleId::UnknownField, "bad", at..at + 3, "unknown key `bad`");
        let out = render(&src, &[d]);
        assert!(out.len() < 600, "{} bytes", out.len());
        let lines: Vec<&str> = out.lines().collect();
        // The caret still sits under `bad`.
        let shown = lines[3];
        let caret = lines[4];
        let c = caret.find('^').unwrap();
        let under: String = shown.chars().skip(c).take(3).collect();
        assert_eq!(under, "bad", "{shown}\n{caret}");
        assert!(shown.contains('…'));
        assert!(
            lines[1].ends_with(&format!("f.toml:1:{} (bad)", 5_011)),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn line_and_column() {
        let s = Source::new("f.toml", "a = 1\nbé = 2\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(6), (2, 1));
        assert_eq!(s.line_col(10), (2, 4));
    }
}
