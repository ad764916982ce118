//! The results of a sweep as a table: rows per (variant, replica), the per-variant summary with
//! 95 % confidence intervals, the manifest that identifies the grid, CSV/JSON renderings, their
//! parsing back, and the merge of shards into the table a single run would have produced.

use std::fmt::Write as _;

use super::run::{Job, Row, Shard};
use super::stats::{estimate, Estimate};

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

impl Table {
    /// `sweep.csv`: one row per job.
    pub fn rows_csv(&self) -> std::io::Result<String> {
        let m = &self.manifest;
        let mut head = vec!["job".to_string(), "variant".into(), "replica".into()];
        head.extend(m.keys.iter().cloned());
        head.extend(m.figures.iter().cloned());
        let head = head.iter().map(|h| text(h)).collect();
        let rows = self.rows.iter().map(|r| {
            let mut cells = vec![
                r.job.index.to_string(),
                r.job.variant.to_string(),
                r.job.replica.to_string(),
            ];
            cells.extend(m.variants[r.job.variant].iter().map(|v| text(v)));
            cells.extend(r.figures.iter().map(|&x| num(x)));
            cells
        });
        csv_text(std::iter::once(head).chain(rows))
    }

    /// Per-variant estimates of every figure, in figure order.
    pub fn estimates(&self) -> Vec<Vec<Estimate>> {
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
        let m = &self.manifest;
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
        let rows = self.estimates().into_iter().enumerate().map(|(v, est)| {
            let mut cells = vec![v.to_string()];
            cells.extend(m.variants[v].iter().map(|x| text(x)));
            cells.push(est.first().map_or(0, |e| e.n).to_string());
            for e in &est {
                cells.extend([num(e.mean), num(e.low), num(e.high)]);
            }
            cells
        });
        csv_text(std::iter::once(head).chain(rows))
    }

    /// `sweep.json`: the manifest.
    pub fn manifest_json(&self) -> String {
        let m = &self.manifest;
        let v = serde_json::json!({
            "scenario": m.scenario,
            "scenario_sha256": m.scenario_sha256,
            "keys": m.keys,
            "variants": m.variants,
            "replicas": m.replicas,
            "figures": m.figures,
            "shard": m.shard.map(|s| s.label()),
            "jobs": self.rows.len(),
        });
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads a table back from its manifest and rows (a shard's output folder).
    pub fn parse(manifest_json: &str, rows_csv: &str) -> Result<Table, String> {
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
        let manifest = Manifest {
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
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(rows_csv.as_bytes());
        let nk = manifest.keys.len();
        let mut rows = Vec::new();
        for (i, rec) in reader.records().enumerate() {
            let rec = rec.map_err(|e| format!("sweep.csv row {}: {e}", i + 2))?;
            let cell = |j: usize| {
                rec.get(j)
                    .ok_or(format!("sweep.csv row {}: too few columns", i + 2))
            };
            let int = |j: usize| -> Result<u64, String> {
                cell(j)?.parse().map_err(|_| {
                    format!(
                        "sweep.csv row {}: column {} is not a whole number",
                        i + 2,
                        j + 1
                    )
                })
            };
            let job = Job {
                index: int(0)? as usize,
                variant: int(1)? as usize,
                replica: int(2)? as u32,
            };
            if job.variant >= manifest.variants.len() {
                return Err(format!(
                    "sweep.csv row {}: variant {} is not in sweep.json",
                    i + 2,
                    job.variant
                ));
            }
            let figures = (0..manifest.figures.len())
                .map(|f| {
                    let c = cell(3 + nk + f)?;
                    if c.is_empty() {
                        Ok(f64::NAN)
                    } else {
                        c.parse::<f64>()
                            .map_err(|_| format!("sweep.csv row {}: `{c}` is not a number", i + 2))
                    }
                })
                .collect::<Result<Vec<f64>, String>>()?;
            rows.push(Row { job, figures });
        }
        Ok(Table { manifest, rows })
    }

    /// Merges shard tables into the table of the whole grid; every shard 1..N exactly once and
    /// every job present exactly once.
    pub fn merge(mut parts: Vec<Table>) -> Result<Table, String> {
        let first = parts.first().ok_or("nothing to merge")?;
        let mut base = first.manifest.clone();
        let n = base.shard.map_or(1, |s| s.n);
        base.shard = None;
        // A set of the shards seen, not a flag per shard: a manifest claiming a split into
        // 4,294,967,295 shards costs nothing to refuse.
        let mut seen = std::collections::BTreeSet::new();
        for p in &parts {
            let mut m = p.manifest.clone();
            let shard = m
                .shard
                .take()
                .ok_or("one of the folders holds a complete sweep, not a shard")?;
            if m != base {
                return Err(format!(
                    "shard {} was run on a different grid or scenario than shard {}",
                    shard.label(),
                    first.manifest.shard.map_or("?".into(), |s| s.label())
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
        let mut rows: Vec<Row> = parts.drain(..).flat_map(|p| p.rows).collect();
        rows.sort_by_key(|r| r.job.index);
        let expected = base
            .variants
            .len()
            .checked_mul(base.replicas as usize)
            .ok_or("sweep.json: variants × replicas overflows")?;
        for (i, r) in rows.iter().enumerate() {
            if r.job.index != i {
                return Err(format!("job {i} is missing or duplicated in the shards"));
            }
        }
        if rows.len() != expected {
            return Err(format!(
                "the shards hold {} jobs, the grid has {expected}",
                rows.len()
            ));
        }
        Ok(Table {
            manifest: base,
            rows,
        })
    }
}

/// A short human summary: one line per variant with the key figures.
pub fn text_summary(t: &Table) -> String {
    let m = &t.manifest;
    let idx = |name: &str| m.figures.iter().position(|f| f == name);
    let mut s = String::new();
    let est = t.estimates();
    for (v, e) in est.iter().enumerate() {
        let label: Vec<String> = m
            .keys
            .iter()
            .zip(&m.variants[v])
            .map(|(k, x)| format!("{k}={x}"))
            .collect();
        let _ = write!(s, "variant {v:>3}  {:<50}", label.join(" "));
        if let Some(i) = idx("time_to_connect_p99_s") {
            let _ = write!(s, "  connect p99 {:.1} s", e[i].mean);
        }
        if let Some(i) = idx("attempt_failure_rate") {
            let _ = write!(s, "  attempt failures {:.4} %", e[i].mean * 100.0);
        }
        if let Some(i) = idx("peak_concurrency") {
            let _ = write!(s, "  peak {:.0}", e[i].mean);
        }
        if let Some(i) = idx("failures") {
            let _ = write!(s, "  failures {:.0}", e[i].mean);
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
}
