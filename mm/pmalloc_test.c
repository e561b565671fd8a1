// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for pmalloc: allocation and alignment, sealing (the pages turn
 * read-only, a write faults and is reported), write-rare, destroy, misuse and
 * many CPUs allocating from one pool. Reports are read from the console
 * through its tracepoint, the way the KFENCE suites read theirs.
 */

#include <kunit/console.h>
#include <kunit/fail_page_alloc.h>
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/kallsyms.h>
#include <linux/kasan.h>
#include <linux/kasan-tags.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pmalloc.h>
#include <linux/set_memory.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

static struct kunit_console pmt_console = KUNIT_CONSOLE_INIT(pmt_console);

static void pmt_capture(bool on)
{
	kunit_console_capture(&pmt_console, on);
}

static bool pmt_console_has(const char *s)
{
	return kunit_console_has(&pmt_console, s);
}

/* ---- Helpers -------------------------------------------------------- */

static void pmt_destroy(void *pool)
{
	pmalloc_destroy_pool(pool);
}

static struct pmalloc_pool *pmt_pool(struct kunit *test, const char *name)
{
	struct pmalloc_pool *pool = pmalloc_create_pool(name);

	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pmt_destroy, pool), 0);
	return pool;
}

/* Whether a byte can be written through the kernel's shared mapping. */
static bool pmt_writable(void *p)
{
	u8 v;

	if (copy_from_kernel_nofault(&v, p, 1))
		return false;
	return !copy_to_kernel_nofault(p, &v, 1);
}

/* Which virtual page @p is in, whatever KASAN tag the allocation has. */
static unsigned long pmt_vpage(const void *p)
{
	return PFN_DOWN((unsigned long)kasan_reset_tag(p));
}

/* ---- Allocation ----------------------------------------------------- */

static void test_alloc_align(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-align");
	static const size_t sizes[] = { 1, 3, 8, 15, 16, 17, 100, 1000, 4000 };
	u8 *prev = NULL;
	size_t prev_size = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p = pmalloc(pool, sizes[i]);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(p));
		KUNIT_EXPECT_EQ(test, (unsigned long)p % PMALLOC_ALIGN, 0);
		/* Nothing handed out twice: each allocation past the last. */
		if (prev && kasan_reset_tag(p) > kasan_reset_tag(prev))
			KUNIT_EXPECT_GE(test, (unsigned long)kasan_reset_tag(p),
					(unsigned long)kasan_reset_tag(prev) + prev_size);
		memset(p, 0x5a, sizes[i]);
		prev = p;
		prev_size = sizes[i];
	}
}

/* Many allocations over many pages keep what was written to each. */
static void test_alloc_spans_pages(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-span");
	enum { N = 600, SZ = 40 };
	u8 **p = kunit_kcalloc(test, N, sizeof(*p), GFP_KERNEL);
	int i, pages;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < N; i++) {
		p[i] = pmalloc(pool, SZ);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		memset(p[i], i & 0xff, SZ);
	}
	/* 600 * 48 bytes fill seven pages: count where the page changes. */
	for (i = 1, pages = 1; i < N; i++)
		pages += pmt_vpage(p[i]) != pmt_vpage(p[i - 1]);
	KUNIT_EXPECT_GE(test, pages, 7);
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	for (i = 0; i < N; i++)
		KUNIT_EXPECT_NULL(test, memchr_inv(p[i], i & 0xff, SZ));
}

/* A request larger than a page gets an area of its own. */
static void test_alloc_large(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-large");
	u8 *small = pmalloc(pool, 64);
	u8 *big = pzalloc(pool, 3 * PAGE_SIZE + 1000);

	KUNIT_ASSERT_NOT_NULL(test, small);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_EXPECT_NULL(test, memchr_inv(big, 0, 3 * PAGE_SIZE + 1000));
	/* The first page, and four for the large request with its header. */
	KUNIT_EXPECT_EQ(test, pmalloc_pool_pages(pool), 5);
	/* The first area, with room left, still serves small requests. */
	KUNIT_EXPECT_EQ(test, pmt_vpage(pmalloc(pool, 64)), pmt_vpage(small));
	memset(big, 1, 3 * PAGE_SIZE + 1000);
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	KUNIT_EXPECT_FALSE(test, pmt_writable(big + 3 * PAGE_SIZE));
}

/* The function /proc/vmallocinfo names for the area that holds @p. */
static void pmt_area_caller(struct kunit *test, const void *p, char *who)
{
	struct vm_struct *vm = find_vm_area(kasan_reset_tag(p));

	KUNIT_ASSERT_NOT_NULL(test, vm);
	snprintf(who, KSYM_NAME_LEN, "%ps", vm->caller);
}

/* /proc/vmallocinfo charges each area to whoever needed it. */
static void test_area_caller(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-caller");
	char *who = kunit_kzalloc(test, KSYM_NAME_LEN, GFP_KERNEL);
	char *s = kunit_kzalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	u8 *a, *z;

	if (!IS_ENABLED(CONFIG_KALLSYMS))
		kunit_skip(test, "needs KALLSYMS to name the caller");
	KUNIT_ASSERT_NOT_NULL(test, who);
	KUNIT_ASSERT_NOT_NULL(test, s);
	a = pmalloc(pool, 2 * PAGE_SIZE);
	z = pzalloc(pool, 2 * PAGE_SIZE);
	memset(s, 'x', 2 * PAGE_SIZE - 1);
	s = pstrdup(pool, s);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_ASSERT_NOT_NULL(test, s);
	pmt_area_caller(test, a, who);
	KUNIT_EXPECT_STREQ(test, who, __func__);
	pmt_area_caller(test, z, who);
	KUNIT_EXPECT_STREQ(test, who, __func__);
	pmt_area_caller(test, s, who);
	KUNIT_EXPECT_STREQ(test, who, __func__);
}

static void test_zalloc_strdup(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-str");
	u8 *z = pzalloc(pool, 200);
	char *s = pstrdup(pool, "written once");

	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_NULL(test, memchr_inv(z, 0, 200));
	KUNIT_EXPECT_STREQ(test, s, "written once");
}

/* ---- Sealing -------------------------------------------------------- */

/* Every page turns read-only, the bookkeeping's first page included. */
static void test_seal_readonly(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-seal");
	u8 *a = pmalloc(pool, 32), *b = pmalloc(pool, 2 * PAGE_SIZE);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_TRUE(test, pmt_writable(a));
	KUNIT_EXPECT_TRUE(test, pmt_writable(b + PAGE_SIZE));
	KUNIT_EXPECT_FALSE(test, pmalloc_is_sealed(pool));

	pmt_capture(true);
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	KUNIT_EXPECT_TRUE(test, pmalloc_is_sealed(pool));
	KUNIT_EXPECT_FALSE(test, pmt_writable(a));
	KUNIT_EXPECT_FALSE(test, pmt_writable(b));
	KUNIT_EXPECT_FALSE(test, pmt_writable(b + PAGE_SIZE));
	/* The descriptor sits on a's page, so the pool itself is sealed. */
	KUNIT_EXPECT_FALSE(test, pmt_writable((void *)pool));
	/* No way around it through the direct map either. */
	KUNIT_EXPECT_FALSE(test, pmt_writable(page_address(vmalloc_to_page(b))));
	pmt_capture(false);
	KUNIT_EXPECT_TRUE(test, pmt_console_has("BUG: pmalloc: write to sealed pool pmt-seal in "));
}

/*
 * A write to a sealed pool faults and is reported with the pool's name and
 * the address; the write does not land. The write is a nofault one, so the
 * kernel lives on: the report comes before the exception table is tried.
 */
static void test_seal_write_reported(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-victim");
	u8 *p = pmalloc(pool, 64), v = 0x77;
	char addr[32];

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x11, 64);
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);

	pmt_capture(true);
	KUNIT_EXPECT_EQ(test, copy_to_kernel_nofault(p + 5, &v, 1), -EFAULT);
	pmt_capture(false);
	KUNIT_EXPECT_EQ(test, p[5], 0x11);
	KUNIT_EXPECT_TRUE(test,
			  pmt_console_has("BUG: pmalloc: write to sealed pool pmt-victim in "));
	snprintf(addr, sizeof(addr), "Write at 0x%px",
		 (void *)kasan_reset_tag(p + 5));
	KUNIT_EXPECT_TRUE(test, pmt_console_has(addr));
	KUNIT_EXPECT_TRUE(test, pmt_console_has("by task "));
}

/*
 * Writes to a pool not yet sealed do not fault, and a write that faults on
 * read-only memory outside every pool is not reported as pmalloc's.
 */
static void test_no_report_elsewhere(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-open");
	u8 *p = pmalloc(pool, 64), *ro = vmalloc(PAGE_SIZE), v = 1;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, ro);
	KUNIT_ASSERT_EQ(test, set_memory_ro((unsigned long)ro, 1), 0);
	pmt_capture(true);
	KUNIT_EXPECT_EQ(test, copy_to_kernel_nofault(p, &v, 1), 0);
	KUNIT_EXPECT_EQ(test, copy_to_kernel_nofault(ro, &v, 1), -EFAULT);
	pmt_capture(false);
	KUNIT_EXPECT_EQ(test, p[0], 1);
	KUNIT_EXPECT_FALSE(test, pmt_console_has("BUG: pmalloc"));
	KUNIT_EXPECT_EQ(test, set_memory_rw((unsigned long)ro, 1), 0);
	vfree(ro);
}

/* Allocating from a sealed pool fails, once with a warning. */
static void test_alloc_after_seal(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-late");

	KUNIT_ASSERT_NOT_NULL(test, pmalloc(pool, 8));
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	pmt_capture(true);
	KUNIT_EXPECT_NULL(test, pmalloc(pool, 8));
	pmt_capture(false);
	KUNIT_EXPECT_TRUE(test, pmt_console_has("pmalloc: allocation from sealed pool pmt-late"));
	KUNIT_EXPECT_NULL(test, pmalloc(pool, 8));
	KUNIT_EXPECT_NULL(test, pstrdup(pool, "late"));
}

static void test_seal_twice(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-twice");

	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	pmt_capture(true);
	KUNIT_EXPECT_EQ(test, pmalloc_seal(pool), -EINVAL);
	pmt_capture(false);
	KUNIT_EXPECT_TRUE(test, pmt_console_has("pmalloc_seal: pool pmt-twice sealed twice"));
	KUNIT_EXPECT_TRUE(test, pmalloc_is_sealed(pool));
}

/* ---- Write-rare ----------------------------------------------------- */

struct pmt_policy {
	int level;
	char label[24];
};

static void test_write_rare(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-wr");
	struct pmt_policy *w = pzalloc(pool, sizeof(*w));
	const struct pmt_policy *pol = w;
	u8 *span = pmalloc(pool, 2 * PAGE_SIZE);
	u8 buf[64];

	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, span);
	w->level = 1;
	strscpy(w->label, "boot", sizeof(w->label));
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);

	KUNIT_EXPECT_EQ(test, pmalloc_wr_assign(pool, pol->level, 7), 0);
	KUNIT_EXPECT_EQ(test, pol->level, 7);
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(pool, pol->label, "reloaded", 9), 0);
	KUNIT_EXPECT_STREQ(test, pol->label, "reloaded");
	/* The shared mapping is still read-only. */
	KUNIT_EXPECT_FALSE(test, pmt_writable((void *)pol));

	/* A write that crosses a page boundary lands on both pages. */
	memset(buf, 0xc3, sizeof(buf));
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(pool, span + PAGE_SIZE - 32, buf,
						sizeof(buf)), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(span + PAGE_SIZE - 32, 0xc3, sizeof(buf)));
	KUNIT_EXPECT_EQ(test, span[PAGE_SIZE - 33], 0);
	KUNIT_EXPECT_EQ(test, span[PAGE_SIZE + 32], 0);
}

/* Write-rare refuses what is not inside a sealed allocation of the pool. */
static void test_write_rare_refused(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-wr-no");
	struct pmalloc_pool *other = pmt_pool(test, "pmt-wr-other");
	u8 *p = pmalloc(pool, 64), *q = pmalloc(other, 64);
	static u8 outside[16];
	void *fake;
	int v = 1;

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	/* Not sealed yet: plain writes are the way. */
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(pool, p, &v, sizeof(v)), -EINVAL);
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	KUNIT_ASSERT_EQ(test, pmalloc_seal(other), 0);

	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(pool, outside, &v, sizeof(v)), -EINVAL);
	/* Another pool's memory, through this pool's handle. */
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(pool, q, &v, sizeof(v)), -EINVAL);
	/* The pool's own descriptor, and past what was handed out. */
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(pool, pool, &v, sizeof(v)), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(pool, p + 60, &v, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(pool, p + 64, &v, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(NULL, p, &v, sizeof(v)), -EINVAL);
	/*
	 * A forged descriptor in writable memory, a copy of the real one's
	 * first bytes (magic, areas, record, sealed), steers nothing.
	 */
	fake = kunit_kzalloc(test, 128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fake);
	memcpy(fake, pool, 32);
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(fake, p, &v, sizeof(v)), -EINVAL);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, 64));
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(pool, p + 60, &v, 4), 0);
}

/* ---- Misuse and destroy --------------------------------------------- */

static void test_misuse(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-misuse");

	KUNIT_EXPECT_NULL(test, pmalloc(NULL, 8));
	KUNIT_EXPECT_NULL(test, pmalloc(pool, 0));
	KUNIT_EXPECT_NULL(test, pmalloc(pool, SIZE_MAX));
	KUNIT_EXPECT_NULL(test, pmalloc(pool, SIZE_MAX - 8));
	KUNIT_EXPECT_NULL(test, pstrdup(pool, NULL));
	KUNIT_EXPECT_EQ(test, pmalloc_seal(NULL), -EINVAL);
	KUNIT_EXPECT_NULL(test, pmalloc_create_pool(NULL));
	KUNIT_EXPECT_NULL(test, pmalloc_create_pool(""));
	KUNIT_EXPECT_FALSE(test, pmalloc_is_sealed(NULL));
	pmalloc_destroy_pool(NULL);
	/* The pool still works after all that. */
	KUNIT_EXPECT_NOT_NULL(test, pmalloc(pool, 8));
}

/* Destroying twice is refused, not a double free. */
static void test_destroy_twice(struct kunit *test)
{
	struct pmalloc_pool *pool = pmalloc_create_pool("pmt-destroy");
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, pool);
	p = pmalloc(pool, 5000);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	pmalloc_destroy_pool(pool);
	/* The pages are gone: not mapped in vmalloc space any more. */
	KUNIT_EXPECT_NULL(test, find_vm_area(p));
	pmalloc_destroy_pool(pool);
}

/* A long name is cut, not overrun. */
static void test_long_name(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test,
		"pmt-a-name-much-longer-than-thirty-one-characters");

	KUNIT_EXPECT_NOT_NULL(test, pmalloc(pool, 8));
}

/* ---- Many CPUs ------------------------------------------------------ */

struct pmt_worker {
	struct pmalloc_pool *pool;
	struct completion *go;
	struct completion done;
	u8 *p[200];
	int id;
	int failed;
};

#define PMT_SIZE(i)	(24 + ((i) % 5) * 8)

static int pmt_alloc_thread(void *arg)
{
	struct pmt_worker *w = arg;
	int i;

	/* All at once, so that allocations really race. */
	wait_for_completion(w->go);
	for (i = 0; i < ARRAY_SIZE(w->p); i++) {
		w->p[i] = pmalloc(w->pool, PMT_SIZE(i));
		if (!w->p[i]) {
			w->failed++;
			continue;
		}
		memset(w->p[i], w->id, PMT_SIZE(i));
	}
	complete(&w->done);
	return 0;
}

static void test_concurrent_alloc(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-smp");
	int nr = max(num_online_cpus(), 2U), i, j;
	int cpu = cpumask_first(cpu_online_mask);
	struct pmt_worker *w = kunit_kcalloc(test, nr, sizeof(*w), GFP_KERNEL);
	struct task_struct **t = kunit_kcalloc(test, nr, sizeof(*t), GFP_KERNEL);
	DECLARE_COMPLETION_ONSTACK(go);
	int started = 0;

	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, t);
	for (i = 0; i < nr; i++) {
		w[i].pool = pool;
		w[i].id = i + 1;
		w[i].go = &go;
		init_completion(&w[i].done);
		t[i] = kthread_create(pmt_alloc_thread, &w[i], "pmt-alloc/%d", i);
		if (IS_ERR(t[i]))
			break;
		kthread_bind(t[i], cpu);
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		wake_up_process(t[i]);
		started++;
	}
	complete_all(&go);
	/* Every started thread finishes before w can go. */
	for (i = 0; i < started; i++)
		wait_for_completion(&w[i].done);
	KUNIT_ASSERT_EQ(test, started, nr);
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	/* Every allocation kept its writer's bytes: none overlapped. */
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ(test, w[i].failed, 0);
		for (j = 0; j < ARRAY_SIZE(w[i].p); j++)
			if (w[i].p[j])
				KUNIT_EXPECT_NULL(test, memchr_inv(w[i].p[j], w[i].id,
								   PMT_SIZE(j)));
	}
}

/* ---- Suite ---------------------------------------------------------- */

static int pmt_suite_init(struct kunit_suite *suite)
{
	return register_trace_console(kunit_console_probe, &pmt_console);
}

static void pmt_suite_exit(struct kunit_suite *suite)
{
	unregister_trace_console(kunit_console_probe, &pmt_console);
	tracepoint_synchronize_unregister();
}

/*
 * /proc/kcore reads vmalloc memory into a user buffer with vread_iter(),
 * which copies through the direct map. A pool page whose alias is gone
 * reads as zeroes; before, the copy came back short (0 bytes) and kcore
 * retried it for ever.
 */
static void test_vread_unmapped_alias(struct kunit *test)
{
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-vread");
	enum { SZ = 64 };
	u8 *p = pmalloc(pool, SZ), buf[SZ];
	struct iov_iter iter;
	unsigned long ubuf;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x77, SZ);
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	if (kernel_page_present(vmalloc_to_page(p)))
		kunit_skip(test, "the direct-map alias stays mapped here");

	ubuf = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(ubuf));
	KUNIT_ASSERT_EQ(test, clear_user((void __user *)ubuf, SZ), 0);
	KUNIT_ASSERT_EQ(test, put_user(0xff, (u8 __user *)ubuf), 0);
	KUNIT_ASSERT_EQ(test, import_ubuf(ITER_DEST, (void __user *)ubuf, SZ, &iter), 0);
	KUNIT_EXPECT_EQ(test, vread_iter(&iter, kasan_reset_tag(p), SZ), (long)SZ);
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)ubuf, SZ), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, SZ));
}

/* ---- KASAN ---------------------------------------------------------- */

#ifdef CONFIG_KASAN_SW_TAGS
static u8 pmt_ptr_tag(const void *p)
{
	return (unsigned long)p >> 56;
}

/* The tag in the shadow of @p's granule: what a check compares with. */
static u8 pmt_mem_tag(const void *p)
{
	return *(u8 *)kasan_mem_to_shadow(kasan_reset_tag(p));
}
#endif

/*
 * Under the tag-based mode each allocation has a tag of its own, so an
 * overflow into the next allocation is caught, and the rest of an area is
 * closed from the start, not only once the pool is sealed.
 */
static void test_kasan_tags(struct kunit *test)
{
#ifdef CONFIG_KASAN_SW_TAGS
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-tags");
	enum { N = 8, SZ = 32 };
	u8 tags[N], *p = NULL;
	int i, differ = 0;

	for (i = 0; i < N; i++) {
		p = pmalloc(pool, SZ);
		KUNIT_ASSERT_NOT_NULL(test, p);
		tags[i] = pmt_ptr_tag(p);
		KUNIT_EXPECT_NE(test, tags[i], KASAN_TAG_KERNEL);
		KUNIT_EXPECT_EQ(test, pmt_mem_tag(p), tags[i]);
		KUNIT_EXPECT_EQ(test, pmt_mem_tag(p + SZ - 1), tags[i]);
		differ += tags[i] != tags[0];
	}
	/* Eight random tags all equal: one chance in 238^7. */
	KUNIT_EXPECT_GT(test, differ, 0);
	KUNIT_EXPECT_EQ(test, pmt_mem_tag(p + SZ), KASAN_TAG_INVALID);
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	KUNIT_EXPECT_EQ(test, pmt_mem_tag(p), tags[N - 1]);
	KUNIT_EXPECT_EQ(test, pmt_mem_tag(p + SZ), KASAN_TAG_INVALID);
#else
	kunit_skip(test, "needs CONFIG_KASAN_SW_TAGS: only tags tell allocations apart");
#endif
}

/* ---- The x86 reserve ------------------------------------------------ */

#ifdef CONFIG_X86_64
/* Pages in one block of the reserve. */
#define PMALLOC_TEST_BLOCK	(PMD_SIZE >> PAGE_SHIFT)

/* The direct-map entry of the page behind vmalloc address @p, and its level. */
static pte_t *pmt_alias(const void *p, unsigned int *level)
{
	struct page *page = vmalloc_to_page(p);

	return lookup_address((unsigned long)page_address(page), level);
}
#endif

/*
 * On x86 pool pages come from blocks whose direct map is unmapped whole:
 * the alias is gone from allocation on, and neither the seal nor write-rare
 * splits a large page of the direct map (no alias entry changes level).
 * A block goes back mapped once its pages are all given back.
 */
static void test_reserve_direct_map(struct kunit *test)
{
#ifdef CONFIG_X86_64
	enum { PAGES = SZ_4M / PAGE_SIZE };
	struct pmalloc_pool *pool = pmt_pool(test, "pmt-reserve");
	unsigned int *levels, level, bad = 0;
	u8 *big, *small, v = 0xa5;
	struct page *last;
	pte_t *pte;
	int i;

	levels = kunit_kcalloc(test, PAGES, sizeof(*levels), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, levels);
	big = pmalloc(pool, SZ_4M);
	small = pmalloc(pool, 64);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_ASSERT_NOT_NULL(test, small);
	memset(big, 0x11, SZ_4M);
	for (i = 0; i < PAGES; i++) {
		pte = pmt_alias(big + i * PAGE_SIZE, &levels[i]);
		bad += !pte || pte_present(*pte);
	}
	if (bad == PAGES)
		kunit_skip(test, "no 2 MiB block could be had: big fell back to vmalloc()");
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "pages with a direct-map alias before the seal");

	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	KUNIT_EXPECT_FALSE(test, pmt_writable(big));
	KUNIT_EXPECT_FALSE(test, pmt_writable(big + SZ_4M - 1));
	KUNIT_EXPECT_FALSE(test, pmt_writable(small));
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(pool, big + SZ_2M, &v, 1), 0);
	KUNIT_EXPECT_EQ(test, big[SZ_2M], v);
	for (i = 0, bad = 0; i < PAGES; i++) {
		pte = pmt_alias(big + i * PAGE_SIZE, &level);
		bad += !pte || pte_present(*pte) || level != levels[i];
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "pages whose alias is mapped or split after the seal");

	/*
	 * A block all of whose pages are big's is no other pool's: destroying
	 * the pool gives it back to the page allocator, mapped. The pages
	 * of big's 4 MiB hold one unless the reserve had more than 512 pages
	 * free (here it has at most the 510 the core_pattern pool and this
	 * pool's first page leave).
	 */
	last = NULL;
	for (i = 0; !last && i + PMALLOC_TEST_BLOCK <= PAGES; i++) {
		unsigned long pfn = page_to_pfn(vmalloc_to_page(big + i * PAGE_SIZE));
		int j = 1;

		if (!IS_ALIGNED(pfn, PMALLOC_TEST_BLOCK))
			continue;
		while (j < PMALLOC_TEST_BLOCK &&
		       page_to_pfn(vmalloc_to_page(big + (i + j) * PAGE_SIZE)) == pfn + j)
			j++;
		if (j == PMALLOC_TEST_BLOCK)
			last = pfn_to_page(pfn + j - 1);
	}
	kunit_release_action(test, pmt_destroy, pool);
	if (!last)
		kunit_skip(test, "the reserve had room for big: no block of its own");
	if (debug_pagealloc_enabled())
		kunit_skip(test, "debug_pagealloc unmaps free pages");
	pte = lookup_address((unsigned long)page_address(last), &level);
	KUNIT_EXPECT_TRUE(test, pte && pte_present(*pte));
#else
	kunit_skip(test, "x86 only: arm64 maps its linear map with pages where it can unmap them");
#endif
}

/*
 * When no 2 MiB block can be had, an area is vmalloc()ed instead and works
 * as any other: its alias stays mapped until the seal unmaps it page by
 * page (splitting what it must, the price of the fallback).
 */
static void test_reserve_fallback(struct kunit *test)
{
#if defined(CONFIG_X86_64) && IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC) && \
	IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
	unsigned long *probability = kunit_fail_page_alloc_setting("probability");
	bool *ignore_reclaim = kunit_fail_page_alloc_setting("ignore-gfp-wait");
	u32 *min_order = kunit_fail_page_alloc_setting("min-order");
	atomic_t *times = kunit_fail_page_alloc_setting("times");
	enum { PAGES = SZ_4M / PAGE_SIZE };
	unsigned int i, level, mapped, left;
	int old_times;
	struct pmalloc_pool *pool;
	u8 *big, v = 0x3c;
	bool old_ignore;
	u32 old_min;
	pte_t *pte;

	if (!probability || !ignore_reclaim || !min_order || !times)
		kunit_skip(test, "fail_page_alloc's debugfs files not found");
	if (READ_ONCE(*probability))
		kunit_skip(test, "fail_page_alloc is armed (probability %lu%%)",
			   READ_ONCE(*probability));
	pool = pmt_pool(test, "pmt-fallback");

	/*
	 * The next allocation of order 9 or more by this task fails, though
	 * it may reclaim: the first new block. Nothing else is failed.
	 */
	old_min = READ_ONCE(*min_order);
	old_ignore = READ_ONCE(*ignore_reclaim);
	old_times = atomic_read(times);
	WRITE_ONCE(*min_order, PMD_SHIFT - PAGE_SHIFT);
	WRITE_ONCE(*ignore_reclaim, false);
	WRITE_ONCE(current->fail_nth, 1);
	big = pmalloc(pool, SZ_4M);
	left = READ_ONCE(current->fail_nth);
	WRITE_ONCE(current->fail_nth, 0);
	/* An injected failure counts down "times" too. */
	atomic_set(times, old_times);
	WRITE_ONCE(*ignore_reclaim, old_ignore);
	WRITE_ONCE(*min_order, old_min);

	KUNIT_ASSERT_NOT_NULL(test, big);
	if (left)
		kunit_skip(test, "the reserve had room for 4 MiB: no block was needed");
	for (i = 0, mapped = 0; i < PAGES; i++) {
		pte = pmt_alias(big + i * PAGE_SIZE, &level);
		mapped += pte && pte_present(*pte);
	}
	KUNIT_EXPECT_EQ_MSG(test, mapped, PAGES, "a vmalloc()ed area is mapped until the seal");
	memset(big, 0x22, SZ_4M);
	KUNIT_ASSERT_EQ(test, pmalloc_seal(pool), 0);
	KUNIT_EXPECT_FALSE(test, pmt_writable(big));
	KUNIT_EXPECT_FALSE(test, pmt_writable(big + SZ_4M - 1));
	KUNIT_EXPECT_EQ(test, pmalloc_wr_memcpy(pool, big + 100, &v, 1), 0);
	KUNIT_EXPECT_EQ(test, big[100], v);
	for (i = 0, mapped = 0; i < PAGES; i++) {
		pte = pmt_alias(big + i * PAGE_SIZE, &level);
		mapped += pte && pte_present(*pte);
	}
	KUNIT_EXPECT_EQ_MSG(test, mapped, 0U, "pages mapped in the direct map after the seal");
#else
	kunit_skip(test, "x86 only, with FAIL_PAGE_ALLOC and FAULT_INJECTION_DEBUG_FS");
#endif
}

static struct kunit_case pmalloc_test_cases[] = {
	KUNIT_CASE(test_alloc_align),
	KUNIT_CASE(test_alloc_spans_pages),
	KUNIT_CASE(test_alloc_large),
	KUNIT_CASE(test_area_caller),
	KUNIT_CASE(test_zalloc_strdup),
	KUNIT_CASE(test_seal_readonly),
	KUNIT_CASE(test_seal_write_reported),
	KUNIT_CASE(test_no_report_elsewhere),
	KUNIT_CASE(test_alloc_after_seal),
	KUNIT_CASE(test_seal_twice),
	KUNIT_CASE(test_write_rare),
	KUNIT_CASE(test_write_rare_refused),
	KUNIT_CASE(test_misuse),
	KUNIT_CASE(test_destroy_twice),
	KUNIT_CASE(test_long_name),
	KUNIT_CASE(test_concurrent_alloc),
	KUNIT_CASE(test_vread_unmapped_alias),
	KUNIT_CASE(test_kasan_tags),
	KUNIT_CASE(test_reserve_direct_map),
	KUNIT_CASE(test_reserve_fallback),
	{}
};

static struct kunit_suite pmalloc_test_suite = {
	.name = "pmalloc",
	.suite_init = pmt_suite_init,
	.suite_exit = pmt_suite_exit,
	.test_cases = pmalloc_test_cases,
};

kunit_test_suite(pmalloc_test_suite);

MODULE_DESCRIPTION("KUnit tests for pmalloc");
MODULE_LICENSE("GPL");
