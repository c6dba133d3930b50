//! The run files' writer: `runs.csv`, `platforms.csv`, `timeseries.csv` and `events.csv`,
//! each a header and a row per record, as [`crate::record`] defines them.

use std::io;
use std::path::{Path, PathBuf};

use csv::Writer;

use super::AtomicFile;
use super::files::OWN_FILES;
use crate::record::{self, Record};
use crate::sink::{EventRecord, PlatformOutcome, RunId, RunOutcome, SampleRecord, Sink};

/// Which files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputFiles {
    /// Also write `events.csv`, the event log.
    pub events: bool,
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
    /// Scratch for one cell, so rows are written without allocating.
    cell: String,
}

/// A file of `R` records under a temporary name, its header written.
fn open<R: Record>(dir: &Path) -> io::Result<Writer<AtomicFile>> {
    let mut w = Writer::from_writer(AtomicFile::create(&dir.join(R::FILE))?);
    w.write_record(record::header::<R>())?;
    Ok(w)
}

/// One row: the run's key cells, then the record's.
fn write_row<R: Record>(
    w: &mut Writer<AtomicFile>,
    cell: &mut String,
    run: &RunId,
    r: &R,
) -> csv::Result<()> {
    record::write_cells(run, r, cell, |c| w.write_field(c))?;
    // An empty record ends the row the fields began.
    w.write_record(None::<&[u8]>)
}

impl CsvOutputs {
    /// Create the directory if needed and open the files under temporary names.
    pub fn create(dir: &Path, files: OutputFiles) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(CsvOutputs {
            runs: open::<RunOutcome>(dir)?,
            platforms: open::<PlatformOutcome>(dir)?,
            timeseries: open::<SampleRecord>(dir)?,
            events: if files.events {
                Some(open::<EventRecord>(dir)?)
            } else {
                None
            },
            error: None,
            extra: Vec::new(),
            cell: String::new(),
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

    /// Also write `run.yaml`, what produced these files, committed with them.
    pub fn add_meta(&mut self, meta: &super::RunMeta) -> io::Result<()> {
        self.add_file(super::RUN_META, meta.to_yaml().as_bytes())
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
        let r = write_row(w, &mut self.cell, run, e);
        self.note(r);
    }

    fn sample(&mut self, run: &RunId, s: &SampleRecord) {
        let r = write_row(&mut self.timeseries, &mut self.cell, run, s);
        self.note(r);
    }

    fn platform_outcome(&mut self, run: &RunId, p: &PlatformOutcome) {
        let r = write_row(&mut self.platforms, &mut self.cell, run, p);
        self.note(r);
    }

    fn run_outcome(&mut self, run: &RunId, o: &RunOutcome) {
        let r = write_row(&mut self.runs, &mut self.cell, run, o);
        self.note(r);
    }
}
