#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The titles syzkaller gives kernel reports: a port of the part of its Linux
report parser that names KFENCE and KASAN reports.

syzkaller (Go) cannot be built on this machine, so its rules are ported here,
for KFENCE's and KASAN's reports, as written in syzkaller commit 1e72964b0
("dashboard/app: update upstream rust config"), files:

  pkg/report/report.go  Reporter.ParseFrom and ParseAll (where the next report
                        is searched from), dynamicTitleReplacement and
                        sanitizeTitle (title clean-up), compile() (the
                        {{ADDR}} {{PC}} {{FUNC}} {{SRC}} {{TASK}} templates),
                        extractDescription (which format names the report),
                        extractStackFrame[Impl], appendStackFrame,
                        stripFrames, partiallyStrippedArgs (the frame that
                        goes into the title, alternative titles),
                        reportFrameRe;
  pkg/report/linux.go   ctorLinux (consoleOutputRe, questionableFrame,
                        reportStartIgnores, infoMessagesWithStack),
                        linux.Parse, findFirstOops, findReport,
                        stripLinePrefix, extractContext, isCorrupted,
                        linuxRipFrame, linuxCallTrace, linuxCorruptedTitles,
                        linuxStackParams (stackStartRes, frameRes,
                        skipPatterns, corruptedLines, stripFramePrefixes:
                        lines 1311-1598), warningStackFmt, and linuxOopses:
                        every oops header with its suppressions (lines
                        1618-2778), the four "BUG: KASAN:" formats (lines
                        1621-1659), the four "BUG: KFENCE:" ones (lines
                        1708-1752), arm64's "Unable to handle kernel" and
                        "Internal error:" ones (lines 2304-2321, 2696-2716)
                        and the generic "WARNING in FUNC" ones.

What is and is not ported:

  - Finding reports, cutting each one where the next begins, choosing the
    format, extracting and skipping stack frames, cleaning frame names and
    titles, alternative titles and the corrupted verdict: in full, for
    every kind of report.
  - Formats: the KFENCE ones exactly. syzkaller's {{FUNC}} template stops a
    name at the first '.' or '+', which is what removes suffixes such as
    ".isra.0" or ".constprop.0"; stripFramePrefixes remove syscall prefixes
    such as "__se_sys_" from frames taken from the stack.
  - The KASAN ones exactly, first of the BUG: formats as in syzkaller (the
    KMSAN and KCSAN ones between them and KFENCE's are not ported: they
    match only their own titles). An access, "BUG: KASAN: KIND in FUNC"
    with a later "Read|Write of size N" or "Read|Write at addr" line:
    "KASAN: KIND Read|Write in FRAME", for every KIND (slab-out-of-bounds,
    slab-use-after-free, use-after-free, out-of-bounds, invalid-access,
    vmalloc-out-of-bounds, null-ptr-deref, wild-memory-access...); a bad
    free ("double-free", "invalid-free", "double-free or invalid-free"):
    "KASAN: invalid-free in FRAME", whatever its kind. FRAME is FUNC
    unless a skip pattern matches it ("kasan", "__asan", "hwasan", "kmalloc",
    "memcpy"..., and for a free also "kfree", "slab_", "vfree", "vunmap";
    for an access also the trap frames "kernel_fault", "tag_check",
    "mem_abort", "^el1_", "^el1h_"): then the first frame after "Call trace:"
    that none matches. The oldest reports ("KIND on address"): "KASAN: KIND
    Read|Write", no frame. Anything else ("BUG: KASAN: " with no access or
    free line): "KASAN: " and the rest of the title line, function offsets
    and all, marked corrupted.
  - arm64's oopses, syzkaller's only format for each, exactly: "Unable to
    handle kernel paging request|NULL pointer dereference|access to user
    memory" ("BUG: unable to handle kernel ... in FUNC") and the
    "Internal error: Oops: ..." that follows it, a report of its own
    ("Internal error in FUNC"); FUNC is the one at "pc :". The tag mode's
    NULL and wild pointer dereferences end so, its "KASAN: null-ptr-deref
    in range [...]" hint (no title) inside the first.
  - Not ported: syzkaller's "INFO: (Freed|Allocated) in FUNC" format, for
    what it calls corrupted old-style KASAN reports (INFO: has many
    formats before it, none ported).
  - Checked against syzkaller's test data at that commit
    (pkg/report/testdata/linux/report): each of its reports this port
    marks exact (110: the 84 syzkaller titles "KASAN: ...", the KFENCE
    ones, the arm64 "Unable to handle kernel" and "Internal error:" ones)
    gets syzkaller's title, alternative titles, frame and corrupted verdict.
  - For WARNING: only the generic "WARNING in FUNC" formats, not the
    specialised ones listed before them in syzkaller (ODEBUG, refcount,
    kmalloc, lockdep, RCU...). For every other header (other BUG: kinds,
    INFO:, general protection fault, Kernel panic...) no format at all:
    such a report gets syzkaller's fall-back title, its header line.
    Report.exact is False for these: their title may differ from
    syzkaller's.
  - Not ported: C++/Rust symbol demangling (kernel C names pass through
    syzkaller's demangle.Filter unchanged), symbolization, guilty files,
    maintainers, suppressions, report types.

Console lines may carry a printk timestamp ("[    1.234567] ", with or
without a caller id "[T123]"), as in a raw console, or none, as in a log
kunit.py has stripped: syzkaller handles both (extractContext), and so does
this port. Carriage returns are dropped first, as syzkaller's console merger
does.

The regular expressions are syzkaller's, written for Python's re with
re.ASCII (RE2's \\d, \\w and \\s are ASCII-only); RE2's [[:xdigit:]] and
[[:space:]] are spelled out, and a '$' that must not match before a final
newline is written \\Z.

Usage as a program: syztitle.py [--lines] [FILE...] prints the title of
every report in each file (stdin without one); --lines adds the line where
the report starts, its frame and whether it is corrupted.
"""
import re
import sys

SYZKALLER_COMMIT = "1e72964b0"
CORRUPTED_NO_FRAMES = "extracted no frames"
CONSOLE = "console"


def _re(pattern):
    """syzkaller's compile(): expand its templates, then compile (ASCII classes)."""
    for name, value in (("{{ADDR}}", r"0x[0-9a-f]+"),
                        ("{{PC}}", r"\[<?(?:0x)?[0-9a-f]+>?\]"),
                        ("{{FUNC}}", r"([a-zA-Z0-9_]+)(?:\.|\+)"),
                        ("{{SRC}}", r"([a-zA-Z0-9_/.-]+\.[a-z]+:[0-9]+)"),
                        ("{{TASK}}", r"[\s\S]{0,100}?")):
        pattern = pattern.replace(name, value)
    return re.compile(pattern, re.ASCII)


def _any(text, regexps):
    return any(r.search(text) for r in regexps)


# A stack trace is parsed from where its part of the format points to.
PARSE_STACK_TRACE = object()


class Stack:
    """stackFmt: how the frame for the title is found."""

    def __init__(self, parts, parts2=(), skip=(), extractor=None):
        self.parts, self.parts2 = list(parts), list(parts2)
        self.skip, self.extractor = list(skip), extractor


class Format:
    """oopsFormat; exact is ours: False where syzkaller has formats before
    this one, for the same header, that this port lacks."""

    def __init__(self, title, fmt, report=None, alt=(), stack=None,
                 no_stack_trace=False, corrupted=False, exact=True):
        self.title = _re(title)
        self.report = _re(report) if report else None
        self.fmt, self.alt, self.stack = fmt, list(alt), stack
        self.no_stack_trace, self.corrupted, self.exact = no_stack_trace, corrupted, exact


class Oops:
    def __init__(self, header, formats, suppressions=()):
        self.header = header
        self.formats = formats
        self.suppressions = [_re(s) for s in suppressions]


# --- linux.go: stack parameters ------------------------------------------

RIP_FRAME = _re(r"(?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:{{PC}} +){0,2}{{FUNC}}|"
                r"(?:[0-9]+:)?0x[0-9a-f]+|(?:[0-9]+:)?{{PC}} +\[< *\(null\)>\] +\(null\)|"
                r"[0-9]+: +\(null\))")
CALL_TRACE = _re(r"(?:Call (?:T|t)race:)|(?:Backtrace:)")
CORRUPTED_TITLES = [re.compile(r"\[ *[0-9]+\.[0-9]+\]", re.ASCII)]
RISCV_STACK_START = re.compile(r"status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: [0-9a-f]{16}")

STACK_START = [re.compile(p, re.ASCII) for p in (
    r"Call (?:T|t)race",
    r"Allocated:",
    r"Allocated by task [0-9]+:",
    r"Freed:",
    r"Freed by task [0-9]+:",
    r"[^k] backtrace(?: \(crc [0-9A-Fa-f]*\))?:",
    r"Backtrace:",
    r"Uninit was stored to memory at",
)] + [RISCV_STACK_START]

FRAME_RES = [
    _re(r"^ *(?:{{PC}} ){0,2}{{FUNC}}"),
    # arm (32-bit): both the current and the next frame.
    _re(r"^ *{{PC}} \(([a-zA-Z0-9_.]+)\) from {{PC}} \({{FUNC}}"),
]

# Functions never named in a title (matched anywhere in the frame name).
SKIP_PATTERNS = [
    "__sanitizer", "__asan", "kasan", "hwasan", "__msan", "kmsan",
    "kcsan_setup_watchpoint", "check_memory_region", "check_heap_object", "check_object",
    "read_word_at_a_time", "(read|write)_once_.*nocheck", "print_address_description",
    "panic", "invalid_op", "report_bug", "fixup_bug", "print_report", "print_usage_bug",
    "do_error", "invalid_op", r"_trap$|do_trap", "show_stack", "dump_stack", "walk_stack",
    "dump_backtrace", "warn_slowpath", "warn_alloc", "warn_bogus", "__warn", "alloc_page",
    "k?v?(?:m|z|c)alloc", "krealloc", "kmem_cache", "allocate_slab",
    "__alloc_frozen_pages_noprof", "folio_(?:alloc|unlock)", "filemap_alloc_folio",
    "__filemap_get_folio", "find_or_create_page", "do_read_cache_folio", "read_cache_page",
    "pagecache_get_page", "grab_cache_page_write_begin", "slab_", "debug_object",
    "timer_is_static_object", "work_is_static_object", "__might_fault", "print_unlock",
    "imbalance_bug", "lockdep", "bh_enable", "bh_disable", "perf_trace", "lock_acquire",
    "lock_release", "lock_class", "mark_lock", "(reacquire|mark)_held_locks", "raw_spin_rq",
    "spin_lock", "spin_trylock", "spin_unlock", "read_lock", "read_trylock", "write_lock",
    "write_trylock", "read_unlock", "write_unlock", "^down$", "down_read", "down_write",
    "down_read_trylock", "down_write_trylock", "down_trylock", "up_read", "up_write",
    "^mutex_", "^__mutex_", "^rt_mutex_", "owner_on_cpu", "osq_lock", "osq_unlock",
    "atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)",
    "(set|clear|change|test)_bit", "__wake_up", "^refcount_", "^kref_", "ref_tracker",
    "seqprop_assert", "memcpy", "memcmp", "memset", "memchr", "memmove", "memdup",
    "strcmp", "strncmp", "strcpy", "strlcpy", "strncpy", "strscpy", "strlen", "strstr",
    "strnstr", "strnlen", "strchr", "strdup", "strndup", "copy_to_user", "copy_from_user",
    "copy_to_iter", "copy_from_iter", "copy_page_to_iter", "copy_page_from_iter",
    "copy_folio_to_iter", "^copyin$", "^copyout$", "put_user", "get_user", "might_fault",
    "might_sleep", "list_add", "list_del", "list_replace", "list_move", "list_splice",
    "^rb_", "^__rb_", "_indirect_thunk_", "string", "pointer", "snprintf", "scnprintf",
    "kasprintf", "kvasprintf", "printk", "va_format", "dev_info", "dev_notice", "dev_warn",
    "dev_err", "dev_alert", "dev_crit", "dev_emerg", "program_check_exception",
    "program_check_common", "del_timer", "flush_work", "__cancel_work_timer",
    "cancel_work_sync", "try_to_grab_pending", "flush_workqueue", "drain_workqueue",
    "destroy_workqueue", "queue_work", "finish_wait", "kthread_stop", "kobject_",
    "add_uevent_var", "get_device_parent", "device_add", "device_del", "device_unregister",
    "device_destroy", "device_release", "devres_release_all", "hwrng_unregister",
    "i2c_del_adapter", "__unregister_client", "device_for_each_child", "rollback_registered",
    "unregister_netdev", "sysfs_remove", "device_remove_file", "tty_unregister_device",
    "dummy_urb_enqueue", "usb_kill_urb", "usb_kill_anchored_urbs", "usb_control_msg",
    "usb_hcd_submit_urb", "usb_submit_urb", "^complete$", "wait_for_completion",
    "^kv?free$", "kfree_skb", "readb$", "readw$", "readl$", "readq$", "writeb$", "writew$",
    "writel$", "writeq$", "logic_in", "logic_out", r"^crc\d+", "crc_itu_t",
    "__might_resched", "assertfail", "^iput$", "^iput_final$", "^ihold$",
    "hex_dump_to_buffer", "print_hex_dump", "^klist_", "(trace|lockdep)_(hard|soft)irq",
    "^(un)?lock_page", "stack_trace_consume_entry", "arch_stack_walk", "stack_trace_save",
    "insert_work", "__queue_delayed_work", "queue_delayed_work_on", "ida_free",
    "do_(kernel|translation)_fault", "do_mem_abort", "el1_abort", "el1h_64_sync(?:_handler)?",
    "print_tainted", "xas_(?:start|load|find)", "find_lock_entries",
    "truncate_inode_pages_range", "__phys_addr", "__fortify_report", "cleanup_srcu_struct",
    "rhashtable_lookup", "extract_(user|iter)_to_sg", "drop_nlink", "^get_taint$",
    "^put_device$", "lock_timer_base", "__timer_delete_sync", "sk_stop_timer_sync",
    "__mod_timer", "fast_dput", "dput", "mark_buffer_dirty",
]

# A line like these in a stack means the report is mixed with fault injection.
CORRUPTED_LINES = [_re(r"^( \[<?(?:0x)?[0-9a-f]+>?\])? should_fail(slab)?(\.[a-z0-9.]+)?\+0x")]

# Removed from a frame taken from the stack; the shortest result is kept.
STRIP_FRAME_PREFIXES = [
    "SYSC_", "SyS_", "sys_", "__x64_", "__ia32_", "__arm64_", "____sys_", "___sys_",
    "__sys_", "__se_", "__se_sys_", "__do_sys_", "compat_SYSC_", "compat_SyS_", "ksys_",
]


def _warning_stack(*skip):
    return Stack(parts=[_re("(?:" + RIP_FRAME.pattern + r"|--- interrupt: [0-9]+ at {{FUNC}})"),
                        PARSE_STACK_TRACE],
                 parts2=[CALL_TRACE, PARSE_STACK_TRACE], skip=skip)


def _kasan_stack(header, *skip):
    return Stack(parts=[_re(header), CALL_TRACE, PARSE_STACK_TRACE], skip=skip)


def _kfence_stack():
    return Stack(parts=[_re(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}"), PARSE_STACK_TRACE])


# --- linux.go: linuxOopses, in syzkaller's order --------------------------

OOPSES = [
    Oops("BUG:", [
        # linux.go 1621-1659: the KASAN formats, first of all. The title is
        # "BUG: KASAN:" alone; the report regexp, over the whole report,
        # picks the format. An access (some line after the title says
        # "Read|Write of size N" or "Read|Write at addr"): its kind, Read or
        # Write, and the frame: the title line's function, else (skipped)
        # the first frame of the "Call trace" that no skip pattern matches.
        Format(r"BUG: KASAN:",
               "KASAN: %[1]v %[3]v in %[4]v", alt=["bad-access in %[4]v"],
               report=r"BUG: KASAN: ([a-z\-]+) in {{FUNC}}(?:.*\n)+?.*(Read|Write) "
                      r"(?:of size|at addr) (?:[0-9a-f]+)",
               # "These frames are present in KASAN_HW_TAGS reports."
               stack=_kasan_stack(r"BUG: KASAN: (?:[a-z\-]+) in {{FUNC}}",
                                  "kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_")),
        # A bad free, whatever the kind says: always "invalid-free".
        Format(r"BUG: KASAN:",
               "KASAN: invalid-free in %[2]v", alt=["invalid-free in %[2]v"],
               report=r"BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) "
                      r"in {{FUNC}}",
               stack=_kasan_stack(r"BUG: KASAN: (?:double-free or invalid-free|double-free|"
                                  r"invalid-free) in {{FUNC}}",
                                  "slab_", "kfree", "vunmap", "vfree")),
        # The oldest KASAN reports: "BUG: KASAN: <kind> on address ...".
        Format(r"BUG: KASAN: ([a-z\-]+) on address(?:.*\n)+?.*(Read|Write) of size ([0-9]+)",
               "KASAN: %[1]v %[2]v"),
        # Anything else: the rest of the title line, and corrupted.
        Format(r"BUG: KASAN: (.*)", "KASAN: %[1]v", corrupted=True),
        # (KMSAN and KCSAN formats, not ported, come here in syzkaller: they
        # match only their own titles.)
        Format(r"BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in {{FUNC}}",
               "KFENCE: %[1]v %[2]v in %[4]v", alt=["bad-access in %[4]v"], stack=_kfence_stack()),
        Format(r"BUG: KFENCE: invalid free in {{FUNC}}",
               "KFENCE: invalid free in %[2]v", alt=["invalid-free in %[2]v"],
               no_stack_trace=True, stack=_kfence_stack()),
        Format(r"BUG: KFENCE: invalid (read|write) in {{FUNC}}",
               "KFENCE: invalid %[1]v in %[3]v", alt=["bad-access in %[3]v"], stack=_kfence_stack()),
        Format(r"BUG: KFENCE: memory corruption in {{FUNC}}",
               "KFENCE: memory corruption in %[2]v", no_stack_trace=True, stack=_kfence_stack()),
        Format(r"BUG:\s*(?:\n|\Z)", "BUG: corrupted", corrupted=True, exact=False),
    ], [r"ODEBUG:", r"Boot_DEBUG:", r"xlog_status:", r"DEBUG:",
        r"BUG: no syscalls can create resource"]),
    Oops("WARNING:", [
        Format(r"WARNING: {{SRC}} at 0x\d+, CPU#\d+", "WARNING in %[2]v",
               stack=_warning_stack(), exact=False),
        Format(r"WARNING: .* at {{SRC}} {{FUNC}}", "WARNING in %[3]v",
               stack=_warning_stack(), exact=False),
        Format(r"WARNING: {{SRC}} at {{FUNC}}", "WARNING in %[3]v",
               stack=_warning_stack(), exact=False),
        Format(r"WARNING: \[.*\] {{SRC}} at {{FUNC}}.*", "WARNING in %[3]v",
               stack=_warning_stack(), exact=False),
        Format(r"WARNING:\s*(?:\n|\Z)", "WARNING: corrupted", corrupted=True, exact=False),
    ], [r"WARNING: /etc/ssh/moduli does not exist, using fixed modulus",
        r"WARNING: workqueue cpumask: online intersect > possible intersect",
        r"WARNING: [Tt]he mand mount option",
        r"WARNING: Unsupported flag value\(s\) of 0x%x in DT_FLAGS_1",
        r"WARNING: Unprivileged eBPF is enabled with eIBRS",
        r"WARNING: fbcon: Driver '(.*)' missed to adjust virtual screen size "
        r"(\((?:\d+)x(?:\d+) vs\. (?:\d+)x(?:\d+)\))",
        r"WARNING: See https.* for mitigation options.",
        r"WARNING: kernel not compiled with CPU_SRSO",
        r"EXT4-[Ff][Ss](?: \(.*\))?:",
        r"(?i)warning: .* uses (deprecated v2 capabilities|wireless extensions)",
        r"XFS \(\w+\): WARNING"]),
    Oops("INFO:", [], [r"INFO: lockdep is turned off", r"INFO: Stall ended before state dump start",
                       r"INFO: NMI handler", r"INFO: recovery required on readonly filesystem",
                       r"(handler|interrupt).*took too long",
                       r"INFO: sys_.* is not present in /proc/kallsyms",
                       r"INFO: no syscalls can create resource", r"rmt_storage:INFO:", r"_INFO:"]),
    # linux.go 2304-2321: arm64's oops, which is also how the tag mode's
    # NULL and wild pointers end (the shadow of the pointer faults first;
    # the "KASAN: null-ptr-deref in range [...]" hint follows, no title).
    Oops("Unable to handle kernel", [
        Format(r"Unable to handle kernel (paging request|NULL pointer dereference|"
               r"access to user memory)",
               "BUG: unable to handle kernel %[1]v in %[2]v", alt=["bad-access in %[2]v"],
               stack=Stack(parts=[RIP_FRAME, CALL_TRACE, PARSE_STACK_TRACE])),
    ]),
    Oops("general protection fault", [], [r"general protection fault .* error:\d+ in "]),
    Oops("stack segment: ", []),
    Oops("Kernel panic", []),
    Oops("PANIC: double fault", []),
    Oops("rust_kernel: panicked", []),
    Oops("kernel BUG", []),
    Oops("Kernel BUG", []),
    Oops("BUG kmalloc-", []),
    Oops("divide error:", []),
    Oops("divide_error:", []),
    Oops("invalid opcode:", []),
    Oops("int3:", []),
    Oops("UBSAN:", []),
    Oops("Booting the kernel.", [], [r"Parsing ELF|Decompressing Linux|Unknown parameter '"]),
    Oops("unregister_netdevice: waiting for", []),
    Oops("VFS: Close: file count is 0", []),
    Oops("VFS: Busy inodes after unmount", []),
    # linux.go 2696-2716: arm64's die(), after the fault's own line.
    Oops("Internal error:", [
        Format(r"Internal error:", "Internal error in %[1]v", alt=["bad-access in %[1]v"],
               stack=Stack(parts=[RIP_FRAME, CALL_TRACE, PARSE_STACK_TRACE])),
    ]),
    Oops("Unhandled fault:", []),
    Oops("Alignment trap:", []),
    Oops("trusty: panic", []),
    # report.go: groupGoRuntimeErrors, then commonOopses.
    Oops("fatal error:", [], [r"ALSA", r"fatal error: cannot create timer"]),
    Oops("SYZFAIL:", []),
    Oops("SYZFATAL:", []),
    Oops("panic:", [], [r"_panic:", r"xlog_status:", r"ddb\.onpanic:", r"evtlog_status:"]),
]

# Lines that do not start a new report inside another one.
REPORT_START_IGNORES = [_re(p) for p in (r"invalid opcode: 0000", r"Kernel panic - not syncing",
                                         r"unregister_netdevice: waiting for",
                                         r"PANIC: double fault", r"Internal error:")]
# Not bugs, but with a stack: one in a report ends it.
INFO_MESSAGES_WITH_STACK = ["vmalloc: allocation failure:", "FAULT_INJECTION: forcing a failure",
                            "FAULT_FLAG_ALLOW_RETRY missing"]

CONSOLE_OUTPUT_RE = re.compile(r"^(?:\*\* [0-9]+ printk messages dropped \*\* )?(?:.* login: )?"
                               r"(?:<[0-9]+>)?\[ *[0-9]+\.[0-9]+\](\[ *(?:C|T)[0-9]+\])? ", re.ASCII)
TASK_CONTEXT = re.compile(r"\[ *T[0-9]+\]")
CPU_CONTEXT = re.compile(r"\[ *C[0-9]+\]")
QUESTIONABLE_FRAME = re.compile(r"(\[<[0-9a-f]+>\])? \? ")
# linux.go's replayRe is anchored with '^' at the slice it is given; here
# match() at the position does the anchoring.
REPLAY_RE = re.compile(r"\n[^\n]*\*\* replaying previous printk message \*\*")
PANICKED_RE = re.compile(r"Kernel panic - not syncing")
REPORT_FRAME_RE = re.compile(r".* in ((?:<[a-zA-Z0-9_: ]+>)?[a-zA-Z0-9_:]+)")

# report.go: dynamicTitleReplacement, each applied until nothing changes.
TITLE_REPLACEMENTS = [(re.compile(p, re.ASCII), r) for p, r in (
    (r"syz-executor\.?[0-9]+((/|:)[0-9]+)?", "syz-executor"),
    (r"syzkaller[0-9]+((/|:)[0-9]+)?", "syzkaller"),
    (r"([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}", r"\g<1>ADDR"),
    (r"([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})", "IP"),
    (r"(\.\w+)(:[0-9]+)+", r"\g<1>:LINE"),
    (r"([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+", r"\g<1>"),
    (r"CPU#[0-9]+", "CPU"),
    (r"(\W)(\d+)(\W|\Z)", r"\g<1>NUM\g<3>"),
    (r"(\d+){7,}", "NUM"),
)]


class Report:
    """One report: title, alt_titles, frame, corrupted (and why), exact
    (False: a kind this port names only approximately), start and end
    (offsets in the text given, \\r removed), line (0-based line of the
    report's first line), panicked."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        return f"Report({self.title!r}, line={self.line}, corrupted={self.corrupted})"


# --- report.go ------------------------------------------------------------

def _sprintf(fmt, args):
    """Go's fmt.Sprintf for syzkaller's formats: only %[n]v and %[n]s."""
    def arg(m):
        n = int(m.group(1))
        return str(args[n - 1]) if 1 <= n <= len(args) else f"%!{m.group(2)}(BADINDEX)"
    return re.sub(r"%\[(\d+)\]([vs])", arg, fmt)


def _replace_table(title):
    for regexp, repl in TITLE_REPLACEMENTS:
        while True:
            new = regexp.sub(repl, title)
            if new == title:
                break
            title = new
    return title


def _sanitize_title(title):
    out, prev = bytearray(), ord(" ")
    for ch in title.encode("utf-8", "replace")[:120]:
        if ch == ord("\t"):
            ch = ord(" ")
        elif ch < 0x20 or ch >= 0x7F:
            continue
        if ch == ord(" ") and prev == ord(" "):
            continue
        out.append(ch)
        prev = ch
    return out.decode("ascii").strip()


def _match_oops(line, oops):
    return oops.header in line and not _any(line, oops.suppressions)


class _Frame:
    def __init__(self, canonical, raw):
        self.canonical, self.raw = canonical, raw


def _strip_frames(frames):
    out = []
    for orig in frames:
        frame = orig
        for prefix in STRIP_FRAME_PREFIXES:
            new = orig[len(prefix):] if orig.startswith(prefix) else orig
            if len(new) < len(frame):
                frame = new
        out.append(frame)
    return out


def _append_frames(frames, match, skip_re):
    if match is None or match.re.groups < 1:
        return frames
    for frame in match.groups():
        if frame is None:
            continue
        if skip_re is None or not skip_re.search(frame):
            frames.append(frame)
    return frames


def _extract_frames(text, skip_re, parts, extractor):
    lines = text.split("\n")
    li = 0
    raw, results, ok, traces = [], [], True, 0
    idx = 0
    while True:
        if idx == len(parts) or (parts[idx] is PARSE_STACK_TRACE and traces > 0):
            key = extractor(raw)
            if key.canonical == "":
                key, ok = _Frame("corrupted", "corrupted"), False
            results.append(key)
            raw = []
        if idx == len(parts):
            break
        part = parts[idx]
        if part is PARSE_STACK_TRACE:
            traces += 1
            while li < len(lines):
                ln = lines[li]
                li += 1
                if _any(ln, CORRUPTED_LINES):
                    ok = False
                    break
                if _any(ln, STACK_START):
                    break
                if idx != len(parts) - 1:
                    m = parts[idx + 1].search(ln)
                    if m:
                        _append_frames(raw, m, skip_re)
                        idx += 1
                        break
                m = None
                for frame_re in FRAME_RES:
                    m = frame_re.search(ln)
                    if m:
                        break
                _append_frames(raw, m, skip_re)
        else:
            while li < len(lines):
                ln = lines[li]
                li += 1
                if _any(ln, CORRUPTED_LINES):
                    ok = False
                    break
                m = part.search(ln)
                if m is None:
                    continue
                _append_frames(raw, m, skip_re)
                break
        idx += 1
    return results, ok


def _extract_stack_frame(stack, text):
    skip = SKIP_PATTERNS + stack.skip
    skip_re = re.compile("|".join(skip), re.ASCII) if skip else None

    def extractor(raw):
        if not raw:
            return _Frame("", "")
        stripped = _strip_frames(raw)
        if stack.extractor is None:
            return _Frame(stripped[0], raw[0])
        frame, i = stack.extractor(stripped)
        return _Frame(frame, raw[i]) if frame else _Frame("", "")

    frames, ok = _extract_frames(text, skip_re, stack.parts, extractor)
    if ok or not stack.parts2:
        return frames, ok
    return _extract_frames(text, skip_re, stack.parts2, extractor)


def _partially_stripped_args(prefix, frames):
    out = []
    for i in range(len(STRIP_FRAME_PREFIXES) + 1):
        strip, add = ("", True) if i == 0 else (STRIP_FRAME_PREFIXES[i - 1], False)
        args = []
        for f in frames:
            trimmed = f.raw[len(strip):] if strip and f.raw.startswith(strip) else f.raw
            add |= trimmed != f.raw
            args.append(trimmed)
        if add:
            out.append(prefix + args)
    return out


def _unique(items):
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def _extract_description(text, oops):
    """-> (title, corrupted reason, alt titles, format or None)."""
    start = len(text)
    desc, corrupted, alts, used, matched_title = "", "", [], None, False
    for f in oops.formats:
        m = f.title.search(text)
        if m is None or m.start() > start:
            continue
        if m.start() == start and desc != "":
            continue
        if m.start() < start:
            desc, used, start = "", None, m.start()
        matched_title = True
        if f.report is not None:
            m = f.report.search(text)
            if m is None:
                continue
        prefix = [g or "" for g in m.groups()]
        frames, corrupted = [], ""
        if f.stack is not None:
            frames, ok = _extract_stack_frame(f.stack, text[m.start():])
            if not ok:
                corrupted = CORRUPTED_NO_FRAMES
        args = prefix + [fr.canonical for fr in frames]
        desc = _sprintf(f.fmt, args)
        alts += [_sprintf(a, args) for a in f.alt]
        for seq in _partially_stripped_args(prefix, frames):
            alt = _sprintf(f.fmt, seq)
            if alt != desc:
                alts.append(alt)
            alts += [_sprintf(a, seq) for a in f.alt]
        alts = _unique(alts)
        used = f
    if desc == "":
        if matched_title:
            corrupted = "matched title but not report regexp"
        pos = text.find(oops.header)
        if pos == -1:
            return desc, corrupted, alts, used
        end = text.find("\n", pos)
        desc = text[pos:] if end == -1 else text[pos:end]
    if corrupted == "" and used is not None and used.corrupted:
        corrupted = "report format is marked as corrupted"
    return desc, corrupted, alts, used


# --- linux.go -------------------------------------------------------------

def _lines(text):
    """(pos, next) of each line, as linux.go's loops walk them."""
    pos = 0
    while pos < len(text):
        nxt = text.find("\n", pos)
        if nxt == -1:
            nxt = len(text)
        yield pos, nxt
        pos = nxt + 1


def _context(line):
    m = CONSOLE_OUTPUT_RE.search(line)
    if m is None:
        return ""
    return CONSOLE if m.group(1) is None else m.group(1)


def _strip_line_prefix(line, context, questionable_ok):
    if context == "":
        return line, False
    line = line[line.find("] ") + 2:]
    if "<EOI>" not in line:
        if QUESTIONABLE_FRAME.search(line):
            return line[line.find(" ? ") + 2:], not questionable_ok
        if line.endswith(" (unreliable)"):
            return line[:-13], not questionable_ok
    return line, False


def _truncated_by_replay(text, pos):
    return pos < len(text) and REPLAY_RE.match(text, pos) is not None


def _find_first_oops(text):
    for pos, nxt in _lines(text):
        line = text[pos:nxt]
        for oops in OOPSES:
            if _match_oops(line, oops):
                if _truncated_by_replay(text, nxt):
                    continue
                return oops, pos, _context(line)
    return None, 0, ""


def _report_min_lines(oops_line):
    return 16 if "BUG: KMSAN:" in oops_line else 22


def _find_report(text, oops, start, context, questionable_ok=False):
    """-> (end, report end, report, prefix lines)."""
    max_prefix = 50 if TASK_CONTEXT.search(context) else 5
    second, text_lines, skip_text, cpu_traceback = 0, 0, False, False
    oops_line, end, report_end, report, prefix = "", 0, 0, [], []
    report_len = 0
    for pos, nxt in _lines(text):
        line = text[pos:nxt]
        context1 = _context(line)
        stripped, questionable = _strip_line_prefix(line, context1, questionable_ok)
        if pos < start:
            if context1 == context and stripped and not questionable:
                prefix = (prefix + [stripped])[-max_prefix:]
            continue
        is_oops_line = pos == start
        if is_oops_line:
            oops_line = line
        for oops1 in OOPSES:
            if not _match_oops(line, oops1):
                if not is_oops_line and second == 0:
                    if any(p in line for p in INFO_MESSAGES_WITH_STACK):
                        second = pos
                continue
            if _truncated_by_replay(text, nxt):
                continue
            end = nxt
            if not is_oops_line and second == 0 and not _any(line, REPORT_START_IGNORES):
                second = pos
        if not is_oops_line and (questionable or context1 != context and
                                 (not cpu_traceback or not CPU_CONTEXT.search(context1))):
            continue
        text_lines += 1
        skip_line = skip_text
        if "Disabling lock debugging due to kernel taint" in line:
            skip_line = True
        elif "Sending NMI from CPU" in line:
            cpu_traceback = True
        elif ("Kernel panic - not syncing" in line or
              "WARNING: possible circular locking dependency detected" in line) and \
                text_lines > _report_min_lines(oops_line):
            skip_text = skip_line = True
        if not is_oops_line and skip_line:
            continue
        report.append(stripped + "\n")
        report_len += len(stripped) + 1
        if second == 0 or context not in ("", CONSOLE):
            report_end = report_len
    return end, report_end, "".join(report), prefix


def _is_corrupted(title, report, fmt):
    if _any(title, CORRUPTED_TITLES):
        return True, "title matches corrupted regexp"
    if fmt is None or fmt.no_stack_trace:
        return False, ""
    has_stack = False
    for key in STACK_START:
        m = key.search(report)
        if m is None:
            continue
        frames = report[m.start():].split("\n")
        if len(frames) < 4:
            return True, "call trace is missed"
        corrupted = True
        for ln in frames[1:16]:
            if _any(ln, STACK_START):
                break
            if "(stack is not available)" in ln or _any(ln, FRAME_RES):
                has_stack, corrupted = True, False
                break
        if key is not RISCV_STACK_START and corrupted:
            return True, "no frames in a stack trace"
    if not has_stack:
        return True, "no stack trace in report"
    return False, ""


def _parse(text):
    """linux.Parse: the first report in text, positions relative to text."""
    oops, start, context = _find_first_oops(text)
    if oops is None:
        return None
    end, report_end, report, _ = _find_report(text, oops, start, context)
    title, corrupted, alts, fmt = _extract_description(report[:report_end], oops)
    if title == "":
        report = text[start:end]
        title, corrupted, alts, fmt = _extract_description(report, oops)
        if title == "":
            raise ValueError(f"no title for the {oops.header!r} report at offset {start}")
    if corrupted == "":
        bad, corrupted = _is_corrupted(title, report, fmt)
    return Report(title=title, alt_titles=alts, corrupted=corrupted != "",
                  corrupted_reason=corrupted, exact=fmt is not None and fmt.exact,
                  start=start, end=end, report=report,
                  panicked=PANICKED_RE.search(text) is not None)


def _parse_from(text, skip):
    rep = _parse(text[skip:])
    if rep is None:
        return None
    rep.start += skip
    rep.end += skip
    rep.title = _sanitize_title(_replace_table(rep.title))
    rep.alt_titles = [_sanitize_title(_replace_table(t)) for t in rep.alt_titles]
    m = REPORT_FRAME_RE.search(rep.title)
    rep.frame = m.group(1) if m else ""
    nl = text.find("\n", rep.start)
    rep.skip = len(text) if nl == -1 else nl
    rep.end = max(rep.end, rep.skip)
    rep.line = text.count("\n", 0, rep.start)
    return rep


def parse_all(text):
    """Every report in a console log, in order (syzkaller's ParseAll)."""
    text = text.replace("\r", "")
    reports, skip = [], 0
    while True:
        rep = _parse_from(text, skip)
        if rep is None:
            return reports
        reports.append(rep)
        skip = rep.skip


def parse(text):
    """The first report in a console log, or None."""
    return _parse_from(text.replace("\r", ""), 0)


def title(text):
    """The title of the first report in text, or None."""
    rep = parse(text)
    return rep.title if rep else None


def main(argv):
    show = "--lines" in argv
    files = [a for a in argv if a != "--lines"] or ["-"]
    for path in files:
        text = sys.stdin.read() if path == "-" else open(path, errors="replace").read()
        for rep in parse_all(text):
            if show:
                extra = "" if rep.exact else " (approximate)"
                bad = f" [corrupted: {rep.corrupted_reason}]" if rep.corrupted else ""
                print(f"{path}:{rep.line + 1}: {rep.title}{extra}{bad}")
            else:
                print(rep.title)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
