#include "scopereg/auth/token_service.h"

#include <array>
#include <cstring>
#include <list>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "scopereg/core/crypto.h"
#include "scopereg/core/encoding.h"
#include "scopereg/core/strings.h"
#include "scopereg/oci/name.h"

namespace scopereg::auth {

using nlohmann::json;

std::string_view JwtUseName(JwtUse use) { return use == JwtUse::kAccess ? "access" : "refresh"; }

ActionSet VerifiedToken::ActionsFor(std::string_view repository) const {
  ActionSet out;
  for (const AccessEntry& e : access) {
    if (e.type == AccessType::kRepository && e.name == repository) out |= e.actions;
  }
  return out;
}

bool VerifiedToken::HasCatalog() const {
  for (const AccessEntry& e : access) {
    if (e.type == AccessType::kCatalog) return true;
  }
  return false;
}

// ---- the verified-token cache ----------------------------------------------------------
//
// Keyed by SHA-256 of the whole compact token, so a token that differs in any
// byte (a tampered payload or signature) can never hit. Sharded LRU: each
// shard has its own mutex and counters, so concurrent requests rarely meet.

class TokenService::Cache {
 public:
  using Key = std::array<unsigned char, 32>;

  explicit Cache(std::size_t capacity) : per_shard_(std::max<std::size_t>(1, capacity / kShards)) {}

  std::shared_ptr<const VerifiedToken> Find(const Key& key) {
    Shard& s = ShardFor(key);
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.index.find(key);
    if (it == s.index.end()) {
      ++s.misses;
      return nullptr;
    }
    ++s.hits;
    // The hot token is usually already first: skip the list write then.
    if (it->second != s.lru.begin()) s.lru.splice(s.lru.begin(), s.lru, it->second);
    return it->second->second;
  }

  void Insert(const Key& key, std::shared_ptr<const VerifiedToken> value) {
    Shard& s = ShardFor(key);
    std::lock_guard<std::mutex> lock(s.mu);
    if (auto it = s.index.find(key); it != s.index.end()) {
      it->second->second = std::move(value);
      s.lru.splice(s.lru.begin(), s.lru, it->second);
      return;
    }
    s.lru.emplace_front(key, std::move(value));
    s.index.emplace(key, s.lru.begin());
    if (s.lru.size() > per_shard_) {
      s.index.erase(s.lru.back().first);
      s.lru.pop_back();
    }
  }

  void Erase(const Key& key) {
    Shard& s = ShardFor(key);
    std::lock_guard<std::mutex> lock(s.mu);
    if (auto it = s.index.find(key); it != s.index.end()) {
      s.lru.erase(it->second);
      s.index.erase(it);
    }
  }

  void Clear() {
    for (Shard& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mu);
      s.index.clear();
      s.lru.clear();
    }
  }

  CacheStats Stats() {
    CacheStats out;
    for (Shard& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mu);
      out.hits += s.hits;
      out.misses += s.misses;
      out.size += s.lru.size();
    }
    return out;
  }

 private:
  static constexpr std::size_t kShards = 16;
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      std::size_t h;
      std::memcpy(&h, k.data(), sizeof h);  // already uniformly distributed
      return h;
    }
  };
  using Entry = std::pair<Key, std::shared_ptr<const VerifiedToken>>;
  struct Shard {
    std::mutex mu;
    std::list<Entry> lru;  // most recent first
    std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index;
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
  };
  Shard& ShardFor(const Key& key) { return shards_[key[31] % kShards]; }

  const std::size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

// ---- construction ----------------------------------------------------------------------

TokenService::TokenService(TokenServiceOptions options, KeySet keys)
    : options_(std::move(options)),
      keys_(std::make_shared<const KeySet>(std::move(keys))),
      cache_(options_.cache_capacity > 0 ? std::make_unique<Cache>(options_.cache_capacity) : nullptr) {}

TokenService::~TokenService() = default;

Result<std::unique_ptr<TokenService>> TokenService::Create(TokenServiceOptions options, KeySet keys) {
  if (options.issuer.empty()) return Status::InvalidArgument("token service: issuer is required");
  if (options.audience.empty()) return Status::InvalidArgument("token service: audience (service) is required");
  if (options.access_ttl < std::chrono::seconds(60)) {
    return Status::InvalidArgument("token service: access_ttl must be at least 60 seconds");
  }
  if (options.refresh_ttl < options.access_ttl) {
    return Status::InvalidArgument("token service: refresh_ttl must not be shorter than access_ttl");
  }
  if (options.leeway < Duration::zero()) return Status::InvalidArgument("token service: leeway must not be negative");
  return std::unique_ptr<TokenService>(new TokenService(std::move(options), std::move(keys)));
}

void TokenService::SetKeys(KeySet keys) {
  {
    std::lock_guard<std::mutex> lock(keys_mu_);
    keys_ = std::make_shared<const KeySet>(std::move(keys));
  }
  if (cache_) cache_->Clear();
}

KeySet TokenService::keys() const {
  std::lock_guard<std::mutex> lock(keys_mu_);
  return *keys_;
}

TokenService::CacheStats TokenService::cache_stats() const { return cache_ ? cache_->Stats() : CacheStats{}; }

// ---- issuing ------------------------------------------------------------------------------

namespace {

std::string Hex64(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = kDigits[v & 0xf];
  return out;
}

std::optional<std::uint64_t> ParseHex64(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  return v;
}

// Claims are written directly rather than through nlohmann::json: it is the
// issuance hot path and building a DOM doubled the non-crypto cost.
// AppendJsonString escapes every string, so no input can break the JSON.
void AppendAccessClaim(std::string& out, std::span<const AccessEntry> granted) {
  out += '[';
  for (std::size_t i = 0; i < granted.size(); ++i) {
    const AccessEntry& e = granted[i];
    if (i > 0) out += ',';
    if (e.type == AccessType::kCatalog) {
      out += R"({"type":"registry","name":"catalog","actions":["*"]})";
      continue;
    }
    out += R"({"type":"repository","name":)";
    AppendJsonString(out, e.name);
    out += R"(,"actions":[)";
    bool first = true;
    for (std::string_view v : DockerVerbs(e.actions)) {
      if (!first) out += ',';
      first = false;
      AppendJsonString(out, v);
    }
    out += "]}";
  }
  out += ']';
}

void AppendMember(std::string& out, std::string_view key, std::string_view value) {
  out += out.back() == '{' ? "" : ",";
  AppendJsonString(out, key);
  out += ':';
  AppendJsonString(out, value);
}

void AppendMember(std::string& out, std::string_view key, std::int64_t value) {
  out += out.back() == '{' ? "" : ",";
  AppendJsonString(out, key);
  out += ':';
  out += std::to_string(value);
}

}  // namespace

Result<IssuedToken> TokenService::Issue(const Principal& principal, JwtUse use, std::span<const AccessEntry> granted,
                                        Time now, Duration ttl) const {
  SCOPEREG_ASSIGN_OR_RETURN(std::string jti_bytes, RandomBytes(16));
  IssuedToken out;
  out.jti = Base64UrlEncode(jti_bytes);
  const std::int64_t iat = ToUnixSeconds(now);
  out.expires_in = std::chrono::duration_cast<std::chrono::seconds>(ttl).count();
  out.issued_at = FromUnixSeconds(iat);
  out.expires_at = FromUnixSeconds(iat + out.expires_in);

  std::string payload = "{";
  payload.reserve(512);
  AppendMember(payload, "iss", options_.issuer);
  AppendMember(payload, "aud", options_.audience);
  if (principal.kind != PrincipalKind::kAnonymous) AppendMember(payload, "sub", principal.name);
  AppendMember(payload, "iat", iat);
  AppendMember(payload, "nbf", iat);
  AppendMember(payload, "exp", iat + out.expires_in);
  AppendMember(payload, "jti", out.jti);
  if (use == JwtUse::kAccess) {
    payload += R"(,"access":)";
    AppendAccessClaim(payload, granted);
  }
  payload += R"(,"srg":{)";
  AppendMember(payload, "use", JwtUseName(use));
  AppendMember(payload, "kind", PrincipalKindName(principal.kind));
  if (principal.kind != PrincipalKind::kAnonymous) {
    AppendMember(payload, "slot", PasswordSlotName(principal.slot));
    AppendMember(payload, "ver", Hex64(principal.version));
    AppendMember(payload, "sep", Hex64(principal.slot_epoch));
  }
  payload += "}}";
  std::shared_ptr<const KeySet> keys;
  {
    std::lock_guard<std::mutex> lock(keys_mu_);
    keys = keys_;
  }
  SCOPEREG_ASSIGN_OR_RETURN(out.token, SignJwt(keys->signing_key(), payload));
  return out;
}

Result<IssuedToken> TokenService::IssueAccessToken(const Principal& principal, std::span<const AccessEntry> granted,
                                                   Time now, std::optional<Duration> ttl) const {
  const Duration t = ttl.value_or(options_.access_ttl);
  if (t < std::chrono::seconds(60)) return Status::InvalidArgument("ttl: must be at least 60 seconds");
  return Issue(principal, JwtUse::kAccess, granted, now, t);
}

Result<IssuedToken> TokenService::IssueRefreshToken(const Principal& principal, Time now) const {
  if (principal.kind == PrincipalKind::kAnonymous) {
    return Status::FailedPrecondition("refresh tokens are not issued to anonymous callers");
  }
  return Issue(principal, JwtUse::kRefresh, {}, now, options_.refresh_ttl);
}

// ---- verification ----------------------------------------------------------------------

namespace {

Status Reject(std::string_view why) { return Status::Unauthenticated("jwt: " + std::string(why)); }

// Unix seconds that fit a nanosecond system_clock (until year 2255).
std::optional<Time> TimeClaim(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number_integer()) return std::nullopt;
  const std::int64_t v = it->get<std::int64_t>();
  if (v < 0 || v > 9'000'000'000) return std::nullopt;
  return FromUnixSeconds(v);
}

const std::string* StringClaim(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

bool AudienceMatches(const json& claims, const std::string& audience) {
  auto it = claims.find("aud");
  if (it == claims.end()) return false;
  if (it->is_string()) return it->get_ref<const std::string&>() == audience;
  if (!it->is_array()) return false;
  for (const json& a : *it) {
    if (a.is_string() && a.get_ref<const std::string&>() == audience) return true;
  }
  return false;
}

// Reads the access claim. Entries this registry would never issue (unknown
// types, invalid names) are dropped rather than trusted.
Status ParseAccess(const json& claims, std::vector<AccessEntry>& out) {
  auto it = claims.find("access");
  if (it == claims.end()) return Status::Ok();
  if (!it->is_array()) return Reject("malformed access claim");
  for (const json& e : *it) {
    if (!e.is_object()) return Reject("malformed access claim");
    const std::string* type = StringClaim(e, "type");
    const std::string* name = StringClaim(e, "name");
    auto actions = e.find("actions");
    if (type == nullptr || name == nullptr || actions == e.end() || !actions->is_array()) {
      return Reject("malformed access claim");
    }
    ActionSet set;
    bool star = false;
    for (const json& a : *actions) {
      if (!a.is_string()) return Reject("malformed access claim");
      const std::string& verb = a.get_ref<const std::string&>();
      if (verb == "*") star = true;
      if (auto action = ActionFromDockerVerb(verb)) set.Add(*action);
    }
    if (*type == "registry" && *name == "catalog" && star) {
      out.push_back(AccessEntry::Catalog());
    } else if (*type == "repository" && oci::IsValidRepositoryName(*name) && !set.empty()) {
      out.push_back(AccessEntry::Repository(*name, set));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<const VerifiedToken>> TokenService::VerifyUncached(std::string_view jwt, Time now) const {
  (void)now;  // the time window is checked by the caller, also for cache hits
  std::shared_ptr<const KeySet> keys;
  {
    std::lock_guard<std::mutex> lock(keys_mu_);
    keys = keys_;
  }
  SCOPEREG_ASSIGN_OR_RETURN(std::string payload, VerifyJwt(*keys, jwt));
  const json claims = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return Reject("malformed claims");
  const std::string* iss = StringClaim(claims, "iss");
  if (iss == nullptr || *iss != options_.issuer) return Reject("wrong issuer");
  if (!AudienceMatches(claims, options_.audience)) return Reject("wrong audience");

  auto token = std::make_shared<VerifiedToken>();
  const auto exp = TimeClaim(claims, "exp");
  if (!exp) return Reject("missing or malformed exp");
  token->expires_at = *exp;
  if (claims.contains("nbf")) {
    const auto nbf = TimeClaim(claims, "nbf");
    if (!nbf) return Reject("malformed nbf");
    token->not_before = *nbf;
  }
  if (claims.contains("iat")) {
    const auto iat = TimeClaim(claims, "iat");
    if (!iat) return Reject("malformed iat");
    token->issued_at = *iat;
  }
  if (const std::string* jti = StringClaim(claims, "jti")) token->jti = *jti;
  if (const std::string* sub = StringClaim(claims, "sub")) token->subject = *sub;

  auto srg_it = claims.find("srg");
  if (srg_it == claims.end() || !srg_it->is_object()) return Reject("missing srg claim");
  const json& srg = *srg_it;
  const std::string* use = StringClaim(srg, "use");
  const std::string* kind = StringClaim(srg, "kind");
  if (use == nullptr || kind == nullptr) return Reject("malformed srg claim");
  if (*use == "access") {
    token->use = JwtUse::kAccess;
  } else if (*use == "refresh") {
    token->use = JwtUse::kRefresh;
  } else {
    return Reject("malformed srg claim");
  }
  const auto principal_kind = ParsePrincipalKind(*kind);
  if (!principal_kind) return Reject("malformed srg claim");
  token->principal.kind = *principal_kind;
  if (*principal_kind != PrincipalKind::kAnonymous) {
    const std::string* slot = StringClaim(srg, "slot");
    const std::string* ver = StringClaim(srg, "ver");
    const std::string* sep = StringClaim(srg, "sep");
    const auto parsed_slot = slot ? ParsePasswordSlot(*slot) : std::nullopt;
    const auto parsed_ver = ver ? ParseHex64(*ver) : std::nullopt;
    const auto parsed_sep = sep ? ParseHex64(*sep) : std::nullopt;
    if (!parsed_slot || !parsed_ver || !parsed_sep || token->subject.empty()) {
      return Reject("malformed srg claim");
    }
    token->principal.name = token->subject;
    token->principal.slot = *parsed_slot;
    token->principal.version = *parsed_ver;
    token->principal.slot_epoch = *parsed_sep;
  }
  if (token->use == JwtUse::kAccess) SCOPEREG_RETURN_IF_ERROR(ParseAccess(claims, token->access));
  return std::shared_ptr<const VerifiedToken>(std::move(token));
}

Status TokenService::CheckTime(const VerifiedToken& token, Time now) const {
  if (now >= token.expires_at + options_.leeway) return Reject("expired");
  if (now < token.not_before - options_.leeway) return Reject("not yet valid");
  return Status::Ok();
}

Result<std::shared_ptr<const VerifiedToken>> TokenService::Verify(std::string_view jwt, JwtUse use,
                                                                   Time now) const {
  if (jwt.size() > kMaxJwtLength) return Reject("too long");
  Cache::Key key{};
  if (cache_) {
    key = Sha256(jwt);
    if (auto hit = cache_->Find(key)) {
      if (hit->use != use) return Reject("wrong token use");
      Status st = CheckTime(*hit, now);
      if (!st.ok()) {
        if (now >= hit->expires_at) cache_->Erase(key);  // past exp: it can only get worse
        return st;
      }
      return hit;
    }
  }
  SCOPEREG_ASSIGN_OR_RETURN(std::shared_ptr<const VerifiedToken> token, VerifyUncached(jwt, now));
  if (token->use != use) return Reject("wrong token use");
  SCOPEREG_RETURN_IF_ERROR(CheckTime(*token, now));
  if (cache_) cache_->Insert(key, token);
  return token;
}

}  // namespace scopereg::auth
