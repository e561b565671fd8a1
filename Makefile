# kmemsafe: the harness's front door. It assembles the kernel tree (base +
# removals + our files + patches) in $(KS_WORK), outside this repository, and
# builds, boots, tests and benchmarks it. The scripts live in
# tools/testing/kmemsafe/ (bin/ one per target, lib/ shared facts, configs/
# the kernels and test scenarios); none of it is kernel code.

SHELL := /bin/bash
export KS_WORK ?= /var/tmp/kmemsafe
H := tools/testing/kmemsafe
BENCH_ARCHES ?= arm64 x86_64
BENCH ?= kfence kasan pmalloc

.PHONY: help tree test selftest titles run bench series checkpatch clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

tree: ## assemble base + removals + our files + patches in $(KS_WORK)/tree
	@$(H)/bin/tree.sh

test: ## harness self-tests, then every scenario: build with LLVM, KUnit under QEMU, judge
	@$(H)/bin/test.sh $(CONFIGS)

selftest: ## the harness's own tests only (seconds, no kernel)
	@$(H)/selftests/run.sh

titles: ## build upstream's KFENCE and KASAN, run their kfence and kasan suites: the syzkaller titles make test holds ours to
	@$(H)/bin/titles.sh $(CONFIGS)

run: ## boot a production-style arm64 kernel, provoke heap bugs, print decoded KFENCE reports
	@$(H)/bin/run.sh

bench: ## instructions and memory, QEMU icount: KFENCE and KASAN (none vs upstream vs ours), pmalloc (vs kmalloc, memcpy); BENCH=kfence|kasan|pmalloc for one
	@for b in $(BENCH); do \
		case $$b in \
		kfence) for a in $(BENCH_ARCHES); do $(H)/bin/bench.sh $$a || exit 1; done ;; \
		kasan) $(H)/bin/bench-kasan.sh || exit 1 ;; \
		pmalloc) for a in $(BENCH_ARCHES); do $(H)/bin/bench-pmalloc.sh $$a || exit 1; done ;; \
		*) echo "BENCH=$$b: kfence, kasan or pmalloc" >&2; exit 1 ;; \
		esac; \
	done

series: ## write the git format-patch series to $(KS_WORK)/series, check it builds and applies
	@$(H)/bin/series.sh

checkpatch: ## scripts/checkpatch.pl --strict on our kernel files and patches
	@$(H)/bin/checkpatch.sh

clean: ## remove build directories, the tree and the series (keeps the base and ccache)
	@$(H)/bin/clean.sh
