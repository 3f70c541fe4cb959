// HTTPS on port 0 against the openssl CLI and an in-test OpenSSL client: the protocol floor (1.3
// unless TLS 1.2 is allowed), mutual TLS, certificate reload (new connections get the new
// certificate, open ones keep working, a broken reload changes nothing), load errors that name the
// file, clients that speak plain HTTP or nothing at all, and OnClientGone over TLS. Certificates
// are made per test suite with the openssl CLI (EC P-256: milliseconds each).

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "server/http_server.h"
#include "server/tls_context.h"
#include "testing/shared_data.h"
#include "testing/socket_client.h"
#include "testing/subprocess.h"

namespace citadel::server {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::RunCommand;
using testing::ShellQuote;

constexpr const char* kRequest = "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

// A CA, two server certificates (the second for reload), a client certificate from the CA and a
// self-signed one, made once for all tests.
class Pki {
 public:
  explicit Pki(fs::path dir) : dir_(std::move(dir)) {}

  bool Make() {
    std::ofstream(dir_ / "server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    std::ofstream(dir_ / "client.ext") << "extendedKeyUsage=clientAuth\n";
    return SelfSigned("ca", "Citadel Test CA") && Signed("server1", "server-one", "server.ext", 1) &&
           Signed("server2", "server-two", "server.ext", 2) && Signed("client", "client-one", "client.ext", 3) &&
           SelfSigned("rogue", "rogue-client") &&
           Openssl("pkey -in " + Q("server1.key") + " -aes256 -passout pass:secret -out " + Q("encrypted.key"));
  }

  std::string operator()(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::string Q(const std::string& name) const { return ShellQuote((*this)(name)); }
  bool Openssl(const std::string& args) const {
    const auto r = RunCommand("openssl " + args);
    EXPECT_EQ(r.exit_code, 0) << "openssl " << args << "\n" << r.err;
    return r.exit_code == 0;
  }
  static std::string NewKey() { return "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"; }
  bool SelfSigned(const std::string& name, const std::string& cn) const {
    return Openssl("req -x509 " + NewKey() + " -days 2 -subj " + ShellQuote("/CN=" + cn) + " -keyout " +
                   Q(name + ".key") + " -out " + Q(name + ".pem"));
  }
  bool Signed(const std::string& name, const std::string& cn, const std::string& ext, int serial) const {
    return Openssl("req " + NewKey() + " -subj " + ShellQuote("/CN=" + cn) + " -keyout " + Q(name + ".key") + " -out " +
                   Q(name + ".csr")) &&
           Openssl("x509 -req -in " + Q(name + ".csr") + " -CA " + Q("ca.pem") + " -CAkey " + Q("ca.key") +
                   " -set_serial " + std::to_string(serial) + " -days 2 -extfile " + Q(ext) + " -out " + Q(name + ".pem"));
  }

  fs::path dir_;
};

// A blocking TLS 1.3 client over SocketClient's socket, verifying the server against the test CA.
class TlsClient : public testing::SocketClient {
 public:
  TlsClient(uint16_t port, const Pki& pki, const std::string& cert = "") : SocketClient(port) {
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_load_verify_locations(ctx_.get(), pki("ca.pem").c_str(), nullptr);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    if (!cert.empty()) {
      SSL_CTX_use_certificate_file(ctx_.get(), pki(cert + ".pem").c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_.get(), pki(cert + ".key").c_str(), SSL_FILETYPE_PEM);
    }
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), fd());
    SSL_set1_host(ssl_.get(), "localhost");
    // The socket times out every 100 ms (SocketClient); a handshake gets 5 s.
    for (int i = 0; i < 50 && !connected_; ++i) {
      const int r = SSL_connect(ssl_.get());
      connected_ = r == 1;
      if (r != 1 && SSL_get_error(ssl_.get(), r) != SSL_ERROR_WANT_READ) break;
    }
    ERR_clear_error();
  }

  bool connected() const { return connected_; }
  void Send(std::string_view bytes) override {
    ASSERT_EQ(SSL_write(ssl_.get(), bytes.data(), static_cast<int>(bytes.size())), static_cast<int>(bytes.size()));
  }
  std::string PeerSubject() const {
    const X509* cert = SSL_get0_peer_certificate(ssl_.get());
    if (cert == nullptr) return "";
    char name[256];
    X509_NAME_oneline(X509_get_subject_name(cert), name, sizeof(name));
    return name;
  }
  void SendCloseNotify() { SSL_shutdown(ssl_.get()); }
  void ShutdownWrite() { ::shutdown(fd(), SHUT_WR); }

 protected:
  ssize_t Receive(char* buffer, size_t size) override {
    const int n = SSL_read(ssl_.get(), buffer, static_cast<int>(size));
    if (n > 0) return n;
    const int error = SSL_get_error(ssl_.get(), n);
    ERR_clear_error();
    return error == SSL_ERROR_WANT_READ ? -1 : 0;  // anything else ends the connection
  }

 private:
  struct Free {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
    void operator()(SSL* s) const { SSL_free(s); }
  };
  std::unique_ptr<SSL_CTX, Free> ctx_;
  std::unique_ptr<SSL, Free> ssl_;
  bool connected_ = false;
};

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(testing::MakeTempDir("citadel-tls"));
    pki_ = new Pki(*dir_);
    made_ = pki_->Make();
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete pki_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_TRUE(made_) << "the openssl CLI could not make the test certificates";
    // The served files are copies, so that reload tests can overwrite them.
    fs::copy_file((*pki_)("server1.pem"), (*pki_)("live.pem"), fs::copy_options::overwrite_existing);
    fs::copy_file((*pki_)("server1.key"), (*pki_)("live.key"), fs::copy_options::overwrite_existing);
  }
  void TearDown() override {
    if (server_) server_->Stop(0ms);
  }

  TlsSettings Settings() const { return {.cert_file = pki("live.pem"), .key_file = pki("live.key")}; }
  void Start(const TlsSettings& tls) {
    const ServerLimits limits{.read_timeout = 300ms, .idle_timeout = 5s, .max_connections = 8, .io_threads = 2};
    auto server = HttpServer::Start("127.0.0.1", 0, limits, [this](Exchange& ex) { return Handle(ex); }, tls);
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server);
  }

  // One request through `openssl s_client`; its stdout (the certificate's subject, the session and
  // whatever the server answered) and exit code.
  testing::CommandResult SClient(const std::string& options) const {
    return RunCommand("printf " + ShellQuote(kRequest) + " | timeout 10 openssl s_client -connect 127.0.0.1:" +
                      std::to_string(server_->port()) + " -servername localhost -CAfile " +
                      ShellQuote(pki("ca.pem")) + " -verify_return_error -ign_eof " + options);
  }
  static bool Served(const testing::CommandResult& r) {
    return r.out.find("HTTP/1.1 200 OK") != std::string::npos && r.out.find("over tls:/x") != std::string::npos;
  }
  std::string ClientFiles(const std::string& name) const {
    return " -cert " + ShellQuote(pki(name + ".pem")) + " -key " + ShellQuote(pki(name + ".key"));
  }

  asio::awaitable<void> Handle(Exchange& ex) {
    if (ex.request().path == "/hold") {  // until the client is gone, 5 s at most
      asio::steady_timer timer(ex.executor(), 5s);
      ex.OnClientGone([&] {
        gone_ = true;
        timer.cancel();
      });
      held_ = true;
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    const HttpResponse answer{.content_type = "text/plain", .body = "over tls:" + ex.request().path};
    co_await ex.Respond(answer);
  }

  static std::string pki(const std::string& name) { return (*pki_)(name); }

  static inline fs::path* dir_ = nullptr;
  static inline Pki* pki_ = nullptr;
  static inline bool made_ = false;
  std::unique_ptr<HttpServer> server_;
  std::atomic<bool> held_ = false, gone_ = false;
};

TEST_F(TlsTest, Tls13ServesAndTls12IsRefusedByDefault) {
  Start(Settings());
  const auto tls13 = SClient("-tls1_3");
  EXPECT_TRUE(Served(tls13)) << tls13.out << tls13.err;
  EXPECT_NE(tls13.out.find("CN = server-one"), std::string::npos) << tls13.out;
  const auto tls12 = SClient("-tls1_2");
  EXPECT_NE(tls12.exit_code, 0);
  EXPECT_FALSE(Served(tls12)) << tls12.out;
}

TEST_F(TlsTest, Tls12WhenAllowedWithForwardSecrecyAndAead) {
  TlsSettings tls = Settings();
  tls.allow_tls12 = true;
  Start(tls);
  const auto tls12 = SClient("-tls1_2");
  EXPECT_TRUE(Served(tls12)) << tls12.out << tls12.err;
  EXPECT_NE(tls12.out.find("Cipher is ECDHE-"), std::string::npos) << tls12.out;
  // A CBC suite the policy leaves out.
  const auto cbc = SClient("-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA");
  EXPECT_FALSE(Served(cbc)) << cbc.out;
  EXPECT_TRUE(Served(SClient("-tls1_3")));
}

TEST_F(TlsTest, MutualTlsRequiresACertificateFromTheCa) {
  TlsSettings tls = Settings();
  tls.client_ca_file = pki("ca.pem");
  Start(tls);
  const auto none = SClient("-tls1_3");
  EXPECT_FALSE(Served(none)) << none.out;
  EXPECT_EQ(none.out.find("HTTP/1.1"), std::string::npos) << none.out;
  const auto signed_by_ca = SClient("-tls1_3" + ClientFiles("client"));
  EXPECT_TRUE(Served(signed_by_ca)) << signed_by_ca.out << signed_by_ca.err;
  const auto self_signed = SClient("-tls1_3" + ClientFiles("rogue"));
  EXPECT_EQ(self_signed.out.find("HTTP/1.1"), std::string::npos) << self_signed.out;
}

TEST_F(TlsTest, ReloadServesTheNewCertificateAndKeepsOpenConnections) {
  Start(Settings());
  TlsClient before(server_->port(), *pki_);
  ASSERT_TRUE(before.connected());
  before.Send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_NE(before.ReadUntil("over tls:/1").find("over tls:/1"), std::string::npos);

  fs::copy_file(pki("server2.pem"), pki("live.pem"), fs::copy_options::overwrite_existing);
  fs::copy_file(pki("server2.key"), pki("live.key"), fs::copy_options::overwrite_existing);
  const auto reloaded = server_->ReloadTls();
  ASSERT_TRUE(reloaded) << reloaded.error().message;

  const auto after = SClient("-tls1_3");
  EXPECT_TRUE(Served(after)) << after.out << after.err;
  EXPECT_NE(after.out.find("CN = server-two"), std::string::npos) << after.out;
  // The connection from before still works, with what it negotiated.
  before.Send("GET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  EXPECT_NE(before.ReadUntil("over tls:/2").find("over tls:/2"), std::string::npos);
  EXPECT_EQ(before.PeerSubject(), "/CN=server-one");
}

TEST_F(TlsTest, AFailedReloadKeepsTheCurrentCertificate) {
  Start(Settings());
  fs::copy_file(pki("server2.key"), pki("live.key"), fs::copy_options::overwrite_existing);  // not live.pem's key
  const auto reloaded = server_->ReloadTls();
  ASSERT_FALSE(reloaded);
  EXPECT_NE(reloaded.error().message.find("does not belong to the certificate"), std::string::npos)
      << reloaded.error().message;
  const auto still = SClient("-tls1_3");
  EXPECT_TRUE(Served(still)) << still.out << still.err;
  EXPECT_NE(still.out.find("CN = server-one"), std::string::npos) << still.out;
}

TEST_F(TlsTest, PlainHttpAndSilentClientsAreDropped) {
  Start(Settings());
  testing::SocketClient plain(server_->port());
  plain.Send(kRequest);
  const std::string answer = plain.ReadToClose();
  EXPECT_TRUE(plain.closed());
  EXPECT_EQ(answer.find("HTTP/1.1"), std::string::npos) << answer;

  const auto start = std::chrono::steady_clock::now();
  testing::SocketClient silent(server_->port());
  silent.ReadToClose();
  EXPECT_TRUE(silent.closed()) << "the handshake must finish within the read timeout";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);

  EXPECT_TRUE(Served(SClient("-tls1_3"))) << "the server goes on";
  for (int i = 0; i < 100 && server_->open_connections() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server_->open_connections(), 0);
}

TEST_F(TlsTest, ClientGoneFiresOverTls) {
  Start(Settings());
  // A FIN alone; the TLS close_notify alert (bytes the watch must not take for a pipelined request)
  // with the FIN; and the alert first, the FIN only later.
  enum class Leave { kFin, kCloseNotifyAndFin, kCloseNotifyThenFin };
  for (const Leave leave : {Leave::kFin, Leave::kCloseNotifyAndFin, Leave::kCloseNotifyThenFin}) {
    SCOPED_TRACE(static_cast<int>(leave));
    held_ = gone_ = false;
    TlsClient c(server_->port(), *pki_);
    ASSERT_TRUE(c.connected());
    c.Send("GET /hold HTTP/1.1\r\nHost: a\r\n\r\n");
    for (int i = 0; i < 200 && !held_; ++i) std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(held_);
    if (leave != Leave::kFin) c.SendCloseNotify();
    if (leave == Leave::kCloseNotifyThenFin) {
      std::this_thread::sleep_for(300ms);
      EXPECT_FALSE(gone_) << "the client may still read the answer until it closes";
    }
    c.ShutdownWrite();
    for (int i = 0; i < 200 && !gone_; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_TRUE(gone_);
  }
}

TEST_F(TlsTest, LoadErrorsNameTheFileAndNeverItsContents) {
  const auto error = [](const TlsSettings& s) {
    auto tls = TlsContext::Create(s);
    EXPECT_FALSE(tls);
    return tls ? std::string() : tls.error().message;
  };
  const std::string missing = error({.cert_file = pki("nope.pem"), .key_file = pki("live.key")});
  EXPECT_NE(missing.find(pki("nope.pem")), std::string::npos) << missing;
  EXPECT_NE(missing.find("No such file"), std::string::npos) << missing;

  const std::string not_pem = error({.cert_file = pki("server.ext"), .key_file = pki("live.key")});
  EXPECT_NE(not_pem.find("certificate file '" + pki("server.ext") + "'"), std::string::npos) << not_pem;

  const std::string mismatch = error({.cert_file = pki("live.pem"), .key_file = pki("server2.key")});
  EXPECT_NE(mismatch.find(pki("server2.key")), std::string::npos) << mismatch;
  EXPECT_NE(mismatch.find("does not belong"), std::string::npos) << mismatch;

  const std::string encrypted = error({.cert_file = pki("live.pem"), .key_file = pki("encrypted.key")});
  EXPECT_NE(encrypted.find(pki("encrypted.key") + "' is encrypted"), std::string::npos) << encrypted;

  const std::string key_as_cert = error({.cert_file = pki("live.key"), .key_file = pki("live.key")});
  const std::string ca_missing =
      error({.cert_file = pki("live.pem"), .key_file = pki("live.key"), .client_ca_file = pki("nope-ca.pem")});
  EXPECT_NE(ca_missing.find("client CA file '" + pki("nope-ca.pem") + "'"), std::string::npos) << ca_missing;
  for (const std::string& message : {missing, not_pem, mismatch, encrypted, key_as_cert, ca_missing}) {
    EXPECT_EQ(message.find("BEGIN"), std::string::npos) << message;
    EXPECT_EQ(message.find("PRIVATE"), std::string::npos) << message;
  }

  auto plain = HttpServer::Start("127.0.0.1", 0, {}, [](Exchange&) -> asio::awaitable<void> { co_return; });
  ASSERT_TRUE(plain);
  EXPECT_FALSE((*plain)->ReloadTls()) << "no TLS to reload";
}

}  // namespace
}  // namespace citadel::server
