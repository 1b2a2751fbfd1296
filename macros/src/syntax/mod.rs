//! Reading the user's tokens: types, doc comments, literals and argument lists. Shared by
//! `#[tool]` and the resilience attributes; knows nothing about either.

pub mod args;
pub mod doc;
pub mod literal;
pub mod types;
