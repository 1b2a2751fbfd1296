//! A cached function's own error type, and panics through the pipeline.

use super::*;

#[derive(Debug, PartialEq)]
enum AppError {
    NotFound(u32),
    Rejected(String),
}

impl From<ToolError> for AppError {
    fn from(e: ToolError) -> Self {
        AppError::Rejected(e.to_string())
    }
}

#[cached]
async fn lookup(id: u32) -> Result<u32, AppError> {
    Err(AppError::NotFound(id))
}

#[cached]
async fn strict(id: u32) -> Result<u32, ToolError> {
    Err(ToolError::invalid_arguments(format!("no id {id}")))
}

#[cached]
async fn explodes(id: u32) -> Result<u32, ToolError> {
    panic!("exploded on {id}")
}

#[tokio::test]
async fn a_cached_function_returns_its_own_error_and_panics_propagate() {
    assert_eq!(lookup(7).await, Err(AppError::NotFound(7)));
    assert_eq!(
        strict(3).await,
        Err(ToolError::invalid_arguments("no id 3"))
    );
    let panicked = tokio::spawn(explodes(1)).await.unwrap_err();
    assert!(panicked.is_panic());
    let message = panicked.into_panic();
    assert_eq!(message.downcast_ref::<String>().unwrap(), "exploded on 1");
}
