#pragma once
// Internal to gguf/: reads one metadata value of a given on-disk type.

#include <cstdint>

#include "core/result.h"
#include "gguf/byte_cursor.h"
#include "gguf/gguf_file.h"
#include "gguf/value.h"

namespace citadel::gguf::internal {

// `what` names the value in errors ("key 'tokenizer.ggml.tokens'").
Result<Value> ReadValue(ByteCursor& cursor, uint32_t raw_type, const ReaderLimits& limits, std::string_view what);

}  // namespace citadel::gguf::internal
