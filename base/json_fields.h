// Typed reads of fields of a simdjson DOM object, for the decoders of events/ and the read models.
// Each read of a missing or mistyped field clears `ok` and returns an empty value, so a
// decoder reads every field and checks `ok` once at the end.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ticketd {

struct JsonFields {
  simdjson::dom::element e;
  bool ok = true;

  bool has(const char* key) const {
    simdjson::dom::element x;
    return e[key].get(x) == simdjson::SUCCESS;
  }
  std::string str(const char* key) {
    std::string_view v;
    if (e[key].get_string().get(v) != simdjson::SUCCESS) ok = false;
    return std::string(v);
  }
  // Absent or null: nullopt; another type: clears ok.
  std::optional<std::string> opt_str(const char* key) {
    simdjson::dom::element x;
    if (e[key].get(x) != simdjson::SUCCESS || x.is_null()) return std::nullopt;
    std::string_view v;
    if (x.get_string().get(v) != simdjson::SUCCESS) {
      ok = false;
      return std::nullopt;
    }
    return std::string(v);
  }
  std::vector<std::string> strs(const char* key) {
    std::vector<std::string> out;
    each(key, [&](simdjson::dom::element x) {
      std::string_view v;
      if (x.get_string().get(v) != simdjson::SUCCESS) ok = false;
      out.emplace_back(v);
    });
    return out;
  }
  std::int64_t i64(const char* key) {
    std::int64_t v = 0;
    if (e[key].get_int64().get(v) != simdjson::SUCCESS) ok = false;
    return v;
  }
  std::optional<std::int64_t> opt_i64(const char* key) const {
    std::int64_t v = 0;
    if (e[key].get_int64().get(v) != simdjson::SUCCESS) return std::nullopt;
    return v;
  }
  bool boolean(const char* key) {
    bool v = false;
    if (e[key].get_bool().get(v) != simdjson::SUCCESS) ok = false;
    return v;
  }
  // Calls f(element) for each element of the array `key`; clears ok if it is not an array.
  template <class F>
  void each(const char* key, F f) {
    simdjson::dom::array a;
    if (e[key].get_array().get(a) != simdjson::SUCCESS) {
      ok = false;
      return;
    }
    for (simdjson::dom::element x : a) f(x);
  }
  // A string field parsed by `parse` (returning std::optional<E>).
  template <class E, class Parse>
  E enumerated(const char* key, Parse parse) {
    auto v = parse(str(key));
    if (!v) ok = false;
    return v.value_or(E{});
  }
};

}  // namespace ticketd
