#pragma once
// Which x86 instruction sets this CPU runs, for the kernels built per instruction set (q8_tiles.h,
// k_tiles.h, k_dots.h). All false on other architectures.

namespace citadel::kernels::x86 {

bool CpuHasAvx2();  // with FMA and F16C
bool CpuHasVnni();  // AVX-512 VNNI with VL, BW and DQ, on top of CpuHasAvx2

// The fastest build this CPU runs: `vnni` where it has AVX-512 VNNI and the build exists, else
// `avx2` where it has AVX2, else nullptr.
template <class Fn>
Fn PickBuild(Fn vnni, Fn avx2) {
  if (CpuHasVnni() && vnni != nullptr) return vnni;
  return CpuHasAvx2() ? avx2 : nullptr;
}

}  // namespace citadel::kernels::x86
