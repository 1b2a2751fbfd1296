//! A prompt's parameters: the injected `Context` or `State<T>`, or arguments (`T` required, `Option<T>`
//! optional, parsed from the strings MCP sends with `FromStr`), each with an optional
//! `#[arg(description = "…", rename = "…")]`.

use crate::function::Requirements;
use crate::state::StateParam;
use crate::syntax::args::set_once;
use crate::syntax::complete::CompleteSpec;
use crate::syntax::literal::string;
use crate::syntax::types::{is_context, option_inner};
use syn::{FnArg, Ident, ItemFn, LitStr, Type};

const REQUIREMENTS: Requirements = Requirements {
    method: "#[prompt] works on free functions, not methods: a prompt cannot take `self`",
    generic: "#[prompt] functions cannot be generic: the registry needs one concrete signature",
    variadic: "#[prompt] functions cannot be variadic",
    pattern: "#[prompt] parameters must be plain names (they become argument names)",
};

pub(super) enum Param {
    Context,
    State(StateParam),
    Arg(Box<Arg>),
}

pub(super) struct Arg {
    /// The type parsed from the argument: `T` for `T` and for `Option<T>`.
    pub parsed: Type,
    pub required: bool,
    pub wire_name: String,
    pub description: Option<LitStr>,
    pub complete: Option<CompleteSpec>,
}

/// Reads the parameters and strips their `#[arg]` attributes.
pub(super) fn analyse(func: &mut ItemFn) -> syn::Result<Vec<Param>> {
    let names: Vec<Ident> = REQUIREMENTS
        .check(&func.sig)?
        .into_iter()
        .cloned()
        .collect();
    let mut params = Vec::new();
    for (input, ident) in func.sig.inputs.iter_mut().zip(names) {
        let FnArg::Typed(pt) = input else {
            unreachable!("receivers were rejected")
        };
        let (description, rename, complete) = take_arg_attr(&mut pt.attrs)?;
        let ty = (*pt.ty).clone();
        if is_context(&ty) {
            params.push(Param::Context);
            continue;
        }
        if let Some(state) = StateParam::of(&ty) {
            params.push(Param::State(state));
            continue;
        }
        if let Type::Reference(r) = &ty {
            return Err(syn::Error::new_spanned(
                r,
                "#[prompt] parameters must be owned types (e.g. `String` instead of `&str`)",
            ));
        }
        let (parsed, required) = match option_inner(&ty) {
            Some(inner) => (inner.clone(), false),
            None => (ty, true),
        };
        params.push(Param::Arg(Box::new(Arg {
            parsed,
            required,
            wire_name: match rename {
                Some(r) => r.value(),
                None => ident.to_string().trim_start_matches("r#").to_owned(),
            },
            description,
            complete,
        })));
    }
    Ok(params)
}

type ArgAttr = (Option<LitStr>, Option<LitStr>, Option<CompleteSpec>);

fn take_arg_attr(attrs: &mut Vec<syn::Attribute>) -> syn::Result<ArgAttr> {
    let (mut description, mut rename, mut complete) = (None, None, None);
    let result = crate::item::take_arg_attrs(attrs, |meta| {
        let path = meta.path.clone();
        if path.is_ident("description") {
            let value = string(meta.value()?.parse()?, "description")?;
            set_once(&mut description, value, &path)
        } else if path.is_ident("rename") {
            let value = string(meta.value()?.parse()?, "rename")?;
            set_once(&mut rename, value, &path)
        } else if path.is_ident("complete") {
            let value = CompleteSpec::parse(meta.value()?)?;
            set_once(&mut complete, value, &path)
        } else {
            Err(meta.error(
                "unknown #[arg] option of a prompt; expected one of: description, \
                         rename, complete",
            ))
        }
    });
    result.map(|()| (description, rename, complete))
}
