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
    /// The other place, where known: the field path of a problem found while reading
    /// the YAML (located by line:column), or the line:column of a value found wrong
    /// when checking (located by its path). Messages name both.
    pub also: Option<Location>,
}

impl Problem {
    pub fn at_field(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            location: Location::Field(path.into()),
            message: message.into(),
            hint: None,
            also: None,
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

    /// The 1-based (line, column), from either place.
    pub fn position(&self) -> Option<(usize, usize)> {
        match (&self.location, &self.also) {
            (Location::LineCol { line, column }, _)
            | (_, Some(Location::LineCol { line, column })) => Some((*line, *column)),
            _ => None,
        }
    }

    /// The field path, from either place.
    pub fn path(&self) -> Option<&str> {
        match (&self.location, &self.also) {
            (Location::Field(f), _) | (_, Some(Location::Field(f))) => Some(f),
            _ => None,
        }
    }
}

impl fmt::Display for Problem {
    /// The problem without the source label: `12:5: field: message (hint)` where both
    /// places are known, else `12:5: message (hint)`, `field: message (hint)` or
    /// `message (hint)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((line, column)) = self.position() {
            write!(f, "{line}:{column}: ")?;
        }
        if let Some(path) = self.path() {
            write!(f, "{path}: ")?;
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
    /// Messages echo what the file says; they are tidied for a terminal here (see [`tidy`]).
    pub(crate) fn new(source: &str, problems: Vec<Problem>) -> LoadError {
        debug_assert!(!problems.is_empty());
        LoadError {
            source: source.to_string(),
            problems: problems
                .into_iter()
                .map(|p| Problem {
                    location: match p.location {
                        Location::Field(f) => Location::Field(tidy(&f)),
                        other => other,
                    },
                    also: match p.also {
                        Some(Location::Field(f)) => Some(Location::Field(tidy(&f))),
                        other => other,
                    },
                    message: tidy(&p.message),
                    hint: p.hint.as_deref().map(tidy),
                })
                .collect(),
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
            match p.position() {
                Some(_) => write!(f, "{}:{p}", self.source)?,
                None => write!(f, "{}: {p}", self.source)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Longest word (a run without spaces) shown whole in a message.
const MAX_WORD: usize = 100;
/// Longest message shown whole.
const MAX_MESSAGE: usize = 2000;

/// A message made safe to print: control characters (which could drive the terminal) and
/// bidirectional overrides shown as escapes, over-long words (a huge id or text echoed
/// back) cut down, and the whole capped.
pub(crate) fn tidy(s: &str) -> String {
    let risky = |c: char| {
        (c.is_control() && c != '\n')
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    let long_word = s.split([' ', '\n']).any(|w| w.chars().count() > MAX_WORD);
    if !s.chars().any(risky) && !long_word && s.len() <= MAX_MESSAGE {
        return s.to_string();
    }
    let mut out = String::new();
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let shown: String = if word.chars().count() > MAX_WORD {
            // Keep quotes and punctuation around the value outside the cut.
            let quote = |c: char| "`\"'([{".contains(c);
            let close = |c: char| "`\"')]}.,:;?".contains(c);
            let core = word.trim_start_matches(quote);
            let prefix = &word[..word.len() - core.len()];
            let core_end = core.trim_end_matches(close);
            let suffix = &core[core_end.len()..];
            let n = core_end.chars().count();
            let head: String = core_end.chars().take(60).collect();
            let tail: String = core_end.chars().skip(n.saturating_sub(10)).collect();
            format!("{prefix}{head}...{tail}{suffix} ({n} characters)")
        } else {
            word.to_string()
        };
        for c in shown.chars() {
            if risky(c) {
                out += &c.escape_unicode().to_string();
            } else {
                out.push(c);
            }
        }
    }
    if out.chars().count() > MAX_MESSAGE {
        let cut: String = out.chars().take(MAX_MESSAGE - 20).collect();
        out = format!("{cut}... (message cut)");
    }
    out
}

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
    // The value's path, for a value of the wrong type (an unknown field is named by
    // its own key, a syntax error has none).
    let path = path_prefix_end(&msg)
        .map(|i| msg[..i].to_string())
        .filter(|p| !p.contains('?'));
    let (message, hint) = clean_message(&msg);
    let also = match (&loc, path) {
        (Some(_), Some(p)) if message.starts_with("expected ") => Some(Location::Field(p)),
        _ => None,
    };
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
        also,
    }
}

/// A path as the YAML reader writes it (`platforms[1].review`) with list items named
/// by their id where they have a valid one (`platforms[filehost].review`), as the
/// checks name them.
fn path_by_ids(path: &str, doc: &serde_yaml::Value) -> String {
    let mut out = String::new();
    let mut node = Some(doc);
    for (i, seg) in path.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        let (key, index) = match seg.split_once('[') {
            Some((k, rest)) => (
                k,
                rest.strip_suffix(']').and_then(|n| n.parse::<usize>().ok()),
            ),
            None => (seg, None),
        };
        node = node.and_then(|n| n.get(key));
        out.push_str(key);
        if let Some(ix) = index {
            let item = node.and_then(|n| n.get(ix));
            let id = item
                .and_then(|it| it.get("id"))
                .and_then(|v| v.as_str())
                .filter(|id| super::is_valid_id(id));
            match id {
                Some(id) => out.push_str(&format!("[{id}]")),
                None => out.push_str(&format!("[{ix}]")),
            }
            node = item;
        }
    }
    out
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
        msg = "expected values nested at most 128 levels deep, found deeper nesting".to_string();
        hint = Some("a scenario needs a few levels at most; check the indentation".to_string());
    } else if msg == "repetition limit exceeded" {
        msg = "the file uses YAML anchors and aliases (`&name` / `*name`) that expand to too much data"
            .to_string();
        hint = Some(
            "each `*name` repeats everything its `&name` marks; remove the aliases or write the values out"
                .to_string(),
        );
    } else if let Some((m, h)) = libyaml_message(&msg) {
        msg = m;
        hint = h.or(hint);
    }

    // serde: an integer out of a field's range.
    if let Some(rest) = msg
        .strip_prefix("invalid value: integer `")
        .or_else(|| msg.strip_prefix("invalid type: integer `"))
        && let Some((n, expected)) = rest.split_once("`, expected ")
        && let Some(max) = match expected {
            "u8" => Some(u8::MAX as u64),
            "u16" => Some(u16::MAX as u64),
            "u32" => Some(u32::MAX as u64),
            "u64" => Some(u64::MAX),
            _ => None,
        }
    {
        msg = format!("expected a whole number from 0 to {max}, found {n}");
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

/// The YAML parser's own messages (`problem, while context at line L column C`), reworded
/// as "expected ..., found ..." where that helps, with a hint for the usual causes.
fn libyaml_message(msg: &str) -> Option<(String, Option<String>)> {
    let (problem, context) = match msg.split_once(", while ") {
        Some((p, c)) => (p, Some(c)),
        None => (msg, None),
    };
    // "parsing a flow sequence at line 1 column 4" -> ("a flow sequence", "line 1 column 4")
    let ctx = context.map(|c| {
        let c = c
            .trim_start_matches("parsing ")
            .trim_start_matches("scanning ");
        match c.rsplit_once(" at line ") {
            Some((what, at)) => (what.to_string(), format!("line {at}")),
            None => (c.to_string(), String::new()),
        }
    });
    let starts = |what: &str| -> String {
        match &ctx {
            Some((_, at)) if !at.is_empty() => format!("{what} that starts at {at}"),
            _ => what.to_string(),
        }
    };
    let indentation = || {
        Some("check the indentation: items of one list or mapping line up, with spaces".to_string())
    };
    let m = match problem {
        "did not find expected ',' or ']'" => (
            format!("expected `,` or `]` to go on with or close {}", starts("the list")),
            Some("is a `]` missing?".to_string()),
        ),
        "did not find expected ',' or '}'" => (
            format!("expected `,` or `}}` to go on with or close {}", starts("the mapping")),
            Some("is a `}` missing?".to_string()),
        ),
        "did not find expected key" => (
            format!(
                "expected a key (`name: value`) lined up with {}",
                starts("the mapping")
            ),
            indentation(),
        ),
        "did not find expected '-' indicator" => (
            format!("expected a list item (`- ...`) lined up with {}", starts("the list")),
            indentation(),
        ),
        "could not find expected ':'" => (
            format!("expected `:` after {}", starts("the key")),
            Some("a key and its `:` go on one line".to_string()),
        ),
        "mapping values are not allowed in this context" => (
            "expected a value, found a second `key:` (a `: ` where no mapping can start)"
                .to_string(),
            Some(
                "check the indentation, or put text that contains `: ` in quotes".to_string(),
            ),
        ),
        "block sequence entries are not allowed in this context" => (
            "expected a value, found a list item (`- `) where no list can start".to_string(),
            indentation(),
        ),
        "found unexpected end of stream" => match &ctx {
            Some((what, _)) if what.contains("quoted scalar") => (
                format!(
                    "expected the closing quote of {}, found the end of the file",
                    starts("the text")
                ),
                Some("is a closing quote missing?".to_string()),
            ),
            _ => ("expected more, found the end of the file".to_string(), None),
        },
        "found unexpected document indicator" => (
            format!(
                "expected the closing quote of {}, found a line `---` or `...`",
                starts("the text")
            ),
            Some("is a closing quote missing?".to_string()),
        ),
        "found a tab character that violates indentation"
        | "found a tab character where an indentation space is expected" => (
            "expected spaces for indentation, found a tab".to_string(),
            Some("YAML does not allow tabs for indentation; indent with spaces".to_string()),
        ),
        "found character that cannot start any token" => (
            "expected a value, found a character that cannot start one".to_string(),
            Some("put text that starts with `@`, `` ` `` or `%` in quotes".to_string()),
        ),
        "found unknown escape character" => (
            format!("expected a known escape (like `\\n`) in {}", starts("the text")),
            Some(
                "in double quotes a backslash starts an escape: write `\\\\` for a backslash, or use single quotes"
                    .to_string(),
            ),
        ),
        "unknown anchor" => (
            "expected an alias `*name` to name an anchor `&name` set before it, found an unknown one"
                .to_string(),
            None,
        ),
        _ => {
            let Some((what, at)) = &ctx else {
                return None;
            };
            let at = if at.is_empty() {
                String::new()
            } else {
                format!(" that starts at {at}")
            };
            (format!("{problem}, in {what}{at}"), None)
        }
    };
    Some(m)
}

/// A problem from a YAML error, refined with the text it came from: what the character
/// at the position is (a tab, a control character), which anchor is unknown.
pub(crate) fn from_yaml_in(e: &serde_yaml::Error, text: &str) -> Problem {
    let mut p = from_yaml(e);
    if let Some(Location::Field(path)) = &p.also
        && path.contains('[')
        && let Ok(doc) = serde_yaml::from_str::<serde_yaml::Value>(text)
    {
        p.also = Some(Location::Field(path_by_ids(path, &doc)));
    }
    let raw = e.to_string();
    if raw.starts_with("control characters are not allowed") {
        // The parser's position is not where the character is; find it.
        if let Some((line, column, c)) = first_control(text) {
            p.location = Location::LineCol { line, column };
            p.message = format!(
                "expected text, found the control character U+{:04X}, which YAML does not allow",
                c as u32
            );
            p.hint = Some(
                "is this a plain text file? remove the character, or save the file as UTF-8 text"
                    .to_string(),
            );
        }
        return p;
    }
    let Some((line, column)) = p.line_col() else {
        return p;
    };
    let here = text
        .lines()
        .nth(line.saturating_sub(1))
        .and_then(|l| l.get(l.char_indices().nth(column.saturating_sub(1))?.0..))
        .unwrap_or("");
    if raw.starts_with("found character that cannot start any token") {
        match here.chars().next() {
            Some('\t') => {
                p.message = "expected spaces for indentation, found a tab".to_string();
                p.hint = Some(
                    "YAML does not allow tabs for indentation; indent with spaces".to_string(),
                );
            }
            Some('`') => {
                p.message =
                    "expected a value, found a backtick (`), which cannot start one".to_string();
                p.hint = Some("put text that starts with a backtick in quotes".to_string());
            }
            Some(c) => {
                p.message = format!("expected a value, found `{c}`, which cannot start one");
                p.hint = Some(format!("put text that starts with `{c}` in quotes"));
            }
            None => {}
        }
    } else if (raw.starts_with("did not find expected key")
        || raw.starts_with("did not find expected '-' indicator")
        || raw.starts_with("did not find expected <document start>"))
        && let Some(c @ (']' | '}')) = here.chars().next()
    {
        p.message =
            format!("expected a value or the end of the file, found `{c}`, which closes nothing");
        p.hint = Some(format!("is there one `{c}` too many?"));
    } else if (raw.starts_with("mapping values are not allowed in this context")
        || raw.starts_with("could not find expected ':'"))
        && let Some(len) = long_key(text, line)
    {
        // YAML limits a key written without `?` to 1024 characters; past that the
        // parser no longer sees a key at all.
        p.message = format!(
            "expected a key of at most 1024 characters (YAML's limit for a key on one line), found one of {len}"
        );
        p.hint = Some("keys are field names or ids, a few words long: shorten it".to_string());
    } else if raw.starts_with("unknown anchor") {
        let name: String = here
            .trim_start_matches('*')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if !name.is_empty() {
            p.message = format!(
                "expected an alias `*{name}` to name an anchor `&{name}` set before it, found none"
            );
        }
    }
    p
}

/// The length in characters of an over-long key (`key: value`, `- key: value`) on this
/// line or the one before it (where the parser gives up), if there is one.
fn long_key(text: &str, line: usize) -> Option<usize> {
    let lines: Vec<&str> = text
        .lines()
        .skip(line.saturating_sub(2))
        .take(if line >= 2 { 2 } else { 1 })
        .collect();
    lines.iter().rev().find_map(|l| {
        let body = l.trim_start().trim_start_matches("- ").trim_start();
        let key = body.split_once(": ").map_or(body, |(k, _)| k);
        let key = key.strip_suffix(':').unwrap_or(key);
        let n = key.chars().count();
        (n > 1024).then_some(n)
    })
}

/// The first character the YAML parser refuses: 1-based line, column (in characters).
fn first_control(text: &str) -> Option<(usize, usize, char)> {
    for (i, line) in text.split('\n').enumerate() {
        for (j, c) in line.chars().enumerate() {
            let v = c as u32;
            let ok = v == 0x9
                || v == 0xD
                || (0x20..=0x7E).contains(&v)
                || v == 0x85
                || (0xA0..=0xD7FF).contains(&v)
                || (0xE000..=0xFFFD).contains(&v)
                || v >= 0x10000;
            if !ok {
                return Some((i + 1, j + 1, c));
            }
        }
    }
    None
}

/// yaml_serde prefixes messages with the path of the value (`platforms[0].id: ...`);
/// line:column says where, so drop it.
fn strip_path_prefix(msg: &str) -> &str {
    match path_prefix_end(msg) {
        Some(i) => &msg[i + 2..],
        None => msg,
    }
}

/// Whether a yaml_serde message is about a value inside the document (it names its path)
/// rather than about the document as a whole.
pub(crate) fn names_a_path(msg: &str) -> bool {
    path_prefix_end(msg).is_some()
}

fn path_prefix_end(msg: &str) -> Option<usize> {
    let i = msg.find(": ")?;
    let prefix = &msg[..i];
    let path_like = !prefix.is_empty()
        && prefix
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.[]?".contains(c));
    path_like.then_some(i)
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

/// `` `a`, `b`, `c` `` (at most 8, then "and N more"), for "expected one of" messages.
pub(crate) fn list_names(names: &[String]) -> String {
    if names.is_empty() {
        return "none defined".to_string();
    }
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    let mut s = shown.join(", ");
    if names.len() > 8 {
        s += &format!(", and {} more", names.len() - 8);
    }
    s
}

/// A YAML value as a short one-line string, for reports and messages.
pub fn render(v: &serde_yaml::Value) -> String {
    use serde_yaml::Value;
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Sequence(items) => {
            let parts: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Mapping(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", render(k), render(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Tagged(t) => format!("{} {}", t.tag, render(&t.value)),
    }
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
