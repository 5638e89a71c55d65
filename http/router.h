// Routes: method + path pattern ("/api/v1/tickets/{id}") -> handler, with what the
// OpenAPI document says about each. A literal segment wins over a parameter
// ("/tickets/bulk" before "/tickets/{id}"). match() tells 404 (no path) from 405 (path,
// not method; `allowed` lists the methods for the Allow header).
// Built once at start-up, then read-only: safe to match from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/access.h"
#include "domain/principal.h"
#include "http/message.h"

namespace ticketd::http {

struct PathParams {
  std::vector<std::pair<std::string, std::string>> values;
  [[nodiscard]] const std::string& get(std::string_view name) const;
};

// What a handler gets: the request, its path parameters and, on authenticated routes,
// the verified principal.
struct Call {
  const Request& request;
  PathParams params;
  std::optional<Principal> principal;

  [[nodiscard]] const Principal& who() const { return *principal; }
};

using Handler = std::function<Response(Call&)>;

// Who may call a route: anyone (probes), or any authenticated principal; a route that
// names an access::Action also needs access::may(principal, action), checked before its
// handler runs (403 otherwise).
enum class Access { anyone, principal };

struct RouteDoc {
  std::string summary;
  std::string who;                 // which roles may call it (from the policy when it names an Action)
  std::vector<std::string> query;  // query parameters
  std::string body;                // request body, "" for none
  std::vector<int> statuses;       // responses besides 401/429/5xx
};

struct Route {
  std::string method;
  std::string pattern;
  Access access = Access::principal;
  std::optional<access::Action> action;  // the role check made before the handler
  Handler handler;
  RouteDoc doc;
  std::vector<std::string> segments;  // pattern split on '/'
  // Answers from a few counters in memory (the probes): runs on the I/O thread instead of
  // the worker pool. Nothing that may take a millisecond is quick.
  bool quick = false;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Access access, Handler handler, RouteDoc doc);
  // A route for principals allowed `action`; its doc's `who` is access::who_may(action).
  void add(std::string method, std::string pattern, access::Action action, Handler handler, RouteDoc doc);

  struct Match {
    const Route* route = nullptr;  // nullptr: see `allowed`
    PathParams params;
    std::vector<std::string> allowed;  // methods of the path when the method did not match
  };
  [[nodiscard]] Match match(std::string_view method, std::string_view path) const;

  [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }
  // Marks a registered route quick (see Route::quick); false when there is no such route.
  bool set_quick(std::string_view method, std::string_view pattern);

 private:
  std::vector<Route> routes_;
};

}  // namespace ticketd::http
