/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tag values of the tag-based KASAN modes: pointers carry one in their
 * top byte, shadow bytes hold the tag their granule answers to.
 */
#ifndef _LINUX_KASAN_TAGS_H
#define _LINUX_KASAN_TAGS_H

/* Every untagged kernel pointer has it; it matches any memory tag. */
#define KASAN_TAG_KERNEL	0xFF
/* Memory no pointer may touch: free memory and redzones. */
#define KASAN_TAG_INVALID	0xFE
/* Random tags are drawn from [KASAN_TAG_MIN, KASAN_TAG_MAX]. */
#define KASAN_TAG_MAX		0xFD
/*
 * The software tag mode uses short granules: the shadow of a granule that
 * an object only partly fills holds the number of bytes in use, 1 to 15,
 * and the granule's last byte holds the object's tag. Those values cannot
 * also be tags, and 0 is left out with them so that never-tagged shadow
 * (zero) matches no pointer.
 */
#define KASAN_SHORT_GRANULE_MAX	0x0F
#define KASAN_TAG_MIN		(KASAN_SHORT_GRANULE_MAX + 1)

#endif /* _LINUX_KASAN_TAGS_H */
