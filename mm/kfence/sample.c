// SPDX-License-Identifier: GPL-2.0
/*
 * KFENCE sampling: the gate that lets an allocation into the pool once every
 * kfence.sample_interval milliseconds (plus kfence.burst more), the work that
 * opens it and arms the caches, and turning KFENCE on and off at run time
 * through the parameters that drive it.
 */

#define pr_fmt(fmt) "kfence: " fmt

#include <linux/atomic.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/kasan-enabled.h>
#include <linux/kfence.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "kfence.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "kfence."

DEFINE_STATIC_KEY_FALSE(kfence_allocation_key);
EXPORT_SYMBOL(kfence_allocation_key);
atomic_t kfence_allocation_gate = ATOMIC_INIT(0);
EXPORT_SYMBOL(kfence_allocation_gate);

/* Sampling is on; cleared by kfence.sample_interval=0 or an internal error. */
bool kfence_enabled __read_mostly;
/* Set by an internal error: KFENCE then stays off until reboot. */
bool kfence_disabled_by_warn __read_mostly;
/* kfence_init() has run: parameter writes now act at once. */
static bool kfence_started;

/* Serialises turning KFENCE on and off, and the late set-up of the pool. */
static DEFINE_MUTEX(kfence_enable_mutex);

static void kfence_gate_work_fn(struct work_struct *work);
static struct delayed_work kfence_gate_work;

/* ===== Parameters ===== */

unsigned long kfence_sample_interval __read_mostly = CONFIG_KFENCE_SAMPLE_INTERVAL;
EXPORT_SYMBOL_GPL(kfence_sample_interval);
unsigned long kfence_burst __read_mostly;
static bool kfence_deferrable __ro_after_init = IS_ENABLED(CONFIG_KFENCE_DEFERRABLE);

/**
 * kfence_knob_parse() - parse a value for a numeric kfence.* parameter
 * @k: the parameter
 * @val: the text given, at boot or through sysfs
 * @out: where the number goes if @k accepts it
 * @complain: log a rejection, with the range and the value kept
 *
 * Every numeric parameter refuses a bad value the same way: the old value
 * stays, and the log says what the range is.
 *
 * Return: 0, or -EINVAL with @out untouched.
 */
int kfence_knob_parse(const struct kfence_knob *k, const char *val, unsigned long *out,
		      bool complain)
{
	unsigned long num;

	if (val && !kstrtoul(val, 0, &num) && num >= k->min && num <= k->max) {
		*out = num;
		return 0;
	}
	if (complain)
		pr_err("invalid %s '%s' (%lu to %lu%s), keeping %lu\n", k->name,
		       val ? strim((char *)val) : "", k->min, k->max, k->unit ?: "",
		       READ_ONCE(*k->value));
	return -EINVAL;
}

/* A parameter that only stores its value: kp->arg is its struct kfence_knob. */
static int kfence_knob_set(const char *val, const struct kernel_param *kp)
{
	const struct kfence_knob *k = kp->arg;
	unsigned long num;
	int ret = kfence_knob_parse(k, val, &num, true);

	if (!ret)
		WRITE_ONCE(*k->value, num);
	return ret;
}

static int kfence_knob_get(char *buf, const struct kernel_param *kp)
{
	const struct kfence_knob *k = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%lu\n", READ_ONCE(*k->value));
}

const struct kernel_param_ops kfence_knob_ops = {
	.set = kfence_knob_set,
	.get = kfence_knob_get,
};

static int kfence_enable(void);
static void kfence_disable(void);

/* A day: longer intervals are almost certainly typos; 0 is how to turn KFENCE off. */
static struct kfence_knob kfence_interval_knob = {
	.name = "sample_interval", .value = &kfence_sample_interval,
	.max = 24UL * 60 * 60 * 1000, .unit = " ms",
};

/* Writing the interval after boot turns KFENCE on or off, as well as storing it. */
static int kfence_sample_interval_set(const char *val, const struct kernel_param *kp)
{
	unsigned long old = READ_ONCE(kfence_sample_interval);
	unsigned long num;
	int ret;

	ret = kfence_knob_parse(&kfence_interval_knob, val, &num, true);
	if (ret)
		return ret;
	WRITE_ONCE(kfence_sample_interval, num);
	if (!READ_ONCE(kfence_started))
		return 0;	/* boot: kfence_init() acts on the value */

	if (!num) {
		kfence_disable();
		return 0;
	}
	ret = kfence_enable();
	if (ret)
		WRITE_ONCE(kfence_sample_interval, old);
	return ret;
}

/*
 * While KFENCE is off, whatever the reason (written 0, an internal error, or
 * never started), the interval reads 0, as upstream's does: the file says
 * whether KFENCE samples. The stored value is kept for a later start.
 */
static int kfence_sample_interval_get(char *buf, const struct kernel_param *kp)
{
	if (!READ_ONCE(kfence_enabled))
		return scnprintf(buf, PAGE_SIZE, "0\n");
	return kfence_knob_get(buf, kp);
}

static const struct kernel_param_ops kfence_sample_interval_ops = {
	.set = kfence_sample_interval_set,
	.get = kfence_sample_interval_get,
};
module_param_cb(sample_interval, &kfence_sample_interval_ops, &kfence_interval_knob, 0600);

static struct kfence_knob kfence_burst_knob = {
	.name = "burst", .value = &kfence_burst, .max = 1024,
};
module_param_cb(burst, &kfence_knob_ops, &kfence_burst_knob, 0644);

module_param_named(deferrable, kfence_deferrable, bool, 0444);

/* ===== The gate ===== */

#ifdef CONFIG_KFENCE_STATIC_KEYS
/*
 * With CONFIG_KFENCE_STATIC_KEYS the allocation hook is patched in when an
 * interval opens the gate and patched out once the gate is drained, instead
 * of staying in for good. kfence_key_follow_gate() makes the key agree with
 * the gate as it is now. Patching sleeps, so it runs from process context,
 * and the mutex orders the calls: whichever comes last read the gate last,
 * so an interval that opens while a drained one is being patched out is not
 * lost.
 */
static DEFINE_MUTEX(kfence_key_mutex);

static void kfence_key_follow_gate(void)
{
	mutex_lock(&kfence_key_mutex);
	if (atomic_read(&kfence_allocation_gate) > 0 && READ_ONCE(kfence_enabled))
		static_branch_enable(&kfence_allocation_key);
	else
		static_branch_disable(&kfence_allocation_key);
	mutex_unlock(&kfence_key_mutex);
}

static void kfence_key_work_fn(struct work_struct *work)
{
	kfence_key_follow_gate();
}

static DECLARE_WORK(kfence_key_work, kfence_key_work_fn);

/*
 * The allocation that drains the gate may hold any lock, the workqueue's
 * included: it only raises an irq_work, which queues the patching.
 */
static void kfence_key_irq_work_fn(struct irq_work *work)
{
	queue_work(system_unbound_wq, &kfence_key_work);
}

static DEFINE_IRQ_WORK(kfence_key_irq_work, kfence_key_irq_work_fn);

static void kfence_key_follow_gate_soon(void)
{
	irq_work_queue(&kfence_key_irq_work);
}
#else
/* The key is enabled once, by kfence_start(), and the gate alone decides. */
static void kfence_key_follow_gate(void) { }
static void kfence_key_follow_gate_soon(void) { }
#endif

/**
 * kfence_take_sample() - take one of the samples the gate still allows
 *
 * Allocations that lose the race for the last sample go to the slab
 * allocator.
 *
 * Return: true if the caller may place its allocation in the pool.
 */
bool kfence_take_sample(void)
{
	int left;

	if (unlikely(!READ_ONCE(kfence_enabled)))
		return false;
	left = atomic_dec_if_positive(&kfence_allocation_gate);
	if (left < 0)
		return false;
	if (!left)	/* the interval's last sample */
		kfence_key_follow_gate_soon();
	return true;
}

/*
 * Arm every cache KFENCE can serve: the slab allocation fast path then sends
 * the cache's next allocation to kfence_alloc_armed(), whichever CPU makes it
 * and whatever the state of its freelist, so any allocation can be sampled
 * while the fast path pays one byte load and one branch. A few hundred
 * stores per interval, from process context.
 */
static void kfence_arm_caches(void)
{
	struct kmem_cache *s;

	/* SLUB_TINY has no fast path to divert: it calls kfence_alloc(). */
	if (IS_ENABLED(CONFIG_SLUB_TINY))
		return;
	/* The gate is open before any cache is armed; pairs with kfence_alloc_armed(). */
	smp_mb();
	mutex_lock(&slab_mutex);
	list_for_each_entry(s, &slab_caches, list) {
		/* Caches KFENCE never serves stay on the fast path. */
		if (s->object_size > PAGE_SIZE ||
		    (s->flags & (SLAB_SKIP_KFENCE | SLAB_CACHE_DMA | SLAB_CACHE_DMA32)))
			continue;
		/* Leave a line that is already right alone. */
		if (!READ_ONCE(s->kfence_armed))
			WRITE_ONCE(s->kfence_armed, 1);
	}
	mutex_unlock(&slab_mutex);
}

static bool kfence_sampling(void)
{
	return atomic_read(&kfence_allocation_gate) && READ_ONCE(kfence_enabled);
}

void *kfence_alloc_armed(struct kmem_cache *s, size_t size, gfp_t flags)
{
	void *obj = NULL;

	if (atomic_read(&kfence_allocation_gate) > 0)
		obj = __kfence_alloc(s, size, flags);
	if (!kfence_sampling()) {
		/*
		 * The sample is taken, or KFENCE is off: back to the fast path.
		 * Should the next interval have opened the gate meanwhile,
		 * re-arm, so that kfence_arm_caches() and this store cannot
		 * both miss.
		 */
		WRITE_ONCE(s->kfence_armed, 0);
		smp_mb();	/* pairs with the one in kfence_arm_caches() */
		if (kfence_sampling())
			WRITE_ONCE(s->kfence_armed, 1);
	}
	return obj;
}

/*
 * Open the gate once per interval. Without CONFIG_KFENCE_STATIC_KEYS this only
 * stores to kfence_allocation_gate: no code patching, no IPIs. A sample not
 * taken by the next interval is not carried over: the gate is set, not added
 * to.
 */
static void kfence_gate_work_fn(struct work_struct *work)
{
	unsigned long interval = READ_ONCE(kfence_sample_interval);

	kfence_close_orphan_guards();
	if (!READ_ONCE(kfence_enabled) || !interval)
		return;

	atomic_set(&kfence_allocation_gate, 1 + READ_ONCE(kfence_burst));
	kfence_arm_caches();
	kfence_key_follow_gate();
	queue_delayed_work(system_unbound_wq, &kfence_gate_work, msecs_to_jiffies(interval));
}

/* ===== On and off ===== */

/**
 * kfence_sampling_init() - prepare the gate work; parameter writes act from now on
 *
 * Called once from kfence_init(), whether or not KFENCE starts at boot.
 */
void kfence_sampling_init(void)
{
	if (kfence_deferrable)
		INIT_DEFERRABLE_WORK(&kfence_gate_work, kfence_gate_work_fn);
	else
		INIT_DELAYED_WORK(&kfence_gate_work, kfence_gate_work_fn);
	WRITE_ONCE(kfence_started, true);
}

/**
 * kfence_start() - start sampling on a live pool
 *
 * Called once the pool is set up (at boot or late, see pool.c), and again for
 * each non-zero kfence.sample_interval written after a 0.
 */
void kfence_start(void)
{
	WRITE_ONCE(kfence_enabled, true);
	/* Enabled once for the lifetime of the pool; sampling then flips no code. */
	if (!IS_ENABLED(CONFIG_KFENCE_STATIC_KEYS))
		static_branch_enable(&kfence_allocation_key);
	queue_delayed_work(system_unbound_wq, &kfence_gate_work, 0);
}

/**
 * kfence_stop_for_good() - turn KFENCE off after an internal error
 *
 * The pool can no longer be trusted to catch what it should, so KFENCE stays
 * off until reboot, whatever is written to kfence.sample_interval afterwards.
 * Any context.
 */
void kfence_stop_for_good(void)
{
	WRITE_ONCE(kfence_disabled_by_warn, true);
	WRITE_ONCE(kfence_enabled, false);
	/*
	 * Close the gate too: nothing takes a sample now, and caches still
	 * armed must find it closed and go back to the fast path.
	 */
	atomic_set(&kfence_allocation_gate, 0);
	kfence_key_follow_gate_soon();
}

static int kfence_enable(void)
{
	int ret = 0;

	if (READ_ONCE(kfence_disabled_by_warn)) {
		pr_warn("disabled by an internal error, stays off until reboot\n");
		return -EINVAL;
	}
	if (kasan_hw_tags_enabled()) {
		pr_info("not enabled: KASAN hardware tags are on\n");
		return -EINVAL;
	}

	mutex_lock(&kfence_enable_mutex);
	if (!kfence_slots_acquire()) {
		ret = kfence_init_late();
	} else if (!READ_ONCE(kfence_enabled)) {
		kfence_start();
		pr_info("re-enabled, sample interval %lu ms\n", READ_ONCE(kfence_sample_interval));
	} else {
		/* New interval: restart the period from now. */
		mod_delayed_work(system_unbound_wq, &kfence_gate_work, 0);
	}
	mutex_unlock(&kfence_enable_mutex);
	return ret;
}

static void kfence_disable(void)
{
	mutex_lock(&kfence_enable_mutex);
	/* Whatever else happened, a closed gate sends armed caches home. */
	atomic_set(&kfence_allocation_gate, 0);
	if (READ_ONCE(kfence_enabled)) {
		WRITE_ONCE(kfence_enabled, false);
		cancel_delayed_work_sync(&kfence_gate_work);
		atomic_set(&kfence_allocation_gate, 0);
		kfence_key_follow_gate();
		pr_info("disabled; objects already allocated stay guarded\n");
	}
	mutex_unlock(&kfence_enable_mutex);
}
