// SPDX-License-Identifier: GPL-2.0
/*
 * KFENCE stacks: who allocated and freed each object (task, CPU, time and
 * stack), and which frames of a stack to skip as KFENCE's or the slab
 * allocator's, so that a stack and a report start at the code to blame.
 *
 * Stacks are kept inline, in the object's metadata, mostly at 4 bytes a
 * frame: a text address is stored as its distance from _text, in units of
 * the instruction alignment. That reaches the kernel image and modules on
 * arm64 and x86-64, and on x86-64 every other kind of kernel text too (BPF
 * programs, trampolines, kprobe slots). On arm64 those may sit anywhere in
 * vmalloc space: such a frame takes three entries, a marker and the full
 * address. Keeping stacks inline, rather than in the stack depot, means a
 * stack is never lost for want of memory in atomic context, and a kernel
 * that runs only KFENCE does not pay for the depot's hash table, which is
 * sized after the machine's memory (1 MiB per GiB of RAM, up to 16 MiB), for
 * 2 stacks per object.
 */

#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/sprintf.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <asm/kfence.h>
#include <asm/sections.h>

#include "kfence.h"

/* May be overridden by <asm/kfence.h>. */
#ifndef ARCH_FUNC_PREFIX
#define ARCH_FUNC_PREFIX ""
#endif

/* ===== Stack frames ===== */

/*
 * Allocator entry points and helpers that sit between KFENCE and the code a
 * report is about. The first frame after them is the one to blame, for the
 * title of a report and for the top of an allocation or free stack.
 */
static const char *const kfence_allocator_funcs[] = {
	"kfree", "kfree_sensitive", "kvfree", "kvfree_sensitive", "kvfree_call_rcu",
	"kmem_cache_free", "kmem_cache_free_bulk", "__kmem_cache_free_bulk",
	"build_detached_freelist", "slab_free_after_rcu_debug", "do_slab_free", "__slab_free",
	"kmem_cache_alloc_noprof", "kmem_cache_alloc_node_noprof",
	"kmem_cache_alloc_lru_noprof", "kmem_cache_alloc_bulk_noprof",
	"__kmem_cache_alloc_bulk", "__kmalloc_noprof", "__kmalloc_node_noprof",
	"__kmalloc_cache_noprof", "__kmalloc_cache_node_noprof",
	"__kmalloc_node_track_caller_noprof", "__kvmalloc_node_noprof",
	"krealloc_noprof", "kvrealloc_noprof", "slab_alloc_node", "slab_free",
	"__slab_alloc_node", "__slab_alloc", "___slab_alloc", "__slab_alloc_sampled",
};

static bool kfence_frame_is_internal(unsigned long ip)
{
	char name[KSYM_NAME_LEN];
	size_t len, plen = strlen(ARCH_FUNC_PREFIX);
	const char *fn;
	int i;

	scnprintf(name, sizeof(name), "%ps", (void *)ip);
	fn = name;
	if (plen && !strncmp(fn, ARCH_FUNC_PREFIX, plen))
		fn += plen;
	/* Ours: every function in mm/kfence is named kfence_* or __kfence_*. */
	if (str_has_prefix(fn, "kfence_") || str_has_prefix(fn, "__kfence_"))
		return true;
	/* Compare up to a compiler suffix such as ".constprop.0" or ".cold". */
	len = strcspn(fn, ". ");
	for (i = 0; i < ARRAY_SIZE(kfence_allocator_funcs); i++) {
		if (strlen(kfence_allocator_funcs[i]) == len &&
		    !strncmp(fn, kfence_allocator_funcs[i], len))
			return true;
	}
	return false;
}

/*
 * Looking a frame's name up costs thousands of instructions, and every
 * sampled allocation and every free of a KFENCE object skips frames, which
 * are mostly the same few allocator return addresses: remember the verdict
 * for recent ones. An entry is one word, the address with bit 62 (set in
 * every kernel text address on 64-bit arm64 and x86) cleared for a frame
 * that is not internal, so a racing update is either seen whole or not at
 * all; a lost one only costs a lookup. Only verdicts that cannot go stale
 * are kept: "internal" for core kernel text, "not internal" for any text.
 */
#if BITS_PER_LONG == 64
#define KFENCE_FRAME_CACHE_BITS	6
#define KFENCE_FRAME_OURS	BIT(62)

static unsigned long kfence_frame_cache[1 << KFENCE_FRAME_CACHE_BITS];

static bool kfence_frame_skip(unsigned long ip)
{
	unsigned long *slot = &kfence_frame_cache[hash_long(ip, KFENCE_FRAME_CACHE_BITS)];
	unsigned long entry = READ_ONCE(*slot);
	bool internal;

	if (!(ip & KFENCE_FRAME_OURS))
		return kfence_frame_is_internal(ip);
	if ((entry | KFENCE_FRAME_OURS) == ip)
		return entry & KFENCE_FRAME_OURS;
	internal = kfence_frame_is_internal(ip);
	if (!internal)
		WRITE_ONCE(*slot, ip & ~KFENCE_FRAME_OURS);
	else if (core_kernel_text(ip))
		WRITE_ONCE(*slot, ip);
	return internal;
}
#else
static bool kfence_frame_skip(unsigned long ip)
{
	return kfence_frame_is_internal(ip);
}
#endif

/**
 * kfence_skip_frames() - number of leading KFENCE and allocator frames
 * @entries: a stack trace, innermost frame first
 * @n: number of entries
 *
 * Return: index of the first frame that belongs to neither KFENCE nor the slab
 * allocator's entry points, or 0 if every frame does.
 */
int kfence_skip_frames(const unsigned long *entries, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!kfence_frame_skip(entries[i]))
			return i;
	}
	return 0;
}

/**
 * kfence_save_stack() - the current stack, and where the code to blame starts
 * @entries: room for KFENCE_STACK_DEPTH entries
 * @skip: set to kfence_skip_frames() of the stack
 *
 * Return: the number of entries saved.
 */
int kfence_save_stack(unsigned long *entries, int *skip)
{
	int n = stack_trace_save(entries, KFENCE_STACK_DEPTH, 0);

	*skip = kfence_skip_frames(entries, n);
	return n;
}

/* ===== Tracks ===== */

#define KFENCE_FRAME_SHIFT	(IS_ENABLED(CONFIG_ARM64) ? 2 : 0)
#define KFENCE_FRAME_FAR	S32_MIN	/* the next two entries hold the address */

/* The distance of @ip from _text, or KFENCE_FRAME_FAR if 32 bits cannot hold it. */
static s32 kfence_frame_pack(unsigned long ip)
{
	long dist = (long)(ip - (unsigned long)_text);

	if (dist & ((1L << KFENCE_FRAME_SHIFT) - 1))
		return KFENCE_FRAME_FAR;
	dist /= 1L << KFENCE_FRAME_SHIFT;
	if (dist <= S32_MIN || dist > S32_MAX)
		return KFENCE_FRAME_FAR;
	return dist;
}

/**
 * kfence_track_set() - record who is allocating or freeing an object, now
 * @t: the track, under the object's lock
 * @entries: the stack, allocator frames already skipped
 * @n: number of entries; as many as fit are kept
 */
void kfence_track_set(struct kfence_track *t, const unsigned long *entries, int n)
{
	int i, k = 0;

	t->pid = task_pid_nr(current);
	t->cpu = raw_smp_processor_id();
	t->ts_nsec = local_clock();
	for (i = 0; i < n && k < KFENCE_STACK_DEPTH; i++) {
		s32 near = kfence_frame_pack(entries[i]);

		if (near != KFENCE_FRAME_FAR) {
			t->frames[k++] = near;
			continue;
		}
		if (BITS_PER_LONG < 64 || k + 3 > KFENCE_STACK_DEPTH)
			break;
		t->frames[k++] = KFENCE_FRAME_FAR;
		t->frames[k++] = (s32)(u32)((u64)entries[i] >> 32);
		t->frames[k++] = (s32)(u32)entries[i];
	}
	t->nr_frames = k;
}

/**
 * kfence_track_stack() - the stack of a track, as addresses
 * @t: the track, under the object's lock
 * @entries: room for KFENCE_STACK_DEPTH addresses
 *
 * Return: the number of addresses written to @entries.
 */
int kfence_track_stack(const struct kfence_track *t, unsigned long *entries)
{
	int k = 0, n = 0;

	while (k < t->nr_frames) {
		if (t->frames[k] != KFENCE_FRAME_FAR) {
			entries[n++] = (unsigned long)_text +
				       (long)t->frames[k++] * (1L << KFENCE_FRAME_SHIFT);
		} else if (k + 3 <= t->nr_frames) {
			entries[n++] = (unsigned long)((u64)(u32)t->frames[k + 1] << 32 |
						       (u32)t->frames[k + 2]);
			k += 3;
		} else {
			break;
		}
	}
	return n;
}
