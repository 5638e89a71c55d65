// A real SMTP server on loopback for the e-mail tests: tests/smtp_sink.py (Debian's
// python3-aiosmtpd) run as a child process. It writes each accepted message to a directory
// as <n>.eml and <n>.json (headers and both bodies, parsed by Python's email package), so the
// tests assert on what the server really received. Killed when the test ends (or dies).
#pragma once

#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/process_support.h"
#include "tests/test_support.h"

namespace ticketd::test {

// One received message, as the sink parsed it.
struct ReceivedMail {
  std::string file;
  std::string rcpt;          // the envelope recipient
  std::string content_type;  // of the whole message
  std::map<std::string, std::string> headers;
  std::string raw_subject;  // the Subject header as it was on the wire
  std::string text, html;
  [[nodiscard]] std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// What the sink refuses or delays.
struct SmtpRefusals {
  int refuse_first = 0;     // 451 for the first N messages
  std::string reject_rcpt;  // 550 for recipients containing this
  int rcpt_delay_ms = 0;    // each RCPT answered this late (see SmtpSink::all_waiting_at_rcpt())
};

class SmtpSink {
 public:
  using Refusals = SmtpRefusals;
  explicit SmtpSink(const Refusals& r = Refusals()) {
    std::vector<std::string> argv{"/usr/bin/python3", SMTP_SINK_PATH, dir_.str()};
    if (r.refuse_first > 0) argv.insert(argv.end(), {"--refuse-first", std::to_string(r.refuse_first)});
    if (!r.reject_rcpt.empty()) argv.insert(argv.end(), {"--reject-rcpt", r.reject_rcpt});
    if (r.rcpt_delay_ms > 0) argv.insert(argv.end(), {"--rcpt-delay-ms", std::to_string(r.rcpt_delay_ms)});
    auto [pid, fd] = spawn_with_stdout(argv);
    pid_ = pid;
    fd_ = fd;
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (out.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      read_until(fd_, out, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
    }
    if (!out.starts_with("listening ")) throw std::runtime_error("smtp_sink.py did not start: " + out);
    port_ = std::stoi(out.substr(10));
  }
  ~SmtpSink() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    ::close(fd_);
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  [[nodiscard]] std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // Every message received so far, in arrival order.
  [[nodiscard]] std::vector<ReceivedMail> messages() const {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir_.str())) {
      if (e.path().extension() == ".json") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    std::vector<ReceivedMail> out;
    simdjson::dom::parser parser;
    for (const auto& f : files) {
      simdjson::dom::element root;
      if (parser.load(f).get(root) != simdjson::SUCCESS) continue;
      ReceivedMail m;
      m.file = f;
      auto str = [](simdjson::dom::element e) {
        std::string_view v;
        return e.get_string().get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
      };
      simdjson::dom::array rcpts;
      if (root["rcpt_tos"].get_array().get(rcpts) == simdjson::SUCCESS && rcpts.size() > 0) m.rcpt = str(rcpts.at(0));
      m.content_type = str(root["content_type"]);
      m.raw_subject = str(root["raw_subject"]);
      m.text = str(root["text"]);
      m.html = str(root["html"]);
      simdjson::dom::object headers;
      if (root["headers"].get_object().get(headers) == simdjson::SUCCESS) {
        for (auto [k, v] : headers) m.headers[std::string(k)] = str(v);
      }
      out.push_back(std::move(m));
    }
    return out;
  }
  // Whether messages are in flight and every one of them waits for the answer to its RCPT
  // (Refusals::rcpt_delay_ms): a client killed now has sent none of them.
  [[nodiscard]] bool all_waiting_at_rcpt() const {
    std::ifstream in(dir_.str() + "/rcpt_state");
    int waiting = 0, in_flight = 0;
    in >> waiting >> in_flight;
    return waiting > 0 && waiting == in_flight;
  }
  // Messages answered 451 so far.
  [[nodiscard]] int refused() const {
    std::ifstream in(dir_.str() + "/counts");
    int accepted = 0, refused = 0;
    in >> accepted >> refused;
    return refused;
  }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace ticketd::test
