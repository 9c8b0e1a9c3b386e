//! Progress of long work, reported through a callback the caller implements: a progress bar in
//! the CLI, a job status on the server, nothing in tests.

/// Receives the stages of a use case and their steps.
pub trait Progress {
    /// A new stage begins (the previous one ends), with `len` steps when they are known.
    fn stage(&mut self, name: &str, len: Option<u64>);
    /// What the current stage is doing now.
    fn message(&mut self, text: &str);
    /// `n` more steps of the current stage are done.
    fn advance(&mut self, n: u64);
    /// `done` of `total` steps of the current stage are done (when the total grows as work is
    /// discovered).
    fn position(&mut self, done: u64, total: u64) {
        let _ = (done, total);
    }
    /// The work waits for something outside it (another writer holds the store), and why.
    fn waiting(&mut self, why: &str) {
        self.message(why);
    }
}

/// Progress that nobody watches.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn stage(&mut self, _: &str, _: Option<u64>) {}
    fn message(&mut self, _: &str) {}
    fn advance(&mut self, _: u64) {}
}
