#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make titles: what upstream's KFENCE and KASAN report in upstream's kfence
and kasan suites, as syzkaller names it: the reference bin/test.py compares
our reports with.

Usage: titles.py [SCENARIO...]   (default: the scenarios of CFLIST with 'titles:')

For each scenario (configs/test/<name>, with 'titles: FILE'):
  0. finds the upstream suite it runs (UPSTREAM_SUITES): the one whose
     Kconfig option its kunitconfig sets and whose name its kunit.py filter
     (if any) matches: kfence for the KFENCE scenarios, kasan for the KASAN
     ones (filter 'kasan*'; our kasan_core is not upstream's);
  1. writes $KS_BUILD/upstream-<kernel>/upstream.kunitconfig: the scenario's
     kunitconfig (configs/kernel/<kernel>.config) without the options the
     base's Kconfig lacks (ours, such as CONFIG_KFENCE_CORE_KUNIT_TEST and
     CONFIG_KASAN_CORE_KUNIT_TEST);
  2. builds the pristine base ($KS_BASE, upstream's KFENCE and KASAN) with
     it and boots it through the base's kunit.py, with the options
     bin/test.py gives ours (LLVM 16, ccache, QEMU -smp 2) and the
     scenario's boot arguments, running only that upstream suite;
  3. fails unless every case of that suite ran with the result the
     scenario's .expect gives it (the reference must come from the same
     run of the suite as ours);
  4. writes configs/titles/FILE: per test case, in the order run, the
     syzkaller title (lib/syztitle.py) of every report the case printed,
     '-' for a case that printed none.

Run through bin/titles.sh, which takes the machine lock, extracts the base
and exports KS_BASE, KS_BUILD, KS_JOBS, KS_MAKE_OPTS_LINES and the base's
package and version. Also read: KS_SCENARIOS, KS_TITLES (as bin/test.py).
"""
import fnmatch
import glob
import importlib.util
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.dirname(HERE)
_spec = importlib.util.spec_from_file_location("ks_test", os.path.join(HERE, "test.py"))
judge = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(judge)

# Upstream's suites, which our tree keeps unchanged: the tool they test,
# the option that builds them and their source.
UPSTREAM_SUITES = {
    "kfence": ("KFENCE", "CONFIG_KFENCE_KUNIT_TEST", "mm/kfence/kfence_test.c"),
    "kasan": ("KASAN", "CONFIG_KASAN_KUNIT_TEST", "mm/kasan/kasan_test_c.c"),
}


def say(msg):
    print(f"\033[1m==> {msg}\033[0m", file=sys.stderr, flush=True)


def die(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def kconfig_symbols(base):
    """Every symbol some Kconfig file of base defines."""
    syms = set()
    for path in glob.glob(os.path.join(base, "**", "Kconfig*"), recursive=True):
        with open(path, errors="replace") as f:
            syms.update(re.findall(r"(?m)^\s*(?:menu)?config\s+(\w+)", f.read()))
    return syms


def upstream_kunitconfig(src, base, dst):
    """Copy kunitconfig src to dst without the options base lacks; return those."""
    syms = kconfig_symbols(base)
    kept, dropped = [], []
    with open(src) as f:
        for line in f:
            m = re.match(r"^(?:# )?CONFIG_(\w+)[= ]", line)
            if m and m.group(1) not in syms:
                dropped.append("CONFIG_" + m.group(1))
            else:
                kept.append(line)
    with open(dst, "w") as f:
        f.writelines(kept)
    return dropped


def upstream_suite(sc, kunitconfig):
    """The upstream suite scenario sc runs: the one its kunitconfig builds
    and its filter lets run. Raises judge.Bad unless there is exactly one."""
    with open(kunitconfig) as f:
        opts = set(re.findall(r"(?m)^(CONFIG_\w+)=[ym]\s*$", f.read()))
    suites = sc.get("filter", "").split(".")[0] or "*"
    found = [s for s, (_, opt, _) in UPSTREAM_SUITES.items()
             if opt in opts and fnmatch.fnmatchcase(s, suites)]
    if len(found) != 1:
        raise judge.Bad(f"scenario {sc['name']} runs {len(found)} of upstream's suites "
                        f"({', '.join(found) or 'none'}; known: {', '.join(UPSTREAM_SUITES)}): "
                        "a title reference is made from exactly one")
    return found[0]


def reference(name, sc, suite, dropped, got, reports):
    """The text of the title file."""
    tool, _, source = UPSTREAM_SUITES[suite]
    cases = [c for c in got if c.startswith(suite + ".")]
    n = sum(len(reports.get(c, [])) for c in cases)
    approx = sorted({r.title for c in cases for r in reports.get(c, []) if not r.exact})
    head = [
        f"# Syzkaller titles of the reports upstream's {tool} printed in upstream's",
        f"# '{suite}' KUnit suite ({source}), for scenario {name}.",
        f"# Base: {os.environ['KS_BASE_PACKAGE']} {os.environ['KS_BASE_VERSION']}, unmodified.",
        f"# Kernel: {sc['arch']}, kunitconfig configs/kernel/{sc['kernel']}.config"
        + ("," if dropped else "."),
    ] + ([f"# without {', '.join(dropped)} (not in the base)."] if dropped else []) + [
        f"# Boot arguments: {sc.get('boot') or '(none)'}; kunit.py filter: {suite}.",
        f"# Titles: lib/syztitle.py, syzkaller {judge.syztitle.SYZKALLER_COMMIT}'s rules.",
        f"# Format: suite.case<TAB>title, one line per report, in the order printed;",
        f"# suite.case<TAB>{judge.NO_REPORT} for a case that printed none.",
        f"# {n} reports in {len(cases)} cases. bin/test.py holds our kernel's reports",
        f"# in these cases to these titles, in this order.",
        f"# Regenerate: make titles (bin/titles.sh {name}).",
    ]
    if approx:
        head.append(f"# Approximate (kinds syztitle.py does not port): {'; '.join(approx)}")
    body = []
    for case in cases:
        titles = [r.title for r in reports.get(case, [])]
        body += [f"{case}\t{t}" for t in titles] or [f"{case}\t{judge.NO_REPORT}"]
    return "\n".join(head + body) + "\n", n, len(cases)


def run(name, sdir):
    sc = judge.load_scenario(sdir, name, reference=False)
    if not sc.get("titles"):
        die(f"scenario {name} names no title file ('titles:')")
    base, build = os.environ["KS_BASE"], os.environ["KS_BUILD"]
    suite = upstream_suite(sc, os.path.join(HARNESS, "configs/kernel", sc["kernel"] + ".config"))
    out = os.path.join(build, "upstream-" + sc["kernel"])
    os.makedirs(out, exist_ok=True)
    kunitconfig = os.path.join(out, "upstream.kunitconfig")
    dropped = upstream_kunitconfig(os.path.join(HARNESS, "configs/kernel", sc["kernel"] + ".config"),
                                   base, kunitconfig)
    if dropped:
        say(f"[{name}] upstream's kunitconfig: the scenario's without {' '.join(dropped)} "
            "(the base has no such option)")
    json_path = os.path.join(out, "results.json")
    log_path = os.path.join(out, "kunit.log")
    console = os.path.join(out, "test.log")
    kept = os.path.join(out, "console-upstream.log")
    for p in (json_path, console, kept):
        if os.path.exists(p):
            os.unlink(p)
    up = dict(sc, filter=suite)
    cmd = judge.kunit_command(up, os.path.join(base, "tools/testing/kunit/kunit.py"), out,
                              json_path, kunitconfig)
    start = time.time()
    rc, _ = judge.run_kunit(cmd, base, log_path,
                            f"[{name}] upstream: {sc['arch']} kernel from {base}, "
                            f"suite {suite}, built in {out}")
    if os.path.exists(console):
        os.replace(console, kept)
    if rc != 0:
        die(f"[{name}] kunit.py exited with status {rc}; see {log_path}")
    try:
        got = judge.results_from_json(json_path)
    except (OSError, ValueError, KeyError) as e:
        die(f"[{name}] no results from kunit.py ({e}); see {log_path}")
    want = {c: r for c, (r, _) in sc["expect"].items() if c.startswith(suite + ".")}
    ran = {c: r for c, r in got.items() if c.startswith(suite + ".")}
    if ran != want:
        diff = [f"  {c}: upstream {ran.get(c, 'did not run')}, {name}.expect {want.get(c, 'none')}"
                for c in sorted(set(ran) | set(want)) if ran.get(c) != want.get(c)]
        die(f"[{name}] upstream did not run the {suite} suite as {name}.expect says ours must, "
            "so it cannot be the reference:\n" + "\n".join(diff))
    text = judge.read_console(kept)
    reports = judge.titles_from_log(text)
    if reports.get(None):
        die(f"[{name}] upstream printed reports outside any test case: "
            + "; ".join(r.title for r in reports[None]) + f"; see {kept}")
    body, n, ncases = reference(name, sc, suite, dropped, got, reports)
    tdir = os.environ.get("KS_TITLES") or os.path.join(HARNESS, "configs/titles")
    os.makedirs(tdir, exist_ok=True)
    path = os.path.join(tdir, sc["titles"])
    with open(path + ".tmp", "w") as f:
        f.write(body)
    os.replace(path + ".tmp", path)
    say(f"[{name}] {n} reports in {ncases} cases, {time.time() - start:.0f} s: {path}")


def main(argv):
    sdir = os.environ.get("KS_SCENARIOS") or os.path.join(HARNESS, "configs/test")
    try:
        if not argv:
            with open(os.path.join(sdir, "CFLIST")) as f:
                names = [l.split("#")[0].strip() for l in f]
            argv = [n for n in names
                    if n and judge.read_keyed(os.path.join(sdir, n)).get("titles")]
        if not argv:
            raise judge.Bad(f"no scenario of {sdir}/CFLIST names a title file")
        for name in argv:
            sc = judge.load_scenario(sdir, name, reference=False)
            if not sc.get("titles"):
                raise judge.Bad(f"scenario {name} names no title file ('titles:')")
            upstream_suite(sc, os.path.join(HARNESS, "configs/kernel", sc["kernel"] + ".config"))
    except (judge.Bad, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for name in argv:
        run(name, sdir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
