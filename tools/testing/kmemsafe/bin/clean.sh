#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make clean: remove what builds made under $KS_WORK; keep the extracted base
# and the ccache. Takes the machine lock, so a running build is never pulled
# from under itself; lib/functions.sh refuses an empty or relative KS_WORK.
set -euo pipefail
. "$(dirname "$0")/../lib/functions.sh"

ks_lock
ks_say "removing $KS_BUILD $KS_TREE $KS_WORK/series $KS_WORK/series-check $KS_BENCH $KS_RUN"
rm -rf "$KS_BUILD" "$KS_TREE" "$KS_WORK/series" "$KS_WORK/series.tmp" "$KS_WORK/series-check" \
	"$KS_BENCH" "$KS_RUN" \
	"$KS_WORK"/stage.* "$KS_WORK"/*.tmp
