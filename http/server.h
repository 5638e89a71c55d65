// The HTTP/1.1 server: Boost.Beast, asynchronous, on a small fixed number of I/O threads.
// It parses requests, enforces the connection limits below, and hands each request to a
// RequestSink, which answers through a callback from any thread; responses go out in
// request order (pipelining). A response whose body is a file (Response::body_file, written
// by the handler in Request::spool_dir, the upload directory) is sent from disk and the
// file deleted afterwards, so a download is never held in memory. Beast stays inside
// server.cpp.
//
// Limits (ServerLimits, all named and enforced): header bytes (431), body bytes (413;
// uploads have their own limit and stream to a file in `upload_dir`), idle time between
// requests, time to read a request, time to write a response, requests in flight per
// connection (reading pauses until answers go out), connections (extra ones are closed),
// and the lingering close: after refusing a request whose body was not read (413, 431,
// bad framing) the server stops sending and discards input for up to linger_timeout, so
// the client reads the answer instead of a connection reset.
//
// Lifecycle: listen() (any number of listeners, before start()), start(), then on
// shutdown stop_accepting() and drain(): connections stop reading, answers in flight
// are written, connections close; drain returns when none is left or after its timeout.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "base/error.h"
#include "http/message.h"

namespace ticketd::http {

struct ServerLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::uint64_t max_body_bytes = 1024 * 1024;
  std::uint64_t max_upload_bytes = 25 * 1024 * 1024 + 64 * 1024;  // a 25 MiB file plus multipart framing
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds linger_timeout{2};
  std::size_t max_pipelined = 16;
  std::size_t max_connections = 10000;
  unsigned io_threads = 2;
};

// Parses one whole request from `bytes` with the server's parser, limits and conversion
// (X-Request-Id "parsed" unless the client sent one): the Request, or the problem the
// server would answer (400 malformed or cut short, 413, 431). For the fuzz harness and
// tests; the server itself reads incrementally from the socket.
[[nodiscard]] std::expected<Request, Response> parse_request(std::string_view bytes, const ServerLimits& limits);

class RequestSink {
 public:
  virtual ~RequestSink() = default;
  // Whether the body of this request streams to a file (attachments) rather than memory.
  [[nodiscard]] virtual bool is_upload(std::string_view method, std::string_view path) const = 0;
  // Called with an upload's header (no body yet), before any byte of the body is stored:
  // a lease that admits it (kept in Request::upload_lease until the request is done), or
  // the answer that refuses it (then the body is discarded unread).
  [[nodiscard]] virtual std::expected<std::shared_ptr<void>, Response> admit_upload(const Request& head) = 0;
  // Handles `request`; `done` must be called exactly once, from any thread.
  virtual void handle(Request request, std::function<void(Response)> done) = 0;
};

class Server {
 public:
  Server(ServerLimits limits, RequestSink& sink, std::string upload_dir);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds "HOST:PORT" (port 0 picks a free one); answers the bound "HOST:PORT".
  // Requests from an `admin` listener carry Request::admin_listener.
  [[nodiscard]] Result<std::string> listen(const std::string& host_port, bool admin);
  void start();
  void stop_accepting();
  // Returns true when every connection finished within `timeout`.
  bool drain(std::chrono::milliseconds timeout);
  // Stops the I/O threads (after drain, or at once).
  void stop();

  [[nodiscard]] std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ticketd::http
