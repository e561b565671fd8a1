// SPDX-License-Identifier: GPL-2.0
/*
 * KFENCE core: the slots and what happens to an object in one. A sampled
 * allocation takes the longest-free slot, places the object against one of
 * its page's guard pages and fills the rest of the page with canaries; a free
 * checks them, protects the page and queues the slot for reuse.
 */

#define pr_fmt(fmt) "kfence: " fmt

#include <linux/alloc_tag.h>
#include <linux/atomic.h>
#include <linux/kfence.h>
#include <linux/list.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "kfence.h"

/* ===== State ===== */

struct kfence_metadata *kfence_slots __read_mostly;

/* Free slots, oldest-freed first: reuse is FIFO so freed objects stay guarded longest. */
static LIST_HEAD(kfence_free_slots);
static DEFINE_RAW_SPINLOCK(kfence_slots_lock);

atomic_long_t kfence_stats[KFENCE_STAT_COUNT];

/**
 * kfence_slots_init() - initialise the slots of a new pool, all unused
 * @meta: the pool's metadata, zeroed, not yet published
 */
void kfence_slots_init(struct kfence_metadata *meta)
{
	unsigned long i;

	for (i = 0; i < kfence_num_objects; i++) {
		raw_spin_lock_init(&meta[i].slot_lock);
		meta[i].state = KFENCE_OBJECT_UNUSED;
		meta[i].addr = kfence_object_page(i);
	}
}

/**
 * kfence_slots_open() - queue every slot of the published pool for allocation
 *
 * Whoever takes a slot takes kfence_slots_lock first, so it sees everything
 * published before this.
 */
void kfence_slots_open(void)
{
	unsigned long i, flags;

	raw_spin_lock_irqsave(&kfence_slots_lock, flags);
	for (i = 0; i < kfence_num_objects; i++)
		list_add_tail(&kfence_slots[i].list, &kfence_free_slots);
	raw_spin_unlock_irqrestore(&kfence_slots_lock, flags);
}

/* FIFO: a slot goes to the back, so the longest-freed slot is reused first. */
static void kfence_slot_enqueue(struct kfence_metadata *meta)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kfence_slots_lock, flags);
	list_add_tail(&meta->list, &kfence_free_slots);
	raw_spin_unlock_irqrestore(&kfence_slots_lock, flags);
}

/*
 * Take the longest-free slot whose lock is free, and return it locked (with
 * interrupts off, to be restored from @flags), or NULL if there is none.
 *
 * A free slot's lock is held only briefly, by the orphan-guard sweep or by a
 * report about the slot's previous life, possibly on this very CPU (printk
 * may allocate). Such a slot is passed over rather than waited for, and
 * keeps its place at the head of the queue. The slot lock nests inside the
 * queue lock only as a trylock, so no lock order is created; the walk goes
 * past at most one slot per CPU.
 */
static struct kfence_metadata *kfence_slot_take(unsigned long *flags)
{
	struct kfence_metadata *meta;

	raw_spin_lock_irqsave(&kfence_slots_lock, *flags);
	list_for_each_entry(meta, &kfence_free_slots, list) {
		if (raw_spin_trylock(&meta->slot_lock)) {
			list_del_init(&meta->list);
			raw_spin_unlock(&kfence_slots_lock);
			return meta;
		}
	}
	raw_spin_unlock_irqrestore(&kfence_slots_lock, *flags);
	return NULL;
}

/* ===== Allocation ===== */

/*
 * Where an object of @size goes in its page: at the start, against the left
 * guard page, or as close to the right one as the cache's alignment allows.
 */
static unsigned long kfence_place(unsigned long page, const struct kmem_cache *s, size_t size,
				  bool right)
{
	return right ? ALIGN_DOWN(page + PAGE_SIZE - size, s->align ?: 1) : page;
}

/*
 * Hand a taken slot (locked) to a new owner: place the object, record who
 * allocated it, open its page and fill the redzone. Unlocks the slot.
 *
 * Return: the object, or NULL if its page could not be opened (KFENCE is
 * then off, and the slot stays out of use).
 */
static void *kfence_slot_hand_out(struct kfence_metadata *meta, unsigned long flags,
				  struct kmem_cache *s, size_t size, bool right,
				  const unsigned long *entries, int n, u32 hash)
{
	unsigned long page = ALIGN_DOWN(meta->addr, PAGE_SIZE);
	bool opened;

	meta->addr = kfence_place(page, s, size, right);
	meta->size = size;
	meta->cache = s;
	meta->alloc_stack_hash = hash;
	meta->fault_injected = false;
	kfence_track_set(&meta->alloc_info, entries, n);
	meta->free_info.nr_frames = 0;
	WRITE_ONCE(virt_to_slab((void *)page)->slab_cache, s);
	/* A guard page a report opened while the slot was free: close it now. */
	kfence_close_open_guard(meta);

	opened = kfence_unguard(page);
	if (opened) {
		kfence_write_canaries(meta);
		WRITE_ONCE(meta->state, KFENCE_OBJECT_ALLOCATED);
	}
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
	return opened ? (void *)meta->addr : NULL;
}

static void *kfence_guarded_alloc(struct kmem_cache *s, size_t size, gfp_t gfp,
				  const unsigned long *entries, int n, u32 hash)
{
	/* Drawn before any raw lock: the entropy batch lock may sleep on RT. */
	bool right = get_random_u32_below(2);
	struct kfence_metadata *meta;
	unsigned long flags;
	void *obj;

	meta = kfence_slot_take(&flags);
	obj = meta ? kfence_slot_hand_out(meta, flags, s, size, right, entries, n, hash) : NULL;
	if (!obj) {
		if (!meta)
			atomic_long_inc(&kfence_stats[KFENCE_STAT_SKIP_CAPACITY]);
		return NULL;
	}
	kfence_covered_add(hash, 1);
	atomic_long_inc(&kfence_stats[KFENCE_STAT_ALLOCS]);
	atomic_long_inc(&kfence_stats[KFENCE_STAT_ALLOCATED]);

	/*
	 * What the slab allocator would have done to the object: KFENCE
	 * objects skip its own init_on_alloc and constructor.
	 */
	if (unlikely(slab_want_init_on_alloc(gfp, s)))
		memzero_explicit(obj, size);
	if (s->ctor)
		s->ctor(obj);

	/* Exercise the fault path: a spurious fault on a live object must be harmless. */
	if (CONFIG_KFENCE_STRESS_TEST_FAULTS &&
	    !get_random_u32_below(CONFIG_KFENCE_STRESS_TEST_FAULTS))
		kfence_inject_fault(meta);
	return obj;
}

/**
 * kfence_inject_fault() - protect a live object's page, for testing
 * @meta: the object
 *
 * Used by CONFIG_KFENCE_STRESS_TEST_FAULTS (and the kfence_core suite): the
 * owner's next access faults, and the fault handler must let it through
 * unreported. The flag tells such a fault from one that raced with the
 * slot's reuse, which is a use-after-free.
 */
void kfence_inject_fault(struct kfence_metadata *meta)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	if (meta->state == KFENCE_OBJECT_ALLOCATED && kfence_guard(meta->addr))
		meta->fault_injected = true;
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
}

/*
 * Whether the pool cannot give @s an object of @size for @flags: it has one
 * page per object, of ZONE_NORMAL memory on a single node, so no larger
 * objects, no DMA cache or other zone, and no __GFP_THISNODE caller where
 * there is another node it may be bound to.
 */
static bool kfence_cannot_serve(struct kmem_cache *s, size_t size, gfp_t flags)
{
	if (size > PAGE_SIZE || (s->flags & (SLAB_CACHE_DMA | SLAB_CACHE_DMA32)))
		return true;
	if (flags & GFP_ZONEMASK)
		return true;
	return (flags & __GFP_THISNODE) && num_online_nodes() > 1;
}

void *__kfence_alloc(struct kmem_cache *s, size_t size, gfp_t flags)
{
	unsigned long entries[KFENCE_STACK_DEPTH];
	int n, skip;
	u32 hash;

	if (kfence_cannot_serve(s, size, flags)) {
		atomic_long_inc(&kfence_stats[KFENCE_STAT_SKIP_INCOMPAT]);
		return NULL;
	}
	/* Turned off for this cache through sysfs: a choice, not counted. */
	if (s->flags & SLAB_SKIP_KFENCE)
		return NULL;
	if (!kfence_take_sample())
		return NULL;

	n = kfence_save_stack(entries, &skip);
	hash = kfence_covered_key(entries + skip, n - skip);
	if (kfence_covered_skip(hash)) {
		atomic_long_inc(&kfence_stats[KFENCE_STAT_SKIP_COVERED]);
		return NULL;
	}
	return kfence_guarded_alloc(s, size, flags, entries + skip, n - skip, hash);
}

/* ===== Free ===== */

/*
 * Retire a validated, locked object: check and protect it, then requeue it.
 *
 * A zombie (an object still allocated when its cache is destroyed) is
 * retired but never requeued: its owner leaked it and may still write to it
 * or kfree() it, which must hit a protected page and a FREED slot, not the
 * next owner's object. Its slot stays out of the pool for good and keeps
 * counting as allocated, as upstream counts zombies; its contents are kept
 * for the report of that late access.
 */
static void kfence_release(struct kfence_metadata *meta, unsigned long flags, bool zombie)
{
	kfence_close_open_guard(meta);
	/*
	 * The canary check below reads the page under the slot lock: were the
	 * page still protected by an injected fault, the read would fault and
	 * the fault handler would spin on this very lock.
	 */
	if (meta->fault_injected) {
		kfence_unguard(meta->addr);
		meta->fault_injected = false;
	}
	kfence_check_redzones(meta);
	if (!zombie && meta->cache && slab_want_init_on_free(meta->cache))
		memzero_explicit((void *)meta->addr, meta->size);

	WRITE_ONCE(meta->state, KFENCE_OBJECT_FREED);
	kfence_guard(meta->addr);
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);

	kfence_covered_add(meta->alloc_stack_hash, -1);
	if (zombie) {
		atomic_long_inc(&kfence_stats[KFENCE_STAT_ZOMBIES]);
		return;
	}
	atomic_long_dec(&kfence_stats[KFENCE_STAT_ALLOCATED]);
	atomic_long_inc(&kfence_stats[KFENCE_STAT_FREES]);
	kfence_slot_enqueue(meta);
}

static void kfence_rcu_free(struct rcu_head *h)
{
	struct kfence_metadata *meta = container_of(h, struct kfence_metadata, rcu_head);
	unsigned long flags;

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	meta->state = KFENCE_OBJECT_ALLOCATED;	/* as kfence_release() expects */
	kfence_release(meta, flags, false);
}

/*
 * Free @addr, an object of slot @meta. @zombie_of is NULL for a free by the
 * object's owner; kfence_shutdown_cache() passes the cache being destroyed
 * to retire the object as a zombie, which only happens if the slot still
 * holds a live object of that cache: its owner may have freed it since, and
 * the slot may even hold another cache's object now.
 */
static void kfence_free_object(void *addr, struct kfence_metadata *meta,
			       struct kmem_cache *zombie_of)
{
	bool zombie = zombie_of;
	unsigned long entries[KFENCE_STACK_DEPTH];
	unsigned long flags;
	int n, skip;

	n = kfence_save_stack(entries, &skip);

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	if (zombie && (meta->cache != zombie_of || meta->state != KFENCE_OBJECT_ALLOCATED)) {
		/* Freed by its owner meanwhile: nothing left to retire. */
		raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
		return;
	}
	if (meta->state != KFENCE_OBJECT_ALLOCATED || meta->addr != (unsigned long)addr) {
		/* Double free, or a pointer into the middle: report, change nothing. */
		kfence_report_error((unsigned long)addr, false, NULL, meta,
				    KFENCE_ERROR_INVALID_FREE);
		raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
		return;
	}
	kfence_track_set(&meta->free_info, entries + skip, n - skip);

	/* Readers of SLAB_TYPESAFE_BY_RCU objects may look until a grace period ends. */
	if (!zombie && meta->cache && (meta->cache->flags & SLAB_TYPESAFE_BY_RCU)) {
		WRITE_ONCE(meta->state, KFENCE_OBJECT_RCU_FREEING);
		raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
		call_rcu(&meta->rcu_head, kfence_rcu_free);
		return;
	}
	kfence_release(meta, flags, zombie);
}

void __kfence_free(void *addr)
{
	struct kfence_metadata *meta = kfence_meta_of((unsigned long)addr);

	if (unlikely(!meta || ALIGN_DOWN((unsigned long)addr, PAGE_SIZE) !=
			      ALIGN_DOWN(meta->addr, PAGE_SIZE))) {
		/* Not inside an object page: a leading or a guard page. */
		kfence_report_error((unsigned long)addr, false, NULL, NULL,
				    KFENCE_ERROR_INVALID_FREE);
		return;
	}
	kfence_free_object(addr, meta, NULL);
}

/*
 * Start and size of the object whose page holds @addr, read without its
 * lock: they only change when the slot is reused, which a caller that owns
 * the object cannot race with unless it is freeing the object meanwhile, a
 * use-after-free of its own.
 */
static bool kfence_object_bounds(const void *addr, unsigned long *start, size_t *size)
{
	const struct kfence_metadata *meta = kfence_meta_of((unsigned long)addr);

	if (!meta)
		return false;
	*start = data_race(meta->addr);	/* lockless, see above */
	*size = data_race(meta->size);	/* likewise */
	return true;
}

size_t kfence_ksize(const void *addr)
{
	unsigned long start;
	size_t size;

	return kfence_object_bounds(addr, &start, &size) ? size : 0;
}

void *kfence_object_start(const void *addr)
{
	unsigned long start;
	size_t size;

	return kfence_object_bounds(addr, &start, &size) ? (void *)start : NULL;
}

/* ===== Cache shutdown and object info ===== */

/*
 * Detach a slot from @s, which is being destroyed: clear its cache, and
 * point its slab at the kmalloc cache of its size, which is never destroyed.
 * kfree() reads the cache from the slab before KFENCE sees the object, so a
 * late or double kfree() of any object @s ever had in this slot must not
 * find @s there; freed slots are repointed as well as zombies. The slot
 * lock keeps a new owner (which sets its own cache) out meanwhile.
 *
 * A zombie still holds its memory cgroup charge and allocation tag: they go
 * now, while @s is there to size them, and the owner's later kfree() finds
 * nothing to drop. Taking them with xchg() keeps this side from dropping
 * them twice; an owner that frees the zombie while its cache is being
 * destroyed (a bug of its own) can still race with it, as it could with
 * SLUB.
 *
 * Return: true if the slot still belonged to @s.
 */
static bool kfence_detach_slot(struct kfence_metadata *meta, struct kmem_cache *s)
{
	struct slab *slab = virt_to_slab((void *)meta->addr);
	struct slabobj_ext *exts, ext __maybe_unused = {};
	unsigned long flags;

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	if (meta->cache != s) {
		raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
		return false;
	}
	WRITE_ONCE(slab->slab_cache, kmalloc_slab(meta->size, NULL, GFP_KERNEL, 0));
	meta->cache = NULL;
	/* &meta->obj_exts with memcg; a vector allocated on demand without. */
	exts = slab_obj_exts(slab);
	if (exts) {
#ifdef CONFIG_MEMCG
		ext.objcg = xchg(&exts->objcg, NULL);
#endif
#ifdef CONFIG_MEM_ALLOC_PROFILING
		ext.ref.ct = xchg(&exts->ref.ct, NULL);
		/* Under MEM_ALLOC_PROFILING_DEBUG, a late kfree() then does not warn. */
		if (ext.ref.ct)
			set_codetag_empty(&exts->ref);
#endif
	}
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);

	/* Uncharging may sleep on PREEMPT_RT: not under the raw slot lock. */
#ifdef CONFIG_MEMCG
	if (ext.objcg) {
		void *obj = (void *)meta->addr;

		__memcg_slab_free_hook(s, slab, &obj, 1, &ext);
	}
#endif
#ifdef CONFIG_MEM_ALLOC_PROFILING
	if (ext.ref.ct)
		alloc_tag_sub(&ext.ref, s->size);
#endif
	return true;
}

void kfence_shutdown_cache(struct kmem_cache *s)
{
	struct kfence_metadata *meta_array = kfence_slots_acquire();
	bool detached = false;
	unsigned long i;

	if (!meta_array)
		return;

	for (i = 0; i < kfence_num_objects; i++) {
		struct kfence_metadata *meta = &meta_array[i];

		if (READ_ONCE(meta->cache) != s)
			continue;
		/* kmem_cache_destroy() waited for RCU; a late one is waited for here. */
		if (READ_ONCE(meta->state) == KFENCE_OBJECT_RCU_FREEING)
			rcu_barrier();
		/* Still allocated: a leak, retired as a zombie, never reused. */
		if (READ_ONCE(meta->state) == KFENCE_OBJECT_ALLOCATED)
			kfence_free_object((void *)meta->addr, meta, s);
		detached |= kfence_detach_slot(meta, s);
	}
	/* kfence/objects may be printing a copy that still points to @s. */
	if (detached)
		synchronize_rcu();
}

#ifdef CONFIG_PRINTK
static void kfence_fill_stack(void **out, const struct kfence_track *track)
{
	unsigned long entries[KFENCE_STACK_DEPTH];
	int i, n = kfence_track_stack(track, entries);

	for (i = 0; i < KS_ADDRS_COUNT; i++)
		out[i] = i < n ? (void *)entries[i] : NULL;
}

bool __kfence_obj_info(struct kmem_obj_info *kpp, void *object, struct slab *slab)
{
	struct kfence_metadata *meta = kfence_meta_of((unsigned long)object);
	unsigned long flags;

	if (!meta)
		return false;

	raw_spin_lock_irqsave(&meta->slot_lock, flags);
	kpp->kp_ptr = object;
	kpp->kp_slab = slab;
	kpp->kp_objp = (void *)meta->addr;
	kpp->kp_data_offset = 0;
	kpp->kp_slab_cache = meta->cache;
	kfence_fill_stack(kpp->kp_stack, &meta->alloc_info);
	kpp->kp_ret = kpp->kp_stack[0];
	if (meta->state == KFENCE_OBJECT_FREED)
		kfence_fill_stack(kpp->kp_free_stack, &meta->free_info);
	raw_spin_unlock_irqrestore(&meta->slot_lock, flags);
	return true;
}
#endif
