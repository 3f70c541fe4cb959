#include "kernels/x86/q8_tiles.h"

namespace citadel::kernels::x86 {

Q8TileFn TiledQ8Kernel(Q8Weights weights) { return PickBuild(TiledQ8KernelVnni(weights), TiledQ8KernelAvx2(weights)); }

}  // namespace citadel::kernels::x86
