# kmemsafe harness: assembles the kernel tree (base + our files + patches) in
# $(KS_WORK), outside this repository, then builds, boots, tests and
# benchmarks it. Every fact it uses lives in scripts/config.sh.

SHELL := /bin/bash
export KS_WORK ?= /var/tmp/kmemsafe

.PHONY: help tree test run bench series checkpatch clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

tree: ## assemble base + removals + our files + patches in $(KS_WORK)/tree
	@scripts/tree.sh

test: ## build every test config with LLVM, run KUnit under QEMU, print N passed, M failed, K skipped
	@scripts/test.sh $(CONFIGS)

run: ## boot a production-style arm64 kernel, provoke heap bugs, print decoded KFENCE reports
	@scripts/run.sh

bench: ## instructions per allocation: no KFENCE vs upstream KFENCE vs ours, under QEMU icount
	@scripts/bench.sh

series: ## write a git format-patch series against the base to $(KS_WORK)/series
	@scripts/series.sh

checkpatch: ## scripts/checkpatch.pl --strict on our files and patches
	@scripts/checkpatch.sh

clean: ## remove build directories (keeps the extracted base and ccache)
	rm -rf $(KS_WORK)/build $(KS_WORK)/tree $(KS_WORK)/series
