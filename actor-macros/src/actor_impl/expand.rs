//! Generates, for every `#[message]` method:
//!
//! * the message struct, at module level, with the method's visibility and
//!   docs (fields named after the arguments; a unit struct when there are
//!   none; a hidden `PhantomData` when a generic parameter appears only in
//!   the reply);
//! * `impl Message` (the reply is the method's return type) and
//!   `impl Handler` (calls the method), inside `const _: () = { .. };`;
//! * a method on the `<Actor>Ref` extension trait for `ActorRef<Actor>`
//!   that builds the message and asks.
//!
//! A method the validate stage marked `broken` still gets its struct and
//! impls, with a handler body that is never reached, so the only errors are
//! the ones already reported.

use std::collections::BTreeSet;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::{Attribute, GenericParam, Generics, Ident, Type, Visibility, WherePredicate};

use super::parse::{ActorImpl, MessageFn};
use crate::errors::Errors;
use crate::generics::{
    add_thread_bounds, lifetimes, mentioned, not_owned, param_name, replace_self, replace_self_in_type,
    with_thread_bounds,
};

pub(crate) fn expand(actor: &ActorImpl, errors: Errors) -> TokenStream {
    let errors = errors.into_compile_errors();
    let item = &actor.item;
    let private = actor.options.krate.private();
    let self_ty = item.self_ty.to_token_stream();

    let messages: Vec<&MessageFn> = actor.messages.iter().filter(|message| !message.duplicate).collect();
    let client_vis = widest_visibility(&messages);

    let mut structs = TokenStream::new();
    let mut impls = TokenStream::new();
    let mut client_decls = TokenStream::new();
    let mut client_impls = TokenStream::new();
    for message in messages {
        let prepared = Prepared::new(actor, message, &private, &self_ty);
        structs.extend(prepared.struct_def());
        impls.extend(prepared.message_impl());
        impls.extend(prepared.handler_impl());
        let in_client = !message.shadowed
            && client_vis.as_ref().is_some_and(|vis| same_visibility(vis, &message.method.vis));
        if in_client {
            let (decl, def) = prepared.client_method();
            client_decls.extend(decl);
            client_impls.extend(def);
        }
    }

    let client = match (&actor.actor_ident, client_vis) {
        (Some(actor_ident), Some(vis)) if !client_decls.is_empty() => {
            client_trait(actor, actor_ident, &vis, &private, &self_ty, client_decls, client_impls)
        }
        _ => TokenStream::new(),
    };

    quote! {
        #errors
        #item
        #structs
        #client
        const _: () = {
            #impls
        };
    }
}

/// Everything the generated items of one message share.
struct Prepared<'a> {
    message: &'a MessageFn,
    private: &'a TokenStream,
    self_ty: &'a TokenStream,
    actor_name: String,
    /// `(name, type)` of each field, `Self` already replaced by the actor.
    fields: Vec<(Ident, Type)>,
    reply: TokenStream,
    /// The message struct's generics: the impl's and the method's type and
    /// const parameters that its fields or reply mention.
    generics: Generics,
    /// The struct's parameters that only the reply mentions.
    phantom: Vec<GenericParam>,
    /// The impl's generics plus the method's parameters carried by the
    /// message: what the `Handler` impl and the client method are generic over.
    handler_generics: Generics,
    /// The method's own parameters (as in `handler_generics`) and where
    /// predicates, for the client method's signature.
    method_generics: Generics,
    cfgs: Vec<&'a Attribute>,
    docs: Vec<&'a Attribute>,
}

impl<'a> Prepared<'a> {
    fn new(
        actor: &'a ActorImpl,
        message: &'a MessageFn,
        private: &'a TokenStream,
        self_ty: &'a TokenStream,
    ) -> Self {
        let sig = &message.method.sig;
        let fields: Vec<(Ident, Type)> = message
            .args
            .iter()
            .filter(|arg| arg.usable)
            .filter_map(|arg| Some((arg.ident.clone()?, replace_self_in_type(&arg.ty, self_ty))))
            .collect();
        let reply = if not_owned(&message.reply).is_some() {
            quote!(())
        } else {
            replace_self(message.reply.to_token_stream(), self_ty)
        };

        // Which parameters the message carries.
        let impl_params = &actor.item.generics.params;
        let method_params = &sig.generics.params;
        let all: BTreeSet<String> = impl_params.iter().chain(method_params).filter_map(param_name).collect();
        let mut in_fields = BTreeSet::new();
        for (_, ty) in &fields {
            mentioned(ty.to_token_stream(), &all, &mut in_fields);
        }
        let mut in_reply = BTreeSet::new();
        mentioned(reply.clone(), &all, &mut in_reply);
        let carried: BTreeSet<String> = in_fields.union(&in_reply).cloned().collect();

        let params_of =
            |params: &syn::punctuated::Punctuated<GenericParam, syn::Token![,]>| -> Vec<GenericParam> {
                params
                    .iter()
                    .filter(|p| param_name(p).is_some_and(|name| carried.contains(&name)))
                    .cloned()
                    .collect()
            };
        let struct_params: Vec<GenericParam> =
            params_of(impl_params).into_iter().chain(params_of(method_params)).collect();
        let phantom = struct_params
            .iter()
            .filter(|p| param_name(p).is_some_and(|name| !in_fields.contains(&name)))
            .cloned()
            .collect();

        // Bounds that only mention what a generics list has are kept.
        let impl_lifetimes: BTreeSet<String> =
            actor.item.generics.lifetimes().map(|lt| lt.lifetime.ident.to_string()).collect();
        let predicates: Vec<&WherePredicate> = actor
            .item
            .generics
            .where_clause
            .iter()
            .chain(&sig.generics.where_clause)
            .flat_map(|clause| &clause.predicates)
            .collect();
        let generics = restricted(&struct_params, &predicates, &all, &carried, &BTreeSet::new(), self_ty);

        let method_carried: Vec<GenericParam> = params_of(method_params);
        let handler_names: BTreeSet<String> =
            impl_params.iter().filter_map(param_name).chain(carried.clone()).collect();
        let mut handler_generics = actor.item.generics.clone();
        let method_predicates: Vec<&WherePredicate> =
            sig.generics.where_clause.iter().flat_map(|c| &c.predicates).collect();
        let method_generics =
            restricted(&method_carried, &method_predicates, &all, &handler_names, &impl_lifetimes, self_ty);
        handler_generics.params.extend(method_generics.params.iter().cloned());
        if let Some(clause) = &method_generics.where_clause {
            handler_generics.make_where_clause().predicates.extend(clause.predicates.iter().cloned());
        }

        Prepared {
            message,
            private,
            self_ty,
            actor_name: actor.actor_ident.as_ref().map_or_else(|| "the actor".into(), |i| i.to_string()),
            fields,
            reply,
            generics,
            phantom,
            handler_generics,
            method_generics,
            cfgs: message.method.attrs.iter().filter(|attr| attr.path().is_ident("cfg")).collect(),
            docs: message.method.attrs.iter().filter(|attr| attr.path().is_ident("doc")).collect(),
        }
    }

    fn method(&self) -> &Ident {
        &self.message.method.sig.ident
    }

    /// `Name<T, ..>`.
    fn ty(&self) -> TokenStream {
        let name = &self.message.name;
        let (_, ty_generics, _) = self.generics.split_for_impl();
        quote!(#name #ty_generics)
    }

    fn doc_or(&self, default: String) -> TokenStream {
        if self.docs.is_empty() {
            quote!(#[doc = #default])
        } else {
            let docs = &self.docs;
            quote!(#(#docs)*)
        }
    }

    fn phantom_type(&self) -> TokenStream {
        let parts = self.phantom.iter().map(|param| match param {
            GenericParam::Const(konst) => {
                let ident = &konst.ident;
                quote!([(); #ident])
            }
            other => {
                let ident = param_name(other).map(|name| Ident::new(&name, Span::call_site()));
                quote!(#ident)
            }
        });
        quote!(::core::marker::PhantomData<fn() -> (#(#parts,)*)>)
    }

    fn struct_def(&self) -> TokenStream {
        let name = &self.message.name;
        let vis = &self.message.method.vis;
        let cfgs = &self.cfgs;
        let method = self.method();
        let actor_name = &self.actor_name;
        let docs = self.doc_or(format!(
            "The `{method}` message of `{actor_name}`, generated by `#[actor]`: handled by `{actor_name}::{method}`."
        ));
        let derives = &self.message.derives;
        let derive = if derives.is_empty() { quote!() } else { quote!(#[derive(#(#derives),*)]) };
        let (impl_generics, _, where_clause) = self.generics.split_for_impl();

        if self.fields.is_empty() && self.phantom.is_empty() {
            return quote! {
                #docs
                #(#cfgs)*
                #derive
                #vis struct #name;
            };
        }
        let fields = self.fields.iter().map(|(ident, ty)| {
            let doc = format!("The `{ident}` argument of `{actor_name}::{method}`.");
            quote!(#[doc = #doc] pub #ident: #ty,)
        });
        let (marker, constructor) = if self.phantom.is_empty() {
            (quote!(), quote!())
        } else {
            let phantom = self.phantom_type();
            let args = self.fields.iter().map(|(ident, ty)| quote!(#ident: #ty));
            let idents = self.fields.iter().map(|(ident, _)| ident);
            let ty = self.ty();
            let default = self.fields.is_empty().then(|| {
                quote! {
                    #(#cfgs)*
                    impl #impl_generics ::core::default::Default for #ty #where_clause {
                        fn default() -> Self {
                            #name { _marker: ::core::marker::PhantomData }
                        }
                    }
                }
            });
            (
                quote!(#[doc(hidden)] pub _marker: #phantom,),
                quote! {
                    #(#cfgs)*
                    impl #impl_generics #ty #where_clause {
                        /// Builds the message (its type parameters only appear in the reply).
                        #[allow(dead_code, clippy::new_without_default)]
                        #vis fn new(#(#args),*) -> Self {
                            #name { #(#idents,)* _marker: ::core::marker::PhantomData }
                        }
                    }
                    #default
                },
            )
        };
        quote! {
            #docs
            #(#cfgs)*
            #derive
            #vis struct #name #impl_generics #where_clause {
                #(#fields)*
                #marker
            }
            #constructor
        }
    }

    fn message_impl(&self) -> TokenStream {
        let private = self.private;
        let cfgs = &self.cfgs;
        let reply = &self.reply;
        let ty = self.ty();
        let generics = with_thread_bounds(&self.generics, false);
        let (impl_generics, _, where_clause) = generics.split_for_impl();
        quote! {
            #(#cfgs)*
            #[automatically_derived]
            impl #impl_generics #private::Message for #ty #where_clause {
                type Reply = #reply;
            }
        }
    }

    /// Where predicates the `Handler` impl and the client need beyond the
    /// user's own: the actor is an `Actor` (worth stating only when
    /// generic), and the struct's type parameters are `Send + 'static`, as
    /// its `Message` impl requires. (Not `Struct<T>: Message` itself: such
    /// a where clause would hide the impl's `Reply` from the compiler.)
    fn extra_predicates(&self, generics: &mut Generics, actor_is_generic: bool) {
        let private = self.private;
        let self_ty = self.self_ty;
        if actor_is_generic {
            generics.make_where_clause().predicates.push(syn::parse_quote!(#self_ty: #private::Actor));
        }
        for param in self.generics.type_params() {
            add_thread_bounds(generics, &param.ident, false);
        }
    }

    fn handler_impl(&self) -> TokenStream {
        let private = self.private;
        let self_ty = self.self_ty;
        let cfgs = &self.cfgs;
        let reply = &self.reply;
        let ty = self.ty();
        let name = &self.message.name;
        let mut generics = self.handler_generics.clone();
        let actor_is_generic = generics.params.len() > self.method_generics.params.len();
        self.extra_predicates(&mut generics, actor_is_generic);
        let (impl_generics, _, where_clause) = generics.split_for_impl();

        let msg = Ident::new("__msg", Span::mixed_site());
        let ctx = Ident::new(if self.message.ctx.is_some() { "__ctx" } else { "_ctx" }, Span::mixed_site());
        let body = if self.message.broken {
            quote! {
                let _ = (#msg, #ctx);
                ::core::unreachable!("this `#[message]` method failed to compile")
            }
        } else {
            let idents: Vec<&Ident> = self.fields.iter().map(|(ident, _)| ident).collect();
            let destructure = if self.fields.is_empty() && self.phantom.is_empty() {
                quote!(let _ = #msg;)
            } else {
                quote!(let #name { #(#idents,)* .. } = #msg;)
            };
            let method = self.method();
            let turbofish: Vec<Ident> = self
                .method_generics
                .params
                .iter()
                .filter_map(param_name)
                .map(|name| Ident::new(&name, Span::call_site()))
                .collect();
            let turbofish = if turbofish.is_empty() { quote!() } else { quote!(::<#(#turbofish),*>) };
            let ctx_arg = self.message.ctx.as_ref().map(|_| quote!(#ctx));
            let args = idents.iter().map(|ident| quote!(#ident)).chain(ctx_arg);
            let awaited = self.message.method.sig.asyncness.map(|_| quote!(.await));
            let call = quote_spanned! {method.span()=>
                Self::#method #turbofish (self, #(#args),*) #awaited
            };
            quote! {
                #destructure
                #call
            }
        };

        quote! {
            #(#cfgs)*
            #[automatically_derived]
            impl #impl_generics #private::Handler<#ty> for #self_ty #where_clause {
                async fn handle(
                    &mut self,
                    #msg: #ty,
                    #ctx: &mut #private::Context<Self>,
                ) -> #reply {
                    #body
                }
            }
        }
    }

    /// The client method's declaration (in the trait) and definition (in
    /// the impl for `ActorRef<Actor>`).
    fn client_method(&self) -> (TokenStream, TokenStream) {
        let private = self.private;
        let cfgs = &self.cfgs;
        let method = self.method();
        let name = &self.message.name;
        let ty = self.ty();
        let docs = self.doc_or(format!(
            "Asks the actor to run `{}::{method}`: await for `Result<Reply, AskError>`.",
            self.actor_name
        ));
        let mut generics = self.method_generics.clone();
        self.extra_predicates(&mut generics, false);
        let (impl_generics, _, where_clause) = generics.split_for_impl();
        let params = replace_self(impl_generics.to_token_stream(), self.self_ty);
        let where_clause = replace_self(where_clause.to_token_stream(), self.self_ty);
        let args: Vec<TokenStream> = self.fields.iter().map(|(ident, ty)| quote!(#ident: #ty)).collect();
        let signature = quote! {
            fn #method #params (&self, #(#args),*) -> #private::AskRequest<'_, #ty> #where_clause
        };
        let idents = self.fields.iter().map(|(ident, _)| ident);
        let build = if self.fields.is_empty() && self.phantom.is_empty() {
            quote!(#name)
        } else if self.phantom.is_empty() {
            quote!(#name { #(#idents),* })
        } else {
            quote!(#name { #(#idents,)* _marker: ::core::marker::PhantomData })
        };
        let decl = quote! {
            #docs
            #(#cfgs)*
            #signature;
        };
        let def = quote! {
            #(#cfgs)*
            #signature {
                self.ask(#build)
            }
        };
        (decl, def)
    }
}

/// The `<Actor>Ref` trait and its impl for `ActorRef<Actor>`.
fn client_trait(
    actor: &ActorImpl,
    actor_ident: &Ident,
    vis: &Visibility,
    private: &TokenStream,
    self_ty: &TokenStream,
    decls: TokenStream,
    defs: TokenStream,
) -> TokenStream {
    let name = format_ident!("{}Ref", actor_ident);
    let mut generics = actor.item.generics.clone();
    let (_, ty_generics, _) = generics.split_for_impl();
    let trait_ty = quote!(#name #ty_generics);
    let decl_generics = replace_self(generics.to_token_stream(), self_ty);
    let decl_where = replace_self(generics.where_clause.to_token_stream(), self_ty);
    if !generics.params.is_empty() {
        generics.make_where_clause().predicates.push(syn::parse_quote!(#self_ty: #private::Actor));
    }
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let impl_where = replace_self(where_clause.to_token_stream(), self_ty);
    let doc = format!(
        "Typed client for `{actor_ident}`, generated by `#[actor]`: one method per `#[message]`, each an `ask`.\n\n\
         Await a method for `Result<Reply, AskError>`, or call `.timeout(duration)` on it first."
    );
    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        #vis trait #name #decl_generics #decl_where {
            #decls
        }

        const _: () = {
            #[automatically_derived]
            impl #impl_generics #trait_ty for #private::ActorRef<#self_ty> #impl_where {
                #defs
            }
        };
    }
}

/// `params` with only the bounds and where predicates that mention nothing
/// outside `keep` (among `all` type/const parameter names) and no lifetime
/// outside `lifetimes`; `Self` replaced by the actor; no defaults.
fn restricted(
    params: &[GenericParam],
    predicates: &[&WherePredicate],
    all: &BTreeSet<String>,
    keep: &BTreeSet<String>,
    lifetimes_allowed: &BTreeSet<String>,
    self_ty: &TokenStream,
) -> Generics {
    let fits = |tokens: TokenStream| {
        let mut names = BTreeSet::new();
        mentioned(tokens.clone(), all, &mut names);
        let mut lts = BTreeSet::new();
        lifetimes(tokens, &mut lts);
        names.is_subset(keep) && lts.iter().all(|lt| lt == "static" || lifetimes_allowed.contains(lt))
    };
    let mut generics = Generics::default();
    for param in params {
        let param = match param {
            GenericParam::Type(ty) => {
                let mut ty = ty.clone();
                ty.default = None;
                ty.bounds = ty.bounds.into_iter().filter(|bound| fits(bound.to_token_stream())).collect();
                if ty.bounds.is_empty() {
                    ty.colon_token = None;
                }
                GenericParam::Type(ty)
            }
            GenericParam::Const(konst) => {
                let mut konst = konst.clone();
                konst.default = None;
                GenericParam::Const(konst)
            }
            _ => continue,
        };
        let param = syn::parse2(replace_self(param.to_token_stream(), self_ty)).unwrap_or(param);
        generics.params.push(param);
    }
    let kept: Vec<WherePredicate> = predicates
        .iter()
        .filter(|predicate| fits(predicate.to_token_stream()))
        .map(|predicate| {
            syn::parse2(replace_self(predicate.to_token_stream(), self_ty))
                .unwrap_or_else(|_| (*predicate).clone())
        })
        .collect();
    if !kept.is_empty() {
        generics.make_where_clause().predicates.extend(kept);
    }
    if !generics.params.is_empty() {
        generics.lt_token = Some(Default::default());
        generics.gt_token = Some(Default::default());
    }
    generics
}

/// The most visible of the methods' visibilities: the client trait's.
/// Methods less visible than that get no client method (a private message
/// must not be reachable through a public trait); `tell` and `ask` with the
/// struct still work for them.
fn widest_visibility(messages: &[&MessageFn]) -> Option<Visibility> {
    messages.iter().filter(|m| !m.shadowed).map(|m| &m.method.vis).max_by_key(|vis| rank(vis)).cloned()
}

fn rank(vis: &Visibility) -> u8 {
    match vis {
        Visibility::Public(_) => 3,
        Visibility::Restricted(restricted) if restricted.path.is_ident("crate") => 2,
        Visibility::Restricted(restricted) if restricted.path.is_ident("self") => 0,
        Visibility::Restricted(_) => 1,
        _ => 0,
    }
}

fn same_visibility(a: &Visibility, b: &Visibility) -> bool {
    rank(a) == rank(b) && (rank(a) != 1 || a.to_token_stream().to_string() == b.to_token_stream().to_string())
}
