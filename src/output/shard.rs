//! Shards: one batch of replications split over several jobs (a Slurm job array, a
//! Kubernetes indexed Job), each writing its own output directory with a manifest, and
//! merged afterwards into exactly the files one `ttx run` would have written.
//!
//! Shard K of N runs a contiguous range of replications of every variant. Each run file
//! is ordered by variant, then replication, so the merge takes, for each variant in turn,
//! that variant's rows from every shard in shard order: byte ranges copied verbatim, never
//! re-encoded, so the result is byte-identical to an unsharded run.
//!
//! A shard's manifest (format `ttx-shard-2`) lists the files the batch writes
//! (`--outputs`) and the SHA-256 of each file the shard wrote; the merge refuses a shard
//! whose file no longer has its checksum. Manifests of the first format (`ttx-shard-1`,
//! without checksums) are still merged, with a note that their files could not be
//! checked.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use std::sync::Arc;

use csv::ByteRecord;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AtomicFile;
use super::atomic::{Committed, commit_all, hex, sha256_hex};
pub use super::files::MANIFEST;
use super::files::RUN_META;
use super::meta::RunMeta;
use super::read::{ReadError, RunsReader, SamplesReader};
use super::select::{Output, Outputs, Writer};
use crate::record::{Record, RunOutcome, SampleRecord, neutralize};
use crate::sink::Sink;

/// What `format` says in a manifest this version writes.
const FORMAT: &str = "ttx-shard-2";
/// The first format: no `outputs`, no checksums. Still merged, unchecked.
const FORMAT_1: &str = "ttx-shard-1";

/// Shard `index` (1-based) of `count`, as given by `--shard K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: u32,
    pub count: u32,
}

impl FromStr for ShardSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let expected = || {
            format!(
                "expected K/N with 1 <= K <= N, like 3/10 for the third of ten shards, found `{s}`"
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(expected)?;
        let (k, n): (u32, u32) = match (k.trim().parse(), n.trim().parse()) {
            (Ok(k), Ok(n)) => (k, n),
            _ => return Err(expected()),
        };
        if k == 0 || n == 0 || k > n {
            return Err(expected());
        }
        Ok(ShardSpec { index: k, count: n })
    }
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl ShardSpec {
    /// The replications this shard runs, out of `total`: contiguous, as even as can be,
    /// and together covering `0..total` once. `None` if there are fewer replications
    /// than shards (a shard would have none).
    pub fn replications(self, total: u32) -> Option<Range<u32>> {
        if total < self.count {
            return None;
        }
        let at = |k: u32| (u64::from(k) * u64::from(total) / u64::from(self.count)) as u32;
        Some(at(self.index - 1)..at(self.index))
    }

    /// The default output directory name of this shard, e.g. `shard-03-of-10`.
    pub fn dir_name(self) -> String {
        let width = self.count.to_string().len();
        format!("shard-{:0width$}-of-{}", self.index, self.count)
    }
}

/// Where a shard's K/N came from, when not from `--shard`: a job scheduler's
/// environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromScheduler {
    pub spec: ShardSpec,
    /// The variables read, as `NAME=value`, for the note the command prints.
    pub variables: Vec<String>,
}

/// Why the scheduler's environment gives no shard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SchedulerError(pub String);

impl ShardSpec {
    /// The shard a job scheduler's environment says this process is, read through `var`
    /// (`std::env::var` in the binary):
    /// - with `shards` (`--shards N`): a Kubernetes Indexed Job; K is
    ///   `JOB_COMPLETION_INDEX` + 1 (the index counts from 0);
    /// - otherwise, a Slurm job array: K is `SLURM_ARRAY_TASK_ID` -
    ///   `SLURM_ARRAY_TASK_MIN` + 1 and N is `SLURM_ARRAY_TASK_COUNT`, so `--array=1-3`
    ///   and `--array=0-2` both give shards 1..3 of 3. Without `SLURM_ARRAY_TASK_ID`,
    ///   `None` (not a job array: the whole batch).
    ///
    /// Array indices with gaps or steps (`--array=1,5,9`, `--array=0-10:2`) cannot be
    /// told from a complete batch by these variables alone, so an index past the
    /// count is refused rather than mapped to a shard that does not exist.
    pub fn from_scheduler(
        shards: Option<u32>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<FromScheduler>, SchedulerError> {
        let read = |name: &str| -> Result<Option<(u32, String)>, SchedulerError> {
            match var(name) {
                None => Ok(None),
                Some(text) => match text.trim().parse::<u32>() {
                    Ok(n) => Ok(Some((n, format!("{name}={}", text.trim())))),
                    Err(_) => Err(SchedulerError(format!(
                        "{name}: expected a whole number, found `{}`",
                        crate::text::one_line(&text)
                    ))),
                },
            }
        };
        if let Some(count) = shards {
            let Some((index, seen)) = read("JOB_COMPLETION_INDEX")? else {
                return Err(SchedulerError(format!(
                    "--shards {count}: expected to run as a Kubernetes Indexed Job, with JOB_COMPLETION_INDEX set; it is not (outside one, give --shard K/{count})"
                )));
            };
            if count == 0 || index >= count {
                return Err(SchedulerError(format!(
                    "--shards {count}: {seen} is not the index of one of {count} shards (0 to {}); set the Job's `completions` to {count}",
                    count.saturating_sub(1)
                )));
            }
            return Ok(Some(FromScheduler {
                spec: ShardSpec {
                    index: index + 1,
                    count,
                },
                variables: vec![seen],
            }));
        }
        let Some((id, id_seen)) = read("SLURM_ARRAY_TASK_ID")? else {
            return Ok(None);
        };
        let missing = |name: &str| {
            SchedulerError(format!(
                "{id_seen} is set but {name} is not: expected a Slurm job array's variables (or give --shard K/N)"
            ))
        };
        let (min, min_seen) =
            read("SLURM_ARRAY_TASK_MIN")?.ok_or_else(|| missing("SLURM_ARRAY_TASK_MIN"))?;
        let (count, count_seen) =
            read("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| missing("SLURM_ARRAY_TASK_COUNT"))?;
        let index = id.checked_sub(min).map(|k| k + 1);
        match index {
            Some(index) if count > 0 && index <= count => Ok(Some(FromScheduler {
                spec: ShardSpec { index, count },
                variables: vec![id_seen, min_seen, count_seen],
            })),
            _ => Err(SchedulerError(format!(
                "{id_seen} with {min_seen} and {count_seen} is not one of {count} consecutive tasks: submit the array as --array=1-N (no gaps, no steps), or give --shard K/N"
            ))),
        }
    }
}

/// Which command wrote a shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShardCommand {
    Run,
    /// A comparison: the merge recomputes its summaries.
    Compare,
}

impl fmt::Display for ShardCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ShardCommand::Run => "run",
            ShardCommand::Compare => "compare",
        })
    }
}

/// What a shard's `shard.yaml` records: enough to check, before merging, that shards
/// belong to one batch and together cover it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardManifest {
    pub format: String,
    pub ttx_version: String,
    /// The scenario file as given on the command line (for people; not compared).
    pub scenario: String,
    /// SHA-256 of the scenario file's bytes: shards of different scenarios never merge.
    pub scenario_sha256: String,
    pub seed: u64,
    /// Variants in output order (as the `variant` column names them).
    pub variants: Vec<String>,
    /// Replications per variant in the whole batch.
    pub replications: u32,
    pub shard: u32,
    pub shards: u32,
    /// This shard's replications, `first .. first + count`.
    pub first_replication: u32,
    pub shard_replications: u32,
    /// Whether `events.csv` was written.
    pub events: bool,
    pub command: ShardCommand,
    /// For `compare`: the metrics summarised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<String>,
    /// For `compare`: the scenario's platforms, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// The files the batch writes (`--outputs` names), a comparison's summaries
    /// included: what the merge writes. Not in format 1 (all of them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<String>,
    /// The SHA-256 of each file this shard wrote, in order. Not in format 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileSum>,
}

/// A file a shard wrote and its SHA-256 (lower-case hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSum {
    pub file: String,
    pub sha256: String,
}

impl ShardManifest {
    /// The manifest of shard `spec` of a batch.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scenario_path: &Path,
        scenario_bytes: &[u8],
        seed: u64,
        variants: Vec<String>,
        replications: u32,
        spec: ShardSpec,
        range: Range<u32>,
        events: bool,
    ) -> Self {
        ShardManifest {
            format: FORMAT.into(),
            ttx_version: env!("CARGO_PKG_VERSION").into(),
            scenario: scenario_path.display().to_string(),
            scenario_sha256: sha256_hex(scenario_bytes),
            seed,
            variants,
            replications,
            shard: spec.index,
            shards: spec.count,
            first_replication: range.start,
            shard_replications: range.end - range.start,
            events,
            command: ShardCommand::Run,
            metrics: Vec::new(),
            platforms: Vec::new(),
            outputs: Outputs::run_files(events)
                .iter()
                .map(|o| o.name().to_string())
                .collect(),
            files: Vec::new(),
        }
    }

    /// The batch writes only `outputs` (`--outputs`); the event log is one of them or
    /// not.
    pub fn with_outputs(mut self, outputs: Outputs) -> Self {
        self.events = outputs.contains(Output::Events);
        self.outputs = outputs.iter().map(|o| o.name().to_string()).collect();
        self
    }

    /// The manifest with the checksums of the files the shard wrote (name, SHA-256).
    pub fn with_checksums(mut self, files: Vec<(String, String)>) -> Self {
        self.files = files
            .into_iter()
            .map(|(file, sha256)| FileSum { file, sha256 })
            .collect();
        self
    }

    /// The files the batch writes (for format 1, all a run or comparison writes).
    pub fn outputs(&self) -> Result<Outputs, String> {
        let command = match self.command {
            ShardCommand::Run => Writer::Run,
            ShardCommand::Compare => Writer::Compare,
        };
        if self.outputs.is_empty() {
            return Ok(Outputs::default_for(command, self.events));
        }
        let mut set = Outputs::NONE;
        for name in &self.outputs {
            match Output::from_name(name) {
                Some(o) if command.allowed().contains(o) => set = set.with(o),
                _ => {
                    return Err(format!(
                        "`outputs` names `{name}`, which `ttx {}` does not write",
                        self.command
                    ));
                }
            }
        }
        Ok(set)
    }

    /// The run files a shard of this batch writes: those of its outputs, and for a
    /// comparison those its summaries are recomputed from (`runs.csv` for
    /// `summary.csv`, `timeseries.csv` for `timeseries_summary.csv`).
    pub fn shard_files(command: ShardCommand, outputs: Outputs) -> Outputs {
        let mut files = outputs.run_files_only();
        if command == ShardCommand::Compare {
            if outputs.contains(Output::Summary) {
                files = files.with(Output::Runs);
            }
            if outputs.contains(Output::TimeseriesSummary) {
                files = files.with(Output::Timeseries);
            }
        }
        files
    }

    /// The manifest of a `ttx compare` shard: its summaries are recomputed by the merge.
    /// (Give its outputs after this: a comparison's default includes the summaries.)
    pub fn for_compare(mut self, metrics: Vec<String>, platforms: Vec<String>) -> Self {
        self.command = ShardCommand::Compare;
        self.metrics = metrics;
        self.platforms = platforms;
        let outputs = Outputs::default_for(Writer::Compare, self.events);
        self.with_outputs(outputs)
    }

    pub fn to_yaml(&self) -> String {
        format!(
            "# Written by `ttx run --shard`: merge the shards with `ttx merge`.\n{}",
            serde_yaml::to_string(self).expect("a manifest always serialises")
        )
    }

    /// The run files this shard wrote (for format 1, every run file).
    fn files(&self) -> Vec<&'static str> {
        if self.format == FORMAT_1 {
            // The files of the first format's shards (before protocols.csv).
            return Outputs::run_files(self.events)
                .without(Output::Protocols)
                .iter()
                .map(Output::file)
                .collect();
        }
        self.files
            .iter()
            .filter_map(|f| {
                Output::ALL
                    .into_iter()
                    .find(|o| o.is_run_file() && o.file() == f.file)
                    .map(Output::file)
            })
            .collect()
    }

    /// The checksum this shard's manifest gives for `file`.
    fn checksum(&self, file: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.file == file)
            .map(|f| f.sha256.as_str())
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Reads through to `inner`, computing the SHA-256 of what it reads.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Why shards could not be merged. Nothing is written when any of these happens.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no shard directories given")]
    Nothing,
    #[error(
        "{dir}: not a shard's output (no {MANIFEST}); shards are written by `ttx run SCENARIO --shard K/N`"
    )]
    NotAShard { dir: PathBuf },
    #[error("{path}: {message}")]
    BadManifest { path: PathBuf, message: String },
    #[error("{a} and {b} are not shards of one batch: their `{field}` differs ({va} against {vb})")]
    Mismatch {
        a: PathBuf,
        b: PathBuf,
        field: &'static str,
        va: String,
        vb: String,
    },
    #[error("shard {shard} of {shards} is given twice: {a} and {b}")]
    Duplicate {
        shard: u32,
        shards: u32,
        a: PathBuf,
        b: PathBuf,
    },
    #[error("shard(s) {missing} of {shards} missing: every shard is needed for the merged files")]
    Missing { missing: String, shards: u32 },
    #[error("{path}: {message}")]
    BadFile { path: PathBuf, message: String },
    /// A row (or header) of a run file that does not read back as the record it holds.
    #[error("{path}: {source}")]
    BadRecord { path: PathBuf, source: ReadError },
    #[error(
        "{path}: changed since shard {shard} of {shards} wrote it (its SHA-256 is not the one its {MANIFEST} records); run that shard again, or put back the file it wrote"
    )]
    Changed {
        path: PathBuf,
        shard: u32,
        shards: u32,
    },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("cannot write to {dir}: {source}")]
    Write { dir: PathBuf, source: io::Error },
}

/// A shard directory with its manifest.
struct Shard {
    dir: PathBuf,
    manifest: ShardManifest,
}

fn read_shard(dir: &Path) -> Result<Shard, MergeError> {
    let path = dir.join(MANIFEST);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(MergeError::NotAShard {
                dir: dir.to_path_buf(),
            });
        }
        Err(source) => return Err(MergeError::Io { path, source }),
    };
    let manifest: ShardManifest =
        serde_yaml::from_str(&text).map_err(|e| MergeError::BadManifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
    if manifest.format != FORMAT && manifest.format != FORMAT_1 {
        return Err(MergeError::BadManifest {
            path,
            message: format!(
                "format `{}` is not one this ttx reads (`{FORMAT}`, or `{FORMAT_1}`)",
                manifest.format
            ),
        });
    }
    if manifest.format == FORMAT {
        if let Err(message) = manifest.outputs() {
            return Err(MergeError::BadManifest { path, message });
        }
        if manifest.files.is_empty() {
            return Err(MergeError::BadManifest {
                path,
                message: "it lists no files with their checksums (`files`): a shard's manifest holds them".into(),
            });
        }
        let expected: Vec<&str> = manifest
            .outputs()
            .map(|o| ShardManifest::shard_files(manifest.command, o))
            .unwrap_or_default()
            .iter()
            .map(Output::file)
            .collect();
        let listed: Vec<&str> = manifest.files.iter().map(|f| f.file.as_str()).collect();
        if listed != expected {
            return Err(MergeError::BadManifest {
                path,
                message: format!(
                    "`files` lists {}, but a shard of this batch writes {}",
                    listed.join(", "),
                    expected.join(", ")
                ),
            });
        }
    }
    let m = &manifest;
    let expected = ShardSpec {
        index: m.shard,
        count: m.shards,
    };
    let held = m
        .first_replication
        .checked_add(m.shard_replications)
        .map(|end| m.first_replication..end);
    let consistent = m.shard >= 1
        && m.shard <= m.shards
        && held.is_some()
        && expected.replications(m.replications) == held;
    if !consistent {
        return Err(MergeError::BadManifest {
            path,
            message: format!(
                "shard {} of {} cannot hold replications {}..{} of {}",
                m.shard,
                m.shards,
                m.first_replication,
                u64::from(m.first_replication) + u64::from(m.shard_replications),
                m.replications
            ),
        });
    }
    Ok(Shard {
        dir: dir.to_path_buf(),
        manifest,
    })
}

/// Check the shards belong to one batch and cover it once; return them in shard order.
fn check_batch(mut shards: Vec<Shard>) -> Result<Vec<Shard>, MergeError> {
    let Some(first) = shards.first() else {
        return Err(MergeError::Nothing);
    };
    for s in &shards[1..] {
        let (a, b) = (&first.manifest, &s.manifest);
        // The most telling difference first.
        let names = |m: &ShardManifest| {
            m.files
                .iter()
                .map(|f| f.file.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let fields: [(&'static str, String, String); 12] = [
            ("format", a.format.clone(), b.format.clone()),
            (
                "scenario_sha256",
                a.scenario_sha256.clone(),
                b.scenario_sha256.clone(),
            ),
            ("ttx_version", a.ttx_version.clone(), b.ttx_version.clone()),
            ("command", a.command.to_string(), b.command.to_string()),
            ("seed", a.seed.to_string(), b.seed.to_string()),
            ("variants", a.variants.join(", "), b.variants.join(", ")),
            (
                "replications",
                a.replications.to_string(),
                b.replications.to_string(),
            ),
            ("shards", a.shards.to_string(), b.shards.to_string()),
            ("events", a.events.to_string(), b.events.to_string()),
            ("metrics", a.metrics.join(", "), b.metrics.join(", ")),
            ("outputs", a.outputs.join(", "), b.outputs.join(", ")),
            ("files", names(a), names(b)),
        ];
        for (field, va, vb) in fields {
            if va != vb {
                return Err(MergeError::Mismatch {
                    a: first.dir.clone(),
                    b: s.dir.clone(),
                    field,
                    va,
                    vb,
                });
            }
        }
    }
    shards.sort_by_key(|s| s.manifest.shard);
    for pair in shards.windows(2) {
        if pair[0].manifest.shard == pair[1].manifest.shard {
            return Err(MergeError::Duplicate {
                shard: pair[0].manifest.shard,
                shards: pair[0].manifest.shards,
                a: pair[0].dir.clone(),
                b: pair[1].dir.clone(),
            });
        }
    }
    let count = shards[0].manifest.shards;
    let missing: Vec<String> = (1..=count)
        .filter(|k| {
            shards
                .binary_search_by_key(k, |s| s.manifest.shard)
                .is_err()
        })
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            missing: missing.join(", "),
            shards: count,
        });
    }
    Ok(shards)
}

/// Where each variant's rows are in one shard's run file.
struct Layout {
    /// The file's SHA-256 (lower-case hex), as read.
    sha256: String,
    header: Vec<u8>,
    /// Byte range of each variant's rows (empty if it has none), in manifest order.
    groups: Vec<Range<u64>>,
    /// Data rows per variant.
    rows: Vec<u64>,
}

/// Find the header and each variant's rows in `path`, checking that rows come in
/// variant order and name only the manifest's variants.
fn layout(path: &Path, variants: &[String]) -> Result<Layout, MergeError> {
    let io_err = |source| MergeError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bad = |message: String| MergeError::BadFile {
        path: path.to_path_buf(),
        message,
    };
    let file = File::open(path).map_err(io_err)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(Hashing {
            inner: io::BufReader::new(file),
            hasher: Sha256::new(),
        });
    let names: Vec<String> = variants
        .iter()
        .map(|v| neutralize(v).into_owned())
        .collect();
    let mut record = csv::ByteRecord::new();
    let csv_err = |e: csv::Error| bad(format!("not a readable CSV file: {e}"));
    if !reader.read_byte_record(&mut record).map_err(csv_err)? {
        return Err(bad(
            "empty: a shard's run files have at least a header".into()
        ));
    }
    let mut starts: Vec<Option<u64>> = vec![None; names.len()];
    let mut ends: Vec<u64> = vec![0; names.len()];
    let mut rows = vec![0u64; names.len()];
    let mut current = 0usize;
    let mut header_end = None;
    loop {
        let at = reader.position().byte();
        header_end.get_or_insert(at);
        if !reader.read_byte_record(&mut record).map_err(csv_err)? {
            if let Some(end) = ends.get_mut(current) {
                *end = (*end).max(at);
            }
            break;
        }
        // Every run file opens with its key, the variant first.
        let name = record.get(0).unwrap_or_default();
        let line = record.position().map_or(0, csv::Position::line);
        let Some(v) = names.iter().position(|n| n.as_bytes() == name) else {
            return Err(bad(format!(
                "line {line} names variant `{}`, which the shard's manifest does not list",
                String::from_utf8_lossy(name)
            )));
        };
        if v < current {
            return Err(bad(format!(
                "line {line}: variant `{}` after `{}`: rows are out of order",
                names[v], names[current]
            )));
        }
        if v != current {
            ends[current] = ends[current].max(at);
            current = v;
        }
        starts[v].get_or_insert(at);
        rows[v] += 1;
    }
    let header_end = header_end.unwrap_or(0);
    // The reader has read the whole file: the checksum is complete.
    let sha256 = hex(&reader.into_inner().hasher.finalize());
    let groups = starts
        .iter()
        .zip(&ends)
        .map(|(s, &e)| match s {
            Some(s) => *s..e,
            None => 0..0,
        })
        .collect();
    let mut header = vec![0; header_end as usize];
    let mut f = File::open(path).map_err(io_err)?;
    f.read_exact(&mut header).map_err(io_err)?;
    // Rows are copied verbatim one after another: each must end its line.
    let len = f.metadata().map_err(io_err)?.len();
    if len > 0 {
        let mut last = [0u8];
        f.seek(SeekFrom::Start(len - 1)).map_err(io_err)?;
        f.read_exact(&mut last).map_err(io_err)?;
        if last[0] != b'\n' {
            return Err(bad(
                "its last line has no line end: the file was cut short or edited".into(),
            ));
        }
    }
    Ok(Layout {
        sha256,
        header,
        groups,
        rows,
    })
}

/// A complete batch of shards, checked and ready to merge.
pub struct Batch {
    shards: Vec<Shard>,
    /// Per run file (in [`ShardManifest::files`] order), per shard: where the rows are.
    layouts: Vec<Vec<Layout>>,
    /// The first shard's `run.yaml` without its shard: the whole batch's.
    meta: Option<RunMeta>,
}

impl Batch {
    /// Read the shards' manifests and run files; check that they are one batch, every
    /// shard present once, and every file whole. Nothing is written.
    pub fn open(dirs: &[PathBuf]) -> Result<Batch, MergeError> {
        let shards = dirs
            .iter()
            .map(|d| read_shard(d))
            .collect::<Result<Vec<_>, _>>()?;
        let shards = check_batch(shards)?;
        let m = &shards[0].manifest;
        let mut layouts: Vec<Vec<Layout>> = Vec::new();
        for name in m.files() {
            let mut per_shard = Vec::with_capacity(shards.len());
            for s in &shards {
                let path = s.dir.join(name);
                if !path.is_file() {
                    return Err(MergeError::BadFile {
                        path,
                        message: "missing: the shard's run is incomplete".into(),
                    });
                }
                let l = layout(&path, &m.variants)?;
                if let Some(first) = per_shard.first().map(|f: &Layout| &f.header)
                    && *first != l.header
                {
                    return Err(MergeError::BadFile {
                        path,
                        message: "its header differs from the other shards'".into(),
                    });
                }
                if name == RunOutcome::FILE {
                    let want = u64::from(s.manifest.shard_replications);
                    if let Some(v) = l.rows.iter().position(|&n| n != want) {
                        return Err(MergeError::BadFile {
                            path,
                            message: format!(
                                "{} rows for variant `{}`, expected {want} (one per replication): the file is damaged",
                                l.rows[v], m.variants[v]
                            ),
                        });
                    }
                }
                per_shard.push(l);
            }
            layouts.push(per_shard);
        }
        let meta = RunMeta::read(&shards[0].dir)
            .map_err(|e| MergeError::BadFile {
                path: shards[0].dir.join(RUN_META),
                message: e.to_string(),
            })?
            .map(|m| RunMeta { shard: None, ..m });
        Ok(Batch {
            shards,
            layouts,
            meta,
        })
    }

    /// The batch's manifest (that of its first shard; all agree on the batch).
    pub fn manifest(&self) -> &ShardManifest {
        &self.shards[0].manifest
    }

    /// Copy `file`'s rows in merged order (each variant's rows from every shard in turn)
    /// to `each`, one byte range at a time.
    fn for_each_range(
        &self,
        file: usize,
        mut each: impl FnMut(&Path, &mut dyn Read) -> Result<(), MergeError>,
    ) -> Result<(), MergeError> {
        let name = self.manifest().files()[file];
        let mut sources = self
            .shards
            .iter()
            .map(|s| {
                let path = s.dir.join(name);
                File::open(&path).map_err(|source| MergeError::Io { path, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for v in 0..self.manifest().variants.len() {
            for ((source, l), s) in sources
                .iter_mut()
                .zip(&self.layouts[file])
                .zip(&self.shards)
            {
                let range = &l.groups[v];
                let path = s.dir.join(name);
                if let Err(e) = source.seek(SeekFrom::Start(range.start)) {
                    return Err(MergeError::Io { path, source: e });
                }
                each(&path, &mut source.take(range.end - range.start))?;
            }
        }
        Ok(())
    }

    /// Feed the batch's samples (given the scenario's `platforms`; none without) and run
    /// outcomes, in merged order, to `sink`, as the runs fed them (to the precision of
    /// the files): how a sharded batch's summaries are recomputed.
    pub fn replay(
        &self,
        platforms: Option<Vec<Arc<str>>>,
        sink: &mut dyn Sink,
    ) -> Result<(), MergeError> {
        let m = self.manifest();
        let variants: Vec<Arc<str>> = m.variants.iter().map(|v| Arc::from(v.as_str())).collect();
        let files = m.files();
        let index = |name| files.iter().position(|f| *f == name);
        let (runs, samples) = (index(RunOutcome::FILE), index(SampleRecord::FILE));
        let header = |file: usize| {
            let bytes = &self.layouts[file][0].header;
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&bytes[..]);
            let mut rec = ByteRecord::new();
            let _ = r.read_byte_record(&mut rec);
            rec
        };
        let first = |file: usize| self.shards[0].dir.join(files[file]);
        let samples_reader = match (platforms, samples) {
            (Some(p), Some(samples)) => Some(
                SamplesReader::new(&header(samples), p)
                    .map(|r| (samples, r))
                    .map_err(|source| MergeError::BadRecord {
                        path: first(samples),
                        source,
                    })?,
            ),
            _ => None,
        };
        let runs_reader = match runs {
            Some(runs) => Some(RunsReader::new(&header(runs)).map(|r| (runs, r)).map_err(
                |source| MergeError::BadRecord {
                    path: first(runs),
                    source,
                },
            )?),
            None => None,
        };
        // Each row of a file's ranges, in merged order, to `feed`; errors name the shard's
        // file.
        let mut rec = ByteRecord::new();
        let mut each_row = |file: usize,
                            feed: &mut dyn FnMut(&ByteRecord) -> Result<(), ReadError>|
         -> Result<(), MergeError> {
            self.for_each_range(file, |path, src| {
                let mut r = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(src);
                while r
                    .read_byte_record(&mut rec)
                    .map_err(|e| MergeError::BadFile {
                        path: path.to_path_buf(),
                        message: e.to_string(),
                    })?
                {
                    feed(&rec).map_err(|source| MergeError::BadRecord {
                        path: path.to_path_buf(),
                        source,
                    })?;
                }
                Ok(())
            })
        };
        // Samples first, then outcomes: a sink sees each run's samples before it ends
        // (all that the collector relies on).
        if let Some((samples, reader)) = &samples_reader {
            each_row(*samples, &mut |rec| {
                reader.feed(rec, &variants, m.seed, sink)
            })?;
        }
        if let Some((runs, reader)) = &runs_reader {
            each_row(*runs, &mut |rec| reader.feed(rec, &variants, m.seed, sink))?;
        }
        Ok(())
    }

    /// Whether the shards hold run file `o` (written with a subset of `--outputs`, they
    /// may not).
    pub fn has(&self, o: Output) -> bool {
        self.manifest().files().contains(&o.file())
    }

    /// The files the merge writes: the batch's outputs (of which the run files come from
    /// the shards, and a comparison's summaries are recomputed).
    pub fn outputs(&self) -> Outputs {
        let m = self.manifest();
        // Checked when the manifest was read.
        m.outputs().unwrap_or_else(|_| Outputs::run_files(m.events))
    }

    /// Notes about the batch: shards whose manifest has no checksums (written by an
    /// earlier ttx), so that their files could not be checked.
    pub fn notes(&self) -> Vec<String> {
        let old: Vec<String> = self
            .shards
            .iter()
            .filter(|s| s.manifest.format == FORMAT_1)
            .map(|s| s.dir.display().to_string())
            .collect();
        if old.is_empty() {
            return Vec::new();
        }
        vec![format!(
            "note: the manifests of {} have no checksums (format {FORMAT_1}, from an earlier ttx): their files are merged as they are, without checking that they are unchanged",
            old.join(", ")
        )]
    }

    /// Check every shard's files against the checksums of its manifest (shards of format
    /// 1 have none).
    pub fn verify(&self) -> Result<(), MergeError> {
        for (name, per_shard) in self.manifest().files().iter().zip(&self.layouts) {
            for (s, l) in self.shards.iter().zip(per_shard) {
                if s.manifest.format == FORMAT_1 {
                    continue;
                }
                if s.manifest.checksum(name) != Some(l.sha256.as_str()) {
                    return Err(MergeError::Changed {
                        path: s.dir.join(name),
                        shard: s.manifest.shard,
                        shards: s.manifest.shards,
                    });
                }
            }
        }
        Ok(())
    }

    /// Refuse `out` if it is one of the shards (merging there would overwrite them); a
    /// caller with work to do before [`Batch::write`] can ask first.
    pub fn check_output(&self, out: &Path) -> Result<(), MergeError> {
        match self.shards.iter().find(|s| same_dir(&s.dir, out)) {
            Some(s) => Err(MergeError::Write {
                dir: out.to_path_buf(),
                source: io::Error::other(format!(
                    "it is the directory of shard {} itself; merge into another directory",
                    s.manifest.shard
                )),
            }),
            None => Ok(()),
        }
    }

    /// Write the merged run files (those of the batch's outputs) into `out`, and `extra`
    /// files beside them (and the batch's `run.yaml` when the shards have one), all
    /// committed together; says what it wrote, replaced and
    /// removed. Fails without writing anything if `out` is one of the shards, or if a
    /// shard's file is not the one its manifest's checksum describes.
    pub fn write(&self, out: &Path, extra: Vec<AtomicFile>) -> Result<Committed, MergeError> {
        let write_err = |source| MergeError::Write {
            dir: out.to_path_buf(),
            source,
        };
        self.check_output(out)?;
        self.verify()?;
        std::fs::create_dir_all(out).map_err(write_err)?;
        let outputs = self.outputs();
        let files = self.manifest().files();
        let mut pending = Vec::with_capacity(files.len() + extra.len());
        for (i, name) in files.iter().enumerate() {
            if !outputs.iter().any(|o| o.file() == *name) {
                continue;
            }
            let mut target = AtomicFile::create(&out.join(name)).map_err(write_err)?;
            target
                .write_all(&self.layouts[i][0].header)
                .map_err(write_err)?;
            self.for_each_range(i, |_, src| {
                io::copy(src, &mut target).map_err(write_err)?;
                Ok(())
            })?;
            target.finish_writing().map_err(write_err)?;
            pending.push(target);
        }
        pending.extend(extra);
        if let Some(m) = &self.meta {
            let mut f = AtomicFile::create(&out.join(RUN_META)).map_err(write_err)?;
            f.write_all(m.to_yaml().as_bytes()).map_err(write_err)?;
            f.finish_writing().map_err(write_err)?;
            pending.push(f);
        }
        commit_all(out, pending).map_err(write_err)
    }
}

/// Merge shard directories into `out`: the run files one unsharded `ttx run` would have
/// written, byte for byte. Returns the files written. Fails without writing anything if
/// the shards are not one complete batch or a file is damaged.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Vec<PathBuf>, MergeError> {
    Ok(Batch::open(dirs)?.write(out, Vec::new())?.written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs_parse_and_reject_nonsense() {
        assert_eq!(
            "3/10".parse::<ShardSpec>(),
            Ok(ShardSpec {
                index: 3,
                count: 10
            })
        );
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/3", ""] {
            let e = bad.parse::<ShardSpec>().unwrap_err();
            assert!(e.contains("expected K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn shard_ranges_cover_the_batch_once_and_evenly() {
        for total in [1u32, 2, 7, 10, 100, 101] {
            for count in 1..=total.min(12) {
                let mut next = 0;
                for index in 1..=count {
                    let r = ShardSpec { index, count }.replications(total).unwrap();
                    assert_eq!(r.start, next, "contiguous");
                    let n = r.end - r.start;
                    assert!(n == total / count || n == total / count + 1, "even");
                    next = r.end;
                }
                assert_eq!(next, total, "covers all");
            }
        }
        assert_eq!(ShardSpec { index: 1, count: 5 }.replications(4), None);
    }

    #[test]
    fn a_scheduler_s_environment_names_the_shard() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let spec = |k, n| ShardSpec { index: k, count: n };
        let slurm = |id, min, count| {
            ShardSpec::from_scheduler(
                None,
                env(Box::leak(Box::new([
                    ("SLURM_ARRAY_TASK_ID", id),
                    ("SLURM_ARRAY_TASK_MIN", min),
                    ("SLURM_ARRAY_TASK_COUNT", count),
                ]))),
            )
        };
        // --array=1-3 and --array=0-2 give the same shards.
        assert_eq!(slurm("1", "1", "3").unwrap().unwrap().spec, spec(1, 3));
        assert_eq!(slurm("3", "1", "3").unwrap().unwrap().spec, spec(3, 3));
        assert_eq!(slurm("0", "0", "3").unwrap().unwrap().spec, spec(1, 3));
        let from = slurm("12", "10", "4").unwrap().unwrap();
        assert_eq!(from.spec, spec(3, 4));
        assert_eq!(from.variables[0], "SLURM_ARRAY_TASK_ID=12");
        // A stepped or gapped array is refused, not mapped to a shard that is not there.
        let e = slurm("9", "1", "3").unwrap_err().to_string();
        assert!(e.contains("--array=1-N"), "{e}");
        assert!(slurm("0", "1", "3").is_err());
        assert!(
            slurm("x", "1", "3")
                .unwrap_err()
                .to_string()
                .contains("expected a whole number")
        );
        // Not a job array: the whole batch.
        assert_eq!(ShardSpec::from_scheduler(None, env(&[])).unwrap(), None);
        // Part of the array's variables only.
        let e = ShardSpec::from_scheduler(None, env(&[("SLURM_ARRAY_TASK_ID", "2")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("SLURM_ARRAY_TASK_MIN is not"), "{e}");
        // Kubernetes: the completion index counts from 0.
        let k8s = |index: &'static str, n| {
            ShardSpec::from_scheduler(
                Some(n),
                env(Box::leak(Box::new([("JOB_COMPLETION_INDEX", index)]))),
            )
        };
        assert_eq!(k8s("0", 3).unwrap().unwrap().spec, spec(1, 3));
        assert_eq!(k8s("2", 3).unwrap().unwrap().spec, spec(3, 3));
        assert!(k8s("3", 3).unwrap_err().to_string().contains("completions"));
        let e = ShardSpec::from_scheduler(Some(3), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("JOB_COMPLETION_INDEX"), "{e}");
        // --shards wins over a Slurm array's variables (a Job inside an allocation).
        let both = env(&[
            ("JOB_COMPLETION_INDEX", "1"),
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "5"),
        ]);
        assert_eq!(
            ShardSpec::from_scheduler(Some(2), both)
                .unwrap()
                .unwrap()
                .spec,
            spec(2, 2)
        );
    }

    #[test]
    fn dir_names_sort_in_shard_order() {
        let a = ShardSpec {
            index: 2,
            count: 10,
        }
        .dir_name();
        let b = ShardSpec {
            index: 10,
            count: 10,
        }
        .dir_name();
        assert_eq!(a, "shard-02-of-10");
        assert!(a < b);
    }

    /// A shard directory made by hand: its manifest and one events.csv body.
    fn hand_made_shard(root: &Path, k: u32, events: &str) -> PathBuf {
        let dir = root.join(format!("s{k}"));
        std::fs::create_dir_all(&dir).unwrap();
        let variants = vec!["a".into(), "-b".into(), "c".into()];
        let spec = ShardSpec { index: k, count: 2 };
        let m = ShardManifest::new(
            Path::new("x.yaml"),
            b"x",
            1,
            variants,
            2,
            spec,
            spec.replications(2).unwrap(),
            true,
        );
        let r = k - 1;
        let runs = format!("variant,replication\na,{r}\n'-b,{r}\nc,{r}\n");
        let mut sums = Vec::new();
        for name in [
            "runs.csv",
            "platforms.csv",
            "protocols.csv",
            "timeseries.csv",
            "events.csv",
        ] {
            let text = if name == "events.csv" { events } else { &runs };
            std::fs::write(dir.join(name), text).unwrap();
            sums.push((name.to_string(), sha256_hex(text.as_bytes())));
        }
        let m = m.with_checksums(sums);
        std::fs::write(dir.join(MANIFEST), m.to_yaml()).unwrap();
        dir
    }

    #[test]
    fn merge_keeps_variant_order_when_a_shard_lacks_a_variants_rows() {
        let tmp = tempfile::tempdir().unwrap();
        // Shard 1 has no events of `a`, shard 2 none of `-b` (written `'-b`); one row
        // holds a quoted line break.
        let s1 = hand_made_shard(tmp.path(), 1, "variant,detail\n'-b,\"two\nlines\"\nc,x1\n");
        let s2 = hand_made_shard(tmp.path(), 2, "variant,detail\na,y\nc,x2\n");
        let out = tmp.path().join("out");
        merge(&[s2, s1], &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("events.csv")).unwrap(),
            "variant,detail\na,y\n'-b,\"two\nlines\"\nc,x1\nc,x2\n"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("runs.csv")).unwrap(),
            "variant,replication\na,0\na,1\n'-b,0\n'-b,1\nc,0\nc,1\n"
        );
    }

    #[test]
    fn merge_refuses_a_file_without_its_last_line_end() {
        let tmp = tempfile::tempdir().unwrap();
        let s1 = hand_made_shard(tmp.path(), 1, "variant,detail\nc,x1");
        let s2 = hand_made_shard(tmp.path(), 2, "variant,detail\nc,x2\n");
        let out = tmp.path().join("out");
        let e = merge(&[s1, s2], &out).unwrap_err().to_string();
        assert!(e.contains("events.csv") && e.contains("no line end"), "{e}");
        assert!(!out.exists());
    }

    #[test]
    fn manifests_round_trip() {
        let m = ShardManifest::new(
            Path::new("s.yaml"),
            b"name: x",
            7,
            vec!["baseline".into(), "ecp".into()],
            10,
            ShardSpec { index: 2, count: 3 },
            3..6,
            true,
        );
        let back: ShardManifest = serde_yaml::from_str(&m.to_yaml()).unwrap();
        assert_eq!(back, m);
        assert_eq!(m.scenario_sha256.len(), 64);
    }
}
