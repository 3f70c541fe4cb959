#include "core/key_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace citadel {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

Result<SecretKey> ParseKeyHex(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  if (text.size() != 2 * kKeyBytes) {
    return Err("a key file holds {} hex digits, found {} characters", 2 * kKeyBytes, text.size());
  }
  std::array<uint8_t, kKeyBytes> bytes{};
  for (size_t i = 0; i < kKeyBytes; ++i) {
    const int hi = HexDigitValue(text[2 * i]), lo = HexDigitValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return Err("a key file holds hex digits only (bad character at {})", 2 * i);
    bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  SecretKey key(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

Result<SecretKey> ReadKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err("cannot read key file '{}'", path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto key = ParseKeyHex(text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!key) return key.error().Wrap(path);
  return key;
}

Result<void> WriteNewKeyFile(const std::string& path) {
  CITADEL_ASSIGN_OR_RETURN(SecretKey key, RandomKey());
  std::string text = ToHex(key.bytes()) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Err("cannot create key file '{}': {}", path, std::strerror(errno));
  const ssize_t written = ::write(fd, text.data(), text.size());
  OPENSSL_cleanse(text.data(), text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (written != static_cast<ssize_t>(2 * kKeyBytes + 1) || !synced) {
    ::unlink(path.c_str());
    return Err("cannot write key file '{}'", path);
  }
  return Ok();
}

}  // namespace citadel
