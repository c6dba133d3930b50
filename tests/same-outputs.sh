#!/usr/bin/env bash
# Same outputs as an earlier build: runs every shipped scenario (and the large benchmark
# scenario) through `run`, `compare`, `exercise --decisions`, `msel` and `protocols` with
# the build of a git revision and with the working tree, and compares every output file
# byte for byte (events log included).
#
#   tests/same-outputs.sh [REV]              # default REV: HEAD
#   tests/same-outputs.sh --common-columns REV
#       compare CSV files on the columns both builds write, in the old build's order
#       (for a change that appends columns and must keep the old ones byte for byte)
#
# The revision is built in a worktree under ${TTX_SAME_DIR:-/tmp/ttx-same-outputs}
# (its target directory is kept between calls, so a second call is quick). Exit 0 when
# everything is the same, 1 with the list of differing files otherwise.
set -euo pipefail

common=0
if [ "${1:-}" = "--common-columns" ]; then
    common=1
    shift
fi
rev=${1:-HEAD}
top=$(git rev-parse --show-toplevel)
cd "$top"
work=${TTX_SAME_DIR:-/tmp/ttx-same-outputs}
mkdir -p "$work"
sha=$(git rev-parse --verify "$rev^{commit}")

# The old build, in a worktree of its own.
old_tree="$work/tree"
if [ ! -d "$old_tree" ]; then
    git worktree add --detach "$old_tree" "$sha" >/dev/null
else
    git -C "$old_tree" checkout --quiet --detach "$sha"
fi
echo "building $rev ($sha) ..." >&2
(cd "$old_tree" && CARGO_TARGET_DIR="$work/target-old" cargo build --release --quiet --bin ttx)
echo "building the working tree ..." >&2
cargo build --release --quiet --bin ttx
old="$work/target-old/release/ttx"
new="$top/target/release/ttx"

out="$work/out"
rm -rf "$out"
mkdir -p "$out/old" "$out/new"

# A decisions record to replay (a small exercise), written the way `--record` does.
decisions="$work/decisions.yaml"
cat >"$decisions" <<'EOF'
variant: baseline
seed: 7
step: 30m
decisions:
  - {at: 30m, decision: note first reports}
  - {at: 1h, decision: activate}
  - {at: 1h, decision: notify all}
  - {at: 1h30m, decision: push-hashes}
  - {at: 2h, decision: refer videotube 5}
EOF

# One side's outputs: every command into its own directory, and what it prints.
outputs() {
    local bin=$1 dir=$2 s name
    for s in scenarios/*.yaml benches/scenarios/large.yaml; do
        case "$s" in *.targets.yaml) continue ;; esac
        name=$(basename "$s" .yaml)
        if [ "$name" = large ]; then
            "$bin" run "$s" --replications 2 --events --quiet --out "$dir/$name-run"
            "$bin" compare "$s" --replications 3 --quiet --out "$dir/$name-compare"
            continue
        fi
        "$bin" run "$s" --quiet --out "$dir/$name-run"
        "$bin" run "$s" --replications 3 --events --quiet --out "$dir/$name-events"
        "$bin" run "$s" --replications 4 --seed 99 --threads 1 --quiet --out "$dir/$name-seed"
        "$bin" compare "$s" --replications 30 --quiet --out "$dir/$name-compare"
        "$bin" protocols "$s" >"$dir/$name-protocols.txt"
        "$bin" msel "$s" --replications 20 --out "$dir/$name-msel.csv" >/dev/null
        "$bin" validate "$s" >"$dir/$name-validate.txt" 2>&1
    done
    # An exercise replayed from a record, and the same record replayed by `run`.
    "$bin" exercise scenarios/tutorial.yaml --decisions "$decisions" --replications 10 \
        --out "$dir/tutorial-exercise" >"$dir/tutorial-exercise.txt" 2>&1 || true
    "$bin" run scenarios/tutorial.yaml --decisions "$decisions" --replications 5 --events \
        --quiet --out "$dir/tutorial-decisions"
    # What the commands print names the output directory: make the two sides alike.
    find "$dir" -name '*.txt' -exec sed -i "s#$dir#OUT#g" {} +
}

echo "running $rev ..." >&2
outputs "$old" "$out/old"
echo "running the working tree ..." >&2
outputs "$new" "$out/new"

# Project a CSV file onto the given columns (by header name, in that order).
project() {
    python3 - "$1" "$2" <<'PY'
import csv, sys
src, cols = sys.argv[1], sys.argv[2].split(",")
with open(src, newline="") as f:
    rows = csv.reader(f)
    header = next(rows)
    idx = [header.index(c) for c in cols]
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([r[i] for i in idx])
PY
}

status=0
checked=0
while IFS= read -r -d '' f; do
    rel=${f#"$out/old/"}
    g="$out/new/$rel"
    checked=$((checked + 1))
    if [ ! -f "$g" ]; then
        echo "missing in the working tree's outputs: $rel"
        status=1
        continue
    fi
    if cmp -s "$f" "$g"; then
        continue
    fi
    if [ "$common" = 1 ] && [[ "$rel" == *.csv ]]; then
        cols=$(head -n1 "$f" | tr -d '\r')
        if cmp -s <(project "$f" "$cols") <(project "$g" "$cols") 2>/dev/null; then
            continue
        fi
    fi
    echo "differs: $rel"
    status=1
done < <(find "$out/old" -type f -print0 | sort -z)

if [ "$status" = 0 ]; then
    echo "same outputs: $checked files identical to $rev ($sha)"
fi
exit "$status"
