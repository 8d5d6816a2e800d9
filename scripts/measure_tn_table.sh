#!/usr/bin/env bash
# Measures what the size table of check-time shape arithmetic costs (ui-tests/README.md):
# for each set of scripts/gen_tn_table.py, the library's `cargo check` (after touching it)
# and a warm `cargo check` of a user crate holding every example binary (after touching one),
# median of 3 each. Restores the committed table at the end. Usage:
#   bash scripts/measure_tn_table.sh typenum default mult4_65536
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source ui-tests/scratch_crate.sh
crate="$root/target/tn_measure/crate"
export CARGO_TARGET_DIR="$root/target/tn_measure/target"
scratch_crate "$crate"
# The examples' own dependencies (the NumPy stage, the bench's floor).
sed -i 's|^typetensor = .*|&\nndarray = "0.17.2"\nrand = "0.10.4"\nmatrixmultiply = "0.3.11"\nrand_distr = "0.6.0"|' "$crate/Cargo.toml"
rm -f "$crate"/src/bin/*.rs
cp -r examples/*.rs examples/support "$crate/src/bin/"
sed -i 's|env!("CARGO_MANIFEST_DIR")|"'"$root"'"|' "$crate"/src/bin/*.rs
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Seconds a command takes; 9999 when it runs past 15 minutes (killed).
secs() {
    local s e
    s=$(date +%s.%N)
    timeout 900 "$@" >/dev/null 2>&1 || { echo 9999; return; }
    e=$(date +%s.%N)
    echo "$e - $s" | bc
}
cp src/shape/tn_table.rs /tmp/tn_table.rs.committed
trap 'cp /tmp/tn_table.rs.committed src/shape/tn_table.rs' EXIT INT TERM
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %8s %12s %14s\n' set sizes "lib check s" "user check s"
for set in "$@"; do
    n=$(python3 scripts/gen_tn_table.py --set "$set" | awk '{print $2}')
    if ! (cd "$crate" && timeout 900 cargo check --bins >/dev/null 2>&1); then
        printf '%-14s %8s %12s %14s\n' "$set" "$n" "> 900" "-"
        continue
    fi
    lib=$(for _ in 1 2 3; do touch src/lib.rs; secs cargo check --lib; done | median)
    user=$(for _ in 1 2 3; do touch src/lib.rs; (cd "$crate" && cargo check --bins >/dev/null 2>&1); touch "$crate/src/bin/lesson.rs"; secs bash -c "cd '$crate' && cargo check --bins"; done | median)
    printf '%-14s %8s %12.2f %14.2f\n' "$set" "$n" "$lib" "$user"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
