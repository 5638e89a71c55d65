// Every endpoint over real HTTP against a real ticketd: success and each documented error.
#include <doctest/doctest.h>
#include <poll.h>

#include <boost/asio.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "base/sha256.h"
#include "tests/http_world.h"

using namespace ticketd;
using namespace ticketd::test;

TEST_CASE("tickets: create, read by id and number, list, edit with ETag and If-Match") {
  World w;
  // Refused creates take no number from the (global) sequence.
  for (int i = 0; i < 30; ++i) {
    REQUIRE(w.as(Role::customer, "POST", "/api/v1/tickets", R"({"subject":"","description":"x"})").status == 422);
  }
  REQUIRE(w.as(Role::customer, "POST", "/api/v1/tickets", R"({"subject":"s","requester":"alex"})").status == 403);
  auto created = w.as(Role::customer, "POST", "/api/v1/tickets",
                      R"({"subject":"  VPN drops every hour ","description":"Since Monday.","priority":"high",)"
                      R"("category":"technical","type":"incident","tags":["vpn","Network"]})");
  REQUIRE_MESSAGE(created.status == 201, created.body);
  const std::string id = created.str("id");
  CHECK(created.header("location") == "/api/v1/tickets/" + id);
  CHECK(created.header("etag") == "\"1\"");
  CHECK(created.str("subject") == "VPN drops every hour");
  CHECK(created.str("status") == "new");
  CHECK(created.str("requester") == "carla");
  const std::string number = created.str("number");
  CHECK(number.starts_with("TICK-"));
  CHECK_MESSAGE(number.ends_with("-000001"), number);  // the first number of the year

  auto by_id = w.as(Role::agent, "GET", "/api/v1/tickets/" + id);
  REQUIRE(by_id.status == 200);
  CHECK(by_id.header("etag") == "\"1\"");
  CHECK(by_id.json()["sla"]["first_response"]["state"].get_string().value() == "ok");
  CHECK(by_id.json()["internal"].is_object());  // staff see the internal fields
  auto as_customer = w.as(Role::customer, "GET", "/api/v1/tickets/" + id);
  CHECK(as_customer.json()["internal"].error() == simdjson::NO_SUCH_FIELD);

  w.await_read_models();
  auto by_number = w.as(Role::agent, "GET", "/api/v1/tickets/" + number);
  REQUIRE(by_number.status == 200);
  CHECK(by_number.str("id") == id);
  CHECK(w.as(Role::agent, "GET", "/api/v1/tickets/no-such-ticket").status == 404);

  auto listed = w.as(Role::agent, "GET", "/api/v1/tickets?status=new&priority=high&tag=vpn&sort=-created&limit=10");
  REQUIRE(listed.status == 200);
  auto items = listed.json()["items"].get_array().value();
  REQUIRE(items.size() == 1);
  CHECK(items.at(0)["id"].get_string().value() == id);
  CHECK(listed.json()["next_cursor"].is_null());
  CHECK(w.as(Role::agent, "GET", "/api/v1/tickets?limit=0").status == 400);
  CHECK(w.as(Role::agent, "GET", "/api/v1/tickets?limit=201").status == 400);
  CHECK(w.as(Role::agent, "GET", "/api/v1/tickets?sort=sideways").status == 400);
  CHECK(w.as(Role::agent, "GET", "/api/v1/tickets?created_after=yesterday").status == 400);
  CHECK(w.as(Role::agent, "GET", "/api/v1/tickets?cursor=garbage").status == 400);

  // Pagination with cursors visits every ticket once.
  for (int i = 0; i < 4; ++i) (void)w.new_ticket("Paged ticket " + std::to_string(i));
  w.await_read_models();
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = w.as(Role::agent, "GET", "/api/v1/tickets?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(page.status == 200);
    simdjson::dom::array items_of_page = page.json()["items"].get_array();
    for (auto item : items_of_page) seen.insert(std::string(item["id"].get_string().value()));
    auto next = page.json()["next_cursor"];
    cursor = next.is_null() ? "" : std::string(next.get_string().value());
    ++pages;
  } while (!cursor.empty() && pages < 10);
  CHECK(seen.size() == 5);
  CHECK(pages == 3);

  // Full-text search.
  auto found = w.as(Role::agent, "GET", "/api/v1/tickets?q=vpn");
  REQUIRE(found.status == 200);
  CHECK(found.json()["items"].get_array().value().size() == 1);

  // PATCH: the requester edits while new; If-Match pins the version.
  auto edited = w.as(Role::customer, "PATCH", "/api/v1/tickets/" + id, R"({"subject":"VPN drops hourly"})",
                     {{"If-Match", "\"1\""}});
  REQUIRE_MESSAGE(edited.status == 200, edited.body);
  CHECK(edited.header("etag") == "\"2\"");
  auto stale =
      w.as(Role::customer, "PATCH", "/api/v1/tickets/" + id, R"({"subject":"Again"})", {{"If-Match", "\"1\""}});
  CHECK(stale.status == 412);
  CHECK(stale.header("etag") == "\"2\"");
  CHECK(w.as(Role::customer, "PATCH", "/api/v1/tickets/" + id, R"({"subject":"x"})", {{"If-Match", "soon"}}).status ==
        400);
  // If-Match compares strongly: a weak tag of the current version never matches; "*" matches.
  auto weak =
      w.as(Role::customer, "PATCH", "/api/v1/tickets/" + id, R"({"subject":"Weak"})", {{"If-Match", "W/\"2\""}});
  CHECK(weak.status == 412);
  auto any = w.as(Role::customer, "PATCH", "/api/v1/tickets/" + id, R"({"subject":"Any"})", {{"If-Match", "*"}});
  REQUIRE_MESSAGE(any.status == 200, any.body);
  CHECK(any.str("subject") == "Any");
  CHECK(any.header("etag") == "\"3\"");  // the weak attempt wrote nothing
  // "*" needs a current ticket (RFC 9110): on one that does not exist the command is 404 and
  // creates nothing; and a list of tags is not a version.
  CHECK(w.as(Role::agent, "PATCH", "/api/v1/tickets/no-such-ticket", R"({"subject":"Ghost"})", {{"If-Match", "*"}})
            .status == 404);
  CHECK(w.as(Role::agent, "GET", "/api/v1/tickets/no-such-ticket").status == 404);
  CHECK(
      w.as(Role::customer, "PATCH", "/api/v1/tickets/" + id, R"({"subject":"x"})", {{"If-Match", "*, \"3\""}}).status ==
      400);
  // Bulk changes take no If-Match (one tag cannot pin many tickets): refused, nothing written.
  auto pinned_bulk = w.as(Role::admin, "POST", "/api/v1/tickets/bulk",
                          R"({"ids":[")" + id + R"("],"action":"priority","priority":"low"})", {{"If-Match", "\"3\""}});
  CHECK(pinned_bulk.status == 400);
  CHECK(w.as(Role::admin, "GET", "/api/v1/tickets/" + id).header("etag") == "\"3\"");
  auto customer_priority = w.as(Role::customer, "PATCH", "/api/v1/tickets/" + id, R"({"priority":"urgent"})");
  CHECK(customer_priority.status == 403);
  auto agent_edit = w.as(Role::agent, "PATCH", "/api/v1/tickets/" + id, R"({"priority":"urgent","queue":"billing"})");
  REQUIRE_MESSAGE(agent_edit.status == 200, agent_edit.body);
  CHECK(agent_edit.str("queue") == "billing");
  CHECK(w.as(Role::agent, "PATCH", "/api/v1/tickets/" + id, R"({"queue":"nowhere"})").status == 422);
}

TEST_CASE("workflow: assign, status conflicts, comments, feedback, merge, history") {
  World w;
  const std::string id = w.new_ticket();
  const std::string base = "/api/v1/tickets/" + id;

  auto assigned = w.as(Role::agent, "POST", base + "/assign", R"({"assignee":"alex"})");
  REQUIRE_MESSAGE(assigned.status == 200, assigned.body);
  CHECK(assigned.str("assignee") == "alex");
  CHECK(assigned.str("status") == "open");
  CHECK(w.as(Role::agent, "POST", base + "/assign", R"({"assignee":"ada"})").status ==
        403);  // agents assign themselves
  CHECK(w.as(Role::admin, "POST", base + "/assign", R"({"assignee":"nobody-known"})").status == 422);
  CHECK(w.as(Role::customer, "POST", base + "/assign", R"({"assignee":"alex"})").status == 403);
  CHECK(w.as(Role::admin, "POST", base + "/assign", R"({})").status == 422);

  auto conflict = w.as(Role::agent, "POST", base + "/status", R"({"status":"waiting_on_customer"})");
  CHECK(conflict.status == 409);
  CHECK(conflict.header("content-type") == "application/problem+json");
  CHECK(conflict.str("current_status") == "open");
  CHECK(conflict.json()["allowed"].get_array().value().size() > 0);
  REQUIRE(w.as(Role::agent, "POST", base + "/status", R"({"status":"in_progress"})").status == 200);

  auto comment = w.as(Role::agent, "POST", base + "/comments", R"({"body":"Looking into it."})");
  REQUIRE_MESSAGE(comment.status == 201, comment.body);
  CHECK(comment.str("visibility") == "public");
  CHECK(comment.json()["is_staff_reply"].get_bool().value());
  auto note = w.as(Role::agent, "POST", base + "/comments", R"({"body":"Fuse blown","visibility":"internal"})");
  REQUIRE(note.status == 201);
  CHECK(w.as(Role::customer, "POST", base + "/comments", R"({"body":"secret","visibility":"internal"})").status == 403);
  CHECK(w.as(Role::agent, "POST", base + "/comments", R"({"body":"x","mentions":["ghost"]})").status == 422);
  auto for_customer = w.as(Role::customer, "GET", base + "/comments");
  REQUIRE(for_customer.status == 200);
  CHECK(for_customer.json()["items"].get_array().value().size() == 1);
  CHECK(w.as(Role::agent, "GET", base + "/comments").json()["items"].get_array().value().size() == 2);
  CHECK(w.as(Role::agent, "GET", "/api/v1/tickets/nope/comments").status == 404);

  auto resolved = w.as(Role::agent, "POST", base + "/status",
                       R"({"status":"resolved","resolution":{"code":"resolved","text":"Replaced the fuse."}})");
  REQUIRE_MESSAGE(resolved.status == 200, resolved.body);
  CHECK(resolved.json()["resolution"]["code"].get_string().value() == "resolved");
  CHECK(w.as(Role::agent, "POST", base + "/feedback", R"({"rating":5})").status == 403);  // only the requester
  CHECK(w.as(Role::customer, "POST", base + "/feedback", R"({"rating":9})").status == 422);
  auto rated = w.as(Role::customer, "POST", base + "/feedback", R"({"rating":4,"comment":"Quick."})");
  REQUIRE_MESSAGE(rated.status == 200, rated.body);
  CHECK(rated.json()["feedback"]["rating"].get_int64().value() == 4);
  CHECK(w.as(Role::customer, "POST", base + "/feedback", R"({"rating":5})").status == 409);  // once per resolution
  auto confirmed = w.as(Role::customer, "POST", base + "/status", R"({"status":"closed"})");
  REQUIRE_MESSAGE(confirmed.status == 200, confirmed.body);
  CHECK(confirmed.str("status") == "closed");

  // Merge a duplicate into another ticket.
  const std::string dup = w.new_ticket("Printer smoking");
  const std::string target = w.new_ticket("Printer on fire again");
  CHECK(w.as(Role::customer, "POST", "/api/v1/tickets/" + dup + "/merge", R"({"into":")" + target + R"("})").status ==
        403);
  auto merged = w.as(Role::agent, "POST", "/api/v1/tickets/" + dup + "/merge", R"({"into":")" + target + R"("})");
  REQUIRE_MESSAGE(merged.status == 200, merged.body);
  CHECK(merged.str("status") == "closed");
  CHECK(merged.json()["links"].at(0)["kind"].get_string().value() == "duplicate_of");
  auto target_view = w.as(Role::agent, "GET", "/api/v1/tickets/" + target);
  CHECK(target_view.json()["links"].at(0)["kind"].get_string().value() == "merged_from");
  CHECK(w.as(Role::agent, "POST", "/api/v1/tickets/" + dup + "/merge", R"({"into":")" + target + R"("})").status ==
        409);  // the source is closed now
  CHECK(w.as(Role::agent, "POST", "/api/v1/tickets/" + target + "/merge", R"({"into":"missing"})").status == 422);
  CHECK(w.as(Role::agent, "POST", "/api/v1/tickets/" + target + "/merge", R"({"into":")" + target + R"("})").status ==
        409);

  // History: events oldest first with hashes; as_of gives the past state.
  auto history = w.as(Role::auditor, "GET", base + "/history");
  REQUIRE_MESSAGE(history.status == 200, history.body);
  auto events = history.json()["items"].get_array().value();
  CHECK(events.size() >= 7);
  CHECK(events.at(0)["type"].get_string().value() == "ticket.created");
  CHECK(events.at(1)["prev_hash"].get_string().value() == events.at(0)["hash"].get_string().value());
  const std::string created_at(events.at(0)["time"].get_string().value());
  auto then = w.as(Role::agent, "GET", base + "/history?as_of=" + created_at);
  REQUIRE(then.status == 200);
  CHECK(then.str("status") == "new");
  CHECK(w.as(Role::agent, "GET", base + "/history?as_of=2000-01-01T00:00:00Z").status == 404);
  CHECK(w.as(Role::agent, "GET", base + "/history?as_of=noon").status == 400);
  CHECK(w.as(Role::customer, "GET", base + "/history").status == 403);
}

TEST_CASE("attachments: raw and multipart uploads, listing, download, limits") {
  World w;
  const std::string id = w.new_ticket();
  const std::string base = "/api/v1/tickets/" + id;
  auto raw = w.http.request("POST", base + "/attachments?filename=log.txt", "line one\nline two\n",
                            {bearer(w.tokens[Role::customer])}, "text/plain");
  REQUIRE_MESSAGE(raw.status == 201, raw.body);
  CHECK(raw.str("file_name") == "log.txt");
  CHECK(raw.json()["size"].get_uint64().value() == 18);
  CHECK(raw.str("sha256") == sha256_hex({"line one\nline two\n"}));
  const std::string attachment = raw.str("id");

  const std::string boundary = "XyZ123";
  const std::string multipart = "--" + boundary +
                                "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n--" + boundary +
                                "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"shot.png\"\r\n"
                                "Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n--" +
                                boundary + "--\r\n";
  auto multi = w.http.request("POST", base + "/attachments?visibility=internal", multipart,
                              {bearer(w.tokens[Role::agent])}, "multipart/form-data; boundary=" + boundary);
  REQUIRE_MESSAGE(multi.status == 201, multi.body);
  CHECK(multi.str("file_name") == "shot.png");
  CHECK(multi.str("content_type") == "image/png");
  CHECK(multi.json()["size"].get_uint64().value() == 8);
  CHECK(multi.str("visibility") == "internal");
  const std::string internal_attachment = multi.str("id");

  auto listed_staff = w.as(Role::agent, "GET", base + "/attachments");
  CHECK(listed_staff.json()["items"].get_array().value().size() == 2);
  auto listed_customer = w.as(Role::customer, "GET", base + "/attachments");
  CHECK(listed_customer.json()["items"].get_array().value().size() == 1);

  auto content = w.as(Role::customer, "GET", "/api/v1/attachments/" + attachment + "/content");
  REQUIRE(content.status == 200);
  CHECK(content.body == "line one\nline two\n");
  CHECK(content.header("content-type") == "text/plain");
  CHECK(content.header("etag") == "\"" + raw.str("sha256") + "\"");
  CHECK(content.header("content-disposition").find("filename=\"log.txt\"") != std::string::npos);
  auto png = w.as(Role::agent, "GET", "/api/v1/attachments/" + internal_attachment + "/content");
  REQUIRE(png.status == 200);
  CHECK(png.body == std::string("\x89PNG\r\n\x1a\n", 8));
  CHECK(w.as(Role::customer, "GET", "/api/v1/attachments/" + internal_attachment + "/content").status == 404);
  CHECK(w.as(Role::agent, "GET", "/api/v1/attachments/unknown/content").status == 404);
  auto not_modified = w.as(Role::customer, "GET", "/api/v1/attachments/" + attachment + "/content", "",
                           {{"If-None-Match", content.header("etag")}});
  CHECK(not_modified.status == 304);

  // Errors: no filename, content type not allowed, path in the name, scan verdict, no file part.
  auto cust = bearer(w.tokens[Role::customer]);
  CHECK(w.http.request("POST", base + "/attachments", "x", {cust}, "text/plain").status == 422);
  CHECK(w.http.request("POST", base + "/attachments?filename=a.exe", "MZ", {cust}, "application/x-msdownload").status ==
        415);
  CHECK(
      w.http.request("POST", base + "/attachments?filename=..%2F..%2Fetc%2Fpasswd", "x", {cust}, "text/plain").status ==
      422);
  CHECK(w.http.request("POST", base + "/attachments?filename=..%5Cwin.ini", "x", {cust}, "text/plain").status == 422);
  const std::string eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  auto infected = w.http.request("POST", base + "/attachments?filename=eicar.txt", eicar, {cust}, "text/plain");
  CHECK(infected.status == 422);
  CHECK(infected.body.find("infected") != std::string::npos);
  CHECK(w.http
            .request("POST", base + "/attachments", "--b\r\n\r\nno file\r\n--b--\r\n", {cust},
                     "multipart/form-data; boundary=b")
            .status == 400);
  CHECK(w.http.request("POST", "/api/v1/tickets/nope/attachments?filename=a.txt", "x", {cust}, "text/plain").status ==
        404);
  CHECK(w.as(Role::customer, "GET", base + "/attachments").json()["items"].get_array().value().size() == 1);

  // A file over the 25 MiB limit is refused with 413 and not stored: from its Content-Length
  // alone when that passes the transport limit, after streaming it to disk otherwise.
  const std::string over = std::to_string(26 * 1024 * 1024);
  auto announced =
      w.http.raw("POST " + base + "/attachments?filename=big.txt HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                 w.tokens[Role::customer] + "\r\nContent-Type: text/plain\r\nContent-Length: " + over + "\r\n\r\n" +
                 std::string(64 * 1024, 'a'));
  CHECK_MESSAGE(announced.starts_with("HTTP/1.1 413"), announced);
  const std::string big(25 * 1024 * 1024 + 1, 'a');
  auto too_big = w.http.request("POST", base + "/attachments?filename=big.txt", big, {cust}, "text/plain");
  CHECK(too_big.status == 413);
  CHECK(w.as(Role::customer, "GET", base + "/attachments").json()["items"].get_array().value().size() == 1);
}

namespace {

// A connection that sent an upload's header (and no body) and keeps it open.
struct OpenUpload {
  OpenUpload(const std::string& address, const std::string& target, const std::string& jwt, std::uint64_t length)
      : socket(ioc) {
    const auto colon = address.rfind(':');
    boost::asio::ip::tcp::resolver resolver(ioc);
    socket.connect(*resolver.resolve(address.substr(0, colon), address.substr(colon + 1)).begin());
    std::string head = "POST " + target + " HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n";
    if (!jwt.empty()) head += "Authorization: Bearer " + jwt + "\r\n";
    head += "Content-Length: " + std::to_string(length) + "\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(head));
  }
  // What the server answered within `wait` ("" when nothing: it is waiting for the body).
  std::string answer(std::chrono::milliseconds wait) {
    pollfd p{socket.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return "";
    char buf[4096];
    const ssize_t n = ::recv(socket.native_handle(), buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  }
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket;
};

std::size_t files_in(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) n += entry.is_regular_file() ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("uploads: the token is checked on the header, before any byte is stored; bytes in flight are bounded") {
  World w;
  const std::string target = "/api/v1/tickets/" + w.new_ticket() + "/attachments?filename=big.txt";
  const std::string uploads = w.dir.str() + "/uploads";
  constexpr std::uint64_t k25MiB = 25ull * 1024 * 1024;
  // No token, or a bad one: 401 at once, while the 25 MiB body has not been sent.
  for (const std::string& jwt : {std::string(), std::string("not.a.token")}) {
    OpenUpload anonymous(w.server.address(), target, jwt, k25MiB);
    const std::string answer = anonymous.answer(std::chrono::milliseconds(2000));
    CHECK_MESSAGE(answer.starts_with("HTTP/1.1 401"), answer.substr(0, 120));
    CHECK(files_in(uploads) == 0);  // nothing of it was stored
  }
  // One principal may have 64 MiB of uploads in flight: two of 25 MiB wait for their bodies,
  // the third is refused at once with 429.
  const std::string jwt = w.tokens.at(Role::customer);
  auto first = std::make_unique<OpenUpload>(w.server.address(), target, jwt, k25MiB);
  auto second = std::make_unique<OpenUpload>(w.server.address(), target, jwt, k25MiB);
  CHECK(first->answer(std::chrono::milliseconds(300)).empty());
  CHECK(second->answer(std::chrono::milliseconds(300)).empty());
  OpenUpload third(w.server.address(), target, jwt, k25MiB);
  const std::string refused = third.answer(std::chrono::milliseconds(2000));
  CHECK_MESSAGE(refused.starts_with("HTTP/1.1 429"), refused.substr(0, 120));
  CHECK(refused.find("Retry-After: 1") != std::string::npos);
  // Another principal is not held up by carla's uploads.
  OpenUpload other(w.server.address(), target, w.tokens.at(Role::agent), k25MiB);
  CHECK(other.answer(std::chrono::milliseconds(300)).empty());
  // When carla's uploads end (here: the client goes away), their share comes back.
  first.reset();
  second.reset();
  bool admitted = eventually([&] {
    auto r = w.as(Role::customer, "POST", target, "small file", {{"Content-Type", "text/plain"}});
    return r.status == 201;
  });
  CHECK(admitted);
}

TEST_CASE("work views: meta, queue, workload, stats, reports, events") {
  World w;
  const std::string a = w.new_ticket("First");
  const std::string b = w.new_ticket("Second");
  REQUIRE(w.as(Role::agent, "POST", "/api/v1/tickets/" + a + "/assign", R"({"assignee":"alex"})").status == 200);
  w.await_read_models();

  auto meta = w.as(Role::customer, "GET", "/api/v1/meta");
  REQUIRE(meta.status == 200);
  CHECK(meta.json()["statuses"].get_array().value().size() == 7);
  CHECK(meta.json()["categories"].get_array().value().size() == 6);

  auto queue = w.as(Role::agent, "GET", "/api/v1/queue");
  REQUIRE(queue.status == 200);
  CHECK(queue.json()["items"].get_array().value().size() == 2);
  auto mine = w.as(Role::agent, "GET", "/api/v1/queue?assignee=me");
  CHECK(mine.json()["items"].get_array().value().size() == 1);
  CHECK(w.as(Role::customer, "GET", "/api/v1/queue").status == 403);

  auto workload = w.as(Role::manager, "GET", "/api/v1/agents/workload");
  REQUIRE(workload.status == 200);
  CHECK(workload.json()["items"].at(0)["assignee"].get_string().value() == "alex");
  CHECK(workload.json()["items"].at(0)["active"].get_int64().value() == 1);
  CHECK(w.as(Role::agent, "GET", "/api/v1/agents/workload").status == 403);

  auto stats = w.as(Role::agent, "GET", "/api/v1/stats");
  REQUIRE(stats.status == 200);
  CHECK(stats.json()["unassigned"].get_int64().value() == 1);
  CHECK(stats.json()["by_status"]["open"].get_int64().value() == 1);
  CHECK(w.as(Role::customer, "GET", "/api/v1/stats").status == 403);

  auto report = w.as(Role::manager, "GET", "/api/v1/reports/summary?group_by=priority");
  REQUIRE_MESSAGE(report.status == 200, report.body);
  CHECK(report.json()["groups"].at(0)["group"].get_string().value() == "high");
  CHECK(report.json()["groups"].at(0)["volume"].get_int64().value() == 2);
  auto csv = w.as(Role::admin, "GET", "/api/v1/reports/summary?group_by=priority", "", {{"Accept", "text/csv"}});
  REQUIRE(csv.status == 200);
  CHECK(csv.header("content-type").starts_with("text/csv"));
  CHECK(csv.body.find("high,2") != std::string::npos);
  auto csv_path = w.as(Role::admin, "GET", "/api/v1/reports/summary.csv?group_by=priority");
  CHECK(csv_path.body == csv.body);
  CHECK(w.as(Role::manager, "GET", "/api/v1/reports/summary?group_by=moon").status == 400);
  CHECK(w.as(Role::manager, "GET", "/api/v1/reports/summary?from=yesterday").status == 400);
  CHECK(w.as(Role::agent, "GET", "/api/v1/reports/summary").status == 403);

  auto events = w.as(Role::auditor, "GET", "/api/v1/events?after=0&limit=1000");
  REQUIRE(events.status == 200);
  auto items = events.json()["items"].get_array().value();
  REQUIRE(items.size() > 3);
  std::uint64_t last = 0;
  for (auto e : items) {
    CHECK(e["position"].get_uint64().value() > last);
    last = e["position"].get_uint64().value();
    CHECK(e["hash"].get_string().value().size() == 64);
  }
  auto global = w.as(Role::global_admin, "GET", "/api/v1/events?after=0&limit=2");
  REQUIRE(global.json()["items"].get_array().value().size() == 2);
  const std::string next(global.json()["next_cursor"].get_string().value());
  auto page2 = w.as(Role::global_admin, "GET", "/api/v1/events?after=" + next + "&limit=1");
  CHECK(page2.json()["items"].at(0)["prev_hash"].get_string().value() ==
        global.json()["items"].at(1)["hash"].get_string().value());
  CHECK(w.as(Role::agent, "GET", "/api/v1/events").status == 403);
  CHECK(w.as(Role::auditor, "GET", "/api/v1/events?after=-1").status == 400);
  (void)b;
}

TEST_CASE("directory: tenants, users, SLA policies") {
  World w;
  auto tenants = w.as(Role::admin, "GET", "/api/v1/tenants");
  REQUIRE(tenants.status == 200);
  std::set<std::string> ids;
  simdjson::dom::array tenant_items = tenants.json()["items"].get_array();
  for (auto t : tenant_items) ids.insert(std::string(t["id"].get_string().value()));
  CHECK(ids == std::set<std::string>{"acme", "acme-emea"});  // own subtree, not globex
  CHECK(w.as(Role::agent, "GET", "/api/v1/tenants").status == 403);
  CHECK(w.as(Role::admin, "PUT", "/api/v1/tenants/acme-us", R"({"name":"US","parent":"acme"})").status == 403);
  auto created = w.as(Role::global_admin, "PUT", "/api/v1/tenants/acme-us", R"({"name":"US","parent":"acme"})");
  REQUIRE_MESSAGE(created.status == 200, created.body);
  CHECK(created.str("parent") == "acme");
  CHECK(w.as(Role::global_admin, "PUT", "/api/v1/tenants/acme", R"({"parent":"acme-emea"})").status == 422);  // cycle
  CHECK(w.as(Role::global_admin, "PUT", "/api/v1/tenants/x", R"({"settings":{"queues":[]}})").status == 422);
  CHECK(w.as(Role::global_admin, "PUT", "/api/v1/tenants/x", R"({"settings":{"assignment":{"nope":"round_robin"}}})")
            .status == 422);  // not one of its queues
  CHECK(w.as(Role::global_admin, "PUT", "/api/v1/tenants/x", R"({"settings":{"assignment":{"general":"random"}}})")
            .status == 422);
  auto modes = w.as(Role::global_admin, "PUT", "/api/v1/tenants/x",
                    R"({"settings":{"queues":["general","vip"],"assignment":{"vip":"least_loaded"}}})");
  REQUIRE_MESSAGE(modes.status == 200, modes.body);
  CHECK(modes.json()["settings"]["assignment"]["vip"].get_string().value() == "least_loaded");

  auto user = w.as(Role::admin, "PUT", "/api/v1/users/agnes",
                   R"({"tenant":"acme-emea","role":"agent","name":"Agnes","email":"agnes@example.com"})");
  REQUIRE_MESSAGE(user.status == 200, user.body);
  CHECK(w.as(Role::admin, "PUT", "/api/v1/users/evil", R"({"tenant":"globex","role":"agent"})").status == 404);
  CHECK(w.as(Role::admin, "PUT", "/api/v1/users/boss", R"({"role":"global_admin"})").status == 422);
  CHECK(w.as(Role::admin, "PUT", "/api/v1/users/who", R"({"role":"wizard"})").status == 422);
  CHECK(w.as(Role::agent, "PUT", "/api/v1/users/agnes", R"({"role":"admin"})").status == 403);
  // Registered ahead, agnes can be assigned before she ever signs in.
  const std::string id = w.new_ticket();
  CHECK(w.as(Role::admin, "POST", "/api/v1/tickets/" + id + "/assign", R"({"assignee":"agnes"})").status == 200);
  w.await_read_models();
  auto users = w.as(Role::admin, "GET", "/api/v1/users?limit=200");
  REQUIRE(users.status == 200);
  std::set<std::string> subs;
  simdjson::dom::array user_items = users.json()["items"].get_array();
  for (auto u : user_items) subs.insert(std::string(u["sub"].get_string().value()));
  CHECK(subs.contains("agnes"));
  CHECK(subs.contains("carla"));
  CHECK(!subs.contains("g-agent"));  // globex users stay out of acme's directory
  CHECK(w.as(Role::customer, "GET", "/api/v1/users").status == 403);

  // Escalation rules: admins of the tenant replace them; validated; each change a tenant event.
  const std::string rules =
      R"({"rules":[{"id":"breach","on":"sla.breached","metric":"resolution","actions":{"priority":"urgent",)"
      R"("tags":["escalated"],"notify":["assignee"]}},{"id":"idle","on":"unassigned","minutes":30,"queue":"general",)"
      R"("actions":{"queue":"billing"}}]})";
  auto before_rules = w.head();
  auto set_rules = w.as(Role::admin, "PUT", "/api/v1/automations/escalations", rules);
  REQUIRE_MESSAGE(set_rules.status == 200, set_rules.body);
  CHECK(w.head() == before_rules + 1);
  auto got_rules = w.as(Role::admin, "GET", "/api/v1/automations/escalations");
  REQUIRE(got_rules.status == 200);
  CHECK(got_rules.json()["rules"].at(0)["actions"]["priority"].get_string().value() == "urgent");
  CHECK(got_rules.json()["rules"].at(1)["minutes"].get_int64().value() == 30);
  CHECK(w.as(Role::agent, "GET", "/api/v1/automations/escalations").status == 403);
  CHECK(w.as(Role::agent, "PUT", "/api/v1/automations/escalations", rules).status == 403);
  auto bad_rule = [&](const std::string& body) {
    auto r = w.as(Role::admin, "PUT", "/api/v1/automations/escalations", body);
    CHECK_MESSAGE(r.status == 422, body, " -> ", r.body);
  };
  bad_rule(R"({"rules":[{"id":"x","on":"sla.breached","actions":{}}]})");               // no action
  bad_rule(R"({"rules":[{"id":"x","on":"whenever","actions":{"tags":["a"]}}]})");       // trigger
  bad_rule(R"({"rules":[{"id":"x","on":"unassigned","actions":{"tags":["a"]}}]})");     // minutes
  bad_rule(R"({"rules":[{"id":"X Y","on":"sla.warning","actions":{"tags":["a"]}}]})");  // id
  bad_rule(R"({"rules":[{"id":"x","on":"sla.warning","actions":{"queue":"nowhere"}}]})");
  bad_rule(R"({"rules":[{"id":"x","on":"sla.warning","actions":{"priority":"asap"}}]})");
  bad_rule(R"({"rules":[{"id":"x","on":"sla.warning","actions":{"tags":["a"]}},)"
           R"({"id":"x","on":"sla.breached","actions":{"tags":["b"]}}]})");  // id twice
  bad_rule(R"({"rules":{}})");
  bad_rule(R"({})");
  CHECK(w.as(Role::admin, "GET", "/api/v1/automations/escalations").body == got_rules.body);  // unchanged

  // Queue membership and availability, for automatic assignment (docs/automations.md).
  auto member = w.as(Role::admin, "PUT", "/api/v1/users/agnes",
                     R"({"tenant":"acme-emea","role":"agent","name":"Agnes","queues":["general","billing"]})");
  REQUIRE_MESSAGE(member.status == 200, member.body);
  CHECK(member.json()["queues"].at(1).get_string().value() == "billing");
  CHECK(member.json()["available"].get_bool().value());
  auto away = w.as(Role::admin, "PUT", "/api/v1/users/agnes/availability", R"({"available":false})");
  REQUIRE_MESSAGE(away.status == 200, away.body);
  CHECK_FALSE(away.json()["available"].get_bool().value());
  CHECK(away.json()["queues"].at(0).get_string().value() == "general");  // kept
  CHECK(w.as(Role::agent, "PUT", "/api/v1/users/agnes/availability", R"({"available":true})").status == 403);
  CHECK(w.as(Role::customer, "PUT", "/api/v1/users/carla/availability", R"({"available":true})").status == 403);
  CHECK(w.as(Role::admin, "PUT", "/api/v1/users/agnes/availability", R"({})").status == 422);
  CHECK(w.as(Role::admin, "PUT", "/api/v1/users/agnes/availability", R"({"available":"no"})").status == 422);
  CHECK(w.as(Role::admin, "PUT", "/api/v1/users/nobody/availability", R"({"available":true})").status == 404);
  CHECK(w.as(Role::admin, "PUT", "/api/v1/users/carla/availability", R"({"available":true})").status == 422);
  auto self = w.as(Role::agent, "PUT", "/api/v1/users/alex/availability", R"({"available":false})");
  REQUIRE_MESSAGE(self.status == 200, self.body);
  // A sign-in after the change keeps what the directory holds.
  (void)w.as(Role::agent, "GET", "/api/v1/meta");
  w.await_read_models();
  auto listed = w.as(Role::admin, "GET", "/api/v1/users?limit=200");
  REQUIRE(listed.status == 200);
  simdjson::dom::array listed_items = listed.json()["items"].get_array();
  std::map<std::string, bool> available;
  for (auto u : listed_items) available[std::string(u["sub"].get_string().value())] = u["available"].get_bool().value();
  CHECK_FALSE(available.at("agnes"));
  CHECK_FALSE(available.at("alex"));
  CHECK(available.at("carla"));

  auto policies = w.as(Role::agent, "GET", "/api/v1/sla/policies");
  REQUIRE(policies.status == 200);
  CHECK(policies.json()["settings"]["sla"]["urgent"]["first_response_minutes"].get_int64().value() == 60);
  CHECK(w.as(Role::customer, "GET", "/api/v1/sla/policies").status == 403);
  CHECK(w.as(Role::agent, "PUT", "/api/v1/sla/policies", R"({"sla":{}})").status == 403);
  auto changed = w.as(Role::admin, "PUT", "/api/v1/sla/policies",
                      R"({"sla":{"urgent":{"first_response_minutes":10,"resolution_minutes":120},)"
                      R"("high":{"first_response_minutes":60,"resolution_minutes":480},)"
                      R"("medium":{"first_response_minutes":240,"resolution_minutes":1440},)"
                      R"("low":{"first_response_minutes":480,"resolution_minutes":2880}}})");
  REQUIRE_MESSAGE(changed.status == 200, changed.body);
  CHECK(changed.json()["settings"]["sla"]["urgent"]["first_response_minutes"].get_int64().value() == 10);
  CHECK(w.as(Role::admin, "PUT", "/api/v1/sla/policies",
             R"({"sla":{"urgent":{"first_response_minutes":-1,"resolution_minutes":1}}})")
            .status == 422);
  CHECK(w.as(Role::admin, "PUT", "/api/v1/sla/policies", R"({"calendar":{"time_zone":"Mars/Olympus"}})").status == 422);
}

TEST_CASE("a token naming another tenant does not move its user; an admin covering both does") {
  World w;
  const std::string id = w.new_ticket();
  REQUIRE(w.as(Role::agent, "GET", "/api/v1/meta").status == 200);  // alex is recorded in acme
  (void)w.head();                                                   // root is recorded too
  const std::uint64_t head = w.head();
  const std::string alex_in_globex = token(Role::agent, "globex", "alex");
  for (int i = 0; i < 3; ++i) {
    const Reply r = w.with(alex_in_globex, "GET", "/api/v1/meta");
    CHECK(r.status == 403);
    CHECK(r.body.find("tenant") != std::string::npos);
    CHECK(w.as(Role::agent, "GET", "/api/v1/meta").status == 200);  // and back: nothing flips
  }
  CHECK(w.head() == head);  // nothing was appended
  // alex is still acme's agent: assignable on acme's ticket.
  CHECK(w.as(Role::admin, "POST", "/api/v1/tickets/" + id + "/assign", R"({"assignee":"alex"})").status == 200);
  // An admin of acme alone cannot move alex to globex; a global admin can.
  CHECK(w.as(Role::admin, "PUT", "/api/v1/users/alex", R"({"tenant":"globex","role":"agent"})").status == 404);
  REQUIRE(w.as(Role::global_admin, "PUT", "/api/v1/users/alex", R"({"tenant":"globex","role":"agent"})").status == 200);
  CHECK(w.with(alex_in_globex, "GET", "/api/v1/meta").status == 200);
  CHECK(w.as(Role::agent, "GET", "/api/v1/meta").status == 403);
}

// Follows next_cursor from `first` and returns the value of `field` of every item, in order.
std::vector<std::string> walk(World& w, Role role, const std::string& first, const char* field, int* pages) {
  std::vector<std::string> seen;
  std::string target = first;
  *pages = 0;
  while (true) {
    const Reply r = w.as(role, "GET", target);
    REQUIRE_MESSAGE(r.status == 200, target, ": ", r.body);
    ++*pages;
    REQUIRE(*pages < 50);
    for (auto item : r.array("items")) {
      auto v = item[field];
      seen.push_back(v.is_string() ? std::string(v.get_string().value()) : std::to_string(v.get_uint64().value()));
    }
    if (r.json()["next_cursor"].is_null()) return seen;
    const std::string cursor(r.json()["next_cursor"].get_string().value());
    target = first + (first.find('?') == std::string::npos ? "?" : "&") + "cursor=" + cursor;
  }
}

TEST_CASE("comments, attachments and history come in pages of `limit`, each item once, in order") {
  World w;
  const std::string id = w.new_ticket();
  const std::string base = "/api/v1/tickets/" + id;
  std::vector<std::string> public_bodies, all_bodies;
  for (int i = 0; i < 7; ++i) {
    const bool internal = i % 3 == 1;
    const std::string body = "note " + std::to_string(i);
    REQUIRE(w.as(Role::agent, "POST", base + "/comments",
                 R"({"body":")" + body + R"(","visibility":")" + (internal ? "internal" : "public") + R"("})")
                .status == 201);
    all_bodies.push_back(body);
    if (!internal) public_bodies.push_back(body);
  }
  for (int i = 0; i < 3; ++i) {
    REQUIRE(w.as(Role::customer, "POST", base + "/attachments?filename=f" + std::to_string(i) + ".txt", "x",
                 {{"Content-Type", "text/plain"}})
                .status == 201);
  }
  int pages = 0;
  CHECK(walk(w, Role::agent, base + "/comments?limit=3", "body", &pages) == all_bodies);
  CHECK(pages == 3);
  CHECK(walk(w, Role::customer, base + "/comments?limit=2", "body", &pages) == public_bodies);
  CHECK(pages == 3);  // 5 public comments: 2 + 2 + 1, the internal ones skipped, not counted
  CHECK(walk(w, Role::customer, base + "/comments", "body", &pages) == public_bodies);
  CHECK(pages == 1);  // the default limit is 50
  const auto files = walk(w, Role::customer, base + "/attachments?limit=1", "file_name", &pages);
  CHECK(files == std::vector<std::string>{"f0.txt", "f1.txt", "f2.txt"});
  CHECK(pages == 3);
  const auto versions = walk(w, Role::auditor, base + "/history?limit=4", "version", &pages);
  REQUIRE(versions.size() == 11);  // created, 7 comments, 3 attachments
  for (std::size_t i = 0; i < versions.size(); ++i) CHECK(versions[i] == std::to_string(i + 1));
  CHECK(pages == 3);
  // A cursor belongs to its list and must be one the list can have given.
  auto page = w.as(Role::agent, "GET", base + "/comments?limit=1");
  const std::string cursor(page.json()["next_cursor"].get_string().value());
  CHECK(w.as(Role::agent, "GET", base + "/history?cursor=" + cursor).status == 400);
  for (const char* bad : {"garbage", "comments.", "comments.-1", "comments.8", "comments.1x"}) {
    CHECK_MESSAGE(w.as(Role::agent, "GET", base + "/comments?cursor=" + bad).status == 400, bad);
  }
  CHECK(w.as(Role::agent, "GET", base + "/comments?limit=0").status == 400);
  CHECK(w.as(Role::agent, "GET", base + "/attachments?limit=201").status == 400);
}

TEST_CASE("tenant settings are bounded: durations, holidays, spans (no overlaps) and lists") {
  World w;
  const std::string many_queues = [] {
    std::string q = "[";
    for (int i = 0; i < 101; ++i) q += (i ? ",\"q" : "\"q") + std::to_string(i) + "\"";
    return q + "]";
  }();
  const std::string many_holidays = [] {
    std::string h = "[";
    for (int i = 0; i < 1001; ++i) {
      h += (i ? "," : "") + std::string("\"") + std::to_string(2030 + i / 365) + "-01-" + (i % 28 < 9 ? "0" : "") +
           std::to_string(i % 28 + 1) + "\"";
    }
    return h + "]";
  }();
  const std::vector<std::pair<std::string, std::string>> refused{
      {R"({"sla":{"urgent":{"first_response_minutes":9223372036854775807,"resolution_minutes":60}}})", "sla"},
      {R"({"sla":{"urgent":{"first_response_minutes":60,"resolution_minutes":527041}}})", "sla"},
      {R"({"reopen_window_hours":8785})", "reopen_window_hours"},
      {R"({"auto_close_delay_hours":9223372036854775807})", "auto_close_delay_hours"},
      {R"({"retention_days":36601})", "retention_days"},
      {R"({"calendar":{"holidays":["1999-12-31"]}})", "calendar.holidays"},
      {R"({"calendar":{"holidays":["2201-01-01"]}})", "calendar.holidays"},
      {R"({"calendar":{"holidays":)" + many_holidays + "}}", "calendar.holidays"},
      {R"({"calendar":{"weekly":[[],[[540,720],[600,1020]],[],[],[],[],[]]}})", "calendar.weekly"},
      {R"({"calendar":{"weekly":[[],[[600,1020],[540,601]],[],[],[],[],[]]}})", "calendar.weekly"},
      {R"({"queues":)" + many_queues + "}", "queues"},
  };
  for (const auto& [settings, field] : refused) {
    const Reply r = w.as(Role::global_admin, "PUT", "/api/v1/tenants/acme", R"({"settings":)" + settings + "}");
    CHECK_MESSAGE(r.status == 422, settings.substr(0, 120), ": ", r.body);
    CHECK_MESSAGE(r.body.find("\"" + field + "\"") != std::string::npos, field, ": ", r.body);
  }
  // At the bounds, and touching spans, are accepted.
  const Reply ok = w.as(Role::global_admin, "PUT", "/api/v1/tenants/acme",
                        R"({"settings":{"reopen_window_hours":8784,"retention_days":36600,)"
                        R"("sla":{"low":{"first_response_minutes":527040,"resolution_minutes":527040}},)"
                        R"("calendar":{"holidays":["2000-01-01","2200-12-31"],)"
                        R"("weekly":[[],[[540,720],[720,1020]],[],[],[],[],[]]}}})");
  CHECK_MESSAGE(ok.status == 200, ok.body);
}

TEST_CASE("bulk changes answer per ticket") {
  World w;
  const std::string a = w.new_ticket("A");
  const std::string b = w.new_ticket("B");
  auto r = w.as(Role::admin, "POST", "/api/v1/tickets/bulk",
                R"({"ids":[")" + a + R"(",")" + b + R"(","missing"],"action":"priority","priority":"urgent"})");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  auto results = r.json()["results"].get_array().value();
  REQUIRE(results.size() == 3);
  CHECK(results.at(0)["status"].get_int64().value() == 200);
  CHECK(results.at(1)["status"].get_int64().value() == 200);
  CHECK(results.at(2)["status"].get_int64().value() == 404);
  CHECK(w.as(Role::agent, "GET", "/api/v1/tickets/" + a).str("priority") == "urgent");
  auto closing = w.as(Role::admin, "POST", "/api/v1/tickets/bulk",
                      R"({"ids":[")" + a + R"("],"action":"status","status":"waiting_on_customer"})");
  CHECK(closing.json()["results"].at(0)["status"].get_int64().value() == 409);
  CHECK(
      w.as(Role::agent, "POST", "/api/v1/tickets/bulk", R"({"ids":[],"action":"priority","priority":"low"})").status ==
      403);
  CHECK(w.as(Role::admin, "POST", "/api/v1/tickets/bulk", R"({"ids":["x"],"action":"explode"})").status == 422);
  CHECK(w.as(Role::admin, "POST", "/api/v1/tickets/bulk", R"({"ids":["x"],"action":"assign"})").status == 422);
}

TEST_CASE("Idempotency-Key on uploads and bulk items: the same request answers the first result, marked replayed") {
  World w;
  const std::string id = w.new_ticket();
  const std::string files = "/api/v1/tickets/" + id + "/attachments?filename=log.txt";
  const std::vector<std::pair<std::string, std::string>> keyed = {bearer(w.tokens[Role::customer]),
                                                                  {"Idempotency-Key", "upload-1"}};
  auto first = w.http.request("POST", files, "line one\n", keyed, "text/plain");
  REQUIRE_MESSAGE(first.status == 201, first.body);
  CHECK(first.header("idempotent-replayed").empty());
  auto again = w.http.request("POST", files, "line one\n", keyed, "text/plain");
  REQUIRE_MESSAGE(again.status == 201, again.body);
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.str("id") == first.str("id"));
  CHECK(again.header("etag") == first.header("etag"));
  CHECK(w.as(Role::customer, "GET", "/api/v1/tickets/" + id + "/attachments")
            .json()["items"]
            .get_array()
            .value()
            .size() == 1);
  auto other = w.http.request("POST", files, "line two\n", keyed, "text/plain");
  CHECK(other.status == 422);

  // A bulk key of the full 200 bytes: each item has its own record in its own namespace.
  const std::string b = w.new_ticket("B");
  const std::string body = R"({"ids":[")" + id + R"(",")" + b + R"("],"action":"priority","priority":"urgent"})";
  const std::string key(200, 'k');
  auto bulk = w.as(Role::admin, "POST", "/api/v1/tickets/bulk", body, {{"Idempotency-Key", key}});
  REQUIRE_MESSAGE(bulk.status == 200, bulk.body);
  auto results = bulk.json()["results"].get_array().value();
  REQUIRE(results.size() == 2);
  CHECK(results.at(0)["status"].get_int64().value() == 200);
  CHECK(results.at(1)["status"].get_int64().value() == 200);
  auto bulk_again = w.as(Role::admin, "POST", "/api/v1/tickets/bulk", body, {{"Idempotency-Key", key}});
  CHECK(bulk_again.body == bulk.body);
  auto bulk_other =
      w.as(Role::admin, "POST", "/api/v1/tickets/bulk",
           R"({"ids":[")" + id + R"("],"action":"priority","priority":"low"})", {{"Idempotency-Key", key}});
  CHECK(bulk_other.json()["results"].at(0)["status"].get_int64().value() == 422);
}

TEST_CASE("operations: healthz, readyz, metrics, request ids, OpenAPI lists every route") {
  World w;
  auto health = w.http.request("GET", "/healthz");
  CHECK(health.status == 200);
  CHECK(!health.header("x-request-id").empty());
  auto echoed = w.http.request("GET", "/healthz", "", {{"X-Request-Id", "trace-42"}});
  CHECK(echoed.header("x-request-id") == "trace-42");
  CHECK(w.http.request("GET", "/readyz").status == 200);
  (void)w.new_ticket();
  auto metrics = w.http.request("GET", "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.header("content-type").starts_with("text/plain"));
  CHECK(metrics.body.find("ticketd_http_requests_total{route=\"POST /api/v1/tickets\",status=\"2xx\"} 1") !=
        std::string::npos);
  CHECK(metrics.body.find("ticketd_projection_lag_events") != std::string::npos);
  CHECK(metrics.body.find("ticketd_http_request_duration_seconds_bucket{le=\"+Inf\"}") != std::string::npos);
  CHECK(w.http.request("GET", "/nowhere").status == 404);
  auto wrong_method = w.http.request("DELETE", "/healthz");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.header("allow") == "GET");

  auto doc = w.http.request("GET", "/api/v1/openapi.json");
  REQUIRE(doc.status == 200);
  auto root = doc.json();
  CHECK(root["openapi"].get_string().value() == "3.0.3");
  auto paths = root["paths"].get_object().value();
  // Every route of docs/api.md (minus the later issue's stream) is listed...
  const std::vector<std::pair<std::string, std::string>> contract{
      {"get", "/healthz"},
      {"get", "/readyz"},
      {"get", "/metrics"},
      {"get", "/api/v1/openapi.json"},
      {"get", "/api/v1/meta"},
      {"post", "/api/v1/tickets"},
      {"get", "/api/v1/tickets"},
      {"get", "/api/v1/tickets/{id}"},
      {"patch", "/api/v1/tickets/{id}"},
      {"post", "/api/v1/tickets/{id}/assign"},
      {"post", "/api/v1/tickets/{id}/status"},
      {"post", "/api/v1/tickets/{id}/comments"},
      {"get", "/api/v1/tickets/{id}/comments"},
      {"post", "/api/v1/tickets/{id}/attachments"},
      {"get", "/api/v1/tickets/{id}/attachments"},
      {"get", "/api/v1/attachments/{id}/content"},
      {"post", "/api/v1/tickets/{id}/feedback"},
      {"post", "/api/v1/tickets/{id}/merge"},
      {"get", "/api/v1/tickets/{id}/history"},
      {"post", "/api/v1/tickets/bulk"},
      {"get", "/api/v1/queue"},
      {"get", "/api/v1/agents/workload"},
      {"get", "/api/v1/stats"},
      {"get", "/api/v1/sla/policies"},
      {"put", "/api/v1/sla/policies"},
      {"get", "/api/v1/reports/summary"},
      {"get", "/api/v1/events"},
      {"get", "/api/v1/tenants"},
      {"put", "/api/v1/tenants/{id}"},
      {"get", "/api/v1/users"},
      {"put", "/api/v1/users/{sub}"},
      {"put", "/api/v1/users/{sub}/availability"},
      {"get", "/api/v1/automations/escalations"},
      {"put", "/api/v1/automations/escalations"},
      {"get", "/api/v1/macros"},
      {"put", "/api/v1/macros"},
      {"post", "/api/v1/tickets/{id}/macros/{macro_id}"},
      {"get", "/api/v1/templates"},
      {"put", "/api/v1/templates"},
      {"post", "/api/v1/privacy/erase"},
      {"get", "/api/v1/privacy/export"},
      {"get", "/api/v1/replication/keys"},
      {"post", "/api/v1/integrations/{system}/webhook"},
      {"get", "/api/v1/integrations/{system}"},
      {"put", "/api/v1/integrations/{system}"},
      {"get", "/api/v1/integrations/{system}/status"},
      {"get", "/api/v1/integrations/{system}/dead-letters"},
      {"post", "/api/v1/integrations/{system}/sync"},
      {"post", "/api/v1/integrations/{system}/dead-letters/{id}/retry"},
      {"get", "/api/v1/webhooks"},
      {"post", "/api/v1/webhooks"},
      {"delete", "/api/v1/webhooks/{id}"},
      {"get", "/api/v1/webhooks/dead-letters"},
      {"post", "/api/v1/webhooks/dead-letters/{id}/retry"},
      {"get", "/api/v1/me/notifications"},
      {"put", "/api/v1/me/notifications"},
      {"get", "/api/v1/notifications/dead-letters"},
      {"post", "/api/v1/notifications/dead-letters/{id}/retry"}};
  for (const auto& [method, path] : contract) {
    simdjson::dom::element op;
    CHECK_MESSAGE(paths[path][method].get(op) == simdjson::SUCCESS, method, " ", path);
  }
  // ...and everything listed is served (no 404 "no such resource", no 405).
  std::size_t operations = 0;
  for (auto [path, item] : paths) {
    simdjson::dom::object operations_of_path = item.get_object();
    for (auto [method, op] : operations_of_path) {
      std::string target(path);
      for (const char* param : {"{id}", "{sub}", "{system}"}) {
        if (auto at = target.find(param); at != std::string::npos) target.replace(at, std::strlen(param), "probe");
      }
      std::string upper(method);
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      auto r = w.as(Role::global_admin, upper, target, upper == "GET" ? "" : "{}");
      CHECK_MESSAGE(r.status != 405, upper, " ", target);
      CHECK_MESSAGE(r.body.find("no such resource") == std::string::npos, upper, " ", target);
      ++operations;
    }
  }
  CHECK(operations == contract.size() + 1);  // plus /api/v1/reports/summary.csv
}

TEST_CASE("the access log names the query's parameters, never their values") {
  World w;
  const std::string id = w.new_ticket();
  auto search = w.as(Role::agent, "GET", "/api/v1/tickets?q=marker-q-5e1f&status=new");
  REQUIRE(search.status == 200);
  auto up = w.http.request("POST", "/api/v1/tickets/" + id + "/attachments?filename=marker-file-5e1f.txt", "bytes",
                           {bearer(w.tokens[Role::customer])}, "text/plain");
  REQUIRE_MESSAGE(up.status == 201, up.body);
  CHECK(w.server.stop() == 0);  // the access log is flushed at exit
  const std::string log = w.server.output();
  CHECK(log.find("GET /api/v1/tickets?q&status status=200") != std::string::npos);
  CHECK(log.find("POST /api/v1/tickets/" + id + "/attachments?filename status=201") != std::string::npos);
  CHECK(log.find("5e1f") == std::string::npos);
}

TEST_CASE("--admin-listen moves /metrics to the admin listener") {
  TempDir dir;
  ServerProcess server(dir.str(), {"--admin-listen", "127.0.0.1:0"});
  const std::string out = server.output();
  const auto at = out.find("admin listening on http://");
  REQUIRE(at != std::string::npos);
  const auto start = at + std::string("admin listening on http://").size();
  HttpClient admin(out.substr(start, out.find('\n', at) - start));
  CHECK(admin.request("GET", "/metrics").status == 200);
  CHECK(server.client().request("GET", "/metrics").status == 404);
  CHECK(server.stop() == 0);
}

TEST_CASE("--demo seeds a tenant tree with tickets and prints a working token per role; ticketctl token") {
  TempDir dir;
  ServerProcess server(dir.str(), {"--demo"});
  HttpClient http = server.client();
  const std::string out = server.output();
  std::map<std::string, std::string> printed;  // role -> token
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string first, role, jwt;
    if (words >> first >> role >> jwt && first == "token") printed[role] = jwt;
  }
  CHECK(printed.size() == all_roles().size());
  for (Role r : all_roles()) {
    REQUIRE(printed.contains(role_name(r)));
    CHECK_MESSAGE(http.request("GET", "/api/v1/meta", "", {bearer(printed[role_name(r)])}).status == 200, role_name(r));
  }
  auto listed = http.request("GET", "/api/v1/tickets", "", {bearer(printed["agent"])});
  REQUIRE(listed.status == 200);
  CHECK(listed.array("items").size() > 0);
  // The bound address is also in <data-dir>/http.addr.
  std::ifstream addr(dir.sub("http.addr"));
  std::string line;
  std::getline(addr, line);
  CHECK(line == server.address());

  // ticketctl token mints with the configured secret (here the test's --jwt-secret).
  auto minted = run_command(std::string(TICKETCTL_PATH) + " token --jwt-secret " + kTestSecret +
                            " --role admin --tenant acme --sub ada --ttl 60");
  REQUIRE(minted.exit_code == 0);
  std::string jwt = minted.out;
  while (!jwt.empty() && (jwt.back() == '\n' || jwt.back() == '\r')) jwt.pop_back();
  CHECK(http.request("GET", "/api/v1/users", "", {bearer(jwt)}).status == 200);
  auto bad_role = run_command(std::string(TICKETCTL_PATH) + " token --jwt-secret x --role wizard --tenant a --sub b");
  CHECK(bad_role.exit_code != 0);
  CHECK(bad_role.out.find("unknown role") != std::string::npos);
  auto no_secret = run_command("env -u TICKETD_JWT_SECRET " + std::string(TICKETCTL_PATH) + " --data-dir " +
                               dir.sub("nowhere") + " token --role agent --tenant a --sub b");
  CHECK(no_secret.exit_code != 0);
  CHECK(no_secret.out.find("no secret") != std::string::npos);
  CHECK(server.stop() == 0);
  // ticketd refuses an HS256 secret under 32 bytes at start.
  auto weak = run_command("env -u TICKETD_JWT_SECRET timeout 10 " + std::string(TICKETD_PATH) + " --data-dir " +
                          dir.sub("weak") + " --listen 127.0.0.1:0 --jwt-secret 0123456789abcdef0123456789abcde");
  CHECK(weak.exit_code == 2);
  CHECK(weak.out.find("HS256 needs at least 32") != std::string::npos);
}
