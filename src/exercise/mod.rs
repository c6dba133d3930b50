//! Training sessions: a facilitated, turn-based exercise on one replication, where the
//! players are the protocol; a record of their decisions that replays exactly; a debrief
//! that sets their decisions against the automated variants over many replications; and
//! the facilitator's events list (MSEL).

pub mod command;
pub mod debrief;
pub mod msel;
pub mod record;
pub mod session;

pub use command::{Command, CommandError, HELP};
pub use debrief::{Debrief, PLAYERS, Rating, debrief, run_schedule};
pub use record::{DecisionFile, DecisionFileError, Replay};
pub use session::{Outcome, Session};
