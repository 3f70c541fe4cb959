#pragma once
// The server side of TLS: an OpenSSL 3 context built from PEM files, and its reload.
//
// Policy, fixed here rather than configurable: TLS 1.3 only, or TLS 1.2 as well when allow_tls12
// (then only ECDHE key exchange with AEAD ciphers); no compression, no renegotiation. Session
// resumption is off (no tickets, no session cache): a ticket key would live as long as the process
// and outlive every certificate reload, and each reload would need its own ticket-key story. A
// keep-alive connection pays for its handshake once, which is where HTTP clients of an LLM server
// spend their time anyway.
//
// Reload swaps in a whole new context; a connection takes the current one when it is accepted and
// keeps it (it holds a reference) until it closes, so existing connections are never disturbed.

#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"

namespace boost::asio::ssl {
class context;
}

namespace citadel::server {

struct TlsSettings {
  std::string cert_file;       // PEM: the server certificate, then any intermediates
  std::string key_file;        // PEM: its private key, unencrypted (a server cannot ask for a passphrase)
  bool allow_tls12 = false;    // also accept TLS 1.2 (ECDHE + AEAD only)
  std::string client_ca_file;  // non-empty: mutual TLS, a client certificate signed by these CAs is required

  bool enabled() const { return !cert_file.empty(); }
};

class TlsContext {
 public:
  // Reads and checks the files. Errors name the file (never its contents): unreadable, not PEM,
  // an encrypted key, a key that does not belong to the certificate, an empty CA file.
  static Result<std::shared_ptr<TlsContext>> Create(TlsSettings settings);

  // The context for a connection accepted now. Keep the pointer for the connection's life.
  std::shared_ptr<boost::asio::ssl::context> Current() const;

  // Re-reads the same files. On success new connections use the new context; on failure the old one
  // stays in place and the error says why.
  Result<void> Reload();

  const TlsSettings& settings() const { return settings_; }

 private:
  explicit TlsContext(TlsSettings settings) : settings_(std::move(settings)) {}

  const TlsSettings settings_;
  mutable std::mutex mutex_;  // guards current_
  std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace citadel::server
