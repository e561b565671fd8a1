#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Why two bench kernels' configurations differ, from the Kconfig files.

make bench's kernels may differ only in what the benchmark is about. Given
scripts/diffconfig's output on stdin, this prints each line with why its
symbol differs, or fails naming those it cannot explain:

  kconfig.py trees ARCH TREE_A TREE_B
      the same options on two trees (upstream's and ours): a symbol may
      differ only if it is defined in one tree alone, or has a prompt in one
      tree alone (a symbol without a prompt is not written as "not set").
  kconfig.py brought ARCH TREE WORD
      one tree with and without a tool: a symbol may differ only if its name
      holds WORD (KASAN), or it is selected by, or depends on, a symbol
      explained so.

It reads every Kconfig* file of a tree, of arch/ only ARCH's, for each
symbol's definitions: prompt, selects, and dependencies ("depends on" and
enclosing "if" blocks). Menus' and choices' own dependencies are not read,
so a symbol differing only through those is left unexplained: the bench
fails, and says which.
"""

import os
import re
import sys

BLOCK = re.compile(r"^(config|menuconfig|choice|endchoice|menu|endmenu|if|endif|"
                   r"source|comment|mainmenu)\b\s*(.*)$")
TYPED = re.compile(r"^(bool|tristate|int|hex|string)\s+\"")
SYMBOL = re.compile(r"\b[A-Z0-9_]+\b")


class Definition:
    def __init__(self, path, ifs):
        self.path = path
        self.prompt = False
        self.selects = []	# (symbol, condition)
        self.depends = list(ifs)


def kconfig_files(tree, arch):
    for root, dirs, files in os.walk(tree):
        rel = os.path.relpath(root, tree)
        if rel == "arch":
            dirs[:] = [d for d in dirs if d == arch]
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for f in files:
            if f.startswith("Kconfig"):
                yield os.path.join(root, f)


def definitions(tree, arch):
    """{symbol: [Definition, ...]} for the tree."""
    defs = {}
    for path in kconfig_files(tree, arch):
        ifs, cur, help_indent = [], None, None
        for raw in open(path, errors="replace"):
            line = raw.rstrip("\n").expandtabs()
            text = line.strip()
            indent = len(line) - len(line.lstrip())
            if help_indent is not None:
                # Help text runs until a line indented less than its first.
                if not text:
                    continue
                if help_indent < 0:
                    help_indent = indent
                if indent >= help_indent:
                    continue
                help_indent = None
            if not text or text.startswith("#"):
                continue
            m = BLOCK.match(text)
            if m:
                cur = None
                word, rest = m.groups()
                if word in ("config", "menuconfig"):
                    cur = Definition(path, ifs)
                    defs.setdefault(rest.split()[0], []).append(cur)
                elif word == "if":
                    ifs.append(rest)
                elif word == "endif" and ifs:
                    ifs.pop()
                continue
            if cur is None:
                continue
            if text in ("help", "---help---"):
                help_indent = -1
            elif TYPED.match(text) or text.startswith("prompt "):
                cur.prompt = True
            elif text.startswith("select "):
                sym, _, cond = text[len("select "):].partition(" if ")
                cur.selects.append((sym.strip(), cond))
            elif text.startswith("depends on "):
                cur.depends.append(text[len("depends on "):])
    return defs


def trees(arch, tree_a, tree_b, syms):
    """{symbol: why} for the symbols explained."""
    da, db = definitions(tree_a, arch), definitions(tree_b, arch)
    why = {}
    for s in syms:
        a, b = s in da, s in db
        pa = any(d.prompt for d in da.get(s, []))
        pb = any(d.prompt for d in db.get(s, []))
        if a != b:
            why[s] = f"defined only in {tree_a if a else tree_b}"
        elif pa != pb:
            why[s] = f"has a prompt only in {tree_a if pa else tree_b}"
    return why


def brought(arch, tree, word, syms):
    """{symbol: why} for the symbols explained."""
    defs = definitions(tree, arch)
    why = {s: f"a {word} option" for s in syms if word in s}
    changed = True
    while changed:
        changed = False
        for s in syms:
            if s in why:
                continue
            for t, ds in defs.items():
                for d in ds:
                    for sel, cond in d.selects:
                        if sel == s and (t in why or set(SYMBOL.findall(cond)) & set(why)):
                            why[s] = f"selected by {t}" + (f" if {cond}" if cond else "")
            for d in defs.get(s, []):
                for dep in d.depends:
                    hit = sorted(set(SYMBOL.findall(dep)) & set(why))
                    if hit and s not in why:
                        why[s] = f"depends on {dep}"
            changed |= s in why
    return why


def main(argv):
    # diffconfig: "-SYM value", "+SYM value" or " SYM old -> new".
    lines = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    syms = [line[1:].split()[0] for line in lines]
    if len(argv) == 4 and argv[0] == "trees":
        why = trees(argv[1], argv[2], argv[3], syms)
    elif len(argv) == 4 and argv[0] == "brought":
        why = brought(argv[1], argv[2], argv[3], syms)
    else:
        sys.exit(__doc__)
    for line, s in zip(lines, syms):
        print(f"  {line:<48} {why.get(s, 'UNEXPLAINED')}")
    bad = [s for s in syms if s not in why]
    if bad:
        print("unexplained: " + " ".join(bad), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
