// Error values as problem+json (http/problem.h): the status per Errc, and no 5xx body ever
// carries the error's own text.
#include "http/problem.h"

#include <doctest/doctest.h>

#include <algorithm>

using namespace ticketd;
using namespace ticketd::http;

namespace {

Error error(Errc code, std::string message) { return Error{code, std::move(message), {}, std::nullopt, {}, {}}; }

}  // namespace

TEST_CASE("5xx answers never carry the store's or SQLite's text; 4xx answers keep their detail") {
  const std::string internal_text = "IO error: /var/lib/ticketd/events/000123.log: No space left on device";
  for (Errc code : {Errc::unavailable, Errc::internal}) {
    const Response r = problem(error(code, internal_text));
    CHECK(r.status == (code == Errc::unavailable ? 503 : 500));
    CHECK(r.content_type == "application/problem+json");
    CHECK_MESSAGE(r.body.find("/var/lib") == std::string::npos, r.body);
    CHECK_MESSAGE(r.body.find("No space") == std::string::npos, r.body);
    CHECK(r.body.find("\"status\":" + std::to_string(r.status)) != std::string::npos);
  }
  const Response busy = problem(error(Errc::unavailable, internal_text));
  CHECK(std::count(busy.headers.begin(), busy.headers.end(), std::pair<std::string, std::string>{"Retry-After", "1"}) ==
        1);
  // An explicit 5xx status hides the text too (e.g. a multipart body the server cannot read).
  const Response explicit_500 = problem(error(Errc::validation, "sqlite: no such table: tickets"), 500);
  CHECK(explicit_500.status == 500);
  CHECK(explicit_500.body.find("sqlite") == std::string::npos);
  // Client errors say what was wrong.
  const Response conflict = problem(error(Errc::conflict, "the ticket is closed"));
  CHECK(conflict.status == 409);
  CHECK(conflict.body.find("the ticket is closed") != std::string::npos);
}
