#!/usr/bin/env python3
"""Commit our files into a base git repository as patches/commits describes.

Usage: commits.py REPO_DIR GIT_DIR, with the identity in GIT_AUTHOR_* and
GIT_COMMITTER_*. A block's "files:" are committed with their content and
mode; its "removes:" are upstream files (from removed-files) it deletes
without putting a file of ours in their place. A block "=== patch: NAME"
applies patches/NAME at that point instead. A file that a later commit lists again
is committed first without the lines that belong to that later commit, so
that every commit builds on its own: the KUnit suite's Kconfig entry and
Makefile line arrive with the suite.
"""
import os
import re
import subprocess
import sys

repo, git = sys.argv[1], sys.argv[2]


def blocks():
    cur = None
    for line in open(os.path.join(repo, "patches/commits")):
        if line.startswith("#") and cur is None:
            continue
        if line.startswith("=== "):
            cur = {"subject": line[4:].strip(), "files": [], "removes": [], "body": []}
            yield_list.append(cur)
        elif cur is not None and line.startswith("files:") and not cur["files"]:
            cur["files"] = line.split()[1:]
        elif cur is not None and line.startswith("removes:") and not cur.get("removes"):
            cur["removes"] = line.split()[1:]
        elif cur is not None:
            cur["body"].append(line)


# Lines owned by a later commit, by the new file that commit introduces.
LATER = {
    "mm/kfence/kfence_core_test.c": {
        "mm/kfence/Makefile": lambda t: "".join(
            l for l in t.splitlines(True) if "kfence_core_test" not in l),
        "lib/Kconfig.kfence": lambda t: re.sub(
            r"config KFENCE_CORE_KUNIT_TEST\n(?:.*\n)*?(?=\n(?:config|endif))\n", "", t),
    },
    "mm/kasan/kasan_core_test.c": {
        "mm/kasan/Makefile": lambda t: "".join(
            l for l in t.splitlines(True) if "kasan_core_test" not in l),
        "lib/Kconfig.kasan": lambda t: re.sub(
            r"config KASAN_CORE_KUNIT_TEST\n(?:.*\n)*?(?=\n(?:config|endif))\n", "", t),
    },
}

def am(patch):
    """Apply one of patches/, signed off by the caller's identity only."""
    subprocess.run(["git", "-C", git, "am", "-q", os.path.join(repo, "patches", patch)],
                   check=True)
    msg = subprocess.run(["git", "-C", git, "log", "-1", "--format=%B"], check=True,
                         capture_output=True, text=True).stdout
    msg = "".join(l for l in msg.splitlines(True) if not l.lower().startswith("signed-off-by:"))
    subprocess.run(["git", "-C", git, "commit", "-q", "--amend", "--reset-author", "-s", "-F", "-"],
                   input=msg.encode(), check=True)


yield_list = []
blocks()
applied = []
for i, b in enumerate(yield_list):
    # "=== patch: NAME" puts one of patches/series at this point of the
    # series, before the commits of ours that need it to build.
    if b["subject"].startswith("patch:"):
        name = b["subject"].split(":", 1)[1].strip()
        am(name)
        applied.append(name)
        continue
    for f in b["files"]:
        text = open(os.path.join(repo, f)).read()
        for later in yield_list[i + 1:]:
            for new in later["files"]:
                if new not in b["files"] and f in LATER.get(new, {}):
                    text = LATER[new][f](text)
        dst = os.path.join(git, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "w") as fh:
            fh.write(text)
        os.chmod(dst, os.stat(os.path.join(repo, f)).st_mode & 0o777)
    # Upstream files this commit deletes without a file of ours in their place.
    if b["removes"]:
        subprocess.run(["git", "-C", git, "rm", "-q", "--"] + b["removes"], check=True)
    if b["files"]:
        subprocess.run(["git", "-C", git, "add", "-f", "--"] + b["files"], check=True)
    msg = b["subject"] + "\n\n" + "".join(b["body"]).strip() + "\n"
    # Author and Signed-off-by: the identity the caller's git config gives
    # (series.sh passes it in GIT_AUTHOR_* and GIT_COMMITTER_*).
    subprocess.run(["git", "-C", git, "commit", "-q", "-s", "-F", "-"],
                   input=msg.encode(), check=True)

# The patches already in the series, for series.sh to skip.
with open(os.path.join(git, ".git", "kmemsafe-applied"), "w") as fh:
    fh.write("".join(n + "\n" for n in applied))
