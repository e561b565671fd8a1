#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install, with apt-get, whatever the harness needs and this machine lacks,
# naming the packages first; and check that the base package is the version
# the series is made for.
set -euo pipefail
. "$(dirname "$0")/../lib/functions.sh"

# command-or-file -> Debian package
need=(
	"$KS_LLVM/clang:clang-16"
	"$KS_LLVM/ld.lld:lld-16"
	"$KS_LLVM/llvm-objcopy:llvm-16"
	"qemu-system-aarch64:qemu-system-arm"
	"qemu-system-x86_64:qemu-system-x86"
	"/usr/share/qemu/qboot.rom:qemu-system-data"
	"make:make" "cc:gcc" "patch:patch" "flex:flex" "bison:bison" "bc:bc"
	"cpio:cpio" "tar:tar" "xz:xz-utils" "flock:util-linux" "timeout:coreutils"
	"awk:gawk" "/usr/include/libelf.h:libelf-dev" "/usr/include/openssl/ssl.h:libssl-dev"
	"ccache:ccache" "python3:python3" "perl:perl" "git:git"
	"depmod:kmod" "pahole:dwarves" "dpkg-deb:dpkg"
)

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo

base_installed=$(dpkg-query -W -f='${Status} ${Version}' "$KS_BASE_PACKAGE" 2>/dev/null |
	sed -n 's/^install ok installed //p' || true)
missing=()
if [ -z "$base_installed" ]; then
	missing+=("$KS_BASE_PACKAGE=$KS_BASE_VERSION")
elif [ "$base_installed" != "$KS_BASE_VERSION" ]; then
	# Replacing an installed package's version is the user's call, not ours.
	ks_die "$KS_BASE_PACKAGE $base_installed is installed, but kmemsafe is made for $KS_BASE_VERSION.
  Install that version with:  $sudo apt-get install $KS_BASE_PACKAGE=$KS_BASE_VERSION
  (or move kmemsafe to another base by changing KS_BASE_VERSION in tools/testing/kmemsafe/lib/functions.sh)"
fi

for entry in "${need[@]}"; do
	what=${entry%%:*}
	pkg=${entry#*:}
	if [[ $what == /* ]]; then
		[ -e "$what" ] && continue
	else
		command -v "$what" >/dev/null 2>&1 && continue
	fi
	missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null || ks_die "missing ${missing[*]} and no apt-get to install them"
ks_say "installing with apt-get: ${missing[*]}"
$sudo apt-get update -qq || ks_die "apt-get update failed"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
	ks_die "apt-get install ${missing[*]} failed (is $KS_BASE_PACKAGE $KS_BASE_VERSION still offered? apt-cache policy $KS_BASE_PACKAGE)"
