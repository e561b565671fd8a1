#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Stand-in for kunit.py in the harness self-tests.

Takes kunit.py's arguments, records them in $FAKE_DIR/argv.json, copies
$FAKE_DIR/test.log to <build_dir>/test.log (the raw console, as kunit.py does)
and $FAKE_DIR/results.json to the --json path when they exist, prints a few
lines and exits with the status in $FAKE_DIR/rc.
"""
import json
import os
import shutil
import sys

fake = os.environ["FAKE_DIR"]
args = dict(a[2:].split("=", 1) for a in sys.argv[2:] if a.startswith("--") and "=" in a)
with open(os.path.join(fake, "argv.json"), "w") as f:
    json.dump(sys.argv[1:], f)
build = args["build_dir"]
os.makedirs(build, exist_ok=True)
open(os.path.join(build, ".config"), "w").close()
if os.path.exists(os.path.join(fake, "test.log")):
    shutil.copy(os.path.join(fake, "test.log"), os.path.join(build, "test.log"))
if os.path.exists(os.path.join(fake, "results.json")):
    shutil.copy(os.path.join(fake, "results.json"), args["json"])
print("[00:00:00] Starting KUnit Kernel (1/1)...")
print("[00:00:01] Testing complete.")
sys.exit(int(open(os.path.join(fake, "rc")).read()))
