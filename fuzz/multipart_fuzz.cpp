// A multipart/form-data body (boundary "b" or the one in the first line) read from a file
// as uploads are: find_file_part either finds a part inside the body or says why not.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "http/multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // In memory (tmpfs) where there is one: a file is written per input.
  static const std::string path =
      (std::filesystem::path(std::filesystem::is_directory("/dev/shm") ? "/dev/shm"
                                                                       : std::filesystem::temp_directory_path()) /
       ("ticketd-multipart-fuzz-" + std::to_string(::getpid())))
          .string();
  const std::string body(reinterpret_cast<const char*>(data), size);
  // The first line is the Content-Type header's value, the rest the body.
  const auto eol = body.find('\n');
  const std::string content_type = eol == std::string::npos ? "multipart/form-data; boundary=b" : body.substr(0, eol);
  const std::string rest = eol == std::string::npos ? body : body.substr(eol + 1);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(rest.data(), static_cast<std::streamsize>(rest.size()));
  }
  auto boundary = ticketd::http::multipart_boundary(content_type);
  if (!boundary) return 0;
  auto part = ticketd::http::find_file_part(path, *boundary);
  if (part && part->offset + part->length > rest.size()) std::abort();  // a part lies inside the body
  return 0;
}
