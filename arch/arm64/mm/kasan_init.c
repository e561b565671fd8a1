// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shadow of arm64's kernel address space, [KASAN_SHADOW_START,
 * KASAN_SHADOW_END). head.S maps all of it to the early shadow page before
 * start_kernel(); setup_arch() then replaces that with real shadow for the
 * kernel image and for memory, keeps the early page under the rest, and
 * leaves the vmalloc and module area's shadow to mm/kasan/vmalloc.c, which
 * maps it as areas are allocated.
 */

#include <linux/init.h>
#include <linux/kasan.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/sched/task.h>
#include <linux/string.h>

#include <asm/mmu_context.h>
#include <asm/pgalloc.h>
#include <asm/sections.h>
#include <asm/tlbflush.h>

#if IS_ENABLED(CONFIG_KASAN_GENERIC) || IS_ENABLED(CONFIG_KASAN_SW_TAGS)

/*
 * Layout invariants, checked in kasan_early_init().
 *
 * Both ends of the shadow are aligned to what one entry of the level below
 * the root covers, with as many levels as this configuration can use. So at
 * most the two root entries holding the ends are shared with other mappings
 * (the linear map below, the modules and the kernel image above), and below
 * those every entry is wholly shadow or wholly not. When LPA2 folds a level
 * away at boot, the level below the root becomes the root, and the ends are
 * aligned to it.
 */
#define KASAN_SHADOW_ALIGN	(PGDIR_SIZE >> (PAGE_SHIFT - 3))

/*
 * How many ends of the shadow can share a root entry with another mapping:
 * the start (for either VA size) and the end. At least one table is kept,
 * so that the array below always has an element to name.
 */
#define KASAN_ROOT_SHARED(addr)	(!IS_ALIGNED((addr), PGDIR_SIZE))
#define KASAN_NR_SHARED_ROOTS					\
	((KASAN_ROOT_SHARED(_KASAN_SHADOW_START(VA_BITS)) ||	\
	  KASAN_ROOT_SHARED(_KASAN_SHADOW_START(VA_BITS_MIN))) +	\
	 KASAN_ROOT_SHARED(KASAN_SHADOW_END))
#define KASAN_NR_ROOT_TABLES	(KASAN_NR_SHARED_ROOTS ? KASAN_NR_SHARED_ROOTS : 1)

/*
 * The early tables' physical addresses, for the table entries of the level
 * above them. A folded level has none; no entry ever points at it.
 */
#define KASAN_EARLY_PTE_PA	__pa_symbol(kasan_early_shadow_pte)
#if CONFIG_PGTABLE_LEVELS > 2
#define KASAN_EARLY_PMD_PA	__pa_symbol(kasan_early_shadow_pmd)
#else
#define KASAN_EARLY_PMD_PA	0
#endif
#if CONFIG_PGTABLE_LEVELS > 3
#define KASAN_EARLY_PUD_PA	__pa_symbol(kasan_early_shadow_pud)
#else
#define KASAN_EARLY_PUD_PA	0
#endif
#if CONFIG_PGTABLE_LEVELS > 4
#define KASAN_EARLY_P4D_PA	__pa_symbol(kasan_early_shadow_p4d)
#else
#define KASAN_EARLY_P4D_PA	0
#endif

/*
 * Where a walk of kasan_map_shadow() gets its tables and pages from.
 *
 * Early (from head.S, MMU on, only the kernel image mapped): the shared early
 * tables and page, reached through the kernel image.
 *
 * Real (setup_arch() and later, with the linear map and memblock): fresh
 * zeroed tables and fresh shadow pages from memblock on node @nid, reached
 * through the linear map.
 */
struct kasan_shadow_src {
	bool early;
	int nid;
};

/*
 * The tables of the root entries the shadow shares with other mappings, when
 * nothing mapped them before kasan_early_init(): the first for the start of
 * the shadow, the last for its end. They must not be early tables, which
 * are shared by all of the shadow, because the linear map (or modules) will
 * be mapped through them. They stay in swapper_pg_dir for good.
 */
static pte_t kasan_root_tables[KASAN_NR_ROOT_TABLES][PTRS_PER_PTE]
	__page_aligned_bss;

static void * __init kasan_memblock_page(int nid, bool zeroed)
{
	void *page;

	/* Shadow is never scanned for pointers: keep it out of kmemleak. */
	if (zeroed)
		page = memblock_alloc_try_nid(PAGE_SIZE, PAGE_SIZE,
					      MEMBLOCK_LOW_LIMIT,
					      MEMBLOCK_ALLOC_NOLEAKTRACE, nid);
	else
		page = memblock_alloc_try_nid_raw(PAGE_SIZE, PAGE_SIZE,
						  MEMBLOCK_LOW_LIMIT,
						  MEMBLOCK_ALLOC_NOLEAKTRACE,
						  nid);
	if (!page)
		panic("kasan: out of memory for shadow on node %d\n", nid);
	return page;
}

static phys_addr_t __init kasan_new_table(int nid)
{
	return __pa(kasan_memblock_page(nid, true));
}

/*
 * Real shadow starts out as KASAN_SHADOW_INIT, the invalid tag: memory the
 * page allocator has not handed out yet must not be reachable through any
 * tagged pointer, and the allocator retags pages as it hands them out. The
 * memory in use before that (the kernel image, its stacks, memblock
 * allocations, the per-cpu areas) is reached through pointers carrying the
 * match-all tag 0xff, which no shadow value rejects.
 *
 * Pages for @nr ptes in a row come from one memblock allocation when it can
 * be had: a memblock allocation costs a couple of thousand instructions
 * (16484 of them made a sixth of the boot's instructions before time_init()
 * on a 1 GiB machine), and a pmd's worth of shadow is only 2 MiB. Return:
 * the physical address of the first page; @nr is cut to what was had.
 */
static phys_addr_t __init kasan_new_shadow_pages(const struct kasan_shadow_src *src,
						 unsigned long *nr)
{
	void *pages = NULL;

	if (src->early) {
		*nr = 1;
		return __pa_symbol(kasan_early_shadow_page);
	}

	if (*nr > 1)
		pages = memblock_alloc_try_nid_raw(*nr * PAGE_SIZE, PAGE_SIZE,
						   MEMBLOCK_LOW_LIMIT,
						   MEMBLOCK_ALLOC_NOLEAKTRACE,
						   src->nid);
	if (!pages) {
		*nr = 1;
		pages = kasan_memblock_page(src->nid, false);
	}
	memset(pages, KASAN_SHADOW_INIT, *nr * PAGE_SIZE);
	return __pa(pages);
}

/* Whether [@addr, @next) is all of the @size-aligned block it starts. */
static bool __init kasan_spans_block(unsigned long addr, unsigned long next,
				     unsigned long size)
{
	return IS_ALIGNED(addr, size) && next - addr == size;
}

/* ---- One walk for both kinds of shadow -------------------------------- */

/*
 * At every level, a none entry gets, in an early walk, the shared early table
 * (and the walk stops there), in a real walk a new table. An early walk
 * never meets a none entry it covers only partly: below the root the layout
 * invariants rule that out, and the shared root entries got a table of their
 * own beforehand. Should it meet one anyway, the entry stays none rather
 * than let the shared tables be written through. Entries already present are
 * walked through, and present ptes are kept: two memory ranges, or the
 * kernel image and a range, may share a shadow page. A level folded at
 * build time or at boot (LPA2) reads as present, so the walk goes through it
 * to the level holding the entry; its *_populate() is never reached.
 */
static void __init kasan_map_pte(pmd_t *pmdp, unsigned long addr,
				 unsigned long end,
				 const struct kasan_shadow_src *src)
{
	pte_t *ptep = src->early ? pte_offset_kimg(pmdp, addr)
				 : pte_offset_kernel(pmdp, addr);
	unsigned long nr, i;
	phys_addr_t pa;

	while (addr != end) {
		if (!pte_none(__ptep_get(ptep))) {
			addr += PAGE_SIZE;
			ptep++;
			continue;
		}
		/* The run of none ptes from here, mapped from one allocation. */
		for (nr = 1; !src->early && addr + nr * PAGE_SIZE != end; nr++)
			if (!pte_none(__ptep_get(ptep + nr)))
				break;
		pa = kasan_new_shadow_pages(src, &nr);
		for (i = 0; i < nr; i++, addr += PAGE_SIZE, ptep++)
			__set_pte(ptep, pfn_pte(__phys_to_pfn(pa + i * PAGE_SIZE),
						PAGE_KERNEL));
	}
}

static void __init kasan_map_pmd(pud_t *pudp, unsigned long addr,
				 unsigned long end,
				 const struct kasan_shadow_src *src)
{
	pmd_t *pmdp = src->early ? pmd_offset_kimg(pudp, addr)
				 : pmd_offset(pudp, addr);
	unsigned long next;

	for (; addr != end; addr = next, pmdp++) {
		next = pmd_addr_end(addr, end);
		if (pmd_none(READ_ONCE(*pmdp))) {
			if (src->early) {
				if (kasan_spans_block(addr, next, PMD_SIZE))
					__pmd_populate(pmdp, KASAN_EARLY_PTE_PA,
						       PMD_TYPE_TABLE | PMD_TABLE_UXN);
				continue;
			}
			__pmd_populate(pmdp, kasan_new_table(src->nid),
				       PMD_TYPE_TABLE | PMD_TABLE_UXN);
		}
		kasan_map_pte(pmdp, addr, next, src);
	}
}

static void __init kasan_map_pud(p4d_t *p4dp, unsigned long addr,
				 unsigned long end,
				 const struct kasan_shadow_src *src)
{
	pud_t *pudp = src->early ? pud_offset_kimg(p4dp, addr)
				 : pud_offset(p4dp, addr);
	unsigned long next;

	for (; addr != end; addr = next, pudp++) {
		next = pud_addr_end(addr, end);
		if (pud_none(READ_ONCE(*pudp))) {
			if (src->early) {
				if (kasan_spans_block(addr, next, PUD_SIZE))
					__pud_populate(pudp, KASAN_EARLY_PMD_PA,
						       PUD_TYPE_TABLE | PUD_TABLE_UXN);
				continue;
			}
			__pud_populate(pudp, kasan_new_table(src->nid),
				       PUD_TYPE_TABLE | PUD_TABLE_UXN);
		}
		kasan_map_pmd(pudp, addr, next, src);
	}
}

static void __init kasan_map_p4d(pgd_t *pgdp, unsigned long addr,
				 unsigned long end,
				 const struct kasan_shadow_src *src)
{
	p4d_t *p4dp = src->early ? p4d_offset_kimg(pgdp, addr)
				 : p4d_offset(pgdp, addr);
	unsigned long next;

	for (; addr != end; addr = next, p4dp++) {
		next = p4d_addr_end(addr, end);
		if (p4d_none(READ_ONCE(*p4dp))) {
			if (src->early) {
				if (kasan_spans_block(addr, next, P4D_SIZE))
					__p4d_populate(p4dp, KASAN_EARLY_PUD_PA,
						       P4D_TYPE_TABLE | P4D_TABLE_UXN);
				continue;
			}
			__p4d_populate(p4dp, kasan_new_table(src->nid),
				       P4D_TYPE_TABLE | P4D_TABLE_UXN);
		}
		kasan_map_pud(p4dp, addr, next, src);
	}
}

/* Map the page-aligned shadow range [@addr, @end) of swapper_pg_dir. */
static void __init kasan_map_shadow(unsigned long addr, unsigned long end,
				    const struct kasan_shadow_src *src)
{
	pgd_t *pgdp = pgd_offset_k(addr);
	unsigned long next;

	for (; addr != end; addr = next, pgdp++) {
		next = pgd_addr_end(addr, end);
		if (pgd_none(READ_ONCE(*pgdp))) {
			if (src->early) {
				if (kasan_spans_block(addr, next, PGDIR_SIZE))
					__pgd_populate(pgdp, KASAN_EARLY_P4D_PA,
						       PGD_TYPE_TABLE | PGD_TABLE_UXN);
				continue;
			}
			__pgd_populate(pgdp, kasan_new_table(src->nid),
				       PGD_TYPE_TABLE | PGD_TABLE_UXN);
		}
		kasan_map_p4d(pgdp, addr, next, src);
	}
}

/* Real shadow, on @nid, for the shadow range [@start, @end). */
static void __init kasan_map_real_shadow(const void *start, const void *end,
					 int nid)
{
	const struct kasan_shadow_src real = { .early = false, .nid = nid };

	kasan_map_shadow(ALIGN_DOWN((unsigned long)start, PAGE_SIZE),
			 PAGE_ALIGN((unsigned long)end), &real);
}

/* ---- Root entries ---------------------------------------------------- */

/*
 * The entry of swapper_pg_dir the walk for @addr starts at, and the log2 of
 * the range it covers: a pgd, or with levels folded (at build time, or at
 * boot by LPA2) the p4d, pud or pmd entry that lives in the same table. The
 * folded *_offset() helpers only compute, they read nothing.
 */
static pgd_t * __init kasan_root_entry(unsigned long addr, unsigned int *shift)
{
	pgd_t *pgdp = pgd_offset_k(addr);
	p4d_t *p4dp;
	pud_t *pudp;

	*shift = PGDIR_SHIFT;
	if (!mm_p4d_folded(&init_mm))
		return pgdp;

	p4dp = p4d_offset(pgdp, addr);
	*shift = P4D_SHIFT;
	if (!mm_pud_folded(&init_mm))
		return (pgd_t *)p4dp;

	pudp = pud_offset(p4dp, addr);
	*shift = PUD_SHIFT;
	if (!mm_pmd_folded(&init_mm))
		return (pgd_t *)pudp;

	*shift = PMD_SHIFT;
	return (pgd_t *)pmd_offset(pudp, addr);
}

/* The end of the @size-aligned block holding @addr, or @end if sooner. */
static unsigned long __init kasan_block_end(unsigned long addr,
					    unsigned long end,
					    unsigned long size)
{
	unsigned long boundary = ALIGN_DOWN(addr, size) + size;

	/* Compare one below, so that a block ending at 2^64 (0) works. */
	return boundary - 1 < end - 1 ? boundary : end;
}

/* The table a root table entry points at, through the linear map. */
static u64 * __init kasan_root_child(pgd_t entry)
{
	return __va(__pgd_to_phys(entry));
}

/* ---- Early: before start_kernel() ------------------------------------- */

/*
 * Chain the early tables: every entry of each points at the next one down,
 * every pte at kasan_early_shadow_page, writable until kasan_init() (stack
 * instrumentation writes tags through it before then).
 */
static void __init kasan_chain_early_tables(void)
{
	pte_t page = pfn_pte(sym_to_pfn(kasan_early_shadow_page), PAGE_KERNEL);
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++)
		__set_pte(&kasan_early_shadow_pte[i], page);
#if CONFIG_PGTABLE_LEVELS > 2
	for (i = 0; i < PTRS_PER_PMD; i++)
		__pmd_populate(&kasan_early_shadow_pmd[i], KASAN_EARLY_PTE_PA,
			       PMD_TYPE_TABLE | PMD_TABLE_UXN);
#endif
#if CONFIG_PGTABLE_LEVELS > 3
	for (i = 0; i < PTRS_PER_PUD; i++)
		__pud_populate(&kasan_early_shadow_pud[i], KASAN_EARLY_PMD_PA,
			       PUD_TYPE_TABLE | PUD_TABLE_UXN);
#endif
#if CONFIG_PGTABLE_LEVELS > 4
	for (i = 0; i < PTRS_PER_P4D; i++)
		__p4d_populate(&kasan_early_shadow_p4d[i], KASAN_EARLY_PUD_PA,
			       P4D_TYPE_TABLE | P4D_TABLE_UXN);
#endif
}

/*
 * Give the root entry holding @addr a private @table if @addr splits it and
 * nothing maps it yet (the start of the shadow, beside the linear map still
 * to come). The end's root entry, when split, already holds the kernel
 * image's table.
 */
static void __init kasan_early_split_root(unsigned long addr, pte_t *table)
{
	unsigned int shift;
	pgd_t *entryp = kasan_root_entry(addr, &shift);

	if (IS_ALIGNED(addr, BIT(shift)) || pgd_val(READ_ONCE(*entryp)))
		return;
	set_swapper_pgd(entryp, __pgd(__phys_to_pgd_val(__pa_symbol(table)) |
				      PGD_TYPE_TABLE | PGD_TABLE_UXN));
}

/**
 * kasan_early_init - map all of the shadow to the early shadow page
 *
 * Called from head.S (__primary_switched) with the MMU on and only the
 * kernel image mapped, before start_kernel(), so that instrumented code can
 * run at all. Nothing is reported until kasan_init(): init_task starts with
 * a kasan_depth of 1.
 */
asmlinkage void __init kasan_early_init(void)
{
	const struct kasan_shadow_src early = { .early = true,
						.nid = NUMA_NO_NODE };

	/* The shadow of the last byte of the address space ends the shadow. */
	BUILD_BUG_ON(KASAN_SHADOW_END - 1 !=
		     (ULONG_MAX >> KASAN_SHADOW_SCALE_SHIFT) + KASAN_SHADOW_OFFSET);
	BUILD_BUG_ON(!IS_ALIGNED(_KASAN_SHADOW_START(VA_BITS), KASAN_SHADOW_ALIGN));
	BUILD_BUG_ON(!IS_ALIGNED(_KASAN_SHADOW_START(VA_BITS_MIN),
				 KASAN_SHADOW_ALIGN));
	BUILD_BUG_ON(!IS_ALIGNED(KASAN_SHADOW_END, KASAN_SHADOW_ALIGN));

	kasan_chain_early_tables();
	kasan_early_split_root(KASAN_SHADOW_START, kasan_root_tables[0]);
	kasan_early_split_root(KASAN_SHADOW_END,
			       kasan_root_tables[KASAN_NR_ROOT_TABLES - 1]);
	kasan_map_shadow(KASAN_SHADOW_START, KASAN_SHADOW_END, &early);
}

/* ---- Real shadow: setup_arch() ---------------------------------------- */

/*
 * While swapper_pg_dir's shadow is rebuilt, TTBR1 points at this copy of it,
 * whose shadow still maps the early page, so that the instrumented code
 * called meanwhile (memblock, the NUMA lookups) always finds a shadow. A root
 * entry the shadow shares with other mappings gets a copy of its table too,
 * because the rebuild rewrites that table in swapper_pg_dir.
 */
static pgd_t kasan_tmp_pg_dir[PTRS_PER_PTE] __initdata __aligned(PAGE_SIZE);

/*
 * If @addr splits a root entry, point kasan_tmp_pg_dir's entry at a copy of
 * its table, from memblock. Returns the copy (to be freed once TTBR1 is back
 * on swapper_pg_dir), or NULL.
 */
static void * __init kasan_copy_shared_root(unsigned long addr)
{
	unsigned int shift;
	pgd_t *entryp = kasan_root_entry(addr, &shift);
	pgd_t entry = READ_ONCE(*entryp);
	unsigned long offset;
	pgdval_t val;
	void *copy;

	/* pgd_none() would not do: the entry may belong to a lower level. */
	if (IS_ALIGNED(addr, BIT(shift)) || !pgd_val(entry))
		return NULL;

	copy = memblock_alloc_raw(PAGE_SIZE, PAGE_SIZE);
	if (!copy)
		panic("kasan: out of memory for a temporary page table\n");
	memcpy(copy, kasan_root_child(entry), PAGE_SIZE);

	/* The same entry, with the copy's address in place of the table's. */
	val = pgd_val(entry) ^ __phys_to_pgd_val(__pgd_to_phys(entry));
	val |= __phys_to_pgd_val(__pa(copy));

	offset = (unsigned long)entryp - (unsigned long)swapper_pg_dir;
	WRITE_ONCE(*(pgd_t *)((unsigned long)kasan_tmp_pg_dir + offset),
		   __pgd(val));
	return copy;
}

/*
 * Cut the early shadow out of swapper_pg_dir, which is not live: root
 * entries wholly inside [@addr, @end) are cleared, and in a root entry that
 * is shared, the entries of its table that cover shadow (wholly, by the
 * layout invariants). Nothing is freed: all of it is the early tables.
 */
static void __init kasan_cut_early_shadow(unsigned long addr, unsigned long end)
{
	while (addr != end) {
		unsigned int shift;
		pgd_t *entryp = kasan_root_entry(addr, &shift);
		pgd_t entry = READ_ONCE(*entryp);
		unsigned long next = kasan_block_end(addr, end, BIT(shift));

		if (kasan_spans_block(addr, next, BIT(shift))) {
			set_swapper_pgd(entryp, __pgd(0));
		} else if (pgd_val(entry)) {
			/* Entries of the table below cover 1 << shift each. */
			u64 *table = kasan_root_child(entry);
			unsigned long first;

			shift -= PAGE_SHIFT - 3;
			first = (addr >> shift) % PTRS_PER_PTE;
			memset(&table[first], 0,
			       ((next - addr) >> shift) * sizeof(*table));
		}
		addr = next;
	}
}

static void __init kasan_map_memory_shadow(void)
{
	phys_addr_t start, end;
	u64 i;

	for_each_mem_range(i, &start, &end) {
		void *vstart = __va(start);
		void *vend = __va(end);

		if (vstart >= vend)
			continue;
		kasan_map_real_shadow(kasan_mem_to_shadow(vstart),
				      kasan_mem_to_shadow(vend),
				      early_pfn_to_nid(PHYS_PFN(start)));
	}
}

/*
 * The early page under what is left: from now on it is only read, by
 * accesses to the shadow itself and to the vmemmap, PCI I/O and fixmap
 * ranges, which are untagged. It reads as the invalid tag, so that a tagged
 * pointer into any of those is reported.
 */
static void __init kasan_seal_early_page(void)
{
	pte_t page = pfn_pte(sym_to_pfn(kasan_early_shadow_page), PAGE_KERNEL_RO);
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++)
		__set_pte(&kasan_early_shadow_pte[i], page);
	flush_tlb_all();

	memset(kasan_early_shadow_page, KASAN_SHADOW_INIT, PAGE_SIZE);
}

/**
 * kasan_init - replace the early shadow with the real one
 *
 * Called from setup_arch() once the linear map and memblock are up. Maps
 * real shadow for the kernel image and every memblock memory range, keeps
 * the read-only early page under the shadow of the shadow and of everything
 * above VMALLOC_END, and leaves the shadow of [MODULES_VADDR, VMALLOC_END)
 * unmapped, apart from the kernel image's, for the vmalloc shadow code to
 * fill as areas are allocated. Then enables reports. The banner comes later,
 * from kasan_init_sw_tags().
 */
void __init kasan_init(void)
{
	int kernel_nid = early_pfn_to_nid(PHYS_PFN(__pa_symbol(KERNEL_START)));
	void *shadow_of_shadow = kasan_mem_to_shadow((void *)PAGE_END);
	void *shadow_of_modules = kasan_mem_to_shadow((void *)MODULES_VADDR);
	void *shadow_above_vmalloc = kasan_mem_to_shadow((void *)VMALLOC_END);
	void *start_copy, *end_copy;

	/* The module and vmalloc areas are one range, with the image in it. */
	BUILD_BUG_ON(MODULES_END != VMALLOC_START);

	memcpy(kasan_tmp_pg_dir, swapper_pg_dir, sizeof(kasan_tmp_pg_dir));
	start_copy = kasan_copy_shared_root(KASAN_SHADOW_START);
	end_copy = kasan_copy_shared_root(KASAN_SHADOW_END);
	dsb(ishst);
	cpu_replace_ttbr1(lm_alias(kasan_tmp_pg_dir));

	kasan_cut_early_shadow(KASAN_SHADOW_START, KASAN_SHADOW_END);

	kasan_map_real_shadow(kasan_mem_to_shadow(KERNEL_START),
			      kasan_mem_to_shadow(KERNEL_END), kernel_nid);
	kasan_map_memory_shadow();

	/* The shadow itself is [PAGE_END, MODULES_VADDR). */
	kasan_populate_early_shadow(shadow_of_shadow, shadow_of_modules);
	/* Above VMALLOC_END: vmemmap, PCI I/O, fixmap, all reached untagged. */
	kasan_populate_early_shadow(shadow_above_vmalloc,
				    (void *)KASAN_SHADOW_END);

	/* Switching flushes the TLB: nothing of the copy's early shadow stays. */
	cpu_replace_ttbr1(lm_alias(swapper_pg_dir));
	memblock_free(start_copy, PAGE_SIZE);
	memblock_free(end_copy, PAGE_SIZE);
	kasan_seal_early_page();

	init_task.kasan_depth = 0;
}

#ifdef CONFIG_KASAN_VMALLOC
/**
 * kasan_populate_early_vm_area_shadow - map shadow for an early vm area
 * @start: start of the area
 * @size: its size
 *
 * vm_area_register_early() (used for a page-mapped per-cpu first chunk)
 * places areas in the vmalloc range before vmalloc_init(), so the vmalloc
 * shadow code never sees them, and they are used straight away. They get
 * real shadow from memblock here, initialised like the rest of real shadow.
 */
void __init kasan_populate_early_vm_area_shadow(void *start,
						unsigned long size)
{
	if (!is_vmalloc_or_module_addr(start))
		return;

	kasan_map_real_shadow(kasan_mem_to_shadow(start),
			      kasan_mem_to_shadow(start + size), NUMA_NO_NODE);
}
#endif

#endif /* a software KASAN mode */
