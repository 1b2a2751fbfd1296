//! `completion/complete`.

use super::reply::{invalid_params, Params};
use super::Server;
use crate::completion::Completion;
use crate::protocol::jsonrpc::RpcError;
use serde_json::{json, Value};

impl Server {
    /// `completion/complete`: the values declared for a prompt argument or template variable
    /// (`#[arg(complete = …)]`) that fit what the user typed; none when it declares none. An
    /// unknown prompt, template or argument is -32602.
    pub(super) fn complete(&self, params: &Params) -> Result<Value, RpcError> {
        let reference = params.get("ref");
        fn text<'a>(v: Option<&'a Value>, what: &str) -> Result<&'a str, RpcError> {
            v.and_then(Value::as_str)
                .ok_or_else(|| invalid_params(format!("completion/complete needs {what}")))
        }
        let kind = text(reference.and_then(|r| r.get("type")), "ref.type")?;
        let arg = text(
            params.get("argument").and_then(|a| a.get("name")),
            "argument.name",
        )?;
        let typed = text(
            params.get("argument").and_then(|a| a.get("value")),
            "argument.value",
        )?;
        let completer = match kind {
            "ref/prompt" => {
                let name = text(reference.and_then(|r| r.get("name")), "ref.name")?;
                self.prompts.completer(name, arg).ok_or_else(|| {
                    invalid_params(format!("prompt `{name}` has no argument `{arg}`"))
                })?
            }
            "ref/resource" => {
                let uri = text(reference.and_then(|r| r.get("uri")), "ref.uri")?;
                self.resources.completer(uri, arg).ok_or_else(|| {
                    invalid_params(format!(
                        "no resource template {uri:?} with a variable `{arg}`"
                    ))
                })?
            }
            other => {
                return Err(invalid_params(format!(
                    "ref.type is ref/prompt or ref/resource, not {other:?}"
                )))
            }
        };
        let completion = completer.map(|c| c.complete(typed)).unwrap_or(Completion {
            values: Vec::new(),
            total: 0,
        });
        Ok(json!({ "completion": {
            "values": completion.values,
            "total": completion.total,
            "hasMore": completion.total > completion.values.len(),
        }}))
    }
}
