#include "tokenizer/streaming_decoder.h"

namespace citadel::tokenizer {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Bytes a lead byte announces, 0 for a byte that cannot start a character.
size_t SequenceLength(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

bool IsContinuation(uint8_t b) { return (b & 0xC0) == 0x80; }

}  // namespace

StreamingDecoder::StreamingDecoder(const Tokenizer& tokenizer, DecodeOptions options)
    : tokenizer_(tokenizer),
      options_(options),
      strip_pending_(options.strip_leading_space && tokenizer.vocab().add_space_prefix) {}

std::string StreamingDecoder::Push(int32_t id) {
  std::string bytes = tokenizer_.TokenBytes(id, options_.render_special);
  if (strip_pending_ && !bytes.empty()) {
    if (bytes[0] == ' ') bytes.erase(0, 1);
    strip_pending_ = false;
  }
  return PushBytes(bytes);
}

std::string StreamingDecoder::PushBytes(std::string_view bytes) {
  pending_.append(bytes);
  std::string out;
  size_t i = 0;
  while (i < pending_.size()) {
    const auto lead = static_cast<uint8_t>(pending_[i]);
    const size_t length = SequenceLength(lead);
    if (length == 0) {  // a stray byte will never become valid: replace it now
      out += kReplacement;
      ++i;
      continue;
    }
    size_t have = 1;
    while (have < length && i + have < pending_.size() && IsContinuation(static_cast<uint8_t>(pending_[i + have]))) {
      ++have;
    }
    if (have == length) {
      out.append(pending_, i, length);
      i += length;
    } else if (i + have == pending_.size()) {
      break;  // incomplete at the end: wait for the next token
    } else {
      out += kReplacement;  // interrupted sequence
      i += have;
    }
  }
  pending_.erase(0, i);
  return out;
}

std::string StreamingDecoder::Finish() {
  std::string out = pending_.empty() ? std::string() : std::string(kReplacement);
  pending_.clear();
  return out;
}

}  // namespace citadel::tokenizer
