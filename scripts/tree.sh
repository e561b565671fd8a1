#!/usr/bin/env bash
# Assemble the kmemsafe kernel tree: the pristine base, minus the upstream files
# listed in removed-files, plus our files, plus patches/series. Files whose
# content did not change are left alone so that incremental builds stay fast.
set -euo pipefail
. "$(dirname "$0")/config.sh"

"$KS_REPO/scripts/deps.sh"
ks_lock

if [ ! -f "$KS_BASE/.extracted" ]; then
	ks_say "extracting $KS_BASE_TARBALL into $KS_BASE (once)"
	rm -rf "$KS_BASE" "$KS_WORK/base.tmp"
	mkdir -p "$KS_WORK/base.tmp"
	tar -xJf "$KS_BASE_TARBALL" -C "$KS_WORK/base.tmp" --strip-components=1
	mv "$KS_WORK/base.tmp" "$KS_BASE"
	touch "$KS_BASE/.extracted"
fi

if [ ! -f "$KS_TREE/.assembled" ]; then
	ks_say "copying the base into $KS_TREE (once)"
	rm -rf "$KS_TREE"
	cp -a "$KS_BASE" "$KS_TREE"
	rm -f "$KS_TREE/.extracted"
	: > "$KS_TREE/.kmemsafe-files"
	touch "$KS_TREE/.assembled"
fi

# Stage the desired content of every file we touch, then sync it into the tree.
stage=$(mktemp -d "$KS_WORK/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

ours=$(cd "$KS_REPO" && git ls-files --cached --others --exclude-standard -- \
	mm include arch lib Documentation samples tools/testing 2>/dev/null || true)
removed=$(grep -v -e '^#' -e '^$' "$KS_REPO/removed-files")
series=$(grep -v -e '^#' -e '^$' "$KS_REPO/patches/series" 2>/dev/null || true)

for f in $ours; do
	mkdir -p "$stage/$(dirname "$f")"
	cp "$KS_REPO/$f" "$stage/$f"
done
for p in $series; do
	for f in $(sed -n 's|^+++ b/||p' "$KS_REPO/patches/$p" | sed 's/[[:space:]].*//'); do
		[ -e "$stage/$f" ] && continue
		mkdir -p "$stage/$(dirname "$f")"
		[ -e "$KS_BASE/$f" ] && cp "$KS_BASE/$f" "$stage/$f"
	done
	if ! patch -p1 -s -N -d "$stage" --no-backup-if-mismatch < "$KS_REPO/patches/$p" >"$stage/.patch.log" 2>&1; then
		cat "$stage/.patch.log" >&2
		ks_die "patch does not apply: patches/$p"
	fi
done
rm -f "$stage/.patch.log"

changed=0
new_list=$(cd "$stage" && find . -type f | sed 's|^\./||' | sort)
for f in $new_list; do
	if ! cmp -s "$stage/$f" "$KS_TREE/$f"; then
		mkdir -p "$KS_TREE/$(dirname "$f")"
		cp "$stage/$f" "$KS_TREE/$f"
		changed=$((changed + 1))
	fi
done
# Files we installed last time but no longer provide go back to the base.
for f in $(comm -23 <(sort "$KS_TREE/.kmemsafe-files") <(echo "$new_list")); do
	if [ -e "$KS_BASE/$f" ]; then
		cmp -s "$KS_BASE/$f" "$KS_TREE/$f" || { cp "$KS_BASE/$f" "$KS_TREE/$f"; changed=$((changed + 1)); }
	else
		rm -f "$KS_TREE/$f"; changed=$((changed + 1))
	fi
done
for f in $removed; do
	if echo "$new_list" | grep -qx "$f"; then
		continue	# replaced by our own file of the same name
	fi
	if [ -e "$KS_TREE/$f" ]; then
		rm -f "$KS_TREE/$f"
		changed=$((changed + 1))
	fi
done
echo "$new_list" > "$KS_TREE/.kmemsafe-files"
ks_say "tree $KS_TREE ready ($changed file(s) updated)"
