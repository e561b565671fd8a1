# SPDX-License-Identifier: GPL-2.0
"""make bench's figures, shared by bin/bench.sh and bin/bench-kasan.sh.

Each boot leaves DIR/<variant>.<kind>.<round>.txt, one "<figure>\\t<value>"
line per figure. check_rounds() fails unless the rounds of a kernel agree
and writes their means to DIR/<variant>.<kind>.mean.txt; read_means() loads
those for a table.
"""

import os
import sys


def check_rounds(d, rounds, variants, kinds, tolerance):
    """Check that the rounds of each variant and kind agree within
    tolerance(figure, values) and write their means; True if they all do.
    A kind with no boot of a variant is skipped."""
    ok = True
    for v in variants:
        for kind in kinds:
            files = [os.path.join(d, f"{v}.{kind}.{r}.txt") for r in range(1, rounds + 1)]
            if not os.path.exists(files[0]):
                continue
            rows = [dict(line.rstrip("\n").split("\t") for line in open(f)) for f in files]
            mean = {}
            for k in rows[0]:
                xs = [float(r[k]) for r in rows if k in r]
                if len(xs) != rounds:
                    print(f"[{v}] {kind}: '{k}' missing from a round", file=sys.stderr)
                    ok = False
                    continue
                spread = max(xs) - min(xs)
                tol = tolerance(k, xs)
                if spread > tol:
                    print(f"[{v}] {kind}: '{k}' differs by {spread:.2f} across rounds {xs} "
                          f"(tolerance {tol:.2f})", file=sys.stderr)
                    ok = False
                mean[k] = sum(xs) / len(xs)
            with open(os.path.join(d, f"{v}.{kind}.mean.txt"), "w") as out:
                for k, x in mean.items():
                    out.write(f"{k}\t{x:.2f}\n" if x != int(x) else f"{k}\t{int(x)}\n")
    return ok


def read_means(d, variants, kinds):
    """{(variant, kind, figure): mean} and the figures in first-seen order."""
    val, keys = {}, []
    for v in variants:
        for kind in kinds:
            p = os.path.join(d, f"{v}.{kind}.mean.txt")
            if not os.path.exists(p):
                continue
            for line in open(p):
                k, _, x = line.rstrip("\n").partition("\t")
                val[(v, kind, k)] = float(x)
                if k not in keys:
                    keys.append(k)
    return val, keys


def cell(x):
    return "-" if x is None else (f"{x:.2f}" if x != int(x) else f"{int(x)}")


def ratio(a, b):
    return "-" if a is None or not b else f"{a / b:.3f}"
