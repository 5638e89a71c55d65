// The HTTP API of docs/api.md as a RequestSink for the Server: routing,
// authentication (bearer JWT), rate limiting, the user directory's "first seen" record,
// metrics and the access log around every handler. Unmatched paths and the probes
// (/healthz, /readyz: Route::quick, see kQuickRoutes in api.cpp) are answered on the calling
// I/O thread; every other handler, anything that may take a millisecond, runs on a
// WorkQueue of ApiOptions::worker_threads (beyond max_queued_requests: 503).
//
// Every answer that is not a success goes through problem() (http/problem.h). Handlers
// never throw for expected failures; an exception that escapes one is logged and
// answered 500 without details.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "attachments/attachment_scanner.h"
#include "attachments/attachment_store.h"
#include "commands/command_engine.h"
#include "http/email_port.h"
#include "http/integrations_port.h"
#include "http/rate_limiter.h"
#include "http/replication_view.h"
#include "http/router.h"
#include "http/server.h"
#include "http/tokens.h"
#include "http/upload_quota.h"
#include "http/webhooks_port.h"
#include "projections/projection_runner.h"

namespace ticketd::http {

struct ApiOptions {
  unsigned worker_threads = 64;            // handlers in flight at once
  std::size_t max_queued_requests = 4096;  // beyond: 503 with Retry-After
  RateLimit rate;                          // per principal
  RateLimit auth_failures{1, 30};          // failed authentications per client address (always on)
  UploadLimits uploads;                    // upload bytes in flight, per principal and in all
  std::uint64_t max_attachment_bytes = 25 * 1024 * 1024;
  std::vector<std::string> attachment_types{
      "text/plain", "text/csv",  "application/pdf", "application/json",         "application/zip", "image/png",
      "image/jpeg", "image/gif", "image/webp",      "application/octet-stream", "message/rfc822"};
  std::uint64_t ready_max_lag = 10000;  // /readyz: read models at most this many events behind
  bool metrics_on_admin_only = false;   // --admin-listen given: /metrics only there
  std::size_t max_bulk_ids = 100;
  bool access_log = true;
  // A follower (--follow): the leader's URL, named by the 503 that answers every write.
  std::string leader_url;
  // The shared secret of GET /api/v1/replication/keys (a leader's followers send it); empty: off.
  std::string replication_secret;
};

struct ApiServices {
  CommandEngine& engine;
  AttachmentStore& attachments;
  ProjectionRunner& projector;
  std::string read_model_path;
  Clock& clock;
  IdSource& ids;
  const TokenVerifier& tokens;
  AttachmentScanner& scanner;
  SubjectKeys* subject_keys = nullptr;           // for GET /api/v1/replication/keys
  const ReplicationView* replication = nullptr;  // a relay or a follower: /readyz, /metrics
  IntegrationsPort* integrations = nullptr;      // the sync adapters (a leader's): /api/v1/integrations
  WebhooksPort* webhooks = nullptr;              // outgoing webhooks (a leader's): /api/v1/webhooks
  EmailPort* email =
      nullptr;  // e-mail notifications (a leader's, --smtp-url): /api/v1/notifications, /me/notifications
  // More series for /metrics from parts the API does not know (the automations), or empty.
  std::function<void(std::string& out)> more_metrics = nullptr;
};

class Api final : public RequestSink {
 public:
  Api(ApiServices services, ApiOptions options);
  ~Api() override;

  [[nodiscard]] bool is_upload(std::string_view method, std::string_view path) const override;
  [[nodiscard]] std::expected<std::shared_ptr<void>, Response> admit_upload(const Request& head) override;
  void handle(Request request, std::function<void(Response)> done) override;

  [[nodiscard]] const Router& router() const;
  // Waits for queued and running handlers to finish (before closing the store).
  void shut_down();

  struct Context;

 private:
  std::unique_ptr<Context> ctx_;
};

}  // namespace ticketd::http
