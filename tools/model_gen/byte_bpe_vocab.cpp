#include "model_gen/byte_bpe_vocab.h"

#include "core/utf8.h"

#include <map>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace citadel::tools {
namespace {

// Training text: enough English, code and Chinese that common pairs repeat.
constexpr std::string_view kCorpus =
    "Citadel serves language models inside the network of the organisation that owns the data. "
    "The model answers questions about the documents it is given, and every answer is recorded. "
    "The server checks who is calling, what they may do, and how much they may use. "
    "The quick brown fox jumps over the lazy dog. The dog sleeps, the fox runs, and the day ends. "
    "It is what it is: the best of times, the worst of times, the age of wisdom, the age of data. "
    "for (int i = 0; i < n; ++i) { sum += values[i]; } return sum; "
    "def main(): print('hello world') if __name__ == '__main__': main() "
    "The request was denied because the token has expired. Please sign in again and retry. "
    "Patients, accounts and trade secrets stay on the premises; nothing leaves the building. "
    "我们的模型在本地运行，数据不会离开公司的网络。请问今天的天气怎么样？今天的天气很好。"
    "模型的回答会被记录，每一个请求都会被审计。";

// Code point for a byte in GPT-2's byte-level alphabet: printable Latin-1 bytes keep their
// value, the others are shifted past 255 so that every piece is visible text.
uint32_t ByteCodePoint(uint8_t byte) {
  const bool printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || byte >= 174;
  if (printable) return byte;
  uint32_t shifted = 0;
  for (uint32_t b = 0; b < byte; ++b) {
    const bool p = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    if (!p) ++shifted;
  }
  return 256 + shifted;
}


// Words as GPT-2 splits them coarsely: a run of non-spaces with the space before it attached.
std::map<std::vector<std::string>, int> CountWords() {
  std::map<std::vector<std::string>, int> words;
  size_t i = 0;
  while (i < kCorpus.size()) {
    size_t end = i + 1;
    while (end < kCorpus.size() && kCorpus[end] != ' ') ++end;
    std::vector<std::string> symbols;
    for (size_t k = i; k < end; ++k) symbols.push_back(ByteToPiece(static_cast<uint8_t>(kCorpus[k])));
    ++words[symbols];
    i = end;
  }
  return words;
}

}  // namespace

std::string ByteToPiece(uint8_t byte) { std::string out;
  AppendUtf8(out, ByteCodePoint(byte));
  return out; }

Result<ByteBpeVocab> TrainByteBpeVocab(uint32_t n_vocab) {
  constexpr uint32_t kControlTokens = 3;
  if (n_vocab < 256 + kControlTokens + 1) return Err("vocabulary of {} tokens is too small", n_vocab);
  ByteBpeVocab vocab;
  for (int b = 0; b < 256; ++b) {
    vocab.tokens.push_back(ByteToPiece(static_cast<uint8_t>(b)));
    vocab.token_types.push_back(1);
  }

  auto words = CountWords();
  const uint32_t merge_budget = n_vocab - 256 - kControlTokens;
  while (vocab.merges.size() < merge_budget) {
    // Most frequent adjacent pair; std::map iteration makes ties deterministic.
    std::map<std::pair<std::string, std::string>, int> pairs;
    for (const auto& [symbols, count] : words) {
      for (size_t k = 0; k + 1 < symbols.size(); ++k) pairs[{symbols[k], symbols[k + 1]}] += count;
    }
    const std::pair<std::string, std::string>* best = nullptr;
    int best_count = 1;  // a pair seen once teaches nothing
    for (const auto& [pair, count] : pairs) {
      if (count > best_count) {
        best = &pair;
        best_count = count;
      }
    }
    if (best == nullptr) break;
    const auto [left, right] = *best;
    vocab.merges.push_back(left + " " + right);
    vocab.tokens.push_back(left + right);
    vocab.token_types.push_back(1);

    std::map<std::vector<std::string>, int> merged;
    for (const auto& [symbols, count] : words) {
      std::vector<std::string> out;
      for (size_t k = 0; k < symbols.size(); ++k) {
        if (k + 1 < symbols.size() && symbols[k] == left && symbols[k + 1] == right) {
          out.push_back(left + right);
          ++k;
        } else {
          out.push_back(symbols[k]);
        }
      }
      merged[out] += count;
    }
    words = std::move(merged);
  }

  // Pad so that the vocabulary has the size the embedding matrix declares.
  while (vocab.tokens.size() < n_vocab - kControlTokens) {
    vocab.tokens.push_back(fmt::format("<|unused_{}|>", vocab.tokens.size()));
    vocab.token_types.push_back(5);
  }
  vocab.endoftext_id = static_cast<int32_t>(vocab.tokens.size());
  for (const char* special : {"<|endoftext|>", "<|im_start|>", "<|im_end|>"}) {
    vocab.tokens.emplace_back(special);
    vocab.token_types.push_back(3);
  }
  vocab.im_start_id = vocab.endoftext_id + 1;
  vocab.im_end_id = vocab.endoftext_id + 2;
  return vocab;
}

}  // namespace citadel::tools
