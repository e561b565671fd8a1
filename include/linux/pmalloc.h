/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pmalloc: pools of memory that are built once, then sealed read-only.
 *
 * A user (a subsystem, a module) creates a pool of its own, allocates the
 * data it builds at init or load time from it, and seals it. From then on
 * the pool's pages, and the pool's own bookkeeping, are read-only; the rare
 * later change goes through pmalloc_wr_memcpy(), which writes through a
 * private mapping of the target page and never makes the shared one
 * writable. Destroying the pool frees all of it. Protection is per page: see
 * Documentation/core-api/pmalloc.rst.
 */
#ifndef _LINUX_PMALLOC_H
#define _LINUX_PMALLOC_H

#include <linux/errno.h>
#include <linux/types.h>

struct pmalloc_pool;
struct pt_regs;

/* Every allocation is aligned for any kernel object. */
#define PMALLOC_ALIGN		16

/* The longest pool name kept; a longer one is cut. */
#define PMALLOC_NAME_LEN	32

#ifdef CONFIG_PMALLOC

struct pmalloc_pool *pmalloc_create_pool(const char *name);
void *pmalloc(struct pmalloc_pool *pool, size_t size);
void *pzalloc(struct pmalloc_pool *pool, size_t size);
char *pstrdup(struct pmalloc_pool *pool, const char *s);
int pmalloc_seal(struct pmalloc_pool *pool);
bool pmalloc_is_sealed(const struct pmalloc_pool *pool);
unsigned long pmalloc_pool_pages(struct pmalloc_pool *pool);
void pmalloc_destroy_pool(struct pmalloc_pool *pool);
int pmalloc_wr_memcpy(struct pmalloc_pool *pool, const void *dst,
		      const void *src, size_t size);
bool pmalloc_report_fault(unsigned long addr, struct pt_regs *regs);

#else /* CONFIG_PMALLOC */

static inline struct pmalloc_pool *pmalloc_create_pool(const char *name)
{
	return NULL;
}

static inline void *pmalloc(struct pmalloc_pool *pool, size_t size)
{
	return NULL;
}

static inline void *pzalloc(struct pmalloc_pool *pool, size_t size)
{
	return NULL;
}

static inline char *pstrdup(struct pmalloc_pool *pool, const char *s)
{
	return NULL;
}

static inline int pmalloc_seal(struct pmalloc_pool *pool)
{
	return -EOPNOTSUPP;
}

static inline bool pmalloc_is_sealed(const struct pmalloc_pool *pool)
{
	return false;
}

static inline unsigned long pmalloc_pool_pages(struct pmalloc_pool *pool)
{
	return 0;
}

static inline void pmalloc_destroy_pool(struct pmalloc_pool *pool) { }

static inline int pmalloc_wr_memcpy(struct pmalloc_pool *pool,
				    const void *dst, const void *src,
				    size_t size)
{
	return -EOPNOTSUPP;
}

static inline bool pmalloc_report_fault(unsigned long addr,
					struct pt_regs *regs)
{
	return false;
}

#endif /* CONFIG_PMALLOC */

/**
 * pmalloc_wr_assign - change one sealed variable through write-rare
 * @pool: the sealed pool that holds the variable
 * @var: the variable, an lvalue in the pool (may be const-qualified)
 * @val: its new value
 *
 * Context: process context; may sleep, as pmalloc_wr_memcpy().
 * Return: 0, or what pmalloc_wr_memcpy() returned.
 */
#define pmalloc_wr_assign(pool, var, val)				\
({									\
	typeof(var) __pmalloc_val = (val);				\
	pmalloc_wr_memcpy(pool, &(var), &__pmalloc_val,		\
			  sizeof(__pmalloc_val));			\
})

#endif /* _LINUX_PMALLOC_H */
