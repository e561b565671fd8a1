#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench BENCH=pmalloc: what pmalloc costs against what it replaces, on
# ARCH (arm64 or x86_64). There is no upstream pmalloc to compare with: the
# figures are pmalloc against kmalloc (small objects, bytes wasted by a mix
# of sizes) and against memcpy (an 8-byte write-rare update), and the cost
# of sealing pools of 1, 16 and 256 pages.
#  1. Builds allnoconfig + configs/kernel/bench-ARCH.config + PMALLOC, KFENCE
#     and KASAN off, in $KS_BUILD/bench-ARCH-pmalloc, and modules/
#     pmalloc_bench against it.
#  2. Boots it KS_BENCH_ROUNDS (2) times under -icount shift=0,sleep=off,
#     where one guest nanosecond is one instruction, and fails unless the
#     rounds agree (exactly on arm64, within 0.25 instructions per op or 5 %
#     on x86_64, where an interrupt can land a few instructions apart).
#  3. Prints the table and writes it to $KS_BENCH/ARCH-pmalloc/results.txt.
set -euo pipefail
. "$(dirname "$0")/../lib/functions.sh"

arch=${1:?usage: bench-pmalloc.sh arm64|x86_64}
ks_bench_guest "$arch"
KS_BENCH=$KS_BENCH/$arch-pmalloc
out=$KS_BUILD/bench-$arch-pmalloc
rounds=${KS_BENCH_ROUNDS:-2}
[ "$rounds" -ge 2 ] || ks_die "KS_BENCH_ROUNDS=$rounds: at least 2, to check that boots agree"
iters=${KS_BENCH_ITERS:-10000}
boot_timeout=${KS_BENCH_TIMEOUT:-1200}

ks_lock
"$KS_HARNESS/bin/deps.sh"
mkdir -p "$KS_BENCH"
busybox=$(ks_busybox "$arch")
ks_bench_init "$KS_BENCH/init" <<EOF2
insmod /pmalloc_bench.ko iters=$iters
EOF2
"$KS_HARNESS/bin/tree.sh"
ks_bench_configure ours "$arch" "$KS_TREE" "$out" \
	$'CONFIG_PMALLOC=y\n# CONFIG_KFENCE is not set\n# CONFIG_KASAN is not set'
grep -q '^CONFIG_PMALLOC=y' "$out/.config" || ks_die "[ours] $out/.config has no CONFIG_PMALLOC=y"
ks_bench_build ours "$arch" "$KS_TREE" "$out" "$KS_HARNESS/modules/pmalloc_bench" \
	"$KS_BENCH/ours" "$KS_BENCH/init" "$busybox"

rm -f "$KS_BENCH"/ours.default.*.txt
for r in $(seq "$rounds"); do
	log=$KS_BENCH/ours.default.$r.log
	ks_say "[ours] boot, round $r/$rounds, under icount (timeout $boot_timeout s); console: $log"
	ks_bench_boot "ours" "$log" "$boot_timeout" "$out" "$KS_BENCH/ours/initramfs.cpio" \
		"console=$KS_CONSOLE panic=-1"
	splat=$(grep -E 'BUG:|WARNING:|Oops|Kernel panic|pmalloc_bench: .*(failed|wrong)' "$log" || true)
	[ -z "$splat" ] || ks_die "[ours] boot printed (see $log):
$splat"
	grep -q 'pmalloc_bench: done' "$log" || ks_die "[ours] the module did not finish; see $log"
	sed -n -E 's/^(\[[ 0-9.]+\] )?pmalloc_bench: ([^:]*): ([0-9.]+) (insn\/op|B|pages)$/\2 (\4)\t\3/p' \
		"$log" > "$KS_BENCH/ours.default.$r.txt"
	[ -s "$KS_BENCH/ours.default.$r.txt" ] || ks_die "[ours] no figures in $log"
done

python3 - "$KS_HARNESS/lib" "$KS_BENCH" "$rounds" "$arch" <<'PY' || ks_die "boots disagree (above): not deterministic, no figures"
import sys
sys.path.insert(0, sys.argv[1])
from bench import check_rounds
arch = sys.argv[4]
def tolerance(k, xs):
    if arch == "arm64" or "insn/op" not in k:
        return 0
    return max(0.25, 0.05 * max(xs))
sys.exit(0 if check_rounds(sys.argv[2], int(sys.argv[3]), ["ours"], ("default",), tolerance) else 1)
PY

python3 - "$KS_HARNESS/lib" "$KS_BENCH" "$arch" <<'PY' | tee "$KS_BENCH/results.txt"
import sys
sys.path.insert(0, sys.argv[1])
from bench import read_means
val, keys = read_means(sys.argv[2], ("ours",), ("default",))
v = {k: val[("ours", "default", k)] for k in keys}
print(f"pmalloc on {sys.argv[3]}, QEMU -icount shift=0 (1 ns = 1 instruction)")
for k in keys:
    print(f"  {k:<44} {v[k]:>12.2f}")
def ratio(a, b, what):
    if a in v and b in v and v[b]:
        print(f"  {what:<44} {v[a] / v[b]:>12.2f}")
ratio("pmalloc(64), per object (insn/op)", "kmalloc(64), per object (insn/op)",
      "pmalloc/kmalloc, per small object")
ratio("mix, pmalloc bytes wasted (B)", "mix, kmalloc bytes wasted (B)",
      "bytes wasted by the mix, pmalloc/kmalloc")
ratio("write-rare 8 bytes (insn/op)", "memcpy 8 bytes (insn/op)", "write-rare/memcpy")
PY
