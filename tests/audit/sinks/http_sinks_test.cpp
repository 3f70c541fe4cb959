// The Loki and Elasticsearch sinks against a fake HTTP server on loopback (neither has a Debian
// package) that checks each request's shape and can answer with failures.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <set>
#include <sstream>

#include "audit/sinks/elastic_sink.h"
#include "audit/sinks/http_post.h"
#include "audit/sinks/loki_sink.h"
#include "audit/sinks/sinks_fixture.h"

namespace citadel::audit::sinks::testing {
namespace {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

struct Request {
  std::string target, content_type, body;
};
struct Reply {
  int status = 200;
  std::string body;
};

// Serves one request per connection on its own thread; `respond` decides each answer.
class FakeHttpServer {
 public:
  explicit FakeHttpServer(std::function<Reply(const Request&)> respond)
      : respond_(std::move(respond)), acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~FakeHttpServer() {
    stopping_ = true;
    CanConnect(port());  // wakes the blocking accept
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url() const { return fmt::format("http://127.0.0.1:{}", port()); }
  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Loop() {
    while (!stopping_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) continue;
      Request r{std::string(req.target()), std::string(req[http::field::content_type]), req.body()};
      Reply reply = respond_(r);
      {
        std::lock_guard lock(mu_);
        requests_.push_back(std::move(r));
      }
      http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
      res.set(http::field::content_type, "application/json");
      res.body() = reply.body;
      res.prepare_payload();
      http::write(socket, res, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  std::function<Reply(const Request&)> respond_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::vector<Request> requests_;  // guarded by mu_
  std::thread thread_;
};

// Loki: checks the push body and returns the seqs in it, or fails the test.
std::vector<uint64_t> CheckLokiPush(const Request& r) {
  EXPECT_EQ(r.target, "/loki/api/v1/push");
  EXPECT_EQ(r.content_type, "application/json");
  const auto body = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_TRUE(body.is_object() && body.contains("streams") && body["streams"].is_array()) << r.body;
  std::vector<uint64_t> seqs;
  if (body.is_discarded()) return seqs;
  for (const auto& stream : body["streams"]) {
    const auto& labels = stream["stream"];
    EXPECT_EQ(labels["app"], "citadel");
    EXPECT_EQ(labels["kind"], "request");
    EXPECT_TRUE(labels["tenant"] == "acme" || labels["tenant"] == "globex") << labels;
    EXPECT_EQ(labels["env"], "test");
    EXPECT_EQ(labels.size(), 4u) << "no high-cardinality labels: " << labels;
    for (const auto& value : stream["values"]) {
      EXPECT_TRUE(value.is_array() && value.size() == 2 && value[0].is_string() && value[1].is_string()) << value;
      const auto line = nlohmann::json::parse(value[1].get<std::string>());
      EXPECT_EQ(value[0].get<std::string>(), std::to_string(line["time_ms"].get<int64_t>() * 1'000'000));
      EXPECT_EQ(line["tenant"], labels["tenant"]);
      EXPECT_FALSE(line.contains("prompt"));
      seqs.push_back(line["seq"].get<uint64_t>());
    }
  }
  return seqs;
}

// Elasticsearch: checks the NDJSON pairs and returns the _ids, or fails the test.
std::vector<uint64_t> CheckBulk(const Request& r) {
  EXPECT_EQ(r.target, "/citadel-audit/_bulk");
  EXPECT_EQ(r.content_type, "application/x-ndjson");
  EXPECT_TRUE(!r.body.empty() && r.body.back() == '\n') << "NDJSON ends with a newline";
  std::istringstream in(r.body);
  std::vector<uint64_t> ids;
  for (std::string action_line, doc_line; std::getline(in, action_line);) {
    EXPECT_TRUE(std::getline(in, doc_line)) << "an action without a document";
    const auto action = nlohmann::json::parse(action_line);
    const auto doc = nlohmann::json::parse(doc_line);
    const std::string id = action["index"]["_id"];
    EXPECT_EQ(id, std::to_string(doc["seq"].get<uint64_t>()));
    EXPECT_TRUE(doc.contains("@timestamp"));
    EXPECT_FALSE(doc.contains("prompt"));
    ids.push_back(std::stoull(id));
  }
  return ids;
}

std::string BulkReply(const std::vector<uint64_t>& ids, int failing_index = -1) {
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = 0; i < ids.size(); ++i) {
    const bool fail = static_cast<int>(i) == failing_index;
    nlohmann::json item = {{"_id", std::to_string(ids[i])}, {"status", fail ? 429 : 201}};
    if (fail) item["error"] = {{"type", "es_rejected_execution_exception"}, {"reason", "queue full"}};
    items.push_back({{"index", item}});
  }
  return nlohmann::json{{"took", 3}, {"errors", failing_index >= 0}, {"items", items}}.dump();
}

using HttpSinkTest = SinkTest;

TEST_F(HttpSinkTest, LokiPushesEveryRecordAndRetriesA500WithoutLoss) {
  constexpr uint64_t kRecords = 130;
  Append(1, static_cast<int>(kRecords));
  std::mutex mu;
  std::multiset<uint64_t> accepted;
  int answered = 0;
  FakeHttpServer server([&](const Request& r) {
    std::lock_guard lock(mu);
    const auto seqs = CheckLokiPush(r);
    if (++answered <= 2) return Reply{500, "ingester unavailable\nsecond line"};
    accepted.insert(seqs.begin(), seqs.end());
    return Reply{204, ""};
  });
  auto sink = MakeLokiSink({.url = server.url(), .labels = {{"env", "test"}}});
  ASSERT_TRUE(sink) << sink.error().message;
  EXPECT_EQ((*sink)->name(), "loki:" + server.url());
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::move(*sink));
  auto shipper = Shipper::Start(db_path_, std::move(sinks), FastOptions(50));
  ASSERT_TRUE(shipper) << shipper.error().message;
  ASSERT_TRUE(WaitFor([&] { return StatsOf(**shipper).shipped_seq == kRecords; }));
  const SinkStats s = StatsOf(**shipper);
  EXPECT_EQ(s.failures_total, 2u);
  EXPECT_EQ(s.consecutive_failures, 0u);
  EXPECT_EQ(s.last_error.find("HTTP 500 from 127.0.0.1"), 0u) << s.last_error;
  EXPECT_EQ(s.last_error.find('\n'), std::string::npos);
  (*shipper)->Stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(accepted.size(), kRecords);
  for (uint64_t seq = 1; seq <= kRecords; ++seq) EXPECT_EQ(accepted.count(seq), 1u) << seq;
}

TEST_F(HttpSinkTest, ElasticBulkChecksPerItemStatusAndUsesSeqAsId) {
  constexpr uint64_t kRecords = 120;
  Append(1, static_cast<int>(kRecords));
  std::mutex mu;
  std::map<uint64_t, int> stored;  // _id -> times indexed
  int answered = 0;
  FakeHttpServer server([&](const Request& r) {
    std::lock_guard lock(mu);
    const auto ids = CheckBulk(r);
    ++answered;
    if (answered == 1) return Reply{503, R"({"error":"unavailable"})"};
    // Second answer: HTTP 200 but one item rejected; everything else was indexed.
    const int failing = answered == 2 ? 3 : -1;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (static_cast<int>(i) != failing) ++stored[ids[i]];
    }
    return Reply{200, BulkReply(ids, failing)};
  });
  auto sink = MakeElasticSink({.url = server.url(), .index = "citadel-audit"});
  ASSERT_TRUE(sink) << sink.error().message;
  // Step by step: 503, then the partial failure, then success for the rest.
  auto first = Shipper::ShipPending(db_path_, **sink, 50);
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().message.find("HTTP 503"), std::string::npos) << first.error().message;
  auto second = Shipper::ShipPending(db_path_, **sink, 50);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("document 4 rejected with status 429: queue full"), std::string::npos)
      << second.error().message;
  auto third = Shipper::ShipPending(db_path_, **sink, 50);
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_EQ(*third, kRecords);
  std::lock_guard lock(mu);
  ASSERT_EQ(stored.size(), kRecords);
  for (const auto& [id, times] : stored) {
    // The re-sent first batch indexed its documents again under the same _id: overwritten, not
    // duplicated (seq 4 was the rejected one, so it was indexed once).
    EXPECT_EQ(times, id <= 50 && id != 4 ? 2 : 1) << id;
  }
}

TEST(HttpSinkSettings, ValidatesUrlsIndexesAndLabels) {
  EXPECT_FALSE(MakeLokiSink({.url = "https://loki:3100"}));
  EXPECT_FALSE(MakeLokiSink({.url = "http://user:pw@loki:3100"}));
  EXPECT_FALSE(MakeLokiSink({.url = "http://loki:3100", .labels = {{"request_id", "x"}, {"bad-name", "y"}}}));
  EXPECT_FALSE(MakeLokiSink({.url = "http://loki:3100", .labels = {{"kind", "x"}}}));
  EXPECT_FALSE(MakeElasticSink({.url = "http://es:9200", .index = "Bad/Index"}));
  EXPECT_TRUE(MakeElasticSink({.url = "http://es:9200/", .index = "citadel-audit"}));
  auto url = ParseHttpUrl("http://[::1]:3100/base");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 3100);
  EXPECT_EQ(url->target, "/base");
  EXPECT_FALSE(ParseHttpUrl("http://host:99999/"));
  EXPECT_FALSE(CheckBulkResponse(R"({"errors":false,"items":[]})", 1));
  EXPECT_FALSE(CheckBulkResponse("not json", 0));
  EXPECT_TRUE(CheckBulkResponse(R"({"errors":false,"items":[{"index":{"_id":"1","status":200}}]})", 1));
}

}  // namespace
}  // namespace citadel::audit::sinks::testing
