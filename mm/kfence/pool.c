// SPDX-License-Identifier: GPL-2.0
/*
 * KFENCE pool: the pages the guarded objects live in. Reserves the pool and
 * its metadata at boot, or allocates them when KFENCE is first turned on after
 * boot; turns the pages into one-object slabs behind guard pages, publishes
 * the pool to is_kfence_address(), and protects and unprotects its pages for
 * the rest of KFENCE.
 */

#define pr_fmt(fmt) "kfence: " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/kasan-enabled.h>
#include <linux/kasan.h>
#include <linux/kfence.h>
#include <linux/kmemleak.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include <asm/kfence.h>

#include "kfence.h"

char *__kfence_pool __read_mostly;
EXPORT_SYMBOL(__kfence_pool);
struct kfence_pool_span __kfence_pool_span __read_mostly;
EXPORT_SYMBOL(__kfence_pool_span);

unsigned long kfence_num_objects __ro_after_init = CONFIG_KFENCE_NUM_OBJECTS;
EXPORT_SYMBOL_GPL(kfence_num_objects);

/* Early-boot metadata, handed from kfence_alloc_pool_and_metadata() to kfence_init(). */
static struct kfence_metadata *kfence_slots_early __initdata;

/* ===== Pool size ===== */

static struct kfence_knob kfence_num_objects_knob = {
	.name = "num_objects", .value = &kfence_num_objects, .min = 1, .max = 65535,
};

/**
 * kfence_parse_num_objects() - parse and check a kfence.num_objects value
 * @val: the string
 * @out: where the number goes on success
 *
 * Return: 0, or -EINVAL if @val is not a number from 1 to 65535.
 */
int kfence_parse_num_objects(const char *val, unsigned long *out)
{
	return kfence_knob_parse(&kfence_num_objects_knob, val, out, false);
}

/*
 * An early parameter, because arm64 reserves the pool in setup_arch(), before
 * module parameters are parsed.
 */
static int __init kfence_num_objects_setup(char *val)
{
	kfence_knob_parse(&kfence_num_objects_knob, val, &kfence_num_objects, true);
	return 0;
}
early_param("kfence.num_objects", kfence_num_objects_setup);

static unsigned long kfence_pool_pages(void)
{
	return KFENCE_POOL_SIZE / PAGE_SIZE;
}

/* Metadata array and covered filter live in one allocation. */
static size_t kfence_metadata_bytes(void)
{
	return PAGE_ALIGN(array_size(kfence_num_objects, sizeof(struct kfence_metadata)) +
			  kfence_covered_bytes());
}

/* ===== Page protection ===== */

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
	kfence_stop_for_good();
}

/**
 * kfence_guard() - protect the pool page that holds @addr
 * @addr: any address in the page
 *
 * Return: true on success. On failure KFENCE turns itself off for good.
 */
bool kfence_guard(unsigned long addr)
{
	if (likely(kfence_protect(ALIGN_DOWN(addr, PAGE_SIZE), true)))
		return true;
	kfence_internal_error("protect", addr);
	return false;
}

/**
 * kfence_unguard() - make the pool page that holds @addr accessible
 * @addr: any address in the page
 *
 * Return: true on success. On failure KFENCE turns itself off for good.
 */
bool kfence_unguard(unsigned long addr)
{
	if (likely(kfence_protect(ALIGN_DOWN(addr, PAGE_SIZE), false)))
		return true;
	kfence_internal_error("unprotect", addr);
	return false;
}

/* ===== Set-up ===== */

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
		slab_clear_kfence(slab);
		slab->freelist = NULL;
		slab->counters = 0;
		__folio_clear_slab(slab_folio(slab));
	}
	for (i = 0; i < protected; i++)
		kfence_protect_page((unsigned long)__kfence_pool + i * PAGE_SIZE, false);
}

/*
 * Make a set-up pool visible, before any slot can be allocated.
 *
 * The metadata goes first, for code that looks at the pool without
 * allocating from it: kfence_slots_acquire() pairs with the release.
 *
 * Then the span that is_kfence_address() reads: the start, then the size
 * with release semantics, so that a reader who sees the size sees the start
 * (see struct kfence_pool_span). Whoever holds a KFENCE object got it from a
 * slot that kfence_slots_open() queues after this under kfence_slots_lock,
 * which orders both stores before the slot is taken.
 */
static void kfence_publish_pool(struct kfence_metadata *meta)
{
	/* Pairs with kfence_slots_acquire(). */
	smp_store_release(&kfence_slots, meta);
	WRITE_ONCE(__kfence_pool_span.start, __kfence_pool);
	/* Pairs with is_kfence_address(): the size is seen after the start. */
	smp_store_release(&__kfence_pool_span.size, KFENCE_POOL_SIZE);
}

/*
 * Turn the pool into guarded slots: object pages become one-object slabs (so
 * that virt_to_slab(), obj_to_index() and memcg work on KFENCE objects), and
 * every page starts protected. Publishes the pool, then opens it to
 * allocation, on success; a failure leaves it unpublished.
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
		/* How __slab_free() tells a KFENCE object, see slab_test_kfence(). */
		slab_set_kfence(slab);
		/*
		 * One object, no freelist, never frozen: __slab_free() relies on
		 * the last two to test for KFENCE only where slabs become full
		 * or empty, and struct page may hold anything there.
		 */
		slab->freelist = NULL;
		slab->counters = 0;
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

	kfence_covered_init(meta + kfence_num_objects);
	kfence_slots_init(meta);
	kfence_publish_pool(meta);
	kfence_slots_open();
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

void __init kfence_init(void)
{
	kfence_sampling_init();
	kfence_panic_check_init();

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

/* ===== Late enable ===== */

/* Pages from the page allocator lose the tags KASAN gave them. */
static void kfence_untag_pages(struct page *pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		page_kasan_tag_reset(pages + i);
}

/**
 * kfence_init_late() - allocate and set up the pool after boot, and start
 *
 * For a kernel that booted with KFENCE off; called once, under the mutex that
 * serialises turning KFENCE on and off, after the initcalls.
 *
 * Return: 0, or a negative error code with nothing allocated.
 */
int kfence_init_late(void)
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

	/*
	 * KASAN's tag mode gave each chunk of the allocation a tag of its own:
	 * the pool is one range reached through untagged pointers, as at boot.
	 */
	kfence_untag_pages(pages, nr);
	__kfence_pool = kasan_reset_tag(page_to_virt(pages));
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
