//! Compile-time behaviour of `#[derive(Message)]`: what must compile (`tests/ui/pass`) and the
//! errors the derive reports (`tests/ui/fail/*.stderr`).
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test derive_message`
//! and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
