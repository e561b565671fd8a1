// SPDX-License-Identifier: GPL-2.0-only
/*
 * kfence_demo: provoke real heap bugs on KFENCE-guarded objects so that a
 * production kernel prints KFENCE reports: an out-of-bounds read, a
 * use-after-free read, a double free and an overwritten redzone.
 * Loading it is destructive by design; never load it on a machine you care
 * about.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kfence.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

/* A multiple of the kmalloc alignment, so a right-placed object ends its page. */
#define DEMO_SIZE	32
/* KFENCE guards one allocation per sample interval (100 ms by default). */
#define DEMO_TIMEOUT	(30 * HZ)

/*
 * Allocate until KFENCE hands out the object. Sleeping lets the sample timer
 * run and keeps the non-KFENCE allocations we throw away to a few hundred.
 */
static char *demo_alloc(void)
{
	unsigned long deadline = jiffies + DEMO_TIMEOUT;
	char *p;

	while (time_before(jiffies, deadline)) {
		p = kmalloc(DEMO_SIZE, GFP_KERNEL);
		if (!p)
			return NULL;
		if (is_kfence_address(p))
			return p;
		kfree(p);
		usleep_range(500, 1000);
	}
	pr_err("no KFENCE allocation within %d s; is KFENCE enabled?\n",
	       DEMO_TIMEOUT / HZ);
	return NULL;
}

/* Read the byte just past the object, which lies on a guard page. */
static noinline void demo_oob_read(void)
{
	char *p = demo_alloc();
	bool left;

	if (!p)
		return;
	/* A left-placed object starts its page: the guard page precedes it. */
	left = PAGE_ALIGNED(p);
	pr_info("out-of-bounds read %s of the object\n", left ? "left" : "right");
	READ_ONCE(*(left ? p - 1 : p + DEMO_SIZE));
	kfree(p);
}

static noinline void demo_use_after_free(void)
{
	char *p = demo_alloc();

	if (!p)
		return;
	kfree(p);
	pr_info("use-after-free read\n");
	READ_ONCE(p[0]);
}

static noinline void demo_double_free(void)
{
	char *p = demo_alloc();

	if (!p)
		return;
	kfree(p);
	pr_info("double free\n");
	kfree(p);
}

/* Write into the canary bytes beside the object; kfree() finds the damage. */
static noinline void demo_corruption(void)
{
	char *p = demo_alloc();
	bool left;

	if (!p)
		return;
	/* Stay on the object's own page: the other side is the guard page. */
	left = !PAGE_ALIGNED(p);
	pr_info("redzone write %s of the object\n", left ? "left" : "right");
	WRITE_ONCE(*(left ? p - 1 : p + DEMO_SIZE), 0x2a);
	kfree(p);
}

/*
 * The demo_*() functions are noinline so that every report names the bug's own
 * function. Not __init: a module's .init.text and .text both start at address
 * 0 in the .ko, and decode_stacktrace.sh could then resolve the wrong line.
 * Returns 0 rather than failing the load, because busybox insmod retries a
 * failed finit_module() with init_module() and would run everything twice.
 */
static int kfence_demo_init(void)
{
	demo_oob_read();
	demo_use_after_free();
	demo_double_free();
	demo_corruption();
	pr_info("done\n");
	return 0;
}
module_init(kfence_demo_init);

static void kfence_demo_exit(void)
{
}
module_exit(kfence_demo_exit);

MODULE_DESCRIPTION("Provoke heap bugs for KFENCE to report");
MODULE_LICENSE("GPL");
