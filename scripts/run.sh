#!/usr/bin/env bash
# `make run`: show KFENCE catching real heap bugs on a production-style kernel.
#  1. Installs the tools (deps.sh) and unpacks busybox-static:arm64 into
#     $KS_RUN without installing it on the host.
#  2. Under ks_lock: assembles the tree and builds an arm64 kernel from
#     allnoconfig + configs/run-arm64.config (KFENCE=y at its default sample
#     interval, modules, debugfs, DWARF) in $KS_BUILD/run.
#  3. Builds samples/kfence/kfence_demo.ko, which provokes an out-of-bounds
#     read, a use-after-free, a double free and a redzone overwrite.
#  4. Packs busybox, an /init script and the module with gen_init_cpio, boots
#     it in qemu-system-aarch64 (console in $KS_RUN/console.log) and prints
#     every KFENCE report decoded to file:line by decode_stacktrace.sh.
# Fails unless out-of-bounds and use-after-free reports appeared and the VM
# powered off.
set -euo pipefail
. "$(dirname "$0")/config.sh"

arch=arm64
out=$KS_BUILD/run
frag=$KS_REPO/configs/run-arm64.config
demo=$KS_TREE/samples/kfence
log=$KS_RUN/console.log
make_k=(make -C "$KS_TREE" O="$out" ARCH="$arch" "${KS_MAKE_OPTS[@]}")

# --- 1. tools -----------------------------------------------------------
"$KS_REPO/scripts/deps.sh"
mkdir -p "$KS_RUN"
busybox=$(find "$KS_RUN/busybox-static" -path "*bin/busybox" -type f 2>/dev/null | head -n1 || true)
if [ -z "$busybox" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx $arch; then
		ks_say "dpkg --add-architecture $arch (to download busybox-static:$arch)"
		dpkg --add-architecture $arch
	fi
	ks_say "downloading busybox-static:$arch into $KS_RUN (not installed on the host)"
	apt-get update -qq
	rm -f "$KS_RUN"/busybox-static_*.deb
	(cd "$KS_RUN" && apt-get download -q busybox-static:$arch)
	dpkg-deb -x "$KS_RUN"/busybox-static_*_$arch.deb "$KS_RUN/busybox-static"
	busybox=$(find "$KS_RUN/busybox-static" -path "*bin/busybox" -type f | head -n1)
	[ -n "$busybox" ] || ks_die "no busybox binary in busybox-static:$arch"
fi
if [ ! -x "$KS_RUN/gen_init_cpio" ]; then
	ks_say "building gen_init_cpio from $KS_BASE/usr/gen_init_cpio.c"
	cc -O2 -o "$KS_RUN/gen_init_cpio" "$KS_BASE/usr/gen_init_cpio.c"
fi

# --- 2. kernel ----------------------------------------------------------
ks_lock
"$KS_REPO/scripts/tree.sh"
mkdir -p "$out"
ks_say "configuring $out: allnoconfig + ${frag#"$KS_REPO"/}"
"${make_k[@]}" -s allnoconfig
(cd "$KS_TREE" && scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "$frag") >/dev/null
"${make_k[@]}" -s olddefconfig
for want in $(grep '^CONFIG_' "$frag") CONFIG_KFENCE_SAMPLE_INTERVAL=100; do
	grep -qx "$want" "$out/.config" || ks_die "$want did not survive olddefconfig; see $out/.config"
done

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
ks_say "building ${demo#"$KS_TREE"/}/kfence_demo.ko"
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
cat > "$KS_RUN/initramfs.list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /bin 0755 0 0
file /bin/busybox $busybox 0755 0 0
file /init $KS_RUN/init 0755 0 0
file /kfence_demo.ko $ko 0644 0 0
EOF
"$KS_RUN/gen_init_cpio" "$KS_RUN/initramfs.list" > "$KS_RUN/initramfs.cpio"

# --- 5. boot, extract and decode reports --------------------------------
ks_say "booting under qemu-system-aarch64 (timeout ${KS_RUN_TIMEOUT:-300} s); console: $log"
start=$SECONDS
rc=0
timeout "${KS_RUN_TIMEOUT:-300}" qemu-system-aarch64 -machine virt -cpu max -smp 2 -m 1G \
	-nographic -no-reboot -kernel "$out/arch/$arch/boot/Image" \
	-initrd "$KS_RUN/initramfs.cpio" -append "console=ttyAMA0 panic=-1" \
	</dev/null 2>&1 | tr -d '\r' | tee "$log" | grep --line-buffered -E 'kfence_demo: |BUG: KFENCE' || rc=${PIPESTATUS[0]}
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
