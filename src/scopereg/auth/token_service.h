// TokenService: the Docker token-auth logic behind /oauth2/token and behind
// every request that carries "Authorization: Bearer". Issues ES256 access
// and refresh JWTs and verifies them, with a cache so that a repeat
// verification costs a hash lookup (architecture.md decision 5).
//
// Access token claims (Distribution docs/spec/auth/jwt.md):
//   iss, sub (token name / admin username; absent for anonymous), aud (the
//   service), exp, nbf, iat (Unix seconds), jti (random), and
//   access: [{"type":"repository","name":"x","actions":["pull","push"]},
//            {"type":"registry","name":"catalog","actions":["*"]}]
// plus the private claim "srg" carrying what AuthState::Validate needs:
//   "srg": {"use":"access"|"refresh", "kind":"token"|"admin"|"anonymous",
//           "slot":"password1"|"password2", "ver":"<16 hex>", "sep":"<16 hex>"}
// (64-bit values travel as hex strings: JSON numbers lose precision above
// 2^53 in many parsers). A refresh token has the same claims with use
// "refresh" and no access claim; it can never pass as an access token.
//
// Typical use:
//   token endpoint: outcome = state.Authenticate(user, pw, now)  (or
//     VerifyRefresh + state.Validate for grant_type=refresh_token);
//     scopes = ParseScopes(params); granted = state.Grant(p, scopes);
//     IssueAccessToken(p, granted, now) [+ IssueRefreshToken(p, now)].
//   data plane: v = Verify(bearer, JwtUse::kAccess, now);
//     if (state.Validate(v->principal, now)) deny;
//     allowed = v->ActionsFor(repo) & state.Allowed(v->principal, repo);
//
// Verification checks, all of which must pass (any failure is
// kUnauthenticated, fail closed): three base64url parts; header alg exactly
// ES256 with a known kid and no crit; signature; iss == options.issuer; aud
// (string or array) contains options.audience; exp present; the time window
//   nbf - leeway <= now < exp + leeway     (RFC 7519; leeway 60 s by default,
//                                           like Distribution)
// the srg claim well-formed and its use as expected.
//
// Thread safety: all methods are safe for concurrent use. SetKeys may run
// while other threads issue and verify.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/auth/jwt.h"
#include "scopereg/auth/principal.h"
#include "scopereg/auth/scope.h"
#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

enum class JwtUse : std::uint8_t { kAccess, kRefresh };
std::string_view JwtUseName(JwtUse use);  // "access" / "refresh"

struct TokenServiceOptions {
  std::string issuer;    // required; "iss"
  std::string audience;  // required; "aud" = the registry's service name
  // Distribution clients need at least 60 s ("never issue less than 60 s").
  // Short is cheap here: revocation does not depend on it (every request is
  // validated against AuthState), but a long pull must not outlive it.
  Duration access_ttl = std::chrono::minutes(15);
  Duration refresh_ttl = std::chrono::hours(24 * 7);
  Duration leeway = std::chrono::seconds(60);  // clock skew between nodes
  // Verified tokens kept (LRU); 0 disables the cache.
  std::size_t cache_capacity = 100'000;
};

struct IssuedToken {
  std::string token;
  std::string jti;
  Time issued_at{};   // whole seconds, as in the claims
  Time expires_at{};
  std::int64_t expires_in = 0;  // seconds, for the "expires_in" response field
};

struct VerifiedToken {
  JwtUse use = JwtUse::kAccess;
  Principal principal;  // what AuthState::Validate checks
  std::string subject;
  std::string jti;
  Time issued_at{};
  Time not_before{};
  Time expires_at{};
  std::vector<AccessEntry> access;  // empty for refresh tokens

  // The actions the token's access claim grants on `repository`.
  ActionSet ActionsFor(std::string_view repository) const;
  // Whether the access claim includes registry:catalog:*.
  bool HasCatalog() const;
};

class TokenService {
 public:
  // kInvalidArgument for an empty issuer or audience, an access_ttl below
  // 60 s, a refresh_ttl below access_ttl, or a negative leeway.
  static Result<std::unique_ptr<TokenService>> Create(TokenServiceOptions options, KeySet keys);

  // Signs an access token for `principal` granting `granted` (from
  // AuthState::Grant; may be empty, e.g. for `docker login` or anonymous).
  // `ttl` overrides options.access_ttl (must be >= 60 s). kInternal /
  // kUnavailable only if signing or the random jti fails.
  Result<IssuedToken> IssueAccessToken(const Principal& principal, std::span<const AccessEntry> granted, Time now,
                                       std::optional<Duration> ttl = std::nullopt) const;

  // Signs a refresh token (use "refresh", no access claim, refresh_ttl).
  // kFailedPrecondition for an anonymous principal (nothing to refresh).
  Result<IssuedToken> IssueRefreshToken(const Principal& principal, Time now) const;

  // Verifies `jwt` for `use` (see the file comment). On success returns
  // the claims, shared with the cache (do not modify). kUnauthenticated with
  // a short log-safe reason otherwise. A cache hit costs one SHA-256 of the
  // token and one lookup; the time window is re-checked on every hit.
  Result<std::shared_ptr<const VerifiedToken>> Verify(std::string_view jwt, JwtUse use, Time now) const;

  // Replaces the key set (rotation) and empties the cache, so tokens signed
  // by a retired key stop verifying at once.
  void SetKeys(KeySet keys);
  KeySet keys() const;

  const TokenServiceOptions& options() const { return options_; }

  struct CacheStats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::size_t size = 0;
  };
  CacheStats cache_stats() const;

  ~TokenService();

 private:
  class Cache;
  TokenService(TokenServiceOptions options, KeySet keys);
  Result<IssuedToken> Issue(const Principal& principal, JwtUse use, std::span<const AccessEntry> granted, Time now,
                            Duration ttl) const;
  Result<std::shared_ptr<const VerifiedToken>> VerifyUncached(std::string_view jwt, Time now) const;
  Status CheckTime(const VerifiedToken& token, Time now) const;

  const TokenServiceOptions options_;
  mutable std::mutex keys_mu_;
  std::shared_ptr<const KeySet> keys_;  // GUARDED_BY(keys_mu_)
  std::unique_ptr<Cache> cache_;
};

}  // namespace scopereg::auth
