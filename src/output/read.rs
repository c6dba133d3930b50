//! Reading run files back into records, so that a sink (the comparison's collector) can
//! be fed from files as it would have been fed by the runs themselves: what `ttx merge`
//! does to recompute a sharded comparison's summaries.
//!
//! The columns are the records' own ([`crate::record`]), found by name in the file's
//! header.

use std::marker::PhantomData;
use std::sync::Arc;

use csv::ByteRecord;

use crate::record::{Cell, CellError, ColumnError, Format, Record, neutralize};
use crate::sink::{RunId, RunOutcome, SampleRecord, Sink};

/// Why a row (or a header) could not be read back.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReadError {
    #[error("its header has no `{0}` column")]
    MissingColumn(&'static str),
    #[error(transparent)]
    Cell(#[from] ColumnError),
    #[error("unknown variant `{0}`")]
    UnknownVariant(String),
    #[error("unknown platform `{0}`")]
    UnknownPlatform(String),
    #[error("`cell`: expected one of the sweep's cells (0 to {last}), found `{found}`")]
    UnknownCell { found: String, last: u64 },
}

/// Reads rows of `R`'s file: where its columns are in the file's header (the file may
/// order them otherwise, or have more).
pub struct Reader<R> {
    /// Positions of the key columns, then of the record's.
    key: Vec<usize>,
    own: Vec<usize>,
    record: PhantomData<R>,
}

fn text<'r>(rec: &'r ByteRecord, at: usize, column: &'static str) -> Result<&'r str, ColumnError> {
    let bytes = rec.get(at).unwrap_or_default();
    std::str::from_utf8(bytes).map_err(|_| ColumnError {
        column,
        source: CellError::NotUtf8,
    })
}

impl<R: Record> Reader<R> {
    pub fn new(header: &ByteRecord) -> Result<Self, ReadError> {
        let find = |name: &'static str| {
            header
                .iter()
                .position(|h| h == name.as_bytes())
                .ok_or(ReadError::MissingColumn(name))
        };
        Ok(Reader {
            key: R::KEY
                .iter()
                .map(|c| find(c.name))
                .collect::<Result<_, _>>()?,
            own: R::COLUMNS
                .iter()
                .map(|c| find(c.name))
                .collect::<Result<_, _>>()?,
            record: PhantomData,
        })
    }

    /// The run a row belongs to (its variant one of `variants`, by the name the file
    /// writes for it; the seed is the batch's) and its record.
    pub fn read(
        &self,
        rec: &ByteRecord,
        variants: &[Arc<str>],
        seed: u64,
    ) -> Result<(RunId, R), ReadError> {
        // Every key opens with the variant and the replication (`record::RUN`).
        let written = text(rec, self.key[0], R::KEY[0].name)?;
        let variant = variants
            .iter()
            .find(|v| neutralize(v) == written)
            .cloned()
            .ok_or_else(|| ReadError::UnknownVariant(written.to_string()))?;
        let column = R::KEY[1].name;
        let replication = Cell::read(text(rec, self.key[1], column)?, Format::Plain)
            .map_err(|source| ColumnError { column, source })?;
        let run = RunId {
            variant,
            replication,
            seed,
        };
        let mut own = self.own.iter();
        let record = R::read(|column| {
            // Asked once per column, in order, so `own` never runs out.
            let at = own.next().copied().unwrap_or(usize::MAX);
            text(rec, at, column)
        })?;
        Ok((run, record))
    }
}

/// Feeds rows of `runs.csv` to a sink as run outcomes.
pub struct RunsReader(Reader<RunOutcome>);

impl RunsReader {
    pub fn new(header: &ByteRecord) -> Result<Self, ReadError> {
        Reader::new(header).map(RunsReader)
    }

    pub fn feed(
        &self,
        rec: &ByteRecord,
        variants: &[Arc<str>],
        seed: u64,
        sink: &mut dyn Sink,
    ) -> Result<(), ReadError> {
        let (run, outcome) = self.0.read(rec, variants, seed)?;
        sink.run_outcome(&run, &outcome);
        Ok(())
    }
}

/// Feeds rows of `timeseries.csv` to a sink as samples.
pub struct SamplesReader {
    rows: Reader<SampleRecord>,
    platforms: Vec<Arc<str>>,
}

impl SamplesReader {
    pub fn new(header: &ByteRecord, platforms: Vec<Arc<str>>) -> Result<Self, ReadError> {
        Reader::new(header).map(|rows| SamplesReader { rows, platforms })
    }

    pub fn feed(
        &self,
        rec: &ByteRecord,
        variants: &[Arc<str>],
        seed: u64,
        sink: &mut dyn Sink,
    ) -> Result<(), ReadError> {
        let (run, mut sample) = self.rows.read(rec, variants, seed)?;
        // The scenario's platform, not a copy of its name: and none it lacks.
        sample.platform = self
            .platforms
            .iter()
            .find(|p| **p == sample.platform)
            .cloned()
            .ok_or_else(|| ReadError::UnknownPlatform(sample.platform.to_string()))?;
        sink.sample(&run, &sample);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record;
    use crate::sink::Recorder;

    fn row(cells: impl IntoIterator<Item = impl AsRef<[u8]>>) -> ByteRecord {
        cells.into_iter().collect()
    }

    #[test]
    fn a_written_row_reads_back_in_any_column_order() {
        let run = RunId {
            variant: Arc::from("=v"),
            replication: 4,
            seed: 9,
        };
        let o = RunOutcome {
            exposure: 12.5,
            contained_min: Some(30.25),
            events: 7,
            ..Default::default()
        };
        let mut cells = Vec::new();
        record::write_cells::<_, ()>(&run, &o, &mut String::new(), |c| {
            cells.push(c.to_string());
            Ok(())
        })
        .unwrap();
        let mut header: Vec<&str> = record::header::<RunOutcome>().collect();
        // Reversed, and with a column ttx does not write.
        header.reverse();
        cells.reverse();
        header.push("note");
        cells.push("x".into());
        let reader = RunsReader::new(&row(&header)).unwrap();
        let mut got = Recorder::default();
        reader
            .feed(&row(&cells), &[Arc::from("=v")], 9, &mut got)
            .unwrap();
        assert_eq!(got.run, Some(o));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let header: Vec<&str> = record::header::<RunOutcome>().collect();
        let e = RunsReader::new(&row(&header[1..])).err().unwrap();
        assert_eq!(e, ReadError::MissingColumn("variant"));
        assert_eq!(e.to_string(), "its header has no `variant` column");
        let reader = RunsReader::new(&row(&header)).unwrap();
        let mut cells = vec!["a"; header.len()];
        cells[1] = "0";
        let mut sink = Recorder::default();
        let e = reader
            .feed(&row(&cells), &[Arc::from("a")], 1, &mut sink)
            .unwrap_err();
        assert_eq!(e.to_string(), "`attempts`: expected a number, found `a`");
        let e = reader
            .feed(&row(&cells), &[Arc::from("b")], 1, &mut sink)
            .unwrap_err();
        assert_eq!(e, ReadError::UnknownVariant("a".into()));
    }
}
