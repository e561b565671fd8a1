// SPDX-License-Identifier: GPL-2.0
/*
 * KFENCE page faults: an access to a protected page of the pool is a bug,
 * out-of-bounds next to an object, use-after-free on a freed one. The fault
 * handler reports it, opens the page so that the kernel keeps running, and
 * remembers each guard page it opened so that it is closed again later.
 */

#include <linux/atomic.h>
#include <linux/kfence.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/spinlock.h>

#include <asm/tlbflush.h>

#include "kfence.h"

/* ===== Guard pages a report opened ===== */

/*
 * Guard pages a report opened next to a slot that is not allocated: no free
 * of that slot will close them, so the gate work does, between one and two
 * intervals later, long after the access that opened one went through (at
 * worst, a late retry of that access is reported twice). 0: none; 1: opened
 * since the last gate work; 2: to be closed by the next one.
 */
static atomic_t kfence_orphan_guards;

/**
 * kfence_close_open_guard() - protect again the guard page a report opened
 * @meta: the object, locked
 *
 * Called when the object is allocated or freed, so that an opened guard page
 * outlives neither the object it was opened for nor the free slot.
 */
void kfence_close_open_guard(struct kfence_metadata *meta)
{
	if (!meta->unprotected_page)
		return;
	kfence_guard(meta->unprotected_page);
	meta->unprotected_page = 0;
}

/**
 * kfence_close_orphan_guards() - close guard pages opened next to free slots
 *
 * Called by the gate work each interval, in process context.
 */
void kfence_close_orphan_guards(void)
{
	struct kfence_metadata *slots = kfence_slots_acquire();
	unsigned long i, flags;

	if (atomic_cmpxchg(&kfence_orphan_guards, 1, 2) == 1 ||
	    atomic_cmpxchg(&kfence_orphan_guards, 2, 0) != 2 || !slots)
		return;
	for (i = 0; i < kfence_num_objects; i++) {
		struct kfence_metadata *meta = &slots[i];
		unsigned long page = 0;

		/* Unlocked peek, checked again under the lock. */
		if (!data_race(meta->unprotected_page))
			continue;
		raw_spin_lock_irqsave(&meta->slot_lock, flags);
		if (meta->unprotected_page && meta->state != KFENCE_OBJECT_ALLOCATED) {
			page = meta->unprotected_page;
			kfence_close_open_guard(meta);
		}
		raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
		/*
		 * The CPU that made the access may still cache the page as
		 * present (x86 flushes only locally): flush everywhere, which
		 * process context allows.
		 */
		if (page)
			flush_tlb_kernel_range(page, page + PAGE_SIZE);
	}
}

/*
 * Remember guard page @addr as opened for @meta (locked), to be closed when
 * the object is freed or, for a slot that is not allocated, by the gate
 * work. Only one page per slot is remembered; an older one is closed now.
 */
static void kfence_note_open_guard(struct kfence_metadata *meta, unsigned long addr)
{
	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	if (meta->unprotected_page && ALIGN_DOWN(meta->unprotected_page, PAGE_SIZE) != addr)
		kfence_guard(meta->unprotected_page);
	meta->unprotected_page = addr;
	if (meta->state != KFENCE_OBJECT_ALLOCATED)
		atomic_set(&kfence_orphan_guards, 1);
}

/* ===== Faults ===== */

/*
 * The access a report let through can fault again before it is retried:
 * a free or an allocation beside the guard page closes it in between. That
 * retry is the same instruction at the same address on the same CPU, with
 * no other KFENCE fault there since; it is not a new bug, so the page is
 * opened again and nothing reported. (A loop that hits the same address
 * again from the same instruction after the page was closed is reported
 * once for its first hit: upstream, which never closes the page again,
 * reports it once too.)
 */
struct kfence_last_fault {
	unsigned long addr;
	unsigned long pc;
};

static DEFINE_PER_CPU(struct kfence_last_fault, kfence_last_fault);

static bool kfence_fault_is_retry(unsigned long addr, struct pt_regs *regs)
{
	/* A migration in between only costs the retry a second report. */
	struct kfence_last_fault *last = raw_cpu_ptr(&kfence_last_fault);
	unsigned long pc = regs ? instruction_pointer(regs) : 0;
	bool retry = pc && last->addr == addr && last->pc == pc;

	last->addr = addr;
	last->pc = pc;
	return retry;
}

/*
 * How much a neighbour of guard page @addr is to blame for an access to it:
 * the lower the better, ULONG_MAX for none. A live object is blamed before
 * a freed one (whose overflow raced with its free), then the nearer one.
 */
static unsigned long kfence_blame(const struct kfence_metadata *meta, unsigned long addr)
{
	enum kfence_object_state state;
	unsigned long start, end;

	if (!meta)
		return ULONG_MAX;
	state = READ_ONCE(meta->state);
	if (state == KFENCE_OBJECT_UNUSED)
		return ULONG_MAX;
	/* Unlocked: a racing reuse only changes whom the report blames. */
	start = data_race(meta->addr);
	end = start + data_race(meta->size);	/* see above */
	/* Objects are within a page of the guard page: a freed one ranks after. */
	return (addr < start ? start - addr : addr - end + 1) +
	       (state == KFENCE_OBJECT_ALLOCATED ? 0 : 2 * PAGE_SIZE);
}

static bool kfence_guard_page_fault(unsigned long addr, bool is_write, struct pt_regs *regs)
{
	struct kfence_metadata *left = kfence_meta_of(addr - PAGE_SIZE);
	struct kfence_metadata *right = kfence_meta_of(addr + PAGE_SIZE);
	unsigned long bl = kfence_blame(left, addr), br = kfence_blame(right, addr);
	struct kfence_metadata *meta = bl <= br ? left : right;
	enum kfence_error_type type = KFENCE_ERROR_OOB;
	bool retry = kfence_fault_is_retry(addr, regs);
	unsigned long flags;
	bool opened;

	if (min(bl, br) == ULONG_MAX) {
		/* Next to slots never used: nobody to blame, but still close it later. */
		meta = left ?: right;
		type = KFENCE_ERROR_INVALID;
	}
	if (!meta) {
		/*
		 * The pool is live but its metadata not yet seen here: the
		 * span and kfence_slots are read unordered. No slot to note
		 * the page for.
		 */
		kfence_report_error(addr, is_write, regs, NULL, KFENCE_ERROR_INVALID);
		return kfence_unguard(addr);
	}

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	if (meta->state == KFENCE_OBJECT_UNUSED)
		type = KFENCE_ERROR_INVALID;
	if (!retry)
		kfence_report_error(addr, is_write, regs,
				    type == KFENCE_ERROR_OOB ? meta : NULL, type);
	kfence_note_open_guard(meta, addr);
	/*
	 * Let the access through so that the kernel keeps running. Under the
	 * lock: a free of the slot waiting on it closes the noted page, and
	 * must not do so before it is opened, or it would stay open untracked.
	 */
	opened = kfence_unguard(addr);
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
	return opened;
}

bool kfence_handle_page_fault(unsigned long addr, bool is_write, struct pt_regs *regs)
{
	struct kfence_metadata *meta;
	unsigned long flags;
	bool opened;

	if (!is_kfence_address((void *)addr))
		return false;
	/* Odd pages are guard pages. */
	if (((addr - (unsigned long)__kfence_pool) / PAGE_SIZE) & 1)
		return kfence_guard_page_fault(addr, is_write, regs);

	meta = kfence_meta_of(addr);
	if (!meta) {
		/* The pool's first page: no object there. */
		kfence_report_error(addr, is_write, regs, NULL, KFENCE_ERROR_INVALID);
		return kfence_unguard(addr);
	}

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	if (meta->fault_injected) {
		/* Protected on purpose while live: not a bug. */
		meta->fault_injected = false;
	} else if (meta->state == KFENCE_OBJECT_UNUSED) {
		kfence_report_error(addr, is_write, regs, NULL, KFENCE_ERROR_INVALID);
	} else {
		/*
		 * The page was protected when the access faulted, so the slot
		 * was free then: a use-after-free, even if the slot has since
		 * been handed out again (the report then shows the new owner).
		 */
		kfence_report_error(addr, is_write, regs, meta, KFENCE_ERROR_UAF);
	}
	/*
	 * Let the access through so that the kernel keeps running. Under the
	 * lock, so that a reuse and free of the slot in between cannot leave
	 * a freed object's page open behind our back.
	 */
	opened = kfence_unguard(addr);
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
	return opened;
}
