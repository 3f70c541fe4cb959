// `citadel audit ...` on the real binary, against a trail written through the library with a key
// made by `citadel audit keygen`.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <thread>

#include "audit/store.h"
#include "testing/shared_data.h"
#include "testing/subprocess.h"

namespace citadel {
namespace {

using nlohmann::json;
using testing::RunCommand;
using testing::ShellQuote;

class AuditCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("citadel-audit-cli");
    db_ = (dir_ / "audit.db").string();
    key_ = (dir_ / "audit.key").string();
    const auto made = Citadel("audit keygen --out " + ShellQuote(key_));
    ASSERT_EQ(made.exit_code, 0) << made.err;
    auto key = ReadKeyFile(key_);
    ASSERT_TRUE(key) << key.error().message;
    auto store = audit::AuditStore::Open(db_, *key, {.checkpoint_every = 8});
    ASSERT_TRUE(store) << store.error().message;
    for (int i = 0; i < 20; ++i) {
      audit::AuditRecord r;
      r.request_id = "req-" + std::to_string(i);
      r.time_ms = 1'767'225'600'000 + int64_t{i} * 3'600'000;  // 2026-01-01T00:00Z, hourly
      r.tenant = i % 2 == 0 ? "acme" : "globex";
      r.subject = i < 10 ? "alice" : "bob";
      r.decision = i % 5 == 0 ? audit::Decision::kDenied : audit::Decision::kAllowed;
      r.http_status = i % 5 == 0 ? 403 : 200;
      r.prompt = "secret prompt " + std::to_string(i);
      r.response = "answer " + std::to_string(i);
      ASSERT_TRUE((*store)->Append(r));
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  testing::CommandResult Citadel(const std::string& args) const {
    return RunCommand(std::string(CITADEL_BINARY) + " " + args);
  }
  std::string DbAndKey() const { return "--db " + ShellQuote(db_) + " --key-file " + ShellQuote(key_); }
  json QueryJson(const std::string& filters) const {
    const auto r = Citadel("audit query --json --db " + ShellQuote(db_) + " " + filters);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  static void ExpectOneLineError(const testing::CommandResult& r, const std::string& needle) {
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  }

  std::filesystem::path dir_;
  std::string db_, key_;
};

TEST_F(AuditCommands, KeygenWritesAPrivateHexKeyAndNeverOverwrites) {
  struct stat st {};
  ASSERT_EQ(::stat(key_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::ifstream in(key_);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text.size(), 64u);
  EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), std::string::npos) << text;
  ExpectOneLineError(Citadel("audit keygen --out " + ShellQuote(key_)), "File exists");
}

TEST_F(AuditCommands, VerifyReportsIntactThenTheFirstBrokenRecord) {
  const auto ok = Citadel("audit verify " + DbAndKey());
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "intact: 20 records (seq 1 to 20), 2 checkpoints\n");

  auto db = Database::Open(db_, Database::Mode::kReadWriteCreate);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->Exec("UPDATE records SET http_status = 200 WHERE seq = 11"));
  const auto broken = Citadel("audit verify --json " + DbAndKey());
  EXPECT_EQ(broken.exit_code, 1);
  const json report = json::parse(broken.out, nullptr, false);
  EXPECT_EQ(report["intact"], false) << broken.out;
  EXPECT_EQ(report["broken"]["seq"], 11);
  EXPECT_EQ(report["broken"]["reason"], "edited");
  const auto text = Citadel("audit verify " + DbAndKey());
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_EQ(text.out.rfind("BROKEN at record 11: edited", 0), 0u) << text.out;
}

TEST_F(AuditCommands, VerifyCanRecordItsVerdict) {
  const auto ok = Citadel("audit verify --record " + DbAndKey());
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "intact: 20 records (seq 1 to 20), 2 checkpoints\n");
  const json logged = QueryJson("--kind audit_verified");
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0]["seq"], 21);
  EXPECT_EQ(logged[0]["detail"], "intact: 20 records, seq 1 to 20");
}

TEST_F(AuditCommands, BadInputIsOneLineOnStderr) {
  const std::string other_key = (dir_ / "other.key").string();
  ASSERT_EQ(Citadel("audit keygen --out " + ShellQuote(other_key)).exit_code, 0);
  ExpectOneLineError(Citadel("audit verify --db " + ShellQuote(db_) + " --key-file " + ShellQuote(other_key)),
                     "does not match");
  ExpectOneLineError(Citadel("audit verify --db " + ShellQuote((dir_ / "none.db").string()) + " --key-file " +
                             ShellQuote(key_)),
                     "no audit database");
  std::ofstream(dir_ / "bad.key") << "not hex\n";
  ExpectOneLineError(Citadel("audit erase --db " + ShellQuote(db_) + " --key-file " +
                             ShellQuote((dir_ / "bad.key").string()) + " --subject alice"),
                     "64 hex digits");
  ExpectOneLineError(Citadel("audit query --db " + ShellQuote(db_) + " --decision maybe"), "unknown decision");
  ExpectOneLineError(Citadel("audit query --db " + ShellQuote(db_) + " --since yesterday"), "ISO 8601");
  ExpectOneLineError(Citadel("audit verify --db " + ShellQuote(db_)), "--key-file");
}

TEST_F(AuditCommands, QueryFilters) {
  EXPECT_EQ(QueryJson("").size(), 20u);
  EXPECT_EQ(QueryJson("--tenant acme").size(), 10u);
  EXPECT_EQ(QueryJson("--subject bob --tenant globex").size(), 5u);
  const json denied = QueryJson("--decision denied");
  ASSERT_EQ(denied.size(), 4u);
  EXPECT_EQ(denied[1]["request_id"], "req-5");
  EXPECT_EQ(denied[1]["http_status"], 403);
  EXPECT_EQ(denied[1]["content"], "present");
  EXPECT_FALSE(denied[1].contains("prompt")) << "query must not decrypt";
  const json window = QueryJson("--since 2026-01-01T03:00:00Z --until 2026-01-01T05:00:00Z");
  ASSERT_EQ(window.size(), 2u);
  EXPECT_EQ(window[0]["seq"], 4);
  const auto text = Citadel("audit query --limit 1 --db " + ShellQuote(db_));
  EXPECT_EQ(text.out, "1 2026-01-01T00:00:00.000Z request tenant=acme subject=alice denied 403  req-0\n");
}

TEST_F(AuditCommands, EraseThenExport) {
  const auto erased = Citadel("audit erase " + DbAndKey() + " --subject alice");
  ASSERT_EQ(erased.exit_code, 0) << erased.err;
  EXPECT_NE(erased.out.find("seq 21"), std::string::npos) << erased.out;

  const auto alice = Citadel("audit export " + DbAndKey() + " --subject alice");
  ASSERT_EQ(alice.exit_code, 0) << alice.err;
  const json a = json::parse(alice.out, nullptr, false);
  ASSERT_EQ(a.size(), 11u);
  EXPECT_EQ(a[0]["content"], "erased");
  EXPECT_FALSE(a[0].contains("prompt"));
  EXPECT_EQ(a[10]["kind"], "erasure");

  const auto bob = Citadel("audit export " + DbAndKey() + " --subject bob");
  ASSERT_EQ(bob.exit_code, 0) << bob.err;
  const json b = json::parse(bob.out, nullptr, false);
  ASSERT_EQ(b.size(), 10u);
  EXPECT_EQ(b[0]["prompt"], "secret prompt 10");
  EXPECT_EQ(b[9]["response"], "answer 19");

  const auto ok = Citadel("audit verify " + DbAndKey());
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out, "intact: 23 records (seq 1 to 23), 2 checkpoints\n");  // + erasure and two exports
}

TEST_F(AuditCommands, PurgeKeepsTheTrailVerifiable) {
  const auto purged = Citadel("audit purge " + DbAndKey() +
                              " --content-before 2026-01-01T12:00:00Z --records-before 2026-01-01T10:00:00Z");
  ASSERT_EQ(purged.exit_code, 0) << purged.err;
  EXPECT_EQ(purged.out, "content dropped from 12 records, 8 records deleted, trail starts after seq 8\n");
  const auto ok = Citadel("audit verify " + DbAndKey());
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out, "intact: 13 records (seq 9 to 21), 1 checkpoints\n");
}

// A syslog receiver for one connection: reads until our half-close, then closes its side (the
// acknowledgement the syslog sink waits for).
class OneConnectionReceiver {
 public:
  OneConnectionReceiver() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      std::array<char, 4096> buffer;
      while (!ec) {
        const size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
        received_.append(buffer.data(), n);
      }
    });
  }
  ~OneConnectionReceiver() { Join(); }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::string& Join() {
    if (thread_.joinable()) thread_.join();
    return received_;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string received_;  // written by the thread until Join
  std::thread thread_;
};

TEST_F(AuditCommands, ShipOnceSendsMetadataOnlyAndResumesFromItsCursor) {
  OneConnectionReceiver receiver;
  const std::string target = "127.0.0.1:" + std::to_string(receiver.port());
  const auto shipped = Citadel("audit ship --once --db " + ShellQuote(db_) + " --syslog " + target + " --facility local3");
  ASSERT_EQ(shipped.exit_code, 0) << shipped.err;
  EXPECT_EQ(shipped.out, "syslog:" + target + ": shipped through seq 20\n");
  const std::string& frames = receiver.Join();
  EXPECT_NE(frames.find("<156>1 2026-01-01T00:00:00.000Z "), std::string::npos) << frames.substr(0, 300);  // local3.warning
  EXPECT_NE(frames.find("request_id=\"req-19\""), std::string::npos);
  EXPECT_EQ(frames.find("secret prompt"), std::string::npos) << "content must never be shipped";

  // Nothing pending: no connection is made (the receiver is gone) and the cursor stays at 20.
  const auto again = Citadel("audit ship --once --db " + ShellQuote(db_) + " --syslog " + target);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, shipped.out);
}

TEST_F(AuditCommands, ShipNeedsExactlyOneSinkAndReportsAnUnreachableOne) {
  EXPECT_EQ(Citadel("audit ship --once --db " + ShellQuote(db_)).exit_code, 2);
  EXPECT_EQ(Citadel("audit ship --once --db " + ShellQuote(db_) + " --loki http://a --elastic http://b/i").exit_code, 2);
  ExpectOneLineError(Citadel("audit ship --once --db " + ShellQuote(db_) + " --elastic http://127.0.0.1:1/audit"),
                     "elastic:http://127.0.0.1:1/audit: connecting to 127.0.0.1:1");
  ExpectOneLineError(Citadel("audit ship --once --db " + ShellQuote(db_) + " --elastic http://127.0.0.1:1"),
                     "expected URL/INDEX");
  ExpectOneLineError(Citadel("audit ship --once --db " + ShellQuote((dir_ / "none.db").string()) + " --syslog 127.0.0.1:1"),
                     "no audit database");
}

}  // namespace
}  // namespace citadel
