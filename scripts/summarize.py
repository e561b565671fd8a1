#!/usr/bin/env python3
"""Summarise kunit.py JSON results of several configurations.

Arguments: CONFIG:JSON_PATH:KUNIT_EXIT_CODE ... Prints per-suite counts for
each configuration, then one line "N passed, M failed, K skipped". Exits
non-zero when a case failed or crashed, a required suite is missing, or a
configuration produced no results (the kernel did not build or boot).
"""
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))


def required_suites(cfg):
    out = subprocess.run(["bash", "-c", f'. "{here}/config.sh"; echo "${{KS_CFG_SUITES[{cfg}]}}"'],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def walk(group, suites):
    for sub in group.get("sub_groups", []):
        walk(sub, suites)
    if group.get("test_cases"):
        suites.setdefault(group["name"], []).extend(group["test_cases"])


totals = {"PASS": 0, "FAIL": 0, "SKIP": 0}
bad = []
for arg in sys.argv[1:]:
    cfg, path, rc = arg.rsplit(":", 2)
    print(f"== {cfg}")
    try:
        with open(path) as f:
            top = json.load(f)
    except (OSError, ValueError):
        print("   no results: the kernel did not build or boot (see the kunit.log beside it)")
        bad.append(f"{cfg}: no results")
        totals["FAIL"] += 1
        continue
    suites = {}
    walk(top, suites)
    for name, cases in sorted(suites.items()):
        n = {"PASS": 0, "FAIL": 0, "SKIP": 0}
        for c in cases:
            st = c["status"] if c["status"] in ("PASS", "SKIP") else "FAIL"
            n[st] += 1
            if st == "FAIL":
                bad.append(f"{cfg}: {name}.{c['name']} {c['status']}")
        for k in n:
            totals[k] += n[k]
        print(f"   {name:28} {n['PASS']:3} passed, {n['FAIL']:3} failed, {n['SKIP']:3} skipped")
    for want in required_suites(cfg):
        if want not in suites:
            print(f"   {want:28} MISSING")
            bad.append(f"{cfg}: suite {want} did not run")
            totals["FAIL"] += 1
    if rc != "0" and not any(b.startswith(cfg + ":") for b in bad):
        bad.append(f"{cfg}: kunit.py exited with {rc}")
        totals["FAIL"] += 1

for b in bad:
    print("FAIL: " + b)
print(f"{totals['PASS']} passed, {totals['FAIL']} failed, {totals['SKIP']} skipped")
sys.exit(1 if bad else 0)
