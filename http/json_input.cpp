#include "http/json_input.h"

#include <algorithm>
#include <cctype>

#include "http/problem.h"

namespace ticketd::http {

bool has_media_type(const Request& request, std::string_view media_type) {
  auto ct = request.header("content-type");
  if (!ct) return false;
  std::string_view v = *ct;
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  return v.size() == media_type.size() && std::equal(v.begin(), v.end(), media_type.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

std::expected<JsonInput, Response> JsonInput::parse(const Request& request) {
  if (!has_media_type(request, "application/json") && !has_media_type(request, "application/merge-patch+json")) {
    return std::unexpected(problem(415, "the body must be application/json"));
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(request.body).get(root); err) {
    return std::unexpected(problem(400, std::string("malformed JSON: ") + simdjson::error_message(err)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    Error e{Errc::validation, "the body must be a JSON object", {{"", "must be a JSON object"}}, std::nullopt, {}, {}};
    return std::unexpected(problem(e));
  }
  return JsonInput(object, "", std::make_shared<std::vector<FieldError>>());
}

std::optional<simdjson::dom::element> JsonInput::field(const char* key) {
  read_.insert(key);
  simdjson::dom::element e;
  if (object_[key].get(e) != simdjson::SUCCESS) return std::nullopt;
  return e;
}

bool JsonInput::has(const char* key) {
  simdjson::dom::element e;
  return object_[key].get(e) == simdjson::SUCCESS;
}

void JsonInput::add_error(std::string field_name, std::string message) {
  errors_->push_back({prefix_ + field_name, std::move(message)});
}

void JsonInput::require(const char* key) {
  if (!has(key)) add_error(key, "is required");
}

std::optional<std::string> JsonInput::string(const char* key, std::size_t max_bytes) {
  auto e = field(key);
  if (!e || e->is_null()) return std::nullopt;
  std::string_view v;
  if (e->get_string().get(v) != simdjson::SUCCESS) {
    add_error(key, "must be a string");
    return std::nullopt;
  }
  if (v.size() > max_bytes) {
    add_error(key, "must be at most " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  }
  return std::string(v);
}

std::optional<std::optional<std::string>> JsonInput::nullable_string(const char* key) {
  auto e = field(key);
  if (!e) return std::nullopt;
  if (e->is_null()) return std::optional<std::string>();
  std::string_view v;
  if (e->get_string().get(v) != simdjson::SUCCESS || v.size() > kDefaultMaxString) {
    add_error(key, "must be a string of at most " + std::to_string(kDefaultMaxString) + " bytes, or null");
    return std::nullopt;
  }
  return std::optional<std::string>(std::string(v));
}

std::optional<std::vector<std::string>> JsonInput::strings(const char* key, std::size_t max_bytes) {
  auto e = field(key);
  if (!e || e->is_null()) return std::nullopt;
  simdjson::dom::array array;
  if (e->get_array().get(array) != simdjson::SUCCESS) {
    add_error(key, "must be an array of strings");
    return std::nullopt;
  }
  if (array.size() > kMaxArrayItems) {
    add_error(key, "must have at most " + std::to_string(kMaxArrayItems) + " items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (auto item : array) {
    std::string_view v;
    if (item.get_string().get(v) != simdjson::SUCCESS || v.size() > max_bytes) {
      add_error(key, "must be an array of strings of at most " + std::to_string(max_bytes) + " bytes");
      return std::nullopt;
    }
    out.emplace_back(v);
  }
  return out;
}

std::optional<bool> JsonInput::boolean(const char* key) {
  auto e = field(key);
  if (!e || e->is_null()) return std::nullopt;
  bool v = false;
  if (e->get_bool().get(v) != simdjson::SUCCESS) {
    add_error(key, "must be true or false");
    return std::nullopt;
  }
  return v;
}

std::optional<std::vector<std::pair<std::string, std::string>>> JsonInput::string_map(const char* key,
                                                                                      std::size_t max_bytes) {
  auto e = field(key);
  if (!e || e->is_null()) return std::nullopt;
  simdjson::dom::object object;
  if (e->get_object().get(object) != simdjson::SUCCESS || object.size() > kMaxArrayItems) {
    add_error(key, "must be an object of at most " + std::to_string(kMaxArrayItems) + " string values");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (auto [name, value] : object) {
    std::string_view v;
    if (value.get_string().get(v) != simdjson::SUCCESS || v.size() > max_bytes || name.size() > max_bytes ||
        name.empty()) {
      add_error(key, "must map names to strings, each of 1 to " + std::to_string(max_bytes) + " bytes");
      return std::nullopt;
    }
    out.emplace_back(name, v);
  }
  return out;
}

std::optional<std::int64_t> JsonInput::integer(const char* key) {
  auto e = field(key);
  if (!e || e->is_null()) return std::nullopt;
  std::int64_t v = 0;
  if (e->get_int64().get(v) != simdjson::SUCCESS) {
    add_error(key, "must be an integer");
    return std::nullopt;
  }
  return v;
}

std::optional<simdjson::dom::array> JsonInput::array(const char* key, std::size_t max_items) {
  auto e = field(key);
  if (!e || e->is_null()) return std::nullopt;
  simdjson::dom::array a;
  if (e->get_array().get(a) != simdjson::SUCCESS || a.size() > max_items) {
    add_error(key, "must be an array of at most " + std::to_string(max_items) + " items");
    return std::nullopt;
  }
  return a;
}

std::optional<JsonInput> JsonInput::object(const char* key) {
  auto e = field(key);
  if (!e || e->is_null()) return std::nullopt;
  simdjson::dom::object o;
  if (e->get_object().get(o) != simdjson::SUCCESS) {
    add_error(key, "must be an object");
    return std::nullopt;
  }
  return JsonInput(o, prefix_ + key + ".", errors_);
}

void JsonInput::reject_unread() {
  for (auto [key, value] : object_) {
    if (!read_.contains(std::string(key))) add_error(std::string(key), "is not a known field");
  }
}

std::optional<Response> JsonInput::finish() {
  reject_unread();
  if (errors_->empty()) return std::nullopt;
  Error e{Errc::validation, "the request has invalid fields", *errors_, std::nullopt, {}, {}};
  return problem(e);
}

}  // namespace ticketd::http
