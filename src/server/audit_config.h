#pragma once
// The [audit] section of citadel.toml.

#include <toml++/toml.h>

#include "core/result.h"
#include "server/audit_writer.h"

namespace citadel::server {

// Errors are "audit.<key>: why".
Result<void> ReadAuditSection(const toml::table& table, AuditSettings& settings);
// Cross-key rules (retention floor, key file with store).
Result<void> ValidateAudit(const AuditSettings& settings);

}  // namespace citadel::server
