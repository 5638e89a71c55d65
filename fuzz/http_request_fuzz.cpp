// Raw bytes as one HTTP request: the server's parser and limits (http::parse_request),
// then, if it parses, the real router and handlers of an in-process ticketd. Whatever the
// bytes, the answer is a status from 200 to 599, and a problem body for 4xx/5xx.
// "Bearer @agent" (any role name) in the input stands for the world's token of that role,
// and "{t}" in the target for its ticket, so that mutations reach the authenticated routes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz/fuzz_world.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ticketd;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto request = http::parse_request(bytes, http::ServerLimits{});
  http::Response response;
  if (request) {
    test::InProcessApi& world = fuzz::world();
    for (auto& [name, value] : request->headers) {
      if (name != "authorization" || !value.starts_with("Bearer @")) continue;
      auto role = parse_role(std::string_view(value).substr(8));
      if (role && world.tokens.contains(*role)) value = "Bearer " + world.tokens.at(*role);
    }
    if (auto at = request->path.find("{t}"); at != std::string::npos) request->path.replace(at, 3, world.ticket);
    response = world.handle(std::move(*request));
  } else {
    response = request.error();
  }
  if (response.status < 200 || response.status > 599) std::abort();
  if (response.status >= 400 && response.content_type != "application/problem+json") std::abort();
  return 0;
}
