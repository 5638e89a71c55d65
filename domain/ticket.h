// The ticket aggregate's state: what apply() builds from the ticket's events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/timestamp.h"
#include "domain/principal.h"
#include "domain/ticket_vocabulary.h"

namespace ticketd {

struct Resolution {
  ResolutionCode code = ResolutionCode::resolved;
  std::string text;
  friend bool operator==(const Resolution&, const Resolution&) = default;
};

struct ExternalRef {
  std::string system;
  std::string key;
  friend bool operator==(const ExternalRef&, const ExternalRef&) = default;
};

struct Comment {
  std::string id;
  std::string author;
  Role author_role = Role::customer;
  std::string body;
  Visibility visibility = Visibility::public_;
  bool is_staff_reply = false;
  std::vector<std::string> attachments;
  std::vector<std::string> mentions;
  Timestamp at{};
  friend bool operator==(const Comment&, const Comment&) = default;
};

struct AttachmentMeta {
  std::string id;
  std::string file_name;
  std::string content_type;
  std::uint64_t size = 0;
  std::string sha256;
  std::string uploader;
  Visibility visibility = Visibility::public_;
  std::string scan_verdict;  // what the scan hook said ("clean", ...)
  // Set for a file that stays in an external system (a sync adapter's reference): where it
  // is. Such an attachment has no bytes here and no sha256.
  std::string url;
  friend bool operator==(const AttachmentMeta&, const AttachmentMeta&) = default;
};

struct Link {
  std::string kind;  // "duplicate_of" (on a merged source), "merged_from" (on the target)
  std::string ticket;
  friend bool operator==(const Link&, const Link&) = default;
};

// One SLA metric's clock: intervals in which it ran, and how it ended.
struct SlaClock {
  std::vector<std::pair<Timestamp, Timestamp>> ran;  // closed intervals of running time
  std::optional<Timestamp> running_since;            // set while the clock runs
  std::optional<Timestamp> met_at;                   // first response given / ticket resolved
  bool warned = false;                               // sla warning recorded
  bool breached = false;                             // sla breach recorded
  friend bool operator==(const SlaClock&, const SlaClock&) = default;
};

enum class SlaMetric { first_response, resolution };

struct Ticket {
  std::string id;
  std::string number;
  std::string tenant;
  std::string subject;
  std::string description;
  TicketType type = TicketType::question;
  std::string category = "general";
  Priority priority = Priority::medium;
  Status status = Status::new_;
  std::string queue = "general";
  std::string requester;
  std::optional<std::string> assignee;
  std::vector<std::string> tags;
  std::vector<ExternalRef> external;
  std::optional<Resolution> resolution;
  std::vector<Comment> comments;
  std::vector<AttachmentMeta> attachments;
  // Ids of the attachments shown to the requester: public ones the requester uploaded and
  // public ones a public comment references (apply() keeps it; access::may_see_attachment).
  std::vector<std::string> shared_attachments;
  std::vector<Link> links;
  std::optional<int> feedback_rating;  // of the current resolution
  std::string feedback_comment;
  std::uint32_t resolution_cycle = 0;  // times the ticket was resolved or closed
  std::uint32_t feedback_cycle = 0;    // resolution_cycle when feedback was last given
  Timestamp created_at{};
  Timestamp updated_at{};
  std::optional<Timestamp> resolved_at;
  std::optional<Timestamp> closed_at;
  std::optional<Timestamp> archived_at;  // by retention: out of the read models, no more changes
  SlaClock first_response;
  SlaClock resolution_clock;
  std::uint64_t version = 0;  // events applied

  [[nodiscard]] bool exists() const { return version > 0; }
  [[nodiscard]] const SlaClock& clock(SlaMetric m) const {
    return m == SlaMetric::first_response ? first_response : resolution_clock;
  }
  [[nodiscard]] SlaClock& clock(SlaMetric m) {
    return m == SlaMetric::first_response ? first_response : resolution_clock;
  }
  friend bool operator==(const Ticket&, const Ticket&) = default;
};

}  // namespace ticketd
