//! Characters that look like the ASCII letters, digits and dash that ids are made of.
//!
//! An id typed with a Cyrillic `о` or an en dash looks right on screen and matches
//! nothing: a message must name the character, where it is and what it looks like, so
//! the author can find it, and suggest the id meant.

/// What a look-alike character is, and the ASCII character it looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LookAlike {
    pub found: char,
    /// 1-based position of the character in its text, in characters.
    pub position: usize,
    pub looks_like: char,
    /// Which script or kind of character it is ("Cyrillic letter", "dash", ...).
    pub kind: &'static str,
}

impl LookAlike {
    /// "character 9 is `о` (U+043E, a Cyrillic letter that looks like `o`)".
    pub fn describe(&self) -> String {
        format!(
            "character {} is `{}` (U+{:04X}, a {} that looks like `{}`)",
            self.position, self.found, self.found as u32, self.kind, self.looks_like
        )
    }
}

/// The ASCII character `c` looks like, and what `c` is, if it is a known look-alike.
pub(crate) fn ascii_twin(c: char) -> Option<(char, &'static str)> {
    const CYRILLIC: &str = "Cyrillic letter";
    const GREEK: &str = "Greek letter";
    let twin = match c {
        // Cyrillic, lower and upper case.
        'а' | 'А' => ('a', CYRILLIC),
        'в' | 'В' => ('b', CYRILLIC),
        'с' | 'С' => ('c', CYRILLIC),
        'ԁ' => ('d', CYRILLIC),
        'е' | 'Е' | 'ё' => ('e', CYRILLIC),
        'һ' | 'Н' => ('h', CYRILLIC),
        'і' | 'І' => ('i', CYRILLIC),
        'ј' | 'Ј' => ('j', CYRILLIC),
        'к' | 'К' => ('k', CYRILLIC),
        'ӏ' => ('l', CYRILLIC),
        'м' | 'М' => ('m', CYRILLIC),
        'о' | 'О' => ('o', CYRILLIC),
        'р' | 'Р' => ('p', CYRILLIC),
        'ԛ' => ('q', CYRILLIC),
        'ѕ' | 'Ѕ' => ('s', CYRILLIC),
        'т' | 'Т' => ('t', CYRILLIC),
        'у' | 'У' => ('y', CYRILLIC),
        'ԝ' => ('w', CYRILLIC),
        'х' | 'Х' => ('x', CYRILLIC),
        // Greek.
        'α' | 'Α' => ('a', GREEK),
        'β' | 'Β' => ('b', GREEK),
        'ε' | 'Ε' => ('e', GREEK),
        'ι' | 'Ι' => ('i', GREEK),
        'κ' | 'Κ' => ('k', GREEK),
        'ν' | 'Ν' => ('v', GREEK),
        'ο' | 'Ο' => ('o', GREEK),
        'ρ' | 'Ρ' => ('p', GREEK),
        'τ' | 'Τ' => ('t', GREEK),
        'υ' => ('u', GREEK),
        'χ' | 'Χ' => ('x', GREEK),
        'Ζ' => ('z', GREEK),
        // Latin letters that are not ASCII.
        'ı' => ('i', "dotless i"),
        'ℓ' => ('l', "script l"),
        // Dashes and minus signs.
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' | '\u{FE63}' | '\u{FF0D}' => ('-', "dash"),
        // Full-width forms.
        'ａ'..='ｚ' => (
            char::from(b'a' + (c as u32 - 'ａ' as u32) as u8),
            "full-width letter",
        ),
        'Ａ'..='Ｚ' => (
            char::from(b'a' + (c as u32 - 'Ａ' as u32) as u8),
            "full-width letter",
        ),
        '０'..='９' => (
            char::from(b'0' + (c as u32 - '０' as u32) as u8),
            "full-width digit",
        ),
        _ => return None,
    };
    Some(twin)
}

/// The first look-alike character of `text`, if any.
pub(crate) fn first(text: &str) -> Option<LookAlike> {
    text.chars().enumerate().find_map(|(i, c)| {
        ascii_twin(c).map(|(looks_like, kind)| LookAlike {
            found: c,
            position: i + 1,
            looks_like,
            kind,
        })
    })
}

/// `text` with every look-alike replaced by the ASCII character it looks like.
pub(crate) fn fold(text: &str) -> String {
    text.chars()
        .map(|c| ascii_twin(c).map_or(c, |(a, _)| a))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_folds_the_usual_look_alikes() {
        let id = "fringe-b\u{043E}ard";
        let l = first(id).unwrap();
        assert_eq!((l.found, l.position, l.looks_like), ('\u{043E}', 9, 'o'));
        assert_eq!(
            l.describe(),
            "character 9 is `\u{043E}` (U+043E, a Cyrillic letter that looks like `o`)"
        );
        assert_eq!(fold(id), "fringe-board");
        assert_eq!(fold("video\u{2013}tube"), "video-tube");
        assert_eq!(fold("ｖｉｄｅｏ１"), "video1");
        assert_eq!(fold("\u{03BF}k"), "ok");
        assert_eq!(first("videotube"), None);
        assert_eq!(first("vidéo"), None, "an accent is not a look-alike");
    }
}
