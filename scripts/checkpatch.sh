#!/usr/bin/env bash
# scripts/checkpatch.pl --strict, from the base tree, on every kernel file we
# own and every patch we carry. Prints findings; fails if there are any.
set -euo pipefail
. "$(dirname "$0")/config.sh"

"$KS_REPO/scripts/deps.sh"
[ -f "$KS_BASE/.extracted" ] || "$KS_REPO/scripts/tree.sh"
cp="perl $KS_BASE/scripts/checkpatch.pl --strict --no-tree --terse --show-types"
cd "$KS_REPO"
files=$(git ls-files --cached --others --exclude-standard -- mm include arch lib samples tools/testing \
	| grep -E '\.(c|h)$|Kconfig|Makefile|Kbuild' || true)
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
