#include <gtest/gtest.h>

#include "render_helper.h"

namespace citadel::jinja {
namespace {

using testing::R;
using json = nlohmann::ordered_json;

TEST(JinjaFilters, Strings) {
  EXPECT_EQ(R("[{{ '  x  '|trim }}][{{ 'ab'|upper }}][{{ 'AB'|lower }}][{{ 'ab cd'|title }}][{{ 'aB'|capitalize }}]"),
            "[x][AB][ab][Ab Cd][Ab]");
  EXPECT_EQ(R("{{ 'aaa'|replace('a', 'b', 2) }} {{ 'x'|center(5) }}| {{ 'one two  three'|wordcount }}"),
            "bba   x  | 3");
  EXPECT_EQ(R("{{ 'a\nb\n\nc'|indent(2) }}"), "a\n  b\n\n  c");
  EXPECT_EQ(R("{{ 'a\nb'|indent(2, true) }}"), "  a\n  b");
  EXPECT_EQ(R("{{ '<a href=\"x\">'|e }}"), "&lt;a href=&#34;x&#34;&gt;");
  EXPECT_EQ(R("{{ 42|string ~ '!' }} {{ '12'|int + 1 }} {{ 'x'|int }} {{ '1.5'|float }} {{ -3|abs }} {{ 2.567|round(2) }}"),
            "42! 13 0 1.5 3 2.57");
}

TEST(JinjaFilters, Defaults) {
  const json ctx = {{"empty", ""}};
  EXPECT_EQ(R("{{ missing|default('d') }} {{ missing|d('d') }} [{{ empty|default('d') }}] {{ empty|default('d', true) }}", ctx),
            "d d [] d");
}

TEST(JinjaFilters, Sequences) {
  const json ctx = {{"xs", {3, 1, 2}},
                    {"users", {{{"name", "b"}, {"role", "user"}}, {{"name", "a"}, {"role", "tool"}}, {{"name", "c"}, {"role", "user"}}}},
                    {"d", {{"b", 2}, {"a", 1}}}};
  EXPECT_EQ(R("{{ xs|length }} {{ xs|count }} {{ xs|first }} {{ xs|last }} {{ xs|join('-') }} {{ xs|sort }} {{ xs|reverse|list }}", ctx),
            "3 3 3 2 3-1-2 [1, 2, 3] [2, 1, 3]");
  EXPECT_EQ(R("{{ xs|sort(reverse=true) }} {{ [1, 2, 1, 3]|unique|list }} {{ xs|min }} {{ xs|max }} {{ xs|sum }}", ctx),
            "[3, 2, 1] [1, 2, 3] 1 3 6");
  EXPECT_EQ(R("{{ users|selectattr('role', 'equalto', 'user')|map(attribute='name')|join(',') }}", ctx), "b,c");
  EXPECT_EQ(R("{{ users|rejectattr('role', 'equalto', 'user')|map(attribute='name')|list }}", ctx), "['a']");
  EXPECT_EQ(R("{{ users|sort(attribute='name')|map(attribute='name')|join }}", ctx), "abc");
  EXPECT_EQ(R("{{ [1, 2, 3, 4]|select('even')|list }} {{ [0, 1, '']|select|list }} {{ ['a', 'code']|reject('equalto', 'code')|list }}", ctx),
            "[2, 4] [1] ['a']");
  EXPECT_EQ(R("{{ ['a', 'b']|map('upper')|list }} {{ d|dictsort }} {{ d|items|list }}", ctx),
            "['A', 'B'] [['a', 1], ['b', 2]] [['b', 2], ['a', 1]]");
  EXPECT_EQ(R("{{ 'abc'|list }} {{ d|list }} {{ missing|length }}", ctx), "['a', 'b', 'c'] ['b', 'a'] 0");
}

TEST(JinjaFilters, ToJson) {
  const json ctx = json::parse(R"({"t": {"name": "f", "zeta": 1, "alpha": [1.5, true, null, "é\n\"q\""], "e": {}, "l": []}})");
  EXPECT_EQ(R("{{ t|tojson }}", ctx),
            R"({"name": "f", "zeta": 1, "alpha": [1.5, true, null, "é\n\"q\""], "e": {}, "l": []})");
  EXPECT_EQ(R("{{ t.alpha|tojson(indent=2) }}", ctx), "[\n  1.5,\n  true,\n  null,\n  \"é\\n\\\"q\\\"\"\n]");
  EXPECT_EQ(R("{{ {'a': {'b': 1}}|tojson(indent=4) }}"), "{\n    \"a\": {\n        \"b\": 1\n    }\n}");
  EXPECT_EQ(R("{{ '<&>'|tojson }}"), "\"<&>\"");  // no HTML escaping, unlike stock Jinja
}

TEST(JinjaFilters, UnknownFilterIsAnError) {
  EXPECT_NE(R("{{ 1|nope }}").find("unknown filter 'nope'"), std::string::npos);
}

}  // namespace
}  // namespace citadel::jinja
