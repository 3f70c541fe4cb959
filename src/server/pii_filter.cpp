#include "server/pii_filter.h"

#include <fmt/format.h>

#include <set>

#include "core/key_file.h"

namespace citadel::server {

namespace pii = guard::pii;
using Json = nlohmann::json;

struct PiiSession::Shared {
  pii::Scanner scanner;
  std::map<std::string, pii::Policy, std::less<>> policies;
  std::string default_policy;
  pii::Policy redact_all;  // for a policy name that is missing: fail closed
};

namespace {

Result<std::shared_ptr<const PiiSession::Shared>> Build(const PiiSettings& settings) {
  std::string hash_key;
  if (!settings.hash_key_file.empty()) {
    CITADEL_ASSIGN_OR_RETURN(const SecretKey key, ReadKeyFile(settings.hash_key_file));
    hash_key.assign(reinterpret_cast<const char*>(key.bytes().data()), key.bytes().size());
  }
  auto policies = settings.policies;
  for (auto& [name, policy] : policies) {
    bool hashes = policy.default_action == pii::Action::kHash;
    for (const auto& [label, action] : policy.by_label) hashes = hashes || action == pii::Action::kHash;
    if (hashes && hash_key.empty()) return Err("pii.policies.{}: the hash action needs pii.hash_key_file", name);
    policy.hash_key = hash_key;
  }
  if (!settings.default_policy.empty() && !policies.contains(settings.default_policy)) {
    return Err("pii.default_policy: no [pii.policies.{}]", settings.default_policy);
  }
  auto scanner = pii::Scanner::Build(settings.detectors);
  if (!scanner) return scanner.error().Wrap("pii.detectors");
  return std::make_shared<const PiiSession::Shared>(
      PiiSession::Shared{std::move(*scanner), std::move(policies), settings.default_policy,
                         pii::Policy{.default_action = pii::Action::kRedact}});
}

// The output side cannot hand out placeholders or refuse: both become redaction.
pii::Action ForOutput(pii::Action a) {
  return a == pii::Action::kPlaceholder || a == pii::Action::kBlock ? pii::Action::kRedact : a;
}

}  // namespace

PiiSession::PiiSession(std::shared_ptr<const Shared> shared, const pii::Policy* policy)
    : shared_(std::move(shared)), policy_(policy), output_policy_(*policy) {
  output_policy_.default_action = ForOutput(output_policy_.default_action);
  for (auto& [label, action] : output_policy_.by_label) action = ForOutput(action);
}

Result<std::string> PiiSession::MaskText(std::string_view text) {
  CITADEL_ASSIGN_OR_RETURN(const std::vector<pii::Finding> found, shared_->scanner.Scan(text));
  for (const pii::Finding& f : found) {
    if (policy_->For(f.label) != pii::Action::kAllow) ++findings_[std::string(f.label)];
  }
  auto masked = pii::Mask(text, found, *policy_, vault_);
  if (!masked) return std::move(masked).error().WithCode("pii_blocked");
  return masked;
}

Result<void> PiiSession::MaskRequest(Json& body) {
  const auto mask_string = [&](Json& node) -> Result<void> {
    if (!node.is_string()) return Ok();
    CITADEL_ASSIGN_OR_RETURN(std::string masked, MaskText(node.get_ref<const std::string&>()));
    node = std::move(masked);
    return Ok();
  };
  if (!body.is_object()) return Ok();  // the request parser reports it
  if (auto it = body.find("messages"); it != body.end() && it->is_array()) {
    for (Json& message : *it) {
      if (!message.is_object()) continue;
      auto content = message.find("content");
      if (content == message.end()) continue;
      if (content->is_array()) {  // [{"type": "text", "text": ...}, ...]
        for (Json& part : *content) {
          if (part.is_object() && part.contains("text")) CITADEL_RETURN_IF_ERROR(mask_string(part["text"]));
        }
      } else {
        CITADEL_RETURN_IF_ERROR(mask_string(*content));
      }
    }
  }
  if (auto it = body.find("prompt"); it != body.end()) {
    if (it->is_array()) {
      for (Json& p : *it) CITADEL_RETURN_IF_ERROR(mask_string(p));
    } else {
      CITADEL_RETURN_IF_ERROR(mask_string(*it));
    }
  }
  return Ok();
}

Result<PiiSession::Output> PiiSession::NewOutput() {
  CITADEL_ASSIGN_OR_RETURN(pii::StreamMasker masker, pii::StreamMasker::Create(shared_->scanner, output_policy_, output_vault_));
  return Output(std::move(masker), vault_);
}

Result<std::string> PiiSession::Output::Feed(std::string_view chunk) {
  CITADEL_ASSIGN_OR_RETURN(const std::string masked, masker_.Feed(chunk));
  return restorer_.Feed(masked);
}

Result<std::string> PiiSession::Output::Finish() {
  CITADEL_ASSIGN_OR_RETURN(const std::string masked, masker_.Finish());
  std::string out = restorer_.Feed(masked);
  return out + restorer_.Finish();
}

Result<std::unique_ptr<PiiFilter>> PiiFilter::Create(const PiiSettings& settings) {
  CITADEL_ASSIGN_OR_RETURN(auto shared, Build(settings));
  return std::unique_ptr<PiiFilter>(new PiiFilter(std::move(shared)));
}

Result<void> PiiFilter::Reload(const PiiSettings& settings) {
  CITADEL_ASSIGN_OR_RETURN(auto shared, Build(settings));
  shared_.store(std::move(shared));
  return Ok();
}

std::unique_ptr<PiiSession> PiiFilter::Session(std::string_view role_policy) const {
  auto shared = shared_.load();
  const std::string_view name = role_policy.empty() ? std::string_view(shared->default_policy) : role_policy;
  if (name.empty()) return nullptr;
  const auto it = shared->policies.find(name);
  // Config validation rejects unknown names; should one slip through, mask everything.
  const pii::Policy* policy = it != shared->policies.end() ? &it->second : &shared->redact_all;
  return std::unique_ptr<PiiSession>(new PiiSession(shared, policy));
}

}  // namespace citadel::server
