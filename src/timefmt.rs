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
