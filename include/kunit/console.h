/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capture what the kernel prints while a KUnit case runs, for cases that
 * provoke a report on purpose and check what it said.
 *
 * The capture hangs off the console tracepoint, so it sees each record as
 * the console would print it, whatever the log level. A suite registers
 * kunit_console_probe() in its suite_init with its own struct kunit_console
 * as the probe's data, and unregisters it in suite_exit:
 *
 *	static struct kunit_console con = KUNIT_CONSOLE_INIT(con);
 *
 *	register_trace_console(kunit_console_probe, &con);
 *	...
 *	kunit_console_capture(&con, true);
 *	provoke_the_report();
 *	kunit_console_capture(&con, false);
 *	KUNIT_EXPECT_TRUE(test, kunit_console_has(&con, "BUG: ..."));
 */
#ifndef _KUNIT_CONSOLE_H
#define _KUNIT_CONSOLE_H

#include <linux/minmax.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <trace/events/printk.h>

#define KUNIT_CONSOLE_BUF	2048

struct kunit_console {
	/*
	 * A raw lock: reports print with their own raw locks held and with
	 * interrupts off, and the probe runs inside those prints.
	 */
	raw_spinlock_t lock;
	bool on;			/* read locklessly by the probe */
	size_t len;
	char buf[KUNIT_CONSOLE_BUF];	/* one record a line, NUL-terminated */
};

#define KUNIT_CONSOLE_INIT(name) { .lock = __RAW_SPIN_LOCK_UNLOCKED(name.lock) }

/* The console tracepoint's probe; @data is the struct kunit_console. */
static inline void kunit_console_probe(void *data, const char *buf, size_t len)
{
	struct kunit_console *con = data;
	unsigned long flags;

	/*
	 * An NMI may interrupt this CPU's holder of the lock; its records
	 * are dropped rather than spin on it. The cases do not print in NMIs.
	 */
	if (in_nmi() || !READ_ONCE(con->on))
		return;
	raw_spin_lock_irqsave(&con->lock, flags);
	if (con->on) {
		size_t n = min(len, sizeof(con->buf) - 1 - con->len);

		memcpy(con->buf + con->len, buf, n);
		con->len += n;
		/* Records arrive without their newline: keep lines apart. */
		if (con->len < sizeof(con->buf) - 1)
			con->buf[con->len++] = '\n';
		con->buf[con->len] = '\0';
	}
	raw_spin_unlock_irqrestore(&con->lock, flags);
}

/* Start capturing from an empty buffer (@on), or stop and keep what came. */
static inline void kunit_console_capture(struct kunit_console *con, bool on)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&con->lock, flags);
	WRITE_ONCE(con->on, on);
	if (on) {
		con->len = 0;
		con->buf[0] = '\0';
	}
	raw_spin_unlock_irqrestore(&con->lock, flags);
}

/* Whether what was captured contains @s. */
static inline bool kunit_console_has(struct kunit_console *con, const char *s)
{
	unsigned long flags;
	bool ret;

	raw_spin_lock_irqsave(&con->lock, flags);
	ret = !!strstr(con->buf, s);
	raw_spin_unlock_irqrestore(&con->lock, flags);
	return ret;
}

#endif /* _KUNIT_CONSOLE_H */
