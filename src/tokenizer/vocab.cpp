#include "tokenizer/vocab.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "gguf/gguf_file.h"

namespace citadel::tokenizer {
namespace {

// Reads an optional token id; ids outside the vocabulary are treated as absent, as llama.cpp
// does, because converters write them for tokens some models lack.
Result<int32_t> OptionalId(const gguf::GgufFile& file, std::string_view key, int32_t n_vocab) {
  if (file.Find(key) == nullptr) return kNoToken;
  CITADEL_ASSIGN_OR_RETURN(const int64_t id, file.GetInteger(key));
  return id >= 0 && id < n_vocab ? static_cast<int32_t>(id) : kNoToken;
}

Result<bool> OptionalBool(const gguf::GgufFile& file, std::string_view key, bool fallback) {
  if (file.Find(key) == nullptr) return fallback;
  return file.Get<bool>(key);
}

// Pre-tokenizers whose words are taken whole when they are a token, before any merge, and
// whose files default to a BOS token (Llama 3's family and Mistral's Tekken, as llama.cpp sets).
bool IsLlama3Family(std::string_view pre) {
  static constexpr std::array<std::string_view, 10> kNames = {
      "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano",
      "tekken"};
  return std::find(kNames.begin(), kNames.end(), pre) != kNames.end();
}

// Tokens that end generation, found by their text because converters rarely name them all in
// metadata: chat-turn ends, end-of-text markers and the fill-in-the-middle pad / repository /
// file separators. The list is llama.cpp's, so that both stop on the same tokens.
constexpr std::array<std::string_view, 29> kEndOfGenerationTexts = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
    "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
    "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
    "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",  // <｜end▁of▁sentence｜>
    "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]", "<|fim_repo|>", "<|repo_name|>", "<|file_sep|>"};

// Fill-in-the-middle markers: control tokens (so user text cannot produce them) that do not end
// generation. Some converters write them as normal tokens.
constexpr std::array<std::string_view, 27> kFillInTheMiddleTexts = {
    "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "begin\xEF\xBD\x9C>",
    "<PRE>", "\xE2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>",
    "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "hole\xEF\xBD\x9C>",
    "<SUF>", "\xE2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>",
    "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "end\xEF\xBD\x9C>",
    "<MID>", "\xE2\x96\x81<MID>", "<|code_middle|>", "<|middle|>",
    "<fim-repo>", "<REPO>", "<reponame>"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& texts, std::string_view text) {
  return std::find(texts.begin(), texts.end(), text) != texts.end();
}

// Marks the end-of-generation tokens (and makes them and the fill-in-the-middle markers control
// tokens, whatever their type in the file: user text must not be able to produce a token that
// stops generation or restructures the prompt). Two formats need exceptions: Harmony (gpt-oss)
// closes every channel with <|end|> and ends a reply only with <|return|> or <|call|>; Gemma 4
// uses </s> as ordinary text once it has <|tool_response>.
void MarkEndOfGeneration(Vocab& v) {
  const bool harmony = (v.Find("<|return|>") != kNoToken && v.Find("<|call|>") != kNoToken) ||
                       (v.Find("<|calls|>") != kNoToken && v.Find("<|flush|>") != kNoToken);
  const bool gemma4 = v.Find("<|tool_response>") != kNoToken;
  for (int32_t id = 0; id < v.size(); ++id) {
    const std::string_view text = v.tokens[id];
    if (Contains(kFillInTheMiddleTexts, text)) {
      v.types[id] = TokenType::kControl;
      continue;
    }
    if (!Contains(kEndOfGenerationTexts, text)) continue;
    if (gemma4 && text == "</s>") continue;
    v.types[id] = TokenType::kControl;
    if (harmony && text == "<|end|>") continue;
    v.end_of_turn.push_back(id);
  }
}

}  // namespace

void Vocab::Index() {
  if (types.size() != tokens.size()) types.assign(tokens.size(), TokenType::kNormal);
  token_to_id.clear();
  token_to_id.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) token_to_id[tokens[i]] = static_cast<int32_t>(i);
  rstrip.assign(tokens.size(), 0);
}

Result<Vocab> LoadVocab(const gguf::GgufFile& file) {
  Vocab v;
  CITADEL_ASSIGN_OR_RETURN(const std::string model, file.Get<std::string>("tokenizer.ggml.model"));
  if (model == "llama") {
    v.kind = ModelKind::kSentencePiece;
  } else if (model == "gpt2") {
    v.kind = ModelKind::kByteLevelBpe;
  } else {
    return Err("tokenizer model '{}' is not supported (supported: llama (SentencePiece), gpt2 (byte-level BPE))",
               model);
  }
  v.pre = "default";
  if (file.Find("tokenizer.ggml.pre") != nullptr) {
    CITADEL_ASSIGN_OR_RETURN(v.pre, file.Get<std::string>("tokenizer.ggml.pre"));
  }
  CITADEL_ASSIGN_OR_RETURN(auto tokens, file.GetArray<std::string>("tokenizer.ggml.tokens"));
  if (tokens.empty()) return Err("key 'tokenizer.ggml.tokens': the vocabulary is empty");
  if (tokens.size() > static_cast<size_t>(INT32_MAX)) return Err("key 'tokenizer.ggml.tokens': too many tokens");
  v.tokens.assign(tokens.begin(), tokens.end());
  const auto n_vocab = static_cast<int32_t>(v.tokens.size());

  if (file.Find("tokenizer.ggml.token_type") != nullptr) {
    CITADEL_ASSIGN_OR_RETURN(auto types, file.GetArray<int32_t>("tokenizer.ggml.token_type"));
    if (types.size() != v.tokens.size()) {
      return Err("key 'tokenizer.ggml.token_type': {} entries for {} tokens", types.size(), v.tokens.size());
    }
    for (int32_t t : types) v.types.push_back(t >= 0 && t <= 6 ? static_cast<TokenType>(t) : TokenType::kNormal);
  }
  if (file.Find("tokenizer.ggml.scores") != nullptr) {
    CITADEL_ASSIGN_OR_RETURN(auto scores, file.GetArray<float>("tokenizer.ggml.scores"));
    if (scores.size() != v.tokens.size()) {
      return Err("key 'tokenizer.ggml.scores': {} entries for {} tokens", scores.size(), v.tokens.size());
    }
    v.scores.assign(scores.begin(), scores.end());
  } else if (v.kind == ModelKind::kSentencePiece) {
    return Err("key 'tokenizer.ggml.scores' is missing (a SentencePiece vocabulary needs merge scores)");
  }
  if (v.kind == ModelKind::kByteLevelBpe) {
    CITADEL_ASSIGN_OR_RETURN(auto merges, file.GetArray<std::string>("tokenizer.ggml.merges"));
    v.merges.assign(merges.begin(), merges.end());
  }
  v.Index();

  CITADEL_ASSIGN_OR_RETURN(v.bos, OptionalId(file, "tokenizer.ggml.bos_token_id", n_vocab));
  CITADEL_ASSIGN_OR_RETURN(v.eos, OptionalId(file, "tokenizer.ggml.eos_token_id", n_vocab));
  CITADEL_ASSIGN_OR_RETURN(v.eot, OptionalId(file, "tokenizer.ggml.eot_token_id", n_vocab));
  CITADEL_ASSIGN_OR_RETURN(v.eom, OptionalId(file, "tokenizer.ggml.eom_token_id", n_vocab));
  CITADEL_ASSIGN_OR_RETURN(v.unk, OptionalId(file, "tokenizer.ggml.unknown_token_id", n_vocab));
  CITADEL_ASSIGN_OR_RETURN(v.pad, OptionalId(file, "tokenizer.ggml.padding_token_id", n_vocab));
  // llama.cpp's converters write the misspelled key; accept the correct spelling too.
  CITADEL_ASSIGN_OR_RETURN(v.sep, OptionalId(file, "tokenizer.ggml.seperator_token_id", n_vocab));
  if (v.sep == kNoToken) {
    CITADEL_ASSIGN_OR_RETURN(v.sep, OptionalId(file, "tokenizer.ggml.separator_token_id", n_vocab));
  }
  for (const std::string_view key :
       {"tokenizer.ggml.fim_pad_token_id", "tokenizer.ggml.fim_rep_token_id", "tokenizer.ggml.fim_sep_token_id"}) {
    CITADEL_ASSIGN_OR_RETURN(const int32_t id, OptionalId(file, key, n_vocab));
    if (id != kNoToken) v.end_of_turn.push_back(id);
  }

  // Defaults as llama.cpp applies them when the file is silent.
  const bool spm = v.kind == ModelKind::kSentencePiece;
  v.ignore_merges = !spm && IsLlama3Family(v.pre);
  CITADEL_ASSIGN_OR_RETURN(v.add_bos, OptionalBool(file, "tokenizer.ggml.add_bos_token", spm || v.ignore_merges));
  CITADEL_ASSIGN_OR_RETURN(v.add_eos, OptionalBool(file, "tokenizer.ggml.add_eos_token", false));
  CITADEL_ASSIGN_OR_RETURN(v.add_space_prefix, OptionalBool(file, "tokenizer.ggml.add_space_prefix", spm));
  if (!spm) v.add_space_prefix = false;
  if (v.add_bos && v.bos == kNoToken) return Err("add_bos_token is set but bos_token_id is missing or out of range");
  if (v.add_eos && v.eos == kNoToken) return Err("add_eos_token is set but eos_token_id is missing or out of range");
  if (spm && v.unk == kNoToken) v.unk = v.Find("<unk>");

  MarkEndOfGeneration(v);

  // Phi-3 strips whitespace after its special tokens (llama.cpp decides this by model name).
  std::string name;
  if (const auto* value = file.Find("general.name"); value != nullptr && value->AsString() != nullptr) {
    name = *value->AsString();
  }
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
    for (int32_t id = 0; id < n_vocab; ++id) {
      const auto t = v.types[id];
      const bool special = t == TokenType::kControl || t == TokenType::kUserDefined || t == TokenType::kUnknown;
      const auto& text = v.tokens[id];
      v.rstrip[id] = special && text != "<unk>" && text != "<s>" && text != "<|endoftext|>";
    }
  }
  return v;
}

}  // namespace citadel::tokenizer
