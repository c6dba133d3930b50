//! Check the loader's nesting scan against the YAML parser itself.
//!
//! `check_nesting` follows libyaml's scanner to find how deep flow collections (`[...]`,
//! `{...}`) nest, so that deep nesting (which makes the parser slow) is refused before
//! parsing. If it counted too much, valid files would be refused; if too little, the
//! guard would let slow files through. For every text the parser reads, the flow depth
//! must be at most the depth of the values read; and in a document with no block
//! collections at all, at least half of it (a `key: value` pair inside `[...]` makes a
//! mapping of its own without a `{`).
//!
//! And position by position: a `[` or `{` that follows `,`, `[`, `{` or `: ` on its line
//! (where a flow collection may start, and where `@` may not go on a plain scalar) starts
//! a flow collection for the parser exactly when, replaced by `@` (which cannot start a
//! token), the parser fails right there with "found character that cannot start any
//! token". The scan must say the same of each such position.

#![no_main]
#![deny(unsafe_code)]

use libfuzzer_sys::fuzz_target;
use serde_yaml::Value;

fn depth(v: &Value) -> usize {
    match v {
        Value::Sequence(s) => 1 + s.iter().map(depth).max().unwrap_or(0),
        Value::Mapping(m) => {
            1 + m
                .iter()
                .map(|(k, v)| depth(k).max(depth(v)))
                .max()
                .unwrap_or(0)
        }
        Value::Tagged(t) => depth(&t.value),
        _ => 0,
    }
}

/// Whether what precedes byte `p` on its line ends with `,`, `[`, `{` (then blanks) or
/// `:` and at least one blank.
fn checkable(text: &str, p: usize) -> bool {
    let line = &text[..p];
    let line = &line[line.rfind(['\n', '\r']).map_or(0, |i| i + 1)..];
    let trimmed = line.trim_end_matches([' ', '\t']);
    match trimmed.chars().last() {
        Some(',' | '[' | '{') => true,
        Some(':') => trimmed.len() < line.len(),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(shape) = ttx::scenario::guard::check_nesting(text) else {
        return;
    };
    // Inputs are small, so the parser is quick whatever the nesting.
    let Ok(value) = serde_yaml::from_str::<Value>(text) else {
        return;
    };
    let d = depth(&value);
    assert!(
        shape.max_flow_depth <= d,
        "scan found flow depth {} but the values nest only {d} deep",
        shape.max_flow_depth
    );
    let starts = ttx::scenario::guard::flow_starts(text);
    let candidates = text
        .bytes()
        .enumerate()
        .filter(|&(p, b)| (b == b'[' || b == b'{') && checkable(text, p))
        .map(|(p, _)| p)
        .take(16);
    for p in candidates {
        let mut changed = text.as_bytes().to_vec();
        changed[p] = b'@';
        let changed = String::from_utf8(changed).expect("an ASCII byte replaced");
        let parser_starts = match serde_yaml::from_str::<Value>(&changed) {
            Err(e) => {
                e.to_string()
                    .starts_with("found character that cannot start any token")
                    && e.location().is_some_and(|l| l.index() == p)
            }
            Ok(_) => false,
        };
        assert_eq!(
            starts.contains(&p),
            parser_starts,
            "at byte {p}: the scan says {}, the parser {}",
            starts.contains(&p),
            parser_starts
        );
    }
    if !shape.block {
        assert!(
            d <= 2 * shape.max_flow_depth,
            "scan found flow depth {} in a flow-only document whose values nest {d} deep",
            shape.max_flow_depth
        );
    }
});
