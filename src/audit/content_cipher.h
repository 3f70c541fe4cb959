#pragma once
// Prompt and response of a record, sealed together under the subject's data key. The AAD binds the
// ciphertext to its seq, so ciphertext copied into another record does not open there.

#include "core/crypto.h"
#include "audit/record.h"

namespace citadel::audit {

Result<Bytes> SealContent(const SecretKey& key, uint64_t seq, const AuditRecord& record);
// Sets record.prompt and record.response from the sealed bytes.
Result<void> OpenContent(const SecretKey& key, uint64_t seq, ByteSpan sealed, AuditRecord& record);

}  // namespace citadel::audit
