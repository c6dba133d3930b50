//! Reading run files back into records, so that a sink (the comparison's collector) can
//! be fed from files as it would have been fed by the runs themselves: what `ttx merge`
//! does to recompute a sharded comparison's summaries.

use std::sync::Arc;

use csv::ByteRecord;

use crate::sink::{RunId, RunOutcome, SampleRecord, Sink};

use super::neutralize;

/// Positions of named columns in a file's header.
struct Columns(Vec<usize>);

impl Columns {
    fn find(header: &ByteRecord, names: &[&str]) -> Result<Self, String> {
        names
            .iter()
            .map(|n| {
                header
                    .iter()
                    .position(|h| h == n.as_bytes())
                    .ok_or_else(|| format!("its header has no `{n}` column"))
            })
            .collect::<Result<_, _>>()
            .map(Columns)
    }

    fn text<'r>(&self, rec: &'r ByteRecord, i: usize) -> Result<&'r str, String> {
        let bytes = rec.get(self.0[i]).unwrap_or_default();
        std::str::from_utf8(bytes).map_err(|_| "a cell is not UTF-8 text".to_string())
    }

    fn num<T: std::str::FromStr>(&self, rec: &ByteRecord, i: usize) -> Result<T, String> {
        let t = self.text(rec, i)?;
        t.parse()
            .map_err(|_| format!("expected a number, found `{t}`"))
    }

    fn opt(&self, rec: &ByteRecord, i: usize) -> Result<Option<f64>, String> {
        match self.text(rec, i)? {
            "" => Ok(None),
            _ => self.num(rec, i).map(Some),
        }
    }
}

/// Which run a row belongs to: its variant (by the name the file writes for it) and
/// replication.
fn run_id(
    cols: &Columns,
    rec: &ByteRecord,
    variants: &[Arc<str>],
    seed: u64,
) -> Result<RunId, String> {
    let written = cols.text(rec, 0)?;
    let variant = variants
        .iter()
        .find(|v| neutralize(v) == written)
        .cloned()
        .ok_or_else(|| format!("unknown variant `{written}`"))?;
    Ok(RunId {
        variant,
        replication: cols.num(rec, 1)?,
        seed,
    })
}

/// Feeds rows of `runs.csv` to a sink as run outcomes.
pub struct RunsReader {
    cols: Columns,
}

const RUNS_COLUMNS: [&str; 16] = [
    "variant",
    "replication",
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

impl RunsReader {
    pub fn new(header: &ByteRecord) -> Result<Self, String> {
        Columns::find(header, &RUNS_COLUMNS).map(|cols| RunsReader { cols })
    }

    pub fn feed(
        &self,
        rec: &ByteRecord,
        variants: &[Arc<str>],
        seed: u64,
        sink: &mut dyn Sink,
    ) -> Result<(), String> {
        let c = &self.cols;
        let run = run_id(c, rec, variants, seed)?;
        let outcome = RunOutcome {
            attempts: c.num(rec, 2)?,
            blocked: c.num(rec, 3)?,
            published: c.num(rec, 4)?,
            removed: c.num(rec, 5)?,
            live_at_end: c.num(rec, 6)?,
            peak_live: c.num(rec, 7)?,
            exposure: c.num(rec, 8)?,
            exposure_eu: c.num(rec, 9)?,
            variants: c.num(rec, 10)?,
            variants_hashed: c.num(rec, 11)?,
            first_detection_min: c.opt(rec, 12)?,
            // Not in runs.csv (the debrief and MSEL take it from the runs themselves).
            triggered_min: None,
            activation_min: c.opt(rec, 13)?,
            contained_min: c.opt(rec, 14)?,
            events: c.num(rec, 15)?,
        };
        sink.run_outcome(&run, &outcome);
        Ok(())
    }
}

/// Feeds rows of `timeseries.csv` to a sink as samples.
pub struct SamplesReader {
    cols: Columns,
    platforms: Vec<Arc<str>>,
}

const SAMPLE_COLUMNS: [&str; 9] = [
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

impl SamplesReader {
    pub fn new(header: &ByteRecord, platforms: Vec<Arc<str>>) -> Result<Self, String> {
        Columns::find(header, &SAMPLE_COLUMNS).map(|cols| SamplesReader { cols, platforms })
    }

    pub fn feed(
        &self,
        rec: &ByteRecord,
        variants: &[Arc<str>],
        seed: u64,
        sink: &mut dyn Sink,
    ) -> Result<(), String> {
        let c = &self.cols;
        let run = run_id(c, rec, variants, seed)?;
        let name = c.text(rec, 3)?;
        let platform = self
            .platforms
            .iter()
            .find(|p| &***p == name)
            .cloned()
            .ok_or_else(|| format!("unknown platform `{name}`"))?;
        let sample = SampleRecord {
            time: c.num(rec, 2)?,
            platform,
            live: c.num(rec, 4)?,
            published_cum: c.num(rec, 5)?,
            removed_cum: c.num(rec, 6)?,
            views_cum: c.num(rec, 7)?,
            queue: c.num(rec, 8)?,
        };
        sink.sample(&run, &sample);
        Ok(())
    }
}
