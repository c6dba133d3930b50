//! A variant's `set`: dotted paths into the scenario document, applied to a copy of it.
//!
//! Path segments are mapping keys; in a list, a segment is the `id` of an item, or else
//! its 0-based index (`links.0.per_hour`, `injects.2.factor`). A missing key is created
//! (so an optional field or block the file left out can be set, like `hash_sharing.delay`);
//! whether it is a real field is then decided when the result is read as a scenario.

use serde_yaml::{Mapping, Value};

use super::error::{did_you_mean, list_names, render};

/// Longer paths are refused (nothing in a scenario is this deep).
const MAX_SEGMENTS: usize = 32;

/// Top-level lists: a path into one of these that the file lacks cannot name an item.
const LISTS: [&str; 6] = [
    "platforms",
    "links",
    "content",
    "campaigns",
    "authorities",
    "injects",
];

/// Top-level fields that belong to the experiment, not to a variant's model (contract,
/// section 15).
const EXPERIMENT_SETTINGS: [&str; 5] = ["name", "seed", "replications", "horizon", "sample_every"];

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SetError {
    pub message: String,
    pub hint: Option<String>,
}

fn fail<T>(message: String, hint: Option<String>) -> Result<T, SetError> {
    Err(SetError { message, hint })
}

/// Set `path` to `value` in `doc`.
pub(crate) fn apply(doc: &mut Value, path: &str, value: Value) -> Result<(), SetError> {
    let segs: Vec<&str> = path.split('.').collect();
    if segs.iter().any(|s| s.trim().is_empty()) {
        return fail(
            format!(
                "expected a dotted path like `platforms.videotube.review.reviewers`, found `{path}`"
            ),
            None,
        );
    }
    if segs.len() > MAX_SEGMENTS {
        return fail(
            format!(
                "expected a path of at most {MAX_SEGMENTS} parts, found {}",
                segs.len()
            ),
            None,
        );
    }
    if EXPERIMENT_SETTINGS.contains(&segs[0]) {
        return fail(
            format!(
                "expected a path into the model, found `{}`, an experiment setting that applies to every variant alike",
                segs[0]
            ),
            Some(format!(
                "variants are compared replication by replication, which needs one seed, one horizon and one sample clock for all; set `{}` at the top of the file, or use --seed / --replications on the command line",
                segs[0]
            )),
        );
    }
    if segs[0] == "variants" {
        return fail(
            "expected a path into the scenario, found one into `variants`, which a variant cannot change"
                .to_string(),
            None,
        );
    }

    let n = segs.len();
    let mut cur: &mut Value = doc;
    for (i, seg) in segs.iter().copied().enumerate() {
        let last = i + 1 == n;
        let here = if i == 0 {
            "the top level".to_string()
        } else {
            format!("`{}`", segs[..i].join("."))
        };
        match cur {
            Value::Mapping(m) => {
                let key = Value::String(seg.to_string());
                if last {
                    m.insert(key, value);
                    return Ok(());
                }
                if !m.contains_key(&key) {
                    if i == 0 && LISTS.contains(&seg) {
                        return fail(
                            format!("expected an item of `{seg}`, found no `{seg}` in the file"),
                            None,
                        );
                    }
                    m.insert(key.clone(), Value::Mapping(Mapping::new()));
                }
                match m.get_mut(&key) {
                    Some(next) => cur = next,
                    None => return fail(format!("cannot set `{path}`"), None),
                }
            }
            Value::Sequence(items) => {
                let by_id = items
                    .iter()
                    .position(|item| item.get("id").and_then(Value::as_str) == Some(seg));
                let by_index = || seg.parse::<usize>().ok().filter(|&k| k < items.len());
                let Some(k) = by_id.or_else(by_index) else {
                    let ids: Vec<String> = items
                        .iter()
                        .filter_map(|item| item.get("id").and_then(Value::as_str))
                        .map(str::to_string)
                        .collect();
                    if ids.is_empty() {
                        return fail(
                            format!(
                                "expected an index into {here} (0 to {}), found `{seg}`",
                                items.len().saturating_sub(1)
                            ),
                            None,
                        );
                    }
                    return fail(
                        format!(
                            "expected the id of an item of {here} ({}), found `{seg}`",
                            list_names(&ids)
                        ),
                        did_you_mean(seg, ids.iter().map(String::as_str)),
                    );
                };
                if i + 2 == n && segs[i + 1] == "id" {
                    return fail(
                        "expected a field other than `id`: ids cannot be overridden, as variants are compared item by item"
                            .to_string(),
                        None,
                    );
                }
                if last {
                    items[k] = value;
                    return Ok(());
                }
                cur = &mut items[k];
            }
            other => {
                return fail(
                    format!(
                        "expected {here} to be a mapping or a list to find `{seg}` in, found the value `{}`",
                        render(other)
                    ),
                    None,
                );
            }
        }
    }
    Ok(())
}

/// A field path in the form validation reports it (`platforms[videotube].review.time`),
/// as a dotted set path (`platforms.videotube.review.time`).
pub(crate) fn dotted(field: &str) -> String {
    field.replace('[', ".").replace(']', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        serde_yaml::from_str(
            "platforms:\n  - id: videotube\n    review: {reviewers: 3}\n  - id: filehost\nlinks:\n  - {from: a, to: b}\nname: x\n",
        )
        .unwrap()
    }

    #[test]
    fn sets_by_id_index_and_creates_leaves() {
        let mut d = doc();
        apply(
            &mut d,
            "platforms.videotube.review.reviewers",
            Value::from(60),
        )
        .unwrap();
        apply(&mut d, "links.0.per_hour", Value::from(1.5)).unwrap();
        apply(&mut d, "hash_sharing.delay", Value::from("15m")).unwrap();
        apply(&mut d, "platforms.1.hash_recall", Value::from(0.5)).unwrap();
        assert_eq!(d["platforms"][0]["review"]["reviewers"], Value::from(60));
        assert_eq!(d["links"][0]["per_hour"], Value::from(1.5));
        assert_eq!(d["hash_sharing"]["delay"], Value::from("15m"));
        assert_eq!(d["platforms"][1]["hash_recall"], Value::from(0.5));
    }

    #[test]
    fn refuses_bad_paths() {
        let mut d = doc();
        let e = apply(
            &mut d,
            "platforms.videotub.review.reviewers",
            Value::from(1),
        )
        .unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("did you mean `videotube`?"));
        assert!(apply(&mut d, "links.3.per_hour", Value::from(1)).is_err());
        assert!(apply(&mut d, "name.x", Value::from(1)).is_err());
        assert!(apply(&mut d, "campaigns.0.per_hour", Value::from(1)).is_err());
        assert!(apply(&mut d, "platforms..x", Value::from(1)).is_err());
        assert!(apply(&mut d, "platforms.videotube.id", Value::from("x")).is_err());
        assert!(apply(&mut d, "variants.0.name", Value::from("x")).is_err());
        let long = vec!["a"; 100].join(".");
        assert!(apply(&mut d, &long, Value::from(1)).is_err());
    }
}
