#include <gtest/gtest.h>

#include "render_helper.h"

namespace citadel::jinja {
namespace {

using testing::R;
using json = nlohmann::ordered_json;

TEST(JinjaExpressions, Literals) {
  EXPECT_EQ(R("{{ 1 }} {{ -2 }} {{ 1.5 }} {{ 2.0 }} {{ 1e20 }} {{ 0.0001 }} {{ 1e-5 }}"),
            "1 -2 1.5 2.0 1e+20 0.0001 1e-05");
  EXPECT_EQ(R("{{ true }} {{ False }} {{ none }} {{ None }}"), "True False None None");
  EXPECT_EQ(R(R"({{ 'a\nb' }}|{{ "q\"uote" }}|{{ 'x' 'y' }}|{{ '\u00e9' }})"), "a\nb|q\"uote|xy|\xc3\xa9");
  EXPECT_EQ(R("{{ [1, 'a', none, true] }}"), "[1, 'a', None, True]");
  EXPECT_EQ(R("{{ {'k': 1, 'j': [2.5]} }}"), "{'k': 1, 'j': [2.5]}");
  EXPECT_EQ(R("{{ (1, 2) }} {{ () }}"), "[1, 2] []");  // tuples are lists at run time
  EXPECT_EQ(R(R"({{ ["it's"] }})"), R"(["it's"])");
}

TEST(JinjaExpressions, Arithmetic) {
  EXPECT_EQ(R("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }}"),
            "7 9 3 -4 1 2");
  EXPECT_EQ(R("{{ 7 / 2 }} {{ 4 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 1.5 + 1 }}"), "3.5 2.0 1024 0.5 2.5");
  EXPECT_EQ(R("{{ 'a' + 'b' }} {{ 'ab' * 3 }} {{ [1] + [2] }} {{ 1 ~ 'x' ~ none }}"), "ab ababab [1, 2] 1xNone");
  EXPECT_EQ(R("{{ true + 1 }}"), "2");
  EXPECT_NE(R("{{ 1 / 0 }}").find("ERROR"), std::string::npos);
  EXPECT_NE(R("{{ 'a' + 1 }}").find("unsupported operand"), std::string::npos);
  EXPECT_NE(R("{{ 9223372036854775807 + 1 }}").find("overflow"), std::string::npos);
}

TEST(JinjaExpressions, ComparisonsAndLogic) {
  EXPECT_EQ(R("{{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ 2 < 3 }} {{ 'b' >= 'a' }} {{ [1, 2] < [1, 3] }}"),
            "True True True True True");
  EXPECT_EQ(R("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }}"),
            "True True True True");
  EXPECT_EQ(R("{{ 0 or 'x' }} {{ 1 and 'y' }} {{ not 0 }} {{ none or [] }}"), "x y True []");
  EXPECT_EQ(R("{{ 'yes' if 1 > 0 else 'no' }} {{ 'yes' if false else 'no' }}[{{ 'x' if false }}]"),
            "yes no[]");
  EXPECT_EQ(R("{{ not 1 == 2 }}"), "True");
}

TEST(JinjaExpressions, AttributesSubscriptsSlices) {
  const json ctx = {{"m", {{"role", "user"}, {"list", {1, 2, 3, 4, 5}}}}, {"s", "héllo"}};
  EXPECT_EQ(R("{{ m.role }} {{ m['role'] }} {{ m.list[0] }} {{ m.list[-1] }} {{ m.list.1 }}", ctx), "user user 1 5 2");
  EXPECT_EQ(R("{{ m.list[1:3] }} {{ m.list[::-1] }} {{ m.list[:-2] }} {{ m.list[::2] }}", ctx),
            "[2, 3] [5, 4, 3, 2, 1] [1, 2, 3] [1, 3, 5]");
  EXPECT_EQ(R("{{ s[1] }} {{ s[1:3] }} {{ s[::-1] }} {{ s|length }}", ctx), "é él olléh 5");
  EXPECT_EQ(R("[{{ m.missing }}][{{ m.list[99] }}][{{ nothing.deeper.still }}]", ctx), "[][][]");
}

TEST(JinjaExpressions, Tests) {
  const json ctx = {{"s", "x"}, {"n", 3}, {"f", 1.5}, {"d", json::object()}, {"l", json::array()}, {"z", nullptr}};
  EXPECT_EQ(R("{{ s is string }} {{ n is number }} {{ n is integer }} {{ f is float }} {{ d is mapping }}", ctx),
            "True True True True True");
  EXPECT_EQ(R("{{ l is iterable }} {{ s is sequence }} {{ z is none }} {{ q is undefined }} {{ q is defined }}", ctx),
            "True True True True False");
  EXPECT_EQ(R("{{ n is odd }} {{ n is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }}", ctx),
            "True False True False");
  EXPECT_EQ(R("{{ s is equalto 'x' }} {{ n is not none }} {{ true is boolean }} {{ false is false }}", ctx),
            "True True True True");
  EXPECT_NE(R("{{ 1 is frobnicated }}").find("unknown test 'frobnicated'"), std::string::npos);
}

TEST(JinjaExpressions, Methods) {
  const json ctx = {{"s", "  a,b,,c  "}, {"d", {{"k", "v"}, {"n", 1}}}};
  EXPECT_EQ(R("[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ 'xxaxx'.strip('x') }}]", ctx),
            "[a,b,,c][a,b,,c  ][  a,b,,c][a]");
  EXPECT_EQ(R("{{ s.strip().split(',') }} {{ 'a b  c'.split() }} {{ 'a-b-c'.split('-', 1) }}", ctx),
            "['a', 'b', '', 'c'] ['a', 'b', 'c'] ['a', 'b-c']");
  EXPECT_EQ(R("{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }} {{ 'aXa'.replace('a', 'b') }}"),
            "True True bXb");
  EXPECT_EQ(R("{{ 'Hi'.upper() }} {{ 'Hi'.lower() }} {{ 'hello world'.title() }} {{ '{} and {}'.format(1, 'b') }}"),
            "HI hi Hello World 1 and b");
  EXPECT_EQ(R("{{ d.get('k') }} {{ d.get('zz', 'dflt') }} {{ d.get('zz') }} {{ d.keys() }} {{ d.values() }}", ctx),
            "v dflt None ['k', 'n'] ['v', 1]");
  EXPECT_EQ(R("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", ctx), "k=v;n=1;");
  EXPECT_NE(R("{{ [1].append(2) }}").find("not allowed"), std::string::npos);
}

TEST(JinjaExpressions, Globals) {
  EXPECT_EQ(R("{{ range(3) }} {{ range(1, 7, 2) }} {{ range(3, 0, -1) }}"), "[0, 1, 2] [1, 3, 5] [3, 2, 1]");
  EXPECT_EQ(R("{{ dict(a=1, b='x') }}"), "{'a': 1, 'b': 'x'}");
  EXPECT_EQ(R("{% set ns = namespace(a=1) %}{% set ns.a = ns.a + 1 %}{% set ns.b = 'x' %}{{ ns.a }}{{ ns.b }}"), "2x");
  auto raised = testing::Try("{{ raise_exception('System role not supported') }}");
  EXPECT_FALSE(raised.ok);
  EXPECT_NE(raised.text.find("System role not supported"), std::string::npos);
  EXPECT_EQ(R("{{ strftime_now is defined }}"), "False");
  RenderOptions options;
  options.today = CivilDate{2026, 1, 15};
  auto dated = testing::Try(R"({{ strftime_now("%d %b %Y") }}|{{ strftime_now("%A %B %-d") }})", json::object(), options);
  EXPECT_TRUE(dated.ok) << dated.text;
  EXPECT_EQ(dated.text, "15 Jan 2026|Thursday January 15");
}

}  // namespace
}  // namespace citadel::jinja
