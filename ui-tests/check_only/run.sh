#!/usr/bin/env bash
# Proves the check-time claim: plain `cargo check` (what rust-analyzer runs) rejects an
# ill-shaped program, with the shapes in the message. trybuild cannot show this, because it
# builds every batch that holds a pass case (see tests/ui.rs).
#
# Copies mm_inner_dim.rs into a standalone crate that depends on this repository by path
# (under target/, see ../scratch_crate.sh), runs `cargo check` on it, and exits 0 only if the
# check FAILS in that program with the expected text and the diagnostic matches
# mm_inner_dim.stderr. Any other outcome exits 1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../scratch_crate.sh"

crate="$UI_ROOT/target/check_only/crate"
scratch_crate "$crate"
rm -f "$crate"/src/bin/*.rs
cp "$here/mm_inner_dim.rs" "$crate/src/bin/mm_inner_dim.rs"

# What the output must contain: an error located in the program itself (not in the library),
# naming the right-hand operand's shape in decimal.
expected=(
    'error\[E[0-9]+\]'
    'src/bin/mm_inner_dim\.rs:7:'
    'Rank2<999, 100>'
)

if out="$(scratch_cargo "$crate" check --bin mm_inner_dim --message-format=human)"; then
    printf '%s\n' "$out" | tail -n 20
    echo "check_only: FAILED: cargo check accepted an ill-shaped program (mm_inner_dim.rs)" >&2
    exit 1
fi
for pattern in "${expected[@]}"; do
    if ! grep -qE -- "$pattern" <<<"$out"; then
        printf '%s\n' "$out" | tail -n 40
        echo "check_only: FAILED: cargo check failed, but its output lacks /$pattern/" >&2
        exit 1
    fi
done

# The whole diagnostic must also match the snapshot mm_inner_dim.stderr, as trybuild's cases
# do (paths into this repository written $DIR; TRYBUILD=overwrite rewrites the snapshot).
diagnostic="$(sed -n '/^error\[E[0-9]*\]/,/^For more information/p' <<<"$out" | sed "s|$UI_ROOT|\$DIR|g")"
snapshot="$here/mm_inner_dim.stderr"
if [[ "${TRYBUILD:-}" == overwrite ]]; then
    printf '%s\n' "$diagnostic" >"$snapshot"
elif ! diff -u "$snapshot" <(printf '%s\n' "$diagnostic"); then
    echo "check_only: FAILED: the diagnostic differs from mm_inner_dim.stderr (diff above)" >&2
    exit 1
fi
grep -E -A12 -- '^error\[E[0-9]+\]' <<<"$out" | head -n 14
echo "check_only: ok: plain cargo check rejects mm_inner_dim.rs with the shapes in the message"
