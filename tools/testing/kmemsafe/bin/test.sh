#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make test: the harness's own self-tests first (seconds, no kernel), then
# every scenario of configs/test/CFLIST (or those named) through bin/test.py.
set -euo pipefail
. "$(dirname "$0")/../lib/functions.sh"

"$KS_HARNESS/selftests/run.sh"
ks_lock
"$KS_HARNESS/bin/tree.sh"
export KS_WORK KS_TREE KS_BUILD KS_JOBS KS_BUILD_MIB
# Bash cannot export an array: one make option per line.
KS_MAKE_OPTS_LINES=$(printf '%s\n' "${KS_MAKE_OPTS[@]}")
export KS_MAKE_OPTS_LINES
exec python3 "$KS_HARNESS/bin/test.py" "$@"
