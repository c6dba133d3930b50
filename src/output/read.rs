//! Reading run files back into records, so that a sink (the comparison's collector) can
//! be fed from files as it would have been fed by the runs themselves: what `ttx merge`
//! does to recompute a sharded comparison's summaries.

use std::sync::Arc;

use csv::ByteRecord;

use crate::sink::{RunId, RunOutcome, SampleRecord, Sink};

use super::csv_sink::{RUNS_HEADER, TIMESERIES_HEADER};
use super::neutralize;

/// Where the columns ttx writes are in a file's header (the file may order them
/// otherwise, or have more).
struct Columns {
    names: &'static [&'static str],
    positions: Vec<usize>,
}

impl Columns {
    fn find(header: &ByteRecord, names: &'static [&'static str]) -> Result<Self, String> {
        let positions = names
            .iter()
            .map(|n| {
                header
                    .iter()
                    .position(|h| h == n.as_bytes())
                    .ok_or_else(|| format!("its header has no `{n}` column"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Columns { names, positions })
    }

    fn text<'r>(&self, rec: &'r ByteRecord, name: &str) -> Result<&'r str, String> {
        let i = self.names.iter().position(|n| *n == name);
        debug_assert!(i.is_some(), "`{name}` is not a column ttx writes");
        let i = i.unwrap_or(0);
        let bytes = rec.get(self.positions[i]).unwrap_or_default();
        std::str::from_utf8(bytes).map_err(|_| format!("`{name}`: not UTF-8 text"))
    }

    fn num<T: std::str::FromStr>(&self, rec: &ByteRecord, name: &str) -> Result<T, String> {
        let t = self.text(rec, name)?;
        t.parse()
            .map_err(|_| format!("`{name}`: expected a number, found `{t}`"))
    }

    fn opt(&self, rec: &ByteRecord, name: &str) -> Result<Option<f64>, String> {
        match self.text(rec, name)? {
            "" => Ok(None),
            _ => self.num(rec, name).map(Some),
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
    let written = cols.text(rec, "variant")?;
    let variant = variants
        .iter()
        .find(|v| neutralize(v) == written)
        .cloned()
        .ok_or_else(|| format!("unknown variant `{written}`"))?;
    Ok(RunId {
        variant,
        replication: cols.num(rec, "replication")?,
        seed,
    })
}

/// Feeds rows of `runs.csv` to a sink as run outcomes.
pub struct RunsReader {
    cols: Columns,
}

impl RunsReader {
    pub fn new(header: &ByteRecord) -> Result<Self, String> {
        Columns::find(header, &RUNS_HEADER).map(|cols| RunsReader { cols })
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
            attempts: c.num(rec, "attempts")?,
            blocked: c.num(rec, "blocked")?,
            published: c.num(rec, "published")?,
            removed: c.num(rec, "removed")?,
            live_at_end: c.num(rec, "live_at_end")?,
            peak_live: c.num(rec, "peak_live")?,
            exposure: c.num(rec, "exposure")?,
            exposure_eu: c.num(rec, "exposure_eu")?,
            variants: c.num(rec, "variants")?,
            variants_hashed: c.num(rec, "variants_hashed")?,
            first_detection_min: c.opt(rec, "first_detection_min")?,
            // Not in runs.csv (the debrief and MSEL take it from the runs themselves).
            triggered_min: None,
            activation_min: c.opt(rec, "activation_min")?,
            contained_min: c.opt(rec, "contained_min")?,
            events: c.num(rec, "events")?,
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

impl SamplesReader {
    pub fn new(header: &ByteRecord, platforms: Vec<Arc<str>>) -> Result<Self, String> {
        Columns::find(header, &TIMESERIES_HEADER).map(|cols| SamplesReader { cols, platforms })
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
        let name = c.text(rec, "platform")?;
        let platform = self
            .platforms
            .iter()
            .find(|p| &***p == name)
            .cloned()
            .ok_or_else(|| format!("unknown platform `{name}`"))?;
        let sample = SampleRecord {
            time: c.num(rec, "time_min")?,
            platform,
            live: c.num(rec, "live")?,
            published_cum: c.num(rec, "published_cum")?,
            removed_cum: c.num(rec, "removed_cum")?,
            views_cum: c.num(rec, "views_cum")?,
            queue: c.num(rec, "queue")?,
        };
        sink.sample(&run, &sample);
        Ok(())
    }
}
