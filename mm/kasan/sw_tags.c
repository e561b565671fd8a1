// SPDX-License-Identifier: GPL-2.0
/*
 * The software tag engine: where tags come from, and the check every
 * instrumented access ends in. Clang's outline instrumentation calls
 * __hwasan_{load,store}*_noabort(); its inline checks branch, on a mismatch
 * only, to __hwasan_tag_mismatch (arch assembly), which calls
 * kasan_tag_mismatch() here; fully inlined checks trap with brk 0x9xx, which
 * arm64's brk handler turns into kasan_report().
 */

#define pr_fmt(fmt) "kasan: " fmt

#include <linux/export.h>
#include <linux/init.h>
#include <linux/kasan.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/timex.h>
#include <linux/wordpart.h>

#include "kasan.h"

/* ---- Tags ------------------------------------------------------------ */

/*
 * A xorshift generator per CPU: a few instructions per tag, no shared cache
 * line. Tags need to be unpredictable enough to make collisions between
 * unrelated pointers rare, not secret. A preemption between the load and the
 * store at worst hands two allocations the same tag, which the allocation
 * hooks tolerate (they only make neighbours differ).
 */
static DEFINE_PER_CPU(u32, kasan_tag_state);

/**
 * kasan_random_tag() - a tag for a new allocation
 *
 * Return: a tag in [KASAN_TAG_MIN, KASAN_TAG_MAX], never the match-all or
 * the invalid tag.
 */
u8 kasan_random_tag(void)
{
	u32 x = raw_cpu_read(kasan_tag_state);
	u32 span = KASAN_TAG_MAX - KASAN_TAG_MIN + 1;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	raw_cpu_write(kasan_tag_state, x);
	/* Scale to the span without a division. */
	return KASAN_TAG_MIN + (u8)(((u64)x * span) >> 32);
}

/**
 * kasan_init_sw_tags() - seed the tag generators and start the history
 *
 * Called by arm64's smp_prepare_boot_cpu(), once the per-CPU areas exist.
 */
void __init kasan_init_sw_tags(void)
{
	/* Before random_init_early(): the cycle counter is what there is. */
	u32 seed = (u32)get_cycles();
	int cpu;

	for_each_possible_cpu(cpu) {
		/* xorshift must never hold 0; any other value cycles. */
		u32 s = seed ^ (0x9e3779b9u * (cpu + 1));

		per_cpu(kasan_tag_state, cpu) = s ? s : 1;
	}

	kasan_init_tags();
	kasan_init_slab_seed(seed);

	pr_info("KernelAddressSanitizer initialized (sw-tags, stacktrace=%s)\n",
		kasan_stack_collection_enabled() ? "on" : "off");
}

/* ---- The check ------------------------------------------------------- */

/* @tag in every byte of a word, for comparing 8 shadow bytes at once. */
static __always_inline unsigned long kasan_tag_word(u8 tag)
{
	return REPEAT_BYTE(tag);
}

/* The first shadow byte in [@s, @end) that is not @tag, or NULL. */
static const u8 *kasan_find_mismatch(const u8 *s, const u8 *end, u8 tag)
{
	unsigned long want = kasan_tag_word(tag);

	while (s < end && !IS_ALIGNED((unsigned long)s, sizeof(long))) {
		if (*s != tag)
			return s;
		s++;
	}
	while (s + sizeof(long) <= end) {
		if (*(const unsigned long *)s != want)
			break;
		s += sizeof(long);
	}
	while (s < end) {
		if (*s != tag)
			return s;
		s++;
	}
	return NULL;
}

/**
 * kasan_check_range() - check an access against the shadow
 * @addr: the address accessed, with the pointer's tag
 * @size: the access size in bytes
 * @write: whether the access is a write
 * @ret_ip: the instruction that made the access, for the report
 *
 * Return: true if the access is valid; false if it was reported (or would
 * have been, had reports not been suppressed).
 */
bool kasan_check_range(const void *addr, size_t size, bool write,
		       unsigned long ret_ip)
{
	const void *untagged;
	const u8 *last;
	u8 tag;

	if (unlikely(!size))
		return true;

	/*
	 * A size that wraps the address space is a negative length: reported,
	 * and refused even when the report is suppressed, so that a checked
	 * mem*() never runs with it.
	 */
	untagged = kasan_reset_tag(addr);
	if (unlikely((unsigned long)untagged + size < (unsigned long)untagged)) {
		kasan_report(addr, size, write, ret_ip);
		return false;
	}

	tag = get_tag(addr);
	if (tag == KASAN_TAG_KERNEL)
		return true;

	if (unlikely(!addr_has_metadata(untagged)))
		return !kasan_report(addr, size, write, ret_ip);

	/*
	 * Every granule but the last must carry the tag; the last may also be
	 * a short granule the access ends inside. The report finds the first
	 * bad byte itself.
	 */
	last = kasan_mem_to_shadow(untagged + size - 1);
	if (likely(!kasan_find_mismatch(kasan_mem_to_shadow(untagged), last, tag) &&
		   (*last == tag ||
		    kasan_short_granule_ok(untagged + size - 1, *last, tag))))
		return true;
	return !kasan_report(addr, size, write, ret_ip);
}

/**
 * kasan_byte_accessible() - whether one byte may be accessed through @addr
 * @addr: a tagged pointer
 *
 * Return: true if the pointer has the match-all tag (untagged pointers:
 * KFENCE's objects, the kernel image, kfree_via_page()) or the byte's memory
 * tag, or the byte is among the used bytes of a short granule with the
 * pointer's tag; false for memory without shadow. Freed memory and redzones hold a
 * tag no pointer is given, so a tagged pointer never reaches them.
 */
bool kasan_byte_accessible(const void *addr)
{
	u8 ptr_tag = get_tag(addr);
	u8 shadow;

	if (!addr_has_metadata(addr))
		return false;
	if (ptr_tag == KASAN_TAG_KERNEL)
		return true;
	shadow = *kasan_shadow_of(addr);
	return ptr_tag == shadow ||
	       kasan_short_granule_ok(kasan_reset_tag(addr), shadow, ptr_tag);
}

/* ---- Entry points of the instrumentation ----------------------------- */

/* One sized entry point: a check of @size bytes, loaded or stored. */
#define KASAN_ENTRY(kind, size, is_write)				\
void __hwasan_##kind##size##_noabort(void *addr)			\
{									\
	kasan_check_range(addr, size, is_write, _RET_IP_);		\
}

KASAN_ENTRY(load, 1, false)
EXPORT_SYMBOL(__hwasan_load1_noabort);
KASAN_ENTRY(load, 2, false)
EXPORT_SYMBOL(__hwasan_load2_noabort);
KASAN_ENTRY(load, 4, false)
EXPORT_SYMBOL(__hwasan_load4_noabort);
KASAN_ENTRY(load, 8, false)
EXPORT_SYMBOL(__hwasan_load8_noabort);
KASAN_ENTRY(load, 16, false)
EXPORT_SYMBOL(__hwasan_load16_noabort);
KASAN_ENTRY(store, 1, true)
EXPORT_SYMBOL(__hwasan_store1_noabort);
KASAN_ENTRY(store, 2, true)
EXPORT_SYMBOL(__hwasan_store2_noabort);
KASAN_ENTRY(store, 4, true)
EXPORT_SYMBOL(__hwasan_store4_noabort);
KASAN_ENTRY(store, 8, true)
EXPORT_SYMBOL(__hwasan_store8_noabort);
KASAN_ENTRY(store, 16, true)
EXPORT_SYMBOL(__hwasan_store16_noabort);

/* Accesses of a size known only at run time (memory intrinsics, structs). */
void __hwasan_loadN_noabort(void *addr, ssize_t size)
{
	kasan_check_range(addr, size, false, _RET_IP_);
}
EXPORT_SYMBOL(__hwasan_loadN_noabort);

void __hwasan_storeN_noabort(void *addr, ssize_t size)
{
	kasan_check_range(addr, size, true, _RET_IP_);
}
EXPORT_SYMBOL(__hwasan_storeN_noabort);

/* Stack instrumentation tags (and at return untags) stack slots. */
void __hwasan_tag_memory(void *addr, u8 tag, ssize_t size)
{
	kasan_poison(addr, size, tag, false);
}
EXPORT_SYMBOL(__hwasan_tag_memory);

/*
 * Access info as the inline checks encode it (and the brk immediate with
 * it): bits 0-3 log2 of the size, bit 4 a write, bit 5 recoverable.
 */
#define KASAN_ACCESS_SIZE(info)		(1UL << ((info) & 0xf))
#define KASAN_ACCESS_WRITE(info)	(!!((info) & 0x10))

/**
 * kasan_tag_mismatch() - an inline check failed
 * @addr: the address accessed, with the pointer's tag
 * @access_info: the compiler's encoding of the access
 * @ret_ip: where the instrumented code resumes
 *
 * Called by __hwasan_tag_mismatch (arch/arm64/lib/kasan_sw_tags.S) with
 * every register of the instrumented code saved.
 */
asmlinkage void kasan_tag_mismatch(unsigned long addr, unsigned long access_info,
				   unsigned long ret_ip)
{
	/*
	 * The full check, not a bare report: the thunk compares tags only,
	 * and the assembly before this redoes its short-granule test, but
	 * the shadow may have changed since (a concurrent kmalloc of the
	 * granule's object) and the full check is what outline mode does.
	 */
	kasan_check_range((void *)addr, KASAN_ACCESS_SIZE(access_info),
			  KASAN_ACCESS_WRITE(access_info), ret_ip);
}
