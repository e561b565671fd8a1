#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make run: show KFENCE catching real heap bugs on a production-style kernel.
#  1. Installs the tools (deps.sh) and unpacks busybox-static:arm64 into
#     $KS_WORK without installing it on the host.
#  2. Under the machine lock: assembles the tree and builds an arm64 kernel
#     from allnoconfig + configs/kernel/run-arm64.config (KFENCE=y at its
#     default sample interval, modules, debugfs, DWARF) in $KS_BUILD/run.
#  3. Builds modules/kfence_demo (harness, not part of the series), which
#     provokes an out-of-bounds read, a use-after-free, a double free and a
#     redzone overwrite.
#  4. Packs busybox, an /init script and the module with the kernel's own
#     usr/gen_init_cpio, boots it in qemu-system-aarch64 (console in
#     $KS_RUN/console.log) and prints every KFENCE report decoded to
#     file:line by decode_stacktrace.sh.
# Fails unless out-of-bounds and use-after-free reports appeared and the VM
# powered off.
set -euo pipefail
. "$(dirname "$0")/../lib/functions.sh"

arch=arm64
out=$KS_BUILD/run
frag=$KS_HARNESS/configs/kernel/run-arm64.config
demo=$KS_RUN/kfence_demo
log=$KS_RUN/console.log
make_k=(make -C "$KS_TREE" O="$out" ARCH="$arch" "${KS_MAKE_OPTS[@]}")

# --- 1. tools -----------------------------------------------------------
ks_lock
"$KS_HARNESS/bin/deps.sh"
mkdir -p "$KS_RUN"
busybox=$(ks_busybox arm64)

# --- 2. kernel ----------------------------------------------------------
"$KS_HARNESS/bin/tree.sh"
ks_say "configuring $out: allnoconfig + ${frag#"$KS_REPO"/}"
ks_kernel_config "$arch" "$frag" "$out" "$KS_TREE"
grep -qx CONFIG_KFENCE_SAMPLE_INTERVAL=100 "$out/.config" ||
	ks_die "CONFIG_KFENCE_SAMPLE_INTERVAL is not the default 100; see $out/.config"
[ -f "$out/vmlinux" ] || ks_need_space "$KS_BUILD_MIB" "building the make run kernel"

# Print warnings and errors, and one progress line per 200 build steps.
progress() {
	awk '/warning:|error:|Error [0-9]/ { print; fflush(); next }
	     /^  [A-Z]/ { if (++n % 200 == 0) { printf "    ... %d steps\n", n; fflush() } }'
}
ks_say "building Image and modules ($arch, LLVM 16, -j$KS_JOBS); log: $out/build.log"
start=$SECONDS
rc=0
"${make_k[@]}" -j"$KS_JOBS" Image modules 2>&1 | tee "$out/build.log" | progress || rc=$?
[ "$rc" = 0 ] || ks_die "kernel build failed; see $out/build.log"
ks_say "kernel built in $((SECONDS - start)) s"

# --- 3. demo module -----------------------------------------------------
ks_say "building kfence_demo.ko"
# 6.12 builds external modules in their source directory: use a copy.
rm -rf "$demo"
cp -r "$KS_HARNESS/modules/kfence_demo" "$demo"
"${make_k[@]}" -s M="$demo" modules
ko=$demo/kfence_demo.ko

# --- 4. initramfs -------------------------------------------------------
cat > "$KS_RUN/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
echo "init: loading kfence_demo.ko"
insmod /kfence_demo.ko
echo "init: /sys/kernel/debug/kfence/stats:"
cat /sys/kernel/debug/kfence/stats
poweroff -f
EOF
ks_initramfs "$out" "$busybox" "$KS_RUN/init" "$ko" "$KS_RUN/initramfs.cpio"

# --- 5. boot, extract and decode reports --------------------------------
ks_say "booting under qemu-system-aarch64 (timeout ${KS_RUN_TIMEOUT:-300} s); console: $log"
start=$SECONDS
set +e
timeout "${KS_RUN_TIMEOUT:-300}" qemu-system-aarch64 -machine virt -cpu max -smp 2 -m 1G \
	-nographic -no-reboot -kernel "$out/arch/$arch/boot/Image" \
	-initrd "$KS_RUN/initramfs.cpio" -append "console=ttyAMA0 panic=-1" \
	</dev/null 2>&1 | tr -d '\r' | tee "$log" | grep --line-buffered -E 'kfence_demo: |BUG: KFENCE'
rc=${PIPESTATUS[0]}	# QEMU's status, whatever grep found
set -e
ks_say "VM exited after $((SECONDS - start)) s (qemu status $rc)"

# A report runs from a '====' line followed by "BUG: KFENCE:" to the next '====' line.
awk '/=============+$/ { if (inrep) { print; inrep = 0 } else held = $0; next }
     /BUG: KFENCE:/ && held != "" { print held; inrep = 1 }
     inrep { print } { held = "" }' "$log" > "$KS_RUN/reports.txt"
ks_say "decoded KFENCE reports ($KS_RUN/reports.txt)"
# Base path "auto": ccache (CCACHE_BASEDIR) records sources as $out/../../tree/...
LLVM=$KS_LLVM/ "$KS_BASE/scripts/decode_stacktrace.sh" "$out/vmlinux" auto "$demo" \
	< "$KS_RUN/reports.txt" | tee "$KS_RUN/reports.decoded.txt"

status=0
for kind in out-of-bounds use-after-free invalid memory; do
	n=$(grep -c "BUG: KFENCE: $kind" "$KS_RUN/reports.txt" || true)
	ks_say "$n '$kind' report(s)"
	if [ "$n" = 0 ] && [[ $kind == out-of-bounds || $kind == use-after-free ]]; then
		echo "error: no $kind report" >&2
		status=1
	fi
done
grep -q 'kfence_demo: done' "$log" || { echo "error: kfence_demo did not finish" >&2; status=1; }
if [ "$rc" != 0 ] || ! grep -q 'reboot: Power down' "$log"; then
	echo "error: the VM did not power off (qemu status $rc); see $log" >&2
	status=1
fi
exit $status
