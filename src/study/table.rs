//! The results of a sweep: rows per (variant, replica), the per-variant summary with 95 %
//! confidence intervals, the manifest that identifies the grid, CSV/JSON renderings, their
//! parsing back, and the merge of shards into what a single run would have produced.
//!
//! A sweep streams: [`RowsWriter`] writes `sweep.csv` a row at a time, in job order, and takes
//! the first pass of every variant's estimates ([`Mean`]); [`FirstPass::estimates`] takes the
//! second over the rows read back ([`read_rows`]). Nothing per run is held, and the numbers are
//! bit for bit those of [`Table`], which holds every row (for tests and small callers).
//! [`MergedRows`] reads shard folders' rows back in job order, one row of each at a time.

use std::fmt::Write as _;
use std::io::{Read, Write};

use super::run::{Job, Row, Shard};
use super::stats::{estimate, Estimate, Mean};

/// Per variant, the estimate of every figure, in figure order.
pub type Estimates = Vec<Vec<Estimate>>;

/// Identifies a grid: two shards merge only if their manifests agree (but for the shard).
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub scenario: String,
    pub scenario_sha256: String,
    pub keys: Vec<String>,
    /// Per variant, the value of each key as typed.
    pub variants: Vec<Vec<String>>,
    pub replicas: u32,
    pub figures: Vec<String>,
    pub shard: Option<Shard>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub manifest: Manifest,
    /// In job order.
    pub rows: Vec<Row>,
}

/// A number as CSV text: shortest round-trip form, empty for NaN.
fn num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

/// Records as CSV text through the `csv` crate; `text` cells (headers, variant values) go
/// through [`crate::report::cells::cell`] first, numbers are written as they are.
fn csv_text(records: impl IntoIterator<Item = Vec<String>>) -> std::io::Result<String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for r in records {
        w.write_record(&r)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// A cell of user text, neutralised for spreadsheets.
fn text(s: &str) -> String {
    crate::report::cells::cell(s).into_owned()
}

/// `sweep.csv`'s header cells.
fn rows_head(m: &Manifest) -> Vec<String> {
    let mut head = vec!["job".to_string(), "variant".into(), "replica".into()];
    head.extend(m.keys.iter().cloned());
    head.extend(m.figures.iter().cloned());
    head.iter().map(|h| text(h)).collect()
}

/// One row of `sweep.csv`.
fn row_cells(m: &Manifest, r: &Row) -> Vec<String> {
    let mut cells = vec![
        r.job.index.to_string(),
        r.job.variant.to_string(),
        r.job.replica.to_string(),
    ];
    cells.extend(m.variants[r.job.variant].iter().map(|v| text(v)));
    cells.extend(r.figures.iter().map(|&x| num(x)));
    cells
}

/// Writes `sweep.csv` a row at a time (rows in job order) and takes the first pass of every
/// variant's estimates as the rows go by.
pub struct RowsWriter<W: Write> {
    out: csv::Writer<W>,
    manifest: Manifest,
    first: FirstPass,
}

/// What [`RowsWriter`] saw: per variant and figure, the count and sum of the finite values.
#[derive(Debug, Clone)]
pub struct FirstPass {
    means: Vec<Vec<Mean>>,
    rows: usize,
}

impl<W: Write> RowsWriter<W> {
    /// Writes the header.
    pub fn new(manifest: &Manifest, out: W) -> std::io::Result<RowsWriter<W>> {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(out);
        out.write_record(rows_head(manifest))?;
        let means = vec![vec![Mean::default(); manifest.figures.len()]; manifest.variants.len()];
        Ok(RowsWriter {
            out,
            manifest: manifest.clone(),
            first: FirstPass { means, rows: 0 },
        })
    }

    /// Writes one row; the caller gives them in job order.
    pub fn push(&mut self, r: &Row) -> std::io::Result<()> {
        self.out.write_record(row_cells(&self.manifest, r))?;
        for (m, &x) in self.first.means[r.job.variant].iter_mut().zip(&r.figures) {
            m.add(x);
        }
        self.first.rows += 1;
        Ok(())
    }

    /// Flushes the CSV writer and gives back the output and the first pass.
    pub fn finish(self) -> std::io::Result<(W, FirstPass)> {
        let out = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok((out, self.first))
    }
}

impl FirstPass {
    /// The rows written.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The second pass over the same rows again, in the same order (`sweep.csv` read back):
    /// every variant's estimates, bit for bit what [`Table::estimates`] gives for these rows.
    pub fn estimates(
        &self,
        rows: impl IntoIterator<Item = Result<Row, String>>,
    ) -> Result<Estimates, String> {
        let mut spreads: Vec<Vec<_>> = self
            .means
            .iter()
            .map(|v| v.iter().map(Mean::spread).collect())
            .collect();
        let mut n = 0;
        for r in rows {
            let r = r?;
            let v = spreads
                .get_mut(r.job.variant)
                .ok_or("sweep.csv changed while it was summarised")?;
            for (s, &x) in v.iter_mut().zip(&r.figures) {
                s.add(x);
            }
            n += 1;
        }
        let changed = || "sweep.csv changed while it was summarised".to_string();
        if n != self.rows {
            return Err(changed());
        }
        spreads
            .iter()
            .map(|v| v.iter().map(|s| s.estimate().ok_or_else(changed)).collect())
            .collect()
    }
}

/// `sweep-summary.csv`: per variant, mean and 95 % confidence interval of each figure.
pub fn summary_csv(m: &Manifest, est: &Estimates) -> std::io::Result<String> {
    let mut head = vec!["variant".to_string()];
    head.extend(m.keys.iter().cloned());
    head.push("replicas".into());
    for f in &m.figures {
        head.extend([
            format!("{f}_mean"),
            format!("{f}_ci95_low"),
            format!("{f}_ci95_high"),
        ]);
    }
    let head = head.iter().map(|h| text(h)).collect();
    let rows = est.iter().enumerate().map(|(v, est)| {
        let mut cells = vec![v.to_string()];
        cells.extend(m.variants[v].iter().map(|x| text(x)));
        cells.push(est.first().map_or(0, |e| e.n).to_string());
        for e in est {
            cells.extend([num(e.mean), num(e.low), num(e.high)]);
        }
        cells
    });
    csv_text(std::iter::once(head).chain(rows))
}

impl Manifest {
    /// `sweep.json`: the manifest and the number of jobs.
    pub fn to_json(&self, jobs: usize) -> String {
        let v = serde_json::json!({
            "scenario": self.scenario,
            "scenario_sha256": self.scenario_sha256,
            "keys": self.keys,
            "variants": self.variants,
            "replicas": self.replicas,
            "figures": self.figures,
            "shard": self.shard.map(|s| s.label()),
            "jobs": jobs,
        });
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        s
    }
}

impl Table {
    /// `sweep.csv`: one row per job.
    pub fn rows_csv(&self) -> std::io::Result<String> {
        let m = &self.manifest;
        let rows = self.rows.iter().map(|r| row_cells(m, r));
        csv_text(std::iter::once(rows_head(m)).chain(rows))
    }

    /// Per-variant estimates of every figure, in figure order.
    pub fn estimates(&self) -> Estimates {
        let m = &self.manifest;
        (0..m.variants.len())
            .map(|v| {
                let rows: Vec<&Row> = self.rows.iter().filter(|r| r.job.variant == v).collect();
                (0..m.figures.len())
                    .map(|f| estimate(&rows.iter().map(|r| r.figures[f]).collect::<Vec<_>>()))
                    .collect()
            })
            .collect()
    }

    /// `sweep-summary.csv`: per variant, mean and 95 % confidence interval of each figure.
    pub fn summary_csv(&self) -> std::io::Result<String> {
        summary_csv(&self.manifest, &self.estimates())
    }

    /// `sweep.json`: the manifest.
    pub fn manifest_json(&self) -> String {
        self.manifest.to_json(self.rows.len())
    }

    /// Reads a table back from its manifest and rows (a shard's output folder).
    pub fn parse(manifest_json: &str, rows_csv: &str) -> Result<Table, String> {
        let manifest = Manifest::parse(manifest_json)?;
        let rows = read_rows(&manifest, rows_csv.as_bytes()).collect::<Result<_, _>>()?;
        Ok(Table { manifest, rows })
    }

    /// Merges shard tables into the table of the whole grid; every shard 1..N exactly once and
    /// every job present exactly once.
    pub fn merge(parts: Vec<Table>) -> Result<Table, String> {
        let manifests: Vec<Manifest> = parts.iter().map(|p| p.manifest.clone()).collect();
        let base = merged_manifest(&manifests)?;
        let readers = parts
            .into_iter()
            .filter_map(|p| Some((p.manifest.shard?, p.rows.into_iter().map(Ok))))
            .collect();
        let rows = MergedRows::new(&base, readers)?.collect::<Result<_, _>>()?;
        Ok(Table {
            manifest: base,
            rows,
        })
    }
}

impl Manifest {
    /// Reads `sweep.json` back.
    pub fn parse(manifest_json: &str) -> Result<Manifest, String> {
        let v: serde_json::Value =
            serde_json::from_str(manifest_json).map_err(|e| format!("sweep.json: {e}"))?;
        let strs = |key: &str| -> Result<Vec<String>, String> {
            v[key]
                .as_array()
                .ok_or(format!("sweep.json: `{key}` is missing"))?
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .ok_or(format!("sweep.json: `{key}` holds a non-string"))
                })
                .collect()
        };
        let variants: Vec<Vec<String>> = v["variants"]
            .as_array()
            .ok_or("sweep.json: `variants` is missing")?
            .iter()
            .map(|row| {
                row.as_array()
                    .ok_or("sweep.json: a variant is not a list".to_string())?
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .ok_or("sweep.json: a variant value is not a string".to_string())
                    })
                    .collect()
            })
            .collect::<Result<_, String>>()?;
        let shard = match &v["shard"] {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(Shard::parse(s)?),
            _ => return Err("sweep.json: `shard` is not K/N".into()),
        };
        Ok(Manifest {
            scenario: v["scenario"]
                .as_str()
                .ok_or("sweep.json: `scenario` is missing")?
                .to_string(),
            scenario_sha256: v["scenario_sha256"]
                .as_str()
                .ok_or("sweep.json: `scenario_sha256` is missing")?
                .to_string(),
            keys: strs("keys")?,
            variants,
            replicas: v["replicas"]
                .as_u64()
                .ok_or("sweep.json: `replicas` is missing")? as u32,
            figures: strs("figures")?,
            shard,
        })
    }
}

/// The rows of a `sweep.csv` of the grid `manifest`, read one at a time.
pub fn read_rows<R: Read>(
    manifest: &Manifest,
    rows_csv: R,
) -> impl Iterator<Item = Result<Row, String>> {
    let variants = manifest.variants.len();
    let (nk, nf) = (manifest.keys.len(), manifest.figures.len());
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(rows_csv)
        .into_records()
        .enumerate()
        .map(move |(i, rec)| {
            let line = i + 2;
            let rec = rec.map_err(|e| format!("sweep.csv row {line}: {e}"))?;
            parse_row(&rec, line, variants, nk, nf)
        })
}

/// One record of `sweep.csv` (file line `line`) as a row.
fn parse_row(
    rec: &csv::StringRecord,
    line: usize,
    variants: usize,
    nk: usize,
    nf: usize,
) -> Result<Row, String> {
    let cell = |j: usize| {
        rec.get(j)
            .ok_or(format!("sweep.csv row {line}: too few columns"))
    };
    let int = |j: usize| -> Result<u64, String> {
        cell(j)?.parse().map_err(|_| {
            format!(
                "sweep.csv row {line}: column {} is not a whole number",
                j + 1
            )
        })
    };
    let job = Job {
        index: int(0)? as usize,
        variant: int(1)? as usize,
        replica: int(2)? as u32,
    };
    if job.variant >= variants {
        return Err(format!(
            "sweep.csv row {line}: variant {} is not in sweep.json",
            job.variant
        ));
    }
    let figures = (0..nf)
        .map(|f| {
            let c = cell(3 + nk + f)?;
            if c.is_empty() {
                Ok(f64::NAN)
            } else {
                c.parse::<f64>()
                    .map_err(|_| format!("sweep.csv row {line}: `{c}` is not a number"))
            }
        })
        .collect::<Result<Vec<f64>, String>>()?;
    Ok(Row { job, figures })
}

/// The manifest of the whole grid the shards' manifests split, once they are found to be every
/// shard 1..N of one grid of one scenario, each once.
pub fn merged_manifest(parts: &[Manifest]) -> Result<Manifest, String> {
    let first = parts.first().ok_or("nothing to merge")?;
    let mut base = first.clone();
    let n = base.shard.map_or(1, |s| s.n);
    base.shard = None;
    // A set of the shards seen, not a flag per shard: a manifest claiming a split into
    // 4,294,967,295 shards costs nothing to refuse.
    let mut seen = std::collections::BTreeSet::new();
    for p in parts {
        let mut m = p.clone();
        let shard = m
            .shard
            .take()
            .ok_or("one of the folders holds a complete sweep, not a shard")?;
        if m != base {
            return Err(format!(
                "shard {} was run on a different grid or scenario than shard {}",
                shard.label(),
                first.shard.map_or("?".into(), |s| s.label())
            ));
        }
        if shard.n != n {
            return Err(format!(
                "shard {} does not belong to a split into {n}",
                shard.label()
            ));
        }
        if !seen.insert(shard.k) {
            return Err(format!("shard {} is given twice", shard.label()));
        }
    }
    // At most one more step than there are folders.
    if let Some(k) = (1..=n).find(|k| !seen.contains(k)) {
        return Err(format!("shard {k}/{n} is missing"));
    }
    Ok(base)
}

/// The rows of the whole grid in job order, read from the shards' rows one at a time: shard
/// K of N holds the jobs whose index is K - 1 modulo N, in order, so job `i` is the next row of
/// shard `i % N + 1`. Every job must come exactly once, and no shard may hold more.
pub struct MergedRows<I> {
    /// Per shard K, at index K - 1.
    shards: Vec<I>,
    next: usize,
    jobs: usize,
    failed: bool,
}

impl<I: Iterator<Item = Result<Row, String>>> MergedRows<I> {
    /// `shards` in any order, each with its manifest's shard (checked by [`merged_manifest`]).
    pub fn new(base: &Manifest, shards: Vec<(Shard, I)>) -> Result<MergedRows<I>, String> {
        let mut shards = shards;
        shards.sort_by_key(|(s, _)| s.k);
        Ok(MergedRows {
            shards: shards.into_iter().map(|(_, rows)| rows).collect(),
            next: 0,
            jobs: base
                .variants
                .len()
                .checked_mul(base.replicas as usize)
                .ok_or("sweep.json: variants × replicas overflows")?,
            failed: false,
        })
    }

    fn step(&mut self) -> Option<Result<Row, String>> {
        let n = self.shards.len();
        if self.next == self.jobs {
            // Every job read: any row left over is one job too many.
            for (k, rows) in self.shards.iter_mut().enumerate() {
                if let Some(extra) = rows.next() {
                    return Some(Err(match extra {
                        Err(e) => e,
                        Ok(r) => format!(
                            "shard {}/{n} holds job {}, beyond the grid's {} jobs or twice",
                            k + 1,
                            r.job.index,
                            self.jobs
                        ),
                    }));
                }
            }
            return None;
        }
        let i = self.next;
        let row = match self.shards[i % n].next() {
            None => {
                return Some(Err(format!(
                    "job {i} is missing or duplicated in the shards"
                )))
            }
            Some(Err(e)) => return Some(Err(e)),
            Some(Ok(r)) => r,
        };
        if row.job.index != i {
            return Some(Err(format!(
                "job {i} is missing or duplicated in the shards"
            )));
        }
        self.next += 1;
        Some(Ok(row))
    }
}

impl<I: Iterator<Item = Result<Row, String>>> Iterator for MergedRows<I> {
    type Item = Result<Row, String>;

    /// The next job's row; after an error, nothing more.
    fn next(&mut self) -> Option<Result<Row, String>> {
        if self.failed {
            return None;
        }
        let r = self.step();
        self.failed = matches!(r, Some(Err(_)));
        r
    }
}

/// A short human summary, one line per variant, in users' terms: the share of connection
/// episodes not connected within each outcome threshold (as `run` prints it), users who gave up,
/// the p99 time to connect, user-minutes without service, peak connections and the monthly cost
/// (means over replicas). Attempt counts stay in the CSV files.
pub fn text_summary(m: &Manifest, est: &Estimates) -> String {
    let idx = |name: &str| m.figures.iter().position(|f| f == name);
    let shares: Vec<(String, usize)> = m
        .figures
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            f.strip_prefix("share_not_connected_within_")
                .map(|t| (t.to_string(), i))
        })
        .collect();
    let mut s = String::new();
    for (v, e) in est.iter().enumerate() {
        let label: Vec<String> = m
            .keys
            .iter()
            .zip(&m.variants[v])
            .map(|(k, x)| format!("{k}={x}"))
            .collect();
        let _ = write!(s, "variant {v:>3}  {:<40}", label.join(" "));
        if !shares.is_empty() {
            let within: Vec<&str> = shares.iter().map(|(t, _)| t.as_str()).collect();
            let pct: Vec<String> = shares
                .iter()
                .map(|&(_, i)| format!("{:.1}", e[i].mean * 100.0))
                .collect();
            let _ = write!(
                s,
                "  not connected within {}: {} %",
                within.join("/"),
                pct.join("/")
            );
        }
        if let Some(i) = idx("gave_up") {
            let _ = write!(s, "  gave up {:.0}", e[i].mean);
        }
        if let Some(i) = idx("time_to_connect_p99_s") {
            let _ = write!(s, "  connect p99 {:.1} s", e[i].mean);
        }
        if let Some(i) = idx("user_minutes_without_service") {
            let _ = write!(s, "  {:.0} user-minutes without service", e[i].mean);
        }
        if let Some(i) = idx("peak_concurrency") {
            let _ = write!(s, "  peak {:.0} connections", e[i].mean);
        }
        if let Some(i) = idx("cost_per_month") {
            let _ = write!(s, "  ${:.0}/month", e[i].mean);
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::run::jobs;

    fn table(shard: Option<Shard>) -> Table {
        let manifest = Manifest {
            scenario: "s".into(),
            scenario_sha256: "abc".into(),
            keys: vec!["k".into()],
            variants: vec![vec!["1".into()], vec!["2,3".into()]],
            replicas: 3,
            figures: vec!["a".into(), "b".into()],
            shard,
        };
        let rows = jobs(2, 3, shard)
            .into_iter()
            .map(|job| Row {
                job,
                figures: vec![
                    job.index as f64 / 3.0,
                    if job.replica == 0 {
                        f64::NAN
                    } else {
                        1e-9 * job.index as f64
                    },
                ],
            })
            .collect();
        Table { manifest, rows }
    }

    #[test]
    fn csv_round_trips_exactly() {
        let t = table(None);
        let back = Table::parse(&t.manifest_json(), &t.rows_csv().unwrap()).unwrap();
        assert_eq!(back.rows_csv().unwrap(), t.rows_csv().unwrap());
        assert_eq!(back.manifest, t.manifest);
        for (a, b) in back.rows.iter().zip(&t.rows) {
            assert_eq!(a.job, b.job);
            for (x, y) in a.figures.iter().zip(&b.figures) {
                assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()));
            }
        }
    }

    #[test]
    fn merged_shards_equal_the_single_run() {
        let whole = table(None);
        let parts: Vec<Table> = (1..=4)
            .map(|k| {
                let t = table(Some(Shard { k, n: 4 }));
                Table::parse(&t.manifest_json(), &t.rows_csv().unwrap()).unwrap()
            })
            .collect();
        let merged = Table::merge(parts).unwrap();
        assert_eq!(merged.rows_csv().unwrap(), whole.rows_csv().unwrap());
        assert_eq!(merged.summary_csv().unwrap(), whole.summary_csv().unwrap());
        assert_eq!(merged.manifest_json(), whole.manifest_json());
    }

    /// The rows of `t` through [`RowsWriter`], then the second pass over the bytes read back.
    fn streamed(t: &Table) -> (String, Estimates) {
        let mut w = RowsWriter::new(&t.manifest, Vec::new()).unwrap();
        for r in &t.rows {
            w.push(r).unwrap();
        }
        let (bytes, first) = w.finish().unwrap();
        assert_eq!(first.rows(), t.rows.len());
        let est = first
            .estimates(read_rows(&t.manifest, bytes.as_slice()))
            .unwrap();
        (String::from_utf8(bytes).unwrap(), est)
    }

    #[test]
    fn streamed_rows_and_summary_equal_the_held_tables() {
        // Figures whose sums round differently in any other order, NaN and infinite cells.
        let mut t = table(None);
        for r in &mut t.rows {
            r.figures[0] = 1e16 * (-1f64).powi(r.job.index as i32) + 0.1 * r.job.index as f64;
            if r.job.index == 4 {
                r.figures[1] = f64::INFINITY;
            }
        }
        let (csv, est) = streamed(&t);
        assert_eq!(csv, t.rows_csv().unwrap());
        assert_eq!(
            summary_csv(&t.manifest, &est).unwrap(),
            t.summary_csv().unwrap()
        );
        assert_eq!(
            text_summary(&t.manifest, &est),
            text_summary(&t.manifest, &t.estimates())
        );
        // Bit for bit, not only as printed.
        let bits = |e: &Estimates| -> Vec<u64> {
            e.iter()
                .flatten()
                .flat_map(|x| [x.mean.to_bits(), x.low.to_bits(), x.high.to_bits()])
                .collect()
        };
        assert_eq!(bits(&est), bits(&t.estimates()));
        // Rows that change between the passes are refused, not summarised.
        let mut w = RowsWriter::new(&t.manifest, Vec::new()).unwrap();
        w.push(&t.rows[0]).unwrap();
        let (_, first) = w.finish().unwrap();
        let back = read_rows(&t.manifest, t.rows_csv().unwrap().into_bytes().as_slice())
            .collect::<Vec<_>>();
        assert!(first.estimates(back).unwrap_err().contains("changed"));
    }

    #[test]
    fn merged_rows_come_in_job_order_and_refuse_gaps_and_extras() {
        let whole = table(None);
        let shard = |k: u32, n: u32| table(Some(Shard { k, n }));
        let rows = |t: Table| t.rows.into_iter().map(Ok);
        // Given in any order, read in job order.
        let parts: Vec<_> = [3, 1, 2]
            .into_iter()
            .map(|k| (Shard { k, n: 3 }, rows(shard(k, 3))))
            .collect();
        let merged: Vec<Row> = MergedRows::new(&whole.manifest, parts)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let jobs = |rows: &[Row]| rows.iter().map(|r| r.job).collect::<Vec<_>>();
        assert_eq!(jobs(&merged), jobs(&whole.rows));
        let merged = Table {
            manifest: whole.manifest.clone(),
            rows: merged,
        };
        assert_eq!(merged.rows_csv().unwrap(), whole.rows_csv().unwrap());
        // Shard 2 lost its last row (job 4): job 4 is missing.
        let mut short = shard(2, 2);
        short.rows.pop();
        let parts = vec![
            (Shard { k: 1, n: 2 }, rows(shard(1, 2))),
            (Shard { k: 2, n: 2 }, rows(short)),
        ];
        let r: Result<Vec<Row>, String> =
            MergedRows::new(&whole.manifest, parts).unwrap().collect();
        assert_eq!(
            r.unwrap_err(),
            "job 5 is missing or duplicated in the shards"
        );
        // Shard 1 holds a job twice: job 2 expected, job 0 found again.
        let mut twice = shard(1, 2);
        twice.rows.insert(1, twice.rows[0].clone());
        let parts = vec![
            (Shard { k: 1, n: 2 }, rows(twice)),
            (Shard { k: 2, n: 2 }, rows(shard(2, 2))),
        ];
        let r: Result<Vec<Row>, String> =
            MergedRows::new(&whole.manifest, parts).unwrap().collect();
        assert_eq!(
            r.unwrap_err(),
            "job 2 is missing or duplicated in the shards"
        );
        // A row past the end of the grid.
        let mut extra = shard(2, 2);
        let mut last = extra.rows[2].clone();
        last.job.index = 7;
        extra.rows.push(last);
        let parts = vec![
            (Shard { k: 1, n: 2 }, rows(shard(1, 2))),
            (Shard { k: 2, n: 2 }, rows(extra)),
        ];
        let r: Result<Vec<Row>, String> =
            MergedRows::new(&whole.manifest, parts).unwrap().collect();
        assert!(r.unwrap_err().contains("shard 2/2 holds job 7"));
    }

    #[test]
    fn merge_refuses_incomplete_or_foreign_shards() {
        let a = table(Some(Shard { k: 1, n: 2 }));
        assert!(Table::merge(vec![a.clone()])
            .unwrap_err()
            .contains("shard 2/2 is missing"));
        // A manifest claiming an absurd split is refused without allocating per shard.
        let huge = table(Some(Shard { k: 1, n: u32::MAX }));
        assert!(Table::merge(vec![huge])
            .unwrap_err()
            .contains("shard 2/4294967295 is missing"));
        assert!(Table::merge(vec![a.clone(), a.clone()])
            .unwrap_err()
            .contains("given twice"));
        let mut b = table(Some(Shard { k: 2, n: 2 }));
        b.manifest.scenario_sha256 = "other".into();
        assert!(Table::merge(vec![a, b])
            .unwrap_err()
            .contains("different grid"));
    }

    #[test]
    fn summary_has_mean_and_interval() {
        let s = table(None).summary_csv().unwrap();
        let mut lines = s.lines();
        assert_eq!(
            lines.next().unwrap(),
            "variant,k,replicas,a_mean,a_ci95_low,a_ci95_high,b_mean,b_ci95_low,b_ci95_high"
        );
        // Variant 0 has a = 0, 1/3, 2/3: mean 1/3.
        let first: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(first[..3], ["0", "1", "3"]);
        assert!((first[3].parse::<f64>().unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert!(s.contains("\"2,3\""), "values with commas are quoted");
    }

    /// The summary a planner reads first speaks of users, minutes and money, not attempts.
    #[test]
    fn text_summary_leads_with_users() {
        let figures = crate::study::stats::figure_names(&crate::model::DEFAULT_OUTCOME_THRESHOLDS);
        let m = Manifest {
            scenario: "s".into(),
            scenario_sha256: "abc".into(),
            keys: vec!["endpoint.session_timeout_hours".into()],
            variants: vec![vec!["8".into()]],
            replicas: 2,
            figures: figures.clone(),
            shard: None,
        };
        let value = |name: &str| match name {
            "share_not_connected_within_1m" => 0.25,
            "share_not_connected_within_5m" => 0.125,
            "share_not_connected_within_15m" => 0.0,
            "gave_up" => 12.0,
            "time_to_connect_p99_s" => 74.25,
            "user_minutes_without_service" => 1234.0,
            "peak_concurrency" => 8000.0,
            "cost_per_month" => 4321.0,
            _ => 99_999.0,
        };
        let est = vec![figures
            .iter()
            .map(|f| crate::study::stats::Estimate {
                n: 2,
                mean: value(f),
                low: value(f),
                high: value(f),
            })
            .collect()];
        let text = text_summary(&m, &est);
        assert!(
            text.contains("not connected within 1m/5m/15m: 25.0/12.5/0.0 %  gave up"),
            "{text}"
        );
        assert!(text.contains("gave up 12  connect p99 74.2 s"), "{text}");
        assert!(text.contains("1234 user-minutes without service"), "{text}");
        assert!(
            text.contains("peak 8000 connections  $4321/month"),
            "{text}"
        );
        assert!(
            !text.contains("99999"),
            "no attempt count in the summary: {text}"
        );
    }
}
