#pragma once
// Test helpers: parse + render in one call, returning the text or the error message.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "jinja/template.h"

namespace citadel::jinja::testing {

struct Outcome {
  bool ok = false;
  std::string text;  // rendered text, or the error message
};

inline Outcome Try(std::string_view source, const nlohmann::ordered_json& context = nlohmann::ordered_json::object(),
                   const RenderOptions& options = {}, const ParseOptions& parse = {}) {
  auto tmpl = Template::Parse(source, parse);
  if (!tmpl) return {false, tmpl.error().message};
  auto text = tmpl->Render(context, options);
  if (!text) return {false, text.error().message};
  return {true, *text};
}

// Renders and returns the text, or "ERROR: <message>" so EXPECT_EQ shows what went wrong.
inline std::string R(std::string_view source, const nlohmann::ordered_json& context = nlohmann::ordered_json::object()) {
  Outcome outcome = Try(source, context);
  return outcome.ok ? outcome.text : "ERROR: " + outcome.text;
}

}  // namespace citadel::jinja::testing
