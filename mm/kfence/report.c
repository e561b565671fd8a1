// SPDX-License-Identifier: GPL-2.0
/*
 * KFENCE reports: everything KFENCE prints. The layout (title line, access
 * line, stack, object, tracks) is the one syzkaller and users' scripts parse,
 * so the wording of each line is fixed; see Documentation/dev-tools/kfence.rst.
 */

#define pr_fmt(fmt) fmt

#include <linux/kernel.h>
#include <linux/kfence.h>
#include <linux/lockdep.h>
#include <linux/math.h>
#include <linux/panic.h>
#include <linux/printk.h>
#include <linux/sched/clock.h>
#include <linux/sprintf.h>
#include <linux/sched/debug.h>
#include <linux/seq_file.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <trace/events/error_report.h>

#include "kfence.h"

/*
 * Reports are serialised so that two never interleave, but a report must
 * never wait for one that cannot finish:
 *
 * - a report raised on the CPU that is printing one (a console driver
 *   freeing a bad KFENCE object, a fault in NMI context) would wait for
 *   itself, so it is printed at once, nested in the other;
 * - the CPU printing a report may never finish it (stopped by panic(), or
 *   by a debugger or hypervisor): a report waits for it at most
 *   KFENCE_REPORT_WAIT_NS, and not at all once a panic is under way, so
 *   that check_on_panic and kdump always go ahead.
 *
 * A spinlock can tell neither case, so the lock is the number of the CPU
 * that owns it (-1: free). Giving up only costs interleaved lines.
 */
static atomic_t kfence_report_owner = ATOMIC_INIT(-1);

/* Long enough for a report to reach a slow serial console. */
#define KFENCE_REPORT_WAIT_NS	NSEC_PER_SEC

/**
 * kfence_report_lock() - serialise a report, never waiting for itself
 *
 * Call with interrupts disabled.
 *
 * Return: true if the caller now owns the lock and must pass true to
 * kfence_report_unlock(), false if it is to print without it.
 */
bool kfence_report_lock(void)
{
	int cpu = raw_smp_processor_id();
	u64 start = local_clock();

	for (;;) {
		int owner = atomic_cmpxchg_acquire(&kfence_report_owner, -1, cpu);

		if (owner == -1)
			return true;
		if (owner == cpu || panic_in_progress() ||
		    local_clock() - start > KFENCE_REPORT_WAIT_NS)
			return false;
		cpu_relax();
	}
}

/**
 * kfence_report_unlock() - end a report
 * @locked: what kfence_report_lock() returned
 */
void kfence_report_unlock(bool locked)
{
	if (locked)
		atomic_set_release(&kfence_report_owner, -1);
}

/* ===== Printing helpers ===== */

/* Print to @seq when there is one (debugfs), to the console otherwise. */
static __printf(2, 3) void kfence_out(struct seq_file *seq, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	if (seq) {
		seq_vprintf(seq, fmt, args);
	} else {
		vaf.fmt = fmt;
		vaf.va = &args;
		pr_err("%pV", &vaf);
	}
	va_end(args);
}

static void kfence_print_entries(struct seq_file *seq, const unsigned long *entries, int n)
{
	int i;

	for (i = 0; i < n; i++)
		kfence_out(seq, " %pS\n", (void *)entries[i]);
}

static void kfence_print_track(struct seq_file *seq, const struct kfence_metadata *meta,
			       bool alloc)
{
	const struct kfence_track *t = alloc ? &meta->alloc_info : &meta->free_info;
	u64 ts = t->ts_nsec, age = local_clock() - ts;
	unsigned long rem = do_div(ts, NSEC_PER_SEC) / NSEC_PER_USEC;
	unsigned long age_rem = do_div(age, NSEC_PER_SEC) / NSEC_PER_USEC;
	unsigned long entries[KFENCE_STACK_DEPTH];
	int n;

	kfence_out(seq, "%s by task %d on cpu %d at %llu.%06lus (%llu.%06lus ago):\n",
		   alloc ? "allocated" :
		   meta->state == KFENCE_OBJECT_RCU_FREEING ? "rcu freeing" : "freed",
		   t->pid, t->cpu, ts, rem, age, age_rem);
	n = kfence_track_stack(t, entries);
	if (n)
		kfence_print_entries(seq, entries, n);
	else
		kfence_out(seq, " no %s stack\n", alloc ? "allocation" : "deallocation");
}

/**
 * kfence_print_object() - describe an object and its allocation and free
 * @seq: debugfs file to print to, or NULL for the console
 * @meta: the object, locked by the caller
 */
void kfence_print_object(struct seq_file *seq, const struct kfence_metadata *meta)
{
	long idx = kfence_meta_index(meta);

	if (meta->state == KFENCE_OBJECT_UNUSED) {
		kfence_out(seq, "kfence-#%ld unused\n", idx);
		return;
	}
	kfence_out(seq, "kfence-#%ld: 0x%p-0x%p, size=%zu, cache=%s\n\n", idx,
		   (void *)meta->addr, (void *)(meta->addr + meta->size - 1), meta->size,
		   meta->cache ? meta->cache->name : "<destroyed>");
	kfence_print_track(seq, meta, true);
	if (meta->state == KFENCE_OBJECT_FREED || meta->state == KFENCE_OBJECT_RCU_FREEING) {
		kfence_out(seq, "\n");
		kfence_print_track(seq, meta, false);
	}
}

/*
 * The bytes from a corrupted canary to the end of its redzone, at most 16:
 * '.' for an intact byte, the value (or '!' while pointers are hashed, not to
 * leak memory contents) for a changed one. Reads the redzone as
 * kfence_check_canaries() does, with the same attributes.
 */
static noinline __no_kmsan_checks void
kfence_format_corruption(char *buf, size_t len, const struct kfence_metadata *meta,
			 unsigned long address)
{
	unsigned long end = address < meta->addr ? meta->addr :
			    ALIGN_DOWN(meta->addr, PAGE_SIZE) + PAGE_SIZE;
	const u8 *p;
	size_t pos;

	end = min(end, address + 16);
	pos = scnprintf(buf, len, "[");
	for (p = (const u8 *)address; p < (const u8 *)end; p++) {
		if (*p == kfence_canary(p))
			pos += scnprintf(buf + pos, len - pos, " .");
		else if (no_hash_pointers)
			pos += scnprintf(buf + pos, len - pos, " 0x%02x", *p);
		else
			pos += scnprintf(buf + pos, len - pos, " !");
	}
	scnprintf(buf + pos, len - pos, " ]");
}

/* ===== Reports ===== */

/**
 * kfence_report_error() - print a KFENCE report and taint the kernel
 * @address: the bad access, the corrupted byte or the freed pointer
 * @is_write: whether the access was a write (faults only)
 * @regs: registers at the fault, or NULL when reporting from a free
 * @meta: the object concerned, locked by the caller, or NULL
 * @type: what went wrong
 */
void kfence_report_error(unsigned long address, bool is_write, struct pt_regs *regs,
			 const struct kfence_metadata *meta, enum kfence_error_type type)
{
	const char *rw = is_write ? "write" : "read";
	unsigned long entries[KFENCE_STACK_DEPTH];
	long idx = meta ? kfence_meta_index(meta) : -1;
	char bytes[16 * 5 + 4];	/* " 0xNN" per byte, brackets */
	unsigned long flags;
	int n, skip = 0;
	void *culprit;
	bool locked;

	if (regs) {
		/* The faulting instruction is the culprit, even inside a helper. */
		n = stack_trace_save_regs(regs, entries, ARRAY_SIZE(entries), 0);
	} else {
		n = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
		skip = kfence_skip_frames(entries, n);
	}
	culprit = n ? (void *)entries[skip] : NULL;

	/* Printing takes console locks that lockdep would pair with the slot lock. */
	lockdep_off();
	local_irq_save(flags);
	locked = kfence_report_lock();

	pr_err("==================================================================\n");
	switch (type) {
	case KFENCE_ERROR_OOB: {
		bool left = address < meta->addr;
		unsigned long dist = left ? meta->addr - address :
				     address - (meta->addr + meta->size) + 1;

		pr_err("BUG: KFENCE: out-of-bounds %s in %pS\n\n", rw, culprit);
		pr_err("Out-of-bounds %s at 0x%p (%luB %s of kfence-#%ld):\n", rw,
		       (void *)address, dist, left ? "left" : "right", idx);
		break;
	}
	case KFENCE_ERROR_UAF:
		pr_err("BUG: KFENCE: use-after-free %s in %pS\n\n", rw, culprit);
		pr_err("Use-after-free %s at 0x%p (in kfence-#%ld):\n", rw, (void *)address, idx);
		break;
	case KFENCE_ERROR_CORRUPTION:
		kfence_format_corruption(bytes, sizeof(bytes), meta, address);
		pr_err("BUG: KFENCE: memory corruption in %pS\n\n", culprit);
		pr_err("Corrupted memory at 0x%p %s (in kfence-#%ld):\n", (void *)address,
		       bytes, idx);
		break;
	case KFENCE_ERROR_INVALID:
		pr_err("BUG: KFENCE: invalid %s in %pS\n\n", rw, culprit);
		pr_err("Invalid %s at 0x%p:\n", rw, (void *)address);
		break;
	case KFENCE_ERROR_INVALID_FREE:
		pr_err("BUG: KFENCE: invalid free in %pS\n\n", culprit);
		if (meta)
			pr_err("Invalid free of 0x%p (in kfence-#%ld):\n", (void *)address, idx);
		else
			pr_err("Invalid free of 0x%p:\n", (void *)address);
		break;
	}
	kfence_print_entries(NULL, entries + skip, n - skip);

	if (meta) {
		pr_err("\n");
		kfence_print_object(NULL, meta);
	}

	/* Register contents only when the user asked for raw pointers. */
	pr_err("\n");
	if (regs && no_hash_pointers)
		show_regs(regs);
	else
		dump_stack_print_info(KERN_ERR);
	trace_error_report_end(ERROR_DETECTOR_KFENCE, address);
	pr_err("==================================================================\n");

	kfence_report_unlock(locked);
	local_irq_restore(flags);
	lockdep_on();

	atomic_long_inc(&kfence_stats[KFENCE_STAT_BUGS]);
	check_panic_on_warn("KFENCE");
	/* The heap is known to be corrupted: say so in every later oops. */
	add_taint(TAINT_BAD_PAGE, LOCKDEP_STILL_OK);
}
