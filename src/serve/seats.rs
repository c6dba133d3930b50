//! Owns who may open what: one unguessable token per seat (the facilitator, the
//! situation board, one per role), kept beside the record so that a resumed session
//! keeps its join links.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::scenario::Model;

/// A place at the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seat {
    /// Runs the clock and the injects; sees everything.
    Facilitator,
    /// The projected situation board: read only.
    Board,
    /// A role of the scenario (an index into `Model::roles`).
    Role(usize),
}

/// The join tokens of a session, one per seat.
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    pub facilitator: String,
    pub board: String,
    /// One per role, in the scenario's order.
    pub roles: Vec<String>,
}

/// Why the tokens could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot draw random join tokens from the operating system: {0}")]
    Random(String),
    #[error("{}: cannot read the session's join links: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot write the session's join links: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: expected the join links of this scenario's seats (written by `ttx serve`), found {found}", .path.display())]
    Damaged { path: PathBuf, found: String },
}

/// A new random token: 128 bits from the operating system, in hex.
fn token() -> Result<String, TokenError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| TokenError::Random(e.to_string()))?;
    let mut out = String::with_capacity(32);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    Ok(out)
}

/// Where a record's join links are kept: `FILE.seats` beside it.
pub fn tokens_path(record: &Path) -> PathBuf {
    let mut name = record.as_os_str().to_owned();
    name.push(".seats");
    PathBuf::from(name)
}

impl Tokens {
    /// Fresh tokens for every seat of `model`.
    pub fn new(model: &Model) -> Result<Tokens, TokenError> {
        Ok(Tokens {
            facilitator: token()?,
            board: token()?,
            roles: model
                .roles
                .iter()
                .map(|_| token())
                .collect::<Result<_, _>>()?,
        })
    }

    /// The seat a token opens, if any. Compared in constant time per token, so that
    /// response times do not tell how much of a guess was right.
    pub fn seat(&self, given: &str) -> Option<Seat> {
        let same = |a: &str| constant_time_eq(a.as_bytes(), given.as_bytes());
        let mut found = None;
        if same(&self.facilitator) {
            found = Some(Seat::Facilitator);
        }
        if same(&self.board) {
            found = Some(Seat::Board);
        }
        for (i, t) in self.roles.iter().enumerate() {
            if same(t) {
                found = Some(Seat::Role(i));
            }
        }
        found
    }

    /// The token of a seat.
    pub fn of(&self, seat: Seat) -> &str {
        match seat {
            Seat::Facilitator => &self.facilitator,
            Seat::Board => &self.board,
            Seat::Role(i) => &self.roles[i],
        }
    }

    /// The file's text: one `seat token` line each (`role:ID` for roles).
    fn text(&self, model: &Model) -> String {
        let mut out =
            String::from("# ttx serve: the join links' tokens of this session (keep private)\n");
        let _ = writeln!(out, "facilitator {}", self.facilitator);
        let _ = writeln!(out, "board {}", self.board);
        for (r, t) in model.roles.iter().zip(&self.roles) {
            let _ = writeln!(out, "role:{} {t}", r.id);
        }
        out
    }

    /// Keep the tokens beside the record, readable by the owner only.
    pub fn save(&self, path: &Path, model: &Model) -> Result<(), TokenError> {
        let write = |source| TokenError::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut f = crate::output::AtomicFile::create(path).map_err(write)?;
        std::io::Write::write_all(&mut f, self.text(model).as_bytes()).map_err(write)?;
        f.commit().map_err(write)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(write)?;
        }
        Ok(())
    }

    /// The tokens kept beside a record; a role the file does not name gets a new one.
    pub fn load(path: &Path, model: &Model) -> Result<Tokens, TokenError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let damaged = |found: String| TokenError::Damaged {
            path: path.to_path_buf(),
            found,
        };
        let mut fresh = Tokens::new(model)?;
        let (mut facilitator, mut board) = (None, None);
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let Some((seat, token)) = line.split_once(' ') else {
                return Err(damaged(format!(
                    "the line `{}`",
                    crate::text::one_line(line)
                )));
            };
            if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(damaged("a token that is not 32 hex digits".into()));
            }
            match seat {
                "facilitator" => facilitator = Some(token.to_string()),
                "board" => board = Some(token.to_string()),
                s => {
                    if let Some(i) = s
                        .strip_prefix("role:")
                        .and_then(|id| model.roles.iter().position(|r| r.id == id))
                    {
                        fresh.roles[i] = token.to_string();
                    }
                }
            }
        }
        fresh.facilitator = facilitator.ok_or_else(|| damaged("no facilitator's token".into()))?;
        fresh.board = board.ok_or_else(|| damaged("no board's token".into()))?;
        Ok(fresh)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"
name: t
horizon: 2h
platforms:
  - {id: videotube, views_per_hour: 10, attention_half_life: 1h, review: {reviewers: 1, time: {exp: 10m}}}
content:
  - {id: clip, origin: {platform: videotube, at: 0m}}
roles:
  - {id: desk, decisions: [surge], platforms: [videotube]}
  - {id: iru, decisions: [refer]}
"#;

    #[test]
    fn tokens_are_distinct_open_their_own_seat_only_and_survive_a_save() {
        let s = crate::scenario::parse(SCENARIO, "t").expect("valid");
        let model = &s.base;
        let t = Tokens::new(model).unwrap();
        let all = [&t.facilitator, &t.board, &t.roles[0], &t.roles[1]];
        for (i, a) in all.iter().enumerate() {
            assert_eq!(a.len(), 32);
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(t.seat(&t.facilitator), Some(Seat::Facilitator));
        assert_eq!(t.seat(&t.roles[1]), Some(Seat::Role(1)));
        assert_eq!(t.seat(""), None);
        assert_eq!(t.seat(&t.roles[0][..31]), None);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.yaml.seats");
        t.save(&path, model).unwrap();
        assert_eq!(Tokens::load(&path, model).unwrap(), t);
    }
}
