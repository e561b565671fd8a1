/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of KFENCE share: the per-object metadata and the pool layout
 * helpers, the counters, and the functions one file calls in another. Upstream's
 * KUnit suite (kfence_test.c) includes this header for enum kfence_error_type.
 */

#ifndef MM_KFENCE_KFENCE_H
#define MM_KFENCE_KFENCE_H

#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "../slab.h" /* struct kmem_cache, struct slab */

/* Deepest stack kept for an allocation or a free, and printed in a report. */
#define KFENCE_STACK_DEPTH	64

/*
 * Redzone canary: a byte pattern that depends on the low address bits, so
 * that a shifted copy of the redzone does not pass as intact.
 */
static inline u8 kfence_canary(const void *addr)
{
	return 0xaa ^ ((unsigned long)addr & 0x7);
}

/* Life cycle of a guarded object slot. */
enum kfence_object_state {
	KFENCE_OBJECT_UNUSED,		/* never handed out */
	KFENCE_OBJECT_ALLOCATED,	/* owned by a slab user */
	KFENCE_OBJECT_RCU_FREEING,	/* freed, still readable until a grace period ends */
	KFENCE_OBJECT_FREED,		/* freed; the page is protected */
};

/* Who allocated or freed an object, and when (track.c). */
struct kfence_track {
	pid_t pid;
	int cpu;
	u64 ts_nsec;
	int nr_frames;			/* 0: not allocated or freed yet */
	s32 frames[KFENCE_STACK_DEPTH];	/* packed text addresses, innermost first */
};

/* One per guarded object. */
struct kfence_metadata {
	struct list_head list;		/* in the free list (core.c), under its lock */
	struct rcu_head rcu_head;	/* for SLAB_TYPESAFE_BY_RCU caches */

	/*
	 * Serialises allocation, free and fault handling of this object; a raw
	 * lock because all three may run in atomic context.
	 */
	raw_spinlock_t slot_lock;
	enum kfence_object_state state;
	unsigned long addr;		/* object start; stays within its page */
	size_t size;			/* requested size */
	struct kmem_cache *cache;	/* NULL once the cache is destroyed */
	unsigned long unprotected_page;	/* guard page opened by a report, or 0 */
	bool fault_injected;		/* page protected by kfence_inject_fault() */
	struct kfence_track alloc_info;
	struct kfence_track free_info;
	u32 alloc_stack_hash;		/* key in the covered-stacks filter */
#ifdef CONFIG_MEMCG
	struct slabobj_ext obj_exts;	/* the slab's obj_exts point here */
#endif
};

extern struct kfence_metadata *kfence_slots;

/*
 * kfence_slots, for code that may run before or during the pool's set-up:
 * NULL until then, and once set, the metadata it points to is seen
 * initialised.
 */
static inline struct kfence_metadata *kfence_slots_acquire(void)
{
	/* Pairs with smp_store_release() in kfence_publish_pool(). */
	return smp_load_acquire(&kfence_slots);
}

/* Objects are on every other page, starting with the pool's third page. */
static inline unsigned long kfence_object_page(long index)
{
	return (unsigned long)__kfence_pool + (index + 1) * 2 * PAGE_SIZE;
}

/**
 * kfence_meta_of() - metadata of the object whose page holds @addr
 * @addr: address in the pool
 *
 * Return: the metadata, or NULL if @addr is outside every object page (the
 * two leading pages or beyond the pool). Guard pages map to the object on
 * their left; callers that care check the page themselves.
 */
static inline struct kfence_metadata *kfence_meta_of(unsigned long addr)
{
	struct kfence_metadata *slots;
	long index;

	if (!is_kfence_address((void *)addr))
		return NULL;
	slots = kfence_slots_acquire();
	index = (long)((addr - (unsigned long)__kfence_pool) / (2 * PAGE_SIZE)) - 1;
	if (!slots || index < 0 || index >= kfence_num_objects)
		return NULL;
	return &slots[index];
}

/* Index of an object, as shown in reports ("kfence-#N"). */
static inline long kfence_meta_index(const struct kfence_metadata *meta)
{
	return meta - kfence_slots;
}

/* Statistics, shown in debugfs kfence/stats in this order. */
enum kfence_stat_id {
	KFENCE_STAT_ALLOCATED,
	KFENCE_STAT_ALLOCS,
	KFENCE_STAT_FREES,
	KFENCE_STAT_ZOMBIES,
	KFENCE_STAT_BUGS,
	KFENCE_STAT_SKIP_INCOMPAT,
	KFENCE_STAT_SKIP_CAPACITY,
	KFENCE_STAT_SKIP_COVERED,
	KFENCE_STAT_COUNT,
};

extern atomic_long_t kfence_stats[KFENCE_STAT_COUNT];
extern const char *const kfence_stat_names[KFENCE_STAT_COUNT];

/* Error types, as named in the report title. */
enum kfence_error_type {
	KFENCE_ERROR_OOB,		/* access to a guard page next to an object */
	KFENCE_ERROR_UAF,		/* access to a freed object */
	KFENCE_ERROR_CORRUPTION,	/* redzone canary changed, found on free */
	KFENCE_ERROR_INVALID,		/* access to a protected page with no object */
	KFENCE_ERROR_INVALID_FREE,	/* free of a non-object or already-freed object */
};

/* core.c: slots, allocation and free */
void kfence_slots_init(struct kfence_metadata *meta);
void kfence_slots_open(void);
void kfence_inject_fault(struct kfence_metadata *meta);

/* pool.c: the pool, its set-up and page protection */
int kfence_parse_num_objects(const char *val, unsigned long *out);
bool kfence_guard(unsigned long addr);
bool kfence_unguard(unsigned long addr);
int kfence_init_late(void);

#if IS_ENABLED(CONFIG_KFENCE_CORE_KUNIT_TEST)
extern atomic_t kfence_fail_protect_in;
extern unsigned long kfence_failed_protect_page;
#endif

/* sample.c: the sampling gate, turning KFENCE on and off, the parameters */
extern bool kfence_enabled;
extern bool kfence_disabled_by_warn;
extern unsigned long kfence_burst;

/* A numeric kfence.* parameter: its variable and the values it accepts. */
struct kfence_knob {
	const char *name;
	unsigned long *value;
	unsigned long min;
	unsigned long max;
	const char *unit;	/* after the range in a rejection, with its space */
};

/* For a knob that only stores its value; the knob is the parameter's argument. */
extern const struct kernel_param_ops kfence_knob_ops;

int kfence_knob_parse(const struct kfence_knob *k, const char *val, unsigned long *out,
		      bool complain);

void kfence_sampling_init(void);
void kfence_start(void);
void kfence_stop_for_good(void);
bool kfence_take_sample(void);

/* covered.c: the covered-stacks filter */
extern unsigned long kfence_skip_covered_thresh;

size_t kfence_covered_bytes(void);
void kfence_covered_init(void *storage);
u32 kfence_covered_key(unsigned long *entries, unsigned int n);
void kfence_covered_add(u32 key, int delta);
bool kfence_covered_skip(u32 key);

/* redzone.c: canaries around each object */
void kfence_write_canaries(const struct kfence_metadata *meta);
bool kfence_check_canaries(const struct kfence_metadata *meta, unsigned long *bad);
void kfence_check_redzones(const struct kfence_metadata *meta);
void kfence_panic_check_init(void);

/* fault.c: page faults in the pool and the guard pages they open */
void kfence_close_open_guard(struct kfence_metadata *meta);
void kfence_close_orphan_guards(void);

/* track.c: stacks, and who allocated and freed an object */
int kfence_save_stack(unsigned long *entries, int *skip);
int kfence_skip_frames(const unsigned long *entries, int n);
void kfence_track_set(struct kfence_track *t, const unsigned long *entries, int n);
int kfence_track_stack(const struct kfence_track *t, unsigned long *entries);

/* report.c: everything KFENCE prints */

/*
 * What the printers say about one object, taken from its metadata under the
 * slot lock. The tracks are pointed to, not copied.
 */
struct kfence_object_view {
	long index;
	enum kfence_object_state state;
	unsigned long addr;
	size_t size;
	const struct kmem_cache *cache;
	const struct kfence_track *alloc_info;
	const struct kfence_track *free_info;
};

bool kfence_report_lock(void);
void kfence_report_unlock(bool locked);
void kfence_report_error(unsigned long address, bool is_write, struct pt_regs *regs,
			 const struct kfence_metadata *meta, enum kfence_error_type type);
void kfence_view_object(struct kfence_object_view *v, const struct kfence_metadata *meta);
void kfence_print_view(struct seq_file *seq, const struct kfence_object_view *v);
void kfence_print_object(struct seq_file *seq, const struct kfence_metadata *meta);

/* debugfs.c */

/* kfence/objects' private data: the slot being printed, copied under its lock. */
struct kfence_slot_copy {
	struct kfence_object_view view;
	struct kfence_track alloc_info;
	struct kfence_track free_info;
};

void kfence_debugfs_start(void);
int kfence_stats_show(struct seq_file *seq, void *v);
int kfence_objects_show(struct seq_file *seq, void *v);

#endif /* MM_KFENCE_KFENCE_H */
