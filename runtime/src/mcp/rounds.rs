//! A stateless request whose handler may ask its client (a tool call, a prompt), across its
//! `input_required` rounds: started afresh, or resumed from its sealed `requestState`.

use super::input_required::{Round, RoundTrip, PARKED_TTL};
use super::reply::{invalid_params, raw, Params};
use super::request_state::StateError;
use super::{Server, Session};
use crate::context::Questions;
use crate::protocol::jsonrpc::RpcError;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

impl Server {
    /// A stateless request whose handler may ask the client (a tool call, a prompt), across its
    /// rounds: started afresh by `run` (with the answers the client sent up front), or resumed
    /// from its sealed `requestState`. `key` names what runs (a tool's name, `prompt:<name>`), so
    /// that a state resumes only what it was issued for.
    pub(super) async fn in_rounds<F>(
        &self,
        session: &Session,
        key: &str,
        params: &Params,
        relay: Option<mpsc::Receiver<Vec<u8>>>,
        notify: Option<mpsc::Sender<Vec<u8>>>,
        run: impl FnOnce(Questions) -> F,
    ) -> Result<Box<RawValue>, RpcError>
    where
        F: std::future::Future<Output = Result<Box<RawValue>, RpcError>> + Send + 'static,
    {
        let responses = input_responses(params.get("inputResponses"))?;
        let trip = match params.get("requestState") {
            None => RoundTrip::start(key, relay, responses, run),
            Some(state) => {
                // The seal is checked before anything is looked up.
                let claims = state
                    .as_str()
                    .ok_or(StateError::Forged)
                    .and_then(|state| self.seal.open(state))
                    .map_err(|e| invalid_params(e.message()))?;
                // A genuine state of another call, or of another principal, gets the answer an
                // answered one gets: it says nothing about the call.
                if claims.tool != key {
                    return Err(invalid_params(UNKNOWN_REQUEST_STATE));
                }
                let owner = session.principal().map(|p| &**p);
                let mut trip = self
                    .parked
                    .resume(&claims.id, owner, key)
                    .ok_or_else(|| invalid_params(UNKNOWN_REQUEST_STATE))?;
                trip.answer(responses);
                trip
            }
        };
        let park = |t| {
            let id = self
                .parked
                .park(t, session.principal().cloned(), session.quota_key())?;
            Ok(self.seal.seal(&id, key, PARKED_TTL))
        };
        match trip.next_round(park, notify).await {
            Round::Done(answer) => answer,
            Round::InputRequired(v) => Ok(raw(&v)),
            Round::Task { call, asked, begin } => {
                let created = self.adopt_task(session, call.detach(), asked).await;
                // The task exists (or could not be made): the call may go on either way.
                let _ = begin.send(Ok(Value::Null));
                created.map(|task| raw(&task))
            }
        }
    }
}

/// The client's answers to a call's questions (`inputResponses`): an object of results, each an
/// object (every request a server can put to a client has an object result).
pub(super) fn input_responses(responses: Option<&Value>) -> Result<Map<String, Value>, RpcError> {
    let responses = match responses {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(r)) => r,
        Some(_) => return Err(invalid_params("inputResponses must be an object")),
    };
    if let Some((key, _)) = responses.iter().find(|(_, v)| !v.is_object()) {
        return Err(invalid_params(format!(
            "inputResponses[\"{key}\"] must be an object: the result of the request asked under \
             that key"
        )));
    }
    Ok(responses.clone())
}

const UNKNOWN_REQUEST_STATE: &str =
    "requestState names no waiting call: it was answered already, expired, or belongs to another \
     client; call the tool again without it";
