//! The compile-fail suite: every shape, element-type and axis rule has a program in
//! `ui-tests/fail/` that must not compile, with its expected compiler output committed beside
//! it (`.stderr`); `ui-tests/pass/` holds programs that must compile and run.
//!
//! Regenerate the snapshots after a deliberate message change (and read every diff):
//! `TRYBUILD=overwrite cargo test --test ui`. The snapshots depend on the pinned compiler
//! (`rust-toolchain.toml`).
//!
//! Why the pass and fail cases share ONE `TestCases`: trybuild 1.0.122 compiles a batch that
//! holds only `compile_fail` cases with `cargo check`, and switches to `cargo build` once the
//! batch also holds a `pass` case. `cargo check` never evaluates post-monomorphization
//! `const { .. }` assertions, so under it the build-time cases (`view_any` with a wrong element
//! count, `reshape_view_any_*`) would compile and their tests would fail for the wrong reason.
//! Keeping the pass cases in the same batch makes every case go through `cargo build`.
//! That the check-time cases are really rejected by plain `cargo check` (what rust-analyzer
//! shows) is proven separately by `ui-tests/check_only/run.sh` and `ui-tests/classify.sh`.
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/fail/*.rs");
    t.pass("ui-tests/pass/*.rs");
}
