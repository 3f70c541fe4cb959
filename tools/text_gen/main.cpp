// citadel-gen-text: deterministic mixed English / Chinese / code text of a given size, for
// tokenizer benchmarks (no corpus can be downloaded, and the same bytes must feed every tokenizer).
//   citadel-gen-text --bytes 1048576 --seed 7 --out mixed-1mb.txt

#include <CLI/CLI.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

#include "parse_args.h"

namespace {

constexpr std::array<std::string_view, 16> kEnglish = {
    "The committee approved the budget for the next fiscal year after a long debate.",
    "Patients should contact their physician before changing the dosage of any medication.",
    "Our quarterly revenue grew by 12.5% compared with the same period last year.",
    "Please don't forget to restart the service; it'll pick up the new configuration.",
    "The engineer's report lists 3 failures, 17 warnings and 2,048 passed checks.",
    "In 1969, Apollo 11 landed on the Moon and returned safely to Earth.",
    "Could you summarise the attached contract and highlight any unusual clauses?",
    "We're shipping version 2.4.1 on Monday — it fixes the memory leak in the parser.",
    "The factory produced 18,432 units in March, a record for the second line.",
    "Security is everyone's job: lock your screen when you leave your desk.",
    "According to the survey, 67 percent of respondents prefer remote work.",
    "She said, \"It isn't what we expected, but we'll make it work.\"",
    "Temperatures will reach 31°C tomorrow afternoon, with storms in the evening.",
    "I've read the paper twice and I still can't see where the proof fails.",
    "Send the invoice to accounts@example.com before the end of the month.",
    "The model's answer was correct, but it took 4.7 seconds to arrive.",
};

constexpr std::array<std::string_view, 14> kChinese = {
    "我们的模型在本地运行，数据不会离开公司的网络。",
    "请在周五之前提交季度财务报告，并附上所有发票。",
    "医院的信息系统每天处理超过三万条患者记录。",
    "这个问题的答案取决于你如何定义“成功”。",
    "工厂的第二条生产线在三月份创下了产量纪录。",
    "今天北京的天气晴朗，最高气温二十六度。",
    "根据调查，百分之六十七的受访者更喜欢远程办公。",
    "请不要在公共场所讨论客户的机密信息。",
    "系统升级将于本周六凌晨两点开始，预计持续四个小时。",
    "他说：“虽然结果出乎意料，但我们会想办法解决。”",
    "人工智能正在改变金融、医疗和制造业的工作方式。",
    "合同第十二条规定了违约责任和赔偿金额。",
    "我已经读了两遍论文，还是没找到证明的漏洞。",
    "模型的回答是正确的，但用了四点七秒才返回。",
};

constexpr std::array<std::string_view, 6> kOther = {
    "for (size_t i = 0; i < rows.size(); ++i) {\n    total += rows[i].amount;\n}\n",
    "def tokenize(text: str) -> list[int]:\n    return [ord(c) for c in text]\n",
    "SELECT id, name FROM customers WHERE created_at > '2024-01-01';\n",
    "    \t  indented line with   irregular   spacing\n\n",
    "Émile, Zoë and Jürgen met in Zürich; ¿qué tal? Привет, мир! 🚀✨👍\n",
    "{\"role\": \"user\", \"content\": \"Hello!\", \"tokens\": [1, 22, 333]}\n",
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Write deterministic mixed English/Chinese/code text of a given size"};
  size_t bytes = 1 << 20;
  uint64_t seed = 7;
  std::string out;
  app.add_option("--bytes", bytes, "size in bytes (cut at a UTF-8 character boundary)");
  app.add_option("--seed", seed);
  app.add_option("--out", out, "output file")->required();
  if (int code = citadel::cli::ParseArgs(app, "citadel-gen-text", argc, argv); code >= 0) return code;

  std::mt19937_64 rng(seed);
  std::string text;
  text.reserve(bytes + 256);
  while (text.size() < bytes) {
    const uint64_t pick = rng() % 100;
    if (pick < 55) {
      text += kEnglish[rng() % kEnglish.size()];
      text += rng() % 4 == 0 ? "\n" : " ";
    } else if (pick < 90) {
      text += kChinese[rng() % kChinese.size()];
      if (rng() % 4 == 0) text += "\n";
    } else {
      text += kOther[rng() % kOther.size()];
    }
  }
  size_t cut = bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  std::ofstream file(out, std::ios::binary);
  file << text;
  if (!file) {
    std::fprintf(stderr, "citadel-gen-text: cannot write '%s'\n", out.c_str());
    return 1;
  }
  return 0;
}
