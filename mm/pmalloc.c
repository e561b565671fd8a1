// SPDX-License-Identifier: GPL-2.0
/*
 * pmalloc: linear allocation from a pool's own vmalloc areas, sealed
 * read-only once the pool's user has built its data, with write-rare
 * updates through a private mapping and a report for a write that faults on
 * a sealed pool.
 *
 * On x86 the pages come from a reserve of PMD-sized blocks whose direct-map
 * alias is unmapped whole, so that sealing splits no large page (unless no
 * block can be had and an area is vmalloc()ed instead).
 *
 * Each area starts with a header, and the first area holds the pool's
 * descriptor after it, so the bookkeeping that says where the data is (and
 * what write-rare may change) is sealed with the data. Only a small
 * registration record stays writable: what destroy, debugfs and the fault
 * report need to find the pool.
 */

#include <linux/debugfs.h>
#include <linux/kasan.h>
#include <linux/kmemleak.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/pmalloc.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/set_memory.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/suspend.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <asm/tlbflush.h>
#ifdef CONFIG_X86
#include <asm/text-patching.h>
#endif

#define PMALLOC_MAGIC	0x706d616c6c6f6321UL	/* "pmalloc!" */

/* At the start of each area; read-only once the pool is sealed. */
struct pmalloc_area {
	struct pmalloc_area *next;	/* the area allocated before this one */
	size_t size;			/* bytes mapped, a multiple of PAGE_SIZE */
	size_t used;			/* bytes handed out, this header included */
	bool reserved;			/* pages from the x86 reserve, vmap()ed */
};

/*
 * The pool's descriptor, in its first area right after the header: sealed
 * with the data, so write-rare's checks run on memory nobody can change.
 */
struct pmalloc_pool {
	unsigned long magic;
	struct pmalloc_area *areas;	/* newest first */
	struct pmalloc_reg *reg;
	bool sealed;
	bool alias_unmapped;		/* the pages' direct-map alias is gone */
	char name[PMALLOC_NAME_LEN];
};

/*
 * What stays writable after the seal: the lock that serialises allocation,
 * seal and destroy, and the link on pmalloc_pools. Corrupting it can hide a
 * pool from debugfs or the fault report or make destroy refuse, but it
 * cannot make sealed memory writable: nothing here is trusted about where a
 * pool's memory is.
 */
struct pmalloc_reg {
	struct list_head node;		/* on pmalloc_pools, walked under RCU */
	struct mutex lock;
	struct pmalloc_pool *pool;
};

static LIST_HEAD(pmalloc_pools);
/* Nests outside every pool's lock. */
static DEFINE_MUTEX(pmalloc_pools_lock);

#define PMALLOC_HDR	ALIGN(sizeof(struct pmalloc_area), PMALLOC_ALIGN)
#define PMALLOC_FIRST	(PMALLOC_HDR + ALIGN(sizeof(struct pmalloc_pool), PMALLOC_ALIGN))

#if defined(CONFIG_KASAN_GENERIC) || defined(CONFIG_KASAN_SW_TAGS)
/* No two allocations share a KASAN granule, so each can have its own tag. */
static_assert(PMALLOC_ALIGN % (1UL << KASAN_SHADOW_SCALE_SHIFT) == 0);
#endif

/* The largest single allocation; far more than data built once needs. */
#define PMALLOC_MAX_SIZE	(SZ_1G)

/* Where the user's memory starts in @area: after the descriptor in the first. */
static unsigned long pmalloc_area_start(const struct pmalloc_pool *pool,
					const struct pmalloc_area *area)
{
	bool first = (const void *)pool == (const void *)area + PMALLOC_HDR;

	return (unsigned long)kasan_reset_tag(area) + (first ? PMALLOC_FIRST : PMALLOC_HDR);
}

static bool pmalloc_pool_ok(const struct pmalloc_pool *pool, const char *op)
{
	if (WARN_ONCE(!pool, "pmalloc: %s() on a NULL pool\n", op))
		return false;
	return !WARN_ONCE(pool->magic != PMALLOC_MAGIC,
			  "pmalloc: %s() on %p, not a pool\n", op, pool);
}

/* ---- The x86 page reserve ------------------------------------------ */

#ifdef CONFIG_X86_64
/*
 * x86 maps the direct map with 2 MiB and 1 GiB pages, and a protection
 * change of one 4 KiB page in it splits the large page around it for good.
 * So on x86 pool pages come from blocks of PMD size, each a naturally
 * aligned buddy allocation whose direct-map alias is made not-present whole
 * when the block is taken: one 2 MiB entry changes and nothing splits (a
 * 1 GiB page around the block splits once, into 2 MiB pages). Areas map
 * block pages with vmap(), and the seal write-protects only those vmalloc
 * PTEs, so no page attribute change ever names one page of the alias. A
 * block goes back to the page allocator, mapped again, when its last page
 * is returned: the reserve holds at most the blocks its pools use.
 *
 * The list and the bitmaps stay writable, as struct page does for pages
 * from the page allocator: whoever can write them can write the buddy
 * allocator's free lists too.
 */
#define PMALLOC_BLOCK_ORDER	PMD_ORDER
#define PMALLOC_BLOCK_PAGES	(PMD_SIZE >> PAGE_SHIFT)

struct pmalloc_block {
	struct list_head node;		/* on pmalloc_blocks */
	struct page *page;		/* the first of PMALLOC_BLOCK_PAGES */
	unsigned int nr_free;
	bool global;			/* the direct map had _PAGE_GLOBAL */
	DECLARE_BITMAP(used, PMALLOC_BLOCK_PAGES);
};

static LIST_HEAD(pmalloc_blocks);
/* Nests inside a pool's lock; the page attribute code nests inside it. */
static DEFINE_MUTEX(pmalloc_blocks_lock);
static unsigned int pmalloc_nr_blocks;
/* Hibernating: the blocks are mapped read-only, and no new one is taken. */
static bool pmalloc_blocks_mapped;
static atomic_long_t pmalloc_nr_fallback;	/* areas vmalloc()ed instead */

static unsigned long pmalloc_block_addr(const struct pmalloc_block *block)
{
	return (unsigned long)page_address(block->page);
}

/*
 * Map the direct map of @block back and free its pages, or leak them if it
 * cannot be mapped: the page allocator's users need it. Unmapping dropped
 * _PAGE_GLOBAL, and mapping does not restore it.
 */
static void pmalloc_block_release(struct pmalloc_block *block)
{
	unsigned long addr = pmalloc_block_addr(block);
	unsigned int i;

	if (WARN_ONCE(set_memory_rw(addr, PMALLOC_BLOCK_PAGES) ||
		      set_memory_p(addr, PMALLOC_BLOCK_PAGES),
		      "pmalloc: cannot map a block back, leaking 2 MiB\n"))
		return;
	if (block->global)
		set_memory_global(addr, PMALLOC_BLOCK_PAGES);
	for (i = 0; i < PMALLOC_BLOCK_PAGES; i++)
		__free_page(block->page + i);
}

static struct pmalloc_block *pmalloc_block_new(void)
{
	struct pmalloc_block *block;
	unsigned int level;
	pte_t *pte;

	lockdep_assert_held(&pmalloc_blocks_lock);
	if (pmalloc_blocks_mapped)
		return NULL;
	block = kzalloc(sizeof(*block), GFP_KERNEL | __GFP_RETRY_MAYFAIL);
	if (!block)
		return NULL;
	/* Compaction is tried once; then the area falls back to vmalloc(). */
	block->page = alloc_pages(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY,
				  PMALLOC_BLOCK_ORDER);
	if (!block->page)
		goto fail;
	/* Pages of their own, as vmalloc()'s are, each with a reference. */
	split_page(block->page, PMALLOC_BLOCK_ORDER);
	pte = lookup_address(pmalloc_block_addr(block), &level);
	block->global = pte && (pte_flags(*pte) & _PAGE_GLOBAL);
	if (set_memory_np(pmalloc_block_addr(block), PMALLOC_BLOCK_PAGES)) {
		/* Part of it may be unmapped already. */
		pmalloc_block_release(block);
		goto fail;
	}
	block->nr_free = PMALLOC_BLOCK_PAGES;
	list_add_tail(&block->node, &pmalloc_blocks);
	pmalloc_nr_blocks++;
	return block;
fail:
	kfree(block);
	return NULL;
}

static void pmalloc_block_free(struct pmalloc_block *block)
{
	list_del(&block->node);
	pmalloc_nr_blocks--;
	pmalloc_block_release(block);
	kfree(block);
}

static unsigned int pmalloc_block_take(struct pmalloc_block *block,
				       struct page **pages, unsigned int nr)
{
	unsigned int got = 0, bit = 0;

	while (got < nr && block->nr_free) {
		bit = find_next_zero_bit(block->used, PMALLOC_BLOCK_PAGES, bit);
		__set_bit(bit, block->used);
		block->nr_free--;
		pages[got++] = block->page + bit;
	}
	return got;
}

static struct pmalloc_block *pmalloc_block_of(unsigned long pfn,
					      struct pmalloc_block *hint)
{
	struct pmalloc_block *block;

	/* An area's pages mostly share a block: try the last one first. */
	if (hint && pfn - page_to_pfn(hint->page) < PMALLOC_BLOCK_PAGES)
		return hint;
	list_for_each_entry(block, &pmalloc_blocks, node)
		if (pfn - page_to_pfn(block->page) < PMALLOC_BLOCK_PAGES)
			return block;
	return NULL;
}

/* Give back @page; empty blocks stay listed until pmalloc_reserve_trim(). */
static void pmalloc_block_put(struct page *page, struct pmalloc_block **hint)
{
	unsigned long pfn = page_to_pfn(page);
	struct pmalloc_block *block;
	bool taken;

	lockdep_assert_held(&pmalloc_blocks_lock);
	block = pmalloc_block_of(pfn, *hint);
	taken = block && __test_and_clear_bit(pfn - page_to_pfn(block->page),
					      block->used);
	if (WARN_ONCE(!taken, "pmalloc: page %lx is not taken from the reserve\n",
		      pfn))
		return;
	block->nr_free++;
	*hint = block;
}

static void pmalloc_reserve_trim(void)
{
	struct pmalloc_block *block, *tmp;

	lockdep_assert_held(&pmalloc_blocks_lock);
	list_for_each_entry_safe(block, tmp, &pmalloc_blocks, node)
		if (block->nr_free == PMALLOC_BLOCK_PAGES)
			pmalloc_block_free(block);
}

/*
 * @size bytes of reserve pages, zeroed, in a new vmap() area charged to
 * @caller in /proc/vmallocinfo; or NULL.
 */
static void *pmalloc_reserve_map(size_t size, unsigned long caller)
{
	unsigned int i, got = 0, nr = size >> PAGE_SHIFT;
	struct pmalloc_block *block, *hint = NULL;
	struct page **pages;
	void *addr = NULL;

	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL | __GFP_NOWARN |
			       __GFP_RETRY_MAYFAIL);
	if (!pages)
		return NULL;
	mutex_lock(&pmalloc_blocks_lock);
	list_for_each_entry(block, &pmalloc_blocks, node) {
		if (got == nr)
			break;
		got += pmalloc_block_take(block, pages + got, nr - got);
	}
	while (got < nr && (block = pmalloc_block_new()))
		got += pmalloc_block_take(block, pages + got, nr - got);
	if (got == nr)
		addr = vmap(pages, nr, VM_MAP, PAGE_KERNEL);
	if (!addr) {
		for (i = 0; i < got; i++)
			pmalloc_block_put(pages[i], &hint);
		pmalloc_reserve_trim();
	}
	mutex_unlock(&pmalloc_blocks_lock);
	kvfree(pages);
	if (addr) {
		/* vmap() takes no caller; the area is ours until returned. */
		find_vm_area(addr)->caller = (void *)caller;
		memset(addr, 0, size);
		/* vmap() areas are not scanned unless said; vmalloc()'s are. */
		kmemleak_alloc(addr, size, 0, GFP_KERNEL);
	}
	return addr;
}

/*
 * Unmap a reserve area and give its pages back, all under the lock, so no
 * page is taken again while the old mapping, or a TLB entry of it, still
 * exists: vunmap() leaves the flush to the lazy purge, and the next pool
 * would get pages an old writable entry still reaches.
 */
static void pmalloc_reserve_unmap(struct pmalloc_area *area)
{
	unsigned long start = (unsigned long)area;
	struct pmalloc_block *hint = NULL;
	size_t off, size = area->size;
	void *addr = area;

	kmemleak_free(addr);
	mutex_lock(&pmalloc_blocks_lock);
	for (off = 0; off < size; off += PAGE_SIZE)
		pmalloc_block_put(vmalloc_to_page(addr + off), &hint);
	vunmap(addr);
	flush_tlb_kernel_range(start, start + size);
	pmalloc_reserve_trim();
	mutex_unlock(&pmalloc_blocks_lock);
}

static int pmalloc_pte_ro(pte_t *pte, unsigned long addr, void *data)
{
	/* What set_memory_ro() clears: no Write=0, Dirty=1 shadow-stack PTE. */
	set_pte_at(&init_mm, addr, pte,
		   pte_clear_flags(ptep_get(pte), _PAGE_RW | _PAGE_DIRTY));
	return 0;
}

static int pmalloc_pte_rw(pte_t *pte, unsigned long addr, void *data)
{
	set_pte_at(&init_mm, addr, pte, pte_set_flags(ptep_get(pte), _PAGE_RW));
	return 0;
}

/* Change the vmalloc PTEs of a reserve area only: the alias is not there. */
static int pmalloc_reserve_protect(struct pmalloc_area *area, bool ro)
{
	unsigned long start = (unsigned long)area;
	int ret;

	ret = apply_to_existing_page_range(&init_mm, start, area->size,
					   ro ? pmalloc_pte_ro : pmalloc_pte_rw,
					   NULL);
	flush_tlb_kernel_range(start, start + area->size);
	return ret;
}

static void pmalloc_reserve_missed(void)
{
	atomic_long_inc(&pmalloc_nr_fallback);
}

/*
 * Hibernation copies each page it saves through the direct map, and maps a
 * page that is not there 4 KiB at a time, with interrupts off: in a block
 * that would split the 2 MiB entry, which takes a page allocation and a TLB
 * flush on every CPU. So from the prepare notification until hibernation
 * is over the blocks are mapped whole, read-only (the alias is never both
 * there and writable), and no new block is taken. Restoring needs nothing:
 * the image is copied into place through temporary page tables of its own.
 */
static int pmalloc_blocks_map(bool map)
{
	unsigned long addr, nr = PMALLOC_BLOCK_PAGES;
	struct pmalloc_block *block;
	int ret = 0;

	lockdep_assert_held(&pmalloc_blocks_lock);
	list_for_each_entry(block, &pmalloc_blocks, node) {
		addr = pmalloc_block_addr(block);
		if (map)
			ret = set_memory_ro(addr, nr) ?: set_memory_p(addr, nr);
		else
			ret = set_memory_np(addr, nr) ?: set_memory_rw(addr, nr);
		if (ret)
			break;
	}
	return ret;
}

static int pmalloc_pm_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	int ret = 0;

	if (action != PM_HIBERNATION_PREPARE && action != PM_POST_HIBERNATION)
		return NOTIFY_DONE;
	mutex_lock(&pmalloc_blocks_lock);
	if (action == PM_HIBERNATION_PREPARE && !pmalloc_blocks_mapped) {
		ret = pmalloc_blocks_map(true);
		/* No PM_POST_HIBERNATION follows a refusal: undo it here. */
		if (ret)
			WARN_ON_ONCE(pmalloc_blocks_map(false));
		else
			pmalloc_blocks_mapped = true;
	} else if (action == PM_POST_HIBERNATION && pmalloc_blocks_mapped) {
		WARN_ON_ONCE(pmalloc_blocks_map(false));
		pmalloc_blocks_mapped = false;
	}
	mutex_unlock(&pmalloc_blocks_lock);
	return notifier_from_errno(ret);
}

static struct notifier_block pmalloc_pm_nb = {
	.notifier_call = pmalloc_pm_notify,
};

static int __init pmalloc_pm_init(void)
{
	return register_pm_notifier(&pmalloc_pm_nb);
}
core_initcall(pmalloc_pm_init);
#else /* !CONFIG_X86_64 */
/* arm64 maps its linear map with pages where it can unmap them at all. */
static void *pmalloc_reserve_map(size_t size, unsigned long caller)
{
	return NULL;
}

static void pmalloc_reserve_unmap(struct pmalloc_area *area)
{
}

static int pmalloc_reserve_protect(struct pmalloc_area *area, bool ro)
{
	/* No area is from a reserve here. */
	WARN_ON_ONCE(1);
	return -EINVAL;
}

static void pmalloc_reserve_missed(void)
{
}
#endif /* CONFIG_X86_64 */

/* ---- Areas ---------------------------------------------------------- */

/*
 * A new area of at least @bytes, zeroed, header filled in, charged to
 * @caller in /proc/vmallocinfo. On x86 its pages come from the reserve
 * above. Otherwise, or when no block can be had, it is vmalloc()ed;
 * VM_FLUSH_RESET_PERMS makes vfree() map the direct-map alias back and
 * flush the TLB before the pages are reused, whatever seal did to them. A
 * large request fails rather than wake the OOM killer.
 *
 * The memory after the header is poisoned for KASAN until pmalloc() hands
 * it out, so an overflow into the unused tail is caught before the seal
 * too.
 */
static struct pmalloc_area *pmalloc_new_area(size_t bytes, unsigned long caller)
{
	size_t size = PAGE_ALIGN(bytes);
	struct pmalloc_area *area;
	bool reserved = true;

	area = pmalloc_reserve_map(size, caller);
	if (!area) {
		reserved = false;
		area = __vmalloc_node_range(size, PAGE_SIZE, VMALLOC_START,
					    VMALLOC_END, GFP_KERNEL | __GFP_ZERO |
					    __GFP_NOWARN | __GFP_RETRY_MAYFAIL,
					    PAGE_KERNEL, VM_FLUSH_RESET_PERMS,
					    NUMA_NO_NODE, (void *)caller);
		if (area)
			pmalloc_reserve_missed();
	}
	if (!area)
		return NULL;
	area->size = size;
	area->used = PMALLOC_HDR;
	area->reserved = reserved;
	kasan_poison_vmalloc((void *)area + PMALLOC_HDR, size - PMALLOC_HDR);
	return area;
}

static void pmalloc_free_areas(struct pmalloc_area *area)
{
	while (area) {
		struct pmalloc_area *next = area->next;

		if (area->reserved)
			pmalloc_reserve_unmap(area);
		else
			vfree(area);
		area = next;
	}
}

/* Make @area read-only, or writable again after a failed seal. */
static int pmalloc_protect(struct pmalloc_area *area, bool ro)
{
	unsigned long start = (unsigned long)area;
	int pages = area->size >> PAGE_SHIFT;

	if (area->reserved)
		return pmalloc_reserve_protect(area, ro);
	return ro ? set_memory_ro(start, pages) : set_memory_rw(start, pages);
}

/**
 * pmalloc_create_pool() - create an empty pool
 * @name: what debugfs and reports call it (copied; cut at
 *        PMALLOC_NAME_LEN - 1 characters)
 *
 * Context: process context; may sleep.
 * Return: the pool, or NULL if memory ran out or @name is NULL or empty.
 */
struct pmalloc_pool *pmalloc_create_pool(const char *name)
{
	struct pmalloc_area *area;
	struct pmalloc_pool *pool;
	struct pmalloc_reg *reg;

	if (WARN_ONCE(!name || !*name, "pmalloc: a pool needs a name\n"))
		return NULL;
	reg = kzalloc(sizeof(*reg), GFP_KERNEL);
	if (!reg)
		return NULL;
	area = pmalloc_new_area(PMALLOC_FIRST, _RET_IP_);
	if (!area) {
		kfree(reg);
		return NULL;
	}
	pool = (void *)area + PMALLOC_HDR;
	kasan_unpoison_range(pool, PMALLOC_FIRST - PMALLOC_HDR);
	area->used = PMALLOC_FIRST;
	pool->magic = PMALLOC_MAGIC;
	pool->areas = area;
	pool->reg = reg;
	strscpy(pool->name, name, sizeof(pool->name));
	mutex_init(&reg->lock);
	reg->pool = pool;

	mutex_lock(&pmalloc_pools_lock);
	list_add_tail_rcu(&reg->node, &pmalloc_pools);
	mutex_unlock(&pmalloc_pools_lock);
	return pool;
}
EXPORT_SYMBOL_GPL(pmalloc_create_pool);

/* ---- Allocation ----------------------------------------------------- */

/* pmalloc(), with @caller charged for a new area in /proc/vmallocinfo. */
static void *__pmalloc(struct pmalloc_pool *pool, size_t size,
		       unsigned long caller)
{
	struct pmalloc_area *area;
	size_t asked = size;
	void *p = NULL;

	if (!pmalloc_pool_ok(pool, "pmalloc"))
		return NULL;
	if (WARN_ONCE(!size || size > PMALLOC_MAX_SIZE,
		      "pmalloc: %zu bytes from pool %s\n", size, pool->name))
		return NULL;
	size = ALIGN(size, PMALLOC_ALIGN);

	mutex_lock(&pool->reg->lock);
	if (WARN_ONCE(pool->sealed, "pmalloc: allocation from sealed pool %s\n",
		      pool->name))
		goto out;
	area = pool->areas;
	if (area->size - area->used < size) {
		struct pmalloc_area *cur = area;

		area = pmalloc_new_area(PMALLOC_HDR + size, caller);
		if (!area)
			goto out;
		/*
		 * Allocation goes on in whichever area has more room left, so
		 * a large request does not abandon the current area's tail.
		 */
		if (area->size - area->used - size >= cur->size - cur->used) {
			area->next = cur;
			pool->areas = area;
		} else {
			area->next = cur->next;
			cur->next = area;
		}
	}
	p = (void *)area + area->used;
	area->used += size;
	/*
	 * Open the bytes asked for, with a tag of their own under the
	 * tag-based mode: an overflow into the neighbour is caught.
	 */
	p = kasan_unpoison_vmalloc(p, asked, KASAN_VMALLOC_PROT_NORMAL);
out:
	mutex_unlock(&pool->reg->lock);
	return p;
}

/**
 * pmalloc() - allocate from a pool that is not sealed yet
 * @pool: the pool
 * @size: bytes; the memory is aligned to PMALLOC_ALIGN
 *
 * Memory is never freed on its own: it goes when the pool is destroyed.
 * Allocating from a sealed pool is a bug: sealed memory stays sealed, and
 * new pages would either stay writable or need the sealed bookkeeping
 * changed, so the call WARNs once and fails.
 *
 * Context: process context; may sleep. Safe on many CPUs at once.
 * Return: the memory, zeroed (areas are zeroed when made and nothing is
 * ever freed into them), or NULL.
 */
void *pmalloc(struct pmalloc_pool *pool, size_t size)
{
	return __pmalloc(pool, size, _RET_IP_);
}
EXPORT_SYMBOL_GPL(pmalloc);

/**
 * pzalloc() - allocate zeroed memory from a pool that is not sealed yet
 * @pool: the pool
 * @size: bytes
 *
 * Context: process context; may sleep.
 * Return: the memory, zeroed, or NULL.
 */
void *pzalloc(struct pmalloc_pool *pool, size_t size)
{
	/* Areas are zeroed when made and nothing is ever freed into them. */
	return __pmalloc(pool, size, _RET_IP_);
}
EXPORT_SYMBOL_GPL(pzalloc);

/**
 * pstrdup() - copy a string into a pool that is not sealed yet
 * @pool: the pool
 * @s: the string
 *
 * Context: process context; may sleep.
 * Return: the copy, or NULL.
 */
char *pstrdup(struct pmalloc_pool *pool, const char *s)
{
	size_t len;
	char *p;

	if (WARN_ONCE(!s, "%s(NULL)\n", __func__))
		return NULL;
	len = strlen(s) + 1;
	p = __pmalloc(pool, len, _RET_IP_);
	if (p)
		memcpy(p, s, len);
	return p;
}
EXPORT_SYMBOL_GPL(pstrdup);

/* ---- Sealing -------------------------------------------------------- */

/* Whether the architecture can take pages out of the direct map here. */
static bool pmalloc_alias_removable(void)
{
#ifdef can_set_direct_map
	return can_set_direct_map();
#else
	return IS_ENABLED(CONFIG_ARCH_HAS_SET_DIRECT_MAP);
#endif
}

/*
 * Take the direct-map alias of @area's pages away. arm64 can do that only
 * when its linear map is mapped with pages (rodata=full, the default), and
 * then needs no split. On x86 only a vmalloc()ed area, the fallback when
 * the reserve has no block, gets here: it splits the large page each of
 * its pages sits in.
 */
static bool pmalloc_unmap_alias(struct pmalloc_area *area)
{
	unsigned long start = ULONG_MAX, end = 0;
	size_t off;

	for (off = 0; off < area->size; off += PAGE_SIZE) {
		struct page *page = vmalloc_to_page((void *)area + off);
		unsigned long addr = (unsigned long)page_address(page);

		if (set_direct_map_invalid_noflush(page))
			break;
		start = min(start, addr);
		end = max(end, addr + PAGE_SIZE);
	}
	/* Flush what was unmapped, also on failure; vfree() maps it back. */
	if (end)
		flush_tlb_kernel_range(start, end);
	return off == area->size;
}

static int pmalloc_poke(void *dst, const void *src, size_t size);

/**
 * pmalloc_seal() - make all of a pool read-only, for good
 * @pool: the pool
 *
 * Seals every page of the pool, the pool's own bookkeeping included, and
 * takes the pages' direct-map alias away where the architecture can (see
 * Documentation/core-api/pmalloc.rst). Sealing twice WARNs once and fails.
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL for a pool that is not one or is sealed already, or
 * the error of the protection change: the pool is then open again, or, if even
 * undoing failed, left sealed (it can still be destroyed).
 */
int pmalloc_seal(struct pmalloc_pool *pool)
{
	struct pmalloc_area *area, *done;
	bool alias = pmalloc_alias_removable();
	int ret = 0;

	if (!pmalloc_pool_ok(pool, __func__))
		return -EINVAL;

	mutex_lock(&pool->reg->lock);
	if (WARN_ONCE(pool->sealed, "%s: pool %s sealed twice\n", __func__,
		      pool->name)) {
		ret = -EINVAL;
		goto out;
	}
	/*
	 * Written while the pages can still be written. The fault report
	 * trusts a pool once it reads sealed, and by then nothing changes.
	 */
	WRITE_ONCE(pool->sealed, true);
	pool->alias_unmapped = alias;
	for (area = pool->areas; area; area = area->next) {
		ret = pmalloc_protect(area, true);
		if (ret)
			break;
	}
	if (ret) {
		bool undone = true;

		/* The failed area too: x86 may have changed part of it. */
		for (done = pool->areas; done != area->next; done = done->next)
			undone &= !pmalloc_protect(done, false);
		/* The descriptor may still be read-only: then stay sealed. */
		if (WARN_ONCE(!undone, "%s: pool %s left sealed after error %d\n",
			      __func__, pool->name, ret))
			goto out;
		WRITE_ONCE(pool->sealed, false);
		pool->alias_unmapped = false;
		goto out;
	}
	/* The alias goes once the pages are sealed: no window between. */
	for (area = pool->areas; pool->alias_unmapped && area; area = area->next)
		alias &= area->reserved || pmalloc_unmap_alias(area);
	if (!alias && pool->alias_unmapped)
		WARN_ON(pmalloc_poke(&pool->alias_unmapped, &alias, sizeof(alias)));
out:
	mutex_unlock(&pool->reg->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(pmalloc_seal);

/**
 * pmalloc_is_sealed() - whether a pool is sealed
 * @pool: the pool
 *
 * Context: any. While a seal runs the answer may already be true.
 * Return: true once pmalloc_seal() has succeeded on @pool.
 */
bool pmalloc_is_sealed(const struct pmalloc_pool *pool)
{
	return pool && READ_ONCE(pool->sealed);
}
EXPORT_SYMBOL_GPL(pmalloc_is_sealed);

/**
 * pmalloc_pool_pages() - how many pages a pool holds
 * @pool: the pool
 *
 * Its bookkeeping's included: what the pool costs in memory.
 *
 * Context: process context; may sleep.
 * Return: the number of pages, or 0 for a NULL pool.
 */
unsigned long pmalloc_pool_pages(struct pmalloc_pool *pool)
{
	struct pmalloc_area *area;
	unsigned long pages = 0;

	if (!pool)
		return 0;
	mutex_lock(&pool->reg->lock);
	for (area = pool->areas; area; area = area->next)
		pages += area->size >> PAGE_SHIFT;
	mutex_unlock(&pool->reg->lock);
	return pages;
}
EXPORT_SYMBOL_GPL(pmalloc_pool_pages);

/* ---- Destroy -------------------------------------------------------- */

/**
 * pmalloc_destroy_pool() - free a pool and all its memory
 * @pool: the pool; NULL is ignored
 *
 * Every pointer into the pool dangles afterwards, and the caller must make
 * sure nobody allocates from, seals or writes to the pool while it goes,
 * as for kfree(). A pool that is not
 * registered (destroyed already, or never a pool) WARNs once and is left
 * alone: it is looked up by address, never read.
 *
 * Context: process context; may sleep.
 */
void pmalloc_destroy_pool(struct pmalloc_pool *pool)
{
	struct pmalloc_reg *reg, *found = NULL;

	if (!pool)
		return;
	mutex_lock(&pmalloc_pools_lock);
	list_for_each_entry(reg, &pmalloc_pools, node) {
		if (reg->pool == pool) {
			found = reg;
			list_del_rcu(&reg->node);
			break;
		}
	}
	mutex_unlock(&pmalloc_pools_lock);
	if (WARN_ONCE(!found, "pmalloc: destroying %p, not a live pool\n", pool))
		return;

	/* Waits out an allocation, seal or write-rare still running. */
	mutex_lock(&found->lock);
	mutex_unlock(&found->lock);
	/* The fault report walks the pool's areas under RCU. */
	synchronize_rcu();
	pmalloc_free_areas(pool->areas);
	mutex_destroy(&found->lock);
	kfree(found);
}
EXPORT_SYMBOL_GPL(pmalloc_destroy_pool);

/* ---- Write-rare ----------------------------------------------------- */

/* The area of @pool whose handed-out bytes hold all of [@p, @p + @size). */
static struct pmalloc_area *pmalloc_find_area(struct pmalloc_pool *pool,
					      unsigned long p, size_t size)
{
	struct pmalloc_area *area;

	for (area = pool->areas; area; area = area->next) {
		/* Headers and the descriptor are not the user's to write. */
		unsigned long first = pmalloc_area_start(pool, area);
		unsigned long end = (unsigned long)kasan_reset_tag(area) + area->used;

		if (p >= first && p < end && size <= end - p)
			return area;
	}
	return NULL;
}

/*
 * Copy into sealed memory. x86 has text_poke_copy(): a private mm, live on
 * this CPU only while the copy runs, the way the kernel patches its text;
 * it BUG()s if the bytes read back differ, so it copies from a private
 * bounce buffer that nothing else can change. Elsewhere every page of the
 * destination is mapped at once with vmap(), at an address no other code
 * knows, written, unmapped, and the TLB flushed at once (vunmap() alone
 * would leave that to the lazy purge).
 */
static int pmalloc_poke(void *dst, const void *src, size_t size)
{
#ifdef CONFIG_X86
	void *bounce = kmemdup(src, size, GFP_KERNEL);
	void *ret;

	if (!bounce)
		return -ENOMEM;
	ret = text_poke_copy(dst, bounce, size);
	kfree(bounce);
	return ret ? 0 : -EFAULT;
#else
	unsigned long first = (unsigned long)dst & PAGE_MASK;
	unsigned int i, nr = (offset_in_page(dst) + size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	struct page *stack[2], **pages = stack;
	void *map;
	int ret = 0;

	if (nr > ARRAY_SIZE(stack)) {
		pages = kmalloc_array(nr, sizeof(*pages), GFP_KERNEL);
		if (!pages)
			return -ENOMEM;
	}
	for (i = 0; i < nr; i++)
		pages[i] = vmalloc_to_page((void *)first + i * PAGE_SIZE);
	map = vmap(pages, nr, VM_MAP, PAGE_KERNEL);
	if (map) {
		memcpy(map + offset_in_page(dst), src, size);
		vunmap(map);
		flush_tlb_kernel_range((unsigned long)map,
				       (unsigned long)map + nr * PAGE_SIZE);
	} else {
		ret = -ENOMEM;
	}
	if (pages != stack)
		kfree(pages);
	return ret;
#endif
}

/* Whether @pool is a registered pool's descriptor, where one must sit. */
static bool pmalloc_registered(struct pmalloc_pool *pool)
{
	struct pmalloc_reg *reg;
	bool found = false;

	rcu_read_lock();
	list_for_each_entry_rcu(reg, &pmalloc_pools, node) {
		if (reg->pool == pool) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/**
 * pmalloc_wr_memcpy() - change memory of a sealed pool
 * @pool: the sealed pool; the handle is the root of trust, so keep it in
 *        __ro_after_init or sealed memory
 * @dst: where, inside one allocation area's handed-out bytes
 * @src: the new bytes
 * @size: how many
 *
 * The shared mapping of @dst stays read-only: the bytes go through a
 * temporary private mapping of the page. @dst may be const-qualified, so
 * users can keep only const pointers to sealed data.
 *
 * Context: process context; may sleep.
 * Return: 0; -EINVAL if @pool is not a sealed pool or @dst..@dst + @size
 * is not inside it (WARNs once); -ENOMEM or -EFAULT if mapping failed.
 */
int pmalloc_wr_memcpy(struct pmalloc_pool *pool, const void *dst,
		      const void *src, size_t size)
{
	unsigned long p = (unsigned long)kasan_reset_tag(dst);
	int ret = -EINVAL;

	if (!pmalloc_pool_ok(pool, __func__))
		return -EINVAL;
	if (!size)
		return 0;
	/* A forged descriptor elsewhere must not steer the write. */
	if (WARN_ONCE(!pmalloc_registered(pool), "%s: %p is not a live pool\n",
		      __func__, pool))
		return -EINVAL;

	mutex_lock(&pool->reg->lock);
	if (WARN_ONCE(!pool->sealed, "%s: pool %s is not sealed\n", __func__,
		      pool->name))
		goto out;
	if (WARN_ONCE(!pmalloc_find_area(pool, p, size),
		      "%s: %p is outside pool %s\n", __func__,
		      (void *)p, pool->name))
		goto out;
	ret = pmalloc_poke((void *)p, src, size);
out:
	mutex_unlock(&pool->reg->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(pmalloc_wr_memcpy);

/* ---- Fault report --------------------------------------------------- */

static DEFINE_RAW_SPINLOCK(pmalloc_report_lock);
static DEFINE_PER_CPU(bool, pmalloc_reporting);

/**
 * pmalloc_report_fault() - report a write that faulted on a sealed pool
 * @addr: the faulting address
 * @regs: the registers at the fault
 *
 * Called by the architecture's kernel fault path for a write to read-only
 * memory, before the exception table is tried: a write to a sealed pool is
 * a bug even where the access would be fixed up. It prints the report, and
 * the fault then takes its usual course.
 *
 * Context: any; takes no sleeping lock.
 * Return: true if @addr is in a sealed pool (a report was printed).
 */
bool pmalloc_report_fault(unsigned long addr, struct pt_regs *regs)
{
	unsigned long entries[32];
	struct pmalloc_area *area;
	struct pmalloc_reg *reg;
	unsigned int nr;
	bool found = false, locked;
	unsigned long flags;

	addr = (unsigned long)kasan_reset_tag((void *)addr);
	rcu_read_lock();
	list_for_each_entry_rcu(reg, &pmalloc_pools, node) {
		struct pmalloc_pool *pool = READ_ONCE(reg->pool);
		unsigned long magic;

		/* The record is writable memory: do not fault on what it says. */
		if (copy_from_kernel_nofault(&magic, &pool->magic, sizeof(magic)) ||
		    magic != PMALLOC_MAGIC)
			continue;
		/* A sealed pool's areas no longer change. */
		if (!READ_ONCE(pool->sealed))
			continue;
		for (area = pool->areas; area; area = area->next) {
			unsigned long start = (unsigned long)kasan_reset_tag(area);

			if (addr - start < area->size) {
				found = true;
				break;
			}
		}
		if (!found)
			continue;

		nr = stack_trace_save_regs(regs, entries, ARRAY_SIZE(entries), 0);
		/*
		 * The lock keeps two CPUs' reports from interleaving; a fault
		 * taken while this CPU prints one (in an NMI, say) prints
		 * without it rather than spin on itself.
		 */
		local_irq_save(flags);
		locked = !this_cpu_read(pmalloc_reporting);
		if (locked) {
			this_cpu_write(pmalloc_reporting, true);
			raw_spin_lock(&pmalloc_report_lock);
		}
		pr_err("==================================================================\n");
		pr_err("BUG: pmalloc: write to sealed pool %s in %pS\n\n",
		       pool->name, (void *)instruction_pointer(regs));
		pr_err("Write at 0x%px (offset %lu in an area of %zu bytes) by task %s/%d:\n",
		       (void *)addr, addr - (unsigned long)kasan_reset_tag(area),
		       area->size, current->comm, task_pid_nr(current));
		stack_trace_print(entries, nr, 1);
		pr_err("\n");
		dump_stack_print_info(KERN_ERR);
		pr_err("==================================================================\n");
		if (locked) {
			raw_spin_unlock(&pmalloc_report_lock);
			this_cpu_write(pmalloc_reporting, false);
		}
		local_irq_restore(flags);
		break;
	}
	rcu_read_unlock();
	return found;
}

/* ---- debugfs -------------------------------------------------------- */

static int pmalloc_pools_show(struct seq_file *m, void *v)
{
	struct pmalloc_reg *reg;

	seq_puts(m, "# name pages used wasted sealed alias\n");
	mutex_lock(&pmalloc_pools_lock);
	list_for_each_entry(reg, &pmalloc_pools, node) {
		struct pmalloc_pool *pool = reg->pool;
		size_t pages = 0, used = 0, size = 0;
		struct pmalloc_area *area;

		mutex_lock(&reg->lock);
		/* Headers and the descriptor count as waste, not as used. */
		for (area = pool->areas; area; area = area->next) {
			pages += area->size >> PAGE_SHIFT;
			size += area->size;
			used += (unsigned long)kasan_reset_tag(area) + area->used -
				pmalloc_area_start(pool, area);
		}
		seq_printf(m, "%s %zu %zu %zu %s %s\n", pool->name, pages, used,
			   size - used, pool->sealed ? "sealed" : "open",
			   !pool->sealed ? "-" :
			   pool->alias_unmapped ? "unmapped" : "mapped");
		mutex_unlock(&reg->lock);
	}
	mutex_unlock(&pmalloc_pools_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pmalloc_pools);

#ifdef CONFIG_X86_64
static int pmalloc_reserve_show(struct seq_file *m, void *v)
{
	struct pmalloc_block *block;
	unsigned long free = 0;

	mutex_lock(&pmalloc_blocks_lock);
	list_for_each_entry(block, &pmalloc_blocks, node)
		free += block->nr_free;
	seq_printf(m, "blocks %u\npages %lu\nfree %lu\nfallback %lu\n",
		   pmalloc_nr_blocks,
		   (unsigned long)pmalloc_nr_blocks * PMALLOC_BLOCK_PAGES, free,
		   atomic_long_read(&pmalloc_nr_fallback));
	mutex_unlock(&pmalloc_blocks_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pmalloc_reserve);
#endif

static int __init pmalloc_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("pmalloc", NULL);

	debugfs_create_file("pools", 0400, dir, NULL, &pmalloc_pools_fops);
#ifdef CONFIG_X86_64
	debugfs_create_file("reserve", 0400, dir, NULL, &pmalloc_reserve_fops);
#endif
	return 0;
}
late_initcall(pmalloc_debugfs_init);
