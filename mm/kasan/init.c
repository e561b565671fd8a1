// SPDX-License-Identifier: GPL-2.0
/*
 * The early shadow: one page of shadow and one page table per paging level
 * that, chained together, stand in for any amount of shadow. Architectures map
 * all of the shadow to it before the real shadow exists, and keep it under
 * shadow that is only ever read: the shadow of the shadow, of address space
 * with nothing in it, of memory that memremap() or hotplug adds as ZONE_DEVICE.
 *
 * The architecture chains the tables (each entry of one pointing at the next,
 * each pte at kasan_early_shadow_page, read-only once its shadow is real). The
 * code here only points other page tables at them, and never writes into
 * them: they are shared by every range they cover.
 */

#include <linux/init.h>
#include <linux/kasan.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <linux/pgalloc.h>
#include <linux/slab.h>

#include <asm/tlbflush.h>

#include "kasan.h"

unsigned char kasan_early_shadow_page[PAGE_SIZE] __page_aligned_bss;

/* Only the levels this configuration does not fold have a table. */
pte_t kasan_early_shadow_pte[MAX_PTRS_PER_PTE + PTE_HWTABLE_PTRS]
	__page_aligned_bss;
#if CONFIG_PGTABLE_LEVELS > 2
pmd_t kasan_early_shadow_pmd[MAX_PTRS_PER_PMD] __page_aligned_bss;
#endif
#if CONFIG_PGTABLE_LEVELS > 3
pud_t kasan_early_shadow_pud[MAX_PTRS_PER_PUD] __page_aligned_bss;
#endif
#if CONFIG_PGTABLE_LEVELS > 4
p4d_t kasan_early_shadow_p4d[MAX_PTRS_PER_P4D] __page_aligned_bss;
#endif

/* The struct page of one of the tables above, which live in the image. */
#define kasan_image_page(sym)	pfn_to_page(PHYS_PFN(__pa_symbol(sym)))

/* ---- Recognising the early shadow ------------------------------------- */

/*
 * Whether an entry points at the early table of the level below. These are
 * only asked about entries that are present; a level the configuration
 * folds never points at an early table of its own.
 */
static bool kasan_pte_is_early(pte_t pte)
{
	return pte_pfn(pte) == PHYS_PFN(__pa_symbol(kasan_early_shadow_page));
}

static bool kasan_pmd_is_early(pmd_t pmd)
{
	return pmd_page(pmd) == kasan_image_page(kasan_early_shadow_pte);
}

static bool kasan_pud_is_early(pud_t pud)
{
#if CONFIG_PGTABLE_LEVELS > 2
	return pud_page(pud) == kasan_image_page(kasan_early_shadow_pmd);
#else
	return false;
#endif
}

static bool kasan_p4d_is_early(p4d_t p4d)
{
#if CONFIG_PGTABLE_LEVELS > 3
	return p4d_page(p4d) == kasan_image_page(kasan_early_shadow_pud);
#else
	return false;
#endif
}

static bool kasan_pgd_is_early(pgd_t pgd)
{
#if CONFIG_PGTABLE_LEVELS > 4
	return pgd_page(pgd) == kasan_image_page(kasan_early_shadow_p4d);
#else
	return false;
#endif
}

/* Whether [@addr, @next) is all of the @size-aligned block it starts. */
static bool kasan_spans_block(unsigned long addr, unsigned long next,
			      unsigned long size)
{
	return IS_ALIGNED(addr, size) && next - addr == size;
}

/* ---- Mapping the early shadow ----------------------------------------- */

/*
 * A none entry whose whole range is to read as early shadow points straight
 * at the early table below it. The entry itself is in a table of ours (or
 * the kernel's), never in an early one, because the walk below never
 * descends into an early table.
 */
static void kasan_pmd_use_early(pmd_t *pmdp)
{
	pmd_populate_kernel(&init_mm, pmdp, lm_alias(kasan_early_shadow_pte));
}

static void kasan_pud_use_early(pud_t *pudp)
{
#if CONFIG_PGTABLE_LEVELS > 2
	pud_populate(&init_mm, pudp, lm_alias(kasan_early_shadow_pmd));
#endif
}

static void kasan_p4d_use_early(p4d_t *p4dp, unsigned long addr)
{
#if CONFIG_PGTABLE_LEVELS > 3
	p4d_populate_kernel(addr, p4dp, lm_alias(kasan_early_shadow_pud));
#endif
}

static void kasan_pgd_use_early(pgd_t *pgdp, unsigned long addr)
{
#if CONFIG_PGTABLE_LEVELS > 4
	pgd_populate_kernel(addr, pgdp, lm_alias(kasan_early_shadow_p4d));
#endif
}

/* During boot the tables come from memblock, zeroed, that is empty. */
static void * __init kasan_boot_table(void)
{
	void *table = memblock_alloc(PAGE_SIZE, PAGE_SIZE);

	if (!table)
		panic("kasan: out of memory for a shadow page table\n");
	return table;
}

/*
 * Give a none entry a private table for the level below, for a range only
 * partly covered. Once the page allocator is up, the mm helpers allocate the
 * table (with the constructor its level's *_free() expects) and install it
 * under init_mm's page_table_lock.
 */
static int __ref kasan_pmd_new_table(pmd_t *pmdp, unsigned long addr)
{
	if (slab_is_available())
		return pte_alloc_kernel(pmdp, addr) ? 0 : -ENOMEM;
	pmd_populate_kernel(&init_mm, pmdp, kasan_boot_table());
	return 0;
}

static int __ref kasan_pud_new_table(pud_t *pudp, unsigned long addr)
{
	if (slab_is_available())
		return pmd_alloc(&init_mm, pudp, addr) ? 0 : -ENOMEM;
	pud_populate(&init_mm, pudp, kasan_boot_table());
	return 0;
}

static int __ref kasan_p4d_new_table(p4d_t *p4dp, unsigned long addr)
{
	if (slab_is_available())
		return pud_alloc(&init_mm, p4dp, addr) ? 0 : -ENOMEM;
	p4d_populate_kernel(addr, p4dp, kasan_boot_table());
	return 0;
}

static int __ref kasan_pgd_new_table(pgd_t *pgdp, unsigned long addr)
{
	if (slab_is_available())
		return p4d_alloc(&init_mm, pgdp, addr) ? 0 : -ENOMEM;
	pgd_populate_kernel(addr, pgdp, kasan_boot_table());
	return 0;
}

/*
 * The levels of the walk. Each one maps what is not mapped yet and leaves
 * alone what is: real shadow that shares a page or a table with the range,
 * and ranges already reading as early shadow. Folded levels need no care:
 * their none test is false, so the walk passes through them to the level
 * that holds the entry.
 */
static void kasan_fill_pte(pmd_t *pmdp, unsigned long addr, unsigned long end)
{
	pte_t early = pfn_pte(PHYS_PFN(__pa_symbol(kasan_early_shadow_page)),
			      PAGE_KERNEL);
	pte_t *ptep = pte_offset_kernel(pmdp, addr);

	/* The page is shared by all of the early shadow: nobody may write it. */
	early = pte_wrprotect(early);

	for (; addr != end; addr += PAGE_SIZE, ptep++) {
		if (pte_none(ptep_get(ptep)))
			set_pte_at(&init_mm, addr, ptep, early);
	}
}

static int __ref kasan_fill_pmd(pud_t *pudp, unsigned long addr,
				unsigned long end)
{
	pmd_t *pmdp = pmd_offset(pudp, addr);
	unsigned long stop;
	int err;

	for (; addr != end; addr = stop, pmdp++) {
		pmd_t val = pmdp_get(pmdp);

		stop = pmd_addr_end(addr, end);
		if (pmd_none(val)) {
			if (kasan_spans_block(addr, stop, PMD_SIZE)) {
				kasan_pmd_use_early(pmdp);
				continue;
			}
			err = kasan_pmd_new_table(pmdp, addr);
			if (err)
				return err;
		} else if (kasan_pmd_is_early(val)) {
			continue;
		}
		kasan_fill_pte(pmdp, addr, stop);
	}
	return 0;
}

static int __ref kasan_fill_pud(p4d_t *p4dp, unsigned long addr,
				unsigned long end)
{
	pud_t *pudp = pud_offset(p4dp, addr);
	unsigned long stop;
	int err;

	for (; addr != end; addr = stop, pudp++) {
		pud_t val = pudp_get(pudp);

		stop = pud_addr_end(addr, end);
		if (pud_none(val)) {
			if (kasan_spans_block(addr, stop, PUD_SIZE)) {
				kasan_pud_use_early(pudp);
				continue;
			}
			err = kasan_pud_new_table(pudp, addr);
			if (err)
				return err;
		} else if (kasan_pud_is_early(val)) {
			continue;
		}
		err = kasan_fill_pmd(pudp, addr, stop);
		if (err)
			return err;
	}
	return 0;
}

static int __ref kasan_fill_p4d(pgd_t *pgdp, unsigned long addr,
				unsigned long end)
{
	p4d_t *p4dp = p4d_offset(pgdp, addr);
	unsigned long stop;
	int err;

	for (; addr != end; addr = stop, p4dp++) {
		p4d_t val = p4dp_get(p4dp);

		stop = p4d_addr_end(addr, end);
		if (p4d_none(val)) {
			if (kasan_spans_block(addr, stop, P4D_SIZE)) {
				kasan_p4d_use_early(p4dp, addr);
				continue;
			}
			err = kasan_p4d_new_table(p4dp, addr);
			if (err)
				return err;
		} else if (kasan_p4d_is_early(val)) {
			continue;
		}
		err = kasan_fill_pud(p4dp, addr, stop);
		if (err)
			return err;
	}
	return 0;
}

/**
 * kasan_populate_early_shadow - map shadow to the early shadow page
 * @shadow_start: start of the shadow range
 * @shadow_end: end of the shadow range (exclusive)
 *
 * Maps [@shadow_start, @shadow_end) of init_mm to kasan_early_shadow_page,
 * read-only, pointing whole tables' worth of it at the early tables and
 * allocating tables only where the range covers part of one (from memblock
 * while the kernel boots, from the page allocator later). A page only partly
 * in the range is mapped too, unless something already maps it: anything
 * already mapped in the range, real shadow included, is left as it is. The
 * architecture must have chained the early tables beforehand. Callers
 * serialise: boot is single-threaded, hotplug holds its own locks.
 *
 * Return: 0, or -ENOMEM if a page table could not be allocated (after boot;
 * during boot that panics). What was mapped before the failure stays mapped.
 */
int __ref kasan_populate_early_shadow(const void *shadow_start,
				      const void *shadow_end)
{
	unsigned long addr = ALIGN_DOWN((unsigned long)shadow_start, PAGE_SIZE);
	unsigned long end = PAGE_ALIGN((unsigned long)shadow_end);
	unsigned long stop;
	pgd_t *pgdp;
	int err;

	if (addr >= end)
		return 0;

	pgdp = pgd_offset_k(addr);
	for (; addr != end; addr = stop, pgdp++) {
		pgd_t val = pgdp_get(pgdp);

		stop = pgd_addr_end(addr, end);
		if (pgd_none(val)) {
			if (kasan_spans_block(addr, stop, PGDIR_SIZE)) {
				kasan_pgd_use_early(pgdp, addr);
				continue;
			}
			err = kasan_pgd_new_table(pgdp, addr);
			if (err)
				return err;
		} else if (kasan_pgd_is_early(val)) {
			continue;
		}
		err = kasan_fill_p4d(pgdp, addr, stop);
		if (err)
			return err;
	}
	return 0;
}

/* ---- Unmapping it again (memory hot-remove, memunmap) ----------------- */

/*
 * A table left empty is unhooked and freed. Tables from memblock (boot) are
 * reserved pages the page allocator must not get back, and the early tables
 * are never reached; neither is freed. The TLB is flushed over the table's
 * span between unhooking and freeing, so that no walk cache still points
 * into a page that is about to be reused.
 */
static bool kasan_ptes_empty(pte_t *table)
{
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++)
		if (!pte_none(ptep_get(table + i)))
			return false;
	return true;
}

static bool kasan_pmds_empty(pmd_t *table)
{
	int i;

	for (i = 0; i < PTRS_PER_PMD; i++)
		if (!pmd_none(pmdp_get(table + i)))
			return false;
	return true;
}

static bool kasan_puds_empty(pud_t *table)
{
	int i;

	for (i = 0; i < PTRS_PER_PUD; i++)
		if (!pud_none(pudp_get(table + i)))
			return false;
	return true;
}

static bool kasan_p4ds_empty(p4d_t *table)
{
	int i;

	for (i = 0; i < PTRS_PER_P4D; i++)
		if (!p4d_none(p4dp_get(table + i)))
			return false;
	return true;
}

static bool kasan_table_from_boot(const void *table)
{
	return PageReserved(virt_to_page(table));
}

static void kasan_flush_span(unsigned long addr, unsigned long size)
{
	unsigned long start = ALIGN_DOWN(addr, size);

	flush_tlb_kernel_range(start, start + size);
}

static void kasan_drop_pte_table(pmd_t *pmdp, unsigned long addr)
{
	pte_t *table = pte_offset_kernel(pmdp, 0);

	if (!kasan_ptes_empty(table) || kasan_table_from_boot(table))
		return;
	pmd_clear(pmdp);
	kasan_flush_span(addr, PMD_SIZE);
	pte_free_kernel(&init_mm, table);
}

static void kasan_drop_pmd_table(pud_t *pudp, unsigned long addr)
{
	pmd_t *table = pmd_offset(pudp, 0);

	if (mm_pmd_folded(&init_mm))
		return;
	if (!kasan_pmds_empty(table) || kasan_table_from_boot(table))
		return;
	pud_clear(pudp);
	kasan_flush_span(addr, PUD_SIZE);
	pmd_free(&init_mm, table);
}

static void kasan_drop_pud_table(p4d_t *p4dp, unsigned long addr)
{
	pud_t *table = pud_offset(p4dp, 0);

	if (mm_pud_folded(&init_mm))
		return;
	if (!kasan_puds_empty(table) || kasan_table_from_boot(table))
		return;
	p4d_clear(p4dp);
	kasan_flush_span(addr, P4D_SIZE);
	pud_free(&init_mm, table);
}

static void kasan_drop_p4d_table(pgd_t *pgdp, unsigned long addr)
{
	p4d_t *table = p4d_offset(pgdp, 0);

	if (mm_p4d_folded(&init_mm))
		return;
	if (!kasan_p4ds_empty(table) || kasan_table_from_boot(table))
		return;
	pgd_clear(pgdp);
	kasan_flush_span(addr, PGDIR_SIZE);
	p4d_free(&init_mm, table);
}

/*
 * The levels of the removal. An entry pointing at an early table is cleared
 * when the range covers all of it; when the range covers only part of it, it
 * stays: unmapping a part would mean writing into the shared table, and
 * leaving it costs nothing, since the page it maps is read-only and never
 * freed.
 */
static void kasan_clear_pte(pmd_t *pmdp, unsigned long addr, unsigned long end)
{
	pte_t *ptep = pte_offset_kernel(pmdp, addr);

	for (; addr != end; addr += PAGE_SIZE, ptep++) {
		pte_t val = ptep_get(ptep);

		if (pte_none(val))
			continue;
		/* Real shadow is its owner's to unmap, not ours. */
		if (WARN_ON_ONCE(!kasan_pte_is_early(val)))
			continue;
		pte_clear(&init_mm, addr, ptep);
	}
}

static void kasan_clear_pmd(pud_t *pudp, unsigned long addr, unsigned long end)
{
	pmd_t *pmdp = pmd_offset(pudp, addr);
	unsigned long stop;

	for (; addr != end; addr = stop, pmdp++) {
		pmd_t val = pmdp_get(pmdp);

		stop = pmd_addr_end(addr, end);
		if (pmd_none(val))
			continue;
		if (kasan_pmd_is_early(val)) {
			if (kasan_spans_block(addr, stop, PMD_SIZE))
				pmd_clear(pmdp);
			continue;
		}
		kasan_clear_pte(pmdp, addr, stop);
		kasan_drop_pte_table(pmdp, addr);
	}
}

static void kasan_clear_pud(p4d_t *p4dp, unsigned long addr, unsigned long end)
{
	pud_t *pudp = pud_offset(p4dp, addr);
	unsigned long stop;

	for (; addr != end; addr = stop, pudp++) {
		pud_t val = pudp_get(pudp);

		stop = pud_addr_end(addr, end);
		if (pud_none(val))
			continue;
		if (kasan_pud_is_early(val)) {
			if (kasan_spans_block(addr, stop, PUD_SIZE))
				pud_clear(pudp);
			continue;
		}
		kasan_clear_pmd(pudp, addr, stop);
		kasan_drop_pmd_table(pudp, addr);
	}
}

static void kasan_clear_p4d(pgd_t *pgdp, unsigned long addr, unsigned long end)
{
	p4d_t *p4dp = p4d_offset(pgdp, addr);
	unsigned long stop;

	for (; addr != end; addr = stop, p4dp++) {
		p4d_t val = p4dp_get(p4dp);

		stop = p4d_addr_end(addr, end);
		if (p4d_none(val))
			continue;
		if (kasan_p4d_is_early(val)) {
			if (kasan_spans_block(addr, stop, P4D_SIZE))
				p4d_clear(p4dp);
			continue;
		}
		kasan_clear_pud(p4dp, addr, stop);
		kasan_drop_pud_table(p4dp, addr);
	}
}

/* Memory given zero shadow comes in whole shadow pages. */
static bool kasan_zero_shadow_aligned(const void *start, unsigned long size)
{
	return !WARN_ON(!IS_ALIGNED((unsigned long)start,
				    KASAN_MEMORY_PER_SHADOW_PAGE) ||
			!IS_ALIGNED(size, KASAN_MEMORY_PER_SHADOW_PAGE));
}

/**
 * kasan_remove_zero_shadow - unmap the early shadow of a range of memory
 * @start: start of the memory (not of its shadow); a multiple of
 *         KASAN_MEMORY_PER_SHADOW_PAGE
 * @size: its size, a multiple of KASAN_MEMORY_PER_SHADOW_PAGE
 *
 * Undoes kasan_add_zero_shadow(): the shadow of [@start, @start + @size) that
 * maps the early shadow page is unmapped, and the page tables left empty are
 * freed. Shadow mapping anything else is left alone, with a warning. A
 * misaligned range is refused with a warning.
 */
void kasan_remove_zero_shadow(void *start, unsigned long size)
{
	unsigned long addr, end, stop;
	pgd_t *pgdp;

	if (!kasan_zero_shadow_aligned(start, size))
		return;

	addr = (unsigned long)kasan_shadow_of(start);
	end = addr + size / KASAN_GRANULE_SIZE;
	if (addr == end)
		return;

	pgdp = pgd_offset_k(addr);
	for (; addr != end; addr = stop, pgdp++) {
		pgd_t val = pgdp_get(pgdp);

		stop = pgd_addr_end(addr, end);
		if (pgd_none(val))
			continue;
		if (kasan_pgd_is_early(val)) {
			if (kasan_spans_block(addr, stop, PGDIR_SIZE))
				pgd_clear(pgdp);
			continue;
		}
		kasan_clear_p4d(pgdp, addr, stop);
		kasan_drop_p4d_table(pgdp, addr);
	}

	/* The cleared leaves: a later real mapping must not find them cached. */
	addr = (unsigned long)kasan_shadow_of(start);
	flush_tlb_kernel_range(addr, end);
}

/**
 * kasan_add_zero_shadow - map the shadow of a range of memory to the early page
 * @start: start of the memory (not of its shadow); a multiple of
 *         KASAN_MEMORY_PER_SHADOW_PAGE
 * @size: its size, a multiple of KASAN_MEMORY_PER_SHADOW_PAGE
 *
 * For memory that gets a linear mapping but whose accesses KASAN does not
 * track (ZONE_DEVICE ranges added by memremap_pages(), hotplugged memory
 * before it is onlined): its shadow reads as the early shadow page.
 *
 * Return: 0; -EINVAL, with a warning, for a misaligned range; -ENOMEM if a
 * page table could not be allocated, in which case nothing stays mapped.
 */
int kasan_add_zero_shadow(void *start, unsigned long size)
{
	u8 *shadow = kasan_shadow_of(start);
	int err;

	if (!kasan_zero_shadow_aligned(start, size))
		return -EINVAL;

	err = kasan_populate_early_shadow(shadow,
					  shadow + size / KASAN_GRANULE_SIZE);
	if (err)
		kasan_remove_zero_shadow(start, size);
	return err;
}
