#include "http/problem.h"

#include <spdlog/spdlog.h>

#include "base/json_writer.h"

namespace ticketd::http {

namespace {

const char* title_of(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

const char* type_of(int status) {
  switch (status) {
    case 400:
      return "https://ticketd.dev/problems/bad-request";
    case 401:
      return "https://ticketd.dev/problems/unauthorized";
    case 403:
      return "https://ticketd.dev/problems/forbidden";
    case 404:
      return "https://ticketd.dev/problems/not-found";
    case 405:
      return "https://ticketd.dev/problems/method-not-allowed";
    case 409:
      return "https://ticketd.dev/problems/conflict";
    case 412:
      return "https://ticketd.dev/problems/precondition-failed";
    case 413:
      return "https://ticketd.dev/problems/too-large";
    case 415:
      return "https://ticketd.dev/problems/unsupported-media-type";
    case 422:
      return "https://ticketd.dev/problems/validation";
    case 429:
      return "https://ticketd.dev/problems/rate-limited";
    case 431:
      return "https://ticketd.dev/problems/headers-too-large";
    case 503:
      return "https://ticketd.dev/problems/unavailable";
    default:
      return "https://ticketd.dev/problems/internal";
  }
}

Response render(int status, const std::string& detail, const Error* error) {
  JsonWriter w;
  w.begin_object();
  w.key("type").value(type_of(status));
  w.key("title").value(title_of(status));
  w.key("status").value(status);
  w.key("detail").value(detail);
  if (error != nullptr) {
    if (!error->fields.empty()) {
      w.key("errors").begin_array();
      for (const auto& f : error->fields) {
        w.begin_object().key("field").value(f.field).key("message").value(f.message).end_object();
      }
      w.end_array();
    }
    if (!error->current_status.empty()) {
      w.key("current_status").value(error->current_status);
      w.key("allowed").begin_array();
      for (const auto& s : error->allowed) w.value(s);
      w.end_array();
    }
    if (status == 412 && error->actual_version) w.key("current_version").value(*error->actual_version);
  }
  w.end_object();
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = w.take();
  return r;
}

}  // namespace

int status_of(Errc code) {
  switch (code) {
    case Errc::not_found:
      return 404;
    case Errc::forbidden:
      return 403;
    case Errc::conflict:
      return 409;
    case Errc::validation:
      return 422;
    case Errc::wrong_expected_version:
      return 409;
    case Errc::precondition_failed:
      return 412;
    case Errc::too_large:
      return 413;
    case Errc::unavailable:
      return 503;
    case Errc::internal:
      return 500;
  }
  return 500;
}

Response problem(const Error& error, int status) {
  if (status < 500) return render(status, error.message, &error);
  spdlog::error("answered {}: {}", status, error.message);
  Response r = render(status,
                      status == 503 ? "the service cannot take this request now; try again later"
                                    : "internal error; see the server log",
                      nullptr);
  if (status == 503) r.set("Retry-After", "1");
  return r;
}

Response problem(const Error& error) {
  const int status = status_of(error.code);
  Response r = problem(error, status);
  if (status == 412 && error.actual_version) r.set("ETag", "\"" + std::to_string(*error.actual_version) + "\"");
  return r;
}

Response problem(int status, std::string detail) { return render(status, detail, nullptr); }

Response invalid_field(std::string field, std::string message) {
  Error e{Errc::validation, field + " " + message, {{field, message}}, std::nullopt, {}, {}};
  return problem(e);
}

}  // namespace ticketd::http
