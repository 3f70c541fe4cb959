#pragma once
// What gets hashed. A record's canonical form is length-prefixed and typed, not JSON: there is
// exactly one encoding of every record (no escaping, number formatting or key order to agree on),
// and any byte string, valid UTF-8 or not, is encoded unambiguously.
//
//   "citadel.audit.v1" 0x00 | for each field in ForEachField order:
//       name (u32 length + bytes) | tag 's' string (u64 length + bytes)
//                                   tag 'i' int64 (8 bytes, big-endian two's complement)
//                                   tag 'm' map (u64 count, then string/int64 pairs in key order)
//   | content key id (int64) | content digest (u64 length + 0 or 32 bytes)
//
// The chain: hash = SHA-256(prev_hash || canonical), prev_hash of the first record is 32 zero bytes;
// mac = HMAC-SHA256(mac key, "record" | seq | hash). Content enters only as SHA-256 of its
// ciphertext, so erasing the key or purging the ciphertext leaves every hash verifiable.
//
// seq is bound by the MAC and the checkpoints, not by the hash: the hash then depends only on the
// record and its predecessor, so a record moved to another position still hashes correctly and
// Verify can tell "reordered" (its prev_hash names a record elsewhere) from "edited".

#include <optional>
#include <string_view>

#include "core/bytes.h"
#include "core/crypto.h"
#include "audit/record.h"

namespace citadel::audit {

struct ContentRef {
  int64_t key_id = 0;             // row of subject_keys that encrypted it; 0 without content
  std::optional<Digest> digest;   // SHA-256 of the sealed ciphertext
};

Bytes Canonical(const AuditRecord& record, const ContentRef& content);
Digest ChainHash(const Digest& prev_hash, ByteSpan canonical);

// MAC binding a position in the trail to its hash, with the purpose ("record", "checkpoint",
// "head", "anchor") inside the MAC so that one can never be replayed as another.
Digest SignPosition(const SecretKey& mac_key, std::string_view purpose, uint64_t seq, const Digest& hash);

}  // namespace citadel::audit
