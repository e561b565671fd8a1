#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Filter checkpatch --terse --show-types findings through configs/checkpatch.allow.

Reads findings ("file:line: LEVEL:TYPE: text", as --terse gives for a file
and --terse --showfile for a patch) on stdin, prints those the allow list
does not cover, and ends with "allowed: N" on stderr. Exit status 1 if any
finding is left, 0 otherwise. Usage: checkpatch_filter.py ALLOW_FILE
"""
import re
import sys

FINDING = re.compile(r"^([^:\s]+):\d+: [A-Z]+:([A-Z0-9_]+):")


def load(path):
    allow = set()
    for line in open(path):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        if len(line) != 2:
            sys.exit(f"{path}: want '<file> <TYPE> # why', got {' '.join(line)!r}")
        allow.add((line[0], line[1]))
    return allow


def main():
    allow = load(sys.argv[1])
    left = allowed = 0
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line or line.startswith("total:"):
            continue
        m = FINDING.match(line)
        if m and (m.group(1), m.group(2)) in allow:
            allowed += 1
            continue
        print(line)
        left += 1
    print(f"allowed: {allowed}", file=sys.stderr)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
