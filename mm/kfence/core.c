// SPDX-License-Identifier: GPL-2.0
/*
 * KFENCE core: the guarded pool, the sampling gate, and the allocation, free
 * and fault paths. Each sampled object gets a page of its own between two
 * protected guard pages; the rest of its page is a canary redzone checked on
 * free, and freed objects stay protected until their slot is reused.
 */

#define pr_fmt(fmt) "kfence: " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/hash.h>
#include <linux/irq_work.h>
#include <linux/jhash.h>
#include <linux/kasan-enabled.h>
#include <linux/kfence.h>
#include <linux/kmemleak.h>
#include <linux/list.h>
#include <linux/memblock.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <asm/kfence.h>
#include <asm/tlbflush.h>

#include "kfence.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "kfence."

/* ===== State ===== */

char *__kfence_pool __read_mostly;
EXPORT_SYMBOL(__kfence_pool);
unsigned long __kfence_pool_size __read_mostly;
EXPORT_SYMBOL(__kfence_pool_size);

unsigned long kfence_num_objects __ro_after_init = CONFIG_KFENCE_NUM_OBJECTS;
EXPORT_SYMBOL_GPL(kfence_num_objects);

struct kfence_metadata *kfence_slots __read_mostly;

DEFINE_STATIC_KEY_FALSE(kfence_allocation_key);
EXPORT_SYMBOL(kfence_allocation_key);
atomic_t kfence_allocation_gate = ATOMIC_INIT(0);
EXPORT_SYMBOL(kfence_allocation_gate);

/* Sampling is on; cleared by kfence.sample_interval=0 or an internal error. */
bool kfence_enabled __read_mostly;
/* Set by an internal error: KFENCE then stays off until reboot. */
bool kfence_disabled_by_warn __read_mostly;
/* kfence_init() has run: parameter writes now act at once. */
static bool kfence_started;

/* Free slots, oldest-freed first: reuse is FIFO so freed objects stay guarded longest. */
static LIST_HEAD(kfence_free_slots);
static DEFINE_RAW_SPINLOCK(kfence_slots_lock);

/* Early-boot allocations, handed to kfence_init(). */
static struct kfence_metadata *kfence_slots_early __initdata;

/*
 * Counting filter of allocation stacks that currently own an object: two
 * counters per stack hash. Once the pool is kfence.skip_covered_thresh percent
 * full, allocations from stacks already in the pool are skipped, so that the
 * remaining slots go to code paths not yet covered.
 */
static atomic_t *kfence_covered;
static u32 kfence_covered_bits;

atomic_long_t kfence_stats[KFENCE_STAT_COUNT];

/* ===== Parameters ===== */

unsigned long kfence_sample_interval __read_mostly = CONFIG_KFENCE_SAMPLE_INTERVAL;
EXPORT_SYMBOL_GPL(kfence_sample_interval);
unsigned long kfence_skip_covered_thresh __read_mostly = 75;
unsigned int kfence_burst __read_mostly;
static bool kfence_deferrable __ro_after_init = IS_ENABLED(CONFIG_KFENCE_DEFERRABLE);
static bool kfence_check_on_panic __ro_after_init;

/* A day: longer intervals are almost certainly typos; 0 is how to turn KFENCE off. */
#define KFENCE_MAX_SAMPLE_INTERVAL	(24UL * 60 * 60 * 1000)
#define KFENCE_MAX_BURST		1024
#define KFENCE_MAX_NUM_OBJECTS		65535

static int kfence_enable(void);
static void kfence_disable(void);

static int kfence_sample_interval_set(const char *val, const struct kernel_param *kp)
{
	unsigned long old = READ_ONCE(kfence_sample_interval);
	unsigned long num;
	int ret;

	if (kstrtoul(val, 0, &num) || num > KFENCE_MAX_SAMPLE_INTERVAL) {
		pr_err("invalid sample_interval '%s' (0 to %lu ms), keeping %lu\n",
		       strim((char *)val), KFENCE_MAX_SAMPLE_INTERVAL, old);
		return -EINVAL;
	}
	WRITE_ONCE(kfence_sample_interval, num);
	if (!READ_ONCE(kfence_started))
		return 0;	/* boot: kfence_init() acts on the value */

	if (!num) {
		kfence_disable();
		return 0;
	}
	ret = kfence_enable();
	if (ret)
		WRITE_ONCE(kfence_sample_interval, old);
	return ret;
}

static const struct kernel_param_ops kfence_sample_interval_ops = {
	.set = kfence_sample_interval_set,
	.get = param_get_ulong,
};
module_param_cb(sample_interval, &kfence_sample_interval_ops, &kfence_sample_interval, 0600);

static int kfence_thresh_set(const char *val, const struct kernel_param *kp)
{
	unsigned long num;

	if (kstrtoul(val, 0, &num) || num > 100) {
		pr_err("invalid skip_covered_thresh '%s' (0 to 100 %%), keeping %lu\n",
		       strim((char *)val), kfence_skip_covered_thresh);
		return -EINVAL;
	}
	WRITE_ONCE(kfence_skip_covered_thresh, num);
	return 0;
}

static const struct kernel_param_ops kfence_thresh_ops = {
	.set = kfence_thresh_set,
	.get = param_get_ulong,
};
module_param_cb(skip_covered_thresh, &kfence_thresh_ops, &kfence_skip_covered_thresh, 0644);

static int kfence_burst_set(const char *val, const struct kernel_param *kp)
{
	unsigned int num;

	if (kstrtouint(val, 0, &num) || num > KFENCE_MAX_BURST) {
		pr_err("invalid burst '%s' (0 to %d), keeping %u\n",
		       strim((char *)val), KFENCE_MAX_BURST, kfence_burst);
		return -EINVAL;
	}
	WRITE_ONCE(kfence_burst, num);
	return 0;
}

static const struct kernel_param_ops kfence_burst_ops = {
	.set = kfence_burst_set,
	.get = param_get_uint,
};
module_param_cb(burst, &kfence_burst_ops, &kfence_burst, 0644);

module_param_named(deferrable, kfence_deferrable, bool, 0444);
module_param_named(check_on_panic, kfence_check_on_panic, bool, 0444);

/**
 * kfence_parse_num_objects() - parse and check a kfence.num_objects value
 * @val: the string
 * @out: where the number goes on success
 *
 * Return: 0, or -EINVAL if @val is not a number from 1 to 65535.
 */
int kfence_parse_num_objects(const char *val, unsigned long *out)
{
	unsigned long num;

	if (!val || kstrtoul(val, 0, &num) || !num || num > KFENCE_MAX_NUM_OBJECTS)
		return -EINVAL;
	*out = num;
	return 0;
}

/*
 * An early parameter, because arm64 reserves the pool in setup_arch(), before
 * module parameters are parsed.
 */
static int __init kfence_num_objects_setup(char *val)
{
	if (kfence_parse_num_objects(val, &kfence_num_objects))
		pr_err("invalid num_objects '%s' (1 to %d), keeping %lu\n",
		       val ?: "", KFENCE_MAX_NUM_OBJECTS, kfence_num_objects);
	return 0;
}
early_param("kfence.num_objects", kfence_num_objects_setup);

/* ===== Pool set-up ===== */

static unsigned long kfence_covered_slots(void)
{
	return roundup_pow_of_two(4 * kfence_num_objects);
}

/* Metadata array and covered filter live in one allocation. */
static size_t kfence_metadata_bytes(void)
{
	return PAGE_ALIGN(array_size(kfence_num_objects, sizeof(struct kfence_metadata)) +
			  kfence_covered_slots() * sizeof(atomic_t));
}

#if IS_ENABLED(CONFIG_KFENCE_CORE_KUNIT_TEST)
/*
 * Fault injection for the kfence_core suite, compiled out of other kernels:
 * while positive, each change of a page's protection counts it down, and
 * the change that brings it to zero fails (its page is then remembered).
 */
atomic_t kfence_fail_protect_in = ATOMIC_INIT(0);
unsigned long kfence_failed_protect_page;

static bool kfence_protect(unsigned long addr, bool protect)
{
	if (atomic_read(&kfence_fail_protect_in) > 0 &&
	    atomic_dec_return(&kfence_fail_protect_in) == 0) {
		WRITE_ONCE(kfence_failed_protect_page, addr);
		return false;
	}
	return kfence_protect_page(addr, protect);
}
#else
static inline bool kfence_protect(unsigned long addr, bool protect)
{
	return kfence_protect_page(addr, protect);
}
#endif

/*
 * An internal error: the pool can no longer be trusted to catch what it
 * should, so KFENCE stays off until reboot, whatever is written to
 * kfence.sample_interval afterwards.
 */
static void kfence_internal_error(const char *what, unsigned long addr)
{
	WARN_ONCE(1, "kfence: cannot %s page at %p, disabling KFENCE\n", what, (void *)addr);
	WRITE_ONCE(kfence_disabled_by_warn, true);
	WRITE_ONCE(kfence_enabled, false);
	/*
	 * Close the gate too: nothing takes a sample now, and caches still
	 * armed must find it closed and go back to the fast path.
	 */
	atomic_set(&kfence_allocation_gate, 0);
}

static bool kfence_guard(unsigned long addr)
{
	if (likely(kfence_protect(ALIGN_DOWN(addr, PAGE_SIZE), true)))
		return true;
	kfence_internal_error("protect", addr);
	return false;
}

static bool kfence_unguard(unsigned long addr)
{
	if (likely(kfence_protect(ALIGN_DOWN(addr, PAGE_SIZE), false)))
		return true;
	kfence_internal_error("unprotect", addr);
	return false;
}

static unsigned long kfence_pool_pages(void)
{
	return KFENCE_POOL_SIZE / PAGE_SIZE;
}

/*
 * Undo kfence_setup_pool() after a failure at page @protected: every object
 * page was already typed as a one-object slab pointing into the metadata
 * (which the caller frees), while only the pages before @protected were
 * protected. Pages must go back to the page allocator untyped.
 */
static void kfence_reset_pool_pages(unsigned long protected)
{
	struct page *pages = virt_to_page(__kfence_pool);
	unsigned long i;

	for (i = 2; i < kfence_pool_pages(); i += 2) {
		struct slab *slab = page_slab(nth_page(pages, i));

#ifdef CONFIG_MEMCG
		slab->obj_exts = 0;
#endif
		__folio_clear_slab(slab_folio(slab));
	}
	for (i = 0; i < protected; i++)
		kfence_protect_page((unsigned long)__kfence_pool + i * PAGE_SIZE, false);
}

/*
 * Turn the pool into guarded slots: object pages become one-object slabs (so
 * that virt_to_slab(), obj_to_index() and memcg work on KFENCE objects), and
 * every page starts protected. Publishes the pool on success.
 */
static bool kfence_setup_pool(struct kfence_metadata *meta)
{
	unsigned long nr = kfence_pool_pages();
	struct page *pages = virt_to_page(__kfence_pool);
	unsigned long i;

	if (!arch_kfence_init_pool())
		return false;

	for (i = 2; i < nr; i += 2) {
		struct slab *slab = page_slab(nth_page(pages, i));

		__folio_set_slab(slab_folio(slab));
		slab->objects = 1;
#ifdef CONFIG_MEMCG
		slab->obj_exts = (unsigned long)&meta[i / 2 - 1].obj_exts | MEMCG_DATA_OBJEXTS;
#endif
	}
	for (i = 0; i < nr; i++) {
		if (!kfence_protect((unsigned long)__kfence_pool + i * PAGE_SIZE, true)) {
			kfence_reset_pool_pages(i);
			return false;
		}
	}

	kfence_covered = (atomic_t *)((char *)meta +
				      kfence_num_objects * sizeof(struct kfence_metadata));
	kfence_covered_bits = ilog2(kfence_covered_slots());
	for (i = 0; i < kfence_num_objects; i++) {
		raw_spin_lock_init(&meta[i].slot_lock);
		meta[i].state = KFENCE_OBJECT_UNUSED;
		meta[i].addr = kfence_object_page(i);
		list_add_tail(&meta[i].list, &kfence_free_slots);
	}

	/* Pairs with kfence_slots_acquire(): the metadata is seen initialised. */
	smp_store_release(&kfence_slots, meta);
	/* Whoever sees a non-zero pool size sees kfence_slots set. */
	smp_store_release(&__kfence_pool_size, KFENCE_POOL_SIZE);
	return true;
}

/**
 * kfence_alloc_pool_and_metadata() - reserve the pool and metadata at boot
 *
 * Nothing is reserved when KFENCE is off at boot; a later non-zero
 * kfence.sample_interval allocates the pool then.
 */
void __init kfence_alloc_pool_and_metadata(void)
{
	/* KFENCE does not handle MTE tags: with KASAN's HW_TAGS mode it stays off. */
	if (kfence_sample_interval && kasan_hw_tags_enabled()) {
		pr_info("disabled as KASAN hardware tags are on\n");
		kfence_sample_interval = 0;
	}
	if (!kfence_sample_interval) {
		/* arm64's early parser may have taken a value we rejected. */
		if (__kfence_pool)
			memblock_free(__kfence_pool, KFENCE_POOL_SIZE);
		__kfence_pool = NULL;
		return;
	}

	/* arm64 places the pool itself, to map it with pages from the start. */
	if (!__kfence_pool)
		__kfence_pool = memblock_alloc(KFENCE_POOL_SIZE, PAGE_SIZE);
	if (!__kfence_pool) {
		pr_err("cannot allocate the %lu KiB pool\n", KFENCE_POOL_SIZE >> 10);
		return;
	}
	kfence_slots_early = memblock_alloc(kfence_metadata_bytes(), PAGE_SIZE);
	if (!kfence_slots_early) {
		pr_err("cannot allocate metadata\n");
		memblock_free(__kfence_pool, KFENCE_POOL_SIZE);
		__kfence_pool = NULL;
	}
}

/* ===== Sampling gate ===== */

static void kfence_gate_work_fn(struct work_struct *work);
static struct delayed_work kfence_gate_work;
static void kfence_close_orphan_guards(void);

#ifdef CONFIG_KFENCE_STATIC_KEYS
/* The allocation that drains the gate cannot wake anyone directly: it may hold any lock. */
static DECLARE_WAIT_QUEUE_HEAD(kfence_gate_wait);

static void kfence_gate_wake(struct irq_work *work)
{
	wake_up(&kfence_gate_wait);
}

static DEFINE_IRQ_WORK(kfence_gate_wake_work, kfence_gate_wake);
#endif

/*
 * Arm every cache KFENCE can serve: the slab allocation fast path then sends
 * the cache's next allocation to kfence_alloc_armed(), whichever CPU makes it
 * and whatever the state of its freelist, so any allocation can be sampled
 * while the fast path pays one byte load and one branch. A few hundred
 * stores per interval, from process context.
 */
static void kfence_arm_caches(void)
{
	struct kmem_cache *s;

	/* SLUB_TINY has no fast path to divert: it calls kfence_alloc(). */
	if (IS_ENABLED(CONFIG_SLUB_TINY))
		return;
	/* The gate is open before any cache is armed; pairs with kfence_alloc_armed(). */
	smp_mb();
	mutex_lock(&slab_mutex);
	list_for_each_entry(s, &slab_caches, list) {
		/* Caches KFENCE never serves stay on the fast path. */
		if (s->object_size > PAGE_SIZE ||
		    (s->flags & (SLAB_SKIP_KFENCE | SLAB_CACHE_DMA | SLAB_CACHE_DMA32)))
			continue;
		/* Leave a line that is already right alone. */
		if (!READ_ONCE(s->kfence_armed))
			WRITE_ONCE(s->kfence_armed, 1);
	}
	mutex_unlock(&slab_mutex);
}

static bool kfence_sampling(void)
{
	return atomic_read(&kfence_allocation_gate) && READ_ONCE(kfence_enabled);
}

void *kfence_alloc_armed(struct kmem_cache *s, size_t size, gfp_t flags)
{
	void *obj = NULL;

	if (atomic_read(&kfence_allocation_gate) > 0)
		obj = __kfence_alloc(s, size, flags);
	if (!kfence_sampling()) {
		/*
		 * The sample is taken, or KFENCE is off: back to the fast path.
		 * Should the next interval have opened the gate meanwhile,
		 * re-arm, so that kfence_arm_caches() and this store cannot
		 * both miss.
		 */
		WRITE_ONCE(s->kfence_armed, 0);
		smp_mb();	/* pairs with the one in kfence_arm_caches() */
		if (kfence_sampling())
			WRITE_ONCE(s->kfence_armed, 1);
	}
	return obj;
}

/*
 * Open the gate once per interval. Without CONFIG_KFENCE_STATIC_KEYS this only
 * stores to kfence_allocation_gate: no code patching, no IPIs.
 */
static void kfence_gate_work_fn(struct work_struct *work)
{
	unsigned long interval = READ_ONCE(kfence_sample_interval);

	kfence_close_orphan_guards();
	if (!READ_ONCE(kfence_enabled) || !interval)
		return;

	atomic_set(&kfence_allocation_gate, 1 + READ_ONCE(kfence_burst));
	kfence_arm_caches();
#ifdef CONFIG_KFENCE_STATIC_KEYS
	static_branch_enable(&kfence_allocation_key);
	/*
	 * Allocations stop draining the gate once KFENCE is off: stop waiting
	 * then too, or kfence_disable() waits here up to a whole interval.
	 */
	wait_event_idle_timeout(kfence_gate_wait, !atomic_read(&kfence_allocation_gate) ||
				!READ_ONCE(kfence_enabled), msecs_to_jiffies(interval));
	static_branch_disable(&kfence_allocation_key);
	atomic_set(&kfence_allocation_gate, 0);
#endif
	queue_delayed_work(system_unbound_wq, &kfence_gate_work, msecs_to_jiffies(interval));
}

static void kfence_start(void)
{
	WRITE_ONCE(kfence_enabled, true);
	/* Enabled once for the lifetime of the pool; sampling then flips no code. */
	if (!IS_ENABLED(CONFIG_KFENCE_STATIC_KEYS))
		static_branch_enable(&kfence_allocation_key);
	queue_delayed_work(system_unbound_wq, &kfence_gate_work, 0);
}

/* ===== Covered-stacks filter ===== */

/*
 * Frames of an allocation stack that name its site for the filter. The
 * innermost few are enough to tell sites apart; the deeper ones vary with
 * how the caller was reached and would split one site into many.
 */
#define KFENCE_COVERED_DEPTH	8U

/*
 * The filter's key for a stack (KFENCE and allocator frames already
 * skipped). Frames below an interrupt entry belong to whatever the
 * interrupt interrupted, not to the allocation site: filter_irq_stacks()
 * drops them, or no allocation in interrupt context would ever match.
 */
static u32 kfence_stack_hash(unsigned long *entries, unsigned int n)
{
	n = min(filter_irq_stacks(entries, n), KFENCE_COVERED_DEPTH);
	return jhash(entries, n * sizeof(entries[0]), 0);
}

/* The filter's two counters for a stack hash. */
static atomic_t *kfence_covered_slot(u32 hash, int which)
{
	u32 i = which ? hash_32(hash, kfence_covered_bits) : hash & (BIT(kfence_covered_bits) - 1);

	return &kfence_covered[i];
}

static void kfence_covered_add(u32 hash, int delta)
{
	atomic_add(delta, kfence_covered_slot(hash, 0));
	atomic_add(delta, kfence_covered_slot(hash, 1));
}

static bool kfence_covered_contains(u32 hash)
{
	return atomic_read(kfence_covered_slot(hash, 0)) > 0 &&
	       atomic_read(kfence_covered_slot(hash, 1)) > 0;
}

static bool kfence_pool_crowded(void)
{
	unsigned long thresh = READ_ONCE(kfence_skip_covered_thresh);

	return thresh && atomic_long_read(&kfence_stats[KFENCE_STAT_ALLOCATED]) >=
			 thresh * kfence_num_objects / 100;
}

/* ===== Allocation ===== */

/*
 * The canary of 8 aligned bytes, as one word: kfence_canary() depends only on
 * the low 3 address bits. The compiler folds this to a constant.
 */
static __always_inline u64 kfence_canary_word(void)
{
	u8 bytes[8];
	u64 word;
	int i;

	for (i = 0; i < 8; i++)
		bytes[i] = kfence_canary((void *)(unsigned long)i);
	memcpy(&word, bytes, sizeof(word));
	return word;
}

/* Fill [@from, @to) with canaries: bytes up to a word boundary, then words. */
static void kfence_fill_canaries(u8 *from, u8 *to)
{
	for (; from < to && !IS_ALIGNED((unsigned long)from, 8); from++)
		*from = kfence_canary(from);
	for (; from + 8 <= to; from += 8)
		*(u64 *)from = kfence_canary_word();
	for (; from < to; from++)
		*from = kfence_canary(from);
}

/*
 * The first byte of [@from, @to) that is not its canary, or NULL. Always
 * inlined, so that it reads the redzone with kfence_check_canaries()'s
 * KMSAN attributes: the slab allocator poisons those bytes for KMSAN.
 */
static __always_inline const u8 *kfence_find_bad_canary(const u8 *from, const u8 *to)
{
	for (; from < to && !IS_ALIGNED((unsigned long)from, 8); from++)
		if (*from != kfence_canary(from))
			return from;
	/* A word that differs sends the search to its bytes, below. */
	for (; from + 8 <= to && *(const u64 *)from == kfence_canary_word(); from += 8)
		;
	for (; from < to; from++)
		if (*from != kfence_canary(from))
			return from;
	return NULL;
}

static void kfence_write_canaries(unsigned long page, unsigned long addr, size_t size)
{
	kfence_fill_canaries((u8 *)page, (u8 *)addr);
	kfence_fill_canaries((u8 *)addr + size, (u8 *)page + PAGE_SIZE);
}

/* FIFO: a slot goes to the back, so the longest-freed slot is reused first. */
static void kfence_slot_enqueue(struct kfence_metadata *meta)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kfence_slots_lock, flags);
	list_add_tail(&meta->list, &kfence_free_slots);
	raw_spin_unlock_irqrestore(&kfence_slots_lock, flags);
}

static void *kfence_guarded_alloc(struct kmem_cache *s, size_t size, gfp_t gfp,
				  unsigned long *entries, int n, u32 hash)
{
	struct kfence_metadata *meta = NULL;
	unsigned long flags, page;
	/* Drawn before any raw lock: the entropy batch lock may sleep on RT. */
	bool right = get_random_u32_below(2);
	void *addr;

	raw_spin_lock_irqsave(&kfence_slots_lock, flags);
	if (!list_empty(&kfence_free_slots)) {
		meta = list_first_entry(&kfence_free_slots, struct kfence_metadata, list);
		list_del_init(&meta->list);
	}
	raw_spin_unlock_irqrestore(&kfence_slots_lock, flags);
	if (!meta) {
		atomic_long_inc(&kfence_stats[KFENCE_STAT_SKIP_CAPACITY]);
		return NULL;
	}

	/*
	 * The slot's lock can be held by a report about its previous life
	 * printing on this very CPU (printk may allocate); never wait for it.
	 */
	if (unlikely(!raw_spin_trylock_irqsave(&meta->slot_lock, flags))) {
		kfence_slot_enqueue(meta);
		atomic_long_inc(&kfence_stats[KFENCE_STAT_SKIP_CAPACITY]);
		return NULL;
	}

	page = ALIGN_DOWN(meta->addr, PAGE_SIZE);
	meta->addr = page;
	if (right)	/* against the right guard page */
		meta->addr = ALIGN_DOWN(page + PAGE_SIZE - size, s->align ?: 1);
	meta->size = size;
	meta->cache = s;
	meta->alloc_stack_hash = hash;
	meta->fault_injected = false;
	/* A guard page a report opened while the slot was free: close it now. */
	if (meta->unprotected_page) {
		kfence_guard(meta->unprotected_page);
		meta->unprotected_page = 0;
	}
	kfence_track_set(&meta->alloc_info, entries, n);
	meta->free_info.nr_frames = 0;
	virt_to_slab((void *)page)->slab_cache = s;

	if (!kfence_unguard(page)) {
		raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
		return NULL;	/* KFENCE is now off; the slot stays out of use */
	}
	kfence_write_canaries(page, meta->addr, size);
	WRITE_ONCE(meta->state, KFENCE_OBJECT_ALLOCATED);
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);

	kfence_covered_add(hash, 1);
	atomic_long_inc(&kfence_stats[KFENCE_STAT_ALLOCATED]);
	atomic_long_inc(&kfence_stats[KFENCE_STAT_ALLOCS]);

	addr = (void *)meta->addr;
	/* The slab fast path skips its own init for KFENCE objects. */
	if (unlikely(slab_want_init_on_alloc(gfp, s)))
		memzero_explicit(addr, size);
	if (s->ctor)
		s->ctor(addr);

	/* Exercise the fault path: a spurious fault on a live object must be harmless. */
	if (CONFIG_KFENCE_STRESS_TEST_FAULTS &&
	    !get_random_u32_below(CONFIG_KFENCE_STRESS_TEST_FAULTS))
		kfence_inject_fault(meta);

	return addr;
}

/**
 * kfence_inject_fault() - protect a live object's page, for testing
 * @meta: the object
 *
 * Used by CONFIG_KFENCE_STRESS_TEST_FAULTS (and the kfence_core suite): the
 * owner's next access faults, and the fault handler must let it through
 * unreported. The flag tells such a fault from one that raced with the
 * slot's reuse, which is a use-after-free.
 */
void kfence_inject_fault(struct kfence_metadata *meta)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	if (meta->state == KFENCE_OBJECT_ALLOCATED && kfence_guard(meta->addr))
		meta->fault_injected = true;
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
}

void *__kfence_alloc(struct kmem_cache *s, size_t size, gfp_t flags)
{
	unsigned long entries[KFENCE_STACK_DEPTH];
	int n, skip;
	u32 hash;

	/*
	 * The pool has one page per object and sits in ZONE_NORMAL of a single
	 * node. A __GFP_THISNODE caller is bound to a node we are not told, so
	 * it is skipped on every system: on one node this costs only the rare
	 * node-bound allocations, and the behaviour does not depend on the
	 * topology.
	 */
	if (size > PAGE_SIZE || (flags & (GFP_ZONEMASK | __GFP_THISNODE)) ||
	    (s->flags & (SLAB_CACHE_DMA | SLAB_CACHE_DMA32))) {
		atomic_long_inc(&kfence_stats[KFENCE_STAT_SKIP_INCOMPAT]);
		return NULL;
	}
	/* Turned off for this cache through sysfs: a choice, not counted. */
	if (s->flags & SLAB_SKIP_KFENCE)
		return NULL;
	if (unlikely(!READ_ONCE(kfence_enabled)))
		return NULL;

	/* Take one sample; allocations that lose the race go to the slab allocator. */
	if (atomic_dec_if_positive(&kfence_allocation_gate) < 0)
		return NULL;
#ifdef CONFIG_KFENCE_STATIC_KEYS
	if (!atomic_read(&kfence_allocation_gate))
		irq_work_queue(&kfence_gate_wake_work);
#endif

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	skip = kfence_skip_frames(entries, n);
	hash = kfence_stack_hash(entries + skip, n - skip);
	if (kfence_pool_crowded() && kfence_covered_contains(hash)) {
		atomic_long_inc(&kfence_stats[KFENCE_STAT_SKIP_COVERED]);
		return NULL;
	}
	return kfence_guarded_alloc(s, size, flags, entries + skip, n - skip, hash);
}

/* ===== Free ===== */

/**
 * kfence_check_canaries() - check an object's redzone
 * @meta: the object, locked, with its page accessible
 * @bad: set to the first corrupted byte if there is one
 *
 * Return: true if the whole redzone is intact.
 */
/*
 * The redzone bytes may look uninitialised to KMSAN (SLUB poisons a freed
 * object's whole slot): never report them. Not inlined, so that the
 * attribute holds.
 */
noinline __no_kmsan_checks
bool kfence_check_canaries(const struct kfence_metadata *meta, unsigned long *bad)
{
	unsigned long page = ALIGN_DOWN(meta->addr, PAGE_SIZE);
	const u8 *p;

	p = kfence_find_bad_canary((const u8 *)page, (const u8 *)meta->addr);
	if (!p)
		p = kfence_find_bad_canary((const u8 *)meta->addr + meta->size,
					   (const u8 *)page + PAGE_SIZE);
	if (p)
		*bad = (unsigned long)p;
	return !p;
}

/*
 * Retire a validated, locked object: check and protect it, then requeue it.
 *
 * A zombie (an object still allocated when its cache is destroyed) is
 * retired but never requeued: its owner leaked it and may still write to it
 * or kfree() it, which must hit a protected page and a FREED slot, not the
 * next owner's object. Its slot stays out of the pool for good and keeps
 * counting as allocated, as upstream counts zombies; its contents are kept
 * for the report of that late access.
 */
static void kfence_release(struct kfence_metadata *meta, unsigned long flags, bool zombie)
{
	unsigned long bad;

	if (meta->unprotected_page) {
		kfence_guard(meta->unprotected_page);
		meta->unprotected_page = 0;
	}
	/*
	 * The canary check below reads the page under the slot lock: were the
	 * page still protected by an injected fault, the read would fault and
	 * the fault handler would spin on this very lock.
	 */
	if (meta->fault_injected) {
		kfence_unguard(meta->addr);
		meta->fault_injected = false;
	}
	if (!kfence_check_canaries(meta, &bad))
		kfence_report_error(bad, true, NULL, meta, KFENCE_ERROR_CORRUPTION);
	if (!zombie && meta->cache && slab_want_init_on_free(meta->cache))
		memzero_explicit((void *)meta->addr, meta->size);

	WRITE_ONCE(meta->state, KFENCE_OBJECT_FREED);
	kfence_guard(meta->addr);
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);

	kfence_covered_add(meta->alloc_stack_hash, -1);
	if (zombie) {
		atomic_long_inc(&kfence_stats[KFENCE_STAT_ZOMBIES]);
		return;
	}
	atomic_long_dec(&kfence_stats[KFENCE_STAT_ALLOCATED]);
	atomic_long_inc(&kfence_stats[KFENCE_STAT_FREES]);
	kfence_slot_enqueue(meta);
}

static void kfence_rcu_free(struct rcu_head *h)
{
	struct kfence_metadata *meta = container_of(h, struct kfence_metadata, rcu_head);
	unsigned long flags;

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	meta->state = KFENCE_OBJECT_ALLOCATED;	/* as kfence_release() expects */
	kfence_release(meta, flags, false);
}

static void kfence_free_object(void *addr, struct kfence_metadata *meta, bool zombie)
{
	unsigned long entries[KFENCE_STACK_DEPTH];
	unsigned long flags;
	int n, skip;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	skip = kfence_skip_frames(entries, n);

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	if (meta->state != KFENCE_OBJECT_ALLOCATED || meta->addr != (unsigned long)addr) {
		/* Double free, or a pointer into the middle: report, change nothing. */
		kfence_report_error((unsigned long)addr, false, NULL, meta,
				    KFENCE_ERROR_INVALID_FREE);
		raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
		return;
	}
	kfence_track_set(&meta->free_info, entries + skip, n - skip);

	/* Readers of SLAB_TYPESAFE_BY_RCU objects may look until a grace period ends. */
	if (!zombie && meta->cache && (meta->cache->flags & SLAB_TYPESAFE_BY_RCU)) {
		WRITE_ONCE(meta->state, KFENCE_OBJECT_RCU_FREEING);
		raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
		call_rcu(&meta->rcu_head, kfence_rcu_free);
		return;
	}
	kfence_release(meta, flags, zombie);
}

void __kfence_free(void *addr)
{
	struct kfence_metadata *meta = kfence_meta_of((unsigned long)addr);

	if (unlikely(!meta || ALIGN_DOWN((unsigned long)addr, PAGE_SIZE) !=
			      ALIGN_DOWN(meta->addr, PAGE_SIZE))) {
		/* Not inside an object page: a leading or a guard page. */
		kfence_report_error((unsigned long)addr, false, NULL, NULL,
				    KFENCE_ERROR_INVALID_FREE);
		return;
	}
	kfence_free_object(addr, meta, false);
}

size_t kfence_ksize(const void *addr)
{
	const struct kfence_metadata *meta = kfence_meta_of((unsigned long)addr);

	/* Only meaningful while allocated; a racing free makes it a UAF anyway. */
	return meta ? meta->size : 0;
}

void *kfence_object_start(const void *addr)
{
	const struct kfence_metadata *meta = kfence_meta_of((unsigned long)addr);

	return meta ? (void *)meta->addr : NULL;
}

/* ===== Faults ===== */

/*
 * Guard pages a report opened next to a slot that is not allocated: no free
 * of that slot will close them, so the gate work does, between one and two
 * intervals later, long after the access that opened one went through (at
 * worst, a late retry of that access is reported twice). 0: none; 1: opened
 * since the last gate work; 2: to be closed by the next one.
 */
static atomic_t kfence_orphan_guards;

static void kfence_close_orphan_guards(void)
{
	struct kfence_metadata *slots = kfence_slots_acquire();
	unsigned long i, flags;

	if (atomic_cmpxchg(&kfence_orphan_guards, 1, 2) == 1 ||
	    atomic_cmpxchg(&kfence_orphan_guards, 2, 0) != 2 || !slots)
		return;
	for (i = 0; i < kfence_num_objects; i++) {
		struct kfence_metadata *meta = &slots[i];
		unsigned long page = 0;

		/* Unlocked peek, checked again under the lock. */
		if (!data_race(meta->unprotected_page))
			continue;
		raw_spin_lock_irqsave(&meta->slot_lock, flags);
		if (meta->unprotected_page && meta->state != KFENCE_OBJECT_ALLOCATED) {
			page = meta->unprotected_page;
			kfence_guard(page);
			meta->unprotected_page = 0;
		}
		raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
		/*
		 * The CPU that made the access may still cache the page as
		 * present (x86 flushes only locally): flush everywhere, which
		 * process context allows.
		 */
		if (page)
			flush_tlb_kernel_range(page, page + PAGE_SIZE);
	}
}

/*
 * Remember guard page @addr as opened for @meta (locked), to be closed when
 * the object is freed or, for a slot that is not allocated, by the gate
 * work. Only one page per slot is remembered; an older one is closed now.
 */
static void kfence_note_open_guard(struct kfence_metadata *meta, unsigned long addr)
{
	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	if (meta->unprotected_page && ALIGN_DOWN(meta->unprotected_page, PAGE_SIZE) != addr)
		kfence_guard(meta->unprotected_page);
	meta->unprotected_page = addr;
	if (meta->state != KFENCE_OBJECT_ALLOCATED)
		atomic_set(&kfence_orphan_guards, 1);
}

/*
 * How much a neighbour of guard page @addr is to blame for an access to it:
 * the lower the better, ULONG_MAX for none. A live object is blamed before
 * a freed one (whose overflow raced with its free), then the nearer one.
 */
static unsigned long kfence_blame(const struct kfence_metadata *meta, unsigned long addr)
{
	enum kfence_object_state state;
	unsigned long start, end;

	if (!meta)
		return ULONG_MAX;
	state = READ_ONCE(meta->state);
	if (state == KFENCE_OBJECT_UNUSED)
		return ULONG_MAX;
	/* Unlocked: a racing reuse only changes whom the report blames. */
	start = data_race(meta->addr);
	end = start + data_race(meta->size);	/* see above */
	/* Objects are within a page of the guard page: a freed one ranks after. */
	return (addr < start ? start - addr : addr - end + 1) +
	       (state == KFENCE_OBJECT_ALLOCATED ? 0 : 2 * PAGE_SIZE);
}

static bool kfence_guard_page_fault(unsigned long addr, bool is_write, struct pt_regs *regs)
{
	struct kfence_metadata *left = kfence_meta_of(addr - PAGE_SIZE);
	struct kfence_metadata *right = kfence_meta_of(addr + PAGE_SIZE);
	unsigned long bl = kfence_blame(left, addr), br = kfence_blame(right, addr);
	struct kfence_metadata *meta = bl <= br ? left : right;
	enum kfence_error_type type = KFENCE_ERROR_OOB;
	unsigned long flags;

	if (min(bl, br) == ULONG_MAX) {
		/* Next to slots never used: nobody to blame, but still close it later. */
		meta = left ?: right;
		type = KFENCE_ERROR_INVALID;
	}

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	if (meta->state == KFENCE_OBJECT_UNUSED)
		type = KFENCE_ERROR_INVALID;
	kfence_report_error(addr, is_write, regs, type == KFENCE_ERROR_OOB ? meta : NULL, type);
	kfence_note_open_guard(meta, addr);
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);

	/* Let the access through so that the kernel keeps running. */
	return kfence_unguard(addr);
}

bool kfence_handle_page_fault(unsigned long addr, bool is_write, struct pt_regs *regs)
{
	struct kfence_metadata *meta;
	unsigned long flags;

	if (!is_kfence_address((void *)addr))
		return false;
	/* Odd pages are guard pages. */
	if (((addr - (unsigned long)__kfence_pool) / PAGE_SIZE) & 1)
		return kfence_guard_page_fault(addr, is_write, regs);

	meta = kfence_meta_of(addr);
	if (!meta) {
		/* The pool's first page: no object there. */
		kfence_report_error(addr, is_write, regs, NULL, KFENCE_ERROR_INVALID);
		return kfence_unguard(addr);
	}

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	if (meta->fault_injected) {
		/* Protected on purpose while live: not a bug. */
		meta->fault_injected = false;
	} else if (meta->state == KFENCE_OBJECT_UNUSED) {
		kfence_report_error(addr, is_write, regs, NULL, KFENCE_ERROR_INVALID);
	} else {
		/*
		 * The page was protected when the access faulted, so the slot
		 * was free then: a use-after-free, even if the slot has since
		 * been handed out again (the report then shows the new owner).
		 */
		kfence_report_error(addr, is_write, regs, meta, KFENCE_ERROR_UAF);
	}
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);

	/* Let the access through so that the kernel keeps running. */
	return kfence_unguard(addr);
}

/* ===== Cache shutdown and object info ===== */

/*
 * A zombie outlives its cache, yet kfree() reads the cache from the slab
 * before KFENCE sees the object. Point the slab at the kmalloc cache of its
 * size, which is never destroyed, so that a late kfree() reaches KFENCE and
 * is reported without reading the destroyed cache. The memory cgroup charge
 * goes now, while the cache that sized it is still there.
 */
static void kfence_orphan_zombie(struct kfence_metadata *meta, struct kmem_cache *s)
{
	struct slab *slab = virt_to_slab((void *)meta->addr);

#ifdef CONFIG_MEMCG
	if (meta->obj_exts.objcg) {
		void *obj = (void *)meta->addr;

		__memcg_slab_free_hook(s, slab, &obj, 1, slab_obj_exts(slab));
	}
#endif
	slab->slab_cache = kmalloc_slab(meta->size, NULL, GFP_KERNEL, 0);
}

void kfence_shutdown_cache(struct kmem_cache *s)
{
	struct kfence_metadata *meta_array = kfence_slots_acquire();
	unsigned long i, flags;

	if (!meta_array)
		return;

	for (i = 0; i < kfence_num_objects; i++) {
		struct kfence_metadata *meta = &meta_array[i];

		if (READ_ONCE(meta->cache) != s)
			continue;
		/* kmem_cache_destroy() waited for RCU; a late one is waited for here. */
		if (READ_ONCE(meta->state) == KFENCE_OBJECT_RCU_FREEING)
			rcu_barrier();
		/* Zombie slots are never reused: nothing else writes its slab now. */
		if (READ_ONCE(meta->state) == KFENCE_OBJECT_ALLOCATED) {
			kfence_free_object((void *)meta->addr, meta, true);
			kfence_orphan_zombie(meta, s);
		}

		raw_spin_lock_irqsave(&meta->slot_lock, flags);
		if (meta->cache == s)
			meta->cache = NULL;
		raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
	}
}

#ifdef CONFIG_PRINTK
static void kfence_fill_stack(void **out, const struct kfence_track *track)
{
	unsigned long entries[KFENCE_STACK_DEPTH];
	int i, n = kfence_track_stack(track, entries);

	for (i = 0; i < KS_ADDRS_COUNT; i++)
		out[i] = i < n ? (void *)entries[i] : NULL;
}

bool __kfence_obj_info(struct kmem_obj_info *kpp, void *object, struct slab *slab)
{
	struct kfence_metadata *meta = kfence_meta_of((unsigned long)object);
	unsigned long flags;

	if (!meta)
		return false;

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	kpp->kp_ptr = object;
	kpp->kp_slab = slab;
	kpp->kp_objp = (void *)meta->addr;
	kpp->kp_data_offset = 0;
	kpp->kp_slab_cache = meta->cache;
	kfence_fill_stack(kpp->kp_stack, &meta->alloc_info);
	kpp->kp_ret = kpp->kp_stack[0];
	if (meta->state == KFENCE_OBJECT_FREED)
		kfence_fill_stack(kpp->kp_free_stack, &meta->free_info);
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
	return true;
}
#endif

/* ===== Initialisation and run-time enabling ===== */

static int kfence_panic_check(struct notifier_block *nb, unsigned long action, void *data)
{
	struct kfence_metadata *slots = kfence_slots_acquire();
	unsigned long i, bad;

	if (!slots)
		return NOTIFY_OK;
	for (i = 0; i < kfence_num_objects; i++) {
		struct kfence_metadata *meta = &slots[i];

		/* No locking: the system is going down and other CPUs are stopped. */
		if (meta->state == KFENCE_OBJECT_ALLOCATED && !kfence_check_canaries(meta, &bad))
			kfence_report_error(bad, true, NULL, meta, KFENCE_ERROR_CORRUPTION);
	}
	return NOTIFY_OK;
}

static struct notifier_block kfence_panic_nb = {
	.notifier_call = kfence_panic_check,
	.priority = INT_MAX,	/* before the panic prints go further */
};

/*
 * The first line is upstream's, word for word: logs are grepped for it. The
 * pool is now live, so the range printed is the one is_kfence_address() uses.
 */
static void kfence_announce(const char *how)
{
	pr_info("initialized - using %lu bytes for %lu objects at 0x%p-0x%p\n",
		KFENCE_POOL_SIZE, kfence_num_objects, (void *)__kfence_pool,
		(void *)(__kfence_pool + KFENCE_POOL_SIZE));
	pr_info("%s, sample interval %lu ms\n", how, READ_ONCE(kfence_sample_interval));
}

static void kfence_init_common(void)
{
	if (kfence_deferrable)
		INIT_DEFERRABLE_WORK(&kfence_gate_work, kfence_gate_work_fn);
	else
		INIT_DELAYED_WORK(&kfence_gate_work, kfence_gate_work_fn);
	if (kfence_check_on_panic)
		atomic_notifier_chain_register(&panic_notifier_list, &kfence_panic_nb);
}

void __init kfence_init(void)
{
	kfence_init_common();
	WRITE_ONCE(kfence_started, true);

	if (!kfence_sample_interval || !kfence_slots_early)
		return;

	if (!kfence_setup_pool(kfence_slots_early)) {
		pr_err("cannot set up the pool, KFENCE stays off\n");
		memblock_free_late(__pa(kfence_slots_early), kfence_metadata_bytes());
		memblock_free_late(__pa(__kfence_pool), KFENCE_POOL_SIZE);
		__kfence_pool = NULL;
		kfence_slots_early = NULL;
		WRITE_ONCE(kfence_sample_interval, 0);
		return;
	}
	kfence_slots_early = NULL;
	/*
	 * The pool is a memblock allocation that kmemleak tracks, and the slab
	 * allocator registers each KFENCE object inside it with kmemleak too:
	 * hide the pool, or kmemleak sees overlapping objects and turns
	 * itself off.
	 */
	kmemleak_ignore_phys(__pa(__kfence_pool));
	kfence_start();
	kfence_announce("started at boot");
}

static DEFINE_MUTEX(kfence_enable_mutex);

/* Allocate and set up the pool after boot, when KFENCE was off at boot. */
static int kfence_init_late(void)
{
	unsigned long nr = kfence_pool_pages();
	struct kfence_metadata *meta;
	struct page *pages;

#ifdef CONFIG_CONTIG_ALLOC
	pages = alloc_contig_pages(nr, GFP_KERNEL | __GFP_ZERO, first_online_node, NULL);
#else
	if (nr > MAX_ORDER_NR_PAGES) {
		pr_err("a %lu KiB pool needs CONFIG_CONTIG_ALLOC after boot\n",
		       KFENCE_POOL_SIZE >> 10);
		return -E2BIG;
	}
	pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, get_order(KFENCE_POOL_SIZE));
#endif
	if (!pages) {
		pr_err("cannot allocate the %lu KiB pool\n", KFENCE_POOL_SIZE >> 10);
		return -ENOMEM;
	}
	meta = vzalloc(kfence_metadata_bytes());
	if (!meta)
		goto free_pages;

	__kfence_pool = page_to_virt(pages);
	if (!kfence_setup_pool(meta)) {
		pr_err("cannot set up the pool\n");
		vfree(meta);
		__kfence_pool = NULL;
		goto free_pages;
	}
	kfence_start();
	kfence_announce("started late, the pool allocated now");
	kfence_debugfs_start();
	return 0;

free_pages:
#ifdef CONFIG_CONTIG_ALLOC
	free_contig_range(page_to_pfn(pages), nr);
#else
	__free_pages(pages, get_order(KFENCE_POOL_SIZE));
#endif
	return -ENOMEM;
}

static int kfence_enable(void)
{
	int ret = 0;

	if (READ_ONCE(kfence_disabled_by_warn)) {
		pr_warn("disabled by an internal error, stays off until reboot\n");
		return -EINVAL;
	}
	if (kasan_hw_tags_enabled()) {
		pr_info("not enabled: KASAN hardware tags are on\n");
		return -EINVAL;
	}

	mutex_lock(&kfence_enable_mutex);
	if (!kfence_slots_acquire()) {
		ret = kfence_init_late();
	} else if (!READ_ONCE(kfence_enabled)) {
		kfence_start();
		pr_info("re-enabled, sample interval %lu ms\n", READ_ONCE(kfence_sample_interval));
	} else {
		/* New interval: restart the period from now. */
		mod_delayed_work(system_unbound_wq, &kfence_gate_work, 0);
	}
	mutex_unlock(&kfence_enable_mutex);
	return ret;
}

static void kfence_disable(void)
{
	mutex_lock(&kfence_enable_mutex);
	/* Whatever else happened, a closed gate sends armed caches home. */
	atomic_set(&kfence_allocation_gate, 0);
	if (READ_ONCE(kfence_enabled)) {
		WRITE_ONCE(kfence_enabled, false);
#ifdef CONFIG_KFENCE_STATIC_KEYS
		/* A gate work waiting for the gate to drain: it will not now. */
		wake_up(&kfence_gate_wait);
#endif
		cancel_delayed_work_sync(&kfence_gate_work);
		atomic_set(&kfence_allocation_gate, 0);
		pr_info("disabled; objects already allocated stay guarded\n");
	}
	mutex_unlock(&kfence_enable_mutex);
}
