#pragma once
// The stable codes in Error::code that token verification returns. Callers match on these; the
// server answers every one of them with 401 and `WWW-Authenticate: Bearer error="invalid_token"`.
// Messages say why in one line and never contain the token, a key or any other secret.

#include <string_view>

namespace citadel::guard::authn_error {

inline constexpr std::string_view kInvalidToken = "invalid_token";            // malformed, bad JSON, bad claim type
inline constexpr std::string_view kInvalidSignature = "invalid_signature";    // signature does not verify
inline constexpr std::string_view kTokenTooLarge = "token_too_large";
inline constexpr std::string_view kUnsupportedAlgorithm = "unsupported_algorithm";  // none, HS*, not allowed, wrong key type
inline constexpr std::string_view kUnknownKey = "unknown_key";                // kid missing or not in the JWKS
inline constexpr std::string_view kTokenExpired = "token_expired";
inline constexpr std::string_view kTokenNotYetValid = "token_not_yet_valid";  // nbf or iat in the future
inline constexpr std::string_view kInvalidIssuer = "invalid_issuer";
inline constexpr std::string_view kInvalidAudience = "invalid_audience";
inline constexpr std::string_view kMissingClaim = "missing_claim";            // exp, subject or tenant absent
inline constexpr std::string_view kJwksUnavailable = "jwks_unavailable";      // no key set could be loaded

}  // namespace citadel::guard::authn_error

#include <string>

namespace citadel::guard {

// An untrusted value (alg, kid, iss…) made safe for a one-line log message: printable ASCII only,
// at most `max_chars`, anything else replaced by '?'.
std::string Printable(std::string_view untrusted, size_t max_chars = 64);

}  // namespace citadel::guard
