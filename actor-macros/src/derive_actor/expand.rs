//! `impl Actor`, inside `const _: () = { .. };`. On error the impl is still
//! emitted with the default mailbox, so the type stays an actor and the
//! only message is the attribute's.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::ActorType;
use super::validate::is_unbounded;
use crate::errors::Errors;
use crate::generics::with_thread_bounds;

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
    let errors = errors.into_compile_errors();

    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::Actor for #ident #ty_generics #where_clause {
                #mailbox
            }
        };
    }
}
