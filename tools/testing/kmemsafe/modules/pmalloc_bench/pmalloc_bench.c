// SPDX-License-Identifier: GPL-2.0
/*
 * What pmalloc costs against what it replaces: allocating small objects from
 * a pool against kmalloc, the bytes a realistic mix of sizes wastes in each,
 * sealing pools of 1, 16 and 256 pages, and a write-rare update against a
 * plain memcpy. Timed with ktime_get_ns(): under QEMU -icount shift=0 one
 * nanosecond is one guest instruction. bin/bench-pmalloc.sh parses the
 * "<figure>: <n> <unit>" lines.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pmalloc.h>
#include <linux/slab.h>
#include <linux/string.h>

static unsigned int iters = 10000;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "objects allocated per allocation test (default 10000)");

#define BENCH_OBJ	64	/* a small object: a rule, a digest, an ops table */
#define BENCH_SEALS	10	/* pools sealed per size */
#define BENCH_WR	1000	/* write-rare updates timed */

static unsigned int bench_failures;

static void bench_print(const char *figure, u64 ns, unsigned int ops)
{
	u32 frac;
	u64 whole = div_u64_rem(div64_u64(ns * 100, ops), 100, &frac);

	pr_info("%s: %llu.%02u insn/op\n", figure, whole, frac);
}

/* n objects of BENCH_OBJ bytes from one new pool; the pool's set-up untimed. */
static void bench_pmalloc_small(void)
{
	struct pmalloc_pool *pool = pmalloc_create_pool("bench-small");
	unsigned int i;
	u64 start;

	if (!pool) {
		bench_failures++;
		return;
	}
	start = ktime_get_ns();
	for (i = 0; i < iters; i++) {
		void *p = pmalloc(pool, BENCH_OBJ);

		OPTIMIZER_HIDE_VAR(p);
		if (unlikely(!p))
			bench_failures++;
	}
	bench_print("pmalloc(64), per object", ktime_get_ns() - start, iters);
	pmalloc_destroy_pool(pool);
}

static void bench_kmalloc_small(bool report)
{
	void **objs = kvcalloc(iters, sizeof(*objs), GFP_KERNEL);
	unsigned int i;
	u64 start;

	if (!objs) {
		bench_failures++;
		return;
	}
	start = ktime_get_ns();
	for (i = 0; i < iters; i++) {
		objs[i] = kmalloc(BENCH_OBJ, GFP_KERNEL);
		if (unlikely(!objs[i]))
			bench_failures++;
	}
	if (report)
		bench_print("kmalloc(64), per object", ktime_get_ns() - start, iters);
	for (i = 0; i < iters; i++)
		kfree(objs[i]);
	kvfree(objs);
}

/*
 * A policy-like mix: many small rules, some strings, a few tables. Waste is
 * what the allocator holds beyond what was asked for: for pmalloc the
 * pool's pages minus the requested bytes, for kmalloc ksize() minus them.
 */
static const size_t bench_mix[] = { 24, 40, 40, 56, 64, 64, 96, 128, 200, 256, 512, 1000 };

static void bench_waste(void)
{
	struct pmalloc_pool *pool = pmalloc_create_pool("bench-mix");
	unsigned int n = ARRAY_SIZE(bench_mix) * 100, i;
	size_t asked = 0, slab = 0;
	void **objs = kvcalloc(n, sizeof(*objs), GFP_KERNEL);
	unsigned long pages;

	if (!pool || !objs) {
		bench_failures++;
		pmalloc_destroy_pool(pool);
		kvfree(objs);
		return;
	}
	for (i = 0; i < n; i++) {
		size_t size = bench_mix[i % ARRAY_SIZE(bench_mix)];

		asked += size;
		if (!pmalloc(pool, size))
			bench_failures++;
		objs[i] = kmalloc(size, GFP_KERNEL);
		if (objs[i])
			slab += ksize(objs[i]);
		else
			bench_failures++;
	}
	pages = pmalloc_pool_pages(pool);
	pr_info("mix of %u objects, bytes asked for: %zu B\n", n, asked);
	pr_info("mix, pmalloc pool pages: %lu pages\n", pages);
	pr_info("mix, pmalloc bytes wasted: %zu B\n", pages * PAGE_SIZE - asked);
	pr_info("mix, kmalloc bytes wasted: %zu B\n", slab - asked);
	for (i = 0; i < n; i++)
		kfree(objs[i]);
	kvfree(objs);
	pmalloc_destroy_pool(pool);
}

/* Seal a pool of @pages pages (its first page included); only the seal timed. */
static void bench_seal(unsigned int pages)
{
	char figure[48];
	u64 ns = 0;
	int r;

	for (r = 0; r < BENCH_SEALS; r++) {
		struct pmalloc_pool *pool = pmalloc_create_pool("bench-seal");
		u64 start;

		if (!pool) {
			bench_failures++;
			return;
		}
		/* One more area of pages - 1 pages; its header takes under 64 bytes. */
		if (pages > 1 && !pmalloc(pool, (pages - 1) * PAGE_SIZE - 64))
			bench_failures++;
		if (pmalloc_pool_pages(pool) != pages)
			bench_failures++;
		start = ktime_get_ns();
		if (pmalloc_seal(pool))
			bench_failures++;
		ns += ktime_get_ns() - start;
		pmalloc_destroy_pool(pool);
	}
	snprintf(figure, sizeof(figure), "seal a pool of %u pages", pages);
	bench_print(figure, ns, BENCH_SEALS);
}

/* An 8-byte update of sealed memory, against a memcpy into writable memory. */
static void bench_write_rare(void)
{
	struct pmalloc_pool *pool = pmalloc_create_pool("bench-wr");
	u64 *sealed = pool ? pzalloc(pool, 64) : NULL;
	u64 *plain = kzalloc(64, GFP_KERNEL);
	u64 start, v;
	int i;

	if (!sealed || !plain || pmalloc_seal(pool)) {
		bench_failures++;
		goto out;
	}
	start = ktime_get_ns();
	for (i = 0; i < BENCH_WR; i++) {
		v = i;
		if (pmalloc_wr_memcpy(pool, &sealed[3], &v, sizeof(v)))
			bench_failures++;
	}
	bench_print("write-rare 8 bytes", ktime_get_ns() - start, BENCH_WR);
	if (READ_ONCE(sealed[3]) != BENCH_WR - 1)
		bench_failures++;
	start = ktime_get_ns();
	for (i = 0; i < BENCH_WR; i++) {
		v = i;
		memcpy(&plain[3], &v, sizeof(v));
		/* The copy must happen each time, as the update does. */
		barrier();
	}
	bench_print("memcpy 8 bytes", ktime_get_ns() - start, BENCH_WR);
out:
	kfree(plain);
	pmalloc_destroy_pool(pool);
}

static int __init pmalloc_bench_init(void)
{
	if (!iters) {
		pr_err("iters=0: at least 1\n");
		return -EINVAL;
	}
	pr_info("%u objects per allocation test\n", iters);
	/* Warm the slab and vmalloc paths up first, untimed. */
	bench_kmalloc_small(false);
	bench_pmalloc_small();
	bench_kmalloc_small(true);
	bench_waste();
	bench_seal(1);
	bench_seal(16);
	bench_seal(256);
	bench_write_rare();
	if (bench_failures)
		pr_err("%u operations failed, figures are wrong\n", bench_failures);
	pr_info("done\n");
	return 0;
}

static void __exit pmalloc_bench_exit(void)
{
}

module_init(pmalloc_bench_init);
module_exit(pmalloc_bench_exit);

MODULE_DESCRIPTION("Instructions and bytes pmalloc costs against kmalloc and memcpy");
MODULE_LICENSE("GPL");
