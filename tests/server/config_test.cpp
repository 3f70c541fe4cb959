// citadel.toml: every key read, unknown keys and bad values refused with the key's name, sizes,
// and the rule that a non-loopback listener needs authentication or an explicit opt-in; the
// access-control sections (auth, roles, tenants, quota).

#include "server/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/shared_data.h"

namespace citadel::server {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("citadel-config"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path Write(const std::string& text) {
    const auto path = dir_ / "citadel.toml";
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigTest, ReadsEveryKind) {
  auto c = LoadConfig(Write(R"(
[model]
path = "/models/q.gguf"
id = "qwen"
[server]
port = 9000
max_connections = 10
read_timeout_seconds = 1.5
[engine]
kv_memory = "512MiB"
kv_type = "q8_0"
parallel = 8
)"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->model_path, "/models/q.gguf");
  EXPECT_EQ(c->model_id, "qwen");
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->limits.max_connections, 10);
  EXPECT_EQ(c->limits.read_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c->kv_memory_bytes, 512 << 20);
  EXPECT_EQ(c->kv_type, model::KvType::kQ8_0);
  EXPECT_EQ(c->parallel, 8);
}

TEST_F(ConfigTest, ErrorsNameTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[server]\nprot = 1\n", "unknown key 'server.prot'"},
      {"[server]\nport = 70000\n", "server.port: 70000 is outside [0, 65535]"},
      {"[server]\nport = \"80\"\n", "server.port: must be an integer"},
      {"[engine]\nkv_memory = \"lots\"\n", "engine.kv_memory: 'lots' is not a size"},
      {"[engine]\nkv_type = \"q4_0\"\n", "engine.kv_type: KV cache type 'q4_0' is not one of f16, q8_0"},
      {"[server]\nhost = \"0.0.0.0\"\n", "server.host: '0.0.0.0' is not a loopback address"},
      {"port = 1\n", "'port' must be a table"},
      {"[server\n", "citadel.toml:1:"}};
  for (const auto& [text, expected] : cases) {
    auto c = LoadConfig(Write(text));
    ASSERT_FALSE(c) << text;
    EXPECT_NE(c.error().message.find(expected), std::string::npos) << c.error().message;
  }
  auto remote = LoadConfig(Write("[server]\nhost = \"0.0.0.0\"\nallow_unauthenticated_remote = true\n"));
  EXPECT_TRUE(remote) << "the explicit opt-in is accepted";
}

TEST_F(ConfigTest, ReadsAccessControl) {
  auto c = LoadConfig(Write(R"(
[server]
host = "0.0.0.0"
[auth]
api_keys = "/var/lib/citadel/keys.db"
allow_ips = ["10.0.0.0/8", "::1"]
[quota]
store = "/var/lib/citadel/usage.db"
[roles.analyst]
models = ["qwen"]
endpoints = ["chat.completions", "usage"]
max_tokens = 2048
requests_per_minute = 60
tokens_per_day = 100000
require_mfa = true
mfa_amr = ["otp"]
pii_policy = "strict"
[pii.policies.strict]
default = "redact"
PHONE = "placeholder"
[tenants.acme]
tokens_per_month = 5000000
[tenants."*"]
concurrent = 4
)"));
  ASSERT_TRUE(c) << c.error().message;  // a remote listener is fine once authentication is configured
  EXPECT_EQ(c->access.api_keys, "/var/lib/citadel/keys.db");
  EXPECT_EQ(c->access.allow_ips.size(), 2u);
  EXPECT_EQ(c->access.quota_store, "/var/lib/citadel/usage.db");
  const guard::RolePolicy& r = c->access.policy.roles.at("analyst");
  EXPECT_EQ(r.name, "analyst");
  EXPECT_EQ(r.models, std::vector<std::string>{"qwen"});
  EXPECT_EQ(r.endpoints.size(), 2u);
  EXPECT_EQ(r.max_tokens, 2048);
  EXPECT_EQ(r.limits.requests_per_minute, 60);
  EXPECT_EQ(r.limits.tokens_per_day, 100000);
  EXPECT_TRUE(r.require_mfa);
  EXPECT_EQ(r.mfa_amr, std::vector<std::string>{"otp"});
  EXPECT_EQ(r.pii_policy, "strict");
  EXPECT_EQ(c->access.policy.tenants.at("acme").tokens_per_month, 5000000);
  EXPECT_EQ(c->access.policy.default_tenant_limits.concurrent, 4);
  EXPECT_EQ(c->pii.policies.at("strict").For("PHONE"), guard::pii::Action::kPlaceholder);
  EXPECT_EQ(c->pii.policies.at("strict").For("EMAIL"), guard::pii::Action::kRedact);
  auto dangling = LoadConfig(Write("[roles.a]\npii_policy = \"nope\"\n"));
  ASSERT_FALSE(dangling);
  EXPECT_NE(dangling.error().message.find("roles.a.pii_policy: no [pii.policies.nope]"), std::string::npos);
}

TEST_F(ConfigTest, AccessErrorsNameTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[auth]\napi_key = \"k.db\"\n", "auth.api_key: unknown key"},
      {"[auth]\nallow_ips = [\"10.0.0.0/40\"]\n", "auth.allow_ips: '10.0.0.0/40'"},
      {"[roles.a]\nendpoints = [\"chat\", \"admin\"]\n", "roles.a.endpoints: unknown endpoint 'admin'"},
      {"[roles.a]\nrequests_per_minute = -1\n", "roles.a.requests_per_minute: -1 is negative"},
      {"[roles.a]\nrequire_mfa = \"yes\"\n", "roles.a.require_mfa: must be true or false"},
      {"[roles]\na = 1\n", "roles.a: must be a table"},
      {"[tenants.t]\nmax_tokens = 5\n", "tenants.t.max_tokens: unknown key"}};
  for (const auto& [text, expected] : cases) {
    auto c = LoadConfig(Write(text));
    ASSERT_FALSE(c) << text;
    EXPECT_NE(c.error().message.find(expected), std::string::npos) << c.error().message;
  }
}

TEST_F(ConfigTest, TlsKeysAndTheirErrors) {
  const auto cert = dir_ / "c.pem", key = dir_ / "k.pem";
  std::ofstream(cert) << "x";
  std::ofstream(key) << "x";
  auto c = LoadConfig(Write("[tls]\ncert = \"" + cert.string() + "\"\nkey = \"" + key.string() +
                            "\"\nallow_tls12 = true\nclient_ca = \"" + cert.string() + "\"\n"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->tls.enabled());
  EXPECT_EQ(c->tls.cert_file, cert.string());
  EXPECT_EQ(c->tls.key_file, key.string());
  EXPECT_EQ(c->tls.client_ca_file, cert.string());
  EXPECT_TRUE(c->tls.allow_tls12);
  EXPECT_FALSE(LoadConfig(Write("[server]\nport = 1\n"))->tls.enabled()) << "off by default";

  const std::string missing = (dir_ / "missing.pem").string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[tls]\ncert = \"" + cert.string() + "\"\n", "tls.key: missing"},
      {"[tls]\nkey = \"" + key.string() + "\"\n", "tls.cert: missing"},
      {"[tls]\nclient_ca = \"" + cert.string() + "\"\n", "tls.client_ca: needs tls.cert"},
      {"[tls]\nallow_tls12 = true\n", "tls.allow_tls12: needs tls.cert"},
      {"[tls]\nallow_tls12 = 1\n", "tls.allow_tls12: must be true or false"},
      {"[tls]\ncert = 5\n", "tls.cert: must be a file name"},
      {"[tls]\ncert = \"" + missing + "\"\nkey = \"" + key.string() + "\"\n",
       "tls.cert: '" + missing + "' does not exist"},
      {"[tls]\ncert = \"" + cert.string() + "\"\nkey = \"" + dir_.string() + "\"\n", "tls.key: '"},
      {"[tls]\ncert = \"" + cert.string() + "\"\nkey = \"" + key.string() + "\"\nclient_ca = \"" + missing + "\"\n",
       "tls.client_ca: '" + missing + "' does not exist"},
      {"[tls]\nciphers = \"ALL\"\n", "unknown key 'tls.ciphers'"}};
  for (const auto& [text, expected] : cases) {
    auto bad = LoadConfig(Write(text));
    ASSERT_FALSE(bad) << text;
    EXPECT_NE(bad.error().message.find(expected), std::string::npos) << bad.error().message;
  }
}

TEST(ParseSize, UnitsAndErrors) {
  EXPECT_EQ(*ParseSize("1000"), 1000);
  EXPECT_EQ(*ParseSize("2GiB"), int64_t{2} << 30);
  EXPECT_EQ(*ParseSize("1.5 GB"), 1'500'000'000);
  EXPECT_FALSE(ParseSize("12XB"));
  EXPECT_FALSE(ParseSize("-1MiB"));
  EXPECT_FALSE(ParseSize(""));
}

}  // namespace
}  // namespace citadel::server
