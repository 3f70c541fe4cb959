// RFC 5424 formatting, and delivery to a real rsyslogd (Debian's rsyslog package) listening with
// imtcp on loopback and writing each raw message to a file.

#include <nlohmann/json.hpp>

#include <map>
#include <sstream>

#include "audit/sinks/sinks_fixture.h"
#include "audit/sinks/syslog_sink.h"

namespace citadel::audit::sinks::testing {
namespace {

struct Syslog5424 {
  int pri = -1;
  std::string timestamp, hostname, app, procid, msgid, sd_id;
  std::map<std::string, std::string> params;  // unescaped
  std::string msg;                            // after the BOM
};

// A strict reader for what we send: the header, one SD-ELEMENT, then BOM and MSG. Empty error
// string on success.
std::string Parse5424(std::string_view line, Syslog5424& out) {
  if (line.empty() || line[0] != '<') return "no PRI";
  const size_t gt = line.find('>');
  if (gt == std::string_view::npos || gt < 2 || gt > 4) return "bad PRI";
  out.pri = std::stoi(std::string(line.substr(1, gt - 1)));
  if (out.pri < 0 || out.pri > 191) return "PRI out of range";
  std::string_view rest = line.substr(gt + 1);
  if (rest.substr(0, 2) != "1 ") return "VERSION is not 1";
  rest.remove_prefix(2);
  std::string* fields[] = {&out.timestamp, &out.hostname, &out.app, &out.procid, &out.msgid};
  for (std::string* f : fields) {
    const size_t sp = rest.find(' ');
    if (sp == std::string_view::npos || sp == 0) return "header field missing";
    *f = std::string(rest.substr(0, sp));
    for (char c : *f) {
      if (c < 33 || c > 126) return "non-PRINTUSASCII in header";
    }
    rest.remove_prefix(sp + 1);
  }
  if (rest.empty() || rest[0] != '[') return "no STRUCTURED-DATA";
  size_t i = 1;
  const size_t id_end = rest.find_first_of(" ]", i);
  out.sd_id = std::string(rest.substr(i, id_end - i));
  i = id_end;
  while (i < rest.size() && rest[i] == ' ') {
    const size_t eq = rest.find('=', i + 1);
    if (eq == std::string_view::npos || eq + 1 >= rest.size() || rest[eq + 1] != '"') return "bad SD-PARAM";
    const std::string name(rest.substr(i + 1, eq - i - 1));
    std::string value;
    size_t j = eq + 2;
    for (; j < rest.size() && rest[j] != '"'; ++j) {
      if (rest[j] == '\\' && j + 1 < rest.size() && std::string_view("\"\\]").find(rest[j + 1]) != std::string_view::npos) ++j;
      else if (rest[j] == ']') return "unescaped ] in PARAM-VALUE";
      value.push_back(rest[j]);
    }
    if (j >= rest.size()) return "unterminated PARAM-VALUE";
    out.params[name] = value;
    i = j + 1;
  }
  if (i >= rest.size() || rest[i] != ']') return "unterminated SD-ELEMENT";
  rest.remove_prefix(i + 1);
  if (rest.substr(0, 4) != " \xEF\xBB\xBF") return "MSG does not start with SP BOM";
  out.msg = std::string(rest.substr(4));
  return "";
}

TEST(SyslogFormat, EscapesStructuredDataAndFramesByOctetCount) {
  StoredRecord s;
  s.seq = 42;
  s.record = audit::testing::MakeRecord(7, "bob", false);
  s.record.tenant = "a\"b\\c]d";
  s.record.request_id = "r\xff" "1";  // invalid UTF-8 byte
  SyslogSinkSettings settings;
  settings.facility = 16;  // local0
  const std::string frame = FormatSyslogFrame(settings, "gw 1\x01", "99", s);
  const size_t sp = frame.find(' ');
  ASSERT_NE(sp, std::string::npos);
  const std::string msg = frame.substr(sp + 1);
  EXPECT_EQ(std::stoul(frame.substr(0, sp)), msg.size());
  EXPECT_NE(msg.find(R"(tenant="a\"b\\c\]d")"), std::string::npos) << msg;
  EXPECT_NE(msg.find("request_id=\"r\xEF\xBF\xBD" "1\""), std::string::npos) << msg;
  Syslog5424 parsed;
  ASSERT_EQ(Parse5424(msg, parsed), "") << msg;
  EXPECT_EQ(parsed.pri, 16 * 8 + 4);  // denied -> warning
  EXPECT_EQ(parsed.timestamp, "2023-11-14T22:13:27.000Z");
  EXPECT_EQ(parsed.hostname, "gw1");
  EXPECT_EQ(parsed.app, "citadel");
  EXPECT_EQ(parsed.procid, "99");
  EXPECT_EQ(parsed.msgid, "request");
  EXPECT_EQ(parsed.sd_id, "citadel@32473");
  EXPECT_EQ(parsed.params["seq"], "42");
  EXPECT_EQ(parsed.params["tenant"], "a\"b\\c]d");
  EXPECT_EQ(parsed.params["decision"], "denied");
  const auto doc = nlohmann::json::parse(parsed.msg);
  EXPECT_EQ(doc["seq"], 42);
  EXPECT_EQ(doc["tenant"], "a\"b\\c]d");
}

TEST(SyslogFormat, FacilityNames) {
  EXPECT_EQ(ParseSyslogFacility("authpriv").value(), 10);
  EXPECT_EQ(ParseSyslogFacility("local7").value(), 23);
  EXPECT_EQ(ParseSyslogFacility("4").value(), 4);
  EXPECT_FALSE(ParseSyslogFacility("24"));
  EXPECT_FALSE(ParseSyslogFacility("nope"));
}

using RsyslogTest = SinkTest;

TEST_F(RsyslogTest, EveryRecordArrivesOnceInOrderAsValidRfc5424) {
  const std::string rsyslogd = FindProgram({"rsyslogd", "/usr/sbin/rsyslogd", "/sbin/rsyslogd"});
  if (rsyslogd.empty()) GTEST_SKIP() << "rsyslogd not installed (Debian: apt-get install rsyslog)";
  constexpr int kRecords = 200;
  Append(1, kRecords);

  const auto work = dir_ / "rsyslog";
  std::filesystem::create_directories(work);
  const auto out = dir_ / "received.log";
  ChildProcess server;
  uint16_t port = 0;
  for (int attempt = 0; attempt < 5 && port == 0; ++attempt) {
    const uint16_t candidate = FreePort();
    const auto conf = dir_ / "rsyslog.conf";
    std::ofstream(conf) << fmt::format(
        "global(workDirectory=\"{}\" maxMessageSize=\"64k\")\n"
        "module(load=\"imtcp\")\n"
        "template(name=\"raw\" type=\"string\" string=\"%rawmsg%\\n\")\n"
        "ruleset(name=\"citadel\") {{ action(type=\"omfile\" file=\"{}\" template=\"raw\") }}\n"
        "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"{}\" ruleset=\"citadel\")\n",
        work.string(), out.string(), candidate);
    ASSERT_TRUE(server.Start(fmt::format("{} -n -f {} -i {}", rsyslogd, conf.string(), (dir_ / "rsyslogd.pid").string()),
                             (dir_ / "rsyslogd.log").string()));
    if (WaitFor([&] { return CanConnect(candidate) || !server.running(); }, 10s) && server.running()) {
      port = candidate;
    } else {
      server.Stop();
    }
  }
  ASSERT_NE(port, 0) << "rsyslogd did not start: " << ReadFile(dir_ / "rsyslogd.log");

  SyslogSinkSettings settings;
  settings.port = port;
  settings.hostname = "citadel-test";
  auto sink = MakeSyslogSink(settings);
  ASSERT_TRUE(sink) << sink.error().message;
  auto shipped = Shipper::ShipPending(db_path_, **sink, 64);
  ASSERT_TRUE(shipped) << shipped.error().message;
  EXPECT_EQ(*shipped, static_cast<uint64_t>(kRecords));

  std::vector<std::string> lines;
  WaitFor([&] {
    std::istringstream in(ReadFile(out));
    lines.clear();
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines.size() >= kRecords;
  });
  server.Stop();
  ASSERT_EQ(lines.size(), static_cast<size_t>(kRecords)) << ReadFile(dir_ / "rsyslogd.log");
  for (int i = 0; i < kRecords; ++i) {
    Syslog5424 m;
    ASSERT_EQ(Parse5424(lines[i], m), "") << "line " << i + 1 << ": " << lines[i];
    const AuditRecord expected = audit::testing::MakeRecord(i + 1, "alice");
    EXPECT_EQ(m.params["seq"], std::to_string(i + 1)) << "in order, each exactly once";
    EXPECT_EQ(m.params["request_id"], expected.request_id);
    EXPECT_EQ(m.params["tenant"], expected.tenant);
    EXPECT_EQ(m.pri, 10 * 8 + (expected.decision == Decision::kDenied ? 4 : 6));
    EXPECT_EQ(m.hostname, "citadel-test");
    EXPECT_EQ(m.app, "citadel");
    EXPECT_EQ(m.msgid, "request");
    const auto doc = nlohmann::json::parse(m.msg, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << m.msg;
    EXPECT_EQ(doc["seq"], i + 1);
    EXPECT_FALSE(doc.contains("prompt"));
  }
}

TEST_F(RsyslogTest, AnUnreachableReceiverIsAnErrorAndTheCursorStays) {
  Append(1, 3);
  SyslogSinkSettings settings;
  settings.port = FreePort();  // nobody listens
  settings.timeout = 2s;
  auto sink = MakeSyslogSink(settings);
  ASSERT_TRUE(sink);
  auto shipped = Shipper::ShipPending(db_path_, **sink);
  ASSERT_FALSE(shipped);
  EXPECT_NE(shipped.error().message.find("connecting to 127.0.0.1"), std::string::npos) << shipped.error().message;
}

}  // namespace
}  // namespace citadel::audit::sinks::testing
