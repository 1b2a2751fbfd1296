//! Attribute macros of [sturdy](https://docs.rs/sturdy). Use them through the `sturdy` facade
//! (`use sturdy::prelude::*`); the generated code refers to `::sturdy::__private` only.

use proc_macro::TokenStream;

mod tool;
mod util;

/// Turns a free function (sync or async) into an MCP tool registered at link time.
///
/// Options: `name = "…"`, `description = "…"` (default: the doc comment), `title = "…"`, and the
/// annotation flags `read_only`, `destructive`, `idempotent`, `open_world` (or `flag = bool`).
/// Parameters may carry `#[arg(description = "…", default = <expr>, rename = "…")]`; a parameter of
/// type `Context` is injected and does not appear in the schema.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
