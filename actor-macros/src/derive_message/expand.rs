//! `impl Message` inside `const _: () = { .. };`. On error the impl is
//! still emitted (the reply falls back to `()` when it is unusable), so the
//! only message is the attribute's.

use proc_macro2::TokenStream;
use quote::quote;

use super::parse::MessageType;
use crate::errors::Errors;
use crate::generics::{not_owned, with_thread_bounds};

pub(crate) fn expand(message: &MessageType<'_>, errors: Errors) -> TokenStream {
    let private = message.options.krate.private();
    let ident = message.ident;
    let generics = with_thread_bounds(message.generics, false);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let reply = match message.replies.first() {
        Some((_, Some(reply))) if not_owned(reply).is_none() => quote!(#reply),
        _ => quote!(()),
    };
    let errors = errors.into_compile_errors();

    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::Message for #ident #ty_generics #where_clause {
                type Reply = #reply;
            }
        };
    }
}
