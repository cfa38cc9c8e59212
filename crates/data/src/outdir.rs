//! A run's output directory while a run writes it: locked against a second run, written in a
//! hidden staging directory, then exposed with `run.json` last.
//!
//! The protocol, so that a reader (the report, the server, a person) never mixes two runs:
//! 1. [`OutputDir::open`] takes an exclusive `flock` on `DIR/.custseg.lock` (released by the
//!    kernel when the process ends, so a killed run leaves no stale lock), removes what dead runs
//!    left (staging directories, temporary files), checks every output path (none may be a
//!    directory or one of the run's inputs) and creates `DIR/.custseg-staging-XXXXXX`.
//! 2. The run writes every file into the staging directory.
//! 3. [`OutputDir::publish`] removes `DIR/run.json`, moves each file into place, removes the
//!    outputs of earlier runs that this run did not write, and moves `run.json` in last.
//!
//! So `run.json` present means every file it lists is from the run it describes; a run killed
//! while publishing leaves no `run.json`, and readers refuse the directory until the next run.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{DataError, Result};

/// Every file name a run may write into its output directory; what this run did not write is
/// removed when it publishes, so the directory holds one run's files.
pub const RUN_OUTPUTS: &[&str] = &[
    "customers.csv",
    "customers.parquet",
    "segments.csv",
    "crosstab.csv",
    "playbook.csv",
    "quality.json",
    "rejects.csv",
    "model.json",
    "matrix.csv",
    "wallet.csv",
    "lookalike.csv",
    "report.html",
    "clusters.csv",
    "cluster_selection.csv",
    "cluster_points.csv",
    "cluster_model.json",
    "migration.csv",
    "alerts.csv",
    "run.json",
];

/// The manifest, moved into place last.
pub const MANIFEST: &str = "run.json";

const LOCK_FILE: &str = ".custseg.lock";

/// Environment variable that aborts the process at a point of a run's publication, the test
/// seam for "a run killed while publishing": `staged` (every file written, nothing published;
/// checked by the pipeline through [`crash_point`]) or `publish:N` (after moving N files).
pub const CRASH_AT_VAR: &str = "CUSTSEG_CRASH_AT";

/// Aborts the process when [`CRASH_AT_VAR`] names `point`.
pub fn crash_point(point: &str) {
    if std::env::var(CRASH_AT_VAR).is_ok_and(|v| v == point) {
        std::process::abort();
    }
}
const STAGING_PREFIX: &str = ".custseg-staging-";

/// An output directory being written by this process.
#[derive(Debug)]
pub struct OutputDir {
    dir: PathBuf,
    staging: PathBuf,
    published: bool,
    /// Holds the lock until dropped.
    _lock: File,
}

impl OutputDir {
    /// Locks `dir` (created if needed) for this run and prepares its staging directory. `inputs`
    /// are the run's input files and directories: no output may replace one.
    ///
    /// # Errors
    /// [`DataError::Busy`] when another run holds the directory, [`DataError::OutputPath`] when
    /// an output path is a directory or an input, and I/O errors naming the path.
    pub fn open(dir: &Path, inputs: &[&Path]) -> Result<OutputDir> {
        std::fs::create_dir_all(dir).map_err(DataError::io("create directory", dir))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(DataError::io("create", &lock_path))?;
        lock_exclusive(&lock).map_err(|_| DataError::Busy { dir: dir.to_path_buf() })?;
        remove_leftovers(dir);
        check_paths(dir, inputs)?;
        let staging = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(dir)
            .map_err(DataError::io("create a staging directory in", dir))?
            .keep();
        Ok(OutputDir { dir: dir.to_path_buf(), staging, published: false, _lock: lock })
    }

    /// Where the run writes its files.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// The output directory itself.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Moves the staged files into place, `run.json` last, and removes earlier runs' outputs
    /// that this run did not write.
    ///
    /// # Errors
    /// I/O errors naming the file; the directory then has no `run.json`.
    pub fn publish(mut self) -> Result<()> {
        let mut names: Vec<String> = std::fs::read_dir(&self.staging)
            .map_err(DataError::io("read", &self.staging))?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        for name in &names {
            check_not_dir(&self.dir.join(name))?;
        }
        let manifest = self.dir.join(MANIFEST);
        match std::fs::remove_file(&manifest) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(DataError::Io { action: "remove", path: manifest, source: e });
            }
            _ => {}
        }
        for (k, name) in names.iter().filter(|n| n.as_str() != MANIFEST).enumerate() {
            let to = self.dir.join(name);
            crate::sink::replace_file(&self.staging.join(name), &to).map_err(DataError::io("replace", &to))?;
            crash_point(&format!("publish:{}", k + 1));
        }
        for old in RUN_OUTPUTS.iter().filter(|o| !names.iter().any(|n| n == *o)) {
            let path = self.dir.join(old);
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                std::fs::remove_file(&path).map_err(DataError::io("remove", &path))?;
            }
        }
        if names.iter().any(|n| n == MANIFEST) {
            std::fs::rename(self.staging.join(MANIFEST), &manifest).map_err(DataError::io("replace", &manifest))?;
        }
        self.published = true;
        let _ = std::fs::remove_dir_all(&self.staging);
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        // a run that failed leaves the directory as it was
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(target_os = "linux")]
fn lock_exclusive(file: &File) -> std::io::Result<()> {
    rustix::fs::flock(file, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn lock_exclusive(file: &File) -> std::io::Result<()> {
    file.try_lock().map_err(|e| std::io::Error::other(e.to_string()))
}

/// Removes what runs killed while writing left: staging directories and temporary files (the
/// lock is held, so no live run owns them).
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && name.starts_with(STAGING_PREFIX) {
            let _ = std::fs::remove_dir_all(&path);
        } else if !is_dir && name.starts_with('.') && (name.ends_with(".tmp") || name.starts_with(".custseg-utf8-")) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Every output path of `dir` must not be a directory, nor one of the run's `inputs`, and the
/// directory must not be an input directory (its outputs would be read as input next time).
fn check_paths(dir: &Path, inputs: &[&Path]) -> Result<()> {
    let inputs: Vec<PathBuf> = inputs.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let here = dir.canonicalize().map_err(DataError::io("read", dir))?;
    if inputs.contains(&here) {
        return Err(DataError::OutputPath {
            path: dir.to_path_buf(),
            why: "it is the input directory, whose files custseg reads as transactions".into(),
        });
    }
    for name in RUN_OUTPUTS {
        let path = dir.join(name);
        check_not_dir(&path)?;
        if let Ok(c) = path.canonicalize()
            && inputs.contains(&c)
        {
            return Err(DataError::OutputPath {
                path,
                why: "it is one of this run's inputs, which custseg never writes over".into(),
            });
        }
    }
    Ok(())
}

fn check_not_dir(path: &Path) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(DataError::OutputPath { path: path.to_path_buf(), why: "a directory is in the way".into() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_second_run_is_refused_while_the_first_writes() {
        let t = tempdir();
        let first = OutputDir::open(t.path(), &[]).unwrap_or_else(|e| panic!("{e}"));
        let second = OutputDir::open(t.path(), &[]);
        assert!(matches!(second, Err(DataError::Busy { .. })), "{second:?}");
        drop(first);
        assert!(OutputDir::open(t.path(), &[]).is_ok());
    }

    #[test]
    fn publish_exposes_one_run_and_run_json_last() {
        let t = tempdir();
        let write = |dir: &Path, name: &str, text: &str| {
            std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
        };
        // an earlier run's files, and a dead run's leftovers
        write(t.path(), "customers.csv", "old");
        write(t.path(), "clusters.csv", "old");
        write(t.path(), "run.json", "old");
        write(t.path(), "notes.txt", "the user's");
        write(t.path(), ".customers.csv.123.tmp", "dead");
        std::fs::create_dir(t.path().join(".custseg-staging-dead")).unwrap_or_else(|e| panic!("{e}"));
        let out = OutputDir::open(t.path(), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(!t.path().join(".customers.csv.123.tmp").exists());
        assert!(!t.path().join(".custseg-staging-dead").exists());
        write(out.staging(), "customers.csv", "new");
        write(out.staging(), "run.json", "new");
        // nothing is visible before publishing
        assert_eq!(std::fs::read_to_string(t.path().join("customers.csv")).unwrap_or_default(), "old");
        out.publish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read_to_string(t.path().join("customers.csv")).unwrap_or_default(), "new");
        assert_eq!(std::fs::read_to_string(t.path().join("run.json")).unwrap_or_default(), "new");
        assert!(!t.path().join("clusters.csv").exists(), "an earlier run's output this run did not write");
        assert!(t.path().join("notes.txt").exists(), "not custseg's");
        let hidden: Vec<String> = std::fs::read_dir(t.path())
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.') && n != LOCK_FILE)
            .collect();
        assert!(hidden.is_empty(), "{hidden:?}");
    }

    #[test]
    fn inputs_and_directories_in_the_way_are_refused_before_anything_is_written() {
        let t = tempdir();
        let master = t.path().join("customers.csv");
        std::fs::write(&master, "customer_id\na\n").unwrap_or_else(|e| panic!("{e}"));
        let err = OutputDir::open(t.path(), &[&master]);
        assert!(matches!(&err, Err(DataError::OutputPath { why, .. }) if why.contains("input")), "{err:?}");
        let err = OutputDir::open(t.path(), &[t.path()]);
        assert!(matches!(&err, Err(DataError::OutputPath { why, .. }) if why.contains("input directory")), "{err:?}");
        let other = tempdir();
        std::fs::create_dir(other.path().join("segments.csv")).unwrap_or_else(|e| panic!("{e}"));
        let err = OutputDir::open(other.path(), &[]);
        assert!(matches!(&err, Err(DataError::OutputPath { why, .. }) if why.contains("directory")), "{err:?}");
        assert_eq!(std::fs::read_to_string(&master).unwrap_or_default(), "customer_id\na\n");
    }
}
