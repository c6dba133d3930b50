//! Where a scalar of a scenario file is, by its dotted path, so that a fitted value can be
//! written in place and everything else of the file (its layout, its comments) kept.
//!
//! The file is read as YAML events with their positions (`yaml-rust2`), into a tree of
//! mappings, lists and scalars; a dotted path is resolved in it as a variant's `set`
//! resolves it (mapping keys; list items by `id`, else by 0-based index).

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A scalar's text in the file: its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug)]
enum Node {
    Scalar {
        value: String,
        span: Span,
    },
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
    /// An alias or something else that is not written in place.
    Other,
}

/// The file as a tree, built from the parser's events.
struct Builder<'t> {
    text: &'t str,
    stack: Vec<Frame>,
    root: Option<Node>,
}

enum Frame {
    Map {
        entries: Vec<(String, Node)>,
        key: Option<String>,
    },
    Seq(Vec<Node>),
}

impl Builder<'_> {
    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq(items)) => items.push(node),
            Some(Frame::Map { entries, key }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => match node {
                    Node::Scalar { value, .. } => *key = Some(value),
                    _ => {
                        // A key that is not a scalar: nothing a path can name.
                        *key = Some(String::new());
                    }
                },
            },
        }
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, style, _, _) => {
                let start = byte_index(self.text, mark.index());
                let end = scalar_end(self.text, start, style);
                self.push(Node::Scalar {
                    value,
                    span: Span { start, end },
                });
            }
            Event::MappingStart(..) => self.stack.push(Frame::Map {
                entries: Vec::new(),
                key: None,
            }),
            Event::SequenceStart(..) => self.stack.push(Frame::Seq(Vec::new())),
            Event::MappingEnd => {
                if let Some(Frame::Map { entries, .. }) = self.stack.pop() {
                    self.push(Node::Map(entries));
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq(items)) = self.stack.pop() {
                    self.push(Node::Seq(items));
                }
            }
            Event::Alias(_) => self.push(Node::Other),
            _ => {}
        }
    }
}

/// The parser's marks count characters; the text is indexed by bytes.
fn byte_index(text: &str, chars: usize) -> usize {
    if text.is_ascii() {
        return chars.min(text.len());
    }
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// Where a scalar that starts at `start` ends in the text.
fn scalar_end(text: &str, start: usize, style: TScalarStyle) -> usize {
    let rest = &text[start..];
    let bytes = rest.as_bytes();
    match style {
        TScalarStyle::SingleQuoted => {
            let mut i = 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return start + i + 1;
                }
                i += 1;
            }
            text.len()
        }
        TScalarStyle::DoubleQuoted => {
            let mut i = 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'"' => return start + i + 1,
                    _ => i += 1,
                }
            }
            text.len()
        }
        _ => {
            // A plain scalar on one line: up to a comment, a flow indicator or the end
            // of the line (fitted values are numbers and durations).
            let line_end = rest.find('\n').unwrap_or(rest.len());
            let line = &rest[..line_end];
            let mut end = line.len();
            for pat in [" #", ",", "]", "}"] {
                if let Some(i) = line.find(pat) {
                    end = end.min(i);
                }
            }
            start + line[..end].trim_end().len()
        }
    }
}

/// The scalars of a file by dotted path.
pub struct Located {
    root: Node,
}

impl Located {
    /// Read `text` (already known to be valid YAML: a scenario that loaded).
    pub fn new(text: &str) -> Result<Located, String> {
        let mut b = Builder {
            text,
            stack: Vec::new(),
            root: None,
        };
        let mut parser = Parser::new_from_str(text);
        parser.load(&mut b, false).map_err(|e| e.to_string())?;
        b.root
            .map(|root| Located { root })
            .ok_or_else(|| "the file holds no YAML document".to_string())
    }

    /// The span and current text of the scalar at `path`, if the file writes one there.
    pub fn scalar(&self, path: &str) -> Option<(Span, &str)> {
        let mut node = &self.root;
        for seg in path.split('.') {
            node = match node {
                Node::Map(entries) => &entries.iter().find(|(k, _)| k == seg)?.1,
                Node::Seq(items) => {
                    let by_id = items.iter().find(|item| match item {
                        Node::Map(e) => e.iter().any(|(k, v)| {
                            k == "id" && matches!(v, Node::Scalar { value, .. } if value == seg)
                        }),
                        _ => false,
                    });
                    match by_id {
                        Some(item) => item,
                        None => items.get(seg.parse::<usize>().ok()?)?,
                    }
                }
                _ => return None,
            };
        }
        match node {
            Node::Scalar { value, span } => Some((*span, value.as_str())),
            _ => None,
        }
    }
}

/// `text` with each span replaced by its new text (spans do not overlap). Where a
/// comment follows the value on its line, the spaces before it grow or shrink (keeping at
/// least one) so that the comment stays in its column: a diff shows only the value.
pub fn replace(text: &str, edits: &[(Span, String)]) -> String {
    let mut edits: Vec<&(Span, String)> = edits.iter().collect();
    edits.sort_by_key(|(s, _)| s.start);
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (span, new) in edits {
        out.push_str(&text[at..span.start]);
        out.push_str(new);
        at = span.end;
        let rest = &text[at..];
        let spaces = rest.len() - rest.trim_start_matches(' ').len();
        if spaces > 0 && rest[spaces..].starts_with('#') {
            let old = text[span.start..span.end].chars().count();
            let keep = (old + spaces).saturating_sub(new.chars().count()).max(1);
            out.extend(std::iter::repeat_n(' ', keep));
            at += spaces;
        }
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
name: \"t\"   # a name
hash_sharing: {delay: 6h, sweep: false}
platforms:
  - id: videotube         # the big one
    review:
      reviewers: 30        # staff
      time: {exp: 10m}
  - id: filehost
    hash_recall: 0.5
links:
  - {from: videotube, to: filehost, per_hour: 0.25}
variants:
  - name: x
    set: {hash_sharing.delay: 15m}
";

    #[test]
    fn finds_scalars_by_dotted_path_in_block_and_flow_style() {
        let l = Located::new(TEXT).unwrap();
        let at = |p: &str| {
            l.scalar(p)
                .map(|(s, v)| (&TEXT[s.start..s.end], v.to_string()))
        };
        assert_eq!(
            at("platforms.videotube.review.reviewers"),
            Some(("30", "30".into()))
        );
        assert_eq!(at("hash_sharing.delay"), Some(("6h", "6h".into())));
        assert_eq!(
            at("platforms.filehost.hash_recall"),
            Some(("0.5", "0.5".into()))
        );
        assert_eq!(at("platforms.1.hash_recall"), Some(("0.5", "0.5".into())));
        assert_eq!(at("links.0.per_hour"), Some(("0.25", "0.25".into())));
        assert_eq!(
            at("platforms.videotube.review.time.exp"),
            Some(("10m", "10m".into()))
        );
        assert_eq!(at("name"), Some(("\"t\"", "t".into())));
        assert_eq!(at("platforms.videotube.review"), None, "not a scalar");
        assert_eq!(at("platforms.nothere.hash_recall"), None);
    }

    #[test]
    fn replacing_keeps_everything_else() {
        let l = Located::new(TEXT).unwrap();
        let (a, _) = l.scalar("platforms.videotube.review.reviewers").unwrap();
        let (b, _) = l.scalar("hash_sharing.delay").unwrap();
        let out = replace(TEXT, &[(a, "47".into()), (b, "95.5m".into())]);
        assert!(out.contains("      reviewers: 47        # staff\n"));
        assert!(out.contains("hash_sharing: {delay: 95.5m, sweep: false}\n"));
        assert_eq!(out.lines().count(), TEXT.lines().count());
        assert!(out.contains("# the big one"));
    }

    #[test]
    fn replacing_keeps_the_comment_column() {
        let l = Located::new(TEXT).unwrap();
        let (a, _) = l.scalar("platforms.videotube.review.reviewers").unwrap();
        let out = replace(TEXT, &[(a, "47.125".into())]);
        assert!(
            out.contains("      reviewers: 47.125    # staff\n"),
            "{out}"
        );
        // A value longer than the gap keeps one space before the comment.
        let out = replace(TEXT, &[(a, "123456789012".into())]);
        assert!(
            out.contains("      reviewers: 123456789012 # staff\n"),
            "{out}"
        );
        // No comment after it: nothing but the value changes.
        let (b, _) = l.scalar("platforms.filehost.hash_recall").unwrap();
        let out = replace(TEXT, &[(b, "0.75".into())]);
        assert!(out.contains("    hash_recall: 0.75\nlinks:"), "{out}");
    }
}
