#!/usr/bin/env bash
# Build every test configuration with LLVM, run its KUnit suites under QEMU via
# the base tree's kunit.py, and print per-suite results and one summary line.
# Usage: test.sh [config...]   (default: every config in config.sh)
set -euo pipefail
. "$(dirname "$0")/config.sh"

ks_lock
"$KS_REPO/scripts/tree.sh"
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=("${KS_TEST_CONFIGS[@]}")

results=()
status=0
for cfg in "${configs[@]}"; do
	arch=${KS_CFG_ARCH[$cfg]:-}
	[ -n "$arch" ] || ks_die "unknown test config '$cfg' (known: ${KS_TEST_CONFIGS[*]})"
	kernel=${KS_CFG_KERNEL[$cfg]:-$cfg}
	out=$KS_BUILD/$kernel
	mkdir -p "$out"
	json=$out/results-$cfg.json
	rm -f "$json"
	args=()
	for a in ${KS_CFG_ARGS[$cfg]:-}; do args+=("--kernel_args=$a"); done
	if [ "$kernel" != "$cfg" ]; then
		args+=("$(echo "${KS_CFG_SUITES[$cfg]}" | sed 's/ /,/g; s/\([^,]*\)/\1.*/g')")
	fi
	ks_say "[$cfg] building ($arch, LLVM 16) and running KUnit under QEMU; log: $out/kunit-$cfg.log"
	set +e
	(cd "$KS_TREE" && python3 tools/testing/kunit/kunit.py run \
		--arch="$arch" --build_dir="$out" \
		--kunitconfig="$KS_REPO/configs/$kernel.config" \
		"${KS_MAKE_OPTS[@]/#/--make_options=}" \
		--jobs="$KS_JOBS" --timeout=1200 \
		--qemu_args="-smp 2" \
		--json="$json" "${args[@]}") 2>&1 | tee "$out/kunit-$cfg.log" | \
		grep --line-buffered -E '^\[..:..:..\] (Building|Starting|Testing complete|=+ |.*(PASSED|FAILED|SKIPPED|CRASHED)|.*ERROR)|error:|Error' || true
	rc=${PIPESTATUS[0]}
	set -e
	results+=("$cfg:$json:$rc")
done

python3 "$KS_REPO/scripts/summarize.py" "${results[@]}" || status=$?
exit $status
