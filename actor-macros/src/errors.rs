//! Error collection: every stage pushes here, so one expansion reports all of
//! its mistakes at once (serde_derive's `Ctxt`), and the caller still emits
//! the item plus a fallback impl so each mistake gives exactly one message.

use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// The errors found so far, merged with [`syn::Error::combine`].
#[derive(Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Errors::default()
    }

    /// Records an error that syn (or a nested parser) produced.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Records `message` at the span of `tokens`.
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records `message` at `span`.
    pub(crate) fn at(&mut self, span: proc_macro2::Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Keeps the `Ok` value, recording the `Err`.
    pub(crate) fn ok<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    /// The `compile_error!` invocations for everything recorded (nothing if
    /// there were no errors).
    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.combined.map(|error| error.into_compile_error()).unwrap_or_default()
    }
}
