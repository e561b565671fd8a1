#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Assemble the kmemsafe kernel tree in $KS_TREE: the pristine base (extracted
# once per pinned base version), minus removed-files, plus our files, plus
# patches/series. See lib/assemble.py for the rules.
set -euo pipefail
. "$(dirname "$0")/../lib/functions.sh"

ks_lock
"$KS_HARNESS/bin/deps.sh"

stamp="$KS_BASE_PACKAGE $KS_BASE_VERSION"
if [ "$(cat "$KS_BASE/.kmemsafe-base" 2>/dev/null)" != "$stamp" ]; then
	ks_need_space "$KS_BASE_MIB" "extracting the base"
	ks_say "extracting $KS_BASE_TARBALL ($stamp) into $KS_BASE"
	# Everything made from an older base goes with it: a build directory
	# would keep objects newer than the new sources.
	rm -rf "$KS_BASE" "$KS_WORK/base.tmp" "$KS_TREE" "$KS_BUILD" "$KS_WORK/series-check"
	mkdir -p "$KS_WORK/base.tmp"
	tar -xJf "$KS_BASE_TARBALL" -C "$KS_WORK/base.tmp" --strip-components=1
	echo "$stamp" > "$KS_WORK/base.tmp/.kmemsafe-base"
	mv "$KS_WORK/base.tmp" "$KS_BASE"
fi

if [ "$(cat "$KS_TREE/.kmemsafe-base" 2>/dev/null)" != "$stamp" ]; then
	ks_say "copying the base into $KS_TREE (once per base)"
	rm -rf "$KS_TREE" "$KS_WORK/tree.tmp"
	cp -a "$KS_BASE" "$KS_WORK/tree.tmp"
	mv "$KS_WORK/tree.tmp" "$KS_TREE"
fi

ks_say "tree $KS_TREE: $(python3 "$KS_HARNESS/lib/assemble.py" "$KS_REPO" "$KS_BASE" "$KS_TREE")"
