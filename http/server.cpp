#include "http/server.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include "http/problem.h"

namespace ticketd::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kMaxRequestIdBytes = 128;

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// A parse error of Beast's (bad request line, header, chunk): answered 400. A message
// cut short by the peer (partial_message) or a transport error is not: nobody is there to read it.
bool is_malformed(const beast::error_code& ec) {
  return ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::partial_message && ec != bhttp::error::end_of_stream;
}

// Our Request from a parsed Beast request header: method, target, decoded path and query,
// lowercase header names, X-Request-Id (the client's when valid, else `new_id()`).
// nullopt when the target is not an origin-form path and query.
template <class Message, class NewId>
std::optional<Request> request_from(const Message& m, NewId&& new_id) {
  Request r;
  r.method = std::string(m.method_string());
  r.target = std::string(m.target());
  auto url = boost::urls::parse_origin_form(r.target);
  if (!url) return std::nullopt;
  r.path = url->path();
  for (auto param : url->params()) r.query.emplace_back(param.key, param.value);
  for (const auto& field : m) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  auto id = r.header("x-request-id");
  r.request_id = id && valid_request_id(*id) ? std::string(*id) : new_id();
  r.keep_alive = m.keep_alive();
  return r;
}

}  // namespace

std::expected<Request, Response> parse_request(std::string_view bytes, const ServerLimits& limits) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  beast::error_code ec;
  while (!ec && !parser.is_done() && !bytes.empty()) {
    const std::size_t used = parser.put(net::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(used);
    if (used == 0 && !ec) break;
  }
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec == bhttp::error::header_limit) {
    return std::unexpected(problem(431, fmt::format("request headers exceed {} bytes", limits.max_header_bytes)));
  }
  if (ec == bhttp::error::body_limit) return std::unexpected(problem(413, "the body is too large"));
  if (ec || !parser.is_done()) return std::unexpected(problem(400, "malformed HTTP request"));
  auto r = request_from(parser.get(), [] { return std::string("parsed"); });
  if (!r) return std::unexpected(problem(400, "the request target is not a valid path and query"));
  r->body = std::move(parser.get().body());
  r->body_size = r->body.size();
  return std::move(*r);
}

struct Server::Impl {
  Impl(ServerLimits l, RequestSink& s, std::string dir)
      : limits(l), sink(s), upload_dir(std::move(dir)), ioc(static_cast<int>(l.io_threads)) {}

  class Session;

  void do_accept(tcp::acceptor& acceptor, bool admin);
  std::string next_request_id() {
    return fmt::format("{:x}-{:x}", boot_id, request_counter.fetch_add(1, std::memory_order_relaxed));
  }
  std::string next_upload_path() {
    return fmt::format("{}/upload-{:x}-{}", upload_dir, boot_id, upload_counter.fetch_add(1));
  }

  ServerLimits limits;
  RequestSink& sink;
  std::string upload_dir;
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> request_counter{1};
  std::atomic<std::uint64_t> upload_counter{1};
  std::uint64_t boot_id = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());

  // Declared before `ioc`, so they outlive it: sessions still held by handlers that never
  // ran (connections left open past the drain limit) are destroyed with the io_context,
  // and each one's destructor takes itself off this list.
  std::mutex sessions_mu;
  std::condition_variable sessions_cv;
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::uint64_t next_session = 1;

  net::io_context ioc;
  // Keeps the I/O threads running while no operation is pending: an answer computed on a
  // worker is posted back to a session that waits on nothing (after SIGTERM, nothing else is).
  std::optional<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;  // destroyed before `ioc`
  std::vector<bool> acceptor_is_admin;
  std::vector<std::thread> threads;
};

class Server::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Impl& server, bool admin, std::uint64_t id)
      : stream_(std::move(socket)), idle_timer_(stream_.get_executor()), server_(server), admin_(admin), id_(id) {
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = remote.address().to_string();
  }

  ~Session() {
    remove_upload();
    std::lock_guard lock(server_.sessions_mu);
    server_.sessions.erase(id_);
    server_.sessions_cv.notify_all();
  }

  void run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::do_read, shared_from_this()));
  }

  // Read no new request; a request already begun (bytes of it received) is read to its
  // end and answered; close once the answers in flight are written. An idle connection
  // closes at once (see stop_idle_read): a request of which the server had received no byte
  // gets no answer, and nothing of it is done.
  void drain() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (self->reading_) return self->stop_idle_read();
      if (self->slots_.empty() && !self->writing_) self->close();
    });
  }

 private:
  using StringResponse = bhttp::response<bhttp::string_body>;
  using FileResponse = bhttp::response<bhttp::file_body>;  // a download, sent from its spool file
  struct Slot {
    Slot() = default;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
      response.reset();  // closes a FileResponse's file first
      for (const auto& file : files) {
        std::error_code ec;
        std::filesystem::remove(file, ec);
      }
    }
    std::optional<std::variant<StringResponse, FileResponse>> response;
    std::vector<std::string> files;  // the upload's and the download's files: deleted with the slot
  };

  void do_read() {
    if (reading_ || closing_) return;
    if (slots_.size() >= server_.limits.max_pipelined) return;  // resumed by on_write
    reading_ = true;
    header_.emplace();
    header_->header_limit(static_cast<std::uint32_t>(server_.limits.max_header_bytes));
    header_->body_limit(boost::none);  // checked in on_header, per route (uploads have their own limit)
    // Idle when nothing is in flight and no byte of the next request has come; else the
    // request is being read (or pipelined behind answers) and has the read timeout. A read
    // begun behind answers keeps the read timeout once they are out (tcp_stream times each
    // operation from its start; see docs/http.md).
    stream_.expires_after(slots_.empty() && buffer_.size() == 0 ? server_.limits.idle_timeout
                                                                : server_.limits.read_timeout);
    bhttp::async_read_header(stream_, buffer_, *header_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    idle_timer_.cancel();
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof) return finish_reading();
    if (ec == bhttp::error::header_limit) {
      return answer_now(problem(431, fmt::format("request headers exceed {} bytes", server_.limits.max_header_bytes)));
    }
    if (is_malformed(ec)) return answer_now(problem(400, "malformed HTTP request: " + ec.message()));
    if (ec) return finish_reading();
    const auto& head = header_->get();
    const std::string target(head.target());
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return answer_now(problem(400, "the request target is not a valid path and query"));
    const bool upload = server_.sink.is_upload(std::string_view(head.method_string()), url->path());
    const std::uint64_t limit = upload ? server_.limits.max_upload_bytes : server_.limits.max_body_bytes;
    if (auto length = header_->content_length(); length && *length > limit) {
      return answer_now(problem(413, fmt::format("the body exceeds {} bytes", limit)));
    }
    stream_.expires_after(server_.limits.read_timeout);
    in_body_ = true;
    if (upload) {
      // Authenticated and within the quotas before a byte of the body is stored.
      auto admitted = server_.sink.admit_upload(to_request(head));
      if (!admitted) return answer_now(std::move(admitted.error()));
      upload_lease_ = std::move(*admitted);
      upload_path_ = server_.next_upload_path();
      file_parser_.emplace(std::move(*header_));
      file_parser_->body_limit(limit);
      beast::error_code open_ec;
      file_parser_->get().body().open(upload_path_.c_str(), beast::file_mode::write, open_ec);
      if (open_ec) return answer_now(problem(503, "cannot store the upload now"));
      bhttp::async_read(stream_, buffer_, *file_parser_,
                        beast::bind_front_handler(&Session::on_body, shared_from_this()));
    } else {
      string_parser_.emplace(std::move(*header_));
      string_parser_->body_limit(limit);
      bhttp::async_read(stream_, buffer_, *string_parser_,
                        beast::bind_front_handler(&Session::on_body, shared_from_this()));
    }
  }

  template <class Message>
  Request to_request(const Message& m) {
    // The target was checked in on_header.
    Request r = *request_from(m, [this] { return server_.next_request_id(); });
    r.admin_listener = admin_;
    r.peer = peer_;
    return r;
  }

  void on_body(beast::error_code ec, std::size_t) {
    in_body_ = false;
    if (ec == bhttp::error::body_limit) {
      return answer_now(problem(413, "the body is too large"));
    }
    if (is_malformed(ec)) return answer_now(problem(400, "malformed HTTP request: " + ec.message()));
    if (ec) return finish_reading();
    reading_ = false;
    Request request;
    auto slot = std::make_shared<Slot>();
    if (file_parser_) {
      file_parser_->get().body().file().close(ec);
      request = to_request(file_parser_->get());
      request.body_file = upload_path_;
      request.body_size = file_parser_->content_length().value_or(0);
      if (request.body_size == 0) {
        std::error_code size_ec;
        request.body_size = std::filesystem::file_size(upload_path_, size_ec);
      }
      slot->files.push_back(std::exchange(upload_path_, {}));
      request.upload_lease = std::move(upload_lease_);
      file_parser_.reset();
    } else {
      request = to_request(string_parser_->get());
      request.spool_dir = server_.upload_dir;
      request.body = std::move(string_parser_->get().body());
      request.body_size = request.body.size();
      string_parser_.reset();
    }
    const bool keep_alive = request.keep_alive;
    const std::string request_id = request.request_id;
    slots_.push_back(slot);
    server_.sink.handle(std::move(request),
                        [self = shared_from_this(), slot, keep_alive, request_id](Response response) {
                          net::post(self->stream_.get_executor(),
                                    [self, slot, keep_alive, request_id, response = std::move(response)]() mutable {
                                      self->fill(*slot, std::move(response), keep_alive, request_id);
                                      self->do_write();
                                    });
                        });
    if (!keep_alive) closing_ = true;
    do_read();
  }

  void fill(Slot& slot, Response response, bool keep_alive, const std::string& request_id) {
    auto finish = [&](auto res) {
      res.set(bhttp::field::server, "ticketd");
      res.set(bhttp::field::content_type, response.content_type);
      res.set("X-Request-Id", request_id);
      for (auto& [name, value] : response.headers) res.set(name, value);
      res.keep_alive(keep_alive && !closing_ && !server_.draining.load());
      res.prepare_payload();
      slot.response = std::move(res);
    };
    if (!response.body_file.empty()) {
      slot.files.push_back(response.body_file);
      FileResponse res{static_cast<bhttp::status>(response.status), 11};
      beast::error_code ec;
      res.body().open(response.body_file.c_str(), beast::file_mode::scan, ec);
      if (!ec) return finish(std::move(res));
      response = problem(500, "the answer's file cannot be read");
    }
    StringResponse res{static_cast<bhttp::status>(response.status), 11};
    res.body() = std::move(response.body);
    finish(std::move(res));
  }

  // An answer produced here (bad framing or limits): sent after those queued, then close.
  void answer_now(Response response) {
    const std::string request_id = request_id_so_far();
    reading_ = false;
    closing_ = true;
    linger_ = true;
    remove_upload();
    auto slot = std::make_shared<Slot>();
    fill(*slot, std::move(response), false, request_id);
    slots_.push_back(slot);
    do_write();
  }

  // The client's X-Request-Id when the request being refused is past its header (413, a
  // malformed body) or, in a header refused for its size (431) or form (400), among the
  // field lines Beast parsed before it stopped; else a new one.
  std::string request_id_so_far() {
    auto from = [](const auto& parser) -> std::optional<std::string> {
      if (!parser) return std::nullopt;
      const auto& head = parser->get();
      auto it = head.find("X-Request-Id");
      if (it == head.end() || !valid_request_id(it->value())) return std::nullopt;
      return std::string(it->value());
    };
    if (auto id = from(string_parser_)) return *id;
    if (auto id = from(file_parser_)) return *id;
    if (auto id = from(header_)) return *id;
    return server_.next_request_id();
  }

  void finish_reading() {
    reading_ = false;
    closing_ = true;
    remove_upload();
    if (slots_.empty() && !writing_) close();
  }

  void do_write() {
    if (writing_ || slots_.empty() || !slots_.front()->response) return;
    writing_ = true;
    stream_.expires_after(server_.limits.write_timeout);
    std::visit(
        [this](auto& res) {
          bhttp::async_write(stream_, res, beast::bind_front_handler(&Session::on_write, shared_from_this()));
        },
        *slots_.front()->response);
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    auto done = slots_.front();
    slots_.pop_front();
    if (ec || std::visit([](const auto& res) { return res.need_eof(); }, *done->response)) {
      closing_ = true;
      if (slots_.empty()) return close();
    }
    if (closing_ && slots_.empty() && !reading_) return close();
    do_write();
    do_read();
    if (slots_.empty() && !writing_) {
      if (closing_) return stop_idle_read();
      arm_idle_timer();
    }
  }

  // True while the connection waits for a request of which no byte has come, nothing in flight.
  [[nodiscard]] bool idle() const {
    return reading_ && !in_body_ && buffer_.size() == 0 && slots_.empty() && !writing_;
  }

  // Ends the wait for the next request when the connection is idle. The header read is
  // cancelled, not the socket closed: the read may have taken bytes from the socket already
  // (its completion is queued behind this handler); it then completes with them, and the
  // request is read to its end and answered before the connection closes (closing_ is set).
  // Otherwise it completes with operation_aborted and on_header closes.
  void stop_idle_read() {
    if (!idle()) return;
    beast::error_code ec;
    stream_.socket().cancel(ec);
  }

  // The idle timeout for the wait after the last answer: that header read began while the
  // answer was in flight, under the read timeout, and tcp_stream keeps an operation's timeout.
  void arm_idle_timer() {
    if (!idle()) return;
    idle_timer_.expires_after(server_.limits.idle_timeout);
    idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->idle()) return;
      self->closing_ = true;
      self->stop_idle_read();
    });
  }

  void close() {
    beast::error_code ec;
    idle_timer_.cancel();  // its handler holds the session
    if (linger_) {
      linger_ = false;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      stream_.expires_after(server_.limits.linger_timeout);
      return discard_input();
    }
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  // Reads and drops what the client still sends until it closes or linger_timeout passes.
  void discard_input() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(64 * 1024), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->discard_input();
    });
  }

  void remove_upload() {
    upload_lease_.reset();
    if (upload_path_.empty()) return;
    file_parser_.reset();
    std::error_code ec;
    std::filesystem::remove(upload_path_, ec);
    upload_path_.clear();
  }

  beast::tcp_stream stream_;
  net::steady_timer idle_timer_;  // the idle timeout after an answer (see arm_idle_timer)
  Impl& server_;
  bool admin_;
  std::string peer_;  // the client's IP address
  std::uint64_t id_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_;
  std::optional<bhttp::request_parser<bhttp::string_body>> string_parser_;
  std::optional<bhttp::request_parser<bhttp::file_body>> file_parser_;
  std::string upload_path_;
  std::deque<std::shared_ptr<Slot>> slots_;
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;
  std::shared_ptr<void> upload_lease_;  // the upload being read: its share of the quotas
  bool in_body_ = false;                // a request's header was read; its body is being read
  bool linger_ = false;                 // close() discards input first (an unread body may follow)
};

void Server::Impl::do_accept(tcp::acceptor& acceptor, bool admin) {
  acceptor.async_accept(net::make_strand(ioc), [this, &acceptor, admin](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      return do_accept(acceptor, admin);
    }
    std::shared_ptr<Session> session;
    {
      // Under the lock that drain() takes to list the sessions: none starts unlisted.
      std::lock_guard lock(sessions_mu);
      if (draining.load()) return;
      if (sessions.size() < limits.max_connections) {
        const auto id = next_session++;
        session = std::make_shared<Session>(std::move(socket), *this, admin, id);
        sessions.emplace(id, session);
      }
    }
    if (session) session->run();
    // else: `socket` closes as it goes out of scope (over the connection limit)
    do_accept(acceptor, admin);
  });
}

Server::Server(ServerLimits limits, RequestSink& sink, std::string upload_dir)
    : impl_(std::make_unique<Impl>(limits, sink, std::move(upload_dir))) {}

Server::~Server() { stop(); }

Result<std::string> Server::listen(const std::string& host_port, bool admin) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return make_error(Errc::validation, "listen address must be HOST:PORT");
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(host_port.substr(colon + 1), &used);
    if (used != host_port.size() - colon - 1 || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return make_error(Errc::validation, "bad port in listen address " + host_port);
  }
  try {
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive);
    if (results.empty()) return make_error(Errc::validation, "cannot resolve " + host);
    auto endpoint = results.begin()->endpoint();
    auto acceptor = std::make_unique<tcp::acceptor>(net::make_strand(impl_->ioc));
    acceptor->open(endpoint.protocol());
    acceptor->set_option(net::socket_base::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen(net::socket_base::max_listen_connections);
    const auto bound = acceptor->local_endpoint();
    const std::string address =
        bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
    impl_->acceptors.push_back(std::move(acceptor));
    impl_->acceptor_is_admin.push_back(admin);
    return fmt::format("{}:{}", address, bound.port());
  } catch (const std::exception& e) {
    return make_error(Errc::unavailable, fmt::format("cannot listen on {}: {}", host_port, e.what()));
  }
}

void Server::start() {
  for (std::size_t i = 0; i < impl_->acceptors.size(); ++i) {
    impl_->do_accept(*impl_->acceptors[i], impl_->acceptor_is_admin[i]);
  }
  impl_->keep_running.emplace(impl_->ioc.get_executor());
  for (unsigned i = 0; i < impl_->limits.io_threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
}

void Server::stop_accepting() {
  for (auto& acceptor : impl_->acceptors) {
    net::post(acceptor->get_executor(), [a = acceptor.get()] {
      beast::error_code ec;
      a->close(ec);
    });
  }
}

bool Server::drain(std::chrono::milliseconds timeout) {
  std::vector<std::shared_ptr<Impl::Session>> live;
  {
    std::lock_guard lock(impl_->sessions_mu);
    impl_->draining = true;
    for (auto& [id, weak] : impl_->sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->drain();
  live.clear();
  std::unique_lock lock(impl_->sessions_mu);
  return impl_->sessions_cv.wait_for(lock, timeout, [&] { return impl_->sessions.empty(); });
}

void Server::stop() {
  impl_->keep_running.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->threads.clear();
}

std::size_t Server::open_connections() const {
  std::lock_guard lock(impl_->sessions_mu);
  return impl_->sessions.size();
}

}  // namespace ticketd::http
