#include "audit/sinks/syslog_sink.h"

#include <unistd.h>

#include <array>
#include <charconv>

#include "audit/iso_time.h"
#include "audit/sinks/tcp_client.h"
#include "core/utf8.h"

namespace citadel::audit::sinks {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

int Severity(const AuditRecord& r) {
  switch (r.decision) {
    case Decision::kFailed: return 3;
    case Decision::kDenied:
    case Decision::kRateLimited: return 4;
    case Decision::kAllowed: return 6;
    case Decision::kNone: break;
  }
  return r.kind == EventKind::kRequest ? 6 : 5;
}

// HOSTNAME, APP-NAME, PROCID and MSGID are PRINTUSASCII (33..126) with a length limit; anything
// else is dropped rather than sent as a malformed header. Empty becomes the NILVALUE "-".
std::string HeaderField(std::string_view text, size_t max) {
  std::string out;
  for (char c : text) {
    if (c >= 33 && c <= 126 && out.size() < max) out.push_back(c);
  }
  return out.empty() ? "-" : out;
}

std::string LocalHostName() {
  std::array<char, 256> buffer{};
  if (gethostname(buffer.data(), buffer.size() - 1) != 0) return "-";
  return HeaderField(buffer.data(), 255);
}

class SyslogSink final : public Sink {
 public:
  SyslogSink(SyslogSinkSettings settings, std::string hostname, std::string name)
      : settings_(std::move(settings)),
        hostname_(std::move(hostname)),
        procid_(std::to_string(getpid())),
        name_(std::move(name)) {}

  Result<void> Send(std::span<const StoredRecord> records) override {
    if (records.empty()) return Ok();
    std::string frames;
    for (const StoredRecord& r : records) frames += FormatSyslogFrame(settings_, hostname_, procid_, r);
    const auto deadline = std::chrono::steady_clock::now() + settings_.timeout;
    CITADEL_ASSIGN_OR_RETURN(TcpClient client, TcpClient::Connect(settings_.host, settings_.port, settings_.timeout));
    CITADEL_RETURN_IF_ERROR(client.WriteAll(frames, TimeLeft(deadline)));
    return client.FinishAndAwaitClose(TimeLeft(deadline));
  }
  const std::string& name() const override { return name_; }

 private:
  const SyslogSinkSettings settings_;
  const std::string hostname_;
  const std::string procid_;
  const std::string name_;
};

}  // namespace

Result<int> ParseSyslogFacility(std::string_view text) {
  static constexpr std::pair<std::string_view, int> kNames[] = {
      {"kern", 0}, {"user", 1}, {"mail", 2}, {"daemon", 3}, {"auth", 4}, {"syslog", 5}, {"authpriv", 10},
      {"local0", 16}, {"local1", 17}, {"local2", 18}, {"local3", 19}, {"local4", 20}, {"local5", 21},
      {"local6", 22}, {"local7", 23}};
  for (const auto& [name, value] : kNames) {
    if (name == text) return value;
  }
  int value = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size() && value >= 0 && value <= 23) return value;
  return Err("syslog facility '{}': expected auth, authpriv, daemon, user, local0..local7 or 0..23", text);
}

std::string EscapeSdValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size();) {
    const size_t n = ValidUtf8SequenceLength(value, i);
    if (n == 0) {  // PARAM-VALUE must be UTF-8: an invalid byte becomes U+FFFD
      AppendUtf8(out, 0xFFFD);
      ++i;
      continue;
    }
    const char c = value[i];
    if (n == 1 && (c == '"' || c == '\\' || c == ']')) out.push_back('\\');
    out.append(value.substr(i, n));
    i += n;
  }
  return out;
}

std::string FormatSyslogFrame(const SyslogSinkSettings& settings, std::string_view hostname, std::string_view procid,
                              const StoredRecord& stored) {
  const AuditRecord& r = stored.record;
  std::string sd = fmt::format("[citadel@{} seq=\"{}\"", settings.enterprise_id, stored.seq);
  const auto param = [&sd](std::string_view name, std::string_view value) {
    if (!value.empty()) sd += fmt::format(" {}=\"{}\"", name, EscapeSdValue(value));
  };
  param("kind", Name(r.kind));
  param("request_id", r.request_id);
  param("tenant", r.tenant);
  param("subject", r.subject);
  param("key_id", r.key_id);
  param("client_ip", r.client_ip);
  param("endpoint", r.endpoint);
  param("model", r.model);
  param("decision", Name(r.decision));
  if (r.http_status != 0) param("http_status", std::to_string(r.http_status));
  sd += ']';
  // SD values and MSG after the BOM must be UTF-8: EscapeSdValue and the JSON dump replace
  // invalid bytes.
  const std::string msg = fmt::format("<{}>1 {} {} citadel {} {} {} {}{}", settings.facility * 8 + Severity(r),
                                      FormatIsoUtcMs(r.time_ms), HeaderField(hostname, 255),
                                      HeaderField(procid, 128), HeaderField(Name(r.kind), 32), sd, kBom,
                                      SinkDocumentText(stored));
  return fmt::format("{} {}", msg.size(), msg);
}

Result<std::unique_ptr<Sink>> MakeSyslogSink(const SyslogSinkSettings& settings) {
  if (settings.host.empty() || settings.port == 0) return Err("syslog sink: host and port are required");
  if (settings.facility < 0 || settings.facility > 23) return Err("syslog facility {}: expected 0..23", settings.facility);
  if (settings.enterprise_id.empty() ||
      settings.enterprise_id.find_first_not_of("0123456789.") != std::string::npos) {
    return Err("syslog enterprise_id '{}': expected digits (a private enterprise number)", settings.enterprise_id);
  }
  std::string hostname = settings.hostname.empty() ? LocalHostName() : HeaderField(settings.hostname, 255);
  std::string name = settings.name.empty() ? fmt::format("syslog:{}:{}", settings.host, settings.port) : settings.name;
  return std::unique_ptr<Sink>(std::make_unique<SyslogSink>(settings, std::move(hostname), std::move(name)));
}

}  // namespace citadel::audit::sinks
