#include "adapters/external_fetch.h"

#include <fmt/format.h>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <charconv>

#include "adapters/payload_fields.h"
#include "adapters/payloads.h"
#include "adapters/system_auth.h"

namespace ticketd {

namespace {

Result<std::string> get(ExternalSystem system, const http::ConnectionSettings& c, const boost::urls::url& url,
                        const RestClient& client) {
  auto auth = auth_headers(system, c, client);
  if (!auth) return std::unexpected(auth.error());
  auto answer = client.send({"GET", std::string(url.buffer()), *auth, ""});
  if (!answer) return std::unexpected(answer.error());
  const int s = answer->status;
  if (answer->worth_retrying()) return make_error(Errc::unavailable, fmt::format("GET {}: HTTP {}", url.path(), s));
  if (s < 200 || s >= 300) return make_error(Errc::validation, fmt::format("GET {}: HTTP {}", url.path(), s));
  return std::move(answer->body);
}

Result<boost::urls::url> url_of(const http::ConnectionSettings& c, const std::string& path) {
  const std::string text = base_of(c) + path;  // parse_uri's view points into it
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return make_error(Errc::validation, "the connection's base_url is not a URL");
  return boost::urls::url(*parsed);
}

Result<simdjson::dom::element> parse(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) return make_error(Errc::validation, "the answer is not JSON");
  return root;
}

std::string minutes(Timestamp t) {  // JQL's "yyyy-MM-dd HH:mm", UTC
  const std::string s = format_rfc3339(t);
  return s.substr(0, 10) + " " + s.substr(11, 5);
}

}  // namespace

Result<ExternalTicket> fetch_ticket(ExternalSystem system, const http::ConnectionSettings& c, const std::string& key,
                                    const RestClient& client) {
  std::string path;
  switch (system) {
    case ExternalSystem::jira:
      path = "/rest/api/2/issue/" + key;
      break;
    case ExternalSystem::zammad:
      path = "/api/v1/tickets/" + key;
      break;
    case ExternalSystem::smax:
      path = "/rest/" + c.tenant_id + "/ems/Request/" + key;
      break;
  }
  auto url = url_of(c, path);
  if (!url) return std::unexpected(url.error());
  if (system == ExternalSystem::zammad) url->params().append({"expand", "true"});
  if (system == ExternalSystem::smax) url->params().append({"layout", "FULL_LAYOUT"});
  auto body = get(system, c, *url, client);
  if (!body) return std::unexpected(body.error());
  simdjson::dom::parser parser;
  auto root = parse(parser, *body);
  if (!root) return std::unexpected(root.error());
  switch (system) {
    case ExternalSystem::jira:
      return parse_jira_issue(*root);
    case ExternalSystem::zammad:
      return parse_zammad_ticket(*root);
    case ExternalSystem::smax: {
      simdjson::dom::array entities;
      if ((*root)["entities"].get_array().get(entities) != simdjson::SUCCESS || entities.size() == 0) {
        return make_error(Errc::validation, "SMAX answered no entity for " + key);
      }
      return parse_smax_entity(*entities.begin());
    }
  }
  return make_error(Errc::internal, "unknown system");
}

Result<ChangedPage> fetch_changed(ExternalSystem system, const http::ConnectionSettings& c, Timestamp since,
                                  const std::string& cursor, const RestClient& client) {
  Result<boost::urls::url> url = make_error(Errc::internal, "unset");
  std::int64_t offset = 0;  // Zammad's page, SMAX's skip
  if (!cursor.empty()) {
    const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), offset);
    if (system != ExternalSystem::jira && (ec != std::errc() || end != cursor.data() + cursor.size())) {
      return make_error(Errc::validation, "not a page cursor: " + cursor);
    }
  }
  switch (system) {
    case ExternalSystem::jira: {
      url = url_of(c, "/rest/api/3/search/jql");
      if (!url) return std::unexpected(url.error());
      std::string jql = fmt::format("updated >= \"{}\" ORDER BY updated ASC", minutes(since));
      if (!c.project.empty()) jql = fmt::format("project = \"{}\" AND {}", c.project, jql);
      url->params().append({"jql", jql});
      url->params().append({"fields", "*all"});
      url->params().append({"maxResults", std::to_string(kPullPageSize)});
      if (!cursor.empty()) url->params().append({"nextPageToken", cursor});
      break;
    }
    case ExternalSystem::zammad:
      url = url_of(c, "/api/v1/tickets/search");
      if (!url) return std::unexpected(url.error());
      url->params().append({"query", "updated_at:>=" + format_rfc3339(since)});
      url->params().append({"sort_by", "updated_at"});
      url->params().append({"order_by", "asc"});
      url->params().append({"expand", "true"});
      url->params().append({"page", std::to_string(cursor.empty() ? 1 : offset)});
      url->params().append({"per_page", std::to_string(kPullPageSize)});
      break;
    case ExternalSystem::smax: {
      url = url_of(c, "/rest/" + c.tenant_id + "/ems/Request");
      if (!url) return std::unexpected(url.error());
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since.time_since_epoch()).count();
      url->params().append({"layout", "FULL_LAYOUT"});
      url->params().append({"filter", fmt::format("LastUpdateTime>{}", ms)});
      url->params().append({"size", std::to_string(kPullPageSize)});
      url->params().append({"skip", std::to_string(offset)});
      url->params().append({"meta", "totalCount"});
      break;
    }
  }
  auto body = get(system, c, *url, client);
  if (!body) return std::unexpected(body.error());
  simdjson::dom::parser parser;
  auto root = parse(parser, *body);
  if (!root) return std::unexpected(root.error());
  ChangedPage page;
  simdjson::dom::array items;
  switch (system) {
    case ExternalSystem::jira:
      if ((*root)["issues"].get_array().get(items) != simdjson::SUCCESS) {
        return make_error(Errc::validation, "the Jira search answer has no issues");
      }
      for (simdjson::dom::element issue : items) {
        if (auto t = parse_jira_issue(issue)) page.tickets.push_back(std::move(*t));
      }
      page.next = payload::text(*root, {"nextPageToken"});  // absent on the last page
      break;
    case ExternalSystem::zammad:
      if (root->get_array().get(items) != simdjson::SUCCESS) {
        return make_error(Errc::validation, "the Zammad search answer is not an array of tickets (expand=true)");
      }
      for (simdjson::dom::element ticket : items) {
        if (auto t = parse_zammad_ticket(ticket)) page.tickets.push_back(std::move(*t));
      }
      if (items.size() >= static_cast<std::size_t>(kPullPageSize))
        page.next = std::to_string((cursor.empty() ? 1 : offset) + 1);
      break;
    case ExternalSystem::smax: {
      if ((*root)["entities"].get_array().get(items) != simdjson::SUCCESS) {
        return make_error(Errc::validation, "the SMAX answer has no entities");
      }
      if (payload::text(*root, {"meta", "completion_status"}).value_or("OK") != "OK") {
        return make_error(Errc::validation, "the SMAX query did not complete");
      }
      for (simdjson::dom::element entity : items) {
        if (auto t = parse_smax_entity(entity)) page.tickets.push_back(std::move(*t));
      }
      const auto total = payload::integer(*root, {"meta", "total_count"}).value_or(0);
      const std::int64_t fetched = offset + static_cast<std::int64_t>(items.size());
      if (items.size() > 0 && fetched < total) page.next = std::to_string(fetched);
      break;
    }
  }
  return page;
}

}  // namespace ticketd
