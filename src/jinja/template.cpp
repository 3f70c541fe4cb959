#include "jinja/template.h"

#include <exception>

#include "jinja/evaluator.h"

namespace citadel::jinja {

// The interpreter reports failures as values; the catch blocks are a last line of defence so that
// an allocation failure or a bug never unwinds through a server request.
Result<Template> Template::Parse(std::string_view source, const ParseOptions& options) {
  try {
    CITADEL_ASSIGN_OR_RETURN(ast::Body body, ParseTemplate(source, options));
    return Template(std::make_shared<const ast::Body>(std::move(body)));
  } catch (const std::exception& e) {
    return Err("template parse failed: {}", e.what());
  }
}

Result<std::string> Template::Render(const nlohmann::ordered_json& context, const RenderOptions& options) const {
  try {
    Evaluator evaluator(options);
    return evaluator.Render(*body_, context);
  } catch (const std::exception& e) {
    return Err("template render failed: {}", e.what());
  }
}

}  // namespace citadel::jinja
