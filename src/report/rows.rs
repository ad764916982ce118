//! Fast CSV rows of numbers and timestamps: digits written straight into one fixed block
//! through a cursor, flushed to the file in large blocks, no heap string per cell. Only for
//! cells that never need quoting or neutralising (unsigned integers, `d1 Tue 10:53:07`,
//! `YYYY-MM-DD HH:MM:SS`); user text (headers) goes through the csv crate and
//! [`super::cells::cell`].
//!
//! This is the one CSV writer that does not go through the `csv` crate, on purpose: it writes
//! the two large files of a run (`timeseries.csv`, `metrics.csv`: 576,000 rows each for the
//! bundled benchmark), where it exists for speed: no `String` per cell and no per-field quoting
//! decision. Its cost is measured by `benches/run.rs` (README, "Performance"), and its bytes are
//! those the layouts of [`crate::timefmt`] give (tests below and the digests test).

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

/// Bytes of the widest number cell: 20 digits and a comma, rounded up.
const CELL: usize = 24;

/// Room kept past [`BLOCK`]: more than any one cell (a clock or a timestamp is 20 bytes, a
/// number at most 21 with its comma), so a cell is always written whole before the block spills.
const SLACK: usize = 64;

/// Writes rows into a fixed block through a cursor: a cell is a few byte stores, with no
/// capacity check or copy call per cell. The block is written out when a cell leaves it past
/// [`BLOCK`] bytes; a failed write is kept and returned by the next [`RowWriter::end`] (or by
/// [`RowWriter::raw`] and [`RowWriter::finish`]), and nothing more is written after it, so a
/// full disk is reported as the row's error, as before.
pub struct RowWriter<W: Write> {
    buf: Box<[u8]>,
    /// Bytes of `buf` filled.
    pos: usize,
    out: W,
    failed: Option<io::Error>,
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
            buf: vec![0; BLOCK + SLACK].into_boxed_slice(),
            pos: 0,
            out,
            failed: None,
            epoch_day: crate::timefmt::day_zero(scenario),
            day: None,
            date: *b"0000-00-00 ",
            clock_day: None,
            clock_prefix: Vec::new(),
            start_weekday: scenario.start_weekday,
        }
    }

    /// Copies a short run of bytes (at most [`SLACK`]) to the cursor.
    #[inline]
    fn put(&mut self, b: &[u8]) {
        debug_assert!(b.len() <= SLACK);
        self.buf[self.pos..self.pos + b.len()].copy_from_slice(b);
        self.pos += b.len();
        self.spill();
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
        let prefix = std::mem::take(&mut self.clock_prefix);
        self.put(&prefix);
        self.clock_prefix = prefix;
        self.time_of_day(t);
    }

    /// Raw bytes (a header rendered elsewhere).
    pub fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        for chunk in b.chunks(SLACK) {
            self.put(chunk);
        }
        self.check()
    }

    /// An unsigned integer cell followed by a comma.
    #[inline(always)]
    pub fn uint(&mut self, v: u64) {
        let at = self.pos;
        if v < 10 {
            // Most cells of a quiet interval: one digit.
            self.buf[at..at + 2].copy_from_slice(&[b'0' + v as u8, b',']);
            self.pos = at + 2;
        } else if v < 100 {
            // Live connections and limits of a small endpoint: two digits.
            let d = v as usize * 2;
            self.buf[at..at + 3].copy_from_slice(&[PAIRS[d], PAIRS[d + 1], b',']);
            self.pos = at + 3;
        } else {
            self.wide_uint(v);
        }
        self.spill();
    }

    /// `n` cells of `0` (at most [`SLACK`] / 2): one copy for a run of counts a quiet interval
    /// leaves at zero.
    pub fn zeros(&mut self, n: usize) {
        const ZEROS: &[u8; SLACK] =
            b"0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,";
        self.put(&ZEROS[..2 * n]);
    }

    /// A number of three or more digits: written right-aligned into a scratch array, then
    /// copied as one fixed-size block (the bytes past the cell are overwritten by the next
    /// ones). Eight digits at a time come from one 64-bit division and 32-bit arithmetic: a
    /// row's times in milliseconds have eleven or twelve.
    fn wide_uint(&mut self, v: u64) {
        let mut tmp = [0u8; CELL * 2];
        tmp[CELL - 1] = b',';
        let mut i = CELL - 1;
        let mut n = v;
        while n >= 100_000_000 {
            let low = (n % 100_000_000) as u32;
            n /= 100_000_000;
            i -= 8;
            four(&mut tmp[i..i + 4], low / 10_000);
            four(&mut tmp[i + 4..i + 8], low % 10_000);
        }
        let mut n = n as u32;
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
        let at = self.pos;
        self.buf[at..at + CELL].copy_from_slice(&tmp[i..i + CELL]);
        self.pos = at + CELL - i;
    }

    /// Simulated time as `YYYY-MM-DD HH:MM:SS` ([`crate::timefmt::timestamp`]) followed by a comma.
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
        let date = self.date;
        self.put(&date);
        self.time_of_day(t);
    }

    /// The time of day of `t` as `HH:MM:SS`, then a comma.
    #[inline]
    fn time_of_day(&mut self, t: Millis) {
        let s = t % DAY;
        let mut hms = *b"00:00:00,";
        two(&mut hms[0..2], s / HOUR);
        two(&mut hms[3..5], s % HOUR / MINUTE);
        two(&mut hms[6..8], s % MINUTE / SECOND);
        self.put(&hms);
    }

    /// Ends the row (its last comma becomes the line end); returns a failed write, if any.
    pub fn end(&mut self) -> io::Result<()> {
        if self.pos > 0 {
            self.buf[self.pos - 1] = b'\n';
        }
        self.check()
    }

    /// Writes the block out once it holds [`BLOCK`] bytes.
    #[inline]
    fn spill(&mut self) {
        if self.pos >= BLOCK {
            self.flush_block();
        }
    }

    /// Writes all but the last byte, which stays at the front of the block: it may be the
    /// comma that [`RowWriter::end`] turns into the line end.
    #[cold]
    fn flush_block(&mut self) {
        let keep = self.pos - 1;
        if self.failed.is_none() {
            if let Err(e) = self.out.write_all(&self.buf[..keep]) {
                self.failed = Some(e);
            }
        }
        self.buf[0] = self.buf[keep];
        self.pos = 1;
    }

    fn check(&mut self) -> io::Result<()> {
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Writes what is buffered.
    pub fn finish(self) -> io::Result<()> {
        self.into_inner().map(|_| ())
    }

    /// Writes what is buffered and gives the writer back.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.check()?;
        self.out.write_all(&self.buf[..self.pos])?;
        self.pos = 0;
        Ok(self.out)
    }
}

/// Four decimal digits, leading zeros included (the value is below 10,000).
#[inline(always)]
fn four(dst: &mut [u8], v: u32) {
    let (hi, lo) = ((v / 100) as usize * 2, (v % 100) as usize * 2);
    dst[..2].copy_from_slice(&PAIRS[hi..hi + 2]);
    dst[2..4].copy_from_slice(&PAIRS[lo..lo + 2]);
}

/// Two decimal digits (the value is below 100).
fn two(dst: &mut [u8], v: u64) {
    dst[0] = b'0' + (v / 10 % 10) as u8;
    dst[1] = b'0' + (v % 10) as u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bundled scenario: the rows' dates and days read its start.
    fn bundled() -> Scenario {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/two-az-workday.toml");
        crate::scenario::load_file(std::path::Path::new(path))
            .unwrap()
            .scenario
    }

    #[test]
    fn numbers_and_times_as_the_slow_path_writes_them() {
        let mut sc = bundled();
        sc.start_weekday = crate::model::Weekday::Wed;
        let mut out = Vec::new();
        let mut w = RowWriter::new(&sc, &mut out);
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
                    crate::timefmt::timestamp(&sc, t),
                    u64::MAX
                )
            })
            .collect();
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    /// Every width of number, at the edges where a digit is added and where the eight-digit
    /// chunks begin, is written as `to_string` writes it.
    #[test]
    fn every_width_at_its_edges() {
        let sc = bundled();
        let mut out = Vec::new();
        let mut w = RowWriter::new(&sc, &mut out);
        let mut want = String::new();
        let mut values = vec![0, u64::MAX, u64::MAX - 1];
        for k in 1..20 {
            let p = 10u64.pow(k);
            values.extend([p - 1, p, p + 1, p + p / 2]);
        }
        for v in values {
            w.uint(v);
            w.end().unwrap();
            want.push_str(&format!("{v}\n"));
        }
        w.finish().unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    /// A run of zeros is the cells `uint(0)` writes, also across the block's edge and as a
    /// row's last cells.
    #[test]
    fn a_run_of_zeros_is_zero_cells() {
        let sc = bundled();
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        let mut a = RowWriter::new(&sc, &mut fast);
        let mut b = RowWriter::new(&sc, &mut slow);
        for row in 0..20_000u64 {
            let n = (row % 33) as usize;
            for w in [&mut a, &mut b] {
                w.uint(row);
            }
            a.zeros(n);
            for _ in 0..n {
                b.uint(0);
            }
            a.end().unwrap();
            b.end().unwrap();
        }
        a.finish().unwrap();
        b.finish().unwrap();
        assert_eq!(fast, slow);
        assert!(fast.len() > 4 * BLOCK);
    }

    /// Rows that cross the block's edge, and rows whose last cell ends exactly where a block
    /// spills, still end in a line end: every row length from one cell upwards, over many blocks.
    #[test]
    fn rows_across_block_edges_are_whole() {
        let sc = bundled();
        let mut out = Vec::new();
        let mut w = RowWriter::new(&sc, &mut out);
        let mut want = String::new();
        let mut v: u64 = 1;
        for row in 0..40_000u64 {
            let cells = 1 + row % 23;
            let mut line = Vec::new();
            for c in 0..cells {
                v = v.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(c);
                let x = v >> (row % 64);
                w.uint(x);
                line.push(x.to_string());
            }
            w.end().unwrap();
            want.push_str(&line.join(","));
            want.push('\n');
        }
        w.finish().unwrap();
        assert!(want.len() > 20 * BLOCK, "the rows span many blocks");
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    /// A writer that fails (a full disk): the error comes back from the row that hit it.
    #[test]
    fn a_failed_write_is_the_rows_error() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("no space left on device"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let sc = bundled();
        let mut w = RowWriter::new(&sc, Full);
        let mut rows = 0;
        let err = loop {
            w.uint(u64::MAX);
            rows += 1;
            if let Err(e) = w.end() {
                break e;
            }
        };
        assert_eq!(err.to_string(), "no space left on device");
        assert_eq!(rows, BLOCK / 21 + 1, "the row that filled the first block");
    }
}
