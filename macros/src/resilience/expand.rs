//! Code generation: the function's body becomes the pipeline's innermost step, and its policies
//! are registered for `--list-tools`.

use super::ast::Policies;
use super::spec::policy_spec;
use super::valid::Function;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

pub(super) fn expand(policies: &Policies, function: &Function, mut func: ItemFn) -> TokenStream {
    let p = quote!(::sturdy::__private);
    let Function {
        blocking,
        output,
        ok,
        err,
        params,
        rate_key_param,
    } = function;

    // The cache key is every argument but `Context`; without a cache, a smaller entry point (its
    // future leaves the cache's out), and values need not be `Clone`.
    let cached = policies.cached.is_some();
    let (cache_key_ty, cache_key_arg, run, new, codec) = if cached {
        let key_types = params.iter().filter(|a| !a.is_context).map(|a| &a.ty);
        let key_parts = params.iter().filter(|a| !a.is_context).map(|a| {
            let (ident, ty) = (&a.ident, &a.ty);
            quote_spanned!(ty.span()=> #p::cache_key_part::<#ty>(&#ident))
        });
        (
            quote!((#(#key_types,)*)),
            quote!((#(#key_parts,)*),),
            quote!(run),
            quote!(new_cached),
            // Shared by replicas when the values serialise (autoref: serde, else local only).
            quote!(, {
                #[allow(unused_imports)]
                use #p::{CodecLocalOnly as _, CodecSerde as _};
                (&#p::CodecProbe::<#ok>::new()).codec()
            }),
        )
    } else {
        (
            quote!(()),
            quote!(),
            quote!(run_uncached),
            quote!(new),
            quote!(),
        )
    };
    let into_error = quote_spanned!(err.span()=> #p::into_error::<#err>(e));
    // A parameter key is checked before the pipeline starts, borrowing the argument.
    // When the limit is shared (`sturdy::shared`), the key is handed to the pipeline instead.
    let admit_param = match rate_key_param {
        Some(i) => {
            let (ident, ty) = (&params[*i].ident, &params[*i].ty);
            let check = quote_spanned!(ty.span()=>
                #p::with_rate_key::<#ty, _>(&#ident, |k| __sturdy_policies.admit_param(k)));
            quote! {
                let __sturdy_deferred = match #check {
                    ::core::result::Result::Ok(deferred) => deferred,
                    ::core::result::Result::Err(e) => return ::core::result::Result::Err(#into_error),
                };
            }
        }
        None => quote!(let __sturdy_deferred = ::core::option::Option::None;),
    };
    let predicate = |path: Option<&syn::Path>| match path {
        Some(path) => {
            quote_spanned!(path.span()=> ::core::option::Option::Some(#path as fn(&#err) -> bool))
        }
        None => quote!(::core::option::Option::None),
    };
    let retry_when = predicate(policies.retry.as_ref().and_then(|r| r.args.when.as_ref()));
    let failure_when = predicate(
        policies
            .circuit_breaker
            .as_ref()
            .and_then(|b| b.args.when.as_ref()),
    );
    let spec = policy_spec(policies, &p, *blocking);
    let clones = params.iter().map(|a| {
        let (ident, ty) = (&a.ident, &a.ty);
        quote_spanned!(ty.span()=> let #ident = #p::clone_arg::<#ty>(&#ident);)
    });
    let block = &func.block;
    let fn_name = &func.sig.ident;
    // How the pipeline's future is driven: awaited, or run to completion on this thread.
    let drive = if *blocking {
        quote!(#p::block_on(__sturdy_pipeline))
    } else {
        quote!(__sturdy_pipeline.await)
    };
    let body = quote! {{
        static __STURDY_POLICIES: ::std::sync::OnceLock<::std::sync::Arc<#p::Policies<#cache_key_ty, #ok, #err>>> =
            ::std::sync::OnceLock::new();
        let __sturdy_policies = __STURDY_POLICIES.get_or_init(|| {
            #p::Policies::#new(
                ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#fn_name)),
                &#spec,
                #p::Predicates { retry: #retry_when, failure: #failure_when }
                #codec
            )
        });
        #admit_param
        // The user's body becomes the tail of a block: a one-line body would otherwise trip
        // `unused_braces` at the user's own braces.
        #[allow(unused_braces)]
        let __sturdy_pipeline = __sturdy_policies
            .#run(__sturdy_deferred, #cache_key_arg move || {
                #(#clones)*
                async move {
                    // Pins the block's type to the function's, so `?` and `return` behave as in
                    // the original body.
                    #[allow(unreachable_code, clippy::diverging_sub_expression)]
                    if false {
                        let __sturdy_never: #output = loop {};
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
    *func.block = syn::parse2(body).expect("the generated body is a block");
    quote! {
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
    }
}
