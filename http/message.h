// The request and response as handlers see them: plain values, no Beast types, so that
// only http/server.cpp includes Beast.
//
// Header names are stored lowercase. A request body is either in `body`, or (uploads)
// in the file `body_file` that the server streamed it to and deletes after the response.
// A response body is either in `body`, or (downloads) in the file `body_file` that the
// handler wrote in the request's `spool_dir` and that the server sends from disk and then
// deletes (an in-process caller without a server leaves `spool_dir` empty).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ticketd::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;                                      // "GET", "POST", ...
  std::string target;                                      // path and query as sent
  std::string path;                                        // percent-decoded path, without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded parameters, in order
  Headers headers;                                         // names lowercase
  std::string body;
  std::string body_file;  // set instead of `body` for streamed uploads
  std::uint64_t body_size = 0;
  std::string spool_dir;               // where a handler may write a response's body_file ("": keep bodies in memory)
  std::string request_id;              // X-Request-Id (echoed or made)
  bool admin_listener = false;         // arrived on --admin-listen
  std::string peer;                    // the client's IP address (failed-authentication limit)
  std::shared_ptr<void> upload_lease;  // an upload's share of the quotas (RequestSink::admit_upload)
  bool keep_alive = true;

  [[nodiscard]] std::optional<std::string_view> header(std::string_view lowercase_name) const;
  [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  Headers headers;
  std::string body;
  std::string body_file;  // set instead of `body`: sent from this file, which is then deleted
  std::uint64_t body_file_size = 0;

  [[nodiscard]] std::uint64_t body_bytes() const { return body_file.empty() ? body.size() : body_file_size; }

  Response& set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

[[nodiscard]] Response json_response(int status, std::string body);

}  // namespace ticketd::http
