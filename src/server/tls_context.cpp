#include "server/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace citadel::server {
namespace {

namespace ssl = boost::asio::ssl;

// TLS 1.2 suites when allow_tls12: forward secrecy (ECDHE) and AEAD only; no CBC, no RSA key
// exchange, no DHE (whose parameters a client cannot check). TLS 1.3's own suites are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The root cause OpenSSL queued for the last failure (the first entry; later ones are the callers
// that passed it on), emptying the queue. Reason strings describe the failure, never the bytes.
std::string OpenSslReason() {
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(first);
  return reason != nullptr ? reason : fmt::format("OpenSSL error {:#x}", first);
}

// Opens the file once ourselves so that a missing or unreadable file reads as such, not as
// OpenSSL's "system lib".
Result<void> CheckReadable(std::string_view what, const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Err("{} '{}': {}", what, path, std::strerror(errno));
  std::fclose(file);
  return Ok();
}

// Installed while the key is read: OpenSSL's default would prompt on the terminal for a passphrase.
// Refusing, and noting that it was asked, tells an encrypted key apart from a broken one.
int RefusePassphrase(char*, int, int, void* asked) {
  *static_cast<bool*>(asked) = true;
  return 0;
}

struct CtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxDeleter>;

Result<void> LoadKey(SSL_CTX* ctx, const std::string& key_file) {
  CITADEL_RETURN_IF_ERROR(CheckReadable("key file", key_file));
  bool asked = false;
  SSL_CTX_set_default_passwd_cb(ctx, RefusePassphrase);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &asked);
  const int loaded = SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM);
  // Cleared before anything else: asio's context treats a non-null userdata as its own callback.
  SSL_CTX_set_default_passwd_cb(ctx, nullptr);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (loaded == 1) return Ok();
  if (asked) {
    ERR_clear_error();
    return Err("key file '{}' is encrypted; a server cannot ask for a passphrase (decrypt it with "
               "`openssl pkey -in KEY -out KEY.plain` and protect it with file permissions)",
               key_file);
  }
  return Err("key file '{}': {}", key_file, OpenSslReason());
}

Result<void> LoadClientCa(SSL_CTX* ctx, const std::string& ca_file) {
  CITADEL_RETURN_IF_ERROR(CheckReadable("client CA file", ca_file));
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    return Err("client CA file '{}': {}", ca_file, OpenSslReason());
  }
  // The names the server sends in its CertificateRequest, so that a client with several
  // certificates picks one these CAs signed.
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str());
  if (names == nullptr || sk_X509_NAME_num(names) == 0) {
    if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
    ERR_clear_error();
    return Err("client CA file '{}' holds no certificate", ca_file);
  }
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return Ok();
}

Result<std::shared_ptr<ssl::context>> Build(const TlsSettings& s) {
  ERR_clear_error();
  CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return Err("cannot create a TLS context: {}", OpenSslReason());
  SSL_CTX* c = ctx.get();
  if (SSL_CTX_set_min_proto_version(c, s.allow_tls12 ? TLS1_2_VERSION : TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(c, kTls12Ciphers) != 1) {
    return Err("cannot set the TLS protocol policy: {}", OpenSslReason());
  }
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                             SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(c, 0);  // TLS 1.3 would otherwise still send (stateful) tickets
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);

  // The key before the certificate: in the other order OpenSSL reports a mismatch as the key's
  // failure to load ("key values mismatch"); this way it is caught below with both names.
  CITADEL_RETURN_IF_ERROR(LoadKey(c, s.key_file));
  CITADEL_RETURN_IF_ERROR(CheckReadable("certificate file", s.cert_file));
  if (SSL_CTX_use_certificate_chain_file(c, s.cert_file.c_str()) != 1) {
    return Err("certificate file '{}': {}", s.cert_file, OpenSslReason());
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    ERR_clear_error();
    return Err("key file '{}' does not belong to the certificate in '{}'", s.key_file, s.cert_file);
  }
  if (!s.client_ca_file.empty()) CITADEL_RETURN_IF_ERROR(LoadClientCa(c, s.client_ca_file));
  return std::make_shared<ssl::context>(ctx.release());  // the asio context owns and frees it
}

}  // namespace

Result<std::shared_ptr<TlsContext>> TlsContext::Create(TlsSettings settings) {
  if (settings.cert_file.empty() || settings.key_file.empty()) {
    return Err("TLS needs both a certificate file and a key file");
  }
  std::shared_ptr<TlsContext> tls(new TlsContext(std::move(settings)));
  CITADEL_ASSIGN_OR_RETURN(tls->current_, Build(tls->settings_));
  return tls;
}

std::shared_ptr<ssl::context> TlsContext::Current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

Result<void> TlsContext::Reload() {
  // Built outside the lock: reading files must not stall connections being accepted meanwhile.
  CITADEL_ASSIGN_OR_RETURN(auto fresh, Build(settings_));
  std::lock_guard lock(mutex_);
  current_ = std::move(fresh);
  return Ok();
}

}  // namespace citadel::server
