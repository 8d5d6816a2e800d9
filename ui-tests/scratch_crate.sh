#!/usr/bin/env bash
# Shared by check_only/run.sh and classify.sh (source it, do not run it):
# `scratch_crate DIR` makes DIR a standalone binary crate that depends on this repository's
# `typetensor` by path, the way a user's project would. Programs go in DIR/src/bin/*.rs.
#
# The crate lives under target/ (ignored by git) so that the repository's rust-toolchain.toml
# applies to it, and it shares one target dir (target/check_only) between runs so that only
# the first run compiles the dependencies.

UI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$UI_ROOT/target/check_only}"

scratch_crate() {
    local dir="$1"
    mkdir -p "$dir/src/bin"
    cat >"$dir/Cargo.toml" <<EOF
[package]
name = "typetensor-ui-scratch"
version = "0.0.0"
edition = "2024"
publish = false
autobins = true

[dependencies]
typetensor = { path = "$UI_ROOT" }

# Not part of any workspace above it.
[workspace]
EOF
    # Same dependency versions as the repository, when it has a lock file.
    if [[ -f "$UI_ROOT/Cargo.lock" && ! -f "$dir/Cargo.lock" ]]; then
        cp "$UI_ROOT/Cargo.lock" "$dir/Cargo.lock"
    fi
    # A library target keeps `cargo check --bin X` from complaining about an empty crate.
    [[ -f "$dir/src/lib.rs" ]] || echo "// scratch crate for ui-tests" >"$dir/src/lib.rs"
}

# `scratch_cargo DIR SUBCOMMAND ARGS...`: cargo in DIR, offline when the registry cache has
# everything (the usual case), online otherwise.
scratch_cargo() {
    local dir="$1"
    shift
    local out rc=0
    out="$(cd "$dir" && cargo "$@" --offline 2>&1)" || rc=$?
    if [[ $rc -ne 0 ]] && grep -qE -- "--offline|offline mode|failed to download|no matching package" <<<"$out"; then
        rc=0
        out="$(cd "$dir" && cargo "$@" 2>&1)" || rc=$?
    fi
    printf '%s\n' "$out"
    return $rc
}
