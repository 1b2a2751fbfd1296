//! Code generation for `#[tool]`.

use super::options::ToolOptions;
use super::params::{Arg, Output as OutputType, Param, Signature};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

pub(super) fn emit(options: &ToolOptions, sig: &Signature, func: &ItemFn) -> TokenStream {
    let p = options.common.private_path();
    let params = Params::of(&p, sig);
    let mut fns = params.fns;
    let output = output(
        &p,
        sig,
        func,
        options.common.blocking.is_on(),
        &params.call_args,
    );
    fns.extend(output.fns);
    let edits = schema_edits(&p, options, &mut fns);
    let def = definition(&p, options, sig, &params.defs, &edits);
    let extract = &params.extract;
    let inject = &params.inject;
    let (ctx_binding, args_binding) = (&output.ctx_binding, &params.args_binding);
    let (convert, invoke) = (&output.convert, &output.invoke);
    // The definition's functions, then the definition itself.
    let items = quote! {
        #[allow(unused_imports)]
        use #p::{ViaDisplay as _, ViaStructured as _, ViaText as _, ViaToolError as _,
            ViaUnit as _};

        fn __sturdy_call(#ctx_binding: #p::Context, #args_binding: #p::Args<'_>) -> #p::CallFuture {
            #(#extract)*
            #(#inject)*
            ::std::boxed::Box::pin(async move {
                let __sturdy_out = #invoke;
                #convert
            })
        }
        #(#fns)*
    };
    register(&p, options, sig, func, items, def)
}

/// What the parameters contribute: per argument, a function that takes it out of `Args` and one
/// that gives its schema (the user's type is their turbofish argument, so a missing
/// `Deserialize` or `JsonSchema` impl is reported once, at the parameter's type; defaults are
/// checked with the same `take` function), its `ParamDef`; per injected value, its binding.
struct Params {
    extract: Vec<TokenStream>,
    inject: Vec<TokenStream>,
    call_args: Vec<TokenStream>,
    defs: Vec<TokenStream>,
    fns: Vec<TokenStream>,
    args_binding: TokenStream,
}

impl Params {
    fn of(p: &TokenStream, sig: &Signature) -> Self {
        let mut params = Params {
            extract: Vec::new(),
            inject: Vec::new(),
            call_args: Vec::new(),
            defs: Vec::new(),
            fns: Vec::new(),
            args_binding: quote!(_),
        };
        for (i, param) in sig.params.iter().enumerate() {
            match param {
                Param::Context => params.call_args.push(quote!(__sturdy_ctx.clone())),
                Param::State(state) => {
                    let var = format_ident!("__sturdy_state{}", i);
                    let fail = quote!(return #p::failed(e));
                    params.inject.push(state.take(p, &sig.ident, &var, &fail));
                    params.call_args.push(quote!(#var));
                }
                Param::Arg(arg) => params.argument(p, i, arg),
            }
        }
        if !params.defs.is_empty() {
            params.args_binding = quote!(mut __sturdy_args);
        }
        params
    }

    fn argument(&mut self, p: &TokenStream, i: usize, arg: &Arg) {
        let args = quote!(args);
        let var = format_ident!("__sturdy_arg{}", i);
        let take_fn = format_ident!("__sturdy_take{}", i);
        let (ty, wire) = (&arg.ty, &arg.wire_name);
        let take = match &arg.option_inner {
            Some(inner) => quote_spanned! {inner.span()=>
                #p::take_optional_arg::<#inner>(#args, #wire)
            },
            None => quote_spanned! {ty.span()=>
                #p::take_arg::<#ty>(#args, #wire)
            },
        };
        self.fns.push(quote! {
            fn #take_fn(#args: &mut #p::Args<'_>) -> ::core::result::Result<#ty, #p::ToolError> {
                #take
            }
        });
        self.extract.push(quote! {
            let #var = match #take_fn(&mut __sturdy_args) {
                ::core::result::Result::Ok(v) => v,
                ::core::result::Result::Err(e) => return #p::failed(e),
            };
        });
        self.call_args.push(quote!(#var));
        let schema_ty = arg.schema_type();
        let schema_fn = format_ident!("__sturdy_schema{}", i);
        let schema = quote_spanned! {schema_ty.span()=>
            #p::param_schema::<#schema_ty>(g)
        };
        self.fns.push(quote! {
            fn #schema_fn(g: &mut #p::SchemaGenerator) -> #p::Schema {
                #schema
            }
        });
        let default = match &arg.default {
            Some(expr) => {
                let f = format_ident!("__sturdy_default{}", i);
                // A literal default goes through JSON, so `default = "Hello"` suits a `String`
                // and `default = 5` any integer type; another expression must have the
                // parameter's type.
                let value = if matches!(expr, syn::Expr::Lit(_)) {
                    quote_spanned!(expr.span()=> #p::serde_json::json!(#expr))
                } else {
                    quote_spanned!(expr.span()=> #p::default_json::<#schema_ty>(#expr))
                };
                self.fns.push(quote! {
                    fn #f() -> ::core::result::Result<#p::serde_json::Value, ::std::string::String> {
                        #p::check_default(#value, #wire, #take_fn)
                    }
                });
                quote!(::core::option::Option::Some(#f))
            }
            None => quote!(::core::option::Option::None),
        };
        let description = opt_str(arg.description.as_ref().map(|d| d.value()));
        let required = arg.required();
        let header = opt_str(arg.header.as_ref().map(|h| h.value()));
        let edit = schema_edit(
            p,
            arg.schema.as_ref(),
            arg.extend.as_ref(),
            &format_ident!("__sturdy_param_schema{}", i),
            &mut self.fns,
        );
        self.defs.push(quote! {
            #p::ParamDef { name: #wire, description: #description, required: #required,
                schema: #schema_fn, default: #default, header: #header, schema_edit: #edit }
        });
    }
}

/// How the function is called and its result becomes the call's outcome.
struct Output {
    invoke: TokenStream,
    convert: TokenStream,
    ctx_binding: TokenStream,
    fns: Vec<TokenStream>,
}

/// The success type is resolved once, in `__sturdy_output` (text, unit or structured; the latter
/// must be `Serialize + JsonSchema`), so an unsuitable return type is one error at that type.
fn output(
    p: &TokenStream,
    sig: &Signature,
    func: &ItemFn,
    blocking: bool,
    call_args: &[TokenStream],
) -> Output {
    let invoke = crate::function::invoke(p, &func.sig, call_args, blocking);
    let (convert, out_ty) = match &sig.output {
        OutputType::Value(ty) => (quote!((__sturdy_output().convert)(__sturdy_out)), ty),
        OutputType::Result { ok, err_span } => {
            let err_convert = quote_spanned! {*err_span=>
                (&#p::Probe::of(&e)).err_kind().convert(e)
            };
            (
                quote! {
                    match __sturdy_out {
                        ::core::result::Result::Ok(v) => (__sturdy_output().convert)(v),
                        ::core::result::Result::Err(e) => ::core::result::Result::Err(#err_convert),
                    }
                },
                ok,
            )
        }
    };
    let output_fns = quote_spanned! {out_ty.span()=>
        (&#p::Probe::<#out_ty>::new()).kind().fns::<#out_ty>()
    };
    let uses_ctx = sig
        .params
        .iter()
        .any(|p| matches!(p, Param::Context | Param::State(_)));
    Output {
        invoke,
        convert,
        ctx_binding: if uses_ctx {
            quote!(__sturdy_ctx)
        } else {
            quote!(_)
        },
        fns: vec![quote! {
            fn __sturdy_output() -> #p::OutputFns<#out_ty> {
                #output_fns
            }
            fn __sturdy_output_schema(g: &mut #p::SchemaGenerator) -> ::core::option::Option<#p::Schema> {
                (__sturdy_output().output_schema)(g)
            }
        }],
    }
}

/// The author's edits of the input and output schemas (their functions pushed onto `fns`).
struct SchemaEdits {
    input_extend: TokenStream,
    output_edit: TokenStream,
}

fn schema_edits(p: &TokenStream, options: &ToolOptions, fns: &mut Vec<TokenStream>) -> SchemaEdits {
    let input_extend = match &options.input_extend {
        Some(json) => {
            fns.push(json_fn(p, &format_ident!("__sturdy_input_extend"), json));
            quote!(::core::option::Option::Some(__sturdy_input_extend))
        }
        None => quote!(::core::option::Option::None),
    };
    let output_edit = schema_edit(
        p,
        options.output_schema.as_ref(),
        options.output_extend.as_ref(),
        &format_ident!("__sturdy_output_edit"),
        fns,
    );
    SchemaEdits {
        input_extend,
        output_edit,
    }
}

/// The `ToolDef` expression.
fn definition(
    p: &TokenStream,
    options: &ToolOptions,
    sig: &Signature,
    param_defs: &[TokenStream],
    edits: &SchemaEdits,
) -> TokenStream {
    let ident = &sig.ident;
    let name = options.common.name_or(ident);
    // A `&'static str` expression: the option's literal, else the doc comments.
    let description = match &options.common.description {
        Some(d) => quote!(#d),
        None => sig.doc.clone(),
    };
    let title = opt_str(options.common.title.as_ref().map(|t| t.value()));
    let schema_dialect = options.schema_dialect.unwrap_or(false);
    let disabled = options.common.disabled.unwrap_or(false);
    let scopes = options.common.scopes_tokens();
    let [ro, de, id, ow] = [
        options.read_only,
        options.destructive,
        options.idempotent,
        options.open_world,
    ]
    .map(opt_bool);
    let takes_context = sig.params.iter().any(|p| matches!(p, Param::Context));
    let task_deferred = matches!(options.deferred_task, Some((true, _)));
    if let (true, false, Some((_, span))) = (task_deferred, takes_context, options.deferred_task) {
        return syn::Error::new(
            span,
            "`deferred_task` needs a `Context` parameter: the tool begins its task with \
             `ctx.begin_task().await`",
        )
        .to_compile_error();
    }
    let task = match options.task {
        None => quote!(#p::TaskSupport::Forbidden),
        Some(super::options::TaskOption::Optional) => quote!(#p::TaskSupport::Optional),
        Some(super::options::TaskOption::Required) => quote!(#p::TaskSupport::Required),
    };
    let states = crate::state::needs(
        p,
        sig.params.iter().filter_map(|p| match p {
            Param::State(s) => Some(s),
            _ => None,
        }),
    );
    let SchemaEdits {
        input_extend,
        output_edit,
    } = edits;
    quote! {
        #p::ToolDef {
            name: #name,
            rust_path: ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#ident)),
            location: ::core::concat!(::core::file!(), ":", ::core::line!()),
            description: #description,
            title: #title,
            annotations: #p::Annotations { title: ::core::option::Option::None, read_only: #ro,
                destructive: #de, idempotent: #id, open_world: #ow },
            schema_dialect: #schema_dialect,
            disabled: #disabled,
            scopes: #scopes,
            params: &[#(#param_defs),*],
            output_schema: __sturdy_output_schema,
            input_extend: #input_extend,
            output_edit: #output_edit,
            states: #states,
            takes_context: #takes_context,
            task: #task,
            task_deferred: #task_deferred,
            call: __sturdy_call,
        }
    }
}

/// The function, and its definition registered (or, with `def = NAME`, a static the program adds
/// to a registry itself).
fn register(
    p: &TokenStream,
    options: &ToolOptions,
    sig: &Signature,
    func: &ItemFn,
    items: TokenStream,
    def: TokenStream,
) -> TokenStream {
    match &options.def {
        Some(static_name) => {
            let vis = &func.vis;
            let doc = format!(
                "The definition of the tool `{}` (not registered: add it to a `Registry`).",
                options.common.name_or(&sig.ident)
            );
            quote! {
                #func

                #[doc = #doc]
                #[allow(non_snake_case, clippy::all)]
                #vis static #static_name: #p::ToolDef = {
                    #items
                    #def
                };
            }
        }
        None => quote! {
            #func

            #[doc(hidden)]
            #[allow(non_snake_case, clippy::all)]
            const _: () = {
                #items
                #p::inventory::submit! { #def }
            };
        },
    }
}

/// A `SchemaEdit` expression: the generated schema, replaced by or extended with the author's JSON
/// (its function, named `f`, pushed onto `fns`).
fn schema_edit(
    p: &TokenStream,
    replace: Option<&TokenStream>,
    extend: Option<&TokenStream>,
    f: &syn::Ident,
    fns: &mut Vec<TokenStream>,
) -> TokenStream {
    match (replace, extend) {
        (Some(json), _) => {
            fns.push(json_fn(p, f, json));
            quote!(#p::SchemaEdit::Replace(#f))
        }
        (None, Some(json)) => {
            fns.push(json_fn(p, f, json));
            quote!(#p::SchemaEdit::Extend(#f))
        }
        (None, None) => quote!(#p::SchemaEdit::Generated),
    }
}

/// `fn f() -> Value` returning the JSON the author wrote (any `json!` input: JSON, or Rust
/// expressions in value positions).
fn json_fn(p: &TokenStream, f: &syn::Ident, json: &TokenStream) -> TokenStream {
    quote! {
        fn #f() -> #p::serde_json::Value {
            #p::serde_json::json!(#json)
        }
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
