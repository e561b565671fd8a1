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

/* ===== Objects ===== */

static void kfence_print_track(struct seq_file *seq, const struct kfence_object_view *v,
			       bool alloc)
{
	const struct kfence_track *t = alloc ? v->alloc_info : v->free_info;
	u64 ts = t->ts_nsec, age = local_clock() - ts;
	unsigned long rem = do_div(ts, NSEC_PER_SEC) / NSEC_PER_USEC;
	unsigned long age_rem = do_div(age, NSEC_PER_SEC) / NSEC_PER_USEC;
	unsigned long entries[KFENCE_STACK_DEPTH];
	int n;

	kfence_out(seq, "%s by task %d on cpu %d at %llu.%06lus (%llu.%06lus ago):\n",
		   alloc ? "allocated" :
		   v->state == KFENCE_OBJECT_RCU_FREEING ? "rcu freeing" : "freed",
		   t->pid, t->cpu, ts, rem, age, age_rem);
	n = kfence_track_stack(t, entries);
	if (n)
		kfence_print_entries(seq, entries, n);
	else
		kfence_out(seq, " no %s stack\n", alloc ? "allocation" : "deallocation");
}

/**
 * kfence_view_object() - take the view of an object that its printing needs
 * @v: the view to fill in
 * @meta: the object, locked by the caller
 *
 * The view points to @meta's tracks; a caller that prints it after dropping
 * the lock copies them first (see debugfs.c).
 */
void kfence_view_object(struct kfence_object_view *v, const struct kfence_metadata *meta)
{
	v->index = kfence_meta_index(meta);
	v->state = meta->state;
	v->addr = meta->addr;
	v->size = meta->size;
	v->cache = meta->cache;
	v->alloc_info = &meta->alloc_info;
	v->free_info = &meta->free_info;
}

/**
 * kfence_print_view() - describe an object and its allocation and free
 * @seq: debugfs file to print to, or NULL for the console
 * @v: the object, as kfence_view_object() took it
 */
void kfence_print_view(struct seq_file *seq, const struct kfence_object_view *v)
{
	if (v->state == KFENCE_OBJECT_UNUSED) {
		kfence_out(seq, "kfence-#%ld unused\n", v->index);
		return;
	}
	kfence_out(seq, "kfence-#%ld: 0x%p-0x%p, size=%zu, cache=%s\n\n", v->index,
		   (void *)v->addr, (void *)(v->addr + v->size - 1), v->size,
		   v->cache ? v->cache->name : "<destroyed>");
	kfence_print_track(seq, v, true);
	if (v->state == KFENCE_OBJECT_FREED || v->state == KFENCE_OBJECT_RCU_FREEING) {
		kfence_out(seq, "\n");
		kfence_print_track(seq, v, false);
	}
}

/**
 * kfence_print_object() - describe an object and its allocation and free
 * @seq: debugfs file to print to, or NULL for the console
 * @meta: the object, locked by the caller
 */
void kfence_print_object(struct seq_file *seq, const struct kfence_metadata *meta)
{
	struct kfence_object_view v;

	kfence_view_object(&v, meta);
	kfence_print_view(seq, &v);
}

/* ===== Reports ===== */

/*
 * How each error is named: in the title, at the head of the access line, and
 * whether both say if the access was a read or a write.
 */
static const struct {
	const char *title;
	const char *head;
	bool rw;
	const char *prep;	/* before the address on the access line */
} kfence_error_names[] = {
	[KFENCE_ERROR_OOB]		= { "out-of-bounds", "Out-of-bounds", true, "at" },
	[KFENCE_ERROR_UAF]		= { "use-after-free", "Use-after-free", true, "at" },
	[KFENCE_ERROR_CORRUPTION]	= { "memory corruption", "Corrupted memory", false, "at" },
	[KFENCE_ERROR_INVALID]		= { "invalid", "Invalid", true, "at" },
	[KFENCE_ERROR_INVALID_FREE]	= { "invalid free", "Invalid free", false, "of" },
};

/*
 * One report. Everything it says is gathered first, without the report lock;
 * then it is printed in one go under the lock, part by part.
 */
struct kfence_report {
	enum kfence_error_type type;
	bool is_write;
	unsigned long address;
	struct pt_regs *regs;
	const struct kfence_metadata *meta;	/* locked by the caller, or NULL */
	unsigned long entries[KFENCE_STACK_DEPTH];
	int nr_entries;
	int culprit;				/* first entry printed */
	/* After the address on the access line: bytes, place in the object. */
	char where[128];
};

/*
 * The bytes from a corrupted canary to the end of its redzone, at most 16:
 * '.' for an intact byte, the value (or '!' while pointers are hashed, not to
 * leak memory contents) for a changed one. Reads the redzone as
 * kfence_check_canaries() does, with the same attributes.
 *
 * Return: the length of the text written to @buf.
 */
static noinline __no_kmsan_checks size_t
kfence_format_corruption(char *buf, size_t len, const struct kfence_metadata *meta,
			 unsigned long address)
{
	unsigned long end = address < meta->addr ? meta->addr :
			    ALIGN_DOWN(meta->addr, PAGE_SIZE) + PAGE_SIZE;
	const u8 *p;
	size_t pos;

	end = min(end, address + 16);
	pos = scnprintf(buf, len, " [");
	for (p = (const u8 *)address; p < (const u8 *)end; p++) {
		if (*p == kfence_canary(p))
			pos += scnprintf(buf + pos, len - pos, " .");
		else if (no_hash_pointers)
			pos += scnprintf(buf + pos, len - pos, " 0x%02x", *p);
		else
			pos += scnprintf(buf + pos, len - pos, " !");
	}
	return pos + scnprintf(buf + pos, len - pos, " ]");
}

/* Where the address is relative to the object, for the access line. */
static void kfence_describe_place(struct kfence_report *r)
{
	const struct kfence_metadata *meta = r->meta;
	size_t pos = 0, len = sizeof(r->where);
	unsigned long end;

	if (r->type == KFENCE_ERROR_CORRUPTION)
		pos = kfence_format_corruption(r->where, len, meta, r->address);
	if (!meta)
		return;
	if (r->type != KFENCE_ERROR_OOB) {
		scnprintf(r->where + pos, len - pos, " (in kfence-#%ld)", kfence_meta_index(meta));
		return;
	}
	end = meta->addr + meta->size;
	if (r->address < meta->addr)
		scnprintf(r->where + pos, len - pos, " (%luB left of kfence-#%ld)",
			  meta->addr - r->address, kfence_meta_index(meta));
	else
		scnprintf(r->where + pos, len - pos, " (%luB right of kfence-#%ld)",
			  r->address - end + 1, kfence_meta_index(meta));
}

static void kfence_report_gather(struct kfence_report *r)
{
	if (r->regs) {
		/* The faulting instruction is the culprit, even inside a helper. */
		r->nr_entries = stack_trace_save_regs(r->regs, r->entries, KFENCE_STACK_DEPTH, 0);
		r->culprit = 0;
	} else {
		r->nr_entries = kfence_save_stack(r->entries, &r->culprit);
	}
	kfence_describe_place(r);
}

static void kfence_report_rule(void)
{
	pr_err("==================================================================\n");
}

/* The title, the access line and the stack that made the access. */
static void kfence_report_access(const struct kfence_report *r)
{
	const unsigned long *stack = r->entries + r->culprit;
	int depth = r->nr_entries - r->culprit;
	const char *rw = !kfence_error_names[r->type].rw ? "" :
			 r->is_write ? " write" : " read";

	pr_err("BUG: KFENCE: %s%s in %pS\n\n", kfence_error_names[r->type].title, rw,
	       depth ? (void *)stack[0] : NULL);
	pr_err("%s%s %s 0x%p%s:\n", kfence_error_names[r->type].head, rw,
	       kfence_error_names[r->type].prep, (void *)r->address, r->where);
	kfence_print_entries(NULL, stack, depth);
}

/* The object, if the report is about one. */
static void kfence_report_object(const struct kfence_report *r)
{
	if (!r->meta)
		return;
	pr_err("\n");
	kfence_print_object(NULL, r->meta);
}

/* Where it happened: the registers only when the user asked for raw pointers. */
static void kfence_report_context(const struct kfence_report *r)
{
	pr_err("\n");
	if (r->regs && no_hash_pointers)
		show_regs(r->regs);
	else
		dump_stack_print_info(KERN_ERR);
}

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
	struct kfence_report r = {
		.type = type, .is_write = is_write, .address = address,
		.regs = regs, .meta = meta,
	};
	unsigned long flags;
	bool locked;

	kfence_report_gather(&r);

	/* Printing takes console locks that lockdep would pair with the slot lock. */
	lockdep_off();
	local_irq_save(flags);
	locked = kfence_report_lock();
	kfence_report_rule();
	kfence_report_access(&r);
	kfence_report_object(&r);
	kfence_report_context(&r);
	trace_error_report_end(ERROR_DETECTOR_KFENCE, address);
	kfence_report_rule();
	kfence_report_unlock(locked);
	local_irq_restore(flags);
	lockdep_on();

	atomic_long_inc(&kfence_stats[KFENCE_STAT_BUGS]);
	check_panic_on_warn("KFENCE");
	/* The heap is known to be corrupted: say so in every later oops. */
	add_taint(TAINT_BAD_PAGE, LOCKDEP_STILL_OK);
}
