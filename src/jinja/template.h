#pragma once
// A small, safe Jinja2 interpreter for chat templates.
//
//   CITADEL_ASSIGN_OR_RETURN(auto tmpl, jinja::Template::Parse(source));
//   CITADEL_ASSIGN_OR_RETURN(std::string text, tmpl.Render(context));
//
// Supported: text, {{ }}, {% if/elif/else %}, {% for %} (with loop.*, else, inline if, break,
// continue), {% set %} (plain, tuple, block, namespace attribute), {% macro %}, {% call %},
// {% filter %}, {% raw %}, comments, whitespace control; Python-like expressions, the common
// filters/tests and the str/dict methods chat templates use. Rejected at parse time, by name and
// line: include, import, from, extends, block, with, do and other unknown tags. A template never
// touches files, clocks or the environment, and every render is bounded by RenderLimits.

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "jinja/options.h"
#include "jinja/parser.h"

namespace citadel::jinja {

class Template {
 public:
  static Result<Template> Parse(std::string_view source, const ParseOptions& options = {});

  // Renders with `context` (a JSON object) as the template's variables. Thread-safe: a Template
  // is immutable after Parse and every render has its own state.
  Result<std::string> Render(const nlohmann::ordered_json& context, const RenderOptions& options = {}) const;

 private:
  explicit Template(std::shared_ptr<const ast::Body> body) : body_(std::move(body)) {}

  std::shared_ptr<const ast::Body> body_;  // shared so copies of a Template are cheap
};

}  // namespace citadel::jinja
