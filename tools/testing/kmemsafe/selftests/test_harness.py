#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Self-tests of the harness: make test must fail, and say why, on every kind
of bad run, and the tree must be assembled exactly. They run in seconds, with
no kernel: bin/test.py is driven with a stand-in for kunit.py
(fake_kunit.py) and lib/assemble.py with a toy base and repository.
"""
import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.dirname(HERE)
TEST_PY = os.path.join(HARNESS, "bin/test.py")
ASSEMBLE = os.path.join(HARNESS, "lib/assemble.py")

KFENCE_REPORT = [
    "==================================================================",
    "BUG: KFENCE: out-of-bounds read in test_a+0x10/0x20",
    "Out-of-bounds read at 0x0000000012345678 (1B right of kfence-#3):",
    "==================================================================",
]
WARN_SPLAT = ["------------[ cut here ]------------",
              "WARNING: CPU: 0 PID: 1 at mm/slub.c:100 kmem_cache_open+0x0/0x10"]
LOCKDEP_SPLAT = ["======================================================",
                 "WARNING: possible circular locking dependency detected"]

EXPECT = """\
# case     result  may print
demo.a     pass    KFENCE
demo.b     pass
demo.c     skip    # needs something this kernel lacks
other.x    pass
"""


class Run:
    """One scenario: cases as (suite, case, status, [console lines])."""

    def __init__(self):
        self.cases = [("demo", "a", "PASS", KFENCE_REPORT), ("demo", "b", "PASS", []),
                      ("demo", "c", "SKIP", []), ("other", "x", "PASS", [])]
        self.boot = ["Booting Linux on physical CPU 0x0", "kfence: initialized"]
        self.exit = {}	# suite -> lines printed after its last case
        self.rc = 0
        self.json = True
        self.scenario = "arch: arm64\nkernel: k\n"
        self.expect = EXPECT
        self.cflist = "mini\n"
        self.titles = None	# the text of scenarios/mini.titles
        self.differ = None	# the text of scenarios/mini.differ
        self.source = {}	# path -> text, in the source tree (KS_SOURCE)

    def console(self):
        lines = list(self.boot) + ["KTAP version 1", "1..2"]
        suites = []
        for s, *_ in self.cases:
            if s not in suites:
                suites.append(s)
        for i, s in enumerate(suites, 1):
            lines += ["    KTAP version 1", f"    # Subtest: {s}", "    1..3"]
            for j, (s2, c, st, out) in enumerate([x for x in self.cases if x[0] == s], 1):
                lines += out
                ok = "ok" if st in ("PASS", "SKIP") else "not ok"
                lines.append(f"    {ok} {j} {c}" + (" # SKIP reason" if st == "SKIP" else ""))
            lines += self.exit.get(s, [])
            lines.append(f"ok {i} {s}")
        return "".join(f"[{n:5d}.000000] {l}\n" for n, l in enumerate(lines))

    def results(self):
        groups = {}
        for s, c, st, _ in self.cases:
            groups.setdefault(s, []).append({"name": c, "status": st})
        return {"name": "KUnit Test Group", "test_cases": [],
                "sub_groups": [{"name": s, "sub_groups": [], "test_cases": cs}
                               for s, cs in groups.items()]}

    def go(self):
        """Run bin/test.py on this scenario; return (exit status, output)."""
        d = tempfile.mkdtemp(prefix="kmemsafe-selftest.")
        try:
            fake, scen = os.path.join(d, "fake"), os.path.join(d, "scenarios")
            os.makedirs(fake)
            os.makedirs(scen)
            with open(os.path.join(scen, "mini"), "w") as f:
                f.write(self.scenario)
            with open(os.path.join(scen, "mini.expect"), "w") as f:
                f.write(self.expect)
            with open(os.path.join(scen, "CFLIST"), "w") as f:
                f.write(self.cflist)
            if self.titles is not None:
                with open(os.path.join(scen, "mini.titles"), "w") as f:
                    f.write(self.titles)
            if self.differ is not None:
                with open(os.path.join(scen, "mini.differ"), "w") as f:
                    f.write(self.differ)
            for path, text in self.source.items():
                os.makedirs(os.path.dirname(os.path.join(d, "src", path)), exist_ok=True)
                with open(os.path.join(d, "src", path), "w") as f:
                    f.write(text)
            with open(os.path.join(fake, "test.log"), "w") as f:
                f.write(self.console())
            if self.json:
                with open(os.path.join(fake, "results.json"), "w") as f:
                    json.dump(self.results(), f)
            with open(os.path.join(fake, "rc"), "w") as f:
                f.write(str(self.rc))
            env = dict(os.environ, FAKE_DIR=fake, KS_SCENARIOS=scen, KS_WORK=d,
                       KS_BUILD=os.path.join(d, "build"), KS_TREE=d, KS_JOBS="1",
                       KS_MAKE_OPTS_LINES="", KS_BUILD_MIB="0", KS_TITLES=scen,
                       KS_SOURCE=os.path.join(d, "src"),
                       KS_KUNIT=os.path.join(HERE, "fake_kunit.py"))
            p = subprocess.run([sys.executable, TEST_PY], env=env, capture_output=True,
                               text=True)
            self.argv = None
            if os.path.exists(os.path.join(fake, "argv.json")):
                with open(os.path.join(fake, "argv.json")) as f:
                    self.argv = json.load(f)
            return p.returncode, p.stderr + p.stdout
        finally:
            shutil.rmtree(d)


class TestJudge(unittest.TestCase):
    def bad(self, run, *why):
        rc, out = run.go()
        self.assertNotEqual(rc, 0, out)
        self.assertIn("FAIL: ", out)
        for w in why:
            self.assertIn(w, out)
        return out

    def test_clean_run_passes(self):
        rc, out = Run().go()
        self.assertEqual(rc, 0, out)
        self.assertTrue(out.rstrip().endswith("3 passed, 0 failed, 1 skipped"), out)

    def test_kunit_failure_fails(self):
        r = Run()
        r.rc = 1	# e.g. a parse error or a crash after the last result
        out = self.bad(r, "kunit.py exited with status 1")
        self.assertTrue(out.rstrip().endswith("3 passed, 1 failed, 1 skipped"), out)

    def test_dropped_case_fails(self):
        r = Run()
        del r.cases[1]
        self.bad(r, "demo.b: expected to pass, did not run")

    def test_added_case_fails(self):
        r = Run()
        r.cases.append(("other", "y", "PASS", []))
        self.bad(r, "other.y: ran (pass) but is not in mini.expect")

    def test_all_skipped_suite_fails(self):
        r = Run()
        r.cases = [(s, c, "SKIP", o) for s, c, _, o in r.cases]
        self.bad(r, "demo.a: skip, expected pass", "other.x: skip, expected pass")

    def test_failed_case_fails(self):
        r = Run()
        r.cases[3] = ("other", "x", "FAIL", [])
        self.bad(r, "other.x: fail, expected pass")

    def test_no_results_fails(self):
        r = Run()
        r.json = False
        self.bad(r, "no results from kunit.py")

    def test_splat_outside_tests_fails(self):
        r = Run()
        r.boot += WARN_SPLAT
        self.bad(r, "kernel splat (WARNING) outside any test case", "mm/slub.c:100")

    def test_splat_in_suite_exit_fails(self):
        r = Run()
        # After the last case, before the suite's result: suite exit, no case.
        r.exit["demo"] = ["BUG: KFENCE: invalid free in demo_exit+0x0/0x10"]
        self.bad(r, "kernel splat (KFENCE) outside any test case")

    def test_splat_after_last_suite_fails(self):
        r = Run()
        r.console_orig = r.console
        r.console = lambda: r.console_orig() + "[  99.0] WARNING: CPU: 1 PID: 0 at x\n"
        self.bad(r, "kernel splat (WARNING) outside any test case")

    def test_splat_on_ktap_line_is_seen(self):
        r = Run()
        # Another CPU's output glued to a KTAP result line.
        r.cases[1] = ("demo", "b", "PASS", ["    ok 2 bBUG: KASAN: slab-out-of-bounds in f"])
        self.bad(r, "kernel splat (KASAN) in demo.b")

    def test_stall_and_ubsan_are_splats(self):
        r = Run()
        r.boot.append("rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:")
        r.cases[3] = ("other", "x", "PASS", ["UBSAN: shift-out-of-bounds in mm/x.c:1:2"])
        self.bad(r, "kernel splat (stall) outside", "kernel splat (UBSAN) in other.x")

    def test_duplicate_case_fails(self):
        r = Run()
        r.cases.insert(1, ("demo", "a", "SKIP", []))
        self.bad(r, "demo.a: duplicate, expected pass")

    def test_empty_cflist_is_refused(self):
        r = Run()
        r.cflist = "# nothing\n"
        rc, out = r.go()
        self.assertEqual(rc, 2, out)
        self.assertIn("no scenario to run", out)

    def test_unexpected_splat_kind_in_case_fails(self):
        r = Run()
        r.cases[1] = ("demo", "b", "PASS", KFENCE_REPORT)
        self.bad(r, "kernel splat (KFENCE) in demo.b")
        r = Run()
        r.cases[0] = ("demo", "a", "PASS", KFENCE_REPORT + LOCKDEP_SPLAT)
        self.bad(r, "kernel splat (lockdep) in demo.a")

    def test_bad_filter_is_refused(self):
        r = Run()
        r.scenario += "filter: demo.*,other.*\n"
        rc, out = r.go()
        self.assertEqual(rc, 2, out)
        self.assertIn("is not one glob", out)

    def test_skip_needs_reason(self):
        r = Run()
        r.expect = r.expect.replace("# needs something this kernel lacks", "")
        rc, out = r.go()
        self.assertEqual(rc, 2, out)
        self.assertIn("needs its reason", out)

    def test_filter_and_boot_args_reach_kunit(self):
        r = Run()
        r.scenario += "boot: a=1 b=2\nfilter: demo\n"
        r.cases = [c for c in r.cases if c[0] == "demo"]
        r.expect = "\n".join(l for l in EXPECT.splitlines() if not l.startswith("other"))
        rc, out = r.go()
        self.assertEqual(rc, 0, out)
        self.assertIn("--kernel_args=a=1", r.argv)
        self.assertIn("--kernel_args=b=2", r.argv)
        self.assertEqual(r.argv[-1], "demo")


def kfence_report(title, frame):
    """A KFENCE report whose title line is title, its access stack frame."""
    return ["==================================================================",
            f"BUG: KFENCE: {title}", "", "Invalid free of 0x0000000012345678 (in kfence-#3):",
            f" {frame}", " kunit_try_run_case+0x64/0x15c",
            "==================================================================",]


REFERENCE = """\
# upstream's titles, as make titles writes them
demo.a\tKFENCE: out-of-bounds read in test_a
demo.b\t-
demo.c\t-
"""


class TestTitles(unittest.TestCase):
    """The syzkaller titles of the reports: upstream's reference, our suites."""

    def run_titles(self, reference=REFERENCE):
        r = Run()
        r.scenario += "titles: mini.titles\n"
        r.titles = reference
        return r

    def bad(self, run, *why):
        rc, out = run.go()
        self.assertEqual(rc, 1, out)
        for w in why:
            self.assertIn(w, out)
        return out

    def test_same_titles_pass(self):
        rc, out = self.run_titles().go()
        self.assertEqual(rc, 0, out)

    def test_other_title_fails(self):
        r = self.run_titles(REFERENCE.replace("read in test_a", "read in kunit_try_run_case"))
        out = self.bad(r, "FAIL: mini: demo.a: syzkaller titles differ from upstream's",
                       "report 1: upstream 'KFENCE: out-of-bounds read in kunit_try_run_case', "
                       "ours 'KFENCE: out-of-bounds read in test_a'   <-- differs")
        self.assertTrue(out.rstrip().endswith("3 passed, 1 failed, 1 skipped"), out)

    def test_missing_report_fails(self):
        r = self.run_titles(REFERENCE.replace(
            "demo.b\t-", "demo.b\tKFENCE: invalid free in test_b"))
        self.bad(r, "demo.b: syzkaller titles differ",
                 "report 1: upstream 'KFENCE: invalid free in test_b', ours (no report)")

    def test_extra_report_fails(self):
        r = self.run_titles()
        r.expect = r.expect.replace("demo.b     pass", "demo.b     pass KFENCE")
        r.cases[1] = ("demo", "b", "PASS", kfence_report("invalid free in test_b+0x8/0x10",
                                                         "test_b+0x8/0x10"))
        self.bad(r, "demo.b: syzkaller titles differ",
                 "report 1: upstream (no report), ours 'KFENCE: invalid free in test_b'")
        # Two where upstream printed one: the second is extra.
        r = self.run_titles()
        r.cases[0] = ("demo", "a", "PASS", KFENCE_REPORT + KFENCE_REPORT)
        self.bad(r, "report 2: upstream (no report), ours 'KFENCE: out-of-bounds read in test_a'")

    def test_case_not_in_reference_fails(self):
        r = self.run_titles(REFERENCE.replace("demo.b\t-\n", ""))
        r.expect = r.expect.replace("demo.b     pass", "demo.b     pass KFENCE")
        r.cases[1] = ("demo", "b", "PASS", kfence_report("invalid free in test_b+0x8/0x10",
                                                         "test_b+0x8/0x10"))
        self.bad(r, "demo.b: printed 'KFENCE: invalid free in test_b', but", "has no such case")

    def test_bad_reference_is_refused(self):
        r = Run()
        r.scenario += "titles: mini.titles\n"
        rc, out = r.go()
        self.assertEqual(rc, 2, out)
        self.assertIn("make titles writes it", out)
        rc, out = self.run_titles("demo.a KFENCE: out-of-bounds read in test_a\n").go()
        self.assertEqual(rc, 2, out)
        self.assertIn("expected 'suite.case<TAB>title'", out)

    def own_suite(self, *cases):
        r = Run()
        r.cases = [("kfence_core", c, "PASS", lines) for c, lines in cases]
        r.expect = "".join(f"kfence_core.{c} pass KFENCE\n" for c, _ in cases)
        r.source = {"mm/kfence/kfence_core_test.c":
                    "static void *kct_alloc(struct kunit *test, size_t size)\n{\n}\n"
                    "static void kct_free_twice(void *p)\n{\n\tkct_undefined(p);\n}\n"}
        return r

    def test_own_suite_names_the_case_or_a_helper(self):
        r = self.own_suite(
            ("test_x", kfence_report("invalid free in test_x+0x8/0x10", "test_x+0x8/0x10")),
            ("test_y", kfence_report("invalid free in kct_free_twice+0x8/0x10",
                                     "kct_free_twice+0x8/0x10")),
            # Named from the stack: kfree is skipped.
            ("test_z", kfence_report("invalid free in kfree+0x8/0x10", "kfree+0x8/0x10")
             [:-2] + [" test_z+0x10/0x20", "=" * 66]))
        rc, out = r.go()
        self.assertEqual(rc, 0, out)

    def test_own_suite_blaming_kfence_fails(self):
        r = self.own_suite(
            ("test_x", kfence_report("invalid free in test_x+0x8/0x10", "test_x+0x8/0x10")),
            ("test_y", kfence_report("invalid free in __kfence_free+0x8/0x10",
                                     "__kfence_free+0x8/0x10")))
        out = self.bad(r, "kfence_core.test_y: syzkaller title 'KFENCE: invalid free in "
                          "__kfence_free' names __kfence_free, which is neither test_y nor a kct_* "
                          "helper of mm/kfence/kfence_core_test.c")
        self.assertNotIn("kfence_core.test_x: syzkaller", out)
        # Another case's function, or a kct_ name the suite does not define.
        r = self.own_suite(
            ("test_x", kfence_report("invalid free in test_w+0x8/0x10", "test_w+0x8/0x10")),
            ("test_y", kfence_report("invalid free in kct_undefined+0x8/0x10",
                                     "kct_undefined+0x8/0x10")))
        self.bad(r, "kfence_core.test_x: syzkaller title 'KFENCE: invalid free in test_w' names "
                    "test_w", "kfence_core.test_y: syzkaller title 'KFENCE: invalid free in "
                    "kct_undefined' names kct_undefined")


def kasan_report(title, frame):
    """A KASAN report whose title line is title, its access stack frame."""
    return ["==================================================================",
            f"BUG: KASAN: {title}",
            "Read of size 1 at addr f3ff000004e4e080 by task kunit_try_catch/9",
            "Pointer tag: [f3], memory tag: [fe]", "", "Call trace:", " kasan_report+0x68/0xac",
            f" {frame}", " kunit_try_run_case+0x64/0x15c",
            "==================================================================",]


# upstream: its access into the neighbour is "invalid-access"; ours, which
# finds the object the pointer was made for, says "slab-out-of-bounds".
KASAN_REFERENCE = """kasan.oob	KASAN: slab-out-of-bounds Read in test_oob
kasan.oob	KASAN: invalid-access Read in test_oob
kasan.same	KASAN: slab-use-after-free Read in test_same
kasan.none	-
"""
KASAN_DIFFER = """# deliberate improvements
kasan.oob	why	ours names the object the pointer was made for,
kasan.oob	why	not the neighbour it ran into
kasan.oob	upstream	KASAN: slab-out-of-bounds Read in test_oob
kasan.oob	upstream	KASAN: invalid-access Read in test_oob
kasan.oob	ours	KASAN: slab-out-of-bounds Read in test_oob
kasan.oob	ours	KASAN: slab-out-of-bounds Read in test_oob
"""


class TestTitleAllowances(unittest.TestCase):
    """'titles-differ: FILE': a case's titles may differ from upstream's on
    purpose, as FILE says and why, and only so."""

    def run_kasan(self, oob=("slab-out-of-bounds", "slab-out-of-bounds"), differ=KASAN_DIFFER,
                  reference=KASAN_REFERENCE, none=()):
        r = Run()
        r.cases = [("kasan", "oob", "PASS",
                    [l for kind in oob for l in kasan_report(f"{kind} in test_oob+0x8/0x10",
                                                             "test_oob+0x8/0x10")]),
                   ("kasan", "same", "PASS",
                    kasan_report("slab-use-after-free in test_same+0x8/0x10",
                                 "test_same+0x8/0x10")),
                   ("kasan", "none", "PASS", list(none))]
        r.expect = "kasan.oob pass KASAN\nkasan.same pass KASAN\nkasan.none pass KASAN\n"
        r.scenario += "titles: mini.titles\n" + ("titles-differ: mini.differ\n" if differ else "")
        r.titles, r.differ = reference, differ
        return r

    def bad(self, run, *why, rc=1):
        rc_, out = run.go()
        self.assertEqual(rc_, rc, out)
        for w in why:
            self.assertIn(w, out)
        return out

    def test_allowed_difference_passes(self):
        rc, out = self.run_kasan().go()
        self.assertEqual(rc, 0, out)

    def test_without_the_allowance_it_fails(self):
        self.bad(self.run_kasan(differ=None), "kasan.oob: syzkaller titles differ from upstream's",
                 "report 2: upstream 'KASAN: invalid-access Read in test_oob', "
                 "ours 'KASAN: slab-out-of-bounds Read in test_oob'   <-- differs")

    def test_other_difference_fails(self):
        # The allowance is for these titles: another one fails, with why.
        out = self.bad(self.run_kasan(oob=("slab-out-of-bounds", "slab-use-after-free")),
                       "kasan.oob: syzkaller titles differ from those ",
                       "/mini.differ allows instead of upstream's (ours names the object the "
                       "pointer was made for, not the neighbour it ran into)",
                       "report 2: allowed 'KASAN: slab-out-of-bounds Read in test_oob', ours "
                       "'KASAN: slab-use-after-free Read in test_oob'   <-- differs")
        self.assertTrue(out.rstrip().endswith("3 passed, 1 failed, 0 skipped"), out)
        # A case with no allowance is still held to upstream's.
        r = self.run_kasan()
        r.cases[2] = ("kasan", "none", "PASS", kasan_report("invalid-access in test_none+0x8/0x10",
                                                            "test_none+0x8/0x10"))
        self.bad(r, "kasan.none: syzkaller titles differ from upstream's",
                 "report 1: upstream (no report), ours 'KASAN: invalid-access Read in test_none'")

    def test_difference_gone_fails(self):
        # Ours print upstream's titles again: the improvement was lost.
        self.bad(self.run_kasan(oob=("slab-out-of-bounds", "invalid-access")),
                 "kasan.oob: ours print upstream's titles, not those ",
                 "/mini.differ allows: the deliberate difference is gone (ours names the object")

    def test_stale_allowance_fails(self):
        # A regenerated reference whose titles for the case changed.
        ref = KASAN_REFERENCE.replace("invalid-access Read in test_oob",
                                      "invalid-access Write in test_oob")
        self.bad(self.run_kasan(reference=ref),
                 "/mini.differ allows other titles than upstream's, written for "
                 "upstream's ['KASAN: slab-out-of-bounds Read in test_oob', 'KASAN: "
                 "invalid-access Read in test_oob'], but ", "/mini.titles now has "
                 "['KASAN: slab-out-of-bounds Read in test_oob', 'KASAN: invalid-access Write in "
                 "test_oob']",
                 "look at the case again")
        # An allowance for a case the reference lacks.
        differ = KASAN_DIFFER.replace("kasan.oob", "kasan.gone")
        self.bad(self.run_kasan(differ=differ + KASAN_DIFFER),
                 "FAIL: mini: kasan.gone: ", "/mini.differ allows other titles than upstream's "
                 "for it, but ", "/mini.titles has no such case")

    def test_extra_report_allowed(self):
        # A report upstream does not print (ours catches more): "-" is no report.
        differ = "\n".join(["kasan.none\twhy\tours catches the sub-granule overflow",
                            "kasan.none\tupstream\t-",
                            "kasan.none\tours\tKASAN: slab-out-of-bounds Read in test_none"]) + "\n"
        r = self.run_kasan(differ=KASAN_DIFFER + differ,
                           none=kasan_report("slab-out-of-bounds in test_none+0x8/0x10",
                                             "test_none+0x8/0x10"))
        rc, out = r.go()
        self.assertEqual(rc, 0, out)

    def test_runs_compared_once(self):
        # A case whose reports repeat a title as often as memory contents
        # make it: each run counts once, and the runs must still match.
        ref = KASAN_REFERENCE.replace("kasan.same\tKASAN: slab-use-after-free Read in test_same\n",
                                      "kasan.same\tKASAN: slab-use-after-free Read in test_same\n"
                                      "kasan.same\tKASAN: slab-use-after-free Read in test_same\n"
                                      "kasan.same\tKASAN: invalid-access Read in test_same\n")
        runs = "kasan.same\twhy\tone report per byte read\nkasan.same\tcompare\truns\n"
        same = kasan_report("slab-use-after-free in test_same+0x8/0x10", "test_same+0x8/0x10")
        last = kasan_report("invalid-access in test_same+0x8/0x10", "test_same+0x8/0x10")
        r = self.run_kasan(differ=KASAN_DIFFER + runs, reference=ref)
        r.cases[1] = ("kasan", "same", "PASS", same * 3 + last)
        rc, out = r.go()
        self.assertEqual(rc, 0, out)
        r.cases[1] = ("kasan", "same", "PASS", same)
        self.bad(r, "kasan.same: syzkaller titles differ from upstream's (", "), each run of one "
                 "title counted once as ", "/mini.differ says (one report per byte read)",
                 "report 2: upstream 'KASAN: invalid-access Read in test_same', ours (no report)")
        # Without the allowance, the count is compared.
        r = self.run_kasan(reference=ref)
        r.cases[1] = ("kasan", "same", "PASS", same * 3 + last)
        self.bad(r, "kasan.same: syzkaller titles differ from upstream's",
                 "report 3: upstream 'KASAN: invalid-access Read in test_same', ours "
                 "'KASAN: slab-use-after-free Read in test_same'   <-- differs")

    def test_bad_allowances_are_refused(self):
        for text, why in (
                ("kasan.oob\tbecause\tx\n",
                 "expected 'suite.case<TAB>why|upstream|ours|compare<TAB>text'"),
                ("kasan.oob\tours\n",
                 "expected 'suite.case<TAB>why|upstream|ours|compare<TAB>text'"),
                ("kasan.oob\twhy\tx\nkasan.oob\tcompare\tsets\n", "one 'compare' line, 'runs'"),
                (KASAN_DIFFER + "kasan.oob\tcompare\truns\n",
                 "'compare' compares with upstream's titles: no 'upstream' or 'ours' lines"),
                (KASAN_DIFFER.replace("kasan.oob\twhy", "# kasan.oob\twhy"),
                 "kasan.oob has no why line"),
                ("kasan.oob\twhy\tx\nkasan.oob\tupstream\t-\n", "kasan.oob has no ours line"),
                (KASAN_DIFFER + "kasan.oob\tours\t-\n", "'-' is a list of no report"),
                ("kasan.oob\twhy\tx\nkasan.oob\tupstream\tA\nkasan.oob\tours\tA\n",
                 "kasan.oob allows upstream's own titles: no allowance is needed")):
            self.bad(self.run_kasan(differ=text), why, rc=2)
        r = self.run_kasan()
        r.scenario = r.scenario.replace("titles: mini.titles\n", "")
        self.bad(r, "'titles-differ' allows other titles than a reference's: it needs 'titles'",
                 rc=2)


def load_titles_py():
    spec = importlib.util.spec_from_file_location("ks_titles",
                                                  os.path.join(HARNESS, "bin/titles.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class TestMakeTitles(unittest.TestCase):
    """bin/titles.py without a kernel: which upstream suite a scenario's
    reference comes from, and the reference's text."""

    def setUp(self):
        self.titles = load_titles_py()
        self.scen = os.path.join(HARNESS, "configs/test")

    def suite(self, name, **over):
        sc = dict(self.titles.judge.load_scenario(self.scen, name, reference=False), **over)
        return self.titles.upstream_suite(
            sc, os.path.join(HARNESS, "configs/kernel", sc["kernel"] + ".config"))

    def test_upstream_suite_of_each_scenario(self):
        self.assertEqual(self.suite("arm64-kfence"), "kfence")
        self.assertEqual(self.suite("x86_64-kfence"), "kfence")
        # 'kasan*' runs upstream's kasan and our kasan_core; KFENCE's suite
        # is built in too but filtered out.
        self.assertEqual(self.suite("arm64-kasan-inline"), "kasan")
        self.assertEqual(self.suite("arm64-kasan-outline"), "kasan")
        # None of upstream's suites, or two: no reference.
        with self.assertRaisesRegex(self.titles.judge.Bad, "runs 0 of upstream's suites"):
            self.suite("arm64-kfence", filter="kfence_core")
        with self.assertRaisesRegex(self.titles.judge.Bad, r"runs 2 of upstream's suites \(kfence, "
                                    "kasan"):
            self.suite("arm64-kasan-inline", filter="")

    def test_reference_text_is_kept(self):
        # The checked-in references come out byte for byte from what they
        # record: a regeneration that finds the same reports changes nothing.
        for name, suite, dropped in (
                ("arm64-kfence", "kfence", ["CONFIG_KFENCE_CORE_KUNIT_TEST"]),
                ("x86_64-kfence", "kfence", ["CONFIG_KFENCE_CORE_KUNIT_TEST"]),
                ("arm64-kasan-inline", "kasan", ["CONFIG_KASAN_CORE_KUNIT_TEST",
                                                 "CONFIG_KFENCE_CORE_KUNIT_TEST"]),
                ("arm64-kasan-outline", "kasan", ["CONFIG_KASAN_CORE_KUNIT_TEST",
                                                  "CONFIG_KFENCE_CORE_KUNIT_TEST"])):
            sc = self.titles.judge.load_scenario(self.scen, name)
            with open(sc["titles_path"]) as f:
                text = f.read()
            got, reports = {}, {}
            for line in text.splitlines():
                if line.startswith("#"):
                    continue
                case, _, title = line.partition("\t")
                got[case] = "pass"
                if title != "-":
                    reports.setdefault(case, []).append(
                        self.titles.judge.syztitle.Report(title=title, exact=True))
            package, version = re.search(r"(?m)^# Base: (\S+) (\S+), unmodified\.$",
                                         text).groups()
            with mock.patch.dict(os.environ, KS_BASE_PACKAGE=package, KS_BASE_VERSION=version):
                body, _, _ = self.titles.reference(name, sc, suite, dropped, got, reports)
            self.assertEqual(body, text, name)


class TestAssemble(unittest.TestCase):
    """lib/assemble.py on a toy base and repository."""

    def setUp(self):
        self.d = tempfile.mkdtemp(prefix="kmemsafe-selftest.")
        self.base, self.repo, self.tree = (os.path.join(self.d, x) for x in ("base", "repo", "tree"))
        self.write(self.base, "mm/a.c", "a\n")
        self.write(self.base, "mm/b.c", "b1\nb2\nb3\nb4\nb5\nb6\nb7\n")
        self.write(self.base, "mm/gone.c", "upstream\n")
        self.write(self.base, "mm/kfence/kfence_test.c", "contract\n")
        shutil.copytree(self.base, self.tree)
        os.makedirs(self.repo)
        self.git("init", "-q")
        self.write(self.repo, "removed-files", "# comment\nmm/gone.c\n")
        self.write(self.repo, "mm/ours.c", "ours\n")
        self.write(self.repo, "tools/testing/kmemsafe/bin/x.sh", "harness\n")
        self.write(self.repo, "Makefile", "harness\n")
        self.git("add", "-A")

    def tearDown(self):
        shutil.rmtree(self.d)

    def write(self, root, path, text, mode=0o644):
        p = os.path.join(root, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)

    def git(self, *args):
        subprocess.run(["git", "-C", self.repo] + list(args), check=True, capture_output=True)

    def assemble(self, ok=True):
        p = subprocess.run([sys.executable, ASSEMBLE, self.repo, self.base, self.tree],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode == 0, ok, p.stdout + p.stderr)
        return p.stdout + p.stderr

    def exists(self, path):
        return os.path.exists(os.path.join(self.tree, path))

    def read(self, path):
        with open(os.path.join(self.tree, path)) as f:
            return f.read()

    def test_overlay_by_rule(self):
        self.assemble()
        self.assertEqual(self.read("mm/ours.c"), "ours\n")
        self.assertFalse(self.exists("mm/gone.c"))
        self.assertFalse(self.exists("tools/testing/kmemsafe/bin/x.sh"))
        self.assertNotEqual(self.read("Makefile") if self.exists("Makefile") else "", "harness\n")

    def test_dropped_removal_comes_back(self):
        self.assemble()
        self.write(self.repo, "removed-files", "")
        self.assemble()
        self.assertEqual(self.read("mm/gone.c"), "upstream\n")

    def test_dropped_file_of_ours_goes_back_to_base(self):
        self.write(self.repo, "mm/a.c", "our a\n")
        self.assemble()
        self.assertEqual(self.read("mm/a.c"), "our a\n")
        os.unlink(os.path.join(self.repo, "mm/a.c"))
        self.assemble()
        self.assertEqual(self.read("mm/a.c"), "a\n")
        os.unlink(os.path.join(self.repo, "mm/ours.c"))
        self.assemble()
        self.assertFalse(self.exists("mm/ours.c"))

    def test_uncommitted_move(self):
        self.git("commit", "-q", "-m", "x")
        os.rename(os.path.join(self.repo, "mm/ours.c"), os.path.join(self.repo, "mm/moved.c"))
        self.assemble()
        self.assertEqual(self.read("mm/moved.c"), "ours\n")
        self.assertFalse(self.exists("mm/ours.c"))

    def test_modes_kept(self):
        self.write(self.repo, "scripts/tool.sh", "#!/bin/sh\n", 0o755)
        self.assemble()
        self.assertTrue(os.stat(os.path.join(self.tree, "scripts/tool.sh")).st_mode & stat.S_IXUSR)
        os.chmod(os.path.join(self.repo, "scripts/tool.sh"), 0o644)
        self.assemble()
        self.assertFalse(os.stat(os.path.join(self.tree, "scripts/tool.sh")).st_mode & stat.S_IXUSR)

    def test_rewritten_file_is_newer_than_objects(self):
        # A base file older than the build's objects must still look new
        # when it comes back, or kbuild would keep the stale object.
        self.write(self.repo, "mm/a.c", "our a\n")
        self.assemble()
        os.unlink(os.path.join(self.repo, "mm/a.c"))
        os.utime(os.path.join(self.base, "mm/a.c"), (1, 1))
        obj = os.path.join(self.d, "a.o")
        self.write(self.d, "a.o", "")
        self.assemble()
        self.assertGreater(os.stat(os.path.join(self.tree, "mm/a.c")).st_mtime,
                           os.stat(obj).st_mtime - 1)
        self.assertGreater(os.stat(os.path.join(self.tree, "mm/a.c")).st_mtime, 1000)

    def test_contract_suites_never_replaced_or_patched(self):
        self.write(self.repo, "mm/kfence/kfence_test.c", "ours\n")
        self.assertIn("stays in the tree unchanged", self.assemble(ok=False))
        os.unlink(os.path.join(self.repo, "mm/kfence/kfence_test.c"))
        self.write(self.repo, "patches/0001-x.patch",
                   "diff --git a/mm/kfence/kfence_test.c b/mm/kfence/kfence_test.c\n"
                   "--- a/mm/kfence/kfence_test.c\n+++ b/mm/kfence/kfence_test.c\n"
                   "@@ -1 +1 @@\n-contract\n+changed\n")
        self.write(self.repo, "patches/series", "0001-x.patch\n")
        self.assertIn("suites stay unchanged", self.assemble(ok=False))

    def test_empty_or_missing_removed_files(self):
        self.write(self.repo, "removed-files", "")
        self.assemble()
        os.unlink(os.path.join(self.repo, "removed-files"))
        self.assemble()
        self.assertTrue(self.exists("mm/gone.c"))

    def test_contract_suites_never_removed(self):
        self.write(self.repo, "removed-files", "mm/kfence/kfence_test.c\n")
        self.assertIn("upstream's KUnit suites stay", self.assemble(ok=False))

    def test_ignored_files_never_reach_tree(self):
        self.write(self.repo, ".gitignore", "*.orig\n*.rej\n")
        self.write(self.repo, "mm/ours.c.orig", "stale\n")
        self.write(self.repo, "mm/ours.c.rej", "stale\n")
        self.assemble()
        self.assertFalse(self.exists("mm/ours.c.orig") or self.exists("mm/ours.c.rej"))

    def patch(self, hunk):
        diff = ("diff --git a/mm/b.c b/mm/b.c\n--- a/mm/b.c\n+++ b/mm/b.c\n"
                f"@@ -2,5 +2,5 @@\n{hunk}")
        self.write(self.repo, "patches/0001-x.patch", diff)
        self.write(self.repo, "patches/series", "0001-x.patch\n")

    def test_patch_applies_exactly(self):
        self.patch(" b2\n b3\n-b4\n+B4\n b5\n b6\n")
        self.assemble()
        self.assertEqual(self.read("mm/b.c"), "b1\nb2\nb3\nB4\nb5\nb6\nb7\n")
        self.assertFalse(self.exists("mm/b.c.orig"))

    def test_patch_with_fuzz_is_refused(self):
        # The context's first line is wrong: patch(1) would apply it with fuzz 1.
        self.patch(" XX\n b3\n-b4\n+B4\n b5\n b6\n")
        self.assertIn("does not apply", self.assemble(ok=False))
        self.assertEqual(self.read("mm/b.c"), "b1\nb2\nb3\nb4\nb5\nb6\nb7\n")


if __name__ == "__main__":
    unittest.main()
