//! What `#[tool]` needs to know about the function: its parameters and what it returns.

use crate::util::{doc_text, last_segment, option_inner};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Ident, ItemFn, LitStr, Pat, ReturnType, Type};

pub struct Signature {
    pub ident: Ident,
    pub is_async: bool,
    pub doc: String,
    pub params: Vec<Param>,
    pub output: Output,
}

pub enum Param {
    /// The injected `Context`.
    Context,
    Arg(Box<Arg>),
}

pub struct Arg {
    pub ty: Type,
    /// `T` when the parameter is `Option<T>`.
    pub option_inner: Option<Type>,
    pub wire_name: String,
    pub description: Option<LitStr>,
    pub default: Option<Expr>,
}

pub enum Output {
    /// `-> T` (or nothing: `()`).
    Value(Type),
    /// `-> Result<T, E>` (any type whose last segment is `Result`).
    Result(Type),
}

impl Signature {
    /// Reads the signature and strips the `#[arg]` attributes (they are ours, not the compiler's).
    pub fn analyse(func: &mut ItemFn) -> syn::Result<Self> {
        let sig = &mut func.sig;
        if let Some(r) = sig.receiver() {
            return Err(syn::Error::new(
                r.span(),
                "#[tool] works on free functions, not methods: a tool cannot take `self`",
            ));
        }
        if let Some(g) = sig.generics.params.first() {
            return Err(syn::Error::new(
                g.span(),
                "#[tool] functions cannot be generic: the registry needs one concrete signature",
            ));
        }
        if let Some(v) = &sig.variadic {
            return Err(syn::Error::new(
                v.span(),
                "#[tool] functions cannot be variadic",
            ));
        }
        let mut params = Vec::new();
        for input in sig.inputs.iter_mut() {
            let FnArg::Typed(pt) = input else {
                unreachable!("receivers were rejected above")
            };
            let (description, default, rename) = take_arg_attr(&mut pt.attrs)?;
            let ident = match &*pt.pat {
                Pat::Ident(pi) if pi.subpat.is_none() => pi.ident.clone(),
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        "#[tool] parameters must be plain names (they become argument names)",
                    ))
                }
            };
            let ty = (*pt.ty).clone();
            check_owned(&ty)?;
            if matches!(last_segment(&ty), Some((n, _)) if n == "Context") {
                params.push(Param::Context);
                continue;
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
            })));
        }
        let output = match &sig.output {
            ReturnType::Default => Output::Value(syn::parse_quote!(())),
            ReturnType::Type(_, ty) => {
                if let Type::ImplTrait(it) = &**ty {
                    return Err(syn::Error::new(
                        it.span(),
                        "#[tool] needs a named return type (the output schema is generated from it)",
                    ));
                }
                match last_segment(ty) {
                    Some((n, Some(ok))) if n == "Result" => Output::Result(ok.clone()),
                    _ => Output::Value((**ty).clone()),
                }
            }
        };
        Ok(Signature {
            ident: sig.ident.clone(),
            is_async: sig.asyncness.is_some(),
            doc: doc_text(&func.attrs),
            params,
            output,
        })
    }
}

type ArgAttr = (Option<LitStr>, Option<Expr>, Option<LitStr>);

/// Removes `#[arg(...)]` from a parameter and returns (description, default, rename).
fn take_arg_attr(attrs: &mut Vec<syn::Attribute>) -> syn::Result<ArgAttr> {
    let (mut description, mut default, mut rename) = (None, None, None);
    let mut result = Ok(());
    attrs.retain(|a| {
        if !a.path().is_ident("arg") {
            return true;
        }
        if result.is_ok() {
            result = a.parse_nested_meta(|meta| {
                if meta.path.is_ident("description") {
                    description = Some(meta.value()?.parse::<LitStr>()?);
                } else if meta.path.is_ident("default") {
                    default = Some(meta.value()?.parse::<Expr>()?);
                } else if meta.path.is_ident("rename") {
                    rename = Some(meta.value()?.parse::<LitStr>()?);
                } else {
                    return Err(meta.error(
                        "unknown #[arg] option; expected one of: description, default, rename",
                    ));
                }
                Ok(())
            });
        }
        false
    });
    result.map(|()| (description, default, rename))
}

/// Arguments are deserialised from JSON, so they must own their data.
fn check_owned(ty: &Type) -> syn::Result<()> {
    let msg = match ty {
        Type::Reference(_) => {
            "#[tool] parameters must be owned types (e.g. `String` instead of `&str`)"
        }
        Type::ImplTrait(_) => "#[tool] parameters need a concrete type, not `impl Trait`",
        _ => return Ok(()),
    };
    Err(syn::Error::new(ty.span(), msg))
}

impl Arg {
    /// The type whose schema describes the argument: `T` for `Option<T>`.
    pub fn schema_type(&self) -> &Type {
        self.option_inner.as_ref().unwrap_or(&self.ty)
    }

    pub fn required(&self) -> bool {
        self.option_inner.is_none() && self.default.is_none()
    }
}
