//! The parameters of a `#[resource]` function: the injected `Context` and `State<T>`, and the
//! template's variables, each matched by name.

use super::options::{Address, ResourceOptions};
use crate::function::Requirements;
use crate::state::StateParam;
use crate::syntax::args::set_once;
use crate::syntax::complete::CompleteSpec;
use crate::syntax::types::is_context;
use syn::{FnArg, Ident, ItemFn, Type};

const REQUIREMENTS: Requirements = Requirements {
    method: "#[resource] works on free functions, not methods: a resource cannot take `self`",
    generic: "#[resource] functions cannot be generic: the registry needs one concrete signature",
    variadic: "#[resource] functions cannot be variadic",
    pattern: "#[resource] parameters must be plain names (they are the template's variables)",
};

/// One parameter: the injected `Context` or `State<T>`, or a template variable.
pub(super) enum Param {
    Context,
    State(StateParam),
    Var {
        name: String,
        ty: Box<Type>,
        complete: Option<CompleteSpec>,
    },
}

/// The parameters, checked against the address: a fixed URI takes none but `Context`; a
/// template takes exactly its variables, by name, in any order.
pub(super) fn analyse(func: &mut ItemFn, options: &ResourceOptions) -> syn::Result<Vec<Param>> {
    let names: Vec<Ident> = REQUIREMENTS
        .check(&func.sig)?
        .into_iter()
        .cloned()
        .collect();
    let variables = match &options.address {
        Address::Template { variables, .. } => variables.clone(),
        Address::Uri(_) => Vec::new(),
    };
    let mut params = Vec::new();
    for (input, ident) in func.sig.inputs.iter_mut().zip(names) {
        let FnArg::Typed(pt) = input else {
            unreachable!("receivers were rejected")
        };
        let complete = take_complete(&mut pt.attrs)?;
        if is_context(&pt.ty) {
            params.push(Param::Context);
            continue;
        }
        if let Some(state) = StateParam::of(&pt.ty) {
            params.push(Param::State(state));
            continue;
        }
        if let Type::Reference(r) = &*pt.ty {
            return Err(syn::Error::new_spanned(
                r,
                "#[resource] parameters must be owned types (e.g. `String` instead of `&str`)",
            ));
        }
        let name = ident.to_string().trim_start_matches("r#").to_owned();
        if !variables.contains(&name) {
            let msg = match &options.address {
                Address::Uri(_) => format!(
                    "a resource at a fixed `uri` takes no parameters (but `Context` and `State<T>`); for a family \
                     of URIs write `template = \"…/{{{name}}}\"`"
                ),
                Address::Template { .. } => format!(
                    "`{name}` is not a variable of the template: parameters are the template's \
                     variables ({})",
                    variables.join(", ")
                ),
            };
            return Err(syn::Error::new(ident.span(), msg));
        }
        params.push(Param::Var {
            name,
            ty: pt.ty.clone(),
            complete,
        });
    }
    if let Address::Template { literal, .. } = &options.address {
        for v in &variables {
            let taken = params
                .iter()
                .any(|p| matches!(p, Param::Var { name, .. } if name == v));
            if !taken {
                return Err(syn::Error::new(
                    literal.span(),
                    format!("the template's variable `{v}` needs a parameter `{v}` (a `String`, or any `FromStr` type)"),
                ));
            }
        }
    }
    Ok(params)
}

/// Removes `#[arg(complete = …)]` from a parameter and returns it (the only `#[arg]` option of a
/// template variable).
fn take_complete(attrs: &mut Vec<syn::Attribute>) -> syn::Result<Option<CompleteSpec>> {
    let mut complete = None;
    let result = crate::item::take_arg_attrs(attrs, |meta| {
        let path = meta.path.clone();
        if path.is_ident("complete") {
            let value = CompleteSpec::parse(meta.value()?)?;
            set_once(&mut complete, value, &path)
        } else {
            Err(meta.error(
                "the #[arg] option of a template variable is `complete` (its name is \
                         the template's, its description the resource's)",
            ))
        }
    });
    result.map(|()| complete)
}
