//! The command-line layer's larger commands.

pub mod exercise;
