//! A sweep's `sweep_summary.csv` (`ttx sweep`): per cell of the grid, per variant and
//! metric, the mean with its 95% interval and the paired difference against the
//! reference variant in the same cell. The report draws each metric against the first
//! swept value, one line per variant (and per value of the other swept paths), with its
//! interval shaded, and lists the figures in a table.

use std::collections::HashMap;
use std::path::Path;

use csv::StringRecord;

use super::ReportError;
use super::charts::{BandChart, BandSeries, ChartError, Frame, band_lines};
use super::model::{Block, Figure, Section, Table, group, slug};

/// The columns of `sweep_summary.csv` after the swept paths.
const FIXED: [&str; 10] = [
    "variant",
    "metric",
    "n",
    "mean",
    "sd",
    "ci95_low",
    "ci95_high",
    "delta_mean",
    "delta_ci95_low",
    "delta_ci95_high",
];

/// One (cell, variant, metric) of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// The swept paths' values in this cell, as written.
    pub values: Vec<String>,
    pub variant: String,
    pub metric: String,
    /// Replications in the cell.
    pub n: usize,
    pub mean: Option<f64>,
    pub ci95: Option<(f64, f64)>,
    pub delta: Option<(f64, f64, f64)>,
}

/// A sweep's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepTable {
    /// The swept paths, in the grid's order (the first varies slowest).
    pub paths: Vec<String>,
    pub rows: Vec<SweepRow>,
}

fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Read `sweep_summary.csv` (header positions `pos`): the columns between `cell` and
/// `variant` are the swept paths.
pub fn read(
    path: &Path,
    header: &StringRecord,
    pos: &HashMap<String, usize>,
    rows: &[StringRecord],
) -> Result<SweepTable, ReportError> {
    let bad = |message: String| ReportError::Read {
        path: path.to_path_buf(),
        message,
    };
    let (Some(&cell), Some(&variant)) = (pos.get("cell"), pos.get("variant")) else {
        return Err(bad(
            "expected a sweep summary with columns `cell`, the swept paths, then `variant`, `metric`, ...".into(),
        ));
    };
    for c in FIXED {
        if !pos.contains_key(c) {
            return Err(bad(format!("expected a column `{c}`, found none")));
        }
    }
    let paths: Vec<String> = (cell + 1..variant)
        .filter_map(|i| header.get(i).map(str::to_string))
        .collect();
    let get = |r: &StringRecord, c: &str| r.get(pos[c]).unwrap_or_default().to_string();
    let num = |r: &StringRecord, c: &str| number(&get(r, c));
    let out = rows
        .iter()
        .map(|r| SweepRow {
            values: (cell + 1..variant)
                .map(|i| r.get(i).unwrap_or_default().to_string())
                .collect(),
            variant: get(r, "variant"),
            metric: get(r, "metric"),
            n: get(r, "n").trim().parse().unwrap_or(0),
            mean: num(r, "mean"),
            ci95: num(r, "ci95_low").zip(num(r, "ci95_high")),
            delta: match (
                num(r, "delta_mean"),
                num(r, "delta_ci95_low"),
                num(r, "delta_ci95_high"),
            ) {
                (Some(a), Some(b), Some(c)) => Some((a, b, c)),
                _ => None,
            },
        })
        .collect();
    Ok(SweepTable { paths, rows: out })
}

/// The most metrics drawn, and lines per chart; the rest are in the tables.
const MAX_METRICS: usize = 6;
const MAX_SERIES: usize = 8;

/// Things in the order they first appear.
fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.iter().any(|o| o == i) {
            out.push(i.to_string());
        }
    }
    out
}

/// The sweep's section: a chart and a table per metric.
pub fn section(t: &SweepTable) -> Result<Option<Section>, ChartError> {
    if t.rows.is_empty() || t.paths.is_empty() {
        return Ok(None);
    }
    let metrics = first_seen(t.rows.iter().map(|r| r.metric.as_str()));
    let variants = first_seen(t.rows.iter().map(|r| r.variant.as_str()));
    let first = &t.paths[0];
    let xs = first_seen(t.rows.iter().map(|r| r.values[0].as_str()));
    // The first path's values on the x axis: as numbers if they all are, else in order.
    let numeric = xs.iter().all(|x| number(x).is_some());
    let x_of = |v: &str| {
        if numeric {
            number(v).unwrap_or(0.0)
        } else {
            xs.iter().position(|x| x == v).unwrap_or(0) as f64
        }
    };
    let rest = |r: &SweepRow| -> String {
        t.paths[1..]
            .iter()
            .zip(&r.values[1..])
            .map(|(p, v)| format!("{p}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let keys: Vec<String> = t.rows.iter().map(|r| r.values.join("\u{1f}")).collect();
    let cells = first_seen(keys.iter().map(String::as_str)).len();
    let mut blocks = vec![Block::Text(format!(
        "A sweep over {} ({cells} cells): every variant ran in every cell with the same random streams, so the lines differ by the values swept, not by luck. Each chart draws one metric against {first}{}, one line per variant{}; the shaded band is the 95% interval of the mean.",
        t.paths.join(" × "),
        if numeric {
            String::new()
        } else {
            format!(" (its values in the order swept: {})", xs.join(", "))
        },
        if t.paths.len() > 1 {
            " and per value of the other swept paths"
        } else {
            ""
        }
    ))];
    if metrics.len() > MAX_METRICS {
        blocks.push(Block::Note(format!(
            "Charts for the first {MAX_METRICS} of {} metrics; every metric is in sweep_summary.csv.",
            metrics.len()
        )));
    }
    for metric in metrics.iter().take(MAX_METRICS) {
        let rows: Vec<&SweepRow> = t.rows.iter().filter(|r| &r.metric == metric).collect();
        let mut series: Vec<BandSeries> = Vec::new();
        let mut dropped = 0;
        for v in &variants {
            let groups = first_seen(
                rows.iter()
                    .filter(|r| &r.variant == v)
                    .map(|r| rest(r))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str),
            );
            for g in groups {
                let points: Vec<(f64, f64, f64, f64)> = rows
                    .iter()
                    .filter(|r| &r.variant == v && rest(r) == g)
                    .filter_map(|r| {
                        let m = r.mean?;
                        let (lo, hi) = r.ci95.unwrap_or((m, m));
                        Some((x_of(&r.values[0]), m, lo, hi))
                    })
                    .collect();
                if points.is_empty() {
                    continue;
                }
                if series.len() == MAX_SERIES {
                    dropped += 1;
                    continue;
                }
                series.push(BandSeries {
                    label: if g.is_empty() {
                        v.clone()
                    } else {
                        format!("{v}, {g}")
                    },
                    points,
                    band: true,
                });
            }
        }
        let chart = BandChart {
            frame: Frame::new(
                &format!("sweep-{}", slug(metric)),
                &format!("{metric} against {first}"),
                first,
                metric,
            )
            .described(format!(
                "The mean {metric} over the replications in each cell, against {first}, one line per variant, with its 95% interval"
            )),
            series,
            band_label: Some("95% interval of the mean".into()),
            x_max: None,
        };
        let mut header = t.paths.clone();
        header.extend(
            ["Variant", "Mean (95% CI)", "Against the reference (95% CI)"].map(String::from),
        );
        let data = Table {
            caption: format!("{metric}, cell by cell"),
            header,
            rows: rows
                .iter()
                .map(|r| {
                    let mut row = r.values.clone();
                    row.push(r.variant.clone());
                    row.push(match (r.mean, r.ci95) {
                        (Some(m), Some((a, b))) => {
                            format!("{} ({}–{})", group(m, 2), group(a, 2), group(b, 2))
                        }
                        (Some(m), None) => group(m, 2),
                        _ => "—".into(),
                    });
                    row.push(match r.delta {
                        Some((d, a, b)) => format!(
                            "{}{} ({}–{})",
                            if d > 0.0 { "+" } else { "" },
                            group(d, 2),
                            group(a, 2),
                            group(b, 2)
                        ),
                        None => "—".into(),
                    });
                    row
                })
                .collect(),
        };
        let summary = format!(
            "{metric} against {first}, {} line(s){}.",
            chart.series.len(),
            if dropped > 0 {
                format!(" ({dropped} more in the table below)")
            } else {
                String::new()
            }
        );
        let svg = band_lines(&chart)?;
        blocks.push(Block::Figure(Figure { svg, summary, data }));
    }
    Ok(Some(Section {
        id: "sweep".into(),
        title: "The sweep, cell by cell".into(),
        blocks,
    }))
}
