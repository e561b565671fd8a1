/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether KASAN checks memory in this kernel. The software modes are on
 * whenever they are built in, so this is a constant the compiler folds.
 */
#ifndef _LINUX_KASAN_ENABLED_H
#define _LINUX_KASAN_ENABLED_H

#include <linux/kconfig.h>
#include <linux/types.h>

static __always_inline bool kasan_enabled(void)
{
	return IS_ENABLED(CONFIG_KASAN);
}

/* kmemsafe has no hardware tag mode (yet): nothing is checked by the CPU. */
static inline bool kasan_hw_tags_enabled(void)
{
	return false;
}

#endif /* _LINUX_KASAN_ENABLED_H */
