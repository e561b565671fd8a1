// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "kfence_core": what upstream's "kfence" suite does not cover.
 * Parameters set at run time through their kernel_param ops (as sysfs would)
 * including bad values, kfence.num_objects, the debugfs files, pool
 * exhaustion and the covered-stacks filter, CPUs allocating while the gate
 * opens and closes, and every field of each report.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/irq_work.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/kfence.h>
#include <linux/kthread.h>
#include <linux/ptrace.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <trace/events/printk.h>

#include <asm/kfence.h>
#include <asm/sections.h>
#include <asm/tlbflush.h>

#include "kfence.h"

/* ===== Console capture ===== */

/* The text of the last KFENCE report, from its title to its closing line. */
static struct {
	spinlock_t lock;	/* serialises the console probe and the tests */
	bool in_report;
	bool capture_all;	/* keep every record, not only reports */
	int reports;
	size_t len;
	char text[8192];
} kct_log = {
	.lock = __SPIN_LOCK_UNLOCKED(kct_log.lock),
};

/*
 * An object to free wrongly from inside the printing of the next report, on
 * the CPU that prints it, as a console driver freeing a bad object would.
 */
static void *kct_nested_victim;

static void kct_nested_bug(const char *buf, size_t len)
{
	char *victim;

	if (!READ_ONCE(kct_nested_victim) || len < 13 || strncmp(buf, "BUG: KFENCE: ", 13))
		return;
	victim = xchg(&kct_nested_victim, NULL);
	if (victim)
		kfree(victim + 8);
}

static void kct_probe_console(void *ignore, const char *buf, size_t len)
{
	unsigned long flags;

	spin_lock_irqsave(&kct_log.lock, flags);
	/* A title starts its record; KUnit messages quoting one do not count. */
	if (len >= 13 && !strncmp(buf, "BUG: KFENCE: ", 13)) {
		kct_log.in_report = true;
		kct_log.reports++;
		kct_log.len = 0;
	} else if (kct_log.in_report && strnstr(buf, "=====", len)) {
		kct_log.in_report = false;
	}
	if (kct_log.in_report || kct_log.capture_all) {
		len = min(len, sizeof(kct_log.text) - 1 - kct_log.len);
		memcpy(kct_log.text + kct_log.len, buf, len);
		kct_log.len += len;
		kct_log.text[kct_log.len] = '\0';
	}
	spin_unlock_irqrestore(&kct_log.lock, flags);
	kct_nested_bug(buf, len);
}

static void kct_log_reset(void)
{
	unsigned long flags;

	spin_lock_irqsave(&kct_log.lock, flags);
	kct_log.in_report = false;
	kct_log.reports = 0;
	kct_log.len = 0;
	kct_log.text[0] = '\0';
	spin_unlock_irqrestore(&kct_log.lock, flags);
}

/* Keep every console record from now on (true) or reports only (false). */
static void kct_log_capture_all(bool all)
{
	unsigned long flags;

	spin_lock_irqsave(&kct_log.lock, flags);
	kct_log.capture_all = all;
	spin_unlock_irqrestore(&kct_log.lock, flags);
}

static int kct_reports(void)
{
	return READ_ONCE(kct_log.reports);
}

/*
 * Expect @needle in the last report; reports are printed synchronously. The
 * console tracepoint sees records without their newline, so the captured
 * text is the report's lines run together.
 */
static void kct_expect_report_has(struct kunit *test, const char *needle)
{
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(kct_log.text, needle),
				  "report lacks \"%s\":\n%s", needle, kct_log.text);
}

/* ===== Helpers ===== */

static const struct kernel_param *kct_param(const char *name)
{
	const struct kernel_param *kp;
	char full[64];

	snprintf(full, sizeof(full), "kfence.%s", name);
	for (kp = __start___param; kp < __stop___param; kp++)
		if (!strcmp(kp->name, full))
			return kp;
	return NULL;
}

/* Set a parameter the way a write to /sys/module/kfence/parameters does. */
static int kct_set(struct kunit *test, const char *name, const char *val)
{
	const struct kernel_param *kp = kct_param(name);
	int ret;

	KUNIT_ASSERT_NOT_NULL_MSG(test, kp, "no parameter kfence.%s", name);
	kernel_param_lock(NULL);
	ret = kp->ops->set(val, kp);
	kernel_param_unlock(NULL);
	return ret;
}

static long kct_counter(enum kfence_stat_id id)
{
	return atomic_long_read(&kfence_stats[id]);
}

/* Render a debugfs show function into a buffer, as reading the file would. */
static char *kct_render(struct kunit *test, int (*show)(struct seq_file *, void *), void *v)
{
	struct seq_file *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = 4 * PAGE_SIZE;
	m->buf = kunit_kzalloc(test, m->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	show(m, v);
	KUNIT_ASSERT_LT(test, m->count, m->size);	/* did not overflow */
	m->buf[m->count] = '\0';
	return m->buf;
}

static int kct_print_object_show(struct seq_file *m, void *v)
{
	kfence_print_object(m, v);
	return 0;
}

enum kct_side { KCT_ANY, KCT_LEFT, KCT_RIGHT };

/* Allocate until KFENCE guards the object (on the wanted side of its page). */
static void *kct_alloc(struct kunit *test, size_t size, enum kct_side side)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(10000 + 100 * kfence_sample_interval);
	bool left = side == KCT_LEFT;

	do {
		void *p = kmalloc(size, GFP_KERNEL);

		if (is_kfence_address(p) &&
		    (side == KCT_ANY || PAGE_ALIGNED(p) == left))
			return p;
		kfree(p);
		cond_resched();
	} while (time_before(jiffies, timeout));
	KUNIT_FAIL_AND_ABORT(test, "no KFENCE allocation of %zu bytes within the timeout", size);
	return NULL;
}

static unsigned long kct_saved_interval;
/* The pool did not exist when the suite started: KFENCE was off at boot. */
static bool kct_enabled_late;

/*
 * What the first, failed set-up of a late pool left behind (see
 * kct_suite_init()): its result, where the pool was, and whether the pages
 * freed back to the page allocator were still typed as slab pages.
 */
static struct {
	int ret;
	unsigned long pool;
	unsigned long typed;
	bool tainted;
} kct_setup_failure;

/* ===== Parameters ===== */

/* kfence.num_objects as the command line or Kconfig sets it. */
static unsigned long kct_want_num_objects(struct kunit *test)
{
	const char *arg = strstr(saved_command_line, "kfence.num_objects=");
	unsigned long want = CONFIG_KFENCE_NUM_OBJECTS;
	char val[16] = "";

	if (arg) {
		arg += strlen("kfence.num_objects=");
		strscpy(val, arg, min(sizeof(val), strcspn(arg, " ") + 1));
		KUNIT_EXPECT_EQ(test, kfence_parse_num_objects(val, &want), 0);
	}
	return want;
}

/*
 * The allocated counter must equal the number of slots off the free list
 * (live, RCU-freeing or zombie). With sampling stopped, allocations settle;
 * frees by other tasks may still be in flight, so look until two readings
 * of the counter around a walk of the slots agree.
 */
static void kct_expect_allocated_consistent(struct kunit *test)
{
	long counted = -1, busy = -1;
	int tries;

	KUNIT_ASSERT_EQ(test, kct_set(test, "sample_interval", "0"), 0);
	for (tries = 0; tries < 100; tries++) {
		unsigned long i;

		counted = kct_counter(KFENCE_STAT_ALLOCATED);
		busy = 0;
		for (i = 0; i < kfence_num_objects; i++)
			busy += list_empty(&kfence_slots[i].list);	/* racy, hence retried */
		if (kct_counter(KFENCE_STAT_ALLOCATED) == counted && busy == counted)
			break;
		msleep(20);
	}
	KUNIT_EXPECT_EQ_MSG(test, counted, busy, "allocated counter against slots in use");
	KUNIT_EXPECT_EQ(test, kct_set(test, "sample_interval", "1"), 0);
}

static void test_enable_late(struct kunit *test)
{
	if (!kct_enabled_late)
		kunit_skip(test, "KFENCE was on at boot; the -late configurations boot it off");

	KUNIT_EXPECT_NOT_NULL(test, strstr(saved_command_line, "kfence.sample_interval=0"));
	/* The suite's first write of sample_interval allocated the pool. */
	KUNIT_EXPECT_TRUE(test, READ_ONCE(kfence_enabled));
	KUNIT_EXPECT_NOT_NULL(test, __kfence_pool);
	KUNIT_EXPECT_EQ(test, __kfence_pool_span.size,
			(kct_want_num_objects(test) + 1) * 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, kfence_sample_interval, 1UL);
	/* Guarded objects come out of it, and bugs in them are caught. */
	kfree(kct_alloc(test, 32, KCT_ANY));
	KUNIT_EXPECT_GE(test, kct_counter(KFENCE_STAT_ALLOCS), 1L);
}

static void test_pool_setup_failure(struct kunit *test)
{
	if (!kct_enabled_late)
		kunit_skip(test, "KFENCE was on at boot; -late configurations set it up here");

	/* The failure was reported, and the retry set the pool up. */
	KUNIT_EXPECT_NE(test, kct_setup_failure.ret, 0);
	KUNIT_ASSERT_NE_MSG(test, kct_setup_failure.pool, 0UL, "the injected failure never hit");
	KUNIT_EXPECT_NOT_NULL(test, READ_ONCE(kfence_slots));
	/* No page went back to the page allocator still typed as a slab. */
	KUNIT_EXPECT_EQ(test, kct_setup_failure.typed, 0UL);
	if (!kct_setup_failure.tainted)	/* no "BUG: Bad page state" */
		KUNIT_EXPECT_FALSE(test, test_taint(TAINT_BAD_PAGE));
}

static void test_param_interval_runtime(struct kunit *test)
{
	char buf[32];

	KUNIT_EXPECT_EQ(test, kct_set(test, "sample_interval", "7"), 0);
	KUNIT_EXPECT_EQ(test, kfence_sample_interval, 7UL);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(kfence_enabled));
	kct_param("sample_interval")->ops->get(buf, kct_param("sample_interval"));
	KUNIT_EXPECT_STREQ(test, strim(buf), "7");
	kfree(kct_alloc(test, 64, KCT_ANY));
	KUNIT_EXPECT_EQ(test, kct_set(test, "sample_interval", "1"), 0);
}

static void test_param_interval_rejects_bad_values(struct kunit *test)
{
	static const char *const bad[] = {
		"", "abc", "-1", "12x", "86400001", "99999999999999999999",
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, kct_set(test, "sample_interval", bad[i]), -EINVAL,
				    "value '%s'", bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, kfence_sample_interval, 1UL, "value '%s'", bad[i]);
	}
	KUNIT_EXPECT_TRUE(test, READ_ONCE(kfence_enabled));
}

static void test_param_interval_zero_disables(struct kunit *test)
{
	long allocs;
	int i;

	KUNIT_ASSERT_EQ(test, kct_set(test, "sample_interval", "0"), 0);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(kfence_enabled));
	KUNIT_EXPECT_EQ(test, atomic_read(&kfence_allocation_gate), 0);
	allocs = kct_counter(KFENCE_STAT_ALLOCS);
	for (i = 0; i < 200; i++) {
		void *p = kmalloc(32, GFP_KERNEL);

		KUNIT_EXPECT_FALSE(test, is_kfence_address(p));
		kfree(p);
		usleep_range(100, 200);
	}
	KUNIT_EXPECT_EQ(test, kct_counter(KFENCE_STAT_ALLOCS), allocs);

	/* Turning it back on reuses the pool. */
	KUNIT_ASSERT_EQ(test, kct_set(test, "sample_interval", "1"), 0);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(kfence_enabled));
	kfree(kct_alloc(test, 32, KCT_ANY));
	KUNIT_EXPECT_GT(test, kct_counter(KFENCE_STAT_ALLOCS), allocs);
}

/*
 * With CONFIG_KFENCE_STATIC_KEYS the gate work waits for an allocation to
 * take the sample, up to a whole interval; turning KFENCE off must not wait
 * that long (holding the parameter lock all the while).
 */
static void test_param_disable_does_not_stall(struct kunit *test)
{
	s64 ms, worst = 0;
	int i;

	if (!IS_ENABLED(CONFIG_KFENCE_STATIC_KEYS))
		kunit_skip(test, "needs CONFIG_KFENCE_STATIC_KEYS, where the gate work waits");

	/*
	 * Each enabling runs the gate work at once; turning KFENCE off right
	 * after catches it, some of the times, waiting for the gate to drain.
	 */
	for (i = 0; i < 20; i++) {
		ktime_t t0;

		KUNIT_ASSERT_EQ(test, kct_set(test, "sample_interval", "10000"), 0);
		udelay(50 * i);
		t0 = ktime_get();
		KUNIT_ASSERT_EQ(test, kct_set(test, "sample_interval", "0"), 0);
		ms = ktime_ms_delta(ktime_get(), t0);
		worst = max(worst, ms);
	}
	kunit_info(test, "turning KFENCE off took up to %lld ms\n", worst);
	KUNIT_EXPECT_LT(test, worst, 1000LL);
	KUNIT_EXPECT_EQ(test, kct_set(test, "sample_interval", "1"), 0);
}

static void test_param_skip_covered_thresh(struct kunit *test)
{
	unsigned long old = kfence_skip_covered_thresh;

	KUNIT_EXPECT_EQ(test, kct_set(test, "skip_covered_thresh", "101"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kct_set(test, "skip_covered_thresh", "ten"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kfence_skip_covered_thresh, old);
	KUNIT_EXPECT_EQ(test, kct_set(test, "skip_covered_thresh", "50"), 0);
	KUNIT_EXPECT_EQ(test, kfence_skip_covered_thresh, 50UL);
	KUNIT_EXPECT_EQ(test, kct_set(test, "skip_covered_thresh", "75"), 0);
}

static void test_param_burst(struct kunit *test)
{
	unsigned long timeout;
	void *objs[64];
	int i, n = 0, got = 0;

	KUNIT_EXPECT_EQ(test, kct_set(test, "burst", "1025"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kct_set(test, "burst", "x"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kfence_burst, 0U);

	/*
	 * A long interval, so that the gate opens only when the interval is
	 * written. Drain what the first write and any timer still in flight
	 * let through, then open it once more with 1 + 3 samples.
	 */
	KUNIT_ASSERT_EQ(test, kct_set(test, "sample_interval", "60000"), 0);
	kfree(kct_alloc(test, 16, KCT_ANY));
	msleep(20);
	for (i = 0; i < 20000; i++)
		kfree(kmalloc(16, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, atomic_read(&kfence_allocation_gate), 0);
	KUNIT_ASSERT_EQ(test, kct_set(test, "burst", "3"), 0);
	KUNIT_ASSERT_EQ(test, kct_set(test, "sample_interval", "60000"), 0);
	timeout = jiffies + msecs_to_jiffies(5000);
	while (n < 4 && time_before(jiffies, timeout)) {
		for (i = 0; i < 1000; i++) {
			void *p = kmalloc(16, GFP_KERNEL);

			if (is_kfence_address(p) && n < ARRAY_SIZE(objs)) {
				objs[n++] = p;
				continue;
			}
			kfree(p);
		}
		cond_resched();	/* let the gate work run */
	}
	got = n;
	while (n)
		kfree(objs[--n]);
	KUNIT_EXPECT_EQ(test, kct_set(test, "burst", "0"), 0);
	KUNIT_EXPECT_EQ(test, kct_set(test, "sample_interval", "1"), 0);
	/* Other tasks may take some of the samples, never more than four. */
	KUNIT_EXPECT_GE(test, got, 2);
	KUNIT_EXPECT_LE(test, got, 4);
}

static void test_param_boot_only(struct kunit *test)
{
	KUNIT_ASSERT_NOT_NULL(test, kct_param("deferrable"));
	KUNIT_ASSERT_NOT_NULL(test, kct_param("check_on_panic"));
	KUNIT_EXPECT_EQ(test, kct_param("deferrable")->perm, 0444);
	KUNIT_EXPECT_EQ(test, kct_param("check_on_panic")->perm, 0444);
	KUNIT_EXPECT_EQ(test, kct_param("sample_interval")->perm, 0600);
	/* num_objects sizes the pool in setup_arch(): an early parameter only. */
	KUNIT_EXPECT_NULL(test, kct_param("num_objects"));
}

/* ===== Pool size ===== */

static void test_num_objects_parse(struct kunit *test)
{
	static const char *const bad[] = { "0", "65536", "-3", "many", "" };
	unsigned long n = 12345;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, kfence_parse_num_objects(bad[i], &n), -EINVAL,
				    "value '%s'", bad[i]);
		KUNIT_EXPECT_EQ(test, n, 12345UL);
	}
	KUNIT_EXPECT_EQ(test, kfence_parse_num_objects(NULL, &n), -EINVAL);
	KUNIT_EXPECT_EQ(test, kfence_parse_num_objects("1", &n), 0);
	KUNIT_EXPECT_EQ(test, n, 1UL);
	KUNIT_EXPECT_EQ(test, kfence_parse_num_objects("0x10", &n), 0);
	KUNIT_EXPECT_EQ(test, n, 16UL);
	KUNIT_EXPECT_EQ(test, kfence_parse_num_objects("65535", &n), 0);
	KUNIT_EXPECT_EQ(test, n, 65535UL);
}

static void test_num_objects_sizes_pool(struct kunit *test)
{
	unsigned long want = kct_want_num_objects(test);
	unsigned long i, typed = 0;
	unsigned int objects;

	kunit_info(test, "num_objects=%lu, %zu bytes of metadata each\n",
		   kfence_num_objects, sizeof(struct kfence_metadata));
	KUNIT_EXPECT_EQ(test, kfence_num_objects, want);
	KUNIT_EXPECT_EQ(test, __kfence_pool_span.size, (want + 1) * 2 * PAGE_SIZE);
	/* The last slot is usable and its guard page ends the pool. */
	KUNIT_EXPECT_EQ(test, kfence_object_page(want - 1) + 2 * PAGE_SIZE,
			(unsigned long)__kfence_pool + __kfence_pool_span.size);
	/*
	 * What the pool really is: exactly @want one-object slab pages, on
	 * the object pages, each with its own slot.
	 */
	for (i = 0; i < __kfence_pool_span.size / PAGE_SIZE; i++) {
		unsigned long page = (unsigned long)__kfence_pool + i * PAGE_SIZE;
		struct folio *folio = page_folio(virt_to_page((void *)page));

		/* __slab_free() finds KFENCE objects by this flag: slabs only. */
		KUNIT_EXPECT_EQ_MSG(test, slab_test_kfence(folio_slab(folio)),
				    folio_test_slab(folio), "pool page %lu", i);
		if (!folio_test_slab(folio))
			continue;
		typed++;
		KUNIT_EXPECT_TRUE_MSG(test, i >= 2 && !(i & 1), "pool page %lu is a slab", i);
		objects = folio_slab(folio)->objects;	/* a bit-field */
		KUNIT_EXPECT_EQ(test, objects, 1U);
		/* __slab_free() finds KFENCE objects only in slabs like these. */
		KUNIT_EXPECT_NULL(test, folio_slab(folio)->freelist);
		objects = folio_slab(folio)->frozen;
		KUNIT_EXPECT_EQ(test, objects, 0U);
		KUNIT_EXPECT_EQ(test, ALIGN_DOWN(kfence_meta_of(page)->addr, PAGE_SIZE), page);
	}
	KUNIT_EXPECT_EQ(test, typed, want);
}

static void test_is_kfence_address(struct kunit *test)
{
	char *end = __kfence_pool + __kfence_pool_span.size;
	void *p = kmalloc(8, GFP_KERNEL);

	KUNIT_EXPECT_FALSE(test, is_kfence_address(NULL));
	KUNIT_EXPECT_FALSE(test, is_kfence_address(ZERO_SIZE_PTR));
	KUNIT_EXPECT_TRUE(test, is_kfence_address(__kfence_pool));
	KUNIT_EXPECT_TRUE(test, is_kfence_address(end - 1));
	KUNIT_EXPECT_FALSE(test, is_kfence_address(end));
	KUNIT_EXPECT_FALSE(test, is_kfence_address(__kfence_pool - 1));
	KUNIT_EXPECT_FALSE(test, is_kfence_address((void *)-1UL));
	if (!is_kfence_address(p))	/* almost always a slab object */
		KUNIT_EXPECT_EQ(test, kfence_ksize(p), 0UL);
	kfree(p);
}

/* ===== Objects ===== */

static void test_object_placement_and_size(struct kunit *test)
{
	const size_t size = 40;
	char *left = kct_alloc(test, size, KCT_LEFT);
	char *right = kct_alloc(test, size, KCT_RIGHT);
	struct kmem_cache *s = virt_to_slab(right)->slab_cache;

	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(left));
	/* Right: as close to the guard page as the cache's alignment allows. */
	KUNIT_EXPECT_LE(test, (unsigned long)right + size, ALIGN((unsigned long)right, PAGE_SIZE));
	KUNIT_EXPECT_LT(test, ALIGN((unsigned long)right, PAGE_SIZE) -
			((unsigned long)right + size), (unsigned long)s->align);
	KUNIT_EXPECT_EQ(test, ksize(left), size);
	KUNIT_EXPECT_EQ(test, kfence_ksize(right + 3), size);
	KUNIT_EXPECT_PTR_EQ(test, kfence_object_start(right + 7), (void *)right);
	KUNIT_EXPECT_EQ(test, objs_per_slab(s, virt_to_slab(right)), 1U);
	kfree(left);
	kfree(right);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
}

static void test_fifo_reuse(struct kunit *test)
{
	char *first = kct_alloc(test, 32, KCT_ANY);
	char *next;

	kfree(first);
	/* A just-freed slot goes to the back of the queue. */
	next = kct_alloc(test, 32, KCT_ANY);
	if (kfence_num_objects > 1)
		KUNIT_EXPECT_NE(test, ALIGN_DOWN((unsigned long)next, PAGE_SIZE),
				ALIGN_DOWN((unsigned long)first, PAGE_SIZE));
	kfree(next);
}

static void test_stats_counters(struct kunit *test)
{
	long frees = kct_counter(KFENCE_STAT_FREES);
	long allocs = kct_counter(KFENCE_STAT_ALLOCS);
	void *p = kct_alloc(test, 24, KCT_ANY);

	KUNIT_EXPECT_GE(test, kct_counter(KFENCE_STAT_ALLOCS), allocs + 1);
	KUNIT_EXPECT_GE(test, kct_counter(KFENCE_STAT_ALLOCATED), 1L);
	kfree(p);
	KUNIT_EXPECT_GE(test, kct_counter(KFENCE_STAT_FREES), frees + 1);
	/* Other tasks' objects come and go: the count must match the slots. */
	kct_expect_allocated_consistent(test);
}

static void test_debugfs_stats(struct kunit *test)
{
	char *text = kct_render(test, kfence_stats_show, NULL);
	char line[80];
	int i;

	KUNIT_EXPECT_TRUE(test, str_has_prefix(text, "enabled: 1\n"));
	for (i = 0; i < KFENCE_STAT_COUNT; i++) {
		snprintf(line, sizeof(line), "\n%s: ", kfence_stat_names[i]);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(text, line), "missing '%s' in:\n%s",
					  kfence_stat_names[i], text);
	}
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "skipped allocations (capacity): "));
}

static void test_debugfs_objects(struct kunit *test)
{
	char *p = kct_alloc(test, 48, KCT_ANY);
	struct kfence_metadata *meta = kfence_meta_of((unsigned long)p);
	char want[64];
	char *text;

	KUNIT_ASSERT_NOT_NULL(test, meta);
	text = kct_render(test, kct_print_object_show, meta);
	snprintf(want, sizeof(want), "kfence-#%ld: 0x", kfence_meta_index(meta));
	KUNIT_EXPECT_TRUE(test, str_has_prefix(text, want));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, ", size=48, cache=kmalloc-"));
	snprintf(want, sizeof(want), "allocated by task %d on cpu ", current->pid);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, want));
	KUNIT_EXPECT_NULL(test, strstr(text, "freed by task"));
	kfree(p);

	text = kct_render(test, kct_print_object_show, meta);
	snprintf(want, sizeof(want), "freed by task %d on cpu ", current->pid);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, want));
	/* The free stack starts at its caller, not in the allocator. */
	KUNIT_EXPECT_NOT_NULL(test, strstr(strstr(text, "freed by"), "test_debugfs_objects"));
}

static void test_pool_exhaustion(struct kunit *test)
{
	long skipped = kct_counter(KFENCE_STAT_SKIP_CAPACITY);
	unsigned long timeout = jiffies + msecs_to_jiffies(60000);
	void **objs;
	long n = 0;

	objs = kunit_kcalloc(test, kfence_num_objects, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	/* Covered-stack skipping would stop us short of a full pool. */
	KUNIT_ASSERT_EQ(test, kct_set(test, "skip_covered_thresh", "0"), 0);
	while (kct_counter(KFENCE_STAT_SKIP_CAPACITY) == skipped &&
	       time_before(jiffies, timeout)) {
		void *p = kmalloc(16, GFP_KERNEL);

		if (is_kfence_address(p) && n < kfence_num_objects)
			objs[n++] = p;
		else
			kfree(p);
		cond_resched();
	}
	kunit_info(test, "held %ld of %lu objects when the pool ran out\n", n, kfence_num_objects);
	KUNIT_EXPECT_GT(test, kct_counter(KFENCE_STAT_SKIP_CAPACITY), skipped);
	KUNIT_EXPECT_GT(test, n, 0L);
	/* Exhaustion is not an error and the kernel carries on. */
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
	while (n)
		kfree(objs[--n]);
	KUNIT_EXPECT_EQ(test, kct_set(test, "skip_covered_thresh", "75"), 0);
	kfree(kct_alloc(test, 16, KCT_ANY));
}

static void test_skip_covered(struct kunit *test)
{
	long covered = kct_counter(KFENCE_STAT_SKIP_COVERED);
	unsigned long timeout = jiffies + msecs_to_jiffies(20000);
	void *objs[8];
	int n = 0, i;

	/* 1%: crowded as soon as a few objects are out. */
	KUNIT_ASSERT_EQ(test, kct_set(test, "skip_covered_thresh", "1"), 0);
	while (kct_counter(KFENCE_STAT_SKIP_COVERED) == covered &&
	       time_before(jiffies, timeout)) {
		for (i = 0; i < 1000; i++) {
			void *p = kmalloc(16, GFP_KERNEL);	/* always the same stack */

			if (is_kfence_address(p) && n < ARRAY_SIZE(objs))
				objs[n++] = p;
			else
				kfree(p);
		}
		cond_resched();
	}
	while (n)
		kfree(objs[--n]);
	KUNIT_EXPECT_EQ(test, kct_set(test, "skip_covered_thresh", "75"), 0);
	KUNIT_EXPECT_GT(test, kct_counter(KFENCE_STAT_SKIP_COVERED), covered);
}

static void test_cache_destroy_zombie(struct kunit *test)
{
	struct kmem_cache *c = kmem_cache_create("kct-zombie", 32, 0, SLAB_NO_MERGE, NULL);
	long zombies = kct_counter(KFENCE_STAT_ZOMBIES);
	unsigned long timeout = jiffies + msecs_to_jiffies(20000);
	char *p = NULL;

	KUNIT_ASSERT_NOT_NULL(test, c);
	while (time_before(jiffies, timeout)) {
		p = kmem_cache_alloc(c, GFP_KERNEL);
		if (is_kfence_address(p))
			break;
		kmem_cache_free(c, p);
		p = NULL;
		cond_resched();
	}
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* Destroying the cache with the object still out makes it a zombie. */
	kmem_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, kct_counter(KFENCE_STAT_ZOMBIES), zombies + 1);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
	/* ... and a later access is a use-after-free, not a crash. */
	READ_ONCE(*p);
	KUNIT_EXPECT_EQ(test, kct_reports(), 1);
	kct_expect_report_has(test, "cache=<destroyed>");
}

/* Allocate from @c until KFENCE guards the object. */
static void *kct_cache_alloc(struct kunit *test, struct kmem_cache *c)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(20000);

	do {
		void *p = kmem_cache_alloc(c, GFP_KERNEL);

		if (is_kfence_address(p))
			return p;
		kmem_cache_free(c, p);
		cond_resched();
	} while (time_before(jiffies, timeout));
	KUNIT_FAIL_AND_ABORT(test, "no KFENCE object from %s within the timeout", c->name);
	return NULL;
}

static void test_zombie_slot_not_reused(struct kunit *test)
{
	struct kmem_cache *c = kmem_cache_create("kct-zombie-reuse", 32, 0, SLAB_NO_MERGE, NULL);
	unsigned long timeout = jiffies + msecs_to_jiffies(60000);
	long skipped = kct_counter(KFENCE_STAT_SKIP_CAPACITY);
	struct kfence_metadata *meta;
	u64 born;
	void **objs;
	long n = 0;
	char *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = kct_cache_alloc(test, c);
	meta = kfence_meta_of((unsigned long)p);
	born = meta->alloc_info.ts_nsec;
	memset(p, 0x7b, 32);
	kmem_cache_destroy(c);	/* the leaked object becomes a zombie */

	/* Its slot is not queued for reuse ... */
	KUNIT_EXPECT_TRUE(test, list_empty(&meta->list));
	KUNIT_EXPECT_EQ(test, READ_ONCE(meta->state), KFENCE_OBJECT_FREED);

	/* ... and filling the whole pool never hands it out. */
	objs = kunit_kcalloc(test, kfence_num_objects, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, kct_set(test, "skip_covered_thresh", "0"), 0);
	while (kct_counter(KFENCE_STAT_SKIP_CAPACITY) == skipped &&
	       time_before(jiffies, timeout)) {
		void *q = kmalloc(16, GFP_KERNEL);

		if (is_kfence_address(q) && n < kfence_num_objects) {
			KUNIT_EXPECT_PTR_NE(test, kfence_meta_of((unsigned long)q), meta);
			objs[n++] = q;
		} else {
			kfree(q);
		}
		cond_resched();
	}
	KUNIT_EXPECT_GT(test, kct_counter(KFENCE_STAT_SKIP_CAPACITY), skipped);
	while (n)
		kfree(objs[--n]);
	KUNIT_EXPECT_EQ(test, kct_set(test, "skip_covered_thresh", "75"), 0);
	/* Nobody else got it either: its allocation record is the leaked owner's. */
	KUNIT_EXPECT_EQ(test, meta->alloc_info.ts_nsec, born);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
}

/*
 * Allocations KFENCE must not sample: node-bound ones where there is more
 * than one node (the pool sits on one), and caches marked SLAB_SKIP_KFENCE
 * (as the skip_kfence sysfs file does). Each runs long enough for the gate
 * to open many times; afterwards the same loop without the reason to skip
 * must get a KFENCE object, so that the first half cannot pass for lack of
 * samples.
 */
static bool kct_sampled_within(struct kmem_cache *c, gfp_t gfp, unsigned int ms)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(ms);
	bool sampled = false;

	do {
		void *p = c ? kmem_cache_alloc_node(c, gfp, numa_node_id()) :
			      kmalloc_node(32, gfp, numa_node_id());

		sampled |= is_kfence_address(p);
		if (c)
			kmem_cache_free(c, p);
		else
			kfree(p);
		cond_resched();
	} while (!sampled && time_before(jiffies, timeout));
	return sampled;
}

static void test_skip_incompatible(struct kunit *test)
{
	struct kmem_cache *c = kmem_cache_create("kct-skip", 32, 0, SLAB_NO_MERGE, NULL);
	long incompat = kct_counter(KFENCE_STAT_SKIP_INCOMPAT);

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (num_online_nodes() > 1) {
		/* Node-bound callers could get a page of another node: skipped. */
		KUNIT_EXPECT_FALSE(test, kct_sampled_within(NULL, GFP_KERNEL | __GFP_THISNODE,
							    500));
		/* The gate opened for us and we were turned away, counted. */
		KUNIT_EXPECT_GT(test, kct_counter(KFENCE_STAT_SKIP_INCOMPAT), incompat);
	} else {
		/* One node: the pool is on the caller's node, as upstream samples. */
		KUNIT_EXPECT_TRUE(test, kct_sampled_within(NULL, GFP_KERNEL | __GFP_THISNODE,
							   20000));
	}
	KUNIT_EXPECT_TRUE(test, kct_sampled_within(NULL, GFP_KERNEL, 20000));

	/*
	 * The pool is not DMA-able: neither a DMA cache (never armed, so not
	 * counted) nor a DMA zone request to a normal cache (counted).
	 */
	if (IS_ENABLED(CONFIG_ZONE_DMA)) {
		struct kmem_cache *dma = kmem_cache_create("kct-skip-dma", 32, 0,
							   SLAB_CACHE_DMA | SLAB_NO_MERGE, NULL);

		KUNIT_ASSERT_NOT_NULL(test, dma);
		KUNIT_EXPECT_FALSE(test, kct_sampled_within(NULL, GFP_KERNEL | GFP_DMA, 500));
		KUNIT_EXPECT_FALSE(test, kct_sampled_within(dma, GFP_KERNEL, 500));
		kmem_cache_destroy(dma);

		incompat = kct_counter(KFENCE_STAT_SKIP_INCOMPAT);
		KUNIT_EXPECT_FALSE(test, kct_sampled_within(c, GFP_KERNEL | GFP_DMA, 500));
		KUNIT_EXPECT_GT(test, kct_counter(KFENCE_STAT_SKIP_INCOMPAT), incompat);
	}

	/* Not counted: the cache was switched off on purpose. */
	incompat = kct_counter(KFENCE_STAT_SKIP_INCOMPAT);
	c->flags |= SLAB_SKIP_KFENCE;
	KUNIT_EXPECT_FALSE(test, kct_sampled_within(c, GFP_KERNEL, 500));
	KUNIT_EXPECT_EQ(test, kct_counter(KFENCE_STAT_SKIP_INCOMPAT), incompat);
	c->flags &= ~SLAB_SKIP_KFENCE;
	KUNIT_EXPECT_TRUE(test, kct_sampled_within(c, GFP_KERNEL, 20000));
	kmem_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
}

/*
 * The covered-stacks filter must see one allocation site in interrupt
 * context as one stack, whatever the interrupt interrupted. An irq_work
 * allocates in hard interrupt context; it is raised and waited for from two
 * different callers, so the stacks differ only below the interrupt entry.
 */
struct kct_irq_alloc {
	struct irq_work work;
	void *obj;
};

static void kct_irq_alloc_fn(struct irq_work *work)
{
	struct kct_irq_alloc *a = container_of(work, struct kct_irq_alloc, work);
	int i;

	for (i = 0; i < 2000 && !a->obj; i++) {
		void *p = kmalloc(32, GFP_ATOMIC);

		if (is_kfence_address(p))
			a->obj = p;
		else
			kfree(p);
	}
}

static noinline void kct_run_irq(struct kct_irq_alloc *a)
{
	irq_work_queue(&a->work);
	irq_work_sync(&a->work);	/* the interrupt lands in here */
}

static noinline void kct_run_irq_deeper(struct kct_irq_alloc *a)
{
	kct_run_irq(a);
	barrier();
}

/*
 * The filter's keys are seeded at boot, so that machines do not share their
 * colliding sites: a key is not the unseeded hash of its frames (they match
 * by chance once in 2^32 boots).
 */
static void test_covered_key_seeded(struct kunit *test)
{
	unsigned long entries[4] = {
		_THIS_IP_, (unsigned long)test_covered_key_seeded,
		(unsigned long)kct_alloc, (unsigned long)kfree,
	};

	KUNIT_EXPECT_NE(test, kfence_covered_key(entries, ARRAY_SIZE(entries)),
			jhash(entries, sizeof(entries), 0));
}

/*
 * krealloc() and ksize() check the object's first byte with KASAN before
 * anything else: on a KASAN kernel, KFENCE's objects (untagged, their
 * shadow never opened) must pass that check. A shrink stays in place.
 */
static void test_krealloc_in_place(struct kunit *test)
{
	char *p = kct_alloc(test, 64, KCT_ANY);
	char *q;

	memset(p, 0x5a, 64);
	KUNIT_EXPECT_EQ(test, ksize(p), 64UL);
	q = krealloc(p, 32, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_TRUE(test, q && !memchr_inv(q, 0x5a, 32));
	kfree(q ?: p);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
}

static void test_covered_irq_stacks(struct kunit *test)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(20000);
	struct kct_irq_alloc a = { }, b = { };
	char *p = kct_alloc(test, 32, KCT_ANY);
	u32 ha, hb;

	init_irq_work(&a.work, kct_irq_alloc_fn);
	init_irq_work(&b.work, kct_irq_alloc_fn);
	while ((!a.obj || !b.obj) && time_before(jiffies, timeout)) {
		if (!a.obj)
			kct_run_irq(&a);
		if (!b.obj)
			kct_run_irq_deeper(&b);
		cond_resched();
	}
	KUNIT_ASSERT_NOT_NULL(test, a.obj);
	KUNIT_ASSERT_NOT_NULL(test, b.obj);
	ha = kfence_meta_of((unsigned long)a.obj)->alloc_stack_hash;
	hb = kfence_meta_of((unsigned long)b.obj)->alloc_stack_hash;
	/* One site in interrupt context, one stack ... */
	KUNIT_EXPECT_EQ(test, ha, hb);
	/* ... and still a different one from a site in process context. */
	KUNIT_EXPECT_NE(test, ha, kfence_meta_of((unsigned long)p)->alloc_stack_hash);
	kfree(a.obj);
	kfree(b.obj);
	kfree(p);
}

/* ===== Many CPUs ===== */

struct kct_worker {
	struct task_struct *task;
	unsigned long ops;
	unsigned long kfence;
	unsigned long corrupt;	/* KFENCE objects changed behind the owner's back */
	u8 pattern;
};

static int kct_worker_fn(void *arg)
{
	struct kct_worker *w = arg;
	static const size_t sizes[] = { 8, 64, 200, 1000, 4096 };
	void *held[16] = { };
	unsigned int i = 0;

	while (!kthread_should_stop()) {
		void **slot = &held[i % ARRAY_SIZE(held)];

		/* A slot handed to two owners at once shows up here. */
		if (is_kfence_address(*slot) && memchr_inv(*slot, w->pattern, ksize(*slot)))
			w->corrupt++;
		kfree(*slot);
		*slot = kmalloc(sizes[i % ARRAY_SIZE(sizes)], GFP_KERNEL);
		if (is_kfence_address(*slot)) {
			w->kfence++;
			memset(*slot, w->pattern, ksize(*slot));
		}
		w->ops++;
		i++;
		if (!(i % 64))
			cond_resched();
	}
	for (i = 0; i < ARRAY_SIZE(held); i++)
		kfree(held[i]);
	return 0;
}

static void test_many_cpus_gate_flips(struct kunit *test)
{
	static const char *const intervals[] = { "1", "0", "3", "1", "0", "1", "2", "1" };
	struct kct_worker *workers;
	unsigned long kfence = 0;
	int cpu, i, n = 0;

	workers = kunit_kcalloc(test, nr_cpu_ids, sizeof(*workers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, workers);
	for_each_online_cpu(cpu) {
		workers[n].pattern = 0x5a + n;
		workers[n].task = kthread_run_on_cpu(kct_worker_fn, &workers[n], cpu, "kct/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(workers[n].task));
		get_task_struct(workers[n].task);
		n++;
	}
	for (i = 0; i < 4 * ARRAY_SIZE(intervals); i++) {
		KUNIT_EXPECT_EQ(test, kct_set(test, "sample_interval",
					      intervals[i % ARRAY_SIZE(intervals)]), 0);
		msleep(50);
	}
	KUNIT_EXPECT_EQ(test, kct_set(test, "sample_interval", "1"), 0);
	for (i = 0; i < n; i++) {
		kthread_stop(workers[i].task);
		put_task_struct(workers[i].task);
		kfence += workers[i].kfence;
		KUNIT_EXPECT_EQ_MSG(test, workers[i].corrupt, 0UL, "worker %d, %lu ops", i,
				    workers[i].ops);
	}
	kunit_info(test, "%d CPUs, %lu KFENCE objects among the allocations\n", n, kfence);
	KUNIT_EXPECT_GT(test, kfence, 0UL);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
	/* Every object the workers got back was freed again, and counted so. */
	kct_expect_allocated_consistent(test);
}

/* ===== Reports ===== */

static void kct_expect_common(struct kunit *test, const char *title, void *fn)
{
	char want[128];

	snprintf(want, sizeof(want), "%s in %ps+", title, fn);
	KUNIT_EXPECT_EQ(test, kct_reports(), 1);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(kct_log.text, want) ||
			      strstr(kct_log.text, want), "want '%s' in:\n%s", want, kct_log.text);
	/* The faulting or freeing function, never an allocator frame. */
	KUNIT_EXPECT_NULL(test, strstr(kct_log.text, "in kfree+"));
	KUNIT_EXPECT_NULL(test, strstr(kct_log.text, "in __kfence"));
}

/*
 * A report taints the kernel. The taint cannot be cleared, so this can only
 * be checked on a kernel no report has tainted yet: the -late
 * configurations, where this suite makes the boot's first reports.
 */
static void test_report_taints(struct kunit *test)
{
	char *p;

	if (test_taint(TAINT_BAD_PAGE))
		kunit_skip(test, "already tainted: a taint check here could not fail");
	p = kct_alloc(test, 32, KCT_ANY);
	kfree(p + 8);
	KUNIT_EXPECT_EQ(test, kct_reports(), 1);
	KUNIT_EXPECT_TRUE(test, test_taint(TAINT_BAD_PAGE));
	kfree(p);
}

static void test_report_oob_fields(struct kunit *test)
{
	char *p = kct_alloc(test, 32, KCT_RIGHT);
	struct kfence_metadata *meta = kfence_meta_of((unsigned long)p);
	unsigned long off = ALIGN(32UL, virt_to_slab(p)->slab_cache->align);
	long bugs = kct_counter(KFENCE_STAT_BUGS);
	char want[128];

	kct_log_reset();
	READ_ONCE(p[off]);	/* the first byte of the guard page */
	kct_expect_common(test, "BUG: KFENCE: out-of-bounds read", test_report_oob_fields);
	snprintf(want, sizeof(want), "Out-of-bounds read at 0x%p (%luB right of kfence-#%ld):",
		 p + off, off - 32 + 1, kfence_meta_index(meta));
	kct_expect_report_has(test, want);
	snprintf(want, sizeof(want), "kfence-#%ld: 0x%p-0x%p, size=32, cache=kmalloc-",
		 kfence_meta_index(meta), p, p + 31);
	kct_expect_report_has(test, want);
	snprintf(want, sizeof(want), "allocated by task %d on cpu ", current->pid);
	kct_expect_report_has(test, want);
	kct_expect_report_has(test, "s ago):");
	snprintf(want, sizeof(want), " %s+", __func__);
	KUNIT_EXPECT_NOT_NULL(test, strstr(strstr(kct_log.text, "Out-of-bounds read at"), want));
	kct_expect_report_has(test, "CPU: ");
	KUNIT_EXPECT_EQ(test, kct_counter(KFENCE_STAT_BUGS), bugs + 1);
	kfree(p);
}

static void test_report_left_oob_write(struct kunit *test)
{
	char *p = kct_alloc(test, 32, KCT_LEFT);
	char want[128];

	kct_log_reset();
	WRITE_ONCE(p[-3], 1);
	kct_expect_common(test, "BUG: KFENCE: out-of-bounds write", test_report_left_oob_write);
	snprintf(want, sizeof(want), "Out-of-bounds write at 0x%p (3B left of kfence-#", p - 3);
	kct_expect_report_has(test, want);
	kfree(p);
	KUNIT_EXPECT_EQ(test, kct_reports(), 1);
	/* The guard page is protected again once the object is gone. */
	WRITE_ONCE(p[-3], 1);
	KUNIT_EXPECT_EQ(test, kct_reports(), 2);
}

/*
 * An access that a report let through can fault again before its retry,
 * when a free beside the guard page closes the page in between (seen with
 * KASAN's slower kernel): one bug, one report. The same instruction at
 * the same address faulting again reports nothing; another instruction
 * does.
 */
static void test_guard_refault_reported_once(struct kunit *test)
{
	char *p = kct_alloc(test, 32, KCT_LEFT);
	unsigned long addr = (unsigned long)p - 3;
	struct pt_regs regs = {};

	migrate_disable();
	kct_log_reset();
	/* Two instructions of this function (_THIS_IP_ twice may merge). */
	instruction_pointer_set(&regs, (unsigned long)test_guard_refault_reported_once + 4);
	KUNIT_EXPECT_TRUE(test, kfence_handle_page_fault(addr, true, &regs));
	KUNIT_EXPECT_EQ(test, kct_reports(), 1);
	KUNIT_EXPECT_TRUE(test, kfence_handle_page_fault(addr, true, &regs));
	KUNIT_EXPECT_EQ(test, kct_reports(), 1);
	instruction_pointer_set(&regs, (unsigned long)test_guard_refault_reported_once + 8);
	KUNIT_EXPECT_TRUE(test, kfence_handle_page_fault(addr, true, &regs));
	KUNIT_EXPECT_EQ(test, kct_reports(), 2);
	migrate_enable();
	kfree(p);
}

static void test_report_uaf_fields(struct kunit *test)
{
	char *p = kct_alloc(test, 32, KCT_ANY);
	char want[128];

	kfree(p);
	kct_log_reset();
	READ_ONCE(p[5]);
	kct_expect_common(test, "BUG: KFENCE: use-after-free read", test_report_uaf_fields);
	snprintf(want, sizeof(want), "Use-after-free read at 0x%p (in kfence-#", p + 5);
	kct_expect_report_has(test, want);
	snprintf(want, sizeof(want), "freed by task %d on cpu ", current->pid);
	kct_expect_report_has(test, want);
	/* Allocation stack first, then the free stack. */
	KUNIT_EXPECT_PTR_NE(test, (void *)strstr(kct_log.text, "allocated by"), NULL);
	KUNIT_EXPECT_TRUE(test, strstr(kct_log.text, "allocated by") <
			  strstr(kct_log.text, "freed by"));
}

static void test_report_invalid_free_fields(struct kunit *test)
{
	char *p = kct_alloc(test, 32, KCT_ANY);
	char want[128];

	kct_log_reset();
	kfree(p + 8);
	kct_expect_common(test, "BUG: KFENCE: invalid free", test_report_invalid_free_fields);
	snprintf(want, sizeof(want), "Invalid free of 0x%p (in kfence-#", p + 8);
	kct_expect_report_has(test, want);
	/* The bad free changed nothing: the real one is fine. */
	kfree(p);
	KUNIT_EXPECT_EQ(test, kct_reports(), 1);
}

static void test_report_corruption_bytes(struct kunit *test)
{
	char *p = kct_alloc(test, 24, KCT_LEFT);
	char want[128];

	kct_log_reset();
	WRITE_ONCE(p[24], 0x42);
	WRITE_ONCE(p[26], 0x43);
	kfree(p);
	kct_expect_common(test, "BUG: KFENCE: memory corruption", test_report_corruption_bytes);
	snprintf(want, sizeof(want), "Corrupted memory at 0x%p [ ", p + 24);
	kct_expect_report_has(test, want);
	/* Changed bytes shown as '!' (or values with no_hash_pointers), others as '.' */
	kct_expect_report_has(test, no_hash_pointers ? "[ 0x42 . 0x43 . " : "[ ! . ! . ");
	kct_expect_report_has(test, " ] (in kfence-#");
}

/*
 * The canaries are written and checked a word at a time where they can be:
 * every redzone byte must still count, at every alignment, on both sides.
 */
static void kct_check_every_canary(struct kunit *test, enum kct_side side, size_t size)
{
	char *p = kct_alloc(test, size, side);
	struct kfence_metadata *meta = kfence_meta_of((unsigned long)p);
	u8 *page = (u8 *)ALIGN_DOWN((unsigned long)p, PAGE_SIZE);
	unsigned long bad = 0;
	int missed = 0;
	u8 *q;

	KUNIT_ASSERT_NOT_NULL(test, meta);
	KUNIT_ASSERT_TRUE(test, kfence_check_canaries(meta, &bad));
	for (q = page; q < page + PAGE_SIZE; q++) {
		u8 old = *q;

		if (q >= (u8 *)p && q < (u8 *)p + size)
			continue;
		*q = old ^ 0x01;
		bad = 0;
		if (kfence_check_canaries(meta, &bad) || bad != (unsigned long)q)
			missed++;
		*q = old;
	}
	KUNIT_EXPECT_EQ_MSG(test, missed, 0, "redzone bytes of a %zu-byte object not caught", size);
	KUNIT_EXPECT_TRUE(test, kfence_check_canaries(meta, &bad));
	kfree(p);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
}

static void test_canary_every_byte(struct kunit *test)
{
	kct_check_every_canary(test, KCT_LEFT, 13);
	kct_check_every_canary(test, KCT_RIGHT, 13);
	kct_check_every_canary(test, KCT_RIGHT, 64);
}

/*
 * Stacks are kept as 32-bit distances from _text; frames out of that reach
 * (arm64 BPF programs and trampolines live anywhere in vmalloc space) take
 * three entries. Every address must come back as it went in.
 */
static void test_track_round_trip(struct kunit *test)
{
	unsigned long in[KFENCE_STACK_DEPTH], out[KFENCE_STACK_DEPTH];
	struct kfence_track *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned long text = (unsigned long)_text;
	int i, n;

	KUNIT_ASSERT_NOT_NULL(test, t);
	in[0] = text + 0x40;
	in[1] = text - 0x40;
	in[2] = VMALLOC_END - 0x100000;	/* far from _text on both arches */
	in[3] = text + 0x7c;
	in[4] = (unsigned long)test_track_round_trip;
	kfence_track_set(t, in, 5);
	n = kfence_track_stack(t, out);
	KUNIT_ASSERT_EQ(test, n, 5);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, out[i], in[i], "frame %d", i);

	/* Only whole frames are kept when far ones fill the track. */
	for (i = 0; i < KFENCE_STACK_DEPTH; i++)
		in[i] = VMALLOC_END - 0x100000 + 0x1000 * i;
	kfence_track_set(t, in, KFENCE_STACK_DEPTH);
	n = kfence_track_stack(t, out);
	KUNIT_EXPECT_EQ(test, n, KFENCE_STACK_DEPTH / 3);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, out[i], in[i], "far frame %d", i);
}

static void test_report_invalid_access(struct kunit *test)
{
	char want[64];

	/*
	 * The first page of the pool belongs to no object (the second one is
	 * object 0's left guard page). Upstream's suite may have opened it
	 * with its own invalid access: close it again.
	 */
	KUNIT_ASSERT_TRUE(test, kfence_protect_page((unsigned long)__kfence_pool, true));
	kct_log_reset();
	READ_ONCE(__kfence_pool[17]);
	kct_expect_common(test, "BUG: KFENCE: invalid read", test_report_invalid_access);
	snprintf(want, sizeof(want), "Invalid read at 0x%p:", __kfence_pool + 17);
	kct_expect_report_has(test, want);
	KUNIT_EXPECT_NULL(test, strstr(kct_log.text, "allocated by"));
}

static void test_no_report_when_clean(struct kunit *test)
{
	char *p = kct_alloc(test, 100, KCT_ANY);

	memset(p, 0xff, 100);
	kfree(p);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
}

/* ===== Slab integration ===== */

/*
 * SLAB_TYPESAFE_BY_RCU: readers may still look at a freed object until the
 * grace period ends, but a second free inside it is a double free like any
 * other, and the slot is released once, when the grace period ends.
 */
static void test_rcu_double_free_in_grace_period(struct kunit *test)
{
	struct kmem_cache *c = kmem_cache_create("kct-rcu-double", 32, 0,
						 SLAB_TYPESAFE_BY_RCU | SLAB_NO_MERGE, NULL);
	struct kfence_metadata *meta;
	char *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = kct_cache_alloc(test, c);
	meta = kfence_meta_of((unsigned long)p);
	WRITE_ONCE(p[1], 0x5a);

	/* The grace period cannot end while this reader holds it open. */
	rcu_read_lock();
	kmem_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, READ_ONCE(meta->state), KFENCE_OBJECT_RCU_FREEING);
	KUNIT_EXPECT_EQ(test, READ_ONCE(p[1]), 0x5a);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
	kmem_cache_free(c, p);
	rcu_read_unlock();
	kct_expect_common(test, "BUG: KFENCE: invalid free", test_rcu_double_free_in_grace_period);

	rcu_barrier();
	KUNIT_EXPECT_EQ(test, READ_ONCE(meta->state), KFENCE_OBJECT_FREED);
	/* After the grace period the object is gone. */
	READ_ONCE(p[1]);
	KUNIT_EXPECT_EQ(test, kct_reports(), 2);
	/* Released once: a second release would count the slot free twice. */
	kct_expect_allocated_consistent(test);
	kmem_cache_destroy(c);
}

/*
 * Destroying a SLAB_TYPESAFE_BY_RCU cache while a free of one of its KFENCE
 * objects waits for its grace period: the free completes as a free (the
 * object is not leaked, so not a zombie), and the slot forgets the cache.
 */
static void test_cache_destroy_rcu_pending(struct kunit *test)
{
	struct kmem_cache *c = kmem_cache_create("kct-rcu-destroy", 32, 0,
						 SLAB_TYPESAFE_BY_RCU | SLAB_NO_MERGE, NULL);
	long zombies = kct_counter(KFENCE_STAT_ZOMBIES);
	struct kfence_metadata *meta;
	char *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = kct_cache_alloc(test, c);
	meta = kfence_meta_of((unsigned long)p);
	kmem_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, READ_ONCE(meta->state), KFENCE_OBJECT_RCU_FREEING);
	kmem_cache_destroy(c);

	KUNIT_EXPECT_EQ(test, kct_counter(KFENCE_STAT_ZOMBIES), zombies);
	KUNIT_EXPECT_NE(test, READ_ONCE(meta->state), KFENCE_OBJECT_RCU_FREEING);
	KUNIT_EXPECT_PTR_NE(test, READ_ONCE(meta->cache), c);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
	kct_expect_allocated_consistent(test);
}

/*
 * An object leaked past kmem_cache_destroy() is a zombie: writing to it is
 * reported as a use-after-free, freeing it as an invalid free, and neither
 * gives its slot back.
 */
static void test_zombie_write_and_free(struct kunit *test)
{
	struct kmem_cache *c = kmem_cache_create("kct-zombie-free", 32, 0, SLAB_NO_MERGE, NULL);
	long zombies = kct_counter(KFENCE_STAT_ZOMBIES);
	struct kfence_metadata *meta;
	char *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = kct_cache_alloc(test, c);
	meta = kfence_meta_of((unsigned long)p);
	kmem_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, kct_counter(KFENCE_STAT_ZOMBIES), zombies + 1);
	/* kfree() reads the slab's cache: it must not be the destroyed one. */
	KUNIT_EXPECT_PTR_NE(test, virt_to_slab(p)->slab_cache, c);
	KUNIT_EXPECT_NOT_NULL(test, virt_to_slab(p)->slab_cache);

	kct_log_reset();
	kfree(p);
	kct_expect_common(test, "BUG: KFENCE: invalid free", test_zombie_write_and_free);
	kct_expect_report_has(test, "cache=<destroyed>");
	KUNIT_EXPECT_EQ(test, READ_ONCE(meta->state), KFENCE_OBJECT_FREED);
	KUNIT_EXPECT_TRUE(test, list_empty(&meta->list));

	kct_log_reset();
	WRITE_ONCE(p[2], 1);
	kct_expect_common(test, "BUG: KFENCE: use-after-free write", test_zombie_write_and_free);
	KUNIT_EXPECT_TRUE(test, list_empty(&meta->list));
	KUNIT_EXPECT_EQ(test, kct_counter(KFENCE_STAT_ZOMBIES), zombies + 1);
}

/*
 * A slot freed before its cache is destroyed must not keep pointing at the
 * destroyed cache either: a double kfree() after the destroy reads the
 * cache from the slab before KFENCE reports it.
 */
static void test_destroyed_cache_freed_slot(struct kunit *test)
{
	struct kmem_cache *c = kmem_cache_create("kct-freed-slot", 32, 0, SLAB_NO_MERGE, NULL);
	struct kfence_metadata *meta;
	char *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = kct_cache_alloc(test, c);
	meta = kfence_meta_of((unsigned long)p);
	kmem_cache_free(c, p);
	KUNIT_EXPECT_PTR_EQ(test, virt_to_slab(p)->slab_cache, c);
	kmem_cache_destroy(c);
	/* Reused meanwhile by another cache, the slot would say nothing of this test. */
	KUNIT_ASSERT_EQ(test, READ_ONCE(meta->state), KFENCE_OBJECT_FREED);
	KUNIT_EXPECT_PTR_NE(test, virt_to_slab(p)->slab_cache, c);
	KUNIT_EXPECT_PTR_EQ(test, virt_to_slab(p)->slab_cache,
			    kmalloc_slab(32, NULL, GFP_KERNEL, 0));
	KUNIT_EXPECT_NULL(test, READ_ONCE(meta->cache));

	kct_log_reset();
	kfree(p);
	kct_expect_common(test, "BUG: KFENCE: invalid free", test_destroyed_cache_freed_slot);
	KUNIT_EXPECT_EQ(test, READ_ONCE(meta->state), KFENCE_OBJECT_FREED);
}

/*
 * kfree_bulk() and kmem_cache_free_bulk() with KFENCE objects among slab
 * ones: each KFENCE object is freed by KFENCE, with its redzone checked.
 */
static void test_free_bulk_mixed(struct kunit *test)
{
	struct kmem_cache *c = kmem_cache_create("kct-bulk", 48, 0, SLAB_NO_MERGE, NULL);
	struct kfence_metadata *k1, *k3;
	void *objs[5];
	char *k;

	KUNIT_ASSERT_NOT_NULL(test, c);
	k = kct_alloc(test, 40, KCT_LEFT);
	objs[0] = kmalloc(40, GFP_KERNEL);
	objs[1] = k;
	objs[2] = kmalloc(40, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	KUNIT_ASSERT_NOT_NULL(test, objs[2]);
	WRITE_ONCE(k[41], 0x11);	/* inside the redzone: found when freed */
	kct_log_reset();
	kfree_bulk(3, objs);
	kct_expect_common(test, "BUG: KFENCE: memory corruption", test_free_bulk_mixed);
	KUNIT_EXPECT_EQ(test, READ_ONCE(kfence_meta_of((unsigned long)k)->state),
			KFENCE_OBJECT_FREED);

	objs[0] = kmem_cache_alloc(c, GFP_KERNEL);
	objs[1] = kct_cache_alloc(test, c);
	objs[2] = kmem_cache_alloc(c, GFP_KERNEL);
	objs[3] = kct_cache_alloc(test, c);
	objs[4] = kmem_cache_alloc(c, GFP_KERNEL);
	k1 = kfence_meta_of((unsigned long)objs[1]);
	k3 = kfence_meta_of((unsigned long)objs[3]);
	kmem_cache_free_bulk(c, 5, objs);	/* clears objs[] as it goes */
	KUNIT_EXPECT_EQ(test, READ_ONCE(k1->state), KFENCE_OBJECT_FREED);
	KUNIT_EXPECT_EQ(test, READ_ONCE(k3->state), KFENCE_OBJECT_FREED);
	KUNIT_EXPECT_EQ(test, kct_reports(), 1);
	kmem_cache_destroy(c);
	kct_expect_allocated_consistent(test);
}

/*
 * A cache with SLUB's debugging on (red zones, poisoning, owner tracking):
 * KFENCE still samples it, its objects bypass SLUB's checks both ways, and
 * a bug in one is KFENCE's report, not a SLUB one (which would taint).
 */
static void test_slub_debug_cache(struct kunit *test)
{
	struct kmem_cache *c = kmem_cache_create("kct-slub-debug", 32, 0,
						 SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER |
						 SLAB_NO_MERGE, NULL);
	bool tainted = test_taint(TAINT_BAD_PAGE);
	char *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = kct_cache_alloc(test, c);
	memset(p, 0x3c, 32);
	kmem_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
	if (!tainted)
		KUNIT_EXPECT_FALSE(test, test_taint(TAINT_BAD_PAGE));

	p = kct_cache_alloc(test, c);
	kmem_cache_free(c, p);
	READ_ONCE(p[3]);
	kct_expect_common(test, "BUG: KFENCE: use-after-free read", test_slub_debug_cache);
	kmem_cache_destroy(c);
}

/*
 * __GFP_ACCOUNT allocations are sampled like any other, from the kmalloc-cg
 * caches, and the memory cgroup hooks find their per-object data in the
 * slot's metadata.
 */
static void test_gfp_account(struct kunit *test)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(20000);
	struct kfence_metadata *meta;
	char *p = NULL;

	while (time_before(jiffies, timeout)) {
		p = kmalloc(48, GFP_KERNEL_ACCOUNT);
		if (is_kfence_address(p))
			break;
		kfree(p);
		p = NULL;
		cond_resched();
	}
	KUNIT_ASSERT_NOT_NULL_MSG(test, p, "no KFENCE object for GFP_KERNEL_ACCOUNT");
	meta = kfence_meta_of((unsigned long)p);
	KUNIT_EXPECT_PTR_EQ(test, meta->cache, virt_to_slab(p)->slab_cache);
#ifdef CONFIG_MEMCG
	KUNIT_EXPECT_TRUE(test, str_has_prefix(meta->cache->name, "kmalloc-cg-"));
	KUNIT_EXPECT_PTR_EQ(test, (void *)slab_obj_exts(virt_to_slab(p)), (void *)&meta->obj_exts);
#endif
	memset(p, 0x77, 48);
	kfree(p);
	KUNIT_EXPECT_EQ(test, READ_ONCE(meta->state), KFENCE_OBJECT_FREED);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
}

/*
 * kmem_dump_obj() (mem_dump_obj() for slab memory) on a KFENCE object: the
 * object's start, the offset into it, its cache and both stacks.
 */
static void test_mem_dump_obj(struct kunit *test)
{
	char *p = kct_alloc(test, 32, KCT_ANY);
	struct kmem_obj_info kp = { };
	char want[96];

	KUNIT_EXPECT_TRUE(test, __kfence_obj_info(&kp, p + 5, virt_to_slab(p)));
	KUNIT_EXPECT_PTR_EQ(test, kp.kp_ptr, (void *)(p + 5));
	KUNIT_EXPECT_PTR_EQ(test, kp.kp_objp, (void *)p);
	KUNIT_EXPECT_EQ(test, kp.kp_data_offset, 0UL);
	KUNIT_EXPECT_PTR_EQ(test, kp.kp_slab_cache, virt_to_slab(p)->slab_cache);
	KUNIT_EXPECT_PTR_EQ(test, kp.kp_ret, kp.kp_stack[0]);
	/* The allocation site, not an allocator frame. */
	snprintf(want, sizeof(want), "%ps", kp.kp_ret);
	KUNIT_EXPECT_TRUE_MSG(test, !strcmp(want, "kct_alloc") || !strcmp(want, __func__),
			      "allocated at %s", want);
	KUNIT_EXPECT_NULL(test, kp.kp_free_stack[0]);

	kct_log_capture_all(true);
	KUNIT_EXPECT_TRUE(test, kmem_dump_obj(p + 5));
	kct_log_capture_all(false);
	snprintf(want, sizeof(want), " (kfence) start %016lx pointer offset 5 size ",
		 (unsigned long)p);	/* as %px prints it */
	kct_expect_report_has(test, want);

	kfree(p);
	memset(&kp, 0, sizeof(kp));
	KUNIT_EXPECT_TRUE(test, __kfence_obj_info(&kp, p, virt_to_slab(p)));
	snprintf(want, sizeof(want), "%ps", kp.kp_free_stack[0]);
	KUNIT_EXPECT_STREQ(test, want, __func__);

	kct_log_reset();
	kct_log_capture_all(true);
	KUNIT_EXPECT_TRUE(test, kmem_dump_obj(p));
	kct_log_capture_all(false);
	kct_expect_report_has(test, " Free path:");
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
}

/* ===== Races ===== */

static void test_uaf_racing_reuse(struct kunit *test)
{
	char *p = kct_alloc(test, 32, KCT_ANY);

	/*
	 * With KFENCE_STRESS_TEST_FAULTS the object may have come with an
	 * injected fault, which the handler would rightly take for its own:
	 * the first access consumes it.
	 */
	READ_ONCE(p[0]);
	KUNIT_ASSERT_FALSE(test, READ_ONCE(kfence_meta_of((unsigned long)p)->fault_injected));
	/*
	 * What the fault handler finds when a use-after-free faulted on a
	 * freed slot and the slot was handed out again before the handler
	 * took its lock: a live object whose page KFENCE did not protect.
	 */
	KUNIT_ASSERT_TRUE(test, kfence_protect_page(ALIGN_DOWN((unsigned long)p, PAGE_SIZE), true));
	kct_log_reset();
	READ_ONCE(p[3]);
	kct_expect_common(test, "BUG: KFENCE: use-after-free read", test_uaf_racing_reuse);
	/* The new owner's object stays usable. */
	WRITE_ONCE(p[4], 1);
	kfree(p);
	KUNIT_EXPECT_EQ(test, kct_reports(), 1);
}

/* A KFENCE object whose right neighbour slot is not allocated, if one comes. */
static char *kct_alloc_lonely(struct kunit *test, struct kfence_metadata **right)
{
	char *p = NULL, *held[16];
	int n = 0;

	while (n < ARRAY_SIZE(held)) {
		p = kct_alloc(test, 32, KCT_RIGHT);
		*right = kfence_meta_of(ALIGN((unsigned long)p, PAGE_SIZE) + PAGE_SIZE);
		if (!*right || READ_ONCE((*right)->state) != KFENCE_OBJECT_ALLOCATED)
			break;
		held[n++] = p;
	}
	while (n)
		kfree(held[--n]);
	return p;
}

static void test_oob_freed_neighbour(struct kunit *test)
{
	struct kfence_metadata *meta, *right;
	char *p = kct_alloc_lonely(test, &right);
	char *guard = (char *)ALIGN((unsigned long)p, PAGE_SIZE);
	char want[64];

	meta = kfence_meta_of((unsigned long)p);
	/* An overflow that reaches the guard page just after its object was freed. */
	kfree(p);
	kct_log_reset();
	READ_ONCE(*guard);
	kct_expect_common(test, "BUG: KFENCE: out-of-bounds read", test_oob_freed_neighbour);
	snprintf(want, sizeof(want), "right of kfence-#%ld):", kfence_meta_index(meta));
	if (!strstr(kct_log.text, want) && right &&
	    READ_ONCE(right->state) == KFENCE_OBJECT_ALLOCATED)
		kunit_skip(test, "the right neighbour was allocated meanwhile and got the blame");
	kct_expect_report_has(test, want);
	/* The guard page does not stay open: a later overflow is caught too. */
	msleep(100);
	READ_ONCE(*guard);
	KUNIT_EXPECT_EQ(test, kct_reports(), 2);
}

/*
 * KFENCE_STRESS_TEST_FAULTS protects a live object's page to exercise the
 * fault path: the owner's accesses and its free must go through unreported,
 * and the free's canary check must not fault under the slot lock.
 */
static void test_fault_injected_object(struct kunit *test)
{
	char *p = kct_alloc(test, 32, KCT_ANY);
	char *q = kct_alloc(test, 32, KCT_ANY);
	struct kfence_metadata *meta = kfence_meta_of((unsigned long)p);

	kfence_inject_fault(meta);
	kfree(p);
	KUNIT_EXPECT_EQ(test, READ_ONCE(meta->state), KFENCE_OBJECT_FREED);

	kfence_inject_fault(kfence_meta_of((unsigned long)q));
	WRITE_ONCE(q[5], 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(q[5]), 1);
	kfree(q);
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
}

/*
 * A reader on another CPU keeps loading from an object while its owner frees
 * it: the free re-protects the page while the reader runs, and the reader's
 * fault races the free for the slot. Exactly one report, a use-after-free
 * read in the reader, and the reader carries on.
 */
/* arm64 broadcasts its TLB invalidation: nothing to do there. */
static void kct_flush_local_tlb(unsigned long addr)
{
#ifdef CONFIG_X86
	flush_tlb_one_kernel(addr);
#endif
}

struct kct_reader {
	char *p;
	struct completion started;
	unsigned long reads;
};

static int kct_reader_fn(void *arg)
{
	struct kct_reader *r = arg;

	complete(&r->started);
	while (!kthread_should_stop()) {
		READ_ONCE(r->p[7]);
		r->reads++;
		if (r->reads % 1024)
			continue;
		cond_resched();
		/*
		 * x86 protects a page flushing only the local TLB: this CPU may
		 * read through a stale entry until something flushes it, which
		 * in a running system comes soon. Make it come now.
		 */
		kct_flush_local_tlb((unsigned long)r->p);
	}
	return 0;
}

static void test_fault_racing_free(struct kunit *test)
{
	struct kct_reader r = { .p = kct_alloc(test, 32, KCT_ANY) };
	struct task_struct *t;
	unsigned long reads;
	int cpu;

	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	if (cpu >= nr_cpu_ids)
		kunit_skip(test, "needs a second CPU");
	init_completion(&r.started);
	t = kthread_create(kct_reader_fn, &r, "kct-reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&r.started);
	kfree(r.p);
	msleep(50);
	reads = READ_ONCE(r.reads);
	msleep(20);
	/* Still reading: the fault did not leave the reader stuck. */
	KUNIT_EXPECT_GT(test, READ_ONCE(r.reads), reads);
	kthread_stop(t);
	KUNIT_EXPECT_EQ(test, kct_reports(), 1);
	kct_expect_report_has(test, "BUG: KFENCE: use-after-free read in kct_reader_fn+");
}

/* ===== Internal errors ===== */

/*
 * A cache armed while the gate was open must go back to the fast path on its
 * next allocation, even though KFENCE, now off, will never close that gate:
 * otherwise every allocation from it takes the slow path until reboot.
 */
static void kct_expect_disarms_when_off(struct kunit *test)
{
	struct kmem_cache *c = kmem_cache_create("kct_armed", 32, 0, 0, NULL);
	void *obj;

	KUNIT_ASSERT_NOT_NULL(test, c);
	atomic_set(&kfence_allocation_gate, 1);
	WRITE_ONCE(c->kfence_armed, 1);
	obj = kmem_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	KUNIT_EXPECT_FALSE(test, is_kfence_address(obj));
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->kfence_armed), 0);
	atomic_set(&kfence_allocation_gate, 0);
	kmem_cache_free(c, obj);
	kmem_cache_destroy(c);
}

static void test_warn_disables_for_good(struct kunit *test)
{
	char *p = kct_alloc(test, 32, KCT_ANY);

	/* Re-protecting the freed object's page fails: an internal error. */
	atomic_set(&kfence_fail_protect_in, 1);
	kfree(p);
	atomic_set(&kfence_fail_protect_in, 0);
	KUNIT_EXPECT_NE(test, READ_ONCE(kfence_failed_protect_page), 0UL);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(kfence_enabled));

	/* No parameter write turns it back on, and nothing is sampled. */
	KUNIT_EXPECT_NE(test, kct_set(test, "sample_interval", "1"), 0);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(kfence_enabled));
	KUNIT_EXPECT_FALSE(test, kct_sampled_within(NULL, GFP_KERNEL, 300));
	KUNIT_EXPECT_EQ(test, atomic_read(&kfence_allocation_gate), 0);
	kct_expect_disarms_when_off(test);

	/* Back to work for the rest of the suite: only a test may do this. */
	WRITE_ONCE(kfence_disabled_by_warn, false);
	KUNIT_EXPECT_EQ(test, kct_set(test, "sample_interval", "1"), 0);
	KUNIT_EXPECT_TRUE(test, kct_sampled_within(NULL, GFP_KERNEL, 20000));
	KUNIT_EXPECT_EQ(test, kct_reports(), 0);
}

/* ===== Report serialisation ===== */

/* Holds the report lock on another CPU, as one printing or stopped by panic would. */
struct kct_holder {
	struct completion locked;
	unsigned int hold_ms;
};

static int kct_holder_fn(void *arg)
{
	struct kct_holder *h = arg;
	unsigned long flags;
	bool locked;

	local_irq_save(flags);
	locked = kfence_report_lock();
	complete(&h->locked);
	mdelay(h->hold_ms);
	kfence_report_unlock(locked);
	local_irq_restore(flags);
	return 0;
}

/*
 * Raise an invalid free on this CPU while another CPU holds the report lock
 * for @hold_ms, optionally with this CPU marked as the one in panic().
 * Return how long the report took, in milliseconds.
 */
static s64 kct_report_against_holder(struct kunit *test, unsigned int hold_ms, bool panicking)
{
	struct kct_holder h = { .hold_ms = hold_ms };
	char *p = kct_alloc(test, 32, KCT_ANY);
	struct task_struct *task;
	int this, other;
	ktime_t t0;
	s64 ms;

	init_completion(&h.locked);
	migrate_disable();
	this = smp_processor_id();
	other = cpumask_any_but(cpu_online_mask, this);
	if (other >= nr_cpu_ids) {
		migrate_enable();
		kfree(p);
		kunit_skip(test, "needs two online CPUs");
	}
	task = kthread_run_on_cpu(kct_holder_fn, &h, other, "kct-holder/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	get_task_struct(task);
	wait_for_completion(&h.locked);

	kct_log_reset();
	t0 = ktime_get();
	if (panicking)
		atomic_set(&panic_cpu, this);
	kfree(p + 8);
	if (panicking)
		atomic_set(&panic_cpu, PANIC_CPU_INVALID);
	ms = ktime_ms_delta(ktime_get(), t0);
	migrate_enable();

	kthread_stop(task);
	put_task_struct(task);
	kfree(p);
	kunit_info(test, "report took %lld ms while another CPU held the lock for %u ms\n",
		   ms, hold_ms);
	KUNIT_EXPECT_EQ(test, kct_reports(), 1);
	kct_expect_report_has(test, "Invalid free of 0x");
	return ms;
}

static void test_report_lock_stuck_holder(struct kunit *test)
{
	/* A report waits a while for another, then prints anyway. */
	KUNIT_EXPECT_LT(test, kct_report_against_holder(test, 3000, false), 2000LL);
}

static void test_report_lock_panic(struct kunit *test)
{
	/* Under panic the holder may be a stopped CPU: do not wait at all. */
	KUNIT_EXPECT_LT(test, kct_report_against_holder(test, 3000, true), 500LL);
}

static void test_report_nested_same_cpu(struct kunit *test)
{
	char *outer = kct_alloc(test, 32, KCT_ANY);
	char *inner = kct_alloc(test, 32, KCT_ANY);
	long bugs = kct_counter(KFENCE_STAT_BUGS);

	kct_log_reset();
	/* The outer report's title line frees @inner wrongly, on this CPU. */
	WRITE_ONCE(kct_nested_victim, inner);
	kfree(outer + 8);
	KUNIT_EXPECT_NULL(test, READ_ONCE(kct_nested_victim));
	KUNIT_EXPECT_EQ(test, kct_reports(), 2);
	KUNIT_EXPECT_EQ(test, kct_counter(KFENCE_STAT_BUGS), bugs + 2);
	kfree(outer);
	kfree(inner);
	KUNIT_EXPECT_EQ(test, kct_reports(), 2);
}

/* ===== Suite ===== */

static int kct_init(struct kunit *test)
{
	if (!READ_ONCE(kfence_slots))
		kunit_skip(test, "KFENCE pool not initialised (kfence.sample_interval=0 at boot?)");
	kct_log_reset();
	return 0;
}

/*
 * Let the first late set-up of the pool fail when protecting its seventh
 * page, after the object pages have been typed, and record what it left.
 */
static void kct_fail_pool_setup(void)
{
	const struct kernel_param *kp = kct_param("sample_interval");
	unsigned long i, page;

	kct_setup_failure.tainted = test_taint(TAINT_BAD_PAGE);
	WRITE_ONCE(kfence_failed_protect_page, 0);
	atomic_set(&kfence_fail_protect_in, 7);
	kernel_param_lock(NULL);
	kct_setup_failure.ret = kp->ops->set("1", kp);
	kernel_param_unlock(NULL);
	atomic_set(&kfence_fail_protect_in, 0);
	page = READ_ONCE(kfence_failed_protect_page);
	if (!page)
		return;
	kct_setup_failure.pool = page - 6 * PAGE_SIZE;
	for (i = 0; i < KFENCE_POOL_SIZE / PAGE_SIZE; i++)
		if (folio_test_slab(page_folio(virt_to_page(kct_setup_failure.pool +
							      i * PAGE_SIZE))))
			kct_setup_failure.typed++;
}

static int kct_suite_init(struct kunit_suite *suite)
{
	int ret;

	/*
	 * Fast sampling keeps the suite short; restored afterwards. On a
	 * kernel booted with kfence.sample_interval=0 this write is what
	 * allocates the pool and starts KFENCE (see test_enable_late).
	 */
	kct_saved_interval = kfence_sample_interval;
	kct_enabled_late = !READ_ONCE(kfence_slots);
	if (kct_enabled_late)
		kct_fail_pool_setup();
	kernel_param_lock(NULL);
	ret = kct_param("sample_interval")->ops->set("1", kct_param("sample_interval"));
	kernel_param_unlock(NULL);
	if (ret)
		return ret;
	return register_trace_console(kct_probe_console, NULL);
}

static void kct_suite_exit(struct kunit_suite *suite)
{
	char val[24];

	unregister_trace_console(kct_probe_console, NULL);
	tracepoint_synchronize_unregister();
	snprintf(val, sizeof(val), "%lu", kct_saved_interval);
	kernel_param_lock(NULL);
	kct_param("sample_interval")->ops->set(val, kct_param("sample_interval"));
	kernel_param_unlock(NULL);
}

/* ===== Behaviour matched to upstream's ===== */

/* kfence.sample_interval as a read of its sysfs file shows it. */
static void kct_read_interval(char *buf)
{
	const struct kernel_param *kp = kct_param("sample_interval");

	kp->ops->get(buf, kp);
	strim(buf);
}

/*
 * While KFENCE is off the interval reads 0, as upstream's does, even where
 * the stored value is not 0: after an internal error turned KFENCE off. The
 * stored value is kept and shows again once KFENCE is back on.
 */
static void test_param_interval_reads_zero_when_off(struct kunit *test)
{
	char *p = kct_alloc(test, 32, KCT_ANY);
	char buf[32];

	kct_read_interval(buf);
	KUNIT_EXPECT_STREQ(test, buf, "1");
	/* A fault injected by the stress test is absorbed now, not under the free. */
	WRITE_ONCE(p[0], 1);
	/* Re-protecting the freed object's page fails: an internal error. */
	atomic_set(&kfence_fail_protect_in, 1);
	kfree(p);
	atomic_set(&kfence_fail_protect_in, 0);
	KUNIT_ASSERT_FALSE(test, READ_ONCE(kfence_enabled));
	kct_read_interval(buf);
	KUNIT_EXPECT_STREQ(test, buf, "0");
	KUNIT_EXPECT_EQ(test, kfence_sample_interval, 1UL);

	/* Back to work for the rest of the suite: only a test may do this. */
	WRITE_ONCE(kfence_disabled_by_warn, false);
	KUNIT_ASSERT_EQ(test, kct_set(test, "sample_interval", "1"), 0);
	kct_read_interval(buf);
	KUNIT_EXPECT_STREQ(test, buf, "1");
}

/* Every "Corrupted memory at" line printed while a case listens for them. */
static struct {
	atomic_t n;
	char line[2][160];
} kct_corruptions;

static void kct_probe_corruption(void *ignore, const char *buf, size_t len)
{
	static const char head[] = "Corrupted memory at ";
	int i;

	if (len < sizeof(head) - 1 || strncmp(buf, head, sizeof(head) - 1))
		return;
	i = atomic_inc_return(&kct_corruptions.n) - 1;
	if (i >= ARRAY_SIZE(kct_corruptions.line))
		return;
	len = min(len, sizeof(kct_corruptions.line[i]) - 1);
	memcpy(kct_corruptions.line[i], buf, len);
	kct_corruptions.line[i][len] = '\0';
}

/*
 * Both sides of an object's redzone corrupted: one report per side, as
 * upstream prints, each showing its own bytes. A right-placed object of 13
 * bytes has a redzone on both sides whatever the cache's alignment.
 */
static void test_report_corruption_each_side(struct kunit *test)
{
	char *p = kct_alloc(test, 13, KCT_RIGHT);
	long idx = kfence_meta_index(kfence_meta_of((unsigned long)p));
	long right = min_t(long, (char *)ALIGN((unsigned long)p, PAGE_SIZE) - (p + 13), 16);
	char want[160];
	int i, pos;

	atomic_set(&kct_corruptions.n, 0);
	KUNIT_ASSERT_EQ(test, register_trace_console(kct_probe_corruption, NULL), 0);
	kct_log_reset();
	WRITE_ONCE(p[-1], 0x11);	/* the last byte of the left redzone */
	WRITE_ONCE(p[13], 0x22);	/* the first byte of the right one */
	kfree(p);
	unregister_trace_console(kct_probe_corruption, NULL);
	tracepoint_synchronize_unregister();

	KUNIT_EXPECT_EQ(test, kct_reports(), 2);
	KUNIT_ASSERT_EQ(test, atomic_read(&kct_corruptions.n), 2);
	/* The left side first: it ends at the object, one byte. */
	snprintf(want, sizeof(want), "Corrupted memory at 0x%p [ %s ] (in kfence-#%ld):",
		 p - 1, no_hash_pointers ? "0x11" : "!", idx);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(kct_corruptions.line[0], want),
			      "got '%s', want '%s'", kct_corruptions.line[0], want);
	/* Then the right side, to the end of the page. */
	pos = snprintf(want, sizeof(want), "Corrupted memory at 0x%p [ %s", p + 13,
		       no_hash_pointers ? "0x22" : "!");
	for (i = 1; i < right; i++)
		pos += snprintf(want + pos, sizeof(want) - pos, " .");
	snprintf(want + pos, sizeof(want) - pos, " ] (in kfence-#%ld):", idx);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(kct_corruptions.line[1], want),
			      "got '%s', want '%s'", kct_corruptions.line[1], want);
	/* Both are about this free. */
	snprintf(want, sizeof(want), "BUG: KFENCE: memory corruption in %s+", __func__);
	kct_expect_report_has(test, want);
}

/*
 * is_kfence_address() reads the pool's start and size from one aligned pair,
 * the size first (acquire), then the start: the pair must hold the live
 * pool, and the check must hold exactly the pool, NULL and ZERO_SIZE_PTR
 * never.
 */
static void test_pool_span(struct kunit *test)
{
	char *start = READ_ONCE(__kfence_pool_span.start);
	unsigned long size = READ_ONCE(__kfence_pool_span.size);

	KUNIT_EXPECT_PTR_EQ(test, start, __kfence_pool);
	KUNIT_EXPECT_EQ(test, size, KFENCE_POOL_SIZE);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)&__kfence_pool_span,
					   2 * sizeof(unsigned long)));

	KUNIT_EXPECT_TRUE(test, is_kfence_address(start));
	KUNIT_EXPECT_TRUE(test, is_kfence_address(start + size - 1));
	KUNIT_EXPECT_FALSE(test, is_kfence_address(start + size));
	KUNIT_EXPECT_FALSE(test, is_kfence_address(start - 1));
	KUNIT_EXPECT_FALSE(test, is_kfence_address(NULL));
	KUNIT_EXPECT_FALSE(test, is_kfence_address(ZERO_SIZE_PTR));
}

/* kfence/objects' own show, with the private copy the file's open gives it. */
static struct kfence_slot_copy kct_slot_copy;

static int kct_objects_show(struct seq_file *m, void *v)
{
	m->private = &kct_slot_copy;
	return kfence_objects_show(m, v);
}

/*
 * kfence/objects prints a copy of each slot taken under its lock, the cache's
 * name included, and a cache destroyed since shows as such.
 */
static void test_debugfs_objects_copy(struct kunit *test)
{
	struct kmem_cache *c = kmem_cache_create("kct-objects", 48, 0, SLAB_NO_MERGE, NULL);
	struct kfence_metadata *meta;
	char want[96];
	char *p, *text;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = kct_cache_alloc(test, c);
	meta = kfence_meta_of((unsigned long)p);
	text = kct_render(test, kct_objects_show, meta);
	snprintf(want, sizeof(want), "kfence-#%ld: 0x%p-0x%p, size=48, cache=kct-objects\n\n",
		 kfence_meta_index(meta), p, p + 47);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(text, want), "want '%s' in:\n%s", want, text);
	snprintf(want, sizeof(want), "allocated by task %d on cpu ", current->pid);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, want));
	KUNIT_EXPECT_NULL(test, strstr(text, "freed by task"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "\n---------------------------------\n"));

	kmem_cache_free(c, p);
	kmem_cache_destroy(c);
	text = kct_render(test, kct_objects_show, meta);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, ", size=48, cache=<destroyed>\n\n"));
	snprintf(want, sizeof(want), "\nfreed by task %d on cpu ", current->pid);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, want));
}

static struct kunit_case kfence_core_cases[] = {
	KUNIT_CASE(test_enable_late),
	KUNIT_CASE(test_pool_setup_failure),
	KUNIT_CASE(test_report_taints),
	KUNIT_CASE(test_param_interval_runtime),
	KUNIT_CASE(test_param_interval_rejects_bad_values),
	KUNIT_CASE(test_param_interval_zero_disables),
	KUNIT_CASE(test_param_disable_does_not_stall),
	KUNIT_CASE(test_param_skip_covered_thresh),
	KUNIT_CASE(test_param_burst),
	KUNIT_CASE(test_param_boot_only),
	KUNIT_CASE(test_num_objects_parse),
	KUNIT_CASE(test_num_objects_sizes_pool),
	KUNIT_CASE(test_is_kfence_address),
	KUNIT_CASE(test_object_placement_and_size),
	KUNIT_CASE(test_fifo_reuse),
	KUNIT_CASE(test_stats_counters),
	KUNIT_CASE(test_debugfs_stats),
	KUNIT_CASE(test_debugfs_objects),
	KUNIT_CASE(test_pool_exhaustion),
	KUNIT_CASE(test_skip_covered),
	KUNIT_CASE(test_covered_irq_stacks),
	KUNIT_CASE(test_covered_key_seeded),
	KUNIT_CASE(test_krealloc_in_place),
	KUNIT_CASE(test_guard_refault_reported_once),
	KUNIT_CASE(test_cache_destroy_zombie),
	KUNIT_CASE(test_zombie_slot_not_reused),
	KUNIT_CASE(test_skip_incompatible),
	KUNIT_CASE(test_rcu_double_free_in_grace_period),
	KUNIT_CASE(test_cache_destroy_rcu_pending),
	KUNIT_CASE(test_zombie_write_and_free),
	KUNIT_CASE(test_destroyed_cache_freed_slot),
	KUNIT_CASE(test_free_bulk_mixed),
	KUNIT_CASE(test_slub_debug_cache),
	KUNIT_CASE(test_gfp_account),
	KUNIT_CASE(test_mem_dump_obj),
	KUNIT_CASE(test_fault_racing_free),
	KUNIT_CASE(test_many_cpus_gate_flips),
	KUNIT_CASE(test_report_oob_fields),
	KUNIT_CASE(test_report_left_oob_write),
	KUNIT_CASE(test_report_uaf_fields),
	KUNIT_CASE(test_report_invalid_free_fields),
	KUNIT_CASE(test_report_corruption_bytes),
	KUNIT_CASE(test_canary_every_byte),
	KUNIT_CASE(test_track_round_trip),
	KUNIT_CASE(test_report_invalid_access),
	KUNIT_CASE(test_no_report_when_clean),
	KUNIT_CASE(test_warn_disables_for_good),
	KUNIT_CASE(test_report_lock_stuck_holder),
	KUNIT_CASE(test_report_lock_panic),
	KUNIT_CASE(test_report_nested_same_cpu),
	KUNIT_CASE(test_uaf_racing_reuse),
	KUNIT_CASE(test_oob_freed_neighbour),
	KUNIT_CASE(test_fault_injected_object),
	KUNIT_CASE(test_param_interval_reads_zero_when_off),
	KUNIT_CASE(test_report_corruption_each_side),
	KUNIT_CASE(test_pool_span),
	KUNIT_CASE(test_debugfs_objects_copy),
	{},
};

static struct kunit_suite kfence_core_suite = {
	.name = "kfence_core",
	.test_cases = kfence_core_cases,
	.init = kct_init,
	.suite_init = kct_suite_init,
	.suite_exit = kct_suite_exit,
};

kunit_test_suites(&kfence_core_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemsafe KFENCE core KUnit suite");
