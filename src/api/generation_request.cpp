#include "api/generation_request.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <limits>

namespace citadel::api {
namespace {

using json = nlohmann::ordered_json;

constexpr int kMaxChoices = 16;
constexpr size_t kMaxPrompts = 64;

// Reads optional fields of the body, remembering the first error.
class Fields {
 public:
  explicit Fields(const json& body) : body_(body) {}

  const json* Get(const char* name) const {
    const auto it = body_.find(name);
    return it == body_.end() || it->is_null() ? nullptr : &*it;
  }
  bool Fail(std::string message, const char* param) {
    if (!error_) error_ = InvalidRequest(std::move(message), param);
    return false;
  }
  template <class T>
  bool Number(const char* name, T& out, double lo, double hi) {
    const json* v = Get(name);
    if (v == nullptr) return true;
    if (!v->is_number() || (std::is_integral_v<T> && !v->is_number_integer())) {
      return Fail(fmt::format("'{}' must be {}", name, std::is_integral_v<T> ? "an integer" : "a number"), name);
    }
    const double d = v->get<double>();
    if (!(d >= lo && d <= hi)) return Fail(fmt::format("'{}' is {}; it must lie in [{}, {}]", name, v->dump(), lo, hi), name);
    out = v->get<T>();
    return true;
  }
  bool Bool(const char* name, bool& out) {
    const json* v = Get(name);
    if (v == nullptr) return true;
    if (!v->is_boolean()) return Fail(fmt::format("'{}' must be a boolean", name), name);
    out = v->get<bool>();
    return true;
  }
  std::optional<ApiError>& error() { return error_; }

 private:
  const json& body_;
  std::optional<ApiError> error_;
};

// Text of a message's content: a string, or an array of {"type": "text", "text": ...} parts.
std::optional<std::string> ContentText(const json& content, std::string& problem) {
  if (content.is_null()) return std::string();
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) {
    problem = "must be a string or an array of content parts";
    return std::nullopt;
  }
  std::string text;
  for (const json& part : content) {
    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string()) {
      problem = "supports only parts of type 'text' with a string 'text'";
      return std::nullopt;
    }
    text += part["text"].get<std::string>();
  }
  return text;
}

bool ParseMessages(Fields& f, const ModelContext& model, GenerationRequest& out) {
  const json* messages = f.Get("messages");
  if (messages == nullptr) return f.Fail("'messages' is required", "messages");
  if (!messages->is_array() || messages->empty()) return f.Fail("'messages' must be a non-empty array", "messages");
  json normalized = json::array();
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string param = fmt::format("messages[{}]", i);
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      return f.Fail(fmt::format("{} must be an object with a string 'role'", param), "messages");
    }
    const std::string role = m["role"].get<std::string>();
    if (role != "system" && role != "user" && role != "assistant" && role != "tool" && role != "developer") {
      return f.Fail(fmt::format("{}.role '{}' is not one of system, developer, user, assistant, tool", param, role),
                    "messages");
    }
    std::string problem;
    const auto text = ContentText(m.contains("content") ? m["content"] : json(), problem);
    if (!text) return f.Fail(fmt::format("{}.content {}", param, problem), "messages");
    for (const std::string& control : model.control_texts) {
      if (text->find(control) != std::string::npos) {
        return f.Fail(fmt::format("{}.content contains the control token text '{}', which is not allowed in messages",
                                  param, control),
                      "messages");
      }
    }
    json copy = m;
    copy["role"] = role == "developer" ? "system" : role;  // templates know system, not developer
    copy["content"] = *text;
    normalized.push_back(std::move(copy));
  }
  if (model.chat == nullptr) return f.Fail("this model has no chat template; use /v1/completions", "messages");
  auto rendered = model.chat->Render(normalized, nullptr, true, json::object(), tokenizer::TodayRenderOptions());
  if (!rendered) return f.Fail(fmt::format("the chat template failed: {}", rendered.error().message), "messages");
  tokenizer::EncodeOptions encode;
  encode.parse_special = true;  // markers the template wrote; user text inside is data
  const tokenizer::Tokenizer& tok = *model.tokenizer;
  encode.add_special = !tok.vocab().add_bos || rendered->rfind(std::string(tok.Piece(tok.bos())), 0) != 0;
  auto ids = tok.Encode(*rendered, encode);
  if (!ids) return f.Fail(ids.error().message, "messages");
  out.prompts.push_back(std::move(*ids));
  out.prompt_texts.push_back(std::move(*rendered));
  return true;
}

bool ParsePromptList(Fields& f, const json& prompt, const ModelContext& model, GenerationRequest& out) {
  const tokenizer::Tokenizer& tok = *model.tokenizer;
  auto add_text = [&](const std::string& text) {
    auto ids = tok.Encode(text);
    if (!ids) return f.Fail(ids.error().message, "prompt");
    if (ids->empty()) return f.Fail("'prompt' is empty", "prompt");
    out.prompts.push_back(std::move(*ids));
    out.prompt_texts.push_back(text);
    return true;
  };
  auto add_ids = [&](const json& list) {
    std::vector<int32_t> ids;
    for (const json& t : list) {
      if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= tok.vocab_size()) {
        return f.Fail(fmt::format("'prompt' token {} is not in the vocabulary", t.dump()), "prompt");
      }
      ids.push_back(t.get<int32_t>());
    }
    if (ids.empty()) return f.Fail("'prompt' is empty", "prompt");
    out.prompt_texts.push_back(tok.Decode(ids));
    out.prompts.push_back(std::move(ids));
    return true;
  };
  if (prompt.is_string()) return add_text(prompt.get<std::string>());
  if (!prompt.is_array() || prompt.empty()) {
    return f.Fail("'prompt' must be a string, an array of strings, or an array of token ids", "prompt");
  }
  if (prompt[0].is_number_integer()) return add_ids(prompt);
  if (prompt.size() > kMaxPrompts) return f.Fail(fmt::format("'prompt' has more than {} entries", kMaxPrompts), "prompt");
  for (const json& p : prompt) {
    if (p.is_string()) {
      if (!add_text(p.get<std::string>())) return false;
    } else if (p.is_array()) {
      if (!add_ids(p)) return false;
    } else {
      return f.Fail("'prompt' entries must be strings or arrays of token ids", "prompt");
    }
  }
  return true;
}

bool ParseStop(Fields& f, engine::SamplingParams& sampling) {
  const json* stop = f.Get("stop");
  if (stop == nullptr) return true;
  if (stop->is_string()) {
    if (!stop->get<std::string>().empty()) sampling.stop_strings.push_back(stop->get<std::string>());
    return true;
  }
  if (!stop->is_array()) return f.Fail("'stop' must be a string or an array of strings", "stop");
  for (const json& s : *stop) {
    if (!s.is_string()) return f.Fail("'stop' must be a string or an array of strings", "stop");
    if (!s.get<std::string>().empty()) sampling.stop_strings.push_back(s.get<std::string>());
  }
  return true;
}

bool ParseLogitBias(Fields& f, engine::SamplingParams& sampling) {
  const json* bias = f.Get("logit_bias");
  if (bias == nullptr) return true;
  if (!bias->is_object()) return f.Fail("'logit_bias' must be an object of token id -> bias", "logit_bias");
  for (const auto& [key, value] : bias->items()) {
    int32_t id = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (ec != std::errc() || end != key.data() + key.size()) {
      return f.Fail(fmt::format("'logit_bias' key '{}' is not a token id", key), "logit_bias");
    }
    if (!value.is_number()) return f.Fail(fmt::format("'logit_bias' value for {} must be a number", key), "logit_bias");
    sampling.logit_bias[id] = value.get<float>();
  }
  return true;
}

}  // namespace

std::vector<std::string> ControlTokenTexts(const tokenizer::Tokenizer& tokenizer) {
  std::vector<std::string> texts;
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    // Texts of three bytes or fewer (e.g. "<s>", also an HTML tag) are too common in ordinary text
    // to refuse, and do not forge a turn.
    if (tokenizer.IsControl(id) && tokenizer.Piece(id).size() > 3) texts.emplace_back(tokenizer.Piece(id));
  }
  return texts;
}

ParseResult ParseGenerationRequest(Endpoint endpoint, std::string_view body_text, const ModelContext& model) {
  const json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return InvalidRequest("the request body is not valid JSON");
  if (!body.is_object()) return InvalidRequest("the request body must be a JSON object");
  Fields f(body);
  GenerationRequest out;
  out.endpoint = endpoint;
  engine::SamplingParams& s = out.sampling;

  if (endpoint != Endpoint::kSimpleChat) {
    const json* m = f.Get("model");
    if (m == nullptr || !m->is_string()) return InvalidRequest("'model' is required and must be a string", "model");
    out.model = m->get<std::string>();
    if (out.model != model.id) {
      return ApiError{404, fmt::format("The model '{}' does not exist; this server serves '{}'", out.model, model.id),
                      "invalid_request_error", "model", "model_not_found"};
    }
  }
  bool ok = true;
  if (endpoint == Endpoint::kChat) {
    ok = ParseMessages(f, model, out);
  } else {
    const json* p = f.Get("prompt");
    if (p == nullptr) return InvalidRequest("'prompt' is required", "prompt");
    if (endpoint == Endpoint::kSimpleChat) {
      if (!p->is_string()) return InvalidRequest("'prompt' must be a string", "prompt");
      json messages = json::array({{{"role", "user"}, {"content", *p}}});
      json wrapped = {{"messages", messages}};
      Fields inner(wrapped);
      if (!ParseMessages(inner, model, out)) return *inner.error();
    } else {
      ok = ParsePromptList(f, *p, model, out);
    }
  }
  if (!ok) return *f.error();
  if (endpoint == Endpoint::kCompletion && f.Get("suffix") != nullptr) {
    return InvalidRequest("'suffix' (fill-in-the-middle) is not supported", "suffix", "unsupported_parameter");
  }

  // Sampling: OpenAI's defaults (temperature 1, top_p 1) unless the request says otherwise.
  int64_t max_tokens = model.default_max_tokens;
  const constexpr double kMaxInt = std::numeric_limits<int32_t>::max();
  f.Number("max_tokens", max_tokens, 1, kMaxInt);
  f.Number("max_completion_tokens", max_tokens, 1, kMaxInt);
  if (max_tokens > 0) s.max_tokens = static_cast<int32_t>(max_tokens);
  out.max_tokens_given = f.Get("max_tokens") != nullptr || f.Get("max_completion_tokens") != nullptr;
  f.Number("temperature", s.temperature, 0, 2);
  f.Number("top_p", s.top_p, 0, 1);
  f.Number("top_k", s.top_k, 0, kMaxInt);  // llama.cpp/vLLM extension
  f.Number("min_p", s.min_p, 0, 1);        // extension
  f.Number("repetition_penalty", s.repetition_penalty, 0.01, 2);  // extension
  f.Number("presence_penalty", s.presence_penalty, -2, 2);
  f.Number("frequency_penalty", s.frequency_penalty, -2, 2);
  f.Number("n", out.n, 1, kMaxChoices);
  if (const json* seed = f.Get("seed")) {
    if (!seed->is_number_integer()) {
      f.Fail("'seed' must be an integer", "seed");
    } else {
      s.seed = static_cast<uint64_t>(seed->get<int64_t>());
    }
  }
  f.Bool("stream", out.stream);
  f.Bool("ignore_eos", out.ignore_eos);
  if (const json* options = f.Get("stream_options")) {
    if (!options->is_object()) {
      f.Fail("'stream_options' must be an object", "stream_options");
    } else if (options->contains("include_usage")) {
      if (!(*options)["include_usage"].is_boolean()) {
        f.Fail("'stream_options.include_usage' must be a boolean", "stream_options");
      } else {
        out.include_usage = (*options)["include_usage"].get<bool>();
      }
    }
  }
  ParseStop(f, s);
  ParseLogitBias(f, s);
  if (endpoint == Endpoint::kChat) {
    f.Bool("logprobs", s.logprobs);
    f.Number("top_logprobs", s.top_logprobs, 0, engine::kMaxTopLogprobs);
    if (s.top_logprobs > 0 && !s.logprobs) f.Fail("'top_logprobs' requires 'logprobs': true", "top_logprobs");
  } else if (endpoint == Endpoint::kCompletion) {
    int32_t logprobs = -1;
    f.Number("logprobs", logprobs, 0, 5);
    if (logprobs >= 0) {
      s.logprobs = true;
      s.top_logprobs = logprobs;
    }
    f.Bool("echo", out.echo);
  }
  if (const json* user = f.Get("user"); user != nullptr && !user->is_string()) f.Fail("'user' must be a string", "user");
  if (f.error()) return *f.error();
  if (auto valid = s.Validate(model.tokenizer->vocab_size()); !valid) {
    const std::string& m = valid.error().message;
    return InvalidRequest(m, m.substr(0, std::min(m.find(':'), m.find(' '))));
  }
  return out;
}

}  // namespace citadel::api
