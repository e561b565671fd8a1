// SPDX-License-Identifier: GPL-2.0
/*
 * The allocator hooks: what happens to the shadow when the page allocator,
 * SLUB, large kmalloc and mempool hand memory out and take it back, and the
 * checks of frees. Written against the shadow operations of kasan.h, so that
 * another mode needs its own tag (or poison) values, not its own hooks.
 *
 * Tags in the tag mode:
 *  - pages get a random tag, kept in the page flags, so page_address()
 *    returns a pointer that carries it;
 *  - slab pages are reset to the match-all tag, and objects get their own;
 *  - objects of caches with a constructor or SLAB_TYPESAFE_BY_RCU keep one
 *    tag for the life of the slab (a stale pointer into them may still be
 *    used legally), chosen when the slab is made;
 *  - other objects get a fresh tag at every allocation, never the tag of
 *    the granule just before or just after them, so that a linear overflow
 *    into a neighbouring object is always caught.
 */

#include <linux/export.h>
#include <linux/hash.h>
#include <linux/kasan.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kasan.h"
#include "../slab.h"

/* ---- Report suppression --------------------------------------------- */

/**
 * kasan_enable_current() - let KASAN report bugs of the current task again
 *
 * Undoes one kasan_disable_current(); calls nest.
 */
void kasan_enable_current(void)
{
	current->kasan_depth++;
}
EXPORT_SYMBOL(kasan_enable_current);

/**
 * kasan_disable_current() - stop KASAN reporting bugs of the current task
 *
 * For code that reads memory it knows to be poisoned (slab debugging,
 * kmemleak's scan). Checks still run; only the reports are suppressed.
 */
void kasan_disable_current(void)
{
	current->kasan_depth--;
}
EXPORT_SYMBOL(kasan_disable_current);

/* ---- Tags for objects ----------------------------------------------- */

static u32 kasan_slab_seed __ro_after_init;

/**
 * kasan_init_slab_seed() - seed the tags of caches that keep them
 * @seed: a boot-time value
 *
 * Called by kasan_init_sw_tags(), before the first cache with a
 * constructor is made. The tags of such a slab are a function of the seed,
 * the slab's page and the object's index: a slab made again on the same
 * page in the same boot gets the same tags.
 */
void __init kasan_init_slab_seed(u32 seed)
{
	kasan_slab_seed = hash_32(seed ^ 0x5bd1e995u, 32);
}

/*
 * Tags of a slab whose objects keep theirs: a per-slab start plus the
 * object's index, so consecutive objects always differ, wherever the
 * allocator's free list starts.
 */
static u8 kasan_fixed_tag(struct kmem_cache *cache, const void *object)
{
	struct slab *slab = virt_to_slab(object);
	unsigned int span = KASAN_TAG_MAX - KASAN_TAG_MIN + 1;
	u32 start = hash_32(kasan_slab_seed ^
			    (u32)((unsigned long)slab_address(slab) >> PAGE_SHIFT),
			    16);

	return KASAN_TAG_MIN + (start + obj_to_index(cache, slab, (void *)object)) % span;
}

/*
 * The tag the shadow gives the granule at @addr, just outside the slab that
 * holds @inside: read as is when it lies in the same page of shadow as
 * @inside's (mapped, since ours is), else without faulting, since memory
 * across the edge may be a hole in the linear map or going offline (its
 * shadow unmapped at any moment). A short granule, whose tag is in memory
 * this CPU does not own, gives KASAN_TAG_INVALID, which constrains nothing.
 */
static u8 kasan_tag_beyond_slab(const void *addr, const void *inside)
{
	const u8 *shadow = kasan_mem_to_shadow(addr);
	u8 value;

	if (((unsigned long)shadow ^ (unsigned long)kasan_mem_to_shadow(inside)) < PAGE_SIZE)
		value = READ_ONCE(*shadow);
	else if (copy_from_kernel_nofault(&value, shadow, 1))
		return KASAN_TAG_INVALID;
	return kasan_is_short_granule(value) ? KASAN_TAG_INVALID : value;
}

/*
 * A fresh tag for an object of @size bytes at @object, different from the
 * tags of the granules that border it, in its slab or, for the first and
 * last objects, across the slab's edges. Across an edge that keeps off an
 * object tagged before this one; a page allocation, or a slab of fixed
 * tags, made there later does not look back, so there a linear overflow
 * is missed less often, not never. Two redraws at most: three consecutive
 * values cannot all match two neighbours.
 */
static u8 kasan_fresh_tag(struct kmem_cache *cache, const void *object,
			  size_t size)
{
	const void *start = kasan_reset_tag(object);
	const void *next = start + round_up(size, KASAN_GRANULE_SIZE);
	struct slab *slab = virt_to_slab(start);
	const void *first = slab_address(slab);
	u8 before, after;
	u8 tag = kasan_random_tag();

	if (start > first)
		before = kasan_granule_tag(start - KASAN_GRANULE_SIZE);
	else
		before = kasan_tag_beyond_slab(start - KASAN_GRANULE_SIZE, start);
	if (next < first + slab_size(slab))
		after = kasan_granule_tag(next);
	else
		after = kasan_tag_beyond_slab(next, start);

	while (tag == before || tag == after)
		tag = tag == KASAN_TAG_MAX ? KASAN_TAG_MIN : tag + 1;
	return tag;
}

static __always_inline bool kasan_cache_keeps_tags(struct kmem_cache *cache)
{
	return cache->ctor || (cache->flags & SLAB_TYPESAFE_BY_RCU);
}

/*
 * End an object of @size bytes, whose granules up to @capacity carry its
 * tag: the granules past the request are closed and a partly used last
 * granule is made short. @cache is NULL for page allocations. No short
 * granule where something else may use the bytes past the object: slab
 * debugging (redzones and poison patterns that would see the tag byte as
 * corruption, tracking data right after the object), in a
 * SLAB_TYPESAFE_BY_RCU cache the free pointer SLUB puts there while the
 * object is free but still legally read, and in any cache a free pointer
 * over the tag byte: kmem_cache_free_bulk() writes it before the free is
 * checked. SLUB keeps its in-object pointer on a granule boundary, so only
 * a pointer placed after the object (caches with a constructor) can.
 */
static void kasan_end_object(struct kmem_cache *cache, const void *object,
			     size_t size, size_t capacity)
{
	size_t used = round_up(size, KASAN_GRANULE_SIZE);

	if (used < capacity)
		kasan_poison(object + used, capacity - used,
			     KASAN_SHADOW_REDZONE, false);
	if (cache && ((cache->flags & (SLAB_DEBUG_FLAGS | SLAB_TYPESAFE_BY_RCU)) ||
		      used - 1 - cache->offset < sizeof(void *)))
		return;
	kasan_shorten_last_granule(object, size);
}

/* ---- Pages ----------------------------------------------------------- */

bool __kasan_unpoison_pages(struct page *page, unsigned int order, bool init)
{
	u8 tag = kasan_random_tag();
	unsigned long i;

	if (unlikely(PageHighMem(page)))
		return false;

	for (i = 0; i < (1UL << order); i++)
		page_kasan_tag_set(page + i, tag);
	kasan_unpoison(set_tag(page_address(page), tag), PAGE_SIZE << order,
		       init);
	return true;
}

void __kasan_poison_pages(struct page *page, unsigned int order, bool init)
{
	if (likely(!PageHighMem(page)))
		kasan_poison(page_address(page), PAGE_SIZE << order,
			     KASAN_SHADOW_FREED, init);
}

void __kasan_unpoison_range(const void *addr, size_t size)
{
	if (!is_kfence_address(addr))
		kasan_unpoison(addr, size, false);
}

/* ---- Slabs and their objects ---------------------------------------- */

void __kasan_poison_slab(struct slab *slab)
{
	struct page *page = slab_page(slab);
	unsigned long i, nr = compound_nr(page);

	/* Objects get tags of their own: the slab's pages carry none. */
	for (i = 0; i < nr; i++)
		page_kasan_tag_reset(page + i);
	kasan_poison(page_address(page), page_size(page), KASAN_SHADOW_REDZONE,
		     false);
}

void * __must_check __kasan_init_slab_obj(struct kmem_cache *cache,
					  const void *object)
{
	if (!kasan_cache_keeps_tags(cache))
		return (void *)object;
	return set_tag(object, kasan_fixed_tag(cache, object));
}

void __kasan_unpoison_new_object(struct kmem_cache *cache, void *object)
{
	kasan_unpoison(object, cache->object_size, false);
}

void __kasan_poison_new_object(struct kmem_cache *cache, void *object)
{
	kasan_poison(object, cache->object_size, KASAN_SHADOW_REDZONE, false);
}

void * __must_check __kasan_slab_alloc(struct kmem_cache *cache, void *object,
				       gfp_t flags, bool init)
{
	u8 tag;

	if (unlikely(!object) || is_kfence_address(object))
		return object;

	if (kasan_cache_keeps_tags(cache))
		tag = get_tag(object);
	else
		tag = kasan_fresh_tag(cache, object, cache->object_size);
	object = set_tag(object, tag);
	kasan_unpoison(object, cache->object_size, init);

	/* kmalloc objects are sized and recorded by __kasan_kmalloc(). */
	if (!is_kmalloc_cache(cache)) {
		kasan_end_object(cache, object, cache->object_size,
				 cache->object_size);
		kasan_record_alloc(object, flags);
	}
	return object;
}

void * __must_check __kasan_kmalloc(struct kmem_cache *cache,
				    const void *object, size_t size,
				    gfp_t flags)
{
	if (unlikely(!object) || is_kfence_address(object))
		return (void *)object;

	kasan_end_object(cache, object, size, cache->object_size);
	kasan_record_alloc(object, flags);
	return (void *)object;
}
EXPORT_SYMBOL(__kasan_kmalloc);

/*
 * Whether freeing @object of @cache is a bug; reported if so. Not the start
 * of an object: an invalid free. The object already closed: a double free
 * (or a free through a stale pointer, whose tag no longer matches).
 */
static bool kasan_bad_slab_free(struct kmem_cache *cache, void *object,
				unsigned long ip)
{
	void *untagged = kasan_reset_tag(object);

	if (nearest_obj(cache, virt_to_slab(untagged), untagged) != untagged) {
		kasan_report_invalid_free(object, ip, KASAN_REPORT_INVALID_FREE);
		return true;
	}
	if (!kasan_byte_accessible(object)) {
		kasan_report_invalid_free(object, ip, KASAN_REPORT_DOUBLE_FREE);
		return true;
	}
	return false;
}

bool __kasan_slab_pre_free(struct kmem_cache *cache, void *object,
			   unsigned long ip)
{
	u8 *shadow;

	if (is_kfence_address(object))
		return false;
	if (kasan_bad_slab_free(cache, object, ip))
		return true;
	/*
	 * Freed through an untagged pointer, an object whose first granule is
	 * short has its tag only in the tag byte, which init_on_free clears
	 * before __kasan_slab_free() reads it. The object is on its way out:
	 * make the granule whole again, the tag in its shadow.
	 */
	if (get_tag(object) == KASAN_TAG_KERNEL) {
		shadow = kasan_mem_to_shadow(kasan_reset_tag(object));
		if (kasan_is_short_granule(*shadow))
			*shadow = kasan_granule_tag(object);
	}
	return false;
}

/*
 * Record who freed an object, then close it. Recorded first, so that an
 * access racing with the free that sees it closed also finds the free. The
 * event carries the object's own tag, whatever pointer freed it (an
 * untagged one, after kfree(page_address(...))): a later access through
 * the object's pointers finds it.
 */
static void kasan_close_object(struct kmem_cache *cache, void *object)
{
	/*
	 * kasan_bad_slab_free() checked that a tagged pointer has the
	 * object's tag. Only an untagged one needs the tag from the object,
	 * from the shadow of its first granule, which __kasan_slab_pre_free()
	 * made whole if it was short.
	 */
	u8 tag = get_tag(object);

	if (tag == KASAN_TAG_KERNEL)
		tag = kasan_granule_tag(object);
	kasan_record_free(set_tag(object, tag));
	kasan_poison(object, cache->object_size, KASAN_SHADOW_FREED, false);
}

bool __kasan_slab_free(struct kmem_cache *cache, void *object, bool init,
		       bool still_accessible)
{
	/* RCU readers may still look at it: closed when the grace period ends. */
	if (is_kfence_address(object) || still_accessible)
		return false;

	kasan_close_object(cache, object);
	/* No quarantine in the tag mode: the allocator may reuse it now. */
	return false;
}

/* ---- Large kmalloc (whole pages) ------------------------------------ */

/* Whether freeing the pages at @ptr is a bug; reported if so. */
static bool kasan_bad_page_free(void *ptr, unsigned long ip)
{
	if (ptr != page_address(virt_to_head_page(ptr))) {
		kasan_report_invalid_free(ptr, ip, KASAN_REPORT_INVALID_FREE);
		return true;
	}
	if (!kasan_byte_accessible(ptr)) {
		kasan_report_invalid_free(ptr, ip, KASAN_REPORT_DOUBLE_FREE);
		return true;
	}
	return false;
}

void * __must_check __kasan_kmalloc_large(const void *ptr, size_t size,
					  gfp_t flags)
{
	if (unlikely(!ptr))
		return NULL;
	/* The page allocator opened all of the pages: close what is unused. */
	kasan_end_object(NULL, ptr, size, folio_size(virt_to_folio(ptr)));
	return (void *)ptr;
}

void __kasan_kfree_large(void *ptr, unsigned long ip)
{
	/* The pages themselves are closed by kasan_poison_pages(). */
	kasan_bad_page_free(ptr, ip);
}

/* ---- krealloc() in place ---------------------------------------------- */

void * __must_check __kasan_krealloc(const void *object, size_t new_size,
				     gfp_t flags)
{
	struct slab *slab;

	if (unlikely(object == ZERO_SIZE_PTR) || is_kfence_address(object))
		return (void *)object;

	/*
	 * Open up to the new size (a no-op when shrinking), close the rest.
	 * A tag byte the object grows over was zero before the runtime put
	 * the tag there (krealloc() with __GFP_ZERO counts on it): zero again.
	 */
	kasan_clear_tag_byte(object, new_size);
	kasan_unpoison(object, new_size, false);

	slab = virt_to_slab(kasan_reset_tag(object));
	if (!slab) {
		kasan_end_object(NULL, object, new_size,
				 folio_size(virt_to_folio(object)));
		return (void *)object;
	}
	kasan_end_object(slab->slab_cache, object, new_size,
			 slab->slab_cache->object_size);
	kasan_record_alloc(object, flags);
	return (void *)object;
}

/*
 * krealloc() copies a moved object's whole slot, the bytes past the object
 * included: a short granule's tag byte among them would reach the new
 * object as data, where krealloc(__GFP_ZERO) promises the zero that byte
 * held before the tag (SLUB zeroes a whole slot for __GFP_ZERO). The short
 * granule is the first whose shadow is not the object's tag.
 */
void __kasan_krealloc_copied(void *dst, const void *src, size_t size)
{
	const u8 *from = kasan_reset_tag(src);
	const u8 *shadow = kasan_mem_to_shadow(from);
	size_t i, granules = size / KASAN_GRANULE_SIZE;
	u8 tag;

	if (!granules || is_kfence_address(from))
		return;
	/* Through an untagged pointer, the tag the object has. */
	tag = get_tag(src);
	if (tag == KASAN_TAG_KERNEL)
		tag = kasan_granule_tag(from);
	for (i = 0; i < granules && shadow[i] == tag; i++)
		;
	if (i == granules || !kasan_is_short_granule(shadow[i]))
		return;
	i = i * KASAN_GRANULE_SIZE + KASAN_GRANULE_SIZE - 1;
	if (from[i] == tag)
		((u8 *)kasan_reset_tag(dst))[i] = 0;
}

/* ---- mempool ---------------------------------------------------------- */

bool __kasan_mempool_poison_pages(struct page *page, unsigned int order,
				  unsigned long ip)
{
	void *ptr = page_address(page);

	if (unlikely(PageHighMem(page)))
		return true;
	if (kasan_bad_page_free(ptr, ip))
		return false;
	kasan_poison(ptr, PAGE_SIZE << order, KASAN_SHADOW_FREED, false);
	return true;
}

void __kasan_mempool_unpoison_pages(struct page *page, unsigned int order,
				    unsigned long ip)
{
	__kasan_unpoison_pages(page, order, false);
}

bool __kasan_mempool_poison_object(void *ptr, unsigned long ip)
{
	struct folio *folio = virt_to_folio(kasan_reset_tag(ptr));
	struct slab *slab;

	if (is_kfence_address(ptr))
		return true;

	if (!folio_test_slab(folio)) {
		if (kasan_bad_page_free(ptr, ip))
			return false;
		kasan_poison(ptr, folio_size(folio), KASAN_SHADOW_FREED, false);
		return true;
	}

	slab = folio_slab(folio);
	if (kasan_bad_slab_free(slab->slab_cache, ptr, ip))
		return false;
	kasan_close_object(slab->slab_cache, ptr);
	return true;
}

void __kasan_mempool_unpoison_object(void *ptr, size_t size, unsigned long ip)
{
	struct slab *slab;

	if (is_kfence_address(ptr))
		return;

	/* The element keeps its tag while in the pool: reopen it as it was. */
	slab = virt_to_slab(kasan_reset_tag(ptr));
	if (!slab) {
		kasan_unpoison(ptr, size, false);
		kasan_end_object(NULL, ptr, size, size);
		return;
	}
	kasan_unpoison(ptr, slab->slab_cache->object_size, false);
	kasan_end_object(slab->slab_cache, ptr,
			 is_kmalloc_cache(slab->slab_cache) ? size :
			 slab->slab_cache->object_size,
			 slab->slab_cache->object_size);
	/* Under the pool's lock, interrupts off: no allocation (see tags.c). */
	kasan_record_alloc(ptr, 0);
}

/* ---- Checks of single bytes ------------------------------------------- */

bool __kasan_check_byte(const void *addr, unsigned long ip)
{
	if (likely(kasan_byte_accessible(addr)))
		return true;
	kasan_report(addr, 1, false, ip);
	return false;
}

/* ---- Task stacks ------------------------------------------------------ */

#ifdef CONFIG_KASAN_STACK
/**
 * kasan_unpoison_task_stack() - open all of a task's stack
 * @task: the task, whose stack may hold tags of frames it no longer has
 */
void kasan_unpoison_task_stack(struct task_struct *task)
{
	kasan_unpoison(task_stack_page(task), THREAD_SIZE, false);
}

/**
 * kasan_unpoison_task_stack_below() - open the stack below a watermark
 * @watermark: the stack pointer to resume at; everything below it was used
 *             by frames that are gone (resume from suspend, exceptions)
 *
 * Does not use current: early resume code calls it before it is set up.
 */
asmlinkage void kasan_unpoison_task_stack_below(const void *watermark)
{
	void *base = (void *)ALIGN_DOWN((unsigned long)watermark, THREAD_SIZE);

	kasan_unpoison(base, watermark - base, false);
}
#endif
