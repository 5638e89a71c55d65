// Over HTTP against a real ticketd: a download is sent from a spool file, one chunk of the
// attachment store in memory at a time, so its size does not show in the server's memory.
#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <fstream>

#include "base/sha256.h"
#include "tests/http_world.h"

using namespace ticketd;
using namespace ticketd::test;

namespace {

// The server's peak resident memory so far (VmHWM), in bytes.
std::uint64_t peak_rss(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6)) * 1024;
  }
  throw std::runtime_error("no VmHWM for the server");
}

std::size_t spool_files(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    n += entry.path().filename().string().starts_with("download-") ? 1 : 0;
  }
  return n;
}

// Sends `request`, reads `enough` bytes of the answer, then drops the connection.
void read_part_then_drop(const std::string& address, const std::string& request, std::size_t enough) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket s(ioc);
  const auto colon = address.rfind(':');
  net::ip::tcp::resolver resolver(ioc);
  net::connect(s, resolver.resolve(address.substr(0, colon), address.substr(colon + 1)));
  net::write(s, net::buffer(request));
  std::size_t got = 0;
  char buf[65536];
  while (got < enough) {
    pollfd p{s.native_handle(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);
    const ssize_t n = ::recv(s.native_handle(), buf, sizeof buf, 0);
    REQUIRE(n > 0);
    got += static_cast<std::size_t>(n);
  }
}

}  // namespace

TEST_CASE("downloads stream from disk: a 20 MiB attachment does not raise the server's peak memory by its size") {
  World w;
  const std::string id = w.new_ticket();
  std::string bytes(20u << 20, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  auto uploaded = w.http.request("POST", "/api/v1/tickets/" + id + "/attachments?filename=big.bin", bytes,
                                 {bearer(w.tokens[Role::customer])}, "application/octet-stream");
  REQUIRE_MESSAGE(uploaded.status == 201, uploaded.body);
  const std::string target = "/api/v1/attachments/" + uploaded.str("id") + "/content";
  const std::string tag = "\"" + sha256_hex({bytes}) + "\"";

  const std::uint64_t before = peak_rss(w.server.pid());
  for (int i = 0; i < 2; ++i) {
    auto got = w.as(Role::customer, "GET", target);
    REQUIRE(got.status == 200);
    CHECK(got.header("content-length") == std::to_string(bytes.size()));
    CHECK(got.header("etag") == tag);
    CHECK(got.body.size() == bytes.size());
    CHECK((got.body == bytes));  // not decomposed: doctest would print 20 MiB
  }
  const std::uint64_t after = peak_rss(w.server.pid());
  MESSAGE("server peak RSS before ", before, ", after two downloads ", after);
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__) || defined(__has_feature)
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define TICKETD_SANITIZED_ALLOCATOR 1
#elif __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TICKETD_SANITIZED_ALLOCATOR 1
#endif
#endif
#if defined(TICKETD_SANITIZED_ALLOCATOR)
  // A sanitizer's allocator keeps what is freed (ASan's quarantine: +10 MiB seen here) or
  // shadows what is touched (TSan: +80 MiB), so the server's peak RSS says nothing about
  // buffering there; the release build checks the bound.
  MESSAGE("sanitizer build: the peak-RSS bound is checked in the release build");
#else
  CHECK(after - before < (8u << 20));  // a buffered answer alone would add 20 MiB
#endif

  // The spool files go once their answers are written; a 304 and a 404 make none.
  CHECK(eventually([&] { return spool_files(w.dir.str() + "/uploads") == 0; }));
  CHECK(w.as(Role::customer, "GET", target, "", {{"If-None-Match", tag}}).status == 304);
  CHECK(w.as(Role::customer, "GET", "/api/v1/attachments/nope/content").status == 404);
  CHECK(spool_files(w.dir.str() + "/uploads") == 0);

  // A client that goes away mid-download leaves no spool file behind.
  read_part_then_drop(
      w.server.address(),
      "GET " + target + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + w.tokens[Role::customer] + "\r\n\r\n",
      256 * 1024);
  CHECK(eventually([&] { return spool_files(w.dir.str() + "/uploads") == 0; }));
  CHECK(w.as(Role::customer, "GET", target, "", {{"If-None-Match", tag}}).status == 304);  // still serving
}
