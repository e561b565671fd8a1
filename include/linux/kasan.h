/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KASAN, the kernel address sanitizer: what the slab and page allocators,
 * mempool, vmalloc, the scheduler and architecture code call. kmemsafe builds
 * the software tag-based mode (arm64); every hook below is a no-op in a kernel
 * without KASAN, and in a kernel with it an inline wrapper calls the
 * out-of-line __kasan_*() that does the work.
 */
#ifndef _LINUX_KASAN_H
#define _LINUX_KASAN_H

#include <linux/bug.h>
#include <linux/kasan-enabled.h>
#include <linux/kasan-tags.h>
#include <linux/kernel.h>
#include <linux/static_key.h>
#include <linux/types.h>

struct kmem_cache;
struct page;
struct slab;
struct task_struct;
struct vm_struct;

#ifdef CONFIG_KASAN
#include <linux/linkage.h>
#include <asm/kasan.h>
#endif

/* How a vmalloc mapping is unpoisoned (kasan_unpoison_vmalloc()). */
typedef unsigned int __bitwise kasan_vmalloc_flags_t;

#define KASAN_VMALLOC_NONE		((__force kasan_vmalloc_flags_t)0x00u)
#define KASAN_VMALLOC_INIT		((__force kasan_vmalloc_flags_t)0x01u)
#define KASAN_VMALLOC_VM_ALLOC		((__force kasan_vmalloc_flags_t)0x02u)
/* Only mappings that are plain data (not executable) are tagged. */
#define KASAN_VMALLOC_PROT_NORMAL	((__force kasan_vmalloc_flags_t)0x04u)
/* Reuse the tag the pointer already has. */
#define KASAN_VMALLOC_KEEP_TAG		((__force kasan_vmalloc_flags_t)0x08u)

/* What kasan_release_vmalloc() does with the shadow of a purged range. */
#define KASAN_VMALLOC_PAGE_RANGE	0x1	/* free the shadow pages */
#define KASAN_VMALLOC_TLB_FLUSH		0x2	/* flush the TLB over the shadow */

/* ---- Shadow memory (software modes) --------------------------------- */

#if defined(CONFIG_KASAN_GENERIC) || defined(CONFIG_KASAN_SW_TAGS)

#include <linux/pgtable.h>

/*
 * What the shadow of memory that nothing has claimed reads as. The tag mode
 * uses the invalid tag, so that an access through any tagged pointer to
 * memory the allocator never handed out is reported.
 */
#ifdef CONFIG_KASAN_SW_TAGS
#define KASAN_SHADOW_INIT	KASAN_TAG_INVALID
#else
#define KASAN_SHADOW_INIT	0
#endif

#ifndef PTE_HWTABLE_PTRS
#define PTE_HWTABLE_PTRS	0
#endif

/*
 * One page of shadow and one table per level, mapped over all of the shadow
 * before the real shadow exists, and over shadow that never will (the
 * shadow of the shadow, of holes, of memory added with ZONE_DEVICE).
 */
extern unsigned char kasan_early_shadow_page[PAGE_SIZE];
extern pte_t kasan_early_shadow_pte[MAX_PTRS_PER_PTE + PTE_HWTABLE_PTRS];
extern pmd_t kasan_early_shadow_pmd[MAX_PTRS_PER_PMD];
extern pud_t kasan_early_shadow_pud[MAX_PTRS_PER_PUD];
extern p4d_t kasan_early_shadow_p4d[MAX_PTRS_PER_P4D];

int kasan_populate_early_shadow(const void *shadow_start,
				const void *shadow_end);

#ifndef kasan_mem_to_shadow
static inline void *kasan_mem_to_shadow(const void *addr)
{
	unsigned long granule = (unsigned long)addr >> KASAN_SHADOW_SCALE_SHIFT;

	return (void *)(granule + KASAN_SHADOW_OFFSET);
}
#endif

int kasan_add_zero_shadow(void *start, unsigned long size);
void kasan_remove_zero_shadow(void *start, unsigned long size);

/*
 * Reports are suppressed while a task's kasan_depth is not zero: disabling
 * decrements it, enabling increments it (init_task starts at 1 and is set to
 * 0 once the shadow is up).
 */
void kasan_enable_current(void);
void kasan_disable_current(void);

#else

static inline int kasan_add_zero_shadow(void *start, unsigned long size)
{
	return 0;
}

static inline void kasan_remove_zero_shadow(void *start, unsigned long size) { }
static inline void kasan_enable_current(void) { }
static inline void kasan_disable_current(void) { }

#endif /* CONFIG_KASAN_GENERIC || CONFIG_KASAN_SW_TAGS */

/* Whether KASAN initialises memory itself, so the allocator need not. */
static inline bool kasan_has_integrated_init(void)
{
	return kasan_hw_tags_enabled();
}

/* ---- Allocator hooks ------------------------------------------------ */

/*
 * Each hook is an inline wrapper of an out-of-line __kasan_*() function,
 * called only if kasan_enabled(). That is a constant in every mode kmemsafe
 * builds, so without KASAN the calls are dead code the compiler drops and
 * no definition is needed: one declaration serves both kinds of kernel.
 */
void __kasan_unpoison_range(const void *addr, size_t size);
void __kasan_poison_pages(struct page *page, unsigned int order, bool init);
bool __kasan_unpoison_pages(struct page *page, unsigned int order, bool init);
void __kasan_poison_slab(struct slab *slab);
void __kasan_unpoison_new_object(struct kmem_cache *cache, void *object);
void __kasan_poison_new_object(struct kmem_cache *cache, void *object);
void * __must_check __kasan_init_slab_obj(struct kmem_cache *cache,
					  const void *object);
bool __kasan_slab_pre_free(struct kmem_cache *cache, void *object,
			   unsigned long ip);
bool __kasan_slab_free(struct kmem_cache *cache, void *object, bool init,
		       bool still_accessible);
void __kasan_kfree_large(void *ptr, unsigned long ip);
void * __must_check __kasan_slab_alloc(struct kmem_cache *cache, void *object,
				       gfp_t flags, bool init);
void * __must_check __kasan_kmalloc(struct kmem_cache *cache,
				    const void *object, size_t size,
				    gfp_t flags);
void * __must_check __kasan_kmalloc_large(const void *ptr, size_t size,
					  gfp_t flags);
void * __must_check __kasan_krealloc(const void *object, size_t new_size,
				     gfp_t flags);
void __kasan_krealloc_copied(void *dst, const void *src, size_t size);
bool __kasan_mempool_poison_pages(struct page *page, unsigned int order,
				  unsigned long ip);
void __kasan_mempool_unpoison_pages(struct page *page, unsigned int order,
				    unsigned long ip);
bool __kasan_mempool_poison_object(void *ptr, unsigned long ip);
void __kasan_mempool_unpoison_object(void *ptr, size_t size,
				     unsigned long ip);
bool __kasan_check_byte(const void *addr, unsigned long ip);

/* Make [@addr, @addr + @size) accessible through @addr's tag. */
static __always_inline void kasan_unpoison_range(const void *addr, size_t size)
{
	if (kasan_enabled())
		__kasan_unpoison_range(addr, size);
}

/* Pages go back to the page allocator: nothing may touch them. */
static __always_inline void kasan_poison_pages(struct page *page,
					       unsigned int order, bool init)
{
	if (kasan_enabled())
		__kasan_poison_pages(page, order, init);
}

/*
 * Pages come from the page allocator: give them a tag. Returns whether KASAN
 * did so (and initialised them if @init).
 */
static __always_inline bool kasan_unpoison_pages(struct page *page,
						 unsigned int order, bool init)
{
	return kasan_enabled() && __kasan_unpoison_pages(page, order, init);
}

/* A new slab: all of it is redzone until objects are handed out. */
static __always_inline void kasan_poison_slab(struct slab *slab)
{
	if (kasan_enabled())
		__kasan_poison_slab(slab);
}

/* Around a constructor: let it write the object, then close it again. */
static __always_inline void kasan_unpoison_new_object(struct kmem_cache *cache,
						      void *object)
{
	if (kasan_enabled())
		__kasan_unpoison_new_object(cache, object);
}

static __always_inline void kasan_poison_new_object(struct kmem_cache *cache,
						    void *object)
{
	if (kasan_enabled())
		__kasan_poison_new_object(cache, object);
}

/* A new slab's object: returns the pointer the allocator keeps for it. */
static __always_inline void * __must_check
kasan_init_slab_obj(struct kmem_cache *cache, const void *object)
{
	return kasan_enabled() ? __kasan_init_slab_obj(cache, object) :
				 (void *)object;
}

/*
 * Before an object is freed: returns true when freeing it is a bug (not the
 * start of an object, or already free), which has been reported; the
 * allocator must then leave the object alone.
 */
static __always_inline bool kasan_slab_pre_free(struct kmem_cache *cache,
						void *object)
{
	return kasan_enabled() && __kasan_slab_pre_free(cache, object, _RET_IP_);
}

/*
 * An object is freed. @still_accessible: the cache is SLAB_TYPESAFE_BY_RCU
 * and readers may legally see the object until a grace period ends. Returns
 * true when KASAN keeps the object (a quarantine), false when the allocator
 * may reuse it now.
 */
static __always_inline bool kasan_slab_free(struct kmem_cache *cache,
					    void *object, bool init,
					    bool still_accessible)
{
	return kasan_enabled() &&
	       __kasan_slab_free(cache, object, init, still_accessible);
}

/* A large kmalloc (whole pages) is freed; the pages are poisoned later. */
static __always_inline void kasan_kfree_large(void *ptr)
{
	if (kasan_enabled())
		__kasan_kfree_large(ptr, _RET_IP_);
}

/* An object is allocated: returns the (tagged) pointer to hand out. */
static __always_inline void * __must_check
kasan_slab_alloc(struct kmem_cache *cache, void *object, gfp_t flags, bool init)
{
	return kasan_enabled() ? __kasan_slab_alloc(cache, object, flags, init) :
				 object;
}

/* A kmalloc of @size bytes: the rest of the object becomes redzone. */
static __always_inline void * __must_check
kasan_kmalloc(struct kmem_cache *cache, const void *object, size_t size,
	      gfp_t flags)
{
	return kasan_enabled() ? __kasan_kmalloc(cache, object, size, flags) :
				 (void *)object;
}

static __always_inline void * __must_check
kasan_kmalloc_large(const void *ptr, size_t size, gfp_t flags)
{
	return kasan_enabled() ? __kasan_kmalloc_large(ptr, size, flags) :
				 (void *)ptr;
}

/* krealloc() resizes in place: move the redzone to @new_size. */
static __always_inline void * __must_check
kasan_krealloc(const void *object, size_t new_size, gfp_t flags)
{
	return kasan_enabled() ? __kasan_krealloc(object, new_size, flags) :
				 (void *)object;
}

/*
 * krealloc() moved an object: it copied @size bytes, the old object's
 * whole slot, from @src to @dst. What the copy carried that was KASAN's and
 * not the object's (a short granule's tag byte) is cleared in @dst.
 */
static __always_inline void kasan_krealloc_copied(void *dst, const void *src,
						  size_t size)
{
	if (kasan_enabled())
		__kasan_krealloc_copied(dst, src, size);
}

/*
 * Mempool elements: poisoned when put into the pool's reserve, unpoisoned
 * when taken back out. The poison hooks return false (after a report) when
 * the element was not a valid allocation; the caller must then drop it.
 */
static __always_inline bool kasan_mempool_poison_pages(struct page *page,
						       unsigned int order)
{
	return !kasan_enabled() ||
	       __kasan_mempool_poison_pages(page, order, _RET_IP_);
}

static __always_inline void kasan_mempool_unpoison_pages(struct page *page,
							 unsigned int order)
{
	if (kasan_enabled())
		__kasan_mempool_unpoison_pages(page, order, _RET_IP_);
}

static __always_inline bool kasan_mempool_poison_object(void *ptr)
{
	return !kasan_enabled() || __kasan_mempool_poison_object(ptr, _RET_IP_);
}

static __always_inline void kasan_mempool_unpoison_object(void *ptr,
							  size_t size)
{
	if (kasan_enabled())
		__kasan_mempool_unpoison_object(ptr, size, _RET_IP_);
}

/*
 * Whether the byte at @addr may be accessed; reports when not. For code that
 * inspects an object without dereferencing it (ksize(), kfree_sensitive()).
 */
static __always_inline bool kasan_check_byte(const void *addr)
{
	return !kasan_enabled() || __kasan_check_byte(addr, _RET_IP_);
}

#if defined(CONFIG_KASAN) && defined(CONFIG_KASAN_STACK)
void kasan_unpoison_task_stack(struct task_struct *task);
asmlinkage void kasan_unpoison_task_stack_below(const void *watermark);
#else
static inline void kasan_unpoison_task_stack(struct task_struct *task) { }
static inline void kasan_unpoison_task_stack_below(const void *watermark) { }
#endif

/*
 * Per-object metadata and auxiliary stacks belong to the generic mode, which
 * kmemsafe does not build yet: the tag mode keeps its history out of the
 * objects, so caches are laid out as without KASAN.
 */
static inline size_t kasan_metadata_size(struct kmem_cache *cache,
					 bool in_object)
{
	return 0;
}

static inline void kasan_cache_create(struct kmem_cache *cache,
				      unsigned int *size,
				      slab_flags_t *flags) { }
static inline void kasan_cache_shrink(struct kmem_cache *cache) { }
static inline void kasan_cache_shutdown(struct kmem_cache *cache) { }
static inline void kasan_record_aux_stack(void *ptr) { }
static inline void kasan_record_aux_stack_noalloc(void *ptr) { }

/* ---- Pointer tags --------------------------------------------------- */

#if defined(CONFIG_KASAN_SW_TAGS) || defined(CONFIG_KASAN_HW_TAGS)

/* @addr with the match-all tag, for comparing or converting addresses. */
static inline void *kasan_reset_tag(const void *addr)
{
	return (void *)arch_kasan_reset_tag(addr);
}

/**
 * kasan_report - report a bad access found outside the compiler's checks
 * @addr: the address accessed, with the pointer's tag
 * @size: the access size in bytes
 * @is_write: whether it was a write
 * @ip: the instruction that made it
 *
 * Return: true if a report was printed.
 */
bool kasan_report(const void *addr, size_t size, bool is_write,
		  unsigned long ip);

#else

static inline void *kasan_reset_tag(const void *addr)
{
	return (void *)addr;
}

#endif

#ifdef CONFIG_KASAN_SW_TAGS
void __init kasan_init_sw_tags(void);
#else
static inline void kasan_init_sw_tags(void) { }
#endif

/* No hardware tag mode in kmemsafe: arch code's calls compile away. */
static inline void kasan_init_hw_tags_cpu(void) { }
static inline void kasan_init_hw_tags(void) { }

/* ---- vmalloc shadow ------------------------------------------------- */

#ifdef CONFIG_KASAN_VMALLOC
void kasan_populate_early_vm_area_shadow(void *start, unsigned long size);
int kasan_populate_vmalloc(unsigned long addr, unsigned long size,
			   gfp_t gfp_mask);
void kasan_release_vmalloc(unsigned long start, unsigned long end,
			   unsigned long free_region_start,
			   unsigned long free_region_end,
			   unsigned long flags);
#else
static inline void kasan_populate_early_vm_area_shadow(void *start,
						       unsigned long size) { }
static inline int kasan_populate_vmalloc(unsigned long addr,
					 unsigned long size, gfp_t gfp_mask)
{
	return 0;
}

static inline void kasan_release_vmalloc(unsigned long start,
					 unsigned long end,
					 unsigned long free_region_start,
					 unsigned long free_region_end,
					 unsigned long flags) { }
#endif

/* As for the allocator hooks: called only where vmalloc has a shadow. */
static __always_inline bool kasan_vmalloc_hooked(void)
{
	return IS_ENABLED(CONFIG_KASAN_VMALLOC) && kasan_enabled();
}

void *__kasan_unpoison_vmalloc(const void *start, unsigned long size,
			       kasan_vmalloc_flags_t flags);
void __kasan_poison_vmalloc(const void *start, unsigned long size);
void __kasan_unpoison_vmap_areas(struct vm_struct **vms, int nr_vms,
				 kasan_vmalloc_flags_t flags);
void __kasan_vrealloc(const void *start, unsigned long old_size,
		      unsigned long new_size);

/*
 * A vmalloc mapping is made: returns the pointer its user must keep, which
 * carries the mapping's tag when it is tagged.
 */
static __always_inline void *kasan_unpoison_vmalloc(const void *start,
						    unsigned long size,
						    kasan_vmalloc_flags_t flags)
{
	return kasan_vmalloc_hooked() ?
	       __kasan_unpoison_vmalloc(start, size, flags) : (void *)start;
}

/* A vmalloc mapping goes away: nothing may touch it any more. */
static __always_inline void kasan_poison_vmalloc(const void *start,
						 unsigned long size)
{
	if (kasan_vmalloc_hooked())
		__kasan_poison_vmalloc(start, size);
}

/* The areas of a per-CPU chunk, all with one tag. */
static __always_inline void
kasan_unpoison_vmap_areas(struct vm_struct **vms, int nr_vms,
			  kasan_vmalloc_flags_t flags)
{
	if (kasan_vmalloc_hooked())
		__kasan_unpoison_vmap_areas(vms, nr_vms, flags);
}

/* vrealloc() resized a mapping in place. */
static __always_inline void kasan_vrealloc(const void *start,
					   unsigned long old_size,
					   unsigned long new_size)
{
	if (kasan_vmalloc_hooked())
		__kasan_vrealloc(start, old_size, new_size);
}

/*
 * Module shadow outside vmalloc shadow: every kmemsafe KASAN kernel has
 * KASAN_VMALLOC (arm64 selects it), whose populate hook covers modules.
 */
static inline int kasan_alloc_module_shadow(void *addr, size_t size,
					    gfp_t gfp_mask)
{
	return 0;
}

static inline void kasan_free_module_shadow(const struct vm_struct *vm) { }

#if defined(CONFIG_KASAN_GENERIC) || defined(CONFIG_KASAN_SW_TAGS)
/* From the oops path: say what a non-canonical fault address is a shadow of. */
void kasan_non_canonical_hook(unsigned long addr);
#else
static inline void kasan_non_canonical_hook(unsigned long addr) { }
#endif

#endif /* _LINUX_KASAN_H */
