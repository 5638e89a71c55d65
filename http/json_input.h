// Request bodies as JSON objects, parsed with simdjson (which also rejects invalid UTF-8).
//
// parse() answers 415 unless the Content-Type is application/json, 400 for a body that
// is not JSON, and 422 when it is not an object. Typed reads collect field errors
// (wrong type, too long, unknown enum value) instead of failing at the first; a handler
// reads every field, then calls finish(), which also refuses fields it never read
// (unknown fields are 422: a typo must not be silently ignored).
//
// A JsonInput refers to the calling thread's parser: use it on that thread, one at a time.
#pragma once

#include <simdjson.h>

#include <expected>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "http/message.h"

namespace ticketd::http {

class JsonInput {
 public:
  // Bytes of any one string field unless a read names its own limit.
  static constexpr std::size_t kDefaultMaxString = 200;
  static constexpr std::size_t kMaxArrayItems = 100;

  [[nodiscard]] static std::expected<JsonInput, Response> parse(const Request& request);

  [[nodiscard]] bool has(const char* key);
  // Absent: nullopt. Present with another type or too long: a field error.
  std::optional<std::string> string(const char* key, std::size_t max_bytes = kDefaultMaxString);
  // For fields where null means "clear" (assignee): absent -> nullopt, null -> optional("").
  std::optional<std::optional<std::string>> nullable_string(const char* key);
  std::optional<std::vector<std::string>> strings(const char* key, std::size_t max_bytes = kDefaultMaxString);
  std::optional<std::int64_t> integer(const char* key);
  std::optional<bool> boolean(const char* key);
  // An object of string values ({"In Review": "open"}), at most kMaxArrayItems members.
  std::optional<std::vector<std::pair<std::string, std::string>>> string_map(const char* key,
                                                                             std::size_t max_bytes = kDefaultMaxString);
  // An array field of at most `max_items` items, whose items the caller reads (or hands on
  // to a codec that validates them).
  std::optional<simdjson::dom::array> array(const char* key, std::size_t max_items = kMaxArrayItems);
  // An object field as a nested input sharing this one's errors (e.g. "resolution").
  std::optional<JsonInput> object(const char* key);
  // A value of a closed vocabulary; unknown values name the allowed ones.
  template <class T, class Parse>
  std::optional<T> enumerated(const char* key, Parse parse_fn, const char* allowed) {
    auto text = string(key);
    if (!text) return std::nullopt;
    auto v = parse_fn(*text);
    if (!v) add_error(key, std::string("must be one of ") + allowed);
    return v;
  }
  void require(const char* key);
  void add_error(std::string field, std::string message);

  // Records every field of this object that was never read as unknown (nested objects).
  void reject_unread();
  // reject_unread(), then the 422 for every error collected so far, or nullopt.
  [[nodiscard]] std::optional<Response> finish();

  [[nodiscard]] simdjson::dom::object raw() const { return object_; }

 private:
  JsonInput(simdjson::dom::object o, std::string prefix, std::shared_ptr<std::vector<FieldError>> errors)
      : object_(o), prefix_(std::move(prefix)), errors_(std::move(errors)) {}
  std::optional<simdjson::dom::element> field(const char* key);

  simdjson::dom::object object_;
  std::string prefix_;
  std::shared_ptr<std::vector<FieldError>> errors_;
  std::set<std::string> read_;
};

// Whether the request's Content-Type has this media type (parameters ignored).
[[nodiscard]] bool has_media_type(const Request& request, std::string_view media_type);

}  // namespace ticketd::http
