//! A `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3, RFC 9728 §5.1): the parameters a
//! client acts on.

/// What a server's Bearer challenge says.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Challenge {
    /// `error`: `invalid_token`, `insufficient_scope`, …
    pub error: Option<String>,
    /// `scope`: the scopes the request needs, space-separated.
    pub scope: Option<String>,
    /// `resource_metadata`: where the protected resource metadata is (RFC 9728).
    pub resource_metadata: Option<String>,
}

impl Challenge {
    /// The Bearer challenge among `header`'s (a header may hold several schemes), or an empty one.
    pub(super) fn parse(header: &str) -> Challenge {
        let mut challenge = Challenge::default();
        let mut rest = header.trim_start();
        let mut in_bearer = false;
        while !rest.is_empty() {
            let (token, after) = take_token(rest);
            let after = after.trim_start();
            if let Some(value_part) = after.strip_prefix('=') {
                // `name=value` or `name="value"`: a parameter of the current scheme.
                let (value, after) = take_value(value_part.trim_start());
                if in_bearer {
                    let value = Some(value);
                    match token.to_ascii_lowercase().as_str() {
                        "error" => challenge.error = value,
                        "scope" => challenge.scope = value,
                        "resource_metadata" => challenge.resource_metadata = value,
                        _ => {}
                    }
                }
                rest = after.trim_start().trim_start_matches(',').trim_start();
            } else if token.is_empty() {
                // Something that is no token (a stray comma, a quote): skipped.
                rest = after.get(1..).unwrap_or_default().trim_start();
            } else {
                // A scheme name starts the next challenge.
                in_bearer = token.eq_ignore_ascii_case("bearer");
                rest = after.trim_start_matches(',').trim_start();
            }
        }
        challenge
    }

    /// The scopes it names.
    pub(super) fn scopes(&self) -> Vec<String> {
        self.scope
            .as_deref()
            .unwrap_or_default()
            .split_ascii_whitespace()
            .map(str::to_owned)
            .collect()
    }
}

fn take_token(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == ',' || c == '"')
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// A quoted string (its escapes undone) or a token, and what follows it.
fn take_value(s: &str) -> (String, &str) {
    let Some(quoted) = s.strip_prefix('"') else {
        let (token, rest) = take_token(s);
        return (token.to_owned(), rest);
    };
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    value.push(escaped);
                }
            }
            '"' => return (value, &quoted[i + 1..]),
            c => value.push(c),
        }
    }
    (value, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_parameters_are_read_among_other_schemes() {
        let c = Challenge::parse(
            r#"Basic realm="x", Bearer error="insufficient_scope", scope="a b",
               resource_metadata="http://h/.well-known/oauth-protected-resource/mcp", error_description="say \"no\"""#,
        );
        assert_eq!(c.error.as_deref(), Some("insufficient_scope"));
        assert_eq!(c.scopes(), ["a", "b"]);
        assert_eq!(
            c.resource_metadata.as_deref(),
            Some("http://h/.well-known/oauth-protected-resource/mcp")
        );
        let c = Challenge::parse("Bearer scope=read, realm=x");
        assert_eq!(c.scope.as_deref(), Some("read"));
        assert_eq!(
            Challenge::parse("Basic realm=\"x\", scope=\"a\""),
            Challenge::default()
        );
        // Hostile headers end, whatever they hold.
        for header in [
            "Bearer \"",
            "Bearer ,,,=",
            "=\"\\",
            "Bearer scope=\"unterminated",
        ] {
            Challenge::parse(header);
        }
    }
}
