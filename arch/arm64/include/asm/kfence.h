/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64 support for KFENCE: protecting a pool page means clearing the valid
 * bit of its linear-map entry, which the pool's page-granular mapping allows.
 */

#ifndef __ASM_KFENCE_H
#define __ASM_KFENCE_H

#include <asm/set_memory.h>

/* The pool is mapped with pages from the start (see arm64_kfence_map_pool()). */
static inline bool arch_kfence_init_pool(void) { return true; }

static inline bool kfence_protect_page(unsigned long addr, bool protect)
{
	/* set_memory_valid() flushes the TLB by broadcast: no IPI, any context. */
	return !set_memory_valid(addr, 1, !protect);
}

#ifdef CONFIG_KFENCE
/*
 * True when the pool was reserved in setup_arch(); the rest of the linear map
 * may then use block mappings.
 */
extern bool kfence_early_init;
static inline bool arm64_kfence_can_set_direct_map(void)
{
	return !kfence_early_init;
}
#else /* CONFIG_KFENCE */
static inline bool arm64_kfence_can_set_direct_map(void) { return false; }
#endif /* CONFIG_KFENCE */

#endif /* __ASM_KFENCE_H */
