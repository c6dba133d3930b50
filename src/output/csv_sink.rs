//! The run files: `runs.csv`, `platforms.csv`, `timeseries.csv` and `events.csv`.

use std::io;
use std::path::{Path, PathBuf};

use csv::Writer;

use super::{AtomicFile, fixed, neutralize};
use crate::sink::{EventRecord, PlatformOutcome, RunId, RunOutcome, SampleRecord, Sink};

/// Every file ttx writes into an output directory.
pub const OWN_FILES: [&str; 7] = [
    "runs.csv",
    "platforms.csv",
    "timeseries.csv",
    "events.csv",
    "summary.csv",
    "timeseries_summary.csv",
    super::shard::MANIFEST,
];

/// Which files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputFiles {
    /// Also write `events.csv`, the event log.
    pub events: bool,
}

pub const RUNS_HEADER: [&str; 17] = [
    "variant",
    "replication",
    "seed",
    "attempts",
    "blocked",
    "published",
    "removed",
    "live_at_end",
    "peak_live",
    "exposure",
    "exposure_eu",
    "variants",
    "variants_hashed",
    "first_detection_min",
    "activation_min",
    "contained_min",
    "events",
];

pub const PLATFORMS_HEADER: [&str; 15] = [
    "variant",
    "replication",
    "platform",
    "attempts",
    "blocked",
    "published",
    "removed_review",
    "removed_order",
    "removed_sweep",
    "live_at_end",
    "views",
    "reviews",
    "mean_wait_min",
    "max_queue",
    "reviewer_utilization",
];

pub const TIMESERIES_HEADER: [&str; 9] = [
    "variant",
    "replication",
    "time_min",
    "platform",
    "live",
    "published_cum",
    "removed_cum",
    "views_cum",
    "queue",
];

pub const EVENTS_HEADER: [&str; 9] = [
    "variant",
    "replication",
    "time_min",
    "event",
    "platform",
    "copy",
    "content",
    "content_variant",
    "detail",
];

fn time(t: f64) -> String {
    fixed(t, 3)
}

fn opt_time(t: Option<f64>) -> String {
    t.map(time).unwrap_or_default()
}

/// A sink writing the run files into a directory, atomically.
pub struct CsvOutputs {
    runs: Writer<AtomicFile>,
    platforms: Writer<AtomicFile>,
    timeseries: Writer<AtomicFile>,
    events: Option<Writer<AtomicFile>>,
    /// Other files committed with the run files (a shard's manifest).
    extra: Vec<AtomicFile>,
    /// The first write error; reported at commit (sinks cannot fail mid-run).
    error: Option<io::Error>,
}

impl CsvOutputs {
    /// Create the directory if needed and open the files under temporary names.
    pub fn create(dir: &Path, files: OutputFiles) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let open = |name: &str, header: &[&str]| -> io::Result<Writer<AtomicFile>> {
            let mut w = Writer::from_writer(AtomicFile::create(&dir.join(name))?);
            w.write_record(header)?;
            Ok(w)
        };
        Ok(CsvOutputs {
            runs: open("runs.csv", &RUNS_HEADER)?,
            platforms: open("platforms.csv", &PLATFORMS_HEADER)?,
            timeseries: open("timeseries.csv", &TIMESERIES_HEADER)?,
            events: if files.events {
                Some(open("events.csv", &EVENTS_HEADER)?)
            } else {
                None
            },
            error: None,
            extra: Vec::new(),
        })
    }

    /// Also write `name` with `contents` beside the run files, committed with them.
    pub fn add_file(&mut self, name: &str, contents: &[u8]) -> io::Result<()> {
        let dir = self
            .runs
            .get_ref()
            .target()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut f = AtomicFile::create(&dir.join(name))?;
        io::Write::write_all(&mut f, contents)?;
        self.extra.push(f);
        Ok(())
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
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut files = vec![self.runs, self.platforms, self.timeseries];
        files.extend(self.events);
        let mut inner = Vec::with_capacity(files.len() + self.extra.len());
        for w in files {
            let mut f = w.into_inner().map_err(|e| e.into_error())?;
            f.finish_writing()?;
            inner.push(f);
        }
        for mut f in self.extra {
            f.finish_writing()?;
            inner.push(f);
        }
        // Everything is on disk: renames are all that is left.
        let written: Vec<PathBuf> = inner
            .into_iter()
            .map(AtomicFile::commit)
            .collect::<io::Result<_>>()?;
        // ttx's own files from an earlier, different run would now describe other runs
        // than the ones beside them: remove them.
        if let Some(dir) = written.first().and_then(|p| p.parent()) {
            for name in OWN_FILES {
                let path = dir.join(name);
                if !written.contains(&path) && path.is_file() {
                    std::fs::remove_file(&path)?;
                }
            }
        }
        Ok(written)
    }
}

impl Sink for CsvOutputs {
    fn wants_events(&self) -> bool {
        self.events.is_some()
    }

    fn event(&mut self, run: &RunId, e: &EventRecord) {
        let Some(w) = self.events.as_mut() else {
            return;
        };
        let r = w.write_record([
            neutralize(&run.variant).as_ref(),
            &run.replication.to_string(),
            &time(e.time),
            e.kind.as_str(),
            e.platform.as_deref().unwrap_or(""),
            &e.copy.map(|c| c.to_string()).unwrap_or_default(),
            e.content.as_deref().unwrap_or(""),
            &e.content_variant.map(|v| v.to_string()).unwrap_or_default(),
            neutralize(&e.detail).as_ref(),
        ]);
        self.note(r);
    }

    fn sample(&mut self, run: &RunId, s: &SampleRecord) {
        let r = self.timeseries.write_record([
            neutralize(&run.variant).as_ref(),
            &run.replication.to_string(),
            &time(s.time),
            &s.platform,
            &s.live.to_string(),
            &s.published_cum.to_string(),
            &s.removed_cum.to_string(),
            &fixed(s.views_cum, 3),
            &s.queue.to_string(),
        ]);
        self.note(r);
    }

    fn platform_outcome(&mut self, run: &RunId, p: &PlatformOutcome) {
        let r = self.platforms.write_record([
            neutralize(&run.variant).as_ref(),
            &run.replication.to_string(),
            &p.platform,
            &p.attempts.to_string(),
            &p.blocked.to_string(),
            &p.published.to_string(),
            &p.removed_review.to_string(),
            &p.removed_order.to_string(),
            &p.removed_sweep.to_string(),
            &p.live_at_end.to_string(),
            &fixed(p.views, 3),
            &p.reviews.to_string(),
            &opt_time(p.mean_wait_min),
            &p.max_queue.to_string(),
            &p.reviewer_utilization
                .map(|u| fixed(u, 4))
                .unwrap_or_default(),
        ]);
        self.note(r);
    }

    fn run_outcome(&mut self, run: &RunId, o: &RunOutcome) {
        let r = self.runs.write_record([
            neutralize(&run.variant).as_ref(),
            &run.replication.to_string(),
            &run.seed.to_string(),
            &o.attempts.to_string(),
            &o.blocked.to_string(),
            &o.published.to_string(),
            &o.removed.to_string(),
            &o.live_at_end.to_string(),
            &o.peak_live.to_string(),
            &fixed(o.exposure, 3),
            &fixed(o.exposure_eu, 3),
            &o.variants.to_string(),
            &o.variants_hashed.to_string(),
            &opt_time(o.first_detection_min),
            &opt_time(o.activation_min),
            &opt_time(o.contained_min),
            &o.events.to_string(),
        ]);
        self.note(r);
    }
}
