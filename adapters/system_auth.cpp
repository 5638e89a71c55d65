#include "adapters/system_auth.h"

#include "base/base64.h"
#include "base/json_writer.h"

namespace ticketd {

std::string base_of(const http::ConnectionSettings& c) {
  std::string url = c.base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Result<RestHeaders> auth_headers(ExternalSystem system, const http::ConnectionSettings& c, const RestClient& client) {
  switch (system) {
    case ExternalSystem::jira:
      if (c.pat && !c.pat->empty()) return RestHeaders{{"Authorization", "Bearer " + *c.pat}};
      return RestHeaders{{"Authorization", "Basic " + base64_encode(c.email + ":" + c.api_token.value_or(""))}};
    case ExternalSystem::zammad:
      return RestHeaders{{"Authorization", "Token token=" + c.token.value_or("")}};
    case ExternalSystem::smax: {
      JsonWriter login;
      login.begin_object().key("login").value(c.login).key("password").value(c.password.value_or("")).end_object();
      auto token = client.send({"POST",
                                base_of(c) + "/auth/authentication-endpoint/authenticate/login?TENANTID=" + c.tenant_id,
                                {},
                                login.take()});
      if (!token) return std::unexpected(token.error());
      if (token->worth_retrying()) {
        return make_error(Errc::unavailable, "smax login: HTTP " + std::to_string(token->status));
      }
      if (token->status != 200 || token->body.empty()) {
        return make_error(Errc::forbidden, "smax login refused: HTTP " + std::to_string(token->status));
      }
      return RestHeaders{{"Cookie", "LWSSO_COOKIE_KEY=" + token->body}};
    }
  }
  return RestHeaders{};
}

}  // namespace ticketd
