// SPDX-License-Identifier: GPL-2.0
/*
 * The allocation history of the tag mode: a ring of the latest allocations
 * and frees of slab objects, each with its task and stack. The tag mode
 * keeps no metadata in or beside objects, so a report finds the stacks of
 * the buggy object here, by the object's address and the pointer's tag,
 * and learns from the order of the events whether the object was freed.
 */

#define pr_fmt(fmt) "kasan: " fmt

#include <linux/atomic.h>
#include <linux/ftrace.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/kasan.h>
#include <linux/kprobes.h>
#include <linux/log2.h>
#include <linux/memblock.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#ifdef CONFIG_ARM64
#include <asm/stacktrace.h>
#endif

#include "kasan.h"

/*
 * One event: 16 bytes. The object pointer keeps its tag; bit 0, never set
 * in a slab object's address (objects are at least 16-byte aligned), marks
 * a free. ptr is 0 while the event is being written.
 */
struct kasan_event {
	unsigned long ptr;
	u32 pid;
	depot_stack_handle_t stack;
};

#define KASAN_EVENT_FREE	1UL

#define KASAN_HISTORY_DEFAULT	(32UL << 10)
#define KASAN_HISTORY_MAX	BIT(24)
#define KASAN_STACK_DEPTH	64

bool kasan_flag_stacktrace __ro_after_init = true;

static struct {
	struct kasan_event *events;
	unsigned long mask;		/* entries - 1, a power of two */
	atomic_long_t next;		/* events ever recorded */
} kasan_history;

static unsigned long kasan_history_entries __initdata = KASAN_HISTORY_DEFAULT;

/* ---- Parameters ----------------------------------------------------- */

static int __init kasan_parse_stacktrace(char *arg)
{
	bool on;

	if (!arg || kstrtobool(arg, &on)) {
		pr_err("invalid kasan.stacktrace '%s' (on|off), keeping %s\n",
		       arg ?: "", kasan_flag_stacktrace ? "on" : "off");
		return 0;
	}
	kasan_flag_stacktrace = on;
	return 0;
}
early_param("kasan.stacktrace", kasan_parse_stacktrace);

static int __init kasan_parse_stack_ring_size(char *arg)
{
	unsigned long n;

	if (!arg || kstrtoul(arg, 0, &n) || !n || n > KASAN_HISTORY_MAX) {
		pr_err("invalid kasan.stack_ring_size '%s' (1 to %lu), keeping %lu\n",
		       arg ?: "", KASAN_HISTORY_MAX, kasan_history_entries);
		return 0;
	}
	kasan_history_entries = n;
	return 0;
}
early_param("kasan.stack_ring_size", kasan_parse_stack_ring_size);

/**
 * kasan_init_tags() - allocate the history
 *
 * From kasan_init_sw_tags(), while memblock still hands out memory. The
 * size is rounded up to a power of two, so that an event's slot is a mask
 * of its number.
 */
void __init kasan_init_tags(void)
{
	unsigned long n = roundup_pow_of_two(kasan_history_entries);

	if (!kasan_flag_stacktrace)
		return;

	if (n != kasan_history_entries)
		pr_info("stack ring of %lu entries (%lu rounded up to a power of 2)\n",
			n, kasan_history_entries);

	kasan_history.events = memblock_alloc(n * sizeof(struct kasan_event),
					      SMP_CACHE_BYTES);
	if (!kasan_history.events) {
		pr_err("no memory for the stack ring, reports will have no stacks\n");
		kasan_flag_stacktrace = false;
		return;
	}
	kasan_history.mask = n - 1;
}

/* ---- Stacks --------------------------------------------------------- */

/*
 * Saving two stacks is most of what an allocation and its free cost with
 * KASAN on: the generic unwinder spends a few hundred instructions a frame
 * on checks a walk of our own stack does not need, and the stack depot
 * hashes and filters the whole trace and searches a bucket even when it
 * holds the trace already, which it nearly always does (the allocation
 * sites of a running kernel are few). So:
 *
 *  1. on arm64, the trace is read straight off the chain of frame records
 *     (x29), a load pair and a few checks a frame, and hashed on the way;
 *  2. a small per-CPU cache maps that hash to the depot handle the trace
 *     was given last time; only a miss goes to the depot. It has two ways
 *     per set, the newest first: two sites that one operation always
 *     passes through (vmalloc() allocates twice) may share a set without
 *     evicting each other on every call.
 *
 * The walk gives up, for stack_trace_save(), on anything it does not
 * handle: a frame pointer outside the stack it started on or going the
 * wrong way, a return address the function graph tracer or a kretprobe
 * has replaced, a stack other than the task's or this CPU's IRQ stack.
 * The hash is 64 bits of the return addresses and the depth: two traces
 * that the cache confuses are not worth guarding against further.
 */

#define KASAN_STACK_SETS_SHIFT	6	/* 64 sets of 2: 128 entries per CPU */

struct kasan_stack_cache_entry {
	u64 key;
	depot_stack_handle_t handle;
};

struct kasan_stack_cache_set {
	struct kasan_stack_cache_entry way[2];	/* way[0] the newer */
};

static DEFINE_PER_CPU(struct kasan_stack_cache_set[1 << KASAN_STACK_SETS_SHIFT],
		      kasan_stack_cache);

/* The set of @key: its top bits, the best mixed of the hash. */
static __always_inline struct kasan_stack_cache_set *kasan_stack_set(u64 key)
{
	return this_cpu_ptr(&kasan_stack_cache[key >> (64 - KASAN_STACK_SETS_SHIFT)]);
}

/* The handle cached for @key, 0 if none; a hit in the older way becomes the newer. */
static __always_inline depot_stack_handle_t kasan_stack_lookup(u64 key)
{
	struct kasan_stack_cache_set *set = kasan_stack_set(key);
	struct kasan_stack_cache_entry hit;

	if (set->way[0].key == key)
		return set->way[0].handle;
	if (set->way[1].key != key)
		return 0;
	hit = set->way[1];
	set->way[1] = set->way[0];
	set->way[0] = hit;
	return hit.handle;
}

/* Cache @handle for @key as the newer of its set, the older one dropped. */
static __always_inline void kasan_stack_insert(u64 key, depot_stack_handle_t handle)
{
	struct kasan_stack_cache_set *set = kasan_stack_set(key);

	set->way[1] = set->way[0];
	set->way[0].key = key;
	set->way[0].handle = handle;
}

static __always_inline u64 kasan_stack_mix(u64 h, unsigned long pc)
{
	h = (h ^ pc) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

#ifdef CONFIG_ARM64
/* A frame record: the caller's x29 and the return address, as AAPCS64 lays them out. */
struct kasan_frame_record {
	unsigned long fp;
	unsigned long lr;
};

/*
 * Fill @entries from the frame records of the stack we run on, starting
 * with the return address in the frame record of the function this is
 * inlined into (kasan_capture_stack(), which calls and so always has one).
 * Return: the depth, 0 if the walk gave up (see above); *@key gets the
 * hash of what was saved.
 */
static __always_inline unsigned int kasan_walk_frames(unsigned long *entries,
						      unsigned int max, u64 *key)
{
	unsigned long fp = (unsigned long)__builtin_frame_address(0);
	struct stack_info stack = stackinfo_get_task(current);
	unsigned int n = 0;
	u64 h = 0;

	if (!stackinfo_on_stack(&stack, fp, sizeof(struct kasan_frame_record))) {
		stack = stackinfo_get_irq();
		if (!stackinfo_on_stack(&stack, fp, sizeof(struct kasan_frame_record)))
			return 0;
	}

	while (n < max) {
		const struct kasan_frame_record *r = (const void *)fp;
		unsigned long next = READ_ONCE_NOCHECK(r->fp);
		unsigned long pc = ptrauth_strip_kernel_insn_pac(READ_ONCE_NOCHECK(r->lr));

		if (!pc)
			break;
#ifdef CONFIG_FUNCTION_GRAPH_TRACER
		if (pc == (unsigned long)return_to_handler)
			return 0;
#endif
		if (IS_ENABLED(CONFIG_KRETPROBES) && is_kretprobe_trampoline(pc))
			return 0;
		entries[n++] = pc;
		h = kasan_stack_mix(h, pc);

		/* The end of this stack, or a chain that does not go up it. */
		if (!next || next <= fp || (next & 0x7) ||
		    !stackinfo_on_stack(&stack, next, sizeof(*r)))
			break;
		fp = next;
	}
	*key = kasan_stack_mix(h, n);
	return n;
}
#else
static inline unsigned int kasan_walk_frames(unsigned long *entries,
					     unsigned int max, u64 *key)
{
	return 0;
}
#endif

static noinline depot_stack_handle_t kasan_capture_stack(gfp_t flags)
{
	/* Only what the walk fills is read: spare the 512-byte auto-init. */
	unsigned long entries[KASAN_STACK_DEPTH] __uninitialized;
	depot_stack_handle_t handle;
	unsigned long irqs;
	unsigned int n;
	u64 key;

	n = kasan_walk_frames(entries, ARRAY_SIZE(entries), &key);
	if (!n) {
		n = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
		return stack_depot_save_flags(entries, n, flags,
					      STACK_DEPOT_FLAG_CAN_ALLOC);
	}

	/*
	 * Interrupts off around the cache: an interrupt that allocates must
	 * not change a set while it is read or rewritten. No migration
	 * either, so this CPU's cache is the one looked at and filled.
	 */
	local_irq_save(irqs);
	handle = kasan_stack_lookup(key);
	local_irq_restore(irqs);
	if (handle)
		return handle;

	handle = stack_depot_save_flags(entries, n, flags,
					STACK_DEPOT_FLAG_CAN_ALLOC);
	if (!handle)
		return 0;
	local_irq_save(irqs);
	kasan_stack_insert(key, handle);
	local_irq_restore(irqs);
	return handle;
}

/* ---- Recording ------------------------------------------------------ */

static void kasan_record(const void *object, unsigned long kind, gfp_t flags)
{
	depot_stack_handle_t stack;
	struct kasan_event *e;
	unsigned long slot;

	if (!kasan_stack_collection_enabled() || !kasan_history.events)
		return;

	/* The stack first: saving it may allocate, and sleep with GFP_KERNEL. */
	stack = kasan_capture_stack(flags);

	slot = atomic_long_fetch_inc_relaxed(&kasan_history.next);
	e = &kasan_history.events[slot & kasan_history.mask];

	/*
	 * Readers take an event only if ptr reads the same, and non-zero,
	 * before and after they copy the rest: clearing it first and
	 * publishing it last makes a half-written event invisible. Two
	 * writers on one slot need the whole ring to wrap between these few
	 * stores (an interrupt, a preemption); the worst it does is show a
	 * report the wrong stack.
	 */
	WRITE_ONCE(e->ptr, 0);
	smp_wmb();	/* ptr cleared before the fields change; see above */
	WRITE_ONCE(e->pid, current->pid);
	WRITE_ONCE(e->stack, stack);
	/* Publish: the fields above before the new ptr. */
	smp_store_release(&e->ptr, (unsigned long)object | kind);
}

/**
 * kasan_record_alloc() - note the allocation of a slab object
 * @object: the object, with the tag it was handed out with
 * @flags: the allocation's gfp flags, for the stack depot
 */
void kasan_record_alloc(const void *object, gfp_t flags)
{
	kasan_record(object, 0, flags);
}

/**
 * kasan_record_free() - note the free of a slab object
 * @object: the object, with its own tag (common.c records it so)
 */
void kasan_record_free(const void *object)
{
	/*
	 * No gfp: a free may run under any lock (the runqueue's, pi_lock),
	 * where even waking kswapd could deadlock; the depot then saves the
	 * stack only if it has room.
	 */
	kasan_record(object, KASAN_EVENT_FREE, 0);
}

/* ---- Lookup, for reports -------------------------------------------- */

/* Copy event @slot into @out; false if it is being written. */
static bool kasan_read_event(unsigned long slot, struct kasan_event *out)
{
	struct kasan_event *e = &kasan_history.events[slot & kasan_history.mask];
	/* Pairs with the release in kasan_record(): ptr, then the fields. */
	unsigned long ptr = smp_load_acquire(&e->ptr);

	if (!ptr)
		return false;
	out->pid = READ_ONCE(e->pid);
	out->stack = READ_ONCE(e->stack);
	smp_rmb();	/* the fields read before ptr is read again */
	out->ptr = ptr;
	return READ_ONCE(e->ptr) == ptr;
}

/**
 * kasan_find_history() - the latest allocation and free of an object
 * @object: the object's address with the tag of the pointer in question
 * @h: filled in with what was found
 *
 * Walks the history from the newest event back. The newest event of the
 * object says whether it is free now (for this tag); the allocation that
 * preceded it gives the allocation stack. Best effort: the ring may have
 * overwritten the events, or another object may have been given the same
 * address and tag since.
 *
 * Return: true if any event of the object was found.
 */
bool kasan_find_history(const void *object, struct kasan_history *h)
{
	unsigned long want = (unsigned long)object;
	unsigned long newest, n, i;
	struct kasan_event e;

	memset(h, 0, sizeof(*h));
	if (!kasan_history.events)
		return false;

	newest = atomic_long_read(&kasan_history.next);
	n = min(newest, kasan_history.mask + 1);
	for (i = 1; i <= n; i++) {
		if (!kasan_read_event(newest - i, &e))
			continue;
		if ((e.ptr & ~KASAN_EVENT_FREE) != want)
			continue;

		if (e.ptr & KASAN_EVENT_FREE) {
			/* A second free before any allocation: a double free. */
			if (h->have_free || h->have_alloc)
				break;
			h->free.pid = e.pid;
			h->free.stack = e.stack;
			h->have_free = true;
			h->freed_last = true;
		} else {
			h->alloc.pid = e.pid;
			h->alloc.stack = e.stack;
			h->have_alloc = true;
			break;
		}
	}
	return h->have_alloc || h->have_free;
}
