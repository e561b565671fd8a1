#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make titles: the reference bin/test.py holds our KFENCE and KASAN reports
# to. For each scenario that names a title file (configs/test/<name>,
# 'titles:'), or those named, bin/titles.py builds the pristine base,
# upstream's KFENCE and KASAN, with the scenario's kunitconfig, boots it under
# QEMU through the base's kunit.py as bin/test.py boots ours, running only the
# upstream suite the scenario runs (kfence or kasan), and writes the syzkaller
# title of every report it printed, per test case, to configs/titles/<file>.
# Usage: titles.sh [SCENARIO...]
set -euo pipefail
. "$(dirname "$0")/../lib/functions.sh"

ks_lock
ks_base
export KS_WORK KS_BASE KS_BUILD KS_JOBS KS_BUILD_MIB KS_BASE_PACKAGE KS_BASE_VERSION
# Bash cannot export an array: one make option per line.
KS_MAKE_OPTS_LINES=$(printf '%s\n' "${KS_MAKE_OPTS[@]}")
export KS_MAKE_OPTS_LINES
exec python3 "$KS_HARNESS/bin/titles.py" "$@"
