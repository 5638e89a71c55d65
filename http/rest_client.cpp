#include "http/rest_client.h"

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

// Runs the io_context until the operation started on it completes; its error, if any,
// as an exception (the stream's expiry makes a late one fail with beast::error::timeout:
// Beast's deadlines hold for asynchronous operations only, hence these).
void finish(boost::asio::io_context& io, const beast::error_code& ec) {
  io.run();
  io.restart();
  if (ec) throw beast::system_error(ec);
}

template <class Stream>
RestResponse round_trip(boost::asio::io_context& io, Stream& stream,
                        const bhttp::request<bhttp::string_body>& request) {
  beast::error_code ec;
  bhttp::async_write(stream, request, [&](beast::error_code e, std::size_t) { ec = e; });
  finish(io, ec);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(RestClient::kMaxResponseBytes);
  bhttp::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
  finish(io, ec);
  RestResponse out;
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
  if (auto it = parser.get().find(bhttp::field::retry_after); it != parser.get().end()) {
    const std::string_view v = it->value();
    long seconds = 0;
    const auto [end, parsed] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (parsed == std::errc() && end == v.data() + v.size() && seconds >= 0) {
      out.retry_after = std::chrono::seconds(seconds);
    }
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
    const auto endpoints = resolver.resolve(host, port);
    beast::error_code ec;
    if (!tls) {
      beast::tcp_stream stream(io);
      stream.expires_after(timeout_);  // the whole exchange
      stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
      finish(io, ec);
      auto out = round_trip(io, stream, request);
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
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
    beast::get_lowest_layer(stream).async_connect(endpoints,
                                                  [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    finish(io, ec);
    stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
    finish(io, ec);
    auto out = round_trip(io, stream, request);
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
    return out;
  } catch (const std::exception& e) {
    return make_error(Errc::unavailable, r.method + " " + host + ": " + e.what());
  }
}

}  // namespace ticketd
