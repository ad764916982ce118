//! Writing result folders safely: every file is written under a temporary name and renamed into
//! place, so an interrupted run never leaves a half-written file that looks complete; and a folder
//! that holds another scenario's results is not overwritten unless asked to.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The file in each result folder that says which scenario (by fingerprint) and which command
/// wrote it.
pub const MARKER: &str = ".cvpnsim-results";

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("output");
    let tmp = dir.join(format!(".{name}.partial-{}", std::process::id()));
    {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// A result folder claimed for one scenario.
#[derive(Debug)]
pub struct OutputDir {
    pub path: PathBuf,
    written: Vec<PathBuf>,
}

/// Why a folder cannot be used.
#[derive(Debug)]
pub enum OutputError {
    Io(PathBuf, io::Error),
    /// The folder holds results of something else.
    Foreign {
        path: PathBuf,
        found: String,
        wanted: String,
    },
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::Io(p, e) => write!(f, "cannot write {}: {e}", p.display()),
            OutputError::Foreign { path, found, wanted } => write!(
                f,
                "{} holds results of {found}, not of {wanted}: choose another folder with --out, or pass --force to replace them",
                path.display()
            ),
        }
    }
}

impl std::error::Error for OutputError {}

impl OutputDir {
    /// Claims `path` for results identified by `identity` (e.g. `run <name> sha256:<hash>`).
    /// An existing folder with results of another identity is refused unless `force`; a folder
    /// with files but no marker is refused too (it may hold a person's own files).
    pub fn claim(path: &Path, identity: &str, force: bool) -> Result<OutputDir, OutputError> {
        let io = |e| OutputError::Io(path.to_path_buf(), e);
        if path.exists() && !force {
            match fs::read_to_string(path.join(MARKER)) {
                Ok(found) if found.trim() == identity => {}
                Ok(found) => {
                    return Err(OutputError::Foreign {
                        path: path.to_path_buf(),
                        found: found.trim().to_string(),
                        wanted: identity.to_string(),
                    })
                }
                Err(_) => {
                    let has_files = fs::read_dir(path).map_err(io)?.next().is_some();
                    if has_files {
                        return Err(OutputError::Foreign {
                            path: path.to_path_buf(),
                            found: "files cvpnsim did not write".into(),
                            wanted: identity.to_string(),
                        });
                    }
                }
            }
        }
        fs::create_dir_all(path).map_err(io)?;
        write_atomic(&path.join(MARKER), format!("{identity}\n").as_bytes()).map_err(io)?;
        Ok(OutputDir {
            path: path.to_path_buf(),
            written: Vec::new(),
        })
    }

    /// Writes one file of the folder.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let p = self.path.join(name);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(|e| OutputError::Io(parent.to_path_buf(), e))?;
        }
        write_atomic(&p, bytes).map_err(|e| OutputError::Io(p.clone(), e))?;
        self.written.push(p);
        Ok(())
    }

    /// The files written so far, in order.
    pub fn written(&self) -> &[PathBuf] {
        &self.written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_another_scenarios_results_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        let mut a = OutputDir::claim(&out, "run a sha256:1", false).unwrap();
        a.write("summary.json", b"{}").unwrap();
        // The same scenario may write again.
        assert!(OutputDir::claim(&out, "run a sha256:1", false).is_ok());
        let e = OutputDir::claim(&out, "run b sha256:2", false).unwrap_err();
        assert!(e.to_string().contains("--force"), "{e}");
        assert!(OutputDir::claim(&out, "run b sha256:2", true).is_ok());
    }

    #[test]
    fn refuses_a_folder_of_someone_elses_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        assert!(OutputDir::claim(dir.path(), "run a sha256:1", false).is_err());
        // An empty folder is fine.
        let empty = tempfile::tempdir().unwrap();
        assert!(OutputDir::claim(empty.path(), "run a sha256:1", false).is_ok());
    }

    #[test]
    fn atomic_write_leaves_no_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        write_atomic(&p, b"a,b\n").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"a,b\n");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}
