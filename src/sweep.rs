//! Sweeps: a grid of values for dotted paths of a scenario (`--set PATH=V1,V2,...`), its
//! cells (the Cartesian product, the first path varying slowest), the share of the
//! (cell, variant, replication) work one shard runs, and the summary per cell
//! (`sweep_summary.csv`).
//!
//! Every cell runs the same replications with the same seed, so the random streams of a
//! replication are the same in every cell (they are tied to the replication and to each
//! copy's lineage, not to the cell): cells are compared with common random numbers, as
//! variants are.

use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

use crate::compare::{Collector, Metric};
use crate::record::{fixed, neutralize};
use crate::sink::{RunId, RunOutcome, SampleRecord, Sink};

/// At most this many cells in one sweep: each is a scenario read and checked, and a
/// grid this large is more likely a slip than a plan.
pub const MAX_CELLS: u64 = 10_000;

/// One swept path and its values, as written (YAML scalars: `0.8`, `30m`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Axis {
    pub path: String,
    pub values: Vec<String>,
}

/// The columns of `sweep_summary.csv` after `cell` and the swept paths.
pub const SUMMARY_COLUMNS: [&str; 10] = [
    "variant",
    "metric",
    "n",
    "mean",
    "sd",
    "ci95_low",
    "ci95_high",
    "delta_mean",
    "delta_ci95_low",
    "delta_ci95_high",
];

/// The swept paths, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grid {
    pub axes: Vec<Axis>,
}

/// What is wrong with a `--set PATH=V1,V2,...`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    #[error("--set {0}: expected PATH=V1,V2,..., like platforms.videotube.review.reviewers=2,4,8")]
    Form(String),
    #[error("--set {spec}: value {position} is empty")]
    EmptyValue { spec: String, position: usize },
    #[error("--set {spec}: `{value}` is given twice")]
    TwiceValue { spec: String, value: String },
    #[error("--set {0}: this path is swept twice; give all its values in one --set")]
    TwicePath(String),
    #[error("expected at least one --set PATH=V1,V2,... to sweep")]
    Nothing,
    #[error(
        "the grid has {cells} cells, more than the {MAX_CELLS} a sweep runs; sweep fewer values, or split the grid over several sweeps"
    )]
    TooLarge { cells: u64 },
}

/// Split `text` at the commas outside brackets and quotes, so that a value may be a
/// YAML list (`[a, b]`) or a quoted string with a comma.
fn split_values(text: &str) -> Vec<&str> {
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth <= 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

impl Grid {
    /// Read `--set PATH=V1,V2,...` flags.
    pub fn parse(specs: &[String]) -> Result<Grid, GridError> {
        if specs.is_empty() {
            return Err(GridError::Nothing);
        }
        let mut axes: Vec<Axis> = Vec::with_capacity(specs.len());
        for spec in specs {
            let shown = crate::text::one_line(spec).into_owned();
            let (path, values) = spec
                .split_once('=')
                .ok_or_else(|| GridError::Form(shown.clone()))?;
            let path = path.trim();
            if path.is_empty() {
                return Err(GridError::Form(shown));
            }
            if axes.iter().any(|a| a.path == path) {
                return Err(GridError::TwicePath(path.to_string()));
            }
            let mut list: Vec<String> = Vec::new();
            for (i, v) in split_values(values).into_iter().enumerate() {
                let v = v.trim();
                if v.is_empty() {
                    return Err(GridError::EmptyValue {
                        spec: shown,
                        position: i + 1,
                    });
                }
                if list.iter().any(|x| x == v) {
                    return Err(GridError::TwiceValue {
                        spec: shown,
                        value: v.to_string(),
                    });
                }
                list.push(v.to_string());
            }
            axes.push(Axis {
                path: path.to_string(),
                values: list,
            });
        }
        let cells = axes
            .iter()
            .fold(1u64, |n, a| n.saturating_mul(a.values.len() as u64));
        if cells > MAX_CELLS {
            return Err(GridError::TooLarge { cells });
        }
        Ok(Grid { axes })
    }

    /// The number of cells.
    pub fn cells(&self) -> u64 {
        self.axes.iter().map(|a| a.values.len() as u64).product()
    }

    /// The values of cell `index` (0-based), one per axis: the first axis varies
    /// slowest, as nested loops in the order the paths were given.
    pub fn cell(&self, index: u64) -> Vec<(String, String)> {
        let mut rest = index;
        let mut out = vec![(String::new(), String::new()); self.axes.len()];
        for (i, a) in self.axes.iter().enumerate().rev() {
            let n = a.values.len() as u64;
            out[i] = (a.path.clone(), a.values[(rest % n) as usize].clone());
            rest /= n;
        }
        out
    }

    /// The columns a sweep adds after each row's key: `cell`, then one per path.
    pub fn columns(&self) -> Vec<String> {
        std::iter::once("cell".to_string())
            .chain(self.axes.iter().map(|a| a.path.clone()))
            .collect()
    }

    /// Cell `index`'s values of [`Grid::columns`].
    pub fn column_values(&self, index: u64) -> Vec<String> {
        std::iter::once(index.to_string())
            .chain(self.cell(index).into_iter().map(|(_, v)| v))
            .collect()
    }

    /// The flags again, one per axis (`path=v1,v2`): what a shard's manifest records.
    pub fn specs(&self) -> Vec<String> {
        self.axes
            .iter()
            .map(|a| format!("{}={}", a.path, a.values.join(",")))
            .collect()
    }
}

/// The work of a sweep: `cells` x `variants` x `replications` runs, in that order
/// (cell slowest), numbered from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    pub cells: u64,
    pub variants: usize,
    pub replications: u32,
}

/// Runs of one cell that one call of the runner can take: some variants (positions in
/// the sweep's variant list), each for the same replications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub cell: u64,
    pub variants: Range<usize>,
    pub replications: Range<u32>,
}

impl Work {
    pub fn total(&self) -> u64 {
        self.cells * self.variants as u64 * u64::from(self.replications)
    }

    /// The runs `range` covers (numbered as above), as segments in order: within a cell,
    /// at most a partial first variant, whole variants, and a partial last one.
    pub fn segments(&self, range: Range<u64>) -> Vec<Segment> {
        let r = u64::from(self.replications);
        let per_cell = self.variants as u64 * r;
        let mut out = Vec::new();
        if per_cell == 0 {
            return out;
        }
        let mut at = range.start;
        while at < range.end {
            let cell = at / per_cell;
            let cell_end = ((cell + 1) * per_cell).min(range.end);
            let (lo, hi) = (at - cell * per_cell, cell_end - cell * per_cell);
            let (v0, r0) = ((lo / r) as usize, (lo % r) as u32);
            let (v1, r1) = ((hi / r) as usize, (hi % r) as u32);
            let mut push = |variants: Range<usize>, replications: Range<u32>| {
                if !variants.is_empty() && !replications.is_empty() {
                    out.push(Segment {
                        cell,
                        variants,
                        replications,
                    });
                }
            };
            if v0 == v1 {
                push(v0..v0 + 1, r0..r1);
            } else {
                let first_whole = if r0 > 0 {
                    push(v0..v0 + 1, r0..self.replications);
                    v0 + 1
                } else {
                    v0
                };
                push(first_whole..v1, 0..self.replications);
                push(v1..v1 + 1, 0..r1);
            }
            at = cell_end;
        }
        out
    }
}

/// A comparison's statistics per cell: a collector for each, fed the records of the cell
/// [`SweepCollector::set_cell`] names.
pub struct SweepCollector {
    cells: Vec<Collector>,
    current: usize,
}

impl SweepCollector {
    pub fn new(
        cells: u64,
        variants: Vec<Arc<str>>,
        platforms: Vec<Arc<str>>,
        metrics: Vec<Metric>,
    ) -> Self {
        let one = Collector::new(variants, platforms, metrics);
        SweepCollector {
            cells: vec![one; cells as usize],
            current: 0,
        }
    }

    /// The records that follow are cell `index`'s.
    pub fn set_cell(&mut self, index: u64) {
        self.current = index as usize;
    }

    pub fn cell(&self, index: u64) -> Option<&Collector> {
        self.cells.get(index as usize)
    }

    /// Replications collected per (cell, variant): the smallest count.
    pub fn replications(&self) -> usize {
        self.cells
            .iter()
            .map(Collector::replications)
            .min()
            .unwrap_or(0)
    }

    /// `sweep_summary.csv` (`cell`, the swept paths, then [`SUMMARY_COLUMNS`]): per
    /// (cell, variant, metric) the mean and its 95% interval,
    /// and the paired difference against the reference variant in the same cell.
    pub fn write_summary(&self, grid: &Grid, w: impl Write) -> io::Result<()> {
        let mut out = csv::Writer::from_writer(w);
        let mut header = grid.columns();
        header.extend(SUMMARY_COLUMNS.map(String::from));
        out.write_record(header.iter().map(|h| neutralize(h).into_owned()))?;
        let num = |x: f64| fixed(x, 4);
        for (c, collector) in self.cells.iter().enumerate() {
            let key: Vec<String> = grid
                .column_values(c as u64)
                .iter()
                .map(|v| neutralize(v).into_owned())
                .collect();
            for (v, name) in collector.variants().iter().enumerate() {
                for &m in collector.metrics() {
                    let mut row = key.clone();
                    row.push(neutralize(name).into_owned());
                    row.push(m.name().to_string());
                    match collector.describe(v, m) {
                        Some(d) => row.extend([
                            d.n.to_string(),
                            num(d.mean),
                            num(d.sd),
                            num(d.ci95_low),
                            num(d.ci95_high),
                        ]),
                        None => {
                            row.push("0".into());
                            row.extend(std::iter::repeat_n(String::new(), 4));
                        }
                    }
                    match collector.paired(v, m) {
                        Some(p) => row.extend([
                            num(p.delta_mean),
                            num(p.delta_ci95_low),
                            num(p.delta_ci95_high),
                        ]),
                        None => row.extend(std::iter::repeat_n(String::new(), 3)),
                    }
                    out.write_record(&row)?;
                }
            }
        }
        out.flush()
    }

    /// The terminal's table of one metric: a row per cell, a column per variant with
    /// its mean, and for the others their change against the reference.
    pub fn table(&self, grid: &Grid, metric: Metric) -> String {
        let Some(first) = self.cells.first() else {
            return String::new();
        };
        let variants = first.variants();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut header = grid.columns();
        header.extend(
            variants
                .iter()
                .map(|v| crate::text::one_line(v).into_owned()),
        );
        rows.push(header);
        for (c, collector) in self.cells.iter().enumerate() {
            let mut row = grid.column_values(c as u64);
            for v in 0..variants.len() {
                let mean = collector.describe(v, metric).map(|d| d.mean);
                let change = collector.paired(v, metric).and_then(|p| p.percent());
                let cell = match (mean, change) {
                    (Some(mean), Some((mid, lo, hi))) => {
                        format!("{mean:.1} ({mid:+.0}%, {lo:+.0} to {hi:+.0}%)")
                    }
                    (Some(mean), _) => format!("{mean:.1}"),
                    (None, _) => "-".to_string(),
                };
                row.push(cell);
            }
            rows.push(row);
        }
        let columns = rows[0].len();
        let widths: Vec<usize> = (0..columns)
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &rows {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, &w)| format!("{cell:<w$}"))
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
        out
    }
}

impl Sink for SweepCollector {
    fn sample(&mut self, run: &RunId, s: &SampleRecord) {
        if let Some(c) = self.cells.get_mut(self.current) {
            c.sample(run, s);
        }
    }
    fn run_outcome(&mut self, run: &RunId, o: &RunOutcome) {
        if let Some(c) = self.cells.get_mut(self.current) {
            c.run_outcome(run, o);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(specs: &[&str]) -> Result<Grid, GridError> {
        Grid::parse(&specs.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn cells_are_the_product_with_the_first_path_slowest() {
        let g = grid(&["a.b=1,2", "c=x,y,z"]).unwrap();
        assert_eq!(g.cells(), 6);
        assert_eq!(g.columns(), ["cell", "a.b", "c"]);
        let all: Vec<Vec<String>> = (0..6).map(|i| g.column_values(i)).collect();
        assert_eq!(all[0], ["0", "1", "x"]);
        assert_eq!(all[1], ["1", "1", "y"]);
        assert_eq!(all[3], ["3", "2", "x"]);
        assert_eq!(all[5], ["5", "2", "z"]);
        assert_eq!(g.specs(), ["a.b=1,2", "c=x,y,z"]);
    }

    #[test]
    fn values_may_be_lists_or_quoted_and_mistakes_are_named() {
        let g = grid(&["p=[a, b],[c],'x,y'"]).unwrap();
        assert_eq!(g.axes[0].values, ["[a, b]", "[c]", "'x,y'"]);
        assert!(matches!(grid(&["p"]), Err(GridError::Form(_))));
        assert!(matches!(grid(&["=1"]), Err(GridError::Form(_))));
        assert_eq!(
            grid(&["p=1,,2"]).unwrap_err().to_string(),
            "--set p=1,,2: value 2 is empty"
        );
        assert!(matches!(
            grid(&["p=1,1"]),
            Err(GridError::TwiceValue { .. })
        ));
        assert!(matches!(
            grid(&["p=1", "p=2"]),
            Err(GridError::TwicePath(_))
        ));
        assert!(matches!(grid(&[]), Err(GridError::Nothing)));
        let many: String = (0..200)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let e = grid(&[&format!("a={many}"), &format!("b={many}")]).unwrap_err();
        assert_eq!(e, GridError::TooLarge { cells: 40_000 });
    }

    /// Every split of the work into segments covers each run once, in order.
    #[test]
    fn segments_cover_a_range_in_order_once() {
        let work = Work {
            cells: 3,
            variants: 2,
            replications: 4,
        };
        let runs = |segments: &[Segment]| -> Vec<(u64, usize, u32)> {
            segments
                .iter()
                .flat_map(|s| {
                    s.variants
                        .clone()
                        .flat_map(move |v| s.replications.clone().map(move |r| (s.cell, v, r)))
                })
                .collect()
        };
        let all: Vec<(u64, usize, u32)> = (0..3)
            .flat_map(|c| (0..2).flat_map(move |v| (0..4).map(move |r| (c, v, r))))
            .collect();
        for a in 0..=work.total() {
            for b in a..=work.total() {
                let got = runs(&work.segments(a..b));
                assert_eq!(got, all[a as usize..b as usize], "{a}..{b}");
            }
        }
        // A cell's whole work is one segment.
        assert_eq!(work.segments(8..16).len(), 1);
    }
}
