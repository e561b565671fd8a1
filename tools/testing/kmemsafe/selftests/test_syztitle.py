#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Self-tests of lib/syztitle.py, the port of syzkaller's report titles.

The reports are laid out as KFENCE and KASAN print them: the examples of
upstream's Documentation/dev-tools/kfence.rst, and reports from our kernels'
KUnit consoles (arm64 and x86_64, $KS_WORK/build/<kernel>/console-<scenario>.log;
KASAN: arm64's tag mode, inline and outline). The expected titles are
syzkaller's own where its test data has the same report
(pkg/report/testdata/linux/report/591 to 598 for KFENCE; 5, 371 and 569
for KASAN), else what its rules give, worked out by hand.
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


# --- KASAN ---------------------------------------------------------------

# The top of every KASAN report's stack: the printing, then the check that
# failed, as each build makes it (ours, arm64 tag mode).
KASAN_PRINT = [" dump_backtrace+0xec/0x108", " show_stack+0x18/0x24", " dump_stack_lvl+0x40/0x84",
               " kasan_report_emit+0x598/0xf74"]
INLINE = KASAN_PRINT + [" kasan_report+0x68/0xac", " kasan_tag_mismatch+0x28/0x38",
                        " __hwasan_tag_mismatch+0x30/0x5c"]
OUTLINE_STORE1 = KASAN_PRINT + [" kasan_report+0x68/0xac", " kasan_check_range+0x200/0x208",
                                " __hwasan_store1_noabort+0x20/0x2c"]
OUTLINE_LOAD1 = KASAN_PRINT + [" kasan_report+0x68/0xac", " kasan_check_range+0x200/0x208",
                               " __hwasan_load1_noabort+0x20/0x2c"]
BAD_FREE = KASAN_PRINT + [" kasan_report_invalid_free+0x64/0xa0", " kasan_bad_slab_free+0xd8/0xf8",
                          " __kasan_slab_pre_free+0x38/0x48", " kfree+0xf4/0x304"]
KASAN_CPU = ["CPU: 0 UID: 0 PID: 123 Comm: kunit_try_catch Tainted: G    B            N 6.12.117 #7 ",
             "Tainted: [B]=BAD_PAGE, [N]=TEST", "Hardware name: linux,dummy-virt (DT)"]
SLAB_OBJECT = ["The buggy address belongs to the object at ffff000004e4e000",
               " which belongs to the cache kmalloc-128 of size 128",
               "The buggy address is located 0 bytes to the right of",
               " 112-byte region [ffff000004e4e000, ffff000004e4e070)", ""]
PAGE_AND_SHADOW = [
    "The buggy address belongs to the physical page:",
    "page: refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x44e4e",
    "flags: 0x0(zone=0|kasantag=0x0)", "page_type: f5(slab)",
    "raw: 0000000000000000 04f0000000c01540 dead000000000122 0000000000000000",
    "page dumped because: kasan: bad access detected", "",
    "Memory state around the buggy address:",
    " ffff000004e4de00: 32 32 32 32 32 32 32 32 47 47 47 47 47 47 47 47",
    " ffff000004e4df00: 32 32 32 32 32 32 32 fe 88 88 88 88 88 88 88 88",
    ">ffff000004e4e000: f3 f3 f3 f3 f3 f3 f3 fe fe fe fe fe fe fe fe fe",
    "                                        ^",
    " ffff000004e4e100: 92 92 92 92 92 92 92 92 92 8c 8c 8c 8c 8c 8c 8c", SEP]


def kasan(title, what, trace, alloc=None, freed=None, tags=("f3", "fe"), obj=True):
    """A KASAN report as our tag mode prints it: the title, what was done and
    the tags, the stack, the object's allocation (and free) stacks, the
    object, its page and the shadow around the address."""
    lines = [SEP, "BUG: KASAN: " + title, what]
    if tags:
        lines.append(f"Pointer tag: [{tags[0]}], memory tag: [{tags[1]}]")
    lines += [""] + KASAN_CPU + ["Call trace:"] + trace + KUNIT_STACK + [""]
    if alloc is not None:
        lines += ["Allocated by task 123:", " kasan_record_alloc+0x5c/0xf0",
                  " __kasan_kmalloc+0x74/0x88", " __kmalloc_cache_noprof+0x1e4/0x2e0"] + \
            alloc + KUNIT_STACK + [""]
    if freed is not None:
        lines += ["Freed by task 123:", " kasan_record_free+0x54/0xe8",
                  " __kasan_slab_free+0x5c/0x84", " kfree+0x12c/0x304"] + freed + KUNIT_STACK + [""]
    lines += (SLAB_OBJECT if obj else []) + PAGE_AND_SHADOW
    return "\n".join(lines) + "\n"


# syzkaller's testdata 569: KASAN_HW_TAGS on arm64, with its console prefixes.
HW_TAGS_INVALID_ACCESS = """\
[ 1039.654796][    C0] ==================================================================
[ 1039.655950][    C0] BUG: KASAN: invalid-access in enqueue_timer+0x18/0xc0
[ 1039.658389][    C0] Read at addr 07ff00002327cda0 by task kworker/0:0/5
[ 1039.659862][    C0] Pointer tag: [07], memory tag: [ff]
[ 1039.661155][    C0] 
[ 1039.661936][    C0] CPU: 0 PID: 5 Comm: kworker/0:0 Not tainted 5.11.0-rc3 #36
[ 1039.663186][    C0] Hardware name: linux,dummy-virt (DT)
[ 1039.664468][    C0] Workqueue: wg-crypt-wg1 wg_packet_decrypt_worker
[ 1039.665932][    C0] Call trace:
[ 1039.666550][    C0]  dump_backtrace+0x0/0x1a4
[ 1039.667401][    C0]  show_stack+0x1c/0x70
[ 1039.668253][    C0]  dump_stack+0xd0/0x12c
[ 1039.669087][    C0]  print_address_description+0x70/0x29c
[ 1039.670037][    C0]  kasan_report+0x104/0x200
[ 1039.670900][    C0]  __do_kernel_fault+0x17c/0x1c0
[ 1039.671785][    C0]  do_tag_check_fault+0x6c/0x80
[ 1039.672644][    C0]  do_mem_abort+0x44/0xb4
[ 1039.673529][    C0]  el1_abort+0x40/0x6c
[ 1039.674345][    C0]  el1_sync_handler+0xb0/0xcc
[ 1039.675169][    C0]  el1_sync+0x70/0x100
[ 1039.675933][    C0]  enqueue_timer+0x18/0xc0
[ 1039.676761][    C0]  mod_timer+0x18/0x24
[ 1039.677571][    C0]  wg_timers_any_authenticated_packet_traversal+0x68/0x8c
[ 1039.678639][    C0]  wg_packet_rx_poll+0x340/0x6b0
[ 1039.679498][    C0]  net_rx_action+0x180/0x490
[ 1039.680388][    C0]  _stext+0x12c/0x2b4
[ 1039.686557][    C0]  kthread+0x178/0x180
[ 1039.687345][    C0]  ret_from_fork+0x10/0x30
[ 1039.688322][    C0] 
[ 1039.688946][    C0] The buggy address belongs to the page:
[ 1039.690015][    C0] page:00000000ecc16909 refcount:1 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x63278
[ 1039.696662][    C0] page dumped because: kasan: bad access detected
[ 1039.697642][    C0] 
[ 1039.698174][    C0] Memory state around the buggy address:
[ 1039.701658][    C0] >ffff00002327cd00: ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff
[ 1039.702775][    C0]                                                  ^
[ 1039.706190][    C0] ==================================================================
"""


class TestKasanKinds(unittest.TestCase):
    """One report of each KASAN kind: the title and frame syzkaller gives it."""

    def check(self, text, want, frame, alt=None):
        reps = syztitle.parse_all(text)
        self.assertEqual([r.title for r in reps], [want])
        rep = reps[0]
        self.assertTrue(rep.exact)
        self.assertFalse(rep.corrupted, rep.corrupted_reason)
        self.assertEqual(rep.frame, frame)
        if alt is not None:
            self.assertEqual(rep.alt_titles, alt)
        return rep

    def test_slab_out_of_bounds(self):
        # The title's function has "kmalloc" in its name: skipped, as are
        # the printing and the check (kasan_*, __hwasan_*) in the stack.
        # Upstream's kasan suite gets many such titles.
        self.check(kasan("slab-out-of-bounds in kmalloc_oob_right+0xcc/0x2c0 [kasan_test]",
                         "Write of size 1 at addr f3ff000004e4e070 by task kunit_try_catch/123",
                         INLINE + [" kmalloc_oob_right+0xcc/0x2c0 [kasan_test]"],
                         alloc=[" kmalloc_oob_right+0x58/0x2c0 [kasan_test]"]),
                   "KASAN: slab-out-of-bounds Write in kunit_try_run_case", "kunit_try_run_case",
                   ["bad-access in kunit_try_run_case"])

    def test_slab_out_of_bounds_named(self):
        self.check(kasan("slab-out-of-bounds in test_oob_next_granule+0x9c/0x1b0",
                         "Read of size 1 at addr f3ff000004e4e070 by task kunit_try_catch/123",
                         OUTLINE_LOAD1 + [" test_oob_next_granule+0x9c/0x1b0"],
                         alloc=[" test_oob_next_granule+0x40/0x1b0"]),
                   "KASAN: slab-out-of-bounds Read in test_oob_next_granule",
                   "test_oob_next_granule", ["bad-access in test_oob_next_granule"])

    def test_slab_use_after_free(self):
        self.check(kasan("slab-use-after-free in test_uaf+0x8c/0x150",
                         "Read of size 1 at addr 2bff000004e4e000 by task kunit_try_catch/123",
                         INLINE + [" test_uaf+0x8c/0x150"], alloc=[" test_uaf+0x3c/0x150"],
                         freed=[" test_uaf+0x60/0x150"], tags=("2b", "fe")),
                   "KASAN: slab-use-after-free Read in test_uaf", "test_uaf")

    def test_use_after_free(self):
        self.check(kasan("use-after-free in mempool_uaf_helper+0x94/0x120",
                         "Read of size 1 at addr 5cff000005a40000 by task kunit_try_catch/123",
                         OUTLINE_LOAD1 + [" mempool_uaf_helper+0x94/0x120",
                                          " mempool_page_alloc_uaf+0x6c/0xd0"],
                         tags=("5c", "fe"), obj=False),
                   "KASAN: use-after-free Read in mempool_uaf_helper", "mempool_uaf_helper")

    def test_out_of_bounds(self):
        # A size that wraps (a negative length): "out-of-bounds"; memmove
        # and __hwasan_memmove are skipped like the test's name.
        self.check(kasan("out-of-bounds in kmalloc_memmove_negative_size+0xc4/0x1f0",
                         "Read of size 18446744073709551614 at addr f3ff000004e4e004 by task "
                         "kunit_try_catch/123",
                         KASAN_PRINT + [" kasan_report+0x68/0xac", " kasan_check_range+0x200/0x208",
                                        " __hwasan_memmove+0x30/0x7c",
                                        " kmalloc_memmove_negative_size+0xc4/0x1f0"]),
                   "KASAN: out-of-bounds Read in kunit_try_run_case", "kunit_try_run_case")

    def test_vmalloc_out_of_bounds(self):
        self.check(kasan("vmalloc-out-of-bounds in bpf_prog_calc_tag+0x2a4/0x3c0",
                         "Read of size 4 at addr ffff800082a65000 by task kunit_try_catch/123",
                         OUTLINE_LOAD1 + [" bpf_prog_calc_tag+0x2a4/0x3c0"], tags=None, obj=False),
                   "KASAN: vmalloc-out-of-bounds Read in bpf_prog_calc_tag", "bpf_prog_calc_tag")

    def test_invalid_access(self):
        # Memory that is not slab (pages, large kmalloc): no object, no
        # history, "invalid-access".
        self.check(kasan("invalid-access in page_alloc_oob_right+0xd4/0x1fc",
                         "Read of size 1 at addr 09ff000001920000 by task kunit_try_catch/123",
                         INLINE + [" page_alloc_oob_right+0xd4/0x1fc"], tags=("09", "fe"),
                         obj=False),
                   "KASAN: invalid-access Read in page_alloc_oob_right", "page_alloc_oob_right",
                   ["bad-access in page_alloc_oob_right"])

    def test_invalid_access_syzkaller_hw_tags(self):
        # syzkaller's own report and title (testdata 569); "Read at addr"
        # (no size) is an access too.
        self.check(HW_TAGS_INVALID_ACCESS, "KASAN: invalid-access Read in enqueue_timer",
                   "enqueue_timer", ["bad-access in enqueue_timer"])

    def test_double_free(self):
        # A bad free is "invalid-free" in the title, whatever its kind.
        rep = self.check(kasan("double-free in test_double_free+0x74/0x110",
                               "Free of addr 47ff000004e4e000 by task kunit_try_catch/123",
                               BAD_FREE + [" test_double_free+0x74/0x110"],
                               alloc=[" test_double_free+0x30/0x110"],
                               freed=[" test_double_free+0x50/0x110"], tags=("47", "fe")),
                         "KASAN: invalid-free in test_double_free", "test_double_free",
                         ["invalid-free in test_double_free"])
        self.assertNotIn("double-free", rep.title)

    def test_invalid_free(self):
        self.check(kasan("invalid-free in test_invalid_free+0x68/0x100",
                         "Free of addr 47ff000004e4e001 by task kunit_try_catch/123",
                         BAD_FREE + [" test_invalid_free+0x68/0x100"],
                         alloc=[" test_invalid_free+0x30/0x100"], tags=("47", "47")),
                   "KASAN: invalid-free in test_invalid_free", "test_invalid_free",
                   ["invalid-free in test_invalid_free"])

    def test_double_free_or_invalid_free(self):
        # Older kernels' kind (syzkaller's testdata 5, x86_64, generic mode).
        self.check(kasan("double-free or invalid-free in selinux_tun_dev_free_security+0x15/0x20",
                         "", [" kasan_report_double_free+0x55/0x80", " kasan_slab_free+0xa0/0xc0",
                              " kfree+0xd3/0x260", " selinux_tun_dev_free_security+0x15/0x20"],
                         tags=None),
                   "KASAN: invalid-free in selinux_tun_dev_free_security",
                   "selinux_tun_dev_free_security", ["invalid-free in selinux_tun_dev_free_security"])

    def test_wild_memory_access(self):
        # The generic mode's name for a bad pointer outside the kernel's
        # memory (syzkaller's testdata 195 has this title).
        self.check(kasan("wild-memory-access in sg_read+0xe5c/0x1aa0",
                         "Read of size 8 at addr 1fff800000000000 by task syz-executor/6027",
                         OUTLINE_LOAD1 + [" sg_read+0xe5c/0x1aa0", " vfs_read+0x15c/0x3f0"],
                         tags=None, obj=False),
                   "KASAN: wild-memory-access Read in sg_read", "sg_read")

    def test_null_ptr_deref(self):
        # The generic mode's (testdata 371 has this title).
        self.check(kasan("null-ptr-deref in zr364xx_vidioc_querycap+0xb6/0x230",
                         "Read of size 1 at addr 0000000000000000 by task v4l_id/5287",
                         OUTLINE_LOAD1 + [" zr364xx_vidioc_querycap+0xb6/0x230"],
                         tags=None, obj=False),
                   "KASAN: null-ptr-deref Read in zr364xx_vidioc_querycap",
                   "zr364xx_vidioc_querycap")

    def test_tag_mode_null_ptr_deref_is_an_oops(self):
        # The tag mode checks the shadow of a NULL pointer first, which
        # faults: an arm64 oops, with the tag mode's hint after its first
        # line and no "BUG: KASAN:" title. syzkaller names the oops by the
        # function at pc, and die()'s "Internal error:" line, which does
        # not end the first report, starts a second (ParseAll goes on
        # from the line after a report's first).
        text = "\n".join([
            "Unable to handle kernel paging request at virtual address efff800000000000",
            "KASAN: null-ptr-deref in range [0x0000000000000000-0x000000000000000f]",
            "Mem abort info:", "  ESR = 0x0000000096000005",
            "  EC = 0x25: DABT (current EL), IL = 32 bits",
            "[efff800000000000] address between user and kernel address ranges",
            "Internal error: Oops: 0000000096000005 [#1] PREEMPT SMP", "Modules linked in:",
            ] + KASAN_CPU + [
            "pstate: 60400005 (nZCv daif +PAN -UAO -TCO -DIT -SSBS BTYPE=--)",
            "pc : test_null_ptr_deref+0x2c/0x90", "lr : kunit_try_run_case+0xa4/0x1f8",
            "sp : ffff800080a3fd50", "Call trace:", " test_null_ptr_deref+0x2c/0x90",
            ] + KUNIT_STACK + [
            "Code: d2800000 d2d00001 f2fdffe1 aa0003e2 (38616821) ",
            "---[ end trace 0000000000000000 ]---"]) + "\n"
        reps = syztitle.parse_all(text)
        self.assertEqual([(r.title, r.frame, r.alt_titles, r.line, r.exact, r.corrupted)
                          for r in reps],
                         [("BUG: unable to handle kernel paging request in test_null_ptr_deref",
                           "test_null_ptr_deref", ["bad-access in test_null_ptr_deref"], 0, True,
                           False),
                          ("Internal error in test_null_ptr_deref", "test_null_ptr_deref",
                           ["bad-access in test_null_ptr_deref"], 6, True, False)])
        self.assertNotIn("KASAN", reps[0].title)


class TestKasanFrames(unittest.TestCase):
    """Which frame names a KASAN report."""

    def test_kasan_function_in_title_falls_to_the_stack(self):
        # A title that names KASAN's own function (a check made where no
        # caller's address was passed): "kasan" is a skip pattern, so
        # syzkaller takes the first frame after "Call trace:" that no skip
        # pattern matches (kasan_*, __hwasan_*, memcpy, dump_*...).
        text = kasan("slab-out-of-bounds in kasan_check_range+0x200/0x208",
                     "Read of size 24 at addr f3ff000004e4e068 by task kunit_try_catch/123",
                     KASAN_PRINT + [" kasan_report+0x68/0xac", " kasan_check_range+0x200/0x208",
                                    " __hwasan_memcpy+0x38/0x7c", " nla_append+0x50/0x9c",
                                    " test_nla_oob+0xb0/0x190"],
                     alloc=[" test_nla_oob+0x44/0x190"])
        rep = syztitle.parse_all(text)[0]
        self.assertEqual(rep.title, "KASAN: slab-out-of-bounds Read in nla_append")
        self.assertEqual(rep.alt_titles, ["bad-access in nla_append"])
        self.assertTrue(rep.exact)
        # "memcpy" anywhere in a name is skipped: our kasan_core's
        # test_memcpy_oob is named by its runner.
        text = text.replace(" nla_append+0x50/0x9c\n", "")
        text = text.replace("test_nla_oob", "test_memcpy_oob")
        self.assertEqual(titles(text), ["KASAN: slab-out-of-bounds Read in kunit_try_run_case"])

    def test_only_the_call_trace_is_searched(self):
        # Frames before "Call trace:" and in "Allocated by" / "Freed by"
        # are not: every Call trace frame skipped, the report is
        # "corrupted", the frame too.
        text = kasan("slab-use-after-free in kasan_check_range+0x200/0x208",
                     "Read of size 1 at addr 2bff000004e4e000 by task kunit_try_catch/123",
                     KASAN_PRINT + [" kasan_report+0x68/0xac", " kasan_check_range+0x200/0x208"],
                     alloc=[" alloc_in_driver+0x44/0x190"], freed=[" free_in_driver+0x44/0x190"])
        text = text.replace("\n".join(KUNIT_STACK) + "\n\nAllocated", "\nAllocated", 1)
        rep = syztitle.parse_all(text)[0]
        self.assertEqual(rep.title, "KASAN: slab-use-after-free Read in corrupted")
        self.assertTrue(rep.corrupted)
        self.assertEqual(rep.corrupted_reason, "extracted no frames")

    def test_no_access_line_is_corrupted(self):
        # Without its "Read|Write ... " line (a truncated report) a title
        # naming kasan_check_range keeps it: the last format takes the
        # title line as it is, offsets cut by the clean-up, and marks the
        # report corrupted. Still syzkaller's title.
        text = "\n".join([SEP, "BUG: KASAN: slab-out-of-bounds in kasan_check_range+0x200/0x208",
                          "", "Call trace:"] + OUTLINE_LOAD1 + KUNIT_STACK + [SEP]) + "\n"
        rep = syztitle.parse_all(text)[0]
        self.assertEqual(rep.title, "KASAN: slab-out-of-bounds in kasan_check_range")
        self.assertTrue(rep.exact)
        self.assertTrue(rep.corrupted)
        self.assertEqual(rep.corrupted_reason, "report format is marked as corrupted")

    def test_kasan_named_tests_are_skipped(self):
        # Upstream's kasan_memchr, kasan_strings, kasan_atomics...: "kasan"
        # in the name, so the runner is named.
        text = kasan("slab-out-of-bounds in kasan_memchr+0xa8/0x1c0",
                     "Read of size 1 at addr f3ff000004e4e018 by task kunit_try_catch/123",
                     KASAN_PRINT + [" kasan_report+0x68/0xac", " kasan_check_range+0x200/0x208",
                                    " __hwasan_loadN_noabort+0x18/0x28", " memchr+0x28/0x6c",
                                    " kasan_memchr+0xa8/0x1c0"])
        self.assertEqual(titles(text), ["KASAN: slab-out-of-bounds Read in kunit_try_run_case"])

    def test_free_format_skips_kfree_and_its_callers(self):
        # kmalloc_double_kzfree: the use-after-free kfree_sensitive() finds
        # names it; its double free, blamed on kfree_sensitive too, skips it:
        # the free format also skips names with "kfree" (and "slab_").
        uaf = kasan("slab-use-after-free in kmalloc_double_kzfree+0xcc/0x1e0",
                    "Read of size 1 at addr 59ff00000147ee10 by task kunit_try_catch/89",
                    KASAN_PRINT + [" kasan_report+0x68/0xac", " __kasan_check_byte+0x54/0x58",
                                   " kfree_sensitive+0x2c/0x84", " kmalloc_double_kzfree+0xcc/0x1e0"],
                    alloc=[" kmalloc_double_kzfree+0x58/0x1e0"],
                    freed=[" kfree_sensitive+0x74/0x84", " kmalloc_double_kzfree+0x98/0x1e0"])
        free = kasan("double-free in kfree_sensitive+0x74/0x84",
                     "Free of addr 59ff00000147ee10 by task kunit_try_catch/89",
                     BAD_FREE + [" kfree_sensitive+0x74/0x84", " kmalloc_double_kzfree+0xcc/0x1e0"],
                     alloc=[" kmalloc_double_kzfree+0x58/0x1e0"],
                     freed=[" kfree_sensitive+0x74/0x84", " kmalloc_double_kzfree+0x98/0x1e0"])
        self.assertEqual(titles(uaf + free), ["KASAN: slab-use-after-free Read in kfree_sensitive",
                                              "KASAN: invalid-free in kunit_try_run_case"])

    def test_hw_tags_trap_frames_are_skipped(self):
        # An access whose title function is skipped (memcpy): the frames of
        # arm64's tag-check fault are skipped too, for accesses only.
        text = kasan("invalid-access in __memcpy+0x44/0x230",
                     "Write of size 16 at addr f3ff000004e4e070 by task kunit_try_catch/123",
                     KASAN_PRINT + [" kasan_report+0x68/0xac", " __do_kernel_fault+0x17c/0x1c0",
                                    " do_tag_check_fault+0x6c/0x80", " do_mem_abort+0x44/0xb4",
                                    " el1_abort+0x40/0x6c", " el1h_64_sync_handler+0xb0/0xcc",
                                    " el1h_64_sync+0x64/0x68", " __memcpy+0x44/0x230",
                                    " nla_put+0x5c/0x90"])
        self.assertEqual(titles(text), ["KASAN: invalid-access Write in nla_put"])

    def test_questionable_frames_are_no_frames(self):
        # x86_64 stacks carry " ? " guesses (syzkaller's testdata 5 has such
        # a stack): with a console prefix, stripLinePrefix drops the lines;
        # without, the frame regexp does not match them.
        body = kasan("slab-out-of-bounds in memcpy+0x1d/0x40",
                     "Write of size 16 at addr ffff88003a6bd110 by task syz-executor/123",
                     [" dump_stack+0x194/0x257", " ? wrong_guess+0x10/0x20",
                      " print_address_description+0x7f/0x260", " kasan_report+0x104/0x200",
                      " ? memcpy+0x1d/0x40", " memcpy+0x1d/0x40", " ? another_guess+0x1/0x2",
                      " sctp_packet_pack+0x2c0/0x7a0"], tags=None)
        stamped = "".join(f"[{5 + i / 1000:12.6f}][ T123] {l}\n"
                          for i, l in enumerate(body.rstrip("\n").split("\n")))
        self.assertEqual(titles(stamped), ["KASAN: slab-out-of-bounds Write in sctp_packet_pack"])
        self.assertEqual(titles(body), ["KASAN: slab-out-of-bounds Write in sctp_packet_pack"])

    def test_kasan_and_kfence_in_one_console(self):
        log = "KTAP version 1\n    # Subtest: kasan\n" + kasan(
            "slab-out-of-bounds in test_oob_next_granule+0x9c/0x1b0",
            "Read of size 1 at addr f3ff000004e4e070 by task kunit_try_catch/123",
            INLINE + [" test_oob_next_granule+0x9c/0x1b0"]) + \
            "Disabling lock debugging due to kernel taint\n    ok 1 a\n" + DOC_OOB_READ + \
            kasan("invalid-free in test_invalid_free+0x68/0x100",
                  "Free of addr 47ff000004e4e001 by task kunit_try_catch/123",
                  BAD_FREE + [" test_invalid_free+0x68/0x100"]) + "    ok 2 b\n"
        reps = syztitle.parse_all(log)
        self.assertEqual([r.title for r in reps],
                         ["KASAN: slab-out-of-bounds Read in test_oob_next_granule",
                          "KFENCE: out-of-bounds read in test_out_of_bounds_read",
                          "KASAN: invalid-free in test_invalid_free"])
        self.assertTrue(all(r.exact and not r.corrupted for r in reps))


if __name__ == "__main__":
    unittest.main()
