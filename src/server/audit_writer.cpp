#include "server/audit_writer.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/key_file.h"
#include "guard/pii/policy.h"

namespace citadel::server {

namespace asio = boost::asio;

namespace {
// Blocked appenders wait for the group commit; more threads let more records share one fsync.
constexpr int kAppendThreads = 8;
}  // namespace

Result<ContentMode> ParseContentMode(std::string_view name) {
  if (name == "none") return ContentMode::kNone;
  if (name == "hash") return ContentMode::kHash;
  if (name == "masked") return ContentMode::kMasked;
  if (name == "full") return ContentMode::kFull;
  return Err("'{}' is not a content policy (none, hash, masked, full)", name);
}

AuditWriter::AuditWriter(AuditSettings settings, std::unique_ptr<audit::AuditStore> store, SecretKey hash_key,
                         std::unique_ptr<guard::pii::Scanner> scanner)
    : settings_(std::move(settings)), store_(std::move(store)), hash_key_(std::move(hash_key)),
      scanner_(std::move(scanner)), pool_(std::make_unique<asio::thread_pool>(kAppendThreads)) {}

AuditWriter::~AuditWriter() {
  pool_->join();
}

Result<std::unique_ptr<AuditWriter>> AuditWriter::Open(const AuditSettings& settings) {
  if (settings.store.empty()) {
    return std::unique_ptr<AuditWriter>(new AuditWriter(settings, nullptr, SecretKey(), nullptr));
  }
  if (settings.key_file.empty()) return Err("audit.key_file: required with audit.store (create one with `citadel audit keygen`)");
  auto master = ReadKeyFile(settings.key_file);
  if (!master) return master.error().Wrap("audit.key_file");
  auto store = audit::AuditStore::Open(settings.store, *master);
  if (!store) return store.error().Wrap("audit.store");
  // Its own derivation, so a content digest can never be mistaken for a record MAC.
  const Digest hash_key = HmacSha256(*master, AsBytes("citadel audit content-hash v1"));
  auto scanner = guard::pii::Scanner::Build({});
  if (!scanner) return scanner.error().Wrap("audit content masking");
  return std::unique_ptr<AuditWriter>(new AuditWriter(settings, std::move(*store), SecretKey(hash_key),
                                                      std::make_unique<guard::pii::Scanner>(std::move(*scanner))));
}

asio::awaitable<bool> AuditWriter::Write(const audit::AuditRecord& record) {
  if (!store_) co_return true;
  // std::optional<std::string>, not Result: co_spawn hands values back default-constructed first.
  auto append = [this, r = record]() -> asio::awaitable<std::optional<std::string>> {
    auto seq = store_->Append(r);
    if (!seq) co_return seq.error().message;
    co_return std::nullopt;
  };
  // Named locals: g++ 12 destroys temporaries inside co_await expressions twice.
  const auto executor = pool_->get_executor();
  auto pending = asio::co_spawn(executor, std::move(append), asio::use_awaitable);
  const std::optional<std::string> error = co_await std::move(pending);
  if (error) {
    failures_.fetch_add(1);
    std::fprintf(stderr, "citadel: audit append failed: %s\n", error->c_str());
    co_return false;
  }
  co_return true;
}

Result<uint64_t> AuditWriter::WriteNow(const audit::AuditRecord& record) {
  if (!store_) return uint64_t{0};
  auto seq = store_->Append(record);
  if (!seq) failures_.fetch_add(1);
  return seq;
}

std::optional<std::string> AuditWriter::Content(ContentMode mode, std::string_view text) const {
  switch (mode) {
    case ContentMode::kNone:
      return std::nullopt;
    case ContentMode::kHash:
      return "hmac-sha256:" + ToHex(HmacSha256(hash_key_, AsBytes(text)));
    case ContentMode::kMasked: {
      auto findings = scanner_->Scan(text);
      if (!findings) return "[content withheld: " + findings.error().message + "]";
      guard::pii::PlaceholderVault vault;
      const guard::pii::Policy redact{.default_action = guard::pii::Action::kRedact};
      auto masked = guard::pii::Mask(text, *findings, redact, vault);
      return masked ? *masked : std::string("[content withheld]");
    }
    case ContentMode::kFull:
      return std::string(text);
  }
  return std::nullopt;
}

}  // namespace citadel::server
