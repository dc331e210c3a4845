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

/// Reproductions of reported macro bugs, with the output they should have once fixed
/// (see `ui/known_bugs/README.md`). Run with `cargo test -p crux-ui-tests -- --ignored`;
/// when a case passes, move it to `ui/fail` or `ui/pass`.
#[test]
#[ignore = "reported macro bugs, not fixed yet: see ui/known_bugs/README.md"]
fn known_bugs() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/known_bugs/fail/*.rs");
    t.pass("ui/known_bugs/pass/*.rs");
}
