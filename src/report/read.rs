//! Reading a results directory: whatever `run`, `compare`, `merge` and `exercise` wrote
//! there, each file optional. Run outcomes (and, without a comparison's summary, the
//! time series) are replayed through the comparison's [`Collector`], as `ttx merge`
//! replays shards, so every statistic is the one `ttx compare` computes.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use csv::StringRecord;

use super::ReportError;
use super::after_action::AfterAction;
use super::fit::FitRow;
use crate::compare::{Collector, Metric};
use crate::output::RunMeta;
use crate::output::files::{SUMMARY, TIMESERIES_SUMMARY};
use crate::record::{Columns, PlatformOutcome, Record, RunOutcome, SampleRecord, neutralize};
use crate::sink::{RunId, Sink};

/// `protocols.csv`: one row per (variant, replication, protocol).
pub const PROTOCOLS: &str = "protocols.csv";
/// A calibration's targets against the model.
pub const FIT: &str = "fit.csv";
/// An exercise's debrief.
pub const AFTER_ACTION: &str = "after-action.md";
/// `events.csv` is read for an exercise's decisions only when no bigger than this
/// (an exercise writes one run's events; a large batch's log is not needed).
const EVENTS_LIMIT: u64 = 64 << 20;

/// Quantiles of one quantity at one time, across replications.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Quantiles {
    pub mean: f64,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// One sample time of a series: live copies and cumulative views.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesPoint {
    pub time: f64,
    pub live: Quantiles,
    pub views: Quantiles,
}

/// `timeseries_summary.csv`'s contents: per (variant, platform or `all`), in time order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesSummary {
    /// Platforms in file order (not `all`).
    pub platforms: Vec<String>,
    pub series: BTreeMap<(usize, String), Vec<SeriesPoint>>,
}

impl SeriesSummary {
    pub fn get(&self, variant: usize, platform: &str) -> &[SeriesPoint] {
        self.series
            .get(&(variant, platform.to_string()))
            .map_or(&[], Vec::as_slice)
    }
}

/// Means per run of a platform's totals (from `platforms.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlatformMeans {
    pub runs: usize,
    pub attempts: f64,
    pub blocked: f64,
    pub published: f64,
    pub removed_review: f64,
    pub removed_order: f64,
    pub removed_sweep: f64,
    pub live_at_end: f64,
    pub views: f64,
}

/// `platforms.csv`, averaged over replications: `means[variant][platform]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlatformTotals {
    pub platforms: Vec<String>,
    pub means: Vec<Vec<PlatformMeans>>,
}

impl PlatformTotals {
    /// The sum over platforms of one variant's means.
    pub fn total(&self, variant: usize) -> PlatformMeans {
        let mut t = PlatformMeans::default();
        for p in self.means.get(variant).into_iter().flatten() {
            t.runs = t.runs.max(p.runs);
            t.attempts += p.attempts;
            t.blocked += p.blocked;
            t.published += p.published;
            t.removed_review += p.removed_review;
            t.removed_order += p.removed_order;
            t.removed_sweep += p.removed_sweep;
            t.live_at_end += p.live_at_end;
            t.views += p.views;
        }
        t
    }
}

/// A protocol's milestone times in one variant, across replications.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProtocolTimes {
    pub variant: usize,
    pub protocol: String,
    /// Replications with a row (or, from `runs.csv`, every replication).
    pub runs: usize,
    pub triggered: Vec<f64>,
    pub activated: Vec<f64>,
    pub deactivated: Vec<f64>,
    /// How it was triggered, by count (`protocols.csv`'s `trigger`).
    pub triggers: BTreeMap<String, usize>,
}

/// A row of `summary.csv` (used when `runs.csv` is absent).
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub variant: usize,
    pub metric: String,
    pub n: u64,
    pub mean: Option<f64>,
    pub ci95: Option<(f64, f64)>,
    pub delta: Option<(f64, f64, f64)>,
}

/// A decision of an exercise's live run (from `events.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionEvent {
    pub at: f64,
    pub what: String,
}

/// Everything found in a results directory.
pub struct Results {
    pub dir: PathBuf,
    pub meta: Option<RunMeta>,
    /// When the results were written (the files' modification time).
    pub written: Option<SystemTime>,
    /// The files read.
    pub files: Vec<String>,
    /// Variant names in report order; the first is the reference.
    pub variants: Vec<Arc<str>>,
    /// Run outcomes (every metric `runs.csv` has), with the time series when the
    /// directory has no `timeseries_summary.csv`.
    pub runs: Option<Collector>,
    pub replications: usize,
    pub platforms: Option<PlatformTotals>,
    pub series: Option<SeriesSummary>,
    /// From `protocols.csv` when present, else activation times from `runs.csv`.
    pub protocols: Vec<ProtocolTimes>,
    /// Whether `protocols` came from `protocols.csv`.
    pub protocols_file: bool,
    pub summary: Vec<SummaryRow>,
    pub decisions: Vec<DecisionEvent>,
    pub after_action: Option<AfterAction>,
    pub fit: Option<Vec<FitRow>>,
    /// A sweep's summary (`sweep_summary.csv`).
    pub sweep: Option<super::sweep::SweepTable>,
    /// What was left out, and why.
    pub notes: Vec<String>,
}

fn read_error(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A CSV file's header (name -> position) and rows, read whole.
struct Csv {
    path: PathBuf,
    header: StringRecord,
    pos: HashMap<String, usize>,
    rows: Vec<StringRecord>,
}

impl Csv {
    fn read(path: &Path) -> Result<Option<Csv>, ReportError> {
        if !path.is_file() {
            return Ok(None);
        }
        let mut r = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|e| read_error(path, e))?;
        let header = r.headers().map_err(|e| read_error(path, e))?.clone();
        let pos = positions(&header);
        let rows = r
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| read_error(path, e))?;
        Ok(Some(Csv {
            path: path.to_path_buf(),
            header,
            pos,
            rows,
        }))
    }

    fn has(&self, column: &str) -> bool {
        self.pos.contains_key(column)
    }

    fn need(&self, column: &str) -> Result<usize, ReportError> {
        self.pos
            .get(column)
            .copied()
            .ok_or_else(|| read_error(&self.path, format!("its header has no `{column}` column")))
    }
}

fn positions(header: &StringRecord) -> HashMap<String, usize> {
    header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_string(), i))
        .collect()
}

/// A record of type `R` from a row: columns found by name; a column the file lacks
/// reads as `0` (callers use only the columns the file has).
fn record<R: Columns>(
    rec: &StringRecord,
    pos: &HashMap<String, usize>,
) -> Result<R, crate::record::ColumnError> {
    R::read(|column| Ok(pos.get(column).and_then(|&i| rec.get(i)).unwrap_or("0")))
}

/// Variant names: as `run.yaml` lists them, and any others in the order files name them.
struct Variants {
    names: Vec<Arc<str>>,
    written: Vec<String>,
}

impl Variants {
    fn new(meta: Option<&RunMeta>) -> Self {
        let mut v = Variants {
            names: Vec::new(),
            written: Vec::new(),
        };
        for name in meta.map(|m| m.variants.as_slice()).unwrap_or_default() {
            v.names.push(Arc::from(name.as_str()));
            v.written.push(neutralize(name).into_owned());
        }
        v
    }

    /// The variant a file's cell names, added if new.
    fn index(&mut self, written: &str) -> usize {
        if let Some(i) = self.written.iter().position(|w| w == written) {
            return i;
        }
        // A name the metadata does not list: shown as written, less the spreadsheet guard.
        let shown = written.strip_prefix('\'').unwrap_or(written);
        self.names.push(Arc::from(shown));
        self.written.push(written.to_string());
        self.names.len() - 1
    }

    fn find(&self, written: &str) -> Option<usize> {
        self.written.iter().position(|w| w == written)
    }
}

fn parse_num(path: &Path, column: &str, text: &str) -> Result<Option<f64>, ReportError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<f64>()
        .map(Some)
        .map_err(|_| read_error(path, format!("`{column}`: expected a number, found `{t}`")))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Results {
    /// Read what `dir` holds. Fails only on a damaged file, or when `dir` holds no
    /// results at all.
    pub fn read(dir: &Path) -> Result<Results, ReportError> {
        if !dir.is_dir() {
            return Err(ReportError::NotResults {
                dir: dir.to_path_buf(),
                message: "not a directory".into(),
            });
        }
        let meta =
            RunMeta::read(dir).map_err(|e| read_error(&dir.join(crate::output::RUN_META), e))?;
        let mut files = Vec::new();
        let mut notes = Vec::new();
        if meta.is_some() {
            files.push(crate::output::RUN_META.to_string());
        }
        let mut variants = Variants::new(meta.as_ref());

        let mut runs_csv = Csv::read(&dir.join(RunOutcome::FILE))?;
        let mut platforms_csv = Csv::read(&dir.join(PlatformOutcome::FILE))?;
        let series_csv = Csv::read(&dir.join(TIMESERIES_SUMMARY))?;
        let summary_csv = Csv::read(&dir.join(SUMMARY))?;
        let mut protocols_csv = Csv::read(&dir.join(PROTOCOLS))?;

        // A sweep's run files hold every cell under the same variant names: read as one
        // batch they would mix the cells, so the report shows the sweep's summary.
        let sweep = match Csv::read(&dir.join(crate::output::files::SWEEP_SUMMARY))? {
            Some(csv) => {
                files.push(crate::output::files::SWEEP_SUMMARY.into());
                Some(super::sweep::read(
                    &csv.path,
                    &csv.header,
                    &csv.pos,
                    &csv.rows,
                )?)
            }
            None => None,
        };
        if sweep.is_some() || runs_csv.as_ref().is_some_and(|c| c.has("cell")) {
            if sweep.is_none() {
                notes.push(format!(
                    "{} is a sweep's (it has a `cell` column) but there is no {}: the run files mix the cells, so they are not summarised here; run `ttx merge` or the sweep again with its summary.",
                    RunOutcome::FILE,
                    crate::output::files::SWEEP_SUMMARY
                ));
            } else {
                notes.push(
                    "The run files of a sweep hold every cell under the same variant names, so the report shows the sweep cell by cell (sweep_summary.csv) rather than the run files' totals.".into(),
                );
            }
            runs_csv = None;
            platforms_csv = None;
            protocols_csv = None;
        }

        // Variants in the order the files name them (after run.yaml's).
        for csv in [
            &runs_csv,
            &platforms_csv,
            &series_csv,
            &summary_csv,
            &protocols_csv,
        ]
        .into_iter()
        .flatten()
        {
            if let Some(&at) = csv.pos.get("variant") {
                for r in &csv.rows {
                    variants.index(r.get(at).unwrap_or_default());
                }
            }
        }

        let platforms = match &platforms_csv {
            Some(csv) => {
                files.push(PlatformOutcome::FILE.into());
                Some(read_platforms(csv, &mut variants)?)
            }
            None => None,
        };

        let mut series = match &series_csv {
            Some(csv) => {
                files.push(TIMESERIES_SUMMARY.into());
                Some(read_series(csv, &mut variants)?)
            }
            None => None,
        };

        // Run outcomes through the comparison's collector; with them the time series when
        // no summary of it was written.
        let (runs, replications) = match &runs_csv {
            Some(csv) => {
                files.push(RunOutcome::FILE.into());
                csv.need("variant")?;
                csv.need("replication")?;
                let metrics: Vec<Metric> = Metric::ALL
                    .iter()
                    .copied()
                    .filter(|m| csv.has(m.name()))
                    .collect();
                let platform_names: Vec<Arc<str>> = platforms
                    .as_ref()
                    .map(|p| p.platforms.iter().map(|s| Arc::from(s.as_str())).collect())
                    .unwrap_or_default();
                let mut c = Collector::new(variants.names.clone(), platform_names.clone(), metrics);
                let ts_path = dir.join(SampleRecord::FILE);
                if series.is_none() && ts_path.is_file() && !platform_names.is_empty() {
                    files.push(SampleRecord::FILE.into());
                    feed_samples(&ts_path, &variants, &mut c)?;
                }
                let (vat, rat) = (csv.pos["variant"], csv.pos["replication"]);
                for rec in &csv.rows {
                    let v = variants.index(rec.get(vat).unwrap_or_default());
                    let replication =
                        rec.get(rat)
                            .unwrap_or_default()
                            .trim()
                            .parse()
                            .map_err(|_| {
                                read_error(&csv.path, "`replication`: expected a whole number")
                            })?;
                    let outcome: RunOutcome =
                        record(rec, &csv.pos).map_err(|e| read_error(&csv.path, e))?;
                    let id = RunId {
                        variant: Arc::clone(&variants.names[v]),
                        replication,
                        seed: 0,
                    };
                    c.run_outcome(&id, &outcome);
                }
                if series.is_none() && files.iter().any(|f| f == SampleRecord::FILE) {
                    let mut bytes = Vec::new();
                    c.write_timeseries_summary(&mut bytes)
                        .map_err(|e| read_error(&ts_path, e))?;
                    let mut r = csv::Reader::from_reader(&bytes[..]);
                    let header = r.headers().map_err(|e| read_error(&ts_path, e))?.clone();
                    let pos = positions(&header);
                    let rows = r
                        .records()
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| read_error(&ts_path, e))?;
                    let summary = Csv {
                        path: ts_path.clone(),
                        header,
                        pos,
                        rows,
                    };
                    series = Some(read_series(&summary, &mut variants)?);
                }
                let n = c.replications();
                (Some(c), n)
            }
            None => (None, 0),
        };

        let summary = match (&runs, &summary_csv) {
            (None, Some(csv)) => {
                files.push(SUMMARY.into());
                read_summary(csv, &mut variants)?
            }
            _ => Vec::new(),
        };

        let (protocols, protocols_file) = match &protocols_csv {
            Some(csv) => {
                files.push(PROTOCOLS.into());
                (read_protocols(csv, &mut variants)?, true)
            }
            None => (
                runs.as_ref()
                    .map(|c| activation_from_runs(c, variants.names.len()))
                    .unwrap_or_default(),
                false,
            ),
        };

        let is_exercise = meta.as_ref().is_some_and(|m| m.command == "exercise");
        let events = dir.join(crate::record::EventRecord::FILE);
        let decisions = if events.is_file()
            && (is_exercise || std::fs::metadata(&events).is_ok_and(|m| m.len() <= EVENTS_LIMIT))
        {
            let d = read_decisions(&events)?;
            if !d.is_empty() {
                files.push(crate::record::EventRecord::FILE.into());
            }
            d
        } else {
            Vec::new()
        };

        let after_action = match std::fs::read_to_string(dir.join(AFTER_ACTION)) {
            Ok(text) => {
                files.push(AFTER_ACTION.into());
                Some(AfterAction::parse(&text))
            }
            Err(_) => None,
        };

        let fit = match Csv::read(&dir.join(FIT))? {
            Some(csv) => {
                files.push(FIT.into());
                Some(super::fit::read(&csv.path, &csv.pos, &csv.rows)?)
            }
            None => None,
        };

        let replications = match &sweep {
            Some(t) => t.rows.iter().map(|r| r.n).max().unwrap_or(0),
            None => replications,
        };
        if runs.is_none()
            && sweep.is_none()
            && summary.is_empty()
            && series.is_none()
            && platforms.is_none()
            && fit.is_none()
            && after_action.is_none()
        {
            return Err(ReportError::NotResults {
                dir: dir.to_path_buf(),
                message: "it holds none of the files `ttx run`, `compare`, `merge` or `exercise` write (runs.csv, platforms.csv, timeseries_summary.csv, summary.csv, after-action.md)".into(),
            });
        }
        if meta.is_none() {
            notes.push(format!(
                "{} has no {}: the scenario, seed and ttx version of these results are not known (results written before ttx recorded them, or by hand).",
                dir.display(),
                crate::output::RUN_META
            ));
        }
        let written = [
            crate::output::RUN_META,
            RunOutcome::FILE,
            SUMMARY,
            AFTER_ACTION,
            FIT,
        ]
        .iter()
        .find_map(|f| modified(&dir.join(f)));
        Ok(Results {
            dir: dir.to_path_buf(),
            meta,
            written,
            files,
            variants: variants.names,
            runs,
            replications,
            platforms,
            series,
            protocols,
            protocols_file,
            summary,
            decisions,
            after_action,
            fit,
            sweep,
            notes,
        })
    }
}

fn read_platforms(csv: &Csv, variants: &mut Variants) -> Result<PlatformTotals, ReportError> {
    let vat = csv.need("variant")?;
    csv.need("platform")?;
    let mut platforms: Vec<String> = Vec::new();
    let mut sums: BTreeMap<(usize, usize), PlatformMeans> = BTreeMap::new();
    for rec in &csv.rows {
        let v = variants.index(rec.get(vat).unwrap_or_default());
        let o: PlatformOutcome = record(rec, &csv.pos).map_err(|e| read_error(&csv.path, e))?;
        let p = match platforms.iter().position(|x| **x == *o.platform) {
            Some(p) => p,
            None => {
                platforms.push(o.platform.to_string());
                platforms.len() - 1
            }
        };
        let s = sums.entry((v, p)).or_default();
        s.runs += 1;
        s.attempts += o.attempts as f64;
        s.blocked += o.blocked as f64;
        s.published += o.published as f64;
        s.removed_review += o.removed_review as f64;
        s.removed_order += o.removed_order as f64;
        s.removed_sweep += o.removed_sweep as f64;
        s.live_at_end += o.live_at_end as f64;
        s.views += o.views;
    }
    let mut means = vec![vec![PlatformMeans::default(); platforms.len()]; variants.names.len()];
    for ((v, p), s) in sums {
        let n = s.runs.max(1) as f64;
        means[v][p] = PlatformMeans {
            runs: s.runs,
            attempts: s.attempts / n,
            blocked: s.blocked / n,
            published: s.published / n,
            removed_review: s.removed_review / n,
            removed_order: s.removed_order / n,
            removed_sweep: s.removed_sweep / n,
            live_at_end: s.live_at_end / n,
            views: s.views / n,
        };
    }
    Ok(PlatformTotals { platforms, means })
}

/// Feed `timeseries.csv`'s rows to the collector as samples, streaming (the file can be
/// large; the collector keeps two numbers per row).
fn feed_samples(path: &Path, variants: &Variants, c: &mut Collector) -> Result<(), ReportError> {
    let mut r = csv::ReaderBuilder::new()
        .from_path(path)
        .map_err(|e| read_error(path, e))?;
    let pos = positions(r.headers().map_err(|e| read_error(path, e))?);
    for column in [
        "variant",
        "replication",
        "platform",
        "time_min",
        "live",
        "views_cum",
    ] {
        if !pos.contains_key(column) {
            return Err(read_error(
                path,
                format!("its header has no `{column}` column"),
            ));
        }
    }
    let (vat, rat) = (pos["variant"], pos["replication"]);
    let mut rec = StringRecord::new();
    let mut last: Option<(String, usize)> = None;
    while r.read_record(&mut rec).map_err(|e| read_error(path, e))? {
        let written = rec.get(vat).unwrap_or_default();
        let v = match &last {
            Some((w, v)) if w == written => *v,
            _ => {
                let Some(v) = variants.find(written) else {
                    continue;
                };
                last = Some((written.to_string(), v));
                v
            }
        };
        let replication = rec
            .get(rat)
            .unwrap_or_default()
            .trim()
            .parse()
            .map_err(|_| read_error(path, "`replication`: expected a whole number"))?;
        let sample: SampleRecord = record(&rec, &pos).map_err(|e| read_error(path, e))?;
        let id = RunId {
            variant: Arc::clone(&variants.names[v]),
            replication,
            seed: 0,
        };
        c.sample(&id, &sample);
    }
    Ok(())
}

fn read_series(csv: &Csv, variants: &mut Variants) -> Result<SeriesSummary, ReportError> {
    let col = |name: &str| csv.need(name);
    let (vat, tat, pat) = (col("variant")?, col("time_min")?, col("platform")?);
    let q = |prefix: &str| -> Result<[usize; 4], ReportError> {
        Ok([
            col(&format!("{prefix}_mean"))?,
            col(&format!("{prefix}_p05"))?,
            col(&format!("{prefix}_p50"))?,
            col(&format!("{prefix}_p95"))?,
        ])
    };
    let (live, views) = (q("live")?, q("views_cum")?);
    let mut out = SeriesSummary::default();
    for rec in &csv.rows {
        let v = variants.index(rec.get(vat).unwrap_or_default());
        let platform = rec.get(pat).unwrap_or_default().to_string();
        if platform != "all" && !out.platforms.contains(&platform) {
            out.platforms.push(platform.clone());
        }
        let num = |at: usize| -> Result<f64, ReportError> {
            Ok(parse_num(&csv.path, "value", rec.get(at).unwrap_or_default())?.unwrap_or(0.0))
        };
        let quant = |cols: [usize; 4]| -> Result<Quantiles, ReportError> {
            Ok(Quantiles {
                mean: num(cols[0])?,
                p05: num(cols[1])?,
                p50: num(cols[2])?,
                p95: num(cols[3])?,
            })
        };
        let point = SeriesPoint {
            time: num(tat)?,
            live: quant(live)?,
            views: quant(views)?,
        };
        out.series.entry((v, platform)).or_default().push(point);
    }
    for points in out.series.values_mut() {
        points.sort_by(|a, b| a.time.total_cmp(&b.time));
    }
    Ok(out)
}

fn read_summary(csv: &Csv, variants: &mut Variants) -> Result<Vec<SummaryRow>, ReportError> {
    let (vat, mat) = (csv.need("variant")?, csv.need("metric")?);
    let get = |rec: &StringRecord, name: &str| -> Result<Option<f64>, ReportError> {
        match csv.pos.get(name) {
            Some(&i) => parse_num(&csv.path, name, rec.get(i).unwrap_or_default()),
            None => Ok(None),
        }
    };
    let mut out = Vec::new();
    for rec in &csv.rows {
        let v = variants.index(rec.get(vat).unwrap_or_default());
        let both = |a: Option<f64>, b: Option<f64>| a.zip(b);
        out.push(SummaryRow {
            variant: v,
            metric: rec.get(mat).unwrap_or_default().to_string(),
            n: get(rec, "n")?.unwrap_or(0.0) as u64,
            mean: get(rec, "mean")?,
            ci95: both(get(rec, "ci95_low")?, get(rec, "ci95_high")?),
            delta: match (
                get(rec, "delta_mean")?,
                get(rec, "delta_ci95_low")?,
                get(rec, "delta_ci95_high")?,
            ) {
                (Some(m), Some(l), Some(h)) => Some((m, l, h)),
                _ => None,
            },
        });
    }
    Ok(out)
}

fn read_protocols(csv: &Csv, variants: &mut Variants) -> Result<Vec<ProtocolTimes>, ReportError> {
    let (vat, pat) = (csv.need("variant")?, csv.need("protocol")?);
    let opt = |rec: &StringRecord, name: &str| -> Result<Option<f64>, ReportError> {
        match csv.pos.get(name) {
            Some(&i) => parse_num(&csv.path, name, rec.get(i).unwrap_or_default()),
            None => Ok(None),
        }
    };
    let mut by: BTreeMap<(usize, String), ProtocolTimes> = BTreeMap::new();
    let mut order: Vec<(usize, String)> = Vec::new();
    for rec in &csv.rows {
        let v = variants.index(rec.get(vat).unwrap_or_default());
        let protocol = rec.get(pat).unwrap_or_default().to_string();
        let key = (v, protocol.clone());
        if !by.contains_key(&key) {
            order.push(key.clone());
        }
        let t = by.entry(key).or_insert_with(|| ProtocolTimes {
            variant: v,
            protocol,
            ..Default::default()
        });
        t.runs += 1;
        t.triggered.extend(opt(rec, "triggered_min")?);
        t.activated.extend(opt(rec, "activated_min")?);
        t.deactivated.extend(opt(rec, "deactivated_min")?);
        if let Some(&i) = csv.pos.get("trigger") {
            let how = rec.get(i).unwrap_or_default().trim();
            if !how.is_empty() {
                *t.triggers.entry(how.to_string()).or_default() += 1;
            }
        }
    }
    order.sort();
    Ok(order.into_iter().filter_map(|k| by.remove(&k)).collect())
}

/// Without `protocols.csv`: each variant's activation times from `runs.csv`.
fn activation_from_runs(c: &Collector, variants: usize) -> Vec<ProtocolTimes> {
    if !c.metrics().contains(&Metric::ActivationMin) {
        return Vec::new();
    }
    (0..variants)
        .filter_map(|v| {
            let values = c.values(v, Metric::ActivationMin);
            let activated: Vec<f64> = values.iter().flatten().copied().collect();
            (!activated.is_empty()).then(|| ProtocolTimes {
                variant: v,
                protocol: String::new(),
                runs: values.len(),
                activated,
                ..Default::default()
            })
        })
        .collect()
}

fn read_decisions(path: &Path) -> Result<Vec<DecisionEvent>, ReportError> {
    let mut r = csv::ReaderBuilder::new()
        .from_path(path)
        .map_err(|e| read_error(path, e))?;
    let pos = positions(r.headers().map_err(|e| read_error(path, e))?);
    let (Some(&eat), Some(&tat), Some(&dat)) =
        (pos.get("event"), pos.get("time_min"), pos.get("detail"))
    else {
        return Ok(Vec::new());
    };
    let rat = pos.get("replication").copied();
    let mut out = Vec::new();
    let mut rec = StringRecord::new();
    while r.read_record(&mut rec).map_err(|e| read_error(path, e))? {
        // One run's decisions: those of the first replication.
        if rat.is_some_and(|i| rec.get(i).is_some_and(|r| r.trim() != "0")) {
            continue;
        }
        if rec.get(eat) != Some("decision") {
            continue;
        }
        let at = parse_num(path, "time_min", rec.get(tat).unwrap_or_default())?.unwrap_or(0.0);
        let what = rec.get(dat).unwrap_or_default();
        let what = what.strip_prefix('\'').unwrap_or(what).to_string();
        out.push(DecisionEvent { at, what });
    }
    Ok(out)
}
