#!/bin/bash
# Submits a ttx batch to Slurm as a job array of TASKS shards, then a merge job that starts
# once every shard has succeeded. Prints the two job ids.
#
#   deploy/slurm/submit.sh [SBATCH_OPTION...] TASKS OUT COMMAND SCENARIO [OPTIONS...]
#
# e.g. a 4x4 grid of the tutorial scenario in 10 tasks:
#
#   deploy/slurm/submit.sh --partition=short 10 results/grid \
#       sweep scenarios/tutorial.yaml --replications 100 \
#       --set hash_sharing.delay=15m,30m,1h,2h --set platforms.videotube.review.reviewers=5,10,20,40
#
# COMMAND is sweep, run or compare, with the options you would give ttx on one machine,
# but without --out, --shard, --shards or --threads (the array script sets them).
# SBATCH_OPTIONs (each starting with -, before TASKS) go to both sbatch calls, e.g.
# --partition=NAME, --account=NAME, --time=HH:MM:SS, --cpus-per-task=N; they win over the
# #SBATCH lines of ttx-array.sbatch and ttx-merge.sbatch.
#
# Results: OUT/shard-1 ... OUT/shard-TASKS (one per task), OUT/merged (the whole batch,
# as one unsharded run would have written it), and the jobs' logs in OUT/logs/.
# Set TTX=/path/to/ttx first if ttx is not on your PATH; the jobs inherit it.
# Run it from the directory the paths are relative to: the jobs start there.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

sbatch_opts=()
while [ "$#" -gt 0 ] && [ "${1#-}" != "$1" ]; do
    sbatch_opts+=("$1")
    shift
done
if [ "$#" -lt 4 ]; then
    echo "usage: $0 [SBATCH_OPTION...] TASKS OUT COMMAND SCENARIO [OPTIONS...]" >&2
    exit 2
fi
tasks=$1
out=$2
shift 2
case "$tasks" in
    '' | *[!0-9]* | 0)
        echo "$0: TASKS must be a whole number of at least 1, not '$tasks'" >&2
        exit 2
        ;;
esac

# Slurm does not create the directory of a log file; a job whose log cannot be opened fails.
mkdir -p "$out/logs"

# --parsable prints "JOBID" or "JOBID;CLUSTER".
array=$(sbatch --parsable "${sbatch_opts[@]}" --array="1-$tasks" \
    --output="$out/logs/shard-%a.log" \
    "$here/ttx-array.sbatch" "$out" "$@")
array=${array%%;*}

# afterok on an array job waits for all of its tasks, and is never satisfied if one fails.
merge=$(sbatch --parsable "${sbatch_opts[@]}" --dependency="afterok:$array" \
    --output="$out/logs/merge.log" \
    "$here/ttx-merge.sbatch" "$out")
merge=${merge%%;*}

echo "array job $array ($tasks tasks), merge job $merge; results in $out/merged"
echo "watch with: squeue -j $array,$merge"
