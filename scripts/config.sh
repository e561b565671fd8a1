# shellcheck shell=bash
# The one place that decides the facts the harness shares: base version, work
# directories, toolchain and the list of test configurations. Sourced by every
# script under scripts/.

KS_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KS_BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz
KS_BASE_PACKAGE=linux-source-6.12
KS_WORK=${KS_WORK:-/var/tmp/kmemsafe}
KS_BASE=$KS_WORK/base		# pristine upstream, extracted once
KS_TREE=$KS_WORK/tree		# base + removals + our files + patches
KS_BUILD=$KS_WORK/build		# one O= directory per configuration
KS_RUN=$KS_WORK/run		# `make run`: busybox, initramfs, console log
KS_BENCH=$KS_WORK/bench		# `make bench`: initramfs images, console logs, results.txt
KS_LLVM=/usr/lib/llvm-16/bin
export CCACHE_DIR=${CCACHE_DIR:-$KS_WORK/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
# ccache must not hash the absolute source directory, so base and tree share hits.
export CCACHE_BASEDIR=$KS_WORK
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
KS_JOBS=${KS_JOBS:-$(nproc)}

# Make options for every kernel build: LLVM 16, cached.
KS_MAKE_OPTS=(LLVM="$KS_LLVM/" CC="ccache $KS_LLVM/clang" HOSTCC="ccache $KS_LLVM/clang")

# Test configurations: name, arch, required suites, extra boot args. A
# configuration without a kunitconfig of its own boots another one's kernel
# (KS_CFG_KERNEL) with other arguments, and may run only some suites.
# `make test` iterates over this list.
KS_TEST_CONFIGS=(arm64-kfence x86_64-kfence arm64-kfence-late x86_64-kfence-late)
declare -A KS_CFG_ARCH=([arm64-kfence]=arm64 [x86_64-kfence]=x86_64
	[arm64-kfence-late]=arm64 [x86_64-kfence-late]=x86_64)
declare -A KS_CFG_KERNEL=([arm64-kfence-late]=arm64-kfence [x86_64-kfence-late]=x86_64-kfence)
declare -A KS_CFG_SUITES=([arm64-kfence]="kfence kfence_core" [x86_64-kfence]="kfence kfence_core"
	[arm64-kfence-late]="kfence_core" [x86_64-kfence-late]="kfence_core")
# x86_64 boots with a pool size other than the Kconfig default; the -late
# configurations boot with KFENCE off and turn it on from the kfence_core suite.
declare -A KS_CFG_ARGS=([arm64-kfence]="" [x86_64-kfence]="kfence.num_objects=63"
	[arm64-kfence-late]="kfence.sample_interval=0"
	[x86_64-kfence-late]="kfence.sample_interval=0 kfence.num_objects=100")

ks_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
ks_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Serialise tree updates, kernel builds and QEMU runs on this machine: two at
# once would only thrash 2 cores. Held until the calling script exits.
ks_lock() {
	[ -n "${KS_LOCKED:-}" ] && return 0
	mkdir -p "$KS_WORK"
	exec 9>"$KS_WORK/.build.lock"
	if ! flock -n 9; then
		ks_say "waiting for another kmemsafe build on this machine to finish"
		flock 9
	fi
	export KS_LOCKED=1
}

# Print the path of a static arm64 busybox for initramfs images, downloading
# busybox-static:arm64 into $KS_WORK/busybox-arm64 the first time. The package
# is only unpacked there, never installed on the host; dpkg merely learns that
# the arm64 architecture exists.
ks_busybox_arm64() {
	local dir=$KS_WORK/busybox-arm64
	if [ ! -x "$dir/root/bin/busybox" ]; then
		if ! dpkg --print-foreign-architectures | grep -qx arm64; then
			ks_say "dpkg --add-architecture arm64 (to download busybox-static:arm64)"
			dpkg --add-architecture arm64
		fi
		ks_say "downloading busybox-static:arm64 into $dir (not installed on the host)"
		mkdir -p "$dir"
		apt-get update -qq >&2
		rm -rf "$dir"/*.deb "$dir/root"
		(cd "$dir" && apt-get download -q busybox-static:arm64) >&2
		dpkg-deb -x "$dir"/busybox-static_*_arm64.deb "$dir/root"
		[ -x "$dir/root/bin/busybox" ] || ks_die "no bin/busybox in busybox-static:arm64"
	fi
	echo "$dir/root/bin/busybox"
}
