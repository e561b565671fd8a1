// SPDX-License-Identifier: GPL-2.0
/*
 * Microbenchmark of what KASAN costs the allocators and checked code:
 * kmalloc/kfree pairs, a batch of kmallocs freed afterwards, kmem_cache
 * alloc/free, page allocation, vmalloc/vfree, and a loop that only reads
 * memory. Each test times a loop with ktime_get_ns() and prints nanoseconds
 * per operation; under QEMU with -icount shift=0 the guest clock advances one
 * nanosecond per guest instruction, so the figures are instructions per
 * operation, exact and repeatable. bin/bench-kasan.sh parses the
 * "<test>: <n> insn/op" lines.
 *
 * Built as an external module against the kernel it runs on, the module is
 * instrumented as that kernel is: against a KASAN kernel every load of the
 * read loop is checked.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#ifdef CONFIG_ARM64
#include <asm/arch_timer.h>
#include <linux/sched/clock.h>
#endif

static unsigned int iters = 10000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "operations timed per test but vmalloc (default 10000)");

static unsigned int vmalloc_iters = 4000;
module_param(vmalloc_iters, uint, 0444);
MODULE_PARM_DESC(vmalloc_iters, "vmalloc/vfree pairs timed (default 4000)");

#define BENCH_BATCH		64	/* objects allocated before the first is freed */
#define BENCH_WARMUP		1000	/* untimed operations that fill the per-CPU caches */
#define BENCH_VMALLOC_WARMUP	100
#define BENCH_KMALLOC_SIZE	128
#define BENCH_CACHE_SIZE	192
#define BENCH_VMALLOC_SIZE	SZ_16K
#define BENCH_READ_SIZE		SZ_4K

static struct kmem_cache *bench_cache;
static u64 *bench_buf;
static u64 bench_sink;
static unsigned int bench_failures;

/*
 * Run @loop for @warmup operations untimed, then for @n timed, and print the
 * time per operation the loop says it did.
 */
static void bench_run(const char *test, unsigned int (*loop)(unsigned int n),
		      unsigned int warmup, unsigned int n)
{
	unsigned int ops;
	u64 start, ns, whole;
	u32 frac;

	loop(warmup);
	start = ktime_get_ns();
	ops = loop(n);
	ns = ktime_get_ns() - start;
	whole = div_u64_rem(div64_u64(ns * 100, ops), 100, &frac);
	pr_info("%s: %llu.%02u insn/op\n", test, whole, frac);
}

static unsigned int bench_kmalloc_loop(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *p = kmalloc(BENCH_KMALLOC_SIZE, GFP_KERNEL);

		/* Keep the compiler from pairing up and dropping the calls. */
		OPTIMIZER_HIDE_VAR(p);
		if (unlikely(!p))
			bench_failures++;
		kfree(p);
	}
	return n;
}

/* Allocate BENCH_BATCH objects, then free them all; one op is one pair. */
static unsigned int bench_batch_loop(unsigned int n)
{
	void *objs[BENCH_BATCH];
	unsigned int i, j;

	for (i = 0; i < n / BENCH_BATCH; i++) {
		for (j = 0; j < BENCH_BATCH; j++) {
			objs[j] = kmalloc(BENCH_KMALLOC_SIZE, GFP_KERNEL);
			if (unlikely(!objs[j]))
				bench_failures++;
		}
		for (j = 0; j < BENCH_BATCH; j++)
			kfree(objs[j]);
	}
	return round_down(n, BENCH_BATCH);
}

static unsigned int bench_cache_loop(unsigned int n)
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
	return n;
}

static unsigned int bench_pages_loop(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct page *page = alloc_pages(GFP_KERNEL, 0);

		if (unlikely(!page)) {
			bench_failures++;
			continue;
		}
		__free_pages(page, 0);
	}
	return n;
}

/*
 * vfree() leaves the area to be purged later, in batches: the timed loop is
 * long enough to include a few purges (and, with KASAN, the release of the
 * areas' shadow), as a steady stream of vmallocs would.
 */
static unsigned int bench_vmalloc_loop(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *p = vmalloc(BENCH_VMALLOC_SIZE);

		OPTIMIZER_HIDE_VAR(p);
		if (unlikely(!p))
			bench_failures++;
		vfree(p);
	}
	return n;
}

/*
 * Read the whole buffer 8 bytes at a time; one op is the whole buffer.
 * READ_ONCE() keeps every load, and the sum leaves the module, so that none
 * of the loads (or, with KASAN, their checks) can be dropped.
 */
static unsigned int bench_read_loop(unsigned int n)
{
	const u64 *buf = bench_buf;
	unsigned int i, j;
	u64 sum = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < BENCH_READ_SIZE / sizeof(*buf); j++)
			sum += READ_ONCE(buf[j]);
	}
	WRITE_ONCE(bench_sink, bench_sink + sum);
	return n;
}

/*
 * printk's times count from when sched_clock started, in time_init(); the
 * generic timer's counter counts from reset, through what the kernel did
 * before (memory set-up, and KASAN's shadow). Print where printk's clock
 * starts on the counter's, so that bench-kasan.sh can count a boot from its
 * first instruction.
 */
static void bench_clock_offset(void)
{
#ifdef CONFIG_ARM64
	u64 counter = arch_timer_read_counter();
	u64 clock = local_clock();

	pr_info("printk clock starts at: %llu ns\n",
		mul_u64_u32_div(counter, NSEC_PER_SEC, arch_timer_get_cntfrq()) - clock);
#endif
}

static int __init kasan_bench_init(void)
{
	if (iters < BENCH_BATCH || !vmalloc_iters) {
		pr_err("iters=%u vmalloc_iters=%u: at least %u and 1\n",
		       iters, vmalloc_iters, BENCH_BATCH);
		return -EINVAL;
	}
	/* Its own slabs: what other kmalloc-192 users do must not matter. */
	bench_cache = kmem_cache_create("kasan_bench", BENCH_CACHE_SIZE, 0, SLAB_NO_MERGE, NULL);
	bench_buf = kzalloc(BENCH_READ_SIZE, GFP_KERNEL);
	if (!bench_cache || !bench_buf) {
		pr_err("cannot allocate the cache or the buffer\n");
		kmem_cache_destroy(bench_cache);
		kfree(bench_buf);
		return -ENOMEM;
	}

	pr_info("%u operations per test, %u vmallocs, KASAN %s\n", iters, vmalloc_iters,
		IS_ENABLED(CONFIG_KASAN) ? "on" : "off");
	bench_clock_offset();
	bench_run("kmalloc(128)+kfree", bench_kmalloc_loop, BENCH_WARMUP, iters);
	bench_run("64 kmalloc(128) then 64 kfree, per pair", bench_batch_loop,
		  BENCH_WARMUP, iters);
	bench_run("kmem_cache(192) alloc+free", bench_cache_loop, BENCH_WARMUP, iters);
	bench_run("alloc_pages(0)+__free_pages", bench_pages_loop, BENCH_WARMUP, iters);
	bench_run("vmalloc(16 KiB)+vfree", bench_vmalloc_loop, BENCH_VMALLOC_WARMUP,
		  vmalloc_iters);
	bench_run("read 4 KiB, 8 bytes a load", bench_read_loop, BENCH_WARMUP / 10, iters);

	kfree(bench_buf);
	kmem_cache_destroy(bench_cache);
	if (bench_failures)
		pr_err("%u allocations failed, figures are wrong\n", bench_failures);
	pr_info("done\n");
	return 0;
}

static void __exit kasan_bench_exit(void)
{
}

module_init(kasan_bench_init);
module_exit(kasan_bench_exit);

MODULE_DESCRIPTION("Instructions per allocation and per checked load, for comparing KASAN implementations");
MODULE_LICENSE("GPL");
