// SPDX-License-Identifier: GPL-2.0
/*
 * Microbenchmark of the slab fast paths that KFENCE hooks: kmalloc/kfree and
 * kmem_cache_alloc/free pairs, batches of allocations freed afterwards, on one
 * CPU and on all CPUs at once. Each test times a loop with ktime_get_ns() and
 * prints nanoseconds per operation; under QEMU with -icount shift=0 the guest
 * clock advances one nanosecond per guest instruction, so the figures are
 * instructions per operation, exact and repeatable. bin/bench.sh parses
 * the "<test>: <n> insn/op" lines.
 *
 * The loops are meant to run with sampling so rare that none of them meets a
 * sample (bench.sh boots with a sample interval of a day and checks KFENCE's
 * allocation count before and after), so they measure the gate alone. With
 * sampled=N the module instead waits for N sampled kmalloc(128) allocations
 * and prints what one sampled allocation and its free cost.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/kfence.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

static unsigned int iters = 100000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "operations timed per test (default 100000)");

static unsigned int sampled;
module_param(sampled, uint, 0444);
MODULE_PARM_DESC(sampled, "instead of the loops, time this many sampled allocations");

#define BENCH_BATCH	64	/* objects allocated before the first is freed */
#define BENCH_WARMUP	1000	/* untimed operations that fill the per-CPU slabs */
#define BENCH_CACHE_SIZE 64

static struct kmem_cache *bench_cache;
static unsigned int bench_failures;

static void bench_report(const char *test, u64 ns, u64 ops)
{
	u32 frac;
	u64 whole = div_u64_rem(div64_u64(ns * 100, ops), 100, &frac);

	pr_info("%s: %llu.%02u insn/op\n", test, whole, frac);
}

/*
 * The loops are always inlined into callers that pass a constant size, so
 * kmalloc() takes the same constant-size path as most callers in the kernel.
 */
static __always_inline void bench_kmalloc_loop(size_t size, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *p = kmalloc(size, GFP_KERNEL);

		/* Keep the compiler from pairing up and dropping the calls. */
		OPTIMIZER_HIDE_VAR(p);
		if (unlikely(!p))
			bench_failures++;
		kfree(p);
	}
}

static __always_inline u64 bench_kmalloc(size_t size)
{
	u64 start;

	bench_kmalloc_loop(size, BENCH_WARMUP);
	start = ktime_get_ns();
	bench_kmalloc_loop(size, iters);
	return ktime_get_ns() - start;
}

static void bench_cache_loop(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *p = kmem_cache_alloc(bench_cache, GFP_KERNEL);

		OPTIMIZER_HIDE_VAR(p);
		if (unlikely(!p)) {
			bench_failures++;
			continue;
		}
		kmem_cache_free(bench_cache, p);
	}
}

static u64 bench_cache_pair(void)
{
	u64 start;

	bench_cache_loop(BENCH_WARMUP);
	start = ktime_get_ns();
	bench_cache_loop(iters);
	return ktime_get_ns() - start;
}

/*
 * Allocate BENCH_BATCH objects, then free them all; @n counts objects. Always
 * inlined with a constant @use_cache, so each variant has only its own calls.
 */
static __always_inline void bench_batch_loop(bool use_cache, unsigned int n)
{
	void *objs[BENCH_BATCH];
	unsigned int i, j;

	for (i = 0; i < n / BENCH_BATCH; i++) {
		for (j = 0; j < BENCH_BATCH; j++) {
			if (use_cache)
				objs[j] = kmem_cache_alloc(bench_cache, GFP_KERNEL);
			else
				objs[j] = kmalloc(128, GFP_KERNEL);
			if (unlikely(!objs[j]))
				bench_failures++;
		}
		for (j = 0; j < BENCH_BATCH; j++) {
			if (!use_cache)
				kfree(objs[j]);
			else if (likely(objs[j]))
				kmem_cache_free(bench_cache, objs[j]);
		}
	}
}

static __always_inline u64 bench_batch(bool use_cache, u64 *ops)
{
	u64 start;

	*ops = round_down(iters, BENCH_BATCH);
	bench_batch_loop(use_cache, BENCH_WARMUP);
	start = ktime_get_ns();
	bench_batch_loop(use_cache, iters);
	return ktime_get_ns() - start;
}

/* ---- all CPUs at once ------------------------------------------------- */

struct bench_smp {
	struct completion start;
	struct completion done;
	atomic_t running;
};

/*
 * The threads sleep, rather than spin, until they start and after they
 * finish: a spinning CPU executes instructions, and under icount every guest
 * instruction on any CPU advances the clock that times the test.
 */
static int bench_smp_thread(void *arg)
{
	struct bench_smp *smp = arg;

	bench_kmalloc_loop(128, BENCH_WARMUP);
	if (atomic_dec_and_test(&smp->running))
		complete(&smp->done);
	wait_for_completion(&smp->start);

	bench_kmalloc_loop(128, iters);
	if (atomic_dec_and_test(&smp->running))
		complete(&smp->done);

	/* Stay around until kthread_stop(), which needs the task. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/*
 * Run the kmalloc(128) loop on every online CPU concurrently. The guest clock
 * counts the instructions of all CPUs, so the elapsed time divided by all the
 * operations is instructions per operation, as on one CPU.
 */
static int bench_smp(u64 *ns, u64 *ops)
{
	struct task_struct **threads;
	struct bench_smp smp;
	unsigned int cpu, n = 0;
	int ret = 0;
	u64 start;

	threads = kcalloc(nr_cpu_ids, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;
	init_completion(&smp.start);
	init_completion(&smp.done);

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		threads[cpu] = kthread_create_on_cpu(bench_smp_thread, &smp, cpu,
						     "kfence_bench/%u");
		if (IS_ERR(threads[cpu])) {
			ret = PTR_ERR(threads[cpu]);
			threads[cpu] = NULL;
			goto out;
		}
		n++;
	}
	atomic_set(&smp.running, n);
	for_each_online_cpu(cpu)
		wake_up_process(threads[cpu]);

	/* Warm-up done everywhere: start the timed loops together. */
	wait_for_completion(&smp.done);
	reinit_completion(&smp.done);
	atomic_set(&smp.running, n);
	start = ktime_get_ns();
	complete_all(&smp.start);
	wait_for_completion(&smp.done);
	*ns = ktime_get_ns() - start;
	*ops = (u64)n * iters;

out:
	/* A thread never woken up exits without running bench_smp_thread(). */
	for_each_online_cpu(cpu) {
		if (threads[cpu])
			kthread_stop(threads[cpu]);
	}
	cpus_read_unlock();
	kfree(threads);
	return ret;
}

/* ---- one sampled allocation --------------------------------------------- */

/*
 * Allocate and free kmalloc(128) objects one at a time, timing each call,
 * until @sampled of them came from the KFENCE pool; print the mean cost of a
 * sampled allocation and of its free, and of an unsampled pair for scale.
 * The clock read itself is measured and subtracted. Gives up after
 * BENCH_SAMPLE_TRIES allocations without a sample.
 */
#define BENCH_SAMPLE_TRIES	50000000u

static int bench_sampled(void)
{
	u64 clock = U64_MAX, alloc_ns = 0, free_ns = 0, pair_ns = 0, pairs = 0;
	unsigned int i, got = 0;

	for (i = 0; i < 64; i++) {
		u64 t0 = ktime_get_ns();

		clock = min(clock, ktime_get_ns() - t0);
	}
	for (i = 0; i < BENCH_SAMPLE_TRIES && got < sampled; i++) {
		u64 t0, t1, t2;
		void *p;

		/*
		 * Outside the timed window: on one CPU without preemption the
		 * worker that opens KFENCE's gate runs only if this loop yields.
		 */
		if (!(i % 256))
			cond_resched();
		t0 = ktime_get_ns();
		p = kmalloc(128, GFP_KERNEL);
		t1 = ktime_get_ns();
		if (unlikely(!p)) {
			bench_failures++;
			continue;
		}
		if (!is_kfence_address(p)) {
			kfree(p);
			/* Two clock reads inside the interval: t1's and the last. */
			pair_ns += ktime_get_ns() - t0 - 2 * clock;
			pairs++;
			continue;
		}
		t2 = ktime_get_ns();
		kfree(p);
		free_ns += ktime_get_ns() - t2 - clock;
		alloc_ns += t1 - t0 - clock;
		got++;
	}
	if (got < sampled) {
		pr_err("sampled: only %u of %u allocations sampled, cannot measure\n",
		       got, sampled);
		return -ETIMEDOUT;
	}
	bench_report("sampled kmalloc-128 alloc", alloc_ns, got);
	bench_report("sampled kmalloc-128 free", free_ns, got);
	bench_report("unsampled kmalloc-128 pair, timed alone", pair_ns, pairs);
	return 0;
}

/* ---- module ------------------------------------------------------------ */

static int __init kfence_bench_init(void)
{
	u64 ns, ops;
	int ret;

	if (iters < BENCH_BATCH) {
		pr_err("iters=%u: at least %u\n", iters, BENCH_BATCH);
		return -EINVAL;
	}
	if (sampled) {
		ret = bench_sampled();
		if (!ret)
			pr_info("done\n");
		return ret;
	}
	bench_cache = kmem_cache_create("kfence_bench", BENCH_CACHE_SIZE, 0, 0, NULL);
	if (!bench_cache)
		return -ENOMEM;

	pr_info("%u operations per test, %u online CPUs\n", iters, num_online_cpus());
	bench_report("kmalloc-32 pair", bench_kmalloc(32), iters);
	bench_report("kmalloc-128 pair", bench_kmalloc(128), iters);
	bench_report("kmalloc-512 pair", bench_kmalloc(512), iters);
	bench_report("kmalloc-4096 pair", bench_kmalloc(4096), iters);
	bench_report("kmem_cache-64 pair", bench_cache_pair(), iters);
	ns = bench_batch(false, &ops);
	bench_report("kmalloc-128 batch of 64", ns, ops);
	ns = bench_batch(true, &ops);
	bench_report("kmem_cache-64 batch of 64", ns, ops);

	ret = bench_smp(&ns, &ops);
	if (ret)
		pr_err("all-CPU test: cannot start threads (%d)\n", ret);
	else
		bench_report("kmalloc-128 pair, all CPUs", ns, ops);

	kmem_cache_destroy(bench_cache);
	if (bench_failures)
		pr_err("%u allocations failed, figures are wrong\n", bench_failures);
	pr_info("done\n");
	return 0;
}

static void __exit kfence_bench_exit(void)
{
}

module_init(kfence_bench_init);
module_exit(kfence_bench_exit);

MODULE_DESCRIPTION("Instructions per slab allocation, for comparing KFENCE implementations");
MODULE_LICENSE("GPL");
