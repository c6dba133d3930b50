//! Guards against hostile or broken input, applied before the YAML reaches the structs.
//!
//! A scenario file is untrusted: it may be huge, not be text, nest values thousands of
//! levels deep, or use YAML anchors and aliases (`&name` / `*name`) that expand a small
//! file into billions of values. Each of these is refused quickly, with a clear message
//! and bounded memory, before the YAML is read into values:
//!
//! 1. `read_bounded` reads at most [`MAX_FILE_BYTES`] (+1, to tell that it is more);
//! 2. `decode` checks the bytes are UTF-8 (saying where they are not);
//! 3. [`check_nesting`] tokenizes the text the way the YAML parser does and refuses flow
//!    collections (`[...]`, `{...}`) nested more than [`MAX_FLOW_DEPTH`] deep: the parser
//!    takes time proportional to the nesting depth for every token, so deep nesting would
//!    make it take hours (block nesting by indentation has no such cost, and is refused
//!    later by the YAML reader's own limit of 128 levels);
//! 4. `census` walks the document as the YAML reader expands it (aliases included),
//!    counting values and text, and stops as soon as a limit is passed: more than
//!    [`MAX_VALUES`] values or [`MAX_TOTAL_TEXT_BYTES`] of text in all, a single text over
//!    [`MAX_TEXT_BYTES`], or an integer too large for any field.
//!
//! The limits are far above what a scenario needs (the shipped ones are 20-60 KB, with a
//! few thousand values), and low enough that the largest input they let through loads in
//! well under a second and a few hundred MB.

use std::cell::RefCell;
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};

use super::error::{Location, Problem};

/// Largest scenario file read, in bytes (4 MiB).
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Deepest nesting of flow collections (`[...]` and `{...}` inside each other).
pub const MAX_FLOW_DEPTH: usize = 64;
/// Most values (scalars, lists and mappings, keys included) in a document, counting each
/// value an alias repeats.
pub const MAX_VALUES: usize = 250_000;
/// Longest single text (a name, a note, a key), in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Most text in all, in bytes, counting each text an alias repeats.
pub const MAX_TOTAL_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// Most values read for the variants with `set`, in all (each reads the scenario again).
pub const MAX_VARIANT_WORK: usize = 2_000_000;

fn file_problem(message: String, hint: Option<String>) -> Problem {
    Problem {
        location: Location::File,
        also: None,
        message,
        hint,
    }
}

fn at(line: usize, column: usize, message: String, hint: Option<String>) -> Problem {
    Problem {
        location: Location::LineCol { line, column },
        also: None,
        message,
        hint,
    }
}

/// `4 MiB`, `64 KiB`, `1234 bytes`.
pub(crate) fn size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

fn too_large(bytes: Option<usize>) -> Problem {
    let found = match bytes {
        Some(n) => format!("one of {}", size(n)),
        None => "a larger one".to_string(),
    };
    file_problem(
        format!(
            "expected a scenario file of at most {}, found {found}",
            size(MAX_FILE_BYTES)
        ),
        Some("scenario files are small, tens of KB: is this the right file?".to_string()),
    )
}

/// What a path that is not a regular file is, for messages.
fn not_a_file(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "something that is not a regular file"
    }
}

/// Read a file, refusing one larger than [`MAX_FILE_BYTES`] without reading the rest.
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, Problem> {
    let cannot =
        |e: std::io::Error| file_problem(format!("cannot read the scenario file: {e}"), None);
    // Look before opening: opening a named pipe waits for a writer, for ever if none
    // comes, and a device can be read for ever. Only a regular file (or a link to one)
    // is a scenario.
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(file_problem(
            format!(
                "expected a scenario file, found {}",
                not_a_file(&meta.file_type())
            ),
            Some("give the path of a YAML file".to_string()),
        ));
    }
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(too_large(usize::try_from(meta.len()).ok()));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(None));
    }
    Ok(bytes)
}

/// The text of a file, if it is UTF-8; else where it is not.
pub(crate) fn decode(bytes: Vec<u8>) -> Result<String, Problem> {
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let good = e.utf8_error().valid_up_to();
        if utf16 {
            return at(
                1,
                1,
                "expected text in UTF-8, found text in UTF-16 (the file starts with a UTF-16 byte order mark)".to_string(),
                Some("save the file as UTF-8: in most editors, Save As and choose the encoding UTF-8".to_string()),
            );
        }
        // The valid prefix is UTF-8, so lines and columns (in characters) are well defined.
        let prefix = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
        let line = prefix.matches('\n').count() + 1;
        let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let len = e
            .utf8_error()
            .error_len()
            .unwrap_or(bytes.len() - good)
            .clamp(1, 4);
        let shown: Vec<String> = bytes[good..good + len]
            .iter()
            .map(|b| format!("0x{b:02X}"))
            .collect();
        at(
            line,
            column,
            format!(
                "expected text in UTF-8, found bytes that are not UTF-8 ({})",
                shown.join(" ")
            ),
            Some(
                "the file was probably saved in another encoding, such as Latin-1 or Windows-1252: save it as UTF-8".to_string(),
            ),
        )
    })
}

/// Refuse text longer than [`MAX_FILE_BYTES`] (for text given to `parse` directly).
pub(crate) fn check_size(text: &str) -> Result<(), Problem> {
    if text.len() > MAX_FILE_BYTES {
        return Err(too_large(Some(text.len())));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Flow nesting: a tokenizer that follows libyaml's scanner (which yaml_serde uses) exactly
// as far as token boundaries, flow levels and block indentation go, so that it counts the
// flow level the parser will reach. Where the parser would stop with an error, so does
// this scan (the parser never gets further). Positions are byte offsets, columns count
// characters, as in libyaml.
// ---------------------------------------------------------------------------------------

/// What the nesting scan found in a text the parser may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shape {
    /// The deepest flow nesting.
    pub max_flow_depth: usize,
    /// How many aliases (`*name`) there are.
    pub aliases: usize,
    /// Whether there is any block collection (by indentation or `- `), as opposed to
    /// only flow collections and scalars.
    pub block: bool,
    /// The first tag (`!name`, `!!name`, `!<uri>`): line and column (1-based) and its
    /// byte range. Scenarios use no tags; the reader silently drops some (`!!binary`,
    /// `!!python/object`) and turns others into a mistake far from the cause, so the
    /// loader refuses any, naming it.
    pub first_tag: Option<TagAt>,
}

/// Where a tag is in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagAt {
    pub line: usize,
    pub column: usize,
    pub start: usize,
    pub end: usize,
}

impl TagAt {
    /// The refusal of this tag, as a problem.
    pub(crate) fn problem(&self, text: &str) -> Problem {
        let tag = text.get(self.start..self.end).unwrap_or("!");
        at(
            self.line,
            self.column,
            format!("expected a plain value, found one marked with the YAML tag `{tag}`"),
            Some("ttx reads no YAML tags (`!name` or `!!name`): remove the tag".to_string()),
        )
    }
}

/// Whether the parser accepts this character at all (libyaml's reader refuses others).
fn allowed_char(c: char) -> bool {
    let v = c as u32;
    v == 0x9
        || v == 0xA
        || v == 0xD
        || (0x20..=0x7E).contains(&v)
        || v == 0x85
        || (0xA0..=0xD7FF).contains(&v)
        || (0xE000..=0xFFFD).contains(&v)
        || (0x10000..=0x10FFFF).contains(&v)
}

struct Scanner<'a> {
    s: &'a [u8],
    /// Byte offset.
    i: usize,
    /// 0-based line and column (in characters).
    line: usize,
    col: usize,
    flow: usize,
    /// libyaml's `simple_key_allowed`.
    allowed: bool,
    indent: isize,
    indents: Vec<isize>,
    /// The possible simple key at flow level 0: (line, byte offset, column). Keys inside
    /// flow collections never change the block indentation, so they are not tracked.
    key: Option<(usize, usize, usize)>,
    shape: Shape,
    /// Where each flow collection starts (byte offsets), when asked for.
    starts: Option<Vec<usize>>,
}

/// Why the scan stopped early.
enum Stop {
    /// The parser stops here with an error of its own: nothing after matters.
    ParserError,
    /// Flow collections nested too deeply, at this (0-based) line and column.
    TooDeep(usize, usize),
}

impl<'a> Scanner<'a> {
    fn at(&self, k: usize) -> u8 {
        self.s.get(self.i + k).copied().unwrap_or(0)
    }

    fn eof(&self) -> bool {
        self.i >= self.s.len()
    }

    fn is_break_at(&self, k: usize) -> bool {
        match self.at(k) {
            b'\r' | b'\n' => true,
            0xC2 => self.at(k + 1) == 0x85,
            0xE2 => self.at(k + 1) == 0x80 && matches!(self.at(k + 2), 0xA8 | 0xA9),
            _ => false,
        }
    }

    fn is_z_at(&self, k: usize) -> bool {
        self.i + k >= self.s.len()
    }

    fn is_blank_at(&self, k: usize) -> bool {
        matches!(self.at(k), b' ' | b'\t')
    }

    fn is_blankz_at(&self, k: usize) -> bool {
        self.is_blank_at(k) || self.is_break_at(k) || self.is_z_at(k)
    }

    fn is_breakz(&self) -> bool {
        self.is_break_at(0) || self.eof()
    }

    fn is_alpha(&self) -> bool {
        matches!(self.at(0), b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' | b'_' | b'-')
    }

    fn is_bom(&self) -> bool {
        self.at(0) == 0xEF && self.at(1) == 0xBB && self.at(2) == 0xBF
    }

    /// Skip one character (not a line break).
    fn skip(&mut self) {
        let w = match self.at(0) {
            b if b < 0x80 => 1,
            b if b >= 0xF0 => 4,
            b if b >= 0xE0 => 3,
            _ => 2,
        };
        self.i = (self.i + w).min(self.s.len());
        self.col += 1;
    }

    /// Skip one line break.
    fn skip_line(&mut self) {
        if self.at(0) == b'\r' && self.at(1) == b'\n' {
            self.i += 2;
        } else if self.is_break_at(0) {
            self.skip();
        } else {
            return;
        }
        self.col = 0;
        self.line += 1;
    }

    fn document_indicator(&self) -> bool {
        self.col == 0
            && ((self.at(0) == b'-' && self.at(1) == b'-' && self.at(2) == b'-')
                || (self.at(0) == b'.' && self.at(1) == b'.' && self.at(2) == b'.'))
            && self.is_blankz_at(3)
    }

    fn save_key(&mut self) {
        if self.allowed && self.flow == 0 {
            self.key = Some((self.line, self.i, self.col));
        }
    }

    fn remove_key(&mut self) {
        if self.flow == 0 {
            self.key = None;
        }
    }

    fn roll(&mut self, column: isize) {
        if self.flow == 0 {
            self.shape.block = true;
        }
        if self.flow == 0 && self.indent < column {
            self.indents.push(self.indent);
            self.indent = column;
        }
    }

    fn unroll(&mut self, column: isize) {
        if self.flow == 0 {
            while self.indent > column {
                self.indent = self.indents.pop().unwrap_or(-1);
            }
        }
    }

    fn run(&mut self) -> Result<(), Stop> {
        if self.is_bom() {
            // The reader drops a leading byte order mark.
            self.i += 3;
        }
        loop {
            self.skip_to_next_token();
            if let Some((line, index, _)) = self.key
                && (line < self.line || index + 1024 < self.i)
            {
                self.key = None;
            }
            self.unroll(self.col as isize);
            if self.eof() {
                return Ok(());
            }
            let c = self.at(0);
            if self.col == 0 && c == b'%' {
                self.unroll(-1);
                self.remove_key();
                self.allowed = false;
                while !self.is_breakz() {
                    self.skip();
                }
                continue;
            }
            if self.document_indicator() {
                self.unroll(-1);
                self.remove_key();
                self.allowed = false;
                self.skip();
                self.skip();
                self.skip();
                continue;
            }
            match c {
                b'[' | b'{' => {
                    if let Some(starts) = self.starts.as_mut() {
                        starts.push(self.i);
                    }
                    self.save_key();
                    self.flow += 1;
                    if self.flow > MAX_FLOW_DEPTH {
                        return Err(Stop::TooDeep(self.line, self.col));
                    }
                    self.shape.max_flow_depth = self.shape.max_flow_depth.max(self.flow);
                    self.allowed = true;
                    self.skip();
                }
                b']' | b'}' => {
                    self.remove_key();
                    self.flow = self.flow.saturating_sub(1);
                    self.allowed = false;
                    self.skip();
                }
                b',' => {
                    self.remove_key();
                    self.allowed = true;
                    self.skip();
                }
                b'-' if self.is_blankz_at(1) => {
                    self.roll(self.col as isize);
                    self.remove_key();
                    self.allowed = true;
                    self.skip();
                }
                b'?' if self.flow > 0 || self.is_blankz_at(1) => {
                    self.roll(self.col as isize);
                    self.remove_key();
                    self.allowed = self.flow == 0;
                    self.skip();
                }
                b':' if self.flow > 0 || self.is_blankz_at(1) => {
                    if self.flow == 0 {
                        match self.key.take() {
                            Some((_, _, column)) => {
                                self.roll(column as isize);
                                self.allowed = false;
                            }
                            None => {
                                self.roll(self.col as isize);
                                self.allowed = true;
                            }
                        }
                    } else {
                        self.allowed = false;
                    }
                    self.skip();
                }
                b'*' | b'&' => {
                    self.save_key();
                    self.allowed = false;
                    self.skip();
                    let mut n = 0;
                    while self.is_alpha() {
                        self.skip();
                        n += 1;
                    }
                    let ends = self.is_blankz_at(0)
                        || matches!(
                            self.at(0),
                            b'?' | b':' | b',' | b']' | b'}' | b'%' | b'@' | b'`'
                        );
                    if n == 0 || !ends {
                        return Err(Stop::ParserError);
                    }
                    if c == b'*' {
                        self.shape.aliases += 1;
                    }
                }
                b'!' => {
                    self.save_key();
                    self.allowed = false;
                    let (start, line, column) = (self.i, self.line, self.col);
                    self.tag()?;
                    self.shape.first_tag.get_or_insert(TagAt {
                        line: line + 1,
                        column: column + 1,
                        start,
                        end: self.i,
                    });
                }
                b'|' | b'>' if self.flow == 0 => {
                    self.remove_key();
                    self.allowed = true;
                    self.block_scalar()?;
                }
                b'\'' | b'"' => {
                    self.save_key();
                    self.allowed = false;
                    self.quoted(c == b'\'')?;
                }
                _ if self.starts_plain() => {
                    self.save_key();
                    self.allowed = false;
                    self.plain()?;
                }
                // "found character that cannot start any token"
                _ => return Err(Stop::ParserError),
            }
        }
    }

    fn skip_to_next_token(&mut self) {
        loop {
            if self.col == 0 && self.is_bom() {
                self.skip();
            }
            while self.at(0) == b' ' || ((self.flow > 0 || !self.allowed) && self.at(0) == b'\t') {
                self.skip();
            }
            if self.at(0) == b'#' {
                while !self.is_breakz() {
                    self.skip();
                }
            }
            if !self.is_break_at(0) {
                return;
            }
            self.skip_line();
            if self.flow == 0 {
                self.allowed = true;
            }
        }
    }

    fn starts_plain(&self) -> bool {
        let c = self.at(0);
        let indicator = self.is_blankz_at(0)
            || matches!(
                c,
                b'-' | b'?'
                    | b':'
                    | b','
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'#'
                    | b'&'
                    | b'*'
                    | b'!'
                    | b'|'
                    | b'>'
                    | b'\''
                    | b'"'
                    | b'%'
                    | b'@'
                    | b'`'
            );
        !indicator
            || (c == b'-' && !self.is_blank_at(1))
            || (self.flow == 0 && matches!(c, b'?' | b':') && !self.is_blankz_at(1))
    }

    fn tag(&mut self) -> Result<(), Stop> {
        let uri = |c: u8, verbatim: bool| {
            c.is_ascii_alphanumeric()
                || b"_-;/?:@&=+$.%!~*'()".contains(&c)
                || (verbatim && b",[]".contains(&c))
        };
        self.skip(); // '!'
        if self.at(0) == b'<' {
            self.skip();
            while !self.eof() && uri(self.at(0), true) {
                self.skip();
            }
            if self.at(0) != b'>' {
                return Err(Stop::ParserError);
            }
            self.skip();
        } else {
            while !self.eof() && uri(self.at(0), false) {
                self.skip();
            }
        }
        if self.is_blankz_at(0) || (self.flow > 0 && self.at(0) == b',') {
            Ok(())
        } else {
            Err(Stop::ParserError)
        }
    }

    fn block_scalar(&mut self) -> Result<(), Stop> {
        self.skip(); // '|' or '>'
        let mut increment: isize = 0;
        let digit = |c: u8| c.is_ascii_digit();
        if matches!(self.at(0), b'+' | b'-') {
            self.skip();
            if digit(self.at(0)) {
                if self.at(0) == b'0' {
                    return Err(Stop::ParserError);
                }
                increment = (self.at(0) - b'0') as isize;
                self.skip();
            }
        } else if digit(self.at(0)) {
            if self.at(0) == b'0' {
                return Err(Stop::ParserError);
            }
            increment = (self.at(0) - b'0') as isize;
            self.skip();
            if matches!(self.at(0), b'+' | b'-') {
                self.skip();
            }
        }
        while self.is_blank_at(0) {
            self.skip();
        }
        if self.at(0) == b'#' {
            while !self.is_breakz() {
                self.skip();
            }
        }
        if !self.is_breakz() {
            return Err(Stop::ParserError);
        }
        self.skip_line();
        let mut indent: isize = if increment != 0 {
            if self.indent >= 0 {
                self.indent + increment
            } else {
                increment
            }
        } else {
            0
        };
        self.block_breaks(&mut indent)?;
        while self.col as isize == indent && !self.eof() {
            while !self.is_breakz() {
                self.skip();
            }
            if self.eof() {
                break;
            }
            self.skip_line();
            self.block_breaks(&mut indent)?;
        }
        Ok(())
    }

    fn block_breaks(&mut self, indent: &mut isize) -> Result<(), Stop> {
        let mut max_indent: isize = 0;
        loop {
            while (*indent == 0 || (self.col as isize) < *indent) && self.at(0) == b' ' {
                self.skip();
            }
            max_indent = max_indent.max(self.col as isize);
            if (*indent == 0 || (self.col as isize) < *indent) && self.at(0) == b'\t' {
                return Err(Stop::ParserError);
            }
            if !self.is_break_at(0) {
                break;
            }
            self.skip_line();
        }
        if *indent == 0 {
            *indent = max_indent.max(self.indent + 1).max(1);
        }
        Ok(())
    }

    fn quoted(&mut self, single: bool) -> Result<(), Stop> {
        let quote = if single { b'\'' } else { b'"' };
        self.skip();
        loop {
            if self.document_indicator() || self.eof() {
                return Err(Stop::ParserError);
            }
            while !self.is_blankz_at(0) {
                if single && self.at(0) == b'\'' && self.at(1) == b'\'' {
                    self.skip();
                    self.skip();
                } else if self.at(0) == quote {
                    break;
                } else if !single && self.at(0) == b'\\' && self.is_break_at(1) {
                    self.skip();
                    self.skip_line();
                    break;
                } else if !single && self.at(0) == b'\\' {
                    self.skip();
                    if self.eof() {
                        return Err(Stop::ParserError);
                    }
                    self.skip();
                } else {
                    self.skip();
                }
            }
            if self.at(0) == quote {
                self.skip();
                return Ok(());
            }
            while self.is_blank_at(0) || self.is_break_at(0) {
                if self.is_blank_at(0) {
                    self.skip();
                } else {
                    self.skip_line();
                }
            }
        }
    }

    fn plain(&mut self) -> Result<(), Stop> {
        let indent = self.indent + 1;
        let mut leading_blanks = false;
        loop {
            if self.document_indicator() || self.at(0) == b'#' {
                break;
            }
            while !self.is_blankz_at(0) {
                let c = self.at(0);
                if self.flow > 0 && c == b':' && b",?[]{}".contains(&self.at(1)) {
                    return Err(Stop::ParserError);
                }
                if (c == b':' && self.is_blankz_at(1)) || (self.flow > 0 && b",[]{}".contains(&c)) {
                    break;
                }
                self.skip();
            }
            if !(self.is_blank_at(0) || self.is_break_at(0)) {
                break;
            }
            while self.is_blank_at(0) || self.is_break_at(0) {
                if self.is_blank_at(0) {
                    if leading_blanks && (self.col as isize) < indent && self.at(0) == b'\t' {
                        return Err(Stop::ParserError);
                    }
                    self.skip();
                } else {
                    self.skip_line();
                    leading_blanks = true;
                }
            }
            if self.flow == 0 && (self.col as isize) < indent {
                break;
            }
        }
        if leading_blanks {
            self.allowed = true;
        }
        Ok(())
    }
}

/// Scan the text as the YAML parser will, refusing flow collections nested more than
/// [`MAX_FLOW_DEPTH`] deep. Text after a point where the parser would fail is not scanned.
/// (Public for the fuzz target that checks it against the parser.)
pub fn check_nesting(text: &str) -> Result<Shape, Problem> {
    let (result, _) = scan(text, false);
    result
}

/// The byte offsets at which the parser starts a flow collection, as far as the scan goes
/// (for the fuzz target that checks the scan against the parser).
#[doc(hidden)]
pub fn flow_starts(text: &str) -> Vec<usize> {
    scan(text, true).1
}

fn scan(text: &str, record: bool) -> (Result<Shape, Problem>, Vec<usize>) {
    // The parser refuses control characters as soon as it reads them, so it never gets
    // past the first one.
    let end = text
        .char_indices()
        .find(|&(_, c)| !allowed_char(c))
        .map_or(text.len(), |(i, _)| i);
    let mut sc = Scanner {
        s: &text.as_bytes()[..end],
        i: 0,
        line: 0,
        col: 0,
        flow: 0,
        allowed: true,
        indent: -1,
        indents: Vec::new(),
        key: None,
        shape: Shape::default(),
        starts: record.then(Vec::new),
    };
    let result = match sc.run() {
        Ok(()) | Err(Stop::ParserError) => Ok(sc.shape),
        Err(Stop::TooDeep(line, column)) => Err(at(
            line + 1,
            column + 1,
            format!(
                "expected values nested at most {MAX_FLOW_DEPTH} deep, found `[` and `{{` nested deeper than that"
            ),
            Some(
                "a scenario needs a few levels at most; is a closing `]` or `}` missing?"
                    .to_string(),
            ),
        )),
    };
    (result, sc.starts.unwrap_or_default())
}

// ---------------------------------------------------------------------------------------
// Census: the document as the YAML reader expands it.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Default)]
struct Tally {
    values: usize,
    text: usize,
    path: Vec<Seg>,
    /// The problem that stopped the walk (the YAML error then only adds the position).
    problem: Option<(String, Option<String>)>,
    aliases: usize,
}

impl Tally {
    fn path(&self) -> String {
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s += k;
                }
                Seg::Index(i) => s += &format!("[{i}]"),
            }
        }
        s
    }

    fn at_path(&self, message: String) -> String {
        let p = self.path();
        if p.is_empty() {
            message
        } else {
            format!("{p}: {message}")
        }
    }

    fn stop<E: de::Error>(&mut self, message: String, hint: Option<String>) -> E {
        self.problem = Some((message, hint));
        E::custom("scenario refused by the census")
    }

    fn value<E: de::Error>(&mut self) -> Result<(), E> {
        self.values += 1;
        if self.values > MAX_VALUES {
            let message = if self.aliases > 0 {
                format!(
                    "the file uses YAML anchors and aliases (`&name` / `*name`) that expand to too much data: more than {MAX_VALUES} values once every alias is replaced by what it names"
                )
            } else {
                format!("expected a scenario of at most {MAX_VALUES} values, found more")
            };
            let hint = if self.aliases > 0 {
                "each `*name` repeats everything its `&name` marks; remove the aliases or write the values out"
            } else {
                "scenarios need a few thousand values; is this the right file?"
            };
            return Err(self.stop(message, Some(hint.to_string())));
        }
        Ok(())
    }

    fn text<E: de::Error>(&mut self, v: &str) -> Result<(), E> {
        self.value()?;
        if v.len() > MAX_TEXT_BYTES {
            let m = self.at_path(format!(
                "expected text of at most {}, found {}",
                size(MAX_TEXT_BYTES),
                size(v.len())
            ));
            return Err(self.stop(m, None));
        }
        self.text += v.len();
        if self.text > MAX_TOTAL_TEXT_BYTES {
            let message = if self.aliases > 0 {
                format!(
                    "the file uses YAML anchors and aliases (`&name` / `*name`) that expand to too much data: more than {} of text once every alias is replaced by what it names",
                    size(MAX_TOTAL_TEXT_BYTES)
                )
            } else {
                format!(
                    "expected a scenario with at most {} of text, found more",
                    size(MAX_TOTAL_TEXT_BYTES)
                )
            };
            return Err(self.stop(message, None));
        }
        Ok(())
    }

    fn huge_integer<E: de::Error>(&mut self, shown: String) -> E {
        let m = self.at_path(if shown.starts_with('-') {
            format!(
                "expected a number of at least {}, found {shown}, which is too small",
                i64::MIN
            )
        } else {
            format!(
                "expected a whole number of at most {}, found {shown}, which is too large",
                u64::MAX
            )
        });
        self.stop(m, None)
    }
}

struct Node<'t>(&'t RefCell<Tally>);

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// A mapping key: counted like any value; its text (for scalar keys) names the path.
struct Key<'t>(&'t RefCell<Tally>);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

macro_rules! scalar_visits {
    () => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            self.0.borrow_mut().value()?;
            Ok(Self::shown(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            self.0.borrow_mut().value()?;
            Ok(Self::shown(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.0.borrow_mut().value()?;
            Ok(Self::shown(v))
        }
        fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
            Err(self.0.borrow_mut().huge_integer(v.to_string()))
        }
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
            Err(self.0.borrow_mut().huge_integer(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            self.0.borrow_mut().value()?;
            Ok(Self::shown(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            self.0.borrow_mut().text(v)?;
            Ok(Self::shown(v))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            self.0.borrow_mut().value()?;
            Ok(Self::shown("null"))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            self.visit_unit()
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            Node(self.0).deserialize(d)?;
            Ok(Self::shown("?"))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            self.0.borrow_mut().value()?;
            let mut i = 0;
            loop {
                self.0.borrow_mut().path.push(Seg::Index(i));
                let more = seq.next_element_seed(Node(self.0))?.is_some();
                self.0.borrow_mut().path.pop();
                if !more {
                    break;
                }
                i += 1;
            }
            Ok(Self::shown("[...]"))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            self.0.borrow_mut().value()?;
            while let Some(k) = map.next_key_seed(Key(self.0))? {
                self.0.borrow_mut().path.push(Seg::Key(k));
                map.next_value_seed(Node(self.0))?;
                self.0.borrow_mut().path.pop();
            }
            Ok(Self::shown("{...}"))
        }
        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
            // A tagged value (`!tag value`): count the value (tags are refused earlier,
            // by the scan; see `Shape::first_tag`).
            let (_tag, variant) = data.variant::<String>()?;
            de::VariantAccess::newtype_variant_seed(variant, Node(self.0))?;
            Ok(Self::shown("!tagged"))
        }
    };
}

impl Node<'_> {
    fn shown<T>(_: T) {}
}

impl Key<'_> {
    fn shown<T: ToString>(v: T) -> String {
        let s = v.to_string();
        if s.len() > 40 {
            let cut = (0..=40).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
            format!("{}...", &s[..cut])
        } else {
            s
        }
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    scalar_visits!();
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    scalar_visits!();
}

/// Walk the document as the YAML reader expands it, stopping at the first limit passed;
/// the number of values. YAML errors (syntax and the like) are returned as they are, for
/// the caller to word.
pub(crate) fn census(text: &str, shape: Shape) -> Result<usize, CensusError> {
    census_of(serde_yaml::Deserializer::from_str(text), shape)
}

/// [`census`] of one document.
pub(crate) fn census_of(
    de: serde_yaml::Deserializer<'_>,
    shape: Shape,
) -> Result<usize, CensusError> {
    let tally = RefCell::new(Tally {
        aliases: shape.aliases,
        ..Tally::default()
    });
    match Node(&tally).deserialize(de) {
        Ok(()) => Ok(tally.into_inner().values),
        Err(e) => {
            let problem = tally.into_inner().problem;
            match problem {
                Some((message, hint)) => {
                    let location = match e.location() {
                        Some(l) => Location::LineCol {
                            line: l.line(),
                            column: l.column(),
                        },
                        None => Location::File,
                    };
                    Err(CensusError::Refused(Problem {
                        location,
                        also: None,
                        message,
                        hint,
                    }))
                }
                None => Err(CensusError::Yaml(e)),
            }
        }
    }
}

pub(crate) enum CensusError {
    /// A limit was passed.
    Refused(Problem),
    /// The YAML itself is wrong.
    Yaml(serde_yaml::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(text: &str) -> usize {
        match check_nesting(text) {
            Ok(s) => s.max_flow_depth,
            Err(p) => panic!("{text:?}: {p}"),
        }
    }

    #[test]
    fn counts_flow_nesting_like_the_parser() {
        assert_eq!(depth("a: [1, {b: [2]}]\n"), 3);
        assert_eq!(depth("a: b [c\nd: e\n"), 0, "`[` inside a plain scalar");
        assert_eq!(depth("a: 'x [ y'\nb: \"[\\\"[\"\n"), 0);
        assert_eq!(depth("# [[[\na: 1 # [\n"), 0);
        assert_eq!(depth("a: |\n  [[[\n  ]\nb: [x]\n"), 1);
        assert_eq!(depth("a: >-\n   [[[\n\n   {{\nb: {x: [y]}\n"), 2);
        assert_eq!(depth("- [a, b]\n- c[d]\n"), 1);
        assert_eq!(depth("[a]: [b, [c]]\n"), 2);
        assert_eq!(depth("a: !tag [x]\n"), 1);
        assert_eq!(depth("a: &x [y]\nb: *x\n"), 1);
        assert_eq!(
            check_nesting("a: &x [y]\nb: *x\nc: [*x, *x]\n")
                .unwrap()
                .aliases,
            3
        );
    }

    #[test]
    fn refuses_deep_flow_nesting_quickly() {
        for text in [
            "[".repeat(1_000_000),
            format!("a: {}", "{a: ".repeat(100_000)),
            format!("a: {}", "[\n".repeat(100_000)),
        ] {
            let start = std::time::Instant::now();
            let p = check_nesting(&text).unwrap_err();
            assert!(p.message.contains("nested at most 64 deep"), "{p}");
            assert!(start.elapsed().as_secs_f64() < 1.0);
        }
        assert!(check_nesting(&format!("{}{}", "[".repeat(64), "]".repeat(64))).is_ok());
    }

    /// Quotes, comments and block scalars cannot hide real nesting from the scan.
    #[test]
    fn cannot_be_fooled_into_missing_nesting() {
        let n = 100;
        for per_level in [
            "[ \"]\" ",
            "[ ']' ",
            "[ a # ]\n",
            "{ a: b, \"c\": [ ",
            "[ !t ",
            "[ &a ",
        ] {
            let text = format!("x: {}", per_level.repeat(n));
            assert!(check_nesting(&text).is_err(), "{per_level:?}");
        }
    }

    /// A random document, written with random styles, knowing its true flow depth.
    fn random_doc(
        rng: &mut u64,
        depth: usize,
        indent: usize,
        flow: bool,
        out: &mut String,
    ) -> usize {
        fn next(rng: &mut u64) -> u64 {
            *rng ^= *rng << 13;
            *rng ^= *rng >> 7;
            *rng ^= *rng << 17;
            *rng
        }
        const SCALARS: [&str; 10] = [
            "plain",
            "'single [ { # '' ]'",
            "\"double [ \\\" { # ]\"",
            "a[b]{c}",
            "x # [",
            "1.5",
            "\"multi\n  line [\"",
            "'it''s ['",
            "-dash[",
            "?q{",
        ];
        let pick = next(rng) % 10;
        if depth == 0 || pick < 3 {
            let mut s = SCALARS[(next(rng) % 10) as usize];
            if flow && (s.contains(['[', ']', '{', '}', ',', '#']) && !s.starts_with(['\'', '"'])) {
                s = "plain";
            }
            if s.contains('\n') && !flow {
                s = "\"multi [\"";
            }
            out.push_str(s);
            return 0;
        }
        let pad = " ".repeat(indent + 2);
        let as_flow = flow || pick < 6;
        let mut deepest = 0;
        if as_flow {
            let map = pick.is_multiple_of(2);
            out.push(if map { '{' } else { '[' });
            let n = next(rng) % 3;
            for k in 0..n {
                if k > 0 {
                    out.push_str(", ");
                }
                if map {
                    out.push_str(&format!("k{k}: "));
                }
                deepest = deepest.max(random_doc(rng, depth - 1, indent, true, out));
            }
            out.push(if map { '}' } else { ']' });
            return deepest + 1;
        }
        if pick == 6 {
            let pad = " ".repeat(indent + 4);
            out.push_str(if next(rng).is_multiple_of(2) {
                "|\n"
            } else {
                ">-\n"
            });
            out.push_str(&format!("{pad}[[[ {{ \"\n\n{pad}  ]] # '\n{pad}- x: ["));
            return 0;
        }
        let n = 1 + next(rng) % 3;
        out.push('\n');
        for k in 0..n {
            out.push_str(&pad);
            if pick.is_multiple_of(2) {
                out.push_str("- ");
            } else {
                out.push_str(&format!("k{k}: "));
            }
            deepest = deepest.max(random_doc(rng, depth - 1, indent + 2, false, out));
            out.push('\n');
        }
        deepest
    }

    #[test]
    fn agrees_with_the_parser_on_random_documents() {
        let mut rng = 0x2545_F491_4F6C_DD1D_u64;
        let mut parsed = 0;
        for _ in 0..3000 {
            let mut text = String::from("root: ");
            let want = random_doc(&mut rng, 6, 0, false, &mut text);
            text.push('\n');
            // Only documents the parser reads count (the generator is not perfect).
            if serde_yaml::from_str::<serde_yaml::Value>(&text).is_err() {
                continue;
            }
            parsed += 1;
            assert_eq!(
                check_nesting(&text).map(|s| s.max_flow_depth).ok(),
                Some(want),
                "{text}"
            );
        }
        assert!(parsed > 1000, "only {parsed} generated documents parse");
    }

    #[test]
    fn census_limits() {
        let many = format!("a: [{}]\n", "1, ".repeat(MAX_VALUES));
        let shape = check_nesting(&many).unwrap();
        match census(&many, shape) {
            Err(CensusError::Refused(p)) => {
                assert!(p.message.contains("at most 250000 values"), "{p}")
            }
            _ => panic!("should be refused"),
        }
        let wide = format!(
            "a: &a [{}]\nb: [{}]\n",
            "x, ".repeat(1000),
            "*a, ".repeat(1000)
        );
        let shape = check_nesting(&wide).unwrap();
        match census(&wide, shape) {
            Err(CensusError::Refused(p)) => {
                assert!(p.message.contains("anchors and aliases"), "{p}")
            }
            _ => panic!("should be refused"),
        }
        let long = format!("a:\n  b: [x, {}]\n", "y".repeat(MAX_TEXT_BYTES + 1));
        match census(&long, check_nesting(&long).unwrap()) {
            Err(CensusError::Refused(p)) => {
                assert!(
                    p.message
                        .starts_with("a.b[1]: expected text of at most 64 KiB"),
                    "{p}"
                );
                assert_eq!(p.line_col(), Some((2, 10)));
            }
            _ => panic!("should be refused"),
        }
        let big = "seed: 99999999999999999999999\n";
        match census(big, check_nesting(big).unwrap()) {
            Err(CensusError::Refused(p)) => {
                assert!(
                    p.message
                        .starts_with("seed: expected a whole number of at most"),
                    "{p}"
                )
            }
            _ => panic!("should be refused"),
        }
    }

    #[test]
    fn decode_names_the_line_and_column() {
        let p = decode(b"name: x\nnote: caf\xe9\n".to_vec()).unwrap_err();
        assert_eq!(p.line_col(), Some((2, 10)));
        assert!(p.message.contains("0xE9"), "{p}");
        let p = decode(vec![0xFF, 0xFE, b'a', 0]).unwrap_err();
        assert!(p.message.contains("UTF-16"), "{p}");
    }
}
