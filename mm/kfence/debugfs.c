// SPDX-License-Identifier: GPL-2.0
/*
 * KFENCE debugfs interface: kfence/stats (counters) and kfence/objects (every
 * slot with its allocation and free stacks).
 */

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kfence.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>

#include "kfence.h"

/*
 * In the order of enum kfence_stat_id. Sized by its initialiser, so that a
 * name missing or too many fails to build against the declaration.
 */
const char *const kfence_stat_names[] = {
	"currently allocated",
	"total allocations",
	"total frees",
	"zombie allocations",
	"total bugs",
	"skipped allocations (incompatible)",
	"skipped allocations (capacity)",
	"skipped allocations (covered)",
};

/**
 * kfence_stats_show() - print the contents of kfence/stats
 * @seq: the file
 * @v: unused
 *
 * Return: 0.
 */
int kfence_stats_show(struct seq_file *seq, void *v)
{
	int i;

	seq_printf(seq, "enabled: %i\n", READ_ONCE(kfence_enabled));
	for (i = 0; i < KFENCE_STAT_COUNT; i++)
		seq_printf(seq, "%s: %ld\n", kfence_stat_names[i],
			   atomic_long_read(&kfence_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kfence_stats);

/* ===== kfence/objects ===== */

/*
 * Copy a slot under its lock. The file prints the copy without the lock:
 * symbolising two stacks takes long, and the slot lock is a raw one, taken
 * with interrupts off.
 */
static void kfence_copy_slot(struct kfence_slot_copy *c, struct kfence_metadata *meta)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	kfence_view_object(&c->view, meta);
	c->alloc_info = meta->alloc_info;
	c->free_info = meta->free_info;
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
	c->view.alloc_info = &c->alloc_info;
	c->view.free_info = &c->free_info;
}

/**
 * kfence_objects_show() - print one slot of kfence/objects
 * @seq: the file; its private data is a struct kfence_slot_copy
 * @v: the slot's metadata
 *
 * The copy keeps a pointer to the slot's cache, whose name is printed:
 * kfence_shutdown_cache() waits for a grace period after unhooking a cache
 * from its slots, so the RCU read-side section keeps the name alive until
 * the copy is printed.
 *
 * Return: 0.
 */
int kfence_objects_show(struct seq_file *seq, void *v)
{
	struct kfence_slot_copy *copy = seq->private;

	rcu_read_lock();
	kfence_copy_slot(copy, v);
	kfence_print_view(seq, &copy->view);
	rcu_read_unlock();
	seq_puts(seq, "---------------------------------\n");
	return 0;
}

/* The iterator is the slot itself; its index is the file position. */
static void *kfence_objects_at(loff_t pos)
{
	struct kfence_metadata *slots = kfence_slots_acquire();

	return slots && pos < kfence_num_objects ? &slots[pos] : NULL;
}

static void *kfence_objects_start(struct seq_file *seq, loff_t *pos)
{
	return kfence_objects_at(*pos);
}

static void *kfence_objects_next(struct seq_file *seq, void *v, loff_t *pos)
{
	return kfence_objects_at(++*pos);
}

/* Nothing is held from one slot to the next. */
static void kfence_objects_stop(struct seq_file *seq, void *v)
{
}

static const struct seq_operations kfence_objects_sops = {
	.start = kfence_objects_start,
	.next = kfence_objects_next,
	.stop = kfence_objects_stop,
	.show = kfence_objects_show,
};

/* Each reader gets room for the copy with the file, rather than on the stack. */
static int kfence_objects_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &kfence_objects_sops, sizeof(struct kfence_slot_copy));
}

static const struct file_operations kfence_objects_fops = {
	.owner = THIS_MODULE,
	.open = kfence_objects_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

/* ===== The directory ===== */

static bool kfence_debugfs_up;		/* late initcalls have run */
static struct dentry *kfence_debugfs_dir;

/**
 * kfence_debugfs_start() - create kfence/ in debugfs once the pool is live
 *
 * As upstream, a kernel whose KFENCE never started has no kfence/ directory;
 * unlike upstream, one that starts KFENCE after boot gets it then. Called
 * from the late initcall and, under kfence_enable_mutex, when the pool is
 * set up late, which can only happen after the initcalls.
 */
void kfence_debugfs_start(void)
{
	if (!READ_ONCE(kfence_debugfs_up) || kfence_debugfs_dir || !kfence_slots_acquire())
		return;
	kfence_debugfs_dir = debugfs_create_dir("kfence", NULL);
	debugfs_create_file("stats", 0444, kfence_debugfs_dir, NULL, &kfence_stats_fops);
	/* Stacks and addresses: root only. */
	debugfs_create_file("objects", 0400, kfence_debugfs_dir, NULL, &kfence_objects_fops);
}

static int __init kfence_debugfs_init(void)
{
	WRITE_ONCE(kfence_debugfs_up, true);
	kfence_debugfs_start();
	return 0;
}
late_initcall(kfence_debugfs_init);
