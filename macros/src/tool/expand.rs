//! Code generation for `#[tool]`.

use super::options::ToolOptions;
use super::signature::{Output, Param, Signature};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

pub fn emit(options: &ToolOptions, sig: &Signature, func: &ItemFn) -> TokenStream {
    let p = quote!(::sturdy::__private);
    let ident = &sig.ident;
    let name = options
        .name
        .as_ref()
        .map(|n| n.value())
        .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
    let description = options
        .description
        .as_ref()
        .map(|d| d.value())
        .unwrap_or_else(|| sig.doc.clone());
    let title = opt_str(options.title.as_ref().map(|t| t.value()));
    let annotations = {
        let [ro, de, id, ow] = [
            options.read_only,
            options.destructive,
            options.idempotent,
            options.open_world,
        ]
        .map(opt_bool);
        quote! {
            #p::Annotations { title: ::core::option::Option::None, read_only: #ro,
                destructive: #de, idempotent: #id, open_world: #ow }
        }
    };

    // Argument extraction (each spanned at the user's type, so a missing `Deserialize` shows there),
    // the call's argument list, the parameter table and the default functions.
    let mut extract = Vec::new();
    let mut call_args = Vec::new();
    let mut param_defs = Vec::new();
    let mut default_fns = Vec::new();
    for (i, param) in sig.params.iter().enumerate() {
        match param {
            Param::Context => call_args.push(quote!(__sturdy_ctx.clone())),
            Param::Arg(arg) => {
                let var = format_ident!("__sturdy_arg{}", i);
                let (ty, wire) = (&arg.ty, &arg.wire_name);
                extract.push(quote_spanned! {ty.span()=>
                    let #var = match __sturdy_args.take::<#ty>(#wire) {
                        ::core::result::Result::Ok(v) => v,
                        ::core::result::Result::Err(e) => return #p::failed(e),
                    };
                });
                call_args.push(quote!(#var));
                let schema_ty = arg.schema_type();
                let schema_fn = format_ident!("__sturdy_schema{}", i);
                default_fns.push(quote_spanned! {schema_ty.span()=>
                    fn #schema_fn(g: &mut #p::SchemaGenerator) -> #p::Schema {
                        #p::param_schema::<#schema_ty>(g)
                    }
                });
                let default = match &arg.default {
                    Some(expr) => {
                        let f = format_ident!("__sturdy_default{}", i);
                        // A literal default goes through JSON, so `default = "Hello"` suits a
                        // `String` and `default = 5` any integer type; another expression must
                        // have the parameter's type.
                        let value = if matches!(expr, syn::Expr::Lit(_)) {
                            quote!(#p::serde_json::json!(#expr))
                        } else {
                            quote!(#p::default_json::<#schema_ty>(#expr))
                        };
                        default_fns.push(quote_spanned! {expr.span()=>
                            fn #f() -> ::core::result::Result<#p::serde_json::Value, ::std::string::String> {
                                #p::check_default::<#schema_ty>(#value)
                            }
                        });
                        quote!(::core::option::Option::Some(#f))
                    }
                    None => quote!(::core::option::Option::None),
                };
                let description = opt_str(arg.description.as_ref().map(|d| d.value()));
                let required = arg.required();
                param_defs.push(quote! {
                    #p::ParamDef { name: #wire, description: #description, required: #required,
                        schema: #schema_fn, default: #default }
                });
            }
        }
    }

    let invoke = if sig.is_async {
        quote!(#ident(#(#call_args),*).await)
    } else {
        quote! {
            match #p::run_blocking(move || #ident(#(#call_args),*)).await {
                ::core::result::Result::Ok(v) => v,
                ::core::result::Result::Err(e) => return ::core::result::Result::Err(e),
            }
        }
    };
    let (convert, out_ty) = match &sig.output {
        Output::Value(ty) => (
            quote!((&#p::Probe::of(&__sturdy_out)).kind().convert(__sturdy_out).into_outcome()),
            ty,
        ),
        Output::Result(ok) => (
            quote! {
                match __sturdy_out {
                    ::core::result::Result::Ok(v) => (&#p::Probe::of(&v)).kind().convert(v).into_outcome(),
                    ::core::result::Result::Err(e) => ::core::result::Result::Err(
                        (&#p::Probe::of(&e)).err_kind().convert(e)),
                }
            },
            ok,
        ),
    };
    let output_schema = quote_spanned! {out_ty.span()=>
        fn __sturdy_output_schema(g: &mut #p::SchemaGenerator) -> ::core::option::Option<#p::Schema> {
            (&#p::Probe::<#out_ty>::new()).kind().output_schema(g)
        }
    };
    let uses_ctx = sig.params.iter().any(|p| matches!(p, Param::Context));
    let ctx_binding = if uses_ctx {
        quote!(__sturdy_ctx)
    } else {
        quote!(_)
    };
    let args_binding = if param_defs.is_empty() {
        quote!(_)
    } else {
        quote!(mut __sturdy_args)
    };

    quote! {
        #func

        #[doc(hidden)]
        #[allow(non_snake_case, clippy::all)]
        const _: () = {
            #[allow(unused_imports)]
            use #p::{IntoOutcome as _, ViaDisplay as _, ViaStructured as _, ViaText as _,
                ViaToolError as _, ViaUnit as _};

            fn __sturdy_call(#ctx_binding: #p::Context, #args_binding: #p::Args) -> #p::CallFuture {
                #(#extract)*
                ::std::boxed::Box::pin(async move {
                    let __sturdy_out = #invoke;
                    #convert
                })
            }
            #output_schema
            #(#default_fns)*

            #p::inventory::submit! {
                #p::ToolDef {
                    name: #name,
                    rust_path: ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#ident)),
                    location: ::core::concat!(::core::file!(), ":", ::core::line!()),
                    description: #description,
                    title: #title,
                    annotations: #annotations,
                    params: &[#(#param_defs),*],
                    output_schema: __sturdy_output_schema,
                    call: __sturdy_call,
                }
            }
        };
    }
}

fn opt_str(s: Option<String>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

fn opt_bool(b: Option<bool>) -> TokenStream {
    match b {
        Some(b) => quote!(::core::option::Option::Some(#b)),
        None => quote!(::core::option::Option::None),
    }
}
