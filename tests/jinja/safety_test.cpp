// Hostile templates: each must stop with an error naming the bound or construct, never hang,
// crash or exhaust memory (run under ASan in the sanitize build).
#include <gtest/gtest.h>

#include "render_helper.h"

namespace citadel::jinja {
namespace {

using testing::Try;
using json = nlohmann::ordered_json;

void ExpectErrorContaining(const testing::Outcome& outcome, const std::string& needle) {
  EXPECT_FALSE(outcome.ok) << "rendered " << outcome.text.size() << " bytes";
  EXPECT_NE(outcome.text.find(needle), std::string::npos) << outcome.text;
}

TEST(JinjaParseErrors, UnsupportedConstructsNameTagAndLine) {
  ExpectErrorContaining(Try("a\nb\n{% include 'other.j2' %}"), "line 3: unsupported tag 'include'");
  ExpectErrorContaining(Try("{% import 'x' as y %}"), "unsupported tag 'import'");
  ExpectErrorContaining(Try("{% from 'x' import y %}"), "unsupported tag 'from'");
  ExpectErrorContaining(Try("{% extends 'base' %}"), "unsupported tag 'extends'");
  ExpectErrorContaining(Try("{% block body %}{% endblock %}"), "unsupported tag 'block'");
  ExpectErrorContaining(Try("{% do xs.append(1) %}"), "unsupported tag 'do'");
  ExpectErrorContaining(Try("\n{% frobnicate %}"), "line 2: unknown tag 'frobnicate'");
  // Unsupported tags fail at parse time even inside branches that would never run.
  ExpectErrorContaining(Try("{% if false %}{% include 'x' %}{% endif %}"), "unsupported tag 'include'");
}

TEST(JinjaParseErrors, MalformedTemplates) {
  ExpectErrorContaining(Try("{% if x %}no end"), "expected 'endif'");
  ExpectErrorContaining(Try("{% endfor %}"), "unexpected 'endfor'");
  ExpectErrorContaining(Try("{{ 'unterminated }}"), "unterminated string");
  ExpectErrorContaining(Try("{{ 1 + }}"), "unexpected");
  ExpectErrorContaining(Try("{# never closed"), "unterminated comment");
  ExpectErrorContaining(Try("{% break %}"), "'break' outside of a loop");
  ExpectErrorContaining(Try("{{ (1 }}"), "line 1");
  ExpectErrorContaining(Try("{{ x $ y }}"), "unexpected character '$'");
}

TEST(JinjaSafety, TemplateSizeLimit) {
  ParseOptions parse;
  parse.max_template_bytes = 100;
  ExpectErrorContaining(Try(std::string(101, 'x'), json::object(), {}, parse), "max_template_bytes");
}

TEST(JinjaSafety, DeeplyNestedParensDoNotOverflowTheStack) {
  const int depth = 100000;
  const std::string source = "{{ " + std::string(depth, '(') + "1" + std::string(depth, ')') + " }}";
  ExpectErrorContaining(Try(source), "max_nesting_depth");
  ExpectErrorContaining(Try("{{ " + std::string(depth, '[') + std::string(depth, ']') + " }}"), "max_nesting_depth");
  ExpectErrorContaining(Try("{{ " + std::string(depth, '-') + "1 }}"), "max_nesting_depth");
  std::string nots;
  for (int i = 0; i < depth; ++i) nots += "not ";
  ExpectErrorContaining(Try("{{ " + nots + "1 }}"), "max_nesting_depth");
}

TEST(JinjaSafety, LongOperatorChainsAreBounded) {
  // A flat chain builds a left-deep tree; its height is bounded like bracket nesting.
  std::string chain = "1";
  for (int i = 0; i < 100000; ++i) chain += "+1";
  ExpectErrorContaining(Try("{{ " + chain + " }}"), "max_nesting_depth");
  std::string filters = "'x'";
  for (int i = 0; i < 100000; ++i) filters += "|trim";
  ExpectErrorContaining(Try("{{ " + filters + " }}"), "max_nesting_depth");
}

TEST(JinjaSafety, DeeplyNestedBlocks) {
  std::string source;
  for (int i = 0; i < 10000; ++i) source += "{% if true %}";
  ExpectErrorContaining(Try(source), "max_nesting_depth");
}

TEST(JinjaSafety, NestedHugeLoopsHitTheIterationBound) {
  RenderOptions options;
  options.limits.max_loop_iterations = 100000;
  ExpectErrorContaining(Try("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                            json::object(), options),
                        "max_loop_iterations");
  // A single range longer than the whole budget is refused before allocating it.
  ExpectErrorContaining(Try("{% for i in range(1000000000000) %}{% endfor %}"), "max_loop_iterations");
}

TEST(JinjaSafety, DefaultIterationBound) {
  ExpectErrorContaining(Try("{% for i in range(1000000) %}{% for j in range(1000000) %}{% endfor %}{% endfor %}"),
                        "max_loop_iterations (1000000)");
}

TEST(JinjaSafety, RecursiveMacroHitsTheDepthBound) {
  ExpectErrorContaining(Try("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"), "max_recursion_depth");
  // Recursion passed in through a namespace to defeat any name-based detection.
  ExpectErrorContaining(
      Try("{% set ns = namespace() %}{% macro f() %}{{ ns.g() }}{% endmacro %}{% set ns.g = f %}{{ f() }}"),
      "max_recursion_depth");
}

TEST(JinjaSafety, HugeOutputIsRefused) {
  ExpectErrorContaining(Try("{{ 'x' * 10**9 }}"), "max_output_bytes");
  ExpectErrorContaining(Try("{{ 'x' * 1000000000000000000 }}"), "max_output_bytes");
  ExpectErrorContaining(Try("{{ [1] * 10**9 }}"), "max_work");
  RenderOptions options;
  options.limits.max_output_bytes = 1 << 20;
  ExpectErrorContaining(Try("{% for i in range(1000) %}{% for j in range(1000) %}xxxxxxxxxx{% endfor %}{% endfor %}",
                            json::object(), options),
                        "max_output_bytes");
}

TEST(JinjaSafety, QuadraticGrowthHitsTheWorkBound) {
  RenderOptions options;
  options.limits.max_work = 50 << 20;
  // Doubling a string inside a loop: each step is under max_output_bytes, the total is not.
  ExpectErrorContaining(
      Try("{% set ns = namespace(s='x' * 100000) %}{% for i in range(100000) %}{% set ns.s = ns.s ~ 'y' %}{% endfor %}",
          json::object(), options),
      "max_work");
  ExpectErrorContaining(
      Try("{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}",
          json::object(), options),
      "max_work");
}

TEST(JinjaSafety, NumericEdgeCases) {
  ExpectErrorContaining(Try("{{ 2 ** 100 }}"), "overflow");
  ExpectErrorContaining(Try("{{ -9223372036854775807 - 2 }}"), "overflow");
  ExpectErrorContaining(Try("{{ 5 % 0 }}"), "modulo by zero");
  ExpectErrorContaining(Try("{{ 99999999999999999999 }}"), "out of range");
  EXPECT_TRUE(Try("{{ 2 ** 62 }}").ok);
}

TEST(JinjaSafety, ErrorsCarryLines) {
  ExpectErrorContaining(Try("line1\n{{ 1 }}\n{{ [] + 1 }}"), "line 3:");
}

}  // namespace
}  // namespace citadel::jinja

namespace citadel::jinja {
namespace {

// Every prefix of a realistic template must either fail cleanly or render; none may crash (the
// sanitize build turns memory errors into failures).
TEST(JinjaSafety, EveryPrefixOfATemplateFailsCleanly) {
  const std::string source = R"({%- set ns = namespace(first=true, idx=messages|length - 1) %}
{%- macro show(m, sep=', ') -%}{{ m.role ~ sep ~ (m.content if m.content is string else m.content|tojson) }}{%- endmacro %}
{%- for message in messages[::-1] if message.role != 'tool' %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.first and message.content is string and message.content.startswith('<x>') -%}{% set ns.first = false %}{%- endif %}
    {{- show(message) }}{% if not loop.last %}{{ '\n' }}{% else %}{# end #}{% endif %}
{%- else %}{% raw %}{{ none }}{% endraw %}
{%- endfor %}
{{- {'a': [1, 2.5, none], 'b': "q\"s"}|tojson(indent=2) if add_generation_prompt else ns.idx }})";
  const nlohmann::ordered_json context = nlohmann::ordered_json::parse(
      R"({"messages": [{"role": "user", "content": "<x>hi"}, {"role": "assistant", "content": {"k": 1}}],
          "add_generation_prompt": true})");
  auto full = testing::Try(source, context);
  ASSERT_TRUE(full.ok) << full.text;
  for (std::size_t n = 0; n < source.size(); ++n) {
    auto outcome = testing::Try(source.substr(0, n), context);
    if (!outcome.ok) {
      EXPECT_FALSE(outcome.text.empty()) << "prefix " << n;
    }
  }
}

}  // namespace
}  // namespace citadel::jinja
