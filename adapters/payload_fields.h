// Internal to adapters/: lenient reads of the systems' JSON (simdjson DOM), where any
// field may be missing, null, or a number where another payload has a string.
#pragma once

#include <simdjson.h>

#include <charconv>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace ticketd::payload {

using simdjson::dom::element;

// The element at `path` (object keys), if every step exists and is not null.
inline std::optional<element> at(element e, std::initializer_list<std::string_view> path) {
  for (auto key : path) {
    element next;
    if (!e.is_object() || e[key].get(next) != simdjson::SUCCESS || next.is_null()) return std::nullopt;
    e = next;
  }
  return e;
}

// A string, or an integer written as its decimal digits (Zammad ids, SMAX sizes).
inline std::optional<std::string> text(element e, std::initializer_list<std::string_view> path) {
  auto x = at(e, path);
  if (!x) return std::nullopt;
  std::string_view s;
  if (x->get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  std::int64_t i = 0;
  if (x->get_int64().get(i) == simdjson::SUCCESS) return std::to_string(i);
  std::uint64_t u = 0;
  if (x->get_uint64().get(u) == simdjson::SUCCESS) return std::to_string(u);
  return std::nullopt;
}

inline std::optional<bool> boolean(element e, std::initializer_list<std::string_view> path) {
  auto x = at(e, path);
  bool b = false;
  if (!x || x->get_bool().get(b) != simdjson::SUCCESS) return std::nullopt;
  return b;
}

inline std::optional<std::int64_t> integer(element e, std::initializer_list<std::string_view> path) {
  auto x = at(e, path);
  if (!x) return std::nullopt;
  std::int64_t i = 0;
  if (x->get_int64().get(i) == simdjson::SUCCESS) return i;
  std::string_view s;
  if (x->get_string().get(s) == simdjson::SUCCESS) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return i;
  }
  return std::nullopt;
}

}  // namespace ticketd::payload
