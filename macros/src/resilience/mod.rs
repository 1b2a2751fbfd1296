//! The resilience attributes. Whichever of them the compiler expands first takes all of them off
//! the function and builds the whole pipeline at once, so their order in the source does not
//! matter: it is always `rate_limited → cached → retry → circuit_breaker → timeout → bulkhead`.
//! The generated code only describes the policies (`PolicySpec`) and asks the runtime for their
//! state, so where that state lives stays a runtime decision.

mod args;

use crate::util::last_segment;
pub use args::Kind;
use args::{Policies, RateKeyArg};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, ReturnType, Type};

/// Expands the attribute `kind` (with its arguments `attr`) on `item`.
/// On a mistake: the error, and the function itself without its resilience attributes, so that
/// the mistake is the only error (the function and its callers still compile, without the
/// policies) rather than a cascade of follow-on errors about a function that vanished.
pub fn fallback(error: syn::Error, item: TokenStream) -> TokenStream {
    let mut out = error.into_compile_error();
    match syn::parse2::<ItemFn>(item.clone()) {
        Ok(mut func) => {
            func.attrs.retain(|a| {
                let name = a.path().segments.last().map(|s| s.ident.to_string());
                name.as_deref().and_then(Kind::from_ident).is_none()
            });
            func.to_tokens(&mut out);
        }
        Err(_) => out.extend(item),
    }
    out
}

pub fn expand(kind: Kind, attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut func: ItemFn = syn::parse2(item)?;
    let mut policies = Policies::default();
    policies.add(kind, attr, Span::call_site())?;
    // Take the sibling resilience attributes off the function.
    let mut siblings = Vec::new();
    func.attrs.retain(|a| {
        let name = a.path().segments.last().map(|s| s.ident.to_string());
        match name.as_deref().and_then(Kind::from_ident) {
            Some(k) => {
                siblings.push((k, a.clone()));
                false
            }
            None => true,
        }
    });
    for (k, a) in siblings {
        let tokens = match &a.meta {
            syn::Meta::Path(_) => TokenStream::new(),
            syn::Meta::List(l) => l.tokens.clone(),
            syn::Meta::NameValue(nv) => {
                return Err(syn::Error::new(
                    nv.span(),
                    "expected #[attribute(arguments)]",
                ))
            }
        };
        policies.add(k, tokens, a.span())?;
    }
    emit(&policies, func)
}

fn emit(policies: &Policies, mut func: ItemFn) -> syn::Result<TokenStream> {
    let p = quote!(::sturdy::__private);
    let sig = &func.sig;
    // A sync function runs its pipeline on the caller's thread: retries sleep there, and there is
    // no way to interrupt the call, hence no timeout.
    let blocking = sig.asyncness.is_none();
    if blocking && policies.timeout.is_some() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            "#[timeout] needs an `async fn`: a sync call cannot be interrupted at a deadline",
        ));
    }
    if let Some(r) = sig.receiver() {
        return Err(syn::Error::new(
            r.span(),
            "resilience attributes work on free functions, not methods",
        ));
    }
    if let Some(g) = sig.generics.params.first() {
        return Err(syn::Error::new(
            g.span(),
            "resilience attributes need a non-generic function (its policy state is one static)",
        ));
    }
    let (ok_ty, err_ty) = match &sig.output {
        ReturnType::Type(_, ty) => match result_types(ty) {
            Some(t) => t,
            None => {
                return Err(syn::Error::new(
                    ty.span(),
                    "resilience attributes need a function returning `Result<T, E>` (with \
                     `E: From<sturdy::ToolError>`), so that rejections can be returned",
                ))
            }
        },
        ReturnType::Default => {
            return Err(syn::Error::new(
                sig.ident.span(),
                "resilience attributes need a function returning `Result<T, E>`",
            ))
        }
    };
    let ret_ty = match &sig.output {
        ReturnType::Type(_, ty) => ty.clone(),
        ReturnType::Default => unreachable!(),
    };

    // Parameters: every attempt gets clones; the cache key is all of them but `Context`.
    let mut idents = Vec::new();
    let mut key_parts = Vec::new();
    let mut key_types = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(pt) = input else { continue };
        let Pat::Ident(pi) = &*pt.pat else {
            return Err(syn::Error::new(
                pt.pat.span(),
                "resilience attributes need plain parameter names",
            ));
        };
        let ident = pi.ident.clone();
        let ty = &*pt.ty;
        let is_context = matches!(last_segment(ty), Some((n, _)) if n == "Context");
        if !is_context {
            key_parts.push(quote_spanned!(ty.span()=> #p::cache_key_part::<#ty>(&#ident)));
            key_types.push(ty.clone());
        }
        idents.push((ident, ty.clone()));
    }
    // Without a cache, a smaller entry point (its future leaves the cache's out).
    let (cache_key_ty, cache_key_arg, run) = if policies.cache.is_some() {
        (
            quote!((#(#key_types,)*)),
            quote!((#(#key_parts,)*),),
            quote!(run),
        )
    } else {
        (quote!(()), quote!(), quote!(run_uncached))
    };
    // Only a cache needs `Clone` values.
    let new = if policies.cache.is_some() {
        quote!(new_cached)
    } else {
        quote!(new)
    };
    // A parameter key is checked before the pipeline starts, borrowing the argument.
    let admit_param = match policies.rate.as_ref().map(|r| &r.2) {
        Some(RateKeyArg::Param(name)) => {
            let Some((ident, ty)) = idents.iter().find(|(i, _)| i == name) else {
                return Err(syn::Error::new(
                    name.span(),
                    format!("no parameter named `{name}` to use as the rate-limit key"),
                ));
            };
            let check = quote_spanned!(ty.span()=>
                #p::with_rate_key::<#ty, _>(&#ident, |k| __sturdy_policies.admit_param(k)));
            let into_error = quote_spanned!(err_ty.span()=> #p::into_error::<#err_ty>(e));
            quote! {
                if let ::core::result::Result::Err(e) = #check {
                    return ::core::result::Result::Err(#into_error);
                }
            }
        }
        _ => quote!(),
    };
    let predicate = |path: Option<&syn::Path>| match path {
        Some(path) => {
            quote_spanned!(path.span()=> ::core::option::Option::Some(#path as fn(&#err_ty) -> bool))
        }
        None => quote!(::core::option::Option::None),
    };
    let retry_when = predicate(policies.retry.as_ref().and_then(|r| r.when.as_ref()));
    let failure_when = predicate(policies.breaker.as_ref().and_then(|b| b.when.as_ref()));
    let when = quote!(#p::Predicates { retry: #retry_when, failure: #failure_when });
    let spec = policies.spec(&p, blocking);
    let clones = idents
        .iter()
        .map(|(ident, ty)| quote_spanned!(ty.span()=> let #ident = #p::clone_arg::<#ty>(&#ident);));
    let block = &func.block;
    let fn_name = &sig.ident;
    let into_error = quote_spanned!(err_ty.span()=> #p::into_error::<#err_ty>(e));
    // How the pipeline's future is driven: awaited, or run to completion on this thread.
    let drive = if blocking {
        quote!(#p::block_on(__sturdy_pipeline))
    } else {
        quote!(__sturdy_pipeline.await)
    };
    let body = quote! {{
        static __STURDY_POLICIES: ::std::sync::OnceLock<::std::sync::Arc<#p::Policies<#cache_key_ty, #ok_ty, #err_ty>>> =
            ::std::sync::OnceLock::new();
        let __sturdy_policies = __STURDY_POLICIES.get_or_init(|| {
            #p::Policies::#new(
                ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#fn_name)),
                &#spec,
                #when,
            )
        });
        #admit_param
        // The user's body becomes the tail of a block: a one-line body would otherwise trip
        // `unused_braces` at the user's own braces.
        #[allow(unused_braces)]
        let __sturdy_pipeline = __sturdy_policies
            .#run(#cache_key_arg move || {
                #(#clones)*
                async move {
                    // Pins the block's type to the function's, so `?` and `return` behave as in
                    // the original body.
                    #[allow(unreachable_code, clippy::diverging_sub_expression)]
                    if false {
                        let __sturdy_never: #ret_ty = loop {};
                        return __sturdy_never;
                    }
                    #block
                }
            });
        match #drive {
            ::core::result::Result::Ok(v) => ::core::result::Result::Ok(v),
            ::core::result::Result::Err(e) => ::core::result::Result::Err(#into_error),
        }
    }};
    *func.block = syn::parse2(body)?;
    Ok(quote! {
        #func

        #[doc(hidden)]
        const _: () = {
            #p::inventory::submit! {
                #p::PolicyInfo {
                    rust_path: ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#fn_name)),
                    spec: &#spec,
                }
            }
        };
    })
}

/// `(T, E)` of a `Result<T, E>` return type (by the last path segment's name).
fn result_types(ty: &Type) -> Option<(Type, Type)> {
    let Type::Path(tp) = ty else { return None };
    let seg = tp.path.segments.last()?;
    if seg.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
        return None;
    };
    let mut types = a.args.iter().filter_map(|g| match g {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    });
    Some((types.next()?, types.next()?))
}
