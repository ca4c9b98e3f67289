// cpu_clones.h: LF_CPU_CLONES marks a plain-loop CPU function to be compiled once per x86 ISA
// (AVX-512, AVX2, baseline), the best picked when the program loads, so GCC vectorizes it for the
// machine without -march flags. Empty with other compilers and architectures.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LF_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LF_CPU_CLONES
#endif
