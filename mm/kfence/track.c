// SPDX-License-Identifier: GPL-2.0
/*
 * Who allocated and freed each KFENCE object: task, CPU, time and stack.
 *
 * Stacks are kept inline, in the object's metadata, at 4 bytes a frame: a
 * text address is stored as its distance from _text, in units of the
 * instruction alignment. That reaches every address a kernel stack holds on
 * the architectures we support: x86-64 keeps the kernel image and modules in
 * the top 2 GiB of the address space, and arm64 keeps modules within 2 GiB of
 * a 4-byte aligned kernel text. Keeping them inline, rather than in the stack
 * depot, means a stack is never lost for want of memory in atomic context,
 * and a kernel that runs only KFENCE does not pay for the depot's hash table,
 * which is sized after the machine's memory (1 MiB per GiB of RAM, up to
 * 16 MiB), for 2 stacks per object.
 */

#include <linux/limits.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <asm/sections.h>

#include "kfence.h"

#define KFENCE_FRAME_SHIFT	(IS_ENABLED(CONFIG_ARM64) ? 2 : 0)
#define KFENCE_FRAME_LOST	S32_MIN	/* an address out of reach: not text */

static s32 kfence_frame_pack(unsigned long ip)
{
	long dist = (long)(ip - (unsigned long)_text);

	if (dist & ((1L << KFENCE_FRAME_SHIFT) - 1))
		return KFENCE_FRAME_LOST;
	dist /= 1L << KFENCE_FRAME_SHIFT;
	if (dist <= S32_MIN || dist > S32_MAX)
		return KFENCE_FRAME_LOST;
	return dist;
}

/**
 * kfence_track_set() - record who is allocating or freeing an object, now
 * @t: the track, under the object's lock
 * @entries: the stack, allocator frames already skipped
 * @n: number of entries; at most KFENCE_STACK_DEPTH are kept
 */
void kfence_track_set(struct kfence_track *t, const unsigned long *entries, int n)
{
	int i;

	t->pid = task_pid_nr(current);
	t->cpu = raw_smp_processor_id();
	t->ts_nsec = local_clock();
	t->nr_frames = min(n, KFENCE_STACK_DEPTH);
	for (i = 0; i < t->nr_frames; i++)
		t->frames[i] = kfence_frame_pack(entries[i]);
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
	int i, n = 0;

	for (i = 0; i < t->nr_frames; i++) {
		if (t->frames[i] == KFENCE_FRAME_LOST)
			continue;
		entries[n++] = (unsigned long)_text +
			       (long)t->frames[i] * (1L << KFENCE_FRAME_SHIFT);
	}
	return n;
}
