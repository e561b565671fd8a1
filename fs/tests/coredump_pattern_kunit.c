// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the sealed core_pattern: it lives in a sealed pmalloc
 * pool from boot on, as debugfs shows; the sysctl still reads and changes
 * it, through write-rare; and a stray write to it faults, is reported, and
 * changes nothing.
 *
 * Included at the end of fs/coredump.c, so that the cases see the pattern,
 * its pool and the sysctl's handler.
 */

#include <kunit/console.h>
#include <kunit/test.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/set_memory.h>

static struct kunit_console cpt_console = KUNIT_CONSOLE_INIT(cpt_console);

static const struct ctl_table *cpt_table(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(coredump_sysctls); i++)
		if (!strcmp(coredump_sysctls[i].procname, "core_pattern"))
			return &coredump_sysctls[i];
	KUNIT_FAIL_AND_ABORT(test, "no core_pattern sysctl");
	return NULL;
}

/* Write @val through the sysctl's handler, as a write to /proc would. */
static int cpt_sysctl_write(struct kunit *test, const char *val)
{
	size_t len = strlen(val);
	loff_t pos = 0;

	return proc_dostring_coredump(cpt_table(test), 1, (char *)val, &len, &pos);
}

/* What reading /proc/sys/kernel/core_pattern gives, newline cut. */
static void cpt_sysctl_read(struct kunit *test, char *out, size_t size)
{
	size_t len = size - 1;
	loff_t pos = 0;

	memset(out, 0, size);
	KUNIT_ASSERT_EQ(test, proc_dostring_coredump(cpt_table(test), 0, out,
						     &len, &pos), 0);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_ASSERT_EQ(test, out[len - 1], '\n');
	out[len - 1] = '\0';
}

struct cpt_saved {
	struct kunit *test;
	char pattern[CORENAME_MAX_SIZE];
};

/* Put the pattern back the way the sysctl would, and check it is back. */
static void cpt_restore(void *arg)
{
	struct cpt_saved *saved = arg;
	int ret;

	mutex_lock(&core_pattern_lock);
	ret = pmalloc_wr_memcpy(core_pattern_pool, core_pattern, saved->pattern,
				CORENAME_MAX_SIZE);
	mutex_unlock(&core_pattern_lock);
	KUNIT_EXPECT_EQ(saved->test, ret, 0);
	KUNIT_EXPECT_STREQ(saved->test, core_pattern, saved->pattern);
}

/* Keep the boot-time pattern, to be put back however the case ends. */
static void cpt_save(struct kunit *test)
{
	struct cpt_saved *saved = kunit_kzalloc(test, sizeof(*saved), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, core_pattern_pool);
	KUNIT_ASSERT_NOT_NULL(test, saved);
	saved->test = test;
	memcpy(saved->pattern, core_pattern, CORENAME_MAX_SIZE);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, cpt_restore, saved), 0);
}

/*
 * Whether a byte can be written through the kernel's shared mapping. A
 * write to the sealed pattern is reported; @reported says whether this
 * probe printed pmalloc's report.
 */
static bool cpt_writable(const void *p, bool *reported)
{
	bool ret = false;
	u8 v;

	if (copy_from_kernel_nofault(&v, p, 1))
		return false;
	kunit_console_capture(&cpt_console, true);
	ret = !copy_to_kernel_nofault((void *)p, &v, 1);
	kunit_console_capture(&cpt_console, false);
	*reported = kunit_console_has(&cpt_console,
				      "BUG: pmalloc: write to sealed pool core_pattern in ");
	return ret;
}

/* @p cannot be written, and trying is reported as a write to the pool. */
static void cpt_expect_sealed(struct kunit *test, const void *p)
{
	bool reported;

	KUNIT_EXPECT_FALSE(test, cpt_writable(p, &reported));
	KUNIT_EXPECT_TRUE(test, reported);
}

/* The pattern was moved into its pool and sealed at boot. */
static void test_pattern_sealed(struct kunit *test)
{
	KUNIT_ASSERT_NOT_NULL(test, core_pattern_pool);
	KUNIT_EXPECT_TRUE(test, pmalloc_is_sealed(core_pattern_pool));
	KUNIT_EXPECT_PTR_NE(test, core_pattern, (const char *)core_pattern_static);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(core_pattern));
	cpt_expect_sealed(test, core_pattern);
	cpt_expect_sealed(test, core_pattern + CORENAME_MAX_SIZE - 1);
	/*
	 * The direct map is no way around it where it can be changed: the
	 * alias is not mapped, so the write is a not-present fault, not
	 * pmalloc's to report. Where it cannot (arm64 with a block-mapped
	 * linear map) debugfs says "mapped", checked in test_pattern_debugfs.
	 */
	if (can_set_direct_map()) {
		bool reported;

		KUNIT_EXPECT_FALSE(test, cpt_writable(page_address(vmalloc_to_page(core_pattern)),
						      &reported));
		KUNIT_EXPECT_FALSE(test, reported);
	}
}

/* debugfs pmalloc/pools lists the pattern's pool: one page, sealed. */
static void test_pattern_debugfs(struct kunit *test)
{
	struct file_system_type *type = get_fs_type("debugfs");
	char *buf, *line, state[16], alias[16];
	size_t pages, used, wasted;
	struct vfsmount *mnt;
	unsigned long ubuf;
	struct file *file;
	int fields;
	loff_t pos = 0;
	ssize_t n;

	KUNIT_ASSERT_NOT_NULL(test, type);
	mnt = kern_mount(type);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "debugfs: %ld", PTR_ERR(mnt));
	file = file_open_root_mnt(mnt, "pmalloc/pools", O_RDONLY, 0);
	if (IS_ERR(file)) {
		kern_unmount(mnt);
		KUNIT_FAIL_AND_ABORT(test, "pmalloc/pools: %ld", PTR_ERR(file));
	}
	/* Read it as user space does: debugfs files have no read_iter. */
	ubuf = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	n = -ENOMEM;
	if (!IS_ERR_VALUE(ubuf))
		n = vfs_read(file, (char __user *)ubuf, PAGE_SIZE - 1, &pos);
	fput(file);
	kern_unmount(mnt);
	KUNIT_ASSERT_GT(test, n, 0);
	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, (char __user *)ubuf, n), 0);

	KUNIT_EXPECT_TRUE(test, str_has_prefix(buf, "# name pages used wasted sealed alias\n"));
	line = strstr(buf, "\ncore_pattern ");
	KUNIT_ASSERT_NOT_NULL_MSG(test, line, "no core_pattern pool in:\n%s", buf);
	fields = sscanf(line + 1, "core_pattern %zu %zu %zu %15s %15s",
			&pages, &used, &wasted, state, alias);
	KUNIT_ASSERT_EQ(test, fields, 5);
	KUNIT_EXPECT_EQ(test, pages, 1);
	KUNIT_EXPECT_EQ(test, used, CORENAME_MAX_SIZE);
	KUNIT_EXPECT_EQ(test, used + wasted, PAGE_SIZE);
	KUNIT_EXPECT_STREQ(test, state, "sealed");
	KUNIT_EXPECT_STREQ(test, alias, can_set_direct_map() ? "unmapped" : "mapped");
}

/*
 * The sysctl reads the pattern and changes it through write-rare: the new
 * pattern lands, in the same sealed memory, which stays read-only.
 */
static void test_pattern_sysctl(struct kunit *test)
{
	static const char val[] = "|/sbin/kmemsafe-core %p %s";
	char out[CORENAME_MAX_SIZE + 1];

	cpt_save(test);
	cpt_sysctl_read(test, out, sizeof(out));
	KUNIT_EXPECT_STREQ(test, out, core_pattern);

	KUNIT_ASSERT_EQ(test, cpt_sysctl_write(test, val), 0);
	KUNIT_EXPECT_STREQ(test, core_pattern, val);
	cpt_sysctl_read(test, out, sizeof(out));
	KUNIT_EXPECT_STREQ(test, out, val);

	KUNIT_EXPECT_TRUE(test, pmalloc_is_sealed(core_pattern_pool));
	cpt_expect_sealed(test, core_pattern);
}

/*
 * Reads at an offset, appends at an offset (sysctl_writes_strict's default)
 * and a read past the end behave as proc_dostring() on the pattern did.
 */
static void test_pattern_sysctl_offsets(struct kunit *test)
{
	const struct ctl_table *table = cpt_table(test);
	char out[8] = {};
	size_t len;
	loff_t pos;

	cpt_save(test);
	KUNIT_ASSERT_EQ(test, cpt_sysctl_write(test, "ab"), 0);
	len = 2;
	pos = 2;
	KUNIT_ASSERT_EQ(test, proc_dostring_coredump(table, 1, "cd", &len, &pos), 0);
	KUNIT_EXPECT_STREQ(test, core_pattern, "abcd");

	len = 2;
	pos = 2;
	KUNIT_ASSERT_EQ(test, proc_dostring_coredump(table, 0, out, &len, &pos), 0);
	KUNIT_EXPECT_EQ(test, len, 2);
	KUNIT_EXPECT_EQ(test, memcmp(out, "cd", 2), 0);

	len = sizeof(out);
	pos = 100;
	KUNIT_ASSERT_EQ(test, proc_dostring_coredump(table, 0, out, &len, &pos), 0);
	KUNIT_EXPECT_EQ(test, len, 0);
}

/* A pattern too long is cut to CORENAME_MAX_SIZE - 1 bytes, as it always was. */
static void test_pattern_sysctl_long(struct kunit *test)
{
	char *val = kunit_kzalloc(test, 2 * CORENAME_MAX_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, val);
	cpt_save(test);
	memset(val, 'c', 2 * CORENAME_MAX_SIZE - 1);
	KUNIT_ASSERT_EQ(test, cpt_sysctl_write(test, val), 0);
	KUNIT_EXPECT_EQ(test, strnlen(core_pattern, CORENAME_MAX_SIZE),
			CORENAME_MAX_SIZE - 1);
	KUNIT_EXPECT_EQ(test, memcmp(core_pattern, val, CORENAME_MAX_SIZE - 1), 0);
}

/*
 * A stray write, the one an exploit would make, faults: it is reported with
 * the pool's name and the address, and the pattern is unchanged. The write
 * is a nofault one, so that the kernel lives on after the report.
 */
static void test_pattern_stray_write(struct kunit *test)
{
	static const char report[] = "BUG: pmalloc: write to sealed pool core_pattern in ";
	static const char evil[] = "|/tmp/x";
	char before[CORENAME_MAX_SIZE], addr[32];

	cpt_save(test);
	memcpy(before, core_pattern, CORENAME_MAX_SIZE);

	kunit_console_capture(&cpt_console, true);
	KUNIT_EXPECT_EQ(test, copy_to_kernel_nofault((void *)core_pattern, evil,
						     sizeof(evil)), -EFAULT);
	kunit_console_capture(&cpt_console, false);

	KUNIT_EXPECT_EQ(test, memcmp(core_pattern, before, CORENAME_MAX_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, kunit_console_has(&cpt_console, report));
	snprintf(addr, sizeof(addr), "Write at 0x%px",
		 (void *)kasan_reset_tag(core_pattern));
	KUNIT_EXPECT_TRUE(test, kunit_console_has(&cpt_console, addr));
}

static int cpt_suite_init(struct kunit_suite *suite)
{
	return register_trace_console(kunit_console_probe, &cpt_console);
}

static void cpt_suite_exit(struct kunit_suite *suite)
{
	unregister_trace_console(kunit_console_probe, &cpt_console);
	tracepoint_synchronize_unregister();
}

static struct kunit_case coredump_pattern_test_cases[] = {
	KUNIT_CASE(test_pattern_sealed),
	KUNIT_CASE(test_pattern_debugfs),
	KUNIT_CASE(test_pattern_sysctl),
	KUNIT_CASE(test_pattern_sysctl_offsets),
	KUNIT_CASE(test_pattern_sysctl_long),
	KUNIT_CASE(test_pattern_stray_write),
	{}
};

static struct kunit_suite coredump_pattern_test_suite = {
	.name = "pmalloc_core_pattern",
	.suite_init = cpt_suite_init,
	.suite_exit = cpt_suite_exit,
	.test_cases = coredump_pattern_test_cases,
};

kunit_test_suite(coredump_pattern_test_suite);
