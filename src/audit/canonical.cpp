#include "audit/canonical.h"

#include <cstring>
#include <type_traits>

namespace citadel::audit {
namespace {

class Writer {
 public:
  void Raw(ByteSpan bytes) {
    const size_t at = out_.size();
    out_.resize(at + bytes.size());
    if (!bytes.empty()) std::memcpy(out_.data() + at, bytes.data(), bytes.size());
  }
  void U64(uint64_t v) {
    std::array<uint8_t, 8> b{};
    for (int i = 7; i >= 0; --i, v >>= 8) b[static_cast<size_t>(i)] = static_cast<uint8_t>(v & 0xff);
    Raw(b);
  }
  void U32(uint32_t v) {
    std::array<uint8_t, 4> b{};
    for (int i = 3; i >= 0; --i, v >>= 8) b[static_cast<size_t>(i)] = static_cast<uint8_t>(v & 0xff);
    Raw(b);
  }
  void Tag(char t) { out_.push_back(static_cast<uint8_t>(t)); }
  void String(std::string_view s) {
    U64(s.size());
    Raw(AsBytes(s));
  }
  void Int(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Name(std::string_view name) {
    U32(static_cast<uint32_t>(name.size()));
    Raw(AsBytes(name));
  }
  Bytes Take() { return std::move(out_); }

 private:
  Bytes out_;
};

constexpr std::string_view kMagic{"citadel.audit.v1\0", 17};

}  // namespace

Bytes Canonical(const AuditRecord& record, const ContentRef& content) {
  Writer w;
  w.Raw(AsBytes(kMagic));
  ForEachField(record, [&w](std::string_view name, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    w.Name(name);
    if constexpr (std::is_enum_v<T>) {
      w.Tag('s');
      w.String(audit::Name(value));
    } else if constexpr (std::is_same_v<T, std::string>) {
      w.Tag('s');
      w.String(value);
    } else if constexpr (std::is_same_v<T, int64_t>) {
      w.Tag('i');
      w.Int(value);
    } else {
      static_assert(std::is_same_v<T, std::map<std::string, int64_t>>, "a field type without an encoding");
      w.Tag('m');
      w.U64(value.size());
      for (const auto& [k, v] : value) {
        w.String(k);
        w.Int(v);
      }
    }
  });
  w.Int(content.key_id);
  if (content.digest) {
    w.U64(kDigestBytes);
    w.Raw(*content.digest);
  } else {
    w.U64(0);
  }
  return w.Take();
}

Digest ChainHash(const Digest& prev_hash, ByteSpan canonical) { return Sha256(prev_hash, canonical); }

Digest SignPosition(const SecretKey& mac_key, std::string_view purpose, uint64_t seq, const Digest& hash) {
  Writer w;
  w.String(purpose);
  w.U64(seq);
  w.Raw(hash);
  const Bytes message = w.Take();
  return HmacSha256(mac_key, message);
}

}  // namespace citadel::audit
