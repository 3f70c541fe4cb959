#pragma once
// Which client addresses may connect at all: a list of CIDR blocks (IPv4 and IPv6; an IPv4-mapped
// IPv6 address matches IPv4 blocks). An empty list admits everyone.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace citadel::guard {

class IpAllowlist {
 public:
  // "10.0.0.0/8", "192.168.1.7" (a /32), "fd00::/8", "::1".
  static Result<IpAllowlist> Parse(const std::vector<std::string>& cidrs);

  bool empty() const { return blocks_.empty(); }
  // False for an address that does not parse.
  bool Allows(std::string_view address) const;

 private:
  struct Block {
    std::array<uint8_t, 16> address{};  // IPv4 as IPv4-mapped IPv6
    int prefix_bits = 0;                 // over the 128-bit form
  };
  std::vector<Block> blocks_;
};

}  // namespace citadel::guard
