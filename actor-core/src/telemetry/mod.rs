//! What the runtime reports about itself: metrics through the `metrics`
//! facade (feature `metrics`; zero-sized no-ops without it) and the spans
//! that follow a message from its sender to its handler.
//!
//! Knows nothing of actors: the layers above hand it names and ids. The
//! user-facing chapter is docs/observability.md.

pub(crate) mod metrics;
pub(crate) mod trace;

/// `my_crate::module::Type` → `Type`. A generic type keeps its full path
/// (`my_crate::Cache<alloc::string::String>`): shortening each part would
/// allocate, and generic actor types are rare.
pub(crate) fn short_type_name(full: &'static str) -> &'static str {
    if !full.contains('<') {
        return full.rsplit("::").next().unwrap_or(full);
    }
    full
}
