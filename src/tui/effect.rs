//! What `App::update` asks the world to do, and the runtime that does it. Update only
//! changes state and returns [`Effect`]s (the Elm architecture: update is a function of
//! state and message, side effects happen outside it); the event loop hands them to
//! [`Runtime::execute`]. So update never blocks the loop, and a test can call it and read
//! what it asked for without a runtime.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::{AbortHandle, JoinHandle};

use crate::oauth::Exchange;
use crate::oauth::browser;
use crate::oauth::secret::Secret;
use crate::profile::Profile;

use super::clipboard;
use super::outcome::Outcome;
use super::task::TaskResult;

/// The id of results that belong to no cancellable task (exchanges, saves, the browser):
/// the app takes them as they come.
pub const UNTRACKED: u64 = 0;

pub enum Effect {
    /// Run `work` in the background; its outcome comes back as `Action::Task` with `id`.
    Spawn {
        id: u64,
        work: BoxFuture<'static, Outcome>,
    },
    /// Stop the task `id`; its result, if any, is never delivered.
    Abort(u64),
    /// Write the profile (atomically, with an fsync) off the loop's thread.
    SaveProfile { path: PathBuf, profile: Profile },
    /// Ask the terminal to set its clipboard (OSC 52): the system clipboard failed.
    Osc52 {
        text: Secret,
        what: String,
        why_not_system: String,
    },
    /// Open the user's browser on this URL.
    OpenBrowser(String),
    /// Pass every exchange the recording client makes on to the app.
    ForwardExchanges(UnboundedReceiver<Exchange>),
}

impl std::fmt::Debug for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Spawn { id, .. } => f.debug_struct("Spawn").field("id", id).finish(),
            Effect::Abort(id) => f.debug_tuple("Abort").field(id).finish(),
            Effect::SaveProfile { path, .. } => {
                f.debug_struct("SaveProfile").field("path", path).finish()
            }
            Effect::Osc52 { text, what, .. } => f
                .debug_struct("Osc52")
                .field("text", text)
                .field("what", what)
                .finish(),
            // An authorization URL carries state and nonce, not secrets; still, keep it short.
            Effect::OpenBrowser(_) => f.write_str("OpenBrowser"),
            Effect::ForwardExchanges(_) => f.write_str("ForwardExchanges"),
        }
    }
}

/// Carries out effects: owns the task channel, the handles that abort tasks, and the
/// terminal output OSC 52 goes to.
pub struct Runtime {
    tx: UnboundedSender<TaskResult>,
    rx: UnboundedReceiver<TaskResult>,
    running: HashMap<u64, AbortHandle>,
    osc52_out: Box<dyn Write + Send>,
    /// The number of the newest profile save started. Saves run on blocking threads and
    /// could finish out of order; each one takes this lock and writes only if no newer save
    /// has written first, so the file ends with the latest state.
    saves: Arc<Mutex<u64>>,
    next_save: u64,
    /// Saves not yet finished, so the app can let them land before it exits.
    saving: Vec<JoinHandle<()>>,
}

impl Runtime {
    pub fn new(osc52_out: Box<dyn Write + Send>) -> Runtime {
        let (tx, rx) = unbounded_channel();
        Runtime {
            tx,
            rx,
            running: HashMap::new(),
            osc52_out,
            saves: Arc::new(Mutex::new(0)),
            next_save: 0,
            saving: Vec::new(),
        }
    }

    /// Starts every effect. Needs the tokio runtime.
    pub fn execute(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            self.execute_one(effect);
        }
    }

    fn execute_one(&mut self, effect: Effect) {
        match effect {
            Effect::Spawn { id, work } => {
                let tx = self.tx.clone();
                let handle = tokio::spawn(async move {
                    let outcome = work.await;
                    // The loop may have ended (quit): nobody wants the result then.
                    let _ = tx.send(TaskResult { id, outcome });
                });
                self.running.insert(id, handle.abort_handle());
            }
            Effect::Abort(id) => {
                if let Some(handle) = self.running.remove(&id) {
                    handle.abort();
                }
            }
            Effect::SaveProfile { path, profile } => {
                self.next_save += 1;
                let (number, saves) = (self.next_save, Arc::clone(&self.saves));
                self.saving.retain(|save| !save.is_finished());
                let save = self.untracked(async move {
                    let result = tokio::task::spawn_blocking(move || {
                        let mut newest = saves.lock().unwrap_or_else(|e| e.into_inner());
                        if *newest > number {
                            return Ok(());
                        }
                        *newest = number;
                        profile.save(&path).map_err(|e| e.to_string())
                    })
                    .await
                    .unwrap_or_else(|e| Err(format!("saving the profile stopped: {e}")));
                    Outcome::ProfileSaved(result)
                });
                self.saving.push(save);
            }
            Effect::Osc52 {
                text,
                what,
                why_not_system,
            } => {
                let result = clipboard::write_osc52(&mut self.osc52_out, text.secret())
                    .map_err(|e| e.to_string());
                self.report(Outcome::Osc52Written {
                    what,
                    why_not_system,
                    result,
                });
            }
            Effect::OpenBrowser(url) => {
                self.untracked(async move {
                    let result = tokio::task::spawn_blocking(move || browser::open(&url))
                        .await
                        .map_err(|e| e.to_string())
                        .and_then(|opened| opened.map_err(|e| e.to_string()));
                    Outcome::BrowserOpened(result)
                });
            }
            Effect::ForwardExchanges(mut feed) => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    while let Some(exchange) = feed.recv().await {
                        let outcome = Outcome::Recorded(Box::new(exchange));
                        if tx
                            .send(TaskResult {
                                id: UNTRACKED,
                                outcome,
                            })
                            .is_err()
                        {
                            break;
                        }
                    }
                });
            }
        }
    }

    /// Runs work that no one cancels; its outcome arrives as an untracked result.
    fn untracked(&self, work: impl Future<Output = Outcome> + Send + 'static) -> JoinHandle<()> {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(TaskResult {
                id: UNTRACKED,
                outcome: work.await,
            });
        })
    }

    /// Waits for the profile saves still in flight: quitting right after a change must not
    /// lose it.
    pub async fn settle(&mut self) {
        for save in self.saving.drain(..) {
            let _ = save.await;
        }
    }

    fn report(&self, outcome: Outcome) {
        let _ = self.tx.send(TaskResult {
            id: UNTRACKED,
            outcome,
        });
    }

    /// The next result, waiting for it.
    pub async fn next_result(&mut self) -> Option<TaskResult> {
        let result = self.rx.recv().await;
        self.forget(result.as_ref());
        result
    }

    /// A result that is already there, without waiting.
    pub fn ready_result(&mut self) -> Option<TaskResult> {
        let result = self.rx.try_recv().ok();
        self.forget(result.as_ref());
        result
    }

    fn forget(&mut self, result: Option<&TaskResult>) {
        if let Some(result) = result {
            self.running.remove(&result.id);
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        for handle in self.running.values() {
            handle.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn profile_saves_end_with_the_newest_and_report_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profile.toml");
        let mut runtime = Runtime::new(Box::new(std::io::sink()));
        let saves = ["dark", "light", "workshop"].map(|theme| Effect::SaveProfile {
            path: path.clone(),
            profile: Profile {
                theme: Some(theme.into()),
                ..Profile::default()
            },
        });
        runtime.execute(saves.into());
        for _ in 0..3 {
            let result = runtime.next_result().await.unwrap();
            assert_eq!(result.id, UNTRACKED);
            assert!(matches!(result.outcome, Outcome::ProfileSaved(Ok(()))));
        }
        let saved = Profile::load(&path).unwrap();
        assert_eq!(saved.theme.as_deref(), Some("workshop"));
    }

    #[tokio::test]
    async fn a_failed_save_comes_back_as_an_error() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: the rename cannot replace it.
        let path = dir.path().join("profile.toml");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("keep"), "x").unwrap();
        let mut runtime = Runtime::new(Box::new(std::io::sink()));
        runtime.execute(vec![Effect::SaveProfile {
            path,
            profile: Profile::default(),
        }]);
        let result = runtime.next_result().await.unwrap();
        assert!(matches!(result.outcome, Outcome::ProfileSaved(Err(_))));
    }

    #[tokio::test]
    async fn an_aborted_task_never_reports() {
        let mut runtime = Runtime::new(Box::new(std::io::sink()));
        runtime.execute(vec![
            Effect::Spawn {
                id: 7,
                work: Box::pin(async {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    Outcome::PollDue { generation: 7 }
                }),
            },
            Effect::Abort(7),
            Effect::Spawn {
                id: 8,
                work: Box::pin(async {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    Outcome::PollDue { generation: 8 }
                }),
            },
        ]);
        let result = runtime.next_result().await.unwrap();
        assert_eq!(result.id, 8);
    }

    #[tokio::test]
    async fn osc52_goes_to_the_terminal_output() {
        #[derive(Clone, Default)]
        struct Shared(Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let out = Shared::default();
        let mut runtime = Runtime::new(Box::new(out.clone()));
        runtime.execute(vec![Effect::Osc52 {
            text: "hi".into(),
            what: "user code".into(),
            why_not_system: "no display".into(),
        }]);
        let result = runtime.next_result().await.unwrap();
        assert!(matches!(
            result.outcome,
            Outcome::Osc52Written { result: Ok(()), .. }
        ));
        assert_eq!(
            *out.0.lock().unwrap(),
            clipboard::osc52_sequence("hi").into_bytes()
        );
    }
}
