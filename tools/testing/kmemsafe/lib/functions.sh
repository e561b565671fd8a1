# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared facts and helpers of the kmemsafe harness, sourced by every script in
# tools/testing/kmemsafe/bin/: the pinned base, the work directories, the
# toolchain, the machine-wide lock. The test matrix is data, in configs/test/.

KS_HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KS_REPO=$(cd "$KS_HARNESS/../../.." && pwd)

# The base the series is made for. deps.sh installs exactly this version of
# the package; the extracted base records it and is re-extracted on change.
KS_BASE_PACKAGE=linux-source-6.12
KS_BASE_VERSION=6.12.117-1~deb12u1
KS_BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz

KS_WORK=${KS_WORK-/var/tmp/kmemsafe}	# set but empty is refused below
KS_BASE=$KS_WORK/base		# pristine upstream, extracted once per base version
KS_TREE=$KS_WORK/tree		# base - removed-files + our files + patches
KS_BUILD=$KS_WORK/build		# one O= directory per kernel
KS_RUN=$KS_WORK/run		# `make run`: initramfs, console log, reports
KS_BENCH=$KS_WORK/bench		# `make bench`: initramfs images, console logs, results.txt
KS_LLVM=/usr/lib/llvm-16/bin
# One lock for the whole machine, whatever KS_WORK is: two kernel builds at
# once only thrash 2 cores.
KS_LOCK=${KS_LOCK:-/var/tmp/kmemsafe.machine.lock}
export CCACHE_DIR=${CCACHE_DIR:-$KS_WORK/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
# ccache must not hash the absolute source directory, so base and tree share hits.
export CCACHE_BASEDIR=$KS_WORK
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
KS_JOBS=${KS_JOBS:-$(nproc)}
# kunit.py would leave __pycache__ directories in the tree, which then
# differs from what the series produces.
export PYTHONDONTWRITEBYTECODE=1

# Make options for every kernel build: LLVM 16, cached.
KS_MAKE_OPTS=(LLVM="$KS_LLVM/" CC="ccache $KS_LLVM/clang" HOSTCC="ccache $KS_LLVM/clang")

# Free space (MiB) a cold kernel build needs in $KS_WORK, measured: an arm64
# or x86_64 test kernel's O= directory is about 1.3 GiB, its ccache share
# about 0.4 GiB.
KS_BUILD_MIB=2500
# ... and extracting the base plus copying it into the tree (1.7 GiB each).
KS_BASE_MIB=4000

ks_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
ks_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# KS_WORK is removed and rewritten wholesale: it must be an absolute path
# that is not / (an empty or relative value would point into the caller's
# directory).
ks_check_work() {
	case $KS_WORK in
	"") ks_die "KS_WORK is empty: give an absolute path or leave it unset for /var/tmp/kmemsafe" ;;
	/) ks_die "KS_WORK=/ is not a work directory" ;;
	/*) ;;
	*) ks_die "KS_WORK must be an absolute path (got '${KS_WORK}')" ;;
	esac
}
ks_check_work

# Serialise tree updates, kernel builds and QEMU runs on this machine. Held
# on fd 9 until the calling script exits; child scripts inherit fd 9, and
# with it the lock, which is what they check (not an environment variable
# that could be stale).
ks_lock() {
	[ -e /proc/$$/fd/9 ] && [ /proc/$$/fd/9 -ef "$KS_LOCK" ] && return 0
	mkdir -p "$KS_WORK"
	exec 9>>"$KS_LOCK"
	if ! flock -n 9; then
		ks_say "waiting for another kmemsafe build on this machine to finish ($KS_LOCK)"
		flock 9
	fi
}

# ks_base: the pinned base, pristine, in $KS_BASE: install what the harness
# needs (deps.sh), then extract the base once per pinned version. Call with
# the lock held.
ks_base() {
	local stamp="$KS_BASE_PACKAGE $KS_BASE_VERSION"

	"$KS_HARNESS/bin/deps.sh"
	[ "$(cat "$KS_BASE/.kmemsafe-base" 2>/dev/null)" = "$stamp" ] && return 0
	ks_need_space "$KS_BASE_MIB" "extracting the base"
	ks_say "extracting $KS_BASE_TARBALL ($stamp) into $KS_BASE"
	# Everything made from an older base goes with it: a build directory
	# would keep objects newer than the new sources.
	rm -rf "$KS_BASE" "$KS_WORK/base.tmp" "$KS_TREE" "$KS_BUILD" "$KS_WORK/series-check"
	mkdir -p "$KS_WORK/base.tmp"
	tar -xJf "$KS_BASE_TARBALL" -C "$KS_WORK/base.tmp" --strip-components=1
	echo "$stamp" > "$KS_WORK/base.tmp/.kmemsafe-base"
	mv "$KS_WORK/base.tmp" "$KS_BASE"
}

# ks_need_space MIB WHAT: fail clearly unless $KS_WORK has MIB MiB free.
ks_need_space() {
	local avail
	mkdir -p "$KS_WORK"
	avail=$(df --output=avail -BM "$KS_WORK" | tail -n 1 | tr -dc 0-9)
	[ "$avail" -ge "$1" ] ||
		ks_die "$2 needs about $1 MiB free in $KS_WORK, only $avail MiB are (set KS_WORK= to use another disk)"
}

# ks_kernel_config ARCH FRAGMENT OUT SRC: allnoconfig + FRAGMENT into OUT, and
# fail if an option of FRAGMENT did not survive olddefconfig.
ks_kernel_config() {
	local arch=$1 frag=$2 out=$3 src=$4 want
	local make_k=(make -C "$src" O="$out" ARCH="$arch" "${KS_MAKE_OPTS[@]}")

	mkdir -p "$out"
	"${make_k[@]}" -s allnoconfig
	(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "$frag") >/dev/null
	"${make_k[@]}" -s olddefconfig
	for want in $(grep '^CONFIG_' "$frag"); do
		grep -qx "$want" "$out/.config" || ks_die "$want did not survive olddefconfig; see $out/.config"
	done
	for want in $(sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1/p' "$frag"); do
		grep -q "^$want=" "$out/.config" && ks_die "$want is set although $frag unsets it"
	done
	return 0
}

# ks_initramfs BUILD BUSYBOX INIT MODULE CPIO: pack busybox, an /init script
# and one module (as /<its name>) into CPIO with BUILD's usr/gen_init_cpio,
# the kernel's own packer; the list it read is kept beside CPIO.
ks_initramfs() {
	local build=$1 busybox=$2 init=$3 module=$4 cpio=$5
	cat > "${cpio%.cpio}.list" <<-EOF
		dir /dev 0755 0 0
		nod /dev/console 0600 0 0 c 5 1
		dir /proc 0755 0 0
		dir /sys 0755 0 0
		dir /bin 0755 0 0
		file /bin/busybox $busybox 0755 0 0
		file /init $init 0755 0 0
		file /$(basename "$module") $module 0644 0 0
	EOF
	"$build/usr/gen_init_cpio" "${cpio%.cpio}.list" > "$cpio"
}

# ks_busybox ARCH: print the path of a static busybox for ARCH's initramfs
# images (arm64 or x86_64), downloading Debian's busybox-static for it into
# $KS_WORK/busybox-ARCH the first time. The package is only unpacked there,
# never installed. For a foreign architecture apt must know it, which
# changes the host's dpkg set-up: say so, then do it.
ks_busybox() {
	local arch=$1 dir=$KS_WORK/busybox-$1 deb host sudo=
	case $arch in
	arm64) deb=arm64 ;;
	x86_64) deb=amd64 ;;
	*) ks_die "no busybox for $arch" ;;
	esac
	host=$(dpkg --print-architecture)
	[ "$(id -u)" = 0 ] || sudo=sudo
	if [ ! -x "$dir/root/bin/busybox" ]; then
		if [ "$deb" != "$host" ] && ! dpkg --print-foreign-architectures | grep -qx "$deb"; then
			ks_say "changing this host's apt set-up: dpkg --add-architecture $deb" \
				"(needed to download busybox-static:$deb; undo with dpkg --remove-architecture $deb)"
			$sudo dpkg --add-architecture "$deb" || ks_die "dpkg --add-architecture $deb failed"
			$sudo apt-get update -qq >&2 || ks_die "apt-get update failed"
		fi
		ks_say "downloading busybox-static:$deb into $dir (not installed on the host)"
		mkdir -p "$dir"
		rm -rf "$dir"/*.deb "$dir/root"
		(cd "$dir" && apt-get download -q "busybox-static:$deb") >&2 ||
			ks_die "apt-get download busybox-static:$deb failed"
		dpkg-deb -x "$dir"/busybox-static_*_"$deb".deb "$dir/root" || ks_die "cannot unpack busybox-static"
		[ -x "$dir/root/bin/busybox" ] || ks_die "no bin/busybox in busybox-static:$deb"
	fi
	echo "$dir/root/bin/busybox"
}

# --- make bench (bin/bench.sh, bin/bench-kasan.sh) ----------------------

# ks_bench_guest ARCH: the QEMU guest the benches boot, in KS_QEMU (the
# command and its options), KS_CONSOLE and KS_IMAGE (the kernel image, in
# its build directory). Under -icount shift=0,sleep=off the guest clock
# advances 1 ns per guest instruction.
ks_bench_guest() {
	case $1 in
	arm64)
		KS_QEMU=(qemu-system-aarch64 -machine virt -cpu max)
		KS_CONSOLE=ttyAMA0
		KS_IMAGE=arch/arm64/boot/Image ;;
	x86_64)
		KS_QEMU=(qemu-system-x86_64 -machine pc -cpu max)
		KS_CONSOLE=ttyS0
		KS_IMAGE=arch/x86/boot/bzImage ;;
	*)
		ks_die "make bench measures arm64 or x86_64, not '$1'" ;;
	esac
	# One vCPU: under icount the guest clock counts the instructions of
	# every vCPU, so with two a loop timed on one CPU was charged with what
	# the other ran meanwhile (arm64 kmalloc-512 +3.2 per pair over no
	# KFENCE with two vCPUs, +1.9 with one); and two x86_64 vCPUs do not
	# boot the same way twice (memory at init moves by a megabyte, loops by
	# an instruction).
	KS_QEMU+=(-smp 1 -m 1G -nographic -no-reboot -icount "shift=0,sleep=off" -seed 1)
}

# ks_bench_init FILE: write a bench /init to FILE: mount what the benches
# read, define mem() (prints "bench: WHEN MemTotal|MemFree|Slab: N kB"),
# then the commands read from stdin, then "bench: end" and power off.
ks_bench_init() {
	{
		cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mem() {
	for k in MemTotal MemFree Slab; do
		echo "bench: $1 $k: $(sed -n "s/^$k: *\([0-9]*\) kB/\1/p" /proc/meminfo) kB"
	done
}
EOF
		cat
		cat <<'EOF'
echo "bench: end"
# -no-reboot makes QEMU exit on reboot; an x86 kernel without ACPI cannot power off.
reboot -f
EOF
	} > "$1"
}

# ks_bench_configure TAG ARCH SRC OUT LINES: configure OUT from SRC with
# allnoconfig + configs/kernel/bench-ARCH.config + LINES (kept in
# OUT/bench.config).
ks_bench_configure() {
	local tag=$1 arch=$2 src=$3 out=$4 lines=$5
	mkdir -p "$out"
	{
		cat "$KS_HARNESS/configs/kernel/bench-$arch.config"
		echo "$lines"
	} > "$out/bench.config"
	ks_say "[$tag] configuring $out from $src: allnoconfig + bench.config"
	ks_kernel_config "$arch" "$out/bench.config" "$out" "$src"
}

# ks_bench_build TAG ARCH SRC OUT MODULE WORK INIT BUSYBOX: build the kernel
# configured in OUT (its $KS_IMAGE and modules), the bench module in directory
# MODULE against it as an external module, and WORK/initramfs.cpio holding
# busybox, INIT and the module.
ks_bench_build() {
	local tag=$1 arch=$2 src=$3 out=$4 module=$5 work=$6 init=$7 busybox=$8
	local name start rc=0
	local make_k=(make -C "$src" O="$out" ARCH="$arch" "${KS_MAKE_OPTS[@]}")

	name=$(basename "$module")
	[ -f "$out/vmlinux" ] || ks_need_space "$KS_BUILD_MIB" "building the $tag bench kernel"
	ks_say "[$tag] building $(basename "$KS_IMAGE") and modules ($arch, LLVM 16, -j$KS_JOBS); log: $out/build.log"
	start=$SECONDS
	"${make_k[@]}" -j"$KS_JOBS" "$(basename "$KS_IMAGE")" modules > "$out/build.log" 2>&1 || rc=$?
	grep -E 'warning:|error:' "$out/build.log" || true
	[ "$rc" = 0 ] || ks_die "[$tag] kernel build failed; see $out/build.log"
	ks_say "[$tag] kernel built in $((SECONDS - start)) s"

	# 6.12 builds external modules in their source directory: use a copy.
	mkdir -p "$work"
	rm -rf "${work:?}/$name"
	cp -r "$module" "$work/$name"
	"${make_k[@]}" -s M="$work/$name" modules

	ks_initramfs "$out" "$busybox" "$init" "$work/$name/$name.ko" "$work/initramfs.cpio"
}

# ks_bench_boot TAG LOG TIMEOUT OUT CPIO APPEND: boot OUT's kernel with CPIO
# and the command line APPEND in the KS_QEMU guest, at most TIMEOUT
# seconds; the console goes to LOG, without carriage returns. Fails unless
# /init got to its end.
ks_bench_boot() {
	local tag=$1 log=$2 timeout=$3 out=$4 cpio=$5 append=$6 rc=0

	timeout "$timeout" "${KS_QEMU[@]}" -kernel "$out/$KS_IMAGE" -initrd "$cpio" -append "$append" \
		</dev/null > "$log" 2>&1 || rc=$?
	tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"
	grep -q '^bench: end' "$log" || ks_die "[$tag] boot did not finish (qemu status $rc); see $log"
}
