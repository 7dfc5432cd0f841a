#include "scopereg/cli/profiles.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "scopereg/core/strings.h"

namespace scopereg::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string Get(const Environment& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

bool Truthy(std::string_view v) {
  const std::string l = ToLower(TrimSpace(v));
  return l == "1" || l == "true" || l == "yes" || l == "on";
}

Status MakePrivateDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir.string() + ": " + ec.message());
  // The directory holds credentials (or their paths): owner only.
  if (::chmod(dir.c_str(), 0700) != 0) {
    return Status::Unavailable("cannot chmod 0700 " + dir.string() + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

std::string ConfigDir(const Environment& env) {
  if (std::string d = Get(env, "SCOPEREG_CONFIG_DIR"); !d.empty()) return d;
  if (std::string x = Get(env, "XDG_CONFIG_HOME"); !x.empty()) return (fs::path(x) / "scopereg").string();
  std::string home = Get(env, "HOME");
  if (home.empty()) home = ".";
  return (fs::path(home) / ".config" / "scopereg").string();
}

bool IsValidProfileName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!std::isalnum(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

Result<std::string> NormalizeRegistryUrl(std::string_view url) {
  std::string u(TrimSpace(url));
  while (!u.empty() && u.back() == '/') u.pop_back();
  std::string_view rest;
  if (u.rfind("https://", 0) == 0) {
    rest = std::string_view(u).substr(8);
  } else if (u.rfind("http://", 0) == 0) {
    rest = std::string_view(u).substr(7);
  } else {
    return Status::InvalidArgument("--url: '" + std::string(url) +
                                   "' must start with https:// (or http:// for a registry on loopback)");
  }
  if (rest.find('/') != std::string_view::npos) {
    // The management API lives at /api/v1 on the registry's origin, and its
    // Link headers are origin-relative.
    return Status::InvalidArgument("--url: '" + std::string(url) + "' must not have a path (use scheme://host[:port])");
  }
  if (rest.empty() || rest.find_first_of("?#@ ") != std::string_view::npos) {
    return Status::InvalidArgument("--url: '" + std::string(url) + "' is not a registry URL such as https://registry.example.com");
  }
  return u;
}

std::string RegistryHost(std::string_view url) {
  auto p = url.find("://");
  std::string_view rest = p == std::string_view::npos ? url : url.substr(p + 3);
  rest = rest.substr(0, rest.find('/'));
  return std::string(rest);
}

bool IsLoopbackUrl(std::string_view url) {
  std::string host = RegistryHost(url);
  if (!host.empty() && host.front() == '[') {
    return host.rfind("[::1]", 0) == 0;
  }
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.rfind("127.", 0) == 0;
}

Result<ProfileStore> ProfileStore::Load(std::string dir) {
  ProfileStore store;
  store.dir_ = std::move(dir);
  const fs::path file = fs::path(store.dir_) / "config.json";
  std::ifstream in(file);
  if (!in) return store;  // no profiles yet
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  const std::string where = file.string() + ": ";
  if (!j.is_object()) return Status::InvalidArgument(where + "not a JSON object (was it edited by hand?)");
  if (auto d = j.find("defaultRegistry"); d != j.end() && d->is_string()) store.default_name_ = d->get<std::string>();
  auto regs = j.find("registries");
  if (regs != j.end()) {
    if (!regs->is_object()) return Status::InvalidArgument(where + "\"registries\" must be an object");
    for (const auto& [name, p] : regs->items()) {
      if (!p.is_object() || !p.contains("url") || !p["url"].is_string()) {
        return Status::InvalidArgument(where + "registry '" + name + "' has no url");
      }
      Profile prof;
      prof.name = name;
      prof.url = p["url"].get<std::string>();
      prof.credential_file = p.value("credentialFile", "");
      prof.ca_file = p.value("caFile", "");
      prof.insecure = p.value("insecure", false);
      store.profiles_[name] = std::move(prof);
    }
  }
  return store;
}

const Profile* ProfileStore::Find(std::string_view name) const {
  auto it = profiles_.find(std::string(name));
  return it == profiles_.end() ? nullptr : &it->second;
}

void ProfileStore::Put(Profile profile, bool make_default) {
  const std::string name = profile.name;
  profiles_[name] = std::move(profile);
  if (make_default || default_name_.empty() || !profiles_.count(default_name_)) default_name_ = name;
}

bool ProfileStore::Remove(std::string_view name) {
  if (profiles_.erase(std::string(name)) == 0) return false;
  if (default_name_ == name) default_name_ = profiles_.empty() ? "" : profiles_.begin()->first;
  return true;
}

Status ProfileStore::Save() const {
  SCOPEREG_RETURN_IF_ERROR(MakePrivateDir(dir_));
  json regs = json::object();
  for (const auto& [name, p] : profiles_) {
    regs[name] = json{{"url", p.url}, {"credentialFile", p.credential_file}, {"caFile", p.ca_file},
                      {"insecure", p.insecure}};
  }
  json j{{"defaultRegistry", default_name_}, {"registries", regs}};
  return WritePrivateFile((fs::path(dir_) / "config.json").string(), j.dump(2) + "\n");
}

std::string ProfileStore::ManagedCredentialPath(std::string_view name) const {
  return (fs::path(dir_) / "credentials" / std::string(name)).string();
}

Result<Profile> ResolveTarget(const ConnectionFlags& flags, const Environment& env, const ProfileStore& store) {
  Profile target;
  if (!flags.registry.empty()) {
    const Profile* p = store.Find(flags.registry);
    if (p == nullptr) {
      return Status::InvalidArgument("--registry: no registry profile '" + flags.registry +
                                     "'; create it with: scopereg login --registry " + flags.registry +
                                     " --url URL --credential-file FILE");
    }
    target = *p;
  } else {
    std::string name = Get(env, "SCOPEREG_REGISTRY");
    if (!name.empty()) {
      const Profile* p = store.Find(name);
      if (p == nullptr) {
        return Status::InvalidArgument("SCOPEREG_REGISTRY: no registry profile '" + name +
                                       "'; create it with: scopereg login --registry " + name);
      }
      target = *p;
    } else if (const Profile* p = store.Find(store.default_name())) {
      target = *p;
    }
    if (std::string u = Get(env, "SCOPEREG_URL"); !u.empty()) {
      SCOPEREG_ASSIGN_OR_RETURN(target.url, NormalizeRegistryUrl(u));
      if (target.name.empty()) target.name = "(SCOPEREG_URL)";
    }
    if (std::string c = Get(env, "SCOPEREG_CREDENTIAL_FILE"); !c.empty()) target.credential_file = c;
    if (std::string c = Get(env, "SCOPEREG_CA_FILE"); !c.empty()) target.ca_file = c;
    if (Truthy(Get(env, "SCOPEREG_INSECURE"))) target.insecure = true;
    if (target.url.empty()) {
      return Status::InvalidArgument(
          "no registry selected: run `scopereg login --registry NAME --url URL --credential-file FILE`, "
          "pass --registry NAME, or set SCOPEREG_URL and SCOPEREG_CREDENTIAL_FILE");
    }
  }
  if (!flags.ca_file.empty()) target.ca_file = flags.ca_file;
  if (flags.insecure) target.insecure = true;
  if (target.credential_file.empty()) {
    return Status::Unauthenticated("registry '" + target.name +
                                   "' has no operator credential file (set SCOPEREG_CREDENTIAL_FILE or log in again)");
  }
  return target;
}

Status WritePrivateFile(const std::string& path, std::string_view content) {
  const fs::path p(path);
  if (p.has_parent_path()) SCOPEREG_RETURN_IF_ERROR(MakePrivateDir(p.parent_path()));
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
  std::size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::Unavailable("cannot write " + tmp + ": " + std::strerror(e));
    }
    off += static_cast<std::size_t>(n);
  }
  // fchmod as well: an existing temp file would keep its old mode.
  if (::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::Unavailable("cannot write " + tmp + ": " + std::strerror(e));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return Status::Unavailable("cannot rename " + tmp + " to " + path + ": " + std::strerror(e));
  }
  return Status::Ok();
}

Result<std::string> ReadCredentialFile(const std::string& path, std::string* warning) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Unauthenticated("cannot read the operator credential file " + path + ": " + std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text(TrimSpace(ss.str()));
  if (text.rfind("srop_", 0) != 0 || text.find('.') == std::string::npos ||
      text.find_first_of(" \t\r\n") != std::string::npos) {
    return Status::Unauthenticated("the operator credential file " + path +
                                   " does not hold one operator secret line (srop_<id>.<secret>)");
  }
  struct stat st {};
  if (warning != nullptr && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    *warning = "the operator credential file " + path + " is readable by other users; run: chmod 600 " + path;
  }
  return text;
}

}  // namespace scopereg::cli
