// The guard pipeline's cost per request — authentication, authorization and quota admission, the
// work `citadel serve` does before the engine sees a request — for each credential kind. Besides
// Google Benchmark's mean, every benchmark reports the per-request p50 and p99 in microseconds
// (counters p50_us, p99_us), the figures the access-control goal (< 50 µs at p99) is about.

#include <benchmark/benchmark.h>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "core/base64url.h"
#include "guard/authn/jwt_verifier.h"
#include "guard/gatekeeper.h"

namespace {

using namespace citadel::guard;
using Clock = std::chrono::steady_clock;

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() /
                    fmt::format("citadel-guard-bench-{}-{}", ::getpid(), std::random_device{}())) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

AccessPolicy Policy() {
  AccessPolicy p;
  p.roles["analyst"] = {.name = "analyst",
                        .models = {"qwen"},
                        .endpoints = {"chat.completions", "completions"},
                        .max_tokens = 1024,
                        .limits = {.requests_per_minute = 1'000'000'000, .tokens_per_minute = 1'000'000'000,
                                   .concurrent = 1000, .tokens_per_day = 1'000'000'000'000}};
  p.default_tenant_limits = {.requests_per_minute = 1'000'000'000, .concurrent = 100000};
  return p;
}

// Runs the three steps once per iteration and records each iteration's latency.
void RunPipeline(benchmark::State& state, Gatekeeper& gate, const std::string& authorization) {
  std::vector<double> micros;
  micros.reserve(1 << 20);
  for (auto _ : state) {
    const auto start = Clock::now();
    auto who = gate.Authenticate({"10.1.2.3", authorization, "/v1/chat/completions"});
    const Identity& id = std::get<Identity>(who);
    auto role = gate.Authorize(id, "chat.completions", "qwen");
    {
      auto ticket = gate.Admit(id, std::get<RolePolicy>(role), 200);
      benchmark::DoNotOptimize(ticket);
    }
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(micros.begin(), micros.end());
  if (!micros.empty()) {
    state.counters["p50_us"] = micros[micros.size() / 2];
    state.counters["p99_us"] = micros[micros.size() * 99 / 100];
  }
}

void BM_GuardApiKey(benchmark::State& state) {
  TempDir dir;
  auto store = ApiKeyStore::Open(dir.path() / "keys.db", true);
  auto key = (*store)->Create({"acme", "analyst", "bench", {}, 0}, std::time(nullptr));
  for (int i = 0; i < 1000; ++i) (void)(*store)->Create({"acme", "analyst", "", {}, 0}, std::time(nullptr));
  GuardSettings s;
  s.api_keys = std::move(*store);
  s.policy = Policy();
  s.allowlist = *IpAllowlist::Parse({"10.0.0.0/8"});
  Gatekeeper gate(std::move(s));
  RunPipeline(state, gate, "Bearer " + key->secret);
}
BENCHMARK(BM_GuardApiKey)->MinTime(2.0);

std::string Base64Url(std::string_view s) { return citadel::EncodeBase64Url(s); }

std::string BnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

// An RS256 token from a key the verifier has cached (the steady state: JWKS fetched at start).
void BM_GuardJwtRs256(benchmark::State& state) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}),
                                                          EVP_PKEY_free);
  const std::string jwks = fmt::format(R"({{"keys":[{{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":"{}","e":"{}"}}]}})",
                                       Base64Url(BnParam(key.get(), OSSL_PKEY_PARAM_RSA_N)),
                                       Base64Url(BnParam(key.get(), OSSL_PKEY_PARAM_RSA_E)));
  const int64_t now = std::time(nullptr);
  const std::string input =
      Base64Url(R"({"alg":"RS256","typ":"JWT","kid":"k1"})") + "." +
      Base64Url(fmt::format(R"({{"iss":"https://idp.example","aud":"citadel","sub":"svc-7","tenant":"acme",)"
                            R"("roles":["analyst"],"iat":{},"exp":{},"jti":"j-1"}})",
                            now, now + 86400));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t length = 0;
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get());
  EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::string signature(length, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  const std::string token = input + "." + Base64Url(std::string_view(signature).substr(0, length));

  OidcSettings oidc;
  oidc.issuer = "https://idp.example";
  oidc.jwks_uri = "https://idp.example/jwks";
  oidc.audiences = {"citadel"};
  auto verifier = JwtVerifier::Create(oidc, [jwks](const std::string&) -> citadel::Result<std::string> { return jwks; });
  std::shared_ptr<const JwtVerifier> shared(std::move(*verifier));
  GuardSettings s;
  s.verify_token = [shared](std::string_view t) { return shared->Verify(t); };
  s.policy = Policy();
  s.allowlist = *IpAllowlist::Parse({"10.0.0.0/8"});
  Gatekeeper gate(std::move(s));
  RunPipeline(state, gate, "Bearer " + token);
}
BENCHMARK(BM_GuardJwtRs256)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
