#include "audit/subject_keys.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

namespace citadel::audit {
namespace {

// The subject is the AAD: a wrapped key moved to another subject's row does not open.
std::string WrapAad(const std::string& subject) { return fmt::format("citadel audit subject key v1|{}", subject); }

}  // namespace

Result<SecretKey> SubjectKeys::Unwrap(const std::string& subject, ByteSpan wrapped) const {
  const std::string aad = WrapAad(subject);
  CITADEL_ASSIGN_OR_RETURN(Bytes raw, OpenGcm(wrap_key_, wrapped, AsBytes(aad)));
  if (raw.size() != kKeyBytes) return Err("subject key for '{}' has {} bytes", subject, raw.size());
  SecretKey key(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  return key;
}

Result<std::pair<int64_t, SecretKey>> SubjectKeys::ActiveKey(Database& db, const std::string& subject,
                                                             int64_t now_ms) const {
  CITADEL_ASSIGN_OR_RETURN(
      Statement select,
      db.Prepare("SELECT id, wrapped FROM subject_keys WHERE subject = ? AND wrapped IS NOT NULL ORDER BY id DESC"));
  select.Bind(1, std::string_view(subject));
  CITADEL_ASSIGN_OR_RETURN(const bool found, select.Step());
  if (found) {
    const int64_t id = select.Int(0);
    auto key = Unwrap(subject, select.Blob(1));
    if (!key) return key.error().Wrap(fmt::format("subject key {}", id));
    return std::pair(id, std::move(*key));
  }

  CITADEL_ASSIGN_OR_RETURN(SecretKey key, RandomKey());
  const std::string aad = WrapAad(subject);
  CITADEL_ASSIGN_OR_RETURN(Bytes wrapped, SealGcm(wrap_key_, key.bytes(), AsBytes(aad)));
  CITADEL_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare("INSERT INTO subject_keys(subject, wrapped, created_ms) VALUES(?, ?, ?) RETURNING id"));
  insert.Bind(1, std::string_view(subject)).Bind(2, ByteSpan(wrapped)).Bind(3, now_ms);
  CITADEL_ASSIGN_OR_RETURN(const bool inserted, insert.Step());
  if (!inserted) return Err("sqlite: inserting a subject key returned no id");
  const int64_t id = insert.Int(0);
  return std::pair(id, std::move(key));
}

Result<std::optional<SecretKey>> SubjectKeys::KeyById(Database& db, int64_t id) const {
  CITADEL_ASSIGN_OR_RETURN(Statement select, db.Prepare("SELECT subject, wrapped FROM subject_keys WHERE id = ?"));
  select.Bind(1, id);
  CITADEL_ASSIGN_OR_RETURN(const bool found, select.Step());
  if (!found) return Err("subject key {} does not exist", id);
  if (select.IsNull(1)) return std::optional<SecretKey>();
  CITADEL_ASSIGN_OR_RETURN(SecretKey key, Unwrap(select.Text(0), select.Blob(1)));
  return std::optional<SecretKey>(std::move(key));
}

Result<int64_t> SubjectKeys::Destroy(Database& db, const std::string& subject, int64_t now_ms) const {
  // secure_delete (schema.cpp) zeroes the freed bytes of the old value in the page itself.
  CITADEL_ASSIGN_OR_RETURN(
      Statement update,
      db.Prepare("UPDATE subject_keys SET wrapped = NULL, erased_ms = ? WHERE subject = ? AND wrapped IS NOT NULL"));
  update.Bind(1, now_ms).Bind(2, std::string_view(subject));
  CITADEL_RETURN_IF_ERROR(update.Run());
  return db.Changes();
}

}  // namespace citadel::audit
