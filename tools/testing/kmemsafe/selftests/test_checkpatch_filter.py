#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Self-tests of lib/checkpatch_filter.py: make checkpatch must accept a
finding only where configs/checkpatch.allow names both its file and its type.
"""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FILTER = os.path.join(os.path.dirname(HERE), "lib/checkpatch_filter.py")

ALLOW = """\
# comment
mm/kasan/report.c VSPRINTF_SPECIFIER_PX # raw addresses
include/linux/kasan-checks.h VOLATILE
"""


class TestCheckpatchFilter(unittest.TestCase):
    def run_filter(self, findings, allow=ALLOW):
        with tempfile.NamedTemporaryFile("w", suffix=".allow", delete=False) as f:
            f.write(allow)
        try:
            p = subprocess.run([sys.executable, FILTER, f.name], input=findings,
                               capture_output=True, text=True)
        finally:
            os.unlink(f.name)
        return p.returncode, p.stdout, p.stderr

    def test_allowed_finding_is_counted_not_shown(self):
        rc, out, err = self.run_filter(
            "mm/kasan/report.c:525: WARNING:VSPRINTF_SPECIFIER_PX: Using %px\ntotal: 0 errors\n")
        self.assertEqual((rc, out), (0, ""))
        self.assertIn("allowed: 1", err)

    def test_other_type_in_allowed_file_fails(self):
        rc, out, _ = self.run_filter("mm/kasan/report.c:10: CHECK:LINE_SPACING: blank line\n")
        self.assertEqual(rc, 1)
        self.assertIn("LINE_SPACING", out)

    def test_allowed_type_in_other_file_fails(self):
        rc, out, _ = self.run_filter("mm/kasan/common.c:3: WARNING:VOLATILE: volatile\n")
        self.assertEqual(rc, 1)
        self.assertIn("common.c", out)

    def test_unparsable_line_is_kept(self):
        rc, out, _ = self.run_filter("Must be run from the top-level dir. of a kernel tree\n")
        self.assertEqual(rc, 1)
        self.assertIn("top-level", out)

    def test_malformed_allow_line_is_refused(self):
        rc, _, err = self.run_filter("", allow="mm/kasan/report.c\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("want '<file> <TYPE>", err)


if __name__ == "__main__":
    unittest.main()
