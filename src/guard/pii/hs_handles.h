#pragma once
// Owning handles for vectorscan's database and scratch space.

#include <hs/hs.h>

#include <memory>

namespace citadel::guard::pii {

struct HsDatabaseFree {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
struct HsScratchFree {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseFree>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchFree>;

}  // namespace citadel::guard::pii
