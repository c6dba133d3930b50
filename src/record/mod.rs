//! The records a run produces and the one definition of their file columns.
//!
//! Each record type is declared with [`record!`]: a field written `=> "name"` is a column
//! of the record's file, in field order, with its [`Format`]. From that single
//! declaration come the header, the writer's cells ([`write_cells`]), the reader
//! ([`Columns::read`]) and, for `runs.csv`, the metrics `ttx compare` can summarise
//! (every numeric column). A new column is a new field here, and the engine filling it.
//!
//! [`crate::sink`] re-exports these types: the engine knows them from there.

mod cell;

use std::sync::Arc;

use crate::scenario::Minutes;

use Format::{Fixed, Safe};
pub use cell::{Cell, CellError, Format, as_written, fixed, neutralize};

/// One column of a file of `R` records.
pub struct Column<R> {
    /// The column's name in the header.
    pub name: &'static str,
    /// Whether its cells are numbers.
    pub numeric: bool,
    /// Append the record's cell to `out`.
    pub write: fn(&R, &mut String),
    /// The record's value in this column as a number, as the file holds it (rounded to
    /// its decimals); `None` for an empty cell or a column of text.
    pub number: fn(&R) -> Option<f64>,
}

/// A cell that could not be read back: which column, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{column}`: {source}")]
pub struct ColumnError {
    pub column: &'static str,
    pub source: CellError,
}

/// Something written as cells of a row, one per column.
pub trait Columns: Sized + 'static {
    /// The columns, in file order.
    const COLUMNS: &'static [Column<Self>];

    /// The record a row's cells stand for: `cell(column)` gives a column's text, and is
    /// asked once per column, in column order. Fields that are not columns get their
    /// default.
    fn read<'a>(
        cell: impl FnMut(&'static str) -> Result<&'a str, ColumnError>,
    ) -> Result<Self, ColumnError>;
}

/// A record with a file of its own: each row is the run's key columns, then the
/// record's.
pub trait Record: Columns {
    /// The file's name in an output directory.
    const FILE: &'static str;
    /// The columns naming the row's run, before the record's own.
    const KEY: &'static [Column<RunId>];
}

/// The header of `R`'s file.
pub fn header<R: Record>() -> impl Iterator<Item = &'static str> {
    let key = R::KEY.iter().map(|c| c.name);
    key.chain(R::COLUMNS.iter().map(|c| c.name))
}

/// Each cell of `record`'s row (of run `run`) to `each`, in column order; `cell` is
/// scratch space, so a writer allocates nothing per row.
pub fn write_cells<R: Record, E>(
    run: &RunId,
    record: &R,
    cell: &mut String,
    mut each: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    for c in R::KEY {
        cell.clear();
        (c.write)(run, cell);
        each(cell)?;
    }
    for c in R::COLUMNS {
        cell.clear();
        (c.write)(record, cell);
        each(cell)?;
    }
    Ok(())
}

/// Where column `name` is among `R`'s columns (usable in constants).
pub const fn position<R: Columns>(name: &str) -> Option<usize> {
    let mut i = 0;
    while i < R::COLUMNS.len() {
        if same(R::COLUMNS[i].name.as_bytes(), name.as_bytes()) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Column `name` of `R`; in a constant, a missing column fails the build.
pub const fn column<R: Columns>(name: &str) -> &'static Column<R> {
    match position::<R>(name) {
        Some(i) => &R::COLUMNS[i],
        None => panic!("no such column"),
    }
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Declares a record type and its columns at once. A field written
/// `name: Type => "column"` (optionally `as FORMAT`; [`Format::Plain`] otherwise) is a
/// column, in field order; a field without `=>` is kept in memory only.
macro_rules! record {
    (@format) => { Format::Plain };
    (@format $format:expr) => { $format };
    (@read $cell:ident) => { Default::default() };
    (@read $cell:ident, $column:literal $(, $format:expr)?) => {
        Cell::read($cell($column)?, record!(@format $($format)?))
            .map_err(|source| ColumnError { column: $column, source })?
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                pub $field:ident: $ty:ty $(=> $column:literal $(as $format:expr)?)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty, )*
        }

        impl Columns for $name {
            const COLUMNS: &'static [Column<Self>] = &[
                $($(
                    Column {
                        name: $column,
                        numeric: <$ty as Cell>::NUMERIC,
                        write: |r, out| Cell::write(&r.$field, record!(@format $($format)?), out),
                        number: |r| Cell::number(&r.$field, record!(@format $($format)?)),
                    },
                )?)*
            ];

            fn read<'a>(
                mut cell: impl FnMut(&'static str) -> Result<&'a str, ColumnError>,
            ) -> Result<Self, ColumnError> {
                // Fields in declaration order, so cells are asked for in column order.
                Ok($name {
                    $( $field: record!(@read cell $(, $column $(, $format)?)?), )*
                })
            }
        }
    };
}

record! {
    /// Which run a record belongs to: the key columns that open every row.
    #[derive(Debug, Clone, PartialEq)]
    pub struct RunId {
        pub variant: Arc<str> => "variant" as Safe,
        pub replication: u32 => "replication",
        /// The seed the run's random streams were derived from (the scenario's base seed).
        pub seed: u64 => "seed",
    }
}

/// The key of most files: variant and replication.
pub const RUN: &[Column<RunId>] = RunId::COLUMNS.split_at(2).0;
/// The key of `runs.csv`: variant, replication and seed.
pub const RUN_AND_SEED: &[Column<RunId>] = RunId::COLUMNS;

/// Declares [`EventKind`] with each kind's name in the event log, once.
macro_rules! event_kinds {
    ($( $(#[$meta:meta])* $kind:ident => $name:literal, )*) => {
        /// What kind of thing happened, for the event log.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventKind {
            $( $(#[$meta])* $kind, )*
        }

        impl EventKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$kind),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( EventKind::$kind => $name, )*
                }
            }
        }
    };
}

event_kinds! {
    /// A content item's first copy is published.
    Origin => "origin",
    /// An upload attempt was published as a new live copy.
    Published => "published",
    /// An upload attempt was blocked by hash matching.
    Blocked => "blocked",
    /// A new visually distinct variant was made.
    NewVariant => "new_variant",
    /// A platform detected a copy (automated or user flags).
    Detected => "detected",
    /// A copy joined a review queue, or moved to a more urgent class.
    Queued => "queued",
    ReviewStarted => "review_started",
    /// A review ended without removing the copy.
    ReviewKept => "review_kept",
    /// A copy was removed (detail says how).
    Removed => "removed",
    /// An authority found a copy.
    Found => "found",
    /// An authority sent a referral to a platform.
    Referral => "referral",
    /// An authority sent a removal order to a platform.
    RemovalOrder => "removal_order",
    /// A variant went on a platform's hash list.
    HashListed => "hash_listed",
    /// A variant's hash was submitted to the shared database.
    HashSubmitted => "hash_submitted",
    /// A sweep of a newly listed variant was scheduled for a copy.
    SweepScheduled => "sweep_scheduled",
    Inject => "inject",
    InjectEnded => "inject_ended",
    /// Reviewer capacity of a platform changed.
    Capacity => "capacity",
    ProtocolTriggered => "protocol_triggered",
    ProtocolActivated => "protocol_activated",
    /// A member platform was notified and applies its crisis posture.
    PlatformNotified => "platform_notified",
    /// A copy's parent or child on another member platform was referred by URL sharing.
    UrlShared => "url_shared",
    ProtocolDeactivated => "protocol_deactivated",
    /// A decision taken by the players of an exercise.
    Decision => "decision",
    /// A livestream's live phase ended; its recording stays up (contract section 17).
    StreamEnded => "stream_ended",
    /// A link post was published (contract section 18).
    PostPublished => "post_published",
    /// A platform detected a link post.
    PostDetected => "post_detected",
    /// A link post was removed by review.
    PostRemoved => "post_removed",
}

record! {
    /// One line of the event log (`events.csv`): a timeline a person can read.
    #[derive(Debug, Clone, PartialEq)]
    pub struct EventRecord {
        pub time: Minutes => "time_min" as Fixed(3),
        pub kind: EventKind => "event",
        /// Platform id, where the event happened on one.
        pub platform: Option<Arc<str>> => "platform",
        /// Copy number (1, 2, ... in order of publication within the run).
        pub copy: Option<u64> => "copy",
        /// Content id.
        pub content: Option<Arc<str>> => "content",
        /// Variant number within its content (0 is the original).
        pub content_variant: Option<u32> => "content_variant",
        pub detail: String => "detail" as Safe,
    }
}

impl Record for EventRecord {
    const FILE: &'static str = "events.csv";
    const KEY: &'static [Column<RunId>] = RUN;
}

record! {
    /// The state of one platform at one sample time (`timeseries.csv`).
    #[derive(Debug, Clone, PartialEq)]
    pub struct SampleRecord {
        pub time: Minutes => "time_min" as Fixed(3),
        pub platform: Arc<str> => "platform",
        pub live: u64 => "live",
        pub published_cum: u64 => "published_cum",
        pub removed_cum: u64 => "removed_cum",
        pub views_cum: f64 => "views_cum" as Fixed(3),
        /// Copies (and posts) waiting for review (not counting those under review).
        pub queue: u64 => "queue",
        /// Upload attempts on the platform so far.
        pub attempts_cum: u64 => "attempts_cum",
        /// Attempts blocked by hash matching so far.
        pub blocked_cum: u64 => "blocked_cum",
    }
}

impl Record for SampleRecord {
    const FILE: &'static str = "timeseries.csv";
    const KEY: &'static [Column<RunId>] = RUN;
}

record! {
    /// Totals of one platform over one run (`platforms.csv`).
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct PlatformOutcome {
        pub platform: Arc<str> => "platform",
        pub attempts: u64 => "attempts",
        pub blocked: u64 => "blocked",
        pub published: u64 => "published",
        pub removed_review: u64 => "removed_review",
        pub removed_order: u64 => "removed_order",
        pub removed_sweep: u64 => "removed_sweep",
        pub live_at_end: u64 => "live_at_end",
        pub views: f64 => "views" as Fixed(3),
        /// Reviews completed.
        pub reviews: u64 => "reviews",
        /// Mean time from joining the queue to the start of review, over reviews started.
        pub mean_wait_min: Option<f64> => "mean_wait_min" as Fixed(3),
        pub max_queue: u64 => "max_queue",
        /// Busy reviewer-time over available reviewer-time (`None` with unlimited reviewers).
        pub reviewer_utilization: Option<f64> => "reviewer_utilization" as Fixed(4),
        /// Link posts published on this platform (contract section 18).
        pub posts: u64 => "posts",
        /// Of those, removed by its reviews.
        pub posts_removed: u64 => "posts_removed",
        /// Views of the posts on this platform.
        pub post_views: f64 => "post_views" as Fixed(3),
        /// Views this platform's copies received from posts anywhere (in `views` too).
        pub click_views: f64 => "click_views" as Fixed(3),
        /// First detection by this platform or find by an authority of a copy on it.
        pub first_detection_min: Option<Minutes> => "first_detection_min" as Fixed(3),
    }
}

impl Record for PlatformOutcome {
    const FILE: &'static str = "platforms.csv";
    const KEY: &'static [Column<RunId>] = RUN;
}

impl PlatformOutcome {
    pub fn removed(&self) -> u64 {
        self.removed_review + self.removed_order + self.removed_sweep
    }
}

record! {
    /// Totals of one run (`runs.csv`). Every numeric column is a metric of `ttx compare`.
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct RunOutcome {
        pub attempts: u64 => "attempts",
        pub blocked: u64 => "blocked",
        pub published: u64 => "published",
        pub removed: u64 => "removed",
        pub live_at_end: u64 => "live_at_end",
        pub peak_live: u64 => "peak_live",
        /// Total views of all copies up to the horizon.
        pub exposure: f64 => "exposure" as Fixed(3),
        /// Views on `eu` platforms.
        pub exposure_eu: f64 => "exposure_eu" as Fixed(3),
        /// Distinct variants made (each content's original included).
        pub variants: u64 => "variants",
        /// Variants on at least one platform's hash list at the end.
        pub variants_hashed: u64 => "variants_hashed",
        /// First detection by a platform or find by an authority.
        pub first_detection_min: Option<Minutes> => "first_detection_min" as Fixed(3),
        /// When the protocol was triggered (not in `runs.csv`; for debriefs and MSELs).
        pub triggered_min: Option<Minutes>,
        /// When the protocol became active.
        pub activation_min: Option<Minutes> => "activation_min" as Fixed(3),
        /// Earliest time from which no copy was live until the horizon.
        pub contained_min: Option<Minutes> => "contained_min" as Fixed(3),
        /// Events the engine processed.
        pub events: u64 => "events",
        /// When an origin livestream was removed while live (the first such cut).
        pub stream_cut_min: Option<Minutes> => "stream_cut_min" as Fixed(3),
        /// Views at the live rate during live phases (contract section 17).
        pub live_views: f64 => "live_views" as Fixed(3),
        /// Link posts published (contract section 18); they are not copies.
        pub posts: u64 => "posts",
        pub posts_removed: u64 => "posts_removed",
        /// Views of posts.
        pub post_views: f64 => "post_views" as Fixed(3),
        /// Views copies received through posts (in `exposure` too).
        pub click_views: f64 => "click_views" as Fixed(3),
    }
}

impl Record for RunOutcome {
    const FILE: &'static str = "runs.csv";
    const KEY: &'static [Column<RunId>] = RUN_AND_SEED;
}

/// Which condition triggered a protocol (`protocols.csv`'s `trigger`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    ConfirmedRemovals,
    Detections,
    PlatformsReached,
    After,
    OrAt,
    /// In an exercise: the players activated it.
    Players,
}

impl Trigger {
    /// Every trigger, in declaration order.
    pub const ALL: &'static [Trigger] = &[
        Trigger::ConfirmedRemovals,
        Trigger::Detections,
        Trigger::PlatformsReached,
        Trigger::After,
        Trigger::OrAt,
        Trigger::Players,
    ];

    /// Its name in `protocols.csv` (the scenario field's name).
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::ConfirmedRemovals => "confirmed_removals",
            Trigger::Detections => "detections",
            Trigger::PlatformsReached => "platforms_reached",
            Trigger::After => "after",
            Trigger::OrAt => "or_at",
            Trigger::Players => "players",
        }
    }
}

record! {
    /// One protocol a variant lists, over one run (`protocols.csv`).
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct ProtocolOutcome {
        pub protocol: Arc<str> => "protocol",
        pub triggered_min: Option<Minutes> => "triggered_min" as Fixed(3),
        pub activated_min: Option<Minutes> => "activated_min" as Fixed(3),
        pub deactivated_min: Option<Minutes> => "deactivated_min" as Fixed(3),
        /// The condition that fired (empty if none did).
        pub trigger: Option<Trigger> => "trigger",
    }
}

impl Record for ProtocolOutcome {
    const FILE: &'static str = "protocols.csv";
    const KEY: &'static [Column<RunId>] = RUN;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> RunId {
        RunId {
            variant: Arc::from("-b"),
            replication: 3,
            seed: 42,
        }
    }

    /// The cells of a record's row, as the writer produces them.
    fn cells<R: Record>(run: &RunId, r: &R) -> Vec<String> {
        let mut out = Vec::new();
        write_cells::<R, ()>(run, r, &mut String::new(), |c| {
            out.push(c.to_string());
            Ok(())
        })
        .unwrap();
        out
    }

    /// `R` read back from the cells `cells` wrote (after the key columns).
    fn read_back<R: Record>(cells: &[String]) -> R {
        let mut own = cells[R::KEY.len()..].iter();
        R::read(|_| Ok(own.next().unwrap().as_str())).unwrap()
    }

    #[test]
    fn a_run_outcome_row_is_as_it_always_was_and_reads_back() {
        let o = RunOutcome {
            attempts: 10,
            blocked: 2,
            published: 8,
            removed: 5,
            live_at_end: 3,
            peak_live: 6,
            exposure: 1234.56789,
            exposure_eu: -0.0,
            variants: 2,
            variants_hashed: 1,
            first_detection_min: Some(12.3456),
            triggered_min: Some(20.0),
            activation_min: None,
            contained_min: Some(400.0),
            events: 999,
            stream_cut_min: None,
            live_views: 12.0,
            posts: 4,
            posts_removed: 1,
            post_views: 0.5,
            click_views: 0.25,
        };
        let cells = cells(&run(), &o);
        assert_eq!(
            cells.join(","),
            "'-b,3,42,10,2,8,5,3,6,1234.568,0.000,2,1,12.346,,400.000,999,,12.000,4,1,0.500,0.250"
        );
        // Part I's columns as they always were, part II's appended.
        assert_eq!(
            header::<RunOutcome>().collect::<Vec<_>>().join(","),
            "variant,replication,seed,attempts,blocked,published,removed,live_at_end,\
             peak_live,exposure,exposure_eu,variants,variants_hashed,first_detection_min,\
             activation_min,contained_min,events,stream_cut_min,live_views,posts,\
             posts_removed,post_views,click_views"
        );
        // Back as the file holds it: rounded, and without what runs.csv leaves out.
        let back: RunOutcome = read_back(&cells);
        assert_eq!(
            back,
            RunOutcome {
                exposure: 1234.568,
                first_detection_min: Some(12.346),
                triggered_min: None,
                ..o
            }
        );
    }

    #[test]
    fn every_record_reads_back_what_it_wrote() {
        let e = EventRecord {
            time: 1.5,
            kind: EventKind::RemovalOrder,
            platform: Some(Arc::from("videotube")),
            copy: None,
            content: Some(Arc::from("c1")),
            content_variant: Some(0),
            detail: "=formula, with a comma".into(),
        };
        let c = cells(&run(), &e);
        assert_eq!(
            c.join("|"),
            "'-b|3|1.500|removal_order|videotube||c1|0|'=formula, with a comma"
        );
        assert_eq!(read_back::<EventRecord>(&c), e);

        let s = SampleRecord {
            time: 60.0,
            platform: Arc::from("p"),
            live: 4,
            published_cum: 9,
            removed_cum: 5,
            views_cum: 10.25,
            queue: 1,
            attempts_cum: 12,
            blocked_cum: 3,
        };
        assert_eq!(read_back::<SampleRecord>(&cells(&run(), &s)), s);

        let p = PlatformOutcome {
            platform: Arc::from("p"),
            views: 3.5,
            mean_wait_min: Some(2.0),
            reviewer_utilization: Some(0.1234),
            first_detection_min: Some(7.5),
            ..Default::default()
        };
        let c = cells(&run(), &p);
        assert_eq!(c.last().map(String::as_str), Some("7.500"));
        assert_eq!(read_back::<PlatformOutcome>(&c), p);

        let p = ProtocolOutcome {
            protocol: Arc::from("gifct-cip"),
            triggered_min: Some(10.0),
            activated_min: Some(100.0),
            deactivated_min: None,
            trigger: Some(Trigger::Detections),
        };
        let c = cells(&run(), &p);
        assert_eq!(c.join(","), "'-b,3,gifct-cip,10.000,100.000,,detections");
        assert_eq!(
            header::<ProtocolOutcome>().collect::<Vec<_>>().join(","),
            "variant,replication,protocol,triggered_min,activated_min,deactivated_min,trigger"
        );
        assert_eq!(read_back::<ProtocolOutcome>(&c), p);
        for t in Trigger::ALL {
            let mut cell = String::new();
            Some(*t).write(Format::Plain, &mut cell);
            assert_eq!(Option::<Trigger>::read(&cell, Format::Plain), Ok(Some(*t)));
        }
    }

    #[test]
    fn every_event_kind_has_its_own_name() {
        let mut names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventKind::ALL.len());
    }

    #[test]
    fn columns_are_found_by_name() {
        assert_eq!(position::<RunOutcome>("attempts"), Some(0));
        assert_eq!(position::<RunOutcome>("triggered_min"), None);
        assert_eq!(column::<SampleRecord>("views_cum").name, "views_cum");
        assert_eq!(RUN.len(), 2);
    }
}
