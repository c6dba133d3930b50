//! Load errors: every problem found in a scenario file, each with where it is, what was
//! expected and what was found, and a hint where one helps.

use std::fmt;

/// Where in a scenario file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A position in the text, 1-based.
    LineCol { line: usize, column: usize },
    /// A dotted field path, like `platforms[videotube].review.accuracy` or `links[2].to`:
    /// `[id]` for list items that have an id, `[index]` (0-based) otherwise.
    Field(String),
    /// The file as a whole (it cannot be read, or has no scenario in it).
    File,
}

/// One thing wrong with a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub location: Location,
    /// What was expected and what was found.
    pub message: String,
    /// A suggestion, like "did you mean `views_per_hour`?".
    pub hint: Option<String>,
}

impl Problem {
    pub fn at_field(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            location: Location::Field(path.into()),
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: Option<String>) -> Problem {
        self.hint = hint;
        self
    }

    /// The field path, if this problem is located by one.
    pub fn field(&self) -> Option<&str> {
        match &self.location {
            Location::Field(f) => Some(f),
            _ => None,
        }
    }

    /// The 1-based (line, column), if this problem is located by one.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        match self.location {
            Location::LineCol { line, column } => Some((line, column)),
            _ => None,
        }
    }
}

impl fmt::Display for Problem {
    /// The problem without the source label: `12:5: message (hint)`, `field: message (hint)`
    /// or `message (hint)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::LineCol { line, column } => write!(f, "{line}:{column}: ")?,
            Location::Field(path) => write!(f, "{path}: ")?,
            Location::File => {}
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// A scenario that could not be loaded: the source label and at least one problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file path, or the label given to [`super::parse`].
    pub source: String,
    /// Never empty.
    pub problems: Vec<Problem>,
}

impl LoadError {
    pub(crate) fn new(source: &str, problems: Vec<Problem>) -> LoadError {
        debug_assert!(!problems.is_empty());
        LoadError {
            source: source.to_string(),
            problems,
        }
    }

    pub(crate) fn one(source: &str, problem: Problem) -> LoadError {
        LoadError::new(source, vec![problem])
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for LoadError {
    /// One problem per line: `source:line:col: message (hint)` or
    /// `source: field.path: message (hint)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            match &p.location {
                Location::LineCol { .. } => write!(f, "{}:{p}", self.source)?,
                _ => write!(f, "{}: {p}", self.source)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// "did you mean `x`?" for the candidate closest to `word`, if one is close enough.
pub(crate) fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate closest to `word` (ignoring case), if one is close enough.
pub(crate) fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let w = word.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let cl = c.to_lowercase();
        let lev = strsim::normalized_damerau_levenshtein(&w, &cl);
        let jw = strsim::jaro_winkler(&w, &cl);
        let close = lev >= 0.6 || jw >= 0.88 || (w.len() >= 3 && cl.starts_with(&w));
        if !close {
            continue;
        }
        let score = lev.max(jw);
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Turn a yaml_serde error into a problem: line:column where known, the message reworded
/// as "expected ..., found ...", and a did-you-mean hint for unknown names.
pub(crate) fn from_yaml(e: &serde_yaml::Error) -> Problem {
    let loc = e.location();
    let mut msg = e.to_string();
    if let Some(l) = &loc {
        let suffix = format!(" at line {} column {}", l.line(), l.column());
        msg = msg.replacen(&suffix, "", 1);
    }
    let (message, hint) = clean_message(&msg);
    Problem {
        location: match loc {
            Some(l) => Location::LineCol {
                line: l.line(),
                column: l.column(),
            },
            None => Location::File,
        },
        message,
        hint,
    }
}

/// A yaml_serde message without its location, reworded; with a hint if one applies.
pub(crate) fn clean_message(msg: &str) -> (String, Option<String>) {
    let mut msg = strip_path_prefix(msg).to_string();

    // Our own visitors put their hint after "; ".
    let mut hint = None;
    if let Some(i) = msg.find("; did you mean ") {
        hint = Some(msg[i + 2..].to_string());
        msg.truncate(i);
    }

    // yaml_serde's own messages.
    if let Some(key) = msg
        .strip_prefix("duplicate entry with key ")
        .or_else(|| msg.strip_prefix("duplicate field "))
    {
        let key = key.trim_matches(|c| c == '"' || c == '`');
        msg =
            format!("expected each key once in the mapping that starts here, found `{key}` twice");
    } else if msg.starts_with("deserializing from YAML containing more than one document") {
        msg = "expected one YAML document, found more than one (separated by `---`)".to_string();
    } else if msg == "recursion limit exceeded" {
        msg = "expected a scenario, found values nested too deeply (recursion limit exceeded)"
            .to_string();
    }

    // serde: "invalid type: X, expected Y" / "invalid value: X, expected Y".
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix)
            && let Some(i) = rest.find(", expected ")
        {
            let found = nice_found(&rest[..i]);
            let expected = nice_expected(&rest[i + ", expected ".len()..]);
            msg = format!("expected {expected}, found {found}");
            break;
        }
    }

    if hint.is_none() {
        hint = unknown_name_hint(&msg);
    }
    (msg, hint)
}

/// yaml_serde prefixes messages with the path of the value (`platforms[0].id: ...`);
/// line:column says where, so drop it.
fn strip_path_prefix(msg: &str) -> &str {
    if let Some(i) = msg.find(": ") {
        let prefix = &msg[..i];
        let path_like = !prefix.is_empty()
            && prefix
                .chars()
                .all(|c| c.is_alphanumeric() || "_-.[]?".contains(c));
        if path_like {
            return &msg[i + 2..];
        }
    }
    msg
}

fn nice_expected(e: &str) -> String {
    match e {
        "f64" | "f32" => "a number".to_string(),
        "u32" | "u64" | "u16" | "u8" | "usize" => "a whole number >= 0".to_string(),
        "i32" | "i64" => "a whole number".to_string(),
        "a sequence" => "a list".to_string(),
        "a map" => "a mapping".to_string(),
        "a string" => "text".to_string(),
        "a boolean" => "`true` or `false`".to_string(),
        other => other.to_string(),
    }
}

fn nice_found(f: &str) -> String {
    match f {
        "sequence" => "a list".to_string(),
        "map" => "a mapping".to_string(),
        "unit value" => "nothing (null)".to_string(),
        other => other.to_string(),
    }
}

/// For "unknown field `x`, expected one of `a`, `b`" (and unknown variants, distributions,
/// ...): a did-you-mean over the listed names.
fn unknown_name_hint(msg: &str) -> Option<String> {
    let rest = &msg[msg.find("unknown ")?..];
    let start = rest.find('`')? + 1;
    let len = rest[start..].find('`')?;
    let word = &rest[start..start + len];
    let after = &rest[start + len + 1..];
    let expected = &after[after.find("expected")?..];
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(word, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints() {
        assert_eq!(
            closest("view_per_hour", ["id", "views_per_hour", "name"]),
            Some("views_per_hour")
        );
        assert_eq!(
            closest("videotub", ["videotube", "filehost"]),
            Some("videotube")
        );
        assert_eq!(closest("EU", ["eu", "non_eu"]), Some("eu"));
        assert_eq!(closest("zzz", ["videotube", "filehost"]), None);
    }

    #[test]
    fn rewords_serde_messages() {
        let (m, h) = clean_message(
            "platforms[0]: unknown field `view_per_hour`, expected one of `id`, `views_per_hour`",
        );
        assert!(m.starts_with("unknown field `view_per_hour`"), "{m}");
        assert_eq!(h.as_deref(), Some("did you mean `views_per_hour`?"));
        let (m, _) = clean_message("platforms[0].x: invalid type: string \"abc\", expected f64");
        assert_eq!(m, "expected a number, found string \"abc\"");
    }
}
