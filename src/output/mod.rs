//! Output writers: sinks that turn outcome records into files, reading them back, and
//! merging shards.
//!
//! Every file is written under a temporary name in the output directory and renamed into
//! place only when the whole run has succeeded ([`CsvOutputs::commit`]), so each output
//! file is complete or absent. Dropping an uncommitted writer deletes its temporary files.
//!
//! Which columns each file has, and how a cell is written, is [`crate::record`]'s.

mod atomic;
mod csv_sink;
pub mod files;
mod read;
pub mod shard;

pub use atomic::AtomicFile;
pub use csv_sink::{CsvOutputs, OutputFiles};
pub use files::OWN_FILES;
pub use read::ReadError;

// Where cells have always been formatted from; the formatting is the records' own.
pub use crate::record::{as_written, fixed, neutralize};

