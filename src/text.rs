//! Text from outside (scenario files, decision records, what players type) made safe to
//! print and to write into reports.
//!
//! A scenario is untrusted input, and its names and notes reach the terminal, the
//! situation report and `after-action.md`. An escape sequence in a name could clear the
//! screen or retitle the window, a newline in a variant name could fake a table row, and
//! a bidirectional override could make text read other than it is. Such characters are
//! shown as visible escapes (`\u{1b}`) instead; everything else is kept as written.

use std::borrow::Cow;

/// Whether a character must not reach a terminal or a report as it is: C0 and C1
/// control characters (but newline and tab where `multiline`), and the bidirectional
/// embeddings, overrides and isolates.
fn risky(c: char, multiline: bool) -> bool {
    (c.is_control() && !(multiline && (c == '\n' || c == '\t')))
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

fn escape(text: &str, multiline: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| risky(c, multiline)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if risky(c, multiline) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A one-line text (a name, a label): every control character escaped, newlines too.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// A text that may run over several lines (a description, a note): control characters
/// escaped, but newlines and tabs kept.
pub fn multi_line(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_could_drive_a_terminal_or_fake_a_line() {
        assert_eq!(one_line("baseline"), "baseline");
        assert!(matches!(one_line("plain words"), Cow::Borrowed(_)));
        assert_eq!(one_line("\u{1b}[2Jgone"), "\\u{1b}[2Jgone");
        assert_eq!(one_line("a\nb"), "a\\u{a}b");
        assert_eq!(multi_line("a\nb\tc"), "a\nb\tc");
        assert_eq!(multi_line("bell\u{7}"), "bell\\u{7}");
        assert_eq!(one_line("\u{202E}txt.exe"), "\\u{202e}txt.exe");
        assert_eq!(one_line("\u{9b}31m"), "\\u{9b}31m", "C1 control (CSI)");
        assert_eq!(one_line("vidéo – Ωmega"), "vidéo – Ωmega");
    }
}
