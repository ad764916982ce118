//! Charts as bytes: PNG and SVG from plain data (time series with limits and event marks, stacked
//! areas, and a categorical heatmap). Text is drawn with DejaVu Sans compiled into the binary, so
//! a chart renders the same on a fresh machine with no fonts installed.
//!
//! This module knows nothing of the engine: callers turn their results into [`TimeChart`] or
//! [`Heatmap`] values. It does no file I/O; the report writer stores the bytes.

use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::glyphs::PngCanvas;
use crate::model::{Millis, DAY, HOUR};

/// Font family name registered for every chart.
const FONT: &str = "sans-serif";

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TTF shipped by the `dejavu` crate; failure would be a build defect.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesKind {
    /// A solid line.
    Line,
    /// A dashed line, for limits and capacities.
    Limit,
    /// A filled band, stacked on the bands before it.
    Stacked,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// (time, value), time in milliseconds from the start, increasing.
    pub points: Vec<(Millis, f64)>,
    pub kind: SeriesKind,
    /// A fixed colour (e.g. a failure reason's, the same on every chart); `None`: by position.
    pub colour: Option<RGBColor>,
}

/// A labelled instant (fault, modification) drawn as a vertical line.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub at: Millis,
    pub label: String,
}

/// A chart of values over simulated time.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeChart {
    pub title: String,
    pub y_label: String,
    /// The time axis runs from `from` to `duration` (both from the scenario start).
    pub from: Millis,
    pub duration: Millis,
    /// Weekday of the run's first day (for the time axis, `crate::timefmt`).
    pub start_weekday: crate::model::Weekday,
    pub series: Vec<Series>,
    pub marks: Vec<Mark>,
}

/// A grid of categorical cells (e.g. reachability verdicts).
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub columns: Vec<String>,
    pub rows: Vec<String>,
    /// `cells[row][column]` = index into `categories`.
    pub cells: Vec<Vec<usize>>,
    /// Category names, in legend order; colour by position.
    pub categories: Vec<String>,
}

#[derive(Debug)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "chart: {}", self.0)
    }
}

impl std::error::Error for ChartError {}

fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
}

/// Default size of charts in the report.
pub const SIZE: (u32, u32) = (1200, 520);

/// Colours that stay apart for people with the common colour-vision deficiencies (Okabe–Ito),
/// then a few more.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(90, 90, 90),
    RGBColor(150, 75, 0),
    RGBColor(0, 0, 0),
];

pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Formats a time axis tick the one way simulated times are written: `d1 Tue 09:00`.
fn time_label(ms: Millis, start: crate::model::Weekday) -> String {
    crate::timefmt::tick_from(start, ms)
}

/// Renders with `draw` into an RGB buffer and encodes it as PNG.
fn png_of(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<PngCanvas, Shift>) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    register_font();
    thread_local! {
        /// The pixels of the charts drawn on this thread, kept from one chart to the next: a
        /// fresh buffer comes from the system a page at a time, each page a fault (about 460
        /// for a 1200 × 520 chart).
        static PIXELS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    PIXELS.with_borrow_mut(|buf| {
        buf.clear();
        buf.resize(size.0 as usize * size.1 as usize * 3, 0);
        {
            let root = PngCanvas::with_buffer(buf, size).into_drawing_area();
            draw(&root)?;
            root.present().map_err(err)?;
        }
        encode_png(buf, size)
    })
}

/// Renders with `draw` as SVG text.
fn svg_of(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// Renders a time chart as PNG bytes.
pub fn time_png(chart: &TimeChart, size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
    png_of(size, |root| draw_time(chart, root))
}

/// Renders a time chart as SVG text.
pub fn time_svg(chart: &TimeChart, size: (u32, u32)) -> Result<String, ChartError> {
    svg_of(size, |root| draw_time(chart, root))
}

pub fn heatmap_png(map: &Heatmap, size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
    png_of(size, |root| draw_heatmap(map, root))
}

pub fn heatmap_svg(map: &Heatmap, size: (u32, u32)) -> Result<String, ChartError> {
    svg_of(size, |root| draw_heatmap(map, root))
}

pub fn category_png(c: &CategoryChart, size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
    png_of(size, |root| draw_category(c, root))
}

pub fn category_svg(c: &CategoryChart, size: (u32, u32)) -> Result<String, ChartError> {
    svg_of(size, |root| draw_category(c, root))
}

fn encode_png(rgb: &[u8], size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, size.0, size.1);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(err)?;
        w.write_image_data(rgb).map_err(err)?;
    }
    Ok(out)
}

/// Running sums of stacked series, in series order, on the union of their time points.
fn stack(series: &[&Series]) -> Vec<Vec<(Millis, f64)>> {
    let mut out: Vec<Vec<(Millis, f64)>> = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let layer = s
            .points
            .iter()
            .enumerate()
            .map(|(j, &(t, v))| {
                (
                    t,
                    v + if i > 0 {
                        out[i - 1].get(j).map_or(0.0, |p| p.1)
                    } else {
                        0.0
                    },
                )
            })
            .collect();
        out.push(layer);
    }
    out
}

/// The top of a time chart's y axis: the data's top ([`axis_top`]) and headroom above it for the
/// mark labels. `layers` are the stacked bands' tops.
fn y_max(c: &TimeChart, layers: &[Vec<(Millis, f64)>]) -> f64 {
    let in_view = |p: &&(Millis, f64)| p.0 >= c.from && p.0 <= c.duration;
    let data_top = c
        .series
        .iter()
        .filter(|s| s.kind == SeriesKind::Line)
        .flat_map(|s| s.points.iter())
        .chain(layers.last().into_iter().flat_map(|l| l.iter()))
        .filter(in_view)
        .map(|p| p.1)
        .fold(0.0f64, f64::max);
    let limit_top = c
        .series
        .iter()
        .filter(|s| s.kind == SeriesKind::Limit)
        .flat_map(|s| s.points.iter())
        .filter(in_view)
        .map(|p| p.1)
        .fold(0.0f64, f64::max);
    // Limits far above the data would squash it into the bottom of the chart: the axis then
    // follows the data, and limits above it are named in the legend with their value.
    let top = axis_top(data_top, limit_top);
    // Headroom above the data for the mark labels.
    if top > 0.0 {
        top * 1.15
    } else {
        1.0
    }
}

/// The event marks: a dashed vertical line and a number each (the legend spells them out).
fn draw_marks<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    c: &TimeChart,
    unit: Millis,
    y_max: f64,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let x_of = |ms: Millis| ms as f64 / unit as f64;
    let mark_col = RGBColor(200, 0, 0);
    for (i, m) in c.marks.iter().enumerate() {
        if m.at < c.from || m.at > c.duration {
            continue;
        }
        let x = x_of(m.at);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x, 0.0), (x, y_max)],
                4,
                4,
                mark_col.mix(0.6).stroke_width(1),
            ))
            .map_err(err)?;
        // Marks carry a number on the chart; the legend spells them out with their times.
        let y = y_max * (0.985 - 0.05 * (i % 2) as f64);
        chart
            .draw_series(std::iter::once(Text::new(
                format!(" {}", i + 1),
                (x, y),
                (FONT, 13)
                    .into_font()
                    .style(FontStyle::Bold)
                    .color(&mark_col),
            )))
            .map_err(err)?;
    }
    Ok(())
}

/// The plot's area and the legend's, and the canvas height.
type Areas<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>, u32);

/// A white canvas split into the plot and, on the right, the legend's own strip, so the legend
/// never hides data or mark labels.
fn plot_and_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
) -> Result<Areas<DB>, ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let (width, height) = root.dim_in_pixel();
    let (main, legend) = root.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
    Ok((main, legend, height))
}

fn draw_time<DB: DrawingBackend>(
    c: &TimeChart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (main, legend, height) = plot_and_legend(root)?;
    let stacked: Vec<&Series> = c
        .series
        .iter()
        .filter(|s| s.kind == SeriesKind::Stacked)
        .collect();
    let layers = stack(&stacked);
    let in_view = |p: &&(Millis, f64)| p.0 >= c.from && p.0 <= c.duration;
    let y_max = y_max(c, &layers);
    // Hours for runs up to three days, days beyond: ticks then fall on round times.
    let span = c.duration.saturating_sub(c.from).max(1);
    let unit = if span <= 3 * DAY { HOUR } else { DAY };
    let x_of = |ms: Millis| ms as f64 / unit as f64;
    let (x_min, x_max) = (x_of(c.from), x_of(c.from + span));

    let mut chart = ChartBuilder::on(&main)
        .caption(&c.title, (FONT, 22).into_font().style(FontStyle::Bold))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(78)
        .build_cartesian_2d(x_min..x_max, 0f64..y_max)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("simulated time (day, weekday, hh:mm)")
        .y_desc(&c.y_label)
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|x| time_label((x * unit as f64).round() as Millis, c.start_weekday))
        .y_label_formatter(&|y| thousands(*y))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(err)?;

    // Event marks first, so the data they explain is drawn over them.
    draw_marks(&mut chart, c, unit, y_max)?;
    // Stacked bands first, back to front, so the first band is at the bottom.
    let index_of = |s: &Series| {
        c.series
            .iter()
            .position(|x| std::ptr::eq(x, s))
            .unwrap_or(0)
    };
    for (i, s) in stacked.iter().enumerate().rev() {
        let col = s.colour.unwrap_or_else(|| colour(index_of(s)));
        let pts: Vec<(f64, f64)> = layers[i]
            .iter()
            .filter(|p| p.0 >= c.from && p.0 <= c.duration)
            .map(|&(t, v)| (x_of(t), v))
            .collect();
        chart
            .draw_series(AreaSeries::new(pts, 0.0, col.mix(0.75)).border_style(col.stroke_width(1)))
            .map_err(err)?;
    }
    // Lines that coincide stay visible: earlier lines are drawn wider, so each later one runs
    // inside the one before it like a cased road.
    let count = |kind| c.series.iter().filter(|s| s.kind == kind).count();
    let (lines, limits) = (count(SeriesKind::Line), count(SeriesKind::Limit));
    let (mut k_line, mut k_limit) = (0, 0);
    for (idx, s) in c.series.iter().enumerate() {
        let (of, k) = match s.kind {
            SeriesKind::Stacked => continue,
            SeriesKind::Line => (lines, &mut k_line),
            SeriesKind::Limit => (limits, &mut k_limit),
        };
        let col = s.colour.unwrap_or_else(|| colour(idx));
        let width = 2 + 2 * (of - 1 - *k).min(2) as u32;
        *k += 1;
        // A limit above the axis is not drawn at the top edge as if it were there.
        for run in visible_runs(&s.points, c.from, c.duration, y_max) {
            let pts: Vec<(f64, f64)> = run.iter().map(|&(t, v)| (x_of(t), v)).collect();
            match s.kind {
                SeriesKind::Stacked => {}
                SeriesKind::Line => {
                    chart
                        .draw_series(LineSeries::new(pts, col.stroke_width(width)))
                        .map_err(err)?;
                }
                SeriesKind::Limit => {
                    chart
                        .draw_series(DashedLineSeries::new(pts, 8, 5, col.stroke_width(width)))
                        .map_err(err)?;
                }
            }
        }
    }
    let above: Vec<Option<f64>> = c
        .series
        .iter()
        .map(|s| {
            let max = s
                .points
                .iter()
                .filter(in_view)
                .map(|p| p.1)
                .fold(0.0f64, f64::max);
            (s.kind == SeriesKind::Limit && max > y_max).then_some(max)
        })
        .collect();
    draw_legend(c, &above, &legend, height)
}

/// A limit more than this many times the data's peak is kept off the axis.
const LIMIT_SQUASH: f64 = 2.5;

/// The highest value the axis must show: the data's peak, and the limits unless they are so far
/// above it that the data would be squashed into the bottom of the chart.
fn axis_top(data_top: f64, limit_top: f64) -> f64 {
    if data_top > 0.0 && limit_top > LIMIT_SQUASH * data_top {
        data_top
    } else {
        data_top.max(limit_top)
    }
}

/// The runs of consecutive points within the time range and at most `y_max`. The series are
/// steps and constant limits, so the value in force at each edge of the range is carried to the
/// edge: a limit given at 0 and at the end of the run still crosses a zoomed window.
fn visible_runs(
    points: &[(Millis, f64)],
    from: Millis,
    to: Millis,
    y_max: f64,
) -> Vec<Vec<(Millis, f64)>> {
    let mut clipped: Vec<(Millis, f64)> = Vec::new();
    if !points.iter().any(|p| p.0 == from) {
        if let Some(&(_, v)) = points.iter().rev().find(|p| p.0 < from) {
            clipped.push((from, v));
        }
    }
    clipped.extend(points.iter().filter(|p| p.0 >= from && p.0 <= to));
    if points.iter().any(|p| p.0 > to) {
        if let Some(&(t, v)) = clipped.last() {
            if t < to {
                clipped.push((to, v));
            }
        }
    }
    let mut runs = vec![Vec::new()];
    for &p in &clipped {
        if p.1 <= y_max {
            if let Some(r) = runs.last_mut() {
                r.push(p);
            }
        } else if runs.last().is_some_and(|r| !r.is_empty()) {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

const LEGEND_WIDTH: u32 = 330;

/// Splits `text` once near `width` characters, after a space or a hyphen.
fn wrap(text: &str, width: usize) -> (String, Option<String>) {
    if text.chars().count() <= width {
        return (text.to_string(), None);
    }
    let cut: String = text.chars().take(width).collect();
    match cut.rfind([' ', '-']) {
        Some(i) if i > 8 => {
            let keep = if cut.as_bytes()[i] == b'-' { i + 1 } else { i };
            (text[..keep].to_string(), Some(text[i + 1..].to_string()))
        }
        _ => (cut.clone(), Some(text[cut.len()..].to_string())),
    }
}

fn draw_legend<DB: DrawingBackend>(
    c: &TimeChart,
    above: &[Option<f64>],
    area: &DrawingArea<DB, Shift>,
    height: u32,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let mut y = 52;
    for (idx, s) in c.series.iter().enumerate() {
        if y as u32 > height.saturating_sub(20) {
            break;
        }
        let col = s.colour.unwrap_or_else(|| colour(idx));
        match s.kind {
            SeriesKind::Line => area.draw(&PathElement::new(
                vec![(6, y + 7), (30, y + 7)],
                col.stroke_width(3),
            )),
            SeriesKind::Limit => {
                area.draw(&PathElement::new(
                    vec![(6, y + 7), (14, y + 7)],
                    col.stroke_width(3),
                ))
                .map_err(err)?;
                area.draw(&PathElement::new(
                    vec![(20, y + 7), (30, y + 7)],
                    col.stroke_width(3),
                ))
            }
            SeriesKind::Stacked => area.draw(&Rectangle::new(
                [(6, y), (30, y + 14)],
                col.mix(0.75).filled(),
            )),
        }
        .map_err(err)?;
        let name = match above.get(idx).copied().flatten() {
            Some(v) => format!("{} {} (above the chart)", s.name, thousands(v)),
            None => s.name.clone(),
        };
        let (first, rest) = wrap(&name, 40);
        area.draw(&Text::new(first, (38, y), (FONT, 13).into_font()))
            .map_err(err)?;
        if let Some(rest) = rest {
            y += 16;
            area.draw(&Text::new(rest, (38, y), (FONT, 13).into_font()))
                .map_err(err)?;
        }
        y += 22;
    }
    let red = RGBColor(200, 0, 0);
    for (i, m) in c.marks.iter().enumerate() {
        if y as u32 > height.saturating_sub(20) {
            break;
        }
        let text = format!(
            "{} {}  {}",
            i + 1,
            time_label(m.at, c.start_weekday),
            m.label
        );
        // Long labels wrap once at a word boundary.
        let (first, rest) = wrap(&text, 44);
        area.draw(&Text::new(
            first,
            (6, y),
            (FONT, 12).into_font().color(&red),
        ))
        .map_err(err)?;
        y += 17;
        if let Some(rest) = rest {
            area.draw(&Text::new(
                format!("    {rest}"),
                (6, y),
                (FONT, 12).into_font().color(&red),
            ))
            .map_err(err)?;
            y += 17;
        }
    }
    Ok(())
}

/// `12345.0` → `12,345`; fractions keep two decimals below 10.
pub fn thousands(v: f64) -> String {
    if v.abs() < 10.0 && v.fract() != 0.0 {
        return format!("{v:.2}");
    }
    let n = v.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn draw_heatmap<DB: DrawingBackend>(
    m: &Heatmap,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(err)?;
    let cols = m.columns.len().max(1);
    let rows = m.rows.len().max(1);
    let longest_row = m.rows.iter().map(|r| r.chars().count()).max().unwrap_or(4) as u32;
    let (main, legend) = root.split_horizontally(root.dim_in_pixel().0.saturating_sub(230));
    let mut chart = ChartBuilder::on(&main)
        .caption(&m.title, (FONT, 22).into_font().style(FontStyle::Bold))
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size((longest_row * 8 + 20).min(320))
        .build_cartesian_2d(0f64..cols as f64, 0f64..rows as f64)
        .map_err(err)?;
    let col_names = m.columns.clone();
    let row_names = m.rows.clone();
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(&m.x_label)
        .y_desc(&m.y_label)
        .x_labels(cols * 2 + 1)
        .y_labels(rows * 2 + 1)
        .x_label_formatter(&move |x| label_at(&col_names, *x))
        .y_label_formatter(&move |y| label_at(&row_names, rows as f64 - *y))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .draw()
        .map_err(err)?;
    let palette: Vec<RGBColor> = m
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| category_colour(c, i))
        .collect();
    for (r, row) in m.cells.iter().enumerate() {
        for (c, &cat) in row.iter().enumerate() {
            let y0 = (rows - 1 - r) as f64;
            let col = palette[cat % palette.len()];
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(c as f64 + 0.03, y0 + 0.04), (c as f64 + 0.97, y0 + 0.96)],
                    col.filled(),
                )))
                .map_err(err)?;
            let name = m.categories.get(cat).cloned().unwrap_or_default();
            chart
                .draw_series(std::iter::once(Text::new(
                    name,
                    (c as f64 + 0.06, y0 + 0.55),
                    (FONT, 12).into_font().color(&text_on(col)),
                )))
                .map_err(err)?;
        }
    }
    // Legend in its own area to the right: never over the cells.
    legend.fill(&WHITE).map_err(err)?;
    for (i, name) in m.categories.iter().enumerate() {
        let y = 70 + i as i32 * 26;
        legend
            .draw(&Rectangle::new(
                [(10, y), (30, y + 16)],
                palette[i % palette.len()].filled(),
            ))
            .map_err(err)?;
        legend
            .draw(&Text::new(
                name.clone(),
                (38, y + 2),
                (FONT, 13).into_font(),
            ))
            .map_err(err)?;
    }
    Ok(())
}

/// The category label for a tick at the middle of a cell, empty elsewhere.
fn label_at(names: &[String], v: f64) -> String {
    let f = v - v.floor();
    if (f - 0.5).abs() < 0.01 {
        names.get(v.floor() as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// Heatmap colours by meaning: reachable is green, traffic that bypasses the VPN (not a gap) is
/// light blue, a partial reach is amber, and each failing reason gets its own warm colour.
fn category_colour(name: &str, index: usize) -> RGBColor {
    const FAILING: [RGBColor; 5] = [
        RGBColor(213, 94, 0),
        RGBColor(204, 121, 167),
        RGBColor(150, 40, 40),
        RGBColor(120, 120, 120),
        RGBColor(170, 90, 160),
    ];
    match name {
        "reachable" => RGBColor(0, 158, 115),
        "bypasses-vpn" => RGBColor(86, 180, 233),
        n if n.starts_with("partly") => RGBColor(230, 159, 0),
        _ => FAILING[index % FAILING.len()],
    }
}

fn text_on(bg: RGBColor) -> RGBColor {
    let l = 0.299 * bg.0 as f64 + 0.587 * bg.1 as f64 + 0.114 * bg.2 as f64;
    if l > 150.0 {
        BLACK
    } else {
        WHITE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_far_above_the_data_do_not_squash_it() {
        // 8,000 live connections against a 36,500 limit: the axis follows the data.
        assert_eq!(axis_top(8_000.0, 36_500.0), 8_000.0);
        // A limit within reach stays on the chart, so headroom can be read off it.
        assert_eq!(axis_top(8_000.0, 10_000.0), 10_000.0);
        assert_eq!(axis_top(0.0, 20_000.0), 20_000.0);
        // The part of a limit above the axis is not drawn; what is below is.
        let pts = [(0, 5.0), (1, 50.0), (2, 50.0), (3, 5.0), (4, 6.0)];
        assert_eq!(
            visible_runs(&pts, 0, 10, 10.0),
            vec![vec![(0, 5.0)], vec![(3, 5.0), (4, 6.0)]]
        );
        assert_eq!(
            visible_runs(&pts, 2, 3, 100.0),
            vec![vec![(2, 50.0), (3, 5.0)]]
        );
    }

    #[test]
    fn a_limit_crosses_a_zoomed_window() {
        let pts = [(0, 100.0), (1000, 100.0)];
        assert_eq!(
            visible_runs(&pts, 200, 800, 150.0),
            vec![vec![(200, 100.0), (800, 100.0)]]
        );
        // Points inside are kept; the edges carry the value in force.
        let steps = [(0, 1.0), (300, 2.0), (600, 3.0), (900, 4.0)];
        assert_eq!(
            visible_runs(&steps, 200, 800, 10.0),
            vec![vec![(200, 1.0), (300, 2.0), (600, 3.0), (800, 3.0)]]
        );
        assert!(
            visible_runs(&pts, 200, 800, 50.0).is_empty(),
            "above the axis"
        );
    }

    fn sample(limit: f64) -> TimeChart {
        TimeChart {
            title: "Live connections".into(),
            y_label: "connections".into(),
            from: 0,
            duration: 2 * DAY,
            start_weekday: crate::model::Weekday::Mon,
            series: vec![
                Series {
                    name: "subnet-a".into(),
                    points: (0..48)
                        .map(|h| (h * HOUR, (h % 24) as f64 * 100.0))
                        .collect(),
                    kind: SeriesKind::Line,
                    colour: None,
                },
                Series {
                    name: "limit".into(),
                    points: vec![(0, limit), (2 * DAY, limit)],
                    kind: SeriesKind::Limit,
                    colour: None,
                },
            ],
            marks: vec![Mark {
                at: 30 * HOUR,
                label: "AZ outage".into(),
            }],
        }
    }

    #[test]
    fn png_is_a_png_and_depends_on_the_data() {
        let a = time_png(&sample(3000.0), SIZE).unwrap();
        assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n");
        let b = time_png(&sample(1500.0), SIZE).unwrap();
        assert_ne!(a, b, "a different limit must change the picture");
        assert_eq!(
            a,
            time_png(&sample(3000.0), SIZE).unwrap(),
            "rendering is deterministic"
        );
    }

    #[test]
    fn svg_has_the_title_and_changes_with_data() {
        let a = time_svg(&sample(3000.0), SIZE).unwrap();
        assert!(a.starts_with("<svg") && a.contains("Live connections"));
        assert_ne!(a, time_svg(&sample(1000.0), SIZE).unwrap());
    }

    #[test]
    fn heatmap_renders() {
        let m = Heatmap {
            title: "Reachability".into(),
            x_label: "landing association".into(),
            y_label: "population → network".into(),
            columns: vec!["subnet-a".into(), "subnet-b".into()],
            rows: vec!["eng → on-prem".into(), "eng → vpc".into()],
            cells: vec![vec![0, 1], vec![0, 0]],
            categories: vec!["reachable".into(), "no-route-on-landing-subnet".into()],
        };
        let png = heatmap_png(&m, SIZE).unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
        let mut m2 = m.clone();
        m2.cells[1][1] = 1;
        assert_ne!(png, heatmap_png(&m2, SIZE).unwrap());
        assert!(heatmap_svg(&m, SIZE).unwrap().contains("subnet-b"));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(126000.0), "126,000");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(2.5), "2.50");
    }
}

/// (mean, low, high) of one point; NaN where unknown.
pub type Whisker = (f64, f64, f64);

/// A series of a [`CategoryChart`]: its name and one point per category.
pub type CategorySeries = (String, Vec<Whisker>);

/// A figure against the values of one varied key: a line per series, with 95 % whiskers.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub categories: Vec<String>,
    /// (series name, per category: (mean, low, high); NaN where unknown).
    pub series: Vec<CategorySeries>,
}

fn draw_category<DB: DrawingBackend>(
    c: &CategoryChart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (main, legend, height) = plot_and_legend(root)?;
    let finite = |x: f64| if x.is_finite() { Some(x) } else { None };
    let values = c
        .series
        .iter()
        .flat_map(|s| {
            s.1.iter()
                .flat_map(|p| [finite(p.0), finite(p.1), finite(p.2)])
        })
        .flatten();
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (y0, y1) = (
        if lo < 0.0 { lo - 0.1 * span } else { 0.0 },
        hi + 0.12 * span,
    );
    let n = c.categories.len().max(1);
    let names = c.categories.clone();
    let mut chart = ChartBuilder::on(&main)
        .caption(&c.title, (FONT, 20).into_font().style(FontStyle::Bold))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(78)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(&c.x_label)
        .y_desc(&c.y_label)
        .x_labels(n * 2 + 1)
        .x_label_formatter(&move |x| {
            let r = x.round();
            if (x - r).abs() < 0.01 && r >= 0.0 {
                names.get(r as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| thousands(*y))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(err)?;
    for (i, (_, pts)) in c.series.iter().enumerate() {
        let col = colour(i);
        // Offset series a little so whiskers do not overlap.
        let dx = (i as f64 - (c.series.len() as f64 - 1.0) / 2.0) * 0.06;
        let line: Vec<(f64, f64)> = pts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.0.is_finite())
            .map(|(x, p)| (x as f64 + dx, p.0))
            .collect();
        chart
            .draw_series(LineSeries::new(line.clone(), col.stroke_width(2)))
            .map_err(err)?;
        chart
            .draw_series(line.iter().map(|&p| Circle::new(p, 4, col.filled())))
            .map_err(err)?;
        for (x, p) in pts.iter().enumerate() {
            if p.1.is_finite() && p.2.is_finite() {
                let x = x as f64 + dx;
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x, p.1), (x, p.2)],
                        col.stroke_width(1),
                    )))
                    .map_err(err)?;
            }
        }
    }
    let mut y = 52;
    for (i, (name, _)) in c.series.iter().enumerate() {
        if y as u32 > height.saturating_sub(20) {
            break;
        }
        legend
            .draw(&PathElement::new(
                vec![(6, y + 7), (30, y + 7)],
                colour(i).stroke_width(3),
            ))
            .map_err(err)?;
        legend
            .draw(&Text::new(name.clone(), (38, y), (FONT, 13).into_font()))
            .map_err(err)?;
        y += 22;
    }
    legend
        .draw(&Text::new(
            "bars: 95 % confidence",
            (6, y + 8),
            (FONT, 12).into_font(),
        ))
        .map_err(err)?;
    Ok(())
}
