#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bring the assembled kernel tree to: base - removed-files + our files + patches.

Usage: assemble.py REPO BASE TREE

Our files are every file git knows in REPO (tracked or untracked and not
ignored) that exists on disk, except the harness's own (HARNESS below): each
is overlaid at its kernel path, so a new kernel file needs no list edited.
Patches from patches/series are applied with `git apply`, which, like
`git am`, accepts a hunk at another offset but never with fuzz.

Only files whose content or mode changed are rewritten, so kernel builds stay
incremental. TREE/.kmemsafe-state records what this script put there; a file
it touched last time but no longer should (dropped from removed-files, or no
longer ours) goes back to the base's version.
"""
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

# Paths in REPO that belong to the harness, not to the kernel.
HARNESS = ("Makefile", "README.md", "removed-files", ".gitignore", ".ci/", "patches/",
           "tools/testing/kmemsafe/")
# Upstream's KUnit suites are the compatibility contract: never removed.
CONTRACT = ("mm/kfence/kfence_test.c", "mm/kasan/kasan_test_c.c",
            "mm/kasan/kasan_test_module.c", "mm/kasan/kasan_test_rust.rs")
DELETE = None


def die(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def listed(path):
    """Non-comment, non-empty lines of a list file (missing or empty is fine)."""
    try:
        with open(path) as f:
            return [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]
    except FileNotFoundError:
        return []


def is_harness(path):
    return any(path == h or (h.endswith("/") and path.startswith(h)) for h in HARNESS)


def our_files(repo):
    out = subprocess.run(["git", "-C", repo, "ls-files", "-z", "--cached", "--others",
                          "--exclude-standard"], capture_output=True, check=True).stdout
    files = sorted({p.decode() for p in out.split(b"\0") if p})
    # A tracked file moved or deleted but not yet committed is simply gone.
    return [f for f in files if not is_harness(f) and os.path.isfile(os.path.join(repo, f))]


def patch_paths(patch):
    paths = set()
    with open(patch, errors="replace") as f:
        for line in f:
            m = re.match(r"^diff --git a/(\S+) b/(\S+)$", line)
            if m:
                paths.update(m.groups())
    if not paths:
        die(f"{patch}: no 'diff --git' header (patches must be in git format)")
    return paths


def same(src, dst):
    try:
        s, d = os.stat(src), os.stat(dst, follow_symlinks=False)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(d.st_mode) or (s.st_mode & 0o777) != (d.st_mode & 0o777):
        return False
    if s.st_size != d.st_size:
        return False
    with open(src, "rb") as a, open(dst, "rb") as b:
        return a.read() == b.read()


def install(src, dst):
    """Content and mode of @src; the time is now, so that kbuild rebuilds
    whatever depends on @dst even when @src is older than the objects."""
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.lexists(dst):
        os.unlink(dst)
    shutil.copyfile(src, dst)
    shutil.copymode(src, dst)


def main():
    repo, base, tree = sys.argv[1:4]
    removed = listed(os.path.join(repo, "removed-files"))
    series = listed(os.path.join(repo, "patches/series"))
    for f in removed:
        if f in CONTRACT:
            die(f"removed-files lists {f}: upstream's KUnit suites stay in the tree, unchanged")
        if not os.path.lexists(os.path.join(base, f)):
            die(f"removed-files lists {f}, which the base does not have")

    want = {}	# path -> source file, or DELETE
    for f in our_files(repo):
        if f in CONTRACT:
            die(f"{f} is upstream's KUnit suite: it stays in the tree unchanged, not replaced")
        want[f] = os.path.join(repo, f)
    for f in removed:
        want.setdefault(f, DELETE)

    stage = tempfile.mkdtemp(prefix="stage.", dir=os.path.dirname(tree))
    try:
        for p in series:
            patch = os.path.join(repo, "patches", p)
            if not os.path.isfile(patch):
                die(f"patches/series lists {p}, which is not in patches/")
            for f in patch_paths(patch) & set(CONTRACT):
                die(f"patches/{p} changes {f}: upstream's KUnit suites stay unchanged")
            for f in sorted(patch_paths(patch)):
                dst = os.path.join(stage, f)
                if os.path.lexists(dst):
                    continue
                src = want.get(f, os.path.join(base, f))
                if src is not DELETE and os.path.isfile(src):
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    shutil.copy2(src, dst)
            env = dict(os.environ, GIT_CEILING_DIRECTORIES=os.path.dirname(stage))
            r = subprocess.run(["git", "apply", "--whitespace=nowarn", patch], cwd=stage,
                               env=env, capture_output=True, text=True)
            if r.returncode:
                sys.stderr.write(r.stderr)
                die(f"patches/{p} does not apply (no fuzz allowed, as with git am)")
            for f in patch_paths(patch):
                staged = os.path.join(stage, f)
                want[f] = staged if os.path.isfile(staged) else DELETE

        state_path = os.path.join(tree, ".kmemsafe-state")
        try:
            with open(state_path) as fh:
                before = set(json.load(fh)["touched"])
        except (FileNotFoundError, ValueError, KeyError):
            # The first harness kept a plain list of the files it installed.
            before = set(listed(os.path.join(tree, ".kmemsafe-files")))

        # Record first what this run may touch, so that an interrupted run
        # leaves no file the next one would not put back.
        with open(state_path + ".tmp", "w") as fh:
            json.dump({"touched": sorted(before | set(want))}, fh, indent=0)
        os.replace(state_path + ".tmp", state_path)

        changed = 0
        for f, src in sorted(want.items()):
            dst = os.path.join(tree, f)
            if src is DELETE:
                if os.path.lexists(dst):
                    os.unlink(dst)
                    changed += 1
            elif not same(src, dst):
                install(src, dst)
                changed += 1
        for f in sorted(before - set(want)):
            dst, orig = os.path.join(tree, f), os.path.join(base, f)
            if os.path.lexists(orig):
                if not same(orig, dst):
                    install(orig, dst)
                    changed += 1
            elif os.path.lexists(dst):
                os.unlink(dst)
                changed += 1
        with open(state_path + ".tmp", "w") as fh:
            json.dump({"touched": sorted(want)}, fh, indent=0)
        os.replace(state_path + ".tmp", state_path)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print(f"{changed} file(s) updated, {len(want)} differ from the base")


if __name__ == "__main__":
    main()
