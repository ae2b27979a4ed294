//! `impl Event` and `impl Message<Reply = ()>` inside `const _: () = { .. };`.
//!
//! `Event` needs `Clone`. For a non-generic type, a missing `Clone` should
//! give one error that names the fix, at the type's name, rather than the
//! bare "`Clone` is not satisfied" of the supertrait. So the expansion
//! asserts `T: __private::EventClone` (whose `on_unimplemented` says to add
//! `#[derive(Clone)]`), spanned at the name, and bounds the `Event` impl on
//! `for<'__a> T: Clone`: a higher-ranked bound is not checked eagerly, so
//! the impl itself adds no second error (and holds whenever `T: Clone`).
//!
//! A generic type is bounded on `Type<T>: Clone` instead (as derives do), so
//! it is an event exactly for the parameters that make it `Clone`.

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
    let assertion = if event.generics.params.is_empty() {
        event_generics
            .make_where_clause()
            .predicates
            .push(syn::parse_quote!(for<'__a> #ident: ::core::clone::Clone));
        quote_spanned! {ident.span()=>
            const _: fn() = #private::assert_event_clone::<#ident>;
        }
    } else {
        event_generics
            .make_where_clause()
            .predicates
            .push(syn::parse_quote!(#ident #ty_generics: ::core::clone::Clone));
        quote!()
    };
    let (event_impl_generics, _, event_where) = event_generics.split_for_impl();
    let errors = errors.into_compile_errors();

    quote! {
        #errors
        const _: () = {
            #assertion

            #[automatically_derived]
            impl #event_impl_generics #private::Event for #ident #ty_generics #event_where {}

            #[automatically_derived]
            impl #message_impl_generics #private::Message for #ident #ty_generics #message_where {
                type Reply = ();
            }
        };
    }
}
