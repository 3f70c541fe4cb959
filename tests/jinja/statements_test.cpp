#include <gtest/gtest.h>

#include "render_helper.h"

namespace citadel::jinja {
namespace {

using testing::R;
using json = nlohmann::ordered_json;

TEST(JinjaWhitespace, TrimAndLstripBlocks) {
  // trim_blocks drops the newline after a tag; lstrip_blocks drops indentation before it.
  EXPECT_EQ(R("{% if true %}\n  yes\n{% endif %}\nend"), "  yes\nend");
  EXPECT_EQ(R("<ul>\n    {% for i in [1, 2] %}\n    <li>{{ i }}</li>\n    {% endfor %}\n</ul>"),
            "<ul>\n    <li>1</li>\n    <li>2</li>\n</ul>");
  EXPECT_EQ(R("a  {% if true %}b{% endif %}"), "a  b");  // not at line start: kept
  EXPECT_EQ(R("  {{ 'x' }}\n"), "  x\n");           // expressions are not lstripped
  EXPECT_EQ(R("a\n  {# note #}\nb"), "a\nb");
}

TEST(JinjaWhitespace, MinusAndPlusModifiers) {
  EXPECT_EQ(R("a \n {{- 'b' -}} \n c"), "abc");
  EXPECT_EQ(R("a\n  {%- if true -%}\n  b  \n{%- endif %}"), "ab");
  EXPECT_EQ(R("x\n  {%+ if true %}y{% endif %}"), "x\n  y");
  EXPECT_EQ(R("{% if true +%}\ny{% endif %}"), "\ny");
  EXPECT_EQ(R("a {#- c -#} b"), "ab");
}

TEST(JinjaStatements, RawAndComments) {
  EXPECT_EQ(R("{% raw %}{{ not evaluated }}{% endraw %}"), "{{ not evaluated }}");
  EXPECT_EQ(R("a{# {{ hidden }} #}b"), "ab");
}

TEST(JinjaStatements, IfElifElse) {
  const char* tmpl = "{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %}";
  EXPECT_EQ(R(tmpl, {{"n", 1}}), "one");
  EXPECT_EQ(R(tmpl, {{"n", 2}}), "two");
  EXPECT_EQ(R(tmpl, {{"n", 7}}), "many");
}

TEST(JinjaStatements, LoopVariables) {
  EXPECT_EQ(R("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}"),
            "103TrueFalse3;212FalseFalse3;321FalseTrue3;");
  EXPECT_EQ(R("{% for x in [1, 2, 3] %}{{ loop.previtem|default('-') }}{{ loop.nextitem|default('-') }} {% endfor %}"),
            "-2 13 2- ");
  EXPECT_EQ(R("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(R("{% for x in range(10) if x is odd %}{{ x }}{{ '' if loop.last else ',' }}{% endfor %}"), "1,3,5,7,9");
  EXPECT_EQ(R("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
            "013");
  EXPECT_EQ(R("{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }} {% endfor %}"), "3 7 ");
  EXPECT_EQ(R("{% for x in missing %}x{% endfor %}ok"), "ok");  // undefined iterates as empty
}

TEST(JinjaStatements, Scoping) {
  // A plain `set` inside a loop does not leak out; a namespace does.
  EXPECT_EQ(R("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(R("{% set ns = namespace(x=1) %}{% for i in [1] %}{% set ns.x = 2 %}{% endfor %}{{ ns.x }}"), "2");
  EXPECT_EQ(R("{% if true %}{% set y = 5 %}{% endif %}{{ y }}"), "5");
  EXPECT_EQ(R("{% set a, b = 1, 2 %}{{ a }}{{ b }}"), "12");
  EXPECT_EQ(R("{% set block %}hello {{ 'world' }}{% endset %}[{{ block }}]"), "[hello world]");
  EXPECT_NE(R("{% set x = 1 %}{% set x.y = 2 %}").find("only namespace"), std::string::npos);
}

TEST(JinjaStatements, Macros) {
  EXPECT_EQ(R("{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}"
              "{{ greet('Ann') }} {{ greet('Bob', greeting='Hi') }} {{ greet(name='Cy', greeting='Yo') }}"),
            "Hello, Ann! Hi, Bob! Yo, Cy!");
  EXPECT_EQ(R("{% set g = 'global' %}{% macro m() %}{{ g }}{% endmacro %}{{ m() }}"), "global");
  EXPECT_EQ(R("{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}"
              "{% call wrap('b') %}bold{% endcall %}"),
            "<b>bold</b>");
  EXPECT_EQ(R("{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}"
              "{% call(item) each([1, 2]) %}[{{ item }}]{% endcall %}"),
            "[1][2]");
  EXPECT_NE(R("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}").find("takes not more than 1"), std::string::npos);
  EXPECT_NE(R("{% macro m(a) %}{% endmacro %}{{ m(b=1) }}").find("no argument 'b'"), std::string::npos);
}

TEST(JinjaStatements, FilterBlockAndGeneration) {
  EXPECT_EQ(R("{% filter upper %}abc{% endfilter %}"), "ABC");
  EXPECT_EQ(R("{% generation %}kept{% endgeneration %}"), "kept");
}

TEST(JinjaStatements, UndefinedSemantics) {
  EXPECT_EQ(R("[{{ nope }}][{{ nope.attr }}][{{ nope['k'] }}]"), "[][][]");
  EXPECT_NE(R("{{ nope() }}").find("'nope' is undefined"), std::string::npos);
  EXPECT_NE(R("{{ nope + 1 }}").find("'nope' is undefined"), std::string::npos);
  EXPECT_EQ(R("{{ nope ~ 'x' }}"), "x");
}

}  // namespace
}  // namespace citadel::jinja
