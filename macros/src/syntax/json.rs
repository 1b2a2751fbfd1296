//! A JSON value written inside an attribute (`schema = {"type": "string"}`), kept as tokens for
//! `serde_json::json!`: everything up to the next top-level comma (a comma inside `{}` or `[]` is
//! part of a group, so it does not end the value).

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::ParseStream;
use syn::Token;

/// The tokens of one JSON value, up to the next top-level `,` (not consumed) or the end.
pub(crate) fn json_value(input: ParseStream) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    if tokens.is_empty() {
        return Err(input.error("expected a JSON value, e.g. {\"type\": \"string\"}"));
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    fn first_value(src: &str) -> String {
        let parser = |input: ParseStream| {
            let v = json_value(input)?;
            let _rest: TokenStream = input.parse()?;
            Ok(v)
        };
        parser.parse_str(src).unwrap().to_string()
    }

    #[test]
    fn stops_at_the_first_top_level_comma() {
        assert_eq!(
            first_value(r#"{"a": 1, "b": [2, 3]}, next = 4"#),
            r#"{ "a" : 1 , "b" : [2 , 3] }"#
        );
        assert_eq!(first_value("-5, x"), "- 5");
        assert_eq!(first_value("helpers::schema()"), "helpers :: schema ()");
    }

    #[test]
    fn an_empty_value_is_an_error() {
        let parser = |input: ParseStream| json_value(input);
        assert!(parser.parse_str(", x").is_err());
    }
}
