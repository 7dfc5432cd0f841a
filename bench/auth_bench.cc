// Hot-path costs of the access model (Google Benchmark).
//
//   ninja -C <build> auth_bench && <build>/bench/auth_bench
//
// Setup shared by every benchmark: an AuthState with 50,000 tokens and 50,000
// scope maps; token "bench-token" uses a scope map with 500 repository
// entries (exact names and prefix wildcards at several depths).
#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "scopereg/auth/auth_state.h"
#include "scopereg/auth/scope.h"
#include "scopereg/auth/token_service.h"

namespace scopereg::auth {
namespace {

constexpr int kTokens = 50'000;
constexpr int kScopeMaps = 50'000;

RepositoryRule Rule(const std::string& pattern, ActionSet actions) {
  return RepositoryRule{RepositoryPattern::Parse(pattern).value(), actions};
}

struct World {
  std::shared_ptr<const PasswordHasher> hasher =
      std::make_shared<const PasswordHasher>(PasswordHasher::Create(std::string(32, 'k')).value());
  std::unique_ptr<AuthState> state = AuthState::Create(AuthStateOptions{"benchregistry", hasher, {}}).value();
  std::string password = GeneratePassword().value();
  Principal principal;
  std::unique_ptr<TokenService> tokens;
  std::unique_ptr<TokenService> tokens_no_cache;
  // Names that hit exact + prefix rules, only prefix rules at depth, and
  // nothing at all.
  std::array<std::string, 8> repos = {"org/team7/app3",   "org/team42/app9/sub", "org/team99/x/y/z",
                                      "org/shared/base",  "zzz/nomatch/a/b",     "org/team150/app1",
                                      "library/ubuntu",   "org/team3/deep/er/still/deeper"};

  World() {
    AccessSnapshot snap;
    // The 500-entry map: 300 exact names, 150 prefixes two levels deep, 50
    // prefixes three levels deep; actions vary so unions matter.
    ScopeMap big;
    big.name = "big-map";
    for (int i = 0; i < 300; ++i) {
      big.rules.push_back(Rule("org/team" + std::to_string(i % 150) + "/app" + std::to_string(i / 150),
                               {Action::kContentWrite, Action::kMetadataRead}));
    }
    for (int i = 0; i < 150; ++i) big.rules.push_back(Rule("org/team" + std::to_string(i) + "/*", {Action::kContentRead}));
    for (int i = 0; i < 50; ++i) {
      big.rules.push_back(Rule("org/team" + std::to_string(i) + "/deep/*", {Action::kContentDelete}));
    }
    big.rules = NormalizeRules(std::move(big.rules));
    snap.scope_maps.push_back(big);
    for (int i = 1; i < kScopeMaps; ++i) {
      ScopeMap m;
      m.name = "map-" + std::to_string(i);
      m.rules = {Rule("team" + std::to_string(i) + "/*", {Action::kContentRead}),
                 Rule("shared/app" + std::to_string(i % 100), {Action::kContentRead})};
      snap.scope_maps.push_back(std::move(m));
    }
    for (int i = 0; i < kTokens; ++i) {
      Token t;
      t.name = i == 0 ? "bench-token" : "token-" + std::to_string(i);
      t.scope_map = i == 0 ? "big-map" : "map-" + std::to_string(i);
      t.version = 1;
      PasswordCredential c;
      c.digest = hasher->Digest(i == 0 ? password : "password-" + std::to_string(i));
      c.epoch = 1;
      t.password(PasswordSlot::kPassword1) = c;
      snap.tokens.push_back(std::move(t));
    }
    state->OnSnapshot(snap);
    principal = state->Authenticate("bench-token", password, FromUnixSeconds(1'800'000'000)).principal();

    TokenServiceOptions options;
    options.issuer = "bench";
    options.audience = "benchregistry.example";
    KeySet keys = KeySet::Create(SigningKey::Generate().value()).value();
    tokens = TokenService::Create(options, keys).value();
    options.cache_capacity = 0;
    tokens_no_cache = TokenService::Create(options, keys).value();
  }
};

World& W() {
  static World world;
  return world;
}

const Time kNow = FromUnixSeconds(1'800'000'000);

// A typical push grant and an access token carrying it.
std::vector<AccessEntry> BenchGrant() {
  return {AccessEntry::Repository("org/team7/app3", {Action::kContentRead, Action::kContentWrite})};
}
std::string BenchJwt(World& w) { return w.tokens->IssueAccessToken(w.principal, BenchGrant(), kNow).value().token; }

void BM_Allowed500RuleMap50kTokens(benchmark::State& state) {
  World& w = W();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(w.state->Allowed(w.principal, w.repos[i++ & 7]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Allowed500RuleMap50kTokens);
BENCHMARK(BM_Allowed500RuleMap50kTokens)->Threads(2)->UseRealTime();

void BM_ValidateAndAllowed(benchmark::State& state) {
  World& w = W();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(w.state->Validate(w.principal, kNow));
    benchmark::DoNotOptimize(w.state->Allowed(w.principal, w.repos[i++ & 7]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateAndAllowed);
BENCHMARK(BM_ValidateAndAllowed)->Threads(2)->UseRealTime();

void BM_CompiledRulesOnly(benchmark::State& state) {
  World& w = W();
  std::vector<RepositoryRule> rules;
  for (int i = 0; i < 150; ++i) rules.push_back(Rule("org/team" + std::to_string(i) + "/*", {Action::kContentRead}));
  for (int i = 0; i < 350; ++i) rules.push_back(Rule("org/team" + std::to_string(i) + "/app", {Action::kContentWrite}));
  CompiledRules compiled(rules);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(compiled.Allowed(w.repos[i++ & 7]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CompiledRulesOnly);

void BM_BasicAuthenticate(benchmark::State& state) {
  World& w = W();
  for (auto _ : state) {
    AuthOutcome out = w.state->Authenticate("bench-token", w.password, kNow);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BasicAuthenticate);
BENCHMARK(BM_BasicAuthenticate)->Threads(2)->UseRealTime();

void BM_BasicAuthenticateWrongPassword(benchmark::State& state) {
  World& w = W();
  for (auto _ : state) {
    AuthOutcome out = w.state->Authenticate("token-777", "not-the-password-at-all-not-at-all-not-at", kNow);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BasicAuthenticateWrongPassword);

// What the token endpoint does per request after Basic authentication:
// parse the scopes, grant, sign.
void BM_TokenEndpointGrantAndIssue(benchmark::State& state) {
  World& w = W();
  const std::vector<std::string> params = {"repository:org/team7/app3:pull,push"};
  for (auto _ : state) {
    auto scopes = ParseScopes(params).value();
    auto granted = w.state->Grant(w.principal, scopes);
    auto issued = w.tokens->IssueAccessToken(w.principal, granted, kNow);
    benchmark::DoNotOptimize(issued);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TokenEndpointGrantAndIssue);
BENCHMARK(BM_TokenEndpointGrantAndIssue)->Threads(2)->UseRealTime();

void BM_IssueAccessToken(benchmark::State& state) {
  World& w = W();
  const std::vector<AccessEntry> granted = BenchGrant();
  for (auto _ : state) benchmark::DoNotOptimize(w.tokens->IssueAccessToken(w.principal, granted, kNow));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IssueAccessToken);

void BM_VerifyCold(benchmark::State& state) {
  World& w = W();
  const std::string jwt = BenchJwt(w);
  for (auto _ : state) benchmark::DoNotOptimize(w.tokens_no_cache->Verify(jwt, JwtUse::kAccess, kNow));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyCold);

void BM_VerifyCached(benchmark::State& state) {
  World& w = W();
  const std::string jwt = BenchJwt(w);
  for (auto _ : state) benchmark::DoNotOptimize(w.tokens->Verify(jwt, JwtUse::kAccess, kNow));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyCached);
BENCHMARK(BM_VerifyCached)->Threads(2)->UseRealTime();

// A whole bearer request's auth work: verify (cached), validate, allowed.
void BM_BearerRequest(benchmark::State& state) {
  World& w = W();
  const std::string jwt = BenchJwt(w);
  for (auto _ : state) {
    auto v = w.tokens->Verify(jwt, JwtUse::kAccess, kNow);
    benchmark::DoNotOptimize(w.state->Validate((*v)->principal, kNow));
    benchmark::DoNotOptimize((*v)->ActionsFor("org/team7/app3") & w.state->Allowed((*v)->principal, "org/team7/app3"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BearerRequest);

}  // namespace
}  // namespace scopereg::auth

BENCHMARK_MAIN();
