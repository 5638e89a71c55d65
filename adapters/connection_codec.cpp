#include "adapters/connection_codec.h"

#include "base/json_fields.h"
#include "base/json_writer.h"

namespace ticketd {

namespace {

constexpr std::string_view kScope = "integration";
using Map = std::vector<std::pair<std::string, std::string>>;

struct Secret {
  const char* key;
  std::optional<std::string> http::ConnectionSettings::*field;
};
constexpr Secret kSecrets[] = {{"api_token", &http::ConnectionSettings::api_token},
                               {"pat", &http::ConnectionSettings::pat},
                               {"token", &http::ConnectionSettings::token},
                               {"password", &http::ConnectionSettings::password},
                               {"webhook_secret", &http::ConnectionSettings::webhook_secret}};
struct Mapping {
  const char* key;
  Map http::ConnectionSettings::*field;
};
constexpr Mapping kMaps[] = {{"status_map", &http::ConnectionSettings::status_map},
                             {"priority_map", &http::ConnectionSettings::priority_map},
                             {"type_map", &http::ConnectionSettings::type_map},
                             {"account_map", &http::ConnectionSettings::account_map}};

}  // namespace

Result<std::string> seal_connection(const http::ConnectionSettings& c, const std::string& tenant,
                                    const std::string& system, FieldCipher& cipher) {
  const std::string subject = "integration:" + tenant + "/" + system;
  FieldSealer sealer(cipher, kScope);
  JsonWriter w;
  w.begin_object();
  w.key("subject").value(subject);
  w.key("base_url").value(c.base_url).key("email").value(c.email).key("tenant_id").value(c.tenant_id);
  w.key("login").value(c.login).key("project").value(c.project);
  for (const auto& s : kSecrets) sealer.field(w, s.key, subject, (c.*s.field).value_or(""));
  for (const auto& m : kMaps) {
    w.key(m.key).begin_array();
    for (const auto& [from, to] : c.*m.field) w.begin_array().value(from).value(to).end_array();
    w.end_array();
  }
  w.key("inbound").value(c.inbound).key("outbound").value(c.outbound).key("pull_interval_s").value(c.pull_interval_s);
  w.key("max_calls_in_flight").value(c.max_calls_in_flight);
  w.end_object();
  if (auto ok = sealer.status(); !ok) return std::unexpected(ok.error());
  return w.take();
}

Result<http::ConnectionSettings> open_connection(std::string_view stored, const FieldCipher& cipher) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(stored.data(), stored.size()).get(root) != simdjson::SUCCESS) {
    return make_error(Errc::internal, "a stored connection is not JSON");
  }
  JsonFields in{root};
  FieldOpener opener(cipher, kScope);
  http::ConnectionSettings c;
  c.base_url = in.str("base_url");
  c.email = in.str("email");
  c.tenant_id = in.str("tenant_id");
  c.login = in.str("login");
  c.project = in.str("project");
  for (const auto& s : kSecrets) {
    std::string value = opener.field(in, s.key);
    if (!value.empty()) c.*s.field = std::move(value);
  }
  for (const auto& m : kMaps) {
    in.each(m.key, [&](simdjson::dom::element pair) {
      std::string_view from, to;
      if (pair.at(0).get_string().get(from) != simdjson::SUCCESS ||
          pair.at(1).get_string().get(to) != simdjson::SUCCESS) {
        in.ok = false;
        return;
      }
      (c.*m.field).emplace_back(from, to);
    });
  }
  c.inbound = in.boolean("inbound");
  c.outbound = in.boolean("outbound");
  c.pull_interval_s = in.i64("pull_interval_s");
  c.max_calls_in_flight = in.opt_i64("max_calls_in_flight").value_or(http::ConnectionSettings::kDefaultCallsInFlight);
  if (auto ok = opener.status(); !ok) return std::unexpected(ok.error());
  if (!in.ok) return make_error(Errc::internal, "a stored connection does not match its schema");
  return c;
}

}  // namespace ticketd
