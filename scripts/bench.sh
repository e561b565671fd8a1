#!/usr/bin/env bash
# `make bench`: instructions per slab allocation with no KFENCE, upstream's
# KFENCE and ours, and the memory KFENCE takes.
#  1. Builds allnoconfig + configs/bench-arm64.config three ways, LLVM 16, each
#     in $KS_BUILD/bench-<variant>: none (our tree, KFENCE=n), upstream (the
#     pristine base, KFENCE=y), ours (our tree, KFENCE=y); and, against each,
#     tools/testing/kmemsafe/kfence_bench as an external module.
#  2. Boots them under qemu-system-aarch64 -icount shift=0,sleep=off, where
#     the guest clock advances 1 ns per guest instruction, in interleaved
#     rounds (none, upstream, ours, none, ...). /init prints MemTotal and loads
#     the module, which prints instructions per operation.
#  3. Warns if two boots of one kernel disagree, prints the table and writes it
#     to $KS_BENCH/results.txt.
# Environment: KS_BENCH_ROUNDS (2), KS_BENCH_ITERS (100000 per test),
# KS_BENCH_TIMEOUT (seconds per boot, 1200).
set -euo pipefail
. "$(dirname "$0")/config.sh"

arch=arm64
variants=(none upstream ours)
declare -A src=([none]=$KS_TREE [upstream]=$KS_BASE [ours]=$KS_TREE)
declare -A kfence=([none]=n [upstream]=y [ours]=y)
frag=$KS_REPO/configs/bench-arm64.config
module=$KS_REPO/tools/testing/kmemsafe/kfence_bench
rounds=${KS_BENCH_ROUNDS:-2}
iters=${KS_BENCH_ITERS:-100000}
boot_timeout=${KS_BENCH_TIMEOUT:-1200}
qemu=(qemu-system-aarch64 -machine virt -cpu max -smp 2 -m 1G -nographic -no-reboot
      -icount "shift=0,sleep=off" -seed 1)
append="console=ttyAMA0 panic=-1"

# --- tools --------------------------------------------------------------
"$KS_REPO/scripts/deps.sh"
mkdir -p "$KS_BENCH"
busybox=$(ks_busybox_arm64)
if [ ! -x "$KS_BENCH/gen_init_cpio" ]; then
	ks_say "building gen_init_cpio from $KS_BASE/usr/gen_init_cpio.c"
	cc -O2 -o "$KS_BENCH/gen_init_cpio" "$KS_BASE/usr/gen_init_cpio.c"
fi
cat > "$KS_BENCH/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
echo "bench: \$(grep MemTotal /proc/meminfo)"
insmod /kfence_bench.ko iters=$iters
poweroff -f
EOF

# --- kernels, module and initramfs, one variant at a time ---------------
ks_lock
"$KS_REPO/scripts/tree.sh"

build() {
	local v=$1 out=$KS_BUILD/bench-$1 work=$KS_BENCH/$1 want start rc=0
	local make_k=(make -C "${src[$v]}" O="$out" ARCH="$arch" "${KS_MAKE_OPTS[@]}")

	mkdir -p "$out" "$work"
	{
		cat "$frag"
		if [ "${kfence[$v]}" = y ]; then
			echo CONFIG_KFENCE=y
		else
			echo "# CONFIG_KFENCE is not set"
		fi
	} > "$out/bench.config"
	ks_say "[$v] configuring $out from ${src[$v]}: allnoconfig + bench.config"
	"${make_k[@]}" -s allnoconfig
	(cd "${src[$v]}" && scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "$out/bench.config") >/dev/null
	"${make_k[@]}" -s olddefconfig
	for want in $(grep '^CONFIG_' "$out/bench.config"); do
		grep -qx "$want" "$out/.config" || ks_die "[$v] $want did not survive olddefconfig; see $out/.config"
	done
	if [ "${kfence[$v]}" = n ] && grep -q '^CONFIG_KFENCE=y' "$out/.config"; then
		ks_die "[$v] CONFIG_KFENCE=y in $out/.config"
	fi

	ks_say "[$v] building Image and modules ($arch, LLVM 16, -j$KS_JOBS); log: $out/build.log"
	start=$SECONDS
	"${make_k[@]}" -j"$KS_JOBS" Image modules > "$out/build.log" 2>&1 || rc=$?
	grep -E 'warning:|error:' "$out/build.log" || true
	[ "$rc" = 0 ] || ks_die "[$v] kernel build failed; see $out/build.log"
	ks_say "[$v] kernel built in $((SECONDS - start)) s"

	# 6.12 builds external modules in their source directory: use a copy.
	rm -rf "$work/kfence_bench"
	cp -r "$module" "$work/kfence_bench"
	"${make_k[@]}" -s M="$work/kfence_bench" modules

	cat > "$work/initramfs.list" <<-EOF
		dir /dev 0755 0 0
		nod /dev/console 0600 0 0 c 5 1
		dir /proc 0755 0 0
		dir /sys 0755 0 0
		dir /bin 0755 0 0
		file /bin/busybox $busybox 0755 0 0
		file /init $KS_BENCH/init 0755 0 0
		file /kfence_bench.ko $work/kfence_bench/kfence_bench.ko 0644 0 0
	EOF
	"$KS_BENCH/gen_init_cpio" "$work/initramfs.list" > "$work/initramfs.cpio"
}

for v in "${variants[@]}"; do
	build "$v"
done

# --- boots --------------------------------------------------------------
# One file per boot: "<test>\t<insn/op>" lines, then MemTotal and the pool.
boot() {
	local v=$1 r=$2 log=$KS_BENCH/$1.$2.log start rc=0
	ks_say "[$v] round $r/$rounds: booting under icount (timeout $boot_timeout s); console: $log"
	start=$SECONDS
	timeout "$boot_timeout" "${qemu[@]}" -kernel "$KS_BUILD/bench-$v/arch/$arch/boot/Image" \
		-initrd "$KS_BENCH/$v/initramfs.cpio" -append "$append" \
		</dev/null > "$log" 2>&1 || rc=$?
	tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"
	grep -q 'kfence_bench: done' "$log" ||
		ks_die "[$v] the benchmark did not finish (qemu status $rc); see $log"
	grep -E 'kfence_bench: .*(failed|cannot)' "$log" >&2 && ks_die "[$v] benchmark errors; see $log"
	ks_say "[$v] done in $((SECONDS - start)) s"
	sed -n 's/^kfence_bench: \(.*\): \([0-9.]*\) insn\/op$/\1\t\2/p' "$log" > "$KS_BENCH/$v.$r.txt"
	sed -n 's/^bench: MemTotal: *\([0-9]*\) kB$/MemTotal (KiB)\t\1/p' "$log" >> "$KS_BENCH/$v.$r.txt"
	# Upstream: "initialized - using N bytes for M objects"; ours: "...: M objects, K KiB pool".
	sed -n -e 's/^kfence: initialized - using \([0-9]*\) bytes for \([0-9]*\) objects.*/\1 \2/p' \
	       -e 's/^kfence: [a-z ]*: \([0-9]*\) objects, \([0-9]*\) KiB pool.*/\2K \1/p' "$log" |
		awk '{ kib = sub(/K$/, "", $1) ? $1 : $1 / 1024
		       printf "pool (KiB, boot log)\t%d\nobjects (boot log)\t%d\n", kib, $2 }' \
		>> "$KS_BENCH/$v.$r.txt"
}

for r in $(seq "$rounds"); do
	for v in "${variants[@]}"; do
		boot "$v" "$r"
	done
done

for v in "${variants[@]}"; do
	for r in $(seq 2 "$rounds"); do
		if ! cmp -s "$KS_BENCH/$v.1.txt" "$KS_BENCH/$v.$r.txt"; then
			echo "warning: [$v] boots 1 and $r disagree; the table shows boot 1:" >&2
			diff "$KS_BENCH/$v.1.txt" "$KS_BENCH/$v.$r.txt" >&2 || true
		fi
	done
done

# --- table --------------------------------------------------------------
table() {
	awk -F'\t' '
	FNR == 1 { v++ }
	{ if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }; val[$1, v] = $2 }
	function ratio(a, b) { return (a != "" && b > 0) ? sprintf("%.3f", a / b) : "-" }
	function cell(x) { return x == "" ? "-" : x }
	END {
		fmt = "%-28s %10s %10s %10s %10s %14s\n"
		printf fmt, "instructions per op", "none", "upstream", "ours", "ours/none", "ours/upstream"
		for (i = 1; i <= n; i++) {
			t = order[i]
			if (t ~ /\(KiB|\(boot log\)/)
				continue
			printf fmt, t, cell(val[t, 1]), cell(val[t, 2]), cell(val[t, 3]),
				ratio(val[t, 3], val[t, 1]), ratio(val[t, 3], val[t, 2])
		}
		printf "\n" fmt, "memory", "none", "upstream", "ours", "", ""
		for (i = 1; i <= n; i++) {
			t = order[i]
			if (t ~ /\(KiB|\(boot log\)/)
				printf fmt, t, cell(val[t, 1]), cell(val[t, 2]), cell(val[t, 3]), "", ""
		}
		m = "MemTotal (KiB)"
		if (val[m, 1] != "")
			printf fmt, "KFENCE (MemTotal drop, KiB)", "-", val[m, 1] - val[m, 2],
				val[m, 1] - val[m, 3], "", ""
	}' "$KS_BENCH/none.1.txt" "$KS_BENCH/upstream.1.txt" "$KS_BENCH/ours.1.txt"
	echo
	echo "guest: arm64 virt, -cpu max -smp 2 -m 1G -icount shift=0,sleep=off;" \
		"$iters ops per test; $rounds boot(s) per kernel"
	echo "host: $(uname -m), $(nproc) CPUs; $(qemu-system-aarch64 --version | head -n1);" \
		"$("$KS_LLVM/clang" --version | head -n1)"
}
table | tee "$KS_BENCH/results.txt"
ks_say "table written to $KS_BENCH/results.txt"
