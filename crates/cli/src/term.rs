//! Terminal plumbing: stdout that treats a closed pipe as success, a progress display that only
//! appears on a terminal, and log lines that do not clobber it.

use std::io::{IsTerminal, Write};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use custseg_engine::Monitor;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static BAR: OnceLock<Mutex<Option<ProgressBar>>> = OnceLock::new();

fn bar_slot() -> &'static Mutex<Option<ProgressBar>> {
    BAR.get_or_init(|| Mutex::new(None))
}

/// Writes to stdout; a broken pipe (`custseg ... | head`) ends output quietly.
pub struct Out {
    lock: std::io::StdoutLock<'static>,
    closed: bool,
}

impl Out {
    /// Locks stdout.
    pub fn new() -> Out {
        Out { lock: std::io::stdout().lock(), closed: false }
    }

    /// Writes one line.
    ///
    /// # Errors
    /// I/O errors other than a broken pipe.
    pub fn line(&mut self, s: impl AsRef<str>) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match writeln!(self.lock, "{}", s.as_ref()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}

/// Sets up logging to stderr (`CUSTSEG_LOG=debug` for more), through the progress bar.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUSTSEG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal())
        .with_writer(|| SuspendingStderr)
        .try_init();
}

/// Stderr writer that hides the progress bar while a log line is written.
struct SuspendingStderr;

impl Write for SuspendingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let guard = bar_slot().lock().ok();
        match guard.as_ref().and_then(|g| g.as_ref()) {
            Some(bar) => bar.suspend(|| std::io::stderr().write(buf)),
            None => std::io::stderr().write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// The rows read and the stage, shown as a spinner on stderr while `work` runs, when stderr is a
/// terminal.
pub fn with_progress<T>(quiet: bool, label: &str, work: impl FnOnce(Option<Monitor>) -> T) -> T {
    if quiet || !std::io::stderr().is_terminal() {
        return work(None);
    }
    let monitor = Monitor::new();
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    if let Ok(mut slot) = bar_slot().lock() {
        *slot = Some(bar.clone());
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ticker = {
        let (bar, monitor, stop, label) = (bar.clone(), monitor.clone(), stop.clone(), label.to_string());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let rows = group(monitor.rows().load(Ordering::Relaxed));
                let stage = match monitor.stage() {
                    "queued" | "ingest" => label.clone(),
                    other => other.to_string(),
                };
                bar.set_message(format!("{stage}: {rows} rows read"));
                bar.tick();
                std::thread::sleep(Duration::from_millis(120));
            }
        })
    };
    let result = work(Some(monitor));
    stop.store(true, Ordering::Relaxed);
    let _ = ticker.join();
    bar.finish_and_clear();
    if let Ok(mut slot) = bar_slot().lock() {
        *slot = None;
    }
    result
}

/// `1234567` -> `1,234,567`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_thousands() {
        assert_eq!(super::group(0), "0");
        assert_eq!(super::group(6919), "6,919");
        assert_eq!(super::group(10_738_768), "10,738,768");
    }
}
