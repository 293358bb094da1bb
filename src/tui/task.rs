//! Background work as the app sees it. Network calls, the clipboard and timers run as tasks
//! that report on one channel; the app only books them here, and `App::update` returns the
//! bookings as [`Effect`]s that the event loop starts. Every task can be cancelled (Esc),
//! and a result from a cancelled task is ignored.

use std::future::Future;

use super::effect::{Effect, UNTRACKED};
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
}

/// The tasks in flight, and the spawns and aborts not yet handed to the loop.
pub struct Tasks {
    running: Vec<Running>,
    queued: Vec<Effect>,
    next_id: u64,
}

impl Default for Tasks {
    fn default() -> Tasks {
        Tasks {
            running: Vec::new(),
            queued: Vec::new(),
            next_id: UNTRACKED + 1,
        }
    }
}

impl Tasks {
    /// Books `work` to run in the background; its outcome comes back as an `Action::Task`.
    /// `label` says what is happening ("discovering", "POST /token") beside the spinner.
    /// Nothing runs until the loop executes the effects of this update.
    pub fn spawn<F>(&mut self, label: impl Into<String>, work: F) -> u64
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        let id = self.next_id;
        self.next_id += 1;
        self.queued.push(Effect::Spawn {
            id,
            work: Box::pin(work),
        });
        self.running.push(Running {
            id,
            label: label.into(),
        });
        id
    }

    /// Cancels one task (a redirect wait that another way of signing in made pointless).
    pub fn cancel(&mut self, id: u64) {
        if let Some(index) = self.running.iter().position(|r| r.id == id) {
            self.running.remove(index);
            self.abort(id);
        }
    }

    /// Marks `id` finished. False when it was cancelled, so its result must be dropped.
    pub fn finish(&mut self, id: u64) -> bool {
        let before = self.running.len();
        self.running.retain(|r| r.id != id);
        self.running.len() != before
    }

    /// Cancels every task in flight; returns what was cancelled, for the status line.
    pub fn cancel_all(&mut self) -> Vec<String> {
        let cancelled: Vec<Running> = self.running.drain(..).collect();
        cancelled
            .into_iter()
            .map(|r| {
                self.abort(r.id);
                r.label
            })
            .collect()
    }

    /// A spawn still queued is dropped unstarted; a started one gets an abort.
    fn abort(&mut self, id: u64) {
        let queued = self
            .queued
            .iter()
            .position(|e| matches!(e, Effect::Spawn { id: queued, .. } if *queued == id));
        match queued {
            Some(index) => drop(self.queued.remove(index)),
            None => self.queued.push(Effect::Abort(id)),
        }
    }

    /// The spawns and aborts booked since the last call, in order.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.queued)
    }

    pub fn is_busy(&self) -> bool {
        !self.running.is_empty()
    }

    /// What the spinner says: the most recent task's label.
    pub fn current_label(&self) -> Option<&str> {
        self.running.last().map(|r| r.label.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(effects: &[Effect]) -> Vec<String> {
        effects.iter().map(|e| format!("{e:?}")).collect()
    }

    #[test]
    fn a_spawn_is_booked_not_run_and_cancelling_it_unbooks_it() {
        let mut tasks = Tasks::default();
        let first = tasks.spawn("discovering", async { Outcome::PollDue { generation: 1 } });
        let second = tasks.spawn("POST /token", async { Outcome::PollDue { generation: 2 } });
        assert_eq!(tasks.current_label(), Some("POST /token"));
        tasks.cancel(first);
        assert_eq!(
            ids(&tasks.take_effects()),
            [format!("Spawn {{ id: {second} }}")]
        );
        // Now started: cancelling asks the loop to abort it.
        assert_eq!(tasks.cancel_all(), ["POST /token"]);
        assert_eq!(ids(&tasks.take_effects()), [format!("Abort({second})")]);
        assert!(!tasks.is_busy());
        assert!(
            !tasks.finish(second),
            "a cancelled task's result is dropped"
        );
    }
}
