/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit helper for cases that make page allocations fail on purpose
 * through fail_page_alloc (CONFIG_FAIL_PAGE_ALLOC and
 * CONFIG_FAULT_INJECTION_DEBUG_FS), one task at a time with fail_nth.
 */
#ifndef _KUNIT_FAIL_PAGE_ALLOC_H
#define _KUNIT_FAIL_PAGE_ALLOC_H

#include <linux/dcache.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>

/**
 * kunit_fail_page_alloc_setting() - where one fail_page_alloc setting lives
 * @name: its file in debugfs fail_page_alloc/, such as "min-order"
 *
 * The settings are a static struct of mm/fail_page_alloc.c whose only
 * interface is debugfs, and a debugfs file's inode holds the address of
 * the setting it shows. (The files' write method wants a user buffer, so
 * a test cannot write them itself.) The pointer is to the file's type:
 * unsigned long for "probability", u32 for "min-order", bool for
 * "ignore-gfp-wait", atomic_t for "times" (which a failure injected
 * through fail_nth counts down too).
 *
 * Context: process context.
 * Return: the setting, or NULL if there is no such file.
 */
static inline void *kunit_fail_page_alloc_setting(const char *name)
{
	struct dentry *dir, *file;
	void *setting = NULL;

	dir = debugfs_lookup("fail_page_alloc", NULL);
	if (IS_ERR_OR_NULL(dir))
		return NULL;
	file = debugfs_lookup(name, dir);
	if (!IS_ERR_OR_NULL(file)) {
		setting = d_inode(file)->i_private;
		dput(file);
	}
	dput(dir);
	return setting;
}

#endif /* _KUNIT_FAIL_PAGE_ALLOC_H */
