#pragma once
// The tamper-evident audit store: an append-only hash chain of AuditRecords in SQLite.
//
// Append is fail-closed and durable: it returns a seq only after the record's transaction has
// committed with synchronous=FULL; on any error nothing of the record is stored and the caller must
// refuse the request (the server answers 503). Concurrent appends are group-committed: the first
// caller to find no write in progress writes every queued record in one transaction, so N waiting
// threads share one fsync. A crash mid-write rolls the whole transaction back, and the chain
// resumes from the last committed record on the next Open.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audit/audit_key.h"
#include "audit/query.h"
#include "audit/record.h"
#include "core/sqlite.h"
#include "audit/subject_keys.h"
#include "audit/verify.h"

namespace citadel::audit {

struct StoreOptions {
  uint64_t checkpoint_every = 1000;  // a signed checkpoint each this many records
  std::function<int64_t()> now_ms;   // clock for administrative records; system clock when empty
};

struct PurgeReport {
  int64_t content_purged = 0;   // records whose ciphertext was dropped
  int64_t records_deleted = 0;  // whole records removed from the start of the trail
  uint64_t anchor_seq = 0;      // verification now starts after this seq (0: from the beginning)
};

class AuditStore {
 public:
  // Creates the file if needed; an existing store must have been created with the same key.
  static Result<std::unique_ptr<AuditStore>> Open(const std::string& path, const SecretKey& master_key,
                                                  StoreOptions options = {});
  AuditStore(const AuditStore&) = delete;
  AuditStore& operator=(const AuditStore&) = delete;

  // The record's seq once it is durable. Thread-safe.
  Result<uint64_t> Append(const AuditRecord& record);

  // Checks the whole trail on its own read connection; appends may continue meanwhile.
  Result<VerifyReport> Verify() const;
  // Verify, then append an audit_verified record with the verdict, so the trail shows when it was
  // checked and what was found. A broken trail is recorded too (and still reported as broken).
  Result<VerifyReport> VerifyAndRecord();
  Result<std::vector<StoredRecord>> Query(const QueryFilter& filter) const;

  // Right to erasure: destroys the subject's data keys (its content becomes undecryptable; the
  // chain stays intact) and appends an erasure record. Returns the erasure record's seq.
  Result<uint64_t> Erase(const std::string& subject);
  // Right of access: every record about the subject, content decrypted where its key survives.
  // Appends an export record.
  Result<std::vector<StoredRecord>> Export(const std::string& subject);
  // Retention, times in UTC ms. Content of records older than content_older_than is dropped (the
  // hash covers only its digest, so the chain still verifies). Whole records older than
  // metadata_older_than are deleted up to the last signed checkpoint before the first record that
  // must stay, and that checkpoint becomes the signed anchor verification starts from: a purge
  // never leaves a prefix that cannot be checked, and deleting records without the key is still a
  // gap before the anchor's successor. Appends a purge record.
  Result<PurgeReport> Purge(int64_t content_older_than_ms, int64_t metadata_older_than_ms);

  // As of this process's last write; other processes may have appended since.
  uint64_t last_seq() const;

 private:
  struct Pending;
  AuditStore(std::string path, const SecretKey& master_key, StoreOptions options, Database db);
  int64_t Now() const;
  // Loads last_seq_ and last_hash_ from the database.
  Result<void> ReadTail();
  // Writes a batch in one transaction; returns the first seq.
  Result<uint64_t> WriteBatch(const std::vector<const AuditRecord*>& batch);
  // WriteBatch, falling back to one transaction per record when the batch fails: one result each.
  std::vector<Result<uint64_t>> WriteGroup(const std::vector<const AuditRecord*>& group);
  Result<void> InsertLocked(uint64_t seq, const AuditRecord& record, Digest& prev);
  Result<Database> OpenReader() const;

  const std::string path_;
  const AuditKeys keys_;
  const StoreOptions options_;

  // Group commit queue.
  std::mutex queue_mu_;
  std::condition_variable batch_done_;
  std::vector<Pending*> queue_;  // guarded by queue_mu_
  bool writing_ = false;         // guarded by queue_mu_: a leader is writing a batch

  // The writer connection and the chain's tail; held by the batch leader and the admin operations.
  mutable std::mutex db_mu_;
  Database db_;  // guarded by db_mu_
  const SubjectKeys subject_keys_;
  // Prepared once, reset before each use; all guarded by db_mu_ and finalized before db_ closes.
  Statement insert_record_;
  Statement insert_checkpoint_;
  Statement select_tail_;
  Statement write_meta_;
  uint64_t last_seq_ = 0;  // guarded by db_mu_
  Digest last_hash_{};     // guarded by db_mu_
};

}  // namespace citadel::audit
