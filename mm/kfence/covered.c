// SPDX-License-Identifier: GPL-2.0
/*
 * KFENCE covered-stacks filter: a counting filter of the allocation stacks
 * that currently own an object, two counters per stack. Once the pool is
 * kfence.skip_covered_thresh percent full, allocations from stacks already
 * in the pool are skipped, so that the remaining slots go to code paths not
 * yet covered.
 */

#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/kfence.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/stacktrace.h>

#include "kfence.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "kfence."

static atomic_t *kfence_covered;
static u32 kfence_covered_bits;
static u32 kfence_covered_seed;

unsigned long kfence_skip_covered_thresh __read_mostly = 75;

static struct kfence_knob kfence_thresh_knob = {
	.name = "skip_covered_thresh", .value = &kfence_skip_covered_thresh,
	.max = 100, .unit = " %",
};
module_param_cb(skip_covered_thresh, &kfence_knob_ops, &kfence_thresh_knob, 0644);

/* Four counters per object or more keep collisions rare. */
static unsigned long kfence_covered_slots(void)
{
	return roundup_pow_of_two(4 * kfence_num_objects);
}

/**
 * kfence_covered_bytes() - room the filter needs, for the pool's size
 *
 * Return: the size of the storage to pass to kfence_covered_init().
 */
size_t kfence_covered_bytes(void)
{
	return kfence_covered_slots() * sizeof(atomic_t);
}

/**
 * kfence_covered_init() - start the filter on zeroed storage
 * @storage: kfence_covered_bytes() of zeroed memory, kept for good
 */
void kfence_covered_init(void *storage)
{
	kfence_covered = storage;
	kfence_covered_bits = ilog2(kfence_covered_slots());
	/*
	 * A fresh seed per boot: with a fixed one, every machine of a fleet
	 * would share the same colliding sites, and a site hidden by a
	 * collision would be hidden everywhere.
	 */
	kfence_covered_seed = get_random_u32();
}

/*
 * Frames of an allocation stack that name its site for the filter. The
 * innermost few are enough to tell sites apart; the deeper ones vary with
 * how the caller was reached and would split one site into many.
 */
#define KFENCE_COVERED_DEPTH	8U

/**
 * kfence_covered_key() - the filter's key for an allocation stack
 * @entries: the stack, KFENCE and allocator frames already skipped
 * @n: number of entries
 *
 * Frames below an interrupt entry belong to whatever the interrupt
 * interrupted, not to the allocation site: filter_irq_stacks() drops them,
 * or no allocation in interrupt context would ever match.
 *
 * Return: the key, stored with the object for kfence_covered_add().
 */
u32 kfence_covered_key(unsigned long *entries, unsigned int n)
{
	n = min(filter_irq_stacks(entries, n), KFENCE_COVERED_DEPTH);
	return jhash(entries, n * sizeof(entries[0]), kfence_covered_seed);
}

/* The filter's two counters for a key. */
static atomic_t *kfence_covered_slot(u32 key, int which)
{
	u32 i = which ? hash_32(key, kfence_covered_bits) : key & (BIT(kfence_covered_bits) - 1);

	return &kfence_covered[i];
}

/**
 * kfence_covered_add() - count an object in or out of the filter
 * @key: its allocation stack's key
 * @delta: 1 when it is allocated, -1 when it is freed
 */
void kfence_covered_add(u32 key, int delta)
{
	atomic_add(delta, kfence_covered_slot(key, 0));
	atomic_add(delta, kfence_covered_slot(key, 1));
}

static bool kfence_covered_contains(u32 key)
{
	return atomic_read(kfence_covered_slot(key, 0)) > 0 &&
	       atomic_read(kfence_covered_slot(key, 1)) > 0;
}

static bool kfence_pool_crowded(void)
{
	unsigned long thresh = READ_ONCE(kfence_skip_covered_thresh);

	return thresh && atomic_long_read(&kfence_stats[KFENCE_STAT_ALLOCATED]) >=
			 thresh * kfence_num_objects / 100;
}

/**
 * kfence_covered_skip() - whether to skip an allocation from a covered stack
 * @key: the allocation stack's key
 *
 * Return: true if the pool is crowded and @key already owns an object.
 */
bool kfence_covered_skip(u32 key)
{
	return kfence_pool_crowded() && kfence_covered_contains(key);
}
