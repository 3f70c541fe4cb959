#include "pii_commands.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "guard/pii/policy.h"
#include "guard/pii/scanner.h"

namespace citadel::cli {
namespace {

namespace pii = guard::pii;

struct ScanArgs {
  std::string input;
  std::string policy = "redact";
  std::string hash_key;
  bool findings = false;
};

Result<std::string> ReadAll(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err("cannot read '{}'", path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Result<void> RunScan(const ScanArgs& a) {
  CITADEL_ASSIGN_OR_RETURN(const pii::Action action, pii::ParseAction(a.policy));
  if (action == pii::Action::kHash && a.hash_key.empty()) return Err("--policy hash needs --hash-key");
  CITADEL_ASSIGN_OR_RETURN(const std::string text, ReadAll(a.input));
  CITADEL_ASSIGN_OR_RETURN(const pii::Scanner scanner, pii::Scanner::Build({}));
  CITADEL_ASSIGN_OR_RETURN(const std::vector<pii::Finding> findings, scanner.Scan(text));
  if (a.findings) {
    for (const pii::Finding& f : findings) {
      const nlohmann::ordered_json line = {{"type", f.label}, {"start", f.start}, {"end", f.end}};
      std::printf("%s\n", line.dump().c_str());
    }
    return Ok();
  }
  pii::PlaceholderVault vault;
  const pii::Policy policy{.default_action = action, .hash_key = a.hash_key};
  CITADEL_ASSIGN_OR_RETURN(const std::string masked, pii::Mask(text, findings, policy, vault));
  std::fwrite(masked.data(), 1, masked.size(), stdout);
  return Ok();
}

}  // namespace

void AddPiiCommands(CLI::App& app, int& exit_code) {
  auto* group = app.add_subcommand("pii", "Find and mask personal data and secrets");
  group->require_subcommand(1);
  auto args = std::make_shared<ScanArgs>();
  auto* scan = group->add_subcommand("scan", "Print the text with PII masked, or the findings as JSON lines");
  scan->add_option("input", args->input, "file to scan, or - for standard input")->required();
  scan->add_option("--policy", args->policy, "redact (***), placeholder ([PHONE_1]) or hash ([EMAIL:3f2a9c1b])")
      ->check(CLI::IsMember({"redact", "placeholder", "hash"}));
  scan->add_option("--hash-key", args->hash_key, "HMAC-SHA256 key for --policy hash");
  scan->add_flag("--findings", args->findings, "print {\"type\",\"start\",\"end\"} per finding instead (never values)");
  scan->callback([args, &exit_code] {
    if (auto r = RunScan(*args); !r) {
      std::fprintf(stderr, "citadel: pii scan: %s\n", r.error().message.c_str());
      exit_code = 1;
    }
  });
}

}  // namespace citadel::cli
