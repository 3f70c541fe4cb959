#pragma once
// The HTTP API: OpenAI's /v1/chat/completions, /v1/completions, /v1/models[/{id}], the simple
// POST /chat, and /healthz, /readyz, /metrics. docs/api.md describes each.

#include "server/router.h"
#include "server/service_context.h"

namespace citadel::server {

void AddRoutes(Router& router, ServiceContext& context);

}  // namespace citadel::server
