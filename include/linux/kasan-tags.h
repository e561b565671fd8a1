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
#define KASAN_TAG_MIN		0x00

#endif /* _LINUX_KASAN_TAGS_H */
