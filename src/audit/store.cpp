#include "audit/store.h"

#include <chrono>
#include <optional>

#include "audit/canonical.h"
#include "audit/content_cipher.h"
#include "audit/schema.h"

namespace citadel::audit {

struct AuditStore::Pending {
  const AuditRecord* record;
  std::optional<Result<uint64_t>> result;  // set by the leader under queue_mu_
};

AuditStore::AuditStore(std::string path, const SecretKey& master_key, StoreOptions options, Database db)
    : path_(std::move(path)),
      keys_(AuditKeys::Derive(master_key)),
      options_(std::move(options)),
      db_(std::move(db)),
      subject_keys_(keys_.wrap) {}

Result<std::unique_ptr<AuditStore>> AuditStore::Open(const std::string& path, const SecretKey& master_key,
                                                     StoreOptions options) {
  if (options.checkpoint_every == 0) return Err("checkpoint_every must be at least 1");
  CITADEL_ASSIGN_OR_RETURN(Database db, Database::Open(path, Database::Mode::kReadWriteCreate));
  if (auto r = PrepareWriter(db); !r) return r.error().Wrap(path);
  std::unique_ptr<AuditStore> store(new AuditStore(path, master_key, std::move(options), std::move(db)));

  CITADEL_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store->db_));
  CITADEL_ASSIGN_OR_RETURN(const auto key_check, ReadMeta(store->db_, "key_check"));
  const Digest expected_check = KeyCheck(store->keys_);
  if (!key_check) {
    CITADEL_RETURN_IF_ERROR(WriteMeta(store->db_, "key_check", SignedPosition{0, Digest{}, expected_check}));
  } else if (!ConstantTimeEqual(key_check->mac, expected_check)) {
    return Err("{}: the audit key does not match this audit store", path);
  }
  CITADEL_ASSIGN_OR_RETURN(store->insert_record_, store->db_.Prepare(InsertRecordSql()));
  CITADEL_ASSIGN_OR_RETURN(store->insert_checkpoint_,
                           store->db_.Prepare("INSERT INTO checkpoints(seq, hash, mac) VALUES(?, ?, ?)"));
  CITADEL_ASSIGN_OR_RETURN(store->select_tail_,
                           store->db_.Prepare("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1"));
  CITADEL_ASSIGN_OR_RETURN(store->write_meta_, PrepareWriteMeta(store->db_));
  CITADEL_RETURN_IF_ERROR(store->ReadTail());
  CITADEL_RETURN_IF_ERROR(tx.Commit());
  return store;
}

Result<void> AuditStore::ReadTail() {
  select_tail_.Reset();
  CITADEL_ASSIGN_OR_RETURN(const bool has_records, select_tail_.Step());
  if (has_records) {
    last_seq_ = static_cast<uint64_t>(select_tail_.Int(0));
    auto hash = select_tail_.DigestAt(1);
    // Done with the row: a statement left mid-result would keep its read snapshot open.
    select_tail_.Reset();
    if (!hash) return hash.error().Wrap(fmt::format("record {}", last_seq_));
    last_hash_ = *hash;
    return Ok();
  }
  // Everything purged: the chain goes on from the anchor.
  CITADEL_ASSIGN_OR_RETURN(const auto anchor, ReadMeta(db_, "anchor"));
  last_seq_ = anchor ? anchor->seq : 0;
  last_hash_ = anchor ? anchor->hash : Digest{};
  return Ok();
}

int64_t AuditStore::Now() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t AuditStore::last_seq() const {
  std::lock_guard lock(db_mu_);
  return last_seq_;
}

Result<Database> AuditStore::OpenReader() const { return Database::Open(path_, Database::Mode::kReadOnly); }

Result<VerifyReport> AuditStore::Verify() const {
  CITADEL_ASSIGN_OR_RETURN(Database reader, OpenReader());
  return VerifyTrail(reader, keys_);
}

Result<std::vector<StoredRecord>> AuditStore::Query(const QueryFilter& filter) const {
  CITADEL_ASSIGN_OR_RETURN(Database reader, OpenReader());
  return QueryRecords(reader, filter);
}

Result<uint64_t> AuditStore::Append(const AuditRecord& record) {
  Pending mine{&record, std::nullopt};
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&mine);
  while (!mine.result) {
    if (writing_) {
      batch_done_.wait(lock);
      continue;
    }
    // Leader: take everything queued so far, ours included, and write it in one transaction.
    writing_ = true;
    std::vector<Pending*> batch;
    batch.swap(queue_);
    lock.unlock();
    std::vector<const AuditRecord*> records;
    records.reserve(batch.size());
    for (const Pending* p : batch) records.push_back(p->record);
    std::vector<Result<uint64_t>> results = WriteGroup(records);
    lock.lock();
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->result = std::move(results[i]);
    writing_ = false;
    batch_done_.notify_all();
  }
  return std::move(*mine.result);
}

Result<void> AuditStore::InsertLocked(uint64_t seq, const AuditRecord& record, Digest& prev) {
  RecordRow row;
  row.seq = seq;
  row.record = record;
  row.record.prompt.reset();
  row.record.response.reset();
  if (record.has_content()) {
    CITADEL_ASSIGN_OR_RETURN(auto key, subject_keys_.ActiveKey(db_, record.subject, Now()));
    CITADEL_ASSIGN_OR_RETURN(Bytes sealed, SealContent(key.second, seq, record));
    row.content = ContentRef{key.first, Sha256(sealed)};
    row.ciphertext = std::move(sealed);
  }
  row.prev_hash = prev;
  row.hash = ChainHash(prev, Canonical(row.record, row.content));
  row.mac = SignPosition(keys_.mac, "record", seq, row.hash);

  insert_record_.Reset();
  BindRecordRow(insert_record_, row);
  CITADEL_RETURN_IF_ERROR(insert_record_.Run());
  if (seq % options_.checkpoint_every == 0) {
    const Digest mac = SignPosition(keys_.mac, "checkpoint", seq, row.hash);
    insert_checkpoint_.Reset();
    insert_checkpoint_.Bind(1, static_cast<int64_t>(seq)).Bind(2, ByteSpan(row.hash)).Bind(3, ByteSpan(mac));
    CITADEL_RETURN_IF_ERROR(insert_checkpoint_.Run());
  }
  prev = row.hash;
  return Ok();
}

std::vector<Result<uint64_t>> AuditStore::WriteGroup(const std::vector<const AuditRecord*>& group) {
  std::vector<Result<uint64_t>> results;
  results.reserve(group.size());
  if (Result<uint64_t> first = WriteBatch(group)) {
    for (size_t i = 0; i < group.size(); ++i) results.emplace_back(*first + i);
    return results;
  } else if (group.size() == 1) {
    results.push_back(std::move(first).error());
    return results;
  }
  // One record the database refuses must not fail the others that happened to share its
  // transaction: retry each alone, so only the bad one is answered with an error.
  for (const AuditRecord* record : group) results.push_back(WriteBatch({record}));
  return results;
}

Result<uint64_t> AuditStore::WriteBatch(const std::vector<const AuditRecord*>& batch) {
  std::lock_guard lock(db_mu_);
  Digest tail = last_hash_;
  auto written = [&]() -> Result<void> {
    CITADEL_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    // Under the write lock, the table's tail is the truth: `citadel audit erase` or purge in
    // another process may have appended since this process last wrote.
    CITADEL_RETURN_IF_ERROR(ReadTail());
    tail = last_hash_;
    for (size_t i = 0; i < batch.size(); ++i) {
      CITADEL_RETURN_IF_ERROR(InsertLocked(last_seq_ + 1 + i, *batch[i], tail));
    }
    const uint64_t head = last_seq_ + batch.size();
    CITADEL_RETURN_IF_ERROR(
        WriteMeta(write_meta_, "head", SignedPosition{head, tail, SignPosition(keys_.mac, "head", head, tail)}));
    return tx.Commit();
  }();
  if (!written) return written.error().Wrap("audit append failed");
  const uint64_t first = last_seq_ + 1;
  last_seq_ += batch.size();
  last_hash_ = tail;
  return first;
}

}  // namespace citadel::audit
