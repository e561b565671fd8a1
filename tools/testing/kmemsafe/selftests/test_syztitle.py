#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Self-tests of lib/syztitle.py, the port of syzkaller's report titles.

The reports are laid out as KFENCE prints them: the examples of upstream's
Documentation/dev-tools/kfence.rst, and reports from our kernels' KUnit
consoles (arm64 and x86_64, $KS_WORK/build/<kernel>/console-<scenario>.log).
The expected titles are syzkaller's own where its test data has the same
report (pkg/report/testdata/linux/report/591 to 598).
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import syztitle  # noqa: E402

SEP = "=================================================================="
KUNIT_STACK = [" kunit_try_run_case+0x64/0x15c", " kunit_generic_run_threadfn_adapter+0x28/0x4c",
               " kthread+0xcc/0x120", " ret_from_fork+0x10/0x20"]
FOOTER = ["CPU: 0 UID: 0 PID: 36 Comm: kunit_try_catch Tainted: G    B            N 6.12.117 #8 ",
          "Tainted: [B]=BAD_PAGE, [N]=TEST", "Hardware name: linux,dummy-virt (DT)", SEP]


def kfence(title, what, frames, alloc=None, freed=None, obj="kfence-#3"):
    """A KFENCE report as ours prints it: title line, the access and its
    stack, the object with its allocation (and free) stacks, the footer."""
    lines = [SEP, "BUG: KFENCE: " + title, "", what] + frames + KUNIT_STACK + [""]
    if alloc is not None:
        lines += [f"{obj}: 0x000000008e16b1c8-0x0000000031115bbd, size=32, cache=kmalloc-32", "",
                  "allocated by task 36 on cpu 0 at 0.412869s (0.002119s ago):",
                  " __slab_alloc_sampled+0x38/0x78", " __kmalloc_noprof+0x23c/0x334"] + \
            alloc + KUNIT_STACK + [""]
    if freed is not None:
        lines += ["freed by task 36 on cpu 0 at 0.412999s (0.001989s ago):"] + freed + \
            KUNIT_STACK + [""]
    return "\n".join(lines + FOOTER) + "\n"


# Upstream's documentation: Documentation/dev-tools/kfence.rst (x86_64, 5.13).
DOC_OOB_READ = """\
==================================================================
BUG: KFENCE: out-of-bounds read in test_out_of_bounds_read+0xa6/0x234

Out-of-bounds read at 0xffff8c3f2e291fff (1B left of kfence-#72):
 test_out_of_bounds_read+0xa6/0x234
 kunit_try_run_case+0x61/0xa0
 kunit_generic_run_threadfn_adapter+0x16/0x30
 kthread+0x176/0x1b0
 ret_from_fork+0x22/0x30

kfence-#72: 0xffff8c3f2e292000-0xffff8c3f2e29201f, size=32, cache=kmalloc-32

allocated by task 484 on cpu 0 at 32.919330s:
 test_alloc+0xfe/0x738
 test_out_of_bounds_read+0x9b/0x234
 kunit_try_run_case+0x61/0xa0
 kunit_generic_run_threadfn_adapter+0x16/0x30
 kthread+0x176/0x1b0
 ret_from_fork+0x22/0x30

CPU: 0 PID: 484 Comm: kunit_try_catch Not tainted 5.13.0-rc3+ #7
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.14.0-2 04/01/2014
==================================================================
"""

DOC_CORRUPTION = """\
==================================================================
BUG: KFENCE: memory corruption in test_kmalloc_aligned_oob_write+0xef/0x184

Corrupted memory at 0xffff8c3f2e33aff9 [ 0xac . . . . . . ] (in kfence-#156):
 test_kmalloc_aligned_oob_write+0xef/0x184
 kunit_try_run_case+0x61/0xa0
 kunit_generic_run_threadfn_adapter+0x16/0x30
 kthread+0x176/0x1b0
 ret_from_fork+0x22/0x30

kfence-#156: 0xffff8c3f2e33afb0-0xffff8c3f2e33aff8, size=73, cache=kmalloc-96

allocated by task 502 on cpu 7 at 42.159302s:
 test_alloc+0xfe/0x738
 test_kmalloc_aligned_oob_write+0x57/0x184
 kunit_try_run_case+0x61/0xa0
 kunit_generic_run_threadfn_adapter+0x16/0x30
 kthread+0x176/0x1b0
 ret_from_fork+0x22/0x30

CPU: 7 PID: 502 Comm: kunit_try_catch Tainted: G    B             5.13.0-rc3+ #7
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.14.0-2 04/01/2014
==================================================================
"""

# Ours, x86_64 KUnit console (hashed pointers before the CRNG is ready).
X86_INVALID_READ = """\
==================================================================
BUG: KFENCE: invalid read in test_invalid_access+0x4b/0xd0

Invalid read at 0x(____ptrval____):
 test_invalid_access+0x4b/0xd0
 kunit_try_run_case+0x90/0x190
 kunit_generic_run_threadfn_adapter+0x1d/0x40
 kthread+0xdd/0x100
 ret_from_fork+0x35/0x40
 ret_from_fork_asm+0x1a/0x30

CPU: 1 UID: 0 PID: 76 Comm: kunit_try_catch Tainted: G    B            N 6.12.117 #6 
Tainted: [B]=BAD_PAGE, [N]=TEST
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 0.1 11/11/2019
==================================================================
"""


def titles(text):
    return [r.title for r in syztitle.parse_all(text)]


class TestKinds(unittest.TestCase):
    """One report of each KFENCE kind: the title syzkaller gives it."""

    def check(self, text, want, alt=None):
        reps = syztitle.parse_all(text)
        self.assertEqual([r.title for r in reps], [want])
        self.assertTrue(reps[0].exact)
        if alt is not None:
            self.assertEqual(reps[0].alt_titles, alt)
        return reps[0]

    def test_out_of_bounds_read(self):
        # syzkaller's testdata 591 has this report: same title and alt title.
        self.check(DOC_OOB_READ, "KFENCE: out-of-bounds read in test_out_of_bounds_read",
                   ["bad-access in test_out_of_bounds_read"])

    def test_out_of_bounds_write(self):
        self.check(kfence("out-of-bounds write in test_out_of_bounds_write+0x7c/0x118",
                          "Out-of-bounds write at 0x00000000393a4e8c (1B left of kfence-#9):",
                          [" test_out_of_bounds_write+0x7c/0x118"],
                          alloc=[" test_alloc+0x2f8/0x56c", " test_out_of_bounds_write+0x60/0x118"]),
                   "KFENCE: out-of-bounds write in test_out_of_bounds_write",
                   ["bad-access in test_out_of_bounds_write"])

    def test_use_after_free_read(self):
        self.check(kfence("use-after-free read in test_use_after_free_read+0x98/0x110",
                          "Use-after-free read at 0x000000001587eee7 (in kfence-#21):",
                          [" test_use_after_free_read+0x98/0x110"],
                          alloc=[" test_alloc+0x2f8/0x56c"],
                          freed=[" test_use_after_free_read+0x5c/0x110"]),
                   "KFENCE: use-after-free read in test_use_after_free_read")

    def test_use_after_free_write(self):
        self.check(kfence("use-after-free write in test_zombie_write+0x120/0x2a0",
                          "Use-after-free write at 0x000000001587eee7 (in kfence-#21):",
                          [" test_zombie_write+0x120/0x2a0"], alloc=[], freed=[]),
                   "KFENCE: use-after-free write in test_zombie_write",
                   ["bad-access in test_zombie_write"])

    def test_invalid_free(self):
        self.check(kfence("invalid free in test_double_free+0xac/0x134",
                          "Invalid free of 0x00000000dffe5d6e (in kfence-#22):",
                          [" test_double_free+0xac/0x134"], alloc=[], freed=[]),
                   "KFENCE: invalid free in test_double_free", ["invalid-free in test_double_free"])

    def test_invalid_read(self):
        self.check(X86_INVALID_READ, "KFENCE: invalid read in test_invalid_access",
                   ["bad-access in test_invalid_access"])

    def test_invalid_write(self):
        self.check(kfence("invalid write in test_invalid_access+0x44/0xcc",
                          "Invalid write at 0x000000005c855d5a:",
                          [" test_invalid_access+0x44/0xcc"]),
                   "KFENCE: invalid write in test_invalid_access")

    def test_memory_corruption(self):
        rep = self.check(kfence("memory corruption in test_corruption+0x94/0x1ac",
                                "Corrupted memory at 0x00000000eb718800 [ ! . ! . . . . . . . . . "
                                ". . . . ] (in kfence-#23):",
                                [" test_corruption+0x94/0x1ac"], alloc=[]),
                         "KFENCE: memory corruption in test_corruption", [])
        # noStackTrace: never corrupted for want of a "Call Trace".
        self.assertFalse(rep.corrupted)


class TestFrames(unittest.TestCase):
    """Which frame names the report, and how its name is cleaned."""

    def test_skipped_title_function_falls_to_the_stack(self):
        # "kmalloc" is a skip pattern, even inside a test's name: syzkaller
        # names the first frame that survives, here the KUnit runner
        # (its testdata 597 has the same report and title).
        self.assertEqual(titles(DOC_CORRUPTION), ["KFENCE: memory corruption in kunit_try_run_case"])

    def test_slab_frames_are_skipped(self):
        # A report blamed on allocator internals: kfree, kmem_cache_*,
        # slab_*, __kmalloc* and memset are all skipped; the caller is named.
        text = kfence("invalid free in kfree+0x168/0x288",
                      "Invalid free of 0x00000000dffe5d6e (in kfence-#22):",
                      [" kfree+0x168/0x288", " kmem_cache_free_bulk+0x40/0x80",
                       " slab_free_after_rcu_debug+0x10/0x40", " __kmalloc_noprof+0x23c/0x334",
                       " memset+0x10/0x20", " kct_release_all+0x30/0x90",
                       " test_free_bulk_mixed+0x4c/0x100"])
        self.assertEqual(titles(text), ["KFENCE: invalid free in kct_release_all"])

    def test_kfence_frames_are_not_skipped(self):
        # syzkaller skips no KFENCE function: a report whose title names one
        # is titled with it. KFENCE itself must name the right function.
        text = kfence("invalid free in __kfence_free+0x8c/0xb0",
                      "Invalid free of 0x00000000dffe5d6e (in kfence-#22):",
                      [" __kfence_free+0x8c/0xb0", " kfree+0x168/0x288", " test_double_free+0xac/0x134"])
        self.assertEqual(titles(text), ["KFENCE: invalid free in __kfence_free"])

    def test_isra_and_constprop_suffixes(self):
        text = kfence("out-of-bounds write in nfc_llcp_build_tlv.isra.0+0x30/0x90",
                      "Out-of-bounds write at 0x00000000393a4e8c (1B right of kfence-#9):",
                      [" nfc_llcp_build_tlv.isra.0+0x30/0x90"])
        self.assertEqual(titles(text), ["KFENCE: out-of-bounds write in nfc_llcp_build_tlv"])
        # The title's function is skipped (memcpy); the next frame has a
        # .constprop suffix, which goes too.
        text = kfence("use-after-free read in memcpy+0x38/0x60",
                      "Use-after-free read at 0x000000001587eee7 (in kfence-#21):",
                      [" memcpy+0x38/0x60", " __nf_copy.constprop.0+0x21c/0x3b0",
                       " nf_ct_frag6_gather+0x50/0x90"])
        rep = syztitle.parse_all(text)[0]
        self.assertEqual(rep.title, "KFENCE: use-after-free read in __nf_copy")
        self.assertEqual(rep.frame, "__nf_copy")

    def test_syscall_prefixes_are_stripped(self):
        text = kfence("use-after-free read in memcmp+0x57/0x150",
                      "Use-after-free read at 0x000000001587eee7 (in kfence-#69):",
                      [" memcmp+0x57/0x150", " __se_sys_bpf+0x1251/0x4f00",
                       " do_syscall_64+0x2d/0x70"])
        rep = syztitle.parse_all(text)[0]
        self.assertEqual(rep.title, "KFENCE: use-after-free read in bpf")
        self.assertIn("KFENCE: use-after-free read in __se_sys_bpf", rep.alt_titles)

    def test_numbers_in_function_names_stay(self):
        text = kfence("use-after-free read in cfg80211_rx_mgmt+0x10/0x20",
                      "Use-after-free read at 0x000000001587eee7 (in kfence-#69):",
                      [" cfg80211_rx_mgmt+0x10/0x20"])
        self.assertEqual(titles(text), ["KFENCE: use-after-free read in cfg80211_rx_mgmt"])


class TestConsole(unittest.TestCase):
    """Reports found in a whole console log, raw or stripped by kunit.py."""

    def stamp(self, text, caller=""):
        return "".join(f"[{3 + i / 1000:12.6f}]{caller} {l}\n"
                       for i, l in enumerate(text.rstrip("\n").split("\n")))

    def test_timestamps_raw_and_stripped(self):
        plain = DOC_OOB_READ + X86_INVALID_READ
        want = ["KFENCE: out-of-bounds read in test_out_of_bounds_read",
                "KFENCE: invalid read in test_invalid_access"]
        self.assertEqual(titles(plain), want)
        self.assertEqual(titles(self.stamp(plain)), want)
        self.assertEqual(titles(self.stamp(plain, "[  T484]")), want)
        # kunit.py's log: the same lines, prefix cut, \r\n from the serial.
        self.assertEqual(titles(self.stamp(plain).replace("\n", "\r\n")), want)

    def test_questionable_frames_skipped_with_timestamps(self):
        text = self.stamp(kfence("use-after-free read in memcpy+0x38/0x60",
                                 "Use-after-free read at 0x000000001587eee7 (in kfence-#21):",
                                 [" memcpy+0x38/0x60", " ? wrong_guess+0x10/0x20",
                                  " test_uaf_copy+0x40/0x90"]))
        self.assertEqual(titles(text), ["KFENCE: use-after-free read in test_uaf_copy"])

    def test_every_report_with_its_line(self):
        log = "KTAP version 1\n    # Subtest: kfence\n" + DOC_CORRUPTION + "    ok 1 a\n" + \
            DOC_OOB_READ + "    ok 2 b\n"
        reps = syztitle.parse_all(log)
        self.assertEqual([r.title for r in reps],
                         ["KFENCE: memory corruption in kunit_try_run_case",
                          "KFENCE: out-of-bounds read in test_out_of_bounds_read"])
        lines = log.split("\n")
        self.assertTrue(all(lines[r.line].startswith("BUG: KFENCE: ") for r in reps))

    def test_report_ends_where_the_next_begins(self):
        # The first report's frames are all skipped: its title must not take
        # a frame from the report after it.
        first = "\n".join([SEP, "BUG: KFENCE: invalid free in kfree+0x168/0x288", "",
                           "Invalid free of 0x00000000dffe5d6e (in kfence-#22):",
                           " kfree+0x168/0x288", SEP]) + "\n"
        reps = syztitle.parse_all(first + DOC_OOB_READ)
        self.assertEqual([r.title for r in reps],
                         ["KFENCE: invalid free in corrupted",
                          "KFENCE: out-of-bounds read in test_out_of_bounds_read"])
        self.assertTrue(reps[0].corrupted)
        self.assertEqual(reps[0].corrupted_reason, "extracted no frames")

    def test_nested_report(self):
        # A report printed while another is printed (a console hook that
        # frees twice): two reports, each with its own title.
        log = "\n".join([SEP, "BUG: KFENCE: invalid free in test_report_nested_same_cpu+0xb4/0x290",
                         ""]) + "\n" + kfence(
            "invalid free in kct_probe_console+0x170/0x1d0",
            "Invalid free of 0x00000000e01f8521 (in kfence-#36):",
            [" kct_probe_console+0x170/0x1d0", " printk_sprint+0x134/0x170",
             " kfence_report_error+0x298/0x538", " test_report_nested_same_cpu+0xb4/0x290"])
        self.assertEqual(titles(log), ["KFENCE: invalid free in test_report_nested_same_cpu",
                                       "KFENCE: invalid free in kct_probe_console"])

    def test_warning_and_suppressed_lines(self):
        log = "\n".join([
            "    # test_report_lock_panic: report took 2 ms",	# "_panic:" is suppressed
            "------------[ cut here ]------------",
            "WARNING: CPU: 0 PID: 156 at ../../tree/mm/kfence/core.c:250 kfence_release+0x6bc/0x6c4",
            "pc : kfence_release+0x6bc/0x6c4", "Call trace:", " kfence_release+0x6bc/0x6c4",
            " kfree+0x168/0x288", "---[ end trace 0000000000000000 ]---"]) + "\n"
        reps = syztitle.parse_all(log)
        self.assertEqual([r.title for r in reps], ["WARNING in kfence_release"])
        self.assertFalse(reps[0].exact)

    def test_no_report(self):
        self.assertEqual(syztitle.parse_all("Booting Linux on physical CPU 0x0\nkfence: ok\n"), [])
        self.assertIsNone(syztitle.title(""))


if __name__ == "__main__":
    unittest.main()
