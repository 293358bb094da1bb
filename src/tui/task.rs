//! Background work. Network calls, the clipboard and timers run as tasks that report on one
//! channel; the event loop drains it and hands each result to `App::update`. Every task can
//! be cancelled (Esc), and a result from a cancelled task is ignored.

use std::future::Future;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::AbortHandle;

use super::outcome::Outcome;

/// A finished task: which one, and what it produced.
#[derive(Debug)]
pub struct TaskResult {
    pub id: u64,
    pub outcome: Outcome,
}

struct Running {
    id: u64,
    label: String,
    abort: AbortHandle,
}

/// The tasks in flight and the channel they report on.
pub struct Tasks {
    tx: UnboundedSender<TaskResult>,
    running: Vec<Running>,
    next_id: u64,
}

impl Tasks {
    pub fn new() -> (Tasks, UnboundedReceiver<TaskResult>) {
        let (tx, rx) = unbounded_channel();
        let tasks = Tasks {
            tx,
            running: Vec::new(),
            next_id: 1,
        };
        (tasks, rx)
    }

    /// Runs `work` in the background; its outcome comes back as an `Action::Task`.
    /// `label` says what is happening ("discovering", "POST /token") beside the spinner.
    pub fn spawn<F>(&mut self, label: impl Into<String>, work: F) -> u64
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        let id = self.next_id;
        self.next_id += 1;
        let tx = self.tx.clone();
        let handle = tokio::spawn(async move {
            let outcome = work.await;
            // The loop may have ended (quit): nobody wants the result then.
            let _ = tx.send(TaskResult { id, outcome });
        });
        self.running.push(Running {
            id,
            label: label.into(),
            abort: handle.abort_handle(),
        });
        id
    }

    /// A sender for results that are not tasks of their own (the exchange feed).
    pub fn sender(&self) -> UnboundedSender<TaskResult> {
        self.tx.clone()
    }

    /// Aborts one task (a redirect wait that another way of signing in made pointless).
    pub fn cancel(&mut self, id: u64) {
        if let Some(index) = self.running.iter().position(|r| r.id == id) {
            self.running.remove(index).abort.abort();
        }
    }

    /// Marks `id` finished. False when it was cancelled, so its result must be dropped.
    pub fn finish(&mut self, id: u64) -> bool {
        let before = self.running.len();
        self.running.retain(|r| r.id != id);
        self.running.len() != before
    }

    /// Aborts every task in flight; returns what was cancelled, for the status line.
    pub fn cancel_all(&mut self) -> Vec<String> {
        self.running
            .drain(..)
            .map(|r| {
                r.abort.abort();
                r.label
            })
            .collect()
    }

    pub fn is_busy(&self) -> bool {
        !self.running.is_empty()
    }

    /// What the spinner says: the most recent task's label.
    pub fn current_label(&self) -> Option<&str> {
        self.running.last().map(|r| r.label.as_str())
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        self.cancel_all();
    }
}
