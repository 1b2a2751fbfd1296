//! Code generation for `#[prompt]`.

use super::options::PromptOptions;
use super::params::Param;
use crate::syntax::doc::doc_text;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType};

pub(super) fn emit(options: &PromptOptions, params: &[Param], func: &ItemFn) -> TokenStream {
    let p = options.common.private_path();
    let ident = &func.sig.ident;
    let name = options.common.name_or(ident);
    let description = match &options.common.description {
        Some(d) => quote!(#d),
        None => doc_text(&func.attrs),
    };
    let title = match &options.common.title {
        Some(t) => quote!(::core::option::Option::Some(#t)),
        None => quote!(::core::option::Option::None),
    };
    let disabled = options.common.disabled.unwrap_or(false);
    let scopes = options.common.scopes_tokens();
    let Parts {
        extract,
        inject,
        call_args,
        arg_defs,
    } = parts(&p, ident, params);
    let invoke =
        crate::function::invoke(&p, &func.sig, &call_args, options.common.blocking.is_on());
    let out_span = match &func.sig.output {
        ReturnType::Default => func.sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let convert = quote_spanned! {out_span=>
        #p::IntoPromptMessages::into_messages(__sturdy_out)
    };
    let states = crate::state::needs(
        &p,
        params.iter().filter_map(|p| match p {
            Param::State(s) => Some(s),
            _ => None,
        }),
    );
    let ctx_binding = if params
        .iter()
        .any(|p| matches!(p, Param::Context | Param::State(_)))
    {
        quote!(__sturdy_ctx)
    } else {
        quote!(_)
    };
    let args_binding = if extract.is_empty() {
        quote!(_)
    } else {
        quote!(mut __sturdy_args)
    };
    quote! {
        #func

        #[doc(hidden)]
        #[allow(non_snake_case, clippy::all)]
        const _: () = {
            fn __sturdy_get(
                #ctx_binding: #p::Context,
                #args_binding: #p::serde_json::Map<::std::string::String, #p::serde_json::Value>,
            ) -> #p::GetFuture {
                #(#extract)*
                #(#inject)*
                ::std::boxed::Box::pin(async move {
                    let __sturdy_out = #invoke;
                    #convert
                })
            }
            #p::inventory::submit! {
                #p::PromptDef {
                    name: #name,
                    title: #title,
                    description: #description,
                    arguments: &[#(#arg_defs),*],
                    rust_path: ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#ident)),
                    location: ::core::concat!(::core::file!(), ":", ::core::line!()),
                    states: #states,
                    disabled: #disabled,
                    scopes: #scopes,
                    get: __sturdy_get,
                }
            }
        };
    }
}

/// What the parameters contribute: each argument taken out of what the client sent and parsed
/// into its parameter's type (spanned there), with its `PromptArgDef`; `Context` and `State<T>`
/// injected.
struct Parts {
    extract: Vec<TokenStream>,
    inject: Vec<TokenStream>,
    call_args: Vec<TokenStream>,
    arg_defs: Vec<TokenStream>,
}

fn parts(p: &TokenStream, ident: &syn::Ident, params: &[Param]) -> Parts {
    let mut parts = Parts {
        extract: Vec::new(),
        inject: Vec::new(),
        call_args: Vec::new(),
        arg_defs: Vec::new(),
    };
    let fail = quote! {
        return ::std::boxed::Box::pin(::core::future::ready(::core::result::Result::Err(e)))
    };
    for (i, param) in params.iter().enumerate() {
        let arg = match param {
            Param::Context => {
                parts.call_args.push(quote!(__sturdy_ctx.clone()));
                continue;
            }
            Param::State(state) => {
                let var = format_ident!("__sturdy_state{}", i);
                parts.inject.push(state.take(p, ident, &var, &fail));
                parts.call_args.push(quote!(#var));
                continue;
            }
            Param::Arg(arg) => arg,
        };
        let var = format_ident!("__sturdy_arg{}", i);
        let (parsed, wire) = (&arg.parsed, &arg.wire_name);
        let take = quote_spanned! {parsed.span()=>
            #p::take_prompt_arg::<#parsed>(&mut __sturdy_args, #wire)
        };
        parts.extract.push(if arg.required {
            quote! {
                let #var = match #take {
                    ::core::result::Result::Ok(::core::option::Option::Some(v)) => v,
                    ::core::result::Result::Ok(::core::option::Option::None) => {
                        let e = #p::missing_prompt_arg(#wire);
                        #fail
                    }
                    ::core::result::Result::Err(e) => { #fail }
                };
            }
        } else {
            quote! {
                let #var = match #take {
                    ::core::result::Result::Ok(v) => v,
                    ::core::result::Result::Err(e) => { #fail }
                };
            }
        });
        parts.call_args.push(quote!(#var));
        let description = match &arg.description {
            Some(d) => quote!(::core::option::Option::Some(#d)),
            None => quote!(::core::option::Option::None),
        };
        let required = arg.required;
        let complete = match &arg.complete {
            Some(c) => {
                let c = c.completer(p);
                quote!(::core::option::Option::Some(#c))
            }
            None => quote!(::core::option::Option::None),
        };
        parts.arg_defs.push(quote! {
            #p::PromptArgDef { name: #wire, description: #description, required: #required,
                complete: #complete }
        });
    }
    parts
}
