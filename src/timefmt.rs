//! The one way simulated times are written for people (terminal, CSV `time` columns, report,
//! chart ticks): `d1 Tue 10:53:07` — the simulated day counted from 1, its weekday, the clock.
//! Chart ticks drop the seconds (`d1 Tue 10:00`). Machines read the `start_ms` columns instead.
//! The connection log keeps the guide's `YYYY-MM-DD HH:MM:SS` layout, as AWS writes it.

use crate::model::{Millis, Scenario, DAY, HOUR, MINUTE, SECOND};

/// `d1 Tue 10:53:07`.
pub fn clock(s: &Scenario, t: Millis) -> String {
    format!("{} {:02}", tick(s, t), t % MINUTE / SECOND)
}

/// `d1 Tue 10:53`: chart ticks and coarse marks.
pub fn tick(s: &Scenario, t: Millis) -> String {
    let day = t / DAY;
    let in_day = t % DAY;
    format!(
        "d{} {} {:02}:{:02}",
        day + 1,
        s.start_weekday.plus(day).name_short(),
        in_day / HOUR,
        in_day % HOUR / MINUTE
    )
}
