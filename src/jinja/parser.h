#pragma once
// Template source -> AST. Everything the interpreter cannot run safely or at all (include, import,
// extends, block, ...) is rejected here, with the construct and line named, so a bad template fails
// when a model is loaded rather than on a user's request.

#include <cstddef>
#include <string_view>

#include "core/result.h"
#include "jinja/ast.h"

namespace citadel::jinja {

struct ParseOptions {
  bool trim_blocks = true;    // as Hugging Face renders chat templates
  bool lstrip_blocks = true;
  // Parse-time bounds; they live here rather than in RenderLimits because a template that breaks
  // them is rejected once, at load.
  std::size_t max_template_bytes = 1 << 20;
  // Nesting of brackets, unary operators and blocks, and the height of any expression tree; keeps
  // the recursive-descent parser, the evaluator and the AST destructor off the end of the stack.
  int max_nesting_depth = 128;
};

Result<ast::Body> ParseTemplate(std::string_view source, const ParseOptions& options);

}  // namespace citadel::jinja
