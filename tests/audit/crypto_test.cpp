#include "core/crypto.h"

#include <gtest/gtest.h>

#include "audit/audit_key.h"
#include "audit_fixture.h"

namespace citadel::audit {
namespace {

TEST(Crypto, Sha256MatchesTheStandardVector) {
  EXPECT_EQ(ToHex(Sha256(AsBytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The two-piece form hashes the concatenation.
  EXPECT_EQ(Sha256(AsBytes("a"), AsBytes("bc")), Sha256(AsBytes("abc")));
}

TEST(Crypto, HmacMatchesRfc4231Case2WithTheKeyPadded) {
  // HMAC zero-pads keys shorter than the block, so "Jefe" and "Jefe" + 28 zero bytes are one key.
  std::array<uint8_t, kKeyBytes> jefe{'J', 'e', 'f', 'e'};
  EXPECT_EQ(ToHex(HmacSha256(SecretKey(jefe), AsBytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, GcmOpensWhatItSealedAndNothingElse) {
  const SecretKey key = testing::TestKey(1);
  auto sealed = SealGcm(key, AsBytes("the prompt"), AsBytes("seq 1"));
  ASSERT_TRUE(sealed) << sealed.error().message;
  ASSERT_EQ(sealed->size(), kGcmNonceBytes + 10 + kGcmTagBytes);
  auto opened = OpenGcm(key, *sealed, AsBytes("seq 1"));
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(std::string(opened->begin(), opened->end()), "the prompt");

  EXPECT_FALSE(OpenGcm(testing::TestKey(2), *sealed, AsBytes("seq 1")));
  EXPECT_FALSE(OpenGcm(key, *sealed, AsBytes("seq 2")));
  for (size_t i = 0; i < sealed->size(); ++i) {
    Bytes altered = *sealed;
    altered[i] ^= 0x80;
    EXPECT_FALSE(OpenGcm(key, altered, AsBytes("seq 1"))) << "byte " << i;
  }
  EXPECT_FALSE(OpenGcm(key, ByteSpan(*sealed).first(kGcmNonceBytes + kGcmTagBytes - 1), AsBytes("seq 1")));
  // Fresh nonces: the same plaintext never seals to the same bytes.
  EXPECT_NE(*SealGcm(key, AsBytes("the prompt"), AsBytes("seq 1")), *sealed);
}

TEST(Crypto, EmptyPlaintextRoundTrips) {
  const SecretKey key = testing::TestKey(3);
  auto sealed = SealGcm(key, {}, {});
  ASSERT_TRUE(sealed);
  auto opened = OpenGcm(key, *sealed, {});
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->empty());
}

TEST(AuditKey, ParsesHexAndRejectsAnythingElse) {
  const std::string hex(64, 'a');
  auto key = ParseKeyHex("  " + hex + "\n");
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(ToHex(key->bytes()), hex);
  EXPECT_FALSE(ParseKeyHex(hex.substr(2)));
  EXPECT_FALSE(ParseKeyHex(hex + "00"));
  EXPECT_FALSE(ParseKeyHex(hex.substr(1) + "g"));
}

TEST(AuditKey, DerivedKeysDifferFromEachOtherAndTheMaster) {
  const SecretKey master = testing::TestKey();
  const AuditKeys keys = AuditKeys::Derive(master);
  EXPECT_NE(ToHex(keys.mac.bytes()), ToHex(keys.wrap.bytes()));
  EXPECT_NE(ToHex(keys.mac.bytes()), ToHex(master.bytes()));
  EXPECT_EQ(ToHex(AuditKeys::Derive(master).mac.bytes()), ToHex(keys.mac.bytes()));
}

}  // namespace
}  // namespace citadel::audit
