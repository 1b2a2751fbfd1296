//! Code generation: the function's body becomes the pipeline's innermost step, and its policies
//! are registered for `--list-tools`.

use super::ast::Policies;
use super::spec::policy_spec;
use super::valid::Function;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

/// Whether `#[cached]` keeps entries per caller: asked to (`per = client`), or by default for a
/// function that takes `Context` (its answer may depend on the caller) unless `shared`.
fn cached_per_caller(policies: &Policies, function: &Function) -> bool {
    policies.cached.as_ref().is_some_and(|c| {
        let takes_context = function.params.iter().any(|a| a.is_context);
        c.args.per_client || takes_context && !c.args.shared
    })
}

pub(super) fn expand(policies: &Policies, function: &Function, mut func: ItemFn) -> TokenStream {
    let p = quote!(::sturdy::__private);
    let Function {
        blocking,
        err,
        params,
        infallible,
        ..
    } = function;
    let spec = policy_spec(
        policies,
        &p,
        *blocking,
        cached_per_caller(policies, function),
    );
    let Storage {
        policy_static,
        make,
        run,
        key,
    } = storage(&p, policies, function);
    let into_error = quote_spanned!(err.span()=> #p::into_error::<#err>(e));
    let admit_param = admit_param(&p, function, &into_error);
    let (retry_when, failure_when) = predicates(policies, err);
    let clones = params.iter().map(|a| {
        let (ident, ty) = (&a.ident, &a.ty);
        quote_spanned!(ty.span()=> let #ident = #p::clone_arg::<#ty>(&#ident);)
    });
    let attempt_body = attempt_body(function, &func);
    // How the pipeline's future is driven: awaited, or run to completion on this thread.
    let drive = if *blocking {
        quote!(#p::block_on(__sturdy_pipeline))
    } else {
        quote!(__sturdy_pipeline.await)
    };
    let finish = if *infallible {
        quote!(#p::infallible(#drive))
    } else {
        quote! {
            match #drive {
                ::core::result::Result::Ok(v) => ::core::result::Result::Ok(v),
                ::core::result::Result::Err(e) => ::core::result::Result::Err(#into_error),
            }
        }
    };
    let fn_name = &func.sig.ident;
    let body = quote! {{
        #policy_static
        #[allow(unused_imports)]
        use #p::{KeyHashable as _, KeyUnhashable as _, ValueCloneable as _, ValueNotCloneable as _};
        let __sturdy_spec: &#p::PolicySpec = &#spec;
        let __sturdy_name = ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#fn_name));
        let __sturdy_when = #p::Predicates::<#err> { retry: #retry_when, failure: #failure_when };
        let __sturdy_policies: &#p::Policies<_, _, _> = __STURDY_POLICIES.get_or_init(|| #make);
        #admit_param
        #key
        // The user's body becomes the tail of a block: a one-line body would otherwise trip
        // `unused_braces` at the user's own braces.
        #[allow(unused_braces)]
        let __sturdy_attempt = move || {
            #(#clones)*
            async move { #attempt_body }
        };
        let __sturdy_pipeline = #run;
        #finish
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

/// Where a function's policies live, how they are made, how a call runs through them, and its
/// cache key.
struct Storage {
    policy_static: TokenStream,
    make: TokenStream,
    run: TokenStream,
    key: TokenStream,
}

/// The cache key is every argument but `Context`, and the caller (its principal, else its
/// identity) when the function takes `Context` (its answer may depend on who asks: one user's
/// must never reach another) unless `shared`, or with `per = client`; without a cache, a smaller entry point (its
/// future leaves the cache's out), and values need not be `Clone`. With one, the runtime's probes
/// decide whether the key's parts and the value qualify, each at the user's type (see
/// `cache_probes.rs` in the runtime), so that a type that does not is one error there. Without a
/// cache the policies live in a static of their type; with one, in a cell that learns the type
/// from the call (the key's type cannot be written out; see `PolicyCell`), for the price of a
/// type check per call.
fn storage(p: &TokenStream, policies: &Policies, function: &Function) -> Storage {
    let Function {
        ok, err, params, ..
    } = function;
    if policies.cached.is_none() {
        return Storage {
            policy_static: quote! {
                static __STURDY_POLICIES: ::std::sync::OnceLock<::std::sync::Arc<#p::Policies<(), #ok, #err>>> =
                    ::std::sync::OnceLock::new();
            },
            make: quote!(#p::Policies::<(), #ok, #err>::new(__sturdy_name, __sturdy_spec, __sturdy_when)),
            run: quote!(__sturdy_policies.run_uncached(__sturdy_deferred, __sturdy_attempt)),
            key: quote!(),
        };
    }
    let value_probe = quote_spanned!(ok.span()=> (&#p::ValueProbe::<#ok>::new()));
    let key_parts = params.iter().filter(|a| !a.is_context).map(|a| {
        let (ident, ty) = (&a.ident, &a.ty);
        quote_spanned!(ty.span()=> (&#p::KeyProbe::<#ty>::new()).key_part(&#ident))
    });
    let caller = cached_per_caller(policies, function).then(|| quote!(#p::caller_key(),));
    // Shared by replicas when the values serialise (autoref: serde, else local only).
    let codec = quote!({
        #[allow(unused_imports)]
        use #p::{CodecLocalOnly as _, CodecSerde as _};
        (&#p::CodecProbe::<#ok>::new()).codec()
    });
    Storage {
        policy_static: quote!(static __STURDY_POLICIES: #p::PolicyCell = #p::PolicyCell::new();),
        make: quote_spanned!(ok.span()=> {
            let __sturdy_codec = #codec;
            #value_probe.policies(__sturdy_name, __sturdy_spec, __sturdy_when, __sturdy_codec)
        }),
        run: quote_spanned!(ok.span()=> #value_probe.run(__sturdy_policies, __sturdy_deferred, __sturdy_key, __sturdy_attempt)),
        key: quote!(let __sturdy_key = (#(#key_parts,)* #caller);),
    }
}

/// A parameter key is checked before the pipeline starts, borrowing the argument. When the limit
/// is shared (`sturdy::shared`), the key is handed to the pipeline instead.
fn admit_param(p: &TokenStream, function: &Function, into_error: &TokenStream) -> TokenStream {
    let Function {
        params,
        rate_key_param,
        ..
    } = function;
    match rate_key_param {
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
    }
}

/// `#[retry(when = …)]` and `#[circuit_breaker(when = …)]`, as function pointers of the error type.
fn predicates(policies: &Policies, err: &syn::Type) -> (TokenStream, TokenStream) {
    let predicate = |path: Option<&syn::Path>| match path {
        Some(path) => {
            quote_spanned!(path.span()=> ::core::option::Option::Some(#path as fn(&#err) -> bool))
        }
        None => quote!(::core::option::Option::None),
    };
    let retry = policies.retry.as_ref().and_then(|r| r.args.when.as_ref());
    let breaker = policies
        .circuit_breaker
        .as_ref()
        .and_then(|b| b.args.when.as_ref());
    (predicate(retry), predicate(breaker))
}

/// The user's body, its type pinned to the function's, so that `?` and `return` behave as in the
/// original body; an infallible function's value becomes the pipeline's `Ok`.
fn attempt_body(function: &Function, func: &ItemFn) -> TokenStream {
    let Function {
        output,
        ok,
        err,
        infallible,
        ..
    } = function;
    let block = &func.block;
    let pinned = quote! {
        #[allow(unreachable_code, clippy::diverging_sub_expression)]
        if false {
            let __sturdy_never: #output = loop {};
            return __sturdy_never;
        }
        #block
    };
    if *infallible {
        quote!(::core::result::Result::Ok::<#ok, #err>(async move { #pinned }.await))
    } else {
        pinned
    }
}
