#include "audit/audit_key.h"

namespace citadel::audit {
namespace {

SecretKey DeriveSubkey(const SecretKey& master, std::string_view label) {
  const Digest d = HmacSha256(master, AsBytes(label));
  return SecretKey(d);
}

}  // namespace

AuditKeys AuditKeys::Derive(const SecretKey& master) {
  return AuditKeys{DeriveSubkey(master, "citadel audit mac v1"), DeriveSubkey(master, "citadel audit key-wrap v1")};
}

}  // namespace citadel::audit
