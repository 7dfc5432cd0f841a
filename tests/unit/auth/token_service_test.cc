#include "scopereg/auth/token_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "scopereg/core/crypto.h"
#include "scopereg/core/encoding.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace scopereg::auth {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

struct Parts {
  std::string header, payload, signature;  // still encoded
};

Parts Split(const std::string& jwt) {
  const auto d1 = jwt.find('.');
  const auto d2 = jwt.find('.', d1 + 1);
  return {jwt.substr(0, d1), jwt.substr(d1 + 1, d2 - d1 - 1), jwt.substr(d2 + 1)};
}

json DecodePart(const std::string& part) { return json::parse(DecodeBase64UrlStrict(part).value()); }
std::string EncodePart(const json& j) { return Base64UrlEncode(j.dump()); }

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = SigningKey::Generate().value();
    service_ = Make(Options());
    principal_ = Principal{PrincipalKind::kToken, "ci-token", PasswordSlot::kPassword2, 0xfedcba9876543210ULL, 42};
  }

  static TokenServiceOptions Options() {
    TokenServiceOptions o;
    o.issuer = "scopereg-test";
    o.audience = "registry.example";
    o.access_ttl = seconds(300);
    o.refresh_ttl = seconds(3600);
    return o;
  }

  std::unique_ptr<TokenService> Make(TokenServiceOptions o) {
    return TokenService::Create(std::move(o), KeySet::Create(key_).value()).value();
  }

  Status VerifyStatus(const std::string& jwt, Time now, JwtUse use = JwtUse::kAccess) {
    return service_->Verify(jwt, use, now).status();
  }

  testing::FakeClock clock_;
  SigningKey key_ = SigningKey::Generate().value();
  std::unique_ptr<TokenService> service_;
  Principal principal_;
  std::vector<AccessEntry> granted_ = {
      AccessEntry::Repository("team/app", {Action::kContentRead, Action::kContentWrite}), AccessEntry::Catalog()};
};

TEST_F(TokenServiceTest, AccessTokenRoundTripAndClaims) {
  const Time now = clock_.Now();
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->IssueAccessToken(principal_, granted_, now));
  EXPECT_EQ(issued.expires_in, 300);
  EXPECT_EQ(issued.issued_at, FromUnixSeconds(ToUnixSeconds(now)));
  EXPECT_FALSE(issued.jti.empty());

  const Parts parts = Split(issued.token);
  const json header = DecodePart(parts.header);
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["kid"], key_.kid());
  const json claims = DecodePart(parts.payload);
  EXPECT_EQ(claims["iss"], "scopereg-test");
  EXPECT_EQ(claims["aud"], "registry.example");
  EXPECT_EQ(claims["sub"], "ci-token");
  EXPECT_EQ(claims["iat"], ToUnixSeconds(now));
  EXPECT_EQ(claims["nbf"], ToUnixSeconds(now));
  EXPECT_EQ(claims["exp"], ToUnixSeconds(now) + 300);
  EXPECT_EQ(claims["jti"], issued.jti);
  EXPECT_EQ(claims["access"], json::parse(R"([{"type":"repository","name":"team/app","actions":["pull","push"]},
                                              {"type":"registry","name":"catalog","actions":["*"]}])"));
  EXPECT_EQ(claims["srg"], json::parse(R"({"use":"access","kind":"token","slot":"password2",
                                          "ver":"fedcba9876543210","sep":"000000000000002a"})"));

  ASSERT_OK_AND_ASSIGN(auto v, service_->Verify(issued.token, JwtUse::kAccess, now));
  EXPECT_EQ(v->principal, principal_);
  EXPECT_EQ(v->use, JwtUse::kAccess);
  EXPECT_EQ(v->jti, issued.jti);
  EXPECT_EQ(v->access, granted_);
  EXPECT_EQ(v->ActionsFor("team/app"), (ActionSet{Action::kContentRead, Action::kContentWrite}));
  EXPECT_EQ(v->ActionsFor("team/other"), ActionSet());
  EXPECT_TRUE(v->HasCatalog());
}

TEST_F(TokenServiceTest, AnonymousAndEmptyGrant) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->IssueAccessToken(Principal::Anonymous(), {}, clock_.Now()));
  const json claims = DecodePart(Split(issued.token).payload);
  EXPECT_FALSE(claims.contains("sub"));
  EXPECT_EQ(claims["access"], json::array());
  ASSERT_OK_AND_ASSIGN(auto v, service_->Verify(issued.token, JwtUse::kAccess, clock_.Now()));
  EXPECT_EQ(v->principal.kind, PrincipalKind::kAnonymous);
  EXPECT_TRUE(v->access.empty());
  EXPECT_STATUS(service_->IssueRefreshToken(Principal::Anonymous(), clock_.Now()), StatusCode::kFailedPrecondition);
}

TEST_F(TokenServiceTest, RefreshAndAccessTokensAreNotInterchangeable) {
  ASSERT_OK_AND_ASSIGN(IssuedToken refresh, service_->IssueRefreshToken(principal_, clock_.Now()));
  EXPECT_EQ(refresh.expires_in, 3600);
  EXPECT_FALSE(DecodePart(Split(refresh.token).payload).contains("access"));
  ASSERT_OK_AND_ASSIGN(auto v, service_->Verify(refresh.token, JwtUse::kRefresh, clock_.Now()));
  EXPECT_EQ(v->principal, principal_);
  EXPECT_STATUS(VerifyStatus(refresh.token, clock_.Now(), JwtUse::kAccess), StatusCode::kUnauthenticated);
  ASSERT_OK_AND_ASSIGN(IssuedToken access, service_->IssueAccessToken(principal_, granted_, clock_.Now()));
  EXPECT_STATUS(VerifyStatus(access.token, clock_.Now(), JwtUse::kRefresh), StatusCode::kUnauthenticated);
  // Also after the token is in the cache.
  EXPECT_OK(VerifyStatus(access.token, clock_.Now()));
  EXPECT_STATUS(VerifyStatus(access.token, clock_.Now(), JwtUse::kRefresh), StatusCode::kUnauthenticated);
}

TEST_F(TokenServiceTest, TamperedSignatureHeaderOrPayload) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->IssueAccessToken(principal_, granted_, clock_.Now()));
  const Parts p = Split(issued.token);

  std::string sig = DecodeBase64UrlStrict(p.signature).value();
  sig[10] ^= 0x01;
  EXPECT_THAT(std::string(VerifyStatus(p.header + "." + p.payload + "." + Base64UrlEncode(sig), clock_.Now()).message()),
              HasSubstr("bad signature"));

  json claims = DecodePart(p.payload);
  claims["access"][0]["actions"].push_back("delete");
  EXPECT_STATUS(VerifyStatus(p.header + "." + EncodePart(claims) + "." + p.signature, clock_.Now()),
                StatusCode::kUnauthenticated);

  json header = DecodePart(p.header);
  header["typ"] = "at+jwt";
  EXPECT_STATUS(VerifyStatus(EncodePart(header) + "." + p.payload + "." + p.signature, clock_.Now()),
                StatusCode::kUnauthenticated);
  header = DecodePart(p.header);
  header["crit"] = json::array({"exp"});
  EXPECT_THAT(std::string(VerifyStatus(EncodePart(header) + "." + p.payload + "." + p.signature, clock_.Now()).message()),
              HasSubstr("crit"));

  for (const std::string& bad : {std::string(""), std::string("a.b"), std::string("a.b.c.d"), p.header + "." + p.payload,
                                 p.header + "." + p.payload + "." + p.signature + "=", std::string(kMaxJwtLength + 1, 'a')}) {
    SCOPED_TRACE(bad.substr(0, 40));
    EXPECT_STATUS(VerifyStatus(bad, clock_.Now()), StatusCode::kUnauthenticated);
  }
}

TEST_F(TokenServiceTest, AlgorithmConfusionIsRefused) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->IssueAccessToken(principal_, granted_, clock_.Now()));
  const Parts p = Split(issued.token);
  json none = {{"alg", "none"}, {"kid", key_.kid()}, {"typ", "JWT"}};
  EXPECT_THAT(std::string(VerifyStatus(EncodePart(none) + "." + p.payload + ".", clock_.Now()).message()),
              HasSubstr("unsupported alg"));
  // HS256 keyed with the public key PEM: the classic confusion attack.
  json hs = {{"alg", "HS256"}, {"kid", key_.kid()}, {"typ", "JWT"}};
  const std::string input = EncodePart(hs) + "." + p.payload;
  auto mac = HmacSha256(key_.PublicKeyPem().value(), input);
  const std::string forged =
      input + "." + Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  EXPECT_THAT(std::string(VerifyStatus(forged, clock_.Now()).message()), HasSubstr("unsupported alg"));
  json lower = {{"alg", "es256"}, {"kid", key_.kid()}};
  EXPECT_STATUS(VerifyStatus(EncodePart(lower) + "." + p.payload + "." + p.signature, clock_.Now()),
                StatusCode::kUnauthenticated);
}

TEST_F(TokenServiceTest, UnknownKid) {
  auto other_key = SigningKey::Generate().value();
  auto other = TokenService::Create(Options(), KeySet::Create(other_key).value()).value();
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, other->IssueAccessToken(principal_, granted_, clock_.Now()));
  EXPECT_THAT(std::string(VerifyStatus(issued.token, clock_.Now()).message()), HasSubstr("unknown kid"));
}

TEST_F(TokenServiceTest, WrongAudienceOrIssuer) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->IssueAccessToken(principal_, granted_, clock_.Now()));
  TokenServiceOptions other_aud = Options();
  other_aud.audience = "other.example";
  EXPECT_THAT(std::string(Make(other_aud)->Verify(issued.token, JwtUse::kAccess, clock_.Now()).status().message()),
              HasSubstr("wrong audience"));
  TokenServiceOptions other_iss = Options();
  other_iss.issuer = "someone-else";
  EXPECT_THAT(std::string(Make(other_iss)->Verify(issued.token, JwtUse::kAccess, clock_.Now()).status().message()),
              HasSubstr("wrong issuer"));
}

TEST_F(TokenServiceTest, AudienceMayBeAnArray) {
  json claims = DecodePart(Split(service_->IssueAccessToken(principal_, granted_, clock_.Now())->token).payload);
  claims["aud"] = json::array({"x", "registry.example"});
  ASSERT_OK_AND_ASSIGN(std::string jwt, SignJwt(key_, claims.dump()));
  EXPECT_OK(VerifyStatus(jwt, clock_.Now()));
  claims["aud"] = json::array({"x"});
  ASSERT_OK_AND_ASSIGN(std::string wrong, SignJwt(key_, claims.dump()));
  EXPECT_STATUS(VerifyStatus(wrong, clock_.Now()), StatusCode::kUnauthenticated);
}

TEST_F(TokenServiceTest, MalformedClaimsAreRefusedEvenWhenSigned) {
  const json good = DecodePart(Split(service_->IssueAccessToken(principal_, granted_, clock_.Now())->token).payload);
  auto refused = [&](json claims) {
    std::string jwt = SignJwt(key_, claims.dump()).value();
    return !service_->Verify(jwt, JwtUse::kAccess, clock_.Now()).ok();
  };
  json c = good;
  c.erase("exp");
  EXPECT_TRUE(refused(c));
  c = good;
  c["exp"] = "later";
  EXPECT_TRUE(refused(c));
  c = good;
  c["exp"] = 1.5e9;
  EXPECT_TRUE(refused(c));
  c = good;
  c.erase("srg");
  EXPECT_TRUE(refused(c));
  c = good;
  c["srg"]["ver"] = "123";
  EXPECT_TRUE(refused(c));
  c = good;
  c["srg"]["kind"] = "root";
  EXPECT_TRUE(refused(c));
  c = good;
  c["access"] = "everything";
  EXPECT_TRUE(refused(c));
  c = good;
  c.erase("sub");
  EXPECT_TRUE(refused(c));
  EXPECT_FALSE(refused(good));
}

TEST_F(TokenServiceTest, ExpiryAndNotBeforeWithLeewayEdges) {
  // Cache off, so every check takes the cold path.
  TokenServiceOptions o = Options();
  o.cache_capacity = 0;
  auto cold = Make(o);
  clock_.Set(FromUnixSeconds(1'800'000'000));
  const Time t0 = clock_.Now();
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, cold->IssueAccessToken(principal_, granted_, t0));
  auto verify = [&] { return cold->Verify(issued.token, JwtUse::kAccess, clock_.Now()).status(); };
  // Valid while nbf - leeway <= now < exp + leeway (exp = t0 + 300 s).
  clock_.Advance(seconds(300 + 60) - milliseconds(1));
  EXPECT_OK(verify());
  clock_.Advance(milliseconds(1));
  EXPECT_THAT(std::string(verify().message()), HasSubstr("expired"));
  clock_.Set(t0 - seconds(60));
  EXPECT_OK(verify());
  clock_.Advance(-milliseconds(1));
  EXPECT_THAT(std::string(verify().message()), HasSubstr("not yet valid"));
}

TEST_F(TokenServiceTest, CachedTokensStillExpire) {
  const Time t0 = FromUnixSeconds(1'800'000'000);
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->IssueAccessToken(principal_, granted_, t0));
  EXPECT_OK(VerifyStatus(issued.token, t0));
  EXPECT_OK(VerifyStatus(issued.token, t0 + seconds(359)));
  auto stats = service_->cache_stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.size, 1u);
  EXPECT_STATUS(VerifyStatus(issued.token, t0 + seconds(360)), StatusCode::kUnauthenticated);
  EXPECT_EQ(service_->cache_stats().size, 0u);  // evicted once past exp
  // A not-yet-valid token is never cached.
  ASSERT_OK_AND_ASSIGN(IssuedToken future, service_->IssueAccessToken(principal_, granted_, t0 + seconds(3600)));
  EXPECT_STATUS(VerifyStatus(future.token, t0), StatusCode::kUnauthenticated);
  EXPECT_EQ(service_->cache_stats().size, 0u);
}

TEST_F(TokenServiceTest, CacheIsBounded) {
  TokenServiceOptions o = Options();
  o.cache_capacity = 32;  // 2 per shard
  auto small = Make(o);
  for (int i = 0; i < 200; ++i) {
    ASSERT_OK_AND_ASSIGN(IssuedToken t, small->IssueAccessToken(principal_, granted_, clock_.Now()));
    ASSERT_OK(small->Verify(t.token, JwtUse::kAccess, clock_.Now()).status());
  }
  EXPECT_LE(small->cache_stats().size, 32u);
}

TEST_F(TokenServiceTest, RotationOldKeyVerifiesNewKeySigns) {
  ASSERT_OK_AND_ASSIGN(IssuedToken before, service_->IssueAccessToken(principal_, granted_, clock_.Now()));
  ASSERT_OK_AND_ASSIGN(SigningKey next, SigningKey::Generate());
  ASSERT_OK_AND_ASSIGN(KeySet rotated, service_->keys().Rotated(next));
  service_->SetKeys(rotated);
  ASSERT_OK_AND_ASSIGN(IssuedToken after, service_->IssueAccessToken(principal_, granted_, clock_.Now()));
  EXPECT_EQ(DecodePart(Split(after.token).header)["kid"], next.kid());
  EXPECT_OK(VerifyStatus(before.token, clock_.Now()));
  EXPECT_OK(VerifyStatus(after.token, clock_.Now()));
  // Retire the old key: its tokens stop verifying at once, cache included.
  ASSERT_OK_AND_ASSIGN(KeySet only_next, KeySet::Create(next));
  service_->SetKeys(only_next);
  EXPECT_STATUS(VerifyStatus(before.token, clock_.Now()), StatusCode::kUnauthenticated);
  EXPECT_OK(VerifyStatus(after.token, clock_.Now()));
}

TEST_F(TokenServiceTest, ConcurrentIssueVerifyAndRotate) {
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  auto worker = [&] {
    while (!stop.load()) {
      auto issued = service_->IssueAccessToken(principal_, granted_, clock_.Now());
      if (!issued.ok()) {
        failures.fetch_add(1);
        continue;
      }
      // Rotation keeps the previous key, so a token verifies even if the
      // key changed between issue and verify.
      for (int i = 0; i < 3; ++i) {
        if (!service_->Verify(issued->token, JwtUse::kAccess, clock_.Now()).ok()) failures.fetch_add(1);
      }
    }
  };
  std::thread a(worker), b(worker);
  for (int i = 0; i < 5; ++i) {
    service_->SetKeys(service_->keys().Rotated(SigningKey::Generate().value()).value());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(TokenServiceTest, OptionsValidation) {
  TokenServiceOptions o = Options();
  o.access_ttl = seconds(59);
  EXPECT_STATUS(TokenService::Create(o, KeySet::Create(key_).value()), StatusCode::kInvalidArgument);
  o = Options();
  o.issuer.clear();
  EXPECT_STATUS(TokenService::Create(o, KeySet::Create(key_).value()), StatusCode::kInvalidArgument);
  o = Options();
  o.refresh_ttl = seconds(60);
  EXPECT_STATUS(TokenService::Create(o, KeySet::Create(key_).value()), StatusCode::kInvalidArgument);
  EXPECT_STATUS(service_->IssueAccessToken(principal_, granted_, clock_.Now(), seconds(10)),
                StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace scopereg::auth
