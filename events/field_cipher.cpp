#include "events/field_cipher.h"

#include <algorithm>

#include "base/aead.h"
#include "base/base64.h"

namespace ticketd {
namespace {

using simdjson::dom::element;

std::string aad_of(std::string_view scope, std::string_view key) {
  std::string out;
  out.reserve(scope.size() + 1 + key.size());
  out.append(scope).push_back('/');
  out.append(key);
  return out;
}

std::unexpected<Error> not_sealed() { return make_error(Errc::internal, "a sealed field is malformed"); }

}  // namespace

FieldCipher::FieldCipher(SubjectKeys& keys) : keys_(keys) {}

Result<void> FieldCipher::seal(JsonWriter& w, const std::string& subject, std::string_view aad,
                               std::string_view plaintext) {
  SubjectKey key;
  {
    std::lock_guard lock(mu_);
    if (auto it = by_subject_.find(subject); it != by_subject_.end()) key = it->second;
  }
  if (key.id.empty()) {
    auto made = keys_.key_for(subject);
    if (!made) return std::unexpected(made.error());
    key = std::move(*made);
    std::lock_guard lock(mu_);
    if (by_subject_.size() >= kMaxCachedKeys) by_subject_.clear();
    by_subject_[subject] = key;
  }
  auto sealed = aead_seal(key.bytes, aad, plaintext);
  if (!sealed) return std::unexpected(sealed.error());
  w.begin_object().key("sealed").begin_object().key("key").value(key.id);
  w.key("nonce").value(base64_encode(sealed->nonce)).key("ct").value(base64_encode(sealed->ciphertext));
  w.key("tag").value(base64_encode(sealed->tag)).end_object().end_object();
  return {};
}

bool FieldCipher::is_sealed(element value) {
  element inner;
  return value.is_object() && value["sealed"].get(inner) == simdjson::SUCCESS && inner.is_object();
}

Result<std::optional<std::string>> FieldCipher::key_bytes(const std::string& key_id) const {
  {
    std::lock_guard lock(mu_);
    if (auto it = by_id_.find(key_id); it != by_id_.end()) return it->second;
  }
  auto found = keys_.key(key_id);
  if (!found) return std::unexpected(found.error());
  std::lock_guard lock(mu_);
  if (by_id_.size() >= kMaxCachedKeys) by_id_.clear();
  by_id_[key_id] = *found;
  return *found;
}

Result<std::string> FieldCipher::open(element value, std::string_view aad) const {
  std::string_view plain;
  if (value.get_string().get(plain) == simdjson::SUCCESS) return std::string(plain);
  if (!is_sealed(value)) return not_sealed();
  element inner = value["sealed"];
  std::string_view key_id, nonce, ct, tag;
  if (inner["key"].get_string().get(key_id) != simdjson::SUCCESS ||
      inner["nonce"].get_string().get(nonce) != simdjson::SUCCESS ||
      inner["ct"].get_string().get(ct) != simdjson::SUCCESS ||
      inner["tag"].get_string().get(tag) != simdjson::SUCCESS) {
    return not_sealed();
  }
  auto key = key_bytes(std::string(key_id));
  if (!key) return std::unexpected(key.error());
  if (!*key) return std::string(kErased);
  auto n = base64_decode(nonce);
  auto c = base64_decode(ct);
  auto t = base64_decode(tag);
  if (!n || !c || !t) return not_sealed();
  auto opened = aead_open(**key, aad, Sealed{std::move(*n), std::move(*c), std::move(*t)});
  if (!opened) return make_error(Errc::internal, "a sealed field does not open: the record was altered");
  return opened;
}

Result<std::vector<std::string>> FieldCipher::erase(const std::string& subject) {
  auto ids = keys_.key_ids(subject);
  if (!ids) return std::unexpected(ids.error());
  auto erased = keys_.erase(subject);
  if (!erased) return std::unexpected(erased.error());
  std::lock_guard lock(mu_);
  by_subject_.erase(subject);
  for (const auto& id : *ids) by_id_[id] = std::nullopt;
  return ids;
}

void FieldSealer::field(JsonWriter& w, std::string_view key, const std::string& subject, std::string_view plaintext) {
  w.key(key);
  if (error_) {
    w.value("");
    return;
  }
  if (plaintext.empty() || plaintext == FieldCipher::kErased || sealing_ == Sealing::in_clear) {
    w.value(plaintext);
    return;
  }
  if (auto ok = cipher_.seal(w, subject, aad_of(scope_, key), plaintext); !ok) {
    error_ = ok.error();
    w.value("");
  }
}

Result<void> FieldSealer::status() const {
  if (error_) return std::unexpected(*error_);
  return {};
}

std::string FieldOpener::field(JsonFields& in, const char* key) {
  element value;
  if (in.e[key].get(value) != simdjson::SUCCESS) {
    in.ok = false;
    return {};
  }
  auto opened = cipher_.open(value, aad_of(scope_, key));
  if (!opened) {
    in.ok = false;
    if (!error_) error_ = opened.error();
    return {};
  }
  return std::move(*opened);
}

Result<void> FieldOpener::status() const {
  if (error_) return std::unexpected(*error_);
  return {};
}

namespace {

Result<void> copy_opened(JsonWriter& w, element e, std::string_view scope, std::string_view key,
                         const FieldCipher& cipher) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      if (FieldCipher::is_sealed(e)) {
        auto opened = cipher.open(e, aad_of(scope, key));
        if (!opened) return std::unexpected(opened.error());
        w.value(*opened);
        return {};
      }
      w.begin_object();
      for (auto field : simdjson::dom::object(e)) {
        w.key(field.key);
        if (auto ok = copy_opened(w, field.value, scope, field.key, cipher); !ok) return ok;
      }
      w.end_object();
      return {};
    }
    case simdjson::dom::element_type::ARRAY:
      w.begin_array();
      for (element x : simdjson::dom::array(e)) {
        if (auto ok = copy_opened(w, x, scope, key, cipher); !ok) return ok;
      }
      w.end_array();
      return {};
    case simdjson::dom::element_type::STRING:
      w.value(std::string_view(e));
      return {};
    case simdjson::dom::element_type::INT64:
      w.value(std::int64_t(e));
      return {};
    case simdjson::dom::element_type::UINT64:
      w.value(std::uint64_t(e));
      return {};
    case simdjson::dom::element_type::DOUBLE:
      w.value(double(e));
      return {};
    case simdjson::dom::element_type::BOOL:
      w.value(bool(e));
      return {};
    case simdjson::dom::element_type::NULL_VALUE:
      w.null();
      return {};
  }
  return {};
}

void collect_key_ids(element e, std::vector<std::string>& out) {
  if (e.is_array()) {
    for (element x : simdjson::dom::array(e)) collect_key_ids(x, out);
    return;
  }
  if (!e.is_object()) return;
  if (FieldCipher::is_sealed(e)) {
    std::string_view id;
    if (e["sealed"]["key"].get_string().get(id) == simdjson::SUCCESS &&
        std::find(out.begin(), out.end(), id) == out.end()) {
      out.emplace_back(id);
    }
    return;
  }
  for (auto field : simdjson::dom::object(e)) collect_key_ids(field.value, out);
}

}  // namespace

Result<std::vector<std::string>> sealed_key_ids(std::string_view data) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS) {
    return make_error(Errc::internal, "record data is not JSON");
  }
  std::vector<std::string> out;
  collect_key_ids(root, out);
  return out;
}

Result<std::string> open_sealed_values(std::string_view data, std::string_view scope, const FieldCipher& cipher) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS) {
    return make_error(Errc::internal, "record data is not JSON");
  }
  JsonWriter w;
  if (auto ok = copy_opened(w, root, scope, "", cipher); !ok) return std::unexpected(ok.error());
  return w.take();
}

}  // namespace ticketd
