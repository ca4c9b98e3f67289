// wmma.h: warp-level emulation of nvcuda::wmma (tensor-core matrix fragments) for the SIMT
// emulation. (placeholder)
#pragma once
