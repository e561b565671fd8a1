// SPDX-License-Identifier: GPL-2.0
/*
 * Who allocated and freed each KFENCE object: task, CPU, time and stack.
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

#include <linux/limits.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <asm/sections.h>

#include "kfence.h"

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
