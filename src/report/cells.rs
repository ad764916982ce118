//! CSV cells a spreadsheet would not evaluate. A cell starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return is a formula to Excel, LibreOffice and Google Sheets; a value a user wrote
//! (a population named `=HYPERLINK(...)`) must not run when someone opens a results file. Such a
//! cell gets a leading `'`, as OWASP's "CSV Injection" advice says, unless it is a number
//! (`-3.5` stays a number). Every CSV writer of cvpnsim passes its cells through [`cell`].

use std::borrow::Cow;

/// The cell as written to a CSV file: unchanged, or with a leading `'` when a spreadsheet would
/// evaluate it.
pub fn cell(s: &str) -> Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_number(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A plain decimal number (`-3.5`, `+1e-3`): digits, at most one point, an optional exponent.
fn is_number(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match t.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (t, None),
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (digits(a) || a.is_empty())
                && (digits(b) || b.is_empty())
                && !(a.is_empty() && b.is_empty())
        }
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(cell("+1+1"), "'+1+1");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "'\rx");
        assert_eq!(cell("-inf"), "'-inf");
        for n in ["-3.5", "+1", "-0", "-1e-3", "-.5", "12", "-2E+10"] {
            assert_eq!(cell(n), n, "{n} stays a number");
        }
        assert_eq!(cell("office"), "office");
        assert_eq!(cell(""), "");
        assert_eq!(cell("-"), "'-");
    }
}
