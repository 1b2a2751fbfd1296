//! A server whose tools take and return every kind of type a user can put in a signature: the
//! schemas sturdy derives for them must be accepted by every official MCP client, and every
//! success result must validate against the `outputSchema` sent.
//!
//! Each `echo_*` tool returns its `value` unchanged, or fails with a tool error when `fail` is
//! true (error results must not contradict the `outputSchema` either). `tests/it/type_torture.rs`
//! validates `tools/list` against the official schemas of each MCP revision and drives every tool
//! with the official TypeScript and Python SDK clients; `tests/type_torture/cases.json` holds the
//! arguments it sends and the results it expects.
//!
//! `cargo run --example type_torture -- --list-tools` prints the schemas.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use sturdy::prelude::*;

fn failure(fail: bool) -> Result<(), ToolError> {
    if fail {
        Err(ToolError::new("failed on request (fail = true)"))
    } else {
        Ok(())
    }
}

/// Declares `echo_<name>(value: T, fail = false) -> Result<T, ToolError>` for each type.
macro_rules! echo_tools {
    ($($name:ident: $ty:ty;)*) => {$(
        /// Returns `value` unchanged, or fails when `fail` is true.
        #[tool(read_only, idempotent)]
        fn $name(
            value: $ty,
            #[arg(description = "Fail with a tool error instead", default = false)] fail: bool,
        ) -> Result<$ty, ToolError> {
            failure(fail)?;
            Ok(value)
        }
    )*};
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Point {
    x: f64,
    y: f64,
}

/// Externally tagged (serde's default).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub enum External {
    Unit,
    Newtype(i32),
    Tuple(i32, String),
    Struct { a: bool },
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Internal {
    Circle { radius: f64 },
    Square { side: f64 },
    Empty,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "t", content = "c")]
pub enum Adjacent {
    Number(i64),
    Text(String),
    Pair(u8, u8),
    Nothing,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Untagged {
    Number(i64),
    Text(String),
    Point(Point),
    List(Vec<bool>),
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    Red,
    Green,
    Blue,
}

/// A recursive type.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Tree {
    label: String,
    children: Vec<Tree>,
}

/// Mutually recursive types, through an `Option`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Folder {
    name: String,
    files: Vec<File>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct File {
    name: String,
    parent: Option<Box<Folder>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Meters(f64);

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Page<T> {
    items: Vec<T>,
    next: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Labels {
    owner: String,
    team: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Flattened {
    id: u32,
    #[serde(flatten)]
    labels: Labels,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OpenRecord {
    id: u32,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Marker;

/// Optional fields of every nullable shape.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Optionals {
    maybe: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    absent: Option<String>,
    nested: Option<Option<bool>>,
    any: Value,
}

echo_tools! {
    echo_value: Value;
    echo_map: Map<String, Value>;
    echo_hash_map: HashMap<String, i64>;
    echo_btree_map: BTreeMap<String, Vec<Point>>;
    echo_external_enum: External;
    echo_internal_enum: Internal;
    echo_adjacent_enum: Adjacent;
    echo_untagged_enum: Untagged;
    echo_unit_enum: Color;
    echo_tree: Tree;
    echo_folder: Folder;
    echo_newtype: Meters;
    echo_generic: Page<Point>;
    echo_flatten: Flattened;
    echo_flatten_map: OpenRecord;
    echo_tuple: (i32, String, bool);
    echo_array: [u8; 4];
    echo_u128: u128;
    echo_i128: i128;
    echo_char: char;
    echo_option_option: Option<Option<i32>>;
    echo_unit_struct: Marker;
    echo_optionals: Optionals;
    echo_vec_of_values: Vec<Value>;
}

/// Returns nothing (an empty result), or fails when `fail` is true.
#[tool(idempotent)]
fn unit_result(#[arg(default = false)] fail: bool) -> Result<(), ToolError> {
    failure(fail)
}

/// Returns `text` as plain text (no `structuredContent`), or fails when `fail` is true.
#[tool(read_only, idempotent)]
async fn string_result(text: String, #[arg(default = false)] fail: bool) -> Result<String, String> {
    if fail {
        return Err(format!("failed on request, text was {text:?}"));
    }
    Ok(text)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    sturdy::App::new("sturdy-type-torture", env!("CARGO_PKG_VERSION"))
        .run()
        .await
}
