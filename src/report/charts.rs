//! The report's charts, drawn with `plotters` into SVG. Each function takes plain data
//! (already aggregated: a few hundred points at most, never one element per
//! replication) and returns an [`Svg`] with a title and a description for screen
//! readers. They know nothing of result files, so other front ends can draw the same
//! charts from the same data.
//!
//! Every chart has a title, axis labels with units (or, for the platform graph, a key
//! saying what sizes mean) and a legend below the plot. Series differ by line style and
//! marker as well as by colour, so a chart reads in black and white.

use std::fmt::Write as _;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::{DashedPathElement, Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A drawn chart: standalone SVG markup, with its accessible title and description.
#[derive(Debug, Clone, PartialEq)]
pub struct Svg {
    /// A short identifier, unique within a report (used for element ids and file names).
    pub id: String,
    pub title: String,
    /// What the chart shows, in words (the SVG's `<desc>`).
    pub desc: String,
    /// The SVG document (with its namespace), `<title>` and `<desc>` included.
    pub markup: String,
}

impl Svg {
    /// The markup to place inside an HTML page (the namespace attribute is implied there).
    pub fn inline(&self) -> String {
        self.markup
            .replacen(r#" xmlns="http://www.w3.org/2000/svg""#, "", 1)
    }
}

/// Why a chart could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot draw chart `{chart}`: {message}")]
pub struct ChartError {
    pub chart: String,
    pub message: String,
}

/// What every chart is given besides its data.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub id: String,
    pub title: String,
    pub desc: String,
    /// Axis labels, with units.
    pub x_label: String,
    pub y_label: String,
}

impl Frame {
    pub fn new(id: &str, title: &str, x_label: &str, y_label: &str) -> Self {
        Frame {
            id: id.into(),
            title: title.into(),
            desc: String::new(),
            x_label: x_label.into(),
            y_label: y_label.into(),
        }
    }

    pub fn described(mut self, desc: impl Into<String>) -> Self {
        self.desc = desc.into();
        self
    }
}

/// How a line is dashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dash {
    Solid,
    Dashed,
    Dotted,
    LongDash,
}

/// A point marker's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Triangle,
    Square,
    Cross,
    Diamond,
    Ring,
}

/// How one series is drawn: colour, dash and marker together, so that any one of them
/// tells the series apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesStyle {
    pub color: RGBColor,
    pub dash: Dash,
    pub marker: Marker,
}

/// Colours that stay distinct for common colour-vision deficiencies (Okabe–Ito, darkened
/// where a light one would vanish on white).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(213, 94, 0),
    RGBColor(0, 114, 178),
    RGBColor(0, 128, 96),
    RGBColor(204, 121, 167),
    RGBColor(150, 110, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
];
const DASHES: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::LongDash];
const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Cross,
    Marker::Diamond,
    Marker::Ring,
];

/// The style of the `i`-th series of a chart.
pub fn series_style(i: usize) -> SeriesStyle {
    SeriesStyle {
        color: PALETTE[i % PALETTE.len()],
        dash: DASHES[i % DASHES.len()],
        marker: MARKERS[i % MARKERS.len()],
    }
}

/// Fills for bars, light to dark and each a different grey in print.
const FILLS: [RGBColor; 6] = [
    RGBColor(20, 40, 90),
    RGBColor(230, 159, 0),
    RGBColor(140, 180, 220),
    RGBColor(255, 255, 255),
    RGBColor(90, 90, 90),
    RGBColor(0, 158, 115),
];

pub fn fill_color(i: usize) -> RGBColor {
    FILLS[i % FILLS.len()]
}

const FONT: &str = "sans-serif";
const WIDTH: u32 = 880;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn failed(frame: &Frame, e: impl std::fmt::Display) -> ChartError {
    ChartError {
        chart: frame.id.clone(),
        message: e.to_string(),
    }
}

/// Draw into an SVG of `size`, then add the title and description for screen readers.
fn draw(
    frame: &Frame,
    size: (u32, u32),
    paint: impl FnOnce(&Area<'_>) -> Result<(), String>,
) -> Result<Svg, ChartError> {
    let mut raw = String::new();
    {
        let root = SVGBackend::with_string(&mut raw, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(frame, e))?;
        paint(&root).map_err(|e| failed(frame, e))?;
        root.present().map_err(|e| failed(frame, e))?;
    }
    Ok(Svg {
        id: frame.id.clone(),
        title: frame.title.clone(),
        desc: frame.desc.clone(),
        markup: accessible(&raw, frame),
    })
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Mark the SVG as an image labelled by its `<title>` and `<desc>`, placed first inside it.
fn accessible(raw: &str, frame: &Frame) -> String {
    let id = xml_escape(&frame.id);
    let head = format!(r#"<svg role="img" aria-labelledby="{id}-title {id}-desc" "#);
    let body = raw.strip_prefix("<svg ").unwrap_or(raw);
    let Some(end) = body.find('>') else {
        return raw.to_string();
    };
    let (attrs, rest) = body.split_at(end + 1);
    let mut out = String::with_capacity(raw.len() + 256);
    out.push_str(&head);
    out.push_str(attrs);
    let _ = write!(
        out,
        "\n<title id=\"{id}-title\">{}</title>\n<desc id=\"{id}-desc\">{}</desc>",
        xml_escape(&frame.title),
        xml_escape(&frame.desc)
    );
    out.push_str(rest);
    out
}

/// Text of `size` pixels (plotters' SVG backend writes 1/1.24 of the size it is given).
fn text_style(size: u32) -> TextStyle<'static> {
    (FONT, f64::from(size) * 1.24).into_font().color(&BLACK)
}

/// A short axis label for a number: `950`, `12k`, `1.2M`.
pub fn compact(x: f64) -> String {
    let a = x.abs();
    if a >= 1e6 {
        format!("{:.1}M", x / 1e6).replace(".0M", "M")
    } else if a >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", x / 1e3).replace(".0k", "k")
    } else if a >= 10.0 || x == x.round() {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// A legend entry's swatch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Swatch {
    Line(SeriesStyle),
    /// A shaded band (`color` at low opacity).
    Band(RGBColor),
    /// A filled box (white ones get an outline).
    Fill(RGBColor),
    Point(Marker, RGBColor),
}

/// One legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendItem {
    pub swatch: Swatch,
    pub label: String,
}

const LEGEND_ROW: i32 = 24;

/// Rows the legend takes at this width (entries are laid out left to right).
fn legend_rows(items: &[LegendItem], width: u32) -> u32 {
    let mut rows = 1;
    let mut x = 10;
    for item in items {
        let w = item_width(item);
        if x + w > width as i32 - 10 && x > 10 {
            rows += 1;
            x = 10;
        }
        x += w;
    }
    if items.is_empty() { 0 } else { rows }
}

fn item_width(item: &LegendItem) -> i32 {
    // The naive text estimate plotters uses for SVG, a little generous.
    44 + (item.label.chars().count() as i32 * 8) + 20
}

/// Apply `$draw` to the marker element of `$kind` at `$at` (each shape its own type, so
/// the caller's draw call is expanded once per shape).
macro_rules! with_marker {
    ($kind:expr, $at:expr, $color:expr, |$e:ident| $draw:expr) => {{
        let color: RGBColor = $color;
        let fill = color.filled();
        let edge = color.stroke_width(2);
        match $kind {
            Marker::Circle => {
                let $e = EmptyElement::at($at) + Circle::new((0, 0), 4, fill);
                $draw
            }
            Marker::Ring => {
                let $e = EmptyElement::at($at) + Circle::new((0, 0), 4, edge);
                $draw
            }
            Marker::Triangle => {
                let $e = EmptyElement::at($at) + Polygon::new(vec![(0, -5), (5, 4), (-5, 4)], fill);
                $draw
            }
            Marker::Square => {
                let $e = EmptyElement::at($at) + Rectangle::new([(-4, -4), (4, 4)], fill);
                $draw
            }
            Marker::Cross => {
                let $e = EmptyElement::at($at)
                    + PathElement::new(vec![(-5, -5), (5, 5)], edge)
                    + PathElement::new(vec![(-5, 5), (5, -5)], edge);
                $draw
            }
            Marker::Diamond => {
                let $e = EmptyElement::at($at)
                    + Polygon::new(vec![(0, -6), (5, 0), (0, 6), (-5, 0)], fill);
                $draw
            }
        }
    }};
}

/// Markers of one shape at `points`.
fn draw_markers(
    c: &mut Chart<'_>,
    kind: Marker,
    points: &[(f64, f64)],
    color: RGBColor,
) -> Result<(), String> {
    for &p in points {
        with_marker!(kind, p, color, |m| c
            .draw_series(std::iter::once(m))
            .map(|_| ())
            .map_err(|e| e.to_string()))?;
    }
    Ok(())
}

fn area_marker(
    area: &Area<'_>,
    kind: Marker,
    at: (i32, i32),
    color: RGBColor,
) -> Result<(), String> {
    with_marker!(kind, at, color, |m| area
        .draw(&m)
        .map_err(|e| e.to_string()))
}

/// Width in pixels of the axis area that holds the category labels: about 9 px a
/// character of the longest label, kept between 6 and `max_chars` characters.
fn label_area_width<'a>(labels: impl Iterator<Item = &'a str>, max_chars: usize) -> u32 {
    labels
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(6, max_chars) as u32
        * 9
        + 20
}

/// Draw the legend into `area`.
fn draw_legend(area: &Area<'_>, items: &[LegendItem]) -> Result<(), String> {
    let (w, _) = area.dim_in_pixel();
    let mut x = 10;
    let mut y = LEGEND_ROW / 2 + 2;
    for item in items {
        let iw = item_width(item);
        if x + iw > w as i32 - 10 && x > 10 {
            x = 10;
            y += LEGEND_ROW;
        }
        let e = |r: Result<(), DrawingAreaErrorKind<std::io::Error>>| r.map_err(|e| e.to_string());
        match item.swatch {
            Swatch::Line(s) => {
                let pts = vec![(x, y), (x + 36, y)];
                let stroke = s.color.stroke_width(2);
                match s.dash {
                    Dash::Solid => e(area.draw(&PathElement::new(pts, stroke)))?,
                    d => {
                        let (len, gap) = dash_pattern(d);
                        e(area.draw(&DashedPathElement::new(pts, len, gap, stroke)))?
                    }
                }
                area_marker(area, s.marker, (x + 18, y), s.color)?;
            }
            Swatch::Band(c) => {
                e(area.draw(&Rectangle::new(
                    [(x, y - 7), (x + 36, y + 7)],
                    c.mix(0.18).filled(),
                )))?;
            }
            Swatch::Fill(c) => {
                e(area.draw(&Rectangle::new(
                    [(x + 6, y - 7), (x + 30, y + 7)],
                    c.filled(),
                )))?;
                e(area.draw(&Rectangle::new(
                    [(x + 6, y - 7), (x + 30, y + 7)],
                    BLACK.stroke_width(1),
                )))?;
            }
            Swatch::Point(m, c) => area_marker(area, m, (x + 18, y), c)?,
        }
        e(area.draw(&Text::new(
            item.label.clone(),
            (x + 44, y),
            text_style(14).pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
        x += iw;
    }
    Ok(())
}

fn dash_pattern(d: Dash) -> (u32, u32) {
    match d {
        Dash::Solid => (1, 0),
        Dash::Dashed => (8, 5),
        Dash::Dotted => (2, 4),
        Dash::LongDash => (16, 6),
    }
}

/// A series of a band chart: a middle line (median or mean) and, optionally, a band.
#[derive(Debug, Clone, PartialEq)]
pub struct BandSeries {
    pub label: String,
    /// (x, middle, low, high), in x order.
    pub points: Vec<(f64, f64, f64, f64)>,
    /// Whether to shade low–high.
    pub band: bool,
}

/// Where a legend goes: below the plot always; this only names the band's meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct BandChart {
    pub frame: Frame,
    pub series: Vec<BandSeries>,
    /// What the shaded band is, for the legend ("middle 90% of runs (p05–p95)").
    pub band_label: Option<String>,
    /// Format x tick labels (e.g. hours).
    pub x_max: Option<f64>,
}

/// Lines with optional shaded bands, one style per series.
pub fn band_lines(chart: &BandChart) -> Result<Svg, ChartError> {
    let frame = &chart.frame;
    let mut items: Vec<LegendItem> = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| LegendItem {
            swatch: Swatch::Line(series_style(i)),
            label: s.label.clone(),
        })
        .collect();
    if chart.series.iter().any(|s| s.band)
        && let Some(b) = &chart.band_label
    {
        items.push(LegendItem {
            swatch: Swatch::Band(RGBColor(60, 60, 60)),
            label: b.clone(),
        });
    }
    let rows = legend_rows(&items, WIDTH);
    let height = 400 + rows * LEGEND_ROW as u32;
    let all = chart.series.iter().flat_map(|s| s.points.iter());
    let x_max = chart
        .x_max
        .unwrap_or_else(|| all.clone().map(|p| p.0).fold(0.0, f64::max))
        .max(1e-9);
    let y_max = chart
        .series
        .iter()
        .flat_map(|s| {
            s.points
                .iter()
                .map(move |p| if s.band { p.3.max(p.1) } else { p.1 })
        })
        .fold(0.0, f64::max);
    let y_max = if y_max > 0.0 { y_max * 1.05 } else { 1.0 };
    draw(frame, (WIDTH, height), |root| {
        let (plot, legend) = root.split_vertically(400);
        let mut c = ChartBuilder::on(&plot)
            .caption(&frame.title, text_style(22))
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..x_max, 0f64..y_max)
            .map_err(|e| e.to_string())?;
        c.configure_mesh()
            .x_desc(&frame.x_label)
            .y_desc(&frame.y_label)
            .axis_desc_style(text_style(16))
            .label_style(text_style(15))
            .x_label_formatter(&|x| compact(*x))
            .y_label_formatter(&|y| compact(*y))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, s) in chart.series.iter().enumerate() {
            if !s.band || s.points.len() < 2 {
                continue;
            }
            let style = series_style(i);
            let mut poly: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.3)).collect();
            poly.extend(s.points.iter().rev().map(|p| (p.0, p.2)));
            c.draw_series(std::iter::once(Polygon::new(
                poly,
                style.color.mix(0.14).filled(),
            )))
            .map_err(|e| e.to_string())?;
        }
        for (i, s) in chart.series.iter().enumerate() {
            let style = series_style(i);
            let line: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.1)).collect();
            let stroke = style.color.stroke_width(2);
            match style.dash {
                Dash::Solid => {
                    c.draw_series(std::iter::once(PathElement::new(line.clone(), stroke)))
                        .map_err(|e| e.to_string())?;
                }
                d => {
                    let (len, gap) = dash_pattern(d);
                    c.draw_series(std::iter::once(DashedPathElement::new(
                        line.clone(),
                        len,
                        gap,
                        stroke,
                    )))
                    .map_err(|e| e.to_string())?;
                }
            }
            // About eight markers a line, staggered between series so they do not hide
            // one another.
            let every = (line.len() / 8).max(1);
            let offset = (i * every.max(2) / 3) % every;
            let marked: Vec<(f64, f64)> = line
                .iter()
                .enumerate()
                .filter(|(k, _)| k % every == offset)
                .map(|(_, &p)| p)
                .collect();
            draw_markers(&mut c, style.marker, &marked, style.color)?;
        }
        draw_legend(&legend, &items)
    })
}

/// One group of bars (a variant), one bar per category (a channel).
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    pub label: String,
    /// One value per category; `None`: not measured (no bar).
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub frame: Frame,
    /// The categories, in bar order within each group.
    pub categories: Vec<String>,
    pub groups: Vec<BarGroup>,
}

/// Horizontal grouped bars: a band of bars per group, labelled with their values.
pub fn grouped_bars(chart: &BarChart) -> Result<Svg, ChartError> {
    let frame = &chart.frame;
    let k = chart.categories.len().max(1);
    let n = chart.groups.len().max(1);
    let items: Vec<LegendItem> = chart
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| LegendItem {
            swatch: Swatch::Fill(fill_color(i)),
            label: c.clone(),
        })
        .collect();
    let rows = legend_rows(&items, WIDTH);
    let bar_px = 16;
    let plot_h = (n * (k * bar_px + 18)) as u32 + 110;
    let height = plot_h + rows * LEGEND_ROW as u32;
    let x_max = chart
        .groups
        .iter()
        .flat_map(|g| g.values.iter().flatten())
        .fold(0.0, |a: f64, &b| a.max(b));
    let x_max = if x_max > 0.0 { x_max * 1.15 } else { 1.0 };
    let label_w = label_area_width(chart.groups.iter().map(|g| g.label.as_str()), 28);
    draw(frame, (WIDTH, height), |root| {
        let (plot, legend) = root.split_vertically(plot_h);
        let mut c = ChartBuilder::on(&plot)
            .caption(&frame.title, text_style(22))
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(label_w)
            .build_cartesian_2d(0f64..x_max, 0f64..n as f64)
            .map_err(|e| e.to_string())?;
        let labels: Vec<String> = chart.groups.iter().map(|g| g.label.clone()).collect();
        c.configure_mesh()
            .x_desc(&frame.x_label)
            .y_desc(&frame.y_label)
            .axis_desc_style(text_style(16))
            .label_style(text_style(15))
            .x_label_formatter(&|x| compact(*x))
            .y_labels(0)
            .disable_y_mesh()
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(|e| e.to_string())?;
        category_labels(&plot, &c, &labels)?;
        let slot = 0.8 / k as f64;
        for (g, group) in chart.groups.iter().enumerate() {
            let top = (n - 1 - g) as f64 + 0.9;
            for (j, v) in group.values.iter().enumerate() {
                let Some(v) = *v else { continue };
                let y1 = top - j as f64 * slot;
                let y0 = y1 - slot * 0.92;
                let fill = fill_color(j);
                c.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y0), (v, y1)],
                    fill.filled(),
                )))
                .map_err(|e| e.to_string())?;
                c.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y0), (v, y1)],
                    BLACK.stroke_width(1),
                )))
                .map_err(|e| e.to_string())?;
                c.draw_series(std::iter::once(
                    EmptyElement::at((v, (y0 + y1) / 2.0))
                        + Text::new(
                            compact_value(v),
                            (5, 0),
                            text_style(14).pos(Pos::new(HPos::Left, VPos::Center)),
                        ),
                ))
                .map_err(|e| e.to_string())?;
            }
        }
        draw_legend(&legend, &items)
    })
}

/// A value label on a bar: one decimal under 100.
fn compact_value(v: f64) -> String {
    if v.abs() < 100.0 && v != v.round() {
        format!("{v:.1}")
    } else {
        compact(v)
    }
}

/// One row of a range chart: a distribution summarised by its quantiles.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeRow {
    pub label: String,
    pub p05: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    /// Which marker (and colour) the row uses: rows of one kind share it.
    pub kind: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RangeChart {
    pub frame: Frame,
    pub rows: Vec<RangeRow>,
    /// Legend label of each kind (by `RangeRow::kind`).
    pub kinds: Vec<String>,
    pub x_max: Option<f64>,
}

/// Horizontal ranges: a thin line from p05 to p95, a box from p25 to p75, a marker at
/// the median.
pub fn ranges(chart: &RangeChart) -> Result<Svg, ChartError> {
    let frame = &chart.frame;
    let n = chart.rows.len().max(1);
    let mut items: Vec<LegendItem> = chart
        .kinds
        .iter()
        .enumerate()
        .filter(|(i, _)| chart.rows.iter().any(|r| r.kind == *i))
        .map(|(i, k)| {
            let s = series_style(i);
            LegendItem {
                swatch: Swatch::Point(s.marker, s.color),
                label: format!("{k}: median"),
            }
        })
        .collect();
    items.push(LegendItem {
        swatch: Swatch::Fill(RGBColor(220, 220, 220)),
        label: "box: middle half of runs (p25–p75); line: middle 90% (p05–p95)".into(),
    });
    let rows = legend_rows(&items, WIDTH);
    let plot_h = (n as u32 * 34 + 130).max(180);
    let height = plot_h + rows * LEGEND_ROW as u32;
    let x_max = chart
        .x_max
        .unwrap_or_else(|| chart.rows.iter().map(|r| r.p95).fold(0.0, f64::max) * 1.05)
        .max(1e-9);
    let label_w = label_area_width(chart.rows.iter().map(|r| r.label.as_str()), 36);
    draw(frame, (WIDTH, height), |root| {
        let (plot, legend) = root.split_vertically(plot_h);
        let mut c = ChartBuilder::on(&plot)
            .caption(&frame.title, text_style(22))
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(label_w)
            .build_cartesian_2d(0f64..x_max, 0f64..n as f64)
            .map_err(|e| e.to_string())?;
        let labels: Vec<String> = chart.rows.iter().map(|r| r.label.clone()).collect();
        c.configure_mesh()
            .x_desc(&frame.x_label)
            .y_desc(&frame.y_label)
            .axis_desc_style(text_style(16))
            .label_style(text_style(15))
            .x_label_formatter(&|x| compact(*x))
            .y_labels(0)
            .disable_y_mesh()
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(|e| e.to_string())?;
        category_labels(&plot, &c, &labels)?;
        for (i, r) in chart.rows.iter().enumerate() {
            let y = (n - 1 - i) as f64 + 0.5;
            let s = series_style(r.kind);
            c.draw_series(std::iter::once(PathElement::new(
                vec![(r.p05, y), (r.p95, y)],
                BLACK.stroke_width(2),
            )))
            .map_err(|e| e.to_string())?;
            c.draw_series(std::iter::once(Rectangle::new(
                [(r.p25, y - 0.25), (r.p75, y + 0.25)],
                RGBColor(220, 220, 220).filled(),
            )))
            .map_err(|e| e.to_string())?;
            c.draw_series(std::iter::once(Rectangle::new(
                [(r.p25, y - 0.25), (r.p75, y + 0.25)],
                BLACK.stroke_width(1),
            )))
            .map_err(|e| e.to_string())?;
            draw_markers(&mut c, s.marker, &[(r.p50, y)], s.color)?;
        }
        draw_legend(&legend, &items)
    })
}

/// Something on a timeline: a moment, or a range with a moment inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub at: f64,
    /// A short tag drawn beside the marker (a number that a table explains).
    pub tag: String,
    /// A range around `at` (e.g. p05–p95 across runs).
    pub range: Option<(f64, f64)>,
}

/// One lane of a timeline (injects, decisions, a protocol's milestones).
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    pub label: String,
    pub marks: Vec<Mark>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineChart {
    pub frame: Frame,
    pub lanes: Vec<Lane>,
    pub x_max: f64,
}

/// Lanes of markers along a time axis, each marker tagged; ranges as bars behind them.
pub fn timeline(chart: &TimelineChart) -> Result<Svg, ChartError> {
    let frame = &chart.frame;
    let n = chart.lanes.len().max(1);
    let mut items: Vec<LegendItem> = chart
        .lanes
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let s = series_style(i);
            LegendItem {
                swatch: Swatch::Point(s.marker, s.color),
                label: l.label.clone(),
            }
        })
        .collect();
    if chart
        .lanes
        .iter()
        .any(|l| l.marks.iter().any(|m| m.range.is_some()))
    {
        items.push(LegendItem {
            swatch: Swatch::Fill(RGBColor(200, 200, 200)),
            label: "bar: middle 90% of runs (p05–p95)".into(),
        });
    }
    let rows = legend_rows(&items, WIDTH);
    let plot_h = (n as u32 * 70 + 110).max(220);
    let height = plot_h + rows * LEGEND_ROW as u32;
    let x_max = chart.x_max.max(1e-9);
    let label_w = label_area_width(chart.lanes.iter().map(|l| l.label.as_str()), 30);
    draw(frame, (WIDTH, height), |root| {
        let (plot, legend) = root.split_vertically(plot_h);
        let mut c = ChartBuilder::on(&plot)
            .caption(&frame.title, text_style(22))
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(label_w)
            .build_cartesian_2d(0f64..x_max, 0f64..n as f64)
            .map_err(|e| e.to_string())?;
        let labels: Vec<String> = chart.lanes.iter().map(|l| l.label.clone()).collect();
        c.configure_mesh()
            .x_desc(&frame.x_label)
            .y_desc(&frame.y_label)
            .axis_desc_style(text_style(16))
            .label_style(text_style(15))
            .x_label_formatter(&|x| compact(*x))
            .y_labels(0)
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(|e| e.to_string())?;
        category_labels(&plot, &c, &labels)?;
        for (i, lane) in chart.lanes.iter().enumerate() {
            let y = (n - 1 - i) as f64 + 0.5;
            let s = series_style(i);
            for (k, m) in lane.marks.iter().enumerate() {
                if let Some((lo, hi)) = m.range {
                    c.draw_series(std::iter::once(Rectangle::new(
                        [(lo, y - 0.12), (hi, y + 0.12)],
                        RGBColor(200, 200, 200).filled(),
                    )))
                    .map_err(|e| e.to_string())?;
                }
                draw_markers(&mut c, s.marker, &[(m.at, y)], s.color)?;
                // Tags alternate above and below the lane so neighbours do not collide.
                let dy = if k % 2 == 0 { -10 } else { 10 };
                let v = if k % 2 == 0 { VPos::Bottom } else { VPos::Top };
                c.draw_series(std::iter::once(
                    EmptyElement::at((m.at, y))
                        + Text::new(
                            m.tag.clone(),
                            (0, dy),
                            text_style(14).pos(Pos::new(HPos::Center, v)),
                        ),
                ))
                .map_err(|e| e.to_string())?;
            }
        }
        draw_legend(&legend, &items)
    })
}

/// A platform of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    pub label: String,
    /// What the node's area shows (views); 0 draws the smallest node.
    pub size: f64,
    /// A crisis-protocol member (drawn as a square, others as circles).
    pub member: bool,
}

/// A link between platforms.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphEdge {
    pub from: usize,
    pub to: usize,
    /// What the line's width shows (onward uploads per hour).
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GraphChart {
    pub frame: Frame,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// What sizes and widths mean, for the key ("area: views per run").
    pub size_label: String,
    pub weight_label: String,
}

/// The platforms on a circle, links as arrows whose width grows with their rate, nodes
/// whose area grows with their size; protocol members as squares.
pub fn platform_graph(chart: &GraphChart) -> Result<Svg, ChartError> {
    let frame = &chart.frame;
    let n = chart.nodes.len().max(1);
    let items = vec![
        LegendItem {
            swatch: Swatch::Point(Marker::Square, RGBColor(20, 40, 90)),
            label: "protocol member".into(),
        },
        LegendItem {
            swatch: Swatch::Point(Marker::Ring, RGBColor(20, 40, 90)),
            label: "not a member".into(),
        },
        LegendItem {
            swatch: Swatch::Fill(RGBColor(255, 255, 255)),
            label: chart.size_label.clone(),
        },
        LegendItem {
            swatch: Swatch::Line(SeriesStyle {
                color: RGBColor(90, 90, 90),
                dash: Dash::Solid,
                marker: Marker::Triangle,
            }),
            label: chart.weight_label.clone(),
        },
    ];
    let rows = legend_rows(&items, WIDTH);
    let plot_h = 560;
    let height = plot_h + rows * LEGEND_ROW as u32;
    let max_size = chart.nodes.iter().map(|n| n.size).fold(0.0, f64::max);
    let max_w = chart.edges.iter().map(|e| e.weight).fold(0.0, f64::max);
    // Node radius in pixels: area proportional to size, 6 to 34 px.
    let radius = |s: f64| -> i32 {
        if max_size > 0.0 {
            (6.0 + 28.0 * (s / max_size).max(0.0).sqrt()).round() as i32
        } else {
            8
        }
    };
    let pos = |i: usize| -> (f64, f64) {
        let a = std::f64::consts::TAU * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
        (a.cos(), -a.sin())
    };
    draw(frame, (WIDTH, height), |root| {
        let (plot, legend) = root.split_vertically(plot_h);
        let c = ChartBuilder::on(&plot)
            .caption(&frame.title, text_style(22))
            .margin(16)
            .build_cartesian_2d(-1.9f64..1.9f64, -1.3f64..1.3f64)
            .map_err(|e| e.to_string())?;
        let area = c.plotting_area().clone();
        let px = |p: (f64, f64)| area.map_coordinate(&p);
        for e in &chart.edges {
            if e.from >= n || e.to >= n {
                continue;
            }
            if e.from == e.to {
                // Re-uploads on the platform itself: a loop outside the node.
                let (x, y) = pos(e.from);
                let at = px((x * 1.0, y));
                let r = radius(chart.nodes[e.from].size);
                let (ux, uy) = (x, -y);
                let reach = f64::from(r) * 1.45 + 10.0;
                let centre = (at.0 + (ux * reach) as i32, at.1 + (uy * reach) as i32);
                let width = if max_w > 0.0 {
                    (1.0 + 5.0 * (e.weight / max_w).sqrt()).round() as u32
                } else {
                    1
                };
                root_draw(
                    &plot,
                    &Circle::new(
                        centre,
                        10,
                        RGBColor(90, 90, 90).mix(0.8).stroke_width(width),
                    ),
                )?;
                continue;
            }
            let (a, b) = (px(pos(e.from)), px(pos(e.to)));
            let width = if max_w > 0.0 {
                (1.0 + 7.0 * (e.weight / max_w).sqrt()).round() as u32
            } else {
                1
            };
            let (dx, dy) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            let (ux, uy) = (dx / len, dy / len);
            // Offset to one side so that links both ways stay apart.
            let (ox, oy) = (-uy * 5.0, ux * 5.0);
            let ra = f64::from(radius(chart.nodes[e.from].size)) + 2.0;
            let rb = f64::from(radius(chart.nodes[e.to].size)) + 4.0;
            let start = (
                (a.0 as f64 + ux * ra + ox) as i32,
                (a.1 as f64 + uy * ra + oy) as i32,
            );
            let tip = (
                (b.0 as f64 - ux * rb + ox) as i32,
                (b.1 as f64 - uy * rb + oy) as i32,
            );
            let head = 8.0 + f64::from(width);
            let base = (tip.0 as f64 - ux * head, tip.1 as f64 - uy * head);
            let left = (
                (base.0 - uy * head * 0.5) as i32,
                (base.1 + ux * head * 0.5) as i32,
            );
            let right = (
                (base.0 + uy * head * 0.5) as i32,
                (base.1 - ux * head * 0.5) as i32,
            );
            let grey = RGBColor(90, 90, 90);
            root_draw(
                &plot,
                &PathElement::new(
                    vec![start, (base.0 as i32, base.1 as i32)],
                    grey.mix(0.8).stroke_width(width),
                ),
            )?;
            root_draw(&plot, &Polygon::new(vec![tip, left, right], grey.filled()))?;
        }
        for (i, node) in chart.nodes.iter().enumerate() {
            let at = px(pos(i));
            let r = radius(node.size);
            let dark = RGBColor(20, 40, 90);
            if node.member {
                root_draw(
                    &plot,
                    &Rectangle::new(
                        [(at.0 - r, at.1 - r), (at.0 + r, at.1 + r)],
                        dark.mix(0.85).filled(),
                    ),
                )?;
            } else {
                root_draw(&plot, &Circle::new(at, r, WHITE.filled()))?;
                root_draw(&plot, &Circle::new(at, r, dark.stroke_width(3)))?;
            }
            let (x, _) = pos(i);
            let (h, dx) = if x > 0.2 {
                (HPos::Left, r + 6)
            } else if x < -0.2 {
                (HPos::Right, -r - 6)
            } else {
                (HPos::Left, r + 6)
            };
            root_draw(
                &plot,
                &Text::new(
                    node.label.clone(),
                    (at.0 + dx, at.1),
                    text_style(15).pos(Pos::new(h, VPos::Center)),
                ),
            )?;
        }
        draw_legend(&legend, &items)
    })
}

type Chart<'a> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Labels of a categorical y axis (category `i` centred at `n - 1 - i + 0.5`, top down),
/// drawn left of the plot.
fn category_labels(area: &Area<'_>, c: &Chart<'_>, labels: &[String]) -> Result<(), String> {
    let n = labels.len();
    let x0 = c.x_range().start;
    for (i, l) in labels.iter().enumerate() {
        let y = (n - 1 - i) as f64 + 0.5;
        let (px, py) = c.backend_coord(&(x0, y));
        root_draw(
            area,
            &Text::new(
                l.clone(),
                (px - 8, py),
                text_style(14).pos(Pos::new(HPos::Right, VPos::Center)),
            ),
        )?;
    }
    Ok(())
}

fn root_draw<'a, E>(area: &Area<'a>, e: &E) -> Result<(), String>
where
    for<'b> &'b E: PointCollection<'b, (i32, i32)>,
    E: Drawable<SVGBackend<'a>>,
{
    area.draw(e).map_err(|e| e.to_string())
}

/// One calibration target: how far the model is from it, in tolerances.
#[derive(Debug, Clone, PartialEq)]
pub struct FitPoint {
    pub label: String,
    /// (model − observed) / tolerance; within ±1 matches.
    pub error: f64,
    pub matched: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FitChart {
    pub frame: Frame,
    pub points: Vec<FitPoint>,
}

/// Each target's error in tolerances, with the ±1 band where the model matches.
pub fn fit_errors(chart: &FitChart) -> Result<Svg, ChartError> {
    let frame = &chart.frame;
    let n = chart.points.len().max(1);
    let items = vec![
        LegendItem {
            swatch: Swatch::Point(Marker::Circle, RGBColor(0, 114, 178)),
            label: "matches the target".into(),
        },
        LegendItem {
            swatch: Swatch::Point(Marker::Cross, RGBColor(213, 94, 0)),
            label: "does not match".into(),
        },
        LegendItem {
            swatch: Swatch::Band(RGBColor(0, 114, 178)),
            label: "within one tolerance".into(),
        },
    ];
    let rows = legend_rows(&items, WIDTH);
    let plot_h = (n as u32 * 30 + 120).max(220);
    let height = plot_h + rows * LEGEND_ROW as u32;
    let reach = chart
        .points
        .iter()
        .map(|p| p.error.abs())
        .filter(|e| e.is_finite())
        .fold(2.0, f64::max)
        * 1.1;
    let label_w = label_area_width(chart.points.iter().map(|p| p.label.as_str()), 36);
    draw(frame, (WIDTH, height), |root| {
        let (plot, legend) = root.split_vertically(plot_h);
        let mut c = ChartBuilder::on(&plot)
            .caption(&frame.title, text_style(22))
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(label_w)
            .build_cartesian_2d(-reach..reach, 0f64..n as f64)
            .map_err(|e| e.to_string())?;
        let labels: Vec<String> = chart.points.iter().map(|p| p.label.clone()).collect();
        c.configure_mesh()
            .x_desc(&frame.x_label)
            .y_desc(&frame.y_label)
            .axis_desc_style(text_style(16))
            .label_style(text_style(15))
            .x_label_formatter(&|x| format!("{x:+.0}"))
            .y_labels(0)
            .disable_y_mesh()
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(|e| e.to_string())?;
        category_labels(&plot, &c, &labels)?;
        c.draw_series(std::iter::once(Rectangle::new(
            [(-1.0, 0.0), (1.0, n as f64)],
            RGBColor(0, 114, 178).mix(0.15).filled(),
        )))
        .map_err(|e| e.to_string())?;
        for (i, p) in chart.points.iter().enumerate() {
            let y = (n - 1 - i) as f64 + 0.5;
            let x = p.error.clamp(-reach, reach);
            let (m, col) = if p.matched {
                (Marker::Circle, RGBColor(0, 114, 178))
            } else {
                (Marker::Cross, RGBColor(213, 94, 0))
            };
            draw_markers(&mut c, m, &[(x, y)], col)?;
        }
        draw_legend(&legend, &items)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame {
        Frame::new("t", "A <test> & chart", "time (hours)", "views").described("It shows things.")
    }

    #[test]
    fn charts_carry_their_title_and_description() {
        let svg = band_lines(&BandChart {
            frame: frame(),
            series: vec![BandSeries {
                label: "a".into(),
                points: vec![(0.0, 1.0, 0.5, 2.0), (1.0, 2.0, 1.0, 3.0)],
                band: true,
            }],
            band_label: Some("p05–p95".into()),
            x_max: None,
        })
        .unwrap();
        assert!(
            svg.markup
                .starts_with(r#"<svg role="img" aria-labelledby="t-title t-desc" "#)
        );
        assert!(
            svg.markup
                .contains("<title id=\"t-title\">A &lt;test&gt; &amp; chart</title>")
        );
        assert!(
            svg.markup
                .contains("<desc id=\"t-desc\">It shows things.</desc>")
        );
        assert!(!svg.inline().contains("xmlns"));
    }

    #[test]
    fn compact_numbers() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1500.0), "1.5k");
        assert_eq!(compact(2000.0), "2k");
        assert_eq!(compact(35_400.0), "35k");
        assert_eq!(compact(1_200_000.0), "1.2M");
        assert_eq!(compact(0.5), "0.5");
    }
}
