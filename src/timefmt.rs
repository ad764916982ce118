//! The one way simulated times are written for people (terminal, CSV `time` columns, report,
//! chart ticks): `d1 Tue 10:53:07` — the simulated day counted from 1, its weekday, the clock.
//! Chart ticks drop the seconds (`d1 Tue 10:00`). Machines read the `start_ms` columns instead.
//! The connection log keeps the guide's `YYYY-MM-DD HH:MM:SS` layout, as AWS writes it.

use crate::model::{Millis, Scenario, Weekday, DAY, HOUR, MINUTE, SECOND};

/// `d1 Tue 10:53:07`.
pub fn clock(s: &Scenario, t: Millis) -> String {
    format!("{}:{:02}", tick(s, t), t % MINUTE / SECOND)
}

/// `d1 Tue 10:53`: chart ticks and coarse marks.
pub fn tick(s: &Scenario, t: Millis) -> String {
    tick_from(s.start_weekday, t)
}

/// `d1 Tue 10:53` for a run starting on `start`.
pub fn tick_from(start: Weekday, t: Millis) -> String {
    let day = t / DAY;
    let in_day = t % DAY;
    format!(
        "d{} {} {:02}:{:02}",
        day,
        start.plus(day).name_short(),
        in_day / HOUR,
        in_day % HOUR / MINUTE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_weekday_clock() {
        let mut s = crate::scenario::load_str(
            "x.toml",
            &std::fs::read_to_string("scenarios/guide-vpc.toml").unwrap(),
        )
        .unwrap()
        .scenario;
        s.start_weekday = Weekday::Mon;
        let t = DAY + 10 * HOUR + 53 * MINUTE + 7 * SECOND + 999;
        assert_eq!(clock(&s, t), "d1 Tue 10:53:07");
        assert_eq!(tick(&s, t), "d1 Tue 10:53");
        s.start_weekday = Weekday::Sun;
        assert_eq!(clock(&s, 0), "d0 Sun 00:00:00");
        assert_eq!(tick(&s, 7 * DAY + HOUR), "d7 Sun 01:00");
    }
}

/// A length of time in the largest whole unit: `90 s`, `5 min`, `2 h`.
pub fn span(seconds: f64) -> String {
    let s = seconds.round() as u64;
    if s > 0 && s % 3600 == 0 {
        format!("{} h", s / 3600)
    } else if s > 0 && s % 60 == 0 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod span_tests {
    use super::span;

    #[test]
    fn spans_use_the_largest_whole_unit() {
        assert_eq!(span(60.0), "1 min");
        assert_eq!(span(900.0), "15 min");
        assert_eq!(span(7200.0), "2 h");
        assert_eq!(span(90.0), "90 s");
        assert_eq!(span(0.0), "0 s");
    }
}
