#include "http/router.h"

#include <algorithm>

namespace ticketd::http {

namespace {

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  if (!path.empty() && path.front() == '/') start = 1;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Literal segments matched, or -1 when the path does not fit.
int fit(const Route& route, const std::vector<std::string>& parts, PathParams* params) {
  if (route.segments.size() != parts.size()) return -1;
  int literal = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& seg = route.segments[i];
    if (is_param(seg)) {
      if (parts[i].empty()) return -1;
      if (params != nullptr) params->values.emplace_back(seg.substr(1, seg.size() - 2), parts[i]);
    } else if (seg == parts[i]) {
      ++literal;
    } else {
      return -1;
    }
  }
  return literal;
}

}  // namespace

const std::string& PathParams::get(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  return kEmpty;
}

void Router::add(std::string method, std::string pattern, Access access, Handler handler, RouteDoc doc) {
  Route r{std::move(method), std::move(pattern), access, std::nullopt, std::move(handler), std::move(doc), {}};
  r.segments = split(r.pattern);
  routes_.push_back(std::move(r));
}

void Router::add(std::string method, std::string pattern, access::Action action, Handler handler, RouteDoc doc) {
  doc.who = access::who_may(action);
  add(std::move(method), std::move(pattern), Access::principal, std::move(handler), std::move(doc));
  routes_.back().action = action;
}

bool Router::set_quick(std::string_view method, std::string_view pattern) {
  for (auto& r : routes_) {
    if (r.method == method && r.pattern == pattern) return r.quick = true;
  }
  return false;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  const auto parts = split(path);
  int best_path = -1;
  Match out;
  int best = -1;
  for (const auto& route : routes_) {
    const int score = fit(route, parts, nullptr);
    if (score < 0) continue;
    best_path = std::max(best_path, score);
    if (route.method == method && score > best) {
      best = score;
      out.route = &route;
    }
  }
  if (out.route != nullptr) {
    // A more literal path with another method (e.g. GET /tickets/bulk) is still that path.
    if (best < best_path)
      out.route = nullptr;
    else {
      (void)fit(*out.route, parts, &out.params);
      return out;
    }
  }
  for (const auto& route : routes_) {
    if (fit(route, parts, nullptr) == best_path && best_path >= 0 &&
        std::find(out.allowed.begin(), out.allowed.end(), route.method) == out.allowed.end()) {
      out.allowed.push_back(route.method);
    }
  }
  return out;
}

}  // namespace ticketd::http
