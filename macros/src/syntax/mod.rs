//! Reading the user's tokens: types, doc comments, literals and argument lists. Shared by
//! `#[tool]` and the resilience attributes; knows nothing about either.

pub(crate) mod args;
pub(crate) mod complete;
pub(crate) mod doc;
pub(crate) mod json;
pub(crate) mod literal;
pub(crate) mod types;
