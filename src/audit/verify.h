#pragma once
// Walks the trail and reports the first record that is not what the appender wrote.

#include <cstdint>
#include <optional>
#include <string>

#include "audit/audit_key.h"
#include "core/sqlite.h"

namespace citadel::audit {

enum class BreakReason {
  kEdited,     // a stored field, the content or a hash differs from what was hashed
  kDeleted,    // a seq is missing, or the chain skips a record (removed and the rest renumbered)
  kReordered,  // the record is intact but its predecessor sits at another position
  kForged,     // the hash chain is consistent but the MAC is not: written without the audit key
};
std::string_view Name(BreakReason reason);

struct TrailBreak {
  uint64_t seq = 0;
  BreakReason reason = BreakReason::kEdited;
  std::string detail;
};

struct VerifyReport {
  uint64_t records = 0;    // records checked before the first break, or all of them
  uint64_t first_seq = 0;  // where verification started (1, or the record after the purge anchor)
  uint64_t last_seq = 0;
  uint64_t checkpoints = 0;
  std::optional<TrailBreak> broken;

  bool intact() const { return !broken.has_value(); }
};

// Reads one consistent snapshot of the trail. An error means the check could not run (unreadable
// file, wrong key); a tampered trail is a report with `broken` set.
Result<VerifyReport> VerifyTrail(Database& db, const AuditKeys& keys);

// The MAC stored under meta 'key_check', which tells a wrong key from a forged trail.
Digest KeyCheck(const AuditKeys& keys);

}  // namespace citadel::audit
