//! What a report shows: sections of text, tables and figures, built from the results
//! (and the scenario, when it is at hand). Each section is built only from what the
//! results hold; a section whose files are absent is left out, and said to be.

use std::path::PathBuf;

use super::after_action::{AfterAction, plain};
use super::charts::{
    self, BandChart, BandSeries, BarChart, BarGroup, ChartError, FitChart, FitPoint, Frame,
    GraphChart, GraphEdge, GraphNode, Lane, Mark, RangeChart, RangeRow, Svg, TimelineChart,
};
use super::fit::FitRow;
use super::read::{ProtocolTimes, Results, SeriesPoint};
use super::sweep::{SweepRow, SweepTable};
use crate::compare::Metric;
use crate::compare::stats::quantile_sorted;
use crate::engine::clock;
use crate::scenario::duration::format_minutes;
use crate::scenario::{InjectKind, Model, Scenario};

/// A table: header and rows of text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A chart with its text alternative: a summary in words and the data as a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub svg: Svg,
    pub summary: String,
    pub data: Table,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text(String),
    /// A remark set apart (what is left out, a caveat).
    Note(String),
    List(Vec<String>),
    Table(Table),
    Figure(Figure),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub blocks: Vec<Block>,
}

/// A whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub title: String,
    pub description: Option<String>,
    /// Where the results come from: (what, value).
    pub facts: Vec<(String, String)>,
    pub sections: Vec<Section>,
    /// Sections left out, and other remarks on the results.
    pub notes: Vec<String>,
}

impl Report {
    pub fn figures(&self) -> impl Iterator<Item = &Figure> {
        self.sections.iter().flat_map(|s| {
            s.blocks.iter().filter_map(|b| match b {
                Block::Figure(f) => Some(f),
                _ => None,
            })
        })
    }
}

/// The scenario the results were run with, when it could be found.
pub struct ScenarioInfo {
    pub path: PathBuf,
    pub scenario: Scenario,
}

/// Thousands separators, `decimals` decimals.
pub fn group(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, if x == 0.0 { 0.0 } else { x });
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d.to_string()),
        None => ("", int),
    };
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(&f);
    }
    out
}

/// How a metric's values are written in tables.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Count,
    Views,
    Time,
}

fn kind(m: Metric) -> Kind {
    if m.name().ends_with("_min") {
        Kind::Time
    } else if m.name().contains("views") || m.name().contains("exposure") {
        Kind::Views
    } else {
        Kind::Count
    }
}

fn value(x: f64, k: Kind) -> String {
    match k {
        Kind::Time => clock(x),
        Kind::Views => group(x, 0),
        Kind::Count if x.abs() >= 100.0 => group(x, 0),
        Kind::Count => group(x, 1),
    }
}

fn hours(minutes: f64) -> f64 {
    minutes / 60.0
}

const TIME_AXIS: &str = "time since the incident began (hours)";

/// The metrics of the variants table, when the results have them: the headline outcomes.
fn headline_metrics(c: &crate::compare::Collector) -> Vec<Metric> {
    ["exposure", "peak_live", "contained_min", "stream_cut_min"]
        .iter()
        .filter_map(|n| Metric::parse(n).ok())
        .filter(|m| c.metrics().contains(m))
        .collect()
}

/// Column titles of the variants table.
fn metric_title(m: Metric) -> String {
    match m.name() {
        "exposure" => "Exposure (views)".into(),
        "peak_live" => "Peak live copies".into(),
        "contained_min" => "Time to containment".into(),
        "stream_cut_min" => "Stream cut".into(),
        _ => {
            let l = m.label();
            let mut c = l.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

/// The index of the variant with the lowest mean exposure other than the reference.
pub fn best_variant(r: &Results) -> Option<usize> {
    let c = r.runs.as_ref()?;
    (1..r.variants.len())
        .filter_map(|v| c.describe(v, Metric::Exposure).map(|d| (v, d.mean)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(v, _)| v)
}

/// Build the report.
pub fn build(r: &Results, scenario: Option<&ScenarioInfo>) -> Result<Report, ChartError> {
    let meta = r.meta.as_ref();
    let model = scenario.map(|s| &s.scenario.base);
    let title = meta
        .map(|m| m.scenario_name.clone())
        .or_else(|| model.map(|m| m.name.clone()))
        .or_else(|| r.after_action.as_ref().map(|a| a.title.clone()))
        .unwrap_or_else(|| format!("Results in {}", r.dir.display()));
    let description = meta
        .and_then(|m| m.scenario_description.clone())
        .or_else(|| model.and_then(|m| m.description.as_deref().map(|d| d.trim().to_string())));
    let mut notes = r.notes.clone();
    let mut sections = Vec::new();
    // A sweep's run files are not read (they mix the cells): what they would have
    // given is not missing.
    let sweep = r.sweep.is_some();
    let mut push = |s: Option<Section>, missing: &str, notes: &mut Vec<String>| match s {
        Some(s) => sections.push(s),
        None if !missing.is_empty() && !sweep => notes.push(missing.to_string()),
        None => {}
    };
    push(
        variants_section(r),
        "No variants table: the directory has no runs.csv or summary.csv.",
        &mut notes,
    );
    push(
        exposure_section(r)?,
        "No exposure over time: the directory has neither timeseries_summary.csv nor timeseries.csv.",
        &mut notes,
    );
    push(live_section(r)?, "", &mut notes);
    push(
        removals_section(r)?,
        "No removals by channel: the directory has no platforms.csv.",
        &mut notes,
    );
    push(
        protocols_section(r, scenario)?,
        "No protocol milestones: no protocol activated in these results (or there is no runs.csv or protocols.csv).",
        &mut notes,
    );
    push(exercise_section(r, scenario)?, "", &mut notes);
    if let Some(t) = &r.sweep {
        push(sweep_section(t)?, "", &mut notes);
    }
    let scenario_missing = "No platform graph or inject timeline: the scenario file was not found (pass it with --scenario FILE).";
    match scenario {
        Some(s) => {
            push(graph_section(r, s)?, "", &mut notes);
            if r.after_action.is_none() {
                push(
                    injects_section(s)?,
                    "No inject timeline: the scenario has no injects.",
                    &mut notes,
                );
            }
        }
        None => notes.push(scenario_missing.into()),
    }
    if let Some(rows) = &r.fit {
        push(fit_section(rows)?, "", &mut notes);
    }

    let mut facts = Vec::new();
    if let Some(m) = meta {
        facts.push((
            "Scenario file".into(),
            format!(
                "{} (SHA-256 {})",
                m.scenario,
                m.scenario_sha256.get(..12).unwrap_or("unknown")
            ),
        ));
        let what = match m.command.as_str() {
            "compare" => "a comparison of variants (`ttx compare`)".to_string(),
            "sweep" => "a sweep of parameter values (`ttx sweep`)".to_string(),
            "exercise" => format!(
                "an exercise on variant `{}` (`ttx exercise`)",
                m.played.as_deref().unwrap_or("?")
            ),
            other => format!("`ttx {other}`"),
        };
        facts.push(("Produced by".into(), what));
        facts.push(("ttx version".into(), m.ttx_version.clone()));
        facts.push(("Seed".into(), m.seed.to_string()));
        facts.push((
            "Replications per variant".into(),
            r.replications.max(1).to_string(),
        ));
        facts.push(("Variants".into(), m.variants.join(", ")));
        facts.push(("Horizon".into(), m.horizon.clone()));
        if let Some(d) = &m.decisions {
            facts.push(("Decisions file".into(), d.clone()));
        }
    } else if r.replications > 0 {
        facts.push((
            "Replications per variant".into(),
            r.replications.to_string(),
        ));
        facts.push((
            "Variants".into(),
            r.variants
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    if let Some(t) = r.written {
        facts.push(("Results written".into(), utc(t)));
    }
    facts.push(("Results folder".into(), r.dir.display().to_string()));
    facts.push(("Files read".into(), r.files.join(", ")));
    if let Some(s) = scenario {
        facts.push(("Scenario read from".into(), s.path.display().to_string()));
    }
    Ok(Report {
        title,
        description,
        facts,
        sections,
        notes,
    })
}

/// A modification time as `2026-12-01 23:41 UTC`.
pub fn utc(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

fn variants_section(r: &Results) -> Option<Section> {
    let n = r.replications;
    let mut blocks = Vec::new();
    let reference = r.variants.first()?.to_string();
    if let Some(c) = &r.runs {
        let metrics = headline_metrics(c);
        let mut header = vec!["Variant".to_string()];
        header.extend(metrics.iter().map(|&m| {
            if n >= 2 {
                format!("{}, mean (95% CI)", metric_title(m))
            } else {
                metric_title(m)
            }
        }));
        let compared = r.variants.len() > 1 && n >= 2;
        if compared {
            header.push(format!("Against `{reference}` (paired by replication)"));
        }
        let mut rows = Vec::new();
        for (v, name) in r.variants.iter().enumerate() {
            let mut row = vec![name.to_string()];
            for &m in &metrics {
                let k = kind(m);
                let runs = c.values(v, m).len();
                row.push(match c.describe(v, m) {
                    None if k == Kind::Time => "never".into(),
                    None => "—".into(),
                    Some(d) => {
                        let mut s = value(d.mean, k);
                        if d.n >= 2 {
                            s = format!("{s} ({}–{})", value(d.ci95_low, k), value(d.ci95_high, k));
                        }
                        if k == Kind::Time && (d.n as usize) < runs {
                            s = format!("{s}; in {} of {runs} runs", d.n);
                        }
                        s
                    }
                });
            }
            if compared {
                row.push(if v == 0 {
                    "reference".into()
                } else {
                    metrics
                        .iter()
                        .filter_map(|&m| c.verdict(v, m))
                        .collect::<Vec<_>>()
                        .join("; ")
                });
            }
            rows.push(row);
        }
        let intro = if n < 2 {
            "One replication: each value is that run's, without an interval.".to_string()
        } else if r.variants.len() < 2 {
            format!("{n} replications. Means with their 95% confidence intervals.")
        } else {
            format!(
                "{n} replications per variant. Means with their 95% confidence intervals; every variant is set against the reference, `{reference}`, replication by replication (each replication of every variant sees the same random draws), with the 95% interval of the difference. Times count only the runs where the thing happened."
            )
        };
        blocks.push(Block::Text(intro));
        if compared {
            let lines: Vec<String> = (1..r.variants.len())
                .filter_map(|v| {
                    c.verdict(v, Metric::Exposure)
                        .map(|s| format!("`{}` {s} against `{reference}`.", r.variants[v]))
                })
                .collect();
            if !lines.is_empty() {
                blocks.push(Block::List(lines));
            }
        }
        blocks.push(Block::Table(Table {
            caption: "Headline outcomes by variant".into(),
            header,
            rows,
        }));
        // Every other outcome runs.csv has, more briefly.
        let others: Vec<Metric> = c
            .metrics()
            .iter()
            .copied()
            .filter(|m| !metrics.contains(m) && *m != Metric::Events && *m != Metric::Variants)
            .collect();
        if !others.is_empty() {
            let mut header = vec!["Outcome".to_string()];
            header.extend(r.variants.iter().map(|v| v.to_string()));
            let rows = others
                .iter()
                .map(|&m| {
                    let mut row = vec![m.label().to_string()];
                    for v in 0..r.variants.len() {
                        row.push(c.describe(v, m).map_or("—".into(), |d| {
                            let k = kind(m);
                            if d.n >= 2 {
                                format!(
                                    "{} ({}–{})",
                                    value(d.mean, k),
                                    value(d.ci95_low, k),
                                    value(d.ci95_high, k)
                                )
                            } else {
                                value(d.mean, k)
                            }
                        }));
                    }
                    row
                })
                .collect();
            blocks.push(Block::Table(Table {
                caption: if n >= 2 {
                    "Other outcomes, mean per run (95% CI)".into()
                } else {
                    "Other outcomes".into()
                },
                header,
                rows,
            }));
        }
    } else if !r.summary.is_empty() {
        blocks.push(Block::Text(
            "From summary.csv (runs.csv is absent): means with their 95% intervals, and the paired difference against the reference.".into(),
        ));
        let mut rows = Vec::new();
        for row in r
            .summary
            .iter()
            .filter(|s| s.metric == "exposure" || s.metric == "peak_live")
        {
            let name = r
                .variants
                .get(row.variant)
                .map(|v| v.to_string())
                .unwrap_or_default();
            let mean = row.mean.map_or("—".into(), |m| group(m, 1));
            let ci = row.ci95.map_or(String::new(), |(a, b)| {
                format!("{}–{}", group(a, 1), group(b, 1))
            });
            let delta = row.delta.map_or(String::new(), |(m, a, b)| {
                format!("{} ({} to {})", group(m, 1), group(a, 1), group(b, 1))
            });
            rows.push(vec![name, row.metric.clone(), mean, ci, delta]);
        }
        blocks.push(Block::Table(Table {
            caption: "Summary by variant".into(),
            header: [
                "Variant",
                "Metric",
                "Mean",
                "95% CI",
                "Difference from the reference (95% CI)",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        }));
    } else {
        return None;
    }
    Some(Section {
        id: "variants".into(),
        title: "Variants at a glance".into(),
        blocks,
    })
}

/// At most `n` evenly spread indices of `len` items, first and last included.
fn spread(len: usize, n: usize) -> Vec<usize> {
    if len <= n {
        return (0..len).collect();
    }
    let mut out: Vec<usize> = (0..n).map(|k| k * (len - 1) / (n - 1)).collect();
    out.dedup();
    out
}

/// At most ~400 points of a series (charts need no more), the last one kept.
fn thin(points: &[SeriesPoint]) -> Vec<SeriesPoint> {
    spread(points.len(), 400)
        .into_iter()
        .map(|i| points[i])
        .collect()
}

fn exposure_section(r: &Results) -> Result<Option<Section>, ChartError> {
    let Some(s) = &r.series else {
        return Ok(None);
    };
    let banded = r.replications >= 2 || r.runs.is_none();
    let series: Vec<(usize, Vec<SeriesPoint>)> = (0..r.variants.len())
        .map(|v| (v, thin(s.get(v, "all"))))
        .filter(|(_, p)| !p.is_empty())
        .collect();
    if series.is_empty() {
        return Ok(None);
    }
    let x_max = series
        .iter()
        .flat_map(|(_, p)| p.last().map(|p| hours(p.time)))
        .fold(0.0, f64::max);
    let middle = if banded { "median" } else { "the run" };
    let chart = BandChart {
        frame: Frame::new(
            "exposure-over-time",
            "Exposure over time, by variant",
            TIME_AXIS,
            "total views of all copies (cumulative)",
        )
        .described(format!(
            "Cumulative views of all copies over time, one line per variant ({middle}{}).",
            if banded {
                ", with the middle 90% of runs shaded"
            } else {
                ""
            }
        )),
        series: series
            .iter()
            .map(|(v, p)| BandSeries {
                label: r.variants[*v].to_string(),
                points: p
                    .iter()
                    .map(|q| (hours(q.time), q.views.p50, q.views.p05, q.views.p95))
                    .collect(),
                band: banded,
            })
            .collect(),
        band_label: Some("shaded: middle 90% of runs (p05–p95)".into()),
        x_max: Some(x_max),
    };
    let svg = charts::band_lines(&chart)?;
    let finals: Vec<String> = series
        .iter()
        .filter_map(|(v, p)| {
            p.last().map(|q| {
                if banded {
                    format!(
                        "`{}` {} views (90% of runs {}–{})",
                        r.variants[*v],
                        group(q.views.p50, 0),
                        group(q.views.p05, 0),
                        group(q.views.p95, 0)
                    )
                } else {
                    format!("`{}` {} views", r.variants[*v], group(q.views.p50, 0))
                }
            })
        })
        .collect();
    let end = series[0].1.last().map_or(0.0, |p| p.time);
    let summary = format!(
        "By {} the {} exposure is: {}.",
        clock(end),
        if banded { "median" } else { "" },
        finals.join("; ")
    )
    .replace("the  exposure", "the exposure");
    // The data at about a dozen times.
    let times: Vec<usize> = spread(series[0].1.len(), 13);
    let mut header = vec!["Time".to_string()];
    header.extend(series.iter().map(|(v, _)| {
        if banded {
            format!("{}: median (p05–p95)", r.variants[*v])
        } else {
            r.variants[*v].to_string()
        }
    }));
    let rows = times
        .iter()
        .map(|&i| {
            let mut row = vec![clock(series[0].1[i].time)];
            for (_, p) in &series {
                row.push(p.get(i).map_or("—".into(), |q| {
                    if banded {
                        format!(
                            "{} ({}–{})",
                            group(q.views.p50, 0),
                            group(q.views.p05, 0),
                            group(q.views.p95, 0)
                        )
                    } else {
                        group(q.views.p50, 0)
                    }
                }));
            }
            row
        })
        .collect();
    Ok(Some(Section {
        id: "exposure".into(),
        title: "Exposure over time".into(),
        blocks: vec![Block::Figure(Figure {
            svg,
            summary,
            data: Table {
                caption: "Cumulative views at selected times".into(),
                header,
                rows,
            },
        })],
    }))
}

/// Live copies per platform for the reference and the best variant.
fn live_section(r: &Results) -> Result<Option<Section>, ChartError> {
    let Some(s) = &r.series else {
        return Ok(None);
    };
    if s.platforms.is_empty() {
        return Ok(None);
    }
    let mut shown = vec![0];
    if let Some(b) = best_variant(r) {
        shown.push(b);
    }
    let mut blocks = vec![Block::Text(if shown.len() > 1 {
        format!(
            "Mean live copies on each platform over time, for the reference `{}` and for `{}`, the variant with the lowest mean exposure.",
            r.variants[0], r.variants[shown[1]]
        )
    } else {
        "Mean live copies on each platform over time.".to_string()
    })];
    const MAX_LINES: usize = 8;
    for &v in &shown {
        // Platforms by their peak, highest first; the chart draws the first few.
        let mut peaks: Vec<(String, f64, f64)> = s
            .platforms
            .iter()
            .map(|p| {
                let (t, peak) = s
                    .get(v, p)
                    .iter()
                    .map(|q| (q.time, q.live.mean))
                    .fold((0.0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
                (p.clone(), peak, t)
            })
            .collect();
        peaks.sort_by(|a, b| b.1.total_cmp(&a.1));
        let drawn: Vec<&(String, f64, f64)> =
            peaks.iter().filter(|p| p.1 > 0.0).take(MAX_LINES).collect();
        if drawn.is_empty() {
            continue;
        }
        let name = r.variants[v].to_string();
        let chart = BandChart {
            frame: Frame::new(
                &format!("live-by-platform-{}", slug(&name)),
                &format!("Live copies by platform: {name}"),
                TIME_AXIS,
                "live copies (mean over runs)",
            )
            .described(format!(
                "Mean number of live copies on each platform over time under variant {name}; one line per platform, for the {} platforms with the most."
                , drawn.len()
            )),
            series: drawn
                .iter()
                .map(|(p, _, _)| BandSeries {
                    label: p.clone(),
                    points: thin(s.get(v, p))
                        .iter()
                        .map(|q| (hours(q.time), q.live.mean, q.live.mean, q.live.mean))
                        .collect(),
                    band: false,
                })
                .collect(),
            band_label: None,
            x_max: None,
        };
        let svg = charts::band_lines(&chart)?;
        let left_out = peaks.len() - drawn.len();
        let top = &peaks[0];
        let summary = format!(
            "Under `{name}` the most copies are live on {} ({} at {}){}.",
            top.0,
            group(top.1, 1),
            clock(top.2),
            if left_out > 0 {
                format!("; {left_out} platform(s) with fewer are only in the table")
            } else {
                String::new()
            }
        );
        let rows = peaks
            .iter()
            .map(|(p, peak, t)| {
                let end = s.get(v, p).last().map_or(0.0, |q| q.live.mean);
                vec![p.clone(), group(*peak, 1), clock(*t), group(end, 1)]
            })
            .collect();
        blocks.push(Block::Figure(Figure {
            svg,
            summary,
            data: Table {
                caption: format!("Live copies by platform under {name} (means over runs)"),
                header: ["Platform", "Peak", "At", "At the horizon"]
                    .map(String::from)
                    .to_vec(),
                rows,
            },
        }));
    }
    Ok((blocks.len() > 1).then(|| Section {
        id: "live".into(),
        title: "Live copies by platform".into(),
        blocks,
    }))
}

/// A name usable in an id and a file name.
pub fn slug(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "x".into() } else { out }
}

fn removals_section(r: &Results) -> Result<Option<Section>, ChartError> {
    let Some(p) = &r.platforms else {
        return Ok(None);
    };
    let posts_removed = r.runs.as_ref().and_then(|c| {
        Metric::parse("posts_removed")
            .ok()
            .filter(|m| c.metrics().contains(m))
    });
    let mut categories: Vec<String> = [
        "removed after review",
        "removed on a removal order",
        "removed by a hash sweep",
        "blocked at upload (hash match)",
    ]
    .map(String::from)
    .to_vec();
    if posts_removed.is_some() {
        categories.push("link posts removed".into());
    }
    let groups: Vec<BarGroup> = (0..r.variants.len())
        .map(|v| {
            let t = p.total(v);
            let mut values = vec![
                Some(t.removed_review),
                Some(t.removed_order),
                Some(t.removed_sweep),
                Some(t.blocked),
            ];
            if let Some(m) = posts_removed {
                values.push(
                    r.runs
                        .as_ref()
                        .and_then(|c| c.describe(v, m))
                        .map(|d| d.mean),
                );
            }
            BarGroup {
                label: r.variants[v].to_string(),
                values,
            }
        })
        .collect();
    let per = if r.replications >= 2 {
        "mean per run"
    } else {
        "in the run"
    };
    let chart = BarChart {
        frame: Frame::new(
            "removals",
            "Removals by channel and blocks at upload",
            &format!("copies ({per})"),
            "variant",
        )
        .described(format!(
            "For each variant, bars for copies removed after review, on removal orders and by hash sweeps, and upload attempts blocked by hash matching ({per})."
        )),
        categories: categories.clone(),
        groups: groups.clone(),
    };
    let svg = charts::grouped_bars(&chart)?;
    let t0 = p.total(0);
    let removed0 = t0.removed_review + t0.removed_order + t0.removed_sweep;
    let mut summary = format!(
        "Under `{}`, {} of {} published copies are removed ({per}): {} after review, {} on orders, {} by sweeps; {} upload attempts are blocked.",
        r.variants[0],
        group(removed0, 1),
        group(t0.published, 1),
        group(t0.removed_review, 1),
        group(t0.removed_order, 1),
        group(t0.removed_sweep, 1),
        group(t0.blocked, 1)
    );
    if posts_removed.is_none() {
        summary.push_str(" (These results do not count link posts.)");
    }
    let mut header = vec!["Variant".to_string(), "published".to_string()];
    header.extend(categories.iter().cloned());
    let rows = groups
        .iter()
        .enumerate()
        .map(|(v, g)| {
            let mut row = vec![g.label.clone(), group(p.total(v).published, 1)];
            row.extend(
                g.values
                    .iter()
                    .map(|x| x.map_or("—".into(), |x| group(x, 1))),
            );
            row
        })
        .collect();
    Ok(Some(Section {
        id: "removals".into(),
        title: "Removals and blocks".into(),
        blocks: vec![Block::Figure(Figure {
            svg,
            summary,
            data: Table {
                caption: format!("Copies by channel ({per}), all platforms"),
                header,
                rows,
            },
        })],
    }))
}

struct Quartiles {
    p05: f64,
    p25: f64,
    p50: f64,
    p75: f64,
    p95: f64,
}

fn quartiles(values: &[f64]) -> Option<Quartiles> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    Some(Quartiles {
        p05: quantile_sorted(&v, 0.05)?,
        p25: quantile_sorted(&v, 0.25)?,
        p50: quantile_sorted(&v, 0.50)?,
        p75: quantile_sorted(&v, 0.75)?,
        p95: quantile_sorted(&v, 0.95)?,
    })
}

/// The protocol a variant runs, by the scenario (for results without protocols.csv).
fn protocol_of(r: &Results, v: usize, scenario: Option<&ScenarioInfo>) -> String {
    let name = r.variants.get(v).map(|n| n.to_string()).unwrap_or_default();
    let s = scenario.map(|s| &s.scenario);
    let played = r.meta.as_ref().and_then(|m| m.played.clone());
    let variant = s.and_then(|s| {
        s.variant(&name)
            .or_else(|| played.as_deref().and_then(|p| s.variant(p)))
    });
    variant
        .map(|v| {
            v.protocols
                .iter()
                .map(|&p| v.model.protocols[p].id.clone())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn protocols_section(
    r: &Results,
    scenario: Option<&ScenarioInfo>,
) -> Result<Option<Section>, ChartError> {
    if r.protocols.is_empty() {
        return Ok(None);
    }
    const MAX_ROWS: usize = 30;
    let mut rows: Vec<RangeRow> = Vec::new();
    let mut table = Vec::new();
    let kinds = ["triggered", "active", "deactivated"];
    for pt in &r.protocols {
        let ProtocolTimes {
            variant,
            runs,
            triggered,
            activated,
            deactivated,
            triggers,
            ..
        } = pt;
        let protocol = if pt.protocol.is_empty() {
            protocol_of(r, *variant, scenario)
        } else {
            pt.protocol.clone()
        };
        let name = r
            .variants
            .get(*variant)
            .map(|v| v.to_string())
            .unwrap_or_default();
        let label = if protocol.is_empty() || protocol == name {
            name.clone()
        } else {
            format!("{name}: {protocol}")
        };
        for (k, values) in [triggered, activated, deactivated].into_iter().enumerate() {
            let Some(q) = quartiles(values) else {
                continue;
            };
            if rows.len() < MAX_ROWS {
                rows.push(RangeRow {
                    label: format!("{label} ({})", kinds[k]),
                    p05: hours(q.p05),
                    p25: hours(q.p25),
                    p50: hours(q.p50),
                    p75: hours(q.p75),
                    p95: hours(q.p95),
                    kind: k,
                });
            }
            let how = if k == 0 && !triggers.is_empty() {
                triggers
                    .iter()
                    .map(|(t, n)| format!("{t} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                String::new()
            };
            table.push(vec![
                name.clone(),
                protocol.clone(),
                kinds[k].to_string(),
                clock(q.p50),
                format!("{}–{}", clock(q.p05), clock(q.p95)),
                format!("{} of {runs}", values.len()),
                how,
            ]);
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let x_max = rows.iter().map(|r| r.p95).fold(0.0, f64::max) * 1.08;
    let chart = RangeChart {
        frame: Frame::new(
            "protocol-times",
            "When protocols trigger and become active",
            TIME_AXIS,
            "",
        )
        .described(
            "For each variant and protocol, the spread across runs of the time the protocol triggered and became active: median marker, box for the middle half of runs, line for the middle 90%.",
        ),
        rows,
        kinds: kinds.map(String::from).to_vec(),
        x_max: Some(x_max.max(0.1)),
    };
    let svg = charts::ranges(&chart)?;
    let first = &table[0];
    let protocol = if first[1].is_empty() || first[1] == first[0] {
        String::new()
    } else {
        format!(" (protocol `{}`)", first[1])
    };
    let summary = format!(
        "Under `{}`{protocol} the protocol is {} at a median {} (90% of runs {}), in {} runs.",
        first[0], first[2], first[3], first[4], first[5]
    );
    let mut blocks = Vec::new();
    if !r.protocols_file {
        blocks.push(Block::Note(
            "From runs.csv's activation times (these results have no protocols.csv, so trigger times are not shown).".into(),
        ));
    }
    blocks.push(Block::Figure(Figure {
        svg,
        summary,
        data: Table {
            caption: "Protocol milestones across runs".into(),
            header: [
                "Variant",
                "Protocol",
                "Milestone",
                "Median",
                "Middle 90% of runs",
                "Happened in",
                "How triggered",
            ]
            .map(String::from)
            .to_vec(),
            rows: table,
        },
    }));
    Ok(Some(Section {
        id: "protocols".into(),
        title: "Protocol milestones".into(),
        blocks,
    }))
}

fn graph_section(r: &Results, s: &ScenarioInfo) -> Result<Option<Section>, ChartError> {
    let model: &Model = &s.scenario.base;
    if model.platforms.is_empty() {
        return Ok(None);
    }
    let views = |i: usize| -> Option<f64> {
        let p = r.platforms.as_ref()?;
        let at = p
            .platforms
            .iter()
            .position(|x| *x == model.platforms[i].id)?;
        Some(p.means.first()?.get(at)?.views)
    };
    let have_views = r.platforms.is_some();
    let member = |i: usize| {
        model.platforms[i].protocol_member || model.protocols.iter().any(|p| p.is_member(i))
    };
    let nodes: Vec<GraphNode> = (0..model.platforms.len())
        .map(|i| GraphNode {
            label: model.platforms[i].id.clone(),
            size: if have_views {
                views(i).unwrap_or(0.0)
            } else {
                model.platforms[i].views_per_min
            },
            member: member(i),
        })
        .collect();
    let edges: Vec<GraphEdge> = model
        .links
        .iter()
        .map(|l| GraphEdge {
            from: l.from,
            to: l.to,
            weight: l.per_min * 60.0,
        })
        .collect();
    let size_label = if have_views {
        format!(
            "size: views per run under {}",
            r.variants.first().map_or("", |v| v)
        )
    } else {
        "size: views per hour of a new copy".into()
    };
    let chart = GraphChart {
        frame: Frame::new("platform-graph", "The platform graph", "", "").described(format!(
            "The {} platforms on a circle, with arrows for the {} links along which copies spread; a node's area grows with its {}, an arrow's width with its link rate; protocol members are drawn as filled squares.",
            nodes.len(),
            edges.len(),
            if have_views { "views" } else { "views per hour" }
        )),
        nodes: nodes.clone(),
        edges,
        size_label,
        weight_label: "width: link rate (per hour, from a new copy)".into(),
    };
    let svg = charts::platform_graph(&chart)?;
    let members: Vec<&str> = (0..nodes.len())
        .filter(|&i| nodes[i].member)
        .map(|i| model.platforms[i].id.as_str())
        .collect();
    let summary = format!(
        "{} platforms and {} links; protocol members: {}.",
        nodes.len(),
        model.links.len(),
        if members.is_empty() {
            "none".to_string()
        } else {
            members.join(", ")
        }
    );
    let id = |i: usize| model.platforms[i].id.clone();
    let rows = model
        .links
        .iter()
        .map(|l| {
            vec![
                id(l.from),
                id(l.to),
                l.kind.as_str().to_string(),
                group(l.per_min * 60.0, 2),
            ]
        })
        .collect();
    let platform_rows = (0..model.platforms.len())
        .map(|i| {
            let p = &model.platforms[i];
            vec![
                p.id.clone(),
                p.name.clone(),
                match p.jurisdiction {
                    crate::scenario::Jurisdiction::Eu => "EU".into(),
                    _ => "outside the EU".into(),
                },
                if member(i) { "yes" } else { "no" }.into(),
                views(i).map_or("—".into(), |v| group(v, 0)),
            ]
        })
        .collect();
    Ok(Some(Section {
        id: "graph".into(),
        title: "Platforms and links".into(),
        blocks: vec![
            Block::Figure(Figure {
                svg,
                summary,
                data: Table {
                    caption: "Links (onward uploads, or linking posts, per hour from a new copy)"
                        .into(),
                    header: ["From", "To", "Kind", "Rate per hour"]
                        .map(String::from)
                        .to_vec(),
                    rows,
                },
            }),
            Block::Table(Table {
                caption: "Platforms".into(),
                header: [
                    "Platform",
                    "Name",
                    "Jurisdiction",
                    "Protocol member",
                    &format!("Views per run ({})", r.variants.first().map_or("", |v| v)),
                ]
                .map(String::from)
                .to_vec(),
                rows: platform_rows,
            }),
        ],
    }))
}

/// An inject in words.
fn inject_text(model: &Model, i: &crate::scenario::Inject) -> (String, String) {
    let pid = |p: usize| {
        model
            .platforms
            .get(p)
            .map_or("?".to_string(), |x| x.id.clone())
    };
    let (kind, what) = match &i.kind {
        InjectKind::Message => ("message".to_string(), String::new()),
        InjectKind::Virality {
            platform,
            factor,
            duration,
        } => (
            "virality".into(),
            format!(
                "views and sharing ×{factor} on {}{}",
                platform.map_or("every platform".into(), pid),
                duration.map_or(String::new(), |d| format!(" for {}", format_minutes(d)))
            ),
        ),
        InjectKind::Upload {
            content,
            platform,
            count,
            new_variant,
        } => (
            "upload".into(),
            format!(
                "{count} upload(s) of {} on {}{}",
                model.contents.get(*content).map_or("?", |c| c.id.as_str()),
                pid(*platform),
                if *new_variant { " (a new edit)" } else { "" }
            ),
        ),
        InjectKind::Outage {
            platform,
            reviewers,
            duration,
        } => (
            "outage".into(),
            format!(
                "{} down to {reviewers} reviewer(s) for {}",
                pid(*platform),
                format_minutes(*duration)
            ),
        ),
    };
    let note = i.note.as_deref().unwrap_or_default().trim();
    let text = match (what.is_empty(), note.is_empty()) {
        (false, false) => format!("{what}. {note}"),
        (false, true) => what,
        (true, _) => note.to_string(),
    };
    (kind, text)
}

fn injects_lane(model: &Model) -> (Lane, Vec<Vec<String>>) {
    let mut marks = Vec::new();
    let mut rows = Vec::new();
    for (k, i) in model.injects.iter().enumerate() {
        let tag = format!("{}", k + 1);
        marks.push(Mark {
            at: hours(i.at),
            tag: tag.clone(),
            range: None,
        });
        let (kind, text) = inject_text(model, i);
        rows.push(vec![tag, clock(i.at), kind, text]);
    }
    (
        Lane {
            label: "injects".into(),
            marks,
        },
        rows,
    )
}

fn horizon_hours(s: Option<&ScenarioInfo>, r: &Results) -> f64 {
    s.map(|s| hours(s.scenario.experiment.horizon))
        .or_else(|| {
            r.meta
                .as_ref()
                .and_then(|m| crate::scenario::parse_duration(&m.horizon).ok())
                .map(hours)
        })
        .unwrap_or(1.0)
}

fn injects_section(s: &ScenarioInfo) -> Result<Option<Section>, ChartError> {
    let model = &s.scenario.base;
    if model.injects.is_empty() {
        return Ok(None);
    }
    let (lane, rows) = injects_lane(model);
    let chart = TimelineChart {
        frame: Frame::new("injects", "The inject timeline", TIME_AXIS, "")
            .described(format!(
                "The scenario's {} injects on a time line, numbered in order; the table lists what each one is.",
                rows.len()
            )),
        lanes: vec![lane],
        x_max: hours(s.scenario.experiment.horizon),
    };
    let svg = charts::timeline(&chart)?;
    let summary = format!(
        "{} injects, from {} to {}.",
        rows.len(),
        rows.first().map_or(String::new(), |r| r[1].clone()),
        rows.last().map_or(String::new(), |r| r[1].clone())
    );
    Ok(Some(Section {
        id: "injects".into(),
        title: "Injects".into(),
        blocks: vec![Block::Figure(Figure {
            svg,
            summary,
            data: Table {
                caption: "Injects".into(),
                header: ["#", "Time", "Type", "What"].map(String::from).to_vec(),
                rows,
            },
        })],
    }))
}

fn md_table(t: &super::after_action::MdTable, caption: &str) -> Table {
    Table {
        caption: caption.into(),
        header: t.header.iter().map(|h| plain(h)).collect(),
        rows: t
            .rows
            .iter()
            .map(|r| r.iter().map(|c| plain(c)).collect())
            .collect(),
    }
}

fn rating_words(r: &str) -> &'static str {
    match r.trim() {
        "P" => "P: performed without challenges",
        "S" => "S: performed with some challenges",
        "M" => "M: performed with major challenges",
        "U" => "U: unable to be performed",
        _ => "",
    }
}

/// The short tag of a reference milestone on the time line (the table spells it out).
fn milestone_tag(what: &str) -> String {
    match what {
        "trigger" => "T".into(),
        "active" => "A".into(),
        "members notified" => "N".into(),
        other => other.chars().next().map(String::from).unwrap_or_default(),
    }
}

fn exercise_section(r: &Results, s: Option<&ScenarioInfo>) -> Result<Option<Section>, ChartError> {
    let Some(a): Option<&AfterAction> = r.after_action.as_ref() else {
        return Ok(None);
    };
    let mut blocks = Vec::new();
    if !a.intro.is_empty() {
        blocks.push(Block::Text(plain(&a.intro)));
    }
    // Decisions: the debrief's table, or the live run's log.
    let mut decisions: Vec<(f64, String, String)> = a.decision_times();
    if decisions.is_empty() {
        decisions = r
            .decisions
            .iter()
            .map(|d| (d.at, String::new(), d.what.clone()))
            .collect();
    }
    let mut lanes = Vec::new();
    let mut inject_rows = Vec::new();
    if let Some(s) = s
        && !s.scenario.base.injects.is_empty()
    {
        let (lane, rows) = injects_lane(&s.scenario.base);
        lanes.push(lane);
        inject_rows = rows;
    }
    lanes.push(Lane {
        label: "your decisions".into(),
        marks: decisions
            .iter()
            .enumerate()
            .map(|(k, d)| Mark {
                at: hours(d.0),
                tag: format!("D{}", k + 1),
                range: None,
            })
            .collect(),
    });
    // One lane per reference protocol, in the order the timeline names them.
    let mut protocols: Vec<&str> = Vec::new();
    for m in &a.milestones {
        if !protocols.contains(&m.protocol.as_str()) {
            protocols.push(&m.protocol);
        }
    }
    for protocol in protocols {
        lanes.push(Lane {
            label: format!("reference: {protocol}"),
            marks: a
                .milestones
                .iter()
                .filter(|m| m.protocol == protocol)
                .map(|m| Mark {
                    at: hours(m.median),
                    tag: milestone_tag(&m.what),
                    range: m.range.map(|(lo, hi)| (hours(lo), hours(hi))),
                })
                .collect(),
        });
    }
    let x_max = horizon_hours(s, r).max(
        lanes
            .iter()
            .flat_map(|l| l.marks.iter().map(|m| m.range.map_or(m.at, |x| x.1)))
            .fold(0.0, f64::max)
            * 1.05,
    );
    let chart = TimelineChart {
        frame: Frame::new(
            "exercise-timeline",
            "Your decisions against the reference protocol",
            TIME_AXIS,
            "",
        )
        .described(format!(
            "A time line with {} lanes: {}. Decisions are numbered D1, D2 and so on; the reference protocol's milestones (T trigger, A active, N members notified) are medians across runs, with bars for the middle 90% of runs.",
            lanes.len(),
            lanes.iter().map(|l| l.label.replace('`', "")).collect::<Vec<_>>().join(", ")
        )),
        lanes,
        x_max,
    };
    let svg = charts::timeline(&chart)?;
    let summary = if a.timeline.is_empty() {
        format!("{} decisions.", decisions.len())
    } else {
        a.timeline
            .iter()
            .map(|l| plain(l))
            .collect::<Vec<_>>()
            .join(". ")
            + "."
    };
    let mut rows: Vec<Vec<String>> = decisions
        .iter()
        .enumerate()
        .map(|(k, d)| vec![format!("D{}", k + 1), clock(d.0), d.1.clone(), d.2.clone()])
        .collect();
    for m in &a.milestones {
        rows.push(vec![
            format!("{} ({})", milestone_tag(&m.what), m.what),
            clock(m.median),
            format!("reference `{}`", m.protocol),
            m.range.map_or("median".into(), |(lo, hi)| {
                format!("median; middle 90% of runs {}–{}", clock(lo), clock(hi))
            }),
        ]);
    }
    rows.sort_by(|a, b| a[1].cmp(&b[1]));
    blocks.push(Block::Figure(Figure {
        svg,
        summary: plain(&summary),
        data: Table {
            caption: "Decisions and reference milestones".into(),
            header: ["#", "Time", "Who", "What"].map(String::from).to_vec(),
            rows,
        },
    }));
    if !inject_rows.is_empty() {
        blocks.push(Block::Table(Table {
            caption: "Injects (numbered as on the time line)".into(),
            header: ["#", "Time", "Type", "What"].map(String::from).to_vec(),
            rows: inject_rows,
        }));
    }
    if !a.outcomes.rows.is_empty() {
        blocks.push(Block::Table(md_table(
            &a.outcomes,
            "Outcomes of your decisions against the automated variants (from after-action.md)",
        )));
    }
    if a.objectives.rows.is_empty() {
        if !a.objectives_text.is_empty() {
            blocks.push(Block::Text(plain(&a.objectives_text)));
        }
    } else {
        let mut t = md_table(&a.objectives, "Objectives, rated in the HSEEP style");
        if let Some(i) = t.header.iter().position(|h| h == "rating") {
            for row in &mut t.rows {
                if let Some(c) = row.get_mut(i) {
                    let w = rating_words(c);
                    if !w.is_empty() {
                        *c = w.to_string();
                    }
                }
            }
        }
        blocks.push(Block::Table(t));
    }
    Ok(Some(Section {
        id: "exercise".into(),
        title: "Exercise debrief".into(),
        blocks,
    }))
}

fn fit_section(rows: &[FitRow]) -> Result<Option<Section>, ChartError> {
    if rows.is_empty() {
        return Ok(None);
    }
    let points: Vec<FitPoint> = rows
        .iter()
        .filter_map(|f| {
            f.error.map(|e| FitPoint {
                label: if f.metric.is_empty() {
                    f.target.clone()
                } else {
                    format!("{} ({})", f.target, f.metric)
                },
                error: e,
                matched: f.matched.unwrap_or(e.abs() <= 1.0),
            })
        })
        .collect();
    let matched = rows.iter().filter(|f| f.matched == Some(true)).count();
    let table = Table {
        caption: "Calibration targets: observed against the model".into(),
        header: [
            "Target",
            "Metric",
            "Observed (or bound)",
            "Model mean (95% CI)",
            "Error in tolerances",
            "Match",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|f| {
                vec![
                    f.target.clone(),
                    f.metric.clone(),
                    f.observed.clone(),
                    match (f.model_mean, f.ci95) {
                        (Some(m), Some((a, b))) => {
                            format!("{} ({}–{})", group(m, 2), group(a, 2), group(b, 2))
                        }
                        (Some(m), None) => group(m, 2),
                        _ => "—".into(),
                    },
                    f.error.map_or("—".into(), |e| format!("{e:+.2}")),
                    match f.matched {
                        Some(true) => "yes".into(),
                        Some(false) => "no".into(),
                        None => "—".into(),
                    },
                ]
            })
            .collect(),
    };
    let summary = format!(
        "{matched} of {} targets match (the model within one tolerance of the observation).",
        rows.len()
    );
    let mut blocks = Vec::new();
    if points.is_empty() {
        blocks.push(Block::Text(summary));
        blocks.push(Block::Table(table));
    } else {
        let chart = FitChart {
            frame: Frame::new(
                "calibration",
                "Calibration: model against observations",
                "model minus observed, in tolerances",
                "target",
            )
            .described(format!(
                "For each of {} calibration targets, how far the model's mean is from the observed value, in tolerances; the shaded band from −1 to +1 is a match.",
                points.len()
            )),
            points,
        };
        blocks.push(Block::Figure(Figure {
            svg: charts::fit_errors(&chart)?,
            summary,
            data: table,
        }));
    }
    Ok(Some(Section {
        id: "calibration".into(),
        title: "Calibration".into(),
        blocks,
    }))
}

/// The most metrics drawn, and lines per chart; the rest are in the tables.
const SWEEP_MAX_METRICS: usize = 6;
const SWEEP_MAX_SERIES: usize = 8;

/// Things in the order they first appear.
fn first_seen_in<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.iter().any(|o| o == i) {
            out.push(i.to_string());
        }
    }
    out
}

/// A sweep's section (`sweep_summary.csv`): each metric against the first swept value,
/// one line per variant (and per value of the other swept paths) with its interval
/// shaded, and a table per metric.
fn sweep_section(t: &SweepTable) -> Result<Option<Section>, ChartError> {
    if t.rows.is_empty() || t.paths.is_empty() {
        return Ok(None);
    }
    let metrics = first_seen_in(t.rows.iter().map(|r| r.metric.as_str()));
    let variants = first_seen_in(t.rows.iter().map(|r| r.variant.as_str()));
    let first = &t.paths[0];
    let xs = first_seen_in(t.rows.iter().map(|r| r.values[0].as_str()));
    // The first path's values on the x axis: as numbers if they all are, else in order.
    let numeric = xs.iter().all(|x| super::sweep::number(x).is_some());
    let x_of = |v: &str| {
        if numeric {
            super::sweep::number(v).unwrap_or(0.0)
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
    let cells = first_seen_in(keys.iter().map(String::as_str)).len();
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
    if metrics.len() > SWEEP_MAX_METRICS {
        blocks.push(Block::Note(format!(
            "Charts for the first {SWEEP_MAX_METRICS} of {} metrics; every metric is in sweep_summary.csv.",
            metrics.len()
        )));
    }
    for metric in metrics.iter().take(SWEEP_MAX_METRICS) {
        let rows: Vec<&SweepRow> = t.rows.iter().filter(|r| &r.metric == metric).collect();
        let mut series: Vec<BandSeries> = Vec::new();
        let mut dropped = 0;
        for v in &variants {
            let groups = first_seen_in(
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
                if series.len() == SWEEP_MAX_SERIES {
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
        let svg = charts::band_lines(&chart)?;
        blocks.push(Block::Figure(Figure { svg, summary, data }));
    }
    Ok(Some(Section {
        id: "sweep".into(),
        title: "The sweep, cell by cell".into(),
        blocks,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_numbers_read_plainly() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_169_600 + 3_725);
        assert_eq!(utc(t), "2026-12-02 01:02 UTC");
        assert_eq!(utc(std::time::UNIX_EPOCH), "1970-01-01 00:00 UTC");
        assert_eq!(group(1_234_567.0, 0), "1,234,567");
        assert_eq!(group(-1234.56, 1), "-1,234.6");
        assert_eq!(slug("ecp+tco-orders"), "ecp-tco-orders");
        assert_eq!(spread(100, 5), [0, 24, 49, 74, 99]);
        assert_eq!(spread(3, 5), [0, 1, 2]);
    }
}
