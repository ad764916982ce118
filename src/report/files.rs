//! The one writer of result folders and output files. Its guarantees (ARCHITECTURE.md,
//! "report"):
//!
//! - **One writer per folder.** [`ResultsWriter::begin`] takes an exclusive advisory lock on
//!   `.<name>.lock` beside the folder and holds it until the writer is dropped, so a second
//!   writer is refused at once ([`OutputError::Busy`], naming the holder's pid and command).
//! - **Nothing is written in place.** Files go into a fresh staging folder beside the result
//!   folder (`.<name>.staging-<random>`, created exclusively); each file is created with
//!   `create_new` (`O_EXCL`: never through a planted symbolic link, never over a file).
//! - **The new set replaces the old set as a whole.** [`ResultsWriter::commit`] writes the
//!   folder's marker last, then exchanges the staging folder with the result folder in one
//!   `renameat2(RENAME_EXCHANGE)` on Linux (two renames elsewhere), then deletes the old set. A
//!   reader sees the old set or the new set, never a mix, and files of an earlier run (another
//!   scenario's `charts/*-busiest.*`) cannot survive a replacement.
//! - **Failure leaves the earlier result intact.** A writer dropped without `commit` (an error,
//!   a panic) removes its staging folder; on SIGINT or SIGTERM the handler installed by
//!   [`clean_up_on_interrupt`] removes every staging folder before the process exits. What a
//!   SIGKILL or a power cut leaves behind (a staging folder, or an old set moved aside in the
//!   middle of a two-rename swap) is recognised and cleaned or restored by the next writer of
//!   the same folder, under the lock.
//!
//! Single output files (`check --junit`, `import`) go through [`write_file`]: a
//! temporary file created exclusively beside the target, then linked into place without
//! replacing an existing file unless `force`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// The file in each result folder that says which scenario (by fingerprint) and which command
/// wrote it. Written last: a folder with a marker holds a complete set.
pub const MARKER: &str = ".cvpnsim-results";

/// Every name cvpnsim writes at the top of a results folder. A folder without a marker whose
/// entries are all among these (and temporary files of earlier versions) is recognised as an
/// interrupted result of ours and replaced; any other file makes the folder someone else's.
pub const KNOWN_NAMES: [&str; 16] = [
    MARKER,
    "summary.json",
    "timeseries.csv",
    "metrics.csv",
    "reachability.csv",
    "connection-log.jsonl",
    "report.html",
    "charts",
    "sweep.json",
    "sweep.csv",
    "sweep-summary.csv",
    "population.toml",
    "report.md",
    "arrivals.png",
    "sessions.png",
    "scenario.toml",
];

/// A file or folder name made safe: anything but ASCII letters, digits, `.`, `_` and `-`
/// becomes `_`, and a name of only dots (or nothing) becomes `fallback`. The one cleaning rule
/// for every name cvpnsim derives from user input (scenario names, population names).
pub fn clean_name(name: &str, fallback: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.trim_matches('.').is_empty() {
        fallback.to_string()
    } else {
        safe
    }
}

/// `results/<clean name><suffix>`: the default folder of a command for a scenario; it can never
/// point outside `results/` (`../../x` → `results/.._.._x`, `/abs` → `results/_abs`).
pub fn default_folder(name: &str, suffix: &str) -> PathBuf {
    Path::new("results").join(clean_name(&format!("{name}{suffix}"), "scenario"))
}

/// Why a folder or file cannot be written.
#[derive(Debug)]
pub enum OutputError {
    /// The file system refused (full disk, permissions, I/O error): exit code 3.
    Io(PathBuf, io::Error),
    /// The folder holds results of another scenario or command (`--force` replaces them).
    Foreign {
        path: PathBuf,
        found: String,
        wanted: String,
    },
    /// The folder holds files cvpnsim did not write; never replaced, even with `--force`.
    NotOurs { path: PathBuf, files: Vec<String> },
    /// Another cvpnsim process is writing the folder.
    Busy { path: PathBuf, holder: String },
    /// The path exists and is not a folder.
    NotADirectory(PathBuf),
    /// The path is a symbolic link: a results folder is replaced as a whole, so a link is
    /// neither followed nor replaced.
    Link(PathBuf),
    /// An output file exists and `--force` was not given.
    Exists(PathBuf),
}

impl OutputError {
    /// The exit code: 3 when the file system failed, 2 when the request was refused.
    pub fn exit_code(&self) -> u8 {
        match self {
            OutputError::Io(..) => 3,
            _ => 2,
        }
    }
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
            OutputError::NotOurs { path, files } => write!(
                f,
                "{} holds files cvpnsim did not write ({}): a results folder is replaced as a whole, so choose another folder with --out or empty this one",
                path.display(),
                files.join(", ")
            ),
            OutputError::Busy { path, holder } => write!(
                f,
                "{} is being written by another cvpnsim ({holder}): wait for it to finish or choose another folder with --out",
                path.display()
            ),
            OutputError::NotADirectory(p) => write!(
                f,
                "{} is not a directory: --out names a results folder",
                p.display()
            ),
            OutputError::Link(p) => write!(
                f,
                "{} is a symbolic link: give the folder it points to with --out",
                p.display()
            ),
            OutputError::Exists(p) => write!(
                f,
                "refusing to overwrite {}: it exists (pass --force to replace it)",
                p.display()
            ),
        }
    }
}

impl std::error::Error for OutputError {}

/// Where a test makes the writer fail (debug builds only, through `CVPNSIM_FAULT`):
/// `write:NAME` fails writing the file NAME, `commit` fails the final exchange, `pause:MS`
/// sleeps MS milliseconds before the exchange (to interrupt a writer at that point).
#[derive(Debug, Clone, PartialEq, Default)]
struct Faults {
    write: Option<String>,
    commit: bool,
    pause_ms: u64,
}

impl Faults {
    fn from_env() -> Faults {
        let mut f = Faults::default();
        if !cfg!(debug_assertions) {
            return f;
        }
        let Ok(spec) = std::env::var("CVPNSIM_FAULT") else {
            return f;
        };
        for part in spec.split(',') {
            match part.split_once(':') {
                Some(("write", name)) => f.write = Some(name.to_string()),
                Some(("pause", ms)) => f.pause_ms = ms.parse().unwrap_or(0),
                _ if part == "commit" => f.commit = true,
                _ => {}
            }
        }
        f
    }

    fn injected(what: &str) -> io::Error {
        io::Error::other(format!("injected failure ({what})"))
    }
}

/// Staging folders of live writers, removed by the interrupt handler.
static STAGING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn staging_list() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    STAGING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs (once) a SIGINT/SIGTERM handler that removes the staging folders of every live
/// writer, then exits with 128 + the signal number, as a shell would report it. An interrupted
/// command leaves the earlier results as they were and no temporary file.
pub fn clean_up_on_interrupt() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGINT, SIGTERM};
            if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
                std::thread::spawn(move || {
                    if let Some(sig) = signals.forever().next() {
                        // Holding the list also waits for a commit in progress to finish.
                        let list = staging_list();
                        for p in list.iter() {
                            let _ = fs::remove_dir_all(p);
                        }
                        eprintln!("interrupted: earlier results left as they were");
                        std::process::exit(128 + sig);
                    }
                });
            }
        }
    });
}

/// A random hexadecimal suffix: temporary names nobody can predict and plant a link at.
fn random_suffix() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// A result folder being written: the lock is held from [`ResultsWriter::begin`] until the
/// writer is dropped; files go to a staging folder that [`ResultsWriter::commit`] puts in place.
#[derive(Debug)]
pub struct ResultsWriter {
    /// The result folder.
    pub path: PathBuf,
    staging: PathBuf,
    identity: String,
    written: Vec<String>,
    committed: bool,
    faults: Faults,
    _lock: File,
}

impl ResultsWriter {
    /// Claims `path` for results identified by `identity` (e.g. `run <name> sha256:<hash>`):
    /// locks it, recovers what an interrupted writer left, checks that the folder is ours (an
    /// existing folder of another identity needs `force`; a folder with files cvpnsim did not
    /// write is refused) and opens a staging folder.
    pub fn begin(path: &Path, identity: &str, force: bool) -> Result<ResultsWriter, OutputError> {
        let path = folder_path(path)?;
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
            .ok_or_else(|| OutputError::NotADirectory(path.clone()))?;
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => return Err(OutputError::Link(path)),
            Ok(m) if !m.is_dir() => return Err(OutputError::NotADirectory(path)),
            _ => {}
        }
        fs::create_dir_all(&parent).map_err(|e| OutputError::Io(parent.clone(), e))?;
        let lock = lock(&parent.join(format!(".{name}.lock")), &path, identity)?;
        recover(&parent, &name, &path)?;
        check_owner(&path, identity, force)?;
        let staging = parent.join(format!(".{name}.staging-{}", random_suffix()));
        {
            let mut list = staging_list();
            fs::create_dir(&staging).map_err(|e| OutputError::Io(staging.clone(), e))?;
            list.push(staging.clone());
        }
        Ok(ResultsWriter {
            path,
            staging,
            identity: identity.to_string(),
            written: Vec::new(),
            committed: false,
            faults: Faults::from_env(),
            _lock: lock,
        })
    }

    /// Opens a new file of the set for streaming (a connection log as the run advances). The
    /// name is relative (`charts/x.png`); the file is created exclusively in the staging folder.
    pub fn create(&mut self, name: &str) -> Result<StagedWriter, OutputError> {
        let p = self.staging_path(name)?;
        if self.faults.write.as_deref() == Some(name) {
            return Err(OutputError::Io(
                self.path.join(name),
                Faults::injected("write"),
            ));
        }
        if let Some(dir) = p.parent() {
            fs::create_dir_all(dir).map_err(|e| OutputError::Io(self.path.join(name), e))?;
        }
        let f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
            .map_err(|e| OutputError::Io(self.path.join(name), e))?;
        self.written.push(name.to_string());
        Ok(BufWriter::with_capacity(1 << 16, Staged::new(f)))
    }

    /// Writes one file of the set, and asks for it to be written back at once (while the
    /// rest of the set is written), so that the commit's sync finds it on its way to disk.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let mut w = self.create(name)?;
        let target = self.path.join(name);
        w.write_all(bytes)
            .and_then(|()| w.flush())
            .map_err(|e| OutputError::Io(target, e))?;
        w.get_mut().start_writeback();
        Ok(())
    }

    /// Finishes a streamed file: flushes it, asks for its last bytes to be written back (while
    /// the rest of the set is rendered), and reports a failed write as this file's.
    pub fn finish(&self, name: &str, mut w: StagedWriter) -> Result<(), OutputError> {
        w.flush()
            .map_err(|e| OutputError::Io(self.path.join(name), e))?;
        w.get_mut().start_writeback();
        Ok(())
    }

    /// Syncs the files written so far to disk (the commit syncs every file again, finding
    /// these ones clean): a caller with other work to do meanwhile calls it on another thread.
    pub fn sync_written(&self) -> Result<(), OutputError> {
        sync_tree(&self.staging).map_err(|e| OutputError::Io(self.path.clone(), e))
    }

    /// Opens a file of the set written earlier, for reading it back before the commit (the
    /// second pass of a sweep's summary over its streamed rows). Only a name this writer
    /// created, never through a link.
    pub fn read_back(&self, name: &str) -> Result<File, OutputError> {
        let p = self.staging_path(name)?;
        if !self.written.iter().any(|n| n == name) {
            return Err(OutputError::Io(
                self.path.join(name),
                io::Error::new(io::ErrorKind::NotFound, "not written by this writer"),
            ));
        }
        let mut options = OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW);
        }
        options
            .open(&p)
            .map_err(|e| OutputError::Io(self.path.join(name), e))
    }

    fn staging_path(&self, name: &str) -> Result<PathBuf, OutputError> {
        let rel = Path::new(name);
        let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
        if !plain || name.is_empty() {
            return Err(OutputError::Io(
                self.path.join(name),
                io::Error::new(io::ErrorKind::InvalidInput, "not a plain relative name"),
            ));
        }
        Ok(self.staging.join(rel))
    }

    /// Puts the new set in place of the old one as a whole and returns the paths written, in
    /// order (the marker last).
    pub fn commit(mut self) -> Result<Vec<PathBuf>, OutputError> {
        let marker = format!("{}\n", self.identity);
        self.write(MARKER, marker.as_bytes())?;
        sync_tree(&self.staging).map_err(|e| OutputError::Io(self.path.clone(), e))?;
        if self.faults.pause_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(self.faults.pause_ms));
        }
        let mut list = staging_list();
        if self.faults.commit {
            return Err(OutputError::Io(
                self.path.clone(),
                Faults::injected("commit"),
            ));
        }
        let old = exchange(&self.staging, &self.path)
            .map_err(|e| OutputError::Io(self.path.clone(), e))?;
        list.retain(|p| p != &self.staging);
        self.committed = true;
        if let Some(old) = old {
            // The old set, now under a temporary name; nobody reads it any more.
            let _ = fs::remove_dir_all(old);
        }
        if let Some(parent) = self.path.parent() {
            let _ = File::open(parent).and_then(|d| d.sync_all());
        }
        drop(list);
        Ok(self.written.iter().map(|n| self.path.join(n)).collect())
    }
}

impl Drop for ResultsWriter {
    fn drop(&mut self) {
        if !self.committed {
            let mut list = staging_list();
            let _ = fs::remove_dir_all(&self.staging);
            list.retain(|p| p != &self.staging);
        }
    }
}

/// The folder as given, or resolved when it has no last name (`.`, `..`).
fn folder_path(path: &Path) -> Result<PathBuf, OutputError> {
    let named = matches!(path.components().next_back(), Some(Component::Normal(_)));
    if named {
        return Ok(path.to_path_buf());
    }
    fs::canonicalize(path).map_err(|e| OutputError::Io(path.to_path_buf(), e))
}

fn lock(lock_path: &Path, folder: &Path, identity: &str) -> Result<File, OutputError> {
    let io = |e| OutputError::Io(lock_path.to_path_buf(), e);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let mut f = options.open(lock_path).map_err(io)?;
    if !try_lock(&f).map_err(io)? {
        let mut holder = String::new();
        let _ = f.read_to_string(&mut holder);
        let holder = holder.trim();
        return Err(OutputError::Busy {
            path: folder.to_path_buf(),
            holder: if holder.is_empty() {
                "holder unknown".into()
            } else {
                holder.to_string()
            },
        });
    }
    f.set_len(0).map_err(io)?;
    write!(f, "pid {}, {identity}", std::process::id()).map_err(io)?;
    Ok(f)
}

/// An exclusive advisory lock (`flock`), released when the file is closed or the process ends:
/// `Ok(false)` when another process holds it.
#[cfg(unix)]
fn try_lock(f: &File) -> io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a file descriptor we own; no memory is passed.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    if e.kind() == io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
fn try_lock(_: &File) -> io::Result<bool> {
    Ok(true)
}

/// Under the lock: a folder moved aside by an interrupted two-rename swap is put back, and every
/// staging or old folder of this name (none can be live: we hold the lock) is removed.
fn recover(parent: &Path, name: &str, path: &Path) -> Result<(), OutputError> {
    let staging = format!(".{name}.staging-");
    let old = format!(".{name}.old-");
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let mut leftovers: Vec<(bool, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&staging) {
                Some((false, e.path()))
            } else if n.starts_with(&old) {
                Some((true, e.path()))
            } else {
                None
            }
        })
        .collect();
    leftovers.sort();
    for (is_old, p) in leftovers {
        if is_old && fs::symlink_metadata(path).is_err() {
            fs::rename(&p, path).map_err(|e| OutputError::Io(path.to_path_buf(), e))?;
        } else {
            let is_dir = fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir());
            let r = if is_dir {
                fs::remove_dir_all(&p)
            } else {
                fs::remove_file(&p)
            };
            r.map_err(|e| OutputError::Io(p.clone(), e))?;
        }
    }
    Ok(())
}

/// Whether the folder may be replaced by results of `identity`. A folder with a marker is a
/// complete set of ours (another identity needs `force`); one without a marker is ours only if
/// every entry has a name cvpnsim writes (an interrupted write of an earlier version, or an
/// empty folder).
fn check_owner(path: &Path, identity: &str, force: bool) -> Result<(), OutputError> {
    match fs::read_to_string(path.join(MARKER)) {
        Ok(found) if found.trim() == identity || force => return Ok(()),
        Ok(found) => {
            return Err(OutputError::Foreign {
                path: path.to_path_buf(),
                found: found.trim().to_string(),
                wanted: identity.to_string(),
            })
        }
        Err(_) => {}
    }
    let entries = match fs::read_dir(path) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(OutputError::Io(path.to_path_buf(), e)),
    };
    let mut foreign: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !KNOWN_NAMES.contains(&n.as_str()) && !is_old_temporary(n))
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    foreign.truncate(5);
    Err(OutputError::NotOurs {
        path: path.to_path_buf(),
        files: foreign,
    })
}

/// A buffered file of the staging folder, as [`ResultsWriter::create`] gives it.
pub type StagedWriter = BufWriter<Staged>;

/// Bytes written to a staged file between two requests to start writing them to disk.
const WRITEBACK: u64 = 8 << 20;

/// A file of the staging folder. On Linux, after every [`WRITEBACK`] bytes it asks the kernel
/// to start writing them to disk without waiting for it (`sync_file_range`), so that a long
/// run's files reach the disk while it runs and the commit's sync waits only for the last few
/// megabytes. The request is advice: a failure shows at the commit's sync, which checks every
/// byte.
#[derive(Debug)]
pub struct Staged {
    file: File,
    written: u64,
    /// Bytes already asked to be written back.
    started: u64,
}

impl Staged {
    fn new(file: File) -> Staged {
        Staged {
            file,
            written: 0,
            started: 0,
        }
    }

    #[cfg(target_os = "linux")]
    fn start_writeback(&mut self) {
        use std::os::unix::io::AsRawFd;
        if self.written == self.started {
            return;
        }
        let (from, len) = (self.started, self.written - self.started);
        if let (Ok(from), Ok(len)) = (i64::try_from(from), i64::try_from(len)) {
            // SAFETY: the descriptor is this file's, open for the call; the range is plain
            // integers and the call reads no memory of ours.
            unsafe {
                libc::sync_file_range(
                    self.file.as_raw_fd(),
                    from,
                    len,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        self.started = self.written;
    }

    #[cfg(not(target_os = "linux"))]
    fn start_writeback(&mut self) {
        self.started = self.written;
    }
}

impl Write for Staged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK {
            self.start_writeback();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// `.NAME.partial-PID`: the temporary files of earlier versions of cvpnsim.
fn is_old_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(".partial-")
}

/// Syncs every file under `dir`, then every folder, deepest first. The files are synced all at
/// once, a few threads each taking the next: a file system with a journal (ext4, XFS) commits
/// concurrent syncs together, where syncs one after another would each wait for a commit of
/// their own (a run's twenty-odd charts and pages took about 0.4 ms each).
fn sync_tree(dir: &Path) -> io::Result<()> {
    let (mut files, mut dirs) = (Vec::new(), Vec::new());
    list_tree(dir, &mut files, &mut dirs)?;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let sync_next = || -> io::Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        while let Some(f) = files.get(next.fetch_add(1, Relaxed)) {
            File::open(f)?.sync_all()?;
        }
        Ok(())
    };
    let threads = files.len().min(SYNC_THREADS);
    std::thread::scope(|s| {
        let others: Vec<_> = (1..threads).map(|_| s.spawn(sync_next)).collect();
        let mine = sync_next();
        others
            .into_iter()
            .map(|t| t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .fold(mine, |all, r| all.and(r))
    })?;
    dirs.reverse();
    for d in dirs {
        File::open(d)?.sync_all()?;
    }
    Ok(())
}

/// Threads that sync a set's files at once.
const SYNC_THREADS: usize = 8;

/// The files under `dir` and the folders (`dir` first, each before what it holds).
fn list_tree(dir: &Path, files: &mut Vec<PathBuf>, dirs: &mut Vec<PathBuf>) -> io::Result<()> {
    dirs.push(dir.to_path_buf());
    for e in fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            list_tree(&e.path(), files, dirs)?;
        } else {
            files.push(e.path());
        }
    }
    Ok(())
}

/// Puts `new` at `path`, returning where the old folder now is (to be removed), if any.
fn exchange(new: &Path, path: &Path) -> io::Result<Option<PathBuf>> {
    if fs::symlink_metadata(path).is_err() {
        fs::rename(new, path)?;
        return Ok(None);
    }
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let a = CString::new(new.as_os_str().as_bytes())?;
        let b = CString::new(path.as_os_str().as_bytes())?;
        // SAFETY: both are valid NUL-terminated paths; AT_FDCWD resolves them like rename(2).
        let r = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if r == 0 {
            return Ok(Some(new.to_path_buf()));
        }
        let e = io::Error::last_os_error();
        if !matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            return Err(e);
        }
    }
    // Two renames: an interruption between them leaves `.NAME.old-*`, put back by `recover`.
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let old = path
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.old-{}", random_suffix()));
    fs::rename(path, &old)?;
    if let Err(e) = fs::rename(new, path) {
        let _ = fs::rename(&old, path);
        return Err(e);
    }
    Ok(Some(old))
}

/// Writes one output file: to a temporary file created exclusively beside it (unpredictable
/// name, never through a link), then into place. Without `force` an existing file is never
/// replaced (the link into place fails if one appeared meanwhile); a folder is never replaced.
/// On any failure the temporary file is removed and an existing file is left as it was.
pub fn write_file(path: &Path, bytes: &[u8], force: bool) -> Result<(), OutputError> {
    let err = |e| OutputError::Io(path.to_path_buf(), e);
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(OutputError::Io(
                path.to_path_buf(),
                io::Error::new(io::ErrorKind::IsADirectory, "is a directory"),
            ))
        }
        Ok(_) if !force => return Err(OutputError::Exists(path.to_path_buf())),
        _ => {}
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", random_suffix()));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(err)?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(err)?;
        if force {
            fs::rename(&tmp, path).map_err(err)
        } else {
            match fs::hard_link(&tmp, path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    Err(OutputError::Exists(path.to_path_buf()))
                }
                // A file system without hard links: check, then rename.
                Err(_) if fs::symlink_metadata(path).is_err() => {
                    fs::rename(&tmp, path).map_err(err)
                }
                Err(_) => Err(OutputError::Exists(path.to_path_buf())),
            }
        }
    })();
    let _ = fs::remove_file(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn write_set(out: &Path, identity: &str, files: &[(&str, &str)], force: bool) {
        let mut w = ResultsWriter::begin(out, identity, force).unwrap();
        for (n, b) in files {
            w.write(n, b.as_bytes()).unwrap();
        }
        w.commit().unwrap();
    }

    /// A staged file asks for write-back after every 8 MiB and for the rest when finished; the
    /// bytes are those written, through the buffer and in any chunk sizes.
    #[test]
    fn staged_files_are_written_back_as_they_grow() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut w = ResultsWriter::begin(&out, "t", false).unwrap();
        let mut f = w.create("big.csv").unwrap();
        let mut want = Vec::new();
        let mut k = 0u64;
        while want.len() < 20 << 20 {
            let line = format!("{k},{}\n", k * 7919 % 100_003);
            f.write_all(line.as_bytes()).unwrap();
            want.extend_from_slice(line.as_bytes());
            k += 1;
        }
        let staged = f.get_ref();
        assert!(staged.written >= 16 << 20, "{}", staged.written);
        assert!(staged.written - staged.started < WRITEBACK + (1 << 16));
        assert!(staged.started >= 2 * WRITEBACK);
        w.finish("big.csv", f).unwrap();
        w.commit().unwrap();
        assert_eq!(fs::read(out.join("big.csv")).unwrap(), want);
    }

    /// A set's tree is listed whole, every folder before what it holds (so the sync, which
    /// takes the folders in reverse, syncs a folder after its contents), and synced on several
    /// threads; a folder that is not there is an error, not a silent success.
    #[test]
    fn a_tree_is_synced_whole_folders_after_their_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("set");
        let mut want = Vec::new();
        for d in ["", "charts", "charts/deep"] {
            fs::create_dir_all(root.join(d)).unwrap();
            for i in 0..12 {
                let p = root.join(d).join(format!("f{i}"));
                fs::write(&p, format!("{d}{i}")).unwrap();
                want.push(p);
            }
        }
        let (mut files, mut dirs) = (Vec::new(), Vec::new());
        list_tree(&root, &mut files, &mut dirs).unwrap();
        files.sort();
        want.sort();
        assert_eq!(files, want);
        assert_eq!(
            dirs,
            [root.clone(), root.join("charts"), root.join("charts/deep")]
        );
        sync_tree(&root).unwrap();
        assert!(sync_tree(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn names_are_cleaned_into_the_results_folder() {
        assert_eq!(default_folder("two-az", ""), Path::new("results/two-az"));
        assert_eq!(
            default_folder("../../../escaped", "-sweep"),
            Path::new("results/.._.._.._escaped-sweep")
        );
        assert_eq!(
            default_folder("/abs/elsewhere", "-sweep-shard-1-of-2"),
            Path::new("results/_abs_elsewhere-sweep-shard-1-of-2")
        );
        assert_eq!(default_folder("..", ""), Path::new("results/scenario"));
        assert_eq!(default_folder("a b/c", ""), Path::new("results/a_b_c"));
    }

    #[test]
    fn refuses_another_scenarios_results_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        write_set(&out, "run a sha256:1", &[("summary.json", "{}")], false);
        // The same scenario may write again.
        write_set(&out, "run a sha256:1", &[("summary.json", "{}")], false);
        let e = ResultsWriter::begin(&out, "run b sha256:2", false).unwrap_err();
        assert!(e.to_string().contains("--force"), "{e}");
        assert_eq!(e.exit_code(), 2);
        assert!(ResultsWriter::begin(&out, "run b sha256:2", true).is_ok());
    }

    #[test]
    fn a_replacement_leaves_nothing_of_the_old_set() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        write_set(
            &out,
            "run a sha256:1",
            &[("summary.json", "a"), ("charts/a-busiest.png", "a")],
            false,
        );
        write_set(&out, "run b sha256:2", &[("summary.json", "b")], true);
        assert_eq!(names(&out), [MARKER, "summary.json"]);
        assert_eq!(fs::read_to_string(out.join("summary.json")).unwrap(), "b");
        // Nothing but the folder and its lock file beside it.
        assert_eq!(names(dir.path()), [".r.lock", "r"]);
    }

    #[test]
    fn refuses_a_folder_of_someone_elses_files_even_forced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let e = ResultsWriter::begin(dir.path(), "run a sha256:1", true).unwrap_err();
        assert!(e.to_string().contains("notes.txt"), "{e}");
        // An empty folder is fine.
        let empty = tempfile::tempdir().unwrap();
        assert!(ResultsWriter::begin(empty.path(), "run a sha256:1", false).is_ok());
    }

    #[test]
    fn a_second_writer_is_refused_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        let first = ResultsWriter::begin(&out, "run a sha256:1", false).unwrap();
        let e = ResultsWriter::begin(&out, "run a sha256:1", false).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id())) && msg.contains("run a"),
            "{msg}"
        );
        drop(first);
        assert!(ResultsWriter::begin(&out, "run a sha256:1", false).is_ok());
    }

    #[test]
    fn a_failed_write_keeps_the_old_set_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        write_set(&out, "run a sha256:1", &[("summary.json", "old")], false);
        {
            let mut w = ResultsWriter::begin(&out, "run a sha256:1", false).unwrap();
            w.write("timeseries.csv", b"new").unwrap();
            // Dropped without commit, as on an error.
        }
        assert_eq!(fs::read_to_string(out.join("summary.json")).unwrap(), "old");
        assert_eq!(names(&out), [MARKER, "summary.json"]);
        assert_eq!(names(dir.path()), [".r.lock", "r"]);
    }

    #[test]
    fn leftovers_of_a_killed_writer_are_recovered() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        write_set(&out, "run a sha256:1", &[("summary.json", "old")], false);
        // Killed between the two renames of a swap: the old set is aside, a staging folder
        // remains.
        fs::rename(&out, dir.path().join(".r.old-0123")).unwrap();
        fs::create_dir(dir.path().join(".r.staging-4567")).unwrap();
        fs::write(dir.path().join(".r.staging-4567/summary.json"), "half").unwrap();
        write_set(&out, "run a sha256:1", &[("summary.json", "new")], false);
        assert_eq!(fs::read_to_string(out.join("summary.json")).unwrap(), "new");
        assert_eq!(names(dir.path()), [".r.lock", "r"]);
    }

    #[test]
    fn a_folder_whose_marker_write_was_interrupted_is_ours() {
        // What earlier versions left when killed while writing the marker.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        fs::create_dir(&out).unwrap();
        fs::write(out.join(".cvpnsim-results.partial-999"), "run a").unwrap();
        fs::write(out.join("timeseries.csv"), "x").unwrap();
        write_set(&out, "run a sha256:1", &[("summary.json", "new")], false);
        assert_eq!(names(&out), [MARKER, "summary.json"]);
    }

    #[test]
    fn a_file_or_link_is_not_a_results_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, "x").unwrap();
        let e = ResultsWriter::begin(&file, "run a sha256:1", true).unwrap_err();
        assert!(e.to_string().contains("not a directory"), "{e}");
        #[cfg(unix)]
        {
            let link = dir.path().join("l");
            std::os::unix::fs::symlink(dir.path(), &link).unwrap();
            let e = ResultsWriter::begin(&link, "run a sha256:1", true).unwrap_err();
            assert!(matches!(e, OutputError::Link(_)), "{e}");
            assert_eq!(e.exit_code(), 2);
        }
    }

    #[test]
    fn single_files_are_not_overwritten_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.xml");
        write_file(&p, b"one", false).unwrap();
        let e = write_file(&p, b"two", false).unwrap_err();
        assert!(matches!(e, OutputError::Exists(_)), "{e}");
        assert_eq!(fs::read(&p).unwrap(), b"one");
        write_file(&p, b"two", true).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(names(dir.path()), ["x.xml"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_link_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let p = dir.path().join("x.xml");
        std::os::unix::fs::symlink(&victim, &p).unwrap();
        // The link is replaced by a file; its target is untouched.
        write_file(&p, b"out", true).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(fs::read(&p).unwrap(), b"out");
        assert!(!fs::symlink_metadata(&p).unwrap().file_type().is_symlink());
    }
}
