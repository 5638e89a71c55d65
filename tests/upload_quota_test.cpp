// Upload bytes in flight (http/upload_quota.h): per principal and in all, given back when
// a lease ends.
#include "http/upload_quota.h"

#include <doctest/doctest.h>

using namespace ticketd::http;

TEST_CASE("upload quota: per principal, then in all; leases give their bytes back") {
  UploadQuota quota(UploadLimits{100, 250});
  UploadQuota::Refusal why{};
  auto a1 = quota.reserve("acme/a", 60, why);
  REQUIRE(a1);
  CHECK(quota.reserve("acme/a", 41, why) == nullptr);  // 101 > 100 for a
  CHECK(why == UploadQuota::Refusal::principal);
  auto b1 = quota.reserve("acme/b", 100, why);
  auto c1 = quota.reserve("acme/c", 90, why);
  REQUIRE(b1);
  REQUIRE(c1);
  CHECK(quota.in_flight() == 250);
  CHECK(quota.reserve("acme/d", 1, why) == nullptr);  // 251 > 250 in all
  CHECK(why == UploadQuota::Refusal::total);
  b1.reset();  // an upload ends
  CHECK(quota.in_flight() == 150);
  auto d1 = quota.reserve("acme/d", 1, why);
  CHECK(d1 != nullptr);
  CHECK(why == UploadQuota::Refusal::none);
  a1.reset();
  c1.reset();
  d1.reset();
  CHECK(quota.in_flight() == 0);
  CHECK(quota.reserve("acme/a", 100, why) != nullptr);  // a's whole share is back
}
