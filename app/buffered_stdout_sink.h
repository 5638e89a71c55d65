// A spdlog sink that writes to stdout through stdio's buffer without flushing every line
// (spdlog's console sinks flush each message: one write(2) per access-log line, under one
// global mutex, which serializes every request handler). Lines reach stdout when the
// buffer fills, on flush() (spdlog::flush_every in ticketd) and at exit.
//
// Thread-safe through base_sink's mutex; the critical section is a copy into the buffer.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <mutex>

namespace ticketd::app {

class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  void flush_() override { std::fflush(stdout); }
};

}  // namespace ticketd::app
