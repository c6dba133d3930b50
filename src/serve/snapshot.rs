//! Owns the data a session shows: the snapshot the host publishes after every change,
//! the decisions as they came in, the session's own time series, and the answers to
//! the seats. Plain data: the host makes it, the views read it.

use std::sync::Arc;

use crate::engine::{InjectState, Situation};
use crate::scenario::{Minutes, Model};

use super::seats::Seat;

/// What the session answers a seat.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Answer {
    pub accepted: bool,
    pub message: String,
    /// Refused because the seat may not take it (not the model's answer, the seat's
    /// limits).
    pub forbidden: bool,
}

impl Answer {
    pub fn yes(message: impl Into<String>) -> Answer {
        Answer {
            accepted: true,
            message: message.into(),
            forbidden: false,
        }
    }
    pub fn no(message: impl Into<String>) -> Answer {
        Answer {
            accepted: false,
            message: message.into(),
            forbidden: false,
        }
    }
    pub fn forbidden(message: impl Into<String>) -> Answer {
        Answer {
            forbidden: true,
            ..Answer::no(message)
        }
    }
}

/// One decision as it came in, accepted or refused.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    pub at: Minutes,
    pub seat: Seat,
    /// The role's id, or `None` for the facilitator.
    pub role: Option<String>,
    pub text: String,
    pub answer: Answer,
}

/// A point of the session's own time series, one per pause.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub at: Minutes,
    pub live: u64,
    pub exposure: f64,
    /// Copies waiting for review, per platform.
    pub waiting: Vec<u64>,
}

/// Everything the seats are shown, as of one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Grows with every change: pages reload when it moves.
    pub version: u64,
    pub model: Arc<Model>,
    pub variant: String,
    pub situation: Situation,
    pub horizon: Minutes,
    pub step: Minutes,
    pub running: bool,
    pub finished: bool,
    /// The facilitator ended the session (the debrief follows).
    pub ended: bool,
    pub injects: Vec<InjectState>,
    pub next_inject: Option<usize>,
    pub feed: Vec<FeedItem>,
    /// Inject messages delivered so far: time, text.
    pub messages: Vec<(Minutes, String)>,
    pub history: Vec<Point>,
    pub charts: Charts,
    /// The debrief's text, once computed.
    pub debrief: Option<String>,
    /// The files the session wrote at its end.
    pub files: Vec<String>,
    /// Something went wrong at the end (the files could not be written).
    pub failure: Option<String>,
}

/// The board's charts as SVG documents (empty where one could not be drawn).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Charts {
    pub live: String,
    pub exposure: String,
    pub queues: String,
}

impl Charts {
    /// A chart by name.
    pub fn get(&self, name: &str) -> Option<&str> {
        match name {
            "live" => Some(&self.live),
            "exposure" => Some(&self.exposure),
            "queues" => Some(&self.queues),
            _ => None,
        }
    }
}
