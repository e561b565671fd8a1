// SPDX-License-Identifier: GPL-2.0
/*
 * KFENCE redzones: the part of an object's page the object does not use is
 * filled with canary bytes when the object is allocated and checked when it
 * is freed, to catch writes that stay short of a guard page. With
 * kfence.check_on_panic, every live object is also checked when the kernel
 * panics.
 */

#include <linux/kfence.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/string.h>

#include "kfence.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "kfence."

static bool kfence_check_on_panic __ro_after_init;
module_param_named(check_on_panic, kfence_check_on_panic, bool, 0444);

/*
 * The canary of 8 aligned bytes, as one word: kfence_canary() depends only on
 * the low 3 address bits. The compiler folds this to a constant.
 */
static __always_inline u64 kfence_canary_word(void)
{
	u8 bytes[8];
	u64 word;
	int i;

	for (i = 0; i < 8; i++)
		bytes[i] = kfence_canary((void *)(unsigned long)i);
	memcpy(&word, bytes, sizeof(word));
	return word;
}

/* Fill [@from, @to) with canaries: bytes up to a word boundary, then words. */
static void kfence_fill_canaries(u8 *from, u8 *to)
{
	for (; from < to && !IS_ALIGNED((unsigned long)from, 8); from++)
		*from = kfence_canary(from);
	for (; from + 8 <= to; from += 8)
		*(u64 *)from = kfence_canary_word();
	for (; from < to; from++)
		*from = kfence_canary(from);
}

/*
 * The first byte of [@from, @to) that is not its canary, or NULL. Always
 * inlined, so that it reads the redzone with kfence_redzone_damage()'s
 * KMSAN attributes: the slab allocator poisons those bytes for KMSAN.
 */
static __always_inline const u8 *kfence_find_bad_canary(const u8 *from, const u8 *to)
{
	for (; from < to && !IS_ALIGNED((unsigned long)from, 8); from++)
		if (*from != kfence_canary(from))
			return from;
	/* A word that differs sends the search to its bytes, below. */
	for (; from + 8 <= to && *(const u64 *)from == kfence_canary_word(); from += 8)
		;
	for (; from < to; from++)
		if (*from != kfence_canary(from))
			return from;
	return NULL;
}

/**
 * kfence_write_canaries() - fill an object's redzone with canaries
 * @meta: the object, locked, placed, with its page accessible
 */
void kfence_write_canaries(const struct kfence_metadata *meta)
{
	unsigned long page = ALIGN_DOWN(meta->addr, PAGE_SIZE);

	kfence_fill_canaries((u8 *)page, (u8 *)meta->addr);
	kfence_fill_canaries((u8 *)meta->addr + meta->size, (u8 *)page + PAGE_SIZE);
}

/*
 * The first changed byte of one side of an object's redzone: left of the
 * object, or right of it to the end of the page. 0 if that side is intact.
 *
 * The redzone bytes may look uninitialised to KMSAN (SLUB poisons a freed
 * object's whole slot): never report them. Not inlined, so that the
 * attribute holds.
 */
static noinline __no_kmsan_checks unsigned long
kfence_redzone_damage(const struct kfence_metadata *meta, bool right)
{
	const u8 *page = (const u8 *)ALIGN_DOWN(meta->addr, PAGE_SIZE);
	const u8 *obj = (const u8 *)meta->addr;

	if (right)
		return (unsigned long)kfence_find_bad_canary(obj + meta->size, page + PAGE_SIZE);
	return (unsigned long)kfence_find_bad_canary(page, obj);
}

/**
 * kfence_check_canaries() - check an object's redzone
 * @meta: the object, locked, with its page accessible
 * @bad: set to the first corrupted byte if there is one
 *
 * Return: true if the whole redzone is intact.
 */
bool kfence_check_canaries(const struct kfence_metadata *meta, unsigned long *bad)
{
	unsigned long first = kfence_redzone_damage(meta, false) ?:
			      kfence_redzone_damage(meta, true);

	if (first)
		*bad = first;
	return !first;
}

/**
 * kfence_check_redzones() - report each corrupted side of an object's redzone
 * @meta: the object, locked, with its page accessible
 *
 * A side gets a report of its own, the left one first, as upstream does:
 * each report shows the bytes of its side, from its first changed byte.
 */
void kfence_check_redzones(const struct kfence_metadata *meta)
{
	unsigned long bad;
	int right;

	for (right = 0; right < 2; right++) {
		bad = kfence_redzone_damage(meta, right);
		if (bad)
			kfence_report_error(bad, true, NULL, meta, KFENCE_ERROR_CORRUPTION);
	}
}

static int kfence_panic_check(struct notifier_block *nb, unsigned long action, void *data)
{
	struct kfence_metadata *slots = kfence_slots_acquire();
	unsigned long i;

	if (!slots)
		return NOTIFY_OK;
	for (i = 0; i < kfence_num_objects; i++) {
		/* No locking: the system is going down and other CPUs are stopped. */
		if (slots[i].state == KFENCE_OBJECT_ALLOCATED)
			kfence_check_redzones(&slots[i]);
	}
	return NOTIFY_OK;
}

static struct notifier_block kfence_panic_nb = {
	.notifier_call = kfence_panic_check,
	.priority = INT_MAX,	/* before the panic prints go further */
};

/**
 * kfence_panic_check_init() - check every live object's redzone on panic
 *
 * Only with kfence.check_on_panic; called once from kfence_init().
 */
void __init kfence_panic_check_init(void)
{
	if (kfence_check_on_panic)
		atomic_notifier_chain_register(&panic_notifier_list, &kfence_panic_nb);
}
