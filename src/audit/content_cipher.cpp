#include "audit/content_cipher.h"

#include <openssl/crypto.h>

#include <cstring>

namespace citadel::audit {
namespace {

// Plaintext layout: flags (bit 0 prompt, bit 1 response) | prompt length u64 LE | prompt | response.
constexpr uint8_t kHasPrompt = 1, kHasResponse = 2;
constexpr size_t kHeaderBytes = 9;

std::string Aad(uint64_t seq) { return fmt::format("citadel audit content v1|{}", seq); }

}  // namespace

Result<Bytes> SealContent(const SecretKey& key, uint64_t seq, const AuditRecord& record) {
  const std::string_view prompt = record.prompt ? std::string_view(*record.prompt) : std::string_view();
  const std::string_view response = record.response ? std::string_view(*record.response) : std::string_view();
  Bytes plain(kHeaderBytes + prompt.size() + response.size());
  plain[0] = static_cast<uint8_t>((record.prompt ? kHasPrompt : 0) | (record.response ? kHasResponse : 0));
  const uint64_t n = prompt.size();
  for (size_t i = 0; i < 8; ++i) plain[1 + i] = static_cast<uint8_t>(n >> (8 * i));
  if (!prompt.empty()) std::memcpy(plain.data() + kHeaderBytes, prompt.data(), prompt.size());
  if (!response.empty()) std::memcpy(plain.data() + kHeaderBytes + prompt.size(), response.data(), response.size());
  const std::string aad = Aad(seq);
  auto sealed = SealGcm(key, plain, AsBytes(aad));
  OPENSSL_cleanse(plain.data(), plain.size());
  return sealed;
}

Result<void> OpenContent(const SecretKey& key, uint64_t seq, ByteSpan sealed, AuditRecord& record) {
  const std::string aad = Aad(seq);
  CITADEL_ASSIGN_OR_RETURN(Bytes plain, OpenGcm(key, sealed, AsBytes(aad)));
  if (plain.size() < kHeaderBytes) return Err("record {}: content shorter than its header", seq);
  uint64_t n = 0;
  for (size_t i = 0; i < 8; ++i) n |= static_cast<uint64_t>(plain[1 + i]) << (8 * i);
  if (n > plain.size() - kHeaderBytes) return Err("record {}: content prompt length out of range", seq);
  const char* text = reinterpret_cast<const char*>(plain.data() + kHeaderBytes);
  const size_t prompt_size = static_cast<size_t>(n);
  record.prompt.reset();
  record.response.reset();
  if (plain[0] & kHasPrompt) record.prompt.emplace(text, prompt_size);
  if (plain[0] & kHasResponse) record.response.emplace(text + prompt_size, plain.size() - kHeaderBytes - prompt_size);
  OPENSSL_cleanse(plain.data(), plain.size());
  return Ok();
}

}  // namespace citadel::audit
