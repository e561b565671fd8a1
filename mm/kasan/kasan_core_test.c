// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "kasan_core": what upstream's "kasan" suite does not check of
 * the software tag-based mode. How tags are drawn and kept, every field of
 * each kind of report as the console shows it, how reports classify an
 * access into a neighbour, the sharing, release and failed population of
 * vmalloc shadow, many CPUs allocating at once, the allocation history, the
 * mem*() checks and the match-all tag. The file is built with KASAN
 * instrumentation: a plain access through a bad pointer here is reported.
 */

#include <kunit/fail_page_alloc.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kasan.h>
#include <linux/kfence.h>
#include <linux/kthread.h>
#include <linux/memblock.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>
#include <trace/events/printk.h>

#include "kasan.h"
#include "../slab.h"

#define KKT_TITLE	"BUG: KASAN: "

/*
 * An address as a report's %px prints it: the raw value, tag included, in
 * 16 digits (the tag modes are 64-bit only).
 */
#define KKT_ADDR	"%016lx"

/* ===== Console capture ===== */

/*
 * The text of the last KASAN report, from its title to the closing line,
 * one console record a line. The console tracepoint sees each printk() call
 * without its trailing newline (and a pr_cont() piece as a record of its
 * own): the probe puts a newline after each one.
 */
static struct {
	raw_spinlock_t lock;	/* serialises the probe, which reports call with IRQs off */
	bool in_report;
	int reports;
	size_t len;
	char text[32768];
} kkt_log = {
	.lock = __RAW_SPIN_LOCK_UNLOCKED(kkt_log.lock),
};

static void kkt_probe_console(void *ignore, const char *buf, size_t len)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kkt_log.lock, flags);
	/* A title starts its record; KUnit messages quoting one do not count. */
	if (len >= strlen(KKT_TITLE) && !strncmp(buf, KKT_TITLE, strlen(KKT_TITLE))) {
		kkt_log.in_report = true;
		kkt_log.reports++;
		kkt_log.len = 0;
	} else if (kkt_log.in_report && len >= 5 && !strncmp(buf, "=====", 5)) {
		kkt_log.in_report = false;
	}
	if (kkt_log.in_report && kkt_log.len + 2 < sizeof(kkt_log.text)) {
		len = min(len, sizeof(kkt_log.text) - 2 - kkt_log.len);
		memcpy(kkt_log.text + kkt_log.len, buf, len);
		kkt_log.len += len;
		kkt_log.text[kkt_log.len++] = '\n';
		kkt_log.text[kkt_log.len] = '\0';
	}
	raw_spin_unlock_irqrestore(&kkt_log.lock, flags);
}

static void kkt_log_reset(void)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kkt_log.lock, flags);
	kkt_log.in_report = false;
	kkt_log.reports = 0;
	kkt_log.len = 0;
	kkt_log.text[0] = '\0';
	raw_spin_unlock_irqrestore(&kkt_log.lock, flags);
}

/* Reports since the last reset; they are printed synchronously. */
static int kkt_reports(void)
{
	return READ_ONCE(kkt_log.reports);
}

static void kkt_expect_has(struct kunit *test, const char *needle)
{
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(kkt_log.text, needle),
				  "report lacks \"%s\":\n%.2000s", needle, kkt_log.text);
}

static void kkt_expect_lacks(struct kunit *test, const char *needle)
{
	KUNIT_EXPECT_NULL_MSG(test, strstr(kkt_log.text, needle),
			      "report has \"%s\":\n%.2000s", needle, kkt_log.text);
}

/* ===== Report fields ===== */

/* What one report must say; see kkt_expect_report(). */
struct kkt_want {
	const char *type;	/* the bug type of the title */
	const char *fn;		/* the function the title names */
	const char *access;	/* "Read", "Write", or "Free" for a bad free */
	size_t size;		/* the access size */
	const void *addr;	/* the address the access line names; NULL: not checked */
	const void *bad;	/* the first bad byte, for the tags line and the shadow dump */
	u8 ptr_tag;
	int mem_tag;		/* the bad granule's tag; -1: not checked */
	const void *object;	/* the object named; NULL: the report must name none */
	const char *rel;	/* where @addr is: "to the right", "inside"; NULL: not checked */
	size_t region;		/* the size of the object's region */
	const char *alloc_fn;	/* in the allocation stack; NULL: no allocation stack */
	const char *free_fn;	/* in the free stack; NULL: no free stack */
};

static void kkt_expect_title(struct kunit *test, const char *type, const char *fn)
{
	int title_len = strchrnul(kkt_log.text, '\n') - kkt_log.text;
	char want[128];

	/* The bad access's own function, never a kasan_ or __hwasan_ frame. */
	snprintf(want, sizeof(want), KKT_TITLE "%s in %s+", type, fn);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(kkt_log.text, want),
			      "want \"%s\", title \"%.*s\"", want, title_len, kkt_log.text);
}

/*
 * The stack printed after "<which> by task <pid>:", up to the blank line
 * that ends it, must hold a frame of @fn.
 */
static void kkt_expect_stack(struct kunit *test, const char *which, const char *fn)
{
	static const char *const ends[] = {
		"\n\n", "\nAllocated by task", "\nFreed by task", "\nThe buggy address",
	};
	const char *start, *end, *e;
	char from[48], frame[64];
	int i;

	snprintf(from, sizeof(from), "%s by task %d:\n", which, task_pid_nr(current));
	start = strstr(kkt_log.text, from);
	KUNIT_EXPECT_NOT_NULL_MSG(test, start, "report lacks \"%s\":\n%.2000s", from,
				  kkt_log.text);
	if (!start)
		return;
	start += strlen(from);
	end = start + strlen(start);
	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		e = strstr(start, ends[i]);
		if (e && e < end)
			end = e;
	}
	snprintf(frame, sizeof(frame), " %s+", fn);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strnstr(start, frame, end - start),
				  "no %s in the %s stack:\n%.*s", fn, which, (int)(end - start),
				  start);
}

/*
 * The shadow dump: five rows of 16 granules around the first bad byte, the
 * row that holds it marked '>' and followed by a line with a '^' under that
 * granule's tag. Near a vmalloc area the rows before it may have no shadow
 * mapped, and are left out.
 */
static void kkt_expect_shadow_dump(struct kunit *test, const void *bad, int mem_tag)
{
	const size_t row_bytes = 16 * KASAN_GRANULE_SIZE;
	const size_t prefix = 1 + 2 * sizeof(void *) + 2;	/* '>', the row, ": " */
	unsigned long addr = (unsigned long)kasan_reset_tag(bad);
	unsigned long row = round_down(addr, row_bytes);
	size_t col = prefix + 3 * ((addr - row) / KASAN_GRANULE_SIZE);
	const char *line, *marked = NULL;
	int rows = 0, marks = 0, carets = 0;
	size_t caret_col = 0;
	char want[32];

	line = strstr(kkt_log.text, "Memory state around the buggy address:\n");
	KUNIT_ASSERT_NOT_NULL_MSG(test, line, "no shadow dump:\n%.2000s", kkt_log.text);
	line = strchr(line, '\n') + 1;
	while (*line) {
		const char *end = strchrnul(line, '\n');
		size_t n = end - line;

		if (n > prefix && (line[0] == ' ' || line[0] == '>') &&
		    line[prefix - 2] == ':') {
			rows++;
			if (line[0] == '>') {
				marks++;
				marked = line;
			}
		} else if (n && line[n - 1] == '^') {
			carets++;
			caret_col = n - 1;
		}
		line = *end ? end + 1 : end;
	}
	if (is_vmalloc_addr(bad))
		KUNIT_EXPECT_GE(test, rows, 3);
	else
		KUNIT_EXPECT_EQ(test, rows, 5);
	KUNIT_EXPECT_LE(test, rows, 5);
	KUNIT_EXPECT_EQ(test, marks, 1);
	KUNIT_EXPECT_EQ(test, carets, 1);
	if (!marked)
		return;
	snprintf(want, sizeof(want), ">" KKT_ADDR ": ", row);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(marked, want), "want row \"%s\"", want);
	KUNIT_EXPECT_EQ_MSG(test, caret_col, col, "'^' not under the granule of %p", bad);
	if (mem_tag < 0 || strchrnul(marked, '\n') < marked + col + 2)
		return;
	snprintf(want, sizeof(want), "%02x", mem_tag);
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(marked + col, want, 2),
			      "the marked granule is not tagged %s", want);
}

/* Exactly one report since the last reset, saying what @w says. */
static void kkt_expect_report(struct kunit *test, const struct kkt_want *w)
{
	const u8 *obj = w->object ? kasan_reset_tag(w->object) : NULL;
	char want[256];

	KUNIT_EXPECT_EQ_MSG(test, kkt_reports(), 1, "last report:\n%.2000s", kkt_log.text);
	kkt_expect_title(test, w->type, w->fn);

	if (!strcmp(w->access, "Free"))
		snprintf(want, sizeof(want), "Free of addr " KKT_ADDR " by task %s/%d\n",
			 (unsigned long)w->addr, current->comm, task_pid_nr(current));
	else if (w->addr)
		snprintf(want, sizeof(want), "%s of size %zu at addr " KKT_ADDR " by task %s/%d\n",
			 w->access, w->size, (unsigned long)w->addr, current->comm,
			 task_pid_nr(current));
	else
		snprintf(want, sizeof(want), "%s of size %zu at addr ", w->access, w->size);
	kkt_expect_has(test, want);

	if (w->mem_tag < 0)
		snprintf(want, sizeof(want), "Pointer tag: [%02x], memory tag: [", w->ptr_tag);
	else
		snprintf(want, sizeof(want), "Pointer tag: [%02x], memory tag: [%02x]\n",
			 w->ptr_tag, w->mem_tag);
	kkt_expect_has(test, want);

	if (obj) {
		struct kmem_cache *cache = virt_to_slab(obj)->slab_cache;

		snprintf(want, sizeof(want),
			 "The buggy address belongs to the object at " KKT_ADDR
			 "\n which belongs to the cache %s of size %u\n",
			 (unsigned long)obj, cache->name, cache->object_size);
		kkt_expect_has(test, want);
		if (w->rel) {
			const u8 *at = kasan_reset_tag(w->addr);
			long rel = at - obj;

			if (!strcmp(w->rel, "to the left"))
				rel = -rel;
			else if (strcmp(w->rel, "inside"))
				rel -= w->region;

			snprintf(want, sizeof(want),
				 "The buggy address is located %ld bytes %s of\n %zu-byte region ["
				 KKT_ADDR ", " KKT_ADDR ")\n",
				 rel, w->rel, w->region, (unsigned long)obj,
				 (unsigned long)(obj + w->region));
			kkt_expect_has(test, want);
		}
	} else {
		kkt_expect_lacks(test, "The buggy address belongs to the object");
	}

	if (w->alloc_fn)
		kkt_expect_stack(test, "Allocated", w->alloc_fn);
	else
		kkt_expect_lacks(test, "Allocated by task");
	if (w->free_fn)
		kkt_expect_stack(test, "Freed", w->free_fn);
	else
		kkt_expect_lacks(test, "Freed by task");

	kkt_expect_shadow_dump(test, w->bad, w->mem_tag);
}

/* ===== Helpers ===== */

/* Bug types and stacks come from the allocation history. */
static void kkt_need_history(struct kunit *test)
{
	if (!kasan_stack_collection_enabled())
		kunit_skip(test, "kasan.stacktrace=off: no allocation history to report from");
}

static void kkt_need_vmalloc(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_KASAN_VMALLOC))
		kunit_skip(test, "needs CONFIG_KASAN_VMALLOC");
}

static struct kmem_cache *kkt_cache_of(const void *object)
{
	return virt_to_slab(kasan_reset_tag(object))->slab_cache;
}

/*
 * kmalloc() and kmem_cache_alloc() that never return a KFENCE object:
 * KASAN leaves those untagged and KFENCE reports their bugs itself.
 */
/* kmalloc(@size, @gfp) until the object is not KFENCE's. */
static void *kkt_kmalloc_gfp(struct kunit *test, size_t size, gfp_t gfp)
{
	int i;

	for (i = 0; i < 1000; i++) {
		void *p = kmalloc(size, gfp);

		KUNIT_ASSERT_NOT_NULL(test, p);
		if (!is_kfence_address(p))
			return p;
		kfree(p);
	}
	KUNIT_FAIL_AND_ABORT(test, "only KFENCE objects from kmalloc(%zu, %pGg)", size, &gfp);
	return NULL;
}

static void *kkt_kmalloc(struct kunit *test, size_t size)
{
	return kkt_kmalloc_gfp(test, size, GFP_KERNEL);
}

static void *kkt_cache_alloc(struct kunit *test, struct kmem_cache *c)
{
	int i;

	for (i = 0; i < 1000; i++) {
		void *p = kmem_cache_alloc(c, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		if (!is_kfence_address(p))
			return p;
		kmem_cache_free(c, p);
	}
	KUNIT_FAIL_AND_ABORT(test, "only KFENCE objects from %s", c->name);
	return NULL;
}

static struct kmem_cache *kkt_cache_create(struct kunit *test, const char *name,
					   unsigned int size, void (*ctor)(void *))
{
	struct kmem_cache *c = kmem_cache_create(name, size, 0, SLAB_NO_MERGE, ctor);

	KUNIT_ASSERT_NOT_NULL(test, c);
	return c;
}

/*
 * Distinct allocation and free sites, so that a report's two stacks can be
 * told apart. The barrier keeps the call from becoming a tail call, which
 * would drop the site's frame.
 */
static noinline void *kkt_alloc_site(size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL);

	barrier();
	return p;
}

static noinline void kkt_free_site(void *p)
{
	kfree(p);
	barrier();
}

/* Whether the stack in the depot has a frame of @fn. */
static bool kkt_stack_has(depot_stack_handle_t handle, const char *fn)
{
	unsigned long *entries;
	unsigned int i, n;
	char sym[128];

	if (!handle)
		return false;
	n = stack_depot_fetch(handle, &entries);
	for (i = 0; i < n; i++) {
		snprintf(sym, sizeof(sym), "%ps", (void *)entries[i]);
		if (!strcmp(sym, fn))
			return true;
	}
	return false;
}

/*
 * Whether the history knows the object at @addr under @tag. A report of an
 * access there through a pointer with that tag is then about that object:
 * tests that aim at a neighbour pick one it does not know.
 */
static bool kkt_history_knows(const void *addr, u8 tag)
{
	struct kasan_history h;

	return kasan_find_history(set_tag(kasan_reset_tag(addr), tag), &h);
}

/* A batch of objects, sorted by address, KFENCE's left out. */
#define KKT_BATCH	512

struct kkt_batch {
	unsigned int nr;
	void *objs[KKT_BATCH];
};

static int kkt_cmp_untagged(const void *a, const void *b)
{
	unsigned long x = (unsigned long)kasan_reset_tag(*(void * const *)a);
	unsigned long y = (unsigned long)kasan_reset_tag(*(void * const *)b);

	return x < y ? -1 : x > y;
}

/* @nr objects of @c, or of kmalloc(@size) when @c is NULL. */
static struct kkt_batch *kkt_batch_alloc(struct kunit *test, struct kmem_cache *c,
					 size_t size, unsigned int nr)
{
	struct kkt_batch *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_LE(test, nr, KKT_BATCH);
	while (b->nr < nr)
		b->objs[b->nr++] = c ? kkt_cache_alloc(test, c) : kkt_kmalloc(test, size);
	sort(b->objs, b->nr, sizeof(b->objs[0]), kkt_cmp_untagged, NULL);
	return b;
}

static void kkt_batch_free(struct kkt_batch *b, struct kmem_cache *c)
{
	while (b->nr) {
		void *p = b->objs[--b->nr];

		if (c)
			kmem_cache_free(c, p);
		else
			kfree(p);
	}
}

/* Whether objs[@i + 1] starts where the slot of objs[@i] in its slab ends. */
static bool kkt_batch_adjacent(struct kkt_batch *b, unsigned int i)
{
	const u8 *a = kasan_reset_tag(b->objs[i]);
	const u8 *n = kasan_reset_tag(b->objs[i + 1]);
	struct slab *slab = virt_to_slab(a);

	return slab == virt_to_slab(n) && n - a == slab->slab_cache->size;
}

/* Whether two objects of the batch have one address. */
static bool kkt_batch_has_duplicates(struct kkt_batch *b)
{
	unsigned int i;

	for (i = 0; i + 1 < b->nr; i++)
		if (kasan_reset_tag(b->objs[i]) == kasan_reset_tag(b->objs[i + 1]))
			return true;
	return false;
}

/* Free pages, with the per-CPU lists drained and the counters folded. */
static unsigned long kkt_free_pages(void)
{
	unsigned long n = 0;
	struct zone *zone;

	drain_all_pages(NULL);
	for_each_populated_zone(zone)
		n += zone_page_state_snapshot(zone, NR_FREE_PAGES);
	return n;
}

/* What the system may allocate or free behind a test's back, in pages. */
#define KKT_PAGE_SLACK	128

/* ===== Tags ===== */

#define KKT_SPREAD_ALLOCS	20000
#define KKT_SPREAD_HELD		500

/* Proves kmalloc tags are never 0xff or 0xfe and cover nearly all the rest evenly. */
static void test_tag_spread(struct kunit *test)
{
	void **held = kunit_kcalloc(test, KKT_SPREAD_HELD, sizeof(*held), GFP_KERNEL);
	unsigned int *seen = kunit_kcalloc(test, 256, sizeof(*seen), GFP_KERNEL);
	unsigned int n, i, distinct = 0, most = 0;

	KUNIT_ASSERT_NOT_NULL(test, held);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (n = 0; n < KKT_SPREAD_ALLOCS; n += KKT_SPREAD_HELD) {
		for (i = 0; i < KKT_SPREAD_HELD; i++) {
			held[i] = kkt_kmalloc(test, 64);
			seen[get_tag(held[i])]++;
		}
		for (i = 0; i < KKT_SPREAD_HELD; i++)
			kfree(held[i]);
		cond_resched();
	}
	for (i = 0; i < 256; i++) {
		distinct += !!seen[i];
		most = max(most, seen[i]);
	}
	kunit_info(test, "%u distinct tags in %u allocations, the most common %u times\n",
		   distinct, KKT_SPREAD_ALLOCS, most);
	KUNIT_EXPECT_EQ(test, seen[KASAN_TAG_KERNEL], 0U);
	KUNIT_EXPECT_EQ(test, seen[KASAN_TAG_INVALID], 0U);
	KUNIT_EXPECT_GE(test, distinct, 200U);
	/* No tag drawn five times as often as its share. */
	KUNIT_EXPECT_LT(test, most, 5U * KKT_SPREAD_ALLOCS / (KASAN_TAG_MAX - KASAN_TAG_MIN + 1));
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

/* Proves neighbouring objects of one slab never share a tag, without a constructor. */
static void test_tag_neighbours_differ(struct kunit *test)
{
	struct kmem_cache *c = kkt_cache_create(test, "kkt-neighbours", 64, NULL);
	unsigned int i, pairs = 0, same = 0, reserved = 0;
	struct kkt_batch *b;

	if (c->size != c->object_size) {
		kmem_cache_destroy(c);
		kunit_skip(test, "slub_debug pads the objects: none is next to another");
	}
	/* Eight slabs' worth or more: whole slabs, every object taken. */
	b = kkt_batch_alloc(test, c, 0, KKT_BATCH);
	for (i = 0; i < b->nr; i++) {
		u8 tag = get_tag(b->objs[i]);

		reserved += tag == KASAN_TAG_KERNEL || tag == KASAN_TAG_INVALID;
		if (i + 1 < b->nr && kkt_batch_adjacent(b, i)) {
			pairs++;
			same += tag == get_tag(b->objs[i + 1]);
		}
	}
	kunit_info(test, "%u neighbouring pairs among %u objects\n", pairs, b->nr);
	KUNIT_EXPECT_GE(test, pairs, b->nr / 2);
	KUNIT_EXPECT_EQ(test, same, 0U);
	KUNIT_EXPECT_EQ(test, reserved, 0U);
	kkt_batch_free(b, c);
	kmem_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

#define KKT_CTOR_BYTE	0x5c

static void kkt_ctor(void *object)
{
	memset(object, KKT_CTOR_BYTE, 64);
}

/* Proves objects of a cache with a constructor keep their tag, and neighbours differ. */
static void test_tag_ctor_fixed(struct kunit *test)
{
	struct kmem_cache *c = kkt_cache_create(test, "kkt-ctor", 64, kkt_ctor);
	unsigned int i, j, pairs = 0, same = 0, matched = 0, changed = 0;
	struct kkt_batch *first, *again;

	first = kkt_batch_alloc(test, c, 0, 256);
	for (i = 0; i < first->nr; i++) {
		u8 *p = first->objs[i];

		KUNIT_EXPECT_NE(test, get_tag(p), KASAN_TAG_KERNEL);
		KUNIT_EXPECT_NE(test, get_tag(p), KASAN_TAG_INVALID);
		KUNIT_EXPECT_EQ(test, READ_ONCE(p[63]), KKT_CTOR_BYTE);
		if (i + 1 < first->nr && kkt_batch_adjacent(first, i)) {
			pairs++;
			same += get_tag(p) == get_tag(first->objs[i + 1]);
		}
	}

	/*
	 * Free every other object: their slabs stay in use, so the objects
	 * allocated next are those, from the same slots.
	 */
	for (i = 1; i < first->nr; i += 2)
		kmem_cache_free(c, first->objs[i]);
	again = kkt_batch_alloc(test, c, 0, first->nr / 2);
	/* Both sorted by address: walk them side by side. */
	for (i = 0, j = 1; i < again->nr; i++) {
		const void *a = kasan_reset_tag(again->objs[i]);

		while (j < first->nr && kasan_reset_tag(first->objs[j]) < a)
			j += 2;
		if (j < first->nr && kasan_reset_tag(first->objs[j]) == a) {
			matched++;
			changed += get_tag(first->objs[j]) != get_tag(again->objs[i]);
		}
	}
	kunit_info(test, "%u neighbouring pairs; %u of %u objects allocated again\n", pairs,
		   matched, again->nr);
	KUNIT_EXPECT_GE(test, pairs, first->nr / 2);
	KUNIT_EXPECT_EQ(test, same, 0U);
	KUNIT_EXPECT_GE(test, matched, again->nr / 2);
	KUNIT_EXPECT_EQ(test, changed, 0U);
	kkt_batch_free(again, c);
	for (i = 0; i < first->nr; i += 2)
		kmem_cache_free(c, first->objs[i]);
	kmem_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

/* ===== Out of bounds ===== */

/* Proves a read in the granule after a 13-byte object is reported as slab-out-of-bounds. */
static void test_oob_next_granule(struct kunit *test)
{
	struct kkt_batch *b;
	unsigned int i;
	u8 *p = NULL;

	kkt_need_history(test);
	/*
	 * In kmalloc-16 the next granule is the next object's: one in the same
	 * slab, whose history does not know the pointer's tag.
	 */
	b = kkt_batch_alloc(test, NULL, 13, 64);
	for (i = 0; i < b->nr && !p; i++) {
		u8 *q = b->objs[i];

		if (kkt_cache_of(q)->object_size > KASAN_GRANULE_SIZE ||
		    (virt_to_slab(kasan_reset_tag(q + KASAN_GRANULE_SIZE)) ==
		     virt_to_slab(kasan_reset_tag(q)) &&
		     !kkt_history_knows(q + KASAN_GRANULE_SIZE, get_tag(q))))
			p = q;
	}
	KUNIT_ASSERT_NOT_NULL(test, p);
	OPTIMIZER_HIDE_VAR(p);
	READ_ONCE(p[12]);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);

	READ_ONCE(p[16]);
	kkt_expect_report(test, &(struct kkt_want){
		.type = "slab-out-of-bounds", .fn = __func__, .access = "Read", .size = 1,
		.addr = p + 16, .bad = p + 16, .ptr_tag = get_tag(p), .mem_tag = -1,
		.object = p, .rel = "to the right", .region = 13,
		.alloc_fn = __func__,
	});
	kkt_batch_free(b, NULL);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
}

/*
 * Proves an overflow into the next object is named after the object whose
 * tag the pointer has: slab-out-of-bounds of A, with A's allocation stack.
 */
static void test_oob_into_neighbour(struct kunit *test)
{
	struct kmem_cache *c;
	struct kkt_batch *b;
	unsigned int i;
	u8 *a, *n;

	kkt_need_history(test);
	c = kkt_cache_create(test, "kkt-neighbour", 64, NULL);
	b = kkt_batch_alloc(test, c, 0, 64);
	for (i = 0; i + 1 < b->nr; i++)
		if (kkt_batch_adjacent(b, i) &&
		    !kkt_history_knows(b->objs[i + 1], get_tag(b->objs[i])))
			break;
	KUNIT_ASSERT_LT_MSG(test, i + 1, b->nr, "no two neighbouring objects among %u", b->nr);
	a = b->objs[i];
	n = b->objs[i + 1];
	KUNIT_ASSERT_NE(test, get_tag(a), get_tag(n));

	/* A's tag, B's first byte. */
	READ_ONCE(a[c->size]);
	kkt_expect_report(test, &(struct kkt_want){
		.type = "slab-out-of-bounds", .fn = __func__, .access = "Read", .size = 1,
		.addr = a + c->size, .bad = a + c->size, .ptr_tag = get_tag(a),
		.mem_tag = get_tag(n), .object = a, .rel = "to the right",
		.region = c->object_size, .alloc_fn = __func__,
	});
	kkt_expect_lacks(test, "invalid-access");
	kkt_batch_free(b, c);
	kmem_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
}

/* ===== Short granules ===== */

/* The shadow byte of the granule that holds @p. */
static u8 kkt_shadow(const void *p)
{
	return *(u8 *)kasan_mem_to_shadow(kasan_reset_tag(p));
}

/*
 * The report of one out-of-bounds access at @off into the @len-byte object
 * at @p, made by @fn inside the object's last granule: slab-out-of-bounds
 * of that object, its exact size the region, and the short granule's
 * length the memory tag.
 */
static void kkt_expect_short_oob(struct kunit *test, const char *fn, const u8 *p,
				 size_t off, size_t len, const char *access, size_t size)
{
	kkt_expect_report(test, &(struct kkt_want){
		.type = "slab-out-of-bounds", .fn = fn, .access = access, .size = size,
		.addr = p + off, .bad = p + max(off, len), .ptr_tag = get_tag(p),
		.mem_tag = len % KASAN_GRANULE_SIZE, .object = p,
		.rel = off >= len ? "to the right" : "inside", .region = len,
		.alloc_fn = fn,
	});
	kkt_log_reset();
}

/*
 * Proves a kmalloc(13) object ends at byte 13, not at its granule's end:
 * every access inside the 13 bytes passes, one that touches bytes 13-15
 * (the one holding the tag included) is reported, by the compiler's checks
 * and by the checked mem*() alike.
 */
static void test_short_granule_kmalloc(struct kunit *test)
{
	u8 buf[16];
	size_t len = 13, over = 14;
	u8 *p;
	int i;

	kkt_need_history(test);
	p = kkt_kmalloc(test, 13);
	OPTIMIZER_HIDE_VAR(p);
	OPTIMIZER_HIDE_VAR(len);
	OPTIMIZER_HIDE_VAR(over);
	KUNIT_EXPECT_EQ(test, kkt_shadow(p), 13);
	KUNIT_EXPECT_EQ(test, ((u8 *)kasan_reset_tag(p))[15], get_tag(p));

	for (i = 0; i < 13; i++)
		WRITE_ONCE(p[i], READ_ONCE(p[i]) + 1);
	READ_ONCE(*(u64 *)p);
	READ_ONCE(*(u32 *)(p + 8));
	READ_ONCE(*(u16 *)(p + 10));
	/* buf is never read: barrier_data() keeps the copies from being dropped. */
	memcpy(buf, p, len);
	barrier_data(buf);
	memset(p, 0, len);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);

	/*
	 * Reports let the access go ahead: the writes stay off byte 15, whose
	 * tag the free below checks.
	 */
	READ_ONCE(p[13]);
	kkt_expect_short_oob(test, __func__, p, 13, 13, "Read", 1);
	READ_ONCE(p[15]);
	kkt_expect_short_oob(test, __func__, p, 15, 13, "Read", 1);
	WRITE_ONCE(p[14], 0);
	kkt_expect_short_oob(test, __func__, p, 14, 13, "Write", 1);
	READ_ONCE(*(u64 *)(p + 8));
	kkt_expect_short_oob(test, __func__, p, 8, 13, "Read", 8);
	WRITE_ONCE(*(u16 *)(p + 12), 0);
	kkt_expect_short_oob(test, __func__, p, 12, 13, "Write", 2);
	memcpy(buf, p, over);
	barrier_data(buf);
	kkt_expect_short_oob(test, __func__, p, 0, 13, "Read", over);
	KUNIT_EXPECT_EQ(test, ((u8 *)kasan_reset_tag(p))[15], get_tag(p));
	kkt_log_reset();
	kfree(p);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

/*
 * Proves the objects of a cache whose size is not a multiple of the granule
 * are short too, and that a free through a pointer to a short granule is
 * recorded under the object's tag: the use-after-free after it is named so,
 * with the free stack, and a second free is a double-free.
 */
static void test_short_granule_cache(struct kunit *test)
{
	struct kmem_cache *c = kkt_cache_create(test, "kkt-short", 5, NULL);
	u8 *p;

	kkt_need_history(test);
	p = kkt_cache_alloc(test, c);
	OPTIMIZER_HIDE_VAR(p);
	KUNIT_EXPECT_EQ(test, kkt_shadow(p), 5);
	READ_ONCE(p[4]);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
	READ_ONCE(p[5]);
	kkt_expect_short_oob(test, __func__, p, 5, 5, "Read", 1);

	kkt_log_reset();
	migrate_disable();
	kmem_cache_free(c, p);
	READ_ONCE(p[0]);
	migrate_enable();
	kkt_expect_report(test, &(struct kkt_want){
		.type = "slab-use-after-free", .fn = __func__, .access = "Read", .size = 1,
		.addr = p, .bad = p, .ptr_tag = get_tag(p), .mem_tag = KASAN_TAG_INVALID,
		.object = p, .rel = "inside", .region = 5,
		.alloc_fn = __func__, .free_fn = __func__,
	});

	kkt_log_reset();
	kmem_cache_free(c, p);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
	kkt_expect_title(test, "double-free", __func__);
	kmem_cache_destroy(c);
}

/*
 * Proves krealloc() in place moves an object's short granule to exactly its
 * new size, shrinking and growing, and that ksize() of a short object
 * passes its check and changes nothing.
 */
static void test_short_granule_resize(struct kunit *test)
{
	u8 *p, *q;

	kkt_need_history(test);
	p = kkt_kmalloc(test, 13);
	OPTIMIZER_HIDE_VAR(p);

	q = krealloc(p, 5, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, kkt_shadow(p), 5);
	READ_ONCE(p[5]);
	kkt_expect_short_oob(test, __func__, p, 5, 5, "Read", 1);

	q = krealloc(p, 11, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, kkt_shadow(p), 11);
	READ_ONCE(p[10]);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
	WRITE_ONCE(p[11], 0);
	kkt_expect_short_oob(test, __func__, p, 11, 11, "Write", 1);

	/* ksize() checks the object's first byte, in the short granule. */
	KUNIT_EXPECT_EQ(test, ksize(p), 16U);
	KUNIT_EXPECT_EQ(test, kkt_shadow(p), 11);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
	kfree(p);
}

/* Proves neighbouring objects differ in tag even when each is one short granule. */
static void test_short_granule_neighbours(struct kunit *test)
{
	struct kmem_cache *c = kkt_cache_create(test, "kkt-short-neighbours", 7, NULL);
	unsigned int i, pairs = 0, same = 0;
	struct kkt_batch *b;

	if (c->flags & (SLAB_DEBUG_FLAGS | SLAB_TYPESAFE_BY_RCU)) {
		kmem_cache_destroy(c);
		kunit_skip(test, "slub_debug on: no short granules in this cache");
	}
	/* A cache of its own: whole slabs, every object taken. */
	b = kkt_batch_alloc(test, c, 0, KKT_BATCH);
	for (i = 0; i + 1 < b->nr; i++) {
		if (!kkt_batch_adjacent(b, i))
			continue;
		pairs++;
		same += get_tag(b->objs[i]) == get_tag(b->objs[i + 1]);
		KUNIT_EXPECT_EQ(test, kkt_shadow(b->objs[i]), 7);
	}
	kunit_info(test, "%u neighbouring pairs among %u objects\n", pairs, b->nr);
	KUNIT_EXPECT_GE(test, pairs, b->nr / 2);
	KUNIT_EXPECT_EQ(test, same, 0U);
	kkt_batch_free(b, c);
	kmem_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

/*
 * Proves krealloc(__GFP_ZERO) in place returns zeroed memory over a short
 * granule's old tag byte: the object grows over it, and it reads zero.
 */
static void test_short_granule_krealloc_zero(struct kunit *test)
{
	u8 *p = NULL, *q;
	int i;

	for (i = 0; i < 1000 && !p; i++) {
		p = kzalloc(13, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		if (is_kfence_address(p)) {
			kfree(p);
			p = NULL;
		}
	}
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, kkt_shadow(p), 13);
	q = krealloc(p, 16, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, kkt_shadow(p), get_tag(p));
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, 16));
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
	kfree(p);
}

/*
 * Proves krealloc(__GFP_ZERO) that moves an object returns zeroes over the
 * old short granule's tag byte: krealloc() copies the old slot whole, the
 * tag byte included: from kmalloc-16, from kmalloc-8k (a short granule
 * that is not the slot's last) and from a large kmalloc.
 */
static void test_short_granule_krealloc_move(struct kunit *test)
{
	const size_t big = KMALLOC_MAX_CACHE_SIZE;
	const size_t sizes[][2] = {
		{ 13, 40 },			/* kmalloc-16 */
		{ big / 2 + 13, big + 13 },	/* a short granule before the slot's end */
		{ big + 13, 2 * big + 13 },	/* a large kmalloc */
	};
	unsigned int i;
	u8 *probe = kkt_kmalloc(test, 13);
	bool debug = kkt_cache_of(probe)->flags & SLAB_DEBUG_FLAGS;

	kfree(probe);
	if (debug)
		kunit_skip(test, "slub_debug on: no short granules in kmalloc caches");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t old = sizes[i][0], new = sizes[i][1];
		u8 *p = kkt_kmalloc_gfp(test, old, GFP_KERNEL | __GFP_ZERO), *q;

		KUNIT_ASSERT_EQ(test, kkt_shadow(p + ALIGN_DOWN(old, KASAN_GRANULE_SIZE)),
				old % KASAN_GRANULE_SIZE);
		q = krealloc(p, new, GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, q);
		KUNIT_EXPECT_PTR_NE(test, kasan_reset_tag(q), kasan_reset_tag(p));
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(q, 0, new),
				      "krealloc(%zu -> %zu, __GFP_ZERO)", old, new);
		kfree(q);
	}
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

/*
 * Proves a free with init_on_free on is recorded under the object's tag,
 * though SLUB zeroes a short granule's tag byte before KASAN's free hook:
 * the use-after-free after it has the free stack, whether the free was
 * through the object's pointer or through an untagged one.
 */
static void test_short_granule_init_on_free(struct kunit *test)
{
	bool was_on = want_init_on_free();
	unsigned int untagged;
	u8 *p;

	kkt_need_history(test);
	/* Freed through its own pointer, then through an untagged one. */
	for (untagged = 0; untagged < 2; untagged++) {
		kkt_log_reset();
		p = kkt_kmalloc(test, 13);
		OPTIMIZER_HIDE_VAR(p);
		if (!was_on)
			static_branch_enable(&init_on_free);
		migrate_disable();
		kfree(untagged ? kasan_reset_tag(p) : p);
		READ_ONCE(p[0]);
		migrate_enable();
		if (!was_on)
			static_branch_disable(&init_on_free);
		kkt_expect_report(test, &(struct kkt_want){
			.type = "slab-use-after-free", .fn = __func__, .access = "Read",
			.size = 1, .addr = p, .bad = p, .ptr_tag = get_tag(p),
			.mem_tag = KASAN_TAG_INVALID, .object = p, .rel = "inside",
			.region = kkt_cache_of(p)->object_size,
			.alloc_fn = __func__, .free_fn = __func__,
		});
	}
}

/*
 * Whether objs[@i + 1] is the first object of the slab that follows, right
 * after it in memory, the slab whose last object is objs[@i].
 */
static bool kkt_batch_across_slabs(struct kkt_batch *b, unsigned int i)
{
	const u8 *a = kasan_reset_tag(b->objs[i]);
	const u8 *n = kasan_reset_tag(b->objs[i + 1]);
	struct slab *sa = virt_to_slab(a), *sn = virt_to_slab(n);

	return sa && sn && sa != sn && sa->slab_cache == sn->slab_cache &&
	       a + sa->slab_cache->size == (u8 *)slab_address(sa) + slab_size(sa) &&
	       n == (u8 *)slab_address(sn) && n == a + sa->slab_cache->size;
}

/*
 * Proves an overflow off the end of a slab's last object into the slab
 * after it, and an underflow off the start of a slab's first object into
 * the slab before it, are named after the object they ran off:
 * slab-out-of-bounds with its history, not invalid-access. The nearest
 * granule with the pointer's tag wins, in whichever slab it lies: the
 * second object of the slab after is given the overflowing pointer's tag,
 * and must lose to the object right before the edge. And objects side by
 * side across a slab's edge have different tags, as inside a slab.
 */
static void test_oob_off_slab_end(struct kunit *test)
{
	struct kmem_cache *c;
	struct kkt_batch *b;
	unsigned int i, edges = 0;
	u8 *a, *n, *n2;

	kkt_need_history(test);
	c = kkt_cache_create(test, "kkt-slab-end", 256, NULL);
	if (c->flags & SLAB_DEBUG_FLAGS) {
		kmem_cache_destroy(c);
		kunit_skip(test, "slub_debug on: slots are not laid end to end");
	}
	/* 512 objects, a few to a slab: fresh slabs, many side by side. */
	b = kkt_batch_alloc(test, c, 0, KKT_BATCH);
	/* Neighbours across a slab's edge never share a tag either. */
	for (i = 0; i + 1 < b->nr; i++) {
		if (!kkt_batch_across_slabs(b, i))
			continue;
		edges++;
		KUNIT_EXPECT_NE_MSG(test, get_tag(b->objs[i]), get_tag(b->objs[i + 1]),
				    "%p and %p, across a slab's edge", b->objs[i],
				    b->objs[i + 1]);
	}
	kunit_info(test, "%u slab edges with objects on both sides among %u objects\n",
		   edges, b->nr);
	for (i = 0; i + 2 < b->nr; i++)
		if (kkt_batch_across_slabs(b, i) && kkt_batch_adjacent(b, i + 1) &&
		    !kkt_history_knows(b->objs[i + 1], get_tag(b->objs[i])) &&
		    !kkt_history_knows(b->objs[i], get_tag(b->objs[i + 1])))
			break;
	if (i + 2 >= b->nr) {
		kkt_batch_free(b, c);
		kmem_cache_destroy(c);
		KUNIT_FAIL_AND_ABORT(test, "no two slabs side by side among %u objects",
				     KKT_BATCH);
	}
	a = b->objs[i];
	n = b->objs[i + 1];
	n2 = b->objs[i + 2];

	/* A decoy: n2, 256 bytes into the next slab, carries a's tag. */
	kasan_poison(n2, c->object_size, get_tag(a), false);
	READ_ONCE(a[c->size]);
	kasan_poison(n2, c->object_size, get_tag(n2), false);
	kkt_expect_report(test, &(struct kkt_want){
		.type = "slab-out-of-bounds", .fn = __func__, .access = "Read", .size = 1,
		.addr = a + c->size, .bad = a + c->size, .ptr_tag = get_tag(a),
		.mem_tag = get_tag(n), .object = a, .rel = "to the right",
		.region = c->object_size, .alloc_fn = __func__,
	});
	kkt_expect_lacks(test, "invalid-access");

	kkt_log_reset();
	READ_ONCE(n[-1]);
	kkt_expect_report(test, &(struct kkt_want){
		.type = "slab-out-of-bounds", .fn = __func__, .access = "Read", .size = 1,
		.addr = n - 1, .bad = n - 1, .ptr_tag = get_tag(n),
		.mem_tag = get_tag(a), .object = n, .rel = "to the left",
		.region = c->object_size, .alloc_fn = __func__,
	});
	kkt_expect_lacks(test, "invalid-access");
	kkt_batch_free(b, c);
	kmem_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
}

static void kkt_ctor_nop(void *object)
{
}

/*
 * Proves a bulk free of short objects is a good free. kmem_cache_free_bulk()
 * (and kfree_bulk(), kfree_rcu()'s batches) writes free pointers into the
 * objects before their frees are checked: kmalloc-16's pointer must keep off
 * byte 15, where every kmalloc(1..15) object keeps its tag, and an object
 * whose tag byte a pointer after the object would cover is not made short.
 */
static void test_short_granule_free_bulk(struct kunit *test)
{
	struct kmem_cache *c20 = kkt_cache_create(test, "kkt-bulk-20", 20, kkt_ctor_nop);
	struct kmem_cache *c28 = kkt_cache_create(test, "kkt-bulk-28", 28, kkt_ctor_nop);
	void *objs[2 * 15];
	unsigned int i;
	size_t size;

	for (size = 1; size <= 15; size++) {
		for (i = 0; i < 2; i++) {
			u8 *p = kkt_kmalloc(test, size);

			if (!(kkt_cache_of(p)->flags & SLAB_DEBUG_FLAGS))
				KUNIT_EXPECT_EQ(test, kkt_shadow(p), size);
			objs[2 * (size - 1) + i] = p;
		}
	}
	/* The 16-byte objects whose free pointer sat over byte 15. */
	KUNIT_EXPECT_EQ(test, kkt_cache_of(objs[0])->object_size, 16U);
	KUNIT_EXPECT_EQ(test, kkt_cache_of(objs[0])->offset % KASAN_GRANULE_SIZE, 0U);
	kfree_bulk(ARRAY_SIZE(objs), objs);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);

	/* A constructor puts the free pointer after the object: at 24, at 32. */
	for (i = 0; i < 4; i++)
		objs[i] = kkt_cache_alloc(test, c20);
	/* The last granule is whole: the pointer would cover byte 31. */
	KUNIT_EXPECT_EQ(test, kkt_shadow(objs[0] + 16), get_tag(objs[0]));
	kmem_cache_free_bulk(c20, 4, objs);
	for (i = 0; i < 4; i++)
		objs[i] = kkt_cache_alloc(test, c28);
	if (!(c28->flags & SLAB_DEBUG_FLAGS))
		KUNIT_EXPECT_EQ(test, kkt_shadow(objs[0] + 16), 28 % KASAN_GRANULE_SIZE);
	kmem_cache_free_bulk(c28, 4, objs);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
	kmem_cache_destroy(c20);
	kmem_cache_destroy(c28);
}

/* A tag that no granule of [@start, @start + @len) carries, nor @avoid; -1 if none. */
static int kkt_unused_tag(const u8 *start, size_t len, u8 avoid)
{
	const unsigned int span = KASAN_TAG_MAX - KASAN_TAG_MIN + 1;
	const u8 *shadow = kasan_mem_to_shadow(kasan_reset_tag(start));
	DECLARE_BITMAP(used, 256) = { };
	unsigned int i, tag;

	for (i = 0; i < len / KASAN_GRANULE_SIZE; i++)
		__set_bit(shadow[i], used);
	__set_bit(avoid, used);
	tag = kasan_random_tag();
	for (i = 0; i < span; i++, tag = tag == KASAN_TAG_MAX ? KASAN_TAG_MIN : tag + 1)
		if (!test_bit(tag, used))
			return tag;
	return -1;
}

/*
 * Proves an access with a tag found nowhere near, into memory that is no
 * slab object (a page from the page allocator), is an invalid-access that
 * names no object and prints no stacks.
 */
static void test_invalid_access_no_object(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);
	u8 *addr, *bad, *from;
	size_t len = PAGE_SIZE;
	int tag;

	KUNIT_ASSERT_NOT_NULL(test, page);
	addr = page_address(page);
	KUNIT_ASSERT_NE(test, get_tag(addr), KASAN_TAG_KERNEL);
	/* The page and, where they exist, the pages on either side. */
	from = kasan_reset_tag(addr);
	if (virt_addr_valid(from - PAGE_SIZE)) {
		from -= PAGE_SIZE;
		len += PAGE_SIZE;
	}
	if (virt_addr_valid(kasan_reset_tag(addr) + PAGE_SIZE))
		len += PAGE_SIZE;
	tag = kkt_unused_tag(from, len, get_tag(addr));
	/* Neighbours full of small objects may use every tag: the page alone. */
	if (tag < 0)
		tag = kkt_unused_tag(addr, PAGE_SIZE, get_tag(addr));
	KUNIT_ASSERT_GE(test, tag, 0);
	bad = set_tag(addr + 40, tag);

	READ_ONCE(*bad);
	kkt_expect_report(test, &(struct kkt_want){
		.type = "invalid-access", .fn = __func__, .access = "Read", .size = 1,
		.addr = bad, .bad = bad, .ptr_tag = tag, .mem_tag = get_tag(addr),
	});
	kkt_expect_has(test, "The buggy address belongs to the physical page:\n");
	__free_page(page);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
}

/* ===== Use after free, bad frees ===== */

/* Proves a read of a freed kmalloc object is a slab-use-after-free with both stacks. */
static void test_uaf(struct kunit *test)
{
	const char *alloc, *freed;
	u8 *p = NULL;
	int i;

	kkt_need_history(test);
	for (i = 0; i < 1000 && !p; i++) {
		p = kkt_alloc_site(128);
		KUNIT_ASSERT_NOT_NULL(test, p);
		if (is_kfence_address(p)) {
			kfree(p);
			p = NULL;
		}
	}
	KUNIT_ASSERT_NOT_NULL(test, p);
	OPTIMIZER_HIDE_VAR(p);

	/* On this CPU, whose free list holds the object, nobody can take it. */
	migrate_disable();
	kkt_free_site(p);
	READ_ONCE(p[8]);
	migrate_enable();

	kkt_expect_report(test, &(struct kkt_want){
		.type = "slab-use-after-free", .fn = __func__, .access = "Read", .size = 1,
		.addr = p + 8, .bad = p + 8, .ptr_tag = get_tag(p), .mem_tag = KASAN_TAG_INVALID,
		.object = p, .rel = "inside", .region = kkt_cache_of(p)->object_size,
		.alloc_fn = "kkt_alloc_site", .free_fn = "kkt_free_site",
	});
	/* Allocation first, then the free, each stack its own. */
	alloc = strstr(kkt_log.text, "Allocated by task");
	freed = strstr(kkt_log.text, "Freed by task");
	if (!alloc || !freed)
		return;
	KUNIT_EXPECT_TRUE(test, alloc < freed);
	KUNIT_EXPECT_NULL(test, strnstr(kkt_log.text, " kkt_free_site+", freed - kkt_log.text));
	KUNIT_EXPECT_NULL(test, strstr(freed, " kkt_alloc_site+"));
}

/* Proves every field of the report of a kmalloc out-of-bounds write. */
static void test_report_fields(struct kunit *test)
{
	int title_len;
	u8 *p;

	kkt_need_history(test);
	p = kkt_kmalloc(test, 100);
	KUNIT_ASSERT_GE(test, kkt_cache_of(p)->object_size, 128U);
	KUNIT_EXPECT_TRUE(test, str_has_prefix(kkt_cache_of(p)->name, "kmalloc-"));
	OPTIMIZER_HIDE_VAR(p);

	/* 3 bytes past the 7 granules the 100 bytes take, the last one short. */
	WRITE_ONCE(p[115], 0x42);
	kkt_expect_report(test, &(struct kkt_want){
		.type = "slab-out-of-bounds", .fn = __func__, .access = "Write", .size = 1,
		.addr = p + 115, .bad = p + 115, .ptr_tag = get_tag(p),
		.mem_tag = KASAN_TAG_INVALID, .object = p, .rel = "to the right",
		.region = 100, .alloc_fn = __func__,
	});
	title_len = strchrnul(kkt_log.text, '\n') - kkt_log.text;
	KUNIT_EXPECT_NULL(test, strnstr(kkt_log.text, " in kasan_", title_len));
	KUNIT_EXPECT_NULL(test, strnstr(kkt_log.text, " in __kasan", title_len));
	KUNIT_EXPECT_NULL(test, strnstr(kkt_log.text, " in __hwasan", title_len));
	kkt_expect_has(test, "CPU: ");
	kkt_expect_has(test, "The buggy address belongs to the physical page:\n");
	kfree(p);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
}

/* Proves a second kmem_cache_free() is a double-free, refused: the free list stays whole. */
static void test_double_free(struct kunit *test)
{
	struct kmem_cache *c;
	struct kkt_batch *b;
	u8 *p;

	kkt_need_history(test);
	c = kkt_cache_create(test, "kkt-double-free", 64, NULL);
	p = kkt_cache_alloc(test, c);
	kmem_cache_free(c, p);
	kmem_cache_free(c, p);
	kkt_expect_report(test, &(struct kkt_want){
		.type = "double-free", .fn = __func__, .access = "Free", .addr = p, .bad = p,
		.ptr_tag = get_tag(p), .mem_tag = KASAN_TAG_INVALID, .object = p,
		.rel = "inside", .region = c->object_size, .alloc_fn = __func__,
		.free_fn = __func__,
	});

	/* Had the second free gone through, an object would come out twice. */
	b = kkt_batch_alloc(test, c, 0, KKT_BATCH);
	KUNIT_EXPECT_FALSE(test, kkt_batch_has_duplicates(b));
	kkt_batch_free(b, c);
	kmem_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
}

/* Proves kfree() of a pointer into an object is an invalid-free that leaves the object alone. */
static void test_invalid_free(struct kunit *test)
{
	struct kkt_batch *b;
	u8 *p;

	kkt_need_history(test);
	p = kkt_kmalloc(test, 64);
	memset(p, 0x5a, 64);
	kfree(p + 1);
	kkt_expect_report(test, &(struct kkt_want){
		.type = "invalid-free", .fn = __func__, .access = "Free", .addr = p + 1,
		.bad = p + 1, .ptr_tag = get_tag(p), .mem_tag = get_tag(p), .object = p,
		.rel = "inside", .region = 64, .alloc_fn = __func__,
	});

	/* Still allocated, intact, and freed normally. */
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0x5a, 64));
	kfree(p);
	b = kkt_batch_alloc(test, NULL, 64, KKT_BATCH);
	KUNIT_EXPECT_FALSE(test, kkt_batch_has_duplicates(b));
	kkt_batch_free(b, NULL);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
}

/* ===== vmalloc ===== */

static int kkt_count_pte(pte_t *ptep, unsigned long addr, void *data)
{
	if (!pte_none(ptep_get(ptep)))
		(*(unsigned long *)data)++;
	return 0;
}

static unsigned long kkt_shadow_start(unsigned long start)
{
	return ALIGN_DOWN((unsigned long)kasan_mem_to_shadow((void *)start), PAGE_SIZE);
}

static unsigned long kkt_shadow_end(unsigned long end)
{
	return ALIGN((unsigned long)kasan_mem_to_shadow((void *)end), PAGE_SIZE);
}

/* Shadow pages mapped for the (untagged) memory [@start, @end). */
static unsigned long kkt_shadow_mapped(unsigned long start, unsigned long end)
{
	unsigned long s = kkt_shadow_start(start), e = kkt_shadow_end(end), n = 0;

	if (s < e)
		apply_to_existing_page_range(&init_mm, s, e - s, kkt_count_pte, &n);
	return n;
}

/* A vmalloc area as alloc_vmap_area() made it: untagged, its guard page included. */
struct kkt_area {
	unsigned long start, end;
};

static struct kkt_area kkt_area_of(const void *addr)
{
	struct vm_struct *vm = find_vm_area(kasan_reset_tag(addr));
	unsigned long start = (unsigned long)kasan_reset_tag(vm->addr);

	return (struct kkt_area){ .start = start, .end = start + vm->size };
}

static int kkt_cmp_area(const void *a, const void *b)
{
	const struct kkt_area *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * The shadow pages the areas use, each counted once: all of them (@mapped
 * false), or those mapped now. Sorts the areas.
 */
static unsigned long kkt_shadow_of_areas(struct kkt_area *areas, unsigned int nr, bool mapped)
{
	unsigned long pages = 0, done = 0, s, e;
	unsigned int i;

	sort(areas, nr, sizeof(*areas), kkt_cmp_area, NULL);
	for (i = 0; i < nr; i++) {
		s = max(kkt_shadow_start(areas[i].start), done);
		e = kkt_shadow_end(areas[i].end);
		if (s < e) {
			if (!mapped)
				pages += (e - s) >> PAGE_SHIFT;
			else
				apply_to_existing_page_range(&init_mm, s, e - s, kkt_count_pte,
							     &pages);
		}
		done = max(done, e);
	}
	return pages;
}

/* Whether every shadow page of every area is mapped. */
static bool kkt_areas_have_shadow(struct kkt_area *areas, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (kkt_shadow_mapped(areas[i].start, areas[i].end) !=
		    (kkt_shadow_end(areas[i].end) - kkt_shadow_start(areas[i].start)) >> PAGE_SHIFT)
			return false;
	return true;
}

/*
 * Proves vmalloc pointers of data mappings are tagged and those of
 * executable mappings are not, whatever else is the same.
 */
static void test_vmalloc_tagged(struct kunit *test)
{
	u8 *v, *x, *d;

	kkt_need_vmalloc(test);
	v = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_NE(test, get_tag(v), KASAN_TAG_KERNEL);
	KUNIT_EXPECT_NE(test, get_tag(v), KASAN_TAG_INVALID);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(v));
	KUNIT_EXPECT_NOT_NULL(test, vmalloc_to_page(v));
	WRITE_ONCE(v[0], 1);
	WRITE_ONCE(v[PAGE_SIZE - 1], 1);
	vfree(v);

	x = __vmalloc_node_range(PAGE_SIZE, 1, VMALLOC_START, VMALLOC_END, GFP_KERNEL,
				 PAGE_KERNEL_EXEC, 0, NUMA_NO_NODE, __builtin_return_address(0));
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_EXPECT_EQ(test, get_tag(x), KASAN_TAG_KERNEL);
	READ_ONCE(x[0]);
	vfree(x);

	/* The same call for data: the protection alone decides. */
	d = __vmalloc_node_range(PAGE_SIZE, 1, VMALLOC_START, VMALLOC_END, GFP_KERNEL,
				 PAGE_KERNEL, 0, NUMA_NO_NODE, __builtin_return_address(0));
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_NE(test, get_tag(d), KASAN_TAG_KERNEL);
	WRITE_ONCE(d[0], 1);
	vfree(d);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

/*
 * Proves a read in the granule after a vmalloc(100) area's 112 bytes is
 * reported with the bug type upstream's tag modes give non-slab memory,
 * invalid-access, naming the vmalloc mapping and no object.
 */
static void test_vmalloc_oob(struct kunit *test)
{
	const char *mapping;
	u8 *v;

	kkt_need_vmalloc(test);
	v = vmalloc(100);
	KUNIT_ASSERT_NOT_NULL(test, v);
	OPTIMIZER_HIDE_VAR(v);
	READ_ONCE(v[99]);
	READ_ONCE(v[111]);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);

	READ_ONCE(v[112]);
	kkt_expect_report(test, &(struct kkt_want){
		.type = "invalid-access", .fn = __func__, .access = "Read", .size = 1,
		.addr = v + 112, .bad = v + 112, .ptr_tag = get_tag(v),
		.mem_tag = KASAN_TAG_INVALID,
	});
	mapping = strstr(kkt_log.text, "The buggy address belongs to a");
	KUNIT_EXPECT_NOT_NULL(test, mapping);
	if (mapping)
		KUNIT_EXPECT_NOT_NULL(test, strstr(mapping, "vmalloc"));
	vfree(v);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
}

#define KKT_STORM	512

/*
 * Proves small vmalloc areas share shadow pages (16 pages of memory per
 * shadow page), each area finds its shadow mapped, and vfree() plus a
 * purge give the memory back. The shadow pages of areas smaller than one
 * shadow page's worth stay: the purge releases a shadow page only when it
 * lies inside the one area being released.
 */
static void test_vmalloc_shadow_shared(struct kunit *test)
{
	struct kkt_area *areas = kunit_kcalloc(test, KKT_STORM, sizeof(*areas), GFP_KERNEL);
	void **v = kunit_kcalloc(test, KKT_STORM, sizeof(*v), GFP_KERNEL);
	unsigned long used = 0, kept = 0, before = 0, after;
	unsigned int i, round, untagged = 0;
	bool all_mapped = false;

	kkt_need_vmalloc(test);
	KUNIT_ASSERT_NOT_NULL(test, areas);
	KUNIT_ASSERT_NOT_NULL(test, v);
	/* The first round maps the page tables a second one finds in place. */
	for (round = 0; round < 2; round++) {
		before = kkt_free_pages();
		for (i = 0; i < KKT_STORM; i++) {
			v[i] = vmalloc(PAGE_SIZE);
			KUNIT_ASSERT_NOT_NULL(test, v[i]);
			untagged += get_tag(v[i]) == KASAN_TAG_KERNEL;
			WRITE_ONCE(((u8 *)v[i])[PAGE_SIZE - 1], i);
			areas[i] = kkt_area_of(v[i]);
		}
		all_mapped = kkt_areas_have_shadow(areas, KKT_STORM);
		used = kkt_shadow_of_areas(areas, KKT_STORM, false);
		for (i = 0; i < KKT_STORM; i++)
			vfree(v[i]);
		vm_unmap_aliases();
		cond_resched();
	}
	after = kkt_free_pages();
	kept = kkt_shadow_of_areas(areas, KKT_STORM, true);
	kunit_info(test, "%u areas: %lu shadow pages, %lu still mapped after the purge\n",
		   KKT_STORM, used, kept);
	KUNIT_EXPECT_EQ(test, untagged, 0U);
	KUNIT_EXPECT_TRUE(test, all_mapped);
	KUNIT_EXPECT_LT(test, used, (unsigned long)KKT_STORM);
	KUNIT_EXPECT_LE(test, kept, used);
	KUNIT_EXPECT_GE_MSG(test, after + kept + KKT_PAGE_SLACK, before,
			    "%lu pages free before, %lu after", before, after);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

#define KKT_BIG_AREAS	32
#define KKT_BIG_CHUNKS	8	/* shadow pages' worth of memory in each area */

/*
 * Proves the purge of freed vmalloc areas unmaps every shadow page that
 * lies inside one of them and gives those pages back to the page allocator.
 */
static void test_vmalloc_shadow_released(struct kunit *test)
{
	struct kkt_area *areas = kunit_kcalloc(test, KKT_BIG_AREAS, sizeof(*areas), GFP_KERNEL);
	void **v = kunit_kcalloc(test, KKT_BIG_AREAS, sizeof(*v), GFP_KERNEL);
	const unsigned long size = KKT_BIG_CHUNKS * KASAN_MEMORY_PER_SHADOW_PAGE;
	unsigned long inner = 0, still = 0, kept, before = 0, after;
	unsigned int i, round;
	bool all_mapped = false;

	kkt_need_vmalloc(test);
	KUNIT_ASSERT_NOT_NULL(test, areas);
	KUNIT_ASSERT_NOT_NULL(test, v);
	if (totalram_pages() < 8 * KKT_BIG_AREAS * (size >> PAGE_SHIFT))
		kunit_skip(test, "needs %lu MiB of memory",
			   8 * KKT_BIG_AREAS * size >> 20);
	for (round = 0; round < 2; round++) {
		before = kkt_free_pages();
		for (i = 0; i < KKT_BIG_AREAS; i++) {
			v[i] = vmalloc(size);
			KUNIT_ASSERT_NOT_NULL(test, v[i]);
			WRITE_ONCE(((u8 *)v[i])[0], i);
			WRITE_ONCE(((u8 *)v[i])[size - 1], i);
			areas[i] = kkt_area_of(v[i]);
		}
		all_mapped = kkt_areas_have_shadow(areas, KKT_BIG_AREAS);
		for (i = 0; i < KKT_BIG_AREAS; i++)
			vfree(v[i]);
		vm_unmap_aliases();
	}
	after = kkt_free_pages();
	for (i = 0; i < KKT_BIG_AREAS; i++) {
		unsigned long s = ALIGN(areas[i].start, KASAN_MEMORY_PER_SHADOW_PAGE);
		unsigned long e = ALIGN_DOWN(areas[i].end, KASAN_MEMORY_PER_SHADOW_PAGE);

		inner += (e - s) / KASAN_MEMORY_PER_SHADOW_PAGE;
		still += kkt_shadow_mapped(s, e);
	}
	kept = kkt_shadow_of_areas(areas, KKT_BIG_AREAS, true);
	kunit_info(test, "%lu shadow pages inside the areas, %lu still mapped; %lu kept at edges\n",
		   inner, still, kept);
	KUNIT_EXPECT_TRUE(test, all_mapped);
	KUNIT_EXPECT_GE(test, inner, (unsigned long)KKT_BIG_AREAS * (KKT_BIG_CHUNKS - 1));
	KUNIT_EXPECT_EQ(test, still, 0UL);
	/* Unmapped is not enough: the pages must be free again too. */
	KUNIT_EXPECT_GE_MSG(test, after + kept + KKT_PAGE_SLACK, before,
			    "%lu pages free before, %lu after", before, after);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

#if IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC) && IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)

/* Fail the @nth page allocation of this task that fail_page_alloc sees. */
static void kkt_fail_nth(unsigned int nth)
{
	WRITE_ONCE(current->fail_nth, nth);
}

static unsigned int kkt_fail_nth_left(void)
{
	return READ_ONCE(current->fail_nth);
}

#define KKT_FILL_PAGES	48

static void kkt_populate_failure(struct kunit *test)
{
	const unsigned long chunk = KASAN_MEMORY_PER_SHADOW_PAGE;
	unsigned long *probability = kunit_fail_page_alloc_setting("probability");
	bool *ignore_reclaim = kunit_fail_page_alloc_setting("ignore-gfp-wait");
	u32 *min_order = kunit_fail_page_alloc_setting("min-order");
	atomic_t *times = kunit_fail_page_alloc_setting("times");
	unsigned long start, end, first, last, n, k, mapped, before, after;
	unsigned int unconsumed = 0, wrong_ret = 0, too_many = 0, gaps = 0;
	bool old_ignore;
	struct vm_struct *area;
	u32 old_min;
	int ret, old_times;

	if (!probability || !ignore_reclaim || !min_order || !times)
		kunit_skip(test, "fail_page_alloc's debugfs files not found");
	if (READ_ONCE(*probability))
		kunit_skip(test, "fail_page_alloc is armed (probability %lu%%)",
			   READ_ONCE(*probability));

	/* vmalloc space that is ours alone, its inner shadow unmapped. */
	area = get_vm_area((KKT_FILL_PAGES + 2) * chunk, VM_MAP);
	KUNIT_ASSERT_NOT_NULL(test, area);
	start = (unsigned long)kasan_reset_tag(area->addr);
	end = start + area->size;
	first = ALIGN(start, chunk);
	last = ALIGN_DOWN(end, chunk);
	n = (last - first) / chunk;
	kasan_release_vmalloc(start, end, start, end,
			      KASAN_VMALLOC_PAGE_RANGE | KASAN_VMALLOC_TLB_FLUSH);
	KUNIT_ASSERT_EQ(test, kkt_shadow_mapped(first, last), 0UL);

	/*
	 * Order-0 allocations that do not reclaim may fail, for this task's
	 * fail_nth only: the probability is 0 for everyone else.
	 */
	old_min = READ_ONCE(*min_order);
	old_ignore = READ_ONCE(*ignore_reclaim);
	old_times = atomic_read(times);
	WRITE_ONCE(*ignore_reclaim, true);
	WRITE_ONCE(*min_order, 0);

	before = kkt_free_pages();
	/* Fail each of the n shadow page allocations in turn. */
	for (k = 1; k <= n; k++) {
		kkt_fail_nth(k);
		ret = kasan_populate_vmalloc(first, last - first, GFP_NOWAIT);
		unconsumed += kkt_fail_nth_left() != 0;
		kkt_fail_nth(0);
		wrong_ret += ret != -ENOMEM;
		/* Pages installed before the failure stay, from the start on. */
		mapped = kkt_shadow_mapped(first, last);
		too_many += mapped >= k;
		gaps += kkt_shadow_mapped(first, first + mapped * chunk) != mapped;
		kasan_release_vmalloc(start, end, start, end,
				      KASAN_VMALLOC_PAGE_RANGE | KASAN_VMALLOC_TLB_FLUSH);
	}
	after = kkt_free_pages();

	/* Each failure injected through fail_nth counted "times" down too. */
	atomic_set(times, old_times);
	WRITE_ONCE(*min_order, old_min);
	WRITE_ONCE(*ignore_reclaim, old_ignore);

	KUNIT_EXPECT_EQ_MSG(test, unconsumed, 0U, "injected failures never reached");
	KUNIT_EXPECT_EQ_MSG(test, wrong_ret, 0U, "populations not failing with -ENOMEM");
	KUNIT_EXPECT_EQ_MSG(test, too_many, 0U, "more pages mapped than allocated");
	KUNIT_EXPECT_EQ_MSG(test, gaps, 0U, "mapped pages not at the start of the range");
	KUNIT_EXPECT_GE_MSG(test, after + KKT_PAGE_SLACK, before,
			    "%lu pages free before, %lu after %lu failures", before, after, n);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);

	/* The range can be populated afterwards, with fresh "not mapped" shadow. */
	ret = kasan_populate_vmalloc(first, last - first, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, kkt_shadow_mapped(first, last), n);
	if (ret) {
		/* Unpoisoning on free would write to shadow that is not there. */
		kunit_err(test, "leaking the test's vmalloc area\n");
		return;
	}
	KUNIT_EXPECT_EQ(test, *(u8 *)kasan_mem_to_shadow((void *)first), KASAN_SHADOW_VMALLOC);
	free_vm_area(area);
}

#else

static void kkt_populate_failure(struct kunit *test)
{
}

#endif

/*
 * Proves a failed allocation of vmalloc shadow (every one in turn of a
 * population's page allocations made to fail) returns -ENOMEM, reports
 * nothing, leaks nothing, and leaves the range to populate again later.
 */
static void test_populate_failure(struct kunit *test)
{
	kkt_need_vmalloc(test);
	if (!IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC) || !IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS))
		kunit_skip(test, "needs FAIL_PAGE_ALLOC and FAULT_INJECTION_DEBUG_FS");
	kkt_populate_failure(test);
}

/* ===== Hot-added memory ===== */

#ifdef CONFIG_MEMORY_HOTPLUG

#define KKT_HOTPLUG_PAGES	(SZ_16M >> PAGE_SHIFT)

/* Shadow pages that memory of @nr pages needs. */
static unsigned long kkt_shadow_pages(unsigned long nr)
{
	return nr * PAGE_SIZE / KASAN_MEMORY_PER_SHADOW_PAGE;
}

static void kkt_hotplug_shadow(struct kunit *test)
{
	struct memory_notify mn = {
		.start_pfn = ALIGN(max_pfn, PAGES_PER_SECTION),
		.nr_pages = KKT_HOTPLUG_PAGES,
	};
	unsigned long start = (unsigned long)pfn_to_kaddr(mn.start_pfn);
	unsigned long end = start + KKT_HOTPLUG_PAGES * PAGE_SIZE;
	unsigned long want = kkt_shadow_pages(KKT_HOTPLUG_PAGES);
	unsigned long before, during, pfn, boot_mapped;
	struct memory_notify boot;
	u8 shadow = 0;
	void *p;

	KUNIT_ASSERT_LE(test, end, (unsigned long)PAGE_END);
	KUNIT_ASSERT_EQ_MSG(test, kkt_shadow_mapped(start, end), 0UL,
			    "shadow mapped beyond the end of memory");

	before = kkt_free_pages();
	KUNIT_ASSERT_EQ(test, kasan_memory_event(NULL, MEM_GOING_ONLINE, &mn), NOTIFY_OK);
	during = kkt_free_pages();
	KUNIT_EXPECT_EQ(test, kkt_shadow_mapped(start, end), want);
	KUNIT_EXPECT_GE(test, before + KKT_PAGE_SLACK, during + want);
	p = kasan_mem_to_shadow((void *)(end - 1));
	KUNIT_EXPECT_EQ(test, copy_from_kernel_nofault(&shadow, p, 1), 0L);
	KUNIT_EXPECT_EQ(test, shadow, KASAN_TAG_INVALID);
	/* Onlining again (after an offline that kept it, say) maps nothing more. */
	KUNIT_EXPECT_EQ(test, kasan_memory_event(NULL, MEM_GOING_ONLINE, &mn), NOTIFY_OK);
	KUNIT_EXPECT_GE(test, kkt_free_pages() + KKT_PAGE_SLACK, during);

	KUNIT_EXPECT_EQ(test, kasan_memory_event(NULL, MEM_OFFLINE, &mn), NOTIFY_OK);
	KUNIT_EXPECT_EQ(test, kkt_shadow_mapped(start, end), 0UL);
	KUNIT_EXPECT_GE(test, kkt_free_pages() + KKT_PAGE_SLACK, before);

	KUNIT_EXPECT_EQ(test, kasan_memory_event(NULL, MEM_GOING_ONLINE, &mn), NOTIFY_OK);
	KUNIT_EXPECT_EQ(test, kasan_memory_event(NULL, MEM_CANCEL_ONLINE, &mn), NOTIFY_OK);
	KUNIT_EXPECT_EQ(test, kkt_shadow_mapped(start, end), 0UL);
	KUNIT_EXPECT_GE(test, kkt_free_pages() + KKT_PAGE_SLACK, before);

	/*
	 * Boot memory going offline keeps the shadow boot made for it: the
	 * stand-in block holds a live object, whose shadow is still read.
	 */
	p = kkt_kmalloc(test, 64);
	pfn = ALIGN_DOWN(PHYS_PFN(__pa(kasan_reset_tag(p))), 256);
	boot = (struct memory_notify){ .start_pfn = pfn, .nr_pages = 256 };
	boot_mapped = kkt_shadow_mapped((unsigned long)pfn_to_kaddr(pfn),
					(unsigned long)pfn_to_kaddr(pfn + 256));
	KUNIT_EXPECT_EQ(test, boot_mapped, kkt_shadow_pages(256));
	KUNIT_EXPECT_EQ(test, kasan_memory_event(NULL, MEM_OFFLINE, &boot), NOTIFY_OK);
	KUNIT_EXPECT_EQ(test, kkt_shadow_mapped((unsigned long)pfn_to_kaddr(pfn),
						(unsigned long)pfn_to_kaddr(pfn + 256)),
			boot_mapped);
	READ_ONCE(*(u8 *)p);
	kfree(p);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

#else

static void kkt_hotplug_shadow(struct kunit *test)
{
}

#endif

/*
 * Proves a memory block going online gets shadow ("not mapped" until the
 * page allocator opens it), that going offline or a cancelled onlining
 * gives every page of it back, and that boot's own shadow is never freed.
 * The notifier is called directly, on a stand-in block beyond the end of
 * memory, whose shadow nothing else maps; no other notifier sees it.
 */
static void test_hotplug_shadow(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_MEMORY_HOTPLUG))
		kunit_skip(test, "needs CONFIG_MEMORY_HOTPLUG");
	kkt_hotplug_shadow(test);
}

/* ===== Many CPUs ===== */

#define KKT_CPU_OPS	100000

struct kkt_crowd {
	atomic_t churning;	/* workers still allocating at random */
	atomic_t settled;	/* workers holding their last object */
};

struct kkt_worker {
	struct task_struct *task;
	struct kkt_crowd *crowd;
	unsigned long ops;
	pid_t pid;
	u8 *last;		/* allocated once no worker churns any more */
};

static int kkt_worker_fn(void *arg)
{
	static const size_t sizes[] = { 1, 13, 16, 40, 64, 100, 128, 200, 512, 1000, 2048, 4096 };
	unsigned long deadline = jiffies + HZ;
	struct kkt_worker *w = arg;
	u8 *held[16] = { };
	unsigned int i, j;

	w->pid = current->pid;
	for (i = 0; i < KKT_CPU_OPS && time_before(jiffies, deadline); i++) {
		u8 **slot = &held[i % ARRAY_SIZE(held)];
		size_t size = sizes[(i * 7) % ARRAY_SIZE(sizes)];

		kfree(*slot);
		*slot = kmalloc(size, GFP_KERNEL);
		for (j = 0; *slot && j < size; j++)
			WRITE_ONCE((*slot)[j], (u8)(i + j));
		w->ops++;
		if (!(i % 64))
			cond_resched();
	}
	for (i = 0; i < ARRAY_SIZE(held); i++)
		kfree(held[i]);

	/* The last objects come after all churn: the history still holds them. */
	atomic_dec(&w->crowd->churning);
	while (atomic_read(&w->crowd->churning) && !kthread_should_stop())
		usleep_range(100, 200);
	for (i = 0; i < 1000 && !w->last; i++) {
		w->last = kmalloc(48, GFP_KERNEL);
		if (is_kfence_address(w->last)) {
			kfree(w->last);
			w->last = NULL;
		}
	}
	atomic_inc(&w->crowd->settled);
	while (!kthread_should_stop())
		usleep_range(1000, 2000);
	return 0;
}

/*
 * Proves one thread per CPU allocating, writing every byte of and freeing
 * objects of many sizes gets no report, and the history still finds the
 * last allocation each of them made.
 */
static void test_many_cpus(struct kunit *test)
{
	struct kkt_crowd crowd = { };
	unsigned long timeout, ops = 0;
	struct kkt_worker *workers;
	struct kasan_history h;
	int cpu, i, n = 0;

	workers = kunit_kcalloc(test, nr_cpu_ids, sizeof(*workers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, workers);
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		workers[n].crowd = &crowd;
		t = kthread_create_on_cpu(kkt_worker_fn, &workers[n], cpu, "kkt/%u");
		if (IS_ERR(t))
			break;
		workers[n++].task = t;
	}
	atomic_set(&crowd.churning, n);
	for (i = 0; i < n; i++)
		wake_up_process(workers[i].task);

	timeout = jiffies + 60 * HZ;
	while (atomic_read(&crowd.settled) < n && time_before(jiffies, timeout))
		msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&crowd.settled), n);
	for (i = 0; i < n; i++) {
		kthread_stop(workers[i].task);
		ops += workers[i].ops;
	}
	kunit_info(test, "%d CPUs, %lu allocations\n", n, ops);
	KUNIT_EXPECT_EQ(test, n, (int)num_online_cpus());
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);

	for (i = 0; i < n; i++) {
		struct kkt_worker *w = &workers[i];

		if (!w->last) {
			KUNIT_FAIL(test, "worker %d got no last object", i);
			continue;
		}
		if (kasan_stack_collection_enabled()) {
			KUNIT_EXPECT_TRUE(test, kasan_find_history(w->last, &h));
			KUNIT_EXPECT_TRUE(test, h.have_alloc);
			KUNIT_EXPECT_FALSE(test, h.freed_last);
			KUNIT_EXPECT_EQ(test, h.alloc.pid, (u32)w->pid);
			KUNIT_EXPECT_TRUE(test, kkt_stack_has(h.alloc.stack, "kkt_worker_fn"));
		}
		kfree(w->last);
	}
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

/* ===== History ===== */

/*
 * Proves the history knows a freed object as freed, with both stacks, and
 * still does for its old tag once the object has been allocated again.
 */
static void test_history(struct kunit *test)
{
	struct kasan_history h;
	void *held[64];
	int nheld = 0, i;
	u8 *p, *q = NULL;

	kkt_need_history(test);
	/* On one CPU, so that the object comes straight back from its free list. */
	migrate_disable();
	p = kkt_kmalloc(test, 64);
	kfree(p);
	KUNIT_EXPECT_TRUE(test, kasan_find_history(p, &h));
	KUNIT_EXPECT_TRUE(test, h.have_alloc);
	KUNIT_EXPECT_TRUE(test, h.have_free);
	KUNIT_EXPECT_TRUE(test, h.freed_last);
	KUNIT_EXPECT_EQ(test, h.alloc.pid, (u32)current->pid);
	KUNIT_EXPECT_EQ(test, h.free.pid, (u32)current->pid);
	KUNIT_EXPECT_TRUE(test, kkt_stack_has(h.alloc.stack, __func__));
	KUNIT_EXPECT_TRUE(test, kkt_stack_has(h.free.stack, __func__));

	for (i = 0; i < 1000 && !q && nheld < ARRAY_SIZE(held); i++) {
		u8 *r = kmalloc(64, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, r);
		if (kasan_reset_tag(r) == kasan_reset_tag(p) && get_tag(r) != get_tag(p))
			q = r;
		else if (kasan_reset_tag(r) == kasan_reset_tag(p))
			kfree(r);	/* the same tag again: draw another */
		else
			held[nheld++] = r;
	}
	migrate_enable();
	while (nheld)
		kfree(held[--nheld]);
	if (!q)
		kunit_skip(test, "the object was not allocated again");

	KUNIT_EXPECT_TRUE(test, kasan_find_history(p, &h));
	KUNIT_EXPECT_TRUE(test, h.freed_last);
	KUNIT_EXPECT_TRUE(test, kasan_find_history(q, &h));
	KUNIT_EXPECT_TRUE(test, h.have_alloc);
	KUNIT_EXPECT_FALSE(test, h.have_free);
	KUNIT_EXPECT_FALSE(test, h.freed_last);
	kfree(q);
	KUNIT_EXPECT_TRUE(test, kasan_find_history(q, &h));
	KUNIT_EXPECT_TRUE(test, h.freed_last);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);
}

/* ===== mem*() ===== */

/*
 * A kmalloc(64) object whose next 64 bytes the test owns too: its own
 * tail when kmalloc(64) comes from a bigger cache, else the next object.
 * Every object of the batch is filled with @fill.
 */
static u8 *kkt_edge_object(struct kunit *test, struct kkt_batch **batch, u8 fill)
{
	struct kkt_batch *b = kkt_batch_alloc(test, NULL, 64, 128);
	unsigned int i;

	*batch = b;
	for (i = 0; i < b->nr; i++)
		memset(b->objs[i], fill, 64);
	if (kkt_cache_of(b->objs[0])->object_size >= 128)
		return b->objs[0];
	for (i = 0; i + 1 < b->nr; i++)
		if (kkt_batch_adjacent(b, i))
			return b->objs[i];
	KUNIT_FAIL_AND_ABORT(test, "no two neighbouring kmalloc(64) objects among %u", b->nr);
	return NULL;
}

/* Proves a memset() past a kmalloc(64) object is reported and writes nothing at all. */
static void test_memset_oob(struct kunit *test)
{
	struct kkt_batch *b;
	size_t len = 64 + 1;
	u8 *a, *beyond, old;

	kkt_need_history(test);
	a = kkt_edge_object(test, &b, 0x11);
	beyond = (u8 *)kasan_reset_tag(a) + 64;
	old = READ_ONCE(*beyond);
	OPTIMIZER_HIDE_VAR(len);

	memset(a, 0xaa, len);
	kkt_expect_report(test, &(struct kkt_want){
		.type = "slab-out-of-bounds", .fn = __func__, .access = "Write", .size = len,
		.addr = a, .bad = beyond, .ptr_tag = get_tag(a),
		.mem_tag = *(u8 *)kasan_mem_to_shadow(beyond), .object = a, .rel = "inside",
		.region = 64, .alloc_fn = __func__,
	});
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x11, 64));
	KUNIT_EXPECT_EQ(test, READ_ONCE(*beyond), old);
	kkt_batch_free(b, NULL);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
}

/* Proves a memcpy() from a source running past an object is reported and copies nothing. */
static void test_memcpy_oob(struct kunit *test)
{
	struct kkt_batch *b;
	size_t len = 64;
	u8 *a, *dst;

	kkt_need_history(test);
	a = kkt_edge_object(test, &b, 0x11);
	dst = kkt_kmalloc(test, 64);
	memset(dst, 0x33, 64);
	OPTIMIZER_HIDE_VAR(len);

	memcpy(dst, a + 32, len);
	kkt_expect_report(test, &(struct kkt_want){
		.type = "slab-out-of-bounds", .fn = __func__, .access = "Read", .size = len,
		.addr = a + 32, .bad = a + 64, .ptr_tag = get_tag(a),
		.mem_tag = *(u8 *)kasan_mem_to_shadow(kasan_reset_tag(a + 64)), .object = a,
		.rel = "inside", .region = 64, .alloc_fn = __func__,
	});
	KUNIT_EXPECT_NULL(test, memchr_inv(dst, 0x33, 64));
	kfree(dst);
	kkt_batch_free(b, NULL);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
}

/* ===== Match-all ===== */

/* Proves a pointer with the match-all tag reaches freed memory unreported, unlike the object's. */
static void test_match_all_ptr(struct kunit *test)
{
	u8 *p = kkt_kmalloc(test, 64);
	u8 *all = kasan_reset_tag(p);
	char want[48];

	KUNIT_ASSERT_NE(test, get_tag(p), KASAN_TAG_KERNEL);
	KUNIT_EXPECT_EQ(test, get_tag(all), KASAN_TAG_KERNEL);
	/* On this CPU, whose free list holds the object, nobody can take it. */
	migrate_disable();
	kfree(p);
	READ_ONCE(all[0]);
	READ_ONCE(all[63]);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);

	/* The memory was closed: the object's own pointer is caught. */
	READ_ONCE(p[0]);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
	kkt_expect_title(test, "slab-use-after-free", __func__);
	snprintf(want, sizeof(want), "Pointer tag: [%02x], memory tag: [", get_tag(p));
	kkt_expect_has(test, want);
}

/*
 * Proves memory tagged 0xff matches only match-all pointers: 0xff is a
 * match-all tag for pointers, not for memory.
 */
static void test_match_all_mem(struct kunit *test)
{
	u8 *p = kkt_kmalloc(test, 64);
	u8 tag = get_tag(p);
	u8 other = tag == KASAN_TAG_MAX ? KASAN_TAG_MIN : tag + 1;
	char want[64];

	kasan_poison(p, KASAN_GRANULE_SIZE, KASAN_TAG_KERNEL, false);
	READ_ONCE(*(u8 *)kasan_reset_tag(p));
	KUNIT_EXPECT_EQ(test, kkt_reports(), 0);

	READ_ONCE(p[0]);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
	snprintf(want, sizeof(want), " in %s+", __func__);
	KUNIT_EXPECT_NOT_NULL(test, strnstr(kkt_log.text, want,
					    strchrnul(kkt_log.text, '\n') - kkt_log.text));
	snprintf(want, sizeof(want), "Pointer tag: [%02x], memory tag: [ff]\n", tag);
	kkt_expect_has(test, want);

	kkt_log_reset();
	READ_ONCE(*(u8 *)set_tag(p, other));
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
	snprintf(want, sizeof(want), "Pointer tag: [%02x], memory tag: [ff]\n", other);
	kkt_expect_has(test, want);

	/* The object's tag back: its pointer works again and frees it. */
	kasan_unpoison(p, KASAN_GRANULE_SIZE, false);
	READ_ONCE(p[0]);
	kfree(p);
	KUNIT_EXPECT_EQ(test, kkt_reports(), 1);
}

/* ===== Suite ===== */

static bool kkt_multishot;

static int kkt_init(struct kunit *test)
{
	kkt_log_reset();
	return 0;
}

static int kkt_suite_init(struct kunit_suite *suite)
{
	int ret;

	if (!kasan_enabled()) {
		pr_err("kasan_core: KASAN is disabled, nothing to test\n");
		return -EINVAL;
	}
	ret = register_trace_console(kkt_probe_console, NULL);
	if (ret)
		return ret;
	/* Our reports are on purpose: they must not fail the running test. */
	kasan_kunit_test_suite_start();
	/* Print every report, not just the first, and never panic on one. */
	kkt_multishot = kasan_save_enable_multi_shot();
	return 0;
}

static void kkt_suite_exit(struct kunit_suite *suite)
{
	kasan_restore_multi_shot(kkt_multishot);
	kasan_kunit_test_suite_end();
	unregister_trace_console(kkt_probe_console, NULL);
	tracepoint_synchronize_unregister();
}

static struct kunit_case kasan_core_cases[] = {
	KUNIT_CASE(test_tag_spread),
	KUNIT_CASE(test_tag_neighbours_differ),
	KUNIT_CASE(test_tag_ctor_fixed),
	KUNIT_CASE(test_oob_next_granule),
	KUNIT_CASE(test_oob_into_neighbour),
	KUNIT_CASE(test_short_granule_kmalloc),
	KUNIT_CASE(test_short_granule_cache),
	KUNIT_CASE(test_short_granule_resize),
	KUNIT_CASE(test_short_granule_neighbours),
	KUNIT_CASE(test_short_granule_krealloc_zero),
	KUNIT_CASE(test_short_granule_krealloc_move),
	KUNIT_CASE(test_short_granule_init_on_free),
	KUNIT_CASE(test_short_granule_free_bulk),
	KUNIT_CASE(test_oob_off_slab_end),
	KUNIT_CASE(test_invalid_access_no_object),
	KUNIT_CASE(test_uaf),
	KUNIT_CASE(test_report_fields),
	KUNIT_CASE(test_double_free),
	KUNIT_CASE(test_invalid_free),
	KUNIT_CASE(test_vmalloc_tagged),
	KUNIT_CASE(test_vmalloc_oob),
	KUNIT_CASE(test_vmalloc_shadow_shared),
	KUNIT_CASE(test_vmalloc_shadow_released),
	KUNIT_CASE(test_populate_failure),
	KUNIT_CASE(test_hotplug_shadow),
	KUNIT_CASE(test_many_cpus),
	KUNIT_CASE(test_history),
	KUNIT_CASE(test_memset_oob),
	KUNIT_CASE(test_memcpy_oob),
	KUNIT_CASE(test_match_all_ptr),
	KUNIT_CASE(test_match_all_mem),
	{},
};

static struct kunit_suite kasan_core_suite = {
	.name = "kasan_core",
	.test_cases = kasan_core_cases,
	.init = kkt_init,
	.suite_init = kkt_suite_init,
	.suite_exit = kkt_suite_exit,
};

kunit_test_suites(&kasan_core_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmemsafe KASAN core KUnit suite");
