//! Fast CSV rows of numbers and timestamps: digits written straight into one reused buffer,
//! flushed to the file in large blocks, no heap string per cell. Only for cells that never need
//! quoting or neutralising (unsigned integers, `YYYY-MM-DD HH:MM:SS`); user text (headers)
//! goes through the csv crate and [`super::cells::cell`].

use std::io::{self, Write};

use crate::model::{Millis, Scenario, DAY, HOUR, MINUTE, SECOND};

/// "00" to "99", two bytes each.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Bytes buffered before a write to the file.
const BLOCK: usize = 1 << 16;

pub struct RowWriter<W: Write> {
    buf: Vec<u8>,
    out: W,
    /// Day 0's number since 1970-01-01.
    epoch_day: i64,
    /// The day whose date `date` holds.
    day: Option<u64>,
    date: [u8; 11],
    /// The simulated day whose `d1 Tue ` prefix `clock_prefix` holds.
    clock_day: Option<u64>,
    clock_prefix: Vec<u8>,
    start_weekday: crate::model::Weekday,
}

impl<W: Write> RowWriter<W> {
    pub fn new(scenario: &Scenario, out: W) -> RowWriter<W> {
        RowWriter {
            buf: Vec::with_capacity(BLOCK + 1024),
            out,
            epoch_day: super::EPOCH_DAY + scenario.start_weekday.index() as i64,
            day: None,
            date: *b"0000-00-00 ",
            clock_day: None,
            clock_prefix: Vec::new(),
            start_weekday: scenario.start_weekday,
        }
    }

    /// A simulated time as every human-facing output writes it (`d1 Tue 10:53:07`,
    /// [`crate::timefmt::clock`]), then a comma.
    pub fn clock(&mut self, t: Millis) {
        let day = t / DAY;
        if self.clock_day != Some(day) {
            self.clock_prefix =
                format!("d{day} {} ", self.start_weekday.plus(day).name_short()).into_bytes();
            self.clock_day = Some(day);
        }
        self.buf.extend_from_slice(&self.clock_prefix);
        let s = t % DAY;
        let mut hms = *b"00:00:00,";
        two(&mut hms[0..2], s / HOUR);
        two(&mut hms[3..5], s % HOUR / MINUTE);
        two(&mut hms[6..8], s % MINUTE / SECOND);
        self.buf.extend_from_slice(&hms);
    }

    /// Raw bytes (a header rendered elsewhere).
    pub fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(b);
        self.spill()
    }

    /// An unsigned integer cell followed by a comma.
    #[inline]
    pub fn uint(&mut self, v: u64) {
        if v < 10 {
            // Most cells of a quiet interval: one digit.
            self.buf.extend_from_slice(&[b'0' + v as u8, b',']);
            return;
        }
        let mut tmp = [0u8; 21];
        tmp[20] = b',';
        let mut i = 20;
        let mut n = v;
        while n >= 100 {
            let d = (n % 100) as usize * 2;
            n /= 100;
            i -= 2;
            tmp[i..i + 2].copy_from_slice(&PAIRS[d..d + 2]);
        }
        if n >= 10 {
            i -= 2;
            tmp[i..i + 2].copy_from_slice(&PAIRS[n as usize * 2..n as usize * 2 + 2]);
        } else {
            i -= 1;
            tmp[i] = b'0' + n as u8;
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    /// Simulated time as `YYYY-MM-DD HH:MM:SS` ([`super::timestamp`]) followed by a comma.
    pub fn time(&mut self, t: Millis) {
        let day = t / DAY;
        if self.day != Some(day) {
            let (y, m, d) = crate::calendar::civil_from_days(self.epoch_day + day as i64);
            let mut s = [0u8; 11];
            two(&mut s[0..2], (y / 100) as u64);
            two(&mut s[2..4], (y % 100) as u64);
            s[4] = b'-';
            two(&mut s[5..7], u64::from(m));
            s[7] = b'-';
            two(&mut s[8..10], u64::from(d));
            s[10] = b' ';
            self.date = s;
            self.day = Some(day);
        }
        self.buf.extend_from_slice(&self.date);
        let s = t % DAY;
        let mut hms = *b"00:00:00,";
        two(&mut hms[0..2], s / HOUR);
        two(&mut hms[3..5], s % HOUR / MINUTE);
        two(&mut hms[6..8], s % MINUTE / SECOND);
        self.buf.extend_from_slice(&hms);
    }

    /// Ends the row (its last comma becomes the line end).
    pub fn end(&mut self) -> io::Result<()> {
        if let Some(last) = self.buf.last_mut() {
            *last = b'\n';
        }
        self.spill()
    }

    fn spill(&mut self) -> io::Result<()> {
        if self.buf.len() >= BLOCK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes what is buffered.
    pub fn finish(self) -> io::Result<()> {
        self.into_inner().map(|_| ())
    }

    /// Writes what is buffered and gives the writer back.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(self.out)
    }
}

/// Two decimal digits (the value is below 100).
fn two(dst: &mut [u8], v: u64) {
    dst[0] = b'0' + (v / 10 % 10) as u8;
    dst[1] = b'0' + (v % 10) as u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times_as_the_slow_path_writes_them() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/two-az-workday.toml");
        let mut sc = crate::scenario::load_file(std::path::Path::new(path)).unwrap();
        sc.scenario.start_weekday = crate::model::Weekday::Wed;
        let mut out = Vec::new();
        let mut w = RowWriter::new(&sc.scenario, &mut out);
        let times = [
            0,
            59_999,
            3 * DAY + 13 * HOUR + 7 * MINUTE + 9 * SECOND,
            400 * DAY,
        ];
        for &t in &times {
            w.time(t);
            w.uint(0);
            w.uint(u64::MAX);
            w.uint(1_234_567);
            w.uint(9);
            w.uint(10);
            w.uint(99);
            w.uint(100);
            w.end().unwrap();
        }
        w.finish().unwrap();
        let want: String = times
            .iter()
            .map(|&t| {
                format!(
                    "{},0,{},1234567,9,10,99,100\n",
                    super::super::timestamp(&sc.scenario, t),
                    u64::MAX
                )
            })
            .collect();
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }
}
