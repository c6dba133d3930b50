//! Output writers: sinks that turn outcome records into files, reading them back, and
//! merging shards.
//!
//! Every file is written under a temporary name in the output directory and renamed into
//! place only when the whole run has succeeded ([`CsvOutputs::commit`]), so each output
//! file is complete or absent. Dropping an uncommitted writer deletes its temporary files;
//! those of a process killed mid-run are removed by the next run into the directory
//! ([`remove_stale_temporaries`]). Only the files asked for are written ([`Outputs`]).
//!
//! Which columns each file has, and how a cell is written, is [`crate::record`]'s.

mod atomic;
mod csv_sink;
pub mod files;
pub mod meta;
mod read;
pub mod select;
pub mod shard;

pub use atomic::{AtomicFile, Cleanup, Committed, remove_stale_temporaries, sha256_hex};
pub use csv_sink::{CsvOutputs, OutputFiles};
pub use files::{OWN_FILES, RUN_META};
pub use meta::RunMeta;
pub use read::{ReadError, RunsReader};
pub use select::{Output, Outputs, OutputsError};

// Where cells have always been formatted from; the formatting is the records' own.
pub use crate::record::{as_written, fixed, neutralize};

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::read::{RunsReader, SamplesReader};
    use super::*;
    use crate::compare::Metric;
    use crate::record::{Columns, Record, RunOutcome, SampleRecord};
    use crate::sink::{Recorder, RunId, Sink};

    /// Header and rows of a file the sink wrote.
    fn rows(path: &std::path::Path) -> Vec<csv::ByteRecord> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(path)
            .unwrap()
            .byte_records()
            .map(Result::unwrap)
            .collect()
    }

    /// The writer's header, the reader and `compare`'s metrics are one definition: the
    /// numeric columns of `runs.csv` are exactly the metrics, and a row the sink writes
    /// reads back as the outcome it was, to the file's decimals, with every metric's value.
    #[test]
    fn runs_csv_writer_reader_and_metrics_agree() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunId {
            variant: Arc::from("=ecp"),
            replication: 2,
            seed: 7,
        };
        let o = RunOutcome {
            attempts: 11,
            blocked: 1,
            published: 10,
            removed: 4,
            live_at_end: 6,
            peak_live: 8,
            exposure: 1234.56789,
            exposure_eu: 0.0004,
            variants: 3,
            variants_hashed: 2,
            first_detection_min: Some(5.0),
            triggered_min: Some(6.0),
            activation_min: Some(7.12345),
            contained_min: None,
            events: 99,
            ..RunOutcome::default()
        };
        let sample = SampleRecord {
            time: 30.0001,
            platform: Arc::from("videotube"),
            live: 3,
            published_cum: 5,
            removed_cum: 2,
            views_cum: 17.25,
            queue: 1,
            attempts_cum: 6,
            blocked_cum: 1,
        };
        let mut out = CsvOutputs::create(tmp.path(), OutputFiles::default()).unwrap();
        out.sample(&run, &sample);
        out.run_outcome(&run, &o);
        out.commit().unwrap();

        let runs = rows(&tmp.path().join(RunOutcome::FILE));
        let header: Vec<&[u8]> = runs[0].iter().collect();
        let metrics: Vec<&[u8]> = Metric::ALL.iter().map(|m| m.name().as_bytes()).collect();
        let numeric: Vec<&[u8]> = RunOutcome::COLUMNS
            .iter()
            .filter(|c| c.numeric)
            .map(|c| c.name.as_bytes())
            .collect();
        assert_eq!(
            metrics, numeric,
            "every numeric column is a metric, in order"
        );
        assert!(header.ends_with(&metrics), "{header:?}");
        assert_eq!(
            Metric::DEFAULT.map(Metric::name),
            [
                "exposure",
                "exposure_eu",
                "peak_live",
                "published",
                "blocked",
                "removed",
                "live_at_end"
            ],
            "the documented default of `ttx compare`"
        );

        let mut back = Recorder::default();
        let variants = [Arc::from("=ecp")];
        let reader = RunsReader::new(&runs[0]).unwrap();
        reader.feed(&runs[1], &variants, 7, &mut back).unwrap();
        let samples = rows(&tmp.path().join(SampleRecord::FILE));
        let reader = SamplesReader::new(&samples[0], vec![Arc::from("videotube")]).unwrap();
        reader.feed(&samples[1], &variants, 7, &mut back).unwrap();

        let got = back.run.unwrap();
        for m in Metric::ALL {
            assert_eq!(m.value(&got), m.value(&o), "{m:?}");
        }
        assert_eq!(
            got,
            RunOutcome {
                exposure: 1234.568,
                exposure_eu: 0.0,
                activation_min: Some(7.123),
                // Not in runs.csv.
                triggered_min: None,
                ..o
            }
        );
        assert_eq!(
            back.samples,
            [SampleRecord {
                time: 30.0,
                ..sample
            }]
        );
    }
}
