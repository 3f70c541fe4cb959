#include "audit/verify.h"

#include <map>

#include "audit/canonical.h"
#include "audit/schema.h"

namespace citadel::audit {
namespace {

using Checkpoints = std::map<uint64_t, std::pair<Digest, Digest>>;  // seq -> (hash, mac)

Result<Checkpoints> LoadCheckpoints(Database& db) {
  CITADEL_ASSIGN_OR_RETURN(Statement select, db.Prepare("SELECT seq, hash, mac FROM checkpoints ORDER BY seq"));
  Checkpoints out;
  for (;;) {
    CITADEL_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) return out;
    CITADEL_ASSIGN_OR_RETURN(Digest hash, select.DigestAt(1));
    CITADEL_ASSIGN_OR_RETURN(Digest mac, select.DigestAt(2));
    out.emplace(static_cast<uint64_t>(select.Int(0)), std::pair(hash, mac));
  }
}

// Only consulted once a link is broken, to tell a reordering from a deletion.
Result<bool> SomeRecordHasHash(Database& db, const Digest& hash) {
  CITADEL_ASSIGN_OR_RETURN(Statement select, db.Prepare("SELECT 1 FROM records WHERE hash = ? LIMIT 1"));
  select.Bind(1, ByteSpan(hash));
  return select.Step();
}

bool MacMatches(const AuditKeys& keys, std::string_view purpose, uint64_t seq, const Digest& hash,
                const Digest& mac) {
  return ConstantTimeEqual(SignPosition(keys.mac, purpose, seq, hash), mac);
}

// Checks one row against its expected predecessor; nullopt when it is sound.
Result<std::optional<TrailBreak>> CheckRow(Database& db, const AuditKeys& keys, const Statement& select,
                                           uint64_t expected_seq, const Digest& prev) {
  using Break = std::optional<TrailBreak>;
  const uint64_t seq = static_cast<uint64_t>(select.Int(0));
  if (seq < expected_seq) {
    return Break(TrailBreak{seq, BreakReason::kForged, "record inserted before the signed purge anchor"});
  }
  if (seq > expected_seq) {
    return Break(TrailBreak{expected_seq, BreakReason::kDeleted,
                            fmt::format("records {} to {} are missing", expected_seq, seq - 1)});
  }
  auto row = ReadRecordRow(select);
  if (!row) return Break(TrailBreak{seq, BreakReason::kEdited, row.error().message});
  if (row->ciphertext) {
    const Digest digest = Sha256(*row->ciphertext);
    if (!row->content.digest || !ConstantTimeEqual(digest, *row->content.digest)) {
      return Break(TrailBreak{seq, BreakReason::kEdited, "content ciphertext does not match its digest"});
    }
  }
  const Digest hash = ChainHash(row->prev_hash, Canonical(row->record, row->content));
  if (!ConstantTimeEqual(hash, row->hash)) {
    return Break(TrailBreak{seq, BreakReason::kEdited, "stored fields do not hash to the stored hash"});
  }
  if (!ConstantTimeEqual(row->prev_hash, prev)) {
    CITADEL_ASSIGN_OR_RETURN(const bool elsewhere, SomeRecordHasHash(db, row->prev_hash));
    if (elsewhere) {
      return Break(TrailBreak{seq, BreakReason::kReordered, "its predecessor is stored at another position"});
    }
    return Break(TrailBreak{seq, BreakReason::kDeleted,
                            "prev_hash names a record that is gone (removed, later ones renumbered)"});
  }
  if (!MacMatches(keys, "record", seq, row->hash, row->mac)) {
    return Break(TrailBreak{seq, BreakReason::kForged, "MAC invalid: not written with the audit key"});
  }
  return Break();
}

}  // namespace

std::string_view Name(BreakReason reason) {
  switch (reason) {
    case BreakReason::kEdited: return "edited";
    case BreakReason::kDeleted: return "deleted";
    case BreakReason::kReordered: return "reordered";
    case BreakReason::kForged: return "forged";
  }
  return "unknown";
}

Digest KeyCheck(const AuditKeys& keys) { return SignPosition(keys.mac, "key_check", 0, Digest{}); }

Result<VerifyReport> VerifyTrail(Database& db, const AuditKeys& keys) {
  // One read transaction: the appender may go on writing, the walk sees a single snapshot.
  CITADEL_RETURN_IF_ERROR(db.Exec("BEGIN"));
  struct EndRead {
    Database& db;
    ~EndRead() { (void)db.Exec("COMMIT"); }
  } end_read{db};

  CITADEL_ASSIGN_OR_RETURN(const auto key_check, ReadMeta(db, "key_check"));
  if (key_check && !ConstantTimeEqual(key_check->mac, KeyCheck(keys))) {
    return Err("the audit key does not match this audit store");
  }
  VerifyReport report;
  auto broken = [&report](uint64_t seq, BreakReason reason, std::string detail) {
    report.broken = TrailBreak{seq, reason, std::move(detail)};
    return report;
  };

  // Purged records end at a signed anchor: the walk starts after it, trusting its hash as prev.
  uint64_t expected = 1;
  Digest prev{};
  CITADEL_ASSIGN_OR_RETURN(const auto anchor, ReadMeta(db, "anchor"));
  if (anchor) {
    if (!MacMatches(keys, "anchor", anchor->seq, anchor->hash, anchor->mac)) {
      return broken(anchor->seq, BreakReason::kForged, "purge anchor MAC invalid");
    }
    expected = anchor->seq + 1;
    prev = anchor->hash;
  }
  report.first_seq = expected;
  CITADEL_ASSIGN_OR_RETURN(const Checkpoints checkpoints, LoadCheckpoints(db));

  CITADEL_ASSIGN_OR_RETURN(Statement select,
                           db.Prepare(fmt::format("SELECT {} FROM records ORDER BY seq", RecordColumns())));
  for (;;) {
    CITADEL_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    CITADEL_ASSIGN_OR_RETURN(auto row_break, CheckRow(db, keys, select, expected, prev));
    if (row_break) {
      report.broken = std::move(row_break);
      return report;
    }
    CITADEL_ASSIGN_OR_RETURN(prev, select.DigestAt(static_cast<int>(RecordColumnCount()) - 2));
    if (auto it = checkpoints.find(expected); it != checkpoints.end()) {
      const auto& [hash, mac] = it->second;
      if (!MacMatches(keys, "checkpoint", expected, hash, mac)) {
        return broken(expected, BreakReason::kForged, "checkpoint MAC invalid");
      }
      if (!ConstantTimeEqual(hash, prev)) {
        return broken(expected, BreakReason::kEdited, "record differs from its signed checkpoint");
      }
      ++report.checkpoints;
    }
    report.last_seq = expected;
    ++report.records;
    ++expected;
  }

  // Records cut off the end leave no gap to find; the signed head and checkpoints still name them.
  CITADEL_ASSIGN_OR_RETURN(const auto head, ReadMeta(db, "head"));
  if (head) {
    if (!MacMatches(keys, "head", head->seq, head->hash, head->mac)) {
      return broken(head->seq, BreakReason::kForged, "head MAC invalid");
    }
    if (head->seq >= expected) {
      return broken(expected, BreakReason::kDeleted,
                    fmt::format("trail ends at {} but the signed head is {}", expected - 1, head->seq));
    }
    if (head->seq + 1 < expected) {
      return broken(head->seq + 1, BreakReason::kForged, "record after the signed head");
    }
    if (!ConstantTimeEqual(head->hash, prev)) {
      return broken(head->seq, BreakReason::kEdited, "last record differs from the signed head");
    }
  }
  if (!checkpoints.empty() && checkpoints.rbegin()->first >= expected) {
    return broken(expected, BreakReason::kDeleted,
                  fmt::format("trail ends at {} but a checkpoint names {}", expected - 1, checkpoints.rbegin()->first));
  }
  return report;
}

}  // namespace citadel::audit
