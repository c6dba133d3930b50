//! A file that appears under its name only once completely written, and the clean-up of
//! the temporary files a killed process leaves behind.

use std::fs::{self, File, TryLockError};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::files::OWN_FILES;

/// Writes to `.NAME.tmp-PID.N-HOST` beside the target (N counts the files this process
/// opened, so two never share a name; without `-HOST` where the machine's name is
/// unknown); [`AtomicFile::commit`] flushes, syncs and renames it into place.
/// Dropped without commit, the temporary file is deleted. While it is open, the
/// temporary file is locked (where the file system allows), so that another process can
/// tell it is in use.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
    /// The SHA-256 of what was written, if asked for.
    hasher: Option<Sha256>,
    /// Whether everything written is flushed and synced.
    synced: bool,
}

impl AtomicFile {
    pub fn create(target: &Path) -> io::Result<Self> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let temp = target.with_file_name(temp_name(&name));
        let file = File::create(&temp)?;
        // Only a hint for the clean-up of other processes: not every file system locks.
        let _ = file.try_lock();
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
            hasher: None,
            synced: false,
        })
    }

    /// [`AtomicFile::create`], also computing the SHA-256 of what is written.
    pub fn create_hashed(target: &Path) -> io::Result<Self> {
        let mut f = AtomicFile::create(target)?;
        f.hasher = Some(Sha256::new());
        Ok(f)
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The SHA-256 (lower-case hex) of everything written so far, for a file created
    /// with [`AtomicFile::create_hashed`].
    pub fn sha256(&self) -> Option<String> {
        self.hasher.as_ref().map(|h| hex(&h.clone().finalize()))
    }

    /// Flush and sync the temporary file (the last step that can fail before renaming).
    pub fn finish_writing(&mut self) -> io::Result<()> {
        if let Some(w) = self.writer.as_mut()
            && !self.synced
        {
            w.flush()?;
            w.get_ref().sync_all()?;
            self.synced = true;
        }
        Ok(())
    }

    /// Rename into place.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        self.finish_writing()?;
        self.writer.take();
        fs::rename(&self.temp, &self.target)?;
        Ok(self.target.clone())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.writer.as_mut() {
            Some(w) => {
                self.synced = false;
                let n = w.write(buf)?;
                if let Some(h) = self.hasher.as_mut() {
                    h.update(&buf[..n]);
                }
                Ok(n)
            }
            None => Err(io::Error::other("file already committed")),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self.writer.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// This machine's name as it goes into temporary file names (letters, digits, `.`, `-`,
/// `_`), if known.
fn host() -> Option<String> {
    let raw = fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())?;
    let clean: String = raw
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(64)
        .collect();
    (!clean.is_empty()).then_some(clean)
}

/// The temporary name of file `name` written by this process.
fn temp_name(name: &str) -> String {
    static OPENED: AtomicU64 = AtomicU64::new(0);
    let pid = std::process::id();
    let n = OPENED.fetch_add(1, Ordering::Relaxed);
    match host() {
        Some(h) => format!(".{name}.tmp-{pid}.{n}-{h}"),
        None => format!(".{name}.tmp-{pid}.{n}"),
    }
}

/// Who wrote a temporary file, read from its name: `.NAME.tmp-PID`, optionally followed
/// by `.N` and by `-HOST`.
fn temp_owner(file_name: &str) -> Option<(u32, Option<&str>)> {
    let rest = file_name.strip_prefix('.')?;
    let (name, owner) = rest.rsplit_once(".tmp-")?;
    if name.is_empty() {
        return None;
    }
    let (number, host) = match owner.split_once('-') {
        Some((number, host)) if !host.is_empty() => (number, Some(host)),
        Some(_) => return None,
        None => (owner, None),
    };
    let pid = match number.split_once('.') {
        Some((pid, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => pid,
        Some(_) => return None,
        None => number,
    };
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((pid.parse().ok()?, host))
}

/// Whether process `pid` of this machine may be running. Where that cannot be told (no
/// `/proc`), it may.
fn may_be_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}

/// What [`remove_stale_temporaries`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cleanup {
    /// Temporary files of processes no longer running, removed.
    pub removed: Vec<PathBuf>,
    /// Temporary files kept: their process may still be running (on this machine, or on
    /// another one sharing the directory).
    pub kept: Vec<PathBuf>,
}

impl Cleanup {
    /// What to tell the user, if anything.
    pub fn message(&self, dir: &Path) -> Option<String> {
        let mut lines = Vec::new();
        if !self.removed.is_empty() {
            let n = self.removed.len();
            lines.push(format!(
                "removed {n} temporary file{} left by an interrupted run in {}",
                if n == 1 { "" } else { "s" },
                dir.display()
            ));
        }
        if !self.kept.is_empty() {
            let n = self.kept.len();
            lines.push(format!(
                "note: {} holds {n} temporary file{} of another ttx that may still be running; left alone",
                dir.display(),
                if n == 1 { "" } else { "s" }
            ));
        }
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
}

/// Remove the temporary files ([`AtomicFile`]'s) in `dir` that processes no longer
/// running left behind (killed mid-run, so they could not delete them). A file is removed
/// only if its name says it was written on this machine by a process that is not running,
/// and no process holds its lock: never another live process's. A directory that does
/// not exist has none.
pub fn remove_stale_temporaries(dir: &Path) -> io::Result<Cleanup> {
    let mut cleanup = Cleanup::default();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(cleanup),
        Err(e) => return Err(e),
    };
    let here = host();
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some((pid, host)) = temp_owner(name) else {
            continue;
        };
        if !entry.file_type()?.is_file() {
            continue;
        }
        let this_machine = host.is_none() || host == here.as_deref();
        found.push((entry.path(), this_machine && !may_be_running(pid)));
    }
    found.sort();
    for (path, stale) in found {
        if stale && !locked(&path) {
            match fs::remove_file(&path) {
                Ok(()) => cleanup.removed.push(path),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        } else {
            cleanup.kept.push(path);
        }
    }
    Ok(cleanup)
}

/// Whether some process holds the lock of the file at `path`.
fn locked(path: &Path) -> bool {
    match File::open(path) {
        Ok(f) => matches!(f.try_lock(), Err(TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

/// What committing a set of files did to the output directory
/// ([`super::CsvOutputs::commit_report`], a merge).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Committed {
    /// The files written, in order.
    pub written: Vec<PathBuf>,
    /// Those of them that replaced a file of the same name (from an earlier run).
    pub replaced: Vec<PathBuf>,
    /// ttx's own files of an earlier run that were removed, because they would not match
    /// the files written (a skipped file, a comparison's summaries after a run, a
    /// shard's manifest after a whole run).
    pub removed: Vec<PathBuf>,
}

impl Committed {
    /// One line naming the files replaced, and one naming the files removed and why;
    /// nothing if there were none.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(line) = list_line("replaced", &self.replaced, "(from an earlier run)") {
            notes.push(line);
        }
        let they = if self.removed.len() == 1 {
            "it"
        } else {
            "they"
        };
        if let Some(line) = list_line(
            "removed",
            &self.removed,
            &format!("(from an earlier run: {they} would not match the files just written)"),
        ) {
            notes.push(line);
        }
        notes
    }
}

/// `replaced results/x/runs.csv, platforms.csv (why)`: the first path in full, the others
/// by name when they are in the same directory.
fn list_line(verb: &str, paths: &[PathBuf], why: &str) -> Option<String> {
    let first = paths.first()?;
    let dir = first.parent();
    let rest: Vec<String> = paths[1..]
        .iter()
        .map(|p| match (p.parent(), p.file_name()) {
            (d, Some(name)) if d == dir => name.to_string_lossy().into_owned(),
            _ => p.display().to_string(),
        })
        .collect();
    let mut all = vec![first.display().to_string()];
    all.extend(rest);
    Some(format!("{verb} {} {why}", all.join(", ")))
}

/// Rename finished files into place in `dir`, then remove ttx's own files that an
/// earlier, different run left there (they would describe other runs than the ones
/// beside them).
pub(crate) fn commit_all(dir: &Path, files: Vec<AtomicFile>) -> io::Result<Committed> {
    let mut done = Committed::default();
    let mut files = files;
    // Everything on disk first: renames are all that is left after this.
    for f in &mut files {
        f.finish_writing()?;
        // The one failure of a rename that can be foreseen: found before any is made.
        if f.target().is_dir() {
            return Err(io::Error::other(format!(
                "{} is a directory",
                f.target().display()
            )));
        }
    }
    for f in files {
        let existed = f.target().is_file();
        let path = f.commit()?;
        if existed {
            done.replaced.push(path.clone());
        }
        done.written.push(path);
    }
    for name in OWN_FILES {
        let path = dir.join(name);
        if !done.written.contains(&path) && path.is_file() {
            std::fs::remove_file(&path)?;
            done.removed.push(path);
        }
    }
    Ok(done)
}

/// The SHA-256 of `bytes`, in hex (a scenario file's, an output file's).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_say_who_wrote_them() {
        assert_eq!(temp_owner(".runs.csv.tmp-123"), Some((123, None)));
        assert_eq!(temp_owner(".runs.csv.tmp-123.4"), Some((123, None)));
        assert_eq!(
            temp_owner(".runs.csv.tmp-123.4-node-7.example"),
            Some((123, Some("node-7.example")))
        );
        for not_ours in [
            "runs.csv",
            ".runs.csv",
            ".tmp-12",
            ".runs.csv.tmp-",
            ".runs.csv.tmp-x1",
            ".runs.csv.tmp-1.-h",
            ".runs.csv.tmp-1-",
        ] {
            assert_eq!(temp_owner(not_ours), None, "{not_ours}");
        }
        let name = temp_name("runs.csv");
        assert_eq!(temp_owner(&name).map(|o| o.0), Some(std::process::id()));
        assert_ne!(temp_name("runs.csv"), name, "two files never share a name");
    }

    #[test]
    fn appears_only_on_commit_and_vanishes_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("runs.csv");
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"a,b\n").unwrap();
        assert!(!target.exists());
        f.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "a,b\n");

        let mut g = AtomicFile::create(&target).unwrap();
        g.write_all(b"partial").unwrap();
        drop(g);
        assert_eq!(fs::read_to_string(&target).unwrap(), "a,b\n");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no stray temp file"
        );
    }
}
