//! An example server over stdio, driven with an [`RpcClient`], and the polling of a task on it.

use crate::common::RpcClient;
use crate::support;
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The example `name` on piped stdin/stdout (killed when the child is dropped).
pub fn spawn(name: &str) -> (Child, RpcClient<ChildStdout, ChildStdin>) {
    let mut child = Command::new(support::build_example(name))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let rpc = RpcClient::new(child.stdout.take().unwrap(), child.stdin.take().unwrap());
    (child, rpc)
}

/// Polls `tasks/get` (in a session, ids from `first_id` on) until task `id` is no longer
/// `working`; the task then.
pub async fn settled(
    rpc: &mut RpcClient<ChildStdout, ChildStdin>,
    id: &str,
    first_id: i64,
) -> Value {
    let mut n = first_id;
    loop {
        let task = rpc.request(n, "tasks/get", json!({"taskId": id})).await["result"].clone();
        if task["status"] != "working" {
            return task;
        }
        n += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
