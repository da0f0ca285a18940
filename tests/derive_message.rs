//! Compile-time behaviour of `#[derive(Message)]` and of the actix spellings: what must compile
//! (`tests/ui/pass`) and the errors reported (`tests/ui/fail/*.stderr`), among them actix's
//! `addr.send(m)`, deprecated in favour of `ask`.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --test derive_message`
//! and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
