//! Reachability outputs: the verdict matrix and the gaps weighted by client-time as CSV
//! (`reachability.csv`), and readable text for the terminal (the matrix table and the
//! differential report).

use std::fmt::Write;

use crate::model::Scenario;
use crate::net::diff::{Change, Diff, Side};
use crate::net::eval::Trace;
use crate::net::matrix::{Cell, Matrix, WeightedGap};
use crate::net::verdict::cite_labels;

/// Header of [`matrix_csv`].
pub const MATRIX_COLUMNS: [&str; 10] = [
    "population",
    "network",
    "association",
    "availability_zone",
    "status",
    "reason",
    "decided_by",
    "failing_addresses",
    "failing_cidrs",
    "failing_share",
];

/// Header of [`gaps_csv`].
pub const GAP_COLUMNS: [&str; 10] = [
    "population",
    "network",
    "failing_associations",
    "failing_client_ms",
    "total_client_ms",
    "share",
    "reason",
    "lost_addresses",
    "lost_cidrs",
    "address_share",
];

/// One row per matrix cell, in matrix order. `failing_cidrs` lists every lost address as CIDR
/// blocks separated by spaces; `failing_share` is their share of the target's addresses (six
/// decimals).
pub fn matrix_csv(s: &Scenario, m: &Matrix) -> std::io::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_row(&mut w, MATRIX_COLUMNS.iter().map(|c| c.to_string()))?;
    for cell in &m.cells {
        let v = &cell.verdict;
        let subnet = s.subnet_of(cell.association);
        let failing = v.failing();
        write_row(
            &mut w,
            [
                population_name(s, cell).to_string(),
                cell.target.name(s).to_string(),
                subnet.id.clone(),
                subnet.availability_zone.clone(),
                v.status().name().to_string(),
                v.reason().name().to_string(),
                decided_by(s, cell),
                failing.len().to_string(),
                if failing.is_empty() {
                    String::new()
                } else {
                    failing.to_string()
                },
                format!(
                    "{:.6}",
                    failing.len() as f64 / v.addrs().len().max(1) as f64
                ),
            ],
        )?;
    }
    finish(w)
}

/// One row per weighted gap; `share` (of client-time) and `address_share` (of the target's
/// addresses, weighted by client-time) have six decimals; `lost_cidrs` lists the addresses lost
/// from some failing association as CIDR blocks separated by spaces.
pub fn gaps_csv(s: &Scenario, gaps: &[WeightedGap]) -> std::io::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_row(&mut w, GAP_COLUMNS.iter().map(|c| c.to_string()))?;
    for g in gaps {
        let failing: Vec<&str> = g
            .failing
            .iter()
            .map(|&a| s.subnet_of(a).id.as_str())
            .collect();
        write_row(
            &mut w,
            [
                s.populations[g.population.index()].name.clone(),
                g.target.name(s).to_string(),
                failing.join(" "),
                g.failing_ms.to_string(),
                g.total_ms.to_string(),
                format!("{:.6}", g.share()),
                g.reason.name().to_string(),
                g.lost.len().to_string(),
                g.lost.to_string(),
                format!("{:.6}", g.address_share),
            ],
        )?;
    }
    finish(w)
}

/// The matrix as an aligned text table, then a one-line tally. Long lists of lost addresses are
/// shortened (the CSV has them all).
pub fn matrix_table(s: &Scenario, m: &Matrix) -> String {
    let header = [
        "POPULATION",
        "NETWORK",
        "LANDING",
        "STATUS",
        "REASON",
        "LOST",
        "DECIDED BY",
    ];
    let rows: Vec<[String; 7]> = m
        .cells
        .iter()
        .map(|cell| {
            let v = &cell.verdict;
            [
                population_name(s, cell).to_string(),
                cell.target.name(s).to_string(),
                s.subnet_of(cell.association).id.clone(),
                v.status().name().to_string(),
                v.reason().name().to_string(),
                shorten(&v.failing().to_string(), 3),
                decided_by(s, cell),
            ]
        })
        .collect();
    let mut out = align(&header, &rows);
    let gaps = m.gaps().count();
    let _ = writeln!(
        out,
        "{} verdict(s), {} gap(s) (population x needed network x landing subnet)",
        m.cells.len(),
        gaps
    );
    out
}

/// One line per trace: who, from which landing subnet, the outcome and what decided it.
pub fn address_table(s: &Scenario, traces: &[Trace]) -> String {
    let header = ["FROM", "TO", "LANDING", "OUTCOME", "DECIDED BY"];
    let rows: Vec<[String; 5]> = traces
        .iter()
        .map(|t| {
            [
                t.client.name.clone(),
                t.address.to_string(),
                s.subnet_of(t.association).id.clone(),
                t.outcome.name().to_string(),
                cite_labels(s, &t.cites),
            ]
        })
        .collect();
    align(&header, &rows)
}

/// The differential report: one block per changed verdict, regressions marked, then a tally.
pub fn diff_text(d: &Diff) -> String {
    let mut out = String::new();
    for c in &d.changes {
        write_change(&mut out, c);
    }
    let regressions = d.regressions().count();
    let _ = writeln!(
        out,
        "{} changed verdict(s), {} regression(s)",
        d.changes.len(),
        regressions
    );
    out
}

fn write_change(out: &mut String, c: &Change) {
    let mark = if c.is_regression() {
        "REGRESSION"
    } else {
        "changed"
    };
    let k = &c.key;
    let _ = writeln!(
        out,
        "{mark}: {} -> {} landing on {}",
        k.population, k.network, k.association
    );
    let _ = writeln!(out, "    old: {}", side_text(c.old.as_ref()));
    let _ = writeln!(out, "    new: {}", side_text(c.new.as_ref()));
    if !c.newly_failing.is_empty() {
        let _ = writeln!(
            out,
            "    now lost: {}",
            shorten(&c.newly_failing.to_string(), 8)
        );
    }
    if !c.newly_reaching.is_empty() {
        let _ = writeln!(
            out,
            "    no longer lost: {}",
            shorten(&c.newly_reaching.to_string(), 8)
        );
    }
}

/// The status, its reason when it adds something (`unreachable (not-authorized)`, but just
/// `reachable`), and what decided it.
fn side_text(side: Option<&Side>) -> String {
    let Some(s) = side else {
        return "(no such verdict in this version)".to_string();
    };
    let mut text = s.status.name().to_string();
    if s.reason.name() != s.status.name() {
        text = format!("{text} ({})", s.reason);
    }
    if !s.decided_by.is_empty() {
        text = format!("{text} by {}", s.decided_by);
    }
    text
}

fn population_name<'a>(s: &'a Scenario, cell: &Cell) -> &'a str {
    &s.populations[cell.population.index()].name
}

fn decided_by(s: &Scenario, cell: &Cell) -> String {
    cell.verdict
        .primary()
        .map_or_else(String::new, |p| cite_labels(s, &p.cites))
}

/// Keeps the first `keep` space-separated items and counts the rest.
fn shorten(list: &str, keep: usize) -> String {
    let items: Vec<&str> = list.split(' ').collect();
    if items.len() <= keep {
        return list.to_string();
    }
    format!("{} (+{} more)", items[..keep].join(" "), items.len() - keep)
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
fn align<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                l.push_str(cell);
            } else {
                let _ = write!(l, "{cell:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

fn write_row(
    w: &mut csv::Writer<Vec<u8>>,
    fields: impl IntoIterator<Item = String>,
) -> csv::Result<()> {
    let cells: Vec<String> = fields
        .into_iter()
        .map(|f| super::cells::cell(&f).into_owned())
        .collect();
    w.write_record(cells)
}

fn finish(w: csv::Writer<Vec<u8>>) -> std::io::Result<String> {
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_counts_what_it_drops() {
        assert_eq!(shorten("a b c", 3), "a b c");
        assert_eq!(shorten("a b c d e", 2), "a b (+3 more)");
    }

    #[test]
    fn align_pads_all_but_the_last_column() {
        let t = align(
            &["A", "BB", "C"],
            &[["xxx".into(), "y".into(), "last".into()]],
        );
        assert_eq!(t, "A    BB  C\nxxx  y   last\n");
    }
}
