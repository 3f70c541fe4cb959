#pragma once
// PII and secret masking for the API, both ways, by the caller's role ([roles.X] pii_policy naming
// a [pii.policies.NAME]; roles without one use [pii] default_policy, or no masking):
//   - requests: every message content (and completions prompt) is masked before the chat template
//     and the tokenizer see it; `placeholder` values go into the request's vault, `block` refuses
//     the request naming the types found (never the values);
//   - responses: model output is masked as it streams (placeholder and block act as redact there:
//     nobody could resolve a placeholder the model made up, and a half-sent stream cannot be
//     refused), then the vault's placeholders are turned back into the caller's own values.
// Detectors and policies are rebuilt on SIGHUP; a request keeps the version it started with.

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "guard/pii/placeholder_vault.h"
#include "guard/pii/policy.h"
#include "guard/pii/scanner.h"
#include "guard/pii/stream_masker.h"

namespace citadel::server {

struct PiiSettings {
  std::string hash_key_file;   // [pii] hash_key_file: key for the `hash` action (audit keygen makes one)
  std::string default_policy;  // [pii] default_policy: for roles without pii_policy; "" = no masking
  std::map<std::string, guard::pii::Policy, std::less<>> policies;  // [pii.policies.NAME]
  guard::pii::ScannerConfig detectors;                              // built-ins + [pii.detectors.NAME]
};

// Type label -> count, for the audit record and metrics.
using FindingCounts = std::map<std::string, int64_t>;

// One request's masking: its policy, vault and the counts of what was found.
class PiiSession {
 public:
  struct Shared;  // the compiled detectors and policies one configuration version shares
  // Masks every message content / prompt of an OpenAI request body in place. An error (code
  // "pii_blocked") names the blocked types.
  Result<void> MaskRequest(nlohmann::json& body);

  // A per-choice output filter: Feed returns text ready to send; Finish the rest.
  class Output {
   public:
    Result<std::string> Feed(std::string_view chunk);
    Result<std::string> Finish();

   private:
    friend class PiiSession;
    Output(guard::pii::StreamMasker masker, const guard::pii::PlaceholderVault& vault)
        : masker_(std::move(masker)), restorer_(vault) {}
    guard::pii::StreamMasker masker_;
    guard::pii::StreamRestorer restorer_;
  };
  Result<Output> NewOutput();

  const FindingCounts& findings() const { return findings_; }

 private:
  friend class PiiFilter;
  explicit PiiSession(std::shared_ptr<const Shared> shared, const guard::pii::Policy* policy);
  Result<std::string> MaskText(std::string_view text);

  std::shared_ptr<const Shared> shared_;
  const guard::pii::Policy* policy_;
  guard::pii::Policy output_policy_;
  guard::pii::PlaceholderVault vault_;
  guard::pii::PlaceholderVault output_vault_;  // unused by redact/hash; the masker needs one
  FindingCounts findings_;
};

class PiiFilter {
 public:
  static Result<std::unique_ptr<PiiFilter>> Create(const PiiSettings& settings);
  // SIGHUP: compiles the new detectors first; on error the current ones stay.
  Result<void> Reload(const PiiSettings& settings);

  // Null when the policy name (or the default, for "") means no masking.
  std::unique_ptr<PiiSession> Session(std::string_view role_policy) const;

 private:
  explicit PiiFilter(std::shared_ptr<const PiiSession::Shared> shared) : shared_(std::move(shared)) {}
  std::atomic<std::shared_ptr<const PiiSession::Shared>> shared_;
};

}  // namespace citadel::server
