// Mailer: the port e-mail notifications send through (docs/notifications.md, "E-mail"), and
// SmtpMailer, its implementation over libcurl's SMTP support (curl's headers stay in the
// .cpp). A message is one multipart/alternative body (text/plain and text/html, UTF-8,
// quoted-printable), built with libcurl's MIME API, with the headers From, To, Subject
// (RFC 2047 base64 encoded-words when it is not ASCII), Date, Message-ID, In-Reply-To and
// References.
//
// Errors are values: Errc::unavailable for what is worth retrying (the server cannot be
// reached, a timeout, a 4xx reply), Errc::validation for a permanent refusal (a 5xx reply:
// the recipient or the message is refused, or the login is), Errc::internal for a message
// that cannot be built. Addresses, names and bodies never reach an error message or a log
// line. SmtpMailer is thread-safe (each send() uses its own connection).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/timestamp.h"

namespace ticketd {

struct MailMessage {
  std::string to;       // one address, "user@example.com"
  std::string subject;  // UTF-8
  Timestamp date{};
  std::string message_id;               // "<...@host>"
  std::string in_reply_to;              // "<...@host>" or empty
  std::vector<std::string> references;  // "<...@host>" each, oldest first
  std::string text;                     // UTF-8
  std::string html;                     // UTF-8, a whole document
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  [[nodiscard]] virtual Result<void> send(const MailMessage& message) = 0;
};

enum class StartTls { off, try_, required };  // CURLOPT_USE_SSL: none, try, all

// "off", "try" or "required".
[[nodiscard]] Result<StartTls> parse_starttls(std::string_view text);

class SmtpMailer final : public Mailer {
 public:
  static constexpr std::size_t kMaxSubjectBytes = 500;    // longer subjects are cut (on a UTF-8 boundary)
  static constexpr std::size_t kMaxBodyBytes = 1u << 20;  // each of text and html; longer: internal
  struct Options {
    std::string url;  // smtp://host:port or smtps://host:port
    StartTls starttls = StartTls::off;
    std::string username;  // empty: no AUTH
    std::string password;
    std::string from;  // the envelope sender and From:, "noreply@example.com"
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds total_timeout{30'000};
  };
  explicit SmtpMailer(Options options);
  Result<void> send(const MailMessage& message) override;

 private:
  Options options_;
};

// The Subject header's value: `subject` as is when it is printable ASCII, otherwise RFC 2047
// encoded-words "=?UTF-8?B?...?=" (each of at most 75 characters, split on UTF-8 character
// boundaries, separated by a space).
[[nodiscard]] std::string encode_subject(std::string_view subject);

// The RFC 5322 date of `at` in UTC: "Fri, 04 Dec 2026 18:23:55 +0000".
[[nodiscard]] std::string rfc5322_date(Timestamp at);

}  // namespace ticketd
