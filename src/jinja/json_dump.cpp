// tojson with Python json.dumps formatting, which differs from nlohmann's dump: ", " and ": "
// separators, Python float repr, and no ASCII escaping (Hugging Face passes ensure_ascii=False).
#include <cmath>
#include <cstdio>

#include "jinja/runtime.h"

namespace citadel::jinja {
namespace {

constexpr int kMaxJsonDepth = 256;

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\u%04x", static_cast<unsigned char>(c));
          out += hex;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

class JsonWriter {
 public:
  JsonWriter(int indent, Budget& budget) : indent_(indent), budget_(budget) {}

  Result<void> Write(const Value& value, int depth) {
    if (depth > kMaxJsonDepth) return Err("tojson: value nested deeper than {}", kMaxJsonDepth);
    if (out_.size() > budget_.limits().max_output_bytes) {
      return Err("tojson output exceeds max_output_bytes ({})", budget_.limits().max_output_bytes);
    }
    switch (value.kind()) {
      case Value::Kind::kNone: out_ += "null"; return Ok();
      case Value::Kind::kBool: out_ += value.AsBool() ? "true" : "false"; return Ok();
      case Value::Kind::kInt: out_ += std::to_string(value.AsInt()); return Ok();
      case Value::Kind::kFloat: {
        const double d = value.AsFloat();
        // Python writes the non-finite values as bare NaN / Infinity.
        if (std::isnan(d)) {
          out_ += "NaN";
        } else if (std::isinf(d)) {
          out_ += d > 0 ? "Infinity" : "-Infinity";
        } else {
          out_ += FormatFloat(d);
        }
        return Ok();
      }
      case Value::Kind::kString: AppendJsonString(out_, value.AsString()); return Ok();
      case Value::Kind::kList: {
        const List& list = value.AsList();
        if (list.empty()) {
          out_ += "[]";
          return Ok();
        }
        out_ += '[';
        for (std::size_t i = 0; i < list.size(); ++i) {
          if (i > 0) out_ += indent_ >= 0 ? "," : ", ";
          NewLine(depth + 1);
          CITADEL_RETURN_IF_ERROR(Write(list[i], depth + 1));
        }
        NewLine(depth);
        out_ += ']';
        return Ok();
      }
      case Value::Kind::kDict:
      case Value::Kind::kNamespace: {
        const Dict& dict = value.is_dict() ? value.AsDict() : value.AsNamespace().attributes;
        if (dict.empty()) {
          out_ += "{}";
          return Ok();
        }
        out_ += '{';
        bool first = true;
        for (const auto& [key, item] : dict.entries()) {
          if (!first) out_ += indent_ >= 0 ? "," : ", ";
          first = false;
          NewLine(depth + 1);
          // json.dumps converts non-string keys the way it writes them as values.
          if (key.is_string()) {
            AppendJsonString(out_, key.AsString());
          } else if (key.is_none()) {
            out_ += "\"null\"";
          } else if (key.is_bool()) {
            out_ += key.AsBool() ? "\"true\"" : "\"false\"";
          } else {
            AppendJsonString(out_, key.Repr());
          }
          out_ += ": ";
          CITADEL_RETURN_IF_ERROR(Write(item, depth + 1));
        }
        NewLine(depth);
        out_ += '}';
        return Ok();
      }
      case Value::Kind::kUndefined: return Err("tojson: Object of type Undefined is not JSON serializable");
      case Value::Kind::kCallable: return Err("tojson: Object of type function is not JSON serializable");
    }
    return Ok();
  }

  std::string Take() { return std::move(out_); }

 private:
  void NewLine(int depth) {
    if (indent_ < 0) return;
    out_ += '\n';
    out_.append(static_cast<std::size_t>(indent_) * static_cast<std::size_t>(depth), ' ');
  }

  int indent_;
  Budget& budget_;
  std::string out_;
};

}  // namespace

Result<std::string> ToJson(const Value& value, int indent, Budget& budget) {
  JsonWriter writer(indent, budget);
  CITADEL_RETURN_IF_ERROR(writer.Write(value, 0));
  std::string out = writer.Take();
  CITADEL_RETURN_IF_ERROR(budget.ChargeString(out.size()));
  return out;
}

}  // namespace citadel::jinja
