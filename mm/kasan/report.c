// SPDX-License-Identifier: GPL-2.0
/*
 * KASAN reports: everything the tag mode prints when a check fails or a
 * free is bad, and the hint the oops path prints for a fault on a shadow
 * address. The wording of every line is fixed: syzkaller, the KUnit suite
 * and users' scripts parse it (Documentation/dev-tools/kasan.rst).
 *
 * A report is worked out before anything is printed (the bug's name, the
 * object it concerns and that object's history), then printed in one go:
 *
 *	==================================================================
 *	BUG: KASAN: <bug type> in <caller>
 *	<Read|Write [of size N] at addr ...> or <Free of addr ...>
 *	Pointer tag: [..], memory tag: [..]	(address with a shadow)
 *	<blank> <the caller's stack> <blank>
 *	Allocated by task N: <stack> <blank>	(a slab object whose
 *	Freed by task N: <stack> <blank>	 history was found)
 *	The buggy address belongs to the object ... is located ... <blank>
 *	<the variable / stack of task / vmalloc mapping / physical page>
 *	Memory state around the buggy address: <5 rows of shadow, '^'>
 *	==================================================================
 *
 * then the kernel is tainted and, as kasan.fault and panic_on_warn ask,
 * panics. An address without a shadow gets the title, the access line and
 * the stack only.
 *
 * Locking. Reports are serialised by kasan_report_cpu, the number of the
 * CPU printing one, taken with interrupts off. A report inside a report:
 * while a task reports, its kasan_depth is raised, so a bad access made by
 * the printing code, or by an NMI handler that interrupts it (same task),
 * is not reported: kasan_report() returns false and the access goes ahead.
 * Bad frees are reported whatever kasan_depth says (reading poisoned memory
 * cannot free it); one raised on the CPU that holds the lock, in an NMI
 * handler, is printed at once, nested in the report it interrupted, rather
 * than waiting for itself. Without kasan_multi_shot a nested report never
 * prints at all: the first report used up the only one.
 */

#define pr_fmt(fmt) fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/export.h>
#include <linux/ftrace.h>
#include <linux/init.h>
#include <linux/kasan.h>
#include <linux/kernel.h>
#include <linux/kfence.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/panic.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/task_stack.h>
#include <linux/stackdepot.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <trace/events/error_report.h>

#include <asm/sections.h>

#if IS_ENABLED(CONFIG_KUNIT)
#include <kunit/test.h>
#endif

#include "kasan.h"
#include "../slab.h"

/* ===== Knobs ===== */

/* What a report is followed by: kasan.fault=. */
enum kasan_fault_action {
	KASAN_FAULT_REPORT,
	KASAN_FAULT_PANIC,
	KASAN_FAULT_PANIC_ON_WRITE,
};

static const char * const kasan_fault_names[] = {
	[KASAN_FAULT_REPORT]		= "report",
	[KASAN_FAULT_PANIC]		= "panic",
	[KASAN_FAULT_PANIC_ON_WRITE]	= "panic_on_write",
};

static enum kasan_fault_action kasan_fault __ro_after_init = KASAN_FAULT_REPORT;

static int __init kasan_parse_fault(char *arg)
{
	int action = arg ? match_string(kasan_fault_names,
					ARRAY_SIZE(kasan_fault_names), arg) :
			   -EINVAL;

	if (action < 0) {
		pr_err("kasan: invalid kasan.fault '%s' (report|panic|panic_on_write), keeping %s\n",
		       arg ?: "", kasan_fault_names[kasan_fault]);
		return 0;
	}
	kasan_fault = action;
	return 0;
}
early_param("kasan.fault", kasan_parse_fault);

/*
 * Bits of kasan_report_state, changed atomically: a report has been
 * printed; every report is to be printed (kasan_multi_shot, or a test).
 */
#define KASAN_STATE_REPORTED	0
#define KASAN_STATE_MULTI_SHOT	1

static unsigned long kasan_report_state;

/* Early, so that reports from early boot honour it too. */
static int __init kasan_parse_multi_shot(char *arg)
{
	set_bit(KASAN_STATE_MULTI_SHOT, &kasan_report_state);
	return 0;
}
early_param("kasan_multi_shot", kasan_parse_multi_shot);

static bool kasan_multi_shot(void)
{
	return test_bit(KASAN_STATE_MULTI_SHOT, &kasan_report_state);
}

/* ===== Test hooks ===== */

#if IS_ENABLED(CONFIG_KASAN_KUNIT_TEST) || IS_ENABLED(CONFIG_KASAN_MODULE_TEST) || \
	IS_ENABLED(CONFIG_KASAN_CORE_KUNIT_TEST)

/**
 * kasan_save_enable_multi_shot() - report every bug until told otherwise
 *
 * For the KASAN tests, which make one bug after another, and would
 * otherwise see only the first reported (or panic with panic_on_warn).
 *
 * Return: whether multi-shot was already on, for kasan_restore_multi_shot().
 */
bool kasan_save_enable_multi_shot(void)
{
	return test_and_set_bit(KASAN_STATE_MULTI_SHOT, &kasan_report_state);
}
EXPORT_SYMBOL_GPL(kasan_save_enable_multi_shot);

/**
 * kasan_restore_multi_shot() - undo kasan_save_enable_multi_shot()
 * @enabled: what kasan_save_enable_multi_shot() returned
 */
void kasan_restore_multi_shot(bool enabled)
{
	if (!enabled)
		clear_bit(KASAN_STATE_MULTI_SHOT, &kasan_report_state);
}
EXPORT_SYMBOL_GPL(kasan_restore_multi_shot);

#endif

#if IS_ENABLED(CONFIG_KASAN_KUNIT_TEST) || IS_ENABLED(CONFIG_KASAN_CORE_KUNIT_TEST)

/* The KASAN suite is running: its reports are what it is testing for. */
static bool kasan_suite_running;

/**
 * kasan_kunit_test_suite_start() - the KASAN KUnit suite begins
 *
 * Until kasan_kunit_test_suite_end(), a report does not fail the KUnit test
 * the reporting task runs.
 */
void kasan_kunit_test_suite_start(void)
{
	WRITE_ONCE(kasan_suite_running, true);
}
EXPORT_SYMBOL_GPL(kasan_kunit_test_suite_start);

/**
 * kasan_kunit_test_suite_end() - the KASAN KUnit suite is over
 */
void kasan_kunit_test_suite_end(void)
{
	WRITE_ONCE(kasan_suite_running, false);
}
EXPORT_SYMBOL_GPL(kasan_kunit_test_suite_end);

static bool kasan_reports_expected(void)
{
	return READ_ONCE(kasan_suite_running);
}

#else

static inline bool kasan_reports_expected(void)
{
	return false;
}

#endif

/* A KUnit test that makes KASAN report, other than KASAN's own, has failed. */
static void kasan_fail_kunit_test(void)
{
#if IS_ENABLED(CONFIG_KUNIT)
	struct kunit *test = current->kunit_test;

	if (test && !kasan_reports_expected())
		kunit_set_failure(test);
#endif
}

/* ===== Who may report ===== */

/*
 * kasan_disable_current() sections: code that reads poisoned memory on
 * purpose, and reports in progress (see the top of the file).
 */
static bool kasan_report_suppressed(void)
{
	return READ_ONCE(current->kasan_depth) != 0;
}

/* Without multi-shot, the first report is the only one. */
static bool kasan_report_claim(void)
{
	if (kasan_multi_shot())
		return true;
	return !test_and_set_bit(KASAN_STATE_REPORTED, &kasan_report_state);
}

/* ===== The report lock ===== */

/* The CPU printing a report, or -1. */
static atomic_t kasan_report_cpu = ATOMIC_INIT(-1);

/*
 * How long a report waits for another CPU's: long enough for a slow serial
 * console, short of the hard lockup detector. A CPU stopped in the middle
 * of a report (by panic(), a debugger) must not silence every later one.
 */
#define KASAN_REPORT_WAIT_NS	NSEC_PER_SEC

/*
 * Take the report lock; call with interrupts off. Returns true if the
 * caller took it and must release it, false if it prints without it: the
 * lock is its own (an NMI inside a report), a panic is under way, or the
 * holder took too long. The worst that comes of that is interleaved lines.
 */
static bool kasan_report_lock(void)
{
	int me = raw_smp_processor_id();
	u64 start = local_clock();
	int holder;

	for (;;) {
		holder = atomic_cmpxchg_acquire(&kasan_report_cpu, -1, me);
		if (holder == -1)
			return true;
		if (holder == me || panic_in_progress() ||
		    local_clock() - start > KASAN_REPORT_WAIT_NS)
			return false;
		cpu_relax();
	}
}

static void kasan_report_unlock(bool locked)
{
	if (locked)
		atomic_set_release(&kasan_report_cpu, -1);
}

/* ===== Reading the shadow ===== */

/*
 * Copy the shadow of @n granules from @addr into @buf. The shadow of the
 * linear map and of the kernel image is always mapped; vmalloc shadow is
 * mapped a page at a time as areas are populated, and unmapped when they
 * are purged, so the rows printed around a vmalloc address may have none.
 * Read it without faulting, and never past the end of the shadow region.
 *
 * Return: whether all of it could be read.
 */
static bool kasan_read_shadow(u8 *buf, const void *addr, size_t n)
{
	unsigned long from = (unsigned long)kasan_reset_tag(addr);
	unsigned long last = from + n * KASAN_GRANULE_SIZE - 1;
	const u8 *shadow;

	if (!n || last < from || !addr_has_metadata((void *)from))
		return false;
	shadow = kasan_shadow_of((void *)from);
	if ((unsigned long)shadow + n > KASAN_SHADOW_END)
		return false;
	return !copy_from_kernel_nofault(buf, shadow, n);
}

/*
 * The allocated part of a slab object: its granules from the start up to
 * the first one closed. The shadow of slab memory (linear map) is always
 * mapped, so it is read directly. A freed object has none left to measure;
 * its whole size is given instead, as for one allocated in full.
 */
static size_t kasan_object_bytes(struct kmem_cache *cache, const void *object)
{
	const u8 *shadow = kasan_shadow_of(object);
	size_t bytes = 0;

	while (bytes < cache->object_size && *shadow != KASAN_TAG_INVALID) {
		/* A short granule ends the object, and says where. */
		if (kasan_is_short_granule(*shadow)) {
			bytes += *shadow;
			break;
		}
		bytes += KASAN_GRANULE_SIZE;
		shadow++;
	}
	if (!bytes || bytes > cache->object_size)
		return cache->object_size;
	return bytes;
}

/* ===== What went wrong ===== */

/* Everything a report says, gathered before it is printed. */
struct kasan_bug {
	const void *addr;	/* as the caller gave it, with the pointer's tag */
	size_t size;
	bool is_write;
	bool is_free;		/* a bad free, not a bad access */
	enum kasan_free_bug free_type;
	unsigned long ip;	/* the caller that made the access or the free */
	const char *type;	/* the bug type of the title */
	u8 ptr_tag;
	/* The first byte off limits (untagged): tags and memory state. */
	const void *bad;
	/* The slab object the report is about, if any (untagged). */
	struct kmem_cache *cache;
	const void *object;
	size_t object_bytes;
	struct kasan_history history;
};

/*
 * The first byte of [@addr, @addr + @size) the pointer may not touch: in a
 * granule without the pointer's tag, or past the used bytes of a short
 * granule with it. @addr itself when there is no range to walk (a size
 * that wraps, an address without shadow) or no such byte (the shadow
 * changed since the check). The walk reads shadow the check has just read,
 * and a short granule's last byte without faulting.
 */
static const void *kasan_first_bad_byte(const void *addr, size_t size)
{
	unsigned long start = (unsigned long)kasan_reset_tag(addr);
	unsigned long last = start + size - 1;
	unsigned long g;
	u8 tag = get_tag(addr), mem, granule_tag;

	if (!size || last < start || !addr_has_metadata((void *)start))
		return (void *)start;
	for (g = ALIGN_DOWN(start, KASAN_GRANULE_SIZE); g <= last;
	     g += KASAN_GRANULE_SIZE) {
		if (!kasan_read_shadow(&mem, (void *)g, 1))
			return (void *)max(g, start);
		if (kasan_is_short_granule(mem) &&
		    !copy_from_kernel_nofault(&granule_tag,
					      (void *)(g + KASAN_GRANULE_MASK), 1) &&
		    granule_tag == tag)
			return (void *)max(g + mem, start);
		if (mem != tag)
			return (void *)max(g, start);
		if (g + KASAN_GRANULE_SIZE < g)
			break;
	}
	return (void *)start;
}

/* The slab that holds @addr, unless it is KFENCE's, which reports its own. */
static struct slab *kasan_report_slab(const void *addr)
{
	if (is_kfence_address(addr))
		return NULL;
	return kasan_addr_to_slab(addr);
}

/*
 * nearest_obj() with the slab's address and @addr in the same tag space:
 * slab pages carry the match-all tag, so this only guards against a slab
 * whose page tag was not reset.
 */
static const void *kasan_slab_object(struct kmem_cache *cache,
				     struct slab *slab, const void *addr)
{
	u8 page_tag = get_tag(slab_address(slab));
	void *object = nearest_obj(cache, slab, set_tag(addr, page_tag));

	return kasan_reset_tag(object);
}

/*
 * Make @object the object the report describes, and look up its history
 * under the pointer's tag. Return: whether any history was found.
 */
static bool kasan_take_object(struct kasan_bug *bug, struct kmem_cache *cache,
			      const void *object)
{
	bug->cache = cache;
	bug->object = object;
	bug->object_bytes = kasan_object_bytes(cache, object);
	return kasan_find_history(set_tag(object, bug->ptr_tag), &bug->history);
}

/* The bug type the history of the described object implies. */
static const char *kasan_history_type(const struct kasan_history *h)
{
	return h->freed_last ? "slab-use-after-free" : "slab-out-of-bounds";
}

/* How far, in bytes, to look for the pointer's object on either side. */
#define KASAN_OWNER_REACH_MAX	(64UL << 10)

/*
 * The granule's tag as kasan_granule_tag() gives it, for memory a report
 * does not own: the shadow (which memory going offline may lose) and a
 * short granule's tag byte (a page freed and unmapped under
 * debug_pagealloc) are read without faulting, and what cannot be read
 * matches no tag.
 */
static u8 kasan_report_granule_tag(unsigned long granule)
{
	u8 shadow, tag;

	if (!kasan_read_shadow(&shadow, (void *)granule, 1))
		return KASAN_TAG_INVALID;
	if (!kasan_is_short_granule(shadow))
		return shadow;
	if (copy_from_kernel_nofault(&tag, (void *)(granule | KASAN_GRANULE_MASK), 1))
		return KASAN_TAG_INVALID;
	return tag;
}

/*
 * Whether @cache can be a slab's cache: a slab's slab_cache is garbage
 * while the slab is being made (the page allocator's list poison) or once
 * it is freed and reused, and every cache is an object of kmem_cache.
 */
static bool kasan_plausible_cache(const struct kmem_cache *cache)
{
	struct slab *slab;

	if (!cache || !virt_addr_valid(cache))
		return false;
	slab = virt_to_slab(cache);
	return slab && READ_ONCE(slab->slab_cache) == kmem_cache;
}

/*
 * One side of the owner search: the span (a slab, or a page that is none)
 * it looked up last, so that a slab is looked up once, not per granule.
 */
struct kasan_owner_side {
	unsigned long lo, hi;
	struct slab *slab;
	struct kmem_cache *cache;
	unsigned long reach;	/* how far an object of the slab counts */
};

static struct slab *kasan_owner_slab(struct kasan_owner_side *side,
				     unsigned long granule)
{
	struct slab *slab;

	if (granule >= side->lo && granule < side->hi)
		return side->slab;

	side->lo = ALIGN_DOWN(granule, PAGE_SIZE);
	side->hi = side->lo + PAGE_SIZE;
	side->slab = NULL;
	slab = kasan_report_slab((void *)granule);
	if (!slab)
		return NULL;
	side->cache = READ_ONCE(slab->slab_cache);
	if (!kasan_plausible_cache(side->cache))
		return NULL;
	side->lo = (unsigned long)kasan_reset_tag(slab_address(slab));
	side->hi = side->lo + slab_size(slab);
	/* A slab freed and reused under us: the page alone, as no slab. */
	if (granule < side->lo || granule >= side->hi) {
		side->lo = ALIGN_DOWN(granule, PAGE_SIZE);
		side->hi = side->lo + PAGE_SIZE;
		return NULL;
	}
	side->reach = min(round_up(side->cache->size, KASAN_GRANULE_SIZE) +
			  KASAN_GRANULE_SIZE, KASAN_OWNER_REACH_MAX);
	side->slab = slab;
	return slab;
}

/*
 * kasan_find_owner_near() - the object a mistagged access was for
 * @bad: the first byte the access may not touch (untagged)
 * @tag: the pointer's tag
 * @cachep: set to the object's cache
 *
 * An access that runs off the end (or the start) of a slab object reaches
 * its neighbour, whose granules carry the neighbour's tag. The history of
 * the object at the bad address then knows nothing of the pointer's tag,
 * and all a report could say is "invalid-access", describing an object
 * that has nothing to do with the bug. But the object the pointer was
 * made for is usually right beside it, and its shadow still carries the
 * pointer's tag: the nearest slab granule with that tag names it, on either
 * side of @bad, the left first on a tie (overflows run right). A granule
 * counts within one slot of its own cache (plus a granule) of @bad, in
 * whatever slab it lies: the last object of a slab overflows into the page
 * after it, a slab or not, and the first underflows into the page before.
 * Only slab granules are read, whose shadow is always mapped.
 *
 * Only reached when the history of the object at the address has nothing
 * under the pointer's tag. A freed object has lost its tag, so a stray
 * pointer into freed memory (whose history the ring no longer holds) is
 * pinned on a live object only if one in reach drew the same tag: about
 * one chance in 254 for each, the price of naming the others right. The
 * slab found is not pinned: a report reads it while it may be freed, and
 * checks after the hit that it is still a slab of the same cache.
 *
 * Return: the start of that object (untagged), or NULL.
 */
static const void *kasan_find_owner_near(const void *bad, u8 tag,
					 struct kmem_cache **cachep)
{
	unsigned long at = ALIGN_DOWN((unsigned long)bad, KASAN_GRANULE_SIZE);
	struct kasan_owner_side sides[2] = { };
	const void *owner = NULL;
	unsigned long d, granule;
	struct slab *slab;
	unsigned int i;

	if (tag == KASAN_TAG_KERNEL || tag == KASAN_TAG_INVALID)
		return NULL;
	/*
	 * The bad granule carries the tag itself (an access past the used
	 * bytes of a short granule): no neighbour's.
	 */
	if (kasan_report_granule_tag(at) == tag)
		return NULL;

	/* pfn_to_online_page() and the memmap it leads to, for a while. */
	rcu_read_lock();
	for (d = KASAN_GRANULE_SIZE; d <= KASAN_OWNER_REACH_MAX && !owner;
	     d += KASAN_GRANULE_SIZE) {
		for (i = 0; i < ARRAY_SIZE(sides); i++) {
			granule = i ? at + d : at - d;
			slab = kasan_owner_slab(&sides[i], granule);
			if (!slab || d > sides[i].reach ||
			    kasan_report_granule_tag(granule) != tag)
				continue;
			if (!folio_test_slab(slab_folio(slab)) ||
			    READ_ONCE(slab->slab_cache) != sides[i].cache)
				continue;
			*cachep = sides[i].cache;
			owner = kasan_slab_object(sides[i].cache, slab,
						  (void *)granule);
			break;
		}
	}
	rcu_read_unlock();
	return owner;
}

/*
 * Name a bad access and find the object to describe:
 *  1. the slab object at the address, if its history knows the pointer's
 *     tag: freed last, a use-after-free; allocated last, an out-of-bounds
 *     access from within its slot;
 *  2. else the object the pointer was made for, by its tag in the shadow
 *     nearby (kasan_find_owner_near()), in the slab at the address or one
 *     next to it: an out-of-bounds access into a neighbour (or off the end
 *     of a slab), or a use-after-free if its history says it was freed;
 *  3. else nothing is known: "out-of-bounds" for a size that wraps (a
 *     negative length), "invalid-access" otherwise; a slab object at the
 *     address is still described, without stacks. Memory that is not slab
 *     (pages, large kmalloc, vmalloc) ends here unless a slab object next
 *     to it ran into it.
 */
static void kasan_classify_access(struct kasan_bug *bug)
{
	const void *addr = kasan_reset_tag(bug->addr);
	bool wraps = (unsigned long)bug->addr + bug->size <
		     (unsigned long)bug->addr;
	struct slab *slab = addr_has_metadata(addr) ?
			    kasan_report_slab(addr) : NULL;
	struct kmem_cache *cache = NULL;
	const void *owner;

	bug->type = wraps ? "out-of-bounds" : "invalid-access";
	if (slab) {
		cache = slab->slab_cache;
		if (kasan_take_object(bug, cache,
				      kasan_slab_object(cache, slab, addr))) {
			bug->type = kasan_history_type(&bug->history);
			return;
		}
	}

	owner = kasan_find_owner_near(kasan_reset_tag(bug->bad), bug->ptr_tag,
				      &cache);
	if (!owner)
		return;
	kasan_take_object(bug, cache, owner);
	bug->type = kasan_history_type(&bug->history);
}

/* A bad free is named by the caller; the object it hit is described. */
static void kasan_classify_free(struct kasan_bug *bug)
{
	const void *addr = kasan_reset_tag(bug->addr);
	struct slab *slab = kasan_report_slab(addr);

	bug->type = bug->free_type == KASAN_REPORT_DOUBLE_FREE ?
		    "double-free" : "invalid-free";
	if (slab)
		kasan_take_object(bug, slab->slab_cache,
				  kasan_slab_object(slab->slab_cache, slab, addr));
}

/* ===== Printing ===== */

static void kasan_print_rule(void)
{
	pr_err("==================================================================\n");
}

/* The title, what was done, and the tags that disagreed. */
static void kasan_print_header(const struct kasan_bug *bug)
{
	const char *rw = bug->is_write ? "Write" : "Read";
	u8 mem_tag;

	pr_err("BUG: KASAN: %s in %pS\n", bug->type, (void *)bug->ip);
	if (bug->is_free)
		pr_err("Free of addr %px by task %s/%d\n", bug->addr,
		       current->comm, task_pid_nr(current));
	else if (bug->size)
		pr_err("%s of size %zu at addr %px by task %s/%d\n", rw,
		       bug->size, bug->addr, current->comm,
		       task_pid_nr(current));
	else
		pr_err("%s at addr %px by task %s/%d\n", rw, bug->addr,
		       current->comm, task_pid_nr(current));

	if (addr_has_metadata(bug->addr) &&
	    kasan_read_shadow(&mem_tag, bug->bad, 1))
		pr_err("Pointer tag: [%02x], memory tag: [%02x]\n",
		       bug->ptr_tag, mem_tag);
	pr_err("\n");
}

static void kasan_print_track(const char *event, const struct kasan_track *t)
{
	pr_err("%s by task %u:\n", event, t->pid);
	if (t->stack)
		stack_depot_print(t->stack);
	else
		pr_err("(stack is not available)\n");
}

/* The object's stacks, then where the address is relative to it. */
static void kasan_print_object(const struct kasan_bug *bug)
{
	unsigned long addr = (unsigned long)kasan_reset_tag(bug->addr);
	unsigned long start = (unsigned long)bug->object;
	unsigned long end = start + bug->object_bytes;
	const char *where;
	int bytes;

	if (kasan_stack_collection_enabled()) {
		if (bug->history.have_alloc) {
			kasan_print_track("Allocated", &bug->history.alloc);
			pr_err("\n");
		}
		if (bug->history.have_free) {
			kasan_print_track("Freed", &bug->history.free);
			pr_err("\n");
		}
	}

	pr_err("The buggy address belongs to the object at %px\n"
	       " which belongs to the cache %s of size %d\n",
	       bug->object, bug->cache->name, bug->cache->object_size);

	if (addr < start) {
		where = "to the left";
		bytes = start - addr;
	} else if (addr >= end) {
		where = "to the right";
		bytes = addr - end;
	} else {
		where = "inside";
		bytes = addr - start;
	}
	pr_err("The buggy address is located %d bytes %s of\n"
	       " %zu-byte region [%px, %px)\n",
	       bytes, where, bug->object_bytes, (void *)start, (void *)end);
	pr_err("\n");
}

/* A global of the kernel or a module (the initial task's stack is not). */
static bool kasan_is_variable(const void *addr)
{
	unsigned long a = (unsigned long)addr;
	unsigned long init_stack = (unsigned long)init_thread_union.stack;

	if (a - init_stack < sizeof(init_thread_union.stack))
		return false;
	return is_kernel(a) || is_module_address(a);
}

/* What else the address belongs to: a variable, a stack, a mapping, a page. */
static void kasan_print_memory_kind(const void *addr)
{
	struct page *page = NULL;

	if (kasan_is_variable(addr)) {
		pr_err("The buggy address belongs to the variable:\n");
		pr_err(" %pS\n", addr);
		pr_err("\n");
	}

	if (IS_ENABLED(CONFIG_KASAN_STACK) && object_is_on_stack(addr)) {
		pr_err("The buggy address belongs to stack of task %s/%d\n",
		       current->comm, task_pid_nr(current));
		pr_err("\n");
	}

	if (is_vmalloc_addr(addr)) {
		pr_err("The buggy address belongs to a");
		if (!vmalloc_dump_obj((void *)addr))
			pr_cont(" vmalloc virtual mapping\n");
		page = vmalloc_to_page(addr);
		if (!page)
			pr_err("\n");
	} else if (virt_addr_valid(addr)) {
		page = virt_to_head_page(addr);
	}

	if (page) {
		pr_err("The buggy address belongs to the physical page:\n");
		dump_page(page, "kasan: bad access detected");
		pr_err("\n");
	}
}

/* The shadow around the bad byte: rows of this many granules... */
#define KASAN_MAP_GRANULES	16
#define KASAN_MAP_ROW_BYTES	(KASAN_MAP_GRANULES * KASAN_GRANULE_SIZE)
/* ...this many before the bad byte's row, and as many after it. */
#define KASAN_MAP_CONTEXT	2

/*
 * Each row starts with the address of the memory it describes, marked with
 * '>' for the row of the bad byte; a '^' under that byte's granule follows
 * it. Rows whose shadow cannot be read (unpopulated vmalloc shadow, the
 * ends of the address space) are left out: the rest is still worth having.
 */
static void kasan_print_memory_state(const void *bad)
{
	unsigned long at = (unsigned long)bad;
	unsigned long centre = ALIGN_DOWN(at, KASAN_MAP_ROW_BYTES);
	char line[4 + 2 * sizeof(long) + 3 * KASAN_MAP_GRANULES];
	u8 tags[KASAN_MAP_GRANULES];
	unsigned long row;
	int i, j, len, caret;

	pr_err("Memory state around the buggy address:\n");
	for (i = -KASAN_MAP_CONTEXT; i <= KASAN_MAP_CONTEXT; i++) {
		row = centre + i * (long)KASAN_MAP_ROW_BYTES;
		if ((i < 0 && row > centre) || (i > 0 && row < centre))
			continue;
		if (!kasan_read_shadow(tags, (void *)row, KASAN_MAP_GRANULES))
			continue;

		len = scnprintf(line, sizeof(line), "%c%px:", i ? ' ' : '>',
				(void *)row);
		caret = len + 1 + 3 * ((at - row) / KASAN_GRANULE_SIZE);
		for (j = 0; j < KASAN_MAP_GRANULES; j++)
			len += scnprintf(line + len, sizeof(line) - len, " %02x",
					 tags[j]);
		pr_err("%s\n", line);
		if (!i)
			pr_err("%*c\n", caret + 1, '^');
	}
}

static void kasan_print_body(const struct kasan_bug *bug)
{
	const void *addr = kasan_reset_tag(bug->addr);

	dump_stack_lvl(KERN_ERR);
	if (!addr_has_metadata(addr))
		return;
	pr_err("\n");

	if (bug->cache)
		kasan_print_object(bug);
	kasan_print_memory_kind(addr);
	kasan_print_memory_state(bug->bad);
}

/* After the report: taint, and panic if asked to. */
static void kasan_report_consequences(bool is_write)
{
	if (!kasan_multi_shot())
		check_panic_on_warn("KASAN");
	if (kasan_fault == KASAN_FAULT_PANIC)
		panic("kasan.fault=panic set ...\n");
	if (kasan_fault == KASAN_FAULT_PANIC_ON_WRITE && is_write)
		panic("kasan.fault=panic_on_write set ...\n");
	add_taint(TAINT_BAD_PAGE, LOCKDEP_NOW_UNRELIABLE);
}

/*
 * Work out and print one report. The report is itself suppressed while it
 * runs (kasan_depth), so that what it calls (printk, the unwinder, the
 * stack depot, the vmalloc and page dumpers, all instrumented) cannot
 * report in turn; lockdep is off, as the console locks taken here would
 * otherwise be paired with whatever the bad access held.
 */
static void kasan_report_emit(struct kasan_bug *bug)
{
	unsigned long flags;
	bool locked;

	kasan_fail_kunit_test();
	disable_trace_on_warning();
	lockdep_off();
	kasan_disable_current();

	bug->ptr_tag = get_tag(bug->addr);
	if (bug->is_free) {
		bug->bad = kasan_reset_tag(bug->addr);
		kasan_classify_free(bug);
	} else {
		bug->bad = kasan_first_bad_byte(bug->addr, bug->size);
		kasan_classify_access(bug);
	}

	local_irq_save(flags);
	locked = kasan_report_lock();
	kasan_print_rule();
	kasan_print_header(bug);
	kasan_print_body(bug);
	trace_error_report_end(ERROR_DETECTOR_KASAN, (unsigned long)bug->addr);
	kasan_print_rule();
	kasan_report_unlock(locked);
	local_irq_restore(flags);

	kasan_report_consequences(bug->is_write);
	lockdep_on();
	kasan_enable_current();
}

/* ===== Entry points ===== */

/**
 * kasan_report() - report a bad access
 * @addr: the address accessed, with the pointer's tag
 * @size: the access size in bytes (a size that wraps is a negative length)
 * @is_write: whether it was a write
 * @ip: the instruction in the caller that made the access; the title names it
 *
 * Called by the tag checks (kasan_check_range(), kasan_tag_mismatch()) and
 * arm64's brk handler for the inline checks. Nothing is printed inside a
 * kasan_disable_current() section, or after the first report without
 * kasan_multi_shot.
 *
 * Return: true if a report was printed.
 */
bool kasan_report(const void *addr, size_t size, bool is_write,
		  unsigned long ip)
{
	unsigned long ua_flags = user_access_save();
	struct kasan_bug bug = {
		.addr = addr, .size = size, .is_write = is_write, .ip = ip,
	};
	bool printed = false;

	if (likely(!kasan_report_suppressed()) && kasan_report_claim()) {
		kasan_report_emit(&bug);
		printed = true;
	}
	user_access_restore(ua_flags);
	return printed;
}

/**
 * kasan_report_invalid_free() - report a bad kfree() or kmem_cache_free()
 * @object: the pointer given to the free, with its tag
 * @ip: the caller of the free; the title names it
 * @type: a free of what is not the start of an object (invalid-free), or
 *	of an object already free (double-free)
 *
 * Reported inside kasan_disable_current() sections too: reading poisoned
 * memory cannot free it. The free counts as a write for kasan.fault (it
 * would write the allocator's metadata).
 */
void kasan_report_invalid_free(void *object, unsigned long ip,
			       enum kasan_free_bug type)
{
	struct kasan_bug bug = {
		.addr = object, .is_write = true, .ip = ip,
		.is_free = true, .free_type = type,
	};

	if (kasan_report_claim())
		kasan_report_emit(&bug);
}

/**
 * kasan_addr_to_slab() - the slab that holds an address
 * @addr: any address, tagged or not
 *
 * Return: the slab, or NULL if @addr is not in the linear map or not in a
 * slab page.
 */
struct slab *kasan_addr_to_slab(const void *addr)
{
	struct folio *folio;
	struct page *page;

	addr = kasan_reset_tag(addr);
	if (!virt_addr_valid(addr))
		return NULL;
	/*
	 * Memory that is hot-added but not online, or offline, keeps a memmap
	 * nobody initialised (poisoned under DEBUG_VM): no folio to look at.
	 */
	page = pfn_to_online_page(virt_to_pfn(addr));
	if (!page)
		return NULL;
	folio = page_folio(page);
	return folio_test_slab(folio) ? folio_slab(folio) : NULL;
}

/* ===== Faults on shadow addresses ===== */

/**
 * kasan_non_canonical_hook() - say what a fault on a shadow address was about
 * @addr: the faulting address, from the oops path
 *
 * A check of a bogus pointer faults on the pointer's shadow, before the
 * access itself: the oops then names an address no one wrote. When @addr
 * can be such a shadow address, print the memory range it is the shadow
 * of, with a guess at the bug.
 *
 * The tag mode's checks compute the shadow of the pointer with its top
 * byte set to 0xff, so the shadow addresses they can make are those of
 * [0xff00000000000000, ~0UL]: the shadow region proper (for canonical
 * kernel addresses, whose shadow is then missing: a wild access, probably)
 * and, below the kernel's address space, the shadow of non-canonical
 * addresses, which no mapping covers. A fault anywhere else (the kernel's
 * own mappings, on either side of the shadow region) is no shadow fault
 * and is left alone.
 * For a non-canonical address the top byte the pointer had is lost, so the
 * guess goes by the bits below it: NULL and user pointers have them
 * small. Those are printed without the top byte, other addresses with it.
 */
void kasan_non_canonical_hook(unsigned long addr)
{
	unsigned long lowest = (unsigned long)
		kasan_mem_to_shadow(set_tag(NULL, KASAN_TAG_KERNEL));
	unsigned long kernel_va = -(1UL << vabits_actual);
	unsigned long mem, low;
	const char *guess;

	if (addr >= KASAN_SHADOW_START && addr < KASAN_SHADOW_END) {
		mem = (unsigned long)kasan_shadow_to_mem((void *)addr);
		guess = "probably wild-memory-access";
	} else if (addr >= lowest && addr < kernel_va) {
		mem = (unsigned long)kasan_shadow_to_mem((void *)addr);
		low = (unsigned long)set_tag((void *)mem, 0);
		if (low < PAGE_SIZE) {
			guess = "null-ptr-deref";
			mem = low;
		} else if (low < TASK_SIZE_MAX) {
			guess = "probably user-memory-access";
			mem = low;
		} else {
			guess = "maybe wild-memory-access";
		}
	} else {
		return;
	}
	pr_alert("KASAN: %s in range [0x%016lx-0x%016lx]\n", guess, mem,
		 mem + KASAN_GRANULE_SIZE - 1);
}
