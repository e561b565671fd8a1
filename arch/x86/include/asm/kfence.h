/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 support for KFENCE: the pool is split into 4K mappings once, and a page
 * is protected by clearing the Present bit of its PTE.
 */

#ifndef _ASM_X86_KFENCE_H
#define _ASM_X86_KFENCE_H

#ifndef MODULE

#include <linux/bug.h>
#include <linux/kfence.h>

#include <asm/pgalloc.h>
#include <asm/pgtable.h>
#include <asm/set_memory.h>
#include <asm/tlbflush.h>

/* The direct map may use large pages; KFENCE needs one PTE per pool page. */
static inline bool arch_kfence_init_pool(void)
{
	unsigned long addr = (unsigned long)__kfence_pool;
	unsigned long end = addr + KFENCE_POOL_SIZE;
	unsigned int level;

	for (; addr < end; addr += PAGE_SIZE) {
		if (!lookup_address(addr, &level))
			return false;
		if (level != PG_LEVEL_4K && set_memory_4k(addr, 1))
			return false;
	}
	return true;
}

static inline bool kfence_protect_page(unsigned long addr, bool protect)
{
	unsigned int level;
	pte_t *ptep = lookup_address(addr, &level);
	pteval_t old, new;

	if (WARN_ON_ONCE(!ptep || level != PG_LEVEL_4K))
		return false;

	old = pte_val(*ptep);
	if (!!(old & _PAGE_PRESENT) == !protect)
		return true;	/* already as wanted */

	/* A non-present PTE keeps its PFN inverted, so it is no L1TF gadget. */
	new = old ^ _PAGE_PRESENT;
	set_pte(ptep, __pte(flip_protnone_guard(old, new, PTE_PFN_MASK)));

	/*
	 * Non-present entries are never cached, so unprotecting needs no
	 * flush. Protecting flushes this CPU only: an IPI is not allowed with
	 * interrupts off, and a stale entry elsewhere only makes KFENCE miss
	 * an access, never report a false one.
	 */
	if (protect) {
		preempt_disable();
		flush_tlb_one_kernel(addr);
		preempt_enable();
	}
	return true;
}

#endif /* !MODULE */

#endif /* _ASM_X86_KFENCE_H */
