//! Compile tests: every rule of the macros has a `pass` case that compiles
//! (and runs) and a `fail` case whose error, in its `.stderr`, is at the
//! user's own tokens and names the fix.
//!
//! Regenerate the `.stderr` files after changing a message with
//! `TRYBUILD=overwrite cargo test -p actor-macros --test ui`, then read
//! each diff. The exact text depends on the compiler version.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
