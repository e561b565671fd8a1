/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of mm/kasan share: the shadow encoding, the tag engine's
 * entry points, the allocation history and the report entry points. The mode
 * a file implements (today only the software tag mode) is chosen here, so
 * common.c, shadow.c and vmalloc.c read the same for every mode. Upstream's
 * KUnit suite includes this header for KASAN_GRANULE_SIZE, get_tag(),
 * kasan_poison() and the test hooks at the end.
 */
#ifndef __MM_KASAN_KASAN_H
#define __MM_KASAN_KASAN_H

#include <linux/kasan.h>
#include <linux/kasan-tags.h>
#include <linux/kfence.h>
#include <linux/stackdepot.h>

#if !defined(CONFIG_KASAN_SW_TAGS)
#error "mm/kasan implements the software tag-based mode only"
#endif

/* ---- Shadow encoding ------------------------------------------------ */

/* One shadow byte describes one granule of memory. */
#define KASAN_GRANULE_SIZE	BIT(KASAN_SHADOW_SCALE_SHIFT)
#define KASAN_GRANULE_MASK	(KASAN_GRANULE_SIZE - 1)
/* Memory whose shadow fills one page: the unit vmalloc shadow comes in. */
#define KASAN_MEMORY_PER_SHADOW_PAGE	(KASAN_GRANULE_SIZE << PAGE_SHIFT)

/*
 * In the tag mode a shadow byte holds the tag of the pointers allowed to
 * touch the granule. Everything that no pointer may touch (free pages, slab
 * redzones, freed objects, unmapped vmalloc space) holds the invalid tag,
 * which the allocator never hands out.
 */
#define KASAN_SHADOW_FREED	KASAN_TAG_INVALID
#define KASAN_SHADOW_REDZONE	KASAN_TAG_INVALID
#define KASAN_SHADOW_VMALLOC	KASAN_TAG_INVALID

#define get_tag(addr)		arch_kasan_get_tag(addr)
#define set_tag(addr, tag)	((void *)arch_kasan_set_tag((addr), (tag)))

static __always_inline const void *kasan_shadow_to_mem(const void *shadow)
{
	return (void *)(((unsigned long)shadow - KASAN_SHADOW_OFFSET)
			<< KASAN_SHADOW_SCALE_SHIFT);
}

/* Whether @addr (tagged or not) lies in memory that has a shadow byte. */
static __always_inline bool addr_has_metadata(const void *addr)
{
	return kasan_reset_tag(addr) >=
		kasan_shadow_to_mem((void *)KASAN_SHADOW_START);
}

static __always_inline u8 *kasan_shadow_of(const void *addr)
{
	return kasan_mem_to_shadow(kasan_reset_tag(addr));
}

/*
 * Short granules. An object whose size is not a multiple of the granule
 * ends in a granule it only partly fills. Its shadow byte then holds the
 * number of bytes in use (1 to KASAN_SHORT_GRANULE_MAX, values no pointer
 * tag takes) and the granule's last byte, past the object, holds the
 * object's tag: an access is valid if it ends inside the used bytes and
 * its pointer's tag is the one in the granule. So kmalloc(13) catches an
 * access at offset 13, which a tag for the whole granule cannot.
 */
static __always_inline bool kasan_is_short_granule(u8 shadow)
{
	return shadow && shadow <= KASAN_SHORT_GRANULE_MAX;
}

/*
 * Whether an access whose last byte is @last (untagged), in a granule whose
 * shadow is @shadow, is valid for a pointer tagged @tag because the granule
 * is short and the access stays inside its used bytes. Reads the granule's
 * last byte only when the shadow says it is short, which the runtime writes
 * only into mapped memory (slab objects and large kmalloc).
 */
static __always_inline bool kasan_short_granule_ok(const void *last, u8 shadow,
						   u8 tag)
{
	unsigned long a = (unsigned long)last;

	return kasan_is_short_granule(shadow) &&
	       (a & KASAN_GRANULE_MASK) < shadow &&
	       *(const u8 *)(a | KASAN_GRANULE_MASK) == tag;
}

/* The tag a granule answers to: short granules keep it in their last byte. */
static __always_inline u8 kasan_granule_tag(const void *granule)
{
	unsigned long a = (unsigned long)kasan_reset_tag(granule);
	u8 shadow = *(u8 *)kasan_mem_to_shadow((void *)a);

	if (kasan_is_short_granule(shadow))
		return *(const u8 *)(a | KASAN_GRANULE_MASK);
	return shadow;
}

/* The software tag mode checks synchronously and always, vmalloc included. */
static inline bool kasan_sync_fault_possible(void) { return true; }
static inline bool kasan_async_fault_possible(void) { return false; }
static inline bool kasan_vmalloc_enabled(void)
{
	return IS_ENABLED(CONFIG_KASAN_VMALLOC);
}

/* Hardware-mode controls the KUnit suite names under IS_ENABLED(). */
static inline void kasan_enable_hw_tags(void) { }
static inline void kasan_force_async_fault(void) { }

/* shadow.c */
void kasan_poison(const void *addr, size_t size, u8 value, bool init);
void kasan_unpoison(const void *addr, size_t size, bool init);
void kasan_shorten_last_granule(const void *addr, size_t size);
void kasan_clear_tag_byte(const void *addr, size_t new_size);
bool kasan_byte_accessible(const void *addr);

/* ---- Tag engine (sw_tags.c) ---------------------------------------- */

u8 kasan_random_tag(void);
void __init kasan_init_slab_seed(u32 seed);
bool kasan_check_range(const void *addr, size_t size, bool write,
		       unsigned long ret_ip);

/*
 * What the compiler's instrumentation calls (the prototypes the compiler
 * assumes, for the definitions in sw_tags.c and shadow.c).
 */
void __hwasan_load1_noabort(void *addr);
void __hwasan_load2_noabort(void *addr);
void __hwasan_load4_noabort(void *addr);
void __hwasan_load8_noabort(void *addr);
void __hwasan_load16_noabort(void *addr);
void __hwasan_loadN_noabort(void *addr, ssize_t size);
void __hwasan_store1_noabort(void *addr);
void __hwasan_store2_noabort(void *addr);
void __hwasan_store4_noabort(void *addr);
void __hwasan_store8_noabort(void *addr);
void __hwasan_store16_noabort(void *addr);
void __hwasan_storeN_noabort(void *addr, ssize_t size);
void __hwasan_tag_memory(void *addr, u8 tag, ssize_t size);
void *__hwasan_memset(void *addr, int c, ssize_t len);
void *__hwasan_memmove(void *dst, const void *src, ssize_t len);
void *__hwasan_memcpy(void *dst, const void *src, ssize_t len);
asmlinkage void kasan_tag_mismatch(unsigned long addr, unsigned long access_info,
				   unsigned long ret_ip);

/* ---- Allocation history (tags.c) ----------------------------------- */

/**
 * struct kasan_track - who allocated or freed an object, and where
 * @pid: the task's pid
 * @stack: the call stack, in the stack depot (0 when not recorded)
 */
struct kasan_track {
	u32 pid;
	depot_stack_handle_t stack;
};

extern bool kasan_flag_stacktrace;

static __always_inline bool kasan_stack_collection_enabled(void)
{
	return READ_ONCE(kasan_flag_stacktrace);
}

void kasan_record_alloc(const void *object, gfp_t flags);
void kasan_record_free(const void *object);

/**
 * struct kasan_history - the latest events the history holds for an object
 * @alloc: the latest allocation of the object with the pointer's tag
 * @free: the latest free of it, if it came after that allocation
 * @have_alloc: @alloc was found
 * @have_free: @free was found
 * @freed_last: the object's newest event is a free (a use-after-free)
 */
struct kasan_history {
	struct kasan_track alloc;
	struct kasan_track free;
	bool have_alloc;
	bool have_free;
	bool freed_last;
};

bool kasan_find_history(const void *object, struct kasan_history *h);
void __init kasan_init_tags(void);

/* vmalloc.c: shadow for memory added at run time */
struct notifier_block;
int kasan_memory_event(struct notifier_block *nb, unsigned long action,
		       void *data);

/* ---- Reports (report.c) -------------------------------------------- */

enum kasan_free_bug {
	KASAN_REPORT_INVALID_FREE,
	KASAN_REPORT_DOUBLE_FREE,
};

void kasan_report_invalid_free(void *object, unsigned long ip,
			       enum kasan_free_bug type);

struct kmem_cache;
struct slab;
struct slab *kasan_addr_to_slab(const void *addr);

/* ---- Test hooks ---------------------------------------------------- */

#if IS_ENABLED(CONFIG_KASAN_KUNIT_TEST) || IS_ENABLED(CONFIG_KASAN_CORE_KUNIT_TEST)
void kasan_kunit_test_suite_start(void);
void kasan_kunit_test_suite_end(void);
#else
static inline void kasan_kunit_test_suite_start(void) { }
static inline void kasan_kunit_test_suite_end(void) { }
#endif

#if IS_ENABLED(CONFIG_KASAN_KUNIT_TEST) || IS_ENABLED(CONFIG_KASAN_MODULE_TEST) || \
	IS_ENABLED(CONFIG_KASAN_CORE_KUNIT_TEST)
bool kasan_save_enable_multi_shot(void);
void kasan_restore_multi_shot(bool enabled);
#endif

/* In kasan_test_rust.rs; the suite calls it only when Rust is built. */
char kasan_test_rust_uaf(void);

#endif /* __MM_KASAN_KASAN_H */
