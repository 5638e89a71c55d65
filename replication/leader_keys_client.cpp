#include "replication/leader_keys_client.h"

#include <simdjson.h>

#include <boost/url/parse.hpp>
#include <set>

#include "base/aead.h"
#include "base/base64.h"

namespace ticketd {

Result<LeaderKeysClient> LeaderKeysClient::make(const std::string& leader_url, std::string secret,
                                                std::chrono::milliseconds timeout) {
  auto url = boost::urls::parse_uri(leader_url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) {
    return make_error(Errc::validation, "--follow needs the leader's http(s)://HOST:PORT URL");
  }
  if (secret.empty()) return make_error(Errc::validation, "a follower needs --replication-secret (the leader's)");
  std::string base = leader_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return LeaderKeysClient(std::move(base), std::move(secret), timeout);
}

Result<std::vector<FetchedKey>> LeaderKeysClient::fetch(const std::vector<std::string>& ids) const {
  std::string joined;
  for (const auto& id : ids) joined += (joined.empty() ? "" : ",") + id;
  auto answer = client_.send(
      {"GET", url_ + "/api/v1/replication/keys?ids=" + joined, {{"Authorization", "Bearer " + secret_}}, ""});
  if (!answer) return make_error(Errc::unavailable, "the leader cannot be reached for keys: " + answer.error().message);
  if (answer->status != 200) {
    return make_error(Errc::unavailable, "the leader answered " + std::to_string(answer->status) + " to a key request");
  }
  const std::string& body = answer->body;
  simdjson::dom::parser json;
  simdjson::dom::element root;
  simdjson::dom::array keys;
  if (json.parse(body).get(root) != simdjson::SUCCESS || root["keys"].get_array().get(keys) != simdjson::SUCCESS) {
    return make_error(Errc::unavailable, "the leader's key answer is not the expected JSON");
  }
  const std::set<std::string> asked(ids.begin(), ids.end());
  std::vector<FetchedKey> out;
  for (simdjson::dom::element k : keys) {
    std::string_view id, subject, encoded;
    if (k["id"].get_string().get(id) != simdjson::SUCCESS ||
        k["subject"].get_string().get(subject) != simdjson::SUCCESS ||
        k["key"].get_string().get(encoded) != simdjson::SUCCESS) {
      return make_error(Errc::unavailable, "a key in the leader's answer lacks id, subject or key");
    }
    auto bytes = base64_decode(encoded);
    if (!bytes || bytes->size() != kAeadKeyBytes || !asked.contains(std::string(id))) {
      return make_error(Errc::unavailable, "the leader's answer holds a key that was not asked for or is not 32 bytes");
    }
    out.push_back(FetchedKey{std::string(subject), SubjectKey{std::string(id), std::move(*bytes)}});
  }
  return out;
}

}  // namespace ticketd
