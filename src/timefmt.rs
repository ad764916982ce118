//! The one way simulated times are written for people (terminal, CSV `time` columns, report,
//! chart ticks): `d1 Tue 10:53:07` — the simulated day counted from 1, its weekday, the clock.
//! Chart ticks drop the seconds (`d1 Tue 10:00`). Machines read the `start_ms` columns instead.
//! The connection log and `metrics.csv` keep the guide's `YYYY-MM-DD HH:MM:SS` layout, as AWS
//! writes it ([`timestamp`]; [`unix`] for real times read from logs), on the calendar of
//! [`crate::calendar`]. `report::rows` writes the same layouts digit by digit for the large CSV
//! files and is checked against these functions.

use crate::calendar::civil_from_days;
use crate::model::{Millis, Scenario, Weekday, DAY, HOUR, MINUTE, SECOND};

/// 2024-01-01, a Monday, in days since 1970-01-01: the first date a simulated day 0 can have.
pub const EPOCH_DAY: i64 = 19_723;

/// The date of a scenario's simulated day 0, in days since 1970-01-01: the first date on or
/// after 2024-01-01 with the scenario's start weekday (the simulator has no other calendar).
pub fn day_zero(scenario: &Scenario) -> i64 {
    EPOCH_DAY + scenario.start_weekday.index() as i64
}

/// Simulated time as the guide's connection log writes it: `YYYY-MM-DD HH:MM:SS`, day 0 being
/// [`day_zero`].
pub fn timestamp(scenario: &Scenario, t: Millis) -> String {
    let (y, m, d) = civil_from_days(day_zero(scenario) + (t / DAY) as i64);
    let s = t % DAY;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / HOUR,
        s % HOUR / MINUTE,
        s % MINUTE / SECOND
    )
}

/// Seconds since 1970-01-01 (UTC) in the guide's layout: `2024-03-11 09:00:00`.
pub fn unix(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

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
    fn the_guides_layout() {
        let mut s = crate::scenario::load_str(
            "x.toml",
            &std::fs::read_to_string("scenarios/guide-vpc.toml").unwrap(),
        )
        .unwrap()
        .scenario;
        s.start_weekday = Weekday::Wed;
        // 2024-01-03 was a Wednesday.
        assert_eq!(
            timestamp(&s, DAY + 9 * HOUR + 30 * MINUTE + 15 * SECOND + 999),
            "2024-01-04 09:30:15"
        );
        assert_eq!(
            unix(EPOCH_DAY * 86_400 + 9 * 3600 + 30 * 60 + 15),
            "2024-01-01 09:30:15"
        );
        assert_eq!(unix(-1), "1969-12-31 23:59:59");
    }

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
