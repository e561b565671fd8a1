/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KFENCE: a sampling detector of heap out-of-bounds, use-after-free and
 * invalid-free bugs, cheap enough for production kernels. This header is what
 * the slab allocator, the page-fault handlers and the rest of the kernel see.
 */

#ifndef _LINUX_KFENCE_H
#define _LINUX_KFENCE_H

#include <linux/mm.h>
#include <linux/types.h>

#ifdef CONFIG_KFENCE

#include <linux/atomic.h>
#include <linux/static_key.h>

struct kmem_cache;
struct slab;
struct pt_regs;

/* Milliseconds between two sampled allocations; 0 while KFENCE is off. */
extern unsigned long kfence_sample_interval;

/* Number of guarded objects, from kfence.num_objects= or the Kconfig default. */
extern unsigned long kfence_num_objects;

/*
 * The pool: each object page is followed by a guard page, and two extra pages
 * lead the pool, so that every object has a guard page on both sides.
 * KFENCE_POOL_SIZE is the size the pool is (or will be) allocated with.
 */
#define KFENCE_POOL_SIZE	((kfence_num_objects + 1) * 2 * PAGE_SIZE)

/*
 * Where the pool is, or is to be: the architecture may place it before KFENCE
 * sets it up (arm64 does, in setup_arch()), and arch_kfence_init_pool() finds
 * it here. Whether the pool is live is is_kfence_address()'s business.
 */
extern char *__kfence_pool;

/**
 * struct kfence_pool_span - the live pool, as is_kfence_address() reads it
 * @start: first byte of the pool; NULL until the pool is set up
 * @size: size of the pool in bytes; 0 until the pool is set up
 *
 * Both words share one aligned pair, on one cache line. The start is
 * written first and the size last, with release semantics; readers load the
 * size with acquire semantics, then the start: whoever sees the size sees
 * the start, and a zero size contains nothing, so no other test is needed.
 */
struct kfence_pool_span {
	char *start;
	unsigned long size;
} __aligned(2 * sizeof(unsigned long));

extern struct kfence_pool_span __kfence_pool_span;

/*
 * Enabled once, when KFENCE starts (or on every sample with
 * CONFIG_KFENCE_STATIC_KEYS); a kernel running without KFENCE skips the
 * allocation hook with a single patched jump.
 */
DECLARE_STATIC_KEY_FALSE(kfence_allocation_key);

/* Number of allocations the gate still lets through; 0 while it is closed. */
extern atomic_t kfence_allocation_gate;

/**
 * is_kfence_address() - check if an address belongs to the KFENCE pool
 * @addr: address to check
 *
 * Return: true if @addr lies in the KFENCE pool, including its guard pages.
 * Two loads from one aligned pair (the first with acquire semantics: free on
 * x86, an LDAR on arm64), a subtraction and a compare; safe to call with any
 * value, including NULL and before KFENCE is initialized.
 */
static __always_inline bool is_kfence_address(const void *addr)
{
	/* Pairs with kfence_publish_pool(): a size seen means a start seen. */
	unsigned long size = smp_load_acquire(&__kfence_pool_span.size);

	return unlikely((unsigned long)((const char *)addr -
					READ_ONCE(__kfence_pool_span.start)) < size);
}

/**
 * kfence_alloc_pool_and_metadata() - reserve the pool and its metadata
 *
 * Called once from mm_core_init(), while memblock is still the allocator,
 * unless the architecture has already placed the pool.
 */
void __init kfence_alloc_pool_and_metadata(void);

/**
 * kfence_init() - set up the pool and start sampling
 *
 * Called once from start_kernel() after the slab allocator is up.
 */
void __init kfence_init(void);

/**
 * kfence_shutdown_cache() - release KFENCE objects of a cache being destroyed
 * @s: the cache
 *
 * Objects still allocated become zombies: they are freed on the cache's
 * behalf and counted, so that no object points to a dead cache.
 */
void kfence_shutdown_cache(struct kmem_cache *s);

void *__kfence_alloc(struct kmem_cache *s, size_t size, gfp_t flags);

/**
 * kfence_alloc_armed() - offer an allocation to KFENCE while a sample is due
 * @s: the cache, armed by KFENCE (its kfence_armed is set)
 * @size: requested size, at most the cache's object size
 * @flags: GFP flags of the allocation
 *
 * The slab fast path tests the cache's kfence_armed byte together with its
 * own reasons to take the slow path, and the slow path calls this. Disarms
 * the cache once the sample has been taken, by this allocation or another.
 *
 * Return: a KFENCE object, or NULL to let the slab allocator carry on.
 */
void *kfence_alloc_armed(struct kmem_cache *s, size_t size, gfp_t flags);

/**
 * kfence_alloc() - maybe allocate a guarded object
 * @s: the cache the object would come from
 * @size: requested size, at most the cache's object size
 * @flags: GFP flags of the allocation
 *
 * For the bulk allocation paths and SLUB_TINY; the slab fast path instead
 * tests the cache's kfence_armed byte (see kfence_alloc_armed()). Costs a
 * static branch and one load and branch while the gate is closed.
 *
 * Return: a KFENCE object, or NULL to let the slab allocator carry on.
 */
static __always_inline void *kfence_alloc(struct kmem_cache *s, size_t size, gfp_t flags)
{
#ifdef CONFIG_KFENCE_STATIC_KEYS
	if (!static_branch_unlikely(&kfence_allocation_key))
		return NULL;
#else
	if (!static_branch_likely(&kfence_allocation_key))
		return NULL;
	if (likely(!atomic_read(&kfence_allocation_gate)))
		return NULL;
#endif
	return __kfence_alloc(s, size, flags);
}

/**
 * kfence_ksize() - usable size of a KFENCE object
 * @addr: pointer into a KFENCE object
 *
 * Return: the size the object was allocated with, or 0 if @addr is not a
 * KFENCE object.
 */
size_t kfence_ksize(const void *addr);

/**
 * kfence_object_start() - start of the KFENCE object containing @addr
 * @addr: pointer into a KFENCE object
 *
 * Return: the object's address, or NULL if @addr is not a KFENCE object.
 */
void *kfence_object_start(const void *addr);

void __kfence_free(void *addr);

/**
 * kfence_free() - free an object if it belongs to KFENCE
 * @addr: object to free
 *
 * Return: true if KFENCE took the object (the caller must not touch it), false
 * if it is not a KFENCE object.
 */
static __always_inline __must_check bool kfence_free(void *addr)
{
	if (!is_kfence_address(addr))
		return false;
	__kfence_free(addr);
	return true;
}

/**
 * kfence_handle_page_fault() - report and recover from a fault in the pool
 * @addr: faulting address
 * @is_write: whether the access was a write
 * @regs: register state at the fault
 *
 * Return: true if KFENCE handled the fault and the access may be retried,
 * false if @addr is not KFENCE's and the caller must handle the fault.
 */
bool __must_check kfence_handle_page_fault(unsigned long addr, bool is_write, struct pt_regs *regs);

#ifdef CONFIG_PRINTK
struct kmem_obj_info;
/**
 * __kfence_obj_info() - fill in mem_dump_obj() details for a KFENCE object
 * @kpp: the information to fill in
 * @object: the object
 * @slab: the object's slab
 *
 * Return: true if @object is a KFENCE object and @kpp was filled in.
 */
bool __kfence_obj_info(struct kmem_obj_info *kpp, void *object, struct slab *slab);
#endif

#else /* CONFIG_KFENCE */

#define kfence_sample_interval	(0)

static inline bool is_kfence_address(const void *addr) { return false; }

static inline void *kfence_alloc_armed(struct kmem_cache *s, size_t size, gfp_t flags)
{
	return NULL;
}

static inline void kfence_alloc_pool_and_metadata(void) { }
static inline void kfence_init(void) { }
static inline void kfence_shutdown_cache(struct kmem_cache *s) { }
static inline void *kfence_alloc(struct kmem_cache *s, size_t size, gfp_t flags) { return NULL; }
static inline size_t kfence_ksize(const void *addr) { return 0; }
static inline void *kfence_object_start(const void *addr) { return NULL; }
static inline void __kfence_free(void *addr) { }
static inline bool __must_check kfence_free(void *addr) { return false; }
static inline bool __must_check kfence_handle_page_fault(unsigned long addr, bool is_write,
							 struct pt_regs *regs)
{
	return false;
}

#ifdef CONFIG_PRINTK
struct kmem_obj_info;
static inline bool __kfence_obj_info(struct kmem_obj_info *kpp, void *object, struct slab *slab)
{
	return false;
}
#endif

#endif /* CONFIG_KFENCE */

#endif /* _LINUX_KFENCE_H */
