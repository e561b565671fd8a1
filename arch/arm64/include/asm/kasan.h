/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64's side of KASAN: where a pointer keeps its tag (the top byte, which
 * TBI makes the MMU ignore), and the two calls that set up the shadow, from
 * head.S and from setup_arch().
 */
#ifndef __ASM_KASAN_H
#define __ASM_KASAN_H

#ifndef __ASSEMBLY__

#include <linux/linkage.h>
#include <asm/memory.h>
#include <asm/mte-kasan.h>
#include <asm/pgtable-types.h>

/*
 * Defined with or without KASAN: is_ttbr1_addr() in asm/processor.h (which
 * includes this header for it) strips tags with arch_kasan_reset_tag(). In a
 * kernel without a tag mode the __tag_*() helpers change nothing, and the
 * tag read back is 0. Resetting gives the match-all tag 0xff, which is what
 * an untagged kernel pointer carries.
 */
#define arch_kasan_set_tag(addr, tag)	__tag_set((addr), (tag))
#define arch_kasan_reset_tag(addr)	__tag_reset((addr))
#define arch_kasan_get_tag(addr)	__tag_get((addr))

#if IS_ENABLED(CONFIG_KASAN_GENERIC) || IS_ENABLED(CONFIG_KASAN_SW_TAGS)

/* Map all of the shadow to the early page (head.S, before start_kernel()). */
asmlinkage void kasan_early_init(void);
/* Replace it with the real shadow (setup_arch(), after paging_init()). */
void kasan_init(void);

#else

/*
 * head.S calls kasan_early_init() only in a software mode; setup_arch()
 * calls kasan_init() in every kernel.
 */
static inline void kasan_early_init(void)
{
}

static inline void kasan_init(void)
{
}

#endif

#endif /* __ASSEMBLY__ */
#endif /* __ASM_KASAN_H */
