//! URI templates of resources (RFC 6570, the two levels resource URIs use): `{var}` matches a
//! run of characters other than `/`, `?` and `#` (simple expansion would percent-encode them),
//! `{+var}` any run (reserved expansion, for paths). Matching is anchored at both ends, literal
//! text must match exactly, and a template's variables are distinct.

/// A parsed URI template.
#[derive(Debug, Clone, PartialEq)]
pub struct UriTemplate {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Var { name: String, reserved: bool },
}

impl UriTemplate {
    /// Parses `template`, or says what is wrong with it.
    pub fn parse(template: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("`{{` without `}}` in {template:?}"))?;
            let expr = &after[..close];
            let (name, reserved) = match expr.strip_prefix('+') {
                Some(n) => (n, true),
                None => (expr, false),
            };
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if !valid {
                return Err(format!(
                    "`{{{expr}}}` in {template:?}: a variable is `{{name}}` or `{{+name}}` (letters, \
                     digits, `_`, `.`)"
                ));
            }
            if matches!(parts.last(), Some(Part::Var { .. })) {
                return Err(format!(
                    "{template:?}: two variables in a row cannot be told apart; put text between them"
                ));
            }
            if parts
                .iter()
                .any(|p| matches!(p, Part::Var { name: n, .. } if n == name))
            {
                return Err(format!("{template:?}: variable `{name}` appears twice"));
            }
            parts.push(Part::Var {
                name: name.to_owned(),
                reserved,
            });
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            return Err(format!("`}}` without `{{` in {template:?}"));
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(UriTemplate { parts })
    }

    /// The variable names, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { name, .. } => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// The variables' values if `uri` is an expansion of this template.
    pub fn matches(&self, uri: &str) -> Option<Vec<(String, String)>> {
        let mut values = Vec::new();
        let mut rest = uri;
        let mut parts = self.parts.iter().peekable();
        while let Some(part) = parts.next() {
            match part {
                Part::Literal(text) => rest = rest.strip_prefix(text.as_str())?,
                Part::Var { name, reserved } => {
                    // A variable runs to the next literal (the first occurrence that leaves a
                    // match for the rest is not searched for: templates put a separator there).
                    let end = match parts.peek() {
                        Some(Part::Literal(next)) => rest.find(next.as_str())?,
                        _ => rest.len(),
                    };
                    let value = &rest[..end];
                    let allowed = |c: char| *reserved || !matches!(c, '/' | '?' | '#');
                    if value.is_empty() || !value.chars().all(allowed) {
                        return None;
                    }
                    values.push((name.clone(), percent_decode(value)?));
                    rest = &rest[end..];
                }
            }
        }
        rest.is_empty().then_some(values)
    }
}

/// `%XX` escapes decoded (the value must be UTF-8 once decoded).
fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(template: &str, uri: &str) -> Option<Vec<(String, String)>> {
        UriTemplate::parse(template).unwrap().matches(uri)
    }

    #[test]
    fn simple_and_reserved_variables() {
        assert_eq!(
            vars("test://template/{id}/data", "test://template/123/data"),
            Some(vec![("id".into(), "123".into())])
        );
        assert_eq!(
            vars("test://template/{id}/data", "test://template/1/2/data"),
            None
        );
        assert_eq!(
            vars("test://template/{id}/data", "test://template//data"),
            None
        );
        assert_eq!(
            vars("test://template/{id}/data", "test://template/1/datax"),
            None
        );
        assert_eq!(
            vars("file:///{+path}", "file:///etc/hosts"),
            Some(vec![("path".into(), "etc/hosts".into())])
        );
        assert_eq!(
            vars("users://{id}/posts/{post}", "users://ada%20l/posts/7"),
            Some(vec![
                ("id".into(), "ada l".into()),
                ("post".into(), "7".into())
            ])
        );
        assert_eq!(vars("fixed://a", "fixed://a"), Some(vec![]));
        assert_eq!(vars("x://{a}", "x://%zz"), None);
    }

    #[test]
    fn bad_templates_say_why() {
        for bad in [
            "x://{",
            "x://}",
            "x://{}",
            "x://{a b}",
            "x://{a}{b}",
            "x://{a}/{a}",
        ] {
            assert!(UriTemplate::parse(bad).is_err(), "{bad}");
        }
        let t = UriTemplate::parse("x://{a}/{+b}").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), ["a", "b"]);
    }
}
