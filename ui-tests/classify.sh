#!/usr/bin/env bash
# Which command reports each compile-fail case: plain `cargo check` (and so rust-analyzer,
# in the editor) or only `cargo build` (post-monomorphization errors)?
#
# Copies every ui-tests/fail/*.rs into one standalone crate that depends on this repository
# by path (see scratch_crate.sh), runs `cargo check --bin CASE` on each, and `cargo build
# --bin CASE` on those that pass the check. Prints a markdown table (case | rule | check |
# build | reported by) and exits 1 if any case compiles under both. The library is compiled first,
# alone, so that every error in the table belongs to its case.
#
#   bash ui-tests/classify.sh            # all cases
#   bash ui-tests/classify.sh reshape_   # cases whose name contains reshape_
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/scratch_crate.sh"

filter="${1:-}"
crate="$UI_ROOT/target/check_only/classify"
scratch_crate "$crate"
rm -f "$crate"/src/bin/*.rs
cases=()
for f in "$here"/fail/*.rs; do
    name="$(basename "$f" .rs)"
    [[ -z "$filter" || "$name" == *"$filter"* ]] || continue
    cp "$f" "$crate/src/bin/$name.rs"
    cases+=("$name")
done

# Compile the library once (check mode, then build mode), so a broken library shows up as
# one clear failure instead of a table of them.
(cd "$crate" && echo 'fn main() {}' >src/bin/zz_ok.rs)
scratch_cargo "$crate" check --bin zz_ok -q >/dev/null || { echo "classify: the library does not check" >&2; exit 1; }
scratch_cargo "$crate" build --bin zz_ok -q >/dev/null || { echo "classify: the library does not build" >&2; exit 1; }
rm -f "$crate/src/bin/zz_ok.rs"

bad=0
echo "| case | rule it proves (the case's first line) | cargo check | cargo build | reported by |"
echo "|---|---|---|---|---|"
for name in "${cases[@]}"; do
    check="rejects" build="rejects" by="\`cargo check\`"
    if out="$(scratch_cargo "$crate" check --bin "$name" --message-format=short)"; then
        check="accepts"
        if out="$(scratch_cargo "$crate" build --bin "$name" --message-format=short)"; then
            build="accepts" by="**NOTHING: the case compiles**"
            bad=1
        else
            by="only \`cargo build\`"
        fi
    fi
    rule="$(head -n 1 "$here/fail/$name.rs" | sed -e 's|^// *Rule: *||' -e 's/|/\\|/g')"
    echo "| \`$name\` | $rule | $check | $build | $by |"
done
exit $bad
