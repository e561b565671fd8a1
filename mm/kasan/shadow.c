// SPDX-License-Identifier: GPL-2.0
/*
 * Writing the shadow, and the checked entry points that are not plain loads
 * and stores: explicit range checks and the mem*() intrinsics. In the tag
 * mode, poisoning and unpoisoning are the same operation, writing a tag over
 * the granules of a range; they differ in which tag they write.
 */

#include <linux/export.h>
#include <linux/kasan.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "kasan.h"

/**
 * kasan_poison() - set the memory tag of a range
 * @addr: start of the range, granule-aligned (its pointer tag is ignored)
 * @size: length in bytes, rounded up to whole granules
 * @value: the tag to write (KASAN_SHADOW_FREED for memory nothing may touch)
 * @init: ignored by the software modes, whose callers initialise memory
 *        themselves (kasan_has_integrated_init() is false)
 *
 * Exported for upstream's KUnit suite, which sets tags directly.
 */
void kasan_poison(const void *addr, size_t size, u8 value, bool init)
{
	const void *start = kasan_reset_tag(addr);
	u8 *shadow;

	if (unlikely(!size))
		return;
	if (WARN_ON_ONCE(!IS_ALIGNED((unsigned long)start, KASAN_GRANULE_SIZE)))
		return;
	if (is_kfence_address(start))
		return;

	shadow = kasan_mem_to_shadow(start);
	__memset(shadow, value, DIV_ROUND_UP(size, KASAN_GRANULE_SIZE));
}
EXPORT_SYMBOL_GPL(kasan_poison);

/**
 * kasan_unpoison() - make a range accessible through its pointer's tag
 * @addr: start of the range, granule-aligned, with the tag to give it
 * @size: length in bytes; the granule holding its last byte is included
 * @init: ignored, as for kasan_poison()
 */
void kasan_unpoison(const void *addr, size_t size, bool init)
{
	kasan_poison(addr, size, get_tag(addr), init);
}

/**
 * kasan_shorten_last_granule() - make a partly used last granule short
 * @addr: start of an object, granule-aligned, with the object's tag; its
 *        granules already carry that tag
 * @size: the object's size in bytes
 *
 * When @size is not a multiple of the granule, writes the number of bytes
 * the last granule holds into its shadow and the tag into its last byte,
 * which lies past the object: the caller must own the whole granule, and
 * nothing else may keep data there (slab debugging's redzones do).
 */
void kasan_shorten_last_granule(const void *addr, size_t size)
{
	unsigned long used = size & KASAN_GRANULE_MASK;
	u8 tag = get_tag(addr);
	u8 *granule;

	if (!used || tag == KASAN_TAG_KERNEL || is_kfence_address(addr))
		return;
	granule = (u8 *)kasan_reset_tag(addr) + ALIGN_DOWN(size, KASAN_GRANULE_SIZE);
	granule[KASAN_GRANULE_SIZE - 1] = tag;
	*(u8 *)kasan_mem_to_shadow(granule) = used;
}

/**
 * kasan_clear_tag_byte() - zero a short granule's tag byte an object grows over
 * @addr: start of the object, with its tag
 * @new_size: the size it grows (or shrinks) to
 *
 * The tag byte lies past the object; once the object covers it, it is the
 * object's data again, and holds the zero it held before the tag.
 */
void kasan_clear_tag_byte(const void *addr, size_t new_size)
{
	const u8 *start = kasan_reset_tag(addr);
	size_t off;

	if (is_kfence_address(start))
		return;
	for (off = 0; off < new_size; off += KASAN_GRANULE_SIZE) {
		u8 shadow = *(u8 *)kasan_mem_to_shadow(start + off);

		if (shadow == get_tag(addr))
			continue;
		if (kasan_is_short_granule(shadow) &&
		    off + KASAN_GRANULE_MASK < new_size)
			((u8 *)start)[off + KASAN_GRANULE_MASK] = 0;
		return;
	}
}

/* ---- Explicit checks ------------------------------------------------ */

/**
 * __kasan_check_read() - check a read of @size bytes at @p
 * @p: the address, with its pointer tag
 * @size: the access size
 *
 * Return: true if the read is valid.
 */
bool __kasan_check_read(const volatile void *p, unsigned int size)
{
	return kasan_check_range((void *)p, size, false, _RET_IP_);
}
EXPORT_SYMBOL(__kasan_check_read);

/**
 * __kasan_check_write() - check a write of @size bytes at @p
 * @p: the address, with its pointer tag
 * @size: the access size
 *
 * Return: true if the write is valid.
 */
bool __kasan_check_write(const volatile void *p, unsigned int size)
{
	return kasan_check_range((void *)p, size, true, _RET_IP_);
}
EXPORT_SYMBOL(__kasan_check_write);

/* ---- mem*() ---------------------------------------------------------- */

/*
 * Both ranges are checked before anything is written: a bad call (a
 * negative length, an overflow) is reported and does nothing, rather than
 * corrupt memory after the report.
 */
static __always_inline void *kasan_memset(void *addr, int c, size_t len,
					  unsigned long ip)
{
	if (!kasan_check_range(addr, len, true, ip))
		return NULL;
	return __memset(addr, c, len);
}

static __always_inline void *kasan_memmove(void *dst, const void *src,
					   size_t len, unsigned long ip)
{
	if (!kasan_check_range(src, len, false, ip) ||
	    !kasan_check_range(dst, len, true, ip))
		return NULL;
	return __memmove(dst, src, len);
}

static __always_inline void *kasan_memcpy(void *dst, const void *src,
					  size_t len, unsigned long ip)
{
	if (!kasan_check_range(src, len, false, ip) ||
	    !kasan_check_range(dst, len, true, ip))
		return NULL;
	return __memcpy(dst, src, len);
}

#ifndef CONFIG_CC_HAS_KASAN_MEMINTRINSIC_PREFIX
/*
 * The compiler calls the plain names from instrumented code: these strong
 * definitions take the place of the architecture's weak ones, which stay
 * reachable as __mem*() (uninstrumented files call those directly).
 */
#undef memset
#undef memmove
#undef memcpy

void *memset(void *addr, int c, size_t len)
{
	return kasan_memset(addr, c, len, _RET_IP_);
}

void *memmove(void *dst, const void *src, size_t len)
{
	return kasan_memmove(dst, src, len, _RET_IP_);
}

void *memcpy(void *dst, const void *src, size_t len)
{
	return kasan_memcpy(dst, src, len, _RET_IP_);
}
#endif

/* What the compiler calls when it prefixes the intrinsics. */
void *__hwasan_memset(void *addr, int c, ssize_t len)
{
	return kasan_memset(addr, c, len, _RET_IP_);
}
EXPORT_SYMBOL(__hwasan_memset);

void *__hwasan_memmove(void *dst, const void *src, ssize_t len)
{
	return kasan_memmove(dst, src, len, _RET_IP_);
}
EXPORT_SYMBOL(__hwasan_memmove);

void *__hwasan_memcpy(void *dst, const void *src, ssize_t len)
{
	return kasan_memcpy(dst, src, len, _RET_IP_);
}
EXPORT_SYMBOL(__hwasan_memcpy);
