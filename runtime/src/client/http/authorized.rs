//! Requests with the client's OAuth token: a refusal a new token may answer is answered by
//! getting one, and the request sent again.

use super::MAX_AUTHORIZATIONS;
use crate::client::oauth::Authorizer;
use crate::client::ClientError;
use reqwest::header::{AUTHORIZATION, WWW_AUTHENTICATE};

/// Sends what `build` makes with `authorizer`'s current token; a refusal a new token may answer
/// (401, or 403 for a missing scope) gets one and the request is sent again, a few times at
/// most.
pub(super) async fn send_authorized(
    authorizer: Option<&Authorizer>,
    server: &str,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, ClientError> {
    let mut authorizations = 0;
    loop {
        let bearer = authorizer.and_then(Authorizer::bearer);
        let mut request = build();
        if let Some(bearer) = &bearer {
            request = request.header(AUTHORIZATION, bearer.clone());
        }
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Closed(format!("{server}: {e}")))?;
        let challenge = response
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let Some(authorizer) = authorizer else {
            // Refused for want of credentials (a bearer challenge): no answer will come, and the
            // request was not served; the challenge says what was missing.
            let status = response.status().as_u16();
            let bearer_challenge = challenge
                .get(..6)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer"));
            if matches!(status, 401 | 403) && bearer_challenge {
                return Err(ClientError::Unauthorized(format!(
                    "{server}: HTTP {status}: {challenge}"
                )));
            }
            return Ok(response);
        };
        if !Authorizer::answers(response.status(), &challenge) {
            return Ok(response);
        }
        if authorizations == MAX_AUTHORIZATIONS {
            return Err(ClientError::Unauthorized(format!(
                "{server}: HTTP {} after {MAX_AUTHORIZATIONS} new tokens",
                response.status()
            )));
        }
        authorizations += 1;
        authorizer
            .authorize(response.status(), &challenge, bearer.as_ref())
            .await
            .map_err(|why| ClientError::Unauthorized(format!("{server}: authorization: {why}")))?;
    }
}
