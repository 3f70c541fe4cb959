#include "guard/network/ip_allowlist.h"

#include <gtest/gtest.h>

namespace citadel::guard {
namespace {

TEST(IpAllowlist, MatchesIpv4AndIpv6Blocks) {
  auto list = IpAllowlist::Parse({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "172.16.0.0/12"});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_TRUE(list->Allows("10.200.3.4"));
  EXPECT_TRUE(list->Allows("192.168.1.7"));
  EXPECT_FALSE(list->Allows("192.168.1.8"));
  EXPECT_TRUE(list->Allows("172.31.255.255"));
  EXPECT_FALSE(list->Allows("172.32.0.0"));
  EXPECT_TRUE(list->Allows("fd12:3456::1"));
  EXPECT_FALSE(list->Allows("fe80::1"));
  EXPECT_TRUE(list->Allows("::ffff:10.1.2.3")) << "IPv4-mapped IPv6 matches IPv4 blocks";
  EXPECT_FALSE(list->Allows("127.0.0.1"));
  EXPECT_FALSE(list->Allows("not an address"));
  EXPECT_FALSE(list->Allows(""));
}

TEST(IpAllowlist, EmptyAdmitsEveryone) {
  auto list = IpAllowlist::Parse({});
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->Allows("8.8.8.8"));
}

TEST(IpAllowlist, BadBlocksAreErrors) {
  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "10.0.0/8", "10.0.0.0/", "10.0.0.0/8x", "host.example", "::1/-1"}) {
    EXPECT_FALSE(IpAllowlist::Parse({bad})) << bad;
  }
  EXPECT_TRUE(IpAllowlist::Parse({"0.0.0.0/0"})->Allows("1.2.3.4"));
}

}  // namespace
}  // namespace citadel::guard
