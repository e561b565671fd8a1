#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/checkpatch.pl --strict, from the base tree, on every kernel file we
# own (the files lib/assemble.py overlays), the harness's kernel modules and
# every patch we carry. Prints findings; fails if there are any.
set -euo pipefail
. "$(dirname "$0")/../lib/functions.sh"

[ -f "$KS_BASE/.kmemsafe-base" ] || "$KS_HARNESS/bin/tree.sh"
cp="perl $KS_BASE/scripts/checkpatch.pl --strict --no-tree --terse --show-types"
cd "$KS_REPO"
files=$(git ls-files --cached --others --exclude-standard |
	grep -v -E '^(Makefile|README\.md|removed-files|\.gitignore|\.ci/|patches/)' |
	grep -v -E '^tools/testing/kmemsafe/(bin|lib|selftests|configs)/' |
	grep -E '\.(c|h)$|Kconfig|Makefile|Kbuild' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
# Absolute paths: given relative ones from this directory, checkpatch
# flags the context lines of our patches as added lines.
patches=$(grep -v -e '^#' -e '^$' patches/series 2>/dev/null | sed "s|^|$KS_REPO/patches/|" || true)

status=0
report() {
	local found
	found=$($cp "$@" 2>&1 | grep -v -e '^total:' -e '^$' || true)
	[ -z "$found" ] || { echo "$found"; status=1; }
}
for f in $files; do report -f "$f"; done
for p in $patches; do report "$p"; done
n=$(echo $files $patches | wc -w)
if [ $status = 0 ]; then
	ks_say "checkpatch --strict: clean ($n files and patches)"
else
	ks_die "checkpatch --strict found problems (above)"
fi
