// decide(): the rules of docs/domain.md for every ticket command.
#include <algorithm>
#include <string>

#include "domain/access.h"
#include "domain/text_rules.h"
#include "domain/ticket_workflow.h"

namespace ticketd {
namespace {

static_assert(TenantConfigLimits::kMaxTextBytes == TicketLimits::kBodyMaxBytes);
static_assert(TenantConfigLimits::kMaxSubBytes == TicketLimits::kFieldMaxBytes);

using Events = std::vector<TicketEvent>;
using Outcome = Result<Events>;

Error error(Errc code, std::string message) { return Error{code, std::move(message), {}, std::nullopt, {}, {}}; }

std::unexpected<Error> not_found() { return std::unexpected(error(Errc::not_found, "ticket not found")); }
std::unexpected<Error> forbidden(std::string why) { return std::unexpected(error(Errc::forbidden, std::move(why))); }

std::unexpected<Error> conflict(const Ticket& t, std::string why) {
  Error e = error(Errc::conflict, std::move(why));
  e.current_status = std::string(name_of(t.status));
  for (Status s : allowed_next(t)) e.allowed.emplace_back(name_of(s));
  return std::unexpected(std::move(e));
}

// Collects field errors; empty when everything is valid.
struct FieldErrors {
  std::vector<FieldError> list;
  void add(std::string field, std::string message) { list.push_back({std::move(field), std::move(message)}); }
  [[nodiscard]] bool empty() const { return list.empty(); }
  [[nodiscard]] std::unexpected<Error> error() const {
    Error e{Errc::validation,
            "invalid request: " + list.front().field + " " + list.front().message,
            list,
            std::nullopt,
            {},
            {}};
    return std::unexpected(std::move(e));
  }
};

using access::Action;
using access::may;

Outcome denied(Action action) { return forbidden(access::denial(action)); }

void check_subject(FieldErrors& errors, const std::string& subject) {
  const auto n = utf8_length(subject);
  if (!valid_utf8(subject)) {
    errors.add("subject", "is not valid UTF-8");
  } else if (n == 0 || n > TicketLimits::kSubjectMaxChars) {
    errors.add("subject", "must be 1-200 characters after trimming");
  }
}

void check_body(FieldErrors& errors, const char* field, const std::string& text, bool required) {
  if (!valid_utf8(text)) {
    errors.add(field, "is not valid UTF-8");
  } else if (text.size() > TicketLimits::kBodyMaxBytes) {
    errors.add(field, "must be at most 64 KiB");
  } else if (required && text.empty()) {
    errors.add(field, "must not be empty");
  }
}

void check_tags(FieldErrors& errors, const std::vector<std::string>& tags) {
  if (tags.size() > TicketLimits::kMaxTags) errors.add("tags", "at most 20 tags");
  for (const auto& tag : tags) {
    if (tag.empty() || tag.size() > TicketLimits::kTagMaxBytes || !valid_utf8(tag)) {
      errors.add("tags", "each tag must be 1-50 bytes of UTF-8");
      return;
    }
  }
}

std::vector<std::string> normalized_tags(std::vector<std::string> tags) {
  for (auto& t : tags) t = trim(t);
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

Outcome create(const Ticket& t, const CreateTicket& c, const DecideContext& ctx) {
  const Principal& who = ctx.principal;
  if (t.exists()) return std::unexpected(error(Errc::conflict, "ticket id already used"));
  if (!ctx.in_scope) return not_found();
  if (!may(who, Action::create_ticket)) return denied(Action::create_ticket);
  if (access::sees_only_own_tickets(who) && c.tenant != who.tenant) return not_found();

  FieldErrors errors;
  TicketCreated e;
  e.id = c.id;
  e.number = c.number;
  e.tenant = c.tenant;
  e.subject = trim(c.subject);
  e.description = c.description;
  check_subject(errors, e.subject);
  check_body(errors, "description", e.description, false);
  e.type = c.type.value_or(TicketType::question);
  e.category = c.category.value_or("general");
  if (!ctx.config.has_category(e.category)) errors.add("category", "is not one of the tenant's categories");
  e.priority = c.priority.value_or(Priority::medium);
  e.queue = c.queue.value_or("general");
  if (!ctx.config.has_queue(e.queue)) errors.add("queue", "is not one of the tenant's queues");
  e.tags = normalized_tags(c.tags);
  check_tags(errors, e.tags);
  if (c.requester && *c.requester != who.sub) {
    if (!may(who, Action::create_for_others)) return denied(Action::create_for_others);
    if (c.requester->empty() || c.requester->size() > TicketLimits::kFieldMaxBytes) {
      errors.add("requester", "must be a user id");
    }
    e.requester = *c.requester;
  } else {
    e.requester = who.sub;
  }
  if (c.external) {
    if (!may(who, Action::link_external)) return denied(Action::link_external);
    if (c.external->system.empty() || c.external->key.empty()) errors.add("external", "system and key are required");
    e.external = c.external;
  }
  if (!access::may_import_as(who, c.external ? &c.external->system : nullptr)) {
    return forbidden("an integration creates tickets only with an external reference of its own system (" + who.sub +
                     ")");
  }
  e.attachments = c.attachments;
  if (!errors.empty()) return errors.error();
  return Events{std::move(e)};
}

Outcome update(const Ticket& t, const UpdateTicket& u, const DecideContext& ctx) {
  const Principal& who = ctx.principal;
  if (!may(who, Action::edit_ticket)) return denied(Action::edit_ticket);
  if (!may(who, Action::edit_triage_fields)) {
    if (u.priority || u.category || u.queue || u.type || u.tags) return denied(Action::edit_triage_fields);
    if (t.status != Status::new_) return conflict(t, "customers may edit a ticket only while it is new");
  }
  if (t.status == Status::closed) return conflict(t, "a closed ticket cannot be edited");

  FieldErrors errors;
  TicketUpdated e;
  auto change = [&](const char* field, const std::string& before, const std::string& after) {
    if (before != after) e.changes.push_back({field, before, after});
  };
  if (u.subject) {
    const std::string s = trim(*u.subject);
    check_subject(errors, s);
    change("subject", t.subject, s);
  }
  if (u.description) {
    check_body(errors, "description", *u.description, false);
    change("description", t.description, *u.description);
  }
  if (u.category) {
    if (!ctx.config.has_category(*u.category)) errors.add("category", "is not one of the tenant's categories");
    change("category", t.category, *u.category);
  }
  if (u.queue) {
    if (!ctx.config.has_queue(*u.queue)) errors.add("queue", "is not one of the tenant's queues");
    change("queue", t.queue, *u.queue);
  }
  if (u.priority) change("priority", std::string(name_of(t.priority)), std::string(name_of(*u.priority)));
  if (u.type) change("type", std::string(name_of(t.type)), std::string(name_of(*u.type)));
  if (u.tags) {
    auto tags = normalized_tags(*u.tags);
    check_tags(errors, tags);
    if (tags != t.tags) {
      e.tags_before = t.tags;
      e.tags_after = std::move(tags);
    }
  }
  if (!errors.empty()) return errors.error();
  if (e.changes.empty() && !e.tags_after) return Events{};
  return Events{std::move(e)};
}

Outcome assign(const Ticket& t, const AssignTicket& a, const DecideContext& ctx) {
  const Principal& who = ctx.principal;
  if (!may(who, Action::assign_self)) return denied(Action::assign_self);
  if (t.status == Status::resolved || t.status == Status::closed) {
    return conflict(t, "a resolved or closed ticket cannot be (un)assigned; reopen it first");
  }
  if (!a.assignee) {  // unassign
    if (!t.assignee) return Events{};
    if (!may(who, Action::assign_others) && *t.assignee != who.sub) return denied(Action::assign_others);
    Events out{TicketAssigned{t.assignee, std::nullopt}};
    if (t.status != Status::new_) out.push_back(StatusChanged{t.status, Status::new_, "unassign", std::nullopt});
    return out;
  }
  if (!may(who, Action::assign_others) && *a.assignee != who.sub) return denied(Action::assign_others);
  if (!a.assignee_user || !may(a.assignee_user->role, Action::be_assigned) || !a.assignee_in_scope) {
    FieldErrors errors;
    errors.add("assignee", "must be a known agent or admin whose scope covers the ticket's tenant");
    return errors.error();
  }
  if (t.assignee == a.assignee) return Events{};
  Events out{TicketAssigned{t.assignee, a.assignee}};
  if (t.status == Status::new_) out.push_back(StatusChanged{Status::new_, Status::open, "assign", std::nullopt});
  return out;
}

bool within_reopen_window(const Ticket& t, const DecideContext& ctx) {
  const auto since = t.status == Status::closed ? t.closed_at : t.resolved_at;
  if (!since) return true;
  return ctx.now - *since <= ctx.config.reopen_window;
}

FieldErrors check_resolution(const std::optional<Resolution>& r) {
  FieldErrors errors;
  if (!r || trim(r->text).empty()) {
    errors.add("resolution.text", "is required to resolve or close");
  } else if (r->text.size() > TicketLimits::kBodyMaxBytes || !valid_utf8(r->text)) {
    errors.add("resolution.text", "must be at most 64 KiB of UTF-8");
  }
  return errors;
}

Outcome change_status(const Ticket& t, const ChangeStatus& c, const DecideContext& ctx) {
  const Principal& who = ctx.principal;
  if (!may(who, Action::change_status)) return denied(Action::change_status);
  const Status from = t.status;
  const Status to = c.target;
  const auto allowed = allowed_next(t);
  const bool reopen =
      (from == Status::resolved || from == Status::closed) && (to == Status::new_ || to == Status::open);
  // Role before state: a transition only staff may take is 403 for others in any status,
  // so a 409 (with its allowed next statuses) never shows them the staff workflow.
  if (!reopen && to != Status::closed && !may(who, Action::work_ticket)) return denied(Action::work_ticket);
  const bool mirrors = access::mirrors_external_workflow(who);
  const bool mirrored = mirrors && to != Status::closed && is_active(from) && from != to;
  if (!reopen && !mirrored && std::find(allowed.begin(), allowed.end(), to) == allowed.end()) {
    return conflict(t, std::string("cannot go from ") + std::string(name_of(from)) + " to " + std::string(name_of(to)));
  }
  if (reopen) {
    const bool window_ok = within_reopen_window(t, ctx);
    if (!may(who, Action::reopen_any_time)) {
      if (!may(who, Action::reopen_within_window)) return denied(Action::reopen_within_window);
      if (!window_ok) return conflict(t, "the reopen window has passed");
    }
    const Status target = t.assignee ? Status::open : Status::new_;
    return Events{StatusChanged{from, target, "reopen", std::nullopt}};
  }
  if (to == Status::closed) {
    if (may(who, Action::withdraw)) {  // the requester's confirm or withdraw
      if (from == Status::resolved) return Events{StatusChanged{from, to, "confirm", t.resolution}};
      Resolution r{ResolutionCode::canceled, "Withdrawn by the requester"};
      if (c.resolution && !trim(c.resolution->text).empty()) r.text = c.resolution->text;
      return Events{StatusChanged{from, to, "withdraw", r}};
    }
    if (from != Status::resolved) return forbidden("only the requester may withdraw an unresolved ticket");
    auto errors = check_resolution(c.resolution ? c.resolution : t.resolution);
    if (!errors.empty()) return errors.error();
    return Events{StatusChanged{from, to, "close", c.resolution ? c.resolution : t.resolution}};
  }
  // start, wait, resolve: staff (and integrations mirroring an external system), checked above.
  if (to == Status::in_progress) {
    if (!t.assignee && !mirrors) return conflict(t, "in_progress needs an assignee");
    return Events{StatusChanged{from, to, "start", std::nullopt}};
  }
  if (to == Status::resolved) {
    auto errors = check_resolution(c.resolution);
    if (!errors.empty()) return errors.error();
    return Events{StatusChanged{from, to, "resolve", c.resolution}};
  }
  return Events{StatusChanged{from, to, "wait", std::nullopt}};
}

Outcome comment(const Ticket& t, const AddComment& c, const DecideContext& ctx) {
  const Principal& who = ctx.principal;
  if (!may(who, Action::comment)) return denied(Action::comment);
  if (c.visibility == Visibility::internal && !may(who, Action::write_internal)) {
    return denied(Action::write_internal);
  }
  if (access::acts_as_requester(who) && t.status == Status::closed) {
    return conflict(t, "the ticket is closed; reopen it to comment");
  }
  FieldErrors errors;
  check_body(errors, "body", c.body, true);
  if (c.mentions.size() > TicketLimits::kMaxMentions) errors.add("mentions", "at most 50 mentions");
  if (c.attachments.size() > TicketLimits::kMaxAttachmentsPerComment) {
    errors.add("attachments", "at most 20 attachments per comment");
  }
  for (const auto& id : c.attachments) {
    auto it = std::find_if(t.attachments.begin(), t.attachments.end(), [&](const auto& a) { return a.id == id; });
    if (it == t.attachments.end() || !access::may_see_attachment(who, t, *it)) {
      errors.add("attachments", "unknown attachment " + id);
      break;
    }
    if (c.visibility == Visibility::public_ && it->visibility == Visibility::internal) {
      errors.add("attachments", "attachment " + id + " is internal; a public comment cannot share it");
      break;
    }
  }
  if (!errors.empty()) return errors.error();
  Comment comment{c.comment_id,       who.sub,       who.role,   c.body, c.visibility,
                  is_staff(who.role), c.attachments, c.mentions, ctx.now};
  Events out{CommentAdded{std::move(comment)}};
  if (access::acts_as_requester(who) && t.status == Status::waiting_on_customer) {
    out.push_back(StatusChanged{t.status, Status::in_progress, "customer_reply", std::nullopt});
  }
  // The requester answering a resolution says it is not resolved: the ticket reopens, so it
  // is not auto-closed over the reply (an internal note by staff changes nothing).
  if (access::acts_as_requester(who) && t.status == Status::resolved && c.visibility == Visibility::public_) {
    out.push_back(StatusChanged{t.status, t.assignee ? Status::open : Status::new_, "reopen", std::nullopt});
  }
  return out;
}

Outcome attach(const Ticket& t, const AddAttachment& a, const DecideContext& ctx) {
  const Principal& who = ctx.principal;
  const bool reference = !a.attachment.url.empty();  // a file that stays in an external system
  if (reference ? !may(who, Action::link_external) : !may(who, Action::attach)) {
    return denied(reference ? Action::link_external : Action::attach);
  }
  if (a.attachment.visibility == Visibility::internal && !may(who, Action::write_internal)) {
    return denied(Action::write_internal);
  }
  if (t.status == Status::closed) return conflict(t, "the ticket is closed");
  FieldErrors errors;
  const auto& m = a.attachment;
  if (m.file_name.empty() || m.file_name.size() > 255 || !valid_utf8(m.file_name) ||
      m.file_name.find_first_of("/\\") != std::string::npos || m.file_name == "." || m.file_name == "..") {
    errors.add("file_name", "must be 1-255 bytes of UTF-8 without path separators");
  }
  if (reference) {
    if (m.url.size() > TicketLimits::kMaxUrlBytes || !valid_utf8(m.url) ||
        (!m.url.starts_with("https://") && !m.url.starts_with("http://"))) {
      errors.add("url", "must be an http(s) URL of at most 2,048 bytes");
    }
  } else if (m.sha256.size() != 64) {
    errors.add("sha256", "must be 64 hex digits");
  }
  if (!errors.empty()) return errors.error();
  AttachmentAdded e{m};
  e.attachment.uploader = who.sub;
  return Events{std::move(e)};
}

Outcome merge(const Ticket& t, const MergeTicket& m, const DecideContext& ctx) {
  if (!may(ctx.principal, Action::merge)) return denied(Action::merge);
  if (m.into == t.id) return conflict(t, "a ticket cannot be merged into itself");
  if (!m.target_exists || m.target_tenant != t.tenant) {
    FieldErrors errors;
    errors.add("into", "must be an existing ticket of the same tenant");
    return errors.error();
  }
  if (m.target_status == Status::closed) return conflict(t, "cannot merge into a closed ticket");
  if (t.status == Status::closed) return conflict(t, "a closed ticket cannot be merged");
  return Events{TicketMerged{m.into}, StatusChanged{t.status, Status::closed, "merge",
                                                    Resolution{ResolutionCode::duplicate, "Merged into " + m.into}}};
}

Outcome feedback(const Ticket& t, const GiveFeedback& f, const DecideContext& ctx) {
  if (!may(ctx.principal, Action::give_feedback)) return denied(Action::give_feedback);
  if (ctx.principal.sub != t.requester) return forbidden("only the requester gives feedback");
  if (t.status != Status::resolved && t.status != Status::closed) {
    return conflict(t, "feedback is given after the ticket is resolved");
  }
  if (t.feedback_cycle >= t.resolution_cycle) return conflict(t, "feedback for this resolution was already given");
  FieldErrors errors;
  if (f.rating < 1 || f.rating > 5) errors.add("rating", "must be 1-5");
  if (f.comment.size() > TicketLimits::kFeedbackCommentMaxBytes || !valid_utf8(f.comment)) {
    errors.add("comment", "must be at most 4 KiB of UTF-8");
  }
  if (!errors.empty()) return errors.error();
  return Events{FeedbackGiven{f.rating, f.comment}};
}

Outcome external_ref(const Ticket& t, const AddExternalRef& r, const DecideContext& ctx) {
  if (!may(ctx.principal, Action::link_external)) return denied(Action::link_external);
  if (r.ref.system.empty() || r.ref.key.empty() || r.ref.key.size() > TicketLimits::kFieldMaxBytes) {
    FieldErrors errors;
    errors.add("external", "system and key are required");
    return errors.error();
  }
  if (std::find(t.external.begin(), t.external.end(), r.ref) != t.external.end()) return Events{};
  return Events{ExternalRefAdded{r.ref}};
}

// The macro's tags added to and removed from `tags` (add first, then remove).
std::vector<std::string> macro_tags(const std::vector<std::string>& tags, const Macro& m) {
  std::vector<std::string> out = tags;
  out.insert(out.end(), m.add_tags.begin(), m.add_tags.end());
  out = normalized_tags(std::move(out));
  std::erase_if(out, [&](const std::string& tag) {
    return std::find(m.remove_tags.begin(), m.remove_tags.end(), tag) != m.remove_tags.end();
  });
  return out;
}

Outcome apply_macro(const Ticket& t, const ApplyMacro& a, const DecideContext& ctx) {
  if (!may(ctx.principal, Action::apply_macro)) return denied(Action::apply_macro);
  if (!a.macro) return std::unexpected(error(Errc::not_found, "no such macro: " + a.macro_id));
  const Macro& m = *a.macro;
  Ticket state = t;
  Events out;
  // Decides one part on the state the parts before it left, and folds its events in.
  auto part = [&](auto decide_part, const auto& command) -> std::optional<Error> {
    auto events = decide_part(state, command, ctx);
    if (!events) return std::move(events.error());
    for (auto& e : *events) {
      state = apply(std::move(state), e, ctx.now);
      out.push_back(std::move(e));
    }
    return std::nullopt;
  };
  std::optional<Error> refused;
  if (m.comment) refused = part(comment, AddComment{a.comment_id, a.comment_body, m.comment->visibility, {}, {}});
  if (!refused && (m.priority || !m.add_tags.empty() || !m.remove_tags.empty())) {
    UpdateTicket u;
    u.priority = m.priority;
    if (!m.add_tags.empty() || !m.remove_tags.empty()) u.tags = macro_tags(state.tags, m);
    refused = part(update, u);
  }
  if (!refused && m.assignee) refused = part(assign, a.assign);
  // A status the ticket already has is no change (as assigning its assignee is not).
  if (!refused && m.status && *m.status != state.status) {
    refused = part(change_status, ChangeStatus{*m.status, m.resolution});
  }
  if (refused) return std::unexpected(std::move(*refused));
  return out;
}

}  // namespace

std::vector<Status> allowed_next(const Ticket& t) {
  switch (t.status) {
    case Status::new_:
      return {Status::closed};
    case Status::open:
      return {Status::in_progress, Status::closed};
    case Status::in_progress:
      return {Status::waiting_on_customer, Status::waiting_on_third_party, Status::resolved, Status::closed};
    case Status::waiting_on_customer:
      return {Status::in_progress, Status::waiting_on_third_party, Status::resolved, Status::closed};
    case Status::waiting_on_third_party:
      return {Status::in_progress, Status::waiting_on_customer, Status::resolved, Status::closed};
    case Status::resolved:
      return {Status::closed, t.assignee ? Status::open : Status::new_};
    case Status::closed:
      return {t.assignee ? Status::open : Status::new_};
  }
  return {};
}

bool archive_due(const Ticket& t, const TenantConfig& config, Timestamp now) {
  if (t.status != Status::closed || !t.closed_at || t.archived_at) return false;
  const auto age = now - *t.closed_at;
  return age >= config.retention && age >= config.reopen_window;
}

Result<std::vector<TicketEvent>> decide(const Ticket& t, const TicketCommand& command, const DecideContext& ctx) {
  if (const auto* c = std::get_if<CreateTicket>(&command)) return create(t, *c, ctx);
  if (!access::may_see_ticket(t, ctx.principal, ctx.in_scope)) return not_found();
  if (!access::may_act_on(ctx.principal, t)) {
    return forbidden("an integration acts only on tickets linked to its own system (" + ctx.principal.sub + ")");
  }
  if (t.archived_at) return conflict(t, "the ticket is archived (retention) and accepts no more changes");
  return std::visit(
      [&](const auto& c) -> Outcome {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, CreateTicket>) {
          return create(t, c, ctx);
        } else if constexpr (std::is_same_v<C, UpdateTicket>) {
          return update(t, c, ctx);
        } else if constexpr (std::is_same_v<C, AssignTicket>) {
          return assign(t, c, ctx);
        } else if constexpr (std::is_same_v<C, ChangeStatus>) {
          return change_status(t, c, ctx);
        } else if constexpr (std::is_same_v<C, AddComment>) {
          return comment(t, c, ctx);
        } else if constexpr (std::is_same_v<C, AddAttachment>) {
          return attach(t, c, ctx);
        } else if constexpr (std::is_same_v<C, MergeTicket>) {
          return merge(t, c, ctx);
        } else if constexpr (std::is_same_v<C, ReceiveMerge>) {
          if (!may(ctx.principal, Action::receive_merge)) return denied(Action::receive_merge);
          return Events{MergeReceived{c.from}};
        } else if constexpr (std::is_same_v<C, GiveFeedback>) {
          return feedback(t, c, ctx);
        } else if constexpr (std::is_same_v<C, AddExternalRef>) {
          return external_ref(t, c, ctx);
        } else if constexpr (std::is_same_v<C, ApplyMacro>) {
          return apply_macro(t, c, ctx);
        } else if constexpr (std::is_same_v<C, RecordSlaWarning> || std::is_same_v<C, RecordSlaBreach>) {
          if (!may(ctx.principal, Action::run_scheduler)) return denied(Action::run_scheduler);
          const SlaClock& clock = t.clock(c.metric);
          const bool breach = std::is_same_v<C, RecordSlaBreach>;
          if ((breach ? clock.breached : clock.warned) || clock.met_at) return Events{};
          if constexpr (std::is_same_v<C, RecordSlaBreach>) {
            return Events{SlaBreached{c.metric, c.due}};
          } else {
            return Events{SlaWarning{c.metric, c.due}};
          }
        } else if constexpr (std::is_same_v<C, ArchiveTicket>) {
          if (!may(ctx.principal, Action::run_scheduler)) return denied(Action::run_scheduler);
          if (!archive_due(t, ctx.config, ctx.now)) return Events{};
          return Events{TicketArchived{ctx.config.retention.count()}};
        } else {  // AutoClose
          if (!may(ctx.principal, Action::run_scheduler)) return denied(Action::run_scheduler);
          if (t.status != Status::resolved || !t.resolved_at ||
              ctx.now - *t.resolved_at < ctx.config.auto_close_delay) {
            return Events{};
          }
          return Events{StatusChanged{Status::resolved, Status::closed, "auto_close", t.resolution}};
        }
      },
      command);
}

}  // namespace ticketd
