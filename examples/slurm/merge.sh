#!/bin/bash
# Combine the shards that grade.sbatch saved into GRADES/all (run it when the whole array is done):
#
#   bash merge.sh GRADES [kata merge options, e.g. --katas PACK]
#
# `kata merge` refuses a gap (a shard missing) or an overlap, so a failed task shows here: rerun its
# index (`sbatch --array=I grade.sbatch ...`), then merge again. GRADES/all is rebuilt each time.
set -euo pipefail
shopt -s extglob nullglob

if (($# < 1)); then
    echo "usage: merge.sh GRADES [kata merge options]" >&2
    exit 2
fi
grades=$1
shift
outputs=("$grades"/shard-+([0-9]))  # not shard-I.saving: a copy being written
if ((${#outputs[@]} == 0)); then
    echo "error: no shard output in $grades (expected $grades/shard-0, shard-1, ...)" >&2
    exit 2
fi
rm -rf "$grades/all.new"
kata merge "${outputs[@]}" -o "$grades/all.new" "$@"
rm -rf "$grades/all"
mv "$grades/all.new" "$grades/all"
