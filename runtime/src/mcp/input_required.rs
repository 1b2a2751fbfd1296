//! Questions to the client in stateless (2026-07-28) requests: there is no channel from the
//! server to the client during a call, so a tool that asks something ends the round with an
//! `input_required` result naming its questions and a `requestState`; the client asks the user
//! (or its model) and calls the tool again with `inputResponses` and that `requestState`.
//!
//! The tool is not run again from the start: it waits, parked in this process, exactly where it
//! asked, and carries on with the answers. So its side effects happen once; the price is that
//! the retry must reach this process (a load balancer needs affinity on `requestState`), and a
//! parked call that is not resumed within [`PARKED_TTL`] is dropped. At most [`MAX_PARKED`] calls
//! wait at once, and [`MAX_PARKED_PER_CLIENT`] of one client (its principal, else its address):
//! beyond that a question fails at once with a `client` error, so a client that parks calls
//! without end only blocks itself.

use crate::context::{NoResult, Question, Questions, BEGIN_TASK};
use crate::error::ToolError;
use crate::protocol::jsonrpc::RpcError;
use crate::random_token::random_token;
use crate::registry::CallResult;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long a parked call waits for the client to come back.
pub const PARKED_TTL: Duration = Duration::from_secs(300);
/// Calls parked at once, at most.
pub const MAX_PARKED: usize = 4096;
/// Calls of one client (see [`Session::with_identity`](super::Session::with_identity)) parked
/// at once, at most.
pub const MAX_PARKED_PER_CLIENT: usize = 256;

/// A stateless tool call, across its rounds.
pub(crate) struct RoundTrip {
    tool: String,
    questions: mpsc::UnboundedReceiver<Question>,
    /// The call's notifications (progress, logs), when its requests stream them: forwarded to
    /// the stream of whichever round is running.
    relay: Option<mpsc::Receiver<Vec<u8>>>,
    running: Running,
    /// Questions put to the client and not answered yet, by key.
    asked: HashMap<String, Asked>,
    /// Answers the client sent that no question took yet (`inputResponses`), by key.
    responses: Map<String, Value>,
    rounds: u32,
}

/// A question put to the client, kept until answered (asked again in each round until then).
struct Asked {
    method: String,
    params: Value,
    reply: oneshot::Sender<Result<Value, NoResult>>,
}

/// A finished request's answer: its result, serialised (with its `resultType`), or the JSON-RPC
/// error it ends with.
pub(crate) type Outcome = Result<Box<RawValue>, RpcError>;

enum Running {
    /// Polled by the request that started it: most calls never ask, and cost no task.
    Inline(Pin<Box<dyn Future<Output = Outcome> + Send>>),
    /// Parked once: from then on it runs in a task of its own, so that it keeps going (the rest
    /// of a `join!`, its timers) between rounds.
    Task {
        done: oneshot::Receiver<Outcome>,
        task: JoinHandle<()>,
    },
}

/// What a round ended with.
pub(crate) enum Round {
    /// The tool finished.
    Done(Outcome),
    /// The tool asks: the `input_required` result to send (the call is parked).
    InputRequired(Value),
    /// The tool asked to become a task ([`Context::begin_task`](crate::Context::begin_task)):
    /// the call, the questions it asked at the same moment, and where to say it may go on.
    Task {
        call: Box<RoundTrip>,
        asked: Vec<Question>,
        begin: oneshot::Sender<Result<Value, NoResult>>,
    },
}

/// A call turned into a task: its future, its questions to come, and how to stop it.
pub(crate) struct Detached {
    pub(crate) call: Pin<Box<dyn Future<Output = Outcome> + Send>>,
    pub(crate) questions: mpsc::UnboundedReceiver<Question>,
    pub(crate) stop: Box<dyn FnOnce() + Send>,
}

impl RoundTrip {
    /// A call of `tool`: `call` gets the [`Questions`] its `Context` asks through. `responses`
    /// are answers the client sent up front (`inputResponses` without a `requestState`): a
    /// question under one of their keys gets it without a round trip.
    pub(crate) fn start<F>(
        tool: &str,
        relay: Option<mpsc::Receiver<Vec<u8>>>,
        responses: Map<String, Value>,
        call: impl FnOnce(Questions) -> F,
    ) -> Self
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        let (questions_tx, questions) = mpsc::unbounded_channel();
        let mut trip = RoundTrip {
            tool: tool.to_owned(),
            questions,
            relay,
            running: Running::Inline(Box::pin(call(questions_tx))),
            asked: HashMap::new(),
            responses: Map::new(),
            rounds: 0,
        };
        trip.responses = responses;
        trip
    }

    /// Hands the client's answers (`inputResponses`) to the questions waiting for them. A
    /// question left unanswered is asked again in the next round (SEP-2322: re-request, rather
    /// than fail); answers to nothing asked are kept for questions still to come, then dropped
    /// with the round.
    pub(crate) fn answer(&mut self, responses: Map<String, Value>) {
        self.responses = responses;
        let answered: Vec<String> = self
            .asked
            .keys()
            .filter(|k| self.responses.contains_key(*k))
            .cloned()
            .collect();
        for key in answered {
            if let (Some(asked), Some(answer)) =
                (self.asked.remove(&key), self.responses.remove(&key))
            {
                let _ = asked.reply.send(Ok(answer));
            }
        }
    }

    /// A key for a question: the one the tool gave, unless taken in this call, else `r{n}q{i}`.
    fn key_for(&self, wanted: Option<&str>, i: usize) -> String {
        match wanted {
            Some(k) if !self.asked.contains_key(k) => k.to_owned(),
            Some(k) => format!("{k}.r{}q{i}", self.rounds),
            None => format!("r{}q{i}", self.rounds),
        }
    }

    /// Runs the call until it finishes or asks; `park` keeps it for the client's next round
    /// (and returns the `requestState`), or refuses when too many calls are parked.
    /// `notify` is this round's stream for the call's notifications.
    pub(crate) async fn next_round(
        mut self,
        park: impl Fn(RoundTrip) -> Result<String, Box<RoundTrip>>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Round {
        loop {
            // Questions still unanswered (the client's last answers left some out): the tool waits
            // for them, so they are asked again now, with any that the answers led to.
            let waiting = !self.asked.is_empty();
            let question = if waiting {
                None
            } else {
                let relayed = async {
                    match &mut self.relay {
                        Some(relay) => relay.recv().await,
                        None => std::future::pending().await,
                    }
                };
                let first = match &mut self.running {
                    Running::Inline(call) => tokio::select! {
                        biased;
                        Some(note) = relayed => Err(note),
                        done = call.as_mut() => Ok(Err(done)),
                        Some(q) = self.questions.recv() => Ok(Ok(q)),
                    },
                    Running::Task { done, .. } => tokio::select! {
                        biased;
                        Some(note) = relayed => Err(note),
                        done = done => {
                            // The task always sends: it is aborted only when the call is dropped.
                            Ok(Err(done.unwrap_or_else(|_| {
                                Ok(CallResult::failed(&ToolError::new("the call stopped")).complete_json())
                            })))
                        }
                        Some(q) = self.questions.recv() => Ok(Ok(q)),
                    },
                };
                match first {
                    Err(note) => {
                        forward(&notify, note).await;
                        continue;
                    }
                    Ok(Err(done)) => {
                        self.flush(&notify).await;
                        return Round::Done(done);
                    }
                    Ok(Ok(question)) => Some(question),
                }
            };
            // Questions asked together (by joined futures) go out in one round; those the client
            // answered up front are answered now, and the tool goes on.
            tokio::task::yield_now().await;
            let mut questions: Vec<Question> = question.into_iter().collect();
            while let Ok(q) = self.questions.try_recv() {
                questions.push(q);
            }
            if let Some(at) = questions.iter().position(|q| q.method == BEGIN_TASK) {
                let begin = questions.remove(at).reply;
                self.flush(&notify).await;
                return Round::Task {
                    call: Box::new(self),
                    asked: questions,
                    begin,
                };
            }
            self.rounds += 1;
            for (i, q) in questions.into_iter().enumerate() {
                let key = self.key_for(q.key.as_deref(), i + 1);
                match self.responses.remove(&key) {
                    Some(answer) => {
                        let _ = q.reply.send(Ok(answer));
                    }
                    None => {
                        self.asked.insert(
                            key,
                            Asked {
                                method: q.method,
                                params: q.params,
                                reply: q.reply,
                            },
                        );
                    }
                }
            }
            if self.asked.is_empty() {
                continue;
            }
            let requests: Map<String, Value> = self
                .asked
                .iter()
                .map(|(key, q)| {
                    (
                        key.clone(),
                        json!({ "method": q.method, "params": q.params }),
                    )
                })
                .collect();
            self.flush(&notify).await;
            self.move_to_task();
            match park(self) {
                Ok(state) => {
                    return Round::InputRequired(json!({
                        "resultType": "input_required",
                        "inputRequests": requests,
                        "requestState": state,
                    }))
                }
                Err(refused) => {
                    // No room to wait: the questions fail, and the tool goes on without answers.
                    self = *refused;
                    for (_, asked) in self.asked.drain() {
                        let _ = asked.reply.send(Err(NoResult::Busy));
                    }
                }
            }
        }
    }

    /// Forwards the notifications already sent (before the call finished or asked).
    async fn flush(&mut self, notify: &Option<mpsc::Sender<Vec<u8>>>) {
        if let Some(relay) = &mut self.relay {
            while let Ok(note) = relay.try_recv() {
                forward(notify, note).await;
            }
        }
    }

    pub(crate) fn tool(&self) -> &str {
        &self.tool
    }

    /// The call, taken out to run as a task: it keeps running wherever it is (inline, or in its
    /// own tokio task once parked), and is no longer this round trip's to stop.
    pub(crate) fn detach(mut self) -> Detached {
        let stand_in = Running::Inline(Box::pin(std::future::pending()));
        let (_, no_questions) = mpsc::unbounded_channel();
        let questions = std::mem::replace(&mut self.questions, no_questions);
        match std::mem::replace(&mut self.running, stand_in) {
            Running::Inline(call) => Detached {
                call,
                questions,
                stop: Box::new(|| {}),
            },
            Running::Task { done, task } => {
                let abort = task.abort_handle();
                Detached {
                    call: Box::pin(async move {
                        done.await.unwrap_or_else(|_| {
                            Ok(CallResult::failed(&ToolError::new("the call stopped"))
                                .complete_json())
                        })
                    }),
                    questions,
                    stop: Box::new(move || abort.abort()),
                }
            }
        }
    }

    /// Moves an inline call into a task of its own (once it waits between rounds).
    fn move_to_task(&mut self) {
        if !matches!(self.running, Running::Inline(_)) {
            return;
        }
        let stand_in = Running::Inline(Box::pin(std::future::pending()));
        let Running::Inline(call) = std::mem::replace(&mut self.running, stand_in) else {
            unreachable!("checked above")
        };
        let (done_tx, done) = oneshot::channel();
        let task = tokio::spawn(async move {
            let _ = done_tx.send(call.await);
        });
        self.running = Running::Task { done, task };
    }
}

impl Drop for RoundTrip {
    fn drop(&mut self) {
        // A call dropped between rounds (expired, or its handler gone) stops running.
        if let Running::Task { task, .. } = &self.running {
            task.abort();
        }
    }
}

/// Sends a notification on this round's stream; with none (the request streams nothing), or a
/// closed one, it is dropped like any notification nobody listens to.
async fn forward(notify: &Option<mpsc::Sender<Vec<u8>>>, note: Vec<u8>) {
    if let Some(notify) = notify {
        let _ = notify.send(note).await;
    }
}

/// The calls waiting for their client's next round, by `requestState`.
#[derive(Default)]
pub(crate) struct Parked {
    calls: Mutex<HashMap<String, ParkedCall>>,
}

/// A call between rounds.
struct ParkedCall {
    call: RoundTrip,
    since: Instant,
    /// The principal it belongs to.
    owner: Option<Arc<str>>,
    /// Whose quota it counts against.
    client: Arc<str>,
}

impl Parked {
    /// Keeps `call` until [`resume`](Self::resume)d or expired; its `requestState`, or the call
    /// back when [`MAX_PARKED`] calls wait already.
    pub(crate) fn park(
        &self,
        call: RoundTrip,
        owner: Option<Arc<str>>,
        client: Arc<str>,
    ) -> Result<String, Box<RoundTrip>> {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let full = |calls: &HashMap<String, ParkedCall>| {
            calls.len() >= MAX_PARKED
                || calls.values().filter(|p| p.client == client).count() >= MAX_PARKED_PER_CLIENT
        };
        if full(&calls) {
            calls.retain(|_, p| now.duration_since(p.since) < PARKED_TTL);
            if full(&calls) {
                return Err(Box::new(call));
            }
        }
        let state = random_token();
        calls.insert(
            state.clone(),
            ParkedCall {
                call,
                since: now,
                owner,
                client,
            },
        );
        Ok(state)
    }

    /// Takes back the call of `tool` parked under `state` by `owner`, if it has not expired.
    /// Another principal's call, or a call of another tool, stays parked, and the caller learns
    /// nothing about it: the answer is the one an unknown `state` gets.
    pub(crate) fn resume(&self, state: &str, owner: Option<&str>, tool: &str) -> Option<RoundTrip> {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        let parked = calls.get(state)?;
        if parked.since.elapsed() >= PARKED_TTL {
            calls.remove(state);
            return None;
        }
        if parked.owner.as_deref() != owner || parked.call.tool() != tool {
            return None;
        }
        calls.remove(state).map(|p| p.call)
    }
}
