//! The trybuild suite of the crux macros: every diagnostic in `ui/fail`, every supported
//! function shape in `ui/pass`.
//!
//! After an intended change to a diagnostic, regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p crux-ui-tests`, then read every changed `.stderr`:
//! the message must be the precise one, on the user's token.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
