#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Assemble the kmemsafe kernel tree in $KS_TREE: the pristine base (extracted
# once per pinned base version), minus removed-files, plus our files, plus
# patches/series. See lib/assemble.py for the rules.
set -euo pipefail
. "$(dirname "$0")/../lib/functions.sh"

ks_lock
ks_base
stamp="$KS_BASE_PACKAGE $KS_BASE_VERSION"

if [ "$(cat "$KS_TREE/.kmemsafe-base" 2>/dev/null)" != "$stamp" ]; then
	ks_say "copying the base into $KS_TREE (once per base)"
	rm -rf "$KS_TREE" "$KS_WORK/tree.tmp"
	cp -a "$KS_BASE" "$KS_WORK/tree.tmp"
	mv "$KS_WORK/tree.tmp" "$KS_TREE"
fi

ks_say "tree $KS_TREE: $(python3 "$KS_HARNESS/lib/assemble.py" "$KS_REPO" "$KS_BASE" "$KS_TREE")"
