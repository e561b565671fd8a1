// SPDX-License-Identifier: GPL-2.0
/*
 * pmalloc: linear allocation from a pool's own vmalloc areas, sealed
 * read-only once the pool's user has built its data, with write-rare
 * updates through a private mapping and a report for a write that faults on
 * a sealed pool.
 *
 * Each area starts with a header, and the first area holds the pool's
 * descriptor after it, so the bookkeeping that says where the data is (and
 * what write-rare may change) is sealed with the data. Only a small
 * registration record stays writable: what destroy, debugfs and the fault
 * report need to find the pool.
 */

#include <linux/debugfs.h>
#include <linux/kasan.h>
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

/* ---- Areas ---------------------------------------------------------- */

/*
 * A new area of at least @bytes, zeroed, header filled in, charged to
 * @caller in /proc/vmallocinfo. VM_FLUSH_RESET_PERMS makes vfree() map the
 * direct-map alias back and flush the TLB before the pages are reused,
 * whatever seal did to them. A large request fails rather than wake the
 * OOM killer.
 */
static struct pmalloc_area *pmalloc_new_area(size_t bytes, unsigned long caller)
{
	size_t size = PAGE_ALIGN(bytes);
	struct pmalloc_area *area;

	area = __vmalloc_node_range(size, PAGE_SIZE, VMALLOC_START, VMALLOC_END,
				    GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN |
				    __GFP_RETRY_MAYFAIL, PAGE_KERNEL,
				    VM_FLUSH_RESET_PERMS, NUMA_NO_NODE,
				    (void *)caller);
	if (!area)
		return NULL;
	area->size = size;
	area->used = PMALLOC_HDR;
	return area;
}

static void pmalloc_free_areas(struct pmalloc_area *area)
{
	while (area) {
		struct pmalloc_area *next = area->next;

		vfree(area);
		area = next;
	}
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
	struct pmalloc_area *area;
	void *p = NULL;

	if (!pmalloc_pool_ok(pool, __func__))
		return NULL;
	if (WARN_ONCE(!size || size > PMALLOC_MAX_SIZE,
		      "%s: %zu bytes from pool %s\n", __func__, size, pool->name))
		return NULL;
	size = ALIGN(size, PMALLOC_ALIGN);

	mutex_lock(&pool->reg->lock);
	if (WARN_ONCE(pool->sealed, "%s: allocation from sealed pool %s\n",
		      __func__, pool->name))
		goto out;
	area = pool->areas;
	if (area->size - area->used < size) {
		struct pmalloc_area *cur = area;

		area = pmalloc_new_area(PMALLOC_HDR + size, _RET_IP_);
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
out:
	mutex_unlock(&pool->reg->lock);
	return p;
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
	return pmalloc(pool, size);
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
	p = pmalloc(pool, len);
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
 * then needs no split; x86 splits the large page each page sits in.
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
 * Documentation/core-api/pmalloc.rst). The unused tail of each area is
 * poisoned for KASAN first. Sealing twice WARNs once and fails.
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL for a pool that is not one or is sealed already, or
 * the error of set_memory_ro(): the pool is then open again, or, if even
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
	for (area = pool->areas; area; area = area->next)
		kasan_poison_vmalloc((void *)area + area->used,
				     area->size - area->used);
	/*
	 * Written while the pages can still be written. The fault report
	 * trusts a pool once it reads sealed, and by then nothing changes.
	 */
	WRITE_ONCE(pool->sealed, true);
	pool->alias_unmapped = alias;
	for (area = pool->areas; area; area = area->next) {
		ret = set_memory_ro((unsigned long)area, area->size >> PAGE_SHIFT);
		if (ret)
			break;
	}
	if (ret) {
		bool undone = true;

		/* The failed area too: x86 may have changed part of it. */
		for (done = pool->areas; done != area->next; done = done->next)
			undone &= !set_memory_rw((unsigned long)done,
						 done->size >> PAGE_SHIFT);
		/* The descriptor may still be read-only: then stay sealed. */
		if (WARN_ONCE(!undone, "%s: pool %s left sealed after error %d\n",
			      __func__, pool->name, ret))
			goto out;
		WRITE_ONCE(pool->sealed, false);
		pool->alias_unmapped = false;
		for (area = pool->areas; area; area = area->next)
			kasan_unpoison_range((void *)area + area->used,
					     area->size - area->used);
		goto out;
	}
	/* The alias goes once the pages are sealed: no window between. */
	for (area = pool->areas; pool->alias_unmapped && area; area = area->next)
		alias &= pmalloc_unmap_alias(area);
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
			   pool->alias_unmapped ? "unmapped" : "mapped");
		mutex_unlock(&reg->lock);
	}
	mutex_unlock(&pmalloc_pools_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pmalloc_pools);

static int __init pmalloc_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("pmalloc", NULL);

	debugfs_create_file("pools", 0400, dir, NULL, &pmalloc_pools_fops);
	return 0;
}
late_initcall(pmalloc_debugfs_init);
