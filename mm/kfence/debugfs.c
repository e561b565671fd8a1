// SPDX-License-Identifier: GPL-2.0
/*
 * KFENCE debugfs interface: kfence/stats (counters) and kfence/objects (every
 * slot with its allocation and free stacks).
 */

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kfence.h>
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

/* kfence/objects walks the slots; the position is the slot index plus one. */
static void *kfence_objects_start(struct seq_file *seq, loff_t *pos)
{
	struct kfence_metadata *slots = kfence_slots_acquire();

	if (!slots || *pos >= kfence_num_objects)
		return NULL;
	return &slots[*pos];
}

static void *kfence_objects_next(struct seq_file *seq, void *v, loff_t *pos)
{
	++*pos;
	return kfence_objects_start(seq, pos);
}

static void kfence_objects_stop(struct seq_file *seq, void *v)
{
}

static int kfence_objects_show(struct seq_file *seq, void *v)
{
	struct kfence_metadata *meta = v;
	unsigned long flags;

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	kfence_print_object(seq, meta);
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
	seq_puts(seq, "---------------------------------\n");
	return 0;
}

static const struct seq_operations kfence_objects_sops = {
	.start = kfence_objects_start,
	.next = kfence_objects_next,
	.stop = kfence_objects_stop,
	.show = kfence_objects_show,
};
DEFINE_SEQ_ATTRIBUTE(kfence_objects);

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
