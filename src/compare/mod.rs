//! Comparing protocol variants: per-run metrics collected from the sink stream, summary
//! statistics, paired differences against the reference variant (common random numbers),
//! a plain verdict, and the stopping rule of `--replications auto`.
//!
//! The collector keeps one number per (variant, replication, metric) and two per time
//! series point, never the runs' records, so memory grows with replications, not events.

pub mod stats;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::output::AtomicFile;
use crate::output::files::{SUMMARY, TIMESERIES_SUMMARY};
use crate::record::{self, Column, Columns, fixed, neutralize};
use crate::sink::{RunId, RunOutcome, SampleRecord, Sink};

use stats::{Describe, Paired, quantile_sorted};

/// A per-run outcome that can be compared across variants: a numeric column of
/// `runs.csv`, as [`RunOutcome`]'s declaration defines it (every numeric column is one).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Metric(u8);

/// How many metrics there are: `runs.csv`'s numeric columns.
const METRICS: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < RunOutcome::COLUMNS.len() {
        if RunOutcome::COLUMNS[i].numeric {
            n += 1;
        }
        i += 1;
    }
    n
};

#[allow(non_upper_case_globals)] // Named as when metrics were an enum's variants.
impl Metric {
    /// Every metric, in `runs.csv`'s column order.
    pub const ALL: [Metric; METRICS] = {
        assert!(RunOutcome::COLUMNS.len() <= u8::MAX as usize);
        let mut all = [Metric(0); METRICS];
        let (mut n, mut i) = (0, 0);
        while i < RunOutcome::COLUMNS.len() {
            if RunOutcome::COLUMNS[i].numeric {
                all[n] = Metric(i as u8);
                n += 1;
            }
            i += 1;
        }
        all
    };

    // The metrics code names; a new column needs none (it is a metric by its name).
    pub const Attempts: Metric = Metric::named("attempts");
    pub const Blocked: Metric = Metric::named("blocked");
    pub const Published: Metric = Metric::named("published");
    pub const Removed: Metric = Metric::named("removed");
    pub const LiveAtEnd: Metric = Metric::named("live_at_end");
    pub const PeakLive: Metric = Metric::named("peak_live");
    pub const Exposure: Metric = Metric::named("exposure");
    pub const ExposureEu: Metric = Metric::named("exposure_eu");
    pub const Variants: Metric = Metric::named("variants");
    pub const VariantsHashed: Metric = Metric::named("variants_hashed");
    pub const FirstDetectionMin: Metric = Metric::named("first_detection_min");
    pub const ActivationMin: Metric = Metric::named("activation_min");
    pub const ContainedMin: Metric = Metric::named("contained_min");
    pub const Events: Metric = Metric::named("events");

    /// The default set for `ttx compare`: the outcomes planners weigh.
    pub const DEFAULT: [Metric; 7] = [
        Metric::Exposure,
        Metric::ExposureEu,
        Metric::PeakLive,
        Metric::Published,
        Metric::Blocked,
        Metric::Removed,
        Metric::LiveAtEnd,
    ];

    pub const StreamCutMin: Metric = Metric::named("stream_cut_min");
    pub const LiveViews: Metric = Metric::named("live_views");
    pub const PostViews: Metric = Metric::named("post_views");
    pub const ClickViews: Metric = Metric::named("click_views");
    pub const PostsRemoved: Metric = Metric::named("posts_removed");

    /// The default set for a comparison of `scenario`'s variants: [`Metric::DEFAULT`], and
    /// the part II outcomes of the mechanisms the scenario uses: the stream cut and live
    /// views with a live phase, the posts' views, click views and removals with post
    /// links. (A part I scenario's summaries are as they always were.)
    pub fn defaults_for(scenario: &crate::scenario::Scenario) -> Vec<Metric> {
        let models =
            || std::iter::once(&scenario.base).chain(scenario.variants.iter().map(|v| &v.model));
        let mut out = Metric::DEFAULT.to_vec();
        if models().any(|m| m.contents.iter().any(|c| c.live.is_some())) {
            out.extend([Metric::StreamCutMin, Metric::LiveViews]);
        }
        if models().any(|m| {
            m.links
                .iter()
                .any(|l| l.kind == crate::scenario::LinkKind::Post)
        }) {
            out.extend([Metric::PostViews, Metric::ClickViews, Metric::PostsRemoved]);
        }
        out
    }

    /// The metric of column `name`; a name that is none fails the build.
    const fn named(name: &str) -> Metric {
        match record::position::<RunOutcome>(name) {
            Some(i) if RunOutcome::COLUMNS[i].numeric => Metric(i as u8),
            _ => panic!("not a numeric column of runs.csv"),
        }
    }

    fn column(self) -> &'static Column<RunOutcome> {
        &RunOutcome::COLUMNS[usize::from(self.0)]
    }

    /// Its column's name in `runs.csv`.
    pub fn name(self) -> &'static str {
        self.column().name
    }

    /// Words for verdicts ("reduces exposure by ..."); the name unless better words exist.
    pub fn label(self) -> &'static str {
        match self {
            Metric::PeakLive => "peak live copies",
            Metric::LiveAtEnd => "copies live at the end",
            Metric::ExposureEu => "exposure in the EU",
            Metric::FirstDetectionMin => "time to first detection",
            Metric::ActivationMin => "time to activation",
            Metric::ContainedMin => "time to containment",
            Metric::VariantsHashed => "variants hashed",
            Metric::StreamCutMin => "time to the stream's cut",
            Metric::LiveViews => "live views",
            Metric::PostViews => "views of link posts",
            Metric::ClickViews => "views through link posts",
            Metric::PostsRemoved => "link posts removed",
            m => m.name(),
        }
    }

    /// Parse a metric name; the error names the closest one and lists them all.
    pub fn parse(name: &str) -> Result<Metric, UnknownMetric> {
        let name = name.trim();
        if let Some(m) = Metric::ALL.iter().find(|m| m.name() == name) {
            return Ok(*m);
        }
        let closest = Metric::ALL
            .iter()
            .map(|m| (strsim::jaro_winkler(name, m.name()), m.name()))
            .filter(|(s, _)| *s > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, m)| m);
        Err(UnknownMetric {
            name: name.to_string(),
            closest,
        })
    }

    /// The metric's value in run outcome `o`, as `runs.csv` holds it (to its decimals),
    /// so summaries recomputed from the file are the same; `None` where it never happened.
    pub fn value(self, o: &RunOutcome) -> Option<f64> {
        (self.column().number)(o)
    }
}

impl fmt::Debug for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Metric({})", self.name())
    }
}

/// A name that is no metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMetric {
    pub name: String,
    /// The metric it most resembles, if one does.
    pub closest: Option<&'static str>,
}

impl fmt::Display for UnknownMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown metric `{}`", self.name)?;
        if let Some(m) = self.closest {
            write!(f, " (did you mean `{m}`?)")?;
        }
        let all: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        write!(f, "; the metrics are: {}", all.join(", "))
    }
}

impl std::error::Error for UnknownMetric {}

/// The columns of `timeseries.csv` the collector keeps.
const SAMPLE_TIME: &Column<SampleRecord> = record::column("time_min");
const SAMPLE_VIEWS: &Column<SampleRecord> = record::column("views_cum");

/// Time-series values of one (variant, time, platform) across replications.
#[derive(Debug, Default, Clone)]
struct SeriesPoint {
    live: Vec<f64>,
    views: Vec<f64>,
}

/// Collects what a comparison needs from the stream of records.
#[derive(Debug, Clone)]
pub struct Collector {
    variants: Vec<Arc<str>>,
    platforms: Vec<Arc<str>>,
    metrics: Vec<Metric>,
    /// values[variant][metric][replication]
    values: Vec<Vec<Vec<Option<f64>>>>,
    /// Per variant: (time bits, platform index; `platforms.len()` is "all") -> values.
    series: Vec<BTreeMap<(u64, usize), SeriesPoint>>,
    /// Per variant: the current run's platform sums at the current sample time.
    all_acc: Vec<Option<(u32, u64, f64, f64)>>,
}

impl Collector {
    /// `variants` in report order (the first is the reference); `platforms` in scenario order.
    pub fn new(variants: Vec<Arc<str>>, platforms: Vec<Arc<str>>, metrics: Vec<Metric>) -> Self {
        let n = variants.len();
        Collector {
            values: vec![vec![Vec::new(); metrics.len()]; n],
            series: vec![BTreeMap::new(); n],
            all_acc: vec![None; n],
            variants,
            platforms,
            metrics,
        }
    }

    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    pub fn variants(&self) -> &[Arc<str>] {
        &self.variants
    }

    fn variant_index(&self, name: &str) -> Option<usize> {
        self.variants.iter().position(|v| &**v == name)
    }

    /// Replication values of one metric of one variant (`None` where it never happened).
    pub fn values(&self, variant: usize, metric: Metric) -> &[Option<f64>] {
        match self.metrics.iter().position(|&m| m == metric) {
            Some(m) => &self.values[variant][m],
            None => &[],
        }
    }

    /// Summary of one metric of one variant.
    pub fn describe(&self, variant: usize, metric: Metric) -> Option<Describe> {
        let present: Vec<f64> = self
            .values(variant, metric)
            .iter()
            .flatten()
            .copied()
            .collect();
        Describe::of(&present)
    }

    /// Paired difference of a variant against the reference (variant 0).
    pub fn paired(&self, variant: usize, metric: Metric) -> Option<Paired> {
        if variant == 0 {
            return None;
        }
        Paired::of(self.values(0, metric), self.values(variant, metric))
    }

    /// Replications collected for each variant (the smallest count).
    pub fn replications(&self) -> usize {
        self.values
            .iter()
            .flat_map(|v| v.first().map(Vec::len))
            .min()
            .unwrap_or(0)
    }

    /// The stopping rule of `--replications auto`: every paired difference's 95%
    /// half-width within `precision` times the reference mean of its metric (metrics whose
    /// reference mean is 0 are skipped). Returns the widest relative half-width seen.
    pub fn worst_relative_half_width(&self) -> Option<f64> {
        let mut worst: Option<f64> = None;
        for v in 1..self.variants.len() {
            for &m in &self.metrics {
                let Some(p) = self.paired(v, m) else {
                    continue;
                };
                if p.reference_mean == 0.0 || p.n < 2 {
                    continue;
                }
                let rel = p.half_width() / p.reference_mean.abs();
                worst = Some(worst.map_or(rel, |w: f64| w.max(rel)));
            }
        }
        worst
    }

    fn flush_all(&mut self, v: usize) {
        if let Some((_, t, live, views)) = self.all_acc[v].take() {
            let all = self.platforms.len();
            let p = self.series[v].entry((t, all)).or_default();
            p.live.push(live);
            p.views.push(views);
        }
    }

    /// The summary table as CSV (`summary.csv`).
    pub fn write_summary(&self, w: impl Write) -> io::Result<()> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record([
            "variant",
            "metric",
            "n",
            "mean",
            "sd",
            "p05",
            "p50",
            "p95",
            "ci95_low",
            "ci95_high",
            "delta_mean",
            "delta_ci95_low",
            "delta_ci95_high",
            "ratio_mean",
        ])?;
        let num = |x: f64| fixed(x, 4);
        for (v, name) in self.variants.iter().enumerate() {
            for &m in &self.metrics {
                let d = self.describe(v, m);
                let p = self.paired(v, m);
                let mut row = vec![neutralize(name).into_owned(), m.name().to_string()];
                match d {
                    Some(d) => row.extend([
                        d.n.to_string(),
                        num(d.mean),
                        num(d.sd),
                        num(d.p05),
                        num(d.p50),
                        num(d.p95),
                        num(d.ci95_low),
                        num(d.ci95_high),
                    ]),
                    None => {
                        row.push("0".into());
                        row.extend(std::iter::repeat_n(String::new(), 7));
                    }
                }
                match p {
                    Some(p) => row.extend([
                        num(p.delta_mean),
                        num(p.delta_ci95_low),
                        num(p.delta_ci95_high),
                        p.ratio_mean.map(|r| fixed(r, 6)).unwrap_or_default(),
                    ]),
                    None => row.extend(std::iter::repeat_n(String::new(), 4)),
                }
                out.write_record(&row)?;
            }
        }
        out.flush()
    }

    /// Per (variant, time, platform) quantiles of live copies and cumulative views, plus
    /// platform `all` (`timeseries_summary.csv`).
    pub fn write_timeseries_summary(&self, w: impl Write) -> io::Result<()> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record([
            "variant",
            "time_min",
            "platform",
            "live_mean",
            "live_p05",
            "live_p50",
            "live_p95",
            "views_cum_mean",
            "views_cum_p05",
            "views_cum_p50",
            "views_cum_p95",
        ])?;
        let all: Arc<str> = Arc::from("all");
        for (v, name) in self.variants.iter().enumerate() {
            for (&(t, p), point) in &self.series[v] {
                let platform = self.platforms.get(p).unwrap_or(&all);
                let mut row = vec![
                    neutralize(name).into_owned(),
                    fixed(f64::from_bits(t), 3),
                    platform.to_string(),
                ];
                for values in [&point.live, &point.views] {
                    let mut sorted = values.clone();
                    sorted.sort_by(f64::total_cmp);
                    let mean = sorted.iter().sum::<f64>() / sorted.len().max(1) as f64;
                    row.push(fixed(mean, 3));
                    for q in [0.05, 0.5, 0.95] {
                        row.push(
                            quantile_sorted(&sorted, q)
                                .map(|x| fixed(x, 3))
                                .unwrap_or_default(),
                        );
                    }
                }
                out.write_record(&row)?;
            }
        }
        out.flush()
    }

    /// Write both summary files atomically into `dir`.
    pub fn write_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut summary = AtomicFile::create(&dir.join(SUMMARY))?;
        self.write_summary(&mut summary)?;
        let mut series = AtomicFile::create(&dir.join(TIMESERIES_SUMMARY))?;
        self.write_timeseries_summary(&mut series)?;
        summary.finish_writing()?;
        series.finish_writing()?;
        Ok(vec![summary.commit()?, series.commit()?])
    }

    /// A plain verdict on one metric of a variant against the reference, e.g. "reduces
    /// exposure by 38% (31–45%)" or "no clear difference in exposure (−3% to +4%)".
    pub fn verdict(&self, variant: usize, metric: Metric) -> Option<String> {
        let p = self.paired(variant, metric)?;
        Some(verdict(&p, metric))
    }

    /// The terminal table: exposure and peak live copies with intervals, and verdicts.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let reference = self
            .variants
            .first()
            .cloned()
            .unwrap_or_else(|| Arc::from(""));
        let width = self
            .variants
            .iter()
            .map(|v| v.chars().count())
            .max()
            .unwrap_or(7)
            .max(7);
        out.push_str(&format!(
            "{:<width$}  {:>32}  {:>26}\n",
            "variant", "exposure, views (95% CI)", "peak live copies (95% CI)"
        ));
        for (v, name) in self.variants.iter().enumerate() {
            let cell = |m: Metric, decimals: usize| {
                self.describe(v, m).map_or("-".to_string(), |d| {
                    if d.n < 2 {
                        // One replication has no interval.
                        return format!("{} (n = 1)", group(d.mean, decimals));
                    }
                    format!(
                        "{} ({}–{})",
                        group(d.mean, decimals),
                        group(d.ci95_low, decimals),
                        group(d.ci95_high, decimals)
                    )
                })
            };
            out.push_str(&format!(
                "{:<width$}  {:>32}  {:>26}\n",
                name,
                cell(Metric::Exposure, 0),
                cell(Metric::PeakLive, 1)
            ));
        }
        if self.variants.len() > 1 {
            out.push_str(&format!(
                "\nAgainst `{reference}` (paired by replication):\n"
            ));
            for v in 1..self.variants.len() {
                let verdicts: Vec<String> = [Metric::Exposure, Metric::PeakLive]
                    .iter()
                    .filter_map(|&m| self.verdict(v, m))
                    .collect();
                out.push_str(&format!(
                    "  {:<width$}  {}\n",
                    self.variants[v],
                    verdicts.join("; ")
                ));
            }
        }
        out
    }
}

/// Thousands separators for a table cell.
pub(crate) fn group(x: f64, decimals: usize) -> String {
    let s = fixed(x, decimals);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d.to_string()),
        None => ("", int),
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn verdict(p: &Paired, metric: Metric) -> String {
    let label = metric.label();
    if p.reference_mean == 0.0 {
        return if p.is_clear() {
            format!("changes {label} by {:+.1} (reference 0)", p.delta_mean)
        } else {
            format!("no clear difference in {label}")
        };
    }
    // Percent change relative to the reference mean, with the ratio's interval (see
    // `Paired::percent`); clear when that interval excludes no change.
    let Some((mid, lo, hi)) = p.percent() else {
        return format!("no clear difference in {label}");
    };
    let clear = match p.ratio_ci95 {
        Some(_) => lo > 0.0 || hi < 0.0,
        None => p.is_clear(),
    };
    if !clear {
        format!("no clear difference in {label} ({lo:+.0}% to {hi:+.0}%)")
    } else if mid < 0.0 {
        format!("reduces {label} by {:.0}% ({:.0}–{:.0}%)", -mid, -hi, -lo)
    } else {
        format!("increases {label} by {mid:.0}% ({lo:.0}–{hi:.0}%)")
    }
}

impl Sink for Collector {
    fn run_outcome(&mut self, run: &RunId, o: &RunOutcome) {
        let Some(v) = self.variant_index(&run.variant) else {
            return;
        };
        let r = run.replication as usize;
        for (i, &m) in self.metrics.iter().enumerate() {
            let col = &mut self.values[v][i];
            if col.len() <= r {
                col.resize(r + 1, None);
            }
            col[r] = m.value(o);
        }
        self.flush_all(v);
    }

    fn sample(&mut self, run: &RunId, s: &SampleRecord) {
        let Some(v) = self.variant_index(&run.variant) else {
            return;
        };
        let Some(p) = self.platforms.iter().position(|x| *x == s.platform) else {
            return;
        };
        // As timeseries.csv holds them, so summaries can be recomputed from the file.
        let t = (SAMPLE_TIME.number)(s).unwrap_or(s.time).to_bits();
        let views_cum = (SAMPLE_VIEWS.number)(s).unwrap_or(s.views_cum);
        let point = self.series[v].entry((t, p)).or_default();
        point.live.push(s.live as f64);
        point.views.push(views_cum);
        // Platform "all": sum over platforms at this (run, time).
        match &mut self.all_acc[v] {
            Some((rep, time, live, views)) if *rep == run.replication && *time == t => {
                *live += s.live as f64;
                *views += views_cum;
            }
            _ => {
                self.flush_all(v);
                self.all_acc[v] = Some((run.replication, t, s.live as f64, views_cum));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_round_trip_and_suggest() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.name()), Ok(m));
        }
        let e = Metric::parse("exposre").unwrap_err().to_string();
        assert!(e.contains("did you mean `exposure`?"), "{e}");
    }

    #[test]
    fn verdicts_read_plainly() {
        let p = Paired {
            n: 100,
            delta_mean: -38.0,
            delta_sd: 1.0,
            delta_ci95_low: -45.0,
            delta_ci95_high: -31.0,
            ratio_mean: Some(0.62),
            ratio_ci95: None,
            reference_mean: 100.0,
        };
        assert_eq!(
            verdict(&p, Metric::Exposure),
            "reduces exposure by 38% (31–45%)"
        );
        let q = Paired {
            delta_mean: 1.0,
            delta_ci95_low: -3.0,
            delta_ci95_high: 4.0,
            ..p
        };
        assert_eq!(
            verdict(&q, Metric::Exposure),
            "no clear difference in exposure (-3% to +4%)"
        );
    }

    #[test]
    fn grouping() {
        assert_eq!(group(1234567.0, 0), "1,234,567");
        assert_eq!(group(-1234.5, 1), "-1,234.5");
        assert_eq!(group(12.0, 0), "12");
    }
}
