#include "adapters/rest_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <charconv>

namespace ticketd {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

template <class Stream>
RestResponse round_trip(Stream& stream, const bhttp::request<bhttp::string_body>& request) {
  bhttp::write(stream, request);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(RestClient::kMaxResponseBytes);
  bhttp::read(stream, buffer, parser);
  RestResponse out;
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
  if (auto it = parser.get().find(bhttp::field::retry_after); it != parser.get().end()) {
    const std::string_view v = it->value();
    long seconds = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (ec == std::errc() && end == v.data() + v.size() && seconds >= 0)
      out.retry_after = std::chrono::seconds(seconds);
  }
  return out;
}

}  // namespace

Result<RestResponse> RestClient::send(const RestRequest& r) const {
  auto url = boost::urls::parse_uri(r.url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) {
    return make_error(Errc::validation, "not an http(s) URL: " + r.url);
  }
  const bool tls = url->scheme() == "https";
  const std::string host(url->host());
  const std::string port = url->has_port() ? std::string(url->port()) : (tls ? "443" : "80");
  std::string target(url->encoded_target());
  if (target.empty()) target = "/";
  bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(r.method), target, 11};
  request.set(bhttp::field::host, host);
  request.set(bhttp::field::accept, "application/json");
  request.set(bhttp::field::user_agent, "ticketd");
  for (const auto& [name, value] : r.headers) request.set(name, value);
  if (!r.body.empty()) {
    if (request.find(bhttp::field::content_type) == request.end()) {
      request.set(bhttp::field::content_type, "application/json");
    }
    request.body() = r.body;
  }
  request.prepare_payload();
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    if (!tls) {
      beast::tcp_stream stream(io);
      stream.expires_after(timeout_);
      stream.connect(resolver.resolve(host, port));
      auto out = round_trip(stream, request);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return out;
    }
    ssl::context context(ssl::context::tls_client);
    context.set_default_verify_paths();
    context.set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
      return make_error(Errc::unavailable, "TLS: cannot set the server name " + host);
    }
    stream.set_verify_callback(ssl::host_name_verification(host));
    beast::get_lowest_layer(stream).expires_after(timeout_);
    beast::get_lowest_layer(stream).connect(resolver.resolve(host, port));
    stream.handshake(ssl::stream_base::client);
    auto out = round_trip(stream, request);
    beast::error_code ignored;
    stream.shutdown(ignored);
    return out;
  } catch (const std::exception& e) {
    return make_error(Errc::unavailable, r.method + " " + host + ": " + e.what());
  }
}

}  // namespace ticketd
