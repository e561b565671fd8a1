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
 * registers (the kernel is built with -mgeneral-regs-only). x18 depends on
 * the configuration: with CONFIG_SHADOW_CALL_STACK it is the shadow call stack pointer, reserved
 * with -ffixed-x18, which every C function leaves as it found it, so it is
 * not ours to touch; without it, it is a temporary the C code may use, and
 * is kept like x2-x15.
 *
 * Short granules (hwasan-use-short-granules=1, kasan-tags.h). The thunks
 * of short-granule checks branch to __hwasan_tag_mismatch_v2 instead, the
 * same way. A thunk is meant to accept an access that ends inside the used
 * bytes of a short granule whose last byte holds the pointer's tag, but
 * clang 16's compares the pointer's tag where it means the memory's, so
 * every access to a short granule lands here. __hwasan_tag_mismatch_v2
 * redoes the test before anything else, using only x16, x17 and x2-x3
 * (kept in their slots at sp + 16 and put back), and returns at
 * once when the access is valid: some twenty instructions, not a call into
 * C with fourteen registers saved.
 */

#include <linux/export.h>
#include <linux/kasan-tags.h>
#include <linux/linkage.h>
#include <asm/assembler.h>
#include <asm/memory.h>

#define KASAN_GRANULE_MASK	((1 << KASAN_SHADOW_SCALE_SHIFT) - 1)

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

/*
 * The short-granule test: x0 the pointer, x1 the access info (bits 0-3 the
 * log2 of the size). Valid if the granule's shadow is a length (1 to 15),
 * the access's last byte lies below it, and the granule's last byte is the
 * pointer's tag. x2 and x3 are borrowed and put back.
 */
SYM_CODE_START(__hwasan_tag_mismatch_v2)
	bti	c

	orr	x16, x0, #(KASAN_TAG_KERNEL << 56)
	lsr	x16, x16, #KASAN_SHADOW_SCALE_SHIFT
	mov_q	x17, KASAN_SHADOW_OFFSET
	ldrb	w16, [x16, x17]
	sub	w17, w16, #1
	cmp	w17, #(KASAN_SHORT_GRANULE_MAX - 1)
	b.hi	__hwasan_tag_mismatch		/* not a length: a real mismatch */

	stp	x2, x3, [sp, #16]
	/* x17 = offset of the last byte in the granule + 1 */
	and	x2, x1, #0xf
	mov	x3, #1
	lsl	x3, x3, x2
	and	x17, x0, #KASAN_GRANULE_MASK
	add	x17, x17, x3
	/* x2 = the granule's last byte, read through the match-all tag */
	orr	x2, x0, #(KASAN_TAG_KERNEL << 56)
	orr	x2, x2, #KASAN_GRANULE_MASK
	ldrb	w2, [x2]
	lsr	x3, x0, #56
	cmp	x17, x16
	ccmp	x2, x3, #0, ls			/* ends inside: compare tags */
	ldp	x2, x3, [sp, #16]
	b.ne	__hwasan_tag_mismatch

	/* Valid: pop the thunk's frame, x0 and x1 with it, and resume. */
	ldp	x0, x1, [sp], #256
	ret
SYM_CODE_END(__hwasan_tag_mismatch_v2)
EXPORT_SYMBOL(__hwasan_tag_mismatch_v2)

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
