#include "kernels/x86/k_tiles.h"

namespace citadel::kernels::x86 {

KTileFn TiledKKernel(KWeights weights) { return PickBuild(TiledKKernelVnni(weights), TiledKKernelAvx2(weights)); }

}  // namespace citadel::kernels::x86
