#include "replication/leader_keys_client.h"

#include <simdjson.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <set>

#include "base/aead.h"
#include "base/base64.h"

namespace ticketd {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Result<LeaderKeysClient> LeaderKeysClient::make(const std::string& leader_url, std::string secret,
                                                std::chrono::milliseconds timeout) {
  auto url = boost::urls::parse_uri(leader_url);
  if (!url || url->scheme() != "http" || url->host().empty()) {
    return make_error(Errc::validation, "--follow needs the leader's http://HOST:PORT URL");
  }
  if (secret.empty()) return make_error(Errc::validation, "a follower needs --replication-secret (the leader's)");
  const std::string port = url->has_port() ? std::string(url->port()) : "80";
  return LeaderKeysClient(std::string(url->host()), port, std::move(secret), timeout);
}

Result<std::vector<FetchedKey>> LeaderKeysClient::fetch(const std::vector<std::string>& ids) const {
  std::string joined;
  for (const auto& id : ids) joined += (joined.empty() ? "" : ",") + id;
  std::string body;
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(timeout_);
    tcp::resolver resolver(io);
    stream.connect(resolver.resolve(host_, port_));
    http::request<http::empty_body> request{http::verb::get, "/api/v1/replication/keys?ids=" + joined, 11};
    request.set(http::field::host, host_);
    request.set(http::field::authorization, "Bearer " + secret_);
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1u << 20);
    http::read(stream, buffer, parser);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    if (parser.get().result_int() != 200) {
      return make_error(Errc::unavailable,
                        "the leader answered " + std::to_string(parser.get().result_int()) + " to a key request");
    }
    body = std::move(parser.get().body());
  } catch (const std::exception& e) {
    return make_error(Errc::unavailable, std::string("the leader cannot be reached for keys: ") + e.what());
  }
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
