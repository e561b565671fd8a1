#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make test: build each scenario's kernel, run KUnit under QEMU, judge the run.

Usage: test.py [SCENARIO...]   (default: the scenarios listed in configs/test/CFLIST)

Each scenario (configs/test/<name>) names an arch, a kernel (a kunitconfig in
configs/kernel/<kernel>.config), boot arguments and at most one
kunit.filter_glob. Its expectations (configs/test/<name>.expect) list every
test case that must run, its result (pass or skip, a skip with its reason) and
the kinds of kernel splat it may print. A scenario passes only when:

  - kunit.py exited with status 0 and wrote its JSON results;
  - the cases that ran are exactly the expected ones, with the expected
    results: a dropped, added, failed or newly skipped case fails the run;
  - the raw console shows no BUG:, WARNING:, Oops, lockdep splat or panic
    outside a case that expects that kind (boot and suite set-up included);
  - the reports have the titles syzkaller would give them (lib/syztitle.py):
    in a scenario with 'titles: FILE', every case of an upstream suite that
    FILE covers printed reports with the same titles, in the same order, as
    upstream's KFENCE or KASAN printed for it (configs/titles/FILE, made by
    bin/titles.sh), or, for a case where ours differ on purpose, the titles
    that 'titles-differ: FILE2' (configs/titles/FILE2, written by hand; see
    load_differ) allows, with its reason, instead of upstream's (or, for a
    case whose number of reports depends on what memory holds, the same
    titles with each run of one counted once, as FILE2 says); and in our
    own suites (OWN_SUITES), every KFENCE report's title names the case's
    own function or a helper of the suite.

Run through bin/test.sh, which assembles the tree and exports KS_TREE,
KS_BUILD, KS_JOBS and KS_MAKE_OPTS_LINES. Also read: KS_KUNIT (the kunit.py to run;
the harness self-tests use a stand-in), KS_SCENARIOS (the directory of
scenarios), KS_TITLES (the directory of title references, default
configs/titles) and KS_SOURCE (the source tree our suites are read from,
default this repository). Exit status: 0 only when every scenario passed, 2 on a bad
scenario file.
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HARNESS)))
sys.path.insert(0, os.path.join(HARNESS, "lib"))
import syztitle  # noqa: E402

RESULTS = ("pass", "skip")
# A title reference's line for a case that printed no report.
NO_REPORT = "-"
# Our own suites, which no upstream run can give titles for: the source file
# of each and the prefix of its helpers. A KFENCE report printed in one of
# their cases must name, in its syzkaller title, the function that made the
# bad access: the case's own function or one of these helpers.
OWN_SUITES = {"kfence_core": ("mm/kfence/kfence_core_test.c", "kct_")}

# Kinds of splat, tried in order: the first pattern that matches names the kind.
SPLATS = [
    ("lockdep", re.compile(r"(possible (circular|recursive) locking|inconsistent lock state|"
                           r"possible irq lock inversion|suspicious RCU usage|"
                           r"BUG: (sleeping function called|scheduling while atomic)|"
                           r"bad unlock balance|lock held when returning)")),
    ("KFENCE", re.compile(r"BUG: KFENCE: ")),
    ("KASAN", re.compile(r"BUG: KASAN: ")),
    ("pmalloc", re.compile(r"BUG: pmalloc: ")),
    ("panic", re.compile(r"Kernel panic")),
    ("stall", re.compile(r"rcu: INFO: .* detected stalls|INFO: task .* blocked for more than|"
                         r"watchdog: BUG: soft lockup|Watchdog detected hard LOCKUP|"
                         r"INFO: rcu_(sched|preempt) (self-)?detected stall")),
    ("UBSAN", re.compile(r"UBSAN: ")),
    ("Oops", re.compile(r"\bOops\b|Internal error: |general protection fault")),
    ("BUG", re.compile(r"\bBUG: |kernel BUG at ")),
    ("WARNING", re.compile(r"\bWARNING: |------------\[ cut here \]")),
]
KINDS = [k for k, _ in SPLATS]
PREFIX = re.compile(r"^\[\s*\d+\.\d+\]\s?")


class Bad(Exception):
    pass


def read_keyed(path):
    """'key: value' lines; '#' starts a comment."""
    out = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            key, sep, val = line.partition(":")
            if not sep:
                raise Bad(f"{path}:{n}: expected 'key: value'")
            out[key.strip()] = val.strip()
    return out


def load_scenario(sdir, name, reference=True):
    path = os.path.join(sdir, name)
    if not os.path.isfile(path):
        known = " ".join(sorted(f for f in os.listdir(sdir) if "." not in f and f != "CFLIST"))
        raise Bad(f"no scenario '{name}' in {sdir} (known: {known})")
    sc = read_keyed(path)
    unknown = set(sc) - {"arch", "kernel", "boot", "filter", "timeout", "titles", "titles-differ"}
    if unknown or "arch" not in sc or "kernel" not in sc:
        raise Bad(f"{path}: needs 'arch' and 'kernel', may have 'boot', 'filter', 'timeout', "
                  "'titles', 'titles-differ'"
                  + (f"; unknown: {', '.join(sorted(unknown))}" if unknown else ""))
    if sc.get("titles-differ") and not sc.get("titles"):
        raise Bad(f"{path}: 'titles-differ' allows other titles than a reference's: it needs "
                  "'titles'")
    flt = sc.get("filter", "")
    # kunit.filter_glob is one glob: a comma would be part of the pattern.
    if "," in flt or " " in flt:
        raise Bad(f"{path}: filter '{flt}' is not one glob (kunit.filter_glob takes exactly one)")
    sc["name"] = name
    sc["expect"] = load_expect(path + ".expect")
    if sc.get("titles") and reference:
        tdir = os.environ.get("KS_TITLES") or os.path.join(HARNESS, "configs/titles")
        sc["titles_path"] = os.path.join(tdir, sc["titles"])
        sc["titles_ref"] = load_titles(sc["titles_path"])
        if sc.get("titles-differ"):
            sc["differ_path"] = os.path.join(tdir, sc["titles-differ"])
            sc["titles_differ"] = load_differ(sc["differ_path"])
    return sc


def load_titles(path):
    """A title reference: suite.case -> [titles], in order ([] for NO_REPORT)."""
    ref = {}
    try:
        f = open(path)
    except OSError as e:
        raise Bad(f"title reference: {e} (make titles writes it)")
    with f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            case, tab, title = line.partition("\t")
            if not tab or "." not in case or not title:
                raise Bad(f"{path}:{n}: expected 'suite.case<TAB>title' or "
                          f"'suite.case<TAB>{NO_REPORT}'")
            titles = ref.setdefault(case, [])
            if title == NO_REPORT:
                if titles:
                    raise Bad(f"{path}:{n}: {case} has reports and '{NO_REPORT}'")
            else:
                titles.append(title)
    if not ref:
        raise Bad(f"{path}: no case")
    return ref


DIFFER_FIELDS = ("why", "upstream", "ours", "compare")
# 'compare' values: how a case's titles are compared instead of one by one.
COMPARE_RUNS = "runs"


def title_runs(titles):
    """titles with each run of one title kept once."""
    return [t for i, t in enumerate(titles) if i == 0 or titles[i - 1] != t]


def load_differ(path):
    """The cases whose titles may differ from upstream's, each with why:
    suite.case -> {'why': reason, 'upstream': [titles], 'ours': [titles],
    'compare': how}.

    Written by hand, one line per field, tab-separated:
        suite.case<TAB>why<TAB>the reason (several lines are joined)
    then either, for titles ours differ in on purpose,
        suite.case<TAB>upstream<TAB>title   each of upstream's, in order,
                                            as the reference has them
        suite.case<TAB>ours<TAB>title       each of ours, in order
    with NO_REPORT as the only title of a list for no report: the case is
    then held to 'ours', and only while the reference still has 'upstream'
    for it (a regenerated reference that changed calls for a new look);
    or, for a case whose number of reports depends on what memory holds,
        suite.case<TAB>compare<TAB>runs     the titles are compared with
                                            each run of one title counted
                                            once (syzkaller files a title
                                            once, however often printed)."""
    allow = {}
    try:
        f = open(path)
    except OSError as e:
        raise Bad(f"title allowances: {e}")
    with f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            case, field, text = (line.split("\t", 2) + ["", ""])[:3]
            if "." not in case or field not in DIFFER_FIELDS or not text.strip():
                raise Bad(f"{path}:{n}: expected "
                          "'suite.case<TAB>why|upstream|ours|compare<TAB>text'")
            a = allow.setdefault(case, {"why": "", "upstream": [], "ours": [], "compare": ""})
            if field == "why":
                a["why"] = (a["why"] + " " + text.strip()).strip()
            elif field == "compare":
                if text != COMPARE_RUNS or a["compare"]:
                    raise Bad(f"{path}:{n}: {case}: one 'compare' line, '{COMPARE_RUNS}'")
                a["compare"] = text
            elif NO_REPORT in a[field] or a[field] and text == NO_REPORT:
                raise Bad(f"{path}:{n}: {case}: '{NO_REPORT}' is a list of no report: "
                          "alone or not at all")
            else:
                a[field].append(text)
    for case, a in allow.items():
        if not a["why"]:
            raise Bad(f"{path}: {case} has no why line: an allowance says why")
        if a["compare"]:
            if a["upstream"] or a["ours"]:
                raise Bad(f"{path}: {case}: 'compare' compares with upstream's titles: "
                          "no 'upstream' or 'ours' lines with it")
            continue
        missing = [k for k in ("upstream", "ours") if not a[k]]
        if missing:
            raise Bad(f"{path}: {case} has no {' and no '.join(missing)} line: an allowance "
                      "says why, and what upstream's and our titles are (or how to compare)")
        for k in ("upstream", "ours"):
            if a[k] == [NO_REPORT]:
                a[k] = []
        if a["upstream"] == a["ours"]:
            raise Bad(f"{path}: {case} allows upstream's own titles: no allowance is needed")
    return allow


def load_expect(path):
    """suite.case -> (result, allowed splat kinds)."""
    exp = {}
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line, _, reason = raw.partition("#")
            words = line.split()
            if not words:
                continue
            where = f"{path}:{n}"
            if len(words) < 2 or words[1] not in RESULTS or "." not in words[0]:
                raise Bad(f"{where}: expected 'suite.case pass|skip [KIND,...]'")
            if words[1] == "skip" and not reason.strip():
                raise Bad(f"{where}: an expected skip needs its reason after '#'")
            kinds = set(words[2].split(",")) if len(words) > 2 else set()
            if kinds - set(KINDS) or len(words) > 3:
                raise Bad(f"{where}: splat kinds are {','.join(KINDS)}")
            if words[0] in exp:
                raise Bad(f"{where}: {words[0]} listed twice")
            exp[words[0]] = (words[1], kinds)
    if not exp:
        raise Bad(f"{path}: expects no test case")
    return exp


def results_from_json(path):
    """suite.case -> result, from kunit.py's JSON (nested suites flattened).

    A name that occurs twice is reported as the result 'duplicate', which
    no expectation accepts: one result must not mask another."""
    with open(path) as f:
        top = json.load(f)
    got = {}

    def walk(group, prefix):
        for sub in group.get("sub_groups", []):
            walk(sub, sub["name"] if not prefix else f"{prefix}.{sub['name']}")
        for case in group.get("test_cases", []):
            st = case["status"]
            name = f"{prefix}.{case['name']}"
            got[name] = "duplicate" if name in got else \
                {"PASS": "pass", "SKIP": "skip"}.get(st, st.lower())

    walk(top, "")
    return got


def read_console(path):
    """The console's lines, as text (universal newlines, so no \\r)."""
    with open(path, errors="replace") as f:
        return f.read()


def case_owners(lines):
    """The test case each console line belongs to: 'suite.case', or None for
    boot, a suite's set-up and exit, and after the last suite. A line
    belongs to the case whose result line ('    ok N case') comes next in
    its suite, the result line included."""
    owner = [None] * len(lines)
    suite = None
    pending = []
    case_re = re.compile(r"^ {4}(?:not )?ok \d+ (\S+)")
    for i, raw in enumerate(lines):
        line = PREFIX.sub("", raw)
        pending.append(i)
        m = re.match(r"^ {4}# Subtest: (\S+)", line)
        if m:
            suite, pending = m.group(1), []	# what came before: no case
            continue
        m = case_re.match(line)
        if m and suite:
            for j in pending:
                owner[j] = f"{suite}.{m.group(1)}"
            pending = []
            continue
        if re.match(r"^(?:not )?ok \d+ \S+", line) and suite:
            suite, pending = None, []	# suite exit
    return owner


def splats_from_log(text, owner=None):
    """suite.case (or None for outside any case) -> [(kind, line)]."""
    lines = text.split("\n")
    owner = owner or case_owners(lines)
    found = {}
    for i, raw in enumerate(lines):
        line = PREFIX.sub("", raw)
        # Another CPU's splat can land on a KTAP line: look at every line.
        for kind, pat in SPLATS:
            if pat.search(line):
                found.setdefault(owner[i], []).append((kind, line.strip()))
                break
    return found


def titles_from_log(text, owner=None):
    """suite.case (or None) -> [syzkaller report], in the order printed; a
    report belongs to the case its first line belongs to."""
    owner = owner or case_owners(text.split("\n"))
    found = {}
    for rep in syztitle.parse_all(text):
        found.setdefault(owner[rep.line], []).append(rep)
    return found


def _harness_relative(path):
    return os.path.relpath(path, HARNESS) if path.startswith(HARNESS + os.sep) else path


def check_titles(sc, got, reports):
    """Reasons to fail from the reports' syzkaller titles."""
    bad = []
    ref = sc.get("titles_ref", {})
    where = _harness_relative(sc.get("titles_path", ""))
    differ = sc.get("titles_differ", {})
    dwhere = _harness_relative(sc.get("differ_path", ""))
    suites = {c.split(".")[0] for c in ref}
    for case in sorted(set(differ) - set(ref)):
        bad.append(f"{case}: {dwhere} allows other titles than upstream's for it, but {where} "
                   "has no such case")
    for case, want in ref.items():
        if case not in got:
            continue	# did not run: said already
        have = [r.title for r in reports.get(case, [])]
        allow, label = differ.get(case), "upstream"
        if allow and allow["compare"] == COMPARE_RUNS:
            if title_runs(have) == title_runs(want):
                continue
            have, want, label = title_runs(have), title_runs(want), "upstream"
        elif allow:
            if allow["upstream"] != want:
                bad.append(f"{case}: {dwhere} allows other titles than upstream's, written for "
                           f"upstream's {allow['upstream']!r}, but {where} now has {want!r}: "
                           "look at the case again")
                continue
            if have == want:
                bad.append(f"{case}: ours print upstream's titles, not those {dwhere} allows: "
                           f"the deliberate difference is gone ({allow['why']})")
                continue
            want, label = allow["ours"], "allowed"
        if have == want:
            continue
        rows = []
        for i in range(max(len(want), len(have))):
            up = repr(want[i]) if i < len(want) else "(no report)"
            us = repr(have[i]) if i < len(have) else "(no report)"
            mark = "" if up == us else "   <-- differs"
            rows.append(f"      report {i + 1}: {label} {up}, ours {us}{mark}")
        if not allow:
            what = f"upstream's ({where})"
        elif allow["compare"]:
            what = f"upstream's ({where}), each run of one title counted once as {dwhere} " \
                f"says ({allow['why']})"
        else:
            what = f"those {dwhere} allows instead of upstream's ({allow['why']})"
        bad.append(f"{case}: syzkaller titles differ from {what}:\n" + "\n".join(rows))
    for case in sorted(c for c in reports if c and c.split(".")[0] in suites and c not in ref):
        titles = ", ".join(repr(r.title) for r in reports[case])
        bad.append(f"{case}: printed {titles}, but {where} has no such case")
    for case, reps in sorted((c, r) for c, r in reports.items() if c):
        suite, _, name = case.partition(".")
        if suite not in OWN_SUITES:
            continue
        source, helper = OWN_SUITES[suite]
        own = name.split("-")[0]	# a parameterised case: its function
        for rep in reps:
            if not rep.title.startswith("KFENCE: "):
                continue	# not a KFENCE report: the splat check judges it
            if rep.frame == own or rep.frame.startswith(helper) and \
                    rep.frame in helpers_of(source, helper):
                continue
            bad.append(f"{case}: syzkaller title {rep.title!r} names {rep.frame}, which is "
                       f"neither {own} nor a {helper}* helper of {source}: the report "
                       "blames the wrong function")
    return bad


_helpers = {}


def helpers_of(source, prefix):
    """The functions named PREFIX* that SOURCE defines (C, kernel style)."""
    path = os.path.join(os.environ.get("KS_SOURCE") or REPO, source)
    if path not in _helpers:
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            text = ""
        _helpers[path] = set(re.findall(r"(?m)^[a-z][^;(]*\b(" + re.escape(prefix) + r"\w*)\(",
                                        text))
    return _helpers[path]


def judge(sc, json_path, log_path, rc):
    """Return the list of reasons the scenario failed (empty: it passed), and counts."""
    bad = []
    counts = {}
    if rc != 0:
        bad.append(f"kunit.py exited with status {rc}")
    try:
        got = results_from_json(json_path)
    except (OSError, ValueError, KeyError) as e:
        return bad + [f"no results from kunit.py ({e}): the kernel did not build or boot"], counts
    exp = sc["expect"]
    for case, (want, _) in sorted(exp.items()):
        st = got.get(case)
        if st is None:
            bad.append(f"{case}: expected to {want}, did not run")
        elif st != want:
            bad.append(f"{case}: {st}, expected {want}")
    for case in sorted(set(got) - set(exp)):
        bad.append(f"{case}: ran ({got[case]}) but is not in {sc['name']}.expect")
    for case, st in got.items():
        suite = case.split(".")[0]
        c = counts.setdefault(suite, {"pass": 0, "fail": 0, "skip": 0})
        c[st if st in c else "fail"] += 1
    try:
        text = read_console(log_path)
    except OSError as e:
        return bad + [f"no console log ({e})"], counts
    owner = case_owners(text.split("\n"))
    splats = splats_from_log(text, owner)
    for case, lines in sorted(splats.items(), key=lambda kv: kv[0] or ""):
        allowed = exp.get(case, (None, set()))[1] if case else set()
        unexpected = [(k, l) for k, l in lines if k not in allowed]
        if unexpected:
            where = f"in {case}" if case else "outside any test case"
            shown = "\n".join(f"      {l}" for _, l in unexpected[:8])
            more = f"\n      ... {len(unexpected) - 8} more" if len(unexpected) > 8 else ""
            kinds = ",".join(sorted({k for k, _ in unexpected}))
            bad.append(f"kernel splat ({kinds}) {where}:\n{shown}{more}")
    bad += check_titles(sc, got, titles_from_log(text, owner))
    return bad, counts


def kunit_command(sc, kunit, out, json_path, kunitconfig=None):
    """kunit.py's command line for scenario sc: 'run' (configure, build,
    boot) with a kunitconfig, 'exec' (boot again) without."""
    verb = "run" if kunitconfig else "exec"
    cmd = [sys.executable, kunit, verb, f"--arch={sc['arch']}", f"--build_dir={out}",
           f"--timeout={sc.get('timeout', '1200')}", "--qemu_args=-smp 2", f"--json={json_path}"]
    if sc["arch"] == "x86_64":
        # x86 patches text (static keys, alternatives) with int3 and relies
        # on the CPU to see the finished instruction after its IPIs; under
        # multi-threaded TCG another vCPU may still run the int3 and die
        # ("Oops: int3" in sched_clock_tick, seen once in CI).
        # One TCG thread for both vCPUs makes code writes coherent.
        cmd.append("--qemu_args=-accel tcg,thread=single")
    if kunitconfig:
        cmd += [f"--kunitconfig={kunitconfig}", f"--jobs={os.environ['KS_JOBS']}"]
        cmd += [f"--make_options={o}" for o in os.environ["KS_MAKE_OPTS_LINES"].split("\n") if o]
    cmd += [f"--kernel_args={a}" for a in sc.get("boot", "").split()]
    if sc.get("filter"):
        cmd.append(sc["filter"])
    return cmd


def run_kunit(cmd, cwd, log_path, banner):
    """Run kunit.py in cwd, its output to log_path and its progress to
    stdout, after the banner. Returns (exit status, whether it booted)."""
    progress = re.compile(r"^\[..:..:..\] (Building|Starting|Testing complete|=+ |"
                          r".*(PASSED|FAILED|SKIPPED|CRASHED)|.*ERROR)|error:|Error")
    print(f"\033[1m==> {banner}; log: {log_path}\033[0m", file=sys.stderr, flush=True)
    with open(log_path, "w") as log:
        # kunit.py and QEMU keep the machine lock (fd 9) even if we die.
        fds = (9,) if os.path.exists("/proc/self/fd/9") else ()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, errors="replace", pass_fds=fds)
        booted = False
        for line in p.stdout:
            log.write(line)
            booted |= "Starting KUnit Kernel" in line
            if progress.search(line):
                sys.stdout.write(line)
                sys.stdout.flush()
        return p.wait(), booted


def run_scenario(sc, built):
    kernel = sc["kernel"]
    out = os.path.join(os.environ["KS_BUILD"], kernel)
    os.makedirs(out, exist_ok=True)
    json_path = os.path.join(out, f"results-{sc['name']}.json")
    log_path = os.path.join(out, f"kunit-{sc['name']}.log")
    console = os.path.join(out, "test.log")
    for p in (json_path, console, os.path.join(out, f"console-{sc['name']}.log")):
        if os.path.exists(p):
            os.unlink(p)
    kunit = os.environ.get("KS_KUNIT") or os.path.join(os.environ["KS_TREE"],
                                                        "tools/testing/kunit/kunit.py")
    # A kernel already built by this run is only booted again.
    kunitconfig = None if kernel in built else \
        os.path.join(HARNESS, "configs/kernel", kernel + ".config")
    cmd = kunit_command(sc, kunit, out, json_path, kunitconfig)
    rc, booted = run_kunit(cmd, os.environ["KS_TREE"], log_path,
                           f"[{sc['name']}] {cmd[2]}: {sc['arch']} kernel {kernel}")
    if booted:	# built (or built earlier) and booted: the next scenario only boots
        built.add(kernel)
    # kunit.py rewrites test.log at every boot: keep each scenario's console.
    kept = os.path.join(out, f"console-{sc['name']}.log")
    if os.path.exists(console):
        os.replace(console, kept)
    elif os.path.exists(kept):
        os.unlink(kept)
    return judge(sc, json_path, kept, rc)


def main(argv):
    sdir = os.environ.get("KS_SCENARIOS") or os.path.join(HARNESS, "configs/test")
    try:
        if not argv:
            with open(os.path.join(sdir, "CFLIST")) as f:
                argv = [l.split("#")[0].strip() for l in f]
        names = [n for n in argv if n]
        if not names:
            raise Bad(f"no scenario to run (CFLIST in {sdir} lists none)")
        scenarios = [load_scenario(sdir, n) for n in names]
    except (Bad, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    cold = {sc["kernel"] for sc in scenarios
            if not os.path.exists(os.path.join(os.environ["KS_BUILD"], sc["kernel"], "vmlinux"))}
    need = len(cold) * int(os.environ.get("KS_BUILD_MIB", "0"))
    st = os.statvfs(os.environ["KS_WORK"])
    if st.f_bavail * st.f_frsize < need << 20:
        print(f"error: a cold build of {' '.join(sorted(cold))} needs about {need} MiB free in "
              f"{os.environ['KS_WORK']}, only {st.f_bavail * st.f_frsize >> 20} MiB are "
              "(set KS_WORK= to use another disk)", file=sys.stderr)
        return 1
    built, report, totals = set(), [], {"pass": 0, "fail": 0, "skip": 0}
    for sc in scenarios:
        bad, counts = run_scenario(sc, built)
        report.append((sc["name"], bad, counts))
    print()
    for name, bad, counts in report:
        print(f"== {name}")
        for suite, c in sorted(counts.items()):
            print(f"   {suite:28} {c['pass']:3} passed, {c['fail']:3} failed, {c['skip']:3} skipped")
            totals["pass"] += c["pass"]
            totals["skip"] += c["skip"]
    # Every reason to fail counts once: a failed case, a missing or unexpected
    # one, a splat, kunit.py's exit status.
    for name, bad, _ in report:
        for b in bad:
            print(f"FAIL: {name}: {b}")
            totals["fail"] += 1
    print(f"{totals['pass']} passed, {totals['fail']} failed, {totals['skip']} skipped")
    return 1 if totals["fail"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
