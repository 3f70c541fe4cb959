#include "audit/canonical.h"

#include <gtest/gtest.h>

#include <set>

#include "audit/iso_time.h"
#include "audit_fixture.h"

namespace citadel::audit {
namespace {

using testing::MakeRecord;

TEST(Canonical, IsDeterministicAndIgnoresPlaintextContent) {
  AuditRecord a = MakeRecord(3, "alice");
  AuditRecord b = MakeRecord(3, "alice");
  b.prompt = "another prompt";  // content enters only as the ciphertext digest
  EXPECT_EQ(Canonical(a, {}), Canonical(b, {}));
}

TEST(Canonical, EveryFieldChangesTheBytes) {
  const AuditRecord base = MakeRecord(3, "alice");
  // Hex strings, not Bytes: g++ 12 -O3 warns falsely on memcmp inside std::set<std::vector<uint8_t>>.
  const std::string reference = ToHex(Canonical(base, {}));
  std::set<std::string> seen{reference};
  int fields = 0;
  AuditRecord probe = base;
  ForEachField(probe, [&](std::string_view name, auto& value) {
    using T = std::decay_t<decltype(value)>;
    const T saved = value;
    if constexpr (std::is_same_v<T, EventKind>) {
      value = EventKind::kPurge;
    } else if constexpr (std::is_same_v<T, Decision>) {
      value = Decision::kFailed;
    } else if constexpr (std::is_same_v<T, std::string>) {
      value.push_back('x');
    } else if constexpr (std::is_same_v<T, int64_t>) {
      value += 1;
    } else {
      value["ssn"] = 1;
    }
    EXPECT_TRUE(seen.insert(ToHex(Canonical(probe, {}))).second) << name << " does not reach the canonical form";
    value = saved;
    ++fields;
  });
  EXPECT_EQ(fields, 19);
  EXPECT_EQ(ToHex(Canonical(probe, {})), reference);
  EXPECT_TRUE(seen.insert(ToHex(Canonical(base, {.key_id = 1}))).second);
  EXPECT_TRUE(seen.insert(ToHex(Canonical(base, {.key_id = 0, .digest = Digest{}}))).second);
}

TEST(Canonical, FieldBoundariesAreUnambiguous) {
  AuditRecord a, b;
  a.tenant = "ab";
  a.subject = "c";
  b.tenant = "a";
  b.subject = "bc";
  EXPECT_NE(Canonical(a, {}), Canonical(b, {}));
  a = b = AuditRecord{};
  a.pii_findings = {{"a", 1}, {"b", 2}};
  b.pii_findings = {{"a", 1}};
  b.watermark_key_id = "b";
  EXPECT_NE(Canonical(a, {}), Canonical(b, {}));
}

TEST(Canonical, SignaturesSeparatePurposesAndPositions) {
  const SecretKey key = testing::TestKey();
  const Digest h = Sha256(AsBytes("x"));
  EXPECT_NE(SignPosition(key, "record", 5, h), SignPosition(key, "checkpoint", 5, h));
  EXPECT_NE(SignPosition(key, "record", 5, h), SignPosition(key, "record", 6, h));
  EXPECT_NE(SignPosition(key, "record", 5, h), SignPosition(testing::TestKey(8), "record", 5, h));
}

TEST(IsoTime, ParsesAndFormatsUtc) {
  EXPECT_EQ(ParseIsoUtcMs("1970-01-01").value_or(-1), 0);
  EXPECT_EQ(ParseIsoUtcMs("2026-01-01T00:00:00Z").value_or(-1), 1'767'225'600'000);
  EXPECT_EQ(ParseIsoUtcMs("2024-02-29T23:59:59.250Z").value_or(-1), 1'709'251'199'250);
  EXPECT_EQ(FormatIsoUtcMs(1'709'251'199'250), "2024-02-29T23:59:59.250Z");
  for (const char* bad : {"", "2026", "2026-13-01", "2023-02-29", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00+01:00",
                          "2026-01-01Tnoon", "yesterday"}) {
    EXPECT_FALSE(ParseIsoUtcMs(bad)) << bad;
  }
}

}  // namespace
}  // namespace citadel::audit
