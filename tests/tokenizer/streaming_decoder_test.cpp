#include "tokenizer/streaming_decoder.h"

#include <gtest/gtest.h>

#include "tokenizer_test_vocabs.h"

namespace citadel::tokenizer {
namespace {

Tokenizer MakeBpe() { return std::move(Tokenizer::FromVocab(testing::BpeVocab())).value(); }

TEST(StreamingDecoder, HoldsBackSplitCharactersUntilComplete) {
  const Tokenizer t = MakeBpe();
  StreamingDecoder d(t);
  // "你" is E4 BD A0; with only byte tokens it arrives one byte per token.
  const std::string text = "a\xE4\xBD\xA0\xF0\x9F\x9A\x80";
  std::vector<std::string> chunks;
  const auto ids = t.Encode(text, {.add_special = false});
  ASSERT_TRUE(ids);
  const std::vector<int32_t>& tokens = *ids;
  for (int32_t id : tokens) chunks.push_back(d.Push(id));
  chunks.push_back(d.Finish());
  std::string joined;
  for (const auto& c : chunks) {
    joined += c;
    // Every chunk on its own is complete UTF-8.
    for (size_t i = 0; i < c.size();) {
      const auto lead = static_cast<uint8_t>(c[i]);
      const size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
      ASSERT_LE(i + len, c.size()) << "chunk ends inside a character";
      i += len;
    }
  }
  EXPECT_EQ(joined, text);
  EXPECT_EQ(chunks[1], "");  // first byte of the 3-byte character alone emits nothing
}

TEST(StreamingDecoder, ReplacesInvalidBytesAndFlushesIncompleteTail) {
  const Tokenizer t = MakeBpe();
  StreamingDecoder d(t);
  EXPECT_EQ(d.PushBytes("x\xFFy"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(d.PushBytes("\xE4\xBD"), "");
  EXPECT_EQ(d.PushBytes("z"), "\xEF\xBF\xBDz");  // interrupted sequence
  EXPECT_EQ(d.PushBytes("\xF0\x9F"), "");
  EXPECT_EQ(d.Finish(), "\xEF\xBF\xBD");
  EXPECT_EQ(d.Finish(), "");
}

}  // namespace
}  // namespace citadel::tokenizer
