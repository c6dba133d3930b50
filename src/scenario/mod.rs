//! Scenario files: YAML in, a validated [`Scenario`] out.
//!
//! `raw` mirrors the YAML as written (serde, unknown fields refused); `validate` checks it
//! and resolves ids into the typed [`model`]; `overrides` applies a variant's `set` paths.
//! Errors name the file and line:column, or the field path, and suggest close names.

pub mod model;

pub use model::*;
