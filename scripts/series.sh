#!/usr/bin/env bash
# Write the kmemsafe series with git format-patch against the base: commits
# from patches/commits (our files, in review order), then patches/series.
# Then check it: git am onto a clean base must give exactly the tree that
# `make test` builds.
set -euo pipefail
. "$(dirname "$0")/config.sh"

ks_lock
"$KS_REPO/scripts/tree.sh"
repo=$KS_WORK/series-git
out=$KS_WORK/series

if [ ! -f "$repo/.kmemsafe-base" ]; then
	ks_say "turning a copy of the base into a git repository (once)"
	rm -rf "$repo"
	cp -a "$KS_BASE" "$repo"
	rm -f "$repo/.extracted"
	git -C "$repo" init -q
	git -C "$repo" add -A -f	# Debian's tarball ignores everything in .gitignore
	git -C "$repo" -c user.name=kmemsafe -c user.email=kmemsafe@localhost \
		commit -q -m "Linux $(make -s -C "$KS_BASE" kernelversion) (Debian $KS_BASE_PACKAGE)"
	git -C "$repo" tag -f base >/dev/null
	touch "$repo/.kmemsafe-base"
fi

g() { git -C "$repo" -c user.name="kmemsafe" -c user.email="kmemsafe@localhost" "$@"; }
g checkout -q -f -B kmemsafe base
g clean -fdxq -e .kmemsafe-base

ks_say "committing our files in review order (patches/commits)"
python3 "$KS_REPO/scripts/commits.py" "$KS_REPO" "$repo"
for p in $(grep -v -e '^#' -e '^$' "$KS_REPO/patches/series" || true); do
	g am -q "$KS_REPO/patches/$p" || { g am --abort; ks_die "patches/$p does not apply"; }
done

rm -rf "$out"
g format-patch -q --cover-letter -o "$out" base..kmemsafe
cover=$(ls "$out"/0000-*.patch)
python3 - "$cover" "$KS_REPO/patches/cover-letter" <<'PY'
import sys
cover, letter = sys.argv[1], open(sys.argv[2]).read().split("\n", 1)
text = open(cover).read()
text = text.replace("*** SUBJECT HERE ***", letter[0].strip())
text = text.replace("*** BLURB HERE ***", letter[1].strip())
open(cover, "w").write(text)
PY

ks_say "checking: git am onto a clean base gives the tree make test builds"
g checkout -q -f -B verify base
g am -q $(ls "$out"/0*-*.patch | grep -v /0000-)
bad=0
while read -r status f; do
	if [ "$status" = D ]; then
		[ ! -e "$KS_TREE/$f" ] || { echo "still in tree: $f"; bad=1; }
	elif ! cmp -s "$repo/$f" "$KS_TREE/$f"; then
		echo "differs from the tree: $f"; bad=1
	fi
done < <(g diff --name-status base verify)
g checkout -q -f kmemsafe
[ $bad = 0 ] || ks_die "the series does not reproduce the tree"
ls "$out"
ks_say "series in $out: applies to a clean base with git am and reproduces the tree make test builds"
