#include "server/response_formats.h"

#include "tokenizer/tokenizer.h"

namespace citadel::server {
namespace {

using Json = api::Json;

class Chat : public ResponseFormat {
 public:
  Chat(api::ResponseMeta meta, const tokenizer::Tokenizer& tok, bool logprobs, bool include_usage)
      : meta_(std::move(meta)), tok_(tok), logprobs_(logprobs), include_usage_(include_usage) {}

  // OpenAI's sequence per choice: {role, content: ""}, then content deltas, then {} with finish_reason.
  std::vector<std::string> Chunks(int index, bool first, const engine::Event& e) override {
    std::vector<std::string> out;
    const Json none(nullptr);
    if (first) out.push_back(api::ChatChunk(meta_, index, "assistant", "", none, engine::Finish::kNone, include_usage_));
    if (!e.text.empty() || (logprobs_ && !e.logprobs.empty())) {
      const Json logprobs = logprobs_ ? api::ChatLogprobs(tok_, e.logprobs) : none;
      out.push_back(api::ChatChunk(meta_, index, std::nullopt, e.text, logprobs, engine::Finish::kNone, include_usage_));
    }
    if (e.finish != engine::Finish::kNone) {
      out.push_back(api::ChatChunk(meta_, index, std::nullopt, std::nullopt, none, e.finish, include_usage_));
    }
    return out;
  }
  std::string Body(std::span<const api::Choice> choices, const engine::Usage& usage) override {
    return api::ChatCompletionBody(meta_, choices, usage, tok_, logprobs_);
  }
  std::string_view chunk_object() const override { return "chat.completion.chunk"; }
  const api::ResponseMeta& meta() const override { return meta_; }

 private:
  api::ResponseMeta meta_;
  const tokenizer::Tokenizer& tok_;
  bool logprobs_, include_usage_;
};

class Completion : public ResponseFormat {
 public:
  Completion(api::ResponseMeta meta, const tokenizer::Tokenizer& tok, bool logprobs, bool include_usage,
             std::vector<std::string> echo)
      : meta_(std::move(meta)), tok_(tok), logprobs_(logprobs), include_usage_(include_usage),
        echo_(std::move(echo)), offsets_(echo_.size(), 0) {}

  std::vector<std::string> Chunks(int index, bool first, const engine::Event& e) override {
    const size_t i = static_cast<size_t>(index);
    std::string text = first ? echo_[i] : std::string();
    if (first) offsets_[i] = text.size();
    text += e.text;
    if (text.empty() && e.finish == engine::Finish::kNone && !(logprobs_ && !e.logprobs.empty())) return {};
    Json logprobs(nullptr);
    if (logprobs_) {
      logprobs = api::CompletionLogprobs(tok_, e.logprobs, offsets_[i]);
      for (const auto& t : e.logprobs) offsets_[i] += tok_.TokenBytes(t.token).size();
    }
    return {api::CompletionChunk(meta_, index, text, logprobs, e.finish, include_usage_)};
  }
  std::string Body(std::span<const api::Choice> choices, const engine::Usage& usage) override {
    std::vector<api::Choice> echoed(choices.begin(), choices.end());
    std::vector<size_t> offsets;
    for (size_t i = 0; i < echoed.size(); ++i) {
      echoed[i].text = echo_[i] + echoed[i].text;
      offsets.push_back(echo_[i].size());
    }
    return api::CompletionBody(meta_, echoed, usage, tok_, logprobs_, offsets);
  }
  std::string_view chunk_object() const override { return "text_completion"; }
  const api::ResponseMeta& meta() const override { return meta_; }

 private:
  api::ResponseMeta meta_;
  const tokenizer::Tokenizer& tok_;
  bool logprobs_, include_usage_;
  std::vector<std::string> echo_;
  std::vector<size_t> offsets_;  // per choice: where the next token's text starts
};

class SimpleChat : public ResponseFormat {
 public:
  explicit SimpleChat(api::ResponseMeta meta) : meta_(std::move(meta)) {}
  std::vector<std::string> Chunks(int, bool, const engine::Event&) override { return {}; }
  std::string Body(std::span<const api::Choice> choices, const engine::Usage&) override {
    return api::Dump(Json{{"response", choices.empty() ? std::string() : choices[0].text}});
  }
  std::string_view chunk_object() const override { return ""; }
  const api::ResponseMeta& meta() const override { return meta_; }

 private:
  api::ResponseMeta meta_;
};

}  // namespace

std::unique_ptr<ResponseFormat> ChatFormat(api::ResponseMeta meta, const tokenizer::Tokenizer& tok, bool logprobs,
                                           bool include_usage) {
  return std::make_unique<Chat>(std::move(meta), tok, logprobs, include_usage);
}

std::unique_ptr<ResponseFormat> CompletionFormat(api::ResponseMeta meta, const tokenizer::Tokenizer& tok,
                                                 bool logprobs, bool include_usage,
                                                 std::vector<std::string> echo_texts) {
  return std::make_unique<Completion>(std::move(meta), tok, logprobs, include_usage, std::move(echo_texts));
}

std::unique_ptr<ResponseFormat> SimpleChatFormat(api::ResponseMeta meta) {
  return std::make_unique<SimpleChat>(std::move(meta));
}

}  // namespace citadel::server
