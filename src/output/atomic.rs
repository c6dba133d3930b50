//! A file that appears under its name only once completely written.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes to `.NAME.tmp-PID` beside the target; [`AtomicFile::commit`] flushes, syncs and
/// renames it into place. Dropped without commit, the temporary file is deleted.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(target: &Path) -> io::Result<Self> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let temp = target.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&temp)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flush and sync the temporary file (the last step that can fail before renaming).
    pub fn finish_writing(&mut self) -> io::Result<()> {
        if let Some(w) = self.writer.as_mut() {
            w.flush()?;
            w.get_ref().sync_all()?;
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
            Some(w) => w.write(buf),
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

#[cfg(test)]
mod tests {
    use super::*;

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
