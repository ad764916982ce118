//! A one-line progress indicator on stderr, only when stderr is a terminal (quiet in CI logs and
//! pipes).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

pub struct Progress {
    label: String,
    total: usize,
    on: bool,
    start: Instant,
    last: Mutex<Option<Instant>>,
}

impl Progress {
    pub fn new(label: &str, total: usize) -> Progress {
        Progress {
            label: label.to_string(),
            total,
            on: std::io::stderr().is_terminal(),
            start: Instant::now(),
            last: Mutex::new(None),
        }
    }

    /// Shows `done` of `total`, at most ten times a second.
    pub fn update(&self, done: usize) {
        if !self.on {
            return;
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if done < self.total && last.is_some_and(|l| now.duration_since(l).as_millis() < 100) {
            return;
        }
        *last = Some(now);
        let width = 30;
        let filled = (done * width).checked_div(self.total).unwrap_or(width);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{} [{}{}] {done}/{} ({:.0} s)",
            self.label,
            "#".repeat(filled),
            " ".repeat(width - filled),
            self.total,
            self.start.elapsed().as_secs_f64()
        );
        if done >= self.total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }
}
