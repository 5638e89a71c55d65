// Over HTTP against a real ticketd: an upload whose command is refused leaves no bytes in
// the attachment store, unless another attachment holds the same content.
#include "app/data_dir.h"
#include "attachments/attachment_store.h"
#include "base/sha256.h"
#include "privacy/subject_key_store.h"
#include "tests/http_world.h"

using namespace ticketd;
using namespace ticketd::test;

TEST_CASE("uploads refused by their command (403, 409, 412, 422) leave no content behind") {
  World w;
  const std::string id = w.new_ticket();
  const std::string base = "/api/v1/tickets/" + id;
  auto upload = [&](Role role, const std::string& query, const std::string& bytes,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.push_back(bearer(w.tokens[role]));
    return w.http.request("POST", base + "/attachments?" + query, bytes, headers, "text/plain");
  };

  // Stored, then refused by the decision: a customer may not upload an internal file (403),
  // a file name over 255 bytes (422), a stale If-Match (412).
  const std::string internal = "a customer's internal file\n";
  CHECK(upload(Role::customer, "filename=a.txt&visibility=internal", internal).status == 403);
  const std::string long_name = "named far too long\n";
  CHECK(upload(Role::customer, "filename=" + std::string(300, 'n') + ".txt", long_name).status == 422);
  const std::string stale = "sent with a stale If-Match\n";
  CHECK(upload(Role::customer, "filename=s.txt", stale, {{"If-Match", "\"999\""}}).status == 412);

  // A content another attachment holds stays, and stays downloadable.
  const std::string shared = "attached once, then refused once\n";
  auto kept = upload(Role::customer, "filename=kept.txt", shared);
  REQUIRE_MESSAGE(kept.status == 201, kept.body);
  CHECK(upload(Role::customer, "filename=again.txt&visibility=internal", shared).status == 403);

  // A closed (withdrawn) ticket refuses files (409).
  const std::string closed_id = w.new_ticket("To be closed");
  auto closed = w.as(Role::customer, "POST", "/api/v1/tickets/" + closed_id + "/status", R"({"status":"closed"})");
  REQUIRE_MESSAGE(closed.status == 200, closed.body);
  const std::string late = "too late for a closed ticket\n";
  auto refused = w.http.request("POST", "/api/v1/tickets/" + closed_id + "/attachments?filename=late.txt", late,
                                {bearer(w.tokens[Role::agent])}, "text/plain");
  CHECK(refused.status == 409);

  auto download = w.as(Role::customer, "GET", "/api/v1/attachments/" + kept.str("id") + "/content");
  REQUIRE(download.status == 200);
  CHECK(download.body == shared);

  REQUIRE(w.server.stop() == 0);
  auto keys = open_subject_key_store(app::key_store_dir(w.dir.str()));
  REQUIRE(keys);
  auto store = open_attachment_store(app::attachment_dir(w.dir.str()), **keys);
  REQUIRE(store);
  for (auto [uploader, bytes] :
       {std::pair{"carla", &internal}, {"carla", &long_name}, {"carla", &stale}, {"alex", &late}}) {
    auto held = (*store)->has(uploader, sha256_hex({*bytes}));
    REQUIRE(held);
    CHECK_MESSAGE(!*held, *bytes);
  }
  CHECK(*(*store)->get(kept.str("id"), sha256_hex({shared})) == shared);
}
