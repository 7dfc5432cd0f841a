// The five repository actions of the access model (access-model.md section 1)
// and the Docker scope verbs they map to (section 2).
//
// An Action is what a scope-map rule grants on a repository; an ActionSet is a
// set of them, stored as a bit mask so that unions and intersections on the
// authorization hot path are single instructions.
//
// Wire strings are spelled exactly as ACR spells them, each in one table:
//   Action            scope-map string   Docker scope verb
//   kContentRead      content/read       pull
//   kContentWrite     content/write      push
//   kContentDelete    content/delete     delete
//   kMetadataRead     metadata/read      metadata_read
//   kMetadataWrite    metadata/write     metadata_write
// The Docker verb "*" means "every action the caller holds" and is resolved by
// whoever grants access (AuthState::Grant), never stored.
//
// Thread safety: pure functions and value types; safe for concurrent use.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/core/status.h"

namespace scopereg::auth {

// The numeric values are bit positions in ActionSet and the canonical order in
// every listing (JWT access claims, scope-map output). Never renumber.
enum class Action : std::uint8_t {
  kContentRead = 0,
  kContentWrite = 1,
  kContentDelete = 2,
  kMetadataRead = 3,
  kMetadataWrite = 4,
};

inline constexpr int kActionCount = 5;

// Every action, in canonical order.
inline constexpr std::array<Action, kActionCount> kAllActions = {
    Action::kContentRead, Action::kContentWrite, Action::kContentDelete, Action::kMetadataRead,
    Action::kMetadataWrite};

// "content/read", "content/write", "content/delete", "metadata/read",
// "metadata/write".
std::string_view ActionName(Action action);

// Parses a scope-map action name, case-insensitively (ACR lower-cases input).
// kInvalidArgument with az's wording otherwise:
//   Invalid action "<text>" provided. Valid actions are {content/delete,
//   content/read, content/write, metadata/read, metadata/write}.
Result<Action> ParseAction(std::string_view text);

// The "Valid actions are {...}" list used in error messages, sorted as az
// prints it.
std::string_view ValidActionsForMessage();

// "pull", "push", "delete", "metadata_read", "metadata_write".
std::string_view DockerVerb(Action action);

// The Action for a Docker scope verb (exact, case-sensitive, as Distribution
// compares them), or nullopt for "*" and for verbs this registry does not know
// (those are simply not granted: asking for more is not an error).
std::optional<Action> ActionFromDockerVerb(std::string_view verb);

// A set of Actions. A value type the size of one byte.
class ActionSet {
 public:
  constexpr ActionSet() = default;
  constexpr ActionSet(std::initializer_list<Action> actions) {
    for (Action a : actions) bits_ |= Bit(a);
  }

  static constexpr ActionSet All() { return FromBits(kAllBits); }
  static constexpr ActionSet None() { return ActionSet(); }
  // Bits outside the five actions are dropped.
  static constexpr ActionSet FromBits(std::uint8_t bits) {
    ActionSet s;
    s.bits_ = static_cast<std::uint8_t>(bits & kAllBits);
    return s;
  }

  constexpr std::uint8_t bits() const { return bits_; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool Contains(Action a) const { return (bits_ & Bit(a)) != 0; }
  // True if every action of `other` is in this set (true for an empty `other`).
  constexpr bool ContainsAll(ActionSet other) const { return (bits_ & other.bits_) == other.bits_; }
  int size() const;

  constexpr ActionSet& Add(Action a) {
    bits_ |= Bit(a);
    return *this;
  }
  constexpr ActionSet& Remove(Action a) {
    bits_ = static_cast<std::uint8_t>(bits_ & ~Bit(a));
    return *this;
  }
  constexpr ActionSet& operator|=(ActionSet o) {
    bits_ |= o.bits_;
    return *this;
  }
  constexpr ActionSet& operator&=(ActionSet o) {
    bits_ &= o.bits_;
    return *this;
  }
  friend constexpr ActionSet operator|(ActionSet a, ActionSet b) { return a |= b; }
  friend constexpr ActionSet operator&(ActionSet a, ActionSet b) { return a &= b; }
  friend constexpr bool operator==(ActionSet a, ActionSet b) = default;

  // The members in canonical order.
  std::vector<Action> ToVector() const;
  // Action names joined with ", " in canonical order ("" for the empty set),
  // for messages and logs.
  std::string ToString() const;

 private:
  static constexpr std::uint8_t kAllBits = (1u << kActionCount) - 1;
  static constexpr std::uint8_t Bit(Action a) { return static_cast<std::uint8_t>(1u << static_cast<int>(a)); }
  std::uint8_t bits_ = 0;
};

// The Docker verbs for `actions` in canonical order, as the JWT "access" claim
// lists them: {content/read, content/write} -> {"pull", "push"}.
std::vector<std::string_view> DockerVerbs(ActionSet actions);

// The Docker verbs joined with ",", as a scope string wants them
// ("pull,push").
std::string DockerVerbList(ActionSet actions);

}  // namespace scopereg::auth
