//! `impl Message`, and `impl RemoteMessage` for `#[message(remote = ..)]`,
//! inside `const _: () = { .. };`. On error the impls are still emitted (the
//! reply falls back to `()` when it is unusable, the name to the literal as
//! written), so the only message is the attribute's.
//!
//! `RemoteMessage` needs serde for the message and its reply. A generic
//! message's impl is bounded on both, so it is remote exactly for the
//! parameters that make it serializable; a non-generic one is not bounded,
//! so a missing `Serialize` is an error at `remote`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::LitStr;

use super::parse::MessageType;
use crate::errors::Errors;
use crate::generics::{not_owned, respan, with_thread_bounds};

pub(crate) fn expand(message: &MessageType<'_>, errors: Errors) -> TokenStream {
    let private = message.options.krate.private();
    let ident = message.ident;
    let generics = with_thread_bounds(message.generics, false);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let reply = match message.replies.first() {
        Some((_, Some(reply))) if not_owned(reply).is_none() => quote!(#reply),
        _ => quote!(()),
    };
    let remote = remote_message(message);
    let errors = errors.into_compile_errors();

    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::Message for #ident #ty_generics #where_clause {
                type Reply = #reply;
            }

            #remote
        };
    }
}

fn remote_message(message: &MessageType<'_>) -> Option<TokenStream> {
    let (remote, name) = message.remote_name()?;
    let private = message.options.krate.private();
    let ident = message.ident;
    let mut generics = with_thread_bounds(message.generics, false);
    if !message.generics.params.is_empty() {
        let (_, ty_generics, _) = message.generics.split_for_impl();
        let clause = generics.make_where_clause();
        clause.predicates.push(syn::parse_quote!(
            #ident #ty_generics: #private::Serialize + #private::DeserializeOwned
        ));
        clause.predicates.push(syn::parse_quote!(
            <#ident #ty_generics as #private::Message>::Reply: #private::Serialize + #private::DeserializeOwned
        ));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let name = LitStr::new(&name, remote.value.span());
    // The trait and the self type at `remote`: an unmet bound of the impl
    // (the message's or the reply's serde) points there.
    let span = remote.key.span();
    let trait_path = respan(quote!(#private::RemoteMessage), span);
    let self_ty = respan(quote!(#ident #ty_generics), span);
    Some(quote_spanned! {span=>
        #[automatically_derived]
        impl #impl_generics #trait_path for #self_ty #where_clause {
            const NAME: &'static str = #name;
        }
    })
}
