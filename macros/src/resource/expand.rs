//! Code generation for `#[resource]`.

use super::options::{Address, ResourceOptions};
use super::params::Param;
use crate::syntax::doc::doc_text;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType};

pub(super) fn emit(options: &ResourceOptions, params: &[Param], func: &ItemFn) -> TokenStream {
    let p = options.common.private_path();
    let ident = &func.sig.ident;
    let name = options.common.name_or(ident);
    let description = match &options.common.description {
        Some(d) => quote!(#d),
        None => doc_text(&func.attrs),
    };
    let opt = |s: &Option<syn::LitStr>| match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    };
    let (title, mime_type) = (opt(&options.common.title), opt(&options.mime_type));
    let disabled = options.common.disabled.unwrap_or(false);
    let scopes = options.common.scopes_tokens();
    let cache = cache_hint(&p, options);
    let address = match &options.address {
        Address::Uri(uri) => quote!(#p::ResourceAddress::Uri(#uri)),
        Address::Template { literal, .. } => quote!(#p::ResourceAddress::Template(#literal)),
    };
    let Parts {
        extract,
        inject,
        call_args,
        completions,
    } = parts(&p, ident, params);
    let invoke =
        crate::function::invoke(&p, &func.sig, &call_args, options.common.blocking.is_on());
    // Spanned at the return type: an unsuitable one is reported there.
    let out_span = match &func.sig.output {
        ReturnType::Default => func.sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let convert = quote_spanned! {out_span=>
        #p::IntoResourceContents::into_contents(__sturdy_out)
    };
    let uses_ctx = params
        .iter()
        .any(|p| matches!(p, Param::Context | Param::State(_)));
    let states = crate::state::needs(
        &p,
        params.iter().filter_map(|p| match p {
            Param::State(s) => Some(s),
            _ => None,
        }),
    );
    let ctx_binding = if uses_ctx {
        quote!(__sturdy_ctx)
    } else {
        quote!(_)
    };
    let vars_binding = if extract.is_empty() {
        quote!(_)
    } else {
        quote!(mut __sturdy_vars)
    };
    quote! {
        #func

        #[doc(hidden)]
        #[allow(non_snake_case, clippy::all)]
        const _: () = {
            fn __sturdy_read(
                #ctx_binding: #p::Context,
                #vars_binding: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> #p::ReadFuture {
                #(#extract)*
                #(#inject)*
                ::std::boxed::Box::pin(async move {
                    let __sturdy_out = #invoke;
                    #convert
                })
            }
            #p::inventory::submit! {
                #p::ResourceDef {
                    address: #address,
                    name: #name,
                    title: #title,
                    description: #description,
                    mime_type: #mime_type,
                    rust_path: ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#ident)),
                    location: ::core::concat!(::core::file!(), ":", ::core::line!()),
                    completions: &[#(#completions),*],
                    states: #states,
                    disabled: #disabled,
                    scopes: #scopes,
                    cache: #cache,
                    read: __sturdy_read,
                }
            }
        };
    }
}

/// The resource's caching hint (2026-07-28): how long a client may reuse what it read, and
/// whether any client may.
fn cache_hint(p: &TokenStream, options: &ResourceOptions) -> TokenStream {
    let nanos = options.cache_ttl.map_or(0, |d| {
        u64::try_from(d.as_nanos()).expect("checked when parsed")
    });
    let public = options.cache_public.unwrap_or(false);
    quote!(#p::ResourceCacheHint {
        ttl: ::core::time::Duration::from_nanos(#nanos),
        public: #public,
    })
}

/// What the parameters contribute to the read function.
struct Parts {
    extract: Vec<TokenStream>,
    inject: Vec<TokenStream>,
    call_args: Vec<TokenStream>,
    completions: Vec<TokenStream>,
}

/// Each variable is parsed into its parameter's type (spanned there: a type that is not
/// `FromStr` is reported at it); `Context` and `State<T>` are injected.
fn parts(p: &TokenStream, ident: &syn::Ident, params: &[Param]) -> Parts {
    let mut parts = Parts {
        extract: Vec::new(),
        inject: Vec::new(),
        call_args: Vec::new(),
        completions: Vec::new(),
    };
    let fail = quote! {
        return ::std::boxed::Box::pin(::core::future::ready(::core::result::Result::Err(e)))
    };
    for (i, param) in params.iter().enumerate() {
        match param {
            Param::Context => parts.call_args.push(quote!(__sturdy_ctx.clone())),
            Param::State(state) => {
                let var = format_ident!("__sturdy_state{}", i);
                parts.inject.push(state.take(p, ident, &var, &fail));
                parts.call_args.push(quote!(#var));
            }
            Param::Var { name, ty, complete } => {
                if let Some(c) = complete {
                    let c = c.completer(p);
                    parts.completions.push(quote!((#name, #c)));
                }
                let var = format_ident!("__sturdy_var{}", i);
                let take = quote_spanned! {ty.span()=>
                    #p::take_var::<#ty>(&mut __sturdy_vars, #name)
                };
                parts.extract.push(quote! {
                    let #var: #ty = match #take {
                        ::core::result::Result::Ok(v) => v,
                        ::core::result::Result::Err(e) => { #fail }
                    };
                });
                parts.call_args.push(quote!(#var));
            }
        }
    }
    parts
}
