// Start-up of the access model: the secret files it needs and the first
// operator credential. Files are created on first start with mode 0600 in a
// 0700 directory and never logged; their paths are.
#pragma once

#include <string>

#include "scopereg/auth/access_admin.h"
#include "scopereg/auth/jwt.h"
#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::server {

// The password-digest key at `path` (32 random bytes), created if absent.
// kDataLoss if the file exists but is too short; kUnavailable on I/O errors.
Result<std::string> LoadOrCreateDigestKey(const std::string& path);

// The token-signing key at `path`, generated if absent, plus any older keys
// kept beside it as "<path>.previous-<n>" (accepted for verification only,
// so tokens signed before a key rotation stay valid until they expire).
Result<auth::KeySet> LoadOrCreateSigningKeys(const std::string& path);

// On a registry with no operator yet, creates the owner operator "owner"
// and writes its secret line to `path` (0600). Returns true if it did.
// Does nothing if an operator exists.
Result<bool> BootstrapOwner(auth::AccessAdmin& admin, const std::string& path);

// The way back in when no operator secret is known (the initial file was
// deleted unread, every owner lost theirs, or the process died between
// creating the first owner and writing its file): creates a new owner
// operator "recovery-<yyyymmdd>-<hhmmss>" and writes its secret line to
// `path` (0600). Run offline by `scopereg recover-owner`, which holds the
// data directory lock, so having root on the registry's machine is what it
// takes. kAlreadyExists if run twice in one second.
struct RecoveredOwner {
  std::string operator_id;
  std::string path;
};
Result<RecoveredOwner> CreateRecoveryOwner(auth::AccessAdmin& admin, const Clock& clock, const std::string& path);

// Writes `content` to `path` atomically with mode 0600 (temp file, fsync,
// rename), creating the directory with mode 0700 if needed.
Status WriteSecretFile(const std::string& path, std::string_view content);

}  // namespace scopereg::server
