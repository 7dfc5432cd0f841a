#include "scopereg/oci/manifest.h"

#include <nlohmann/json.hpp>

namespace scopereg::oci {

using nlohmann::json;

bool IsSupportedManifestMediaType(std::string_view mt) {
  return mt == media_type::kOciManifest || mt == media_type::kOciIndex || mt == media_type::kDockerManifest ||
         mt == media_type::kDockerManifestList;
}

bool IsIndexMediaType(std::string_view mt) {
  return mt == media_type::kOciIndex || mt == media_type::kDockerManifestList;
}

std::string StripMediaTypeParameters(std::string_view ct) {
  auto semi = ct.find(';');
  if (semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  std::string out(ct);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Manifest::ReferrerArtifactType() const {
  if (!artifact_type.empty()) return artifact_type;
  if (kind == ManifestKind::kImage && config) return config->media_type;
  return {};
}

namespace {

Result<Descriptor> ParseDescriptor(const json& j, const std::string& where) {
  if (!j.is_object()) return Status::InvalidArgument(where + " is not a descriptor object");
  Descriptor d;
  auto mt = j.find("mediaType");
  if (mt == j.end() || !mt->is_string()) return Status::InvalidArgument(where + ".mediaType is missing");
  d.media_type = mt->get<std::string>();
  auto dg = j.find("digest");
  if (dg == j.end() || !dg->is_string()) return Status::InvalidArgument(where + ".digest is missing");
  auto parsed = Digest::Parse(dg->get<std::string>());
  if (!parsed.ok()) return Status::InvalidArgument(where + ".digest: " + std::string(parsed.status().message()));
  d.digest = std::move(parsed).value();
  auto sz = j.find("size");
  if (sz == j.end() || !sz->is_number_integer() || sz->get<std::int64_t>() < 0) {
    return Status::InvalidArgument(where + ".size must be a non-negative integer");
  }
  d.size = sz->get<std::int64_t>();
  if (auto at = j.find("artifactType"); at != j.end()) {
    if (!at->is_string()) return Status::InvalidArgument(where + ".artifactType must be a string");
    d.artifact_type = at->get<std::string>();
  }
  if (auto an = j.find("annotations"); an != j.end() && !an->is_null()) {
    if (!an->is_object()) return Status::InvalidArgument(where + ".annotations must be an object");
    d.annotations_json = an->dump();
  }
  return d;
}

Result<std::vector<Descriptor>> ParseDescriptorList(const json& doc, const char* field, bool required) {
  std::vector<Descriptor> out;
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(std::string(field) + " is missing");
    return out;
  }
  if (!it->is_array()) return Status::InvalidArgument(std::string(field) + " must be an array");
  out.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    SCOPEREG_ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor((*it)[i], std::string(field) + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

Result<Manifest> ParseManifest(std::string_view body, std::string_view content_type) {
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::InvalidArgument("manifest is not a JSON object");

  auto sv = doc.find("schemaVersion");
  if (sv == doc.end() || !sv->is_number_integer()) return Status::InvalidArgument("schemaVersion is missing");
  if (sv->get<std::int64_t>() != 2) {
    return Status::InvalidArgument("unsupported schemaVersion " + std::to_string(sv->get<std::int64_t>()));
  }

  const std::string ct = StripMediaTypeParameters(content_type);
  std::string field_type;
  if (auto mt = doc.find("mediaType"); mt != doc.end() && !mt->is_null()) {
    if (!mt->is_string()) return Status::InvalidArgument("mediaType must be a string");
    field_type = mt->get<std::string>();
  }
  Manifest m;
  if (!field_type.empty()) {
    if (!ct.empty() && IsSupportedManifestMediaType(ct) && ct != field_type) {
      return Status::InvalidArgument("mediaType '" + field_type + "' does not match Content-Type '" + ct + "'");
    }
    m.media_type = field_type;
  } else if (IsSupportedManifestMediaType(ct)) {
    m.media_type = ct;
  } else if (doc.contains("manifests")) {
    m.media_type = media_type::kOciIndex;
  } else if (doc.contains("config")) {
    m.media_type = media_type::kOciManifest;
  } else {
    m.media_type = ct;
  }
  if (m.media_type == media_type::kDockerSchema1 || m.media_type == media_type::kDockerSchema1Signed) {
    return Status::InvalidArgument("Docker schema 1 manifests are not supported");
  }
  if (!IsSupportedManifestMediaType(m.media_type)) {
    return Status::InvalidArgument("unsupported manifest media type '" + m.media_type + "'");
  }

  m.kind = IsIndexMediaType(m.media_type) ? ManifestKind::kIndex : ManifestKind::kImage;
  if (m.kind == ManifestKind::kImage) {
    if (doc.contains("manifests")) return Status::InvalidArgument("an image manifest cannot have 'manifests'");
    auto cfg = doc.find("config");
    if (cfg == doc.end()) return Status::InvalidArgument("config is missing");
    SCOPEREG_ASSIGN_OR_RETURN(Descriptor c, ParseDescriptor(*cfg, "config"));
    m.config = std::move(c);
    SCOPEREG_ASSIGN_OR_RETURN(m.layers, ParseDescriptorList(doc, "layers", m.media_type == media_type::kDockerManifest));
  } else {
    if (doc.contains("config") || doc.contains("layers")) {
      return Status::InvalidArgument("an index cannot have 'config' or 'layers'");
    }
    SCOPEREG_ASSIGN_OR_RETURN(m.manifests, ParseDescriptorList(doc, "manifests", true));
  }
  if (auto sub = doc.find("subject"); sub != doc.end() && !sub->is_null()) {
    SCOPEREG_ASSIGN_OR_RETURN(Descriptor s, ParseDescriptor(*sub, "subject"));
    m.subject = std::move(s);
  }
  if (auto at = doc.find("artifactType"); at != doc.end() && !at->is_null()) {
    if (!at->is_string()) return Status::InvalidArgument("artifactType must be a string");
    m.artifact_type = at->get<std::string>();
  }
  if (auto an = doc.find("annotations"); an != doc.end() && !an->is_null()) {
    if (!an->is_object()) return Status::InvalidArgument("annotations must be an object");
    m.annotations_json = an->dump();
  }
  return m;
}

}  // namespace scopereg::oci
