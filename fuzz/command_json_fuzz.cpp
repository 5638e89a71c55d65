// Every command's JSON input: the first byte picks a command route (and the role that sends
// it), the rest is the body. The request goes through the real Api of an in-process
// ticketd, so the route's JSON reading, the command's validation and decide() all see it.
// The answer is never a 5xx: bad input is a 4xx, good input is carried out.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_world.h"

namespace {

struct Target {
  const char* method;
  const char* path;  // "{t}" is the world's ticket
  ticketd::Role role;
};

const Target kTargets[] = {
    {"POST", "/api/v1/tickets", ticketd::Role::customer},
    {"POST", "/api/v1/tickets", ticketd::Role::agent},
    {"PATCH", "/api/v1/tickets/{t}", ticketd::Role::agent},
    {"PATCH", "/api/v1/tickets/{t}", ticketd::Role::customer},
    {"POST", "/api/v1/tickets/{t}/assign", ticketd::Role::admin},
    {"POST", "/api/v1/tickets/{t}/status", ticketd::Role::agent},
    {"POST", "/api/v1/tickets/{t}/status", ticketd::Role::customer},
    {"POST", "/api/v1/tickets/{t}/comments", ticketd::Role::agent},
    {"POST", "/api/v1/tickets/{t}/comments", ticketd::Role::customer},
    {"POST", "/api/v1/tickets/{t}/feedback", ticketd::Role::customer},
    {"POST", "/api/v1/tickets/{t}/merge", ticketd::Role::agent},
    {"POST", "/api/v1/tickets/bulk", ticketd::Role::admin},
    {"PUT", "/api/v1/tenants/acme-x", ticketd::Role::global_admin},
    {"PUT", "/api/v1/users/u1", ticketd::Role::admin},
    {"PUT", "/api/v1/sla/policies", ticketd::Role::admin},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ticketd;
  if (size == 0) return 0;
  const Target& target = kTargets[data[0] % std::size(kTargets)];
  test::InProcessApi& world = fuzz::world();
  http::Request r;
  r.method = target.method;
  r.path = target.path;
  if (auto at = r.path.find("{t}"); at != std::string::npos) r.path.replace(at, 3, world.ticket);
  r.target = r.path;
  r.headers.emplace_back("authorization", "Bearer " + world.tokens.at(target.role));
  r.headers.emplace_back("content-type", "application/json");
  r.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  r.body_size = r.body.size();
  r.request_id = "fuzz";
  const http::Response response = world.handle(std::move(r));
  if (response.status < 200 || response.status >= 500) std::abort();
  return 0;
}
