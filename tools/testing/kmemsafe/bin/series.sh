#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make series: write the kmemsafe series with git format-patch against the
# pinned base (our files committed as patches/commits describes, then
# patches/series), signed off by the identity `git config` gives, and check it:
#  1. checkpatch --strict on every generated patch;
#  2. git am onto a clean base gives exactly the tree make test builds, file
#     for file in both directions, deletions and modes included;
#  3. each patch builds on its own: the arm64 and x86_64 test kernels are
#     built at every step of the series (incremental, ccache), unless
#     KS_SERIES_BUILD=0.
# Work directories: $KS_WORK/series-check/{tree,build/<kernel>}, laid out as
# $KS_WORK/{tree,build/<kernel>} so that ccache hits across them.
set -euo pipefail
. "$(dirname "$0")/../lib/functions.sh"

name=$(git -C "$KS_REPO" config user.name || true)
email=$(git -C "$KS_REPO" config user.email || true)
[ -n "$name" ] && [ -n "$email" ] || ks_die "the series is signed off by your git identity, and git config has none:
  git config --global user.name 'Your Name'; git config --global user.email you@example.org"
export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email

ks_lock
"$KS_HARNESS/bin/tree.sh"
check=$KS_WORK/series-check
repo=$check/tree
out=$KS_WORK/series
stamp="$KS_BASE_PACKAGE $KS_BASE_VERSION"
kver=$(make -s -C "$KS_BASE" kernelversion)

g() { git -C "$repo" "$@"; }

if [ "$(cat "$repo/.git/kmemsafe-base" 2>/dev/null)" != "$stamp" ]; then
	ks_need_space "$((KS_BASE_MIB + 2 * KS_BUILD_MIB))" "make series (a git copy of the base, two builds)"
	ks_say "turning a copy of the base into a git repository (once per base)"
	rm -rf "$check"
	mkdir -p "$check"
	cp -a "$KS_BASE" "$repo.tmp"
	rm -f "$repo.tmp/.kmemsafe-base"
	git -C "$repo.tmp" init -q
	git -C "$repo.tmp" add -A -f	# Debian's tarball ignores everything in .gitignore
	git -C "$repo.tmp" -c user.name=kmemsafe -c user.email=kmemsafe@localhost \
		commit -q -m "Linux $kver (Debian $KS_BASE_PACKAGE $KS_BASE_VERSION)"
	git -C "$repo.tmp" tag -f base >/dev/null
	echo "$stamp" > "$repo.tmp/.git/kmemsafe-base"
	mv "$repo.tmp" "$repo"
fi

# Whatever an interrupted run left behind (a git am in progress, a detached
# checkout, stray files) goes before anything else.
rm -f "$repo/.git/index.lock"
g am --abort >/dev/null 2>&1 || true
rm -rf "$repo/.git/rebase-apply"
g checkout -q -f -B kmemsafe base
g clean -fdxq

ks_say "committing our files in review order (patches/commits) as $name <$email>"
python3 "$KS_HARNESS/lib/commits.py" "$KS_REPO" "$repo"
# Our patches carry whatever identity wrote them: the series is authored and
# signed off by the one git config gives, and by no other.
for p in $(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$KS_REPO/patches/series" || true); do
	grep -qx "$p" "$repo/.git/kmemsafe-applied" && continue	# placed by patches/commits
	g am -q "$KS_REPO/patches/$p" || { g am --abort; ks_die "patches/$p does not apply with git am"; }
	g log -1 --format=%B | grep -v -i '^signed-off-by:' | g commit -q --amend --reset-author -s -F -
done

rm -rf "$out.tmp"
g format-patch -q --cover-letter -o "$out.tmp" base..kmemsafe
python3 - "$out.tmp"/0000-*.patch "$KS_REPO/patches/cover-letter" "$kver" "$stamp" <<'PY'
import sys
cover, letter, kver, stamp = sys.argv[1], open(sys.argv[2]).read().split("\n", 1), sys.argv[3], sys.argv[4]
text = open(cover).read()
text = text.replace("*** SUBJECT HERE ***", letter[0].strip())
blurb = letter[1].strip() + f"\n\nBase: Linux {kver} as shipped in Debian's {stamp}."
text = text.replace("*** BLURB HERE ***", blurb)
open(cover, "w").write(text)
PY

# checkpatch: the MAINTAINERS question for new files is answered by the
# existing KFENCE and KASAN entries (F: mm/kfence/, F: mm/kasan/).
ks_say "checkpatch --strict on the generated patches"
bad=0
for p in "$out.tmp"/0*-*.patch; do
	[[ $p == */0000-* ]] && continue
	# --showfile: findings name the file the patch changes, as the allow
	# list (configs/checkpatch.allow) does.
	found=$(perl "$KS_BASE/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--showfile --ignore FILE_PATH_CHANGES "$p" 2>&1 || true)
	found=$(python3 "$KS_HARNESS/lib/checkpatch_filter.py" "$KS_HARNESS/configs/checkpatch.allow" \
		<<< "$found" 2>/dev/null || true)
	[ -z "$found" ] || { echo "$(basename "$p"):"; echo "$found"; bad=1; }
done
[ $bad = 0 ] || ks_die "checkpatch found problems in the generated series (above)"

ks_say "checking: git am onto a clean base gives exactly the tree make test builds"
g checkout -q -f -B verify base
mapfile -t generated < <(ls "$out.tmp"/0*-*.patch | grep -v /0000-)
g am -q "${generated[@]}" || { g am --abort; ks_die "the series does not apply with git am"; }
python3 - "$repo" "$KS_TREE" <<'PY' || ks_die "the series does not reproduce the tree"
import os, stat, sys
a, b = sys.argv[1], sys.argv[2]
skip = {".git", ".kmemsafe-base", ".kmemsafe-state", ".kmemsafe-files"}
def files(root):
    out = {}
    for d, dirs, fs in os.walk(root):
        dirs[:] = [x for x in dirs if not (d == root and x in skip) and x != "__pycache__"]
        for f in fs:
            p = os.path.relpath(os.path.join(d, f), root)
            if p not in skip:
                out[p] = os.path.join(d, f)
    return out
fa, fb = files(a), files(b)
bad = [f"only in the series: {p}" for p in sorted(set(fa) - set(fb))]
bad += [f"only in the tree: {p}" for p in sorted(set(fb) - set(fa))]
for p in sorted(set(fa) & set(fb)):
    sa, sb = os.lstat(fa[p]), os.lstat(fb[p])
    if (sa.st_mode & 0o111) != (sb.st_mode & 0o111):
        bad.append(f"mode differs: {p}")
    elif sa.st_size != sb.st_size or open(fa[p], "rb").read() != open(fb[p], "rb").read():
        bad.append(f"content differs: {p}")
for x in bad[:40]:
    print(x)
print(f"{len(fa)} files compared, {len(bad)} difference(s)")
sys.exit(1 if bad else 0)
PY

if [ "${KS_SERIES_BUILD:-1}" != 0 ]; then
	start=$SECONDS
	commits=$(g rev-list --reverse base..verify)
	n=$(echo "$commits" | wc -l)
	for kernel in arm64-kfence x86_64-kfence; do
		arch=${kernel%%-*}
		bo=$check/build/$kernel
		cfg=$KS_BUILD/$kernel/.config
		[ -f "$cfg" ] || ks_die "no $cfg: run make test first (the series builds with its configs)"
		mkdir -p "$bo"
		i=0
		for c in $commits; do
			i=$((i + 1))
			g checkout -q -f "$c"
			ks_say "[$kernel] patch $i/$n builds? $(g log -1 --format=%s "$c")"
			# The final config each time: a symbol an earlier patch lacks is
			# dropped by olddefconfig and must come back with its patch.
			cp "$cfg" "$bo/.config"
			make -s -C "$repo" O="$bo" ARCH="$arch" "${KS_MAKE_OPTS[@]}" olddefconfig
			for want in CONFIG_KUNIT=y CONFIG_KFENCE=y; do
				grep -qx "$want" "$bo/.config" || ks_die "patch $i: $want did not survive olddefconfig"
			done
			make -s -C "$repo" O="$bo" ARCH="$arch" "${KS_MAKE_OPTS[@]}" -j"$KS_JOBS" vmlinux \
				> "$bo/build-$i.log" 2>&1 ||
				{ tail -n 30 "$bo/build-$i.log"; ks_die "patch $i does not build for $arch: $(g log -1 --format=%s "$c")"; }
			if grep -E 'warning:' "$bo/build-$i.log"; then
				ks_die "patch $i adds build warnings for $arch (above)"
			fi
		done
	done
	ks_say "every patch builds on arm64 and x86_64 ($((SECONDS - start)) s)"
else
	ks_say "KS_SERIES_BUILD=0: NOT checking that each patch builds on its own"
fi
g checkout -q -f kmemsafe

rm -rf "$out"
mv "$out.tmp" "$out"
ls "$out"
ks_say "series in $out: checkpatch-clean, applies to a clean base with git am and reproduces the tree make test builds"
