#include <fmt/format.h>

#include <map>

#include "http/api_context.h"

namespace ticketd::http {

namespace {

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 304:
      return "Not Modified";
    case 400:
      return "Malformed JSON or query";
    case 401:
      return "Missing, invalid or expired token";
    case 403:
      return "The role may not do this";
    case 404:
      return "Not found or outside the caller's scope";
    case 409:
      return "State conflict (current_status, allowed)";
    case 412:
      return "If-Match does not match the ticket's ETag";
    case 413:
      return "Body too large";
    case 415:
      return "Unsupported content type";
    case 422:
      return "Validation failed (errors)";
    case 429:
      return "Rate limited (Retry-After)";
    case 503:
      return "Not ready or busy";
    default:
      return "See the problem details";
  }
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string openapi_document(const Router& router) {
  std::map<std::string, std::vector<const Route*>> by_path;
  for (const auto& route : router.routes()) by_path[route.pattern].push_back(&route);
  JsonWriter w;
  w.begin_object().key("openapi").value("3.0.3");
  w.key("info").begin_object().key("title").value("ticketd").key("version").value("v1");
  w.key("description").value("The ticketd HTTP API: JSON in and out, errors as application/problem+json (RFC 9457).");
  w.end_object();
  w.key("components").begin_object();
  w.key("securitySchemes").begin_object().key("bearer").begin_object().key("type").value("http");
  w.key("scheme").value("bearer").key("bearerFormat").value("JWT").end_object().end_object();
  w.key("schemas").begin_object().key("Problem").begin_object().key("type").value("object");
  w.key("properties").begin_object();
  for (const char* field : {"type", "title", "detail", "current_status"}) {
    w.key(field).begin_object().key("type").value("string").end_object();
  }
  w.key("status").begin_object().key("type").value("integer").end_object();
  w.key("errors").begin_object().key("type").value("array").key("items").begin_object().key("type").value("object");
  w.key("properties").begin_object().key("field").begin_object().key("type").value("string").end_object();
  w.key("message").begin_object().key("type").value("string").end_object().end_object().end_object().end_object();
  w.end_object().end_object().end_object();
  w.end_object();
  w.key("paths").begin_object();
  for (const auto& [path, routes] : by_path) {
    w.key(path).begin_object();
    for (const Route* route : routes) {
      const RouteDoc& d = route->doc;
      w.key(lower(route->method)).begin_object();
      w.key("summary").value(d.summary);
      w.key("description").value("Who: " + d.who + (d.body.empty() ? "" : ". Body: " + d.body));
      w.key("operationId").value(lower(route->method) + route->pattern);
      if (route->access == Access::principal) {
        w.key("security").begin_array().begin_object().key("bearer").begin_array().end_array().end_object().end_array();
      } else {
        w.key("security").begin_array().end_array();
      }
      w.key("parameters").begin_array();
      for (const auto& seg : route->segments) {
        if (seg.size() > 2 && seg.front() == '{') {
          w.begin_object().key("name").value(seg.substr(1, seg.size() - 2)).key("in").value("path");
          w.key("required").value(true).key("schema").begin_object().key("type").value("string").end_object();
          w.end_object();
        }
      }
      for (const auto& q : d.query) {
        w.begin_object().key("name").value(q).key("in").value("query").key("required").value(false);
        w.key("schema").begin_object().key("type").value("string").end_object().end_object();
      }
      for (const char* header : {"X-Request-Id", "Idempotency-Key", "If-Match"}) {
        if (std::string_view(header) != "X-Request-Id" && route->method == "GET") continue;
        w.begin_object().key("name").value(header).key("in").value("header").key("required").value(false);
        w.key("schema").begin_object().key("type").value("string").end_object().end_object();
      }
      w.end_array();
      if (!d.body.empty()) {
        w.key("requestBody").begin_object().key("description").value(d.body).key("required").value(true);
        w.key("content").begin_object().key("application/json").begin_object().key("schema").begin_object();
        w.key("type").value("object").end_object().end_object().end_object().end_object();
      }
      w.key("responses").begin_object();
      std::vector<int> statuses = d.statuses;
      if (route->access == Access::principal) {
        statuses.push_back(401);
        statuses.push_back(429);
      }
      for (int s : statuses) {
        w.key(std::to_string(s)).begin_object().key("description").value(reason(s));
        if (s >= 400) {
          w.key("content").begin_object().key("application/problem+json").begin_object().key("schema");
          w.begin_object().key("$ref").value("#/components/schemas/Problem").end_object().end_object().end_object();
        }
        w.end_object();
      }
      w.end_object();
      w.end_object();
    }
    w.end_object();
  }
  w.end_object().end_object();
  return w.take();
}

}  // namespace ticketd::http
