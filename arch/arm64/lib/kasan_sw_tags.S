/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The slow path of clang's outlined KASAN_SW_TAGS checks: when the tag of a
 * pointer and the tag of the memory it points at differ, the check thunk
 * branches here, and this hands the access to kasan_tag_mismatch() in
 * mm/kasan/sw_tags.c, an ordinary C function, then resumes the instrumented
 * code as if the check had passed.
 *
 * The convention (LLVM's HWASan on AArch64, kernel flavour)
 * ---------------------------------------------------------
 * Instrumented code calls a per-register thunk, __hwasan_check_x<n>_<info>,
 * with BL. LLVM's pseudo-instruction for that call (HWASAN_CHECK_MEMACCESS)
 * defines only x16, x17, LR and NZCV, so the compiler keeps values in every
 * other general-purpose register across the check: x0-x15, x18 and x19-x29
 * must all come back unchanged. On a mismatch the thunk has done
 *
 *	stp	x0, x1, [sp, #-256]!
 *	stp	x29, x30, [sp, #232]
 *
 * then put the faulting pointer in x0 and the access info in x1, and
 * branched here (B, or BR x16 through the GOT: hence BTI C). x30 is still
 * the return address into the instrumented code.
 *
 * The 256 bytes the thunk pushed (sp is 16-byte aligned):
 *
 *	sp +   0	x0, x1 of the instrumented code, put back on return
 *	sp +  16	free: x2-x15 are kept here
 *	sp + 232	x29, x30, a frame record the unwinder can follow
 *	sp + 248	free: x18 is kept here
 *
 * kasan_tag_mismatch() follows AAPCS64: it preserves x19-x29 itself, may
 * clobber x0-x17 (and x30, through our BL), and never touches the FP/SIMD
 * registers (the kernel is built with -mgeneral-regs-only). x18 depends on the configuration: with
 * CONFIG_SHADOW_CALL_STACK it is the shadow call stack pointer, reserved
 * with -ffixed-x18, which every C function leaves as it found it, so it is
 * not ours to touch; without it, it is a temporary the C code may use, and
 * is kept like x2-x15.
 *
 * __hwasan_tag_mismatch_v2, where the thunks of short-granule checks
 * (hwasan-use-short-granules=1) branch, is not provided: the kernel builds
 * with short granules off. An alias would be wrong, not merely useless:
 * clang 16's outlined short-granule thunk skips the short-granule test, so
 * the runtime would have to redo it before reporting, and the tag allocator
 * and poisoning would have to reserve tags 1-15 as granule lengths. Leaving
 * it undefined makes a kernel built with short granules fail to link
 * instead of reporting every access to a partly used last granule.
 */

#include <linux/export.h>
#include <linux/linkage.h>
#include <asm/assembler.h>

/* \op (stp or ldp) x2-x15 at their place in the thunk's frame. */
	.macro	kasan_mismatch_scratch, op
	\op	x2, x3, [sp, #16]
	\op	x4, x5, [sp, #32]
	\op	x6, x7, [sp, #48]
	\op	x8, x9, [sp, #64]
	\op	x10, x11, [sp, #80]
	\op	x12, x13, [sp, #96]
	\op	x14, x15, [sp, #112]
	.endm

SYM_CODE_START(__hwasan_tag_mismatch)
	bti	c

	kasan_mismatch_scratch stp
#ifndef CONFIG_SHADOW_CALL_STACK
	str	x18, [sp, #248]
#endif
	/* x29 at the thunk's pair makes it our frame record. */
	add	x29, sp, #232

	/* kasan_tag_mismatch(addr = x0, access_info = x1, ret_ip = x2) */
	mov	x2, x30
	bl	kasan_tag_mismatch

	kasan_mismatch_scratch ldp
#ifndef CONFIG_SHADOW_CALL_STACK
	ldr	x18, [sp, #248]
#endif
	ldp	x29, x30, [sp, #232]
	/* x0 and x1 last, popping the thunk's frame with them. */
	ldp	x0, x1, [sp], #256
	ret
SYM_CODE_END(__hwasan_tag_mismatch)
EXPORT_SYMBOL(__hwasan_tag_mismatch)
