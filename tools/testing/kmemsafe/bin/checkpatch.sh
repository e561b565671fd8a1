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

# Findings configs/checkpatch.allow accepts (each with its reason) are
# counted, not shown.
allowed=0
status=0
report() {
	local found n
	# checkpatch's own status counts allowed findings too: the filter's decides.
	found=$($cp "$@" 2>&1 || true)
	found=$(python3 "$KS_HARNESS/lib/checkpatch_filter.py" "$KS_HARNESS/configs/checkpatch.allow" \
		<<< "$found" 2>"$KS_WORK/checkpatch.allowed") || status=1
	[ -z "$found" ] || echo "$found"
	n=$(sed -n 's/^allowed: //p' "$KS_WORK/checkpatch.allowed")
	allowed=$((allowed + ${n:-0}))
}
for f in $files; do report -f "$f"; done
for p in $patches; do report --showfile "$p"; done
n=$(echo $files $patches | wc -w)
if [ $status = 0 ]; then
	ks_say "checkpatch --strict: clean ($n files and patches;" \
		"$allowed findings allowed by configs/checkpatch.allow)"
else
	ks_die "checkpatch --strict found problems (above)"
fi
