#include "guard/network/ip_allowlist.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace citadel::guard {
namespace {

// Any textual address as 16 bytes; IPv4 becomes ::ffff:a.b.c.d. Returns whether it was IPv4.
bool ToBytes(const std::string& text, std::array<uint8_t, 16>& out, bool& v4) {
  in_addr a4{};
  if (inet_pton(AF_INET, text.c_str(), &a4) == 1) {
    out = {};
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &a4, 4);
    v4 = true;
    return true;
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, text.c_str(), &a6) == 1) {
    std::memcpy(out.data(), &a6, 16);
    v4 = false;
    return true;
  }
  return false;
}

}  // namespace

Result<IpAllowlist> IpAllowlist::Parse(const std::vector<std::string>& cidrs) {
  IpAllowlist list;
  for (const std::string& cidr : cidrs) {
    const size_t slash = cidr.find('/');
    Block b;
    bool v4 = false;
    if (!ToBytes(cidr.substr(0, slash), b.address, v4)) return Err("'{}' is not an IP address or CIDR block", cidr);
    const int max_bits = v4 ? 32 : 128;
    int bits = max_bits;
    if (slash != std::string::npos) {
      const std::string_view p = std::string_view(cidr).substr(slash + 1);
      const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), bits);
      if (ec != std::errc() || end != p.data() + p.size() || p.empty() || bits < 0 || bits > max_bits) {
        return Err("'{}': the prefix length must be 0..{}", cidr, max_bits);
      }
    }
    b.prefix_bits = v4 ? bits + 96 : bits;
    list.blocks_.push_back(b);
  }
  return list;
}

bool IpAllowlist::Allows(std::string_view address) const {
  if (blocks_.empty()) return true;
  std::array<uint8_t, 16> a{};
  bool v4 = false;
  if (!ToBytes(std::string(address), a, v4)) return false;
  for (const Block& b : blocks_) {
    const int whole = b.prefix_bits / 8, rest = b.prefix_bits % 8;
    if (std::memcmp(a.data(), b.address.data(), static_cast<size_t>(whole)) != 0) continue;
    if (rest != 0) {
      const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((a[static_cast<size_t>(whole)] & mask) != (b.address[static_cast<size_t>(whole)] & mask)) continue;
    }
    return true;
  }
  return false;
}

}  // namespace citadel::guard
