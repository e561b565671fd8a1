#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness's self-tests (selftests/test_harness.py, test_syztitle.py for
# lib/syztitle.py, test_checkpatch_filter.py for make checkpatch's allow
# list): seconds, no kernel.
# make test runs them first, so a harness that would let a bad run pass never
# gets to judge one.
set -uo pipefail
cd "$(dirname "$0")"
out=$(python3 -W error::ResourceWarning -m unittest -v test_harness test_syztitle test_checkpatch_filter 2>&1)
rc=$?
if [ $rc != 0 ]; then
	echo "$out"
	printf 'error: the harness self-tests failed: make test cannot be trusted to judge a run\n' >&2
	exit 1
fi
printf '\033[1m==> harness self-tests: %s\033[0m\n' "$(echo "$out" | grep -c '\.\.\. ok$') passed" >&2
