/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Explicit checks of a memory range, for code that reaches memory where the
 * compiler cannot see it (inline assembly, atomics, user copies).
 * __kasan_check_*() always check when KASAN has a shadow; kasan_check_*()
 * check only in files the compiler instruments, so that a file built with
 * KASAN_SANITIZE := n stays unchecked throughout.
 */
#ifndef _LINUX_KASAN_CHECKS_H
#define _LINUX_KASAN_CHECKS_H

#include <linux/types.h>

#if defined(CONFIG_KASAN_GENERIC) || defined(CONFIG_KASAN_SW_TAGS)
bool __kasan_check_read(const volatile void *p, unsigned int size);
bool __kasan_check_write(const volatile void *p, unsigned int size);
#else
static inline bool __kasan_check_read(const volatile void *p,
				      unsigned int size)
{
	return true;
}

static inline bool __kasan_check_write(const volatile void *p,
				       unsigned int size)
{
	return true;
}
#endif

#ifdef __SANITIZE_ADDRESS__
#define kasan_check_read(p, size)	__kasan_check_read((p), (size))
#define kasan_check_write(p, size)	__kasan_check_write((p), (size))
#else
static inline bool kasan_check_read(const volatile void *p, unsigned int size)
{
	return true;
}

static inline bool kasan_check_write(const volatile void *p, unsigned int size)
{
	return true;
}
#endif

#endif /* _LINUX_KASAN_CHECKS_H */
