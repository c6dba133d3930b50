//! The run files' writer: `runs.csv`, `platforms.csv`, `timeseries.csv` and `events.csv`
//! (those asked for), each a header and a row per record, as [`crate::record`] defines
//! them; other files committed with them (a comparison's summaries, a shard's manifest).

use std::io;
use std::path::{Path, PathBuf};

use csv::Writer;

use super::AtomicFile;
use super::atomic::{Committed, commit_all};
use super::files::MANIFEST;
use super::select::{Output, Outputs};
use super::shard::ShardManifest;
use crate::record::{self, Record, neutralize};
use crate::sink::{
    EventKind, EventRecord, PlatformOutcome, ProtocolOutcome, RunId, RunOutcome, SampleRecord, Sink,
};

/// Which files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputFiles {
    /// Also write `events.csv`, the event log.
    pub events: bool,
}

/// A sink writing the run files into a directory, atomically.
pub struct CsvOutputs {
    dir: PathBuf,
    runs: Option<Writer<AtomicFile>>,
    platforms: Option<Writer<AtomicFile>>,
    protocols: Option<Writer<AtomicFile>>,
    timeseries: Option<Writer<AtomicFile>>,
    events: Option<Writer<AtomicFile>>,
    /// Other files committed with the run files.
    extra: Vec<AtomicFile>,
    /// A shard's manifest, written at commit with the checksums of the run files.
    manifest: Option<ShardManifest>,
    /// The first write error; reported at commit (sinks cannot fail mid-run).
    error: Option<io::Error>,
    /// Scratch for one cell, so rows are written without allocating.
    cell: String,
    /// `blocked` lines held to be written as one line per (platform, detail) with their
    /// count, when the run's next line of another kind comes (see [`BlockedRun`]).
    blocked: Vec<BlockedRun>,
    blocked_run: Option<RunId>,
    /// The sample clock (every, horizon): blocked lines are counted per sample interval
    /// and written at its end. Without it, until the next line of another kind.
    sample_clock: Option<(f64, f64)>,
    /// The end of the interval the held lines belong to.
    blocked_until: f64,
    /// The current cell's values of those columns.
    sweep_cells: Vec<String>,
}

/// Blocked attempts of a run with the same platform and detail (content, variant,
/// source) in one sample interval: written as one `blocked` line at the interval's end
/// (the sample time), with their count and the first and last attempts' times in
/// `detail` (issue #16). Without a sample clock, the blocked lines
/// between two lines of other kinds are merged, at the last one's time.
struct BlockedRun {
    last: EventRecord,
    first_time: f64,
    count: u64,
}

/// A file of `R` records under a temporary name, its header written: the key columns,
/// then a sweep's `extra` columns, then the record's.
fn open<R: Record>(dir: &Path, hashed: bool, extra: &[String]) -> io::Result<Writer<AtomicFile>> {
    let path = dir.join(R::FILE);
    let file = if hashed {
        AtomicFile::create_hashed(&path)?
    } else {
        AtomicFile::create(&path)?
    };
    let mut w = Writer::from_writer(file);
    let key = R::KEY.iter().map(|c| c.name);
    let own = R::COLUMNS.iter().map(|c| c.name);
    w.write_record(key.chain(extra.iter().map(String::as_str)).chain(own))?;
    Ok(w)
}

/// One row: the run's key cells, a sweep cell's `extra` cells, then the record's.
fn write_row<R: Record>(
    w: &mut Writer<AtomicFile>,
    cell: &mut String,
    extra: &[String],
    run: &RunId,
    r: &R,
) -> csv::Result<()> {
    if extra.is_empty() {
        record::write_cells(run, r, cell, |c| w.write_field(c))?;
    } else {
        for c in R::KEY {
            cell.clear();
            (c.write)(run, cell);
            w.write_field(&*cell)?;
        }
        for e in extra {
            w.write_field(e)?;
        }
        for c in R::COLUMNS {
            cell.clear();
            (c.write)(r, cell);
            w.write_field(&*cell)?;
        }
    }
    // An empty record ends the row the fields began.
    w.write_record(None::<&[u8]>)
}

impl CsvOutputs {
    /// Create the directory if needed and open `runs.csv`, `platforms.csv`,
    /// `timeseries.csv` (and `events.csv` if asked) under temporary names.
    pub fn create(dir: &Path, files: OutputFiles) -> io::Result<Self> {
        Self::open(dir, Outputs::run_files(files.events), false, Vec::new())
    }

    /// Create the directory if needed and open the run files of `outputs` (the others
    /// are not created).
    pub fn create_selected(dir: &Path, outputs: Outputs) -> io::Result<Self> {
        Self::open(dir, outputs, false, Vec::new())
    }

    /// [`CsvOutputs::create_selected`] for a shard: `manifest` is written at commit
    /// beside the run files, with the SHA-256 of each.
    pub fn create_shard(dir: &Path, outputs: Outputs, manifest: ShardManifest) -> io::Result<Self> {
        let mut out = Self::open(dir, outputs, true, Vec::new())?;
        out.manifest = Some(manifest);
        Ok(out)
    }

    /// The run files of a sweep: `columns` (`cell` and the swept paths) after each row's
    /// key, their values given by [`CsvOutputs::set_sweep_cell`] before each cell's runs;
    /// with `manifest` for a shard.
    pub fn create_sweep(
        dir: &Path,
        outputs: Outputs,
        columns: Vec<String>,
        manifest: Option<ShardManifest>,
    ) -> io::Result<Self> {
        let columns = columns.iter().map(|c| neutralize(c).into_owned()).collect();
        let mut out = Self::open(dir, outputs, manifest.is_some(), columns)?;
        out.manifest = manifest;
        Ok(out)
    }

    /// The records that follow belong to a sweep cell with these values of its columns.
    pub fn set_sweep_cell(&mut self, values: &[String]) {
        // Blocked lines held are the previous cell's.
        self.flush_blocked();
        self.blocked_run = None;
        self.sweep_cells = values.iter().map(|v| neutralize(v).into_owned()).collect();
    }

    fn open(dir: &Path, outputs: Outputs, hashed: bool, extra: Vec<String>) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let want = |o: Output| outputs.contains(o);
        Ok(CsvOutputs {
            dir: dir.to_path_buf(),
            runs: want(Output::Runs)
                .then(|| open::<RunOutcome>(dir, hashed, &extra))
                .transpose()?,
            platforms: want(Output::Platforms)
                .then(|| open::<PlatformOutcome>(dir, hashed, &extra))
                .transpose()?,
            protocols: want(Output::Protocols)
                .then(|| open::<ProtocolOutcome>(dir, hashed, &extra))
                .transpose()?,
            timeseries: want(Output::Timeseries)
                .then(|| open::<SampleRecord>(dir, hashed, &extra))
                .transpose()?,
            events: want(Output::Events)
                .then(|| open::<EventRecord>(dir, hashed, &extra))
                .transpose()?,
            error: None,
            extra: Vec::new(),
            manifest: None,
            cell: String::new(),
            blocked: Vec::new(),
            blocked_run: None,
            sample_clock: None,
            blocked_until: f64::NEG_INFINITY,
            sweep_cells: vec![String::new(); extra.len()],
        })
    }

    /// Count `blocked` lines per sample interval of this clock (`sample_every`, horizon).
    pub fn blocked_by_sample(mut self, every: f64, horizon: f64) -> Self {
        if every > 0.0 && horizon.is_finite() {
            self.sample_clock = Some((every, horizon));
        }
        self
    }

    /// The end of the sample interval that holds time `t`: the first sample time at or
    /// after it.
    fn interval_end(&self, t: f64) -> f64 {
        match self.sample_clock {
            Some((every, horizon)) => ((t / every).ceil() * every).min(horizon),
            None => f64::INFINITY,
        }
    }

    /// The output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Also write `name` with `contents` beside the run files, committed with them.
    pub fn add_file(&mut self, name: &str, contents: &[u8]) -> io::Result<()> {
        let mut f = AtomicFile::create(&self.dir.join(name))?;
        io::Write::write_all(&mut f, contents)?;
        self.extra.push(f);
        Ok(())
    }

    /// Also write `run.yaml`, what produced these files, committed with them.
    pub fn add_meta(&mut self, meta: &super::RunMeta) -> io::Result<()> {
        self.add_file(super::RUN_META, meta.to_yaml().as_bytes())
    }

    /// Commit `file` (written beside the run files) with them.
    pub fn attach(&mut self, file: AtomicFile) {
        self.extra.push(file);
    }

    fn note(&mut self, r: csv::Result<()>) {
        if let Err(e) = r
            && self.error.is_none()
        {
            self.error = Some(e.into());
        }
    }

    /// Finish every file and rename them into place; returns their paths. If anything
    /// failed, no file is renamed and the temporary files are removed.
    pub fn commit(self) -> io::Result<Vec<PathBuf>> {
        self.commit_report().map(|c| c.written)
    }

    /// Write the held `blocked` lines, in the order of their last attempts.
    fn flush_blocked(&mut self) {
        if self.blocked.is_empty() {
            return;
        }
        let (Some(w), Some(run)) = (self.events.as_mut(), self.blocked_run.as_ref()) else {
            self.blocked.clear();
            return;
        };
        self.blocked
            .sort_by(|a, b| a.last.time.total_cmp(&b.last.time));
        let mut first_error = None;
        for held in self.blocked.drain(..) {
            let mut e = held.last;
            if held.count == 1 && self.sample_clock.is_some() {
                // Written at the interval's end, after lines of later times: say when.
                e.detail = format!("{}, at {:.3} min", e.detail, e.time);
                e.time = self.blocked_until;
            } else if held.count > 1 {
                let rest = e.detail.strip_prefix("upload").unwrap_or(&e.detail);
                let (from, to) = (held.first_time, e.time);
                e.detail = match self.sample_clock {
                    Some(_) => {
                        e.time = self.blocked_until;
                        format!(
                            "{} uploads{rest}, from {from:.3} to {to:.3} min",
                            held.count
                        )
                    }
                    None => format!("{} uploads{rest}, from {from:.3} min", held.count),
                };
            }
            let r = write_row(w, &mut self.cell, &self.sweep_cells, run, &e);
            if let Err(err) = r
                && first_error.is_none()
            {
                first_error = Some(err);
            }
        }
        if let Some(e) = first_error {
            self.note(Err(e));
        }
    }

    /// [`CsvOutputs::commit`], saying also which files it replaced and removed.
    pub fn commit_report(mut self) -> io::Result<Committed> {
        self.flush_blocked();
        if let Some(e) = self.error {
            return Err(e);
        }
        let files = [
            self.runs,
            self.platforms,
            self.protocols,
            self.timeseries,
            self.events,
        ];
        let mut inner = Vec::with_capacity(files.len() + self.extra.len() + 1);
        for w in files.into_iter().flatten() {
            let mut f = w.into_inner().map_err(|e| e.into_error())?;
            f.finish_writing()?;
            inner.push(f);
        }
        if let Some(m) = self.manifest {
            let sums = inner.iter().map(|f| {
                let name = f
                    .target()
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (name, f.sha256().unwrap_or_default())
            });
            let m = m.with_checksums(sums.collect());
            let mut f = AtomicFile::create(&self.dir.join(MANIFEST))?;
            io::Write::write_all(&mut f, m.to_yaml().as_bytes())?;
            inner.push(f);
        }
        for mut f in self.extra {
            f.finish_writing()?;
            inner.push(f);
        }
        commit_all(&self.dir, inner)
    }
}

impl Sink for CsvOutputs {
    fn wants_events(&self) -> bool {
        self.events.is_some()
    }

    fn event(&mut self, run: &RunId, e: &EventRecord) {
        if self.events.is_none() {
            return;
        }
        if self.blocked_run.as_ref() != Some(run) || e.time > self.blocked_until {
            self.flush_blocked();
            self.blocked_run = None;
        }
        if e.kind == EventKind::Blocked {
            if self.blocked_run.is_none() {
                self.blocked_run = Some(run.clone());
                self.blocked_until = self.interval_end(e.time);
            }
            match self
                .blocked
                .iter_mut()
                .find(|h| h.last.platform == e.platform && h.last.detail == e.detail)
            {
                Some(held) => {
                    held.count += 1;
                    held.last.time = e.time;
                }
                None => self.blocked.push(BlockedRun {
                    last: e.clone(),
                    first_time: e.time,
                    count: 1,
                }),
            }
            return;
        }
        if self.sample_clock.is_none() {
            self.flush_blocked();
        }
        let Some(w) = self.events.as_mut() else {
            return;
        };
        let r = write_row(w, &mut self.cell, &self.sweep_cells, run, e);
        self.note(r);
    }

    fn sample(&mut self, run: &RunId, s: &SampleRecord) {
        let Some(w) = self.timeseries.as_mut() else {
            return;
        };
        let r = write_row(w, &mut self.cell, &self.sweep_cells, run, s);
        self.note(r);
    }

    fn protocol_outcome(&mut self, run: &RunId, p: &ProtocolOutcome) {
        let Some(w) = self.protocols.as_mut() else {
            return;
        };
        let r = write_row(w, &mut self.cell, &self.sweep_cells, run, p);
        self.note(r);
    }

    fn platform_outcome(&mut self, run: &RunId, p: &PlatformOutcome) {
        let Some(w) = self.platforms.as_mut() else {
            return;
        };
        let r = write_row(w, &mut self.cell, &self.sweep_cells, run, p);
        self.note(r);
    }

    fn run_outcome(&mut self, run: &RunId, o: &RunOutcome) {
        let Some(w) = self.runs.as_mut() else {
            return;
        };
        let r = write_row(w, &mut self.cell, &self.sweep_cells, run, o);
        self.note(r);
    }
}
