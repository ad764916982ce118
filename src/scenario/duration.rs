//! Human durations (`90s`, `5m`, `8h`, `7d`, `1d 09:30`, `300ms`, `1h30m`) to integer
//! milliseconds and back.

use crate::model::{Millis, DAY, HOUR, MINUTE, SECOND};

/// Parses a duration; the error says what was not understood.
pub fn parse(text: &str) -> Result<Millis, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    let mut total: f64 = 0.0;
    for token in t.split_whitespace() {
        total += if token.contains(':') {
            clock(token)?
        } else {
            compound(token)?
        } as f64;
    }
    if total > (u64::MAX / 4) as f64 {
        return Err("duration too large".into());
    }
    Ok(total as Millis)
}

/// `HH:MM` or `HH:MM:SS`.
fn clock(token: &str) -> Result<Millis, String> {
    let parts: Vec<&str> = token.split(':').collect();
    let num = |s: &str, max: u64, what: &str| -> Result<u64, String> {
        if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{token}`: {what} must be one or two digits"));
        }
        let v: u64 = s.parse().map_err(|_| format!("`{token}`: bad {what}"))?;
        if v > max {
            return Err(format!("`{token}`: {what} must be at most {max}"));
        }
        Ok(v)
    };
    match parts.as_slice() {
        [h, m] => Ok(num(h, 24, "hours")? * HOUR + num(m, 59, "minutes")? * MINUTE),
        [h, m, s] => Ok(num(h, 24, "hours")? * HOUR
            + num(m, 59, "minutes")? * MINUTE
            + num(s, 59, "seconds")? * SECOND),
        _ => Err(format!("`{token}` is not a clock time (HH:MM or HH:MM:SS)")),
    }
}

/// One or more `<number><unit>` pairs written together, e.g. `1h30m`.
fn compound(token: &str) -> Result<Millis, String> {
    let mut rest = token;
    let mut total = 0.0;
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n_end == 0 {
            return Err(format!("`{token}`: expected a number before `{rest}`"));
        }
        let number: f64 = rest[..n_end]
            .parse()
            .map_err(|_| format!("`{token}`: bad number `{}`", &rest[..n_end]))?;
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u_end] {
            "ms" => 1,
            "s" => SECOND,
            "m" | "min" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            "w" => 7 * DAY,
            "" => {
                return Err(format!(
                    "`{token}`: a unit is needed after {number} (ms, s, m, h, d, w)"
                ))
            }
            other => {
                return Err(format!(
                    "`{token}`: unknown unit `{other}` (use ms, s, m, h, d or w)"
                ))
            }
        };
        rest = &rest[u_end..];
        total += number * unit as f64;
    }
    Ok(libm::round(total) as Millis)
}

/// Canonical text for a duration, parsed back to the same value: `1d9h30m`, `300ms`, `0s`.
pub fn format(ms: Millis) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (unit, name) in [
        (DAY, "d"),
        (HOUR, "h"),
        (MINUTE, "m"),
        (SECOND, "s"),
        (1, "ms"),
    ] {
        if rest >= unit {
            out.push_str(&format!("{}{}", rest / unit, name));
            rest %= unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_design_examples() {
        // docs/model.md §2: `90s`, `5m`, `8h`, `7d`, `1d 09:30`.
        assert_eq!(parse("90s"), Ok(90 * SECOND));
        assert_eq!(parse("5m"), Ok(5 * MINUTE));
        assert_eq!(parse("8h"), Ok(8 * HOUR));
        assert_eq!(parse("7d"), Ok(7 * DAY));
        assert_eq!(parse("1d 09:30"), Ok(DAY + 9 * HOUR + 30 * MINUTE));
        assert_eq!(parse("300ms"), Ok(300));
        assert_eq!(parse("1h30m"), Ok(90 * MINUTE));
        assert_eq!(parse("1.5h"), Ok(90 * MINUTE));
        assert_eq!(parse("09:00:30"), Ok(9 * HOUR + 30 * SECOND));
    }

    #[test]
    fn rejects_garbage_with_reasons() {
        assert!(parse("").is_err());
        assert!(parse("10").unwrap_err().contains("unit"));
        assert!(parse("3 hours").is_err());
        assert!(parse("5x").unwrap_err().contains("unknown unit"));
        assert!(parse("25:61").is_err());
    }

    #[test]
    fn format_round_trips() {
        for ms in [0, 1, 999, 1000, 90_000, 3_723_004, 7 * DAY + 1, 34_200_000] {
            assert_eq!(parse(&format(ms)), Ok(ms), "{}", format(ms));
        }
    }
}
