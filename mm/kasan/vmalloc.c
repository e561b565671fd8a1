// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow for vmalloc space. The shadow of the vmalloc (and module) area is
 * not mapped at boot: it is populated page by page as areas are allocated,
 * a shadow page shared by every area whose memory it describes (one page of
 * shadow covers 16 pages of vmalloc space), and released when the lazy purge
 * frees areas, only where no live area can still use it.
 *
 * Released shadow pages are not freed at once: a CPU may still hold a TLB
 * entry for them. They wait on a list until the purge flushes the TLB over
 * the shadow it released, once per purge batch, and are freed after that
 * flush; no shadow page is reused while any CPU can still reach it.
 */

#include <linux/init.h>
#include <linux/kasan.h>
#include <linux/list.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include <asm/cacheflush.h>
#include <asm/tlbflush.h>

#include "../internal.h"
#include "kasan.h"

/* ---- Population ----------------------------------------------------- */

/* Shadow pages allocated per round: enough for 1 MiB of vmalloc space. */
#define KASAN_FILL_BATCH	16

struct kasan_fill {
	struct page *pages[KASAN_FILL_BATCH];
	unsigned int nr;	/* pages allocated */
	unsigned int used;	/* pages installed in the page table */
};

static int kasan_count_present(pte_t *ptep, unsigned long addr, void *data)
{
	if (!pte_none(ptep_get(ptep)))
		(*(unsigned long *)data)++;
	return 0;
}

/* Whether every page of shadow in [start, end) is already mapped. */
static bool kasan_shadow_present(unsigned long start, unsigned long end)
{
	unsigned long present = 0;

	apply_to_existing_page_range(&init_mm, start, end - start,
				     kasan_count_present, &present);
	return present == (end - start) >> PAGE_SHIFT;
}

/*
 * Called with lazy MMU updates on: no sleeping here, so the pages come
 * allocated. A page a neighbouring area mapped first (or mapped meanwhile,
 * hence the check under the lock) is left as it is, and the page meant for
 * it goes back unused.
 */
static int kasan_fill_pte(pte_t *ptep, unsigned long addr, void *data)
{
	struct kasan_fill *fill = data;
	struct page *page;

	if (likely(!pte_none(ptep_get(ptep))))
		return 0;
	if (WARN_ON_ONCE(fill->used == fill->nr))
		return -ENOMEM;

	spin_lock(&init_mm.page_table_lock);
	if (pte_none(ptep_get(ptep))) {
		page = fill->pages[fill->used++];
		set_pte_at(&init_mm, addr, ptep,
			   pfn_pte(page_to_pfn(page), PAGE_KERNEL));
	}
	spin_unlock(&init_mm.page_table_lock);
	return 0;
}

/* Map the shadow pages of [start, end) (shadow addresses, at most a batch). */
static int kasan_fill_shadow(unsigned long start, unsigned long end, gfp_t gfp)
{
	struct kasan_fill fill = { .nr = (end - start) >> PAGE_SHIFT };
	unsigned int i;
	int ret;

	if (kasan_shadow_present(start, end))
		return 0;

	for (i = 0; i < fill.nr; i++) {
		fill.pages[i] = alloc_page(gfp);
		if (!fill.pages[i]) {
			ret = -ENOMEM;
			goto out;
		}
		/* New shadow says "not mapped"; unpoisoning opens it. */
		__memset(page_address(fill.pages[i]), KASAN_SHADOW_VMALLOC,
			 PAGE_SIZE);
	}

	ret = apply_to_page_range(&init_mm, start, end - start, kasan_fill_pte,
				  &fill);
out:
	/* Unused pages, and on failure the ones not yet installed. */
	for (i = fill.used; i < fill.nr && fill.pages[i]; i++)
		__free_page(fill.pages[i]);
	return ret;
}

/**
 * kasan_populate_vmalloc() - map the shadow of a new vmalloc area
 * @addr: start of the area
 * @size: its size
 * @gfp_mask: the allocation's gfp flags: shadow pages and page tables are
 *            allocated with them (NOFS and NOIO honoured)
 *
 * On failure the pages mapped so far stay: they may be shared with other
 * areas, and are released with the area's range when it is purged.
 *
 * Return: 0, or -ENOMEM.
 */
int kasan_populate_vmalloc(unsigned long addr, unsigned long size,
			   gfp_t gfp_mask)
{
	unsigned long start, end, step;
	unsigned int noio = 0, nofs = 0;
	gfp_t gfp;
	int ret = 0;

	if (!is_vmalloc_or_module_addr((void *)addr))
		return 0;

	start = ALIGN_DOWN((unsigned long)kasan_mem_to_shadow((void *)addr),
			   PAGE_SIZE);
	end = ALIGN((unsigned long)kasan_mem_to_shadow((void *)addr + size),
		    PAGE_SIZE);
	gfp = (gfp_mask & GFP_RECLAIM_MASK) | __GFP_NOWARN;

	/* Page tables are allocated with GFP_KERNEL: scope the caller's limits. */
	if ((gfp_mask & (__GFP_FS | __GFP_IO)) == __GFP_IO)
		nofs = memalloc_nofs_save();
	else if (!(gfp_mask & __GFP_IO))
		noio = memalloc_noio_save();

	for (; start < end && !ret; start += step) {
		step = min_t(unsigned long, end - start,
			     KASAN_FILL_BATCH * PAGE_SIZE);
		ret = kasan_fill_shadow(start, start + step, gfp);
	}

	if ((gfp_mask & (__GFP_FS | __GFP_IO)) == __GFP_IO)
		memalloc_nofs_restore(nofs);
	else if (!(gfp_mask & __GFP_IO))
		memalloc_noio_restore(noio);

	flush_cache_vmap((unsigned long)kasan_mem_to_shadow((void *)addr),
			 (unsigned long)kasan_mem_to_shadow((void *)addr + size));
	return ret;
}

/**
 * kasan_populate_early_vm_area_shadow() - shadow for an early vm area
 * @start: the area's start
 * @size: its size
 *
 * Areas registered before vmalloc is up (the first per-CPU chunk) need
 * their shadow mapped by the architecture; without an implementation of
 * its own, an architecture maps none.
 */
void __init __weak kasan_populate_early_vm_area_shadow(void *start,
						       unsigned long size)
{
}

/* ---- Release -------------------------------------------------------- */

/* Shadow pages unmapped and waiting for a TLB flush before being freed. */
static struct {
	spinlock_t lock;		/* protects the three fields below */
	struct list_head pages;
	unsigned long start, end;	/* shadow range they came from */
} kasan_released = {
	.lock = __SPIN_LOCK_UNLOCKED(kasan_released.lock),
	.pages = LIST_HEAD_INIT(kasan_released.pages),
};

static int kasan_clear_pte(pte_t *ptep, unsigned long addr, void *data)
{
	struct list_head *pages = data;
	pte_t pte;

	spin_lock(&init_mm.page_table_lock);
	pte = ptep_get(ptep);
	if (!pte_none(pte)) {
		pte_clear(&init_mm, addr, ptep);
		list_add(&pte_page(pte)->lru, pages);
	}
	spin_unlock(&init_mm.page_table_lock);
	return 0;
}

static void kasan_unmap_shadow(unsigned long start, unsigned long end)
{
	LIST_HEAD(pages);

	apply_to_existing_page_range(&init_mm, start, end - start,
				     kasan_clear_pte, &pages);
	if (list_empty(&pages))
		return;

	spin_lock(&kasan_released.lock);
	if (list_empty(&kasan_released.pages)) {
		kasan_released.start = start;
		kasan_released.end = end;
	} else {
		kasan_released.start = min(kasan_released.start, start);
		kasan_released.end = max(kasan_released.end, end);
	}
	list_splice(&pages, &kasan_released.pages);
	spin_unlock(&kasan_released.lock);
}

/*
 * Flush over [start, end) and over whatever was unmapped before, then free
 * the pages unmapped so far: the flush of one purge covers the pages of a
 * purge running beside it, which flushes again itself, harmlessly. A purge
 * of a huge area can release thousands of shadow pages: @can_sleep lets
 * the loop reschedule.
 */
static void kasan_flush_and_free(unsigned long start, unsigned long end,
				 bool can_sleep)
{
	unsigned int freed = 0;
	struct page *page, *next;
	LIST_HEAD(pages);

	spin_lock(&kasan_released.lock);
	list_splice_init(&kasan_released.pages, &pages);
	if (!list_empty(&pages)) {
		start = min(start, kasan_released.start);
		end = max(end, kasan_released.end);
	}
	spin_unlock(&kasan_released.lock);

	if (start < end)
		flush_tlb_kernel_range(start, end);

	list_for_each_entry_safe(page, next, &pages, lru) {
		list_del(&page->lru);
		__free_page(page);
		if (can_sleep && !(++freed % 512))
			cond_resched();
	}
}

/**
 * kasan_release_vmalloc() - release the shadow of purged vmalloc space
 * @start: start of the space released
 * @end: its end
 * @free_region_start: start of the free space around it
 * @free_region_end: end of the free space around it
 * @flags: KASAN_VMALLOC_PAGE_RANGE to unmap the shadow pages that only
 *         free space uses, KASAN_VMALLOC_TLB_FLUSH to flush the TLB over
 *         the shadow of [@start, @end) and free the pages unmapped so far
 *
 * A shadow page that [@start, @end) shares with memory outside the free
 * region stays: a live area may use it.
 */
void kasan_release_vmalloc(unsigned long start, unsigned long end,
			   unsigned long free_region_start,
			   unsigned long free_region_end,
			   unsigned long flags)
{
	unsigned long first, last;

	/* The whole shadow pages inside the free region. */
	first = ALIGN(start, KASAN_MEMORY_PER_SHADOW_PAGE);
	if (first - KASAN_MEMORY_PER_SHADOW_PAGE >= free_region_start &&
	    first > start)
		first -= KASAN_MEMORY_PER_SHADOW_PAGE;
	last = ALIGN_DOWN(end, KASAN_MEMORY_PER_SHADOW_PAGE);
	if (last + KASAN_MEMORY_PER_SHADOW_PAGE <= free_region_end &&
	    last < end)
		last += KASAN_MEMORY_PER_SHADOW_PAGE;

	if ((flags & KASAN_VMALLOC_PAGE_RANGE) && first < last)
		kasan_unmap_shadow((unsigned long)kasan_mem_to_shadow((void *)first),
				   (unsigned long)kasan_mem_to_shadow((void *)last));

	/*
	 * The purge (kasan_release_vmalloc_node()) asks for the flush alone,
	 * under vmap_purge_lock, a mutex; pcpu_get_vm_areas() undoing a
	 * failure asks for both at once, under free_vmap_area_lock.
	 */
	if (flags & KASAN_VMALLOC_TLB_FLUSH)
		kasan_flush_and_free(ALIGN_DOWN((unsigned long)kasan_mem_to_shadow((void *)start),
						PAGE_SIZE),
				     ALIGN((unsigned long)kasan_mem_to_shadow((void *)end),
					   PAGE_SIZE),
				     !(flags & KASAN_VMALLOC_PAGE_RANGE));
}

/* ---- Hot-added memory ---------------------------------------------- */

#ifdef CONFIG_MEMORY_HOTPLUG
/*
 * Boot maps shadow for the memory memblock knows only: the shadow of the
 * rest of the linear map is left unmapped. Memory added at run time gets
 * its shadow when a block goes online, with the same population code as
 * vmalloc space (pages tagged "not mapped" until the page allocator opens
 * them), and gives it back when the block goes offline or its onlining is
 * cancelled. Shadow that boot made (memblock pages, reserved) stays when
 * boot memory goes offline: it is not ours to free, and onlining the block
 * again finds it in place.
 */

static int kasan_clear_hotplug_pte(pte_t *ptep, unsigned long addr, void *data)
{
	struct list_head *pages = data;
	pte_t pte = ptep_get(ptep);

	if (pte_none(pte) || PageReserved(pte_page(pte)))
		return 0;
	spin_lock(&init_mm.page_table_lock);
	pte_clear(&init_mm, addr, ptep);
	spin_unlock(&init_mm.page_table_lock);
	list_add(&pte_page(pte)->lru, pages);
	return 0;
}

static void kasan_unmap_hotplug_shadow(unsigned long start, unsigned long end)
{
	struct page *page, *next;
	LIST_HEAD(pages);

	apply_to_existing_page_range(&init_mm, start, end - start,
				     kasan_clear_hotplug_pte, &pages);
	/* Nothing touches offline memory's shadow: one flush, then free. */
	flush_tlb_kernel_range(start, end);
	list_for_each_entry_safe(page, next, &pages, lru) {
		list_del(&page->lru);
		__free_page(page);
		cond_resched();
	}
}

static int kasan_map_hotplug_shadow(unsigned long start, unsigned long end)
{
	unsigned long step;
	int ret = 0;

	for (; start < end && !ret; start += step) {
		step = min_t(unsigned long, end - start,
			     KASAN_FILL_BATCH * PAGE_SIZE);
		ret = kasan_fill_shadow(start, start + step,
					GFP_KERNEL | __GFP_NOWARN);
		cond_resched();
	}
	return ret;
}

/**
 * kasan_memory_event() - map or unmap the shadow of a memory block
 * @nb: the notifier block
 * @action: MEM_GOING_ONLINE maps; MEM_OFFLINE and MEM_CANCEL_ONLINE unmap
 * @data: the struct memory_notify of the block
 *
 * A failed mapping fails the onlining; the core then sends
 * MEM_CANCEL_ONLINE, which frees what was mapped.
 *
 * Return: NOTIFY_OK, or the error wrapped by notifier_from_errno().
 */
int kasan_memory_event(struct notifier_block *nb, unsigned long action,
		       void *data)
{
	const struct memory_notify *mn = data;
	unsigned long start = (unsigned long)pfn_to_kaddr(mn->start_pfn);
	unsigned long end = start + (mn->nr_pages << PAGE_SHIFT);
	unsigned long shadow_start = (unsigned long)kasan_mem_to_shadow((void *)start);
	unsigned long shadow_end = (unsigned long)kasan_mem_to_shadow((void *)end);

	/* Blocks are sections at least: 16 pages of memory per shadow page. */
	if (WARN_ON_ONCE(!IS_ALIGNED(shadow_start | shadow_end, PAGE_SIZE)))
		return notifier_from_errno(-EINVAL);

	switch (action) {
	case MEM_GOING_ONLINE:
		return notifier_from_errno(kasan_map_hotplug_shadow(shadow_start,
								    shadow_end));
	case MEM_CANCEL_ONLINE:
	case MEM_OFFLINE:
		kasan_unmap_hotplug_shadow(shadow_start, shadow_end);
		break;
	}
	return NOTIFY_OK;
}

/* Ahead of every other memory notifier: they may touch the new memory. */
#define KASAN_HOTPLUG_PRI	(MEMTIER_HOTPLUG_PRI + 100)

static int __init kasan_memory_hotplug_init(void)
{
	hotplug_memory_notifier(kasan_memory_event, KASAN_HOTPLUG_PRI);
	return 0;
}
core_initcall(kasan_memory_hotplug_init);
#endif /* CONFIG_MEMORY_HOTPLUG */

/* ---- Tags of mappings ----------------------------------------------- */

/**
 * __kasan_unpoison_vmalloc() - open a new vmalloc mapping
 * @start: the mapping's start
 * @size: the bytes its user asked for (the rest of its pages stays closed)
 * @flags: KASAN_VMALLOC_PROT_NORMAL for data mappings, which alone are
 *         tagged (executable code runs through untagged pointers);
 *         KASAN_VMALLOC_KEEP_TAG to keep @start's tag
 *
 * Return: the pointer the mapping's user must keep, tagged when tagged.
 */
void *__kasan_unpoison_vmalloc(const void *start, unsigned long size,
			       kasan_vmalloc_flags_t flags)
{
	u8 tag;

	if (!is_vmalloc_or_module_addr(start))
		return (void *)start;
	if (!(flags & KASAN_VMALLOC_PROT_NORMAL))
		return (void *)start;

	tag = (flags & KASAN_VMALLOC_KEEP_TAG) ? get_tag(start) :
						 kasan_random_tag();
	start = set_tag(start, tag);
	kasan_unpoison(start, size, false);
	return (void *)start;
}

/**
 * __kasan_poison_vmalloc() - close a vmalloc mapping being unmapped
 * @start: the mapping's start
 * @size: its size
 */
void __kasan_poison_vmalloc(const void *start, unsigned long size)
{
	if (!is_vmalloc_or_module_addr(start))
		return;
	kasan_poison(start, size, KASAN_SHADOW_VMALLOC, false);
}

/**
 * __kasan_unpoison_vmap_areas() - open the areas of one per-CPU chunk
 * @vms: the areas
 * @nr_vms: how many
 * @flags: as for __kasan_unpoison_vmalloc(), without KEEP_TAG
 *
 * The per-CPU allocator computes addresses in every area from one base
 * pointer, so all areas get the tag of the first.
 */
void __kasan_unpoison_vmap_areas(struct vm_struct **vms, int nr_vms,
				 kasan_vmalloc_flags_t flags)
{
	int i;

	if (WARN_ON_ONCE(flags & KASAN_VMALLOC_KEEP_TAG))
		flags &= ~KASAN_VMALLOC_KEEP_TAG;
	if (nr_vms <= 0)
		return;

	vms[0]->addr = __kasan_unpoison_vmalloc(vms[0]->addr, vms[0]->size,
						flags);
	for (i = 1; i < nr_vms; i++)
		vms[i]->addr = __kasan_unpoison_vmalloc(set_tag(vms[i]->addr,
								get_tag(vms[0]->addr)),
							vms[i]->size,
							flags | KASAN_VMALLOC_KEEP_TAG);
}

/**
 * __kasan_vrealloc() - follow a vmalloc area resized in place
 * @start: the area, with its tag
 * @old_size: the size its user had
 * @new_size: the size its user has now
 */
void __kasan_vrealloc(const void *start, unsigned long old_size,
		      unsigned long new_size)
{
	unsigned long keep;

	if (new_size < old_size) {
		keep = round_up(new_size, KASAN_GRANULE_SIZE);
		if (keep < old_size)
			__kasan_poison_vmalloc(start + keep, old_size - keep);
	} else if (new_size > old_size) {
		keep = round_down(old_size, KASAN_GRANULE_SIZE);
		__kasan_unpoison_vmalloc(start + keep, new_size - keep,
					 KASAN_VMALLOC_PROT_NORMAL |
					 KASAN_VMALLOC_VM_ALLOC |
					 KASAN_VMALLOC_KEEP_TAG);
	}
}
