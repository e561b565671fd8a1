#!/usr/bin/env bash
# Install, with apt-get, whatever the harness needs and this machine lacks.
set -euo pipefail
. "$(dirname "$0")/config.sh"

# command-or-file -> Debian package
need=(
	"$KS_BASE_TARBALL:$KS_BASE_PACKAGE"
	"$KS_LLVM/clang:clang-16"
	"$KS_LLVM/ld.lld:lld-16"
	"$KS_LLVM/llvm-objcopy:llvm-16"
	"qemu-system-aarch64:qemu-system-arm"
	"qemu-system-x86_64:qemu-system-x86"
	"/usr/share/qemu/qboot.rom:qemu-system-data"
	"flex:flex" "bison:bison" "bc:bc" "cpio:cpio" "rsync:rsync"
	"/usr/include/libelf.h:libelf-dev" "/usr/include/openssl/ssl.h:libssl-dev"
	"ccache:ccache" "python3:python3" "perl:perl" "git:git" "xz:xz-utils"
	"depmod:kmod" "pahole:dwarves"
)

missing=()
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
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
ks_say "installing with apt-get: ${missing[*]}"
$sudo apt-get update -qq || ks_die "apt-get update failed"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
	|| ks_die "apt-get install ${missing[*]} failed"
