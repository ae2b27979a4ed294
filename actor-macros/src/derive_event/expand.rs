//! `impl Event` and `impl Message<Reply = ()>` inside `const _: () = { .. };`.
//!
//! `Event` needs `Clone`. Instead of letting the supertrait fail with a bare
//! "`Clone` is not satisfied", the impl is bounded on
//! `__private::EventClone`, whose `#[diagnostic::on_unimplemented]` says to
//! add `#[derive(Clone)]`, spanned at the type's name. With that bound the
//! supertrait holds, so a missing `Clone` gives this one error.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::parse::EventType;
use crate::errors::Errors;
use crate::generics::with_thread_bounds;

pub(crate) fn expand(event: &EventType<'_>, errors: Errors) -> TokenStream {
    let private = event.options.krate.private();
    let ident = event.ident;
    let message_generics = with_thread_bounds(event.generics, false);
    let (message_impl_generics, ty_generics, message_where) = message_generics.split_for_impl();

    let mut event_generics = with_thread_bounds(event.generics, true);
    let clone_bound = quote_spanned!(ident.span()=> #ident #ty_generics: #private::EventClone);
    event_generics.make_where_clause().predicates.push(syn::parse_quote!(#clone_bound));
    let (event_impl_generics, _, event_where) = event_generics.split_for_impl();
    let errors = errors.into_compile_errors();

    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #event_impl_generics #private::Event for #ident #ty_generics #event_where {}

            #[automatically_derived]
            impl #message_impl_generics #private::Message for #ident #ty_generics #message_where {
                type Reply = ();
            }
        };
    }
}
