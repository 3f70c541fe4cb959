// AuditStore's data-subject and retention operations: Erase, Export, Purge.
//
// How they coexist with a hash chain that must keep verifying:
//
// Erasure (crypto-shredding). Content is sealed under the subject's own data key, and the hash
// covers SHA-256 of the sealed bytes, never the plaintext. Erase destroys the wrapped data keys
// (secure_delete zeroes the old bytes; a TRUNCATE checkpoint drops the WAL frames that held them).
// The ciphertext stays and still matches its digest, so Verify is unaffected, but no one, the
// holder of the audit key included, can open it again. Metadata (who, when, decision) is kept:
// it is the audit evidence itself, and the erasure is recorded as a record of its own.
//
// Content purge. The ciphertext is set to NULL; content_digest stays. Verify checks a ciphertext
// against its digest only when one is present, and the hash input is the digest, so the chain is
// unchanged. A purged record cannot be told from one whose ciphertext an attacker NULLed, which is
// acceptable: removing content loses no evidence the metadata does not hold, and content older
// than the retention cut-off is meant to go.
//
// Record purge. Deleting the oldest records removes the predecessors the first survivor's
// prev_hash points to. The cut is therefore made only at a signed checkpoint c (HMAC over c and
// hash(c)): records 1..c go, and meta 'anchor' = (c, hash(c), HMAC("anchor", c, hash(c))) is written
// in the same transaction. Verify starts at c+1 with hash(c) as the expected prev_hash, so the
// remaining trail is checked exactly as before; deleting c+1 afterwards is a gap, deleting the
// anchor makes 1..c a gap, and moving it breaks its MAC. The purge refuses to run on a trail that
// does not verify, since deleting records would also delete the evidence of tampering.

#include <fmt/format.h>

#include <map>

#include "audit/canonical.h"
#include "audit/content_cipher.h"
#include "audit/schema.h"
#include "audit/store.h"

namespace citadel::audit {
namespace {

AuditRecord AdminRecord(EventKind kind, int64_t now_ms, const std::string& subject, std::string detail) {
  AuditRecord r;
  r.kind = kind;
  r.time_ms = now_ms;
  r.subject = subject;
  r.detail = std::move(detail);
  return r;
}

}  // namespace

Result<VerifyReport> AuditStore::VerifyAndRecord() {
  CITADEL_ASSIGN_OR_RETURN(VerifyReport report, Verify());
  const std::string verdict =
      report.broken ? fmt::format("broken at {}: {} ({})", report.broken->seq, Name(report.broken->reason),
                                  report.broken->detail)
                    : fmt::format("intact: {} records, seq {} to {}", report.records, report.first_seq, report.last_seq);
  CITADEL_RETURN_IF_ERROR(Append(AdminRecord(EventKind::kAuditVerified, Now(), "", verdict)));
  return report;
}

Result<uint64_t> AuditStore::Erase(const std::string& subject) {
  int64_t destroyed = 0;
  {
    std::lock_guard lock(db_mu_);
    auto done = [&]() -> Result<void> {
      CITADEL_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
      CITADEL_ASSIGN_OR_RETURN(destroyed, subject_keys_.Destroy(db_, subject, Now()));
      return tx.Commit();
    }();
    if (!done) return done.error().Wrap(fmt::format("erasing subject '{}'", subject));
    // The old wrapped key may still sit in WAL frames; copying them into the database (where
    // secure_delete has zeroed it) and truncating the WAL removes it from disk. Busy readers can
    // delay this to a later checkpoint, which is not an error.
    (void)db_.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  // The keys are gone even if this append fails; the caller sees the error and may retry the
  // erasure, which then destroys nothing and records it.
  return Append(AdminRecord(EventKind::kErasure, Now(), subject,
                            fmt::format("destroyed {} data key(s)", destroyed)));
}

Result<std::vector<StoredRecord>> AuditStore::Export(const std::string& subject) {
  std::vector<StoredRecord> out;
  {
    std::lock_guard lock(db_mu_);
    QueryFilter filter;
    filter.subject = subject;
    CITADEL_ASSIGN_OR_RETURN(const auto rows, QueryRows(db_, filter));
    std::map<int64_t, std::optional<SecretKey>> keys;
    for (const QueriedRow& q : rows) {
      StoredRecord stored = ToStored(q);
      if (q.content == ContentState::kPresent) {
        auto it = keys.find(q.row.content.key_id);
        if (it == keys.end()) {
          CITADEL_ASSIGN_OR_RETURN(auto key, subject_keys_.KeyById(db_, q.row.content.key_id));
          it = keys.emplace(q.row.content.key_id, std::move(key)).first;
        }
        if (it->second) {
          auto opened = OpenContent(*it->second, q.row.seq, *q.row.ciphertext, stored.record);
          if (!opened) return opened.error().Wrap(fmt::format("record {}", q.row.seq));
        } else {
          stored.content = ContentState::kErased;
        }
      }
      out.push_back(std::move(stored));
    }
  }
  CITADEL_RETURN_IF_ERROR(Append(AdminRecord(EventKind::kExport, Now(), subject,
                                             fmt::format("exported {} record(s)", out.size()))));
  return out;
}

Result<PurgeReport> AuditStore::Purge(int64_t content_older_than_ms, int64_t metadata_older_than_ms) {
  PurgeReport report;
  {
    std::lock_guard lock(db_mu_);
    // Deleting records also deletes the evidence in them: refuse to purge a trail that is broken.
    CITADEL_ASSIGN_OR_RETURN(const VerifyReport verified, VerifyTrail(db_, keys_));
    if (verified.broken) {
      return Err("refusing to purge a broken trail: record {} {} ({})", verified.broken->seq,
                 Name(verified.broken->reason), verified.broken->detail);
    }
    CITADEL_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
    CITADEL_ASSIGN_OR_RETURN(Statement drop,
                             db_.Prepare("UPDATE records SET content = NULL WHERE time_ms < ? AND content IS NOT NULL"));
    drop.Bind(1, content_older_than_ms);
    CITADEL_RETURN_IF_ERROR(drop.Run());
    report.content_purged = db_.Changes();

    // Records may only go up to a checkpoint: its signed hash is what the first remaining record's
    // prev_hash is checked against. Everything up to it must be older than the cutoff.
    CITADEL_ASSIGN_OR_RETURN(
        Statement boundary,
        db_.Prepare("SELECT c.seq, c.hash, c.mac FROM checkpoints c WHERE c.seq <= ? AND c.seq < "
                    "COALESCE((SELECT MIN(seq) FROM records WHERE time_ms >= ?), c.seq + 1) "
                    "AND EXISTS (SELECT 1 FROM records r WHERE r.seq = c.seq) ORDER BY c.seq DESC LIMIT 1"));
    boundary.Bind(1, static_cast<int64_t>(last_seq_)).Bind(2, metadata_older_than_ms);
    CITADEL_ASSIGN_OR_RETURN(const bool found, boundary.Step());
    if (found) {
      SignedPosition anchor;
      anchor.seq = static_cast<uint64_t>(boundary.Int(0));
      CITADEL_ASSIGN_OR_RETURN(anchor.hash, boundary.DigestAt(1));
      CITADEL_ASSIGN_OR_RETURN(const Digest checkpoint_mac, boundary.DigestAt(2));
      if (!ConstantTimeEqual(checkpoint_mac, SignPosition(keys_.mac, "checkpoint", anchor.seq, anchor.hash))) {
        return Err("checkpoint {} has an invalid MAC; refusing to purge", anchor.seq);
      }
      anchor.mac = SignPosition(keys_.mac, "anchor", anchor.seq, anchor.hash);
      CITADEL_ASSIGN_OR_RETURN(Statement del, db_.Prepare("DELETE FROM records WHERE seq <= ?"));
      del.Bind(1, static_cast<int64_t>(anchor.seq));
      CITADEL_RETURN_IF_ERROR(del.Run());
      report.records_deleted = db_.Changes();
      CITADEL_ASSIGN_OR_RETURN(Statement old, db_.Prepare("DELETE FROM checkpoints WHERE seq < ?"));
      old.Bind(1, static_cast<int64_t>(anchor.seq));
      CITADEL_RETURN_IF_ERROR(old.Run());
      CITADEL_RETURN_IF_ERROR(WriteMeta(db_, "anchor", anchor));
      report.anchor_seq = anchor.seq;
    } else {
      CITADEL_ASSIGN_OR_RETURN(const auto anchor, ReadMeta(db_, "anchor"));
      if (anchor) report.anchor_seq = anchor->seq;
    }
    CITADEL_RETURN_IF_ERROR(tx.Commit());
    (void)db_.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  CITADEL_RETURN_IF_ERROR(
      Append(AdminRecord(EventKind::kPurge, Now(), "",
                         fmt::format("content dropped from {} record(s), {} record(s) deleted, trail starts after {}",
                                     report.content_purged, report.records_deleted, report.anchor_seq))));
  return report;
}

}  // namespace citadel::audit
