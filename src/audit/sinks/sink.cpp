#include "audit/sinks/sink.h"

#include <nlohmann/json.hpp>

namespace citadel::audit::sinks {

nlohmann::ordered_json SinkDocument(const StoredRecord& stored) {
  nlohmann::ordered_json doc = ToJson(stored);
  // ToJson shows content only when it was decrypted; sinks never get it, decrypted or not.
  doc.erase("prompt");
  doc.erase("response");
  return doc;
}

std::string SinkDocumentText(const StoredRecord& stored) {
  return SinkDocument(stored).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string OneLine(std::string_view text, size_t max_chars) {
  std::string out;
  out.reserve(std::min(text.size(), max_chars));
  for (char c : text) {
    if (out.size() >= max_chars) break;
    const bool space = static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
    if (space && (out.empty() || out.back() == ' ')) continue;  // collapse "\n\t" and runs of blanks
    out.push_back(space ? ' ' : c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace citadel::audit::sinks
