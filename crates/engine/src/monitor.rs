//! What a caller watches and controls of a running job: the rows read so far, the stage it is
//! in, and a cancel flag the job checks between stages (the server's `DELETE /runs/{id}`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use custseg_data::ingest::Progress;

use crate::error::{EngineError, Result};

/// The stages a run goes through, in order.
pub const STAGES: [&str; 6] = ["queued", "ingest", "features", "classify", "write", "store"];

/// A running job's counters, shared between the job and whoever watches it. Cloning shares them.
#[derive(Debug, Clone, Default)]
pub struct Monitor {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    rows: Progress,
    stage: AtomicU8,
    cancel: AtomicBool,
}

impl Monitor {
    /// A monitor at stage `queued` with no rows read.
    pub fn new() -> Monitor {
        Monitor::default()
    }

    /// The row counter the ingest stage advances.
    pub fn rows(&self) -> &Progress {
        &self.inner.rows
    }

    /// The stage the job is in (one of [`STAGES`]).
    pub fn stage(&self) -> &'static str {
        STAGES[usize::from(self.inner.stage.load(Ordering::Relaxed)).min(STAGES.len() - 1)]
    }

    /// Asks the job to stop at its next stage boundary.
    pub fn cancel(&self) {
        self.inner.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether [`Monitor::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.load(Ordering::Relaxed)
    }

    /// Enters `stage`, unless the job was cancelled.
    ///
    /// # Errors
    /// [`EngineError::Cancelled`] once [`Monitor::cancel`] was called.
    pub fn enter(&self, stage: &'static str) -> Result<()> {
        if self.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        if let Some(k) = STAGES.iter().position(|s| *s == stage) {
            self.inner.stage.store(k as u8, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Enters `stage` on an optional monitor.
pub(crate) fn enter(monitor: Option<&Monitor>, stage: &'static str) -> Result<()> {
    monitor.map_or(Ok(()), |m| m.enter(stage))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_advance_until_cancelled() {
        let m = Monitor::new();
        assert_eq!(m.stage(), "queued");
        m.enter("features").expect("not cancelled");
        assert_eq!(m.stage(), "features");
        m.clone().cancel();
        assert!(matches!(m.enter("write"), Err(EngineError::Cancelled)));
        assert_eq!(m.stage(), "features");
    }
}
