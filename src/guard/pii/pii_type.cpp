#include "guard/pii/pii_type.h"

#include <array>

namespace citadel::guard::pii {
namespace {

constexpr std::array<std::string_view, kBuiltinTypeCount + 1> kNames = {
    "ID_CARD", "PHONE", "LANDLINE", "BANK_CARD", "EMAIL", "IPV4", "IPV6", "PASSPORT",
    "HK_MACAU_PERMIT", "SSN", "IBAN", "PRIVATE_KEY", "AWS_ACCESS_KEY", "JWT", "API_KEY", "CUSTOM",
};

}  // namespace

std::string_view TypeName(PiiType type) { return kNames[static_cast<size_t>(type)]; }

std::optional<PiiType> TypeFromName(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<PiiType>(i);
  }
  return std::nullopt;
}

}  // namespace citadel::guard::pii
