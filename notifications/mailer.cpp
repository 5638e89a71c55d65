#include "notifications/mailer.h"

#include <curl/curl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <memory>
#include <mutex>

#include "base/base64.h"

namespace ticketd {

namespace {

// RFC 2047: an encoded-word is at most 75 characters; "=?UTF-8?B?" and "?=" take 12, so
// 63 characters of base64, which carry at most 45 bytes (whole UTF-8 characters).
constexpr std::size_t kEncodedWordBytes = 45;

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_mime* m) const { curl_mime_free(m); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// `text` cut to at most `max` bytes, not inside a UTF-8 character.
std::string_view utf8_prefix(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t n = max;
  while (n > 0 && is_continuation(static_cast<unsigned char>(text[n]))) --n;
  return text.substr(0, n);
}

bool printable_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// CRs and LFs would end a header line: a header value never holds them.
bool one_line(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

curl_usessl use_ssl(StartTls t) {
  switch (t) {
    case StartTls::off:
      return CURLUSESSL_NONE;
    case StartTls::try_:
      return CURLUSESSL_TRY;
    case StartTls::required:
      return CURLUSESSL_ALL;
  }
  return CURLUSESSL_NONE;
}

// `text` with every line ending CRLF: libcurl's quoted-printable encoder keeps CRLF as line
// breaks (a lone LF would travel as "=0A").
std::string crlf_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

// A body part of the alternative: UTF-8 text, quoted-printable.
Result<void> add_part(curl_mime* alt, const std::string& text, const char* type) {
  const std::string body = crlf_lines(text);
  curl_mimepart* part = curl_mime_addpart(alt);
  if (part == nullptr || curl_mime_data(part, body.data(), body.size()) != CURLE_OK ||
      curl_mime_type(part, type) != CURLE_OK || curl_mime_encoder(part, "quoted-printable") != CURLE_OK) {
    return make_error(Errc::internal, "smtp: cannot build a body part");
  }
  return {};
}

}  // namespace

Result<StartTls> parse_starttls(std::string_view text) {
  if (text == "off") return StartTls::off;
  if (text == "try") return StartTls::try_;
  if (text == "required") return StartTls::required;
  return make_error(Errc::validation, "starttls must be off, try or required");
}

std::string encode_subject(std::string_view subject) {
  subject = utf8_prefix(subject, SmtpMailer::kMaxSubjectBytes);
  if (printable_ascii(subject)) return std::string(subject);
  std::string out;
  while (!subject.empty()) {
    const std::string_view word = utf8_prefix(subject, kEncodedWordBytes);
    if (!out.empty()) out += ' ';
    out += "=?UTF-8?B?" + base64_encode(word) + "?=";
    subject.remove_prefix(word.size());
  }
  return out;
}

std::string rfc5322_date(Timestamp at) {
  return fmt::format("{:%a, %d %b %Y %H:%M:%S} +0000", std::chrono::floor<std::chrono::seconds>(at));
}

SmtpMailer::SmtpMailer(Options options) : options_(std::move(options)) { global_init(); }

Result<void> SmtpMailer::send(const MailMessage& m) {
  if (m.text.size() > kMaxBodyBytes || m.html.size() > kMaxBodyBytes) {
    return make_error(Errc::internal, "smtp: a body is larger than the limit");
  }
  for (const std::string* v :
       std::initializer_list<const std::string*>{&m.to, &m.message_id, &m.in_reply_to, &options_.from}) {
    if (!one_line(*v)) return make_error(Errc::internal, "smtp: a header value holds a line break");
  }
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return make_error(Errc::internal, "smtp: curl_easy_init failed");
  CURL* c = curl.get();

  // The envelope.
  const std::string mail_from = "<" + options_.from + ">";
  std::unique_ptr<curl_slist, CurlDeleter> rcpt(curl_slist_append(nullptr, ("<" + m.to + ">").c_str()));
  // The headers, on the top part.
  std::vector<std::string> lines{"From: " + options_.from, "To: " + m.to, "Subject: " + encode_subject(m.subject),
                                 "Date: " + rfc5322_date(m.date), "Message-ID: " + m.message_id};
  if (!m.in_reply_to.empty()) lines.push_back("In-Reply-To: " + m.in_reply_to);
  if (!m.references.empty()) {
    std::string refs = "References:";
    for (const auto& r : m.references) {
      if (!one_line(r)) return make_error(Errc::internal, "smtp: a header value holds a line break");
      refs += " " + r;
    }
    lines.push_back(std::move(refs));
  }
  std::unique_ptr<curl_slist, CurlDeleter> headers;
  for (const auto& line : lines) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next == nullptr) return make_error(Errc::internal, "smtp: out of memory");
    (void)headers.release();
    headers.reset(next);
  }

  // The body: multipart/alternative of text and HTML (libcurl's MIME API, as in curl's
  // smtp-mime example: the alternative is the one part of the message's multipart).
  std::unique_ptr<curl_mime, CurlDeleter> mime(curl_mime_init(c));
  curl_mime* alt = curl_mime_init(c);
  if (!mime || alt == nullptr) return make_error(Errc::internal, "smtp: curl_mime_init failed");
  if (auto ok = add_part(alt, m.text, "text/plain; charset=utf-8"); !ok) {
    curl_mime_free(alt);
    return ok;
  }
  if (auto ok = add_part(alt, m.html, "text/html; charset=utf-8"); !ok) {
    curl_mime_free(alt);
    return ok;
  }
  curl_mimepart* part = curl_mime_addpart(mime.get());
  if (part == nullptr || curl_mime_subparts(part, alt) != CURLE_OK) {  // `part` owns `alt` from here
    curl_mime_free(alt);
    return make_error(Errc::internal, "smtp: cannot build the message");
  }
  if (curl_mime_type(part, "multipart/alternative") != CURLE_OK) {
    return make_error(Errc::internal, "smtp: cannot build the message");
  }
  std::unique_ptr<curl_slist, CurlDeleter> inline_part(curl_slist_append(nullptr, "Content-Disposition: inline"));
  curl_mime_headers(part, inline_part.get(), 0);

  curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(use_ssl(options_.starttls)));
  if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");

  const CURLcode done = curl_easy_perform(c);
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  if (done == CURLE_OK) return {};
  // The error text names the curl code and the SMTP reply code only (never an address).
  const std::string what = fmt::format("smtp: {} (reply {})", curl_easy_strerror(done), reply);
  if (reply >= 500 && reply < 600) return make_error(Errc::validation, what);
  if ((reply >= 400 && reply < 500) || done == CURLE_COULDNT_CONNECT || done == CURLE_COULDNT_RESOLVE_HOST ||
      done == CURLE_OPERATION_TIMEDOUT || done == CURLE_SEND_ERROR || done == CURLE_RECV_ERROR ||
      done == CURLE_GOT_NOTHING || done == CURLE_SSL_CONNECT_ERROR || done == CURLE_USE_SSL_FAILED) {
    return make_error(Errc::unavailable, what);
  }
  if (done == CURLE_LOGIN_DENIED) return make_error(Errc::validation, what);
  return make_error(Errc::internal, what);
}

}  // namespace ticketd
