#pragma once
// The ResponseFormats of the generating endpoints: chat.completion(.chunk), text_completion, and
// the plain {"response": ...} of POST /chat.

#include <memory>
#include <string>
#include <vector>

#include "server/generation.h"

namespace citadel::tokenizer {
class Tokenizer;
}

namespace citadel::server {

std::unique_ptr<ResponseFormat> ChatFormat(api::ResponseMeta meta, const tokenizer::Tokenizer& tok, bool logprobs,
                                           bool include_usage);
// echo_texts: per choice, the prompt text that precedes its completion ("" without echo).
std::unique_ptr<ResponseFormat> CompletionFormat(api::ResponseMeta meta, const tokenizer::Tokenizer& tok,
                                                 bool logprobs, bool include_usage,
                                                 std::vector<std::string> echo_texts);
std::unique_ptr<ResponseFormat> SimpleChatFormat(api::ResponseMeta meta);

}  // namespace citadel::server
