// HttpGet over TLS against a loopback server with a certificate made here: the configured CA file
// is trusted, the system store is not, and the certificate must name the host (DNS or IP SAN).
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "guard/authn/http_fetch.h"
#include "guard/authn/loopback_server.h"

namespace citadel::guard {
namespace {

using namespace std::chrono_literals;

// A self-signed certificate whose subjectAltName is `san` (e.g. "DNS:localhost,IP:127.0.0.1"), a
// server SSL_CTX using it, and the certificate as a PEM file to trust.
class SelfSignedTls {
 public:
  explicit SelfSignedTls(const char* san) {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("citadel test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, san}, std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
      X509_add_ext(cert, ext, -1);
      X509_EXTENSION_free(ext);
    }
    EXPECT_GT(X509_sign(cert, key, EVP_sha256()), 0);
    ctx_ = SSL_CTX_new(TLS_server_method());
    EXPECT_EQ(SSL_CTX_use_certificate(ctx_, cert), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx_, key), 1);
    ca_file_ = (std::filesystem::temp_directory_path() /
                ("citadel-https-test-" + std::to_string(reinterpret_cast<uintptr_t>(this)) + ".pem")).string();
    FILE* f = std::fopen(ca_file_.c_str(), "w");
    PEM_write_X509(f, cert);
    std::fclose(f);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  ~SelfSignedTls() {
    SSL_CTX_free(ctx_);
    std::filesystem::remove(ca_file_);
  }
  SSL_CTX* ctx() const { return ctx_; }
  const std::string& ca_file() const { return ca_file_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  std::string ca_file_;
};

TEST(HttpsFetch, TrustsTheConfiguredCaAndChecksTheHost) {
  const SelfSignedTls tls("DNS:localhost,IP:127.0.0.1");
  testing::LoopbackServer server(tls.ctx());
  const HttpFetchOptions trusted{.timeout = 3000ms, .ca_file = tls.ca_file()};
  for (const char* host : {"127.0.0.1", "localhost"}) {
    const Result<std::string> body = HttpGet(server.Url("/ok", host), trusted);
    ASSERT_TRUE(body.has_value()) << host << ": " << body.error().message;
    EXPECT_EQ(*body, "{\"ok\":true}");
  }
  EXPECT_EQ(HttpGet(server.Url("/eof"), trusted).value_or("failed"), "{\"eof\":true}");
  const Result<std::string> missing = HttpGet(server.Url("/missing"), trusted);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("HTTP status 404"), std::string::npos) << missing.error().message;
  // The system store does not know our certificate.
  const Result<std::string> untrusted = HttpGet(server.Url("/ok"), HttpFetchOptions{.timeout = 3000ms});
  ASSERT_FALSE(untrusted.has_value());
  EXPECT_NE(untrusted.error().message.find("TLS handshake"), std::string::npos) << untrusted.error().message;
}

TEST(HttpsFetch, RefusesACertificateForAnotherHost) {
  const SelfSignedTls tls("DNS:idp.example");
  testing::LoopbackServer server(tls.ctx());
  const HttpFetchOptions trusted{.timeout = 3000ms, .ca_file = tls.ca_file()};
  for (const char* host : {"127.0.0.1", "localhost"}) {
    const Result<std::string> body = HttpGet(server.Url("/ok", host), trusted);
    ASSERT_FALSE(body.has_value()) << host;
    EXPECT_NE(body.error().message.find("TLS handshake"), std::string::npos) << body.error().message;
  }
}

TEST(HttpsFetch, TimesOutOnASilentTlsServer) {
  const SelfSignedTls tls("IP:127.0.0.1");
  testing::LoopbackServer server(tls.ctx());
  const auto start = std::chrono::steady_clock::now();
  const Result<std::string> body = HttpGet(server.Url("/slow"), HttpFetchOptions{.timeout = 300ms, .ca_file = tls.ca_file()});
  ASSERT_FALSE(body.has_value());
  EXPECT_NE(body.error().message.find("timed out"), std::string::npos) << body.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

}  // namespace
}  // namespace citadel::guard
