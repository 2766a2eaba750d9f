/* hcc bench start-up for `qemu-system-xtensa -M sim -cpu lx106` (call0 ABI).
 *
 * Execution starts at the first byte of sysrom (0x50000000); the ELF entry point is
 * ignored by the simulator, so link.ld places .text.hcc_entry first. The first
 * instruction jumps over an aligned literal pool (l32r only reaches backwards).
 * Steps: set a1 (stack), copy .data from its load address in ROM, zero .bss,
 * callx0 main, then exit through semihosting (simcall 1) with main's return value.
 */
    .section .text.hcc_entry, "ax"
    .global _start
    .type _start, @function
    .begin no-transform
_start:
    j       .Lstart
    .align  4
.Lstack_top:  .word __hcc_stack_top
.Ldata_start: .word __hcc_data_start
.Ldata_end:   .word __hcc_data_end
.Ldata_load:  .word __hcc_data_load
.Lbss_start:  .word __hcc_bss_start
.Lbss_end:    .word __hcc_bss_end
.Lmain:       .word main
    .align  4
.Lstart:
    l32r    a1, .Lstack_top
    /* .data: copy words [data_load, ...) -> [data_start, data_end) */
    l32r    a2, .Ldata_start
    l32r    a3, .Ldata_end
    l32r    a4, .Ldata_load
    j       .Lcopy_test
.Lcopy:
    l32i    a5, a4, 0
    s32i    a5, a2, 0
    addi    a2, a2, 4
    addi    a4, a4, 4
.Lcopy_test:
    bltu    a2, a3, .Lcopy
    /* .bss: zero words [bss_start, bss_end) */
    l32r    a2, .Lbss_start
    l32r    a3, .Lbss_end
    movi    a5, 0
    j       .Lzero_test
.Lzero:
    s32i    a5, a2, 0
    addi    a2, a2, 4
.Lzero_test:
    bltu    a2, a3, .Lzero
    /* main(), then semihosting exit(main's return value) */
    l32r    a0, .Lmain
    callx0  a0
    mov     a3, a2
    movi    a2, 1
    simcall
.Lhang:
    j       .Lhang
    .end no-transform
    .size _start, . - _start
