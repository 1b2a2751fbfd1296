//! What `#[tool]` needs to know about the function: its parameters and what it returns.

use crate::function::Requirements;
use crate::state::StateParam;
use crate::syntax::args::set_once;
use crate::syntax::doc::doc_text;
use crate::syntax::json::json_value;
use crate::syntax::literal::string;
use crate::syntax::types::{is_context, option_inner, result_types};
use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, GenericArgument, Ident, ItemFn, LitStr, PathArguments, ReturnType, Type};

const REQUIREMENTS: Requirements = Requirements {
    method: "#[tool] works on free functions, not methods: a tool cannot take `self`",
    generic: "#[tool] functions cannot be generic: the registry needs one concrete signature",
    variadic: "#[tool] functions cannot be variadic",
    pattern: "#[tool] parameters must be plain names (they become argument names)",
};

pub(super) struct Signature {
    pub ident: Ident,
    /// The doc comments, as a `&'static str` expression.
    pub doc: proc_macro2::TokenStream,
    pub params: Vec<Param>,
    pub output: Output,
}

pub(super) enum Param {
    /// The injected `Context`.
    Context,
    /// The application's `State<T>`.
    State(StateParam),
    Arg(Box<Arg>),
}

pub(super) struct Arg {
    pub ty: Type,
    /// `T` when the parameter is `Option<T>`.
    pub option_inner: Option<Type>,
    pub wire_name: String,
    pub description: Option<LitStr>,
    pub default: Option<Expr>,
    /// `header = "Name"`: mirrored in the `Mcp-Param-Name` HTTP header (SEP-2243).
    pub header: Option<LitStr>,
    /// `schema = {..}`: the parameter's schema written by hand (JSON tokens).
    pub schema: Option<TokenStream>,
    /// `extend = {..}`: keywords merged into the generated schema (JSON tokens).
    pub extend: Option<TokenStream>,
}

pub(super) enum Output {
    /// `-> T` (or nothing: `()`).
    Value(Type),
    /// `-> Result<T, E>` (any type whose last segment is `Result`).
    Result {
        ok: Type,
        /// Where a non-`Display` error type is reported: at `E` (its first token), or at the
        /// return type when `E` is not written (`io::Result<T>`).
        err_span: Span,
    },
}

impl Signature {
    /// Reads the signature and strips the `#[arg]` attributes (they are ours, not the compiler's).
    pub(super) fn analyse(func: &mut ItemFn) -> syn::Result<Self> {
        let names: Vec<Ident> = REQUIREMENTS
            .check(&func.sig)?
            .into_iter()
            .cloned()
            .collect();
        let sig = &mut func.sig;
        let mut params = Vec::new();
        for (input, ident) in sig.inputs.iter_mut().zip(names) {
            let FnArg::Typed(pt) = input else {
                unreachable!("receivers were rejected")
            };
            let ArgAttr {
                description,
                default,
                rename,
                header,
                schema,
                extend,
            } = take_arg_attr(&mut pt.attrs)?;
            let ty = (*pt.ty).clone();
            check_owned(&ty)?;
            if is_context(&ty) {
                params.push(Param::Context);
                continue;
            }
            if let Some(state) = StateParam::of(&ty) {
                params.push(Param::State(state));
                continue;
            }
            if let Some(header) = &header {
                check_header_name(header, &params)?;
            }
            let wire_name = match rename {
                Some(r) => r.value(),
                None => ident.to_string().trim_start_matches("r#").to_owned(),
            };
            params.push(Param::Arg(Box::new(Arg {
                option_inner: option_inner(&ty).cloned(),
                ty,
                wire_name,
                description,
                default,
                header,
                schema,
                extend,
            })));
        }
        let output = match &sig.output {
            ReturnType::Default => Output::Value(syn::parse_quote!(())),
            ReturnType::Type(_, ty) => {
                if let Type::ImplTrait(it) = &**ty {
                    return Err(syn::Error::new_spanned(
                        it,
                        "#[tool] needs a named return type (the output schema is generated from it)",
                    ));
                }
                match result_types(ty) {
                    Some((ok, err)) => Output::Result {
                        ok: ok.clone(),
                        err_span: err.map_or(ty.span(), Spanned::span),
                    },
                    None => Output::Value((**ty).clone()),
                }
            }
        };
        Ok(Signature {
            ident: sig.ident.clone(),
            doc: doc_text(&func.attrs),
            params,
            output,
        })
    }
}

/// What `#[arg(...)]` says about one parameter.
#[derive(Default)]
struct ArgAttr {
    description: Option<LitStr>,
    default: Option<Expr>,
    rename: Option<LitStr>,
    header: Option<LitStr>,
    schema: Option<TokenStream>,
    extend: Option<TokenStream>,
}

/// Removes `#[arg(...)]` from a parameter and returns what it says.
fn take_arg_attr(attrs: &mut Vec<syn::Attribute>) -> syn::Result<ArgAttr> {
    let mut arg = ArgAttr::default();
    let result = crate::item::take_arg_attrs(attrs, |meta| {
        let path = meta.path.clone();
        if path.is_ident("description") {
            let value = string(meta.value()?.parse()?, "description")?;
            set_once(&mut arg.description, value, &path)
        } else if path.is_ident("default") {
            set_once(&mut arg.default, meta.value()?.parse::<Expr>()?, &path)
        } else if path.is_ident("rename") {
            let value = string(meta.value()?.parse()?, "rename")?;
            set_once(&mut arg.rename, value, &path)
        } else if path.is_ident("header") {
            let value = string(meta.value()?.parse()?, "header")?;
            set_once(&mut arg.header, value, &path)
        } else if path.is_ident("schema") {
            if arg.extend.is_some() {
                return Err(meta.error(SCHEMA_AND_EXTEND));
            }
            set_once(&mut arg.schema, json_value(meta.value()?)?, &path)
        } else if path.is_ident("extend") {
            if arg.schema.is_some() {
                return Err(meta.error(SCHEMA_AND_EXTEND));
            }
            set_once(&mut arg.extend, json_value(meta.value()?)?, &path)
        } else {
            Err(meta.error(
                "unknown #[arg] option; expected one of: description, default, rename, \
                         header, schema, extend",
            ))
        }
    });
    result.map(|()| arg)
}

const SCHEMA_AND_EXTEND: &str =
    "`schema` replaces the generated schema and `extend` adds to it: write one of them";

/// An `x-mcp-header` name is an HTTP field-name token (RFC 9110 §5.1), unique in the tool whatever
/// its case (it becomes the header `Mcp-Param-{name}`).
fn check_header_name(header: &LitStr, earlier: &[Param]) -> syn::Result<()> {
    let name = header.value();
    let is_tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(is_tchar) {
        return Err(syn::Error::new(
            header.span(),
            "a header name is an HTTP token: letters, digits and !#$%&'*+-.^_`|~, no spaces",
        ));
    }
    let taken = earlier.iter().any(|p| match p {
        Param::Arg(a) => a
            .header
            .as_ref()
            .is_some_and(|h| h.value().eq_ignore_ascii_case(&name)),
        Param::Context | Param::State(_) => false,
    });
    if taken {
        return Err(syn::Error::new(
            header.span(),
            format!("another parameter of this tool is already mirrored in `Mcp-Param-{name}` (header names ignore case)"),
        ));
    }
    Ok(())
}

/// Arguments are deserialised from JSON, so they must own their data: no reference anywhere in the
/// type (`&str`, `Vec<&str>`, `Option<&[u8]>`, …).
fn check_owned(ty: &Type) -> syn::Result<()> {
    let msg = match ty {
        Type::Reference(_) => {
            "#[tool] parameters must be owned types (e.g. `String` instead of `&str`)"
        }
        Type::ImplTrait(_) => "#[tool] parameters need a concrete type, not `impl Trait`",
        Type::Paren(p) => return check_owned(&p.elem),
        Type::Group(g) => return check_owned(&g.elem),
        Type::Array(a) => return check_owned(&a.elem),
        Type::Slice(s) => return check_owned(&s.elem),
        Type::Tuple(t) => return t.elems.iter().try_for_each(check_owned),
        Type::Path(p) => {
            if let Some(q) = &p.qself {
                check_owned(&q.ty)?;
            }
            for seg in &p.path.segments {
                if let PathArguments::AngleBracketed(a) = &seg.arguments {
                    for arg in &a.args {
                        if let GenericArgument::Type(t) = arg {
                            check_owned(t)?;
                        }
                    }
                }
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    Err(syn::Error::new_spanned(ty, msg))
}

impl Arg {
    /// The type whose schema describes the argument: `T` for `Option<T>`.
    pub(super) fn schema_type(&self) -> &Type {
        self.option_inner.as_ref().unwrap_or(&self.ty)
    }

    pub(super) fn required(&self) -> bool {
        self.option_inner.is_none() && self.default.is_none()
    }
}
