//! `impl Actor`, and `impl RemoteActor` for `remote(..)`, inside
//! `const _: () = { .. };`. On error the impls are still emitted (with the
//! default mailbox, with the messages as listed), so the type stays an actor
//! and the only message is the attribute's.
//!
//! `remote_handlers` calls `handlers.handler::<M>()` once per listed `M`,
//! spanned at `M`, so "does not handle" or "cannot cross nodes" points at
//! the list. A generic actor's impl is bounded on `Self: Handler<M>` (and
//! `M: RemoteMessage` when `M` names a parameter), so it is remote exactly
//! for the parameters that handle its messages, as `#[derive(Event)]` does
//! with `Clone`.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::parse::ActorType;
use super::validate::is_unbounded;
use crate::errors::Errors;
use crate::generics::{mentioned, param_name, respan, with_thread_bounds};
use crate::options::RemoteList;

pub(crate) fn expand(actor: &ActorType<'_>, errors: Errors) -> TokenStream {
    let private = actor.options.krate.private();
    let ident = actor.ident;
    let generics = with_thread_bounds(actor.generics, false);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    let mailbox = match &actor.options.mailbox {
        Some(_) if !errors.is_empty() => quote!(),
        Some(mailbox) if is_unbounded(&mailbox.value) => quote_spanned! {mailbox.key.span()=>
            const MAILBOX: #private::MailboxCapacity = #private::MailboxCapacity::Unbounded;
        },
        Some(mailbox) => {
            let value = &mailbox.value;
            quote_spanned! {value.span()=>
                const MAILBOX: #private::MailboxCapacity = #private::MailboxCapacity::Bounded(#value);
            }
        }
        None => quote!(),
    };
    let remote = actor.options.remote.as_ref().map(|list| remote_actor(actor, list));
    let errors = errors.into_compile_errors();

    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::Actor for #ident #ty_generics #where_clause {
                #mailbox
            }

            #remote
        };
    }
}

fn remote_actor(actor: &ActorType<'_>, list: &RemoteList) -> TokenStream {
    let private = actor.options.krate.private();
    let ident = actor.ident;
    let mut generics = with_thread_bounds(actor.generics, false);
    let params: BTreeSet<String> = actor.generics.params.iter().filter_map(param_name).collect();
    if !actor.generics.params.is_empty() {
        let (_, ty_generics, _) = actor.generics.split_for_impl();
        let clause = generics.make_where_clause();
        for message in &list.messages {
            clause.predicates.push(syn::parse_quote!(#ident #ty_generics: #private::Handler<#message>));
            let mut found = BTreeSet::new();
            mentioned(message.to_token_stream(), &params, &mut found);
            if !found.is_empty() {
                clause.predicates.push(syn::parse_quote!(#message: #private::RemoteMessage));
            }
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    // The trait and the self type at `remote`: an unmet bound of the impl
    // points there.
    let trait_path = respan(quote!(#private::RemoteActor), list.key.span());
    let self_ty = respan(quote!(#ident #ty_generics), list.key.span());

    let handlers = if list.messages.is_empty() { quote!(_handlers) } else { quote!(handlers) };
    let calls = list.messages.iter().map(|message| {
        quote_spanned! {message.span()=>
            #handlers.handler::<#message>();
        }
    });
    quote_spanned! {list.key.span()=>
        #[automatically_derived]
        impl #impl_generics #trait_path for #self_ty #where_clause {
            fn remote_handlers<H: #private::RemoteHandlers<Self>>(#handlers: &mut H) {
                #(#calls)*
            }
        }
    }
}
