// reject_unverified_recipient / _sender; see unverified.hpp.
#include "policy/unverified.hpp"

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "base/log.hpp"
#include "base/strings.hpp"

namespace tern::policy {

Result<UnverifiedSettings> UnverifiedSettings::from(const config::Params& p, bool sender_role) {
  UnverifiedSettings s;
  s.sender_role = sender_role;
  s.reject_code = int(sender_role ? p.unverified_sender_reject_code : p.unverified_recipient_reject_code);
  s.defer_code = int(sender_role ? p.unverified_sender_defer_code : p.unverified_recipient_defer_code);
  s.reject_reason = std::string(trim(sender_role ? p.unverified_sender_reject_reason : p.unverified_recipient_reject_reason));
  std::string action = lower(trim(sender_role ? p.unverified_sender_tempfail_action : p.unverified_recipient_tempfail_action));
  if (action == "defer") s.defer_if_permit = false;
  else if (action == "defer_if_permit") s.defer_if_permit = true;
  else
    return Error{std::string(sender_role ? "unverified_sender_tempfail_action" : "unverified_recipient_tempfail_action") +
                 " = " + action + ": use defer or defer_if_permit"};
  s.poll_count = int(std::max<long long>(1, p.address_verify_poll_count));
  s.poll_delay = std::chrono::seconds(p.address_verify_poll_delay.count());
  return s;
}

std::string unverified_action(const UnverifiedSettings& s, const Result<VerifyResult>& r) {
  const char* detail = s.sender_role ? ".1.7 " : ".1.1 ";
  auto temporary = [&](std::string_view dsn_detail, std::string_view text) {
    if (s.defer_if_permit) return fmt::format("DEFER_IF_PERMIT 4{}{}", dsn_detail, text);
    return fmt::format("{} 4{}{}", s.defer_code, dsn_detail, text);
  };
  if (!r) return temporary(".3.0 ", "address verification problem");
  switch (r->status) {
    case VerifyStatus::ok: return "DUNNO";
    case VerifyStatus::undeliverable:
      return fmt::format("{} {}{}{}", s.reject_code, s.reject_code / 100, detail,
                         s.reject_reason.empty() ? "undeliverable address: " + r->text : s.reject_reason);
    case VerifyStatus::deferred:
    case VerifyStatus::pending:
      return temporary(detail, "unverified address: " + r->text);
  }
  return "DUNNO";
}

namespace {

class AddressVerifier : public Delegate {
 public:
  AddressVerifier(UnverifiedSettings s, asio::io_context& io, VerifyQuery q)
      : s_(std::move(s)), io_(io), query_(std::move(q)) {}

  asio::awaitable<Result<std::string>> ask(const PolicyRequest& request) override {
    std::string address(request.get(s_.sender_role ? "sender" : "recipient"));
    if (address.empty()) co_return std::string("DUNNO");  // the null sender is not probed
    Result<VerifyResult> r = co_await query_(address);
    for (int polls = 1; r && r->status == VerifyStatus::pending && polls < s_.poll_count; ++polls) {
      asio::steady_timer pause(io_);
      pause.expires_after(s_.poll_delay);
      asio::error_code ec;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      r = co_await query_(address);
    }
    if (!r) log_.warning("address verification of {}: {}", printable(address), r.error().message);
    co_return unverified_action(s_, r);
  }

 private:
  UnverifiedSettings s_;
  asio::io_context& io_;
  VerifyQuery query_;
  log::Logger log_{"smtpd"};
};

}  // namespace

std::unique_ptr<Delegate> make_address_verifier(UnverifiedSettings s, asio::io_context& io, VerifyQuery query) {
  return std::make_unique<AddressVerifier>(std::move(s), io, std::move(query));
}

Result<std::unique_ptr<Delegate>> make_address_verifier(const config::Params& p, asio::io_context& io,
                                                        VerifyQuery query, bool sender_role) {
  auto s = UnverifiedSettings::from(p, sender_role);
  if (!s) return s.error();
  return make_address_verifier(std::move(*s), io, std::move(query));
}

}  // namespace tern::policy
